// Linear regression in C++, as a PyTorch user would write it: synthetic data y = 2x + 1 +
// noise, a LinearRegression module around nn::Linear(1, 1), MSELoss and SGD(lr=0.01) for
// 1000 epochs. Prints the loss every 100 epochs and the learned weight and bias; exits
// non-zero if training did not converge (so it doubles as a test).
#include <cmath>
#include <cstdio>
#include <memory>

#include "tensorbridge/autograd/autograd.hpp"
#include "tensorbridge/nn/nn.hpp"
#include "tensorbridge/optim/optim.hpp"
#include "tensorbridge/tensorbridge.hpp"

namespace tb = tensorbridge;
namespace nn = tb::nn;

class LinearRegression : public nn::Module {
 public:
  LinearRegression() : nn::Module("LinearRegression") {
    linear = register_module("linear", std::make_shared<nn::Linear>(1, 1));
  }
  tb::TensorBase forward(const tb::TensorBase& x) override { return (*linear)(x); }

  std::shared_ptr<nn::Linear> linear;
};

int main() {
  tb::manual_seed(0);
  const tb::TensorBase x = tb::rand({100, 1}) * 10;
  const tb::TensorBase y = 2 * x + 1 + tb::randn({100, 1});

  LinearRegression model;
  nn::MSELoss criterion;
  tb::optim::SGD optimizer(model.parameters(), 0.01);

  double final_loss = 0;
  for (int epoch = 1; epoch <= 1000; ++epoch) {
    optimizer.zero_grad();
    const tb::TensorBase loss = criterion(model(x), y);
    loss.backward();
    optimizer.step();
    final_loss = loss.item<double>();
    if (epoch % 100 == 0) std::printf("epoch %4d  loss %.4f\n", epoch, final_loss);
  }
  const double w = model.linear->weight.item<double>();
  const double b = model.linear->bias.item<double>();
  std::printf("learned weight %.4f (true 2), bias %.4f (true 1)\n", w, b);

  // The noise has variance 1, so a converged fit has a loss near 1.
  const bool converged = final_loss < 1.5 && std::abs(w - 2) < 0.2 && std::abs(b - 1) < 1.0;
  if (!converged) std::printf("did not converge\n");
  return converged ? 0 : 1;
}
