#pragma once
// gradcheck: compares the gradients autograd computes with central finite differences,
// (f(x + eps) - f(x - eps)) / (2 eps), for every element of every input that requires
// grad. Inputs should be float64 (finite differences in float32 are too coarse to check
// anything). gradgradcheck does the same for the gradients themselves (create_graph).
// Inputs on a device are perturbed one element at a time through device fills, and the
// outputs read back to the host.
#include <cmath>
#include <cstdint>
#include <cstring>
#include <functional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "tensorbridge/autograd/grad_mode.hpp"
#include "tensorbridge/autograd/tensor_methods.hpp"
#include "tensorbridge/core/factory.hpp"
#include "tensorbridge/core/tensor_base.hpp"

namespace tensorbridge::autograd {

using GradcheckFn = std::function<TensorBase(const std::vector<TensorBase>&)>;

namespace detail {

// The address of element `index` (row-major) of `t`, whatever its strides.
inline double* element_at(const TensorBase& t, int64_t index) {
  int64_t offset = 0;
  for (int64_t d = t.dim() - 1; d >= 0; --d) {
    const int64_t size = t.shape()[d];
    offset += (index % size) * t.strides()[d];
    index /= size;
  }
  return static_cast<double*>(t.data_ptr()) + offset;
}

// Element `index` (row-major) of `t` as a 0-d view, on any device.
inline TensorBase element_view(const TensorBase& t, int64_t index) {
  int64_t offset = t.storage_offset();
  for (int64_t d = t.dim() - 1; d >= 0; --d) {
    const int64_t size = t.shape()[d];
    offset += (index % size) * t.strides()[d];
    index /= size;
  }
  return t.detach().as_strided({}, {}, offset);
}

// Reads element `index` of a float64 tensor; set_element writes it (no version bump on
// the host: no graph is kept across the calls of fn).
inline double get_element(const TensorBase& t, int64_t index) {
  if (t.device().is_cpu()) return *element_at(t, index);
  return element_view(t, index).item<double>();
}
inline void set_element(const TensorBase& t, int64_t index, double value) {
  if (t.device().is_cpu()) {
    *element_at(t, index) = value;
  } else {
    NoGradGuard no_grad;
    element_view(t, index).fill_(Scalar(value));
  }
}

inline std::vector<double> values_of(const TensorBase& t) {
  const TensorBase dense = t.detach().to(Device::cpu(), DType::Float64).contiguous();
  std::vector<double> out(static_cast<std::size_t>(dense.numel()));
  if (!out.empty()) std::memcpy(out.data(), dense.data_ptr(), out.size() * sizeof(double));
  return out;
}

}  // namespace detail

// Returns true when every analytical derivative matches its numerical estimate within
// atol + rtol * |numerical|; otherwise throws an Error naming the input, the elements and
// both values (or returns false when raise_exception is false).
inline bool gradcheck(const GradcheckFn& fn, const std::vector<TensorBase>& inputs,
                      double eps = 1e-6, double atol = 1e-5, double rtol = 1e-3,
                      bool raise_exception = true) {
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    if (!requires_grad(inputs[i])) continue;
    TB_CHECK(inputs[i].dtype() == DType::Float64, TypeError, "gradcheck: input ", i,
             " has dtype ", inputs[i].dtype(),
             "; finite differences need float64 inputs (use .to(float64))");
  }
  const TensorBase out = fn(inputs);
  TB_CHECK(requires_grad(out), Error,
           "gradcheck: the function's output does not require grad (no input reaches it)");
  const int64_t n_out = out.numel();

  // analytical[i][j * n_in + k] = d out[j] / d input_i[k], one backward per output element.
  std::vector<std::vector<double>> analytical(inputs.size());
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    if (requires_grad(inputs[i])) {
      analytical[i].assign(static_cast<std::size_t>(n_out * inputs[i].numel()), 0.0);
    }
  }
  std::vector<TensorBase> wrt;
  std::vector<std::size_t> wrt_index;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    if (requires_grad(inputs[i])) {
      wrt.push_back(inputs[i]);
      wrt_index.push_back(i);
    }
  }
  for (int64_t j = 0; j < n_out; ++j) {
    TensorBase seed = zeros(out.shape(), out.dtype(), out.device());
    {
      NoGradGuard no_grad;
      seed.reshape({-1}).select(0, j).fill_(Scalar(1));
    }
    const std::vector<TensorBase> grads = grad({out}, wrt, {seed}, true, false, true);
    for (std::size_t w = 0; w < wrt.size(); ++w) {
      if (!grads[w].defined()) continue;
      const std::vector<double> g = detail::values_of(grads[w]);
      const int64_t n_in = static_cast<int64_t>(g.size());
      for (int64_t k = 0; k < n_in; ++k) analytical[wrt_index[w]][j * n_in + k] = g[k];
    }
  }

  // Perturbs the inputs' memory directly (no version bump: no graph is kept across calls).
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    if (!requires_grad(inputs[i])) continue;
    const int64_t n_in = inputs[i].numel();
    for (int64_t k = 0; k < n_in; ++k) {
      const double original = detail::get_element(inputs[i], k);
      detail::set_element(inputs[i], k, original + eps);
      const std::vector<double> plus = detail::values_of(fn(inputs));
      detail::set_element(inputs[i], k, original - eps);
      const std::vector<double> minus = detail::values_of(fn(inputs));
      detail::set_element(inputs[i], k, original);
      for (int64_t j = 0; j < n_out; ++j) {
        const double numerical = (plus[j] - minus[j]) / (2 * eps);
        const double a = analytical[i][j * n_in + k];
        if (std::abs(a - numerical) <= atol + rtol * std::abs(numerical)) continue;
        if (!raise_exception) return false;
        std::ostringstream msg;
        msg << "gradcheck: Jacobian mismatch for output " << j << " with respect to input "
            << i << " (shape " << shape_str(inputs[i].shape()) << "), element " << k
            << ": numerical " << numerical << ", analytical " << a << " (eps " << eps
            << ", atol " << atol << ", rtol " << rtol << ")";
        throw Error(msg.str());
      }
    }
  }
  return true;
}

// Checks second derivatives: gradcheck of x -> grad(fn(x), x, v, create_graph) for a fixed
// random-ish v, so every backward formula's own backward is verified.
inline bool gradgradcheck(const GradcheckFn& fn, const std::vector<TensorBase>& inputs,
                          double eps = 1e-6, double atol = 1e-5, double rtol = 1e-3,
                          bool raise_exception = true) {
  const TensorBase probe = fn(inputs);
  // A fixed, non-uniform weighting of the output elements.
  TensorBase v = empty(probe.shape(), DType::Float64);
  for (int64_t j = 0; j < v.numel(); ++j) {
    *detail::element_at(v, j) = 0.5 + 0.25 * static_cast<double>((j * 7) % 5);
  }
  v = v.to(probe.device());
  GradcheckFn first_derivative = [&](const std::vector<TensorBase>& xs) {
    std::vector<TensorBase> wrt;
    for (const TensorBase& x : xs) {
      if (requires_grad(x)) wrt.push_back(x);
    }
    const TensorBase y = fn(xs);
    const std::vector<TensorBase> g = grad({y}, wrt, {v}, true, true, true);
    // One output: the gradients weighted and summed, each with its own weight pattern.
    TensorBase total;
    for (std::size_t w = 0; w < g.size(); ++w) {
      if (!g[w].defined() || !requires_grad(g[w])) continue;
      TensorBase weights = empty(g[w].shape(), DType::Float64);
      for (int64_t k = 0; k < weights.numel(); ++k) {
        *detail::element_at(weights, k) = 1.0 + 0.1 * static_cast<double>((k + w) % 3);
      }
      weights = weights.to(g[w].device());
      const TensorBase term = autograd::sum_to(autograd::mul(g[w], weights), {});
      total = total.defined() ? autograd::add(total, term) : term;
    }
    TB_CHECK(total.defined(), Error,
             "gradgradcheck: the first derivatives do not depend on the inputs");
    return total;
  };
  // Linear functions have constant first derivatives: nothing second-order to check.
  std::vector<TensorBase> wrt;
  for (const TensorBase& x : inputs) {
    if (requires_grad(x)) wrt.push_back(x);
  }
  bool any_second_order = false;
  for (const TensorBase& g : grad({probe}, wrt, {v}, true, true, true)) {
    any_second_order = any_second_order || requires_grad(g);
  }
  if (!any_second_order) return true;
  return gradcheck(first_derivative, inputs, eps, atol, rtol, raise_exception);
}

}  // namespace tensorbridge::autograd
