#pragma once
// nn::Linear: y = x @ weight^T + bias, weight [out_features, in_features], initialized as
// PyTorch does: weight by kaiming_uniform_(a = sqrt(5)), i.e. U(-1/sqrt(in), 1/sqrt(in)),
// and bias from the same range.
#include <cmath>
#include <cstdint>

#include "tensorbridge/autograd/functions_nn.hpp"
#include "tensorbridge/core/factory.hpp"
#include "tensorbridge/nn/init.hpp"
#include "tensorbridge/nn/module.hpp"

namespace tensorbridge::nn {

class Linear : public Module {
 public:
  Linear(int64_t in_features, int64_t out_features, bool bias = true,
         DType dtype = DType::Float32)
      : Module("Linear"), in_features(in_features), out_features(out_features) {
    TB_CHECK(in_features >= 0 && out_features >= 0, ValueError,
             "Linear: feature counts must be non-negative, got in_features=", in_features,
             ", out_features=", out_features);
    weight = register_parameter("weight", empty({out_features, in_features}, dtype));
    if (bias) this->bias = register_parameter("bias", empty({out_features}, dtype));
    reset_parameters();
  }

  void reset_parameters() {
    init::kaiming_uniform_(weight, std::sqrt(5.0));
    if (bias.defined()) {
      const double bound = in_features > 0 ? 1.0 / std::sqrt(double(in_features)) : 0.0;
      init::uniform_(bias, -bound, bound);
    }
  }

  TensorBase forward(const TensorBase& input) override {
    return autograd::linear(input, weight, bias);
  }

  int64_t in_features, out_features;
  TensorBase weight, bias;
};

}  // namespace tensorbridge::nn
