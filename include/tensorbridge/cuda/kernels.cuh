#pragma once
// The CUDA kernels of tensorbridge's ops. Include this header in ONE translation unit of a
// program, compiled by nvcc, with the program linked to tensorbridge::cuda and CUDA::cublas:
// before main runs it registers the kernels with the op dispatch (ops/device_dispatch.hpp)
// and the device copies (cuda/copy.hpp), so that tb::add, exp, sum, matmul, ... work on
// CUDA tensors everywhere in the program. Without it those ops raise DeviceError saying to
// do this.
//
// Covered on CUDA: add/sub (with alpha), mul, div (true, or rounding_mode "trunc"/"floor"),
// floor_divide, remainder, pow (tensor or scalar on either side), atan2, maximum, minimum,
// the comparisons, logical_and/or/xor, bitwise_and/or/xor/not and the shifts; neg, abs,
// relu, square, sign, logical_not, isnan/isinf/isfinite, floor/ceil/trunc/round (round with
// decimals too; integers pass through), gelu ("none" and "tanh") and the floating functions
// (exp, log, sqrt, sin, tanh, sigmoid, erf, ...); clamp (scalar or tensor bounds, through
// maximum/minimum); sum, prod, mean, max/min/amax/amin and all/any over any dims (bool and
// narrow integers reduce as int64), so var/std/norm/logsumexp; max/min with indices along a dim
// and argmax/argmin; where and masked_fill (any dtype); gather, scatter (tensor or scalar
// source), scatter_add, index_select, index_add, advanced indexing (index, index_put_ with
// or without accumulate; bool masks, masked_select and nonzero count on the host), all
// with device-side index bounds checks raising IndexError; uniform_, normal_, random_,
// bernoulli_ and the factories on a device (Philox: the CPU's stream for a seed); cumsum,
// cumprod; matrix products (cuBLAS); copies between any dtypes and layouts, and fills;
// sort, argsort and topk along any dim (CUB radix sort on order-preserving keys, the CPU's
// order: NaN largest, -0.0 == +0.0, ties in position order; every dtype but complex),
// repeat/tile (a broadcast view and one copy) and randperm (drawn on the host: the CPU's
// permutation for a seed).
// Dtypes: float32, float64, float16, bfloat16 (computed in float32), int32, int64, uint64
// (native: no wider type exists; sums in int64 as on the CPU; no random kernels); bool,
// int8, int16, uint8, uint16 compute elementwise ops in int32 and uint32 in int64, converted
// back (same results: see wide_dtype), except bool's own logical and bitwise kernels
// (selections, sorts and copies: every dtype). Integer division by zero raises like the
// CPU's (the divisor is checked on the device first: one small read back). The per-element
// math of the ops above that is more than an expression is kernels/scalar_math.hpp, shared
// with the CPU kernels.
// complex64/complex128: every op the CPU has for them: add/sub (complex alpha too), mul,
// div, pow, eq/ne, the logical ops (on "!= 0", as bool copies), neg, abs and angle (real
// results), square, exp, log, sqrt, sin, cos, tanh, isnan/isinf/isfinite, logical_not, the
// complex API with PyTorch's results (reciprocal, sigmoid, tan, rsqrt, log1p, expm1,
// conj_physical, sgn: the CPU kernels' own functions, so one definition for both devices),
// sum/prod/mean (accumulated in their own precision, as on the CPU) and through them
// var/std/norm and all/any, cumsum/cumprod, matrix products (cuBLAS, transposed operands not
// conjugated), conversions from and to every dtype, fills, selections and scatter_add /
// index_add / index_put_ accumulation (atomics on each part). Their math is
// kernels/complex_math.hpp (the CPU's std::complex results, Annex G special values, checked
// on the host against the CPU ops). angle of the floating dtypes has PyTorch's rule (pi below
// 0, 0 at -0.0, NaN for NaN); integers and bool reach it as float32. Ops the CPU refuses for
// complex numbers (ordering, rounding, remainder, max/min, sort, ...) are refused the same
// way: TypeError naming op and dtype. Other ops (integer matrix products, random numbers of uint64) raise TypeError or
// DeviceError naming op and dtype.
#include <cuda_runtime.h>

#include <cmath>
#include <complex>
#include <cstring>
#include <string_view>
#include <type_traits>

#include "tensorbridge/core/device_copy.hpp"
#include "tensorbridge/core/scalar.hpp"
#include "tensorbridge/core/tensor_base.hpp"
#include "tensorbridge/cuda/copy.hpp"
#include "tensorbridge/cuda/cuda.hpp"
#include "tensorbridge/cuda/device.hpp"
#include "tensorbridge/cuda/stream.hpp"
#include "tensorbridge/kernels/cuda/common.cuh"
#include "tensorbridge/kernels/cuda/copy.cuh"
#include "tensorbridge/kernels/cuda/elementwise.cuh"
#include "tensorbridge/kernels/cuda/gemm.cuh"
#include "tensorbridge/kernels/cuda/indexing.cuh"
#include "tensorbridge/kernels/cuda/math.cuh"
#include "tensorbridge/kernels/cuda/random.cuh"
#include "tensorbridge/kernels/cuda/reduce.cuh"
#include "tensorbridge/kernels/cuda/scan.cuh"
#include "tensorbridge/kernels/scalar_math.hpp"
#include "tensorbridge/kernels/cuda/sort.cuh"
#include "tensorbridge/ops/device_dispatch.hpp"

namespace tensorbridge::cuda::detail {

namespace kc = tensorbridge::kernels::cuda;

// A scalar in a kernel's element type (CUDA's 16-bit floats share our types' bits).
template <typename T>
T device_scalar(const Scalar& s) {
  if constexpr (kernels::is_complex_struct_v<T>) {
    using R = decltype(T().re);
    const std::complex<R> c = s.to<std::complex<R>>();
    return T(c.real(), c.imag());
  } else if constexpr (std::is_same_v<T, __half> || std::is_same_v<T, __nv_bfloat16>) {
    using Host = std::conditional_t<std::is_same_v<T, __half>, half, bfloat16>;
    using Raw = std::conditional_t<std::is_same_v<T, __half>, __half_raw, __nv_bfloat16_raw>;
    const Host h = s.to<Host>();
    Raw raw;
    std::memcpy(&raw.x, &h, sizeof(raw.x));
    return T(raw);
  } else {
    return s.to<T>();
  }
}

[[noreturn]] inline void unsupported(const char* op, DType dtype) {
  TB_THROW(TypeError, op, ": not supported on CUDA for dtype ", dtype);
}

// The math dtypes and bool, for the ops with a bool result (logical ops, isnan, ...).
template <typename Fn>
void visit_predicate_dtype(DType dtype, const char* op, Fn&& fn) {
  if (dtype == DType::Bool) return fn(TypeTag<bool>{});
  kc::visit_math_dtype(dtype, op, fn);
}

// Bool and the narrow integers have no arithmetic kernels of their own (each dtype would
// add every op's kernels to the compile time): they compute in int32 (uint32 in int64) and
// are converted back. The results are those of the narrow type: every narrow value is
// exact in the wide one, the ops either keep results in range (comparisons, max/min,
// division, remainder) or wrap modulo 2^bits, which the conversion back (truncation)
// preserves (add, mul, pow, left shifts), and shifts by the narrow width or more give 0 or
// the sign fill in both. Bool results of add/mul/max are "!= 0" of the wide ones.
inline DType wide_dtype(DType d) {
  switch (d) {
    case DType::Bool:
    case DType::Int8:
    case DType::Int16:
    case DType::UInt8:
    case DType::UInt16: return DType::Int32;
    case DType::UInt32: return DType::Int64;
    default: return d;
  }
}

// t (a view broadcast to some shape) without the repeats of its broadcast dimensions.
inline TensorBase unbroadcast(const TensorBase& t) {
  TensorBase compact = t;
  for (int64_t d = 0; d < t.dim(); ++d) {
    if (t.strides()[d] == 0 && t.shape()[d] > 1) compact = compact.narrow(d, 0, 1);
  }
  return compact;
}

// t converted to `dtype`, each distinct element once, broadcast back to t's shape.
inline TensorBase converted(const TensorBase& t, DType dtype) {
  if (t.dtype() == dtype) return t;
  return unbroadcast(t).to(t.device(), dtype).expand(t.shape());
}

// A scalar operand as the CPU sees it in compute dtype `d` (uint8 + 300 adds 44), so that
// the wide computation gets the same operand.
inline Scalar scalar_as(const Scalar& s, DType d) {
  return visit_dtype(d, [&](auto tag) {
    return Scalar(s.template to<typename decltype(tag)::type>());
  });
}

inline bool is_logical_binary(std::string_view name) {
  return name == "logical_and" || name == "logical_or" || name == "logical_xor";
}
inline bool is_bitwise_binary(std::string_view name) {
  return name == "bitwise_and" || name == "bitwise_or" || name == "bitwise_xor";
}
inline bool is_comparison(std::string_view name) {
  return name == "eq" || name == "ne" || name == "lt" || name == "le" || name == "gt" ||
         name == "ge";
}
// The kernels that divide integers: a zero divisor raises, as on the CPU.
inline bool divides(std::string_view name) {
  return name == "div_trunc" || name == "floor_divide" || name == "remainder";
}
inline const char* shown_name(std::string_view name, const char* op) {
  return name == "div_trunc" ? "div" : name == "round_decimals" ? "round" : op;
}

// The CPU ops' checks that sit in their functor factories, which the device path skips.
inline void check_binary_arguments(std::string_view name, const char* op, DType compute,
                                   const TensorBase* b, const Scalar& sb, const Scalar& alpha) {
  if ((name == "add" || name == "sub") && !ops::detail::is_one(alpha)) {
    ops::detail::check_alpha(alpha, compute, op);
  }
  if (name == "pow" && b == nullptr && is_integral(compute, true)) {
    TB_CHECK(!sb.is_integral() || sb.to<int64_t>() >= 0, Error, op,
             ": integers to negative integer powers are not allowed (exponent ", sb, ")");
  }
  if (name == "round_decimals") {
    TB_CHECK(!is_integral(compute, true), TypeError,
             "round: decimals are not supported for integer dtype ", compute, " (decimals = ", sb,
             ")");
  }
}

// ZeroDivisionError (as the CPU raises) when an integer divisor holds a zero: checked on the
// device before the kernel, which must not divide by zero (one small read back).
inline void check_divisor(std::string_view name, const char* op, DType compute,
                          const TensorBase* b, const Scalar& sb, const Stream& stream) {
  if (!divides(name) || !is_integral(compute, true)) return;
  bool zero = false;
  kc::visit_math_dtype(compute, op, [&](auto tag) {
    using T = typename decltype(tag)::type;
    if constexpr (std::is_integral_v<T>) {
      zero = b != nullptr ? kc::contains_zero<T>(op, unbroadcast(*b), stream)
                          : sb.to<T>() == T(0);
    }
  });
  TB_CHECK(!zero, Error, shown_name(name, op), ": ZeroDivisionError (integer division by zero)");
}

inline void binary_kernel(const char* op, const TensorBase& out, const TensorBase* a,
                          const Scalar& sa, const TensorBase* b, const Scalar& sb,
                          const Scalar& alpha);

// out = op(a, b) with a and b (or their scalars) of dtype `compute` computed in dtype `wide`,
// then converted into out (unless the op's result is bool: the kernel writes out directly).
inline void wide_binary(const char* op, DType compute, DType wide, const TensorBase& out,
                        const TensorBase* a, const Scalar& sa, const TensorBase* b,
                        const Scalar& sb, const Scalar& alpha) {
  const TensorBase wa = a != nullptr ? converted(*a, wide) : TensorBase();
  const TensorBase wb = b != nullptr ? converted(*b, wide) : TensorBase();
  const std::string_view name(op);
  const bool predicate = is_comparison(name) || is_logical_binary(name);
  const TensorBase wout =
      predicate ? out : tensorbridge::detail::new_tensor(out.shape(), wide, out.device(), op);
  binary_kernel(op, wout, a != nullptr ? &wa : nullptr, scalar_as(sa, compute),
                b != nullptr ? &wb : nullptr, scalar_as(sb, compute), alpha);
  if (!predicate) out.copy_(wout, false);
}

// The binary ops the CPU has for complex numbers. The logical ops see "!= 0", which is the
// conversion to bool: they run on bool copies of the operands.
inline void complex_binary(const char* op, const TensorBase& out, const TensorBase* a,
                           const Scalar& sa, const TensorBase* b, const Scalar& sb,
                           const Scalar& alpha, cudaStream_t stream) {
  const std::string_view name(op);
  if (is_logical_binary(name)) {
    const TensorBase ba = a != nullptr ? converted(*a, DType::Bool) : TensorBase();
    const TensorBase bb = b != nullptr ? converted(*b, DType::Bool) : TensorBase();
    return binary_kernel(op, out, a != nullptr ? &ba : nullptr, Scalar(sa.to<bool>()),
                         b != nullptr ? &bb : nullptr, Scalar(sb.to<bool>()), alpha);
  }
  const DType compute = a != nullptr ? a->dtype() : b->dtype();
  kc::visit_complex_dtype(compute, op, [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T va = a != nullptr ? T() : device_scalar<T>(sa);
    const T vb = b != nullptr ? T() : device_scalar<T>(sb);
    auto same = [&](auto f) { kc::launch_binary<T, T>(op, out, a, va, b, vb, f, stream); };
    auto predicate = [&](auto f) {
      kc::launch_binary<T, bool>(op, out, a, va, b, vb, f, stream);
    };
    const bool unit = ops::detail::is_one(alpha);
    if (name == "add" && unit) return same(kc::PlusOp{});
    if (name == "sub" && unit) return same(kc::MinusOp{});
    if (name == "add") return same(kc::AddOp<T>{device_scalar<T>(alpha)});
    // a - alpha b as the CPU computes it, a + (-alpha) b: -(alpha b) has other zero signs.
    if (name == "sub") return same(kc::AddOp<T>{-device_scalar<T>(alpha)});
    if (name == "mul") return same(kc::MulOp{});
    if (name == "div") return same(kc::DivOp{});
    if (name == "pow") return same(kc::ComplexPowOp{});
    if (name == "eq") return predicate(kc::EqOp{});
    if (name == "ne") return predicate(kc::NeOp{});
    unsupported(shown_name(name, op), compute);
  });
}

inline void binary_kernel(const char* op, const TensorBase& out, const TensorBase* a,
                          const Scalar& sa, const TensorBase* b, const Scalar& sb,
                          const Scalar& alpha) {
  namespace km = tensorbridge::kernels;
  const std::string_view name(op);
  const DType compute = a != nullptr ? a->dtype() : b->dtype();
  check_binary_arguments(name, op, compute, b, sb, alpha);
  DeviceGuard guard(out.device());
  const Stream stream = current_stream(out.device().index());
  if (is_complex(compute)) return complex_binary(op, out, a, sa, b, sb, alpha, stream.handle());
  // Bool masks keep kernels of their own for the logical and bitwise ops.
  const bool bool_kernel =
      compute == DType::Bool && (is_logical_binary(name) || is_bitwise_binary(name));
  const DType wide = wide_dtype(compute);
  if (wide != compute && !bool_kernel) {
    return wide_binary(op, compute, wide, out, a, sa, b, sb, alpha);
  }
  if (is_logical_binary(name) || bool_kernel) {
    return visit_predicate_dtype(compute, op, [&](auto tag) {
      using T = typename decltype(tag)::type;
      const T va = a != nullptr ? T() : device_scalar<T>(sa);
      const T vb = b != nullptr ? T() : device_scalar<T>(sb);
      auto run = [&](auto f) {
        kc::launch_binary<T, bool>(op, out, a, va, b, vb, f, stream.handle());
      };
      if constexpr (std::is_same_v<T, bool>) {
        if (name == "bitwise_and") return run(km::BitAnd{});
        if (name == "bitwise_or") return run(km::BitOr{});
        if (name == "bitwise_xor") return run(km::BitXor{});
      }
      if (name == "logical_and") return run(kc::LogicalAndOp{});
      if (name == "logical_or") return run(kc::LogicalOrOp{});
      return run(kc::LogicalXorOp{});
    });
  }
  check_divisor(name, op, compute, b, sb, stream);
  kc::visit_math_dtype(compute, op, [&](auto tag) {
    using T = typename decltype(tag)::type;
    using C = kc::opmath_t<T>;
    const T va = a != nullptr ? T() : device_scalar<T>(sa);
    const T vb = b != nullptr ? T() : device_scalar<T>(sb);
    auto same = [&](auto f) {
      kc::launch_binary<T, T>(op, out, a, va, b, vb, f, stream.handle());
    };
    auto predicate = [&](auto f) {
      kc::launch_binary<T, bool>(op, out, a, va, b, vb, f, stream.handle());
    };
    if (name == "add") return same(kc::AddOp<C>{alpha.to<C>()});
    if (name == "sub") return same(kc::SubOp<C>{alpha.to<C>()});
    if (name == "mul") return same(kc::MulOp{});
    if (name == "maximum") return same(kc::MaximumOp{});
    if (name == "minimum") return same(kc::MinimumOp{});
    if (name == "eq") return predicate(kc::EqOp{});
    if (name == "ne") return predicate(kc::NeOp{});
    if (name == "lt") return predicate(kc::LtOp{});
    if (name == "le") return predicate(kc::LeOp{});
    if (name == "gt") return predicate(kc::GtOp{});
    if (name == "ge") return predicate(kc::GeOp{});
    if (name == "pow") return same(km::Power{});
    if (name == "remainder") return same(km::Remainder{});
    if (name == "floor_divide") return same(km::FloorDivide{});
    if (name == "div_trunc") return same(km::TruncDivide{});
    if constexpr (std::is_floating_point_v<C>) {
      if (name == "div") return same(kc::DivOp{});
      if (name == "atan2") return same(km::Atan2{});
      if (name == "round_decimals" && a != nullptr && b == nullptr) {
        const int64_t decimals = sb.to<int64_t>();
        const double magnitude = static_cast<double>(decimals < 0 ? -decimals : decimals);
        const auto scale = static_cast<C>(std::pow(10.0, magnitude));  // as the CPU's RoundMake
        return kc::launch_unary<T, T>(op, out, *a, km::RoundDecimals<C>{scale, decimals < 0},
                                      stream.handle());
      }
    } else {
      if (name == "bitwise_and") return same(km::BitAnd{});
      if (name == "bitwise_or") return same(km::BitOr{});
      if (name == "bitwise_xor") return same(km::BitXor{});
      if (name == "bitwise_left_shift") return same(km::ShiftLeft{});
      if (name == "bitwise_right_shift") return same(km::ShiftRight{});
    }
    unsupported(shown_name(name, op), compute);
  });
}

inline bool is_predicate_unary(std::string_view name) {
  return name == "logical_not" || name == "isnan" || name == "isinf" || name == "isfinite";
}
inline bool is_rounding_unary(std::string_view name) {
  return name == "floor" || name == "ceil" || name == "trunc" || name == "round";
}

// The unary ops the CPU has for complex numbers; abs gives the real magnitude.
inline void complex_unary(const char* op, const TensorBase& out, const TensorBase& x,
                          cudaStream_t stream) {
  const std::string_view name(op);
  kc::visit_complex_dtype(x.dtype(), op, [&](auto tag) {
    using T = typename decltype(tag)::type;
    using R = decltype(T().re);
    if (out.dtype() == DType::Bool) {
      auto run = [&](auto f) { kc::launch_unary<T, bool>(op, out, x, f, stream); };
      if (name == "isnan") return run(kc::IsNanOp{});
      if (name == "isinf") return run(kc::IsInfOp{});
      if (name == "isfinite") return run(kc::IsFiniteOp{});
    } else if (out.element_size() == sizeof(R)) {  // the real results
      if (name == "abs") return kc::launch_unary<T, R>(op, out, x, kc::AbsOp{}, stream);
      if (name == "angle") return kc::launch_unary<T, R>(op, out, x, kc::AngleOp{}, stream);
    } else if (out.dtype() == x.dtype()) {
      auto run = [&](auto f) { kc::launch_unary<T, T>(op, out, x, f, stream); };
      if (name == "neg") return run(kc::NegOp{});
      if (name == "square") return run(kc::SquareOp{});
      if (name == "exp") return run(kc::ComplexExpOp{});
      if (name == "log") return run(kc::ComplexLogOp{});
      if (name == "sqrt") return run(kc::ComplexSqrtOp{});
      if (name == "sin") return run(kc::ComplexSinOp{});
      if (name == "cos") return run(kc::ComplexCosOp{});
      if (name == "tanh") return run(kc::ComplexTanhOp{});
      if (name == "reciprocal") return run(kc::ComplexReciprocalOp{});
      if (name == "sigmoid") return run(kc::ComplexSigmoidOp{});
      if (name == "tan") return run(kc::ComplexTanOp{});
      if (name == "rsqrt") return run(kc::ComplexRsqrtOp{});
      if (name == "log1p") return run(kc::ComplexLog1pOp{});
      if (name == "expm1") return run(kc::ComplexExpm1Op{});
      if (name == "conj_physical") return run(kc::ConjOp{});
      if (name == "sgn") return run(kc::ComplexSgnOp{});
    }
    TB_THROW(TypeError, op, ": not supported on CUDA from dtype ", x.dtype(), " to dtype ",
             out.dtype(), " (shape ", shape_str(x.shape()), ")");
  });
}

inline void unary_kernel(const char* op, const TensorBase& out, const TensorBase& x) {
  namespace km = tensorbridge::kernels;
  const std::string_view name(op);
  const DType dtype = x.dtype();
  DeviceGuard guard(out.device());
  const cudaStream_t stream = current_stream(out.device().index()).handle();
  if (is_complex(dtype) && name != "logical_not") return complex_unary(op, out, x, stream);
  if (is_rounding_unary(name) && is_integral(dtype, true)) {  // integers are already round
    if (out.data_ptr() != x.data_ptr() || out.strides() != x.strides()) out.copy_(x, false);
    return;
  }
  if (out.dtype() == DType::Bool && is_predicate_unary(name)) {
    // Complex numbers are "not zero" as their conversion to bool.
    const TensorBase in = dtype == DType::Bool ? x
                          : is_complex(dtype)  ? converted(x, DType::Bool)
                                               : converted(x, wide_dtype(dtype));
    return visit_predicate_dtype(in.dtype(), op, [&](auto tag) {
      using T = typename decltype(tag)::type;
      auto run = [&](auto f) { kc::launch_unary<T, bool>(op, out, in, f, stream); };
      if (name == "logical_not") return run(kc::LogicalNotOp{});
      if (name == "isnan") return run(kc::IsNanOp{});
      if (name == "isinf") return run(kc::IsInfOp{});
      return run(kc::IsFiniteOp{});
    });
  }
  if (name == "bitwise_not" && dtype == DType::Bool) {
    return kc::launch_unary<bool, bool>(op, out, x, km::BitNot{}, stream);
  }
  const DType wide = wide_dtype(dtype);
  if (wide != dtype) {  // see wide_dtype
    TB_CHECK(out.dtype() == dtype, TypeError, op, ": not supported on CUDA from dtype ", dtype,
             " to dtype ", out.dtype());
    const TensorBase wout = tensorbridge::detail::new_tensor(out.shape(), wide, out.device(), op);
    unary_kernel(op, wout, converted(x, wide));
    out.copy_(wout, false);
    return;
  }
  kc::visit_math_dtype(dtype, op, [&](auto tag) {
    using T = typename decltype(tag)::type;
    using C = kc::opmath_t<T>;
    TB_CHECK(out.dtype() == dtype, TypeError, op, ": not supported on CUDA from dtype ", dtype,
             " to dtype ", out.dtype());
    auto run = [&](auto f) { kc::launch_unary<T, T>(op, out, x, f, stream); };
    if (name == "neg") return run(kc::NegOp{});
    if (name == "abs") return run(kc::AbsOp{});
    if (name == "relu") return run(kc::ReluOp{});
    if (name == "square") return run(kc::SquareOp{});
    if (name == "sign") return run(kc::SignOp{});
    if constexpr (std::is_floating_point_v<C>) {
      if (name == "exp") return run(kc::ExpOp{});
      if (name == "expm1") return run(kc::Expm1Op{});
      if (name == "log") return run(kc::LogOp{});
      if (name == "log1p") return run(kc::Log1pOp{});
      if (name == "log2") return run(kc::Log2Op{});
      if (name == "log10") return run(kc::Log10Op{});
      if (name == "sqrt") return run(kc::SqrtOp{});
      if (name == "rsqrt") return run(kc::RsqrtOp{});
      if (name == "sin") return run(kc::SinOp{});
      if (name == "cos") return run(kc::CosOp{});
      if (name == "tan") return run(kc::TanOp{});
      if (name == "tanh") return run(kc::TanhOp{});
      if (name == "erf") return run(kc::ErfOp{});
      if (name == "sigmoid") return run(kc::SigmoidOp{});
      if (name == "reciprocal") return run(kc::ReciprocalOp{});
      if (name == "angle") return run(kc::AngleOp{});
      if (name == "floor") return run(kc::FloorOp{});
      if (name == "ceil") return run(kc::CeilOp{});
      if (name == "trunc") return run(kc::TruncOp{});
      if (name == "round") return run(km::RoundHalfEven{});
      if (name == "gelu") return run(km::Gelu{});
      if (name == "gelu_tanh") return run(km::GeluTanh{});
    } else {
      if (name == "bitwise_not") return run(km::BitNot{});
    }
    unsupported(op, dtype);
  });
}

inline void reduce_kernel(const char* op, const TensorBase& out, const TensorBase& x) {
  const std::string_view name(op);
  DeviceGuard guard(out.device());
  const Stream stream = current_stream(out.device().index());
  if (name == "prod" && x.numel() == 0) {  // products over nothing are 1 (sums are 0 below)
    return kc::fill(out, Scalar(1), stream.handle());
  }
  if (is_complex(x.dtype())) {  // sums and products, in the input's precision as on the CPU
    return kc::visit_complex_dtype(x.dtype(), op, [&](auto tag) {
      using T = typename decltype(tag)::type;
      TB_CHECK(out.dtype() == x.dtype(), TypeError, op, ": unexpected accumulator dtype ",
               out.dtype(), " for input dtype ", x.dtype());
      if (name == "sum") return kc::launch_reduce<T, T>(op, out, x, kc::SumReduce<T>{}, stream);
      if (name == "prod") return kc::launch_reduce<T, T>(op, out, x, kc::ProdReduce<T>{}, stream);
      unsupported(op, x.dtype());
    });
  }
  kc::visit_math_dtype(x.dtype(), op, [&](auto tag) {
    using In = typename decltype(tag)::type;
    using Extreme = kc::opmath_t<In>;
    using Sum = std::conditional_t<std::is_integral_v<In>, int64_t, Extreme>;
    auto run = [&](auto acc_tag, auto r) {
      using Acc = typename decltype(acc_tag)::type;
      TB_CHECK(out.element_size() == sizeof(Acc), TypeError, op,
               ": unexpected accumulator dtype ", out.dtype(), " for input dtype ", x.dtype());
      kc::launch_reduce<In, Acc>(op, out, x, r, stream);
    };
    if (name == "sum") return run(TypeTag<Sum>{}, kc::SumReduce<Sum>{});
    if (name == "prod") return run(TypeTag<Sum>{}, kc::ProdReduce<Sum>{});
    if (name == "max") return run(TypeTag<Extreme>{}, kc::ExtremeReduce<Extreme, true>{});
    if (name == "min") return run(TypeTag<Extreme>{}, kc::ExtremeReduce<Extreme, false>{});
    unsupported(op, x.dtype());
  });
}

inline void gemm_kernel(const char* op, const TensorBase& out, const TensorBase& a,
                        const TensorBase& b, const Scalar& alpha, const Scalar& beta) {
  kc::gemm(op, out, a, b, alpha, beta);
}

inline void copy_kernel(const TensorBase& dst, const TensorBase& src, const Stream& stream) {
  DeviceGuard guard(dst.device());
  kc::copy(dst, src, stream.handle());
}

inline void fill_kernel(const TensorBase& dst, const Scalar& value, const Stream& stream) {
  DeviceGuard guard(dst.device());
  kc::fill(dst, value, stream.handle());
}

inline void where_kernel(const TensorBase& out, const TensorBase& cond, const TensorBase* a,
                         const Scalar& sa, const TensorBase* b, const Scalar& sb) {
  DeviceGuard guard(out.device());
  kc::where(out, cond, a, sa, b, sb, current_stream(out.device().index()).handle());
}

inline void arg_extreme_kernel(const char* op, const TensorBase& values, const TensorBase& indices,
                               const TensorBase& x) {
  DeviceGuard guard(x.device());
  const cudaStream_t stream = current_stream(x.device().index()).handle();
  const bool is_max = std::string_view(op) == "max";
  kc::visit_math_dtype(x.dtype(), op, [&](auto tag) {
    using T = typename decltype(tag)::type;
    if (is_max) {
      kc::launch_arg_extreme<T, true>(op, values, indices, x, stream);
    } else {
      kc::launch_arg_extreme<T, false>(op, values, indices, x, stream);
    }
  });
}

inline void check_indices_kernel(const char* op, const TensorBase& index, int64_t size,
                                 int64_t dim, bool negative_ok) {
  DeviceGuard guard(index.device());
  kc::check_indices(op, index, size, dim, negative_ok, current_stream(index.device().index()));
}

inline void gather_kernel(const char* op, const TensorBase& out, const TensorBase& self,
                          int64_t dim, const TensorBase& index) {
  DeviceGuard guard(out.device());
  kc::gather(op, out, self, dim, index, current_stream(out.device().index()).handle());
}

inline void scatter_kernel(const char* op, bool add, const TensorBase& self, int64_t dim,
                           const TensorBase& index, const TensorBase* src, const Scalar& value) {
  DeviceGuard guard(self.device());
  kc::scatter(op, add, self, dim, index, src, value,
              current_stream(self.device().index()).handle());
}

inline void random_kernel(const char* op, const TensorBase& out, const ops::DeviceRandom& spec) {
  DeviceGuard guard(out.device());
  kc::random(op, out, spec, current_stream(out.device().index()).handle());
}

inline void scan_kernel(const char* op, const TensorBase& out, const TensorBase& x, int64_t dim) {
  DeviceGuard guard(out.device());
  kc::scan(op, out, x, dim, current_stream(out.device().index()).handle());
}

inline void take_kernel(const char* op, const TensorBase& out, const TensorBase& src,
                        const TensorBase& offsets) {
  DeviceGuard guard(out.device());
  kc::take(op, out, src, offsets, current_stream(out.device().index()).handle());
}

inline void put_kernel(const char* op, bool accumulate, const TensorBase& dst,
                       const TensorBase& values, const TensorBase& offsets) {
  DeviceGuard guard(dst.device());
  kc::put(op, accumulate, dst, values, offsets, current_stream(dst.device().index()).handle());
}

inline void sort_kernel(const char* op, const TensorBase& values, const TensorBase& indices,
                        const TensorBase& x, bool descending) {
  DeviceGuard guard(x.device());
  kc::sort(op, values, indices, x, descending, current_stream(x.device().index()));
}

inline const ops::DeviceKernels kCudaKernels = {
    &binary_kernel, &unary_kernel,  &reduce_kernel,  &gemm_kernel, &where_kernel,
    &arg_extreme_kernel, &check_indices_kernel, &gather_kernel, &scatter_kernel,
    &random_kernel, &scan_kernel, &take_kernel, &put_kernel, &sort_kernel};
inline const CopyKernels kCudaCopyKernels = {&copy_kernel, &fill_kernel};

inline bool register_kernels() {
  install_device_hooks();
  ops::device_kernels = &kCudaKernels;
  copy_kernels = &kCudaCopyKernels;
  return true;
}
// Dynamic initialization of an inline variable: once per program, before main.
inline const bool kernels_registered = register_kernels();

}  // namespace tensorbridge::cuda::detail
