#pragma once
// nn::functional: the stateless forms of the nn layers and losses (PyTorch's
// torch.nn.functional). Everything is differentiable; reductions are "mean", "sum" or
// "none".
#include <cstdint>
#include <optional>
#include <string_view>

#include "tensorbridge/autograd/functions_elementwise.hpp"
#include "tensorbridge/autograd/functions_nn.hpp"
#include "tensorbridge/autograd/functions_reduce.hpp"
#include "tensorbridge/autograd/functions_unary.hpp"
#include "tensorbridge/core/factory.hpp"
#include "tensorbridge/ops/api_random.hpp"

namespace tensorbridge::nn::functional {

using autograd::Reduction;

inline TensorBase linear(const TensorBase& input, const TensorBase& weight,
                         const TensorBase& bias = {}) {
  return autograd::linear(input, weight, bias);
}

// ---- activations -------------------------------------------------------------------------
inline TensorBase relu(const TensorBase& x) { return autograd::relu(x); }
inline TensorBase sigmoid(const TensorBase& x) { return autograd::sigmoid(x); }
inline TensorBase tanh(const TensorBase& x) { return autograd::tanh(x); }
// approximate: "none" (exact, with erf) or "tanh".
inline TensorBase gelu(const TensorBase& x, std::string_view approximate = "none") {
  return autograd::gelu(x, approximate);
}
inline TensorBase softmax(const TensorBase& x, int64_t dim) { return autograd::softmax(x, dim); }
inline TensorBase log_softmax(const TensorBase& x, int64_t dim) {
  return autograd::log_softmax(x, dim);
}

// Zeroes each element with probability p and scales the rest by 1 / (1 - p) while
// training; the identity otherwise.
inline TensorBase dropout(const TensorBase& x, double p = 0.5, bool training = true,
                          Generator* gen = nullptr) {
  TB_CHECK(p >= 0 && p <= 1, ValueError,
           "dropout probability has to be between 0 and 1, but got ", p);
  if (!training || p == 0) return x;
  if (p == 1) return autograd::mul(x, 0.0);
  TensorBase keep = empty(x.shape(), x.dtype(), x.device());
  keep.bernoulli_(1 - p, gen);
  return autograd::mul(x, ops::mul(keep, Scalar(1 / (1 - p))));
}

inline TensorBase flatten(const TensorBase& x, int64_t start_dim = 1, int64_t end_dim = -1) {
  return x.flatten(start_dim, end_dim);
}

inline TensorBase embedding(const TensorBase& indices, const TensorBase& weight,
                            std::optional<int64_t> padding_idx = std::nullopt) {
  return autograd::embedding(weight, indices, padding_idx.value_or(-1));
}

// ---- losses ----------------------------------------------------------------------------------
inline TensorBase mse_loss(const TensorBase& input, const TensorBase& target,
                           std::string_view reduction = "mean") {
  return autograd::pointwise_loss(autograd::PointwiseLoss::Mse, input, target,
                                  autograd::parse_reduction(reduction, "mse_loss"));
}
inline TensorBase l1_loss(const TensorBase& input, const TensorBase& target,
                          std::string_view reduction = "mean") {
  return autograd::pointwise_loss(autograd::PointwiseLoss::L1, input, target,
                                  autograd::parse_reduction(reduction, "l1_loss"));
}
// input holds probabilities in [0, 1]; weight rescales each element's loss.
inline TensorBase binary_cross_entropy(const TensorBase& input, const TensorBase& target,
                                       const TensorBase& weight = {},
                                       std::string_view reduction = "mean") {
  return autograd::pointwise_loss(autograd::PointwiseLoss::Bce, input, target,
                                  autograd::parse_reduction(reduction, "binary_cross_entropy"),
                                  weight);
}
// input holds logits; computed as max(x, 0) - x t + log(1 + exp(-|x|)), stable for any x.
inline TensorBase binary_cross_entropy_with_logits(const TensorBase& input,
                                                   const TensorBase& target,
                                                   const TensorBase& weight = {},
                                                   std::string_view reduction = "mean") {
  return autograd::pointwise_loss(
      autograd::PointwiseLoss::BceWithLogits, input, target,
      autograd::parse_reduction(reduction, "binary_cross_entropy_with_logits"), weight);
}
// target: class indices (int64, [N]) or class probabilities ([N, C]).
inline TensorBase cross_entropy(const TensorBase& input, const TensorBase& target,
                                const TensorBase& weight = {}, int64_t ignore_index = -100,
                                std::string_view reduction = "mean",
                                double label_smoothing = 0.0) {
  autograd::ClassLossOptions o;
  o.weight = weight;
  o.ignore_index = ignore_index;
  o.reduction = autograd::parse_reduction(reduction, "cross_entropy");
  o.label_smoothing = label_smoothing;
  return autograd::class_loss(input, target, o);
}
// input holds log-probabilities ([N, C]); target class indices.
inline TensorBase nll_loss(const TensorBase& input, const TensorBase& target,
                           const TensorBase& weight = {}, int64_t ignore_index = -100,
                           std::string_view reduction = "mean") {
  autograd::ClassLossOptions o;
  o.weight = weight;
  o.ignore_index = ignore_index;
  o.reduction = autograd::parse_reduction(reduction, "nll_loss");
  o.log_softmax = false;
  return autograd::class_loss(input, target, o);
}

}  // namespace tensorbridge::nn::functional
