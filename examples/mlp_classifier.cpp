// A small MLP classifier in C++: two interleaved spirals (generated here), a
// Linear-ReLU-Linear-ReLU-Linear network, CrossEntropyLoss and Adam, full-batch training.
// Prints loss and accuracy as it goes; exits non-zero if the final training accuracy is
// below 95% (so it doubles as a test).
//
// Usage: mlp_classifier [epochs]   (default 500). A shorter run, as the sanitizer build makes,
// cannot be held to 95%: it checks only that training lowered the loss.
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <vector>

#include "tensorbridge/autograd/autograd.hpp"
#include "tensorbridge/nn/nn.hpp"
#include "tensorbridge/optim/optim.hpp"
#include "tensorbridge/tensorbridge.hpp"

namespace tb = tensorbridge;
namespace nn = tb::nn;

constexpr double kPi = 3.14159265358979323846;

// Two spirals of `per_class` points each, with a little noise: x is [2n, 2], y is [2n].
void make_spirals(int64_t per_class, tb::TensorBase& x, tb::TensorBase& y) {
  const tb::TensorBase noise = tb::randn({2 * per_class, 2}) * 0.08;
  std::vector<float> xs;
  std::vector<int64_t> ys;
  const float* e = static_cast<const float*>(noise.data_ptr());
  for (int64_t c = 0; c < 2; ++c) {
    for (int64_t i = 0; i < per_class; ++i) {
      const double r = 0.1 + 0.9 * double(i) / double(per_class);
      const double angle = 3.0 * kPi * r + double(c) * kPi;
      const int64_t k = c * per_class + i;
      xs.push_back(float(r * std::cos(angle)) + e[2 * k]);
      xs.push_back(float(r * std::sin(angle)) + e[2 * k + 1]);
      ys.push_back(c);
    }
  }
  x = tb::from_vector(xs, {2 * per_class, 2});
  y = tb::from_vector(ys, {2 * per_class});
}

constexpr int kFullRun = 500;

int main(int argc, char** argv) {
  const int epochs = argc > 1 ? std::atoi(argv[1]) : kFullRun;
  if (epochs < 1) {
    std::fprintf(stderr, "usage: mlp_classifier [epochs >= 1]\n");
    return 2;
  }
  tb::manual_seed(0);
  tb::TensorBase x, y;
  make_spirals(200, x, y);

  nn::Sequential model{std::make_shared<nn::Linear>(2, 64), std::make_shared<nn::ReLU>(),
                       std::make_shared<nn::Linear>(64, 64), std::make_shared<nn::ReLU>(),
                       std::make_shared<nn::Linear>(64, 2)};
  nn::CrossEntropyLoss criterion;
  tb::optim::Adam optimizer(model.parameters(), 0.01);

  double first_loss = 0, last_loss = 0, accuracy = 0;
  for (int epoch = 1; epoch <= epochs; ++epoch) {
    optimizer.zero_grad();
    const tb::TensorBase logits = model(x);
    const tb::TensorBase loss = criterion(logits, y);
    loss.backward();
    optimizer.step();
    last_loss = loss.item<double>();
    if (epoch == 1) first_loss = last_loss;
    if (epoch % 50 == 0 || epoch == epochs) {
      const tb::TensorBase predicted = tb::argmax(logits, 1);
      accuracy = tb::eq(predicted, y).to(tb::DType::Float64).mean().item<double>();
      std::printf("epoch %3d  loss %.4f  accuracy %.1f%%\n", epoch, last_loss, 100 * accuracy);
    }
  }
  if (epochs >= kFullRun && accuracy < 0.95) {
    std::printf("did not reach 95%% accuracy\n");
    return 1;
  }
  if (epochs > 1 && !(last_loss < first_loss)) {
    std::printf("the loss did not go down: %.4f -> %.4f\n", first_loss, last_loss);
    return 1;
  }
  return 0;
}
