// libtorch's side of bench_autograd.cpp: the same tiny op, tiny forward+backward, linear
// regression step and MLP step, single-threaded like ours.
#include <benchmark/benchmark.h>
#include <torch/torch.h>

static void TinyOpNoGrad(benchmark::State& state) {
  torch::set_num_threads(1);
  auto a = torch::rand({10}), b = torch::rand({10});
  for (auto _ : state) benchmark::DoNotOptimize(a * b);
}
BENCHMARK(TinyOpNoGrad);

static void TinyOpRequiresGrad(benchmark::State& state) {
  torch::set_num_threads(1);
  auto a = torch::rand({10}).requires_grad_(), b = torch::rand({10});
  for (auto _ : state) benchmark::DoNotOptimize(a * b);
}
BENCHMARK(TinyOpRequiresGrad);

static void TinyForwardBackward(benchmark::State& state) {
  torch::set_num_threads(1);
  auto a = torch::rand({10}).requires_grad_(), b = torch::rand({10});
  for (auto _ : state) {
    (a * b).sum().backward();
    a.mutable_grad().reset();
  }
}
BENCHMARK(TinyForwardBackward);

static void LinearRegressionStep(benchmark::State& state) {
  torch::set_num_threads(1);
  torch::manual_seed(0);
  auto x = torch::rand({100, 1}) * 10;
  auto y = 2 * x + 1 + torch::randn({100, 1});
  torch::nn::Linear model(1, 1);
  torch::optim::SGD optimizer(model->parameters(), 0.01);
  for (auto _ : state) {
    optimizer.zero_grad();
    auto loss = torch::mse_loss(model(x), y);
    loss.backward();
    optimizer.step();
  }
}
BENCHMARK(LinearRegressionStep);

static void MlpStep(benchmark::State& state) {
  torch::set_num_threads(1);
  torch::manual_seed(0);
  auto x = torch::randn({64, 784});
  auto y = torch::randint(0, 10, {64});
  torch::nn::Sequential model(torch::nn::Linear(784, 128), torch::nn::ReLU(),
                              torch::nn::Linear(128, 10));
  torch::optim::Adam optimizer(model->parameters(), 1e-3);
  for (auto _ : state) {
    optimizer.zero_grad();
    auto loss = torch::cross_entropy_loss(model->forward(x), y);
    loss.backward();
    optimizer.step();
  }
}
BENCHMARK(MlpStep);
