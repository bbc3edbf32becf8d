#pragma once
// Elementwise unary ops on the CPU, without autograd. Floating functions (exp, log, sin,
// sigmoid, gelu, ...) take integer and bool inputs as the default float dtype (float32),
// like PyTorch; float16/bfloat16 compute in float32. Each op has a new-tensor form and an
// in-place form (exp_), which refuses results its tensor cannot hold (an int64 tensor's
// exp_) and read-only tensors.
#include <cmath>
#include <optional>
#include <string_view>
#include <type_traits>

#include "tensorbridge/core/scalar.hpp"
#include "tensorbridge/core/tensor_base.hpp"
#include "tensorbridge/kernels/cpu/elementwise.hpp"
#include "tensorbridge/kernels/cpu/unary.hpp"
#include "tensorbridge/ops/binary.hpp"
#include "tensorbridge/ops/elementwise.hpp"

namespace tensorbridge::ops {

namespace detail {

enum class UnaryRule {
  Same,     // neg, abs of reals, floor, ...
  ToFloat,  // exp, log, ...: integers and bool become float32
  Bool,     // isnan, logical_not
  Real,     // abs of complex numbers: complex64 -> float32
};

// Runs a unary op. `make(TypeTag<T>{})` returns either an Eigen array op (run on whole
// rows) or a per-element functor; it is called once, before the loop, and may throw.
template <unsigned Kinds, typename Make>
TensorBase unary_op(const char* op, UnaryRule rule, bool in_place, const TensorBase& x,
                    Make&& make) {
  const DType compute = rule == UnaryRule::ToFloat ? to_float_dtype(x.dtype()) : x.dtype();
  check_kind(Kinds, compute, op, x);
  const DType result = rule == UnaryRule::Bool   ? DType::Bool
                       : rule == UnaryRule::Real ? to_real_dtype(compute)
                                                 : compute;
  if (!x.device().is_cpu()) return device_unary(op, in_place, x, compute, result);
  TensorBase target;
  if (in_place) {
    target = x;
    check_target(target, x.shape(), result, op);
  } else {
    target = new_output(x.shape(), result, &x, op);
  }
  TensorBase dest = target.dtype() == result
                        ? target
                        : tensorbridge::detail::new_cpu_tensor(x.shape(), result, op);
  const TensorBase input = x.to(compute);

  visit_dtype(compute, [&](auto tag) {
    using T = typename decltype(tag)::type;
    if constexpr ((Kinds & kind_bit<T>()) != 0) {
      auto fn = make(tag);
      const KernelStrides so = kernel_byte_strides(dest);
      const KernelStrides si = kernel_byte_strides(input);
      const std::array<char*, 2> ptrs = {static_cast<char*>(dest.data_ptr()),
                                         static_cast<char*>(input.data_ptr())};
      if constexpr (std::is_base_of_v<kernels::cpu::EigenArrayOp, decltype(fn)>) {
        kernels::cpu::elementwise_loop<2>(x.shape(), ptrs, {so.data(), si.data()},
                                          kernels::cpu::EigenUnaryRow<T, decltype(fn)>{fn});
      } else {
        using C = kernels::cpu::opmath_t<T>;
        using R = decltype(fn(std::declval<C>()));
        using Out = std::conditional_t<std::is_same_v<R, bool>, bool,
                                       std::conditional_t<kernels::cpu::is_complex_v<T> &&
                                                              !kernels::cpu::is_complex_v<R>,
                                                          R, T>>;
        kernels::cpu::elementwise_loop<2>(x.shape(), ptrs, {so.data(), si.data()},
                                          kernels::cpu::UnaryRow<T, Out, decltype(fn)>{fn});
      }
    }
  });

  if (!dest.is_same(target)) {
    target.copy_(dest);
  } else if (in_place) {
    target.bump_version();
  }
  return target;
}

template <typename Fn>
struct Fixed1 {  // make() for a functor without parameters
  template <typename Tag>
  Fn operator()(Tag) const {
    return Fn{};
  }
};

// floor/ceil/round/trunc: integers pass through unchanged, floats use `Fn`.
template <typename Fn>
struct RoundingMake {
  template <typename Tag>
  auto operator()(Tag) const {
    using T = typename Tag::type;
    if constexpr (std::is_integral_v<T>) {
      return kernels::cpu::IdentityFn{};
    } else {
      return Fn{};
    }
  }
};

struct RoundMake {
  int64_t decimals;
  const char* op;
  template <typename Tag>
  auto operator()(Tag) const {
    using T = typename Tag::type;
    using C = kernels::cpu::opmath_t<T>;
    if constexpr (std::is_integral_v<T>) {
      TB_CHECK(decimals == 0, TypeError, op, ": decimals are not supported for integer dtype ",
               dtype_v<T>, " (decimals = ", decimals, ")");
      return kernels::cpu::IdentityFn{};
    } else {
      const C scale = static_cast<C>(std::pow(10.0, double(decimals < 0 ? -decimals : decimals)));
      return kernels::cpu::RoundDecimalsFn<C>{scale, decimals < 0};
    }
  }
};

struct ClampMake {
  const std::optional<Scalar>* lo;
  const std::optional<Scalar>* hi;
  template <typename Tag>
  auto operator()(Tag) const {
    using C = kernels::cpu::opmath_t<typename Tag::type>;
    return kernels::cpu::ClampFn<C>{*lo ? (*lo)->template to<C>() : C(0),
                                    *hi ? (*hi)->template to<C>() : C(0), lo->has_value(),
                                    hi->has_value()};
  }
};

inline TensorBase square_impl(const TensorBase& x, bool in_place) {
  // PyTorch's square is pow(x, 2): bool promotes to int64.
  if (!in_place && x.dtype() == DType::Bool) {
    return unary_op<kIntKind>("square", UnaryRule::Same, false, x.to(DType::Int64),
                              Fixed1<kernels::cpu::SquareFn>{});
  }
  return unary_op<kIntKind | kFloatKind | kComplexKind>(in_place ? "square_" : "square",
                                                        UnaryRule::Same, in_place, x,
                                                        Fixed1<kernels::cpu::SquareFn>{});
}

inline void check_not_complex_sign(const TensorBase& x, const char* op) {
  TB_CHECK(!is_complex(x.dtype()), TypeError, op, ": unlike NumPy, sign is not intended to "
           "support complex numbers (dtype ", x.dtype(), ", shape ", shape_str(x.shape()),
           ", device ", x.device(), "); please use sgn instead");
}

inline DType clamp_dtype(const TensorBase& x, const std::optional<Scalar>& lo,
                         const std::optional<Scalar>& hi, const char* op) {
  TB_CHECK(lo || hi, ValueError, op, ": at least one of 'min' or 'max' must not be None");
  ResultTypeState state;
  state.add(x);
  if (lo) state.add(*lo);
  if (hi) state.add(*hi);
  return state.result();
}

}  // namespace detail

// op(x) and op_(x) for ops without parameters.
#define TB_DEFINE_UNARY_OP(op, kinds, rule, Make)                                              \
  inline TensorBase op(const TensorBase& x) {                                                 \
    return detail::unary_op<kinds>(#op, detail::UnaryRule::rule, false, x, Make{});          \
  }                                                                                            \
  inline const TensorBase& op##_(const TensorBase& x) {                                       \
    detail::unary_op<kinds>(#op "_", detail::UnaryRule::rule, true, x, Make{});              \
    return x;                                                                                  \
  }
#define TB_FLOAT_UNARY(op, Op, kinds) \
  TB_DEFINE_UNARY_OP(op, kinds, ToFloat, detail::Fixed1<kernels::cpu::Op>)

TB_FLOAT_UNARY(exp, ExpOp, kFloatKind | kComplexKind)
TB_FLOAT_UNARY(expm1, Expm1Op, kFloatKind | kComplexKind)
TB_FLOAT_UNARY(log, LogOp, kFloatKind | kComplexKind)
TB_FLOAT_UNARY(log1p, Log1pOp, kFloatKind | kComplexKind)
TB_FLOAT_UNARY(log2, Log2Op, kFloatKind)
TB_FLOAT_UNARY(log10, Log10Op, kFloatKind)
TB_FLOAT_UNARY(sqrt, SqrtOp, kFloatKind | kComplexKind)
TB_FLOAT_UNARY(rsqrt, RsqrtOp, kFloatKind | kComplexKind)
TB_FLOAT_UNARY(sin, SinOp, kFloatKind | kComplexKind)
TB_FLOAT_UNARY(cos, CosOp, kFloatKind | kComplexKind)
TB_FLOAT_UNARY(tan, TanOp, kFloatKind | kComplexKind)
TB_FLOAT_UNARY(tanh, TanhOp, kFloatKind | kComplexKind)
TB_FLOAT_UNARY(sigmoid, SigmoidOp, kFloatKind | kComplexKind)
TB_FLOAT_UNARY(erf, ErfOp, kFloatKind)
TB_FLOAT_UNARY(reciprocal, ReciprocalOp, kFloatKind | kComplexKind)
#undef TB_FLOAT_UNARY

TB_DEFINE_UNARY_OP(neg, kIntKind | kFloatKind | kComplexKind, Same,
                   detail::Fixed1<kernels::cpu::NegFn>)
TB_DEFINE_UNARY_OP(relu, kIntKind | kFloatKind, Same, detail::Fixed1<kernels::cpu::ReluFn>)
TB_DEFINE_UNARY_OP(floor, kIntKind | kFloatKind, Same, detail::RoundingMake<kernels::cpu::FloorOp>)
TB_DEFINE_UNARY_OP(ceil, kIntKind | kFloatKind, Same, detail::RoundingMake<kernels::cpu::CeilOp>)
TB_DEFINE_UNARY_OP(trunc, kIntKind | kFloatKind, Same, detail::RoundingMake<kernels::cpu::TruncFn>)
TB_DEFINE_UNARY_OP(logical_not, kAllKinds, Bool, detail::Fixed1<kernels::cpu::LogicalNotFn>)
TB_DEFINE_UNARY_OP(bitwise_not, kBoolKind | kIntKind, Same,
                   detail::Fixed1<kernels::cpu::BitwiseNotFn>)
#undef TB_DEFINE_UNARY_OP

// abs: complex numbers give their magnitude (a real dtype); in place they stay complex.
inline TensorBase abs(const TensorBase& x) {
  return detail::unary_op<kIntKind | kFloatKind | kComplexKind>(
      "abs", is_complex(x.dtype()) ? detail::UnaryRule::Real : detail::UnaryRule::Same, false, x,
      detail::Fixed1<kernels::cpu::AbsFn>{});
}
inline const TensorBase& abs_(const TensorBase& x) {
  TB_CHECK(!is_complex(x.dtype()), TypeError, "abs_: in-place abs is not supported for complex "
           "tensors (dtype ", x.dtype(), ", shape ", shape_str(x.shape()), ")");
  detail::unary_op<kIntKind | kFloatKind>("abs_", detail::UnaryRule::Same, true, x,
                                          detail::Fixed1<kernels::cpu::AbsFn>{});
  return x;
}

// sign: -1, 0 or 1. Like PyTorch (and unlike NumPy) not for complex numbers: sgn is.
inline TensorBase sign(const TensorBase& x) {
  detail::check_not_complex_sign(x, "sign");
  return detail::unary_op<kRealKinds>("sign", detail::UnaryRule::Same, false, x,
                                      detail::Fixed1<kernels::cpu::SignFn>{});
}
inline const TensorBase& sign_(const TensorBase& x) {
  detail::check_not_complex_sign(x, "sign_");
  detail::unary_op<kRealKinds>("sign_", detail::UnaryRule::Same, true, x,
                               detail::Fixed1<kernels::cpu::SignFn>{});
  return x;
}

inline TensorBase square(const TensorBase& x) { return detail::square_impl(x, false); }
inline const TensorBase& square_(const TensorBase& x) {
  detail::square_impl(x, true);
  return x;
}

// Rounds half to even; with decimals, to that many decimal places (negative: tens, ...).
inline TensorBase round(const TensorBase& x, int64_t decimals = 0) {
  if (decimals != 0 && !x.device().is_cpu()) {  // the device kernel takes decimals as a scalar
    detail::check_kind(kIntKind | kFloatKind, x.dtype(), "round", x);
    return detail::device_binary({"round"}, kIntKind | kFloatKind, x, Scalar(decimals),
                                 "round_decimals", Scalar(1));
  }
  if (decimals == 0) {
    return detail::unary_op<kIntKind | kFloatKind>("round", detail::UnaryRule::Same, false, x,
                                                   detail::RoundingMake<kernels::cpu::RintOp>{});
  }
  return detail::unary_op<kIntKind | kFloatKind>("round", detail::UnaryRule::Same, false, x,
                                                 detail::RoundMake{decimals, "round"});
}
inline const TensorBase& round_(const TensorBase& x, int64_t decimals = 0) {
  if (decimals != 0 && !x.device().is_cpu()) {
    detail::check_kind(kIntKind | kFloatKind, x.dtype(), "round_", x);
    detail::device_binary({"round_", ResultRule::Common, OutMode::InPlace}, kIntKind | kFloatKind,
                          x, Scalar(decimals), "round_decimals", Scalar(1));
    return x;
  }
  if (decimals == 0) {
    detail::unary_op<kIntKind | kFloatKind>("round_", detail::UnaryRule::Same, true, x,
                                            detail::RoundingMake<kernels::cpu::RintOp>{});
  } else {
    detail::unary_op<kIntKind | kFloatKind>("round_", detail::UnaryRule::Same, true, x,
                                            detail::RoundMake{decimals, "round_"});
  }
  return x;
}

// gelu(x), exact (erf) or with approximate = "tanh".
inline TensorBase gelu(const TensorBase& x, std::string_view approximate = "none") {
  TB_CHECK(approximate == "none" || approximate == "tanh", ValueError,
           "gelu: approximate must be 'none' or 'tanh', got '", approximate, "'");
  if (approximate == "tanh") {  // the device kernel is chosen by name
    return detail::unary_op<kFloatKind>(x.device().is_cpu() ? "gelu" : "gelu_tanh",
                                        detail::UnaryRule::ToFloat, false, x,
                                        detail::Fixed1<kernels::cpu::GeluTanhOp>{});
  }
  return detail::unary_op<kFloatKind>("gelu", detail::UnaryRule::ToFloat, false, x,
                                      detail::Fixed1<kernels::cpu::GeluOp>{});
}

inline TensorBase isnan(const TensorBase& x) {
  return detail::unary_op<kAllKinds>("isnan", detail::UnaryRule::Bool, false, x,
                                     detail::Fixed1<kernels::cpu::IsNanFn>{});
}
inline TensorBase isinf(const TensorBase& x) {
  return detail::unary_op<kAllKinds>("isinf", detail::UnaryRule::Bool, false, x,
                                     detail::Fixed1<kernels::cpu::IsInfFn>{});
}
inline TensorBase isfinite(const TensorBase& x) {
  return detail::unary_op<kAllKinds>("isfinite", detail::UnaryRule::Bool, false, x,
                                     detail::Fixed1<kernels::cpu::IsFiniteFn>{});
}

// clamp(x, min, max) with scalar bounds (either may be absent). The result dtype promotes x
// with the bounds as weak scalars (an int tensor clamped at 1.5 is float32); NaN in x or a
// bound gives NaN; min > max gives max everywhere (PyTorch).
inline TensorBase clamp(const TensorBase& x, const std::optional<Scalar>& min,
                        const std::optional<Scalar>& max = std::nullopt) {
  const DType dtype = detail::clamp_dtype(x, min, max, "clamp");
  if (!x.device().is_cpu()) {  // maximum/minimum with scalars: the same NaN and min > max rules
    detail::check_kind(kIntKind | kFloatKind, dtype, "clamp", x);
    const TensorBase in = x.to(x.device(), dtype);
    const TensorBase lower = min ? ops::maximum(in, *min) : in;
    return max ? ops::minimum(lower, *max) : lower;
  }
  return detail::unary_op<kIntKind | kFloatKind>("clamp", detail::UnaryRule::Same, false,
                                                 x.to(dtype), detail::ClampMake{&min, &max});
}
inline const TensorBase& clamp_(const TensorBase& x, const std::optional<Scalar>& min,
                                const std::optional<Scalar>& max = std::nullopt) {
  const DType dtype = detail::clamp_dtype(x, min, max, "clamp_");
  TB_CHECK(can_cast(dtype, x.dtype()), TypeError, "clamp_: result type ", dtype,
           " can't be cast to the desired output type ", x.dtype());
  if (!x.device().is_cpu()) {
    detail::check_kind(kIntKind | kFloatKind, x.dtype(), "clamp_", x);
    if (min) ops::maximum_(x, *min);
    if (max) ops::minimum_(x, *max);
    return x;
  }
  detail::unary_op<kIntKind | kFloatKind>("clamp_", detail::UnaryRule::Same, true, x,
                                          detail::ClampMake{&min, &max});
  return x;
}
// Tensor bounds broadcast against x: minimum(maximum(x, min), max), NaN-propagating.
inline TensorBase clamp(const TensorBase& x, const std::optional<TensorBase>& min,
                        const std::optional<TensorBase>& max = std::nullopt) {
  TB_CHECK(min || max, ValueError, "clamp: at least one of 'min' or 'max' must not be None");
  if (!max) return ops::maximum(x, *min);
  return ops::minimum(min ? ops::maximum(x, *min) : x, *max);
}
inline const TensorBase& clamp_(const TensorBase& x, const std::optional<TensorBase>& min,
                                const std::optional<TensorBase>& max = std::nullopt) {
  TB_CHECK(min || max, ValueError, "clamp_: at least one of 'min' or 'max' must not be None");
  TensorBase r = min ? ops::maximum(x, *min) : x;
  if (max) r = ops::minimum(r, *max);
  TB_CHECK(r.shape() == x.shape(), ValueError, "clamp_: output with shape ",
           shape_str(x.shape()), " doesn't match the broadcast shape ", shape_str(r.shape()));
  TB_CHECK(can_cast(r.dtype(), x.dtype()), TypeError, "clamp_: result type ", r.dtype(),
           " can't be cast to the desired output type ", x.dtype());
  x.copy_(r);
  return x;
}

}  // namespace tensorbridge::ops
