#pragma once
// Row kernels for elementwise ops: the innermost loops that elementwise_loop calls. Each
// has the variants the compiler can vectorize (all operands contiguous; one operand a
// broadcast scalar, stride 0) and a strided fallback. Values are computed in op math
// (float for float16/bfloat16) and converted once on store.
#include <array>
#include <cstdint>

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

// out = cond ? a : b.
template <typename T>
struct WhereRow {
  void operator()(const std::array<char*, 4>& p, const std::array<int64_t, 4>& s,
                  int64_t n) const {
    constexpr auto st = int64_t(sizeof(T));
    if (s[0] == st && s[1] == 1 && s[2] == st && s[3] == st) {
      T* o = reinterpret_cast<T*>(p[0]);
      const bool* c = reinterpret_cast<const bool*>(p[1]);
      const T* a = reinterpret_cast<const T*>(p[2]);
      const T* b = reinterpret_cast<const T*>(p[3]);
      for (int64_t i = 0; i < n; ++i) o[i] = c[i] ? a[i] : b[i];
      return;
    }
    for (int64_t i = 0; i < n; ++i) {
      store<T>(p[0] + i * s[0]) =
          load<bool>(p[1] + i * s[1]) ? load<T>(p[2] + i * s[2]) : load<T>(p[3] + i * s[3]);
    }
  }
};

}  // namespace tensorbridge::kernels::cpu
