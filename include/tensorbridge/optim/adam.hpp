#pragma once
// Adam and AdamW with PyTorch's update (torch.optim.Adam, single-tensor path):
//   step += 1; g = grad (negated with maximize)
//   Adam: g += weight_decay * p          AdamW: p *= 1 - lr * weight_decay
//   m = m + (1 - beta1) * (g - m);  v = beta2 * v + (1 - beta2) * g * g
//   amsgrad: v_max = max(v_max, v), used in place of v below
//   p -= lr / (1 - beta1^step) * m / (sqrt(v) / sqrt(1 - beta2^step) + eps)
// as a few vectorized passes per parameter (Eigen array expressions: no temporaries, and
// sqrt/div vectorized whatever the compiler flags).
#include <algorithm>
#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include "tensorbridge/core/eigen_core.hpp"

#include "tensorbridge/optim/optimizer.hpp"

namespace tensorbridge::optim {

struct AdamOptions {
  double lr = 1e-3;
  double beta1 = 0.9;
  double beta2 = 0.999;
  double eps = 1e-8;
  double weight_decay = 0;
  bool amsgrad = false;
  bool maximize = false;
};

class Adam : public Optimizer {
 public:
  Adam(std::vector<TensorBase> params, AdamOptions options) {
    add_param_group(std::move(params), options);
  }
  explicit Adam(std::vector<TensorBase> params, double lr = 1e-3)
      : Adam(std::move(params), AdamOptions{lr}) {}

  void add_param_group(std::vector<TensorBase> params, AdamOptions options) {
    check(options);
    state_.emplace_back(params.size());
    options_.push_back(options);
    add_group(std::move(params));
  }
  AdamOptions& options(std::size_t group = 0) { return options_.at(group); }

  void step() override {
    for (std::size_t g = 0; g < groups_.size(); ++g) {
      const AdamOptions o = options_[g];
      for_each_param(g, [&](std::size_t i, auto* p, const auto* grad, int64_t n) {
        using T = std::remove_pointer_t<decltype(p)>;
        ParamState& s = state_[g][i];
        if (!s.exp_avg.defined()) {
          s.exp_avg = zeros_like_param(g, i);
          s.exp_avg_sq = zeros_like_param(g, i);
          if (o.amsgrad) s.max_exp_avg_sq = zeros_like_param(g, i);
        }
        s.step += 1;
        const double bc1 = 1 - std::pow(o.beta1, s.step);
        const double bc2_sqrt = std::sqrt(1 - std::pow(o.beta2, s.step));
        const T step_size = T(o.lr / bc1), bc2 = T(bc2_sqrt);
        const T b1 = T(1 - o.beta1), b2 = T(o.beta2), one_minus_b2 = T(1 - o.beta2);
        const T eps = T(o.eps), sign = o.maximize ? T(-1) : T(1);
        const T decay = decoupled_ ? T(1 - o.lr * o.weight_decay) : T(1);
        const T wd = decoupled_ ? T(0) : T(o.weight_decay);
        using Array = Eigen::Array<T, Eigen::Dynamic, 1>;
        Eigen::Map<Array> param(p, n), m(static_cast<T*>(s.exp_avg.data_ptr()), n),
            v(static_cast<T*>(s.exp_avg_sq.data_ptr()), n);
        const Eigen::Map<const Array> g_raw(grad, n);
        // Each line is one vectorized pass (Eigen expressions, no temporaries).
        const auto grad_term = sign * g_raw + wd * param;
        if (decoupled_) param *= decay;
        m += b1 * (grad_term - m);
        v = b2 * v + one_minus_b2 * grad_term * grad_term;
        if (o.amsgrad) {
          Eigen::Map<Array> vmax(static_cast<T*>(s.max_exp_avg_sq.data_ptr()), n);
          vmax = vmax.max(v);
          param -= step_size * m / (vmax.sqrt() / bc2 + eps);
        } else {
          param -= step_size * m / (v.sqrt() / bc2 + eps);
        }
      }, [&](std::size_t i, const TensorBase& p, const TensorBase& grad) {
        device_update(o, state_[g][i], p, grad);
      });
    }
  }

  Hyperparameters hyperparameters(std::size_t g) const override {
    const AdamOptions& o = options_.at(g);
    return {{"lr", o.lr},       {"beta1", o.beta1},
            {"beta2", o.beta2}, {"eps", o.eps},
            {"weight_decay", o.weight_decay}, {"amsgrad", o.amsgrad ? 1.0 : 0.0},
            {"maximize", o.maximize ? 1.0 : 0.0}};
  }
  void set_hyperparameter(std::size_t g, const std::string& name, double v) override {
    AdamOptions& o = options_.at(g);
    if (name == "lr") {
      o.lr = v;
    } else if (name == "beta1") {
      o.beta1 = v;
    } else if (name == "beta2") {
      o.beta2 = v;
    } else if (name == "eps") {
      o.eps = v;
    } else if (name == "weight_decay") {
      o.weight_decay = v;
    } else if (name == "amsgrad") {
      o.amsgrad = v != 0;
    } else if (name == "maximize") {
      o.maximize = v != 0;
    } else {
      TB_THROW(ValueError, "Adam: unknown hyperparameter '", name, "'");
    }
    check(o);
  }

 protected:
  Adam(std::vector<TensorBase> params, AdamOptions options, bool decoupled)
      : decoupled_(decoupled) {
    add_param_group(std::move(params), options);
  }

 private:
  struct ParamState {
    int64_t step = 0;
    TensorBase exp_avg, exp_avg_sq, max_exp_avg_sq;
  };
  // The update above as in-place ops, for a parameter on a device.
  void device_update(const AdamOptions& o, ParamState& s, const TensorBase& p,
                     const TensorBase& grad) const {
    if (!s.exp_avg.defined()) {
      s.exp_avg = zeros_like(p);
      s.exp_avg_sq = zeros_like(p);
      if (o.amsgrad) s.max_exp_avg_sq = zeros_like(p);
    }
    s.step += 1;
    const double bc1 = 1 - std::pow(o.beta1, s.step);
    const double bc2_sqrt = std::sqrt(1 - std::pow(o.beta2, s.step));
    TensorBase g = o.maximize ? ops::neg(grad) : grad;
    if (!decoupled_ && o.weight_decay != 0) g = ops::add(g, p, Scalar(o.weight_decay));
    if (decoupled_) ops::mul_(p, Scalar(1 - o.lr * o.weight_decay));
    ops::add_(s.exp_avg, ops::sub(g, s.exp_avg), Scalar(1 - o.beta1));
    ops::mul_(s.exp_avg_sq, Scalar(o.beta2));
    ops::add_(s.exp_avg_sq, ops::mul(g, g), Scalar(1 - o.beta2));
    TensorBase v = s.exp_avg_sq;
    if (o.amsgrad) {
      ops::maximum_(s.max_exp_avg_sq, s.exp_avg_sq);
      v = s.max_exp_avg_sq;
    }
    const TensorBase denom = ops::add(ops::div(ops::sqrt(v), Scalar(bc2_sqrt)), Scalar(o.eps));
    ops::add_(p, ops::div(s.exp_avg, denom), Scalar(-o.lr / bc1));
  }
  static void check(const AdamOptions& o) {
    TB_CHECK(o.lr >= 0, ValueError, "Adam: invalid learning rate: ", o.lr);
    TB_CHECK(o.eps >= 0, ValueError, "Adam: invalid epsilon value: ", o.eps);
    TB_CHECK(o.beta1 >= 0 && o.beta1 < 1, ValueError, "Adam: invalid beta parameter at index 0: ",
             o.beta1);
    TB_CHECK(o.beta2 >= 0 && o.beta2 < 1, ValueError, "Adam: invalid beta parameter at index 1: ",
             o.beta2);
    TB_CHECK(o.weight_decay >= 0, ValueError, "Adam: invalid weight_decay value: ",
             o.weight_decay);
  }
  double& lr_ref(std::size_t g) override { return options_.at(g).lr; }
  std::vector<std::pair<std::string, TensorBase>> param_state(std::size_t g,
                                                              std::size_t i) const override {
    const ParamState& s = state_[g][i];
    if (!s.exp_avg.defined()) return {};
    std::vector<std::pair<std::string, TensorBase>> out{
        {"step", full({}, Scalar(double(s.step)), DType::Float32)},
        {"exp_avg", s.exp_avg},
        {"exp_avg_sq", s.exp_avg_sq}};
    if (s.max_exp_avg_sq.defined()) out.emplace_back("max_exp_avg_sq", s.max_exp_avg_sq);
    return out;
  }
  void set_param_state(std::size_t g, std::size_t i,
                       const std::vector<std::pair<std::string, TensorBase>>& state) override {
    ParamState& s = state_[g][i];
    s = ParamState();
    const TensorBase& like = groups_[g][i];
    for (const auto& [name, t] : state) {
      if (name == "step") {
        s.step = static_cast<int64_t>(t.item<double>());
      } else if (name == "exp_avg") {
        detail::copy_state(s.exp_avg, t, like);
      } else if (name == "exp_avg_sq") {
        detail::copy_state(s.exp_avg_sq, t, like);
      } else if (name == "max_exp_avg_sq") {
        detail::copy_state(s.max_exp_avg_sq, t, like);
      } else {
        TB_THROW(ValueError, "Adam: unknown state '", name, "'");
      }
    }
  }

  bool decoupled_ = false;
  std::vector<AdamOptions> options_;
  std::vector<std::vector<ParamState>> state_;
};

// Adam with decoupled weight decay (PyTorch's default weight_decay for AdamW is 1e-2).
class AdamW final : public Adam {
 public:
  AdamW(std::vector<TensorBase> params, AdamOptions options)
      : Adam(std::move(params), options, true) {}
  explicit AdamW(std::vector<TensorBase> params, double lr = 1e-3)
      : Adam(std::move(params), AdamOptions{lr, 0.9, 0.999, 1e-8, 1e-2}, true) {}
};

}  // namespace tensorbridge::optim
