#pragma once
// Learning-rate schedules. StepLR multiplies every group's learning rate by gamma once
// every step_size calls of step() (call it once per epoch, after optimizer.step()).
#include <cstdint>
#include <vector>

#include "tensorbridge/optim/optimizer.hpp"

namespace tensorbridge::optim::lr_scheduler {

class StepLR {
 public:
  StepLR(Optimizer& optimizer, int64_t step_size, double gamma = 0.1)
      : optimizer_(optimizer), step_size_(step_size), gamma_(gamma) {
    TB_CHECK(step_size > 0, ValueError, "StepLR: step_size must be positive, got ", step_size);
    for (std::size_t g = 0; g < optimizer.num_param_groups(); ++g) {
      base_lrs_.push_back(optimizer.lr(g));
    }
  }

  void step() {
    ++last_epoch_;
    if (last_epoch_ % step_size_ != 0) return;
    for (std::size_t g = 0; g < optimizer_.num_param_groups(); ++g) {
      optimizer_.set_lr(optimizer_.lr(g) * gamma_, g);
    }
  }
  int64_t last_epoch() const { return last_epoch_; }
  // The learning rates set by the last step().
  std::vector<double> get_last_lr() const {
    std::vector<double> out;
    for (std::size_t g = 0; g < optimizer_.num_param_groups(); ++g) out.push_back(optimizer_.lr(g));
    return out;
  }
  const std::vector<double>& base_lrs() const { return base_lrs_; }

 private:
  Optimizer& optimizer_;
  int64_t step_size_;
  double gamma_;
  int64_t last_epoch_ = 0;
  std::vector<double> base_lrs_;
};

}  // namespace tensorbridge::optim::lr_scheduler
