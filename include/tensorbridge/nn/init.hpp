#pragma once
// nn::init: PyTorch's parameter initializers. Each fills its tensor in place under
// no_grad (so it works on parameters that require grad) from the given generator, or from
// the default one that manual_seed() resets.
#include <cmath>
#include <cstdint>
#include <string_view>

#include "tensorbridge/autograd/grad_mode.hpp"
#include "tensorbridge/core/tensor_base.hpp"
#include "tensorbridge/ops/api_random.hpp"

namespace tensorbridge::nn::init {

enum class FanMode { FanIn, FanOut };

// The recommended gain for a nonlinearity ("linear", "conv*", "sigmoid", "tanh", "relu",
// "leaky_relu" with negative slope `param`, "selu").
inline double calculate_gain(std::string_view nonlinearity, double param = 0.01) {
  if (nonlinearity == "linear" || nonlinearity == "sigmoid" ||
      nonlinearity.substr(0, 4) == "conv") {
    return 1.0;
  }
  if (nonlinearity == "tanh") return 5.0 / 3.0;
  if (nonlinearity == "relu") return std::sqrt(2.0);
  if (nonlinearity == "leaky_relu") return std::sqrt(2.0 / (1 + param * param));
  if (nonlinearity == "selu") return 3.0 / 4.0;
  TB_THROW(ValueError, "calculate_gain: unsupported nonlinearity '", nonlinearity, "'");
}

// (fan_in, fan_out) of a weight of shape [out, in, *receptive field].
inline std::pair<int64_t, int64_t> calculate_fan_in_and_fan_out(const TensorBase& t) {
  TB_CHECK(t.dim() >= 2, ValueError,
           "Fan in and fan out can not be computed for tensor with fewer than 2 dimensions "
           "(shape ", shape_str(t.shape()), ")");
  int64_t receptive = 1;
  for (int64_t d = 2; d < t.dim(); ++d) receptive *= t.shape()[d];
  return {t.shape()[1] * receptive, t.shape()[0] * receptive};
}

inline const TensorBase& uniform_(const TensorBase& t, double a = 0.0, double b = 1.0,
                                  Generator* gen = nullptr) {
  autograd::NoGradGuard no_grad;
  return t.uniform_(a, b, gen);
}
inline const TensorBase& normal_(const TensorBase& t, double mean = 0.0, double std = 1.0,
                                 Generator* gen = nullptr) {
  autograd::NoGradGuard no_grad;
  return t.normal_(mean, std, gen);
}
inline const TensorBase& constant_(const TensorBase& t, const Scalar& value) {
  autograd::NoGradGuard no_grad;
  return t.fill_(value);
}
inline const TensorBase& zeros_(const TensorBase& t) { return constant_(t, Scalar(0)); }
inline const TensorBase& ones_(const TensorBase& t) { return constant_(t, Scalar(1)); }

inline const TensorBase& xavier_uniform_(const TensorBase& t, double gain = 1.0,
                                         Generator* gen = nullptr) {
  const auto [fan_in, fan_out] = calculate_fan_in_and_fan_out(t);
  const double a = gain * std::sqrt(6.0 / double(fan_in + fan_out));
  return init::uniform_(t, -a, a, gen);
}
inline const TensorBase& xavier_normal_(const TensorBase& t, double gain = 1.0,
                                        Generator* gen = nullptr) {
  const auto [fan_in, fan_out] = calculate_fan_in_and_fan_out(t);
  return init::normal_(t, 0.0, gain * std::sqrt(2.0 / double(fan_in + fan_out)), gen);
}

inline double kaiming_std(const TensorBase& t, double a, FanMode mode,
                          std::string_view nonlinearity) {
  const auto [fan_in, fan_out] = calculate_fan_in_and_fan_out(t);
  const int64_t fan = mode == FanMode::FanIn ? fan_in : fan_out;
  TB_CHECK(fan > 0, ValueError, "kaiming init: tensor of shape ", shape_str(t.shape()),
           " has a zero fan");
  return calculate_gain(nonlinearity, a) / std::sqrt(double(fan));
}
// U(-bound, bound) with bound = gain * sqrt(3 / fan); nn::Linear uses a = sqrt(5).
inline const TensorBase& kaiming_uniform_(const TensorBase& t, double a = 0.0,
                                          FanMode mode = FanMode::FanIn,
                                          std::string_view nonlinearity = "leaky_relu",
                                          Generator* gen = nullptr) {
  const double bound = std::sqrt(3.0) * kaiming_std(t, a, mode, nonlinearity);
  return init::uniform_(t, -bound, bound, gen);
}
inline const TensorBase& kaiming_normal_(const TensorBase& t, double a = 0.0,
                                         FanMode mode = FanMode::FanIn,
                                         std::string_view nonlinearity = "leaky_relu",
                                         Generator* gen = nullptr) {
  return init::normal_(t, 0.0, kaiming_std(t, a, mode, nonlinearity), gen);
}

}  // namespace tensorbridge::nn::init
