#pragma once
// The optimizer base: parameter groups with their own hyperparameters, zero_grad, and a
// state_dict that names every hyperparameter and state tensor the way PyTorch does
// ("lr", "momentum", "momentum_buffer", "exp_avg", ...).
//
// Updates are the bulk of a small model's training step, so each optimizer runs its
// update as one fused loop per parameter over contiguous float32/float64 memory (see
// for_each_param), with no temporary tensors and no graph. Parameters on a device are
// updated by the same formulas written as in-place ops, whose kernels run there; each
// parameter's state lives on its own device.
#include <cmath>
#include <cstdint>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "tensorbridge/autograd/grad_mode.hpp"
#include "tensorbridge/autograd/tensor_methods.hpp"
#include "tensorbridge/core/factory.hpp"
#include "tensorbridge/core/tensor_base.hpp"
#include "tensorbridge/ops/binary.hpp"
#include "tensorbridge/ops/unary.hpp"

namespace tensorbridge::optim {

// A group's hyperparameters by name, in a fixed order ("lr" first).
using Hyperparameters = std::vector<std::pair<std::string, double>>;

struct OptimizerStateDict {
  // state[i]: the state of parameter i (numbered across groups in order), by name.
  std::vector<std::vector<std::pair<std::string, TensorBase>>> state;
  std::vector<Hyperparameters> param_groups;
};

class Optimizer {
 public:
  virtual ~Optimizer() = default;
  Optimizer(const Optimizer&) = delete;
  Optimizer& operator=(const Optimizer&) = delete;

  // Applies one update to every parameter that has a gradient (under no_grad).
  virtual void step() = 0;

  void zero_grad(bool set_to_none = true) {
    autograd::NoGradGuard no_grad;
    for (const auto& group : groups_) {
      for (const TensorBase& p : group) {
        const TensorBase g = p.grad();
        if (!g.defined()) continue;
        if (set_to_none) {
          p.set_grad({});
        } else {
          g.zero_();
        }
      }
    }
  }

  std::size_t num_param_groups() const { return groups_.size(); }
  const std::vector<TensorBase>& params(std::size_t group) const { return groups_.at(group); }
  double lr(std::size_t group = 0) const { return lr_ref(group); }
  void set_lr(double lr, std::size_t group = 0) { lr_ref(group) = lr; }
  // Every hyperparameter of a group by name (PyTorch's param_groups[i] without "params").
  virtual Hyperparameters hyperparameters(std::size_t group) const = 0;
  virtual void set_hyperparameter(std::size_t group, const std::string& name, double value) = 0;

  OptimizerStateDict state_dict() const {
    OptimizerStateDict out;
    for (std::size_t g = 0; g < groups_.size(); ++g) {
      out.param_groups.push_back(hyperparameters(g));
      for (std::size_t i = 0; i < groups_[g].size(); ++i) out.state.push_back(param_state(g, i));
    }
    return out;
  }
  // Restores hyperparameters and state saved by state_dict() of an optimizer over
  // parameters of the same shapes (tensors are copied).
  void load_state_dict(const OptimizerStateDict& dict) {
    TB_CHECK(dict.param_groups.size() == groups_.size(), ValueError,
             "load_state_dict: loaded state dict has ", dict.param_groups.size(),
             " parameter groups, the optimizer has ", groups_.size());
    std::size_t index = 0;
    for (std::size_t g = 0; g < groups_.size(); ++g) {
      for (const auto& [name, value] : dict.param_groups[g]) set_hyperparameter(g, name, value);
      for (std::size_t i = 0; i < groups_[g].size(); ++i, ++index) {
        TB_CHECK(index < dict.state.size(), ValueError,
                 "load_state_dict: loaded state dict has fewer parameters than the optimizer");
        set_param_state(g, i, dict.state[index]);
      }
    }
  }

 protected:
  Optimizer() = default;

  void add_group(std::vector<TensorBase> params) {
    for (const TensorBase& p : params) {
      TB_CHECK(p.defined() && p.is_leaf(), ValueError,
               "optimizer: can't optimize a non-leaf Tensor (shape ", shape_str(p.shape()), ")");
    }
    groups_.push_back(std::move(params));
  }
  virtual double& lr_ref(std::size_t group) = 0;
  double lr_ref(std::size_t group) const { return const_cast<Optimizer*>(this)->lr_ref(group); }
  virtual std::vector<std::pair<std::string, TensorBase>> param_state(std::size_t group,
                                                                      std::size_t i) const = 0;
  virtual void set_param_state(std::size_t group, std::size_t i,
                               const std::vector<std::pair<std::string, TensorBase>>& state) = 0;

  // Calls fn(i, param data, grad data, numel) (T* and const T*, T float or double) for
  // every parameter i of `group` on the CPU that has a gradient, with both contiguous (a
  // non-contiguous parameter is updated through a contiguous copy written back
  // afterwards), and device_fn(i, param, grad) (grad of param's dtype) for one on a
  // device.
  template <typename Fn, typename DeviceFn>
  void for_each_param(std::size_t group, Fn&& fn, DeviceFn&& device_fn) {
    autograd::NoGradGuard no_grad;
    const auto& params = groups_[group];
    for (std::size_t i = 0; i < params.size(); ++i) {
      const TensorBase& p = params[i];
      TensorBase g = p.grad();
      if (!g.defined()) continue;
      TB_CHECK(p.dtype() == DType::Float32 || p.dtype() == DType::Float64, TypeError,
               "optimizer: parameters must be float32 or float64, got ", p.dtype(), " (shape ",
               shape_str(p.shape()), ")");
      TB_CHECK(g.device() == p.device(), DeviceError, "optimizer: the gradient (device ",
               g.device(), ") is not on the parameter's device ", p.device(), " (shape ",
               shape_str(p.shape()), ")");
      if (g.dtype() != p.dtype()) g = g.to(p.dtype());
      if (!p.device().is_cpu()) {
        device_fn(i, p, g);
        continue;
      }
      g = g.contiguous();
      const TensorBase target = p.is_contiguous() ? p : p.clone();
      visit_dtype(p.dtype(), [&](auto tag) {
        using T = typename decltype(tag)::type;
        if constexpr (std::is_same_v<T, float> || std::is_same_v<T, double>) {
          fn(i, static_cast<T*>(target.data_ptr()), static_cast<const T*>(g.data_ptr()),
             p.numel());
        }
      });
      if (!target.is_same(p)) p.copy_(target);
      p.bump_version();
    }
  }

  // A zero-filled state tensor shaped like parameter i of `group`, on its device.
  TensorBase zeros_like_param(std::size_t group, std::size_t i) const {
    const TensorBase& p = groups_[group][i];
    return zeros(p.shape(), p.dtype(), p.device());
  }

  std::vector<std::vector<TensorBase>> groups_;
};

namespace detail {
inline void copy_state(TensorBase& dst, const TensorBase& src, const TensorBase& like) {
  if (!src.defined()) {
    dst = TensorBase();
    return;
  }
  TB_CHECK(src.shape() == like.shape(), ValueError, "load_state_dict: state of shape ",
           shape_str(src.shape()), " does not match parameter of shape ", shape_str(like.shape()));
  dst = src.detach().to(like.device(), like.dtype(), false, true).contiguous();
}
}  // namespace detail

}  // namespace tensorbridge::optim
