// Autograd, nn and optim on CUDA tensors, checked against the same computation on the CPU
// from the same values: every op family's outputs and leaf gradients, a second-order
// gradient, gradcheck on the device, an MLP trained step by step with SGD / Adam / AdamW,
// Module::to(Device), state_dict, and the errors for tensors on two devices. Skips without
// a GPU (the error tests that need no device run anyway).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "cuda_test_util.hpp"
#include "tensorbridge/autograd/autograd.hpp"
#include "tensorbridge/autograd/gradcheck.hpp"
#include "tensorbridge/core/factory.hpp"
#include "tensorbridge/cuda/cuda.hpp"
#include "tensorbridge/nn/nn.hpp"
#include "tensorbridge/optim/optim.hpp"
#include "tensorbridge/tensorbridge.hpp"

namespace tb = tensorbridge;
namespace ag = tensorbridge::autograd;
using tb::DType;
using tb::Shape;
using tb::TensorBase;

namespace {

using tbtest::error_of;
using tbtest::expect_close;
using tbtest::kGpu;
using tbtest::values;

using Graph = std::function<TensorBase(const std::vector<TensorBase>&)>;

struct Leaf {
  Shape shape;
  double lo = -2, hi = 2;
};

double tol_for(DType d) { return d == DType::Float64 ? 1e-10 : 2e-5; }

// Leaves that require grad on `device`, from reproducible values (seeded by position).
std::vector<TensorBase> make_leaves(const std::vector<Leaf>& leaves, DType dtype,
                                    tb::Device device) {
  std::vector<TensorBase> out;
  for (std::size_t i = 0; i < leaves.size(); ++i) {
    TensorBase t = values(leaves[i].shape, dtype, leaves[i].lo, leaves[i].hi, 11 + i);
    if (!device.is_cpu()) t = t.to(device);
    t.requires_grad_();
    out.push_back(t);
  }
  return out;
}

// Runs `fn` on the leaves and backward with a fixed non-uniform seed gradient.
TensorBase run_graph(const Graph& fn, const std::vector<TensorBase>& leaves) {
  const TensorBase out = fn(leaves);
  const TensorBase seed = values(out.shape(), out.dtype(), 0.5, 1.5, 99).to(out.device());
  out.backward(seed);
  return out;
}

// The family's graph on the CPU and on the GPU: outputs and every leaf's gradient match.
void check_family(const std::string& family, const Graph& fn, const std::vector<Leaf>& leaves,
                  std::vector<DType> dtypes = {DType::Float32, DType::Float64}) {
  for (DType d : dtypes) {
    SCOPED_TRACE(family + " " + std::string(tb::dtype_name(d)));
    const std::vector<TensorBase> cpu = make_leaves(leaves, d, tb::Device::cpu());
    const std::vector<TensorBase> gpu = make_leaves(leaves, d, kGpu);
    const TensorBase expected = run_graph(fn, cpu);
    const TensorBase got = run_graph(fn, gpu);
    const double tol = tol_for(d);
    expect_close(got, expected, tol, tol);
    for (std::size_t i = 0; i < cpu.size(); ++i) {
      SCOPED_TRACE("grad of leaf " + std::to_string(i));
      ASSERT_TRUE(cpu[i].grad().defined());
      ASSERT_TRUE(gpu[i].grad().defined());
      EXPECT_EQ(gpu[i].grad().device(), kGpu);
      expect_close(gpu[i].grad(), cpu[i].grad(), tol, tol);
    }
  }
}

}  // namespace

// ---- (a) op families, CPU against GPU ------------------------------------------------------

TEST(CudaAutograd, ElementwiseWithBroadcasting) {
  TB_REQUIRE_GPU();
  check_family(
      "add/sub/mul/div broadcast",
      [](const std::vector<TensorBase>& x) {
        const TensorBase s = ag::add(ag::mul(x[0], x[1]), x[2]);
        return ag::sub(ag::div(s, ag::add(x[1], 3.0)), ag::mul(x[2], 0.5));
      },
      {{{3, 1, 5}}, {{4, 5}, 0.5, 2}, {{5}}});
  check_family(
      "scalar operands and alpha",
      [](const std::vector<TensorBase>& x) {
        return ag::add(ag::sub(2.0, ag::mul(x[0], 3.0)), ag::div(1.0, x[1]), 0.25);
      },
      {{{2, 3}}, {{2, 1}, 0.5, 2}});
  check_family(
      "maximum/minimum",
      [](const std::vector<TensorBase>& x) {
        return ag::add(ag::maximum(x[0], x[1]), ag::minimum(x[0], x[1]));
      },
      {{{4, 3}}, {{3}}});
}

TEST(CudaAutograd, UnaryMath) {
  TB_REQUIRE_GPU();
  check_family(
      "exp/log/sqrt/sin/cos/abs/neg",
      [](const std::vector<TensorBase>& x) {
        TensorBase y = ag::add(ag::exp(x[0]), ag::log(x[1]));
        y = ag::add(y, ag::mul(ag::sqrt(x[1]), ag::sin(x[0])));
        y = ag::sub(y, ag::cos(ag::abs(x[0])));
        return ag::add(ag::neg(y), ag::log1p(x[1]));
      },
      {{{5, 4}}, {{5, 4}, 0.5, 3}});
  check_family("pow", [](const std::vector<TensorBase>& x) { return ag::pow(x[0], 3.0); },
               {{{6}, 0.5, 2}});
}

TEST(CudaAutograd, Activations) {
  TB_REQUIRE_GPU();
  check_family(
      "relu/sigmoid/tanh",
      [](const std::vector<TensorBase>& x) {
        return ag::add(ag::relu(x[0]), ag::mul(ag::sigmoid(x[0]), ag::tanh(x[0])));
      },
      {{{4, 6}}});
  check_family("gelu", [](const std::vector<TensorBase>& x) { return ag::gelu(x[0]); },
               {{{4, 6}}});
  check_family("gelu tanh",
               [](const std::vector<TensorBase>& x) { return ag::gelu(x[0], "tanh"); },
               {{{4, 6}}});
}

TEST(CudaAutograd, Reductions) {
  TB_REQUIRE_GPU();
  check_family(
      "sum/mean over dims",
      [](const std::vector<TensorBase>& x) {
        const TensorBase a = ag::sum(x[0], {1}, true, std::nullopt);
        const TensorBase b = ag::mean(x[0], {0, 2});
        return ag::add(ag::mul(a, 2.0), b.unsqueeze(1));  // [3, 4, 5]
      },
      {{{3, 4, 5}}});
  check_family(
      "sum/mean of everything",
      [](const std::vector<TensorBase>& x) {
        return ag::add(ag::sum(x[0], {}, false, std::nullopt), ag::mean(x[0]));
      },
      {{{7, 3}}});
  check_family(
      "amax/amin",
      [](const std::vector<TensorBase>& x) {
        return ag::add(ag::amax(x[0], {1}, false), ag::amin(x[0], {1}, false));
      },
      {{{4, 6}}});
  check_family("max of everything", [](const std::vector<TensorBase>& x) { return ag::max(x[0]); },
               {{{4, 6}}});
  check_family("logsumexp",
               [](const std::vector<TensorBase>& x) { return ag::logsumexp(x[0], {1}); },
               {{{4, 6}}});
  check_family("softmax",
               [](const std::vector<TensorBase>& x) { return ag::softmax(x[0], 1); },
               {{{4, 6}}});
  check_family("log_softmax",
               [](const std::vector<TensorBase>& x) { return ag::log_softmax(x[0], -1); },
               {{{4, 6}}});
  check_family("var", [](const std::vector<TensorBase>& x) { return ag::var(x[0], {0}); },
               {{{5, 3}}});
}

TEST(CudaAutograd, MatrixProducts) {
  TB_REQUIRE_GPU();
  check_family("matmul", [](const std::vector<TensorBase>& x) { return ag::matmul(x[0], x[1]); },
               {{{3, 4}}, {{4, 5}}});
  check_family("matmul batched and broadcast",
               [](const std::vector<TensorBase>& x) { return ag::matmul(x[0], x[1]); },
               {{{2, 3, 4}}, {{4, 2}}});
  check_family("bmm", [](const std::vector<TensorBase>& x) { return ag::bmm(x[0], x[1]); },
               {{{2, 3, 4}}, {{2, 4, 5}}});
  check_family("linear",
               [](const std::vector<TensorBase>& x) { return ag::linear(x[0], x[1], x[2]); },
               {{{6, 4}}, {{3, 4}}, {{3}}});
  check_family("linear 3-d input",
               [](const std::vector<TensorBase>& x) { return ag::linear(x[0], x[1], x[2]); },
               {{{2, 5, 4}}, {{3, 4}}, {{3}}});
}

TEST(CudaAutograd, Views) {
  TB_REQUIRE_GPU();
  check_family(
      "slice/select/transpose/permute",
      [](const std::vector<TensorBase>& x) {
        const TensorBase s = x[0].slice(1, 1, 5, 2);            // [3, 2, 4]
        const TensorBase t = ag::mul(s.transpose(0, 2), 2.0);   // [4, 2, 3]
        const TensorBase p = x[0].permute({2, 0, 1}).select(2, 0);  // [4, 3]
        return ag::add(t.sum({1}, false), p);
      },
      {{{3, 6, 4}}});
  check_family(
      "reshape/squeeze/unsqueeze/expand",
      [](const std::vector<TensorBase>& x) {
        const TensorBase r = x[0].reshape({4, 3}).unsqueeze(0);  // [1, 4, 3]
        const TensorBase e = x[1].unsqueeze(1).expand({2, 4, 3});
        return ag::mul(r.squeeze(0), e);
      },
      {{{2, 6}}, {{2, 3}}});
  check_family("flip", [](const std::vector<TensorBase>& x) { return ag::mul(x[0].flip({0, 1}), x[0]); },
               {{{3, 4}}});
  check_family(
      "split",
      [](const std::vector<TensorBase>& x) {
        const std::vector<TensorBase> parts = x[0].split(2, 0);
        return ag::add(ag::mul(parts[0], 3.0), parts[1]);
      },
      {{{4, 3}}});
  check_family(
      "non-contiguous leaf math (transposed operand)",
      [](const std::vector<TensorBase>& x) { return ag::mul(x[0].t(), x[1]); },
      {{{5, 3}}, {{3, 5}}});
}

TEST(CudaAutograd, Casts) {
  TB_REQUIRE_GPU();
  check_family(
      "to float64 and back",
      [](const std::vector<TensorBase>& x) {
        const TensorBase wide = x[0].to(DType::Float64);
        return ag::mul(wide, wide).to(DType::Float32);
      },
      {{{4, 5}}}, {DType::Float32});
  check_family(
      "clone and contiguous",
      [](const std::vector<TensorBase>& x) {
        return ag::add(x[0].t().contiguous(), ag::mul(x[0].t().clone(), 2.0));
      },
      {{{3, 4}}});
}

TEST(CudaAutograd, JoiningAndIndexing) {
  TB_REQUIRE_GPU();
  check_family("cat",
               [](const std::vector<TensorBase>& x) { return ag::cat({x[0], x[1]}, 1); },
               {{{3, 2}}, {{3, 4}}});
  check_family("stack",
               [](const std::vector<TensorBase>& x) { return ag::stack({x[0], x[1]}, 0); },
               {{{3, 2}}, {{3, 2}}});
  check_family(
      "where",
      [](const std::vector<TensorBase>& x) {
        return ag::where(tb::ops::gt(x[0].detach(), 0.0), x[0], x[1]);
      },
      {{{4, 5}}, {{4, 5}}});
  check_family("clamp",
               [](const std::vector<TensorBase>& x) { return ag::clamp(x[0], tb::Scalar(-0.5), tb::Scalar(1.0)); },
               {{{4, 5}}});
  check_family(
      "gather",
      [](const std::vector<TensorBase>& x) {
        const TensorBase idx = tb::tensor<int64_t>({{0, 2}, {1, 1}, {3, 0}}).to(x[0].device());
        return ag::gather(x[0], 1, idx);
      },
      {{{3, 4}}});
  check_family(
      "index_select",
      [](const std::vector<TensorBase>& x) {
        const TensorBase idx = tb::tensor<int64_t>({2, 0, 2}).to(x[0].device());
        return ag::index_select(x[0], 0, idx);
      },
      {{{3, 4}}});
  check_family(
      "masked_fill",
      [](const std::vector<TensorBase>& x) {
        return ag::masked_fill(x[0], tb::ops::lt(x[0].detach(), 0.0), 0.0);
      },
      {{{4, 5}}});
}

// ---- (b) higher order, gradcheck ------------------------------------------------------------

TEST(CudaAutograd, SecondOrderGradientMatchesCpu) {
  TB_REQUIRE_GPU();
  // f = sum(tanh(x) * x^2): the second derivative goes through tanh's and mul's backward.
  auto second = [](const TensorBase& x) {
    const TensorBase y = ag::sum(ag::mul(ag::tanh(x), ag::mul(x, x)), {}, false, std::nullopt);
    const TensorBase g = ag::grad({y}, {x}, {}, std::nullopt, true)[0];
    EXPECT_TRUE(g.requires_grad());
    const TensorBase gg = ag::grad({ag::sum(ag::mul(g, g), {}, false, std::nullopt)}, {x})[0];
    return std::make_pair(g, gg);
  };
  const TensorBase x = values({3, 4}, DType::Float64);
  const TensorBase cx = x.clone().requires_grad_();
  const TensorBase gx = x.to(kGpu).requires_grad_();
  const auto [cg, cgg] = second(cx);
  const auto [gg, ggg] = second(gx);
  expect_close(gg, cg, 1e-10, 1e-10);
  expect_close(ggg, cgg, 1e-10, 1e-10);
}

TEST(CudaAutograd, GradcheckRunsOnTheDevice) {
  TB_REQUIRE_GPU();
  const TensorBase a = values({2, 3}, DType::Float64).to(kGpu).requires_grad_();
  const TensorBase b = values({3}, DType::Float64, 0.5, 2, 7).to(kGpu).requires_grad_();
  auto fn = [](const std::vector<TensorBase>& x) {
    return ag::div(ag::mul(ag::tanh(x[0]), x[1]), ag::add(x[1], 1.0));
  };
  EXPECT_TRUE(ag::gradcheck(fn, {a, b}));
  EXPECT_TRUE(ag::gradgradcheck(fn, {a, b}));
  EXPECT_EQ(a.device(), kGpu);  // perturbed in place, left as it was
  expect_close(a.detach(), values({2, 3}, DType::Float64), 0, 0);
  // A wrong derivative is caught on the device as well.
  struct Wrong : ag::Function<Wrong> {
    static TensorBase forward(ag::AutogradContext*, const TensorBase& x) {
      return tb::ops::mul(x, x);
    }
    static std::vector<TensorBase> backward(ag::AutogradContext*, std::vector<TensorBase> g) {
      return {g[0]};
    }
  };
  EXPECT_FALSE(ag::gradcheck([](const std::vector<TensorBase>& x) { return Wrong::apply(x[0]); },
                             {a}, 1e-6, 1e-5, 1e-3, false));
}

TEST(CudaAutograd, CopiesAcrossDevicesAreDifferentiable) {
  TB_REQUIRE_GPU();
  const TensorBase x = values({3, 2}, DType::Float32).requires_grad_();
  const TensorBase on_gpu = x.to(kGpu);
  EXPECT_TRUE(on_gpu.requires_grad());
  const TensorBase back = ag::mul(on_gpu, on_gpu).cpu();
  back.backward(tb::ones({3, 2}));
  ASSERT_EQ(x.grad().device(), tb::Device::cpu());
  expect_close(ag::mul(x.detach(), 2.0).to(kGpu), x.grad(), 1e-6, 1e-6);
  // copy_ from a CPU tensor that requires grad into a device tensor.
  const TensorBase src = values({4}, DType::Float32, -1, 1, 5).requires_grad_();
  const TensorBase dst = tb::zeros({4}, DType::Float32, kGpu);
  dst.copy_(src);
  ag::mul(dst, 3.0).sum().backward();
  ASSERT_TRUE(src.grad().defined());
  EXPECT_EQ(src.grad().device(), tb::Device::cpu());
  expect_close(tb::full({4}, 3.0, DType::Float32, kGpu), src.grad());
}

// ---- (c) nn and optim ----------------------------------------------------------------------

namespace {

std::shared_ptr<tb::nn::Sequential> make_mlp(int64_t in, int64_t hidden, int64_t out) {
  tb::manual_seed(1234);
  return std::make_shared<tb::nn::Sequential>(std::initializer_list<std::shared_ptr<tb::nn::Module>>{
      std::make_shared<tb::nn::Linear>(in, hidden), std::make_shared<tb::nn::ReLU>(),
      std::make_shared<tb::nn::Linear>(hidden, out)});
}

enum class Opt { SgdNesterov, Adam, AdamWAmsgrad };

std::unique_ptr<tb::optim::Optimizer> make_optimizer(Opt which, std::vector<TensorBase> params) {
  switch (which) {
    case Opt::SgdNesterov: {
      tb::optim::SGDOptions o;
      o.lr = 0.05;
      o.momentum = 0.9;
      o.nesterov = true;
      o.weight_decay = 1e-2;
      return std::make_unique<tb::optim::SGD>(std::move(params), o);
    }
    case Opt::Adam: {
      tb::optim::AdamOptions o;
      o.lr = 1e-2;
      o.weight_decay = 1e-3;
      return std::make_unique<tb::optim::Adam>(std::move(params), o);
    }
    case Opt::AdamWAmsgrad: {
      tb::optim::AdamOptions o;
      o.lr = 1e-2;
      o.weight_decay = 1e-2;
      o.amsgrad = true;
      return std::make_unique<tb::optim::AdamW>(std::move(params), o);
    }
  }
  return nullptr;
}

// Trains a CPU MLP and a copy of it moved to the GPU side by side for 20 steps: the losses
// agree step by step and the weights at the end.
void train_side_by_side(Opt which, bool cross_entropy) {
  auto cpu_model = make_mlp(4, 16, 3);
  auto gpu_model = make_mlp(4, 16, 3);
  gpu_model->load_state_dict(cpu_model->state_dict());
  const std::vector<TensorBase> gpu_params_before = gpu_model->parameters();
  gpu_model->to(kGpu);
  // Same Parameter objects, their data now on the device.
  const std::vector<TensorBase> gpu_params = gpu_model->parameters();
  ASSERT_EQ(gpu_params.size(), gpu_params_before.size());
  for (std::size_t i = 0; i < gpu_params.size(); ++i) {
    EXPECT_TRUE(gpu_params[i].is_same(gpu_params_before[i]));
    EXPECT_EQ(gpu_params_before[i].device(), kGpu);
    EXPECT_TRUE(gpu_params[i].requires_grad());
  }
  auto cpu_opt = make_optimizer(which, cpu_model->parameters());
  auto gpu_opt = make_optimizer(which, gpu_model->parameters());

  const TensorBase x = values({8, 4}, DType::Float32, -1, 1, 3);
  const TensorBase target = cross_entropy
                                ? tb::tensor<int64_t>({0, 2, 1, 1, 0, 2, 2, 1})
                                : values({8, 3}, DType::Float32, -1, 1, 4);
  const TensorBase gx = x.to(kGpu), gtarget = target.to(kGpu);
  auto loss_of = [&](tb::nn::Module& m, const TensorBase& in, const TensorBase& t) {
    const TensorBase y = m.forward(in);
    return cross_entropy ? tb::nn::functional::cross_entropy(y, t)
                         : tb::nn::functional::mse_loss(y, t);
  };
  for (int step = 0; step < 20; ++step) {
    SCOPED_TRACE("step " + std::to_string(step));
    cpu_opt->zero_grad();
    gpu_opt->zero_grad(step % 2 == 0);  // both forms of zero_grad on the device
    const TensorBase cpu_loss = loss_of(*cpu_model, x, target);
    const TensorBase gpu_loss = loss_of(*gpu_model, gx, gtarget);
    ASSERT_EQ(gpu_loss.device(), kGpu);
    EXPECT_NEAR(gpu_loss.item<double>(), cpu_loss.item<double>(),
                1e-5 + 1e-4 * std::fabs(cpu_loss.item<double>()));
    cpu_loss.backward();
    gpu_loss.backward();
    cpu_opt->step();
    gpu_opt->step();
  }
  const auto cpu_final = cpu_model->parameters();
  for (std::size_t i = 0; i < cpu_final.size(); ++i) {
    SCOPED_TRACE("parameter " + std::to_string(i));
    expect_close(gpu_params[i].detach(), cpu_final[i].detach(), 1e-3, 1e-4);
  }
  // The optimizer's state lives with the parameters.
  const tb::optim::OptimizerStateDict state = gpu_opt->state_dict();
  for (const auto& per_param : state.state) {
    for (const auto& [name, t] : per_param) {
      if (name != "step") {
        EXPECT_EQ(t.device(), kGpu) << name;
      }
    }
  }
}

}  // namespace

TEST(CudaNn, MlpWithMseLossTrainsLikeTheCpuWithSgdNesterov) {
  TB_REQUIRE_GPU();
  train_side_by_side(Opt::SgdNesterov, false);
}

TEST(CudaNn, MlpWithCrossEntropyTrainsLikeTheCpuWithAdam) {
  TB_REQUIRE_GPU();
  train_side_by_side(Opt::Adam, true);
}

TEST(CudaNn, MlpTrainsLikeTheCpuWithAdamWAmsgrad) {
  TB_REQUIRE_GPU();
  train_side_by_side(Opt::AdamWAmsgrad, false);
  train_side_by_side(Opt::SgdNesterov, true);
}

TEST(CudaNn, PointwiseLossesMatchTheCpu) {
  TB_REQUIRE_GPU();
  for (auto kind : {ag::PointwiseLoss::Mse, ag::PointwiseLoss::L1, ag::PointwiseLoss::Bce,
                    ag::PointwiseLoss::BceWithLogits}) {
    for (auto reduction : {ag::Reduction::Mean, ag::Reduction::Sum, ag::Reduction::None}) {
      SCOPED_TRACE(std::to_string(int(kind)) + " " + std::to_string(int(reduction)));
      const bool probabilities = kind == ag::PointwiseLoss::Bce;
      const TensorBase target = values({4, 3}, DType::Float64, 0, 1, 77);
      check_family(
          "loss",
          [&](const std::vector<TensorBase>& x) {
            return ag::pointwise_loss(kind, x[0], target.to(x[0].device()), reduction);
          },
          {{{4, 3}, probabilities ? 0.05 : -2.0, probabilities ? 0.95 : 2.0}}, {DType::Float64});
    }
  }
}

TEST(CudaNn, ClassLossesMatchTheCpu) {
  TB_REQUIRE_GPU();
  const TensorBase target = tb::tensor<int64_t>({2, 0, -100, 1});
  const TensorBase weight = tb::tensor<double>({0.5, 1.0, 2.0});
  for (const char* reduction : {"mean", "sum", "none"}) {
    SCOPED_TRACE(reduction);
    check_family(
        "cross_entropy",
        [&](const std::vector<TensorBase>& x) {
          const tb::Device d = x[0].device();
          return tb::nn::functional::cross_entropy(x[0], target.to(d), weight.to(d), -100,
                                                   reduction, 0.1);
        },
        {{{4, 3}}}, {DType::Float64});
    check_family(
        "nll_loss",
        [&](const std::vector<TensorBase>& x) {
          return tb::nn::functional::nll_loss(x[0], target.to(x[0].device()), {}, -100,
                                              reduction);
        },
        {{{4, 3}}}, {DType::Float64});
  }
}

TEST(CudaNn, EmbeddingMatchesTheCpu) {
  TB_REQUIRE_GPU();
  for (int64_t padding : {-1, 3}) {
    check_family(
        "embedding padding " + std::to_string(padding),
        [&](const std::vector<TensorBase>& x) {
          const TensorBase idx = tb::tensor<int64_t>({{1, 3}, {3, 0}, {1, 1}}).to(x[0].device());
          return tb::nn::functional::embedding(idx, x[0], padding < 0 ? std::nullopt
                                                                      : std::optional(padding));
        },
        {{{5, 4}}}, {DType::Float32});
  }
  const TensorBase w = values({5, 4}).to(kGpu).requires_grad_();
  const std::string msg = tbtest::error_of<tb::IndexError>([&] {
    tb::nn::functional::embedding(tb::tensor<int64_t>({0, 5}).to(kGpu), w);
  });
  EXPECT_NE(msg.find("out of range"), std::string::npos) << msg;
}

TEST(CudaNn, ModuleToDeviceMovesParametersGradientsAndBuffers) {
  TB_REQUIRE_GPU();
  tb::nn::Linear layer(3, 2);
  layer.register_buffer("running", tb::ones({2}));
  const TensorBase weight = layer.weight;
  ag::sum(layer.forward(tb::ones({1, 3})), {}, false, std::nullopt).backward();
  const TensorBase cpu_grad = weight.grad().clone();
  layer.cuda();
  EXPECT_EQ(weight.device(), kGpu);          // the handle taken before sees the move
  EXPECT_TRUE(weight.is_same(layer.weight));
  EXPECT_TRUE(weight.requires_grad());
  EXPECT_TRUE(weight.is_leaf());
  EXPECT_EQ(layer.bias.device(), kGpu);
  EXPECT_EQ(layer.named_buffers()[0].second.device(), kGpu);
  ASSERT_EQ(weight.grad().device(), kGpu);
  expect_close(weight.grad(), cpu_grad, 0, 0);
  // Gradients keep accumulating on the device.
  ag::sum(layer.forward(tb::ones({1, 3}, DType::Float32, kGpu)), {}, false, std::nullopt)
      .backward();
  expect_close(weight.grad(), tb::ops::mul(cpu_grad, 2.0), 1e-6, 1e-6);
  layer.zero_grad(true);
  EXPECT_FALSE(weight.grad().defined());

  // state_dict of a CUDA module: tensors on the device; loads into a CPU module and back.
  const tb::nn::StateDict state = layer.state_dict();
  for (const auto& [name, t] : state) EXPECT_EQ(t.device(), kGpu) << name;
  tb::nn::Linear cpu_copy(3, 2);
  cpu_copy.register_buffer("running", tb::zeros({2}));
  cpu_copy.load_state_dict(state);
  EXPECT_EQ(cpu_copy.weight.device(), tb::Device::cpu());
  expect_close(layer.weight.detach(), cpu_copy.weight.detach(), 0, 0);
  tb::nn::Linear other(3, 2);
  other.register_buffer("running", tb::zeros({2}));
  other.cuda();
  other.load_state_dict(cpu_copy.state_dict());
  expect_close(other.weight.detach(), cpu_copy.weight.detach(), 0, 0);
  expect_close(other.named_buffers()[0].second, tb::ones({2}), 0, 0);

  layer.cpu();
  EXPECT_EQ(weight.device(), tb::Device::cpu());
}

TEST(CudaNn, InitFillsDeviceTensorsInPlace) {
  TB_REQUIRE_GPU();
  const TensorBase w = tb::empty({64, 32}, DType::Float32, kGpu).requires_grad_();
  tb::nn::init::constant_(w, tb::Scalar(0.25));
  expect_close(w.detach(), tb::full({64, 32}, 0.25, DType::Float32), 0, 0);
  tb::nn::init::kaiming_uniform_(w, std::sqrt(5.0));
  EXPECT_EQ(w.device(), kGpu);
  EXPECT_TRUE(w.is_leaf());
  const double bound = 1.0 / std::sqrt(32.0);  // gain sqrt(2 / (1 + 5)) * sqrt(3 / fan_in)
  const TensorBase host = w.detach().cpu();
  EXPECT_LE(tb::ops::amax(host).item<double>(), bound);
  EXPECT_GE(tb::ops::amin(host).item<double>(), -bound);
  EXPECT_GT(tb::ops::amax(host).item<double>(), 0.5 * bound);  // not left at a constant
}

TEST(CudaNn, SetGradOnAnotherDeviceRaises) {
  TB_REQUIRE_GPU();
  const TensorBase w = values({3}).to(kGpu).requires_grad_();
  const std::string msg = error_of<tb::DeviceError>([&] { w.set_grad(tb::ones({3})); });
  EXPECT_NE(msg.find("cuda:0"), std::string::npos) << msg;
  EXPECT_NE(msg.find("cpu"), std::string::npos) << msg;
}

TEST(CudaNn, OptimizerWithParametersOnTwoDevices) {
  TB_REQUIRE_GPU();
  const TensorBase a = values({3}, DType::Float32, -1, 1, 1).requires_grad_();
  const TensorBase b = values({2, 2}, DType::Float64, -1, 1, 2).to(kGpu).requires_grad_();
  const TensorBase a0 = a.detach().clone(), b0 = b.detach().cpu();
  tb::optim::SGDOptions o;
  o.lr = 0.1;
  o.momentum = 0.5;
  tb::optim::SGD opt({a, b}, o);
  for (int step = 0; step < 2; ++step) {
    opt.zero_grad();
    ag::add(ag::sum(ag::mul(a, a), {}, false, std::nullopt).to(kGpu, DType::Float64),
            ag::sum(ag::mul(b, 3.0), {}, false, std::nullopt))
        .backward();
    opt.step();
  }
  // Two steps by hand: buf1 = g1, buf2 = 0.5 * g1 + g2.
  const TensorBase g1a = tb::ops::mul(a0, 2.0);
  const TensorBase a1 = tb::ops::sub(a0, tb::ops::mul(g1a, 0.1));
  const TensorBase buf2a = tb::ops::add(tb::ops::mul(g1a, 0.5), tb::ops::mul(a1, 2.0));
  const TensorBase a2 = tb::ops::sub(a1, tb::ops::mul(buf2a, 0.1));
  EXPECT_EQ(a.device(), tb::Device::cpu());
  expect_close(a.detach().to(kGpu), a2, 1e-6, 1e-6);
  // b: buf1 = 3, buf2 = 0.5 * 3 + 3 = 4.5, so b2 = b0 - 0.1 * 3 - 0.1 * 4.5.
  expect_close(b.detach(), tb::ops::sub(b0, 0.75), 1e-12, 1e-12);
  const tb::optim::OptimizerStateDict state = opt.state_dict();
  ASSERT_EQ(state.state.size(), 2u);
  EXPECT_EQ(state.state[0][0].second.device(), tb::Device::cpu());
  EXPECT_EQ(state.state[1][0].second.device(), kGpu);
}

// ---- (d) errors -----------------------------------------------------------------------------

TEST(CudaAutograd, OpsOnTwoDevicesRaiseDeviceErrorNamingBoth) {
  TB_REQUIRE_GPU();
  const TensorBase cpu = values({3}).requires_grad_();
  const TensorBase gpu = values({3}).to(kGpu).requires_grad_();
  for (const std::string& msg :
       {error_of<tb::DeviceError>([&] { ag::add(gpu, cpu); }),
        error_of<tb::DeviceError>([&] { ag::mul(cpu, gpu); }),
        error_of<tb::DeviceError>([&] { ag::matmul(gpu.unsqueeze(0), cpu.unsqueeze(1)); }),
        error_of<tb::DeviceError>([&] { tb::nn::functional::mse_loss(gpu, cpu); }),
        error_of<tb::DeviceError>([&] {
          tb::nn::functional::cross_entropy(gpu.unsqueeze(0), tb::tensor<int64_t>({1}));
        })}) {
    EXPECT_NE(msg.find("cuda:0"), std::string::npos) << msg;
    EXPECT_NE(msg.find("cpu"), std::string::npos) << msg;
  }
}

TEST(CudaAutograd, BackwardWithAGradientOnTheWrongDeviceRaises) {
  TB_REQUIRE_GPU();
  const TensorBase x = values({2, 3}).to(kGpu).requires_grad_();
  const TensorBase y = ag::mul(x, 2.0);
  const std::string msg = error_of<tb::DeviceError>([&] { y.backward(tb::ones({2, 3})); });
  EXPECT_NE(msg.find("cuda:0"), std::string::npos) << msg;
  EXPECT_NE(msg.find("cpu"), std::string::npos) << msg;
  EXPECT_FALSE(x.grad().defined());
  // A custom function whose backward returns a CPU gradient for a CUDA input.
  struct ToHost : ag::Function<ToHost> {
    static TensorBase forward(ag::AutogradContext*, const TensorBase& v) { return v.clone(); }
    static std::vector<TensorBase> backward(ag::AutogradContext*, std::vector<TensorBase> g) {
      return {g[0].cpu()};
    }
  };
  const std::string custom = error_of<tb::DeviceError>(
      [&] { ag::sum(ToHost::apply(x), {}, false, std::nullopt).backward(); });
  EXPECT_NE(custom.find("expected device cuda:0"), std::string::npos) << custom;
  EXPECT_NE(custom.find("cpu"), std::string::npos) << custom;
}

TEST(CudaAutograd, ImplicitSeedIsCreatedOnTheOutputsDevice) {
  TB_REQUIRE_GPU();
  const TensorBase x = values({5}).to(kGpu).requires_grad_();
  ag::sum(ag::mul(x, x), {}, false, std::nullopt).backward();
  ASSERT_EQ(x.grad().device(), kGpu);
  expect_close(x.grad(), tb::ops::mul(values({5}), 2.0), 1e-6, 1e-6);
}
