#pragma once
// Reductions on the CPU, without autograd: sum, prod, mean, amax/amin, max/min (with
// indices along a dim), argmax/argmin, all/any, var/std, norm, logsumexp, cumsum/cumprod,
// softmax/log_softmax. `dims` lists the reduced dims (negative ones count from the end; an
// empty list means all of them); keepdim keeps them as size 1.
//
// Result dtypes are PyTorch's: sum/prod/cumsum of integers and bools are int64; mean, var,
// std and norm need floating or complex input (complex var/std/norm are real); float16 and
// bfloat16 accumulate in float32 and return their own dtype; all/any give bool (uint8 for
// uint8 input).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <vector>

#include "tensorbridge/core/copy.hpp"
#include "tensorbridge/core/factory.hpp"
#include "tensorbridge/core/tensor_base.hpp"
#include "tensorbridge/kernels/cpu/loop.hpp"
#include "tensorbridge/kernels/cpu/reduce.hpp"
#include "tensorbridge/ops/binary.hpp"
#include "tensorbridge/ops/elementwise.hpp"
#include "tensorbridge/ops/unary.hpp"

namespace tensorbridge {

// max/min along a dim: the extreme values and the index of their first occurrence.
struct ValuesIndices {
  TensorBase values;
  TensorBase indices;
};

namespace ops {
namespace detail {

// Which dims are reduced; an empty list means all. Duplicates are an error.
inline std::vector<bool> reduced_mask(const TensorBase& x, const std::vector<int64_t>& dims,
                                      const char* op) {
  const auto nd = static_cast<std::size_t>(x.dim());
  std::vector<bool> mask(nd, dims.empty());
  for (int64_t d : dims) {
    const int64_t w = wrap_dim(d, x.dim(), op);
    if (nd == 0) continue;  // a 0-d tensor accepts dim 0 / -1 and reduces nothing
    TB_CHECK(!mask[static_cast<std::size_t>(w)], ValueError, op, ": dim ", w,
             " appears multiple times in the list of dims ", shape_str(dims));
    mask[static_cast<std::size_t>(w)] = true;
  }
  return mask;
}

inline Shape reduced_shape(const Shape& shape, const std::vector<bool>& mask, bool keepdim) {
  Shape out;
  for (std::size_t d = 0; d < shape.size(); ++d) {
    if (!mask[d]) {
      out.push_back(shape[d]);
    } else if (keepdim) {
      out.push_back(1);
    }
  }
  return out;
}

inline int64_t reduced_count(const Shape& shape, const std::vector<bool>& mask) {
  int64_t n = 1;
  for (std::size_t d = 0; d < shape.size(); ++d) {
    if (mask[d]) n *= shape[d];
  }
  return n;
}

// PyTorch refuses max/amax/argmax over nothing.
inline void check_nonempty_reduction(const TensorBase& x, const std::vector<bool>& mask,
                                     bool all_dims, const char* op) {
  if (all_dims) {
    TB_CHECK(x.numel() > 0, Error, op, "(): Expected reduction dim to be specified for "
             "input.numel() == 0. Specify the reduction dim with the 'dim' argument (shape ",
             shape_str(x.shape()), ")");
    return;
  }
  for (std::size_t d = 0; d < mask.size(); ++d) {
    TB_CHECK(!mask[d] || x.shape()[d] != 0, IndexError, op, "(): Expected reduction dim ", d,
             " to have non-zero size (shape ", shape_str(x.shape()), ")");
  }
}

template <typename T>
using sum_acc_t = std::conditional_t<
    std::is_integral_v<T>, int64_t,
    std::conditional_t<std::is_same_v<kernels::cpu::opmath_t<T>, float>, float, T>>;
template <typename T>
using same_acc_t = std::conditional_t<std::is_integral_v<T>, T, sum_acc_t<T>>;

// Reduces x over the masked dims with the reducer make(TypeTag<In>{}) returns, into a new
// contiguous tensor of the reducer's accumulator dtype, of the keepdim shape or without the
// reduced dims (the same memory layout either way).
template <unsigned Kinds, typename Make>
TensorBase reduce_to_acc(const char* op, const TensorBase& x, const std::vector<bool>& mask,
                         Make&& make, bool keepdim = true) {
  check_kind(Kinds, x.dtype(), op, x);
  if (!x.device().is_cpu()) {
    return device_reduce(op, x, reduced_shape(x.shape(), mask, true),
                         reduced_shape(x.shape(), mask, keepdim));
  }
  TensorBase acc;
  visit_dtype(x.dtype(), [&](auto tag) {
    using In = typename decltype(tag)::type;
    if constexpr ((Kinds & kind_bit<In>()) != 0) {
      const auto r = make(tag);
      using A = typename std::decay_t<decltype(r)>::acc_t;
      const Shape keep = reduced_shape(x.shape(), mask, true);
      acc = tensorbridge::detail::new_cpu_tensor(
          keepdim ? keep : reduced_shape(x.shape(), mask, false), dtype_v<A>, op);
      A* a = static_cast<A*>(acc.data_ptr());
      std::fill(a, a + acc.numel(), r.identity());
      std::vector<int64_t> acc_strides = contiguous_strides(keep);
      for (std::size_t d = 0; d < mask.size(); ++d) {
        acc_strides[d] = mask[d] ? 0 : acc_strides[d] * int64_t(sizeof(A));
      }
      const auto in_strides = x.byte_strides();
      kernels::cpu::reduce_loop<In>(r, x.shape(), static_cast<const char*>(x.data_ptr()),
                                    in_strides.data(), reinterpret_cast<char*>(a),
                                    acc_strides.data());
    }
  });
  return acc;
}

// The accumulator converted to `dtype` and reshaped for keepdim (views, no copies, when the
// accumulator already has the result's dtype and shape).
inline TensorBase finish(const TensorBase& acc, DType dtype, const Shape& shape,
                         const std::vector<bool>& mask, bool keepdim) {
  const TensorBase r = acc.to(acc.device(), dtype);
  const Shape out = reduced_shape(shape, mask, keepdim);
  return r.shape() == out ? r : r.reshape(out);
}

template <template <typename> class Reducer, template <typename> class Acc>
struct MakeReducer {
  template <typename Tag>
  auto operator()(Tag) const {
    return Reducer<Acc<typename Tag::type>>{};
  }
};
template <typename R>
struct MakeFixedReducer {
  template <typename Tag>
  R operator()(Tag) const {
    return R{};
  }
};

inline DType sum_dtype(DType d) { return is_integral(d, true) ? DType::Int64 : d; }

template <template <typename> class Reducer>
TensorBase sum_like(const char* op, const TensorBase& x, const std::vector<int64_t>& dims,
                    bool keepdim, std::optional<DType> dtype) {
  const TensorBase in = dtype ? x.to(x.device(), *dtype) : x;
  const auto mask = reduced_mask(in, dims, op);
  const TensorBase acc =
      reduce_to_acc<kAllKinds>(op, in, mask, MakeReducer<Reducer, sum_acc_t>{}, keepdim);
  // An explicit dtype is the result's dtype too (torch.sum(x, dtype=torch.int32) is int32).
  return finish(acc, dtype ? *dtype : sum_dtype(in.dtype()), in.shape(), mask, keepdim);
}

template <bool kMax>
TensorBase extreme(const char* op, const TensorBase& x, const std::vector<int64_t>& dims,
                   bool keepdim) {
  const auto mask = reduced_mask(x, dims, op);
  check_kind(kRealKinds, x.dtype(), op, x);
  check_nonempty_reduction(x, mask, dims.empty(), op);
  TensorBase acc;
  if constexpr (kMax) {
    acc = reduce_to_acc<kRealKinds>(op, x, mask,
                                    MakeReducer<kernels::cpu::MaxReducer, same_acc_t>{}, keepdim);
  } else {
    acc = reduce_to_acc<kRealKinds>(op, x, mask,
                                    MakeReducer<kernels::cpu::MinReducer, same_acc_t>{}, keepdim);
  }
  return finish(acc, x.dtype(), x.shape(), mask, keepdim);
}

template <typename R>
TensorBase logical_reduce(const char* op, const TensorBase& x, const std::vector<int64_t>& dims,
                          bool keepdim) {
  const auto mask = reduced_mask(x, dims, op);
  const TensorBase acc = reduce_to_acc<kAllKinds>(op, x, mask, MakeFixedReducer<R>{}, keepdim);
  return finish(acc, x.dtype() == DType::UInt8 ? DType::UInt8 : DType::Bool, x.shape(), mask,
                keepdim);
}

// Values and first indices of the extremes along one dim.
template <bool kMax>
ValuesIndices arg_extreme(const char* op, const TensorBase& x, int64_t dim, bool keepdim) {
  check_kind(kRealKinds, x.dtype(), op, x);
  const int64_t d = wrap_dim(dim, x.dim(), op);
  if (x.dim() > 0) {
    TB_CHECK(x.shape()[d] != 0, IndexError, op, "(): Expected reduction dim ", d,
             " to have non-zero size (shape ", shape_str(x.shape()), ")");
  }
  const TensorBase line = x.dim() == 0 ? x.reshape({1}) : x.movedim(d, -1);
  const Shape outer(line.shape().begin(), line.shape().end() - 1);
  if (!x.device().is_cpu()) {
    auto [values, indices] = device_arg_extreme(op, kMax, line, outer);
    if (keepdim && x.dim() > 0) return {values.unsqueeze(d), indices.unsqueeze(d)};
    return {values, indices};
  }
  tensorbridge::detail::check_cpu(x, op);
  TensorBase values = tensorbridge::detail::new_cpu_tensor(outer, x.dtype(), op);
  TensorBase indices = tensorbridge::detail::new_cpu_tensor(outer, DType::Int64, op);
  std::vector<int64_t> in_strides = line.byte_strides();
  const int64_t step = in_strides.back();
  in_strides.pop_back();
  const auto vs = values.byte_strides();
  const auto is = indices.byte_strides();
  visit_dtype(x.dtype(), [&](auto tag) {
    using In = typename decltype(tag)::type;
    if constexpr ((kRealKinds & kind_bit<In>()) != 0) {
      kernels::cpu::elementwise_loop<3>(
          outer,
          {static_cast<char*>(values.data_ptr()), static_cast<char*>(indices.data_ptr()),
           static_cast<char*>(line.data_ptr())},
          {vs.data(), is.data(), in_strides.data()},
          kernels::cpu::ArgExtremeRow<In, kMax>{line.shape().back(), step},
          std::max<int64_t>(1, kernels::cpu::kParallelGrain / line.shape().back()));
    }
  });
  if (keepdim && x.dim() > 0) {
    values = values.unsqueeze(d);
    indices = indices.unsqueeze(d);
  }
  return {values, indices};
}

template <bool kMax>
TensorBase argmax_impl(const char* op, const TensorBase& x, std::optional<int64_t> dim,
                       bool keepdim) {
  TB_CHECK(x.dtype() != DType::Bool, TypeError, op, "(): does not support bool input (shape ",
           shape_str(x.shape()), ")");
  if (dim) return arg_extreme<kMax>(op, x, *dim, keepdim).indices;
  TB_CHECK(x.numel() > 0, IndexError, op, "(): Expected reduction dim to be specified for "
           "input.numel() == 0 (shape ", shape_str(x.shape()), ")");
  TensorBase flat_index = arg_extreme<kMax>(op, x.reshape({-1}), 0, false).indices;
  return keepdim ? flat_index.reshape(Shape(static_cast<std::size_t>(x.dim()), 1)) : flat_index;
}

inline void check_floating(const TensorBase& x, const char* op, const char* what) {
  TB_CHECK(is_floating_point(x.dtype()) || is_complex(x.dtype()), TypeError, op, ": ", what,
           " (got dtype ", x.dtype(), ", shape ", shape_str(x.shape()), ")");
}

// float16/bfloat16 are computed in float32 by the composite reductions.
inline TensorBase upcast(const TensorBase& x) {
  return x.dtype() == DType::Float16 || x.dtype() == DType::BFloat16 ? x.to(DType::Float32) : x;
}

inline TensorBase moments(const char* op, const TensorBase& x, const std::vector<int64_t>& dims,
                          double correction, bool keepdim);

template <typename Make>
TensorBase scan(const char* op, const TensorBase& x, int64_t dim, std::optional<DType> dtype,
                Make&& make) {
  const TensorBase in = dtype ? x.to(*dtype) : x;
  const int64_t d = wrap_dim(dim, in.dim(), op);
  TensorBase out =
      tensorbridge::detail::new_tensor(in.shape(), sum_dtype(in.dtype()), in.device(), op);
  // An explicit dtype is the result's dtype too (integers still accumulate in int64).
  const DType result = dtype ? *dtype : out.dtype();
  if (in.numel() == 0) return out.to(out.device(), result);
  if (!in.device().is_cpu()) {
    device_scan(op, out, in, d);
    return out.to(out.device(), result);
  }
  tensorbridge::detail::check_cpu(in, op);
  const TensorBase line = in.dim() == 0 ? in.reshape({1}) : in.movedim(d, -1);
  const TensorBase out_line = out.dim() == 0 ? out.reshape({1}) : out.movedim(d, -1);
  std::vector<int64_t> si = line.byte_strides();
  std::vector<int64_t> so = out_line.byte_strides();
  const int64_t step_in = si.back();
  const int64_t step_out = so.back();
  si.pop_back();
  so.pop_back();
  const Shape outer(line.shape().begin(), line.shape().end() - 1);
  visit_dtype(in.dtype(), [&](auto tag) {
    using In = typename decltype(tag)::type;
    using Out = std::conditional_t<std::is_integral_v<In>, int64_t, In>;
    const auto r = make(tag);
    kernels::cpu::elementwise_loop<2>(
        outer, {static_cast<char*>(out_line.data_ptr()), static_cast<char*>(line.data_ptr())},
        {so.data(), si.data()},
        kernels::cpu::ScanRow<In, Out, std::decay_t<decltype(r)>>{r, line.shape().back(),
                                                                   step_in, step_out},
        std::max<int64_t>(1, kernels::cpu::kParallelGrain / line.shape().back()));
  });
  return out.to(result);
}

}  // namespace detail

// ---- sum, prod, mean ---------------------------------------------------------------------
// dtype, when given, converts the input first (PyTorch's dtype= argument).
inline TensorBase sum(const TensorBase& x, const std::vector<int64_t>& dims = {},
                      bool keepdim = false, std::optional<DType> dtype = std::nullopt) {
  return detail::sum_like<kernels::cpu::SumReducer>("sum", x, dims, keepdim, dtype);
}
inline TensorBase prod(const TensorBase& x, const std::vector<int64_t>& dims = {},
                       bool keepdim = false, std::optional<DType> dtype = std::nullopt) {
  return detail::sum_like<kernels::cpu::ProdReducer>("prod", x, dims, keepdim, dtype);
}
inline TensorBase mean(const TensorBase& x, const std::vector<int64_t>& dims = {},
                       bool keepdim = false, std::optional<DType> dtype = std::nullopt) {
  const TensorBase in = dtype ? x.to(x.device(), *dtype) : x;
  TB_CHECK(is_floating_point(in.dtype()) || is_complex(in.dtype()), TypeError,
           "mean(): could not infer output dtype. Input dtype must be either a floating point "
           "or complex dtype. Got: ", in.dtype(), " (shape ", shape_str(in.shape()), ")");
  const auto mask = detail::reduced_mask(in, dims, "mean");
  TensorBase acc = detail::reduce_to_acc<kFloatKind | kComplexKind>(
      "mean", in, mask, detail::MakeReducer<kernels::cpu::SumReducer, detail::sum_acc_t>{},
      keepdim);
  ops::div_(acc, Scalar(static_cast<double>(detail::reduced_count(in.shape(), mask))));
  return detail::finish(acc, in.dtype(), in.shape(), mask, keepdim);
}

// ---- extremes ----------------------------------------------------------------------------
inline TensorBase amax(const TensorBase& x, const std::vector<int64_t>& dims = {},
                       bool keepdim = false) {
  return detail::extreme<true>("amax", x, dims, keepdim);
}
inline TensorBase amin(const TensorBase& x, const std::vector<int64_t>& dims = {},
                       bool keepdim = false) {
  return detail::extreme<false>("amin", x, dims, keepdim);
}
// The largest (smallest) element; NaN if there is one.
inline TensorBase max(const TensorBase& x) { return detail::extreme<true>("max", x, {}, false); }
inline TensorBase min(const TensorBase& x) { return detail::extreme<false>("min", x, {}, false); }
inline ValuesIndices max(const TensorBase& x, int64_t dim, bool keepdim = false) {
  return detail::arg_extreme<true>("max", x, dim, keepdim);
}
inline ValuesIndices min(const TensorBase& x, int64_t dim, bool keepdim = false) {
  return detail::arg_extreme<false>("min", x, dim, keepdim);
}
// Index of the first extreme (of the flattened tensor when dim is absent).
inline TensorBase argmax(const TensorBase& x, std::optional<int64_t> dim = std::nullopt,
                         bool keepdim = false) {
  return detail::argmax_impl<true>("argmax", x, dim, keepdim);
}
inline TensorBase argmin(const TensorBase& x, std::optional<int64_t> dim = std::nullopt,
                         bool keepdim = false) {
  return detail::argmax_impl<false>("argmin", x, dim, keepdim);
}

// ---- all, any ----------------------------------------------------------------------------
inline TensorBase all(const TensorBase& x, const std::vector<int64_t>& dims = {},
                      bool keepdim = false) {
  return detail::logical_reduce<kernels::cpu::AllReducer>("all", x, dims, keepdim);
}
inline TensorBase any(const TensorBase& x, const std::vector<int64_t>& dims = {},
                      bool keepdim = false) {
  return detail::logical_reduce<kernels::cpu::AnyReducer>("any", x, dims, keepdim);
}

// ---- var, std, norm ------------------------------------------------------------------------
// Sum of squared deviations from the mean over (N - correction); correction 1 is Bessel's.
inline TensorBase var(const TensorBase& x, const std::vector<int64_t>& dims = {},
                      double correction = 1, bool keepdim = false) {
  return detail::moments("var", x, dims, correction, keepdim);
}
inline TensorBase std(const TensorBase& x, const std::vector<int64_t>& dims = {},
                      double correction = 1, bool keepdim = false) {
  const TensorBase v = detail::moments("std", x, dims, correction, keepdim);
  return ops::sqrt_(v);
}

namespace detail {
inline TensorBase moments(const char* op, const TensorBase& x, const std::vector<int64_t>& dims,
                          double correction, bool keepdim) {
  check_floating(x, op, "std and var only support floating point and complex dtypes");
  const auto mask = reduced_mask(x, dims, op);
  const TensorBase xf = upcast(x);
  const TensorBase dev = ops::sub(xf, ops::mean(xf, dims, true));
  const TensorBase sq = is_complex(dev.dtype()) ? ops::square_(ops::abs(dev)) : ops::mul_(dev, dev);
  TensorBase s = ops::sum(sq, dims, keepdim);
  const double n = static_cast<double>(reduced_count(x.shape(), mask));
  ops::div_(s, Scalar(std::max(0.0, n - correction)));
  return s.to(to_real_dtype(x.dtype()));
}
}  // namespace detail

// Vector p-norm over dims: p = 2 (Euclidean; over all dims of a matrix, Frobenius), 1, inf,
// -inf, 0 (number of nonzeros) or any other p: (sum |x|^p)^(1/p).
inline TensorBase norm(const TensorBase& x, double p = 2, const std::vector<int64_t>& dims = {},
                       bool keepdim = false) {
  detail::check_floating(x, "norm", "expected a floating point or complex tensor as input");
  const TensorBase a = ops::abs(detail::upcast(x));
  TensorBase r;
  if (p == 2) {
    r = ops::sqrt_(ops::sum(ops::square(a), dims, keepdim));
  } else if (p == 1) {
    r = ops::sum(a, dims, keepdim);
  } else if (std::isinf(p)) {
    r = p > 0 ? ops::amax(a, dims, keepdim) : ops::amin(a, dims, keepdim);
  } else if (p == 0) {
    r = ops::sum(ops::ne(a, 0), dims, keepdim).to(a.dtype());
  } else {
    r = ops::pow_(ops::sum(ops::pow(a, p), dims, keepdim), 1.0 / p);
  }
  return r.to(to_real_dtype(x.dtype()));
}

// ---- logsumexp, softmax ---------------------------------------------------------------------
// log(sum(exp(x))) computed stably: max + log(sum(exp(x - max))).
inline TensorBase logsumexp(const TensorBase& x, const std::vector<int64_t>& dims,
                            bool keepdim = false) {
  const TensorBase xf = detail::upcast(x.to(to_float_dtype(x.dtype())));
  const auto mask = detail::reduced_mask(x, dims, "logsumexp");
  const DType out_dtype = to_float_dtype(x.dtype());
  if (detail::reduced_count(x.shape(), mask) == 0) {
    return full(detail::reduced_shape(x.shape(), mask, keepdim),
                -std::numeric_limits<double>::infinity(), out_dtype, x.device());
  }
  TensorBase m = ops::amax(xf, dims, true);
  m = ops::where(ops::isinf(m), 0.0, m);  // all -inf (or +inf) stays -inf (+inf), not NaN
  TensorBase r = ops::add_(ops::log_(ops::sum(ops::exp_(ops::sub(xf, m)), dims, true)), m);
  return detail::finish(r, out_dtype, x.shape(), mask, keepdim);
}

namespace detail {
inline TensorBase softmax_impl(const char* op, const TensorBase& x, int64_t dim,
                               std::optional<DType> dtype, bool log) {
  const TensorBase in = dtype ? x.to(*dtype) : x;
  check_kind(kFloatKind, in.dtype(), op, in);
  wrap_dim(dim, in.dim(), op);
  if (in.numel() == 0) return in.clone();
  const TensorBase xf = upcast(in);
  const TensorBase shifted = ops::sub(xf, ops::amax(xf, {dim}, true));
  TensorBase e = ops::exp(shifted);
  const TensorBase s = ops::sum(e, {dim}, true);
  const TensorBase r = log ? ops::sub_(shifted, ops::log_(s.clone())) : ops::div_(e, s);
  return r.to(in.dtype());
}
}  // namespace detail

// exp(x) / sum(exp(x)) along dim, stable (the max along dim is subtracted first).
inline TensorBase softmax(const TensorBase& x, int64_t dim,
                          std::optional<DType> dtype = std::nullopt) {
  return detail::softmax_impl("softmax", x, dim, dtype, false);
}
inline TensorBase log_softmax(const TensorBase& x, int64_t dim,
                              std::optional<DType> dtype = std::nullopt) {
  return detail::softmax_impl("log_softmax", x, dim, dtype, true);
}

// ---- scans -------------------------------------------------------------------------------
inline TensorBase cumsum(const TensorBase& x, int64_t dim,
                         std::optional<DType> dtype = std::nullopt) {
  return detail::scan("cumsum", x, dim, dtype,
                      detail::MakeReducer<kernels::cpu::SumReducer, detail::sum_acc_t>{});
}
inline TensorBase cumprod(const TensorBase& x, int64_t dim,
                          std::optional<DType> dtype = std::nullopt) {
  return detail::scan("cumprod", x, dim, dtype,
                      detail::MakeReducer<kernels::cpu::ProdReducer, detail::sum_acc_t>{});
}

}  // namespace ops
}  // namespace tensorbridge
