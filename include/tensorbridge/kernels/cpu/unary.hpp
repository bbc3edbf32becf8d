#pragma once
// Unary CPU kernels. Transcendental functions use Eigen's vectorized packet math on
// contiguous float/double rows (exp, log, tanh, sin, erf, logistic, ... as Eigen array
// expressions); strided rows and float16/bfloat16 go through a small contiguous buffer in
// op math, so every layout gets the same vectorized code. Cheap functions (neg, abs,
// relu, ...) are plain per-element functors the compiler vectorizes.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <type_traits>

#include "tensorbridge/core/eigen_core.hpp"
#include <unsupported/Eigen/SpecialFunctions>

#if defined(__SSE2__)
#include <immintrin.h>
#endif

#include "tensorbridge/kernels/cpu/complex_math.hpp"
#include "tensorbridge/kernels/cpu/elementwise.hpp"
#include "tensorbridge/kernels/cpu/scalar_math.hpp"
#include "tensorbridge/kernels/scalar_math.hpp"

namespace tensorbridge::kernels::cpu {

// Marks a functor that maps an Eigen array expression to another: it runs on whole rows.
struct EigenArrayOp {};

#define TB_EIGEN_ARRAY_OP(Name, expression)         \
  struct Name : EigenArrayOp {                      \
    template <typename A>                           \
    auto operator()(const A& x) const {             \
      using C = typename A::Scalar;                 \
      (void)sizeof(C);                              \
      return expression;                            \
    }                                               \
  };
TB_EIGEN_ARRAY_OP(LogOp, x.log())
TB_EIGEN_ARRAY_OP(Log2Op, x.log2())
TB_EIGEN_ARRAY_OP(Log10Op, x.log10())
TB_EIGEN_ARRAY_OP(SinOp, x.sin())
TB_EIGEN_ARRAY_OP(CosOp, x.cos())
TB_EIGEN_ARRAY_OP(TanhOp, x.tanh())
TB_EIGEN_ARRAY_OP(ErfOp, x.erf())
TB_EIGEN_ARRAY_OP(FloorOp, x.floor())
TB_EIGEN_ARRAY_OP(CeilOp, x.ceil())
// gelu(x) = x/2 (1 + erf(x / sqrt 2)), and PyTorch's tanh approximation.
TB_EIGEN_ARRAY_OP(GeluOp, C(0.5) * x * (C(1) + (x * C(0.70710678118654752440)).erf()))
TB_EIGEN_ARRAY_OP(GeluTanhOp,
                  C(0.5) * x *
                      (C(1) + (C(0.79788456080286535588) * (x + C(0.044715) * x.cube())).tanh()))
// Ops whose complex form Eigen lacks (or computes without PyTorch's care): complex rows run
// the per-element functor of kernels/cpu/complex_math.hpp, real rows the packet math.
#define TB_EIGEN_ARRAY_OP_OR_COMPLEX(Name, expression, ComplexFn)         \
  struct Name : EigenArrayOp {                                          \
    template <typename A>                                               \
    auto operator()(const A& x) const {                                 \
      using C = typename A::Scalar;                                     \
      if constexpr (is_complex_v<C>) {                                  \
        return x.unaryExpr(ComplexFn{});                                \
      } else {                                                          \
        return expression;                                              \
      }                                                                 \
    }                                                                   \
  };
TB_EIGEN_ARRAY_OP_OR_COMPLEX(Expm1Op, x.expm1(), ComplexExpm1Fn)
TB_EIGEN_ARRAY_OP_OR_COMPLEX(Log1pOp, x.log1p(), ComplexLog1pFn)
TB_EIGEN_ARRAY_OP_OR_COMPLEX(RsqrtOp, x.rsqrt(), ComplexRsqrtFn)
TB_EIGEN_ARRAY_OP_OR_COMPLEX(TanOp, x.tan(), ComplexTanFn)
// 1 / (1 + exp(-x)) as PyTorch computes it, within an ulp or two: Eigen's logistic() for
// float is a polynomial accurate only in absolute terms (4.5e-5 relative error at x = -10).
TB_EIGEN_ARRAY_OP_OR_COMPLEX(SigmoidOp, (C(1) + (-x).exp()).inverse(), ComplexSigmoidFn)
TB_EIGEN_ARRAY_OP_OR_COMPLEX(ReciprocalOp, x.inverse(), ComplexReciprocalFn)
#undef TB_EIGEN_ARRAY_OP_OR_COMPLEX
#undef TB_EIGEN_ARRAY_OP

// Square roots rounded correctly, as NumPy and PyTorch give them: Eigen's packet sqrt under
// EIGEN_FAST_MATH (its default) is an rsqrt estimate plus a Newton step, 1-2 ulp off, NaN
// for +inf and +0 for -0. The x86 vector instructions are exact; elsewhere the scalar
// std::sqrt runs.
struct ExactSqrt {
  template <typename C>
  C operator()(const C& v) const {
    return std::sqrt(v);
  }
#if defined(__SSE2__)
#if defined(__AVX512F__)
  __m512 packetOp(const __m512& v) const { return _mm512_sqrt_ps(v); }
  __m512d packetOp(const __m512d& v) const { return _mm512_sqrt_pd(v); }
#endif
#if defined(__AVX__)
  __m256 packetOp(const __m256& v) const { return _mm256_sqrt_ps(v); }
  __m256d packetOp(const __m256d& v) const { return _mm256_sqrt_pd(v); }
#endif
  __m128 packetOp(const __m128& v) const { return _mm_sqrt_ps(v); }
  __m128d packetOp(const __m128d& v) const { return _mm_sqrt_pd(v); }
#endif
};

}  // namespace tensorbridge::kernels::cpu

template <>
struct Eigen::internal::functor_traits<tensorbridge::kernels::cpu::ExactSqrt> {
  enum {
    Cost = 5 * Eigen::NumTraits<float>::MulCost,
#if defined(__SSE2__)
    PacketAccess = 1
#else
    PacketAccess = 0
#endif
  };
};

namespace tensorbridge::kernels::cpu {

struct SqrtOp : EigenArrayOp {
  template <typename A>
  auto operator()(const A& x) const {
    if constexpr (std::is_floating_point_v<typename A::Scalar>) {
      return x.unaryExpr(ExactSqrt{});
    } else {
      return x.sqrt();  // complex: Eigen's scalar formula
    }
  }
};

// Eigen's vectorized exp clamps its input at about -88 (float), so exp(-inf) would be a
// tiny denormal instead of 0 (and log(sum(exp(...))) finite instead of -inf). Results below
// the smallest normal number are flushed to 0 afterwards, block by block while in cache.
struct ExpOp : EigenArrayOp {
  template <typename A>
  auto operator()(const A& x) const {
    return x.exp();
  }
  template <typename C>
  static void fixup(C* out, int64_t n) {
    if constexpr (std::is_floating_point_v<C>) {
      for (int64_t i = 0; i < n; ++i) out[i] = out[i] < std::numeric_limits<C>::min() ? C(0) : out[i];
    }
  }
};

template <typename Op, typename = void>
struct has_fixup : std::false_type {};
template <typename Op>
struct has_fixup<Op, std::void_t<decltype(&Op::template fixup<float>)>> : std::true_type {};

// Rows through an Eigen array op: contiguous rows of the op math type are mapped in place;
// anything else (strides, float16/bfloat16) is gathered into a buffer block by block.
template <typename T, typename Op>
struct EigenUnaryRow {
  static constexpr int64_t kBlock = 256;
  static constexpr int64_t kFixupBlock = 2048;
  Op op;
  void operator()(const std::array<char*, 2>& p, const std::array<int64_t, 2>& s,
                  int64_t n) const {
    using C = opmath_t<T>;
    using Array = Eigen::Array<C, Eigen::Dynamic, 1>;
    if constexpr (std::is_same_v<T, C>) {
      if (s[0] == int64_t(sizeof(T)) && s[1] == int64_t(sizeof(T))) {
        C* out = reinterpret_cast<C*>(p[0]);
        const C* in = reinterpret_cast<const C*>(p[1]);
        if constexpr (!has_fixup<Op>::value) {
          Eigen::Map<Array>(out, n) = op(Eigen::Map<const Array>(in, n));
        } else {
          for (int64_t i0 = 0; i0 < n; i0 += kFixupBlock) {
            const int64_t m = std::min(kFixupBlock, n - i0);
            Eigen::Map<Array>(out + i0, m) = op(Eigen::Map<const Array>(in + i0, m));
            Op::fixup(out + i0, m);
          }
        }
        return;
      }
    }
    C in[kBlock];
    C out[kBlock];
    for (int64_t i0 = 0; i0 < n; i0 += kBlock) {
      const int64_t m = std::min(kBlock, n - i0);
      for (int64_t j = 0; j < m; ++j) in[j] = static_cast<C>(load<T>(p[1] + (i0 + j) * s[1]));
      Eigen::Map<Array>(out, m) = op(Eigen::Map<const Array>(in, m));
      if constexpr (has_fixup<Op>::value) Op::fixup(out, m);
      for (int64_t j = 0; j < m; ++j) store<T>(p[0] + (i0 + j) * s[0]) = static_cast<T>(out[j]);
    }
  }
};

// ---- per-element unary functors (op math in, op math or bool out) -------------------------
struct NegFn {
  template <typename C>
  C operator()(C a) const {
    if constexpr (is_int_v<C>) return wrap_neg(a);
    else return -a;
  }
};
struct AbsFn {  // complex gives its real magnitude; INT_MIN stays INT_MIN, as in PyTorch
  template <typename C>
  auto operator()(C a) const {
    if constexpr (is_complex_v<C>) return std::abs(a);
    else if constexpr (is_int_v<C> && std::is_signed_v<C>) return a < 0 ? wrap_neg(a) : a;
    else if constexpr (is_int_v<C>) return a;
    else return std::fabs(a);
  }
};
struct SignFn {  // NaN gives 0, like PyTorch
  template <typename C>
  C operator()(C a) const {
    if constexpr (std::is_same_v<C, bool>) return a;
    else if constexpr (std::is_unsigned_v<C>) return static_cast<C>(a != C(0));
    else return static_cast<C>((C(0) < a) - (a < C(0)));
  }
};
struct SquareFn {
  template <typename C>
  C operator()(C a) const {
    if constexpr (is_int_v<C>) return wrap_mul(a, a);
    else return a * a;
  }
};
struct ReluFn {  // NaN propagates (PyTorch's relu is clamp_min(0))
  template <typename C>
  C operator()(C a) const {
    if constexpr (is_float_v<C>) return (a != a || a > C(0)) ? a : C(0);
    else return a > C(0) ? a : C(0);
  }
};
struct TruncFn {
  template <typename C>
  C operator()(C a) const { return std::trunc(a); }
};
struct IdentityFn {  // floor/ceil/round/trunc of integers
  template <typename C>
  C operator()(C a) const { return a; }
};
// round half to even, per element: Eigen's packet rint turns -0.0 into +0.0 (PyTorch and
// NumPy keep the sign). Shared with CUDA, like round with decimals (kernels/scalar_math.hpp).
using RintOp = kernels::RoundHalfEven;
// round(x, decimals) as PyTorch.
template <typename C>
using RoundDecimalsFn = kernels::RoundDecimals<C>;
// clamp with optional scalar bounds; a NaN input or bound gives NaN (PyTorch).
template <typename C>
struct ClampFn {
  C lo, hi;
  bool has_lo, has_hi;
  C operator()(C a) const {
    if (has_lo) a = MaximumFn{}(a, lo);
    if (has_hi) a = MinimumFn{}(a, hi);
    return a;
  }
};
struct IsNanFn {
  template <typename C>
  bool operator()(C a) const {
    if constexpr (is_complex_v<C>) return a.real() != a.real() || a.imag() != a.imag();
    else if constexpr (is_float_v<C>) return a != a;
    else return false;
  }
};
struct IsInfFn {
  template <typename C>
  bool operator()(C a) const {
    if constexpr (is_complex_v<C>) return std::isinf(a.real()) || std::isinf(a.imag());
    else if constexpr (is_float_v<C>) return std::isinf(a);
    else return false;
  }
};
struct IsFiniteFn {
  template <typename C>
  bool operator()(C a) const {
    if constexpr (is_complex_v<C>) return std::isfinite(a.real()) && std::isfinite(a.imag());
    else if constexpr (is_float_v<C>) return std::isfinite(a);
    else return true;
  }
};
struct LogicalNotFn {
  template <typename C>
  bool operator()(C a) const { return a == C(0); }
};
using BitwiseNotFn = kernels::BitNot;

}  // namespace tensorbridge::kernels::cpu
