// kernels/complex_math.hpp, the complex arithmetic and functions the CUDA kernels run, checked
// on the host (the only check they get on a machine without a GPU) against the CPU ops, on
// grids of edge values in either part: +-0, +-1, NaN, +-inf, subnormals, the smallest normal
// and largest finite numbers, huge and tiny magnitudes, and values near multiples of pi/2.
//   * add/sub (with alpha), mul, div, abs, square, neg and the predicates match exactly; the
//     functions (exp, log, sqrt, sin, cos, tanh, pow) within a few ulps, with the same
//     special values: NaN where the CPU has NaN, infinities and zeros with the CPU's signs.
//   * Where the CPU's vectorized Eigen kernels give other results than libstdc++'s scalar
//     functions (sqrt with a NaN or subnormal part, log of subnormals), the device follows
//     libstdc++: each such element is named, checked against std::complex, and must be one
//     of those documented cases.
//   * The complex API (reciprocal, sigmoid, tan, rsqrt, log1p, expm1, conj, angle, sgn) is
//     one definition that the CPU kernels run too: the CPU ops give its bits exactly, and it
//     is checked against independent references (libstdc++'s tan and division, long double
//     series and formulas for log1p and expm1 near 0) and against values PyTorch gives.
//   * The device front end on an emulated device: complex operands reach the kernels in
//     their own dtype (all/any compare with zero instead of converting to int64, which
//     would drop the imaginary part).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <complex>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <iostream>
#include <limits>
#include <memory>
#include <sstream>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "tensorbridge/kernels/complex_math.hpp"
#include "tensorbridge/tensorbridge.hpp"

#include "emulated_device.hpp"

namespace tb = tensorbridge;
namespace km = tensorbridge::kernels;
namespace ops = tensorbridge::ops;
using tb::DType;

namespace complex_math_test {

template <typename R>
using Std = std::complex<R>;
template <typename R>
using Dev = km::Complex<R>;

template <typename R>
Dev<R> to_dev(Std<R> z) {
  return {z.real(), z.imag()};
}
template <typename R>
Std<R> to_std(Dev<R> z) {
  return {z.re, z.im};
}

// Parts of the grid's complex numbers.
template <typename R>
std::vector<R> edge_parts() {
  using L = std::numeric_limits<R>;
  return {R(0),       R(-0.0),    R(1),        R(-1),       R(0.5),       R(-2.5),
          R(3),       R(1.5707963267948966),   R(-3.141592653589793),     R(20),
          R(-100),    R(800),     R(1e-5),     R(0.999),    R(1e30),      R(-1e-30),
          L::max(),   L::min(),   L::denorm_min(),          -L::infinity(), L::infinity(),
          L::quiet_NaN()};
}
// A shorter list for the binary ops (its square of pairs of pairs).
template <typename R>
std::vector<R> pair_parts() {
  using L = std::numeric_limits<R>;
  return {R(0),     R(-0.0),  R(1),   R(-2.5),       R(3),           R(1e30),       R(-1e-30),
          L::max(), L::min(), L::denorm_min(), L::infinity(), -L::infinity(), L::quiet_NaN()};
}

template <typename R>
std::vector<Std<R>> grid(const std::vector<R>& parts) {
  std::vector<Std<R>> out;
  for (R re : parts) {
    for (R im : parts) out.emplace_back(re, im);
  }
  return out;
}

template <typename R>
tb::TensorBase cpu_tensor(const std::vector<Std<R>>& values) {
  return tb::from_vector<Std<R>>(values, {static_cast<int64_t>(values.size())});
}

template <typename T>
std::vector<T> values_of(const tb::TensorBase& t) {
  const tb::TensorBase c = t.contiguous();
  const T* p = static_cast<const T*>(c.data_ptr());
  return std::vector<T>(p, p + c.numel());
}

// Distance in units in the last place (both finite, same sign), or a large number.
template <typename R>
double ulps(R a, R b) {
  if (a == b) return 0;
  const R scale = std::max(std::fabs(b), std::numeric_limits<R>::min());
  return std::fabs(double(a) - double(b)) / (double(scale) * std::numeric_limits<R>::epsilon());
}

// Equal as a device result must be: NaN for NaN (any sign), infinities and zeros with their
// signs, finite values within `max_ulps` (subnormal results within `max_ulps` subnormals).
template <typename R>
bool same_part(R got, R want, double max_ulps) {
  if (std::isnan(got) || std::isnan(want)) return std::isnan(got) && std::isnan(want);
  if (std::isinf(got) || std::isinf(want) || (got == R(0) && want == R(0))) {
    return got == want && std::signbit(got) == std::signbit(want);
  }
  if (got == R(0) || want == R(0)) {  // zero for a result that rounds to few subnormals
    return std::fabs(got - want) <= max_ulps * std::numeric_limits<R>::denorm_min();
  }
  if (std::signbit(got) != std::signbit(want)) return false;
  return ulps(got, want) <= max_ulps ||
         std::fabs(got - want) <= max_ulps * std::numeric_limits<R>::denorm_min();
}
template <typename R>
bool same_value(Std<R> got, Std<R> want, double max_ulps) {
  return same_part(got.real(), want.real(), max_ulps) &&
         same_part(got.imag(), want.imag(), max_ulps);
}

template <typename R>
std::string show(Std<R> z) {
  std::ostringstream os;
  os.precision(std::numeric_limits<R>::max_digits10);
  os << "(" << z.real() << ", " << z.imag() << ")";
  return os.str();
}

template <typename R>
bool has_nan(Std<R> z) {
  return std::isnan(z.real()) || std::isnan(z.imag());
}
template <typename R>
bool has_subnormal(Std<R> z) {
  return std::fpclassify(z.real()) == FP_SUBNORMAL || std::fpclassify(z.imag()) == FP_SUBNORMAL;
}

// A documented difference of the CPU op from libstdc++ for input z, or none.
template <typename R>
using Deviation = std::function<bool(Std<R>)>;

// mine(z) against the CPU op's results for the grid, within max_ulps. An element where they
// differ passes only if `may_deviate` names it and mine matches libstdc++'s `reference`.
template <typename R, typename Mine, typename Reference>
void expect_unary_matches_cpu(const char* name, const tb::TensorBase& cpu_result,
                              const std::vector<Std<R>>& inputs, Mine mine, Reference reference,
                              double max_ulps, const Deviation<R>& may_deviate = nullptr) {
  const auto cpu = values_of<Std<R>>(cpu_result);
  ASSERT_EQ(cpu.size(), inputs.size()) << name;
  int deviations = 0;
  for (std::size_t k = 0; k < inputs.size(); ++k) {
    const Std<R> z = inputs[k];
    const Std<R> got = to_std(mine(to_dev(z)));
    if (same_value(got, cpu[k], max_ulps)) continue;
    if (may_deviate && may_deviate(z)) {
      ++deviations;
      EXPECT_TRUE(same_value(got, reference(z), max_ulps))
          << name << show(z) << ": device " << show(got) << ", std::complex "
          << show(reference(z)) << " (the CPU gives " << show(cpu[k]) << ")";
      continue;
    }
    ADD_FAILURE() << name << show(z) << ": device " << show(got) << ", CPU " << show(cpu[k]);
  }
  if (deviations > 0) {
    std::cout << "[ note ] " << name << ": " << deviations
              << " documented CPU deviations from libstdc++ (device follows libstdc++)\n";
  }
}

template <typename R, typename Mine>
void expect_binary_matches_cpu(const char* name, const tb::TensorBase& cpu_result,
                               const std::vector<Std<R>>& a, const std::vector<Std<R>>& b,
                               Mine mine, double max_ulps) {
  const auto cpu = values_of<Std<R>>(cpu_result);
  ASSERT_EQ(cpu.size(), a.size()) << name;
  int failures = 0;
  for (std::size_t k = 0; k < a.size(); ++k) {
    const Std<R> got = to_std(mine(to_dev(a[k]), to_dev(b[k])));
    if (same_value(got, cpu[k], max_ulps)) continue;
    if (++failures <= 20) {
      ADD_FAILURE() << name << show(a[k]) << ", " << show(b[k]) << ": device " << show(got)
                    << ", CPU " << show(cpu[k]);
    }
  }
  EXPECT_EQ(failures, 0) << name;
}

// Every pair of grid values, as two aligned lists.
template <typename R>
std::pair<std::vector<Std<R>>, std::vector<Std<R>>> all_pairs(const std::vector<Std<R>>& g) {
  std::pair<std::vector<Std<R>>, std::vector<Std<R>>> p;
  for (const Std<R>& x : g) {
    for (const Std<R>& y : g) {
      p.first.push_back(x);
      p.second.push_back(y);
    }
  }
  return p;
}

template <typename R>
void check_functions() {
  const auto g = grid(edge_parts<R>());
  const tb::TensorBase t = cpu_tensor(g);
  constexpr double kUlps = 4;
  expect_unary_matches_cpu<R>("exp", ops::exp(t), g, [](Dev<R> z) { return km::exp(z); },
                              [](Std<R> z) { return std::exp(z); }, kUlps);
  expect_unary_matches_cpu<R>("sin", ops::sin(t), g, [](Dev<R> z) { return km::sin(z); },
                              [](Std<R> z) { return std::sin(z); }, kUlps);
  expect_unary_matches_cpu<R>("cos", ops::cos(t), g, [](Dev<R> z) { return km::cos(z); },
                              [](Std<R> z) { return std::cos(z); }, kUlps);
  expect_unary_matches_cpu<R>("tanh", ops::tanh(t), g, [](Dev<R> z) { return km::tanh(z); },
                              [](Std<R> z) { return std::tanh(z); }, kUlps);
  expect_unary_matches_cpu<R>("log", ops::log(t), g, [](Dev<R> z) { return km::log(z); },
                              [](Std<R> z) { return std::log(z); }, kUlps);
  // Eigen's vectorized complex sqrt mishandles NaN, infinite, subnormal and tiny parts,
  // overflows for parts above max/4 and drops the sign of a zero imaginary part.
  expect_unary_matches_cpu<R>("sqrt", ops::sqrt(t), g, [](Dev<R> z) { return km::sqrt(z); },
                              [](Std<R> z) { return std::sqrt(z); }, kUlps, [](Std<R> z) {
                                const R big = std::max(std::fabs(z.real()), std::fabs(z.imag()));
                                return has_nan(z) || std::isinf(big) || z.imag() == R(0) ||
                                       big > std::numeric_limits<R>::max() / 4 ||
                                       big < 4 * std::numeric_limits<R>::min() ||
                                       has_subnormal(z);
                              });
  expect_unary_matches_cpu<R>("square", ops::square(t), g, [](Dev<R> z) { return z * z; },
                              [](Std<R> z) { return z * z; }, 0);
  expect_unary_matches_cpu<R>("neg", ops::neg(t), g, [](Dev<R> z) { return -z; },
                              [](Std<R> z) { return -z; }, 0);
  // abs is real: compared as (|z|, 0).
  expect_unary_matches_cpu<R>(
      "abs", ops::abs(t).to(tb::dtype_v<Std<R>>), g,
      [](Dev<R> z) { return Dev<R>(km::abs(z)); }, [](Std<R> z) { return Std<R>(std::abs(z)); },
      0);
}

template <typename R>
void check_predicates() {
  const auto g = grid(edge_parts<R>());
  const tb::TensorBase t = cpu_tensor(g);
  const auto isnan = values_of<bool>(ops::isnan(t));
  const auto isinf = values_of<bool>(ops::isinf(t));
  const auto isfinite = values_of<bool>(ops::isfinite(t));
  const auto nonzero = values_of<bool>(t.to(DType::Bool));
  for (std::size_t k = 0; k < g.size(); ++k) {
    const Dev<R> z = to_dev(g[k]);
    // The kernels' predicates, written as kernels/cuda/math.cuh computes them.
    EXPECT_EQ(z.re != z.re || z.im != z.im, isnan[k]) << show(g[k]);
    const auto inf_part = [](R v) { return v == v && !(v - v == R(0)); };
    EXPECT_EQ(inf_part(z.re) || inf_part(z.im), isinf[k]) << show(g[k]);
    EXPECT_EQ(z - z == Dev<R>(R(0)), isfinite[k]) << show(g[k]);
    EXPECT_EQ(z != Dev<R>(R(0)), nonzero[k]) << show(g[k]);
    EXPECT_EQ(z == z, g[k] == g[k]) << show(g[k]);
  }
}

template <typename R>
void check_binary_ops() {
  const auto [a, b] = all_pairs(grid(pair_parts<R>()));
  const tb::TensorBase ta = cpu_tensor(a), tb_ = cpu_tensor(b);
  expect_binary_matches_cpu<R>("add", ops::add(ta, tb_), a, b,
                               [](Dev<R> x, Dev<R> y) { return x + y; }, 0);
  expect_binary_matches_cpu<R>("sub", ops::sub(ta, tb_), a, b,
                               [](Dev<R> x, Dev<R> y) { return x - y; }, 0);
  expect_binary_matches_cpu<R>("mul", ops::mul(ta, tb_), a, b,
                               [](Dev<R> x, Dev<R> y) { return x * y; }, 0);
  expect_binary_matches_cpu<R>("div", ops::div(ta, tb_), a, b,
                               [](Dev<R> x, Dev<R> y) { return x / y; }, 0);
  // alpha other than 1 multiplies (the kernels' AddOp and SubOp).
  const Std<R> alpha(R(2), R(-0.5));
  expect_binary_matches_cpu<R>("add(alpha)", ops::add(ta, tb_, tb::Scalar(alpha)), a, b,
                               [&](Dev<R> x, Dev<R> y) { return x + to_dev(alpha) * y; }, 0);
  // sub's alpha is negated first, as on the CPU (-(alpha y) has other zero signs).
  expect_binary_matches_cpu<R>("sub(alpha)", ops::sub(ta, tb_, tb::Scalar(alpha)), a, b,
                               [&](Dev<R> x, Dev<R> y) { return x + -to_dev(alpha) * y; }, 0);
  // pow amplifies the last bits of b log(a): compared where the CPU's result is finite and
  // the exponent moderate (for huge ones the rounding of b log(a) decides the digits).
  expect_binary_matches_cpu<R>("pow", ops::pow(ta, tb_), a, b,
                               [](Dev<R> x, Dev<R> y) { return km::pow(x, y); }, 8);
}

// The tests live in the namespace too: a unity build shares one anonymous namespace.

TEST(ComplexMath, LayoutIsStdComplex) {
  static_assert(sizeof(Dev<float>) == sizeof(Std<float>));
  static_assert(sizeof(Dev<double>) == sizeof(Std<double>));
  static_assert(alignof(Dev<float>) == 8 && alignof(Dev<double>) == 16);
  static_assert(std::is_trivially_copyable_v<Dev<double>>);
  static_assert(std::is_trivially_default_constructible_v<Dev<float>>);
  const Std<double> z(1.5, -2.25);
  Dev<double> d;
  std::memcpy(&d, &z, sizeof(d));
  EXPECT_EQ(d.re, 1.5);
  EXPECT_EQ(d.im, -2.25);
  EXPECT_EQ(Dev<float>(Dev<double>(0.1, 3.0)).re, 0.1f);  // converts like std::complex
}

TEST(ComplexMath, FunctionsMatchTheCpuComplex64) { check_functions<float>(); }
TEST(ComplexMath, FunctionsMatchTheCpuComplex128) { check_functions<double>(); }
TEST(ComplexMath, PredicatesMatchTheCpu) {
  check_predicates<float>();
  check_predicates<double>();
}
TEST(ComplexMath, BinaryOpsMatchTheCpuComplex64) { check_binary_ops<float>(); }
TEST(ComplexMath, BinaryOpsMatchTheCpuComplex128) { check_binary_ops<double>(); }

// Values the special-value rules decide, written out (C11 Annex G; glibc's choices where
// it leaves a sign open), so that a change in libstdc++ or glibc cannot hide a change here.
TEST(ComplexMath, AnnexGSpecialValues) {
  const double inf = std::numeric_limits<double>::infinity();
  const double nan = std::numeric_limits<double>::quiet_NaN();
  auto expect = [](Dev<double> got, Std<double> want, const char* what) {
    EXPECT_TRUE(same_value(to_std(got), want, 0))
        << what << ": got " << show(to_std(got)) << ", want " << show(want);
  };
  using D = Dev<double>;
  expect(D(1, 0) / D(0, 0), {inf, nan}, "1 / 0");
  expect(D(inf, 1) / D(2, 3), {inf, -inf}, "inf / finite");
  expect(D(1, 1) / D(inf, 0), {0, 0}, "finite / inf");
  expect(D(1e300, 1e300) / D(1e300, 1e300), {1, 0}, "huge / huge (scaled)");
  expect(D(1e-310, 1e-310) / D(1e-310, 1e-310), {1, 0}, "subnormal / subnormal (scaled)");
  expect(D(inf, 0) * D(0, 1), {nan, inf}, "inf * i");
  expect(D(inf, nan) * D(1, 0), {inf, nan}, "recovered inf * 1");
  expect(km::exp(D(-inf, 1)), {0.0 * std::cos(1.0), 0.0 * std::sin(1.0)}, "exp(-inf + i)");
  expect(km::exp(D(inf, 0)), {inf, 0}, "exp(inf + i0)");
  expect(km::exp(D(nan, 0)), {nan, 0}, "exp(NaN + i0)");
  expect(km::exp(D(710, 1e-300)), {inf, std::exp(355) * 1e-300 * std::exp(355)},
         "exp(710 + i tiny): the imaginary part is finite");
  expect(km::log(D(-0.0, 0)), {-inf, 3.141592653589793}, "log(-0)");
  expect(km::log(D(1, 1e-20)), {0, 1e-20}, "log rounds |z| first (as the CPU)");
  expect(km::complex_detail::accurate_log(D(1, 1e-20)), {5e-41, 1e-20},
         "pow's log near 1 keeps its digits");
  expect(km::sqrt(D(-4, 0)), {0, 2}, "sqrt(-4 + i0)");
  expect(km::sqrt(D(-4, -0.0)), {0, -2}, "sqrt(-4 - i0)");
  expect(km::sqrt(D(nan, inf)), {inf, inf}, "sqrt(NaN + i inf)");
  expect(km::sqrt(D(-inf, 1)), {0, inf}, "sqrt(-inf + i)");
  expect(km::tanh(D(inf, 1)), {1, 0}, "tanh(inf + i)");
  expect(km::tanh(D(1000, 2)), {1, -0.0}, "tanh(huge + 2i): 4 sin cos e^-2000 is -0");
  expect(km::sin(D(0, inf)), {0, inf}, "sin(i inf)");
  expect(km::cos(D(0, inf)), {inf, -0.0}, "cos(i inf)");
  expect(km::cos(D(0, -inf)), {inf, 0}, "cos(-i inf)");
  const Dev<double> zero_squared = km::pow(D(0, 0), D(2, 0));  // the zeros' signs are NaN's
  EXPECT_TRUE(zero_squared.re == 0 && zero_squared.im == 0);
}

// ---- the complex API: one definition for both devices ---------------------------------------

// The CPU ops give the shared functions' results bit for bit (NaN of any sign): the CPU
// kernels run them, so what the host tests below establish holds on both devices.
template <typename R>
void check_api_is_the_cpus() {
  const auto g = grid(edge_parts<R>());
  const tb::TensorBase t = cpu_tensor(g);
  const auto unused = [](Std<R> z) { return z; };  // no deviation is allowed
  expect_unary_matches_cpu<R>("reciprocal", ops::reciprocal(t), g,
                              [](Dev<R> z) { return km::reciprocal(z); }, unused, 0);
  expect_unary_matches_cpu<R>("sigmoid", ops::sigmoid(t), g,
                              [](Dev<R> z) { return km::sigmoid(z); }, unused, 0);
  expect_unary_matches_cpu<R>("tan", ops::tan(t), g, [](Dev<R> z) { return km::tan(z); },
                              unused, 0);
  expect_unary_matches_cpu<R>("rsqrt", ops::rsqrt(t), g, [](Dev<R> z) { return km::rsqrt(z); },
                              unused, 0);
  expect_unary_matches_cpu<R>("log1p", ops::log1p(t), g, [](Dev<R> z) { return km::log1p(z); },
                              unused, 0);
  expect_unary_matches_cpu<R>("expm1", ops::expm1(t), g, [](Dev<R> z) { return km::expm1(z); },
                              unused, 0);
  expect_unary_matches_cpu<R>("sgn", ops::sgn(t), g, [](Dev<R> z) { return km::sgn(z); },
                              unused, 0);
  expect_unary_matches_cpu<R>("conj", ops::conj_physical(t), g,
                              [](Dev<R> z) { return km::conj(z); }, unused, 0);
  expect_unary_matches_cpu<R>("angle", ops::angle(t).to(tb::dtype_v<Std<R>>), g,
                              [](Dev<R> z) { return Dev<R>(km::angle(z)); }, unused, 0);
  // In place, the same values.
  tb::TensorBase u = t.clone();
  ops::sgn_(u);
  expect_unary_matches_cpu<R>("sgn_", u, g, [](Dev<R> z) { return km::sgn(z); }, unused, 0);
}

// Close in the norm: NaN for NaN, the same infinities, and finite parts within max_ulps of
// |want| (a part that cancels carries the rounding of the whole number); zeros of either sign
// (the exact comparison with the CPU and PyTorch's values pin those down).
template <typename R>
bool near_value(Std<R> got, Std<R> want, double max_ulps) {
  const double bound = max_ulps * std::numeric_limits<R>::epsilon() * std::abs(Std<double>(want)) +
                       max_ulps * std::numeric_limits<R>::denorm_min();
  const R g[2] = {got.real(), got.imag()}, w[2] = {want.real(), want.imag()};
  for (int k = 0; k < 2; ++k) {
    if (std::isnan(g[k]) || std::isnan(w[k])) {
      if (!(std::isnan(g[k]) && std::isnan(w[k]))) return false;
    } else if (std::isinf(g[k]) || std::isinf(w[k])) {
      if (g[k] != w[k]) return false;
    } else if (std::fabs(double(g[k]) - double(w[k])) > bound) {
      return false;
    }
  }
  return true;
}

// mine(z) against an independent reference for the grid's z that `applies` keeps (at least
// `min_checked` of them, so that a filter cannot empty the check): exactly as same_value
// (zero signs included) when `exact_zeros`, else near_value.
template <typename R, typename Mine, typename Reference, typename Applies>
void expect_near_reference(const char* name, Mine mine, Reference reference, Applies applies,
                           double max_ulps, int min_checked, bool exact_zeros = false) {
  int checked = 0;
  for (const Std<R>& z : grid(edge_parts<R>())) {
    if (!applies(z)) continue;
    ++checked;
    const Std<R> got = to_std(mine(to_dev(z)));
    const Std<R> want = reference(z);
    EXPECT_TRUE(exact_zeros ? same_value(got, want, max_ulps) : near_value(got, want, max_ulps))
        << name << show(z) << ": " << show(got) << ", reference " << show(want);
  }
  EXPECT_GE(checked, min_checked) << name;
}

template <typename R>
bool finite_value(Std<R> z) {
  return std::isfinite(z.real()) && std::isfinite(z.imag());
}
// Finite, nonzero, and |z|^2 neither overflows nor underflows: where division by z needs no
// scaling, so that NumPy's and Annex G's divisions agree to rounding.
template <typename R>
bool well_scaled(Std<R> z) {
  const R n2 = z.real() * z.real() + z.imag() * z.imag();
  return finite_value(z) && std::isfinite(n2) && n2 >= std::numeric_limits<R>::min();
}

using Wide = std::complex<long double>;
template <typename R>
Wide widen(Std<R> z) {
  return {z.real(), z.imag()};
}
template <typename R>
Std<R> narrow(Wide z) {
  return {static_cast<R>(z.real()), static_cast<R>(z.imag())};
}
// sum_{k=1..n} sign^(k+1) z^k / k (log1p) or z^k / k! (expm1), in long double: exact to
// long double rounding for |z| < 1e-3 with n = 10.
inline Wide series(Wide z, bool factorial) {
  Wide sum = 0, power = 1;
  long double fact = 1;
  for (int k = 1; k <= 10; ++k) {
    power *= z;
    fact *= k;
    sum += factorial ? power / fact : (k % 2 == 1 ? power : -power) / static_cast<long double>(k);
  }
  return sum;
}

template <typename R>
void check_api_against_references() {
  constexpr double kUlps = 4;
  // tan z = -i tanh(iz) is libstdc++'s tan everywhere, special values and zero signs included.
  expect_near_reference<R>(
      "tan", [](Dev<R> z) { return km::tan(z); }, [](Std<R> z) { return std::tan(z); },
      [](Std<R>) { return true; }, kUlps, 400, /*exact_zeros=*/true);
  // NumPy's division agrees with libstdc++'s where no scaling is needed, but for the signs of
  // zero parts.
  expect_near_reference<R>(
      "reciprocal", [](Dev<R> z) { return km::reciprocal(z); },
      [](Std<R> z) { return Std<R>(1) / z; }, [](Std<R> z) { return well_scaled(z); }, kUlps,
      100);
  expect_near_reference<R>(
      "rsqrt", [](Dev<R> z) { return km::rsqrt(z); },
      [](Std<R> z) { return Std<R>(1) / std::sqrt(z); },
      [](Std<R> z) { return well_scaled(z) && well_scaled(std::sqrt(z)); }, kUlps, 100);
  // Away from the poles i pi (2k + 1), where 1 + exp(-z) cancels.
  expect_near_reference<R>(
      "sigmoid", [](Dev<R> z) { return km::sigmoid(z); },
      [](Std<R> z) { return Std<R>(1) / (Std<R>(1) + std::exp(-z)); },
      [](Std<R> z) {
        const Std<R> d = Std<R>(1) + std::exp(-z);
        return finite_value(z) && well_scaled(d) && std::abs(d) > R(0.5);
      },
      kUlps, 100);
  // log1p and expm1: their series near 0 (where log(1 + z) and exp(z) - 1 lose every
  // digit), long double log(1 + z) and exp(z) - 1 farther out. log1p overflows where
  // |1 + z| does (|z| near the largest finite number), as the CPU's did before it was shared.
  const auto small = [](Std<R> z) { return std::abs(z) < R(1e-3); };
  expect_near_reference<R>(
      "log1p", [](Dev<R> z) { return km::log1p(z); },
      [&](Std<R> z) {
        return small(z) ? narrow<R>(series(widen(z), false))
                        : narrow<R>(std::log(Wide(1.0L + z.real(), z.imag())));
      },
      [](Std<R> z) {
        return finite_value(z) && std::isfinite(std::hypot(z.real() + R(1), z.imag()));
      },
      kUlps, 300);
  expect_near_reference<R>(
      "expm1", [](Dev<R> z) { return km::expm1(z); },
      [&](Std<R> z) {
        return small(z) ? narrow<R>(series(widen(z), true)) : narrow<R>(std::exp(widen(z)) - Wide(1));
      },
      [](Std<R> z) { return finite_value(z) && std::fabs(z.real()) < R(80); }, kUlps, 200);
  // sgn: z / |z| with |z| in long double.
  expect_near_reference<R>(
      "sgn", [](Dev<R> z) { return km::sgn(z); },
      [](Std<R> z) {
        const long double r = std::hypot(static_cast<long double>(z.real()),
                                         static_cast<long double>(z.imag()));
        return narrow<R>(Wide(z.real() / r, z.imag() / r));
      },
      // Subnormal parts lose their digits in |z| (sgn(denorm_min (1 + i)) = 1 + i).
      [](Std<R> z) {
        return finite_value(z) && z != Std<R>(0) && std::isfinite(std::abs(z)) &&
               !has_subnormal(z);
      },
      2, 300);
  // angle is std::arg, and conj flips the imaginary sign bit only.
  for (const Std<R>& z : grid(edge_parts<R>())) {
    EXPECT_TRUE(same_part(km::angle(to_dev(z)), std::arg(z), 0)) << "angle" << show(z);
    const Dev<R> c = km::conj(to_dev(z));
    const R re = z.real();
    EXPECT_EQ(std::memcmp(&c.re, &re, sizeof(R)), 0) << "conj" << show(z);
    EXPECT_NE(std::signbit(c.im), std::signbit(z.imag())) << "conj" << show(z);
    EXPECT_TRUE(std::isnan(z.imag()) ? std::isnan(c.im) : c.im == -z.imag()) << "conj" << show(z);
  }
}

TEST(ComplexMath, ComplexApiIsTheCpusComplex64) { check_api_is_the_cpus<float>(); }
TEST(ComplexMath, ComplexApiIsTheCpusComplex128) { check_api_is_the_cpus<double>(); }
TEST(ComplexMath, ComplexApiMatchesReferencesComplex64) { check_api_against_references<float>(); }
TEST(ComplexMath, ComplexApiMatchesReferencesComplex128) {
  check_api_against_references<double>();
}

// Values PyTorch 2.13 gives (torch.reciprocal(torch.tensor(z, dtype=torch.complex128)), ...),
// written out: NumPy's division and the special values of the API.
TEST(ComplexMath, ComplexApiGivesPyTorchsValues) {
  const double inf = std::numeric_limits<double>::infinity();
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double pi = 3.141592653589793;
  using D = Dev<double>;
  auto expect = [](D got, Std<double> want, const char* what) {
    EXPECT_TRUE(same_value(to_std(got), want, 2))
        << what << ": got " << show(to_std(got)) << ", PyTorch " << show(want);
  };
  expect(km::reciprocal(D(0, 0)), {inf, nan}, "reciprocal(0)");
  expect(km::reciprocal(D(0, -0.0)), {inf, nan}, "reciprocal(-0i)");
  expect(km::reciprocal(D(inf, 0)), {0, 0}, "reciprocal(inf)");
  expect(km::reciprocal(D(inf, inf)), {nan, nan}, "reciprocal(inf + i inf)");
  expect(km::sigmoid(D(-800, 0)), {0, 0}, "sigmoid(-800)");
  expect(km::sigmoid(D(800, 0)), {1, 0}, "sigmoid(800)");
  expect(km::sigmoid(D(-800, 1)), {nan, nan}, "sigmoid(-800 + i)");
  expect(km::tan(D(0, inf)), {0, 1}, "tan(i inf)");
  expect(km::tan(D(1, 1000)), {0, 1}, "tan(1 + 1000i)");
  expect(km::tan(D(1e-20, -0.0)), {1e-20, -0.0}, "tan(tiny - i0)");
  expect(km::tan(D(nan, 0)), {nan, 0}, "tan(NaN)");
  expect(km::rsqrt(D(0, 0)), {inf, nan}, "rsqrt(0)");
  expect(km::rsqrt(D(-4, 0)), {0, -0.5}, "rsqrt(-4 + i0)");
  expect(km::rsqrt(D(-4, -0.0)), {-0.0, 0.5}, "rsqrt(-4 - i0)");
  expect(km::rsqrt(D(inf, 0)), {0, 0}, "rsqrt(inf)");
  expect(km::log1p(D(-1, 0)), {-inf, 0}, "log1p(-1)");
  expect(km::log1p(D(1e-20, 1e-20)), {1e-20, 1e-20}, "log1p(tiny)");
  expect(km::log1p(D(-2, -0.0)), {0, -pi}, "log1p(-2 - i0)");
  expect(km::expm1(D(1e-20, 1e-10)), {4.999999999999999e-21, 1e-10}, "expm1(tiny)");
  expect(km::expm1(D(-inf, 1)), {-1, 0}, "expm1(-inf + i)");
  // Zero signs of NumPy's division and of the branch cut.
  expect(km::reciprocal(D(0, -1)), {-0.0, 1}, "reciprocal(-i)");
  expect(km::reciprocal(D(-1, -0.0)), {-1, -0.0}, "reciprocal(-1 - i0)");
  expect(km::reciprocal(D(3, 5e-324)), {1.0 / 3, 0}, "reciprocal(3 + i denorm)");
  expect(km::rsqrt(D(-1, -0.0)), {-0.0, 1}, "rsqrt(-1 - i0)");
  expect(km::log1p(D(-2.5, -0.0)), {0.4054651081081644, -pi}, "log1p(-2.5 - i0)");
  expect(km::log1p(D(-0.0, -0.0)), {-0.0, -0.0}, "log1p(-0 - i0)");
  expect(km::log1p(D(1, -0.0)), {0.6931471805599453, -0.0}, "log1p(1 - i0)");
  expect(km::expm1(D(0, -0.0)), {0, -0.0}, "expm1(-i0)");
  expect(km::expm1(D(-0.0, 0)), {-0.0, 0}, "expm1(-0)");
  expect(km::expm1(D(0, -1e-30)), {-5.0000000000000005e-61, -1e-30}, "expm1(-i 1e-30)");
  expect(km::tan(D(-0.0, 0)), {-0.0, 0}, "tan(-0)");
  expect(km::tan(D(0, -0.0)), {0, -0.0}, "tan(-i0)");
  expect(km::sgn(D(-0.0, -0.0)), {0, 0}, "sgn(-0 - i0)");
  expect(km::sgn(D(0, 0)), {0, 0}, "sgn(0)");
  expect(km::sgn(D(3, 4)), {0.6000000000000001, 0.8}, "sgn(3 + 4i)");
  // angle of reals: pi below 0, 0 at -0.0 and +-inf's other side, NaN for NaN.
  EXPECT_EQ(km::angle(-0.0), 0.0);
  EXPECT_EQ(km::angle(-1.0), pi);
  EXPECT_EQ(km::angle(-inf), pi);
  EXPECT_EQ(km::angle(inf), 0.0);
  EXPECT_TRUE(std::isnan(km::angle(nan)));
  EXPECT_EQ(km::angle(-3.0f), static_cast<float>(pi));
  // The real ops on the CPU agree: integers become float32.
  const tb::TensorBase r = ops::angle(tb::from_vector<double>({-0.0, -1.0, nan, inf, -inf, 2.0}, {6}));
  const auto rv = values_of<double>(r);
  const std::vector<double> want = {0, pi, nan, 0, pi, 0};
  for (std::size_t k = 0; k < want.size(); ++k) {
    EXPECT_TRUE(std::isnan(want[k]) ? std::isnan(rv[k]) : rv[k] == want[k]) << k;
  }
  const tb::TensorBase ri = ops::angle(tb::from_vector<int32_t>({-3, 0, 4}, {3}));
  ASSERT_EQ(ri.dtype(), DType::Float32);
  EXPECT_EQ(values_of<float>(ri), (std::vector<float>{static_cast<float>(pi), 0, 0}));
  EXPECT_EQ(ops::conj_physical(r).data_ptr(), r.data_ptr());  // a real tensor is its own conj
}

// ---- the device front end, on an emulated device --------------------------------------------
// ops/device_dispatch.hpp calls the CUDA kernel table; complex operands must reach it as
// complex (recorded with the dtypes the kernels see), over "cuda:0" tensors whose memory is
// host memory.

struct ComplexCall {
  std::string kind, op;
  DType in = DType::Bool, out = DType::Bool;
};
inline std::vector<ComplexCall>& complex_calls() {
  static std::vector<ComplexCall> calls;
  return calls;
}

// Copies move nothing (the values do not matter here) but are recorded with their dtypes.
inline void complex_record_copy(const tb::TensorBase& dst, const tb::TensorBase& src, bool) {
  complex_calls().push_back({"copy", "", src.dtype(), dst.dtype()});
}
inline void complex_fill(const tb::TensorBase&, const tb::Scalar&) {}

inline void complex_record_binary(const char* op, const tb::TensorBase& out,
                                  const tb::TensorBase* a, const tb::Scalar&,
                                  const tb::TensorBase* b, const tb::Scalar&, const tb::Scalar&) {
  complex_calls().push_back({"binary", op, (a != nullptr ? a : b)->dtype(), out.dtype()});
}
inline void complex_record_unary(const char* op, const tb::TensorBase& out,
                                 const tb::TensorBase& x) {
  complex_calls().push_back({"unary", op, x.dtype(), out.dtype()});
}
inline void complex_record_reduce(const char* op, const tb::TensorBase& out,
                                  const tb::TensorBase& x) {
  complex_calls().push_back({"reduce", op, x.dtype(), out.dtype()});
}
inline void complex_record_scan(const char* op, const tb::TensorBase& out, const tb::TensorBase& x,
                                int64_t) {
  complex_calls().push_back({"scan", op, x.dtype(), out.dtype()});
}

class ComplexEmulatedDevice {
 public:
  ComplexEmulatedDevice() { complex_calls().clear(); }

 private:
  static tb::detail::DeviceHooks make_hooks() {
    tb::detail::DeviceHooks h{};
    h.allocate = &tbtest::emulated_device_memory;
    h.copy = &complex_record_copy;
    h.fill = &complex_fill;
    h.current_device = [] { return 0; };
    return h;
  }
  static ops::DeviceKernels make_kernels() {
    ops::DeviceKernels k{};
    k.binary = &complex_record_binary;
    k.unary = &complex_record_unary;
    k.reduce = &complex_record_reduce;
    k.scan = &complex_record_scan;
    return k;
  }
  static inline const tb::detail::DeviceHooks kHooks = make_hooks();
  static inline const ops::DeviceKernels kKernels = make_kernels();
  tbtest::ScopedDeviceTables tables_{kHooks, kKernels};
};

TEST(ComplexMath, DeviceFrontEndPassesComplexOperandsToTheKernels) {
  ComplexEmulatedDevice emulated;
  const tb::Device gpu = tb::Device::cuda(0);
  for (DType d : {DType::Complex64, DType::Complex128}) {
    const DType real = d == DType::Complex64 ? DType::Float32 : DType::Float64;
    const tb::TensorBase z = tb::empty({2, 3}, d, gpu);
    auto expect_calls = [&](const char* what, std::vector<ComplexCall> want) {
      ASSERT_EQ(complex_calls().size(), want.size()) << what;
      for (std::size_t i = 0; i < want.size(); ++i) {
        EXPECT_EQ(complex_calls()[i].kind, want[i].kind) << what << " call " << i;
        EXPECT_EQ(complex_calls()[i].op, want[i].op) << what << " call " << i;
        EXPECT_EQ(complex_calls()[i].in, want[i].in) << what << " call " << i;
        EXPECT_EQ(complex_calls()[i].out, want[i].out) << what << " call " << i;
      }
      complex_calls().clear();
    };
    ops::abs(z);
    expect_calls("abs", {{"unary", "abs", d, real}});
    ops::isinf(z);
    expect_calls("isinf", {{"unary", "isinf", d, DType::Bool}});
    ops::sum(z, {1});
    expect_calls("sum", {{"reduce", "sum", d, d}});
    ops::mean(z);
    expect_calls("mean", {{"reduce", "sum", d, d}, {"binary", "div", d, d}});
    ops::cumsum(z, 0);
    expect_calls("cumsum", {{"scan", "cumsum", d, d}});
    // all/any count zeros of the complex values (a conversion to int64 first would drop the
    // imaginary part).
    ops::all(z);
    expect_calls("all", {{"binary", "eq", d, DType::Bool},
                         {"copy", "", DType::Bool, DType::Int64},
                         {"reduce", "sum", DType::Int64, DType::Int64},
                         {"binary", "eq", DType::Int64, DType::Bool}});
    // The complex API reaches the kernels under the names cuda/kernels.cuh registers.
    for (const auto& [name, f] : std::vector<std::pair<const char*, tb::TensorBase (*)(const tb::TensorBase&)>>{
             {"sigmoid", &ops::sigmoid}, {"tan", &ops::tan}, {"rsqrt", &ops::rsqrt},
             {"log1p", &ops::log1p}, {"expm1", &ops::expm1}, {"reciprocal", &ops::reciprocal},
             {"conj_physical", &ops::conj_physical}, {"sgn", &ops::sgn}}) {
      f(z);
      expect_calls(name, {{"unary", name, d, d}});
    }
    ops::sgn_(z);
    expect_calls("sgn_", {{"unary", "sgn", d, d}});
    ops::angle(z);
    expect_calls("angle", {{"unary", "angle", d, real}});
    // Mixed with a real tensor, the real operand is converted to the complex dtype.
    const tb::TensorBase x = tb::empty({2, 3}, real, gpu);
    ops::mul(x, z);
    expect_calls("mul", {{"copy", "", real, d}, {"binary", "mul", d, d}});
    ops::angle(x);
    expect_calls("angle of reals", {{"unary", "angle", real, real}});
  }
}

}  // namespace complex_math_test
