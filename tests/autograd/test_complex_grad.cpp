// Autograd through complex numbers. PyTorch's convention: for a real loss L of x = a + ib,
// x.grad = dL/da + i dL/db. Every complex op is checked by finite differences on a real
// parametrization: the function of float64 pairs view_as_real(f(view_as_complex(pairs)))
// has one correct gradient whatever the complex convention, and it equals ours only when
// the complex formulas and the view nodes follow that convention. A few gradients are also
// checked against closed forms. (tests/python/test_complex.py compares with torch itself.)
#include <gtest/gtest.h>

#include <cmath>
#include <complex>
#include <string>
#include <vector>

#include "tensorbridge/autograd/autograd.hpp"
#include "tensorbridge/tensorbridge.hpp"
#include "gradcheck_util.hpp"

namespace tb = tensorbridge;
namespace ag = tb::autograd;
using tb::DType;
using tb::Scalar;
using tb::Shape;
using tb::TensorBase;
using CxInputs = std::vector<TensorBase>;
using c128 = std::complex<double>;

namespace {

// float64 values in [lo, hi) from a small LCG (independent of the library's RNG).
TensorBase cgrad_values(const Shape& shape, double lo, double hi, uint64_t seed) {
  return gradtest::lcg_values(shape, lo, hi, seed * 0x9E3779B97F4A7C15ull + 12345);
}

// A leaf of float64 pairs [..., 2] standing for a complex tensor of `shape`.
TensorBase cgrad_pairs(const Shape& shape, uint64_t seed, double lo = -1.5, double hi = 1.5) {
  Shape s = shape;
  s.push_back(2);
  TensorBase t = cgrad_values(s, lo, hi, seed);
  t.requires_grad_();
  return t;
}

// Pairs whose complex view is not contiguous: every other row of a taller buffer.
TensorBase cgrad_strided_pairs(int64_t rows, int64_t cols, uint64_t seed) {
  TensorBase t = cgrad_values({2 * rows, cols, 2}, -1.5, 1.5, seed).slice(0, 0, std::nullopt, 2).detach();
  t.requires_grad_();
  return t;
}

TensorBase as_cx(const TensorBase& pairs) { return ag::view_as_complex(pairs); }
TensorBase as_pairs(const TensorBase& z) {
  return tb::is_complex(z.dtype()) ? ag::view_as_real(z) : z;
}

void cgrad_check(const std::string& name, const ag::GradcheckFn& fn, const CxInputs& inputs,
                 bool second_order = true) {
  gradtest::expect_gradchecks(name, fn, inputs, second_order);
}

// f of one complex tensor, checked through its pairs.
void cgrad_unary(const std::string& name, TensorBase (*f)(const TensorBase&), const TensorBase& pairs,
                 bool second_order = true) {
  cgrad_check(name, [f](const CxInputs& x) { return as_pairs(f(as_cx(x[0]))); }, {pairs},
              second_order);
}

}  // namespace

TEST(ComplexGrad, ElementwiseBinaryOps) {
  const CxInputs ab = {cgrad_pairs({3, 1}, 1), cgrad_strided_pairs(1, 4, 2)};
  const auto both = [](TensorBase (*op)(const TensorBase&, const TensorBase&)) {
    return [op](const CxInputs& x) { return as_pairs(op(as_cx(x[0]), as_cx(x[1]))); };
  };
  cgrad_check("mul", both([](const TensorBase& a, const TensorBase& b) { return ag::mul(a, b); }), ab);
  cgrad_check("div", both([](const TensorBase& a, const TensorBase& b) { return ag::div(a, b); }), ab);
  cgrad_check("add alpha", both([](const TensorBase& a, const TensorBase& b) {
                return ag::add(a, b, Scalar(c128(0.5, -2.0)));
              }), ab);
  cgrad_check("sub alpha", both([](const TensorBase& a, const TensorBase& b) {
                return ag::sub(a, b, Scalar(c128(1.5, 0.25)));
              }), ab);
  cgrad_check("pow tensor", both([](const TensorBase& a, const TensorBase& b) { return ag::pow(a, b); }),
              {cgrad_pairs({4}, 3, 0.5, 1.5), cgrad_pairs({4}, 4, -1.0, 1.0)});
  cgrad_check("where", both([](const TensorBase& a, const TensorBase& b) {
                return ag::where(tb::tensor<bool>({true, false, true, false}), a, b);
              }), ab);
}

TEST(ComplexGrad, ScalarOperands) {
  const TensorBase p = cgrad_pairs({2, 3}, 5, 0.3, 1.7);
  const c128 s(0.75, -1.25);
  cgrad_check("mul scalar", [s](const CxInputs& x) { return as_pairs(ag::mul(as_cx(x[0]), Scalar(s))); }, {p});
  cgrad_check("div scalar", [s](const CxInputs& x) { return as_pairs(ag::div(as_cx(x[0]), Scalar(s))); }, {p});
  cgrad_check("rdiv", [s](const CxInputs& x) { return as_pairs(ag::div(Scalar(s), as_cx(x[0]))); }, {p});
  cgrad_check("add scalar alpha",
              [s](const CxInputs& x) { return as_pairs(ag::add(Scalar(2.0), as_cx(x[0]), Scalar(s))); }, {p});
  cgrad_check("pow 2", [](const CxInputs& x) { return as_pairs(ag::pow(as_cx(x[0]), Scalar(2))); }, {p});
  cgrad_check("pow complex exponent",
              [s](const CxInputs& x) { return as_pairs(ag::pow(as_cx(x[0]), Scalar(s))); }, {p});
  cgrad_check("scalar base", [s](const CxInputs& x) { return as_pairs(ag::pow(Scalar(s), as_cx(x[0]))); }, {p});
  cgrad_check("real base", [](const CxInputs& x) { return as_pairs(ag::pow(Scalar(1.5), as_cx(x[0]))); }, {p});
}

TEST(ComplexGrad, UnaryTable) {
  const TensorBase p = cgrad_pairs({2, 3}, 7, 0.2, 1.3);  // away from branch cuts and zeros
  cgrad_unary("neg", [](const TensorBase& z) { return ag::neg(z); }, p);
  cgrad_unary("exp", [](const TensorBase& z) { return ag::exp(z); }, p);
  cgrad_unary("expm1", [](const TensorBase& z) { return ag::expm1(z); }, p);
  cgrad_unary("log", [](const TensorBase& z) { return ag::log(z); }, p);
  cgrad_unary("log1p", [](const TensorBase& z) { return ag::log1p(z); }, p);
  cgrad_unary("sqrt", [](const TensorBase& z) { return ag::sqrt(z); }, p);
  cgrad_unary("rsqrt", [](const TensorBase& z) { return ag::rsqrt(z); }, p);
  cgrad_unary("sin", [](const TensorBase& z) { return ag::sin(z); }, p);
  cgrad_unary("cos", [](const TensorBase& z) { return ag::cos(z); }, p);
  cgrad_unary("tan", [](const TensorBase& z) { return ag::tan(z); }, p);
  cgrad_unary("tanh", [](const TensorBase& z) { return ag::tanh(z); }, p);
  cgrad_unary("sigmoid", [](const TensorBase& z) { return ag::sigmoid(z); }, p);
  cgrad_unary("reciprocal", [](const TensorBase& z) { return ag::reciprocal(z); }, p);
  cgrad_unary("square", [](const TensorBase& z) { return ag::square(z); }, p);
  cgrad_unary("abs", [](const TensorBase& z) { return ag::abs(z); }, p);
  cgrad_unary("angle", [](const TensorBase& z) { return ag::angle(z); }, p);
  cgrad_unary("sgn", [](const TensorBase& z) { return ag::sgn(z); }, p);
  cgrad_unary("conj", [](const TensorBase& z) { return ag::conj(z); }, p);
  cgrad_unary("real", [](const TensorBase& z) { return ag::real(z); }, p);
  cgrad_unary("imag", [](const TensorBase& z) { return ag::imag(z); }, p);
  cgrad_unary("imag of transposed", [](const TensorBase& z) { return ag::imag(z.t()); }, p);
}

TEST(ComplexGrad, ReductionsAndScans) {
  const TensorBase p = cgrad_pairs({3, 4}, 11, 0.4, 1.6);
  cgrad_unary("sum", [](const TensorBase& z) { return ag::sum(z, {1}); }, p);
  cgrad_unary("mean", [](const TensorBase& z) { return ag::mean(z); }, p);
  cgrad_unary("prod", [](const TensorBase& z) { return ag::prod(z, {0}); }, p);
  cgrad_unary("cumsum", [](const TensorBase& z) { return ag::cumsum(z, 1); }, p);
  cgrad_unary("cumprod", [](const TensorBase& z) { return ag::cumprod(z, 0); }, p);
  cgrad_unary("var", [](const TensorBase& z) { return ag::var(z, {1}); }, p);
  cgrad_unary("std", [](const TensorBase& z) { return ag::std(z, {0}); }, p);
  cgrad_unary("norm 2", [](const TensorBase& z) { return ag::norm(z, 2, {1}); }, p);
  cgrad_unary("norm 1", [](const TensorBase& z) { return ag::norm(z, 1); }, p, false);
  cgrad_unary("norm 3", [](const TensorBase& z) { return ag::norm(z, 3, {0}); }, p);
}

TEST(ComplexGrad, MatrixProducts) {
  const TensorBase a = cgrad_pairs({3, 4}, 13);
  const TensorBase b = cgrad_pairs({4, 2}, 14);
  const TensorBase v = cgrad_pairs({4}, 15);
  const TensorBase w = cgrad_pairs({3}, 16);
  cgrad_check("matmul", [](const CxInputs& x) { return as_pairs(ag::matmul(as_cx(x[0]), as_cx(x[1]))); }, {a, b});
  cgrad_check("matmul transposed", [](const CxInputs& x) {
                return as_pairs(ag::matmul(as_cx(x[1]).t(), as_cx(x[0]).t()));
              }, {a, b});
  cgrad_check("mm", [](const CxInputs& x) { return as_pairs(ag::mm(as_cx(x[0]), as_cx(x[1]))); }, {a, b});
  cgrad_check("mv", [](const CxInputs& x) { return as_pairs(ag::mv(as_cx(x[0]), as_cx(x[1]))); }, {a, v});
  cgrad_check("dot", [](const CxInputs& x) { return as_pairs(ag::dot(as_cx(x[0]), as_cx(x[1]))); }, {v, cgrad_pairs({4}, 17)});
  cgrad_check("outer", [](const CxInputs& x) { return as_pairs(ag::outer(as_cx(x[0]), as_cx(x[1]))); }, {w, v});
  cgrad_check("addmm", [](const CxInputs& x) {
                return as_pairs(ag::addmm(as_cx(x[2]), as_cx(x[0]), as_cx(x[1]), Scalar(c128(0.5, 1.0)),
                                          Scalar(c128(-1.0, 0.25))));
              }, {a, b, cgrad_pairs({3, 2}, 18)});
}

TEST(ComplexGrad, ComplexPolarAndMixedRealInputs) {
  const TensorBase re = cgrad_values({3}, -1, 1, 21).requires_grad_();
  const TensorBase im = cgrad_values({2, 1}, -1, 1, 22).requires_grad_();
  cgrad_check("complex", [](const CxInputs& x) { return as_pairs(ag::complex(x[0], x[1])); }, {re, im});
  const TensorBase mag = cgrad_values({3}, 0.5, 2, 23).requires_grad_();
  cgrad_check("polar", [](const CxInputs& x) { return as_pairs(ag::polar(x[0], x[1])); }, {mag, im});
  // A real tensor times a complex one: the real input gets the real part of its gradient.
  cgrad_check("real * complex",
              [](const CxInputs& x) { return as_pairs(ag::mul(x[0], as_cx(x[1]))); },
              {re, cgrad_pairs({3}, 24)});
  cgrad_check("cast to complex", [](const CxInputs& x) {
                return as_pairs(ag::exp(x[0].to(DType::Complex128)));
              }, {re});
  cgrad_check("angle of reals", [](const CxInputs& x) { return ag::angle(ag::add(x[0], 0.0)); },
              {re}, false);
}

TEST(ComplexGrad, ClosedForms) {
  // L = sum |x|^2 = sum x conj(x): x.grad = 2x.
  const TensorBase x = tb::tensor<double>({1.0, -2.0, 0.5, 3.0}).reshape({2, 2});
  const TensorBase z = tb::view_as_complex(x).detach().requires_grad_();
  tb::abs(tb::mul(z, z)).sum().backward();
  const TensorBase g = tb::view_as_real(z.grad());
  const double err = tb::ops::amax(tb::ops::abs(tb::ops::sub(g, tb::ops::mul(x, 2.0)))).item<double>();
  EXPECT_LT(err, 1e-12) << z.grad();
  // L = sum imag(x): x.grad = i everywhere; L = sum real(conj(x) * w): x.grad = w.
  const TensorBase y = tb::view_as_complex(x).detach().requires_grad_();
  tb::imag(y).sum().backward();
  EXPECT_EQ(tb::real(y.grad()).sum().item<double>(), 0.0);
  EXPECT_EQ(tb::imag(y.grad()).sum().item<double>(), 2.0);
  // abs at 0: the subgradient 0, not NaN (sgn(0) = 0).
  const TensorBase zero = tb::zeros({2}, DType::Complex64).requires_grad_();
  tb::abs(zero).sum().backward();
  EXPECT_EQ(tb::abs(zero.grad()).sum().item<float>(), 0.0f);
}

TEST(ComplexGrad, ErrorsAndInPlaceRules) {
  const TensorBase z = tb::zeros({2}, DType::Complex64).requires_grad_();
  // Complex outputs need an explicit gradient, as in PyTorch.
  try {
    tb::mul(z, 2.0).sum().backward();
    ADD_FAILURE() << "implicit gradient of a complex output";
  } catch (const tb::Error& e) {
    EXPECT_NE(std::string(e.what()).find("real scalar outputs"), std::string::npos) << e.what();
  }
  // Writing through a component view of a leaf that requires grad is refused.
  EXPECT_THROW(tb::real(z).fill_(1.0), tb::Error);
  const TensorBase y = tb::mul(z, 2.0);
  EXPECT_THROW(tb::imag(y).fill_(1.0), tb::Error);
  // Gradients of views whose input does not require grad are not recorded.
  const TensorBase plain = tb::zeros({2}, DType::Complex64);
  EXPECT_FALSE(tb::real(plain).requires_grad());
  EXPECT_TRUE(tb::real(z).requires_grad());
}
