#pragma once
// Per-element math shared by the CPU kernels, with PyTorch's semantics and no undefined
// behaviour: signed integer arithmetic wraps (computed in unsigned), integer division
// floors like Python (callers reject zero divisors before a loop starts), shifts by the
// width or more give what PyTorch gives, and max/min propagate NaN.
//
// Functors take and return the "op math" type: float for float16/bfloat16 (computed in
// float32, rounded once on store), the element type itself otherwise.
#include <cmath>
#include <complex>
#include <cstdint>
#include <type_traits>

#include "tensorbridge/core/dtype.hpp"
#include "tensorbridge/core/half.hpp"
#include "tensorbridge/kernels/scalar_math.hpp"

namespace tensorbridge::kernels::cpu {

template <typename T>
using opmath_t = std::conditional_t<std::is_same_v<T, half> || std::is_same_v<T, bfloat16>,
                                    float, T>;

template <typename T>
inline constexpr bool is_complex_v =
    std::is_same_v<T, complex64> || std::is_same_v<T, complex128>;
using kernels::is_int_v;
template <typename T>
inline constexpr bool is_float_v = std::is_floating_point_v<T>;  // float, double (op math)

// Wrapping integer arithmetic and the functors CUDA shares live in kernels/scalar_math.hpp.
using kernels::wrap_add;
using kernels::wrap_mul;
using kernels::wrap_neg;
using kernels::wrap_sub;
using kernels::wrap_t;

// ---- binary functors --------------------------------------------------------------------
struct AddFn {
  template <typename C>
  C operator()(C a, C b) const {
    if constexpr (std::is_same_v<C, bool>) return a || b;
    else if constexpr (is_int_v<C>) return wrap_add(a, b);
    else return a + b;
  }
};
// a + alpha * b (torch.add's alpha); sub passes -alpha.
template <typename C>
struct AddAlphaFn {
  C alpha;
  C operator()(C a, C b) const {
    if constexpr (std::is_same_v<C, bool>) return a || (alpha && b);
    else if constexpr (is_int_v<C>) return wrap_add(a, wrap_mul(alpha, b));
    else return a + alpha * b;
  }
};
struct SubFn {
  template <typename C>
  C operator()(C a, C b) const {
    if constexpr (is_int_v<C>) return wrap_sub(a, b);
    else return a - b;
  }
};
struct MulFn {
  template <typename C>
  C operator()(C a, C b) const {
    if constexpr (std::is_same_v<C, bool>) return a && b;
    else if constexpr (is_int_v<C>) return wrap_mul(a, b);
    else return a * b;
  }
};
struct DivFn {  // true division: floating and complex only
  template <typename C>
  C operator()(C a, C b) const {
    return a / b;
  }
};
using DivTruncFn = kernels::TruncDivide;
using FloorDivFn = kernels::FloorDivide;
using RemainderFn = kernels::Remainder;  // the result takes the divisor's sign, like Python's %
struct PowFn {
  template <typename C>
  C operator()(C a, C b) const {
    if constexpr (is_complex_v<C>) return std::pow(a, b);
    else return kernels::Power{}(a, b);
  }
};
// NaN wins, as in torch.maximum / torch.minimum and max reductions.
struct MaximumFn {
  template <typename C>
  C operator()(C a, C b) const {
    if constexpr (is_float_v<C>) return (a != a || a > b) ? a : b;
    else return a > b ? a : b;
  }
};
struct MinimumFn {
  template <typename C>
  C operator()(C a, C b) const {
    if constexpr (is_float_v<C>) return (a != a || a < b) ? a : b;
    else return a < b ? a : b;
  }
};
using Atan2Fn = kernels::Atan2;
struct EqFn {
  template <typename C>
  bool operator()(C a, C b) const { return a == b; }
};
struct NeFn {
  template <typename C>
  bool operator()(C a, C b) const { return a != b; }
};
struct LtFn {
  template <typename C>
  bool operator()(C a, C b) const { return a < b; }
};
struct LeFn {
  template <typename C>
  bool operator()(C a, C b) const { return a <= b; }
};
struct GtFn {
  template <typename C>
  bool operator()(C a, C b) const { return a > b; }
};
struct GeFn {
  template <typename C>
  bool operator()(C a, C b) const { return a >= b; }
};
struct LogicalAndFn {
  template <typename C>
  bool operator()(C a, C b) const { return a != C(0) && b != C(0); }
};
struct LogicalOrFn {
  template <typename C>
  bool operator()(C a, C b) const { return a != C(0) || b != C(0); }
};
struct LogicalXorFn {
  template <typename C>
  bool operator()(C a, C b) const { return (a != C(0)) != (b != C(0)); }
};
using BitAndFn = kernels::BitAnd;
using BitOrFn = kernels::BitOr;
using BitXorFn = kernels::BitXor;
using ShiftLeftFn = kernels::ShiftLeft;
using ShiftRightFn = kernels::ShiftRight;

}  // namespace tensorbridge::kernels::cpu
