#pragma once
// Activation modules: ReLU, Sigmoid, Tanh, GELU, Softmax, LogSoftmax.
#include <cstdint>
#include <string>
#include <string_view>

#include "tensorbridge/nn/functional.hpp"
#include "tensorbridge/nn/module.hpp"

namespace tensorbridge::nn {

class ReLU : public Module {
 public:
  ReLU() : Module("ReLU") {}
  TensorBase forward(const TensorBase& x) override { return functional::relu(x); }
};

class Sigmoid : public Module {
 public:
  Sigmoid() : Module("Sigmoid") {}
  TensorBase forward(const TensorBase& x) override { return functional::sigmoid(x); }
};

class Tanh : public Module {
 public:
  Tanh() : Module("Tanh") {}
  TensorBase forward(const TensorBase& x) override { return functional::tanh(x); }
};

class GELU : public Module {
 public:
  explicit GELU(std::string_view approximate = "none")
      : Module("GELU"), approximate(approximate) {}
  TensorBase forward(const TensorBase& x) override { return functional::gelu(x, approximate); }
  std::string approximate;
};

class Softmax : public Module {
 public:
  explicit Softmax(int64_t dim) : Module("Softmax"), dim(dim) {}
  TensorBase forward(const TensorBase& x) override { return functional::softmax(x, dim); }
  int64_t dim;
};

class LogSoftmax : public Module {
 public:
  explicit LogSoftmax(int64_t dim) : Module("LogSoftmax"), dim(dim) {}
  TensorBase forward(const TensorBase& x) override { return functional::log_softmax(x, dim); }
  int64_t dim;
};

}  // namespace tensorbridge::nn
