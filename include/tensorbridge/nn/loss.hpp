#pragma once
// Loss modules: MSELoss, L1Loss, CrossEntropyLoss, NLLLoss, BCELoss, BCEWithLogitsLoss.
// Each is called as loss(input, target) and reduces with "mean" (default), "sum" or
// "none".
#include <cstdint>
#include <string>
#include <string_view>

#include "tensorbridge/nn/functional.hpp"
#include "tensorbridge/nn/module.hpp"

namespace tensorbridge::nn {

class Loss : public Module {
 public:
  virtual TensorBase forward(const TensorBase& input, const TensorBase& target) = 0;
  TensorBase operator()(const TensorBase& input, const TensorBase& target) {
    return forward(input, target);
  }
  std::string reduction;

 protected:
  Loss(std::string name, std::string_view reduction)
      : Module(std::move(name)), reduction(reduction) {
    autograd::parse_reduction(reduction, this->name().c_str());
  }
  // A loss takes (input, target); the one-input forward is not for it.
  using Module::forward;
};

class MSELoss : public Loss {
 public:
  using Loss::forward;  // keep the one-input overload visible (it throws)
  explicit MSELoss(std::string_view reduction = "mean") : Loss("MSELoss", reduction) {}
  TensorBase forward(const TensorBase& input, const TensorBase& target) override {
    return functional::mse_loss(input, target, reduction);
  }
};

class L1Loss : public Loss {
 public:
  using Loss::forward;  // keep the one-input overload visible (it throws)
  explicit L1Loss(std::string_view reduction = "mean") : Loss("L1Loss", reduction) {}
  TensorBase forward(const TensorBase& input, const TensorBase& target) override {
    return functional::l1_loss(input, target, reduction);
  }
};

class BCELoss : public Loss {
 public:
  using Loss::forward;  // keep the one-input overload visible (it throws)
  explicit BCELoss(const TensorBase& weight = {}, std::string_view reduction = "mean")
      : Loss("BCELoss", reduction), weight(weight) {
    if (weight.defined()) register_buffer("weight", weight);
  }
  TensorBase forward(const TensorBase& input, const TensorBase& target) override {
    return functional::binary_cross_entropy(input, target, weight, reduction);
  }
  TensorBase weight;
};

class BCEWithLogitsLoss : public Loss {
 public:
  using Loss::forward;  // keep the one-input overload visible (it throws)
  explicit BCEWithLogitsLoss(const TensorBase& weight = {}, std::string_view reduction = "mean")
      : Loss("BCEWithLogitsLoss", reduction), weight(weight) {
    if (weight.defined()) register_buffer("weight", weight);
  }
  TensorBase forward(const TensorBase& input, const TensorBase& target) override {
    return functional::binary_cross_entropy_with_logits(input, target, weight, reduction);
  }
  TensorBase weight;
};

class CrossEntropyLoss : public Loss {
 public:
  using Loss::forward;  // keep the one-input overload visible (it throws)
  explicit CrossEntropyLoss(const TensorBase& weight = {}, int64_t ignore_index = -100,
                            std::string_view reduction = "mean", double label_smoothing = 0.0)
      : Loss("CrossEntropyLoss", reduction),
        weight(weight),
        ignore_index(ignore_index),
        label_smoothing(label_smoothing) {
    if (weight.defined()) register_buffer("weight", weight);
  }
  TensorBase forward(const TensorBase& input, const TensorBase& target) override {
    return functional::cross_entropy(input, target, weight, ignore_index, reduction,
                                     label_smoothing);
  }
  TensorBase weight;
  int64_t ignore_index;
  double label_smoothing;
};

class NLLLoss : public Loss {
 public:
  using Loss::forward;  // keep the one-input overload visible (it throws)
  explicit NLLLoss(const TensorBase& weight = {}, int64_t ignore_index = -100,
                   std::string_view reduction = "mean")
      : Loss("NLLLoss", reduction), weight(weight), ignore_index(ignore_index) {
    if (weight.defined()) register_buffer("weight", weight);
  }
  TensorBase forward(const TensorBase& input, const TensorBase& target) override {
    return functional::nll_loss(input, target, weight, ignore_index, reduction);
  }
  TensorBase weight;
  int64_t ignore_index;
};

}  // namespace tensorbridge::nn
