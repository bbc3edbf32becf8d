#pragma once
// Row kernels for elementwise ops: the innermost loops that elementwise_loop calls. Each
// has the variants the compiler can vectorize (all operands contiguous; one operand a
// broadcast scalar, stride 0) and a strided fallback. Values are computed in op math
// (float for float16/bfloat16) and converted once on store.
#include <array>
#include <cstdint>
#include <cstring>
#include <type_traits>

#include "tensorbridge/core/shape.hpp"
#include "tensorbridge/kernels/cpu/loop.hpp"
#include "tensorbridge/kernels/cpu/scalar_math.hpp"

namespace tensorbridge::kernels::cpu {

template <typename T>
inline const T& load(const char* p) {
  return *reinterpret_cast<const T*>(p);
}
template <typename T>
inline T& store(char* p) {
  return *reinterpret_cast<T*>(p);
}

// out = f(in), In and Out element types, f on op math.
template <typename In, typename Out, typename F>
struct UnaryRow {
  F f;
  void operator()(const std::array<char*, 2>& p, const std::array<int64_t, 2>& s,
                  int64_t n) const {
    using C = opmath_t<In>;
    if (s[0] == int64_t(sizeof(Out)) && s[1] == int64_t(sizeof(In))) {
      Out* o = reinterpret_cast<Out*>(p[0]);
      const In* a = reinterpret_cast<const In*>(p[1]);
      for (int64_t i = 0; i < n; ++i) o[i] = static_cast<Out>(f(static_cast<C>(a[i])));
      return;
    }
    for (int64_t i = 0; i < n; ++i) {
      store<Out>(p[0] + i * s[0]) = static_cast<Out>(f(static_cast<C>(load<In>(p[1] + i * s[1]))));
    }
  }
};

// out = f(a, b), inputs of type T, output of type Out (T, or bool for comparisons).
template <typename T, typename Out, typename F>
struct BinaryRow {
  F f;
  Out apply(T x, T y) const {
    using C = opmath_t<T>;
    return static_cast<Out>(f(static_cast<C>(x), static_cast<C>(y)));
  }
  void operator()(const std::array<char*, 3>& p, const std::array<int64_t, 3>& s,
                  int64_t n) const {
    constexpr auto so = int64_t(sizeof(Out));
    constexpr auto st = int64_t(sizeof(T));
    Out* o = reinterpret_cast<Out*>(p[0]);
    const T* a = reinterpret_cast<const T*>(p[1]);
    const T* b = reinterpret_cast<const T*>(p[2]);
    if (s[0] == so) {
      if (s[1] == st && s[2] == st) {
        for (int64_t i = 0; i < n; ++i) o[i] = apply(a[i], b[i]);
        return;
      }
      if (s[1] == st && s[2] == 0) {
        const T y = *b;
        for (int64_t i = 0; i < n; ++i) o[i] = apply(a[i], y);
        return;
      }
      if (s[1] == 0 && s[2] == st) {
        const T x = *a;
        for (int64_t i = 0; i < n; ++i) o[i] = apply(x, b[i]);
        return;
      }
    }
    for (int64_t i = 0; i < n; ++i) {
      store<Out>(p[0] + i * s[0]) = apply(load<T>(p[1] + i * s[1]), load<T>(p[2] + i * s[2]));
    }
  }
};

// The widest unsigned word that divides an element of T: where() selects elements word by
// word through a mask.
template <typename T>
using SelectWord = std::conditional_t<
    sizeof(T) % 8 == 0, uint64_t,
    std::conditional_t<sizeof(T) % 4 == 0, uint32_t,
                       std::conditional_t<sizeof(T) % 2 == 0, uint16_t, uint8_t>>>;

// cond ? x : y without a branch: the condition byte becomes an all-ones or all-zeros mask
// over the word's bits. A branch mispredicts on every other element of an unordered mask,
// and the compiler keeps it (it may not load the operand that is not chosen), which made
// where() 5-9x slower than this, which vectorizes.
template <typename W>
inline W select_word(uint8_t cond, W x, W y) {
  const W mask = W(0) - W(cond != 0);
  return W((x & mask) | (y & W(~mask)));
}

// *o = cond ? *a : *b, word by word.
template <typename T>
inline void select_element(char* o, const char* cond, const char* a, const char* b) {
  using W = SelectWord<T>;
  const auto c = *reinterpret_cast<const uint8_t*>(cond);
  for (std::size_t k = 0; k < sizeof(T) / sizeof(W); ++k) {
    W x, y;
    std::memcpy(&x, a + k * sizeof(W), sizeof(W));
    std::memcpy(&y, b + k * sizeof(W), sizeof(W));
    const W r = select_word(c, x, y);
    std::memcpy(o + k * sizeof(W), &r, sizeof(W));
  }
}

// masked_fill_'s row: out = cond ? value : out, as a select rather than a conditional
// store, so that it vectorizes (see select_element). cond may be out itself (a bool tensor
// filled where it is true): each element reads its condition before it is written.
template <typename T>
struct MaskedFillRow {
  T value;
  void operator()(const std::array<char*, 2>& p, const std::array<int64_t, 2>& s,
                  int64_t n) const {
    const auto* v = reinterpret_cast<const char*>(&value);
    if constexpr (sizeof(SelectWord<T>) == sizeof(T)) {
      if (s[0] == int64_t(sizeof(T)) && s[1] == 1) {
        using W = SelectWord<T>;
        W fill;
        std::memcpy(&fill, v, sizeof(W));
        const auto* c = reinterpret_cast<const uint8_t*>(p[1]);
        for (int64_t i = 0; i < n; ++i) {
          W x;
          std::memcpy(&x, p[0] + i * int64_t(sizeof(W)), sizeof(W));
          const W r = select_word(c[i], fill, x);
          std::memcpy(p[0] + i * int64_t(sizeof(W)), &r, sizeof(W));
        }
        return;
      }
    }
    for (int64_t i = 0; i < n; ++i) {
      select_element<T>(p[0] + i * s[0], p[1] + i * s[1], v, p[0] + i * s[0]);
    }
  }
};

// out = cond ? a : b over one row; a or b may be a broadcast scalar (stride 0), and cond
// may be constant along the row (stride 0).
template <typename T>
struct WhereRow {
  void operator()(const std::array<char*, 4>& p, const std::array<int64_t, 4>& s,
                  int64_t n) const {
    constexpr auto st = int64_t(sizeof(T));
    const bool dense_out = s[0] == st && (s[2] == st || s[2] == 0) && (s[3] == st || s[3] == 0);
    if constexpr (sizeof(SelectWord<T>) == sizeof(T)) {
      if (dense_out && s[1] == 1) {
        const auto* c = reinterpret_cast<const uint8_t*>(p[1]);
        if (s[2] == st && s[3] == st) return select_words<1, 1>(p, c, n);
        if (s[2] == st) return select_words<1, 0>(p, c, n);
        if (s[3] == st) return select_words<0, 1>(p, c, n);
      }
    }
    if (dense_out && s[1] == 0) {  // one condition for the row: copy the chosen side
      const bool take_a = *reinterpret_cast<const uint8_t*>(p[1]) != 0;
      const char* src = take_a ? p[2] : p[3];
      const int64_t step = take_a ? s[2] : s[3];
      for (int64_t i = 0; i < n; ++i) std::memcpy(p[0] + i * st, src + i * step, sizeof(T));
      return;
    }
    for (int64_t i = 0; i < n; ++i) {
      select_element<T>(p[0] + i * s[0], p[1] + i * s[1], p[2] + i * s[2], p[3] + i * s[3]);
    }
  }

 private:
  // The vectorizing loop over contiguous output and condition, one word per element; a and
  // b advance by kStepA / kStepB elements (0: a broadcast scalar). Words move by memcpy,
  // which compiles to plain loads and stores and keeps the element types' aliasing rules.
  template <int kStepA, int kStepB>
  static void select_words(const std::array<char*, 4>& p, const uint8_t* c, int64_t n) {
    using W = SelectWord<T>;
    constexpr auto w = int64_t(sizeof(W));
    // where() writes a new tensor: the output overlaps no input, which the compiler must be
    // told to vectorize without run-time overlap checks.
    char* __restrict o = p[0];
    const char* a = p[2];
    const char* b = p[3];
    for (int64_t i = 0; i < n; ++i) {
      W x, y;
      std::memcpy(&x, a + i * kStepA * w, sizeof(W));
      std::memcpy(&y, b + i * kStepB * w, sizeof(W));
      const W r = select_word(c[i], x, y);
      std::memcpy(o + i * w, &r, sizeof(W));
    }
  }
};

}  // namespace tensorbridge::kernels::cpu
