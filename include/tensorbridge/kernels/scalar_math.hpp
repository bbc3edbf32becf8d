#pragma once
// Per-element math that runs on the host and in CUDA kernels (TB_HOST_DEVICE), so that the
// CPU and CUDA kernels of these ops share one definition of their semantics (PyTorch's):
// rounded division and remainder (Python's floor semantics), integer and float powers,
// shifts, bitwise ops, atan2, rounding half to even, gelu. No undefined behaviour: signed
// integer arithmetic wraps (computed in unsigned), INT_MIN / -1 wraps, shifts by a negative
// amount or by the width or more give what PyTorch gives. Integer division by zero is the
// one case left to the callers, which reject zero divisors before a kernel starts.
//
// Functors take and return the "op math" type C: bool, an integer type, float (also for
// float16/bfloat16, rounded once on store) or double. Complex numbers are the CPU's business.
#include <cmath>
#include <cstdint>
#include <type_traits>

#include "tensorbridge/core/macros.hpp"

namespace tensorbridge::kernels {

template <typename T>
inline constexpr bool is_int_v = std::is_integral_v<T> && !std::is_same_v<T, bool>;

// The unsigned type integer arithmetic wraps in: at least `unsigned`, so that the usual
// arithmetic conversions cannot turn it back into a signed int that overflows.
template <typename T>
using wrap_t =
    std::conditional_t<(sizeof(T) < sizeof(unsigned)), unsigned, std::make_unsigned_t<T>>;

template <typename T>
TB_HOST_DEVICE constexpr T wrap_add(T a, T b) {
  return static_cast<T>(static_cast<wrap_t<T>>(a) + static_cast<wrap_t<T>>(b));
}
template <typename T>
TB_HOST_DEVICE constexpr T wrap_sub(T a, T b) {
  return static_cast<T>(static_cast<wrap_t<T>>(a) - static_cast<wrap_t<T>>(b));
}
template <typename T>
TB_HOST_DEVICE constexpr T wrap_mul(T a, T b) {
  return static_cast<T>(static_cast<wrap_t<T>>(a) * static_cast<wrap_t<T>>(b));
}
template <typename T>
TB_HOST_DEVICE constexpr T wrap_neg(T a) {
  return static_cast<T>(wrap_t<T>(0) - static_cast<wrap_t<T>>(a));
}

// ---- division --------------------------------------------------------------------------
// div(rounding_mode="trunc").
struct TruncDivide {
  template <typename C>
  TB_HOST_DEVICE C operator()(C a, C b) const {
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
// floor_divide and div(rounding_mode="floor"): Python's //.
struct FloorDivide {
  template <typename C>
  TB_HOST_DEVICE C operator()(C a, C b) const {
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
// remainder: the result takes the divisor's sign, like Python's %.
struct Remainder {
  template <typename C>
  TB_HOST_DEVICE C operator()(C a, C b) const {
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

// ---- powers ----------------------------------------------------------------------------
struct Power {
  template <typename C>
  TB_HOST_DEVICE C operator()(C a, C b) const {
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

struct Atan2 {
  template <typename C>
  TB_HOST_DEVICE C operator()(C a, C b) const {
    return std::atan2(a, b);
  }
};

// ---- bitwise ---------------------------------------------------------------------------
struct BitAnd {
  template <typename C>
  TB_HOST_DEVICE C operator()(C a, C b) const { return static_cast<C>(a & b); }
};
struct BitOr {
  template <typename C>
  TB_HOST_DEVICE C operator()(C a, C b) const { return static_cast<C>(a | b); }
};
struct BitXor {
  template <typename C>
  TB_HOST_DEVICE C operator()(C a, C b) const { return static_cast<C>(a ^ b); }
};
struct BitNot {
  template <typename C>
  TB_HOST_DEVICE C operator()(C a) const {
    if constexpr (std::is_same_v<C, bool>) return !a;
    else return static_cast<C>(~a);
  }
};
// Shifts by a negative amount or by the width or more: left gives 0, right gives the sign
// fill (0 or -1), as PyTorch defines them.
struct ShiftLeft {
  template <typename C>
  TB_HOST_DEVICE C operator()(C a, C b) const {
    constexpr auto bits = static_cast<int64_t>(sizeof(C) * 8);
    if constexpr (std::is_signed_v<C>) {
      if (b < C(0)) return C(0);
    }
    if (static_cast<uint64_t>(b) >= static_cast<uint64_t>(bits)) return C(0);
    const auto shift = static_cast<int>(b);
    return static_cast<C>(static_cast<wrap_t<C>>(a) << shift);
  }
};
struct ShiftRight {
  template <typename C>
  TB_HOST_DEVICE C operator()(C a, C b) const {
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

// ---- rounding and activations (floating C) ---------------------------------------------
// Half to even (the default rounding mode), as torch.round.
struct RoundHalfEven {
  template <typename C>
  TB_HOST_DEVICE C operator()(C a) const {
    return std::nearbyint(a);
  }
};
// round(x, decimals) as PyTorch: scale by 10^|decimals| (computed in double, rounded to
// C), round half to even, scale back.
template <typename C>
struct RoundDecimals {
  C scale;
  bool negative;
  TB_HOST_DEVICE C operator()(C a) const {
    return negative ? std::nearbyint(a / scale) * scale : std::nearbyint(a * scale) / scale;
  }
};
// gelu(x) = x/2 (1 + erf(x / sqrt 2)), and PyTorch's tanh approximation.
struct Gelu {
  template <typename C>
  TB_HOST_DEVICE C operator()(C x) const {
    return C(0.5) * x * (C(1) + std::erf(x * C(0.70710678118654752440)));
  }
};
struct GeluTanh {
  template <typename C>
  TB_HOST_DEVICE C operator()(C x) const {
    return C(0.5) * x *
           (C(1) + std::tanh(C(0.79788456080286535588) * (x + C(0.044715) * x * x * x)));
  }
};

}  // namespace tensorbridge::kernels
