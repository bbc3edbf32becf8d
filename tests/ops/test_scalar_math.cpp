// The host-and-device functors of kernels/scalar_math.hpp, which the CUDA kernels run, checked
// on the host (the only check they get on a machine without a GPU) on grids of edge values
// (0, +-1, -1 divisors, INT_MIN/INT_MAX, shift amounts around the width, NaN, +-inf, +-0,
// denormals, halves, huge values):
//   * against definitions written here independently (128-bit integer arithmetic for
//     division, powers and shifts; values checked with Python 3 for floats);
//   * against the CPU ops, including what the CUDA path does differently: bool and the
//     narrow integers compute in int32 (uint32 in int64) and are truncated back, and
//     float16/bfloat16 compute in float32;
//   * round and gelu against the CPU ops' own (Eigen) implementations;
//   * the device front end (ops/device_dispatch.hpp) calling the kernels by the names the
//     CUDA table knows, on an emulated device.
// Each check compares exactly (NaN equal to NaN, zeros by their sign) unless it says otherwise.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <memory>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include "tensorbridge/kernels/cpu/scalar_math.hpp"
#include "tensorbridge/kernels/scalar_math.hpp"
#include "tensorbridge/tensorbridge.hpp"

#include "emulated_device.hpp"

namespace tb = tensorbridge;
namespace km = tensorbridge::kernels;
namespace ops = tensorbridge::ops;
using tb::DType;

namespace scalar_math_test {

__extension__ typedef __int128 I128;
__extension__ typedef unsigned __int128 U128;

template <typename T>
inline constexpr bool is_reduced_v = std::is_same_v<T, tb::half> || std::is_same_v<T, tb::bfloat16>;

// The type the CUDA kernels compute T in (see wide_dtype in cuda/kernels.cuh).
template <typename T>
using wide_t = std::conditional_t<
    std::is_same_v<T, bool> || (std::is_integral_v<T> && sizeof(T) < 4) ||
        std::is_same_v<T, uint16_t>,
    int32_t, std::conditional_t<std::is_same_v<T, uint32_t>, int64_t, T>>;

// f on (a, b) as a CUDA kernel computes it for element type T: in the wide type for
// integers, in float for float16/bfloat16; then stored as T.
template <typename T, typename F>
T as_on_cuda(F f, T a, T b) {
  if constexpr (is_reduced_v<T>) {
    return T(f(static_cast<float>(a), static_cast<float>(b)));
  } else {
    using W = wide_t<T>;
    const auto r = f(static_cast<W>(a), static_cast<W>(b));
    if constexpr (std::is_same_v<T, bool>) {
      return r != 0;
    } else {
      return static_cast<T>(r);
    }
  }
}
template <typename T, typename F>
T as_on_cuda(F f, T a) {
  if constexpr (is_reduced_v<T>) {
    return T(f(static_cast<float>(a)));
  } else {
    using W = wide_t<T>;
    const auto r = f(static_cast<W>(a));
    if constexpr (std::is_same_v<T, bool>) {
      return r != 0;
    } else {
      return static_cast<T>(r);
    }
  }
}

// Integer edge values of T: small values, shift amounts around every width, powers of two
// and their neighbours, the extremes.
template <typename T>
std::vector<T> int_edges() {
  std::vector<I128> c = {0, 1, 2, 3, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 100, 127,
                         128, 255, 256, 1000, 32767, 32768, 65535, 65536, 2147483647,
                         2147483648LL, 4294967295LL, 4294967296LL, 1000000007LL,
                         (I128(1) << 62) + 3, std::numeric_limits<int64_t>::max()};
  const std::size_t positives = c.size();
  for (std::size_t i = 1; i < positives; ++i) c.push_back(-c[i]);
  c.push_back(std::numeric_limits<int64_t>::min());
  c.push_back(I128(std::numeric_limits<T>::min()));
  c.push_back(I128(std::numeric_limits<T>::min()) + 1);
  c.push_back(I128(std::numeric_limits<T>::max()));
  c.push_back(I128(std::numeric_limits<T>::max()) - 1);
  std::vector<T> out;
  for (I128 v : c) {
    if (v < I128(std::numeric_limits<T>::min())) continue;
    if (v > I128(std::numeric_limits<T>::max())) continue;
    const T t = static_cast<T>(v);
    bool seen = false;
    for (T o : out) seen |= o == t;
    if (!seen) out.push_back(t);
  }
  return out;
}

template <typename T>
std::vector<T> without_zero(std::vector<T> v) {
  std::vector<T> out;
  for (T x : v) {
    if (x != T(0)) out.push_back(x);
  }
  return out;
}

// Float edge values (as double; converted to T they may round, overflow or flush).
inline std::vector<double> float_edges() {
  const double inf = std::numeric_limits<double>::infinity();
  return {0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 1.5, -1.5, 2.5, -2.5, 3.0, -3.0, 7.5, -7.5, 2.0,
          -2.0, 0.1, -0.1, 1e-3, 5.5, -7.25, 1e10, -1e10, 3e38, -3e38, 1e30, 65504, 70000,
          1e-40, -1e-40, 1e-310, 1e300, -1e300, 1e-300, inf, -inf, std::nan("")};
}

template <typename T>
std::vector<T> float_values() {
  std::vector<T> out;
  for (double v : float_edges()) out.push_back(static_cast<T>(v));
  // The type's own extremes: largest, smallest normal, smallest denormal.
  out.push_back(static_cast<T>(static_cast<double>(std::numeric_limits<float>::max())));
  if constexpr (std::is_same_v<T, double>) {
    out.push_back(std::numeric_limits<double>::max());
    out.push_back(std::numeric_limits<double>::min());
    out.push_back(std::numeric_limits<double>::denorm_min());
  } else if constexpr (std::is_same_v<T, float>) {
    out.push_back(std::numeric_limits<float>::min());
    out.push_back(std::numeric_limits<float>::denorm_min());
  } else if constexpr (std::is_same_v<T, tb::half>) {
    out.push_back(tb::half::from_bits(0x0001));  // smallest denormal
    out.push_back(tb::half::from_bits(0x0400));  // smallest normal
    out.push_back(tb::half::from_bits(0x7bff));  // largest
  } else {
    out.push_back(tb::bfloat16::from_bits(0x0001));
    out.push_back(tb::bfloat16::from_bits(0x0080));
    out.push_back(tb::bfloat16::from_bits(0x7f7f));
  }
  return out;
}

template <typename T>
double as_double(T v) {
  if constexpr (is_reduced_v<T>) {
    return static_cast<double>(static_cast<float>(v));
  } else {
    return static_cast<double>(v);
  }
}

template <typename T>
bool same(T got, T want) {
  if constexpr (std::is_integral_v<T>) {
    return got == want;
  } else {
    const double g = as_double(got), w = as_double(want);
    if (std::isnan(w)) return std::isnan(g);
    return g == w && std::signbit(g) == std::signbit(w);
  }
}

template <typename T>
std::string show(T v) {
  if constexpr (std::is_integral_v<T>) {
    return std::is_signed_v<T> ? std::to_string(static_cast<int64_t>(v))
                               : std::to_string(static_cast<uint64_t>(v));
  } else {
    return std::to_string(as_double(v)) + (std::signbit(as_double(v)) ? " (neg)" : "");
  }
}

template <typename T>
tb::TensorBase make(const std::vector<T>& v, const tb::Shape& shape) {
  if constexpr (std::is_same_v<T, bool>) {
    std::vector<uint8_t> bytes(v.begin(), v.end());
    return tb::from_vector(bytes, shape).to(DType::Bool);
  } else {
    return tb::from_vector(v, shape);
  }
}

// op(a, b) for every a in lhs and b in rhs at once (a column against a row, broadcast),
// each element against want(a, b).
template <typename T, typename R = T, typename Op, typename Want>
void check_pairs(const std::string& what, const std::vector<T>& lhs, const std::vector<T>& rhs,
                 Op&& op, Want&& want) {
  const auto n = static_cast<int64_t>(lhs.size());
  const auto m = static_cast<int64_t>(rhs.size());
  const tb::TensorBase r = op(make(lhs, {n, 1}), make(rhs, {1, m})).contiguous();
  ASSERT_EQ(r.dtype(), tb::dtype_v<R>) << what;
  ASSERT_EQ(r.shape(), (tb::Shape{n, m})) << what;
  const R* p = static_cast<const R*>(r.data_ptr());
  int failures = 0;
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t j = 0; j < m; ++j) {
      const R expected = want(lhs[i], rhs[j]);
      if (!same(p[i * m + j], expected) && ++failures <= 10) {
        ADD_FAILURE() << what << "(" << show(lhs[i]) << ", " << show(rhs[j]) << ") = "
                      << show(p[i * m + j]) << ", expected " << show(expected);
      }
    }
  }
  EXPECT_EQ(failures, 0) << what;
}

template <typename T, typename Op, typename Want>
void check_each(const std::string& what, const std::vector<T>& values, Op&& op, Want&& want) {
  const auto n = static_cast<int64_t>(values.size());
  const tb::TensorBase r = op(make(values, {n})).contiguous();
  ASSERT_EQ(r.dtype(), tb::dtype_v<T>) << what;
  const T* p = static_cast<const T*>(r.data_ptr());
  for (int64_t i = 0; i < n; ++i) {
    EXPECT_TRUE(same(p[i], want(values[i])))
        << what << "(" << show(values[i]) << ") = " << show(p[i]) << ", expected "
        << show(want(values[i]));
  }
}

// ---- independent integer definitions (exact in 128 bits, then wrapped to T) ---------------
template <typename T>
T wrap_to(I128 v) {
  return static_cast<T>(static_cast<uint64_t>(static_cast<U128>(v)));
}
inline I128 floor_div(I128 a, I128 b) {
  const I128 q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}
template <typename T>
T pow_reference(T a, T b) {
  if (static_cast<I128>(b) < 0) {  // PyTorch: integer to a negative power
    if (a == T(1)) return T(1);
    if (static_cast<I128>(a) == -1) return wrap_to<T>((static_cast<I128>(b) % 2 != 0) ? -1 : 1);
    return T(0);
  }
  // Square and multiply on the exact value modulo 2^64 (T wraps modulo 2^bits, a divisor).
  U128 result = 1, base = static_cast<U128>(static_cast<I128>(a));
  const U128 mask = ~uint64_t(0);
  for (U128 e = static_cast<U128>(static_cast<I128>(b)); e != 0; e >>= 1) {
    if (e & 1) result = (result * base) & mask;
    base = (base * base) & mask;
  }
  return static_cast<T>(static_cast<uint64_t>(result));
}
template <typename T>
T shift_left_reference(T a, T b) {
  const I128 s = static_cast<I128>(b);
  if (s < 0 || s >= I128(8 * sizeof(T))) return T(0);
  return wrap_to<T>(static_cast<I128>(a) * (I128(1) << s));  // a * 2^s, wrapped
}
template <typename T>
T shift_right_reference(T a, T b) {
  const I128 s = static_cast<I128>(b);
  const I128 v = static_cast<I128>(a);
  if (s < 0 || s >= I128(8 * sizeof(T))) return v < 0 ? T(-1) : T(0);
  return static_cast<T>(floor_div(v, I128(1) << s));  // floor(a / 2^s)
}

// The integer ops of one dtype: the CPU op and the CUDA route against the definitions above.
template <typename T>
void check_integer_ops() {
  const std::string dtype(tb::dtype_name(tb::dtype_v<T>));
  const std::vector<T> all = int_edges<T>();
  const std::vector<T> divisors = without_zero(all);
  using A = const tb::TensorBase&;
  auto both = [](auto reference, auto functor) {
    return [=](T a, T b) {
      const T want = reference(a, b);
      const T cuda = as_on_cuda<T>(functor, a, b);
      // The CUDA route must agree with the definition, or the mismatch names which of them.
      return same(cuda, want) ? want : cuda;
    };
  };
  check_pairs<T>("floor_divide " + dtype, all, divisors,
                 [](A a, A b) { return ops::floor_divide(a, b); },
                 both([](T a, T b) { return wrap_to<T>(floor_div(a, b)); }, km::FloorDivide{}));
  check_pairs<T>("div floor " + dtype, all, divisors,
                 [](A a, A b) { return ops::div(a, b, "floor"); },
                 both([](T a, T b) { return wrap_to<T>(floor_div(a, b)); }, km::FloorDivide{}));
  check_pairs<T>("div trunc " + dtype, all, divisors,
                 [](A a, A b) { return ops::div(a, b, "trunc"); },
                 both([](T a, T b) { return wrap_to<T>(I128(a) / I128(b)); }, km::TruncDivide{}));
  check_pairs<T>("remainder " + dtype, all, divisors,
                 [](A a, A b) { return ops::remainder(a, b); },
                 both([](T a, T b) { return wrap_to<T>(I128(a) - floor_div(a, b) * I128(b)); },
                      km::Remainder{}));
  check_pairs<T>("pow " + dtype, all, all, [](A a, A b) { return ops::pow(a, b); },
                 both([](T a, T b) { return pow_reference(a, b); }, km::Power{}));
  check_pairs<T>("bitwise_left_shift " + dtype, all, all,
                 [](A a, A b) { return ops::bitwise_left_shift(a, b); },
                 both([](T a, T b) { return shift_left_reference(a, b); }, km::ShiftLeft{}));
  check_pairs<T>("bitwise_right_shift " + dtype, all, all,
                 [](A a, A b) { return ops::bitwise_right_shift(a, b); },
                 both([](T a, T b) { return shift_right_reference(a, b); }, km::ShiftRight{}));
  check_pairs<T>("bitwise_and " + dtype, all, all,
                 [](A a, A b) { return ops::bitwise_and(a, b); },
                 both([](T a, T b) { return static_cast<T>(a & b); }, km::BitAnd{}));
  check_pairs<T>("bitwise_or " + dtype, all, all, [](A a, A b) { return ops::bitwise_or(a, b); },
                 both([](T a, T b) { return static_cast<T>(a | b); }, km::BitOr{}));
  check_pairs<T>("bitwise_xor " + dtype, all, all,
                 [](A a, A b) { return ops::bitwise_xor(a, b); },
                 both([](T a, T b) { return static_cast<T>(a ^ b); }, km::BitXor{}));
  check_each<T>("bitwise_not " + dtype, all, [](A a) { return ops::bitwise_not(a); },
                [](T a) {
                  const T cuda = as_on_cuda<T>(km::BitNot{}, a);
                  return same(cuda, static_cast<T>(~a)) ? static_cast<T>(~a) : cuda;
                });
  // Division by zero raises on the CPU (and on CUDA, checked before the kernel).
  const tb::TensorBase zero_divisor = make<T>({T(3), T(0)}, {2});
  EXPECT_THROW(ops::floor_divide(make<T>({T(1), T(1)}, {2}), zero_divisor), tb::Error);
  EXPECT_THROW(ops::remainder(make<T>({T(1), T(1)}, {2}), zero_divisor), tb::Error);
}

}  // namespace scalar_math_test

using namespace scalar_math_test;

TEST(ScalarMath, IntegerOpsMatchExactDefinitionsAndTheCudaRoute) {
  check_integer_ops<int64_t>();
  check_integer_ops<int32_t>();
  check_integer_ops<int16_t>();
  check_integer_ops<int8_t>();
  check_integer_ops<uint8_t>();
  check_integer_ops<uint16_t>();
  check_integer_ops<uint32_t>();
  check_integer_ops<uint64_t>();  // native on CUDA: no wider type
}

// Bool bitwise ops run natively on CUDA (a wide ~true would not be false).
TEST(ScalarMath, BoolBitwiseOps) {
  const std::vector<bool> v = {false, true};
  using A = const tb::TensorBase&;
  check_pairs<bool>("bitwise_and", v, v, [](A a, A b) { return ops::bitwise_and(a, b); },
                    [](bool a, bool b) { return a && b; });
  check_pairs<bool>("bitwise_or", v, v, [](A a, A b) { return ops::bitwise_or(a, b); },
                    [](bool a, bool b) { return a || b; });
  check_pairs<bool>("bitwise_xor", v, v, [](A a, A b) { return ops::bitwise_xor(a, b); },
                    [](bool a, bool b) { return a != b; });
  check_each<bool>("bitwise_not", v, [](A a) { return ops::bitwise_not(a); },
                   [](bool a) { return !a; });
  for (bool a : v) {
    EXPECT_EQ(km::BitNot{}(a), !a);
    for (bool b : v) {
      EXPECT_EQ(km::BitAnd{}(a, b), a && b);
      EXPECT_EQ(km::BitOr{}(a, b), a || b);
      EXPECT_EQ(km::BitXor{}(a, b), a != b);
    }
  }
}

// Integer edge cases whose results are documented by PyTorch / Python.
TEST(ScalarMath, IntegerEdgeCasesAsPyTorch) {
  constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
  EXPECT_EQ(km::FloorDivide{}(int64_t(-7), int64_t(2)), -4);
  EXPECT_EQ(km::Remainder{}(int64_t(-7), int64_t(2)), 1);
  EXPECT_EQ(km::Remainder{}(int64_t(7), int64_t(-2)), -1);
  EXPECT_EQ(km::TruncDivide{}(int64_t(-7), int64_t(2)), -3);
  EXPECT_EQ(km::FloorDivide{}(kMin, int64_t(-1)), kMin);  // wraps: 2^63 is not an int64
  EXPECT_EQ(km::Remainder{}(kMin, int64_t(-1)), 0);
  EXPECT_EQ(km::Power{}(int64_t(2), int64_t(63)), kMin);
  EXPECT_EQ(km::Power{}(int64_t(-1), int64_t(-3)), -1);
  EXPECT_EQ(km::Power{}(int64_t(2), int64_t(-1)), 0);
  EXPECT_EQ(km::ShiftLeft{}(int8_t(1), int8_t(7)), int8_t(-128));
  EXPECT_EQ(km::ShiftLeft{}(int8_t(1), int8_t(8)), 0);
  EXPECT_EQ(km::ShiftRight{}(int8_t(-1), int8_t(100)), -1);
  EXPECT_EQ(km::ShiftRight{}(int32_t(-5), int32_t(1)), -3);
  EXPECT_EQ(km::ShiftRight{}(uint8_t(200), uint8_t(8)), 0);
}

// Float rounded division and remainder: values checked with Python 3 (//, %, math.atan2),
// which PyTorch follows for these.
TEST(ScalarMath, FloatDivisionAndRemainderAsPython) {
  const double inf = std::numeric_limits<double>::infinity();
  struct Case {
    double a, b, floor_div, remainder;
  };
  for (const Case& c : {Case{7.5, 2, 3, 1.5}, Case{-7.5, 2, -4, 0.5}, Case{7.5, -2, -4, -0.5},
                        Case{-7.5, -2, 3, -1.5}, Case{5, inf, 0, 5}, Case{-5, inf, -1, inf},
                        Case{-1e-300, 1e300, -1, 1e300},
                        Case{1e308, 3, 3.333333333333333e307, 2}}) {
    EXPECT_EQ(km::FloorDivide{}(c.a, c.b), c.floor_div) << c.a << " // " << c.b;
    EXPECT_EQ(km::Remainder{}(c.a, c.b), c.remainder) << c.a << " % " << c.b;
  }
  EXPECT_TRUE(std::signbit(km::FloorDivide{}(-0.0, 1.0)));  // Python: -0.0 // 1 == -0.0
  EXPECT_TRUE(std::signbit(km::FloorDivide{}(0.0, -1.0)));
  EXPECT_EQ(km::FloorDivide{}(5.0, -0.0), -inf);  // PyTorch: a / b where b is zero
  EXPECT_TRUE(std::isnan(km::Remainder{}(5.0, 0.0)));
  EXPECT_EQ(km::TruncDivide{}(-7.5, 2.0), -3.0);
  EXPECT_EQ(km::Atan2{}(0.0, -0.0), 3.141592653589793);
  EXPECT_EQ(km::Atan2{}(-0.0, -0.0), -3.141592653589793);
  EXPECT_EQ(km::Atan2{}(inf, inf), 0.7853981633974483);
  // Single precision computes in float (the CUDA kernels' op math for float16/bfloat16).
  EXPECT_EQ(km::Remainder{}(-7.5f, 2.0f), 0.5f);
  EXPECT_EQ(km::FloorDivide{}(-7.5f, 2.0f), -4.0f);
}

// The float binary ops of every float dtype against the CPU ops, on every pair of edge values;
// float16/bfloat16 as the CUDA kernels compute them (in float, rounded once on store).
template <typename T>
void check_float_binary() {
  const std::string dtype(tb::dtype_name(tb::dtype_v<T>));
  const std::vector<T> v = float_values<T>();
  using A = const tb::TensorBase&;
  auto cuda = [](auto f) { return [f](T a, T b) { return as_on_cuda<T>(f, a, b); }; };
  check_pairs<T>("floor_divide " + dtype, v, v, [](A a, A b) { return ops::floor_divide(a, b); },
                 cuda(km::FloorDivide{}));
  check_pairs<T>("div trunc " + dtype, v, v, [](A a, A b) { return ops::div(a, b, "trunc"); },
                 cuda(km::TruncDivide{}));
  check_pairs<T>("remainder " + dtype, v, v, [](A a, A b) { return ops::remainder(a, b); },
                 cuda(km::Remainder{}));
  check_pairs<T>("pow " + dtype, v, v, [](A a, A b) { return ops::pow(a, b); }, cuda(km::Power{}));
  check_pairs<T>("atan2 " + dtype, v, v, [](A a, A b) { return ops::atan2(a, b); },
                 cuda(km::Atan2{}));
}

TEST(ScalarMath, FloatBinaryOpsMatchTheCpuForEveryFloatDtype) {
  check_float_binary<double>();
  check_float_binary<float>();
  check_float_binary<tb::half>();
  check_float_binary<tb::bfloat16>();
}

// Properties of Python's float % and // on every finite pair of edge values: the remainder
// has the divisor's sign and is at most |b|; the quotient is a whole number.
TEST(ScalarMath, FloatRemainderHasTheDivisorsSign) {
  for (double a : float_edges()) {
    for (double b : float_edges()) {
      if (!std::isfinite(a) || !std::isfinite(b) || b == 0) continue;
      const double r = km::Remainder{}(a, b);
      const double q = km::FloorDivide{}(a, b);
      EXPECT_TRUE(r == 0 || std::signbit(r) == std::signbit(b)) << a << " % " << b << " = " << r;
      EXPECT_LE(std::fabs(r), std::fabs(b)) << a << " % " << b;
      EXPECT_EQ(q, std::floor(q)) << a << " // " << b;
    }
  }
}

// round(x) (half to even) and round(x, decimals) against the CPU's Eigen rint and its own
// formula, for every float dtype; the CUDA kernels use km::RoundHalfEven / km::RoundDecimals.
template <typename T>
void check_round() {
  const std::string dtype(tb::dtype_name(tb::dtype_v<T>));
  std::vector<T> v = float_values<T>();
  for (double x : {0.49999997, 1.4999999, 2.675, -2.675, 1234.5, 1250.0, -0.05, 4503599627370497.0,
                   8388609.0, 0.125, 0.375}) {
    v.push_back(static_cast<T>(x));
  }
  using A = const tb::TensorBase&;
  using C = std::conditional_t<is_reduced_v<T>, float, T>;
  check_each<T>("round " + dtype, v, [](A a) { return ops::round(a); },
                [](T a) { return as_on_cuda<T>(km::RoundHalfEven{}, a); });
  for (int64_t decimals : {-3, -1, 1, 2, 3, 40, 400}) {
    // Scaled as the CUDA kernel does: 10^|decimals| in double, rounded to the op math type.
    const auto scale = static_cast<C>(std::pow(10.0, double(decimals < 0 ? -decimals : decimals)));
    const km::RoundDecimals<C> f{scale, decimals < 0};
    check_each<T>("round(decimals=" + std::to_string(decimals) + ") " + dtype, v,
                  [&](A a) { return ops::round(a, decimals); },
                  [&](T a) { return as_on_cuda<T>(f, a); });
  }
}

TEST(ScalarMath, RoundHalfToEvenMatchesTheCpu) {
  EXPECT_EQ(km::RoundHalfEven{}(0.5), 0.0);
  EXPECT_EQ(km::RoundHalfEven{}(1.5), 2.0);
  EXPECT_EQ(km::RoundHalfEven{}(2.5), 2.0);
  EXPECT_EQ(km::RoundHalfEven{}(-2.5), -2.0);
  EXPECT_TRUE(std::signbit(km::RoundHalfEven{}(-0.4)));
  check_round<double>();
  check_round<float>();
  check_round<tb::half>();
  check_round<tb::bfloat16>();
}

// gelu (erf) and its tanh approximation: the CUDA formula against the CPU's Eigen one, to
// the float type's accuracy (relative to the result, plus a few ulps of the compute type
// times |x|: for x < -3, 1 + erf(...) and 1 + tanh(...) cancel); NaN and infinities exactly.
template <typename T>
void check_gelu(double rtol) {
  using C = std::conditional_t<is_reduced_v<T>, float, T>;
  const double eps = std::numeric_limits<C>::epsilon();
  const double atol = std::numeric_limits<C>::denorm_min();
  const std::string dtype(tb::dtype_name(tb::dtype_v<T>));
  std::vector<T> v = float_values<T>();
  for (int i = -400; i <= 400; ++i) v.push_back(static_cast<T>(i / 40.0));
  const auto n = static_cast<int64_t>(v.size());
  const tb::TensorBase x = make(v, {n});
  for (const char* approximate : {"none", "tanh"}) {
    const tb::TensorBase r = ops::gelu(x, approximate).to(DType::Float64).contiguous();
    const auto* p = static_cast<const double*>(r.data_ptr());
    for (int64_t i = 0; i < n; ++i) {
      const double want = std::string(approximate) == "tanh"
                              ? as_double(as_on_cuda<T>(km::GeluTanh{}, v[i]))
                              : as_double(as_on_cuda<T>(km::Gelu{}, v[i]));
      if (std::isnan(want) || std::isinf(want)) {
        EXPECT_TRUE(std::isnan(want) ? std::isnan(p[i]) : p[i] == want)
            << "gelu " << approximate << " " << dtype << "(" << show(v[i]) << ") = " << p[i]
            << ", expected " << want;
      } else {
        const double x = as_double(v[i]);
        EXPECT_NEAR(p[i], want, atol + rtol * std::fabs(want) + 8 * eps * std::fabs(x))
            << "gelu " << approximate << " " << dtype << "(" << show(v[i]) << ")";
      }
    }
  }
}

TEST(ScalarMath, GeluFormulasMatchTheCpu) {
  check_gelu<double>(1e-13);
  check_gelu<float>(4e-6);
  check_gelu<tb::half>(1e-3);
  check_gelu<tb::bfloat16>(8e-3);
}

// The other ops the CUDA kernels run for bool and the narrow integers in int32 (uint32 in
// int64): arithmetic, comparisons, extremes and the integer unary ops, against the CPU ops
// on every pair of edge values. The CUDA functors' integer semantics are the CPU functors'.
template <typename T>
void check_wide_route() {
  namespace cpu = tensorbridge::kernels::cpu;
  const std::string dtype(tb::dtype_name(tb::dtype_v<T>));
  const std::vector<T> v = std::is_same_v<T, bool> ? std::vector<T>{T(0), T(1)} : int_edges<T>();
  using A = const tb::TensorBase&;
  auto cuda = [](auto f) { return [f](T a, T b) { return as_on_cuda<T>(f, a, b); }; };
  auto cuda_bool = [](auto f) {
    return [f](T a, T b) { return f(static_cast<wide_t<T>>(a), static_cast<wide_t<T>>(b)); };
  };
  check_pairs<T>("add " + dtype, v, v, [](A a, A b) { return ops::add(a, b); },
                 cuda(cpu::AddFn{}));
  if constexpr (std::is_same_v<T, bool>) {
    check_pairs<T>("add alpha " + dtype, v, v, [](A a, A b) { return ops::add(a, b, false); },
                   cuda(cpu::AddAlphaFn<wide_t<T>>{0}));
  } else {
    check_pairs<T>("add alpha " + dtype, v, v, [](A a, A b) { return ops::add(a, b, 300); },
                   cuda(cpu::AddAlphaFn<wide_t<T>>{300}));
    check_pairs<T>("sub " + dtype, v, v, [](A a, A b) { return ops::sub(a, b); },
                   cuda(cpu::SubFn{}));
  }
  check_pairs<T>("mul " + dtype, v, v, [](A a, A b) { return ops::mul(a, b); },
                 cuda(cpu::MulFn{}));
  check_pairs<T>("maximum " + dtype, v, v, [](A a, A b) { return ops::maximum(a, b); },
                 cuda(cpu::MaximumFn{}));
  check_pairs<T>("minimum " + dtype, v, v, [](A a, A b) { return ops::minimum(a, b); },
                 cuda(cpu::MinimumFn{}));
  check_pairs<T, bool>("lt " + dtype, v, v, [](A a, A b) { return ops::lt(a, b); },
                       cuda_bool(cpu::LtFn{}));
  check_pairs<T, bool>("eq " + dtype, v, v, [](A a, A b) { return ops::eq(a, b); },
                       cuda_bool(cpu::EqFn{}));
  check_each<T>("sign " + dtype, v, [](A a) { return ops::sign(a); },
                [](T a) { return as_on_cuda<T>(cpu::SignFn{}, a); });
  if constexpr (!std::is_same_v<T, bool>) {
    check_each<T>("abs " + dtype, v, [](A a) { return ops::abs(a); },
                  [](T a) { return as_on_cuda<T>(cpu::AbsFn{}, a); });
    check_each<T>("neg " + dtype, v, [](A a) { return ops::neg(a); },
                  [](T a) { return as_on_cuda<T>(cpu::NegFn{}, a); });
    check_each<T>("square " + dtype, v, [](A a) { return ops::square(a); },
                  [](T a) { return as_on_cuda<T>(cpu::SquareFn{}, a); });
    check_each<T>("relu " + dtype, v, [](A a) { return ops::relu(a); },
                  [](T a) { return as_on_cuda<T>(cpu::ReluFn{}, a); });
  }
}

TEST(ScalarMath, BoolAndNarrowIntegersThroughTheWideTypeMatchTheCpu) {
  check_wide_route<bool>();
  check_wide_route<int8_t>();
  check_wide_route<int16_t>();
  check_wide_route<uint8_t>();
  check_wide_route<uint16_t>();
  check_wide_route<uint32_t>();
}

// A scalar operand reaches the wide computation as the narrow dtype sees it (the CUDA path
// converts it to the narrow type first): uint8 + 300 adds 44, uint8 < 300 compares with 44.
TEST(ScalarMath, ScalarOperandsOfNarrowDtypesWrapFirst) {
  const tb::TensorBase x = tb::from_vector(std::vector<uint8_t>{10, 43, 44, 45, 250}, {5});
  EXPECT_EQ(ops::add(x, 300).as<const uint8_t>().to_vector(),
            (std::vector<uint8_t>{54, 87, 88, 89, 38}));
  const tb::TensorBase lt = ops::lt(x, 300).to(DType::UInt8);
  EXPECT_EQ(lt.as<const uint8_t>().to_vector(), (std::vector<uint8_t>{1, 1, 0, 0, 0}));
  EXPECT_EQ(tb::Scalar(300).to<uint8_t>(), 44);
}

// ---- the device front end, on an emulated device ------------------------------------------
// ops/device_dispatch.hpp calls the CUDA kernel table by name; the variants of the ops added
// for CUDA reach it under their own names (div's rounding modes, gelu's approximation,
// round's decimals as the scalar operand) or it would run the wrong kernel. Checked with a
// table that records its calls, over "cuda:0" tensors whose memory is host memory.
namespace scalar_math_test {

struct KernelCall {
  std::string kind, op;
  bool a_tensor = false, b_tensor = false;
  double scalar = 0;  // the scalar operand, when there is one
  const void* out = nullptr;
};
inline std::vector<KernelCall>& kernel_calls() {
  static std::vector<KernelCall> calls;
  return calls;
}

[[noreturn]] inline void no_copies(const tb::TensorBase&, const tb::TensorBase&, bool) {
  throw std::logic_error("the emulated device does not copy");
}
[[noreturn]] inline void no_fills(const tb::TensorBase&, const tb::Scalar&) {
  throw std::logic_error("the emulated device does not fill");
}

inline void record_binary(const char* op, const tb::TensorBase& out, const tb::TensorBase* a,
                          const tb::Scalar& sa, const tb::TensorBase* b, const tb::Scalar& sb,
                          const tb::Scalar&) {
  const tb::Scalar& s = a == nullptr ? sa : sb;
  kernel_calls().push_back({"binary", op, a != nullptr, b != nullptr, s.to<double>(),
                            out.data_ptr()});
}
inline void record_unary(const char* op, const tb::TensorBase& out, const tb::TensorBase&) {
  kernel_calls().push_back({"unary", op, true, false, 0, out.data_ptr()});
}
inline void record_reduce(const char* op, const tb::TensorBase& out, const tb::TensorBase&) {
  kernel_calls().push_back({"reduce", op, true, false, 0, out.data_ptr()});
}

// Installs the emulated device's hooks and the recording kernels; restores the old ones.
class EmulatedDevice {
 public:
  EmulatedDevice() { kernel_calls().clear(); }

 private:
  static tb::detail::DeviceHooks make_hooks() {
    tb::detail::DeviceHooks h{};  // what the front end needs: allocation; the rest refuses
    h.allocate = &tbtest::emulated_device_memory;
    h.copy = &no_copies;
    h.fill = &no_fills;
    h.current_device = [] { return 0; };
    return h;
  }
  static ops::DeviceKernels make_kernels() {
    ops::DeviceKernels k{};
    k.binary = &record_binary;
    k.unary = &record_unary;
    k.reduce = &record_reduce;
    return k;
  }
  static inline const tb::detail::DeviceHooks kHooks = make_hooks();
  static inline const ops::DeviceKernels kKernels = make_kernels();
  tbtest::ScopedDeviceTables tables_{kHooks, kKernels};
};

// The one kernel call `run` makes.
template <typename F>
KernelCall only_call(F&& run) {
  kernel_calls().clear();
  run();
  EXPECT_EQ(kernel_calls().size(), 1u);
  return kernel_calls().empty() ? KernelCall{} : kernel_calls().front();
}

}  // namespace scalar_math_test

TEST(ScalarMath, DeviceFrontEndCallsTheKernelsByTheirNames) {
  EmulatedDevice emulated;
  const tb::Device gpu = tb::Device::cuda(0);
  const tb::TensorBase x = tb::empty({2, 3}, DType::Float32, gpu);
  const tb::TensorBase i = tb::empty({2, 3}, DType::Int32, gpu);
  auto expect_call = [](const KernelCall& c, const char* kind, const char* op) {
    EXPECT_EQ(c.kind, kind) << op;
    EXPECT_EQ(c.op, op);
  };
  expect_call(only_call([&] { ops::div(x, x); }), "binary", "div");
  expect_call(only_call([&] { ops::div(x, x, "trunc"); }), "binary", "div_trunc");
  expect_call(only_call([&] { ops::div(i, i, "floor"); }), "binary", "floor_divide");
  expect_call(only_call([&] { ops::floor_divide(i, i); }), "binary", "floor_divide");
  expect_call(only_call([&] { ops::remainder(x, 2.5); }), "binary", "remainder");
  expect_call(only_call([&] { ops::atan2(x, x); }), "binary", "atan2");
  expect_call(only_call([&] { ops::bitwise_left_shift(i, i); }), "binary", "bitwise_left_shift");
  expect_call(only_call([&] { ops::bitwise_not(i); }), "unary", "bitwise_not");
  expect_call(only_call([&] { ops::gelu(x); }), "unary", "gelu");
  expect_call(only_call([&] { ops::gelu(x, "tanh"); }), "unary", "gelu_tanh");
  expect_call(only_call([&] { ops::round(x); }), "unary", "round");
  expect_call(only_call([&] { ops::prod(x, {1}); }), "reduce", "prod");
  // In place, the kernel writes self.
  const KernelCall div_ = only_call([&] { ops::div_(x, x, "floor"); });
  expect_call(div_, "binary", "floor_divide");
  EXPECT_EQ(div_.out, x.data_ptr());
  // Scalars on either side, and round's decimals as the scalar operand.
  const KernelCall pow = only_call([&] { ops::pow(2.0, x); });
  expect_call(pow, "binary", "pow");
  EXPECT_FALSE(pow.a_tensor);
  EXPECT_TRUE(pow.b_tensor);
  EXPECT_EQ(pow.scalar, 2.0);
  const KernelCall round = only_call([&] { ops::round(x, -2); });
  expect_call(round, "binary", "round_decimals");
  EXPECT_TRUE(round.a_tensor);
  EXPECT_FALSE(round.b_tensor);
  EXPECT_EQ(round.scalar, -2.0);
  const KernelCall round_ = only_call([&] { ops::round_(x, 3); });
  expect_call(round_, "binary", "round_decimals");
  EXPECT_EQ(round_.out, x.data_ptr());
  // The front end's own checks come first: bool has no round, floats no shifts.
  EXPECT_THROW(ops::round(tb::empty({2}, DType::Bool, gpu), 1), tb::TypeError);
  EXPECT_THROW(ops::bitwise_left_shift(x, x), tb::TypeError);
}
