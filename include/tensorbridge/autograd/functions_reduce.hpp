#pragma once
// Differentiable reductions. A reduction's gradient is the incoming gradient broadcast
// back over the reduced dimensions (expand_back: unsqueeze where keepdim dropped them,
// then expand), times the op's own factor:
//   sum 1, mean 1/N, prod out/x, amax/amin/max/min the tie-shared indicator of the
//   extremes, var 2(x - mean)/(N - c), std (x - mean)/((N - c) std), norm (p = 2) x/norm,
//   logsumexp exp(x - out), softmax y (g - sum(g y)), log_softmax g - exp(y) sum(g).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <utility>
#include <vector>

#include "tensorbridge/autograd/functions_elementwise.hpp"
#include "tensorbridge/autograd/functions_index.hpp"
#include "tensorbridge/autograd/functions_unary.hpp"
#include "tensorbridge/autograd/meta.hpp"
#include "tensorbridge/autograd/saved_tensor.hpp"
#include "tensorbridge/ops/reduce.hpp"

namespace tensorbridge::autograd {

using Dims = std::vector<int64_t>;

TensorBase sum(const TensorBase& x, const Dims& dims = {}, bool keepdim = false,
               std::optional<DType> dtype = std::nullopt);
TensorBase amax(const TensorBase& x, const Dims& dims = {}, bool keepdim = false);
TensorBase cumsum(const TensorBase& x, int64_t dim, std::optional<DType> dtype = std::nullopt);

namespace detail {

// The reduced dims of an input of `ndim` dims, wrapped and sorted (all of them when empty).
inline Dims reduced_dims(int64_t ndim, const Dims& dims) {
  Dims out;
  if (dims.empty()) {
    for (int64_t d = 0; d < ndim; ++d) out.push_back(d);
    return out;
  }
  for (int64_t d : dims) out.push_back(wrap_dim(d, ndim, "reduce"));
  std::sort(out.begin(), out.end());
  return out;
}

// g (the shape of a reduction of an input of `shape` over `dims`) broadcast back to `shape`.
inline TensorBase expand_back(const TensorBase& g, const Shape& shape, const Dims& dims,
                              bool keepdim) {
  TensorBase out = g;
  if (!keepdim && !shape.empty()) {
    for (int64_t d : reduced_dims(static_cast<int64_t>(shape.size()), dims)) out = out.unsqueeze(d);
  }
  return out.expand(shape);
}

inline int64_t reduced_count(const TensorBase& x, const TensorBase& out) {
  return out.numel() == 0 ? 0 : x.numel() / out.numel();
}

// A reduction's node: record_unary's, saving the input, the output, both or neither.
template <typename Raw, typename Formula>
TensorBase record_reduce(const char* name, const TensorBase& x, bool save_x, bool save_y,
                         Raw&& raw, Formula formula) {
  const Save save = save_x && save_y ? Save::Both
                    : save_x         ? Save::Input
                    : save_y         ? Save::Output
                                     : Save::Nothing;
  return record_unary(name, x, save, std::forward<Raw>(raw), std::move(formula));
}

}  // namespace detail

// ---- sum, mean, prod ---------------------------------------------------------------------------
inline TensorBase sum(const TensorBase& x, const Dims& dims, bool keepdim,
                      std::optional<DType> dtype) {
  const Shape shape = x.shape();
  return detail::record_reduce(
      "SumBackward", x, false, false, [&] { return ops::sum(x, dims, keepdim, dtype); },
      [shape, dims, keepdim](const TensorBase& g, const TensorBase&, const TensorBase&) {
        return detail::expand_back(g, shape, dims, keepdim);
      });
}
inline TensorBase mean(const TensorBase& x, const Dims& dims = {}, bool keepdim = false,
                       std::optional<DType> dtype = std::nullopt) {
  const Shape shape = x.shape();
  const int64_t n = checked_numel(shape);
  return detail::record_reduce(
      "MeanBackward", x, false, false, [&] { return ops::mean(x, dims, keepdim, dtype); },
      [shape, dims, keepdim, n](const TensorBase& g, const TensorBase&, const TensorBase&) {
        const int64_t count = g.numel() == 0 ? 1 : n / g.numel();
        return autograd::div(detail::expand_back(g, shape, dims, keepdim), double(count));
      });
}
// Zeros handled exactly: with one zero in a slice only that element gets a gradient (the
// product of the others); with two or more, none does. Complex inputs: the same formula on
// conj(x) and conj(y) (prod(conj x) = conj(prod x)), which gives g * conj(d prod/dx).
inline TensorBase prod(const TensorBase& x, const Dims& dims = {}, bool keepdim = false,
                       std::optional<DType> dtype = std::nullopt) {
  return detail::record_reduce(
      "ProdBackward", x, true, true, [&] { return ops::prod(x, dims, keepdim, dtype); },
      [dims, keepdim](const TensorBase& g, const TensorBase& x_in, const TensorBase& y_in) {
        const TensorBase x = detail::conj_if_complex(x_in);
        const TensorBase y = detail::conj_if_complex(y_in);
        const Shape& shape = x.shape();
        const TensorBase gy = detail::expand_back(autograd::mul(g, y), shape, dims, keepdim);
        const TensorBase is_zero = ops::eq(x, 0);
        const TensorBase zeros_per_slice = ops::sum(is_zero, dims, true);
        if (ops::all(ops::eq(zeros_per_slice, 0)).item<bool>()) return autograd::div(gy, x);
        const TensorBase others = autograd::prod(autograd::where(is_zero, Scalar(1.0), x), dims, true);
        const TensorBase single = ops::logical_and(is_zero, ops::eq(zeros_per_slice, 1));
        const TensorBase g_keep = detail::expand_back(g, shape, dims, keepdim);
        return autograd::where(single, autograd::mul(g_keep, others.expand(shape)),
                               autograd::where(is_zero, ops::mul(x, 0), autograd::div(gy, x)));
      });
}

// ---- extremes ------------------------------------------------------------------------------
namespace detail {
// g spread evenly over the elements of x equal to the (broadcast) extreme y.
inline TensorBase extreme_backward(const TensorBase& g, const TensorBase& x, const TensorBase& y,
                                   const Dims& dims, bool keepdim) {
  const Shape& shape = x.shape();
  // Counted and divided in g's dtype: bool / int64 would divide in the default dtype
  // (float32) and round 1/count, and devices sum no bools.
  const TensorBase hit = ops::eq(x, expand_back(y, shape, dims, keepdim)).to(g.dtype());
  const TensorBase count = ops::sum(hit, dims, true);
  const TensorBase share = ops::div(hit, count.expand(shape));
  return autograd::mul(expand_back(g, shape, dims, keepdim), share);
}
}  // namespace detail

inline TensorBase amax(const TensorBase& x, const Dims& dims, bool keepdim) {
  return detail::record_reduce(
      "AmaxBackward", x, true, true, [&] { return ops::amax(x, dims, keepdim); },
      [dims, keepdim](const TensorBase& g, const TensorBase& x, const TensorBase& y) {
        return detail::extreme_backward(g, x, y, dims, keepdim);
      });
}
inline TensorBase amin(const TensorBase& x, const Dims& dims = {}, bool keepdim = false) {
  return detail::record_reduce(
      "AminBackward", x, true, true, [&] { return ops::amin(x, dims, keepdim); },
      [dims, keepdim](const TensorBase& g, const TensorBase& x, const TensorBase& y) {
        return detail::extreme_backward(g, x, y, dims, keepdim);
      });
}
inline TensorBase max(const TensorBase& x) {
  return detail::record_reduce(
      "MaxBackward", x, true, true, [&] { return ops::max(x); },
      [](const TensorBase& g, const TensorBase& x, const TensorBase& y) {
        return detail::extreme_backward(g, x, y, {}, false);
      });
}
inline TensorBase min(const TensorBase& x) {
  return detail::record_reduce(
      "MinBackward", x, true, true, [&] { return ops::min(x); },
      [](const TensorBase& g, const TensorBase& x, const TensorBase& y) {
        return detail::extreme_backward(g, x, y, {}, false);
      });
}

// max/min along a dim: the gradient goes to the index each value came from.
struct MaxDimBackward final : Node {
  TensorBase indices;
  int64_t dim = 0;
  bool keepdim = false;
  Shape shape;
  const char* op_name = "MaxBackward";
  const char* name() const override { return op_name; }
  GradList apply(GradList&& g) override {
    if (shape.empty()) return {g[0]};
    const TensorBase g2 = keepdim ? g[0] : g[0].unsqueeze(dim);
    const TensorBase i2 = keepdim ? indices : indices.unsqueeze(dim);
    return {autograd::scatter_add(zeros(shape, g[0].dtype(), g[0].device()), dim, i2, g2)};
  }
};
namespace detail {
inline ValuesIndices record_extreme_dim(const TensorBase& x, int64_t dim, bool keepdim,
                                        ValuesIndices r, const char* name) {
  auto node = make_node<MaxDimBackward>(x);
  node->indices = r.indices;
  node->dim = x.dim() == 0 ? 0 : wrap_dim(dim, x.dim(), name);
  node->keepdim = keepdim;
  node->shape = x.shape();
  node->op_name = name;
  set_history(r.values, node);
  return r;
}
}  // namespace detail
inline ValuesIndices max(const TensorBase& x, int64_t dim, bool keepdim = false) {
  if (!needs_grad(x)) return ops::max(x, dim, keepdim);
  return detail::record_extreme_dim(x, dim, keepdim,
                                    untracked([&] { return ops::max(x, dim, keepdim); }),
                                    "MaxBackward");
}
inline ValuesIndices min(const TensorBase& x, int64_t dim, bool keepdim = false) {
  if (!needs_grad(x)) return ops::min(x, dim, keepdim);
  return detail::record_extreme_dim(x, dim, keepdim,
                                    untracked([&] { return ops::min(x, dim, keepdim); }),
                                    "MinBackward");
}

// ---- var, std, norm ------------------------------------------------------------------------
inline TensorBase var(const TensorBase& x, const Dims& dims = {}, double correction = 1,
                      bool keepdim = false) {
  return detail::record_reduce(
      "VarBackward", x, true, false, [&] { return ops::var(x, dims, correction, keepdim); },
      [dims, correction, keepdim](const TensorBase& g, const TensorBase& x, const TensorBase&) {
        const double n = double(x.numel()) / double(std::max<int64_t>(g.numel(), 1));
        const TensorBase centered = autograd::sub(x, autograd::mean(x, dims, true));
        const TensorBase ge = detail::expand_back(g, x.shape(), dims, keepdim);
        return autograd::mul(autograd::mul(ge, centered), 2.0 / (n - correction));
      });
}
inline TensorBase std(const TensorBase& x, const Dims& dims = {}, double correction = 1,
                      bool keepdim = false) {
  return detail::record_reduce(
      "StdBackward", x, true, true, [&] { return ops::std(x, dims, correction, keepdim); },
      [dims, correction, keepdim](const TensorBase& g, const TensorBase& x, const TensorBase& y) {
        const double n = double(x.numel()) / double(std::max<int64_t>(g.numel(), 1));
        const TensorBase centered = autograd::sub(x, autograd::mean(x, dims, true));
        const TensorBase scale = autograd::div(g, autograd::mul(y, n - correction));
        const TensorBase safe = autograd::masked_fill(scale, ops::eq(y, 0), 0);
        return autograd::mul(detail::expand_back(safe, x.shape(), dims, keepdim), centered);
      });
}
inline TensorBase norm(const TensorBase& x, double p = 2, const Dims& dims = {},
                       bool keepdim = false) {
  return detail::record_reduce(
      "NormBackward", x, true, true, [&] { return ops::norm(x, p, dims, keepdim); },
      [p, dims, keepdim](const TensorBase& g, const TensorBase& x, const TensorBase& y) {
        const Shape& shape = x.shape();
        if (p == 0) return ops::mul(x, 0);
        if (p == 1) {
          return autograd::mul(detail::expand_back(g, shape, dims, keepdim),
                               detail::abs_derivative(x));
        }
        if (std::isinf(p)) {
          const TensorBase ax = autograd::abs(x);
          const TensorBase hit =
              ops::eq(ax, detail::expand_back(y, shape, dims, keepdim)).to(g.dtype());
          const TensorBase share = ops::div(hit, ops::sum(hit, dims, true).expand(shape));
          return autograd::mul(autograd::mul(detail::expand_back(g, shape, dims, keepdim), share),
                               detail::abs_derivative(x));
        }
        // d/dx (sum |x|^p)^(1/p) = x |x|^(p-2) / norm^(p-1); 0 where the norm is 0.
        const TensorBase ye = detail::expand_back(y, shape, dims, keepdim);
        const TensorBase ge = detail::expand_back(g, shape, dims, keepdim);
        TensorBase num = p == 2 ? x : autograd::mul(x, autograd::pow(autograd::abs(x), p - 2));
        const TensorBase den = p == 2 ? ye : autograd::pow(ye, p - 1);
        return autograd::masked_fill(autograd::div(autograd::mul(ge, num), den), ops::eq(ye, 0), 0);
      });
}

// ---- logsumexp, softmax, log_softmax -----------------------------------------------------------
inline TensorBase logsumexp(const TensorBase& x, const Dims& dims, bool keepdim = false) {
  return detail::record_reduce(
      "LogsumexpBackward", x, true, true, [&] { return ops::logsumexp(x, dims, keepdim); },
      [dims, keepdim](const TensorBase& g, const TensorBase& x, const TensorBase& y) {
        const Shape& shape = x.shape();
        return autograd::mul(detail::expand_back(g, shape, dims, keepdim),
                             autograd::exp(autograd::sub(x, detail::expand_back(y, shape, dims, keepdim))));
      });
}
inline TensorBase softmax(const TensorBase& x, int64_t dim,
                          std::optional<DType> dtype = std::nullopt) {
  return detail::record_reduce(
      "SoftmaxBackward", x, false, true, [&] { return ops::softmax(x, dim, dtype); },
      [dim](const TensorBase& g, const TensorBase&, const TensorBase& y) {
        const TensorBase gy = autograd::mul(g, y);
        return autograd::sub(gy, autograd::mul(y, autograd::sum(gy, {dim}, true)));
      });
}
inline TensorBase log_softmax(const TensorBase& x, int64_t dim,
                              std::optional<DType> dtype = std::nullopt) {
  return detail::record_reduce(
      "LogSoftmaxBackward", x, false, true, [&] { return ops::log_softmax(x, dim, dtype); },
      [dim](const TensorBase& g, const TensorBase&, const TensorBase& y) {
        return autograd::sub(g, autograd::mul(autograd::exp(y), autograd::sum(g, {dim}, true)));
      });
}

// ---- cumulative sums and products ------------------------------------------------------------------
// d cumsum: the reversed cumulative sum of g along dim.
inline TensorBase cumsum(const TensorBase& x, int64_t dim, std::optional<DType> dtype) {
  return detail::record_reduce(
      "CumsumBackward", x, false, false, [&] { return ops::cumsum(x, dim, dtype); },
      [dim](const TensorBase& g, const TensorBase&, const TensorBase&) {
        if (g.dim() == 0) return g;
        return autograd::cumsum(g.flip({dim}), dim).flip({dim});
      });
}
// d cumprod (inputs without zeros): reversed cumsum of g * out, divided by x (conjugated
// for complex inputs).
inline TensorBase cumprod(const TensorBase& x, int64_t dim,
                          std::optional<DType> dtype = std::nullopt) {
  return detail::record_reduce(
      "CumprodBackward", x, true, true, [&] { return ops::cumprod(x, dim, dtype); },
      [dim](const TensorBase& g, const TensorBase& x, const TensorBase& y) {
        if (g.dim() == 0) return g;
        const TensorBase yc = detail::conj_if_complex(y);
        const TensorBase rev = autograd::cumsum(autograd::mul(g, yc).flip({dim}), dim).flip({dim});
        return autograd::div(rev, detail::conj_if_complex(x));
      });
}

// Not differentiable: indices and booleans.
using ops::all;
using ops::any;
using ops::argmax;
using ops::argmin;

}  // namespace tensorbridge::autograd
