// Autograd overhead and small training steps (Google Benchmark):
//   TinyOp/*          a * b on 10 floats, with and without requires_grad (per-op cost)
//   TinyForwardBackward  (a * b).sum().backward() on 10 floats
//   LinearRegressionStep zero_grad + Linear(1, 1) + MSELoss + backward + SGD step, 100 samples
//   MlpStep           batch 64, 784-128-10 MLP, cross-entropy, Adam
// benchmarks/libtorch/ has the same linear-regression step written against libtorch.
#include <benchmark/benchmark.h>

#include <memory>

#include "tensorbridge/autograd/autograd.hpp"
#include "tensorbridge/nn/nn.hpp"
#include "tensorbridge/optim/optim.hpp"
#include "tensorbridge/tensorbridge.hpp"

namespace tb = tensorbridge;
namespace nn = tb::nn;

static void TinyOpNoGrad(benchmark::State& state) {
  const tb::TensorBase a = tb::rand({10}), b = tb::rand({10});
  for (auto _ : state) benchmark::DoNotOptimize(a * b);
}
BENCHMARK(TinyOpNoGrad);

static void TinyOpRequiresGrad(benchmark::State& state) {
  const tb::TensorBase a = tb::rand({10}), b = tb::rand({10});
  a.requires_grad_();
  for (auto _ : state) benchmark::DoNotOptimize(a * b);
}
BENCHMARK(TinyOpRequiresGrad);

static void TinyForwardBackward(benchmark::State& state) {
  const tb::TensorBase a = tb::rand({10}), b = tb::rand({10});
  a.requires_grad_();
  for (auto _ : state) {
    tb::autograd::sum(a * b).backward();
    a.set_grad({});
  }
}
BENCHMARK(TinyForwardBackward);

static void LinearRegressionStep(benchmark::State& state) {
  tb::manual_seed(0);
  const tb::TensorBase x = tb::rand({100, 1}) * 10;
  const tb::TensorBase y = 2 * x + 1 + tb::randn({100, 1});
  nn::Linear model(1, 1);
  nn::MSELoss criterion;
  tb::optim::SGD optimizer(model.parameters(), 0.01);
  for (auto _ : state) {
    optimizer.zero_grad();
    const tb::TensorBase loss = criterion(model(x), y);
    loss.backward();
    optimizer.step();
  }
}
BENCHMARK(LinearRegressionStep);

static void MlpStep(benchmark::State& state) {
  tb::manual_seed(0);
  const tb::TensorBase x = tb::randn({64, 784});
  const tb::TensorBase y = tb::randint(0, 10, {64});
  nn::Sequential model{std::make_shared<nn::Linear>(784, 128), std::make_shared<nn::ReLU>(),
                       std::make_shared<nn::Linear>(128, 10)};
  nn::CrossEntropyLoss criterion;
  tb::optim::Adam optimizer(model.parameters(), 1e-3);
  for (auto _ : state) {
    optimizer.zero_grad();
    const tb::TensorBase loss = criterion(model(x), y);
    loss.backward();
    optimizer.step();
  }
}
BENCHMARK(MlpStep);
