// Complex numbers on the CPU: the zero-copy component views (real, imag, view_as_real,
// view_as_complex) proven by pointers and writes seen on the other side, the complex API
// (conj, angle, sgn, complex, polar), the complex forms of sigmoid/tan/log1p/expm1/rsqrt
// against independent references on a grid of edge values, and the errors.
//
// PyTorch is the oracle for exact edge-value agreement (tests/python/test_complex.py); here
// the references are closed forms, series and std::complex written out in the test.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <complex>
#include <functional>
#include <limits>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "tensorbridge/tensorbridge.hpp"

namespace tb = tensorbridge;
using tb::DType;
using tb::Shape;
using tb::TensorBase;
using c64 = std::complex<float>;
using c128 = std::complex<double>;

namespace {

constexpr double kCxInf = std::numeric_limits<double>::infinity();
constexpr double kCxNan = std::numeric_limits<double>::quiet_NaN();

// A complex128 tensor of `shape` holding `values` in row-major order.
TensorBase cx_tensor(const std::vector<c128>& values, const Shape& shape) {
  TensorBase t = tb::empty(shape, DType::Complex128);
  std::copy(values.begin(), values.end(), static_cast<c128*>(t.data_ptr()));
  return t;
}

// 0, 1, ..., n-1 as (k + 0.5) + (-2k) i: distinct real and imaginary parts everywhere.
TensorBase cx_iota(const Shape& shape, DType dtype = DType::Complex128) {
  std::vector<c128> v(static_cast<std::size_t>(tb::checked_numel(shape)));
  for (std::size_t k = 0; k < v.size(); ++k) v[k] = c128(double(k) + 0.5, -2.0 * double(k));
  return cx_tensor(v, shape).to(dtype);
}

template <typename T>
T cx_at(const TensorBase& t, const std::vector<int64_t>& index) {
  int64_t offset = t.storage_offset();
  for (std::size_t d = 0; d < index.size(); ++d) offset += index[d] * t.strides()[d];
  return static_cast<const T*>(t.storage()->data())[offset];
}

// Row-major values of any tensor (any strides) converted to complex128.
std::vector<c128> cx_values(const TensorBase& t) {
  const TensorBase c = t.to(DType::Complex128).contiguous();
  const c128* p = static_cast<const c128*>(c.data_ptr());
  return std::vector<c128>(p, p + c.numel());
}

bool same_real(double a, double b, double rtol) {
  if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b);
  if (std::isinf(a) || std::isinf(b)) return a == b;
  return std::abs(a - b) <= rtol * std::max(std::abs(b), 1e-300) || a == b;
}

// Component-wise agreement: NaN matches NaN, infinities match exactly, else relative error.
void expect_cx_near(c128 got, c128 want, double rtol, const std::string& what) {
  EXPECT_TRUE(same_real(got.real(), want.real(), rtol) && same_real(got.imag(), want.imag(), rtol))
      << what << ": got " << got << ", want " << want;
}

std::string message_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "";
}

}  // namespace

// ---- views ---------------------------------------------------------------------------------

TEST(ComplexViews, RealAndImagShareMemoryWithDoubledStrides) {
  for (DType dtype : {DType::Complex64, DType::Complex128}) {
    const TensorBase x = cx_iota({2, 3}, dtype);
    const TensorBase re = tb::real(x);
    const TensorBase im = tb::imag(x);
    EXPECT_EQ(re.dtype(), dtype == DType::Complex64 ? DType::Float32 : DType::Float64);
    EXPECT_EQ(im.dtype(), re.dtype());
    EXPECT_EQ(re.shape(), (Shape{2, 3}));
    EXPECT_EQ(re.strides(), (tb::Strides{6, 2}));
    EXPECT_EQ(im.strides(), (tb::Strides{6, 2}));
    EXPECT_EQ(re.data_ptr(), x.data_ptr());
    EXPECT_EQ(static_cast<char*>(im.data_ptr()), static_cast<char*>(x.data_ptr()) + re.element_size());
    EXPECT_EQ(re.storage(), x.storage());
  }
}

TEST(ComplexViews, WritesGoBothWays) {
  const TensorBase x = cx_iota({2, 2});
  tb::real(x).fill_(7.0);
  tb::imag(x).select(0, 1).fill_(-3.0);
  EXPECT_EQ(cx_at<c128>(x, {0, 0}), c128(7.0, -0.0));
  EXPECT_EQ(cx_at<c128>(x, {0, 1}), c128(7.0, -2.0));
  EXPECT_EQ(cx_at<c128>(x, {1, 0}), c128(7.0, -3.0));
  EXPECT_EQ(cx_at<c128>(x, {1, 1}), c128(7.0, -3.0));
  x.fill_(tb::Scalar(c128(1.5, 2.5)));
  EXPECT_EQ(cx_at<double>(tb::real(x), {1, 0}), 1.5);
  EXPECT_EQ(cx_at<double>(tb::imag(x), {1, 0}), 2.5);
}

TEST(ComplexViews, NonContiguousZeroDimAndEmpty) {
  const TensorBase base = cx_iota({3, 4});
  const TensorBase xt = base.t().slice(0, 1, std::nullopt, 2);  // shape [2, 3], strides [2, 4]
  const TensorBase im = tb::imag(xt);
  EXPECT_EQ(im.strides(), (tb::Strides{4, 8}));
  EXPECT_EQ(im.storage_offset(), xt.storage_offset() * 2 + 1);
  for (int64_t i = 0; i < 2; ++i) {
    for (int64_t j = 0; j < 3; ++j) {
      EXPECT_EQ(cx_at<double>(im, {i, j}), cx_at<c128>(xt, {i, j}).imag());
      EXPECT_EQ(cx_at<double>(tb::real(xt), {i, j}), cx_at<c128>(xt, {i, j}).real());
    }
  }
  const TensorBase scalar = base.select(0, 2).select(0, 1);  // 0-d, offset 9
  EXPECT_EQ(tb::real(scalar).dim(), 0);
  EXPECT_EQ(tb::real(scalar).storage_offset(), 18);
  EXPECT_EQ(tb::imag(scalar).item<double>(), -18.0);
  const TensorBase empty = tb::empty({0, 3}, DType::Complex64);
  EXPECT_EQ(tb::real(empty).shape(), (Shape{0, 3}));
  EXPECT_EQ(tb::view_as_real(empty).shape(), (Shape{0, 3, 2}));
  EXPECT_EQ(tb::view_as_complex(tb::view_as_real(empty)).shape(), (Shape{0, 3}));
}

TEST(ComplexViews, VersionCounterAndReadOnlyAreShared) {
  const TensorBase x = cx_iota({3});
  const TensorBase re = tb::real(x);
  const auto v0 = x.version();
  re.fill_(1.0);
  EXPECT_GT(x.version(), v0);
  const TensorBase ro = x.as_read_only();
  EXPECT_TRUE(tb::imag(ro).is_read_only());
  EXPECT_THROW(tb::imag(ro).fill_(0.0), tb::ReadOnlyError);
  EXPECT_THROW(tb::view_as_real(ro).fill_(0.0), tb::ReadOnlyError);
}

TEST(ComplexViews, RealOfRealIsItselfImagOfRealRaises) {
  const TensorBase r = tb::arange(4).to(DType::Float32);
  EXPECT_TRUE(tb::real(r).is_same(r));
  const std::string msg = message_of([&] { tb::imag(r); });
  EXPECT_NE(msg.find("imag"), std::string::npos) << msg;
  EXPECT_NE(msg.find("float32"), std::string::npos) << msg;
  EXPECT_THROW(tb::imag(r), tb::TypeError);
  EXPECT_THROW(tb::view_as_real(r), tb::TypeError);
}

TEST(ComplexViews, ViewAsRealAndBack) {
  const TensorBase base = cx_iota({4, 3});
  const TensorBase x = base.t();  // strides [1, 3]
  const TensorBase r = tb::view_as_real(x);
  EXPECT_EQ(r.shape(), (Shape{3, 4, 2}));
  EXPECT_EQ(r.strides(), (tb::Strides{2, 6, 1}));
  EXPECT_EQ(r.data_ptr(), x.data_ptr());
  EXPECT_EQ(cx_at<double>(r, {2, 1, 0}), cx_at<c128>(x, {2, 1}).real());
  EXPECT_EQ(cx_at<double>(r, {2, 1, 1}), cx_at<c128>(x, {2, 1}).imag());
  const TensorBase back = tb::view_as_complex(r);
  EXPECT_EQ(back.shape(), x.shape());
  EXPECT_EQ(back.strides(), x.strides());
  EXPECT_EQ(back.data_ptr(), x.data_ptr());
  tb::view_as_real(base.select(0, 1)).select(-1, 1).fill_(9.0);
  EXPECT_EQ(cx_at<c128>(base, {1, 2}), c128(5.5, 9.0));  // element 5: 5.5 - 10i before
  const TensorBase zero_d = tb::view_as_real(base.select(0, 0).select(0, 0));
  EXPECT_EQ(zero_d.shape(), (Shape{2}));
}

TEST(ComplexViews, ViewAsComplexOfFloats) {
  const TensorBase f = tb::arange(12).to(DType::Float32).reshape({2, 3, 2});
  const TensorBase c = tb::view_as_complex(f);
  EXPECT_EQ(c.dtype(), DType::Complex64);
  EXPECT_EQ(c.shape(), (Shape{2, 3}));
  EXPECT_EQ(c.strides(), (tb::Strides{3, 1}));
  EXPECT_EQ(cx_at<c64>(c, {1, 2}), c64(10.0f, 11.0f));
  // Size-1 dims may have any stride; stride-0 (expanded) dims stay 0.
  const TensorBase odd = f.as_strided({3, 1, 2}, {4, 3, 1}, 0);
  EXPECT_EQ(tb::view_as_complex(odd).strides(), (tb::Strides{2, 1}));
  const TensorBase expanded = f.select(0, 0).expand({5, 3, 2});
  EXPECT_EQ(tb::view_as_complex(expanded).strides(), (tb::Strides{0, 1}));
  // Offset even: the second row of pairs.
  EXPECT_EQ(tb::view_as_complex(f.select(0, 1)).storage_offset(), 3);
}

TEST(ComplexViews, ViewAsComplexErrorsNameShapeAndStrides) {
  const TensorBase f = tb::arange(12).to(DType::Float64);
  struct Case {
    TensorBase t;
    const char* needle;
  };
  const std::vector<Case> cases = {
      {f.reshape({4, 3}), "last dimension of size 2"},
      {f.reshape({6, 2}).t(), "last dimension of size 2"},
      {f.reshape({2, 6}).t().slice(0, 0, 2), "stride 1"},
      {f.reshape({3, 4}).slice(1, 0, 2).as_strided({3, 2}, {3, 1}, 0), "stride divisible by 2"},
      {f.slice(0, 1, 7).reshape({3, 2}), "storage offset divisible by 2"},
      {f.reshape({12}).select(0, 0), "last dimension of size 2"},
  };
  for (const Case& c : cases) {
    const std::string msg = message_of([&] { tb::view_as_complex(c.t); });
    EXPECT_NE(msg.find(c.needle), std::string::npos) << msg;
    EXPECT_NE(msg.find(tb::shape_str(c.t.shape())), std::string::npos) << msg;
    EXPECT_THROW(tb::view_as_complex(c.t), tb::ValueError);
  }
  EXPECT_THROW(tb::view_as_complex(tb::zeros({3, 2}, DType::Int32)), tb::TypeError);
  EXPECT_THROW(tb::view_as_complex(tb::zeros({3, 2}, DType::Float16)), tb::TypeError);
}

// ---- functions -------------------------------------------------------------------------------

namespace {
std::vector<c128> cx_edge_values() {
  std::vector<c128> v;
  const double parts[] = {0.0, -0.0, 1.0, -2.5, 1e-30, -1e-200, 1e300, kCxInf, -kCxInf, kCxNan};
  for (double re : parts) {
    for (double im : parts) v.emplace_back(re, im);
  }
  return v;
}
}  // namespace

TEST(ComplexFunctions, ConjAngleSgnMatchStdComplex) {
  const std::vector<c128> edge = cx_edge_values();
  const TensorBase x = cx_tensor(edge, {int64_t(edge.size())});
  const std::vector<c128> conj = cx_values(tb::conj(x));
  const TensorBase ang = tb::angle(x);
  EXPECT_EQ(ang.dtype(), DType::Float64);
  const std::vector<c128> angle = cx_values(ang);
  const std::vector<c128> sgn = cx_values(tb::sgn(x));
  for (std::size_t i = 0; i < edge.size(); ++i) {
    const c128 z = edge[i];
    EXPECT_EQ(std::signbit(conj[i].imag()), !std::signbit(z.imag())) << z;
    expect_cx_near(conj[i], c128(z.real(), -z.imag()), 0, "conj");
    expect_cx_near(angle[i], c128(std::atan2(z.imag(), z.real()), 0), 0, "angle");
    const double r = std::hypot(z.real(), z.imag());
    const c128 want = r == 0 ? c128(0, 0) : c128(z.real() / r, z.imag() / r);
    expect_cx_near(sgn[i], want, 1e-15, "sgn");
  }
  // The float32 path agrees with the float64 one where both are representable.
  const TensorBase small = cx_tensor({c128(3, 4), c128(-1, 0), c128(0, -2)}, {3});
  const std::vector<c128> s64 = cx_values(tb::sgn(small.to(DType::Complex64)));
  expect_cx_near(s64[0], c128(0.6, 0.8), 1e-7, "sgn float32");
  expect_cx_near(s64[2], c128(0, -1), 0, "sgn float32");
}

TEST(ComplexFunctions, RealInputsFollowPyTorch) {
  const TensorBase r = tb::tensor<double>({-0.0, 0.0, -1.0, 2.0, kCxNan, -kCxInf});
  const TensorBase a = tb::angle(r);
  const double pi = std::acos(-1.0);
  const std::vector<double> want = {0, 0, pi, 0, kCxNan, pi};  // -0.0 gives 0 (NumPy: pi)
  for (std::size_t i = 0; i < want.size(); ++i) {
    EXPECT_TRUE(same_real(cx_values(a)[i].real(), want[i], 0)) << i;
  }
  EXPECT_EQ(tb::angle(tb::tensor<int32_t>({-3, 0, 5})).dtype(), DType::Float32);
  EXPECT_TRUE(tb::conj(r).is_same(r));
  EXPECT_TRUE(tb::conj_physical(r).is_same(r));
  const TensorBase s = tb::sgn(tb::tensor<int64_t>({-4, 0, 9}));
  EXPECT_EQ(s.dtype(), DType::Int64);
  EXPECT_EQ(cx_at<int64_t>(s, {0}), -1);
  EXPECT_EQ(cx_at<int64_t>(s, {1}), 0);
  EXPECT_EQ(cx_at<int64_t>(s, {2}), 1);
}

TEST(ComplexFunctions, SignRefusesComplexAndPointsToSgn) {
  const TensorBase x = cx_iota({2});
  const std::string msg = message_of([&] { tb::sign(x); });
  EXPECT_NE(msg.find("sgn"), std::string::npos) << msg;
  EXPECT_NE(msg.find("complex128"), std::string::npos) << msg;
  EXPECT_THROW(tb::sign(x), tb::TypeError);
  EXPECT_THROW(tb::sign_(x), tb::TypeError);
}

TEST(ComplexFunctions, InPlaceConjAndSgn) {
  const TensorBase x = cx_iota({2, 3}).t();
  const std::vector<c128> before = cx_values(x);
  tb::conj_physical_(x);
  const std::vector<c128> after = cx_values(x);
  for (std::size_t i = 0; i < before.size(); ++i) EXPECT_EQ(after[i], std::conj(before[i]));
  tb::sgn_(x);
  const std::vector<c128> unit = cx_values(x);
  for (std::size_t i = 0; i < before.size(); ++i) {
    expect_cx_near(unit[i], std::conj(before[i]) / std::abs(before[i]), 1e-15, "sgn_");
  }
}

TEST(ComplexFunctions, ComplexAndPolarBroadcast) {
  const TensorBase re = tb::tensor<float>({1.0f, -2.0f, 3.0f});
  const TensorBase im = tb::tensor<float>({0.5f, -0.25f}).reshape({2, 1});
  const TensorBase c = tb::complex(re, im);
  EXPECT_EQ(c.dtype(), DType::Complex64);
  EXPECT_EQ(c.shape(), (Shape{2, 3}));
  EXPECT_EQ(cx_at<c64>(c, {1, 2}), c64(3.0f, -0.25f));
  EXPECT_EQ(cx_at<c64>(c, {0, 1}), c64(-2.0f, 0.5f));
  const TensorBase mag = tb::tensor<double>({2.0, 0.5});
  const TensorBase ang = tb::tensor<double>({0.25, -3.0});
  const std::vector<c128> p = cx_values(tb::polar(mag, ang));
  expect_cx_near(p[0], std::polar(2.0, 0.25), 1e-15, "polar");
  expect_cx_near(p[1], std::polar(0.5, -3.0), 1e-15, "polar");
  const std::string msg = message_of([&] { tb::complex(re, mag.to(DType::Float64)); });
  EXPECT_NE(msg.find("float32"), std::string::npos) << msg;
  EXPECT_NE(msg.find("float64"), std::string::npos) << msg;
  EXPECT_THROW(tb::complex(re, re.to(DType::Float64)), tb::TypeError);
  EXPECT_THROW(tb::complex(re.to(DType::Int32), re.to(DType::Int32)), tb::TypeError);
  EXPECT_THROW(tb::polar(re.to(DType::Float16), re.to(DType::Float16)), tb::TypeError);
  EXPECT_THROW(tb::complex(re, tb::zeros({2}, DType::Float32)), tb::ValueError);
  EXPECT_EQ(tb::complex(tb::zeros({0}), tb::zeros({0})).shape(), (Shape{0}));
}

// ---- the complex forms of sigmoid, tan, log1p, expm1, rsqrt ----------------------------------

namespace {
// log1p and expm1 for small |z| by their series (to z^4), independent of the kernels' forms.
c128 log1p_series(c128 z) { return z - z * z / 2.0 + z * z * z / 3.0 - z * z * z * z / 4.0; }
c128 expm1_series(c128 z) { return z + z * z / 2.0 + z * z * z / 6.0 + z * z * z * z / 24.0; }

void check_unary_against(const char* name, const TensorBase& out, const std::vector<c128>& in,
                         c128 (*ref)(c128), double rtol) {
  const std::vector<c128> got = cx_values(out);
  for (std::size_t i = 0; i < in.size(); ++i) {
    expect_cx_near(got[i], ref(in[i]), rtol, std::string(name) + " at " + [&] {
      std::ostringstream s;
      s << in[i];
      return s.str();
    }());
  }
}
}  // namespace

TEST(ComplexUnary, FiniteValuesMatchClosedForms) {
  std::vector<c128> in;
  for (double re : {-3.0, -0.7, 0.3, 1.1, 2.5}) {
    for (double im : {-2.0, -0.4, 0.0, 0.6, 1.9}) in.emplace_back(re, im);
  }
  const TensorBase x = cx_tensor(in, {5, 5}).t();  // strided rows
  const std::vector<c128> xs = cx_values(x);
  check_unary_against("sigmoid", tb::sigmoid(x), xs, [](c128 z) { return 1.0 / (1.0 + std::exp(-z)); }, 1e-13);
  check_unary_against("tan", tb::tan(x), xs, [](c128 z) { return std::sin(z) / std::cos(z); }, 1e-13);
  check_unary_against("rsqrt", tb::rsqrt(x), xs, [](c128 z) { return 1.0 / std::sqrt(z); }, 1e-13);
  check_unary_against("log1p", tb::log1p(x), xs, [](c128 z) { return std::log(1.0 + z); }, 1e-12);
  check_unary_against("expm1", tb::expm1(x), xs, [](c128 z) { return std::exp(z) - 1.0; }, 1e-12);
  // complex64 within float rounding of the complex128 results.
  const TensorBase x32 = x.to(DType::Complex64);
  for (auto [name, fn] : std::vector<std::pair<const char*, TensorBase (*)(const TensorBase&)>>{
           {"sigmoid", [](const TensorBase& t) { return tb::sigmoid(t); }},
           {"tan", [](const TensorBase& t) { return tb::tan(t); }},
           {"rsqrt", [](const TensorBase& t) { return tb::rsqrt(t); }},
           {"log1p", [](const TensorBase& t) { return tb::log1p(t); }},
           {"expm1", [](const TensorBase& t) { return tb::expm1(t); }}}) {
    EXPECT_EQ(fn(x32).dtype(), DType::Complex64);
    const std::vector<c128> lo = cx_values(fn(x32));
    const std::vector<c128> hi = cx_values(fn(x));
    for (std::size_t i = 0; i < lo.size(); ++i) {
      EXPECT_LE(std::abs(lo[i] - hi[i]), 1e-5 * std::max(1.0, std::abs(hi[i]))) << name << " " << xs[i];
    }
  }
}

TEST(ComplexUnary, Log1pAndExpm1KeepTheDigitsOfSmallArguments) {
  std::vector<c128> in;
  for (double re : {1e-12, -3e-9, 0.0, 2e-5, -1e-300}) {
    for (double im : {0.0, 1e-10, -4e-7, 3e-5}) in.emplace_back(re, im);
  }
  const TensorBase x = cx_tensor(in, {int64_t(in.size())});
  check_unary_against("log1p", tb::log1p(x), in, log1p_series, 1e-14);
  check_unary_against("expm1", tb::expm1(x), in, expm1_series, 1e-14);
}

TEST(ComplexUnary, EdgeValuesFollowTheDefiningFormulas) {
  const std::vector<c128> edge = cx_edge_values();
  const TensorBase x = cx_tensor(edge, {int64_t(edge.size())});
  // PyTorch evaluates sigmoid as 1 / (1 + exp(-z)) and rsqrt as 1 / sqrt(z), dividing like
  // NumPy (tests/python/test_complex.py checks the infinite and zero divisors against torch
  // itself); where the divisor is finite and nonzero every complex division agrees.
  const auto finite_divisor = [](c128 w) { return std::isfinite(std::abs(w)) && w != c128(0); };
  std::vector<c128> sig_in, rsqrt_in;
  for (const c128& z : edge) {
    if (finite_divisor(c128(1) + std::exp(-z))) sig_in.push_back(z);
    if (finite_divisor(std::sqrt(z))) rsqrt_in.push_back(z);
  }
  check_unary_against("sigmoid", tb::sigmoid(cx_tensor(sig_in, {int64_t(sig_in.size())})), sig_in,
                      [](c128 z) { return c128(1) / (c128(1) + std::exp(-z)); }, 1e-15);
  check_unary_against("rsqrt", tb::rsqrt(cx_tensor(rsqrt_in, {int64_t(rsqrt_in.size())})), rsqrt_in,
                      [](c128 z) { return c128(1) / std::sqrt(z); }, 1e-15);
  EXPECT_GT(sig_in.size(), edge.size() / 2);
  // 1 / 0 is inf + NaN i, as NumPy and PyTorch divide (not NaN + NaN i).
  const c128 r0 = tb::reciprocal(cx_tensor({c128(0, 0)}, {1})).item<c128>();
  EXPECT_EQ(r0.real(), kCxInf);
  EXPECT_TRUE(std::isnan(r0.imag()));
  check_unary_against("tan", tb::tan(x), edge, [](c128 z) { return std::tan(z); }, 1e-15);
  // log1p: the argument is arg(1 + z) everywhere; the modulus part is finite for finite z.
  const std::vector<c128> l = cx_values(tb::log1p(x));
  const std::vector<c128> e = cx_values(tb::expm1(x));
  for (std::size_t i = 0; i < edge.size(); ++i) {
    const c128 z = edge[i];
    EXPECT_TRUE(same_real(l[i].imag(), std::atan2(z.imag(), z.real() + 1.0), 1e-15)) << z;
    if (std::isfinite(z.real()) && std::isfinite(z.imag()) && z != c128(-1, 0)) {
      EXPECT_TRUE(std::isfinite(l[i].real())) << z << " -> " << l[i];
    }
    if (std::isinf(z.real()) && z.real() > 0 && !std::isnan(z.imag())) {
      EXPECT_EQ(l[i].real(), kCxInf) << z;
    }
    // expm1: the imaginary part is e^x sin y; e^x cos y - 1 for the real part (where that
    // does not cancel: small arguments are checked against the series above).
    if (std::isfinite(z.real()) && std::isfinite(z.imag()) && std::abs(z.real()) < 700 &&
        std::abs(z) > 1e-3) {
      expect_cx_near(e[i], c128(std::exp(z.real()) * std::cos(z.imag()) - 1.0,
                                std::exp(z.real()) * std::sin(z.imag())),
                     1e-12, "expm1");
    }
    if (z.real() == -kCxInf && std::isfinite(z.imag())) {
      EXPECT_NEAR(e[i].real(), -1.0, 1e-15) << z;  // e^-inf cos y - 1, to rounding
    }
    if (std::isnan(z.real()) || std::isnan(z.imag())) {
      EXPECT_TRUE(std::isnan(e[i].real()) || std::isnan(e[i].imag()) || z.imag() == 0) << z;
    }
  }
}

TEST(ComplexUnary, InPlaceOutOfPlaceAndEmpty) {
  const TensorBase x = cx_iota({3, 2}).to(DType::Complex64);
  const TensorBase want = tb::sigmoid(x);
  const TensorBase y = x.clone();
  tb::sigmoid_(y);
  EXPECT_TRUE(tb::ops::all(tb::eq(y, want)).item<bool>());
  EXPECT_EQ(tb::tan(tb::empty({0, 2}, DType::Complex64)).shape(), (Shape{0, 2}));
  const TensorBase zero_d = cx_iota({}).to(DType::Complex128);
  expect_cx_near(tb::expm1(zero_d).item<c128>(), std::exp(c128(0.5, 0)) - 1.0, 1e-15, "0-d");
  // A real tensor cannot hold a complex result in place; a float32 tensor's sigmoid stays real.
  EXPECT_EQ(tb::sigmoid(tb::ones({2})).dtype(), DType::Float32);
}

TEST(ComplexScans, CumsumAndCumprodAlongEachDim) {
  const TensorBase x = cx_iota({3, 4}).to(DType::Complex64).t();  // [4, 3], strided
  const std::vector<c128> xs = cx_values(x);
  for (int64_t dim : {0, 1}) {
    const std::vector<c128> s = cx_values(tb::cumsum(x, dim));
    const std::vector<c128> p = cx_values(tb::cumprod(x, dim));
    EXPECT_EQ(tb::cumsum(x, dim).dtype(), DType::Complex64);
    for (int64_t i = 0; i < 4; ++i) {
      for (int64_t j = 0; j < 3; ++j) {
        c128 sum = 0, prod = 1;
        for (int64_t k = 0; k <= (dim == 0 ? i : j); ++k) {
          const c128 v = xs[static_cast<std::size_t>(dim == 0 ? k * 3 + j : i * 3 + k)];
          sum += v;
          prod *= v;
        }
        const std::size_t at = static_cast<std::size_t>(i * 3 + j);
        EXPECT_LE(std::abs(s[at] - sum), 1e-5 * std::max(1.0, std::abs(sum)));
        EXPECT_LE(std::abs(p[at] - prod), 1e-5 * std::max(1.0, std::abs(prod)));
      }
    }
  }
}
