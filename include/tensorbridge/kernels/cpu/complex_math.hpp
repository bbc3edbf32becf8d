#pragma once
// Per-element complex math for the CPU kernels, with PyTorch's results: the complex forms of
// sigmoid, tan, log1p, expm1 and rsqrt, and the functors of the complex API (conj, angle,
// sgn). Each takes and returns the op math type (std::complex<float|double>, or a real type
// where the op is defined on reals too).
//
// log1p and expm1 are the reason these are not one-line std:: calls: log(1 + z) and
// exp(z) - 1 lose every digit for small |z|, which is what the ops exist for.
#include <cmath>
#include <complex>
#include <limits>
#include <type_traits>

#include "tensorbridge/kernels/cpu/scalar_math.hpp"

namespace tensorbridge::kernels::cpu {

// a / b as NumPy and PyTorch divide complex numbers (Smith's scaling, so finite operands do
// not overflow in between): a zero divisor divides each part by zero (1 / 0 = inf + NaN i),
// and an infinite divisor gives NaN where C's Annex G division (std::complex's operator/)
// would give 0. Users comparing with either library see the same values.
template <typename C>
C numpy_divide(const C& a, const C& b) {
  using R = typename C::value_type;
  const R br = b.real(), bi = b.imag();
  const R abs_br = std::abs(br), abs_bi = std::abs(bi);
  if (abs_br >= abs_bi) {
    if (abs_br == R(0) && abs_bi == R(0)) return C(a.real() / abs_br, a.imag() / abs_bi);
    const R ratio = bi / br;
    const R scale = R(1) / (br + bi * ratio);
    return C((a.real() + a.imag() * ratio) * scale, (a.imag() - a.real() * ratio) * scale);
  }
  const R ratio = br / bi;
  const R scale = R(1) / (bi + br * ratio);
  return C((a.real() * ratio + a.imag()) * scale, (a.imag() * ratio - a.real()) * scale);
}

// 1 / (1 + exp(-z)), the expression PyTorch evaluates, with its division (NaN, not 0, where
// exp(-z) is infinite with a nonzero imaginary part; inf/NaN at the poles z = i pi (2k + 1)).
struct ComplexSigmoidFn {
  template <typename C>
  C operator()(const C& z) const {
    using R = typename C::value_type;
    return numpy_divide(C(R(1)), C(R(1)) + std::exp(-z));
  }
};

// 1 / z with NumPy's and PyTorch's division (1 / 0 = inf + NaN i).
struct ComplexReciprocalFn {
  template <typename C>
  C operator()(const C& z) const {
    using R = typename C::value_type;
    return numpy_divide(C(R(1)), z);
  }
};

struct ComplexTanFn {
  template <typename C>
  C operator()(const C& z) const { return std::tan(z); }
};

// 1 / sqrt(z): the reciprocal of the principal square root, with PyTorch's division
// (rsqrt(0) = inf + NaN i).
struct ComplexRsqrtFn {
  template <typename C>
  C operator()(const C& z) const {
    using R = typename C::value_type;
    return numpy_divide(C(R(1)), std::sqrt(z));
  }
};

// log(1 + z) = log|1 + z| + i arg(1 + z). For |z| < 1/2, |1 + z|^2 - 1 = x (x + 2) + y^2 is
// computed without forming 1 + x, and log|1 + z| = log1p(that) / 2 keeps the digits of a
// small z; farther out hypot avoids overflow.
struct ComplexLog1pFn {
  template <typename C>
  C operator()(const C& z) const {
    using R = typename C::value_type;
    const R x = z.real();
    const R y = z.imag();
    const R arg = std::atan2(y, x + R(1));
    if (std::abs(z) < R(0.5)) {
      const R t = x * (x + R(2)) + y * y;
      if (t == R(0)) return C(x, arg);  // |z| so small that t underflowed: log1p(z) ~ z
      return C(R(0.5) * std::log1p(t), arg);
    }
    return C(std::log(std::hypot(x + R(1), y)), arg);
  }
};

// exp(z) - 1 = (e^x cos y - 1) + i e^x sin y, with the real part rewritten as
// expm1(x) cos y - 2 sin^2(y / 2) so that neither term cancels for small x and y.
struct ComplexExpm1Fn {
  template <typename C>
  C operator()(const C& z) const {
    using R = typename C::value_type;
    const R x = z.real();
    const R y = z.imag();
    const R half_sin = std::sin(y / R(2));
    const R re = std::expm1(x) * std::cos(y) - R(2) * half_sin * half_sin;
    return C(re, std::exp(x) * std::sin(y));
  }
};

// The complex conjugate; other types unchanged (conj of a real tensor is itself).
struct ConjFn {
  template <typename C>
  C operator()(const C& a) const {
    if constexpr (is_complex_v<C>) return std::conj(a);
    else return a;
  }
};

// The argument of a complex number, atan2(imag, real) in [-pi, pi]. For reals (float or
// double) PyTorch's rule: pi for negative numbers, 0 otherwise (-0.0 included, unlike
// NumPy's atan2-based angle), NaN for NaN.
struct AngleFn {
  template <typename C>
  auto operator()(const C& a) const {
    if constexpr (is_complex_v<C>) {
      return std::arg(a);
    } else {
      if (a != a) return a;
      return a < C(0) ? C(3.14159265358979323846) : C(0);
    }
  }
};

// sgn of a complex number: z / |z|, 0 at 0 (reals use sign). Each component is divided by
// the real |z|, as PyTorch's scalar path does: sgn(inf + 0i) is NaN + 0i.
struct SgnFn {
  template <typename C>
  C operator()(const C& z) const {
    using R = typename C::value_type;
    const R r = std::abs(z);
    if (r == R(0)) return C(0);
    return C(z.real() / r, z.imag() / r);
  }
};

}  // namespace tensorbridge::kernels::cpu
