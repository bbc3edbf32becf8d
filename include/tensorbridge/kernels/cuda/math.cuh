#pragma once
// The scalar functions of the CUDA elementwise ops, on opmath values (float for the 16-bit
// floats). Semantics follow the CPU kernels: maximum/minimum/relu propagate NaN, sign of
// NaN is 0, integer ops wrap. The ops whose per-element math is longer than an expression
// (rounded division, remainder, pow, shifts, bitwise ops, atan2, round, gelu) use the
// host-and-device functors of kernels/scalar_math.hpp, which the CPU kernels use too.
// Complex numbers (kernels::Complex) use the functions of kernels/complex_math.hpp, which
// reproduce the CPU's std::complex results, or are the CPU's own definition (the complex
// API: reciprocal, sigmoid, tan, rsqrt, log1p, expm1, conj, angle, sgn).
#include <cuda_runtime.h>

#include <type_traits>

#include "tensorbridge/kernels/complex_math.hpp"
#include "tensorbridge/kernels/scalar_math.hpp"

namespace tensorbridge::kernels::cuda {

template <typename C>
__device__ __forceinline__ bool is_nan(C v) {
  if constexpr (std::is_floating_point_v<C>) {
    return v != v;
  } else if constexpr (is_complex_struct_v<C>) {
    return v.re != v.re || v.im != v.im;
  } else {
    return false;
  }
}

// ---- binary ----
// a + b and a - b: add/sub with alpha 1 (for complex numbers, 1 * b would turn an
// infinite part's partner into NaN, as it does on the CPU, which skips the product too).
struct PlusOp {
  template <typename C>
  __device__ C operator()(C a, C b) const { return a + b; }
};
struct MinusOp {
  template <typename C>
  __device__ C operator()(C a, C b) const { return a - b; }
};
template <typename C>
struct AddOp {
  C alpha;
  __device__ C operator()(C a, C b) const {
    if constexpr (is_int_v<C>) return wrap_add(a, wrap_mul(alpha, b));
    else return a + alpha * b;
  }
};
template <typename C>
struct SubOp {
  C alpha;
  __device__ C operator()(C a, C b) const {
    if constexpr (is_int_v<C>) return wrap_sub(a, wrap_mul(alpha, b));
    else return a - alpha * b;
  }
};
struct MulOp {
  template <typename C>
  __device__ C operator()(C a, C b) const {
    if constexpr (is_int_v<C>) return wrap_mul(a, b);
    else return a * b;
  }
};
struct DivOp {
  template <typename C>
  __device__ C operator()(C a, C b) const { return a / b; }
};
struct MaximumOp {
  template <typename C>
  __device__ C operator()(C a, C b) const { return (is_nan(a) || a > b) ? a : b; }
};
struct MinimumOp {
  template <typename C>
  __device__ C operator()(C a, C b) const { return (is_nan(a) || a < b) ? a : b; }
};
#define TB_CUDA_COMPARE_OP(Name, expr)                         \
  struct Name {                                                \
    template <typename C>                                      \
    __device__ bool operator()(C a, C b) const { return expr; } \
  };
TB_CUDA_COMPARE_OP(EqOp, a == b)
TB_CUDA_COMPARE_OP(NeOp, a != b)
TB_CUDA_COMPARE_OP(LtOp, a < b)
TB_CUDA_COMPARE_OP(LeOp, a <= b)
TB_CUDA_COMPARE_OP(GtOp, a > b)
TB_CUDA_COMPARE_OP(GeOp, a >= b)
TB_CUDA_COMPARE_OP(LogicalAndOp, (a != C(0)) && (b != C(0)))
TB_CUDA_COMPARE_OP(LogicalOrOp, (a != C(0)) || (b != C(0)))
TB_CUDA_COMPARE_OP(LogicalXorOp, (a != C(0)) != (b != C(0)))
#undef TB_CUDA_COMPARE_OP

// ---- unary: any real type ----
struct NegOp {
  template <typename C>
  __device__ C operator()(C a) const {
    if constexpr (is_int_v<C>) return wrap_neg(a);
    else return -a;
  }
};
struct AbsOp {  // INT_MIN stays INT_MIN, as on the CPU; complex numbers give their magnitude
  template <typename C>
  __device__ auto operator()(C a) const {
    if constexpr (is_complex_struct_v<C>) {
      return kernels::abs(a);
    } else if constexpr (std::is_same_v<C, float>) {
      return ::fabsf(a);
    } else if constexpr (std::is_same_v<C, double>) {
      return ::fabs(a);
    } else if constexpr (std::is_unsigned_v<C>) {
      return a;
    } else {
      return a < C(0) ? wrap_neg(a) : a;
    }
  }
};
struct ReluOp {
  template <typename C>
  __device__ C operator()(C a) const { return (is_nan(a) || a > C(0)) ? a : C(0); }
};
struct SquareOp {
  template <typename C>
  __device__ C operator()(C a) const { return MulOp{}(a, a); }
};
struct SignOp {
  template <typename C>
  __device__ C operator()(C a) const {
    if constexpr (std::is_unsigned_v<C>) return static_cast<C>(a != C(0));
    else return static_cast<C>((C(0) < a) - (a < C(0)));
  }
};

// ---- unary: predicates (any real type, bool included) ----
struct LogicalNotOp {
  template <typename C>
  __device__ bool operator()(C a) const { return !(a != C(0)); }
};
struct IsNanOp {
  template <typename C>
  __device__ bool operator()(C a) const { return is_nan(a); }
};
// a - a is 0 exactly for finite a, NaN for infinities and NaN. A complex number is infinite
// when either part is, even if the other is NaN (as std::isinf on the CPU).
struct IsInfOp {
  template <typename C>
  __device__ bool operator()(C a) const {
    if constexpr (is_complex_struct_v<C>) return (*this)(a.re) || (*this)(a.im);
    else return !is_nan(a) && !(a - a == C(0));
  }
};
struct IsFiniteOp {
  template <typename C>
  __device__ bool operator()(C a) const { return a - a == C(0); }
};

// ---- unary: floating point ----
// The CUDA math library's float and double functions, named with :: (inside namespace
// tensorbridge, a plain `exp` would find tensorbridge's exp(TensorBase)).
#define TB_CUDA_FLOAT_OP(Name, float_expr, double_expr) \
  struct Name {                                         \
    template <typename C>                               \
    __device__ C operator()(C a) const {                \
      static_assert(std::is_floating_point_v<C>);       \
      if constexpr (std::is_same_v<C, float>) {         \
        return float_expr;                              \
      } else {                                          \
        return double_expr;                             \
      }                                                 \
    }                                                   \
  };
TB_CUDA_FLOAT_OP(ExpOp, ::expf(a), ::exp(a))
TB_CUDA_FLOAT_OP(Expm1Op, ::expm1f(a), ::expm1(a))
TB_CUDA_FLOAT_OP(LogOp, ::logf(a), ::log(a))
TB_CUDA_FLOAT_OP(Log1pOp, ::log1pf(a), ::log1p(a))
TB_CUDA_FLOAT_OP(Log2Op, ::log2f(a), ::log2(a))
TB_CUDA_FLOAT_OP(Log10Op, ::log10f(a), ::log10(a))
TB_CUDA_FLOAT_OP(SqrtOp, ::sqrtf(a), ::sqrt(a))
TB_CUDA_FLOAT_OP(RsqrtOp, ::rsqrtf(a), ::rsqrt(a))
TB_CUDA_FLOAT_OP(SinOp, ::sinf(a), ::sin(a))
TB_CUDA_FLOAT_OP(CosOp, ::cosf(a), ::cos(a))
TB_CUDA_FLOAT_OP(TanOp, ::tanf(a), ::tan(a))
TB_CUDA_FLOAT_OP(TanhOp, ::tanhf(a), ::tanh(a))
TB_CUDA_FLOAT_OP(ErfOp, ::erff(a), ::erf(a))
TB_CUDA_FLOAT_OP(SigmoidOp, 1.0f / (1.0f + ::expf(-a)), 1.0 / (1.0 + ::exp(-a)))
TB_CUDA_FLOAT_OP(ReciprocalOp, 1.0f / a, 1.0 / a)
TB_CUDA_FLOAT_OP(FloorOp, ::floorf(a), ::floor(a))
TB_CUDA_FLOAT_OP(CeilOp, ::ceilf(a), ::ceil(a))
TB_CUDA_FLOAT_OP(TruncOp, ::truncf(a), ::trunc(a))
#undef TB_CUDA_FLOAT_OP

// ---- complex ----
#define TB_CUDA_COMPLEX_OP(Name, function)           \
  struct Name {                                      \
    template <typename R>                            \
    __device__ Complex<R> operator()(Complex<R> a) const { \
      return kernels::function(a);                   \
    }                                                \
  };
TB_CUDA_COMPLEX_OP(ComplexExpOp, exp)
TB_CUDA_COMPLEX_OP(ComplexLogOp, log)
TB_CUDA_COMPLEX_OP(ComplexSqrtOp, sqrt)
TB_CUDA_COMPLEX_OP(ComplexSinOp, sin)
TB_CUDA_COMPLEX_OP(ComplexCosOp, cos)
TB_CUDA_COMPLEX_OP(ComplexTanhOp, tanh)
TB_CUDA_COMPLEX_OP(ComplexReciprocalOp, reciprocal)
TB_CUDA_COMPLEX_OP(ComplexSigmoidOp, sigmoid)
TB_CUDA_COMPLEX_OP(ComplexTanOp, tan)
TB_CUDA_COMPLEX_OP(ComplexRsqrtOp, rsqrt)
TB_CUDA_COMPLEX_OP(ComplexLog1pOp, log1p)
TB_CUDA_COMPLEX_OP(ComplexExpm1Op, expm1)
TB_CUDA_COMPLEX_OP(ComplexSgnOp, sgn)
TB_CUDA_COMPLEX_OP(ConjOp, conj)
#undef TB_CUDA_COMPLEX_OP
// The argument of complex numbers (a real result); PyTorch's rule for reals (pi below 0).
struct AngleOp {
  template <typename C>
  __device__ auto operator()(C a) const { return kernels::angle(a); }
};
struct ComplexPowOp {
  template <typename R>
  __device__ Complex<R> operator()(Complex<R> a, Complex<R> b) const {
    return kernels::pow(a, b);
  }
};

}  // namespace tensorbridge::kernels::cuda
