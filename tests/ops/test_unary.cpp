// Unary elementwise ops: values against the C++ standard library applied element by element
// (an independent reference), dtypes (integers to float32, float16 computed in float32),
// every layout, NaN/inf, integer edge cases, in-place refusals.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "tensorbridge/tensorbridge.hpp"
#include "test_elementwise_util.hpp"

namespace tb = tensorbridge;
using tb::DType;
using tbtest::as_doubles;
using tbtest::make;

namespace {

struct FloatCase {
  std::string name;
  std::function<tb::TensorBase(const tb::TensorBase&)> op;
  std::function<double(double)> ref;
  double lo, hi;  // input range
};

double gelu_ref(double x) { return 0.5 * x * (1 + std::erf(x / std::sqrt(2.0))); }
double gelu_tanh_ref(double x) {
  return 0.5 * x * (1 + std::tanh(std::sqrt(2 / M_PI) * (x + 0.044715 * x * x * x)));
}

const std::vector<FloatCase>& float_cases() {
  static const std::vector<FloatCase> cases = {
      {"exp", [](auto& t) { return tb::exp(t); }, [](double x) { return std::exp(x); }, -20, 20},
      {"expm1", [](auto& t) { return tb::expm1(t); }, [](double x) { return std::expm1(x); }, -3, 3},
      {"log", [](auto& t) { return tb::log(t); }, [](double x) { return std::log(x); }, 1e-3, 1e3},
      {"log1p", [](auto& t) { return tb::log1p(t); }, [](double x) { return std::log1p(x); }, -0.9, 10},
      {"log2", [](auto& t) { return tb::log2(t); }, [](double x) { return std::log2(x); }, 1e-3, 1e3},
      {"log10", [](auto& t) { return tb::log10(t); }, [](double x) { return std::log10(x); }, 1e-3, 1e3},
      {"sqrt", [](auto& t) { return tb::sqrt(t); }, [](double x) { return std::sqrt(x); }, 0, 100},
      {"rsqrt", [](auto& t) { return tb::rsqrt(t); }, [](double x) { return 1 / std::sqrt(x); }, 0.01, 100},
      {"sin", [](auto& t) { return tb::sin(t); }, [](double x) { return std::sin(x); }, -10, 10},
      {"cos", [](auto& t) { return tb::cos(t); }, [](double x) { return std::cos(x); }, -10, 10},
      {"tan", [](auto& t) { return tb::tan(t); }, [](double x) { return std::tan(x); }, -1.5, 1.5},
      {"tanh", [](auto& t) { return tb::tanh(t); }, [](double x) { return std::tanh(x); }, -10, 10},
      {"sigmoid", [](auto& t) { return tb::sigmoid(t); }, [](double x) { return 1 / (1 + std::exp(-x)); }, -20, 20},
      {"erf", [](auto& t) { return tb::erf(t); }, [](double x) { return std::erf(x); }, -4, 4},
      {"gelu", [](auto& t) { return tb::gelu(t); }, gelu_ref, -6, 6},
      {"gelu_tanh", [](auto& t) { return tb::gelu(t, "tanh"); }, gelu_tanh_ref, -6, 6},
      {"reciprocal", [](auto& t) { return tb::reciprocal(t); }, [](double x) { return 1 / x; }, 0.1, 10},
      {"neg", [](auto& t) { return tb::neg(t); }, [](double x) { return -x; }, -5, 5},
      {"abs", [](auto& t) { return tb::abs(t); }, [](double x) { return std::fabs(x); }, -5, 5},
      {"square", [](auto& t) { return tb::square(t); }, [](double x) { return x * x; }, -5, 5},
      {"relu", [](auto& t) { return tb::relu(t); }, [](double x) { return x > 0 ? x : 0; }, -5, 5},
      {"sign", [](auto& t) { return tb::sign(t); }, [](double x) { return (x > 0) - (x < 0); }, -5, 5},
      {"floor", [](auto& t) { return tb::floor(t); }, [](double x) { return std::floor(x); }, -5, 5},
      {"ceil", [](auto& t) { return tb::ceil(t); }, [](double x) { return std::ceil(x); }, -5, 5},
      {"trunc", [](auto& t) { return tb::trunc(t); }, [](double x) { return std::trunc(x); }, -5, 5},
      {"round", [](auto& t) { return tb::round(t); }, [](double x) { return std::nearbyint(x); }, -5, 5},
  };
  return cases;
}

// The reference applied to each element read through the tensor's strides.
template <typename T>
std::vector<double> apply_ref(const tb::TensorBase& t, const std::function<double(double)>& f) {
  std::vector<double> out;
  for (double v : as_doubles<T>(t)) out.push_back(f(v));
  return out;
}

}  // namespace

TEST(Unary, Float32AndFloat64MatchTheStandardLibrary) {
  for (const FloatCase& c : float_cases()) {
    SCOPED_TRACE(c.name);
    // 1000 points (several vector widths plus a tail) across the range.
    auto x32 = make<float>({1000}, [&](int64_t i) { return c.lo + (c.hi - c.lo) * i / 999.0; });
    auto r32 = c.op(x32);
    EXPECT_EQ(r32.dtype(), DType::Float32);
    tbtest::expect_all_near(as_doubles<float>(r32), apply_ref<float>(x32, c.ref), 2e-6, 1e-6);
    auto x64 = tb::TensorBase(x32).to(DType::Float64);
    auto r64 = c.op(x64);
    EXPECT_EQ(r64.dtype(), DType::Float64);
    tbtest::expect_all_near(as_doubles<double>(r64), apply_ref<double>(x64, c.ref), 1e-12, 1e-14);
  }
}

// Relative, not just absolute, accuracy where the result is tiny: PyTorch's float sigmoid is
// within an ulp of 1 / (1 + exp(-x)) there (Eigen's logistic() was off by 4.5e-5 at -10).
TEST(Unary, Float32SigmoidIsAccurateRelativeToItsValue) {
  std::vector<float> xs;
  for (float x = -80.f; x <= 20.f; x += 0.37f) xs.push_back(x);
  const std::vector<double> got = as_doubles<float>(tb::sigmoid(tb::tensor(xs)));
  for (size_t i = 0; i < xs.size(); ++i) {
    const double exact = 1 / (1 + std::exp(-double(xs[i])));
    EXPECT_NEAR(got[i], exact, 4e-7 * exact) << "sigmoid(" << xs[i] << ")";
  }
}

TEST(Unary, EveryLayout) {
  auto base = make<float>({6, 8}, [](int64_t i) { return 0.1 * i - 2.0; });
  const std::vector<tb::TensorBase> views = {
      base, tb::TensorBase(base).t(), tb::TensorBase(base).flip({0, 1}),
      tb::TensorBase(base).slice(0, 1, 6, 2).slice(1, 0, 8, 3),
      tb::TensorBase(make<float>({1, 8}, [](int64_t i) { return i * 0.3; })).expand({5, 8}),
      tb::scalar_tensor(0.75f), tb::zeros<float>({0, 4})};
  for (const auto& v : views) {
    for (const FloatCase& c : float_cases()) {
      if (c.name != "exp" && c.name != "tanh" && c.name != "abs" && c.name != "gelu") continue;
      SCOPED_TRACE(c.name + " on shape " + tb::shape_str(v.shape()));
      auto r = c.op(v);
      EXPECT_EQ(r.shape(), v.shape());
      tbtest::expect_all_near(as_doubles<float>(r), apply_ref<float>(v, c.ref), 2e-6, 1e-6);
    }
  }
}

TEST(Unary, IntegersBecomeFloat32ForFloatingFunctions) {
  auto i = tb::tensor<int32_t>({0, 1, 4});
  auto e = tb::exp(i);
  EXPECT_EQ(e.dtype(), DType::Float32);
  tbtest::expect_all_near(as_doubles<float>(e), {1, std::exp(1.0), std::exp(4.0)}, 1e-6);
  EXPECT_EQ(tb::sqrt(i).dtype(), DType::Float32);
  EXPECT_EQ(tb::sigmoid(tb::ones({2}, DType::Bool)).dtype(), DType::Float32);
  EXPECT_EQ(tb::reciprocal(tb::tensor<int64_t>({2})).dtype(), DType::Float32);
  // Integer-preserving ops keep the dtype (torch 2.13: floor/abs/square of int64 are int64).
  EXPECT_EQ(tb::floor(i).dtype(), DType::Int32);
  EXPECT_EQ(as_doubles<int32_t>(tb::floor(i)), (std::vector<double>{0, 1, 4}));
  EXPECT_EQ(tb::square(tb::ones({2}, DType::Bool)).dtype(), DType::Int64);  // like pow(b, 2)
  EXPECT_EQ(tb::sign(tb::tensor<int64_t>({-3, 0, 5})).as<int64_t>().to_vector(),
            (std::vector<int64_t>{-1, 0, 1}));
}

TEST(Unary, HalfPrecisionComputesInFloat) {
  auto h = tb::tensor({0.5f, 1.0f, 2.0f}).to(DType::Float16);
  auto e = tb::exp(h);
  EXPECT_EQ(e.dtype(), DType::Float16);
  // The float32 result rounded once to float16.
  for (int k = 0; k < 3; ++k) {
    const float x = float(h.as<tb::half>().at(k));
    EXPECT_EQ(float(e.as<tb::half>().at(k)), float(tb::half(std::exp(x))));
  }
  auto b = tb::tensor({-1.0f, 3.0f}).to(DType::BFloat16);
  EXPECT_EQ(as_doubles<tb::bfloat16>(tb::relu(b)), (std::vector<double>{0, 3}));
  EXPECT_EQ(as_doubles<tb::bfloat16>(tb::abs(b.flip({0}))), (std::vector<double>{3, 1}));
}

TEST(Unary, NaNAndInfinity) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const float inf = std::numeric_limits<float>::infinity();
  auto x = tb::tensor({nan, inf, -inf, 0.f, -0.f, 1.f});
  EXPECT_EQ(as_doubles<bool>(tb::isnan(x)), (std::vector<double>{1, 0, 0, 0, 0, 0}));
  EXPECT_EQ(as_doubles<bool>(tb::isinf(x)), (std::vector<double>{0, 1, 1, 0, 0, 0}));
  EXPECT_EQ(as_doubles<bool>(tb::isfinite(x)), (std::vector<double>{0, 0, 0, 1, 1, 1}));
  EXPECT_EQ(as_doubles<bool>(tb::isnan(tb::tensor<int32_t>({1}))), (std::vector<double>{0}));
  tbtest::expect_all_near(as_doubles<float>(tb::exp(x)), {nan, inf, 0, 1, 1, std::exp(1.0)});
  tbtest::expect_all_near(as_doubles<float>(tb::log(x)), {nan, inf, nan, -inf, -inf, 0});
  // exp underflows to exactly 0 (Eigen's vectorized exp alone gives a denormal for -inf),
  // on the contiguous path and the buffered strided one.
  auto neg = tb::tensor({-INFINITY, -200.f, -87.f});
  for (const auto& v : {tb::TensorBase(neg), tb::TensorBase(neg).expand({2, 3}).t()}) {
    const auto in = as_doubles<float>(v);
    const auto e = as_doubles<float>(tb::exp(v));
    for (std::size_t k = 0; k < in.size(); ++k) {
      if (in[k] < -88) {
        EXPECT_EQ(e[k], 0.0) << "exp(" << in[k] << ")";
      } else {
        EXPECT_TRUE(tbtest::near(e[k], std::exp(in[k]), 1e-5, 0));
      }
    }
  }
  EXPECT_EQ(as_doubles<double>(tb::exp(tb::tensor<double>({-INFINITY, -1000.0}))), (std::vector<double>{0, 0}));
  tbtest::expect_all_near(as_doubles<float>(tb::sqrt(tb::tensor({-1.f}))), {nan});
  tbtest::expect_all_near(as_doubles<float>(tb::tanh(x)), {nan, 1, -1, 0, 0, std::tanh(1.0)});
  tbtest::expect_all_near(as_doubles<float>(tb::sigmoid(x)), {nan, 1, 0, 0.5, 0.5, 1 / (1 + std::exp(-1.0))});
  // torch 2.13: relu(nan) = nan, sign(nan) = 0.
  tbtest::expect_all_near(as_doubles<float>(tb::relu(x)), {nan, inf, 0, 0, 0, 1});
  tbtest::expect_all_near(as_doubles<float>(tb::sign(x)), {0, 1, -1, 0, 0, 1});
}

// Every vector lane (67 elements: full registers plus a tail), exactly as std::sqrt rounds:
// +inf stays +inf, -0 stays -0, negatives give NaN, subnormals keep their value.
TEST(Unary, SqrtIsCorrectlyRoundedInEveryLane) {
  const double inf = std::numeric_limits<double>::infinity();
  for (double v : {inf, 0.0, -0.0, -1.0, 2.0, 1e-40, 3.7, 1e300}) {
    const tb::TensorBase f = tb::sqrt(tb::full({67}, v, DType::Float32));
    const tb::TensorBase d = tb::sqrt(tb::full({67}, v, DType::Float64));
    const float want_f = std::sqrt(static_cast<float>(v));
    const double want_d = std::sqrt(v);
    const auto* pf = static_cast<const float*>(f.data_ptr());
    const auto* pd = static_cast<const double*>(d.data_ptr());
    for (int i = 0; i < 67; ++i) {
      if (std::isnan(want_d)) {
        EXPECT_TRUE(std::isnan(pf[i]) && std::isnan(pd[i])) << v << " lane " << i;
        continue;
      }
      EXPECT_EQ(pf[i], want_f) << v << " lane " << i;
      EXPECT_EQ(std::signbit(pf[i]), std::signbit(want_f)) << v << " lane " << i;
      EXPECT_EQ(pd[i], want_d) << v << " lane " << i;
      EXPECT_EQ(std::signbit(pd[i]), std::signbit(want_d)) << v << " lane " << i;
    }
  }
  const tb::TensorBase x = tb::arange(1, 20001, 1, DType::Float32).mul(tb::Scalar(0.37));
  const tb::TensorBase y = tb::sqrt(x);
  const auto* px = static_cast<const float*>(x.data_ptr());
  const auto* py = static_cast<const float*>(y.data_ptr());
  for (int i = 0; i < 20000; ++i) ASSERT_EQ(py[i], std::sqrt(px[i])) << px[i];
}

TEST(Unary, RoundHalfToEvenAndDecimals) {
  // torch 2.13: round([2.5, 3.5, -2.5, 0.5, -0.5]) = [2, 4, -2, 0, -0];
  // round(1.2345, decimals=2) = 1.23; round(1234.5, decimals=-2) = 1200.
  auto x = tb::tensor({2.5f, 3.5f, -2.5f, 0.5f, -0.5f, 1.5f});
  EXPECT_EQ(as_doubles<float>(tb::round(x)), (std::vector<double>{2, 4, -2, 0, -0.0, 2}));
  EXPECT_FLOAT_EQ(tb::round(tb::tensor({1.2345f}), 2).as<float>().item(), 1.23f);
  EXPECT_EQ(tb::round(tb::tensor({1234.5f, 1250.f, 1350.f}), -2).as<float>().to_vector(),
            (std::vector<float>{1200, 1200, 1400}));
  EXPECT_EQ(tb::round(tb::tensor<int64_t>({3})).dtype(), DType::Int64);
  tbtest::expect_throw_with<tb::TypeError>([] { tb::round(tb::tensor<int64_t>({3}), 1); },
                                           {"round", "int64"});
}

TEST(Unary, IntegerEdgeCases) {
  using L = std::numeric_limits<int8_t>;
  auto x = tb::tensor<int8_t>({L::min(), -1, 0, L::max()});
  // torch 2.13: abs(-128) and neg(-128) are -128 in int8 (wrap).
  EXPECT_EQ(tb::abs(x).as<int8_t>().to_vector(), (std::vector<int8_t>{L::min(), 1, 0, L::max()}));
  EXPECT_EQ(tb::neg(x).as<int8_t>().to_vector(), (std::vector<int8_t>{L::min(), 1, 0, -L::max()}));
  EXPECT_EQ((-x).as<int8_t>().to_vector(), (std::vector<int8_t>{L::min(), 1, 0, -L::max()}));
  EXPECT_EQ(tb::square(x).as<int8_t>().to_vector(), (std::vector<int8_t>{0, 1, 0, 1}));
  EXPECT_EQ(tb::relu(x).as<int8_t>().to_vector(), (std::vector<int8_t>{0, 0, 0, L::max()}));
  EXPECT_EQ((~x).as<int8_t>().to_vector(), (std::vector<int8_t>{L::max(), 0, -1, L::min()}));
  EXPECT_EQ(as_doubles<bool>(~tb::tensor<int64_t>({0, 1}).to(DType::Bool)), (std::vector<double>{1, 0}));
  EXPECT_EQ(as_doubles<bool>(tb::logical_not(tb::tensor({2.f, 0.f}))), (std::vector<double>{0, 1}));
}

TEST(Unary, RefusedDTypes) {
  auto m = tb::ones({2}, DType::Bool);
  tbtest::expect_throw_with<tb::TypeError>([&] { tb::neg(m); }, {"neg", "bool"});
  tbtest::expect_throw_with<tb::TypeError>([&] { tb::abs(m); }, {"abs", "bool"});
  tbtest::expect_throw_with<tb::TypeError>([&] { tb::relu(m); }, {"relu", "bool"});
  tbtest::expect_throw_with<tb::TypeError>([&] { ~tb::ones<float>({1}); }, {"bitwise_not", "float32"});
  tbtest::expect_throw_with<tb::ValueError>([] { tb::gelu(tb::ones<float>({1}), "fast"); }, {"gelu", "fast"});
}

TEST(Unary, ComplexInputs) {
  auto z = tb::tensor({tb::complex64(3, 4), tb::complex64(0, 1)});
  auto a = tb::abs(z);
  EXPECT_EQ(a.dtype(), DType::Float32);
  EXPECT_EQ(as_doubles<float>(a), (std::vector<double>{5, 1}));
  auto e = tb::exp(z).as<tb::complex64>().to_vector();
  EXPECT_NEAR(e[1].real(), std::cos(1.0), 1e-6);
  EXPECT_NEAR(e[1].imag(), std::sin(1.0), 1e-6);
  EXPECT_EQ(tb::neg(z).as<tb::complex64>().to_vector()[0], tb::complex64(-3, -4));
}

TEST(Unary, Clamp) {
  auto x = tb::tensor({-2.f, 0.5f, 3.f});
  EXPECT_EQ(tb::clamp(x, 0, 1).as<float>().to_vector(), (std::vector<float>{0, 0.5, 1}));
  EXPECT_EQ(tb::clamp(x, std::nullopt, 1).as<float>().to_vector(), (std::vector<float>{-2, 0.5, 1}));
  EXPECT_EQ(tb::clamp(x, 0).as<float>().to_vector(), (std::vector<float>{0, 0.5, 3}));
  // torch 2.13: min > max gives max; NaN bounds or inputs give NaN; int clamped at 1.5 is float.
  EXPECT_EQ(tb::clamp(x, 3, 1).as<float>().to_vector(), (std::vector<float>{1, 1, 1}));
  tbtest::expect_all_near(as_doubles<float>(tb::clamp(x, NAN)), {NAN, NAN, NAN});
  auto i = tb::clamp(tb::tensor<int64_t>({1, 2, 3}), 1.5);
  EXPECT_EQ(i.dtype(), DType::Float32);
  EXPECT_EQ(as_doubles<float>(i), (std::vector<double>{1.5, 2, 3}));
  auto lo = tb::tensor({0.f, NAN, 0.f});
  tbtest::expect_all_near(as_doubles<float>(tb::clamp(x, std::optional<tb::TensorBase>(lo))), {0, NAN, 3});
  auto hi = tb::tensor({{1.f}, {2.f}});
  auto both = tb::clamp(x, std::optional<tb::TensorBase>(lo), std::optional<tb::TensorBase>(hi));
  EXPECT_EQ(both.shape(), (tb::Shape{2, 3}));
  tbtest::expect_all_near(as_doubles<float>(both), {0, NAN, 1, 0, NAN, 2});
  x.clamp_(-1, 1);
  EXPECT_EQ(x.to_vector(), (std::vector<float>{-1, 0.5, 1}));
  auto ints = tb::tensor<int64_t>({5});
  tbtest::expect_throw_with<tb::TypeError>([&] { ints.clamp_(0.5, 1.5); }, {"clamp_", "float32", "int64"});
  tbtest::expect_throw_with<tb::ValueError>([&] { tb::clamp(x, std::optional<tb::Scalar>(), std::optional<tb::Scalar>()); }, {"clamp", "min", "max"});
}

TEST(Unary, InPlaceForms) {
  auto x = tb::tensor({0.f, 1.f});
  const uint64_t v = x.version();
  x.exp_();
  tbtest::expect_all_near(as_doubles<float>(x), {1, std::exp(1.0)});
  EXPECT_EQ(x.version(), v + 1);
  auto view = tb::TensorBase(make<float>({3, 4}, [](int64_t i) { return i - 6.0; })).t();
  auto expected = apply_ref<float>(view, [](double d) { return std::fabs(d); });
  view.abs_();
  EXPECT_EQ(as_doubles<float>(view), expected);
  auto i = tb::tensor<int64_t>({1, 2});
  // torch 2.13: "result type Float can't be cast to the desired output type Long"
  tbtest::expect_throw_with<tb::TypeError>([&] { i.exp_(); }, {"exp_", "float32", "int64"});
  tbtest::expect_throw_with<tb::ReadOnlyError>([&] { tb::TensorBase(x).as_read_only().neg_(); }, {"neg_"});
  auto h = tb::tensor({4.f}).to(DType::Float16);
  h.sqrt_();
  EXPECT_EQ(as_doubles<tb::half>(h), (std::vector<double>{2}));
}
