// nn against PyTorch: the same weights and inputs give the same outputs and gradients for
// Linear, an MLP, the activations, Flatten and every loss (reductions, weights,
// ignore_index, label smoothing, probability targets); linear regression trained from the
// same initial weights follows PyTorch's loss curve for 200 steps with SGD and with Adam.
// Plus Module bookkeeping: names, children/modules, train/eval, zero_grad, state_dict,
// load_state_dict errors, to(dtype), and Linear's default initialization range.
#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "../autograd/refs.hpp"
#include "tensorbridge/autograd/autograd.hpp"
#include "tensorbridge/nn/nn.hpp"
#include "tensorbridge/optim/optim.hpp"
#include "tensorbridge/tensorbridge.hpp"

namespace tb = tensorbridge;
namespace nn = tb::nn;
namespace F = tb::nn::functional;
using tb::TensorBase;

namespace {

// Loads the reference weights into `module`, runs it, backpropagates sum(out * probe) and
// compares output and gradients with PyTorch's.
void check_module(const std::string& name, nn::Module& module) {
  SCOPED_TRACE(name);
  nn::StateDict state;
  for (const auto& [key, value] : module.state_dict()) {
    state.emplace_back(key, refs::tensor("nn/" + name + "/param/" + key));
  }
  module.load_state_dict(state);
  TensorBase x = refs::tensor("nn/" + name + "/x");
  x.requires_grad_();
  const TensorBase out = module(x);
  EXPECT_TRUE(refs::close(out, "nn/" + name + "/out"));
  tb::autograd::sum(tb::autograd::mul(out, refs::tensor("nn/" + name + "/probe"))).backward();
  EXPECT_TRUE(refs::close(x.grad(), "nn/" + name + "/grad_x"));
  for (const auto& [key, p] : module.named_parameters()) {
    EXPECT_TRUE(refs::close(p.grad(), "nn/" + name + "/grad/" + key)) << key;
  }
}

template <typename Fn>
void check_loss(const std::string& name, Fn&& fn, int n_args = 1) {
  SCOPED_TRACE(name);
  TensorBase x = refs::tensor("loss/" + name + "/x");
  x.requires_grad_();
  std::vector<TensorBase> args;
  for (int i = 0; i < n_args; ++i) {
    const std::string key = "loss/" + name + "/arg" + std::to_string(i);
    const refs::Entry& e = refs::get(key);
    bool integral = true;
    for (double v : e.values) integral = integral && v == std::floor(v);
    // Class indices come back as int64; everything else stays float32.
    const bool indices = integral && (name.rfind("ce", 0) == 0 || name.rfind("nll", 0) == 0) &&
                         i == 0 && e.shape.size() <= 1;
    args.push_back(indices ? refs::tensor(key, tb::DType::Int64) : refs::tensor(key));
  }
  const TensorBase out = fn(x, args);
  EXPECT_TRUE(refs::close(out, "loss/" + name + "/out", 2e-5, 1e-6));
  tb::autograd::sum(tb::autograd::mul(out, refs::tensor("loss/" + name + "/probe"))).backward();
  EXPECT_TRUE(refs::close(x.grad(), "loss/" + name + "/grad_x", 2e-5, 1e-6));
}

using Args = std::vector<TensorBase>;

}  // namespace

TEST(NNModules, MatchPyTorch) {
  nn::Linear linear(4, 3);
  check_module("linear", linear);
  nn::Linear linear3d(4, 2);
  check_module("linear_3d", linear3d);
  nn::Sequential mlp{std::make_shared<nn::Linear>(4, 5), std::make_shared<nn::ReLU>(),
                     std::make_shared<nn::Linear>(5, 3), std::make_shared<nn::Tanh>()};
  check_module("mlp", mlp);
  nn::ReLU relu;
  check_module("relu", relu);
  nn::Sigmoid sigmoid;
  check_module("sigmoid", sigmoid);
  nn::Tanh tanh;
  check_module("tanh", tanh);
  nn::GELU gelu;
  check_module("gelu", gelu);
  nn::GELU gelu_tanh("tanh");
  check_module("gelu_tanh", gelu_tanh);
  nn::Softmax softmax(1);
  check_module("softmax", softmax);
  nn::LogSoftmax log_softmax(-1);
  check_module("log_softmax", log_softmax);
  nn::Softmax softmax0(0);
  check_module("softmax_dim0", softmax0);
  nn::Flatten flatten;
  check_module("flatten", flatten);
}

TEST(NNLosses, PointwiseLossesMatchPyTorch) {
  for (std::string red : {"mean", "sum", "none"}) {
    check_loss("mse_" + red, [&](const TensorBase& x, const Args& a) {
      return nn::MSELoss(red)(x, a[0]);
    });
    check_loss("l1_" + red, [&](const TensorBase& x, const Args& a) {
      return nn::L1Loss(red)(x, a[0]);
    });
    check_loss("bce_" + red, [&](const TensorBase& x, const Args& a) {
      return nn::BCELoss({}, red)(x, a[0]);
    });
    check_loss("bce_logits_" + red, [&](const TensorBase& x, const Args& a) {
      return nn::BCEWithLogitsLoss({}, red)(x, a[0]);
    });
  }
  check_loss("bce_weight", [](const TensorBase& x, const Args& a) {
    return F::binary_cross_entropy(x, a[0], a[1]);
  }, 2);
  check_loss("bce_logits_weight", [](const TensorBase& x, const Args& a) {
    return nn::BCEWithLogitsLoss(a[1])(x, a[0]);
  }, 2);
}

TEST(NNLosses, ClassLossesMatchPyTorch) {
  for (std::string red : {"mean", "sum", "none"}) {
    check_loss("ce_" + red, [&](const TensorBase& x, const Args& a) {
      return nn::CrossEntropyLoss({}, -100, red)(x, a[0]);
    });
    check_loss("ce_probs_" + red, [&](const TensorBase& x, const Args& a) {
      return F::cross_entropy(x, a[0], {}, -100, red);
    });
    check_loss("nll_" + red, [&](const TensorBase& x, const Args& a) {
      return nn::NLLLoss({}, -100, red)(x, a[0]);
    });
  }
  check_loss("ce_weight", [](const TensorBase& x, const Args& a) {
    return nn::CrossEntropyLoss(a[1])(x, a[0]);
  }, 2);
  check_loss("ce_ignore", [](const TensorBase& x, const Args& a) {
    return nn::CrossEntropyLoss()(x, a[0]);
  });
  check_loss("ce_smoothing", [](const TensorBase& x, const Args& a) {
    return nn::CrossEntropyLoss({}, -100, "mean", 0.2)(x, a[0]);
  });
  check_loss("ce_weight_smoothing_ignore", [](const TensorBase& x, const Args& a) {
    return nn::CrossEntropyLoss(a[1], -100, "mean", 0.1)(x, a[0]);
  }, 2);
  check_loss("ce_probs_weight_smoothing", [](const TensorBase& x, const Args& a) {
    return F::cross_entropy(x, a[0], a[1], -100, "mean", 0.3);
  }, 2);
  check_loss("nll_weight_ignore", [](const TensorBase& x, const Args& a) {
    return nn::NLLLoss(a[1])(x, a[0]);
  }, 2);
  check_loss("ce_single", [](const TensorBase& x, const Args& a) {
    return nn::CrossEntropyLoss()(x, a[0]);
  });
}

TEST(NNLosses, BadInputs) {
  TensorBase logits = tb::zeros({2, 3});
  EXPECT_THROW(F::cross_entropy(logits, tb::from_vector<int64_t>({0, 3}, {2})), tb::IndexError);
  EXPECT_THROW(F::cross_entropy(logits, tb::from_vector<int64_t>({0}, {1})), tb::ValueError);
  EXPECT_THROW(F::cross_entropy(tb::zeros({2, 3, 4, 5}), tb::zeros({2}, tb::DType::Int64)),
               tb::ValueError);
  EXPECT_THROW(F::mse_loss(tb::zeros({2}), tb::zeros({3})), tb::ValueError);
  EXPECT_THROW(F::mse_loss(tb::zeros({2}), tb::zeros({2}), "avg"), tb::ValueError);
  EXPECT_THROW(nn::MSELoss("avg"), tb::ValueError);
  EXPECT_THROW(F::mse_loss(tb::zeros({2}, tb::DType::Int32), tb::zeros({2})), tb::TypeError);
}

TEST(NNTraining, LinearRegressionFollowsPyTorchLossCurve) {
  for (std::string opt_name : {"sgd", "adam"}) {
    SCOPED_TRACE(opt_name);
    const TensorBase x = refs::tensor("linreg/x");
    const TensorBase y = refs::tensor("linreg/y");
    nn::Linear model(1, 1);
    model.load_state_dict({{"weight", refs::tensor("linreg/" + opt_name + "/w0")},
                           {"bias", refs::tensor("linreg/" + opt_name + "/b0")}});
    std::unique_ptr<tb::optim::Optimizer> opt;
    if (opt_name == "sgd") {
      opt = std::make_unique<tb::optim::SGD>(model.parameters(), 0.01);
    } else {
      opt = std::make_unique<tb::optim::Adam>(model.parameters(), 0.01);
    }
    nn::MSELoss criterion;
    const std::vector<double> expected = refs::get("linreg/" + opt_name + "/losses").values;
    for (std::size_t step = 0; step < expected.size(); ++step) {
      opt->zero_grad();
      const TensorBase loss = criterion(model(x), y);
      loss.backward();
      opt->step();
      ASSERT_NEAR(loss.item<double>(), expected[step], 1e-4 * std::abs(expected[step]) + 1e-5)
          << "step " << step;
    }
    EXPECT_TRUE(refs::close(model.weight, "linreg/" + opt_name + "/w", 1e-4));
    EXPECT_TRUE(refs::close(model.bias, "linreg/" + opt_name + "/b", 1e-4));
  }
}

namespace {
struct Net : nn::Module {
  Net() : nn::Module("Net") {
    body = register_module("body", std::make_shared<nn::Sequential>(
                                       std::initializer_list<std::shared_ptr<nn::Module>>{
                                           std::make_shared<nn::Linear>(3, 4),
                                           std::make_shared<nn::ReLU>(),
                                           std::make_shared<nn::Dropout>(0.5)}));
    head = register_module("head", std::make_shared<nn::Linear>(4, 2, false));
    scale = register_parameter("scale", tb::ones({2}));
    register_buffer("steps", tb::zeros({1}, tb::DType::Int64));
  }
  TensorBase forward(const TensorBase& x) override {
    return tb::autograd::mul((*head)((*body)(x)), scale);
  }
  std::shared_ptr<nn::Sequential> body;
  std::shared_ptr<nn::Linear> head;
  TensorBase scale;
};
}  // namespace

TEST(NNModule, NamesChildrenModulesAndModes) {
  Net net;
  std::vector<std::string> names;
  for (const auto& [name, p] : net.named_parameters()) {
    names.push_back(name);
    EXPECT_TRUE(p.requires_grad());
    EXPECT_TRUE(p.is_leaf());
  }
  EXPECT_EQ(names, (std::vector<std::string>{"scale", "body.0.weight", "body.0.bias",
                                             "head.weight"}));
  EXPECT_EQ(net.parameters(false).size(), 1u);
  EXPECT_EQ(net.children().size(), 2u);
  std::vector<std::string> module_names;
  for (const auto& [name, m] : net.named_modules()) module_names.push_back(name);
  EXPECT_EQ(module_names, (std::vector<std::string>{"", "body", "body.0", "body.1", "body.2",
                                                    "head"}));
  EXPECT_EQ(net.named_buffers()[0].first, "steps");
  EXPECT_TRUE(net.is_training());
  net.eval();
  for (nn::Module* m : net.modules()) EXPECT_FALSE(m->is_training());
  // Dropout is the identity in eval mode.
  const TensorBase x = tb::ones({5, 3});
  EXPECT_EQ(refs::values_of(net(x)), refs::values_of(net(x)));
  net.train();
  EXPECT_TRUE(net.body->operator[](2)->is_training());
  EXPECT_THROW(net.register_parameter("a.b", tb::ones({1})), tb::ValueError);
}

TEST(NNModule, ZeroGradStateDictAndTo) {
  Net net;
  tb::autograd::sum(net(tb::ones({2, 3}))).backward();
  EXPECT_TRUE(net.scale.grad().defined());
  net.zero_grad(false);
  EXPECT_EQ(refs::values_of(net.scale.grad()), (std::vector<double>{0, 0}));
  net.zero_grad();
  EXPECT_FALSE(net.scale.grad().defined());

  const nn::StateDict state = net.state_dict();
  // PyTorch's order: a module's own parameters, its own buffers, then each child's.
  ASSERT_EQ(state.size(), 5u);
  EXPECT_EQ(state[1].first, "steps");
  EXPECT_EQ(state[2].first, "body.0.weight");
  EXPECT_FALSE(state[0].second.requires_grad());
  EXPECT_EQ(state[2].second.data_ptr(), net.body->operator[](0)->parameters()[0].data_ptr());

  Net other;
  other.load_state_dict(state);
  EXPECT_EQ(refs::values_of(other.head->weight), refs::values_of(net.head->weight));
  EXPECT_NE(other.head->weight.data_ptr(), net.head->weight.data_ptr());

  nn::StateDict bad = state;
  bad[2].second = tb::zeros({4, 4});
  bad.erase(bad.begin() + 1);
  bad.emplace_back("extra", tb::zeros({1}));
  try {
    other.load_state_dict(bad);
    FAIL() << "expected an error";
  } catch (const tb::ValueError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("size mismatch for body.0.weight"), std::string::npos) << msg;
    EXPECT_NE(msg.find("Missing key(s) in state_dict: \"steps\""), std::string::npos) << msg;
    EXPECT_NE(msg.find("Unexpected key(s) in state_dict: \"extra\""), std::string::npos) << msg;
  }
  nn::StateDict partial(state.begin(), state.begin() + 2);
  const auto result = other.load_state_dict(partial, /*strict=*/false);
  EXPECT_EQ(result.missing_keys.size(), 3u);

  const TensorBase weight_handle = net.head->weight;
  net.to(tb::DType::Float64);
  EXPECT_EQ(weight_handle.dtype(), tb::DType::Float64);  // same tensor, converted in place
  EXPECT_EQ(net.named_buffers()[0].second.dtype(), tb::DType::Int64);  // not floating
  tb::autograd::sum(net(tb::ones({2, 3}, tb::DType::Float64))).backward();
  EXPECT_EQ(net.head->weight.grad().dtype(), tb::DType::Float64);
}

TEST(NNInit, LinearDefaultInitializationRange) {
  tb::manual_seed(3);
  nn::Linear layer(25, 40);
  const std::vector<double> w = refs::values_of(layer.weight);
  const std::vector<double> b = refs::values_of(layer.bias);
  const double bound = 1.0 / std::sqrt(25.0);
  double max_abs = 0, mean = 0;
  for (double v : w) {
    max_abs = std::max(max_abs, std::abs(v));
    mean += v / double(w.size());
  }
  EXPECT_LE(max_abs, bound);
  EXPECT_GT(max_abs, 0.9 * bound);  // 1000 draws fill the range
  EXPECT_NEAR(mean, 0.0, 0.02);
  for (double v : b) EXPECT_LE(std::abs(v), bound);
  // Reproducible from the seed.
  tb::manual_seed(3);
  nn::Linear again(25, 40);
  EXPECT_EQ(refs::values_of(again.weight), w);
  // Other initializers.
  TensorBase t = tb::empty({30, 50});
  nn::init::xavier_uniform_(t);
  EXPECT_LE(refs::values_of(tb::autograd::amax(tb::autograd::abs(t)))[0],
            std::sqrt(6.0 / 80.0));
  nn::init::constant_(t, 0.25);
  EXPECT_EQ(refs::values_of(t)[7], 0.25);
  EXPECT_NEAR(nn::init::calculate_gain("relu"), std::sqrt(2.0), 1e-12);
  EXPECT_THROW(nn::init::calculate_fan_in_and_fan_out(tb::zeros({3})), tb::ValueError);
}

TEST(NNLayers, EmbeddingDropoutFlatten) {
  nn::Embedding emb(5, 3, 0);
  EXPECT_EQ(refs::values_of(emb.weight.select(0, 0)), (std::vector<double>{0, 0, 0}));
  const TensorBase ids = tb::from_vector<int64_t>({0, 2, 2, 4}, {2, 2});
  const TensorBase out = emb(ids);
  EXPECT_EQ(out.shape(), (tb::Shape{2, 2, 3}));
  tb::autograd::sum(out).backward();
  EXPECT_EQ(refs::values_of(emb.weight.grad()),
            (std::vector<double>{0, 0, 0, 0, 0, 0, 2, 2, 2, 0, 0, 0, 1, 1, 1}));
  EXPECT_THROW(emb(tb::from_vector<int64_t>({5}, {1})), tb::IndexError);

  tb::manual_seed(1);
  nn::Dropout drop(0.25);
  TensorBase x = tb::ones({4000});
  x.requires_grad_();
  const TensorBase y = drop(x);
  int64_t zeros = 0;
  for (double v : refs::values_of(y)) {
    if (v == 0) {
      ++zeros;
    } else {
      EXPECT_NEAR(v, 1 / 0.75, 1e-6);
    }
  }
  EXPECT_NEAR(double(zeros) / 4000, 0.25, 0.03);
  drop.eval();
  EXPECT_TRUE(drop(x).is_same(x));
  EXPECT_THROW(nn::Dropout(1.5), tb::ValueError);

  EXPECT_EQ(nn::Flatten()(tb::zeros({2, 3, 4})).shape(), (tb::Shape{2, 12}));
  EXPECT_EQ(nn::Flatten(0)(tb::zeros({2, 3, 4})).shape(), (tb::Shape{24}));
}
