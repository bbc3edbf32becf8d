#pragma once
// Complex numbers for code that runs on the host and in CUDA kernels (TB_HOST_DEVICE):
// std::complex is host code to nvcc, and the CPU ops' complex results are those of
// libstdc++ on glibc, which thrust::complex and cuda::std::complex do not reproduce for
// special values. Complex<R> has std::complex<R>'s layout (real, imaginary), aligned to its
// size so that a kernel moves it with one load.
//
// Semantics are the CPU ops' (C99/C11 Annex G, as glibc and libgcc implement it):
//   * mul recovers infinities that the textbook formula turns into NaN + NaN i (libgcc's
//     __mulsc3); div scales like libgcc's __divdc3 (float: the textbook formula in double,
//     as __divsc3), with the same recovery of infinities and zeros;
//   * exp, log, sqrt, sin, cos, tanh, abs (hypot) and pow (exp(b log a), as glibc's cpow)
//     give Annex G's special values for infinite, NaN and signed-zero parts, and avoid
//     intermediate overflow for huge finite parts and loss of accuracy near |z| = 1 (log);
//   * reciprocal, sigmoid and rsqrt divide as NumPy and PyTorch do (numpy_divide, at the end:
//     1 / 0 = inf + NaN i), not as Annex G; the end of this header holds the complex API the
//     CPU kernels share (sigmoid, tan, rsqrt, log1p, expm1, conj, angle, sgn).
// tests/ops/test_complex_math.cpp checks all of them against the CPU ops on a grid of edge
// values; where the CPU's vectorized Eigen kernels deviate from libstdc++ (sqrt with a NaN or
// subnormal part, log of subnormals), these functions follow libstdc++, and the test names
// each such case.
#include <cfloat>
#include <cmath>
#include <cstdint>
#include <type_traits>

#include "tensorbridge/core/macros.hpp"

namespace tensorbridge::kernels {

template <typename R>
struct alignas(2 * sizeof(R)) Complex {
  R re;
  R im;

  Complex() = default;  // trivial: __shared__ arrays of it need no constructor
  TB_HOST_DEVICE constexpr Complex(R r) : re(r), im(R(0)) {}  // NOLINT: like std::complex
  TB_HOST_DEVICE constexpr Complex(R r, R i) : re(r), im(i) {}
  template <typename S, std::enable_if_t<!std::is_same_v<S, R>, int> = 0>
  TB_HOST_DEVICE constexpr explicit Complex(Complex<S> o)
      : re(static_cast<R>(o.re)), im(static_cast<R>(o.im)) {}
};

template <typename T>
inline constexpr bool is_complex_struct_v = false;
template <typename R>
inline constexpr bool is_complex_struct_v<Complex<R>> = true;

namespace complex_detail {

// Classification without std::isnan and friends, whose host-only overloads nvcc may pick.
template <typename R>
TB_HOST_DEVICE constexpr bool nan(R v) { return v != v; }
template <typename R>
TB_HOST_DEVICE constexpr bool inf(R v) { return v - v != v - v && v == v; }
template <typename R>
TB_HOST_DEVICE constexpr bool finite(R v) { return v - v == R(0); }
// Limits as literals: std::numeric_limits is host code to nvcc.
template <typename R>
TB_HOST_DEVICE constexpr R infinity() { return static_cast<R>(HUGE_VAL); }
template <typename R>
inline constexpr R kMax = sizeof(R) == 4 ? R(FLT_MAX) : R(DBL_MAX);
template <typename R>
inline constexpr R kMinNormal = sizeof(R) == 4 ? R(FLT_MIN) : R(DBL_MIN);
// Above log(kMax), exp overflows: such exponentials are taken in two halves.
template <typename R>
inline constexpr R kLogMax = sizeof(R) == 4 ? R(88.72) : R(709.78);
// 2^(mantissa bits + 1): multiplies subnormal parts into the normal range.
template <typename R>
inline constexpr R kUpscale = sizeof(R) == 4 ? R(16777216.0) : R(9007199254740992.0);
template <typename R>
TB_HOST_DEVICE R copysign(R mag, R sign) { return std::copysign(mag, sign); }
// 1 (infinite v) or 0 (other), with v's sign: Annex G's "box" of an infinite operand.
template <typename R>
TB_HOST_DEVICE R box(R v) { return copysign(inf(v) ? R(1) : R(0), v); }
template <typename R>
TB_HOST_DEVICE R zero_if_nan(R v) { return nan(v) ? copysign(R(0), v) : v; }

// Products, sums and differences rounded one by one, as on the CPU: nvcc fuses a * b + c into
// one fma, which rounds once and overflows otherwise (an infinite a * b minus an infinite c
// is NaN on the CPU, but may be finite fused). Only the exactly specified arithmetic (mul,
// div) uses these; the functions' last bits are the device's anyway.
TB_HOST_DEVICE inline float mul_rn(float a, float b) {
#if defined(__CUDA_ARCH__)
  return __fmul_rn(a, b);
#else
  return a * b;
#endif
}
TB_HOST_DEVICE inline double mul_rn(double a, double b) {
#if defined(__CUDA_ARCH__)
  return __dmul_rn(a, b);
#else
  return a * b;
#endif
}
TB_HOST_DEVICE inline float add_rn(float a, float b) {
#if defined(__CUDA_ARCH__)
  return __fadd_rn(a, b);
#else
  return a + b;
#endif
}
TB_HOST_DEVICE inline double add_rn(double a, double b) {
#if defined(__CUDA_ARCH__)
  return __dadd_rn(a, b);
#else
  return a + b;
#endif
}
template <typename R>
TB_HOST_DEVICE R sub_rn(R a, R b) {
  return add_rn(a, -b);
}

}  // namespace complex_detail

template <typename R>
TB_HOST_DEVICE constexpr Complex<R> operator+(Complex<R> a, Complex<R> b) {
  return {a.re + b.re, a.im + b.im};
}
template <typename R>
TB_HOST_DEVICE constexpr Complex<R> operator-(Complex<R> a, Complex<R> b) {
  return {a.re - b.re, a.im - b.im};
}
template <typename R>
TB_HOST_DEVICE constexpr Complex<R> operator-(Complex<R> a) {
  return {-a.re, -a.im};
}
template <typename R>
TB_HOST_DEVICE constexpr bool operator==(Complex<R> a, Complex<R> b) {
  return a.re == b.re && a.im == b.im;
}
template <typename R>
TB_HOST_DEVICE constexpr bool operator!=(Complex<R> a, Complex<R> b) {
  return !(a == b);
}

template <typename R>
TB_HOST_DEVICE Complex<R> operator*(Complex<R> x, Complex<R> y) {
  namespace cd = complex_detail;
  R a = x.re, b = x.im, c = y.re, d = y.im;
  const R ac = cd::mul_rn(a, c), bd = cd::mul_rn(b, d), ad = cd::mul_rn(a, d),
          bc = cd::mul_rn(b, c);
  const R re = cd::sub_rn(ac, bd), im = cd::add_rn(ad, bc);
  if (!(cd::nan(re) && cd::nan(im))) return {re, im};
  // Both parts NaN: an infinite operand (or product) makes the result infinite.
  bool recalc = false;
  if (cd::inf(a) || cd::inf(b)) {
    a = cd::box(a);
    b = cd::box(b);
    c = cd::zero_if_nan(c);
    d = cd::zero_if_nan(d);
    recalc = true;
  }
  if (cd::inf(c) || cd::inf(d)) {
    c = cd::box(c);
    d = cd::box(d);
    a = cd::zero_if_nan(a);
    b = cd::zero_if_nan(b);
    recalc = true;
  }
  if (!recalc && (cd::inf(ac) || cd::inf(bd) || cd::inf(ad) || cd::inf(bc))) {
    a = cd::zero_if_nan(a);
    b = cd::zero_if_nan(b);
    c = cd::zero_if_nan(c);
    d = cd::zero_if_nan(d);
    recalc = true;
  }
  if (!recalc) return {re, im};
  const R huge = cd::infinity<R>();
  return {huge * cd::sub_rn(cd::mul_rn(a, c), cd::mul_rn(b, d)),
          huge * cd::add_rn(cd::mul_rn(a, d), cd::mul_rn(b, c))};
}

namespace complex_detail {

// A quotient before the recovery of infinities and zeros, and the operands as the division
// scaled them (the recovery looks at those, as libgcc's does).
template <typename R>
struct Division {
  Complex<R> q;
  R a, b, c, d;
};

// float: the textbook formula in double cannot overflow or lose precision (libgcc's __divsc3).
TB_HOST_DEVICE inline Division<float> divide(Complex<float> x, Complex<float> y) {
  const double a = x.re, b = x.im, c = y.re, d = y.im;
  const double denom = add_rn(mul_rn(c, c), mul_rn(d, d));
  const double re = add_rn(mul_rn(a, c), mul_rn(b, d)) / denom;
  const double im = sub_rn(mul_rn(b, c), mul_rn(a, d)) / denom;
  return {{static_cast<float>(re), static_cast<float>(im)}, x.re, x.im, y.re, y.im};
}

// double: Smith's algorithm, scaled against overflow near the largest double and underflow of
// tiny operands and of the ratio (libgcc's __divdc3 since GCC 12).
TB_HOST_DEVICE inline Division<double> divide(Complex<double> x, Complex<double> y) {
  constexpr double kMin = DBL_MIN;
  constexpr double kEps = DBL_EPSILON;
  constexpr double kBig = DBL_MAX / 2;
  constexpr double kMax2 = kBig * kEps;
  constexpr double kScale = 1 / kEps;
  // Divide by the larger part of y: (a + ib) / (c + id) = (b - ia) / (d - ic).
  const bool swap = std::fabs(y.re) < std::fabs(y.im);
  double a = swap ? x.im : x.re, b = swap ? -x.re : x.im;
  double c = swap ? y.im : y.re, d = swap ? -y.re : y.im;
  if (std::fabs(c) >= kBig) {
    a /= 2;
    b /= 2;
    c /= 2;
    d /= 2;
  }
  const bool tiny_denominator = std::fabs(c) < kEps;
  const bool tiny_numerator = ((std::fabs(a) < kMin && std::fabs(b) < kMax2) ||
                               (std::fabs(b) < kMin && std::fabs(a) < kMax2)) &&
                              std::fabs(c) < kMax2;
  if (tiny_denominator || tiny_numerator) {
    a *= kScale;
    b *= kScale;
    c *= kScale;
    d *= kScale;
  }
  const double ratio = d / c;
  const double denom = add_rn(mul_rn(d, ratio), c);
  Complex<double> q;
  if (std::fabs(ratio) > kMin) {
    q = {add_rn(mul_rn(b, ratio), a) / denom, sub_rn(b, mul_rn(a, ratio)) / denom};
  } else {
    q = {add_rn(mul_rn(d, b / c), a) / denom, sub_rn(b, mul_rn(d, a / c)) / denom};
  }
  if (swap) return {q, -b, a, -d, c};
  return {q, a, b, c, d};
}

}  // namespace complex_detail

template <typename R>
TB_HOST_DEVICE Complex<R> operator/(Complex<R> x, Complex<R> y) {
  namespace cd = complex_detail;
  const cd::Division<R> r = cd::divide(x, y);
  if (!(cd::nan(r.q.re) && cd::nan(r.q.im))) return r.q;
  R a = r.a, b = r.b, c = r.c, d = r.d;
  const R huge = cd::infinity<R>();
  if (c == R(0) && d == R(0) && (!cd::nan(a) || !cd::nan(b))) {
    return {cd::copysign(huge, c) * a, cd::copysign(huge, c) * b};
  }
  if ((cd::inf(a) || cd::inf(b)) && cd::finite(c) && cd::finite(d)) {
    a = cd::box(a);
    b = cd::box(b);
    return {huge * cd::add_rn(cd::mul_rn(a, c), cd::mul_rn(b, d)),
            huge * cd::sub_rn(cd::mul_rn(b, c), cd::mul_rn(a, d))};
  }
  if ((cd::inf(c) || cd::inf(d)) && cd::finite(a) && cd::finite(b)) {
    c = cd::box(c);
    d = cd::box(d);
    return {R(0) * cd::add_rn(cd::mul_rn(a, c), cd::mul_rn(b, d)),
            R(0) * cd::sub_rn(cd::mul_rn(b, c), cd::mul_rn(a, d))};
  }
  return r.q;
}

// ---- functions ---------------------------------------------------------------------------

template <typename R>
TB_HOST_DEVICE R abs(Complex<R> z) {
  return std::hypot(z.re, z.im);
}

template <typename R>
TB_HOST_DEVICE Complex<R> exp(Complex<R> z) {
  namespace cd = complex_detail;
  const R x = z.re, y = z.im;
  if (y == R(0)) return {std::exp(x), y};  // exact, also for infinite and NaN x
  if (cd::inf(x) && !cd::finite(y)) {
    if (x < R(0)) return {R(0), cd::copysign(R(0), y)};
    return {x, y - y};  // +inf + i NaN
  }
  if (x > cd::kLogMax<R>) {  // exp(x) overflows where exp(x) cos(y) may not
    const R h = std::exp(x / 2);
    return {std::cos(y) * h * h, std::sin(y) * h * h};
  }
  const R e = std::exp(x);
  return {e * std::cos(y), e * std::sin(y)};
}

namespace complex_detail {
// glibc's clog, which its cpow uses: log|z| without overflow for huge parts, without the
// loss of subnormal digits, and with full accuracy near |z| = 1.
template <typename R>
TB_HOST_DEVICE Complex<R> accurate_log(Complex<R> z) {
  R x = std::fabs(z.re), y = std::fabs(z.im);
  const R big = x > y ? x : y, small = x > y ? y : x;
  R re;
  if (big >= R(0.5) && big <= R(2) && small <= R(1)) {
    // Near |z| = 1, log|z| = log1p(|z|^2 - 1) / 2 keeps the digits that log(hypot) loses.
    re = std::log1p((big - R(1)) * (big + R(1)) + small * small) / 2;
  } else if (big > kMax<R> / 2 && finite(big)) {  // |z| may overflow, log|z| not
    re = std::log(std::hypot(x / 2, y / 2)) + R(0.693147180559945309417);
  } else if (big < kMinNormal<R> && big > R(0)) {  // subnormal parts lose digits
    x *= kUpscale<R>;
    y *= kUpscale<R>;
    re = std::log(std::hypot(x, y)) - std::log(kUpscale<R>);
  } else {
    re = std::log(std::hypot(x, y));
  }
  return {re, std::atan2(z.im, z.re)};
}

}  // namespace complex_detail

// log|z| + i arg z, with |z| rounded first (Eigen's complex log, which the CPU op runs).
template <typename R>
TB_HOST_DEVICE Complex<R> log(Complex<R> z) {
  return {std::log(std::hypot(z.re, z.im)), std::atan2(z.im, z.re)};
}

template <typename R>
TB_HOST_DEVICE Complex<R> sqrt(Complex<R> z) {
  namespace cd = complex_detail;
  const R x = z.re, y = z.im;
  if (cd::inf(y)) return {cd::infinity<R>(), y};
  if (cd::nan(x)) return {x, x - y + x};  // NaN + NaN i
  if (cd::inf(x)) {
    if (x > R(0)) return {x, cd::nan(y) ? y : cd::copysign(R(0), y)};
    return {cd::nan(y) ? y : R(0), cd::copysign(cd::infinity<R>(), y)};
  }
  if (cd::nan(y)) return {y, y};
  if (x == R(0) && y == R(0)) return {R(0), y};
  // t = sqrt((|x| + |z|) / 2), scaled so that neither the sum overflows nor subnormal parts
  // lose their digits (the scale factors are even powers of two: their roots are exact).
  R ax = std::fabs(x), ay = std::fabs(y), unscale = R(1);
  if (ax > cd::kMax<R> / 4 || ay > cd::kMax<R> / 4) {
    ax /= 4;
    ay /= 4;
    unscale = 2;
  } else if (ax < cd::kMinNormal<R> * 4 && ay < cd::kMinNormal<R> * 4) {
    ax *= cd::kUpscale<R> * cd::kUpscale<R>;
    ay *= cd::kUpscale<R> * cd::kUpscale<R>;
    unscale = R(1) / cd::kUpscale<R>;
  }
  const R t = std::sqrt((ax + std::hypot(ax, ay)) / 2);
  const R u = t * unscale;
  const R v = (ay / (2 * t)) * unscale;
  if (x >= R(0)) return {u, cd::copysign(v, y)};
  return {v, cd::copysign(u, y)};
}

// sinh(x + iy) = sinh x cos y + i cosh x sin y, with Annex G's special values.
template <typename R>
TB_HOST_DEVICE Complex<R> sinh(Complex<R> z) {
  namespace cd = complex_detail;
  const R x = z.re, y = z.im;
  if (cd::finite(x) && cd::finite(y)) {
    if (y == R(0)) return {std::sinh(x), y};
    if (std::fabs(x) > cd::kLogMax<R>) {  // sinh x and cosh x overflow before the products
      const R h = std::exp(std::fabs(x) / 2);
      return {cd::copysign(R(1), x) * (std::cos(y) * (h / 2)) * h, std::sin(y) * (h / 2) * h};
    }
    return {std::sinh(x) * std::cos(y), std::cosh(x) * std::sin(y)};
  }
  if (x == R(0)) return {x, y - y};  // +-0 + i NaN
  if (y == R(0)) return {x, y};      // +-inf + i0, NaN + i0
  if (cd::inf(x) && cd::finite(y)) return {x * std::cos(y), cd::infinity<R>() * std::sin(y)};
  if (cd::inf(x)) return {x, y - y};  // +-inf + i NaN
  return {(x - x) * (y - y), (x - x) * (y - y)};  // NaN + i NaN
}

// cosh(x + iy) = cosh x cos y + i sinh x sin y.
template <typename R>
TB_HOST_DEVICE Complex<R> cosh(Complex<R> z) {
  namespace cd = complex_detail;
  const R x = z.re, y = z.im;
  if (cd::finite(x) && cd::finite(y)) {
    if (y == R(0)) return {std::cosh(x), cd::copysign(R(0), x) * y};
    if (std::fabs(x) > cd::kLogMax<R>) {
      const R h = std::exp(std::fabs(x) / 2);
      return {std::cos(y) * (h / 2) * h, cd::copysign(R(1), x) * (std::sin(y) * (h / 2)) * h};
    }
    return {std::cosh(x) * std::cos(y), std::sinh(x) * std::sin(y)};
  }
  if (x == R(0)) return {y - y, R(0)};  // NaN + i0
  if (y == R(0)) return {x * x, cd::nan(x) ? y : cd::copysign(R(0), x) * y};
  if (cd::inf(x) && cd::finite(y)) return {cd::infinity<R>() * std::cos(y), x * std::sin(y)};
  if (cd::inf(x)) return {x * x, y - y};  // +inf + i NaN
  return {(x - x) * (y - y), (x - x) * (y - y)};
}

// tanh(x + iy) by Kahan's formula: with t = tan y, s = sinh x, rho = sqrt(1 + s^2),
// tanh = (rho s (1 + t^2) + i t) / (1 + (1 + t^2) s^2); for large |x| the real part is
// +-1 and the imaginary part 4 sin y cos y e^(-2|x|).
template <typename R>
TB_HOST_DEVICE Complex<R> tanh(Complex<R> z) {
  namespace cd = complex_detail;
  const R x = z.re, y = z.im;
  if (!cd::finite(x)) {
    if (cd::nan(x)) return {x, y == R(0) ? y : x};
    const R s = cd::finite(y) ? std::sin(y) * std::cos(y) : y;
    return {cd::copysign(R(1), x), cd::copysign(R(0), s)};
  }
  if (!cd::finite(y)) return {x == R(0) ? x : y - y, y - y};
  constexpr R kLarge = sizeof(R) == 4 ? R(9) : R(22);
  if (std::fabs(x) >= kLarge) {
    const R e = std::exp(-2 * std::fabs(x));
    return {cd::copysign(R(1), x), 4 * std::sin(y) * std::cos(y) * e};
  }
  const R t = std::tan(y);
  const R beta = 1 + t * t;
  const R s = std::sinh(x);
  const R rho = std::sqrt(1 + s * s);
  const R denom = 1 + beta * s * s;
  return {beta * rho * s / denom, t / denom};
}

// sin z = -i sinh(iz), cos z = cosh(iz).
template <typename R>
TB_HOST_DEVICE Complex<R> sin(Complex<R> z) {
  namespace cd = complex_detail;
  if (!cd::finite(z.re) && cd::inf(z.im)) return {z.re - z.re, cd::infinity<R>()};  // glibc's sign
  const Complex<R> w = sinh(Complex<R>{-z.im, z.re});
  return {w.im, -w.re};
}
template <typename R>
TB_HOST_DEVICE Complex<R> cos(Complex<R> z) {
  return cosh(Complex<R>{-z.im, z.re});
}

// a^b = exp(b log a), glibc's cpow.
template <typename R>
TB_HOST_DEVICE Complex<R> pow(Complex<R> a, Complex<R> b) {
  return exp(b * complex_detail::accurate_log(a));
}

// ---- PyTorch's complex API ----------------------------------------------------------------
// The complex forms of reciprocal, sigmoid, tan, rsqrt, log1p and expm1 and the functions of
// the complex API (conj, angle, sgn), with PyTorch's results. The CPU kernels run these
// same functions (kernels/cpu/complex_math.hpp converts std::complex at the call), so the
// two devices share one definition.

// a / b as NumPy and PyTorch divide complex numbers (Smith's scaling, so finite operands do
// not overflow in between): a zero divisor divides each part by zero (1 / 0 = inf + NaN i),
// and an infinite divisor gives NaN where Annex G's division (operator/ above) would give 0.
// Users comparing with either library see the same values.
// Rounded step by step (mul_rn, add_rn), so that the device gives the CPU's bits.
template <typename R>
TB_HOST_DEVICE Complex<R> numpy_divide(Complex<R> a, Complex<R> b) {
  namespace cd = complex_detail;
  const R abs_br = std::fabs(b.re), abs_bi = std::fabs(b.im);
  if (abs_br >= abs_bi) {
    if (abs_br == R(0) && abs_bi == R(0)) return {a.re / abs_br, a.im / abs_bi};
    const R ratio = b.im / b.re;
    const R scale = R(1) / cd::add_rn(b.re, cd::mul_rn(b.im, ratio));
    return {cd::mul_rn(cd::add_rn(a.re, cd::mul_rn(a.im, ratio)), scale),
            cd::mul_rn(cd::sub_rn(a.im, cd::mul_rn(a.re, ratio)), scale)};
  }
  const R ratio = b.re / b.im;
  const R scale = R(1) / cd::add_rn(b.im, cd::mul_rn(b.re, ratio));
  return {cd::mul_rn(cd::add_rn(cd::mul_rn(a.re, ratio), a.im), scale),
          cd::mul_rn(cd::sub_rn(cd::mul_rn(a.im, ratio), a.re), scale)};
}

// 1 / z with NumPy's and PyTorch's division (1 / 0 = inf + NaN i).
template <typename R>
TB_HOST_DEVICE Complex<R> reciprocal(Complex<R> z) {
  return numpy_divide(Complex<R>(R(1)), z);
}

// 1 / (1 + exp(-z)), the expression PyTorch evaluates, with its division (NaN, not 0, where
// exp(-z) is infinite with a nonzero imaginary part; inf/NaN at the poles z = i pi (2k + 1)).
template <typename R>
TB_HOST_DEVICE Complex<R> sigmoid(Complex<R> z) {
  return numpy_divide(Complex<R>(R(1)), Complex<R>(R(1)) + exp(-z));
}

// tan z = -i tanh(iz), as libstdc++ defines it; Annex G's special values follow from tanh's.
template <typename R>
TB_HOST_DEVICE Complex<R> tan(Complex<R> z) {
  const Complex<R> w = tanh(Complex<R>{-z.im, z.re});
  return {w.im, -w.re};
}

// 1 / sqrt(z): the reciprocal of the principal square root, with PyTorch's division
// (rsqrt(0) = inf + NaN i).
template <typename R>
TB_HOST_DEVICE Complex<R> rsqrt(Complex<R> z) {
  return numpy_divide(Complex<R>(R(1)), sqrt(z));
}

// log(1 + z) = log|1 + z| + i arg(1 + z). For |z| < 1/2, |1 + z|^2 - 1 = x (x + 2) + y^2 is
// computed without forming 1 + x, and log|1 + z| = log1p(that) / 2 keeps the digits of a
// small z; farther out hypot avoids overflow.
template <typename R>
TB_HOST_DEVICE Complex<R> log1p(Complex<R> z) {
  const R x = z.re, y = z.im;
  const R arg = std::atan2(y, x + R(1));
  if (abs(z) < R(0.5)) {
    const R t = x * (x + R(2)) + y * y;
    if (t == R(0)) return {x, arg};  // |z| so small that t underflowed: log1p(z) ~ z
    return {R(0.5) * std::log1p(t), arg};
  }
  return {std::log(std::hypot(x + R(1), y)), arg};
}

// exp(z) - 1 = (e^x cos y - 1) + i e^x sin y, with the real part rewritten as
// expm1(x) cos y - 2 sin^2(y / 2) so that neither term cancels for small x and y.
template <typename R>
TB_HOST_DEVICE Complex<R> expm1(Complex<R> z) {
  const R x = z.re, y = z.im;
  const R half_sin = std::sin(y / R(2));
  return {std::expm1(x) * std::cos(y) - R(2) * half_sin * half_sin, std::exp(x) * std::sin(y)};
}

// The complex conjugate; a real number is its own.
template <typename T>
TB_HOST_DEVICE T conj(T a) {
  if constexpr (is_complex_struct_v<T>) return {a.re, -a.im};
  else return a;
}

// The argument of a complex number, atan2(imag, real) in [-pi, pi]. For a real (float or
// double) PyTorch's rule: pi for negative numbers, 0 otherwise (-0.0 included, unlike
// NumPy's atan2-based angle), NaN for NaN.
template <typename T>
TB_HOST_DEVICE auto angle(T a) {
  if constexpr (is_complex_struct_v<T>) {
    return std::atan2(a.im, a.re);
  } else {
    if (a != a) return a;
    return a < T(0) ? T(3.14159265358979323846) : T(0);
  }
}

// sgn of a complex number: z / |z|, 0 at 0. Each part is divided by the real |z|, as
// PyTorch's scalar path does: sgn(inf + 0i) is NaN + 0i.
template <typename R>
TB_HOST_DEVICE Complex<R> sgn(Complex<R> z) {
  const R r = abs(z);
  if (r == R(0)) return Complex<R>(R(0));
  return {z.re / r, z.im / r};
}

}  // namespace tensorbridge::kernels
