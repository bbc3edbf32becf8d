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

namespace tensorbridge::kernels::cpu {

template <typename T>
using opmath_t = std::conditional_t<std::is_same_v<T, half> || std::is_same_v<T, bfloat16>,
                                    float, T>;

template <typename T>
inline constexpr bool is_complex_v =
    std::is_same_v<T, complex64> || std::is_same_v<T, complex128>;
template <typename T>
inline constexpr bool is_int_v = std::is_integral_v<T> && !std::is_same_v<T, bool>;
template <typename T>
inline constexpr bool is_float_v = std::is_floating_point_v<T>;  // float, double (op math)

// The unsigned type integer arithmetic wraps in: at least `unsigned`, so that the usual
// arithmetic conversions cannot turn it back into a signed int that overflows.
template <typename T>
using wrap_t =
    std::conditional_t<(sizeof(T) < sizeof(unsigned)), unsigned, std::make_unsigned_t<T>>;

template <typename T>
constexpr T wrap_add(T a, T b) {
  return static_cast<T>(static_cast<wrap_t<T>>(a) + static_cast<wrap_t<T>>(b));
}
template <typename T>
constexpr T wrap_sub(T a, T b) {
  return static_cast<T>(static_cast<wrap_t<T>>(a) - static_cast<wrap_t<T>>(b));
}
template <typename T>
constexpr T wrap_mul(T a, T b) {
  return static_cast<T>(static_cast<wrap_t<T>>(a) * static_cast<wrap_t<T>>(b));
}
template <typename T>
constexpr T wrap_neg(T a) {
  return static_cast<T>(wrap_t<T>(0) - static_cast<wrap_t<T>>(a));
}

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
struct DivTruncFn {
  template <typename C>
  C operator()(C a, C b) const {
    if constexpr (is_int_v<C>) {
      if constexpr (std::is_signed_v<C>) {
        if (b == C(-1)) return wrap_neg(a);  // INT_MIN / -1 wraps instead of trapping
      }
      return static_cast<C>(a / b);
    } else {
      return std::trunc(a / b);
    }
  }
};
struct FloorDivFn {
  template <typename C>
  C operator()(C a, C b) const {
    if constexpr (is_int_v<C>) {
      if constexpr (std::is_signed_v<C>) {
        if (b == C(-1)) return wrap_neg(a);
        const C q = static_cast<C>(a / b);
        const C r = static_cast<C>(a % b);
        return (r != 0 && ((r < 0) != (b < 0))) ? static_cast<C>(q - 1) : q;
      } else {
        return static_cast<C>(a / b);
      }
    } else {
      // Python's float floor division: exact where a - fmod(a, b) divides evenly.
      if (b == C(0)) return a / b;
      const C mod = std::fmod(a, b);
      C div = (a - mod) / b;
      if (mod != C(0) && (b < C(0)) != (mod < C(0))) div -= C(1);
      if (div == C(0)) return std::copysign(C(0), a / b);
      C floordiv = std::floor(div);
      if (div - floordiv > C(0.5)) floordiv += C(1);
      return floordiv;
    }
  }
};
struct RemainderFn {  // the result takes the divisor's sign, like Python's %
  template <typename C>
  C operator()(C a, C b) const {
    if constexpr (is_int_v<C>) {
      if constexpr (std::is_signed_v<C>) {
        if (b == C(-1)) return C(0);
        const C r = static_cast<C>(a % b);
        return (r != 0 && ((r < 0) != (b < 0))) ? static_cast<C>(r + b) : r;
      } else {
        return static_cast<C>(a % b);
      }
    } else {
      C mod = std::fmod(a, b);
      if (mod != C(0) && (b < C(0)) != (mod < C(0))) mod += b;
      return mod;
    }
  }
};
struct PowFn {
  template <typename C>
  C operator()(C a, C b) const {
    if constexpr (std::is_same_v<C, bool>) {
      return a || !b;
    } else if constexpr (is_int_v<C>) {
      if constexpr (std::is_signed_v<C>) {
        // Integer to a negative power, as PyTorch: only 1 and -1 survive.
        if (b < 0) return a == 1 ? C(1) : a == -1 ? C((b & 1) ? -1 : 1) : C(0);
      }
      wrap_t<C> result = 1;
      wrap_t<C> base = static_cast<wrap_t<C>>(a);
      auto e = static_cast<std::make_unsigned_t<C>>(b);
      while (e) {
        if (e & 1u) result *= base;
        base *= base;
        e >>= 1;
      }
      return static_cast<C>(result);
    } else {
      return std::pow(a, b);
    }
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
struct Atan2Fn {
  template <typename C>
  C operator()(C a, C b) const {
    return std::atan2(a, b);
  }
};
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
struct BitAndFn {
  template <typename C>
  C operator()(C a, C b) const { return static_cast<C>(a & b); }
};
struct BitOrFn {
  template <typename C>
  C operator()(C a, C b) const { return static_cast<C>(a | b); }
};
struct BitXorFn {
  template <typename C>
  C operator()(C a, C b) const { return static_cast<C>(a ^ b); }
};
// Shifts by a negative amount or by the width or more: left gives 0, right gives the sign
// fill (0 or -1), as PyTorch defines them.
struct ShiftLeftFn {
  template <typename C>
  C operator()(C a, C b) const {
    constexpr auto bits = static_cast<int64_t>(sizeof(C) * 8);
    if constexpr (std::is_signed_v<C>) {
      if (b < C(0)) return C(0);
    }
    if (static_cast<uint64_t>(b) >= static_cast<uint64_t>(bits)) return C(0);
    const auto shift = static_cast<int>(b);
    return static_cast<C>(static_cast<wrap_t<C>>(a) << shift);
  }
};
struct ShiftRightFn {
  template <typename C>
  C operator()(C a, C b) const {
    constexpr auto bits = static_cast<int64_t>(sizeof(C) * 8);
    if constexpr (std::is_signed_v<C>) {
      const auto shift = static_cast<int64_t>(b);
      if (shift < 0 || shift >= bits) return static_cast<C>(a < 0 ? -1 : 0);
      return static_cast<C>(a >> shift);
    } else {
      if (static_cast<uint64_t>(b) >= static_cast<uint64_t>(bits)) return C(0);
      return static_cast<C>(a >> b);
    }
  }
};

}  // namespace tensorbridge::kernels::cpu
