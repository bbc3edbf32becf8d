#pragma once
// Stochastic gradient descent with PyTorch's options and update order:
//   d = grad (negated with maximize) + weight_decay * p
//   momentum: buf = d the first time, then momentum * buf + (1 - dampening) * d;
//             d = d + momentum * buf with nesterov, else d = buf
//   p -= lr * d
// as one or two vectorized passes per parameter (Eigen array expressions, no temporaries).
#include <string>
#include <utility>
#include <vector>

#include "tensorbridge/core/eigen_core.hpp"

#include "tensorbridge/optim/optimizer.hpp"

namespace tensorbridge::optim {

struct SGDOptions {
  double lr = 1e-3;
  double momentum = 0;
  double dampening = 0;
  double weight_decay = 0;
  bool nesterov = false;
  bool maximize = false;
};

class SGD final : public Optimizer {
 public:
  SGD(std::vector<TensorBase> params, SGDOptions options) { add_param_group(std::move(params), options); }
  explicit SGD(std::vector<TensorBase> params, double lr = 1e-3) : SGD(std::move(params), SGDOptions{lr}) {}

  void add_param_group(std::vector<TensorBase> params, SGDOptions options) {
    check(options);
    buffers_.emplace_back(params.size());
    options_.push_back(options);
    add_group(std::move(params));
  }
  SGDOptions& options(std::size_t group = 0) { return options_.at(group); }

  void step() override {
    for (std::size_t g = 0; g < groups_.size(); ++g) {
      const SGDOptions o = options_[g];
      for_each_param(g, [&](std::size_t i, auto* p, const auto* grad, int64_t n) {
        using T = std::remove_pointer_t<decltype(p)>;
        using Array = Eigen::Array<T, Eigen::Dynamic, 1>;
        const T lr = T(o.lr), wd = T(o.weight_decay), mom = T(o.momentum);
        const T damp = T(1 - o.dampening), sign = o.maximize ? T(-1) : T(1);
        Eigen::Map<Array> param(p, n);
        const Eigen::Map<const Array> g_raw(grad, n);
        const auto d = sign * g_raw + wd * param;  // evaluated inside each pass below
        if (o.momentum == 0) {
          param -= lr * d;
          return;
        }
        TensorBase& buffer = buffers_[g][i];
        const bool first = !buffer.defined();
        if (first) buffer = zeros_like_param(g, i);
        Eigen::Map<Array> b(static_cast<T*>(buffer.data_ptr()), n);
        if (first) {
          b = d;
        } else {
          b = mom * b + damp * d;
        }
        if (o.nesterov) {
          param -= lr * (d + mom * b);
        } else {
          param -= lr * b;
        }
      }, [&](std::size_t i, const TensorBase& p, const TensorBase& grad) {
        device_update(o, buffers_[g][i], p, grad);
      });
    }
  }

  Hyperparameters hyperparameters(std::size_t g) const override {
    const SGDOptions& o = options_.at(g);
    return {{"lr", o.lr},
            {"momentum", o.momentum},
            {"dampening", o.dampening},
            {"weight_decay", o.weight_decay},
            {"nesterov", o.nesterov ? 1.0 : 0.0},
            {"maximize", o.maximize ? 1.0 : 0.0}};
  }
  void set_hyperparameter(std::size_t g, const std::string& name, double v) override {
    SGDOptions& o = options_.at(g);
    if (name == "lr") {
      o.lr = v;
    } else if (name == "momentum") {
      o.momentum = v;
    } else if (name == "dampening") {
      o.dampening = v;
    } else if (name == "weight_decay") {
      o.weight_decay = v;
    } else if (name == "nesterov") {
      o.nesterov = v != 0;
    } else if (name == "maximize") {
      o.maximize = v != 0;
    } else {
      TB_THROW(ValueError, "SGD: unknown hyperparameter '", name, "'");
    }
    check(o);
  }

 private:
  // The update above as in-place ops, for a parameter on a device.
  static void device_update(const SGDOptions& o, TensorBase& buffer, const TensorBase& p,
                            const TensorBase& grad) {
    TensorBase d = o.maximize ? ops::neg(grad) : grad;
    if (o.weight_decay != 0) d = ops::add(d, p, Scalar(o.weight_decay));
    if (o.momentum != 0) {
      if (!buffer.defined()) {
        buffer = d.clone();
      } else {
        ops::mul_(buffer, Scalar(o.momentum));
        ops::add_(buffer, d, Scalar(1 - o.dampening));
      }
      d = o.nesterov ? ops::add(d, buffer, Scalar(o.momentum)) : buffer;
    }
    ops::add_(p, d, Scalar(-o.lr));
  }
  static void check(const SGDOptions& o) {
    TB_CHECK(o.lr >= 0, ValueError, "SGD: invalid learning rate: ", o.lr);
    TB_CHECK(o.momentum >= 0, ValueError, "SGD: invalid momentum value: ", o.momentum);
    TB_CHECK(o.weight_decay >= 0, ValueError, "SGD: invalid weight_decay value: ", o.weight_decay);
    TB_CHECK(!o.nesterov || (o.momentum > 0 && o.dampening == 0), ValueError,
             "SGD: Nesterov momentum requires a momentum and zero dampening");
  }
  double& lr_ref(std::size_t g) override { return options_.at(g).lr; }
  std::vector<std::pair<std::string, TensorBase>> param_state(std::size_t g,
                                                              std::size_t i) const override {
    if (!buffers_[g][i].defined()) return {};
    return {{"momentum_buffer", buffers_[g][i]}};
  }
  void set_param_state(std::size_t g, std::size_t i,
                       const std::vector<std::pair<std::string, TensorBase>>& state) override {
    buffers_[g][i] = TensorBase();
    for (const auto& [name, t] : state) {
      TB_CHECK(name == "momentum_buffer", ValueError, "SGD: unknown state '", name, "'");
      detail::copy_state(buffers_[g][i], t, groups_[g][i]);
    }
  }

  std::vector<SGDOptions> options_;
  std::vector<std::vector<TensorBase>> buffers_;
};

}  // namespace tensorbridge::optim
