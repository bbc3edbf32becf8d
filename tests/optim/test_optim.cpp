// Optimizers step by step against PyTorch: the same parameters and gradients give the same
// parameters after each of 5 steps (SGD with momentum/nesterov/dampening/weight decay/
// maximize, Adam with weight decay and amsgrad, AdamW, StepLR), plus zero_grad, param
// groups, state_dict round trips and bad hyperparameters.
#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "../autograd/refs.hpp"
#include "tensorbridge/autograd/autograd.hpp"
#include "tensorbridge/optim/adam.hpp"
#include "tensorbridge/optim/lr_scheduler.hpp"
#include "tensorbridge/optim/sgd.hpp"
#include "tensorbridge/tensorbridge.hpp"

namespace tb = tensorbridge;
namespace optim = tb::optim;
using tb::TensorBase;

namespace {

TensorBase param(const std::string& key, tb::DType dtype = tb::DType::Float32) {
  TensorBase p = refs::tensor(key, dtype);
  p.requires_grad_();
  return p;
}

using MakeOptimizer = std::function<std::unique_ptr<optim::Optimizer>(std::vector<TensorBase>)>;

void check_trajectory(const std::string& name, const MakeOptimizer& make,
                      tb::DType dtype = tb::DType::Float32, bool with_step_lr = false) {
  SCOPED_TRACE(name);
  TensorBase w = param("optim/" + name + "/w0", dtype);
  TensorBase b = param("optim/" + name + "/b0", dtype);
  auto opt = make({w, b});
  std::unique_ptr<optim::lr_scheduler::StepLR> sched;
  if (with_step_lr) sched = std::make_unique<optim::lr_scheduler::StepLR>(*opt, 2, 0.5);
  const double rtol = dtype == tb::DType::Float32 ? 1e-5 : 1e-6;
  for (int step = 0; step < 5; ++step) {
    w.set_grad(refs::tensor("optim/" + name + "/gw" + std::to_string(step), dtype));
    b.set_grad(refs::tensor("optim/" + name + "/gb" + std::to_string(step), dtype));
    opt->step();
    if (sched) sched->step();
    EXPECT_TRUE(refs::close(w, "optim/" + name + "/w" + std::to_string(step + 1), rtol, 1e-6));
    EXPECT_TRUE(refs::close(b, "optim/" + name + "/b" + std::to_string(step + 1), rtol, 1e-6));
  }
}

template <typename Opt, typename Options>
MakeOptimizer make(Options options) {
  return [options](std::vector<TensorBase> params) {
    return std::make_unique<Opt>(std::move(params), options);
  };
}

}  // namespace

TEST(OptimSGD, MatchesPyTorchStepByStep) {
  check_trajectory("sgd", make<optim::SGD>(optim::SGDOptions{0.1}));
  check_trajectory("sgd_momentum", make<optim::SGD>(optim::SGDOptions{0.1, 0.9}));
  check_trajectory("sgd_nesterov", make<optim::SGD>(optim::SGDOptions{0.1, 0.9, 0, 0, true}));
  check_trajectory("sgd_dampening_wd",
                   make<optim::SGD>(optim::SGDOptions{0.05, 0.8, 0.3, 0.01}));
  check_trajectory("sgd_maximize",
                   make<optim::SGD>(optim::SGDOptions{0.1, 0.5, 0, 0, false, true}));
}

TEST(OptimSGD, Float64Parameters) {
  check_trajectory("sgd_momentum", make<optim::SGD>(optim::SGDOptions{0.1, 0.9}),
                   tb::DType::Float64);
}

TEST(OptimAdam, MatchesPyTorchStepByStep) {
  check_trajectory("adam", make<optim::Adam>(optim::AdamOptions{0.01}));
  check_trajectory("adam_wd", make<optim::Adam>(optim::AdamOptions{0.01, 0.8, 0.99, 1e-8, 0.1}));
  check_trajectory("adam_amsgrad",
                   make<optim::Adam>(optim::AdamOptions{0.02, 0.9, 0.999, 1e-8, 0, true}));
  check_trajectory("adamw", make<optim::AdamW>(optim::AdamOptions{0.01, 0.9, 0.999, 1e-8, 0.1}));
  check_trajectory("adamw_amsgrad",
                   make<optim::AdamW>(optim::AdamOptions{0.01, 0.9, 0.999, 1e-8, 1e-2, true}));
  check_trajectory("adam", make<optim::Adam>(optim::AdamOptions{0.01}), tb::DType::Float64);
}

TEST(OptimStepLR, HalvesTheLearningRateEveryTwoSteps) {
  check_trajectory("sgd_steplr", make<optim::SGD>(optim::SGDOptions{0.1, 0.9}),
                   tb::DType::Float32, true);
  TensorBase p = param("optim/sgd/w0");
  optim::SGD opt({p}, 0.1);
  optim::lr_scheduler::StepLR sched(opt, 3, 0.1);
  std::vector<double> lrs;
  for (int i = 0; i < 7; ++i) {
    sched.step();
    lrs.push_back(opt.lr());
  }
  EXPECT_DOUBLE_EQ(lrs[1], 0.1);
  EXPECT_DOUBLE_EQ(lrs[2], 0.1 * 0.1);
  EXPECT_DOUBLE_EQ(lrs[5], 0.1 * 0.1 * 0.1);
  EXPECT_THROW(optim::lr_scheduler::StepLR(opt, 0), tb::ValueError);
}

TEST(OptimBase, ZeroGradAndParametersWithoutGradients) {
  TensorBase a = param("optim/sgd/w0");
  TensorBase b = param("optim/sgd/b0");
  optim::SGD opt({a, b}, 0.5);
  a.set_grad(tb::ones(a.shape()));
  const std::vector<double> b_before = refs::values_of(b);
  opt.step();  // b has no gradient: untouched
  EXPECT_EQ(refs::values_of(b), b_before);
  EXPECT_TRUE(refs::close(tb::autograd::add(a, 0.5), "optim/sgd/w0"));
  opt.zero_grad(/*set_to_none=*/false);
  ASSERT_TRUE(a.grad().defined());
  EXPECT_EQ(refs::values_of(a.grad()), std::vector<double>(12, 0.0));
  opt.zero_grad();
  EXPECT_FALSE(a.grad().defined());
}

TEST(OptimBase, ParamGroupsHaveTheirOwnLearningRate) {
  TensorBase a = param("optim/sgd/b0");
  TensorBase b = param("optim/sgd/b0");
  optim::SGD opt({a}, 0.1);
  opt.add_param_group({b}, optim::SGDOptions{1.0});
  EXPECT_EQ(opt.num_param_groups(), 2u);
  a.set_grad(tb::ones({4}));
  b.set_grad(tb::ones({4}));
  opt.step();
  const std::vector<double> start = refs::get("optim/sgd/b0").values;
  EXPECT_NEAR(refs::values_of(a)[0], start[0] - 0.1, 1e-6);
  EXPECT_NEAR(refs::values_of(b)[0], start[0] - 1.0, 1e-6);
  opt.set_lr(0.5, 1);
  EXPECT_EQ(opt.lr(1), 0.5);
  EXPECT_EQ(opt.hyperparameters(1)[0].first, "lr");
}

TEST(OptimBase, StateDictRoundTripContinuesTheSameTrajectory) {
  // Two Adam steps, save, restore into a fresh optimizer, three more: same as five in a row.
  TensorBase w = param("optim/adam_amsgrad/w0");
  TensorBase b = param("optim/adam_amsgrad/b0");
  auto first = std::make_unique<optim::Adam>(std::vector<TensorBase>{w, b},
                                             optim::AdamOptions{0.02, 0.9, 0.999, 1e-8, 0, true});
  auto feed = [&](int step) {
    w.set_grad(refs::tensor("optim/adam_amsgrad/gw" + std::to_string(step)));
    b.set_grad(refs::tensor("optim/adam_amsgrad/gb" + std::to_string(step)));
  };
  for (int step = 0; step < 2; ++step) {
    feed(step);
    first->step();
  }
  const optim::OptimizerStateDict saved = first->state_dict();
  ASSERT_EQ(saved.state.size(), 2u);
  EXPECT_EQ(saved.state[0][0].first, "step");
  EXPECT_EQ(saved.state[0][0].second.item<double>(), 2.0);
  optim::Adam second({w, b}, optim::AdamOptions{0.5});
  second.load_state_dict(saved);
  EXPECT_EQ(second.lr(), 0.02);
  EXPECT_TRUE(second.options().amsgrad);
  for (int step = 2; step < 5; ++step) {
    feed(step);
    second.step();
  }
  EXPECT_TRUE(refs::close(w, "optim/adam_amsgrad/w5"));
  EXPECT_TRUE(refs::close(b, "optim/adam_amsgrad/b5"));
  // Momentum buffers of SGD too.
  TensorBase p = param("optim/sgd_momentum/w0");
  optim::SGD sgd({p}, optim::SGDOptions{0.1, 0.9});
  p.set_grad(refs::tensor("optim/sgd_momentum/gw0"));
  sgd.step();
  const auto sgd_state = sgd.state_dict();
  ASSERT_EQ(sgd_state.state[0].size(), 1u);
  EXPECT_EQ(sgd_state.state[0][0].first, "momentum_buffer");
  EXPECT_TRUE(refs::close(sgd_state.state[0][0].second, "optim/sgd_momentum/gw0"));
}

TEST(OptimBase, RejectsBadHyperparametersAndNonLeaves) {
  TensorBase p = param("optim/sgd/b0");
  EXPECT_THROW(optim::SGD({p}, -1.0), tb::ValueError);
  EXPECT_THROW(optim::SGD({p}, optim::SGDOptions{0.1, 0, 0, 0, true}), tb::ValueError);
  EXPECT_THROW(optim::Adam({p}, optim::AdamOptions{0.1, 1.0}), tb::ValueError);
  EXPECT_THROW(optim::Adam({p}, optim::AdamOptions{0.1, 0.9, 0.999, -1.0}), tb::ValueError);
  EXPECT_THROW(optim::SGD({tb::autograd::mul(p, 2.0)}, 0.1), tb::ValueError);
  optim::SGD ok({p}, 0.1);
  EXPECT_THROW(ok.set_hyperparameter(0, "betas", 1.0), tb::ValueError);
  TensorBase ints = tb::zeros({2}, tb::DType::Int32);
  optim::SGD bad({ints}, 0.1);
  ints.set_grad(tb::zeros({2}, tb::DType::Int32));
  EXPECT_THROW(bad.step(), tb::TypeError);
}

TEST(OptimBase, UpdateBumpsTheVersionSoStaleGraphsAreCaught) {
  TensorBase p = param("optim/sgd/b0");
  TensorBase loss = tb::autograd::sum_to(tb::autograd::mul(p, p), {});
  optim::SGD opt({p}, 0.1);
  p.set_grad(tb::ones({4}));
  opt.step();
  EXPECT_THROW(loss.backward(), tb::Error);
}
