// complex64 and complex128 on CUDA, checked against the CPU ops on the same values: copies and
// conversions from and to every kind of dtype between layouts, fills; the arithmetic (add/sub
// with alpha, mul, div, pow), comparisons and logical ops on grids of edge values (every pair
// of a column and a row, so broadcasting too), with scalars, real operands, in-place and out=
// forms; the functions (exp, log, sqrt, sin, cos, tanh, reciprocal, abs, square, neg and the
// predicates) on edge values and on ordinary ones; sums, products, means, var/std/norm,
// all/any and scans; matrix products through cuBLAS with transposed and batched operands;
// the selections and accumulating index ops; and the errors of ops the CPU refuses for complex
// numbers; gradients through complex graphs. Strided, transposed, flipped, large, empty and
// 0-d tensors throughout.
//
// The complex API (sigmoid, tan, rsqrt, log1p, expm1, reciprocal, conj_physical, sgn, angle,
// and angle of real dtypes) on ordinary and edge values, strided, transposed, empty and 0-d
// inputs, in place, and its errors.
//
// The device math is kernels/complex_math.hpp, also run on the host in
// tests/ops/test_complex_math.cpp (the complex API is the CPU kernels' own definition there);
// where the CPU's vectorized sqrt deviates from libstdc++ on edge values (see there), the
// device follows libstdc++, so sqrt is compared on edge values with std::complex. Skips
// without a GPU.
#include <gtest/gtest.h>

#include <cmath>
#include <complex>
#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "cuda_test_util.hpp"
#include "tensorbridge/autograd/autograd.hpp"
#include "tensorbridge/core/factory.hpp"
#include "tensorbridge/cuda/cuda.hpp"
#include "tensorbridge/ops/binary.hpp"
#include "tensorbridge/ops/complex.hpp"
#include "tensorbridge/ops/indexing.hpp"
#include "tensorbridge/ops/linalg.hpp"
#include "tensorbridge/ops/reduce.hpp"
#include "tensorbridge/ops/sort.hpp"
#include "tensorbridge/ops/unary.hpp"

namespace cuda_complex_test {

namespace tb = tensorbridge;
namespace ops = tensorbridge::ops;
using tb::complex128;
using tb::DType;
using tb::Shape;
using tb::TensorBase;
using tbtest::error_of;
using tbtest::kGpu;

const std::vector<DType> kComplex = {DType::Complex64, DType::Complex128};

inline DType real_of(DType d) { return d == DType::Complex64 ? DType::Float32 : DType::Float64; }

// The relative tolerance of the device's complex math in `d` against the CPU's.
inline double complex_tolerance(DType d) { return d == DType::Complex64 ? 1e-5 : 1e-12; }

// The elements of t (any complex or real dtype, any device) as complex128, in row-major order.
inline std::vector<complex128> elements(const TensorBase& t) {
  const TensorBase c = t.cpu().to(DType::Complex128).contiguous();
  const auto* p = static_cast<const complex128*>(c.data_ptr());
  return std::vector<complex128>(p, p + c.numel());
}

inline bool special(double v) { return std::isnan(v) || std::isinf(v); }

// A GPU result against the CPU's (or any host reference): same shape and dtype; each part
// NaN where the reference's is NaN, an infinity of the same sign where it is infinite, and
// otherwise within atol + rtol * |expected| (the whole complex number's magnitude: a part
// that cancels to almost nothing carries the rounding of the other). rtol 0: exact.
inline void expect_complex_close(const TensorBase& gpu, const TensorBase& want, double rtol,
                                 double atol = 0) {
  ASSERT_EQ(gpu.device(), kGpu);
  ASSERT_EQ(gpu.shape(), want.shape());
  ASSERT_EQ(gpu.dtype(), want.dtype());
  const auto a = elements(gpu), b = elements(want);
  for (std::size_t i = 0; i < a.size(); ++i) {
    const double bound = atol + rtol * std::abs(b[i]);
    const double pa[2] = {a[i].real(), a[i].imag()}, pb[2] = {b[i].real(), b[i].imag()};
    for (int k = 0; k < 2; ++k) {
      if (special(pb[k])) {
        ASSERT_TRUE(std::isnan(pb[k]) ? std::isnan(pa[k]) : pa[k] == pb[k])
            << "element " << i << ": " << a[i] << " vs " << b[i];
      } else {
        ASSERT_TRUE(std::fabs(pa[k] - pb[k]) <= bound)
            << "element " << i << ": " << a[i] << " vs " << b[i];
      }
    }
  }
}

// A GPU result of a bool or integer dtype equal to the CPU's, all 64 bits.
inline void expect_same_integers(const TensorBase& gpu, const TensorBase& cpu) {
  ASSERT_EQ(gpu.device(), kGpu);
  ASSERT_EQ(gpu.shape(), cpu.shape());
  ASSERT_EQ(gpu.dtype(), cpu.dtype());
  const TensorBase a = gpu.cpu().to(DType::Int64).contiguous();
  const TensorBase b = cpu.to(DType::Int64).contiguous();
  const auto* pa = static_cast<const int64_t*>(a.data_ptr());
  const auto* pb = static_cast<const int64_t*>(b.data_ptr());
  for (int64_t i = 0; i < a.numel(); ++i) ASSERT_EQ(pa[i], pb[i]) << "element " << i;
}

// A few subnormals of d's precision: the absolute slack of results that underflow.
inline double subnormal_slack(DType d) { return d == DType::Complex64 ? 1e-44 : 1e-321; }

// Parts of the edge grid: zeros of both signs, ones, pi-ish, large and tiny, subnormal (of
// both precisions), the extremes, infinities and NaN.
inline std::vector<double> edge_parts() {
  const double inf = std::numeric_limits<double>::infinity();
  return {0.0, -0.0, 1.0, -1.0, 0.5, -2.5, 3.0, 1.5707963267948966, -3.141592653589793, 20.0,
          -100.0, 1e-5, 1e30, -1e-30, 3.4e38, 1e-40, 1e-310, 1e300, inf, -inf, std::nan("")};
}

// The grid of every pair of parts, as a column [n, 1] of `dtype`.
inline TensorBase edge_column(DType dtype) {
  std::vector<complex128> v;
  for (double re : edge_parts()) {
    for (double im : edge_parts()) v.emplace_back(re, im);
  }
  return tb::from_vector(v, {static_cast<int64_t>(v.size()), 1}).to(dtype);
}

// Ordinary values: real and imaginary parts uniform in [lo, hi).
inline TensorBase complex_values(const Shape& shape, DType dtype, double lo = -2, double hi = 2,
                                 uint64_t seed = 1) {
  const TensorBase re = tbtest::values(shape, DType::Float64, lo, hi, seed);
  const TensorBase im = tbtest::values(shape, DType::Float64, lo, hi, seed + 100);
  return ops::add(re, ops::mul(im, tb::Scalar(complex128(0, 1)))).to(dtype);
}

// The same tensor in other layouts: transposed (a column-major copy, viewed back), flipped
// (negative strides) and every other element of a wider tensor.
inline std::vector<TensorBase> layouts(const TensorBase& t) {
  std::vector<TensorBase> out = {t};
  if (t.dim() == 2) out.push_back(t.t().contiguous().t());
  if (t.dim() >= 1) out.push_back(t.flip({0}).contiguous().flip({0}));
  if (t.dim() >= 1) {
    Shape wide = t.shape();
    wide.back() *= 2;
    TensorBase w = tb::zeros(wide, t.dtype());
    const TensorBase view = w.as_strided(t.shape(), [&] {
      std::vector<int64_t> s = w.strides();
      s.back() = 2;
      return s;
    }());
    view.copy_(t);
    out.push_back(view);
  }
  return out;
}

// std::complex applied to each element of a CPU complex tensor (of its own dtype); f takes
// either precision.
template <typename F>
TensorBase map_std(const TensorBase& t, F f) {
  const TensorBase c = t.contiguous();
  TensorBase out = tb::empty(c.shape(), c.dtype());
  if (c.dtype() == DType::Complex64) {
    const auto* p = static_cast<const tb::complex64*>(c.data_ptr());
    auto* o = static_cast<tb::complex64*>(out.data_ptr());
    for (int64_t i = 0; i < c.numel(); ++i) o[i] = f(p[i]);
  } else {
    const auto* p = static_cast<const complex128*>(c.data_ptr());
    auto* o = static_cast<complex128*>(out.data_ptr());
    for (int64_t i = 0; i < c.numel(); ++i) o[i] = f(p[i]);
  }
  return out;
}

// ---- copies and fills ------------------------------------------------------------------------

TEST(CudaComplex, CopiesAndConversionsMatchTheCpu) {
  TB_REQUIRE_GPU();
  const std::vector<DType> others = {DType::Bool,    DType::Int8,    DType::Int32,  DType::Int64,
                                     DType::UInt8,   DType::UInt64,  DType::Float16,
                                     DType::BFloat16, DType::Float32, DType::Float64,
                                     DType::Complex64, DType::Complex128};
  for (DType d : kComplex) {
    SCOPED_TRACE(tb::dtype_name(d));
    const TensorBase z = edge_column(d).reshape({21, 21});
    for (const TensorBase& src : layouts(z)) {
      const TensorBase g = src.cuda(0);
      // .contiguous() of a strided complex tensor, and copy_ between layouts.
      expect_complex_close(g.contiguous(), src.contiguous(), 0);
      TensorBase dst = tb::zeros({21, 21}, d, kGpu).t();
      dst.copy_(g.t());
      expect_complex_close(dst, src.t(), 0);
      for (DType to : others) {  // complex to every dtype: real part, bool "either part != 0"
        SCOPED_TRACE(tb::dtype_name(to));
        const TensorBase want = src.to(to);
        const TensorBase got = g.to(kGpu, to);
        ASSERT_EQ(got.dtype(), to);
        if (tb::is_complex(to) || tb::is_floating_point(to)) {
          expect_complex_close(got, want, 0);
        } else {
          expect_same_integers(got, want);
        }
      }
    }
    // Every dtype to complex: imaginary part 0.
    for (DType from : others) {
      SCOPED_TRACE(tb::dtype_name(from));
      const TensorBase src = tbtest::values({7, 5}, DType::Float64, -300, 300).to(from).t();
      expect_complex_close(src.cuda(0).to(kGpu, d), src.to(d), 0);
    }
  }
}

TEST(CudaComplex, FillsEmptyAndZeroDimensional) {
  TB_REQUIRE_GPU();
  for (DType d : kComplex) {
    TensorBase g = tb::zeros({4, 6}, d, kGpu);
    TensorBase c = tb::zeros({4, 6}, d);
    g.narrow(1, 1, 3).fill_(tb::Scalar(complex128(1.5, -2)));
    c.narrow(1, 1, 3).fill_(tb::Scalar(complex128(1.5, -2)));
    expect_complex_close(g, c, 0);
    const TensorBase full = tb::full({3}, tb::Scalar(complex128(0, 1)), d, kGpu);
    expect_complex_close(full, tb::full({3}, tb::Scalar(complex128(0, 1)), d), 0);
    const TensorBase empty = tb::empty({0, 3}, d, kGpu);
    expect_complex_close(ops::exp(empty), ops::exp(tb::empty({0, 3}, d)), 0);
    expect_complex_close(empty.to(kGpu, real_of(d) == DType::Float32 ? DType::Complex128
                                                                      : DType::Complex64),
                         tb::empty({0, 3}, d).to(real_of(d) == DType::Float32 ? DType::Complex128
                                                                              : DType::Complex64),
                         0);
    const TensorBase scalar = complex_values({}, d);
    expect_complex_close(ops::mul(scalar.cuda(0), scalar.cuda(0)), ops::mul(scalar, scalar), 0);
    expect_complex_close(ops::sum(scalar.cuda(0)), ops::sum(scalar), 0);
  }
}

// ---- binary ops ------------------------------------------------------------------------------

using Binary = std::function<TensorBase(const TensorBase&, const TensorBase&)>;

TEST(CudaComplex, ArithmeticOnEdgeGridsMatchesTheCpu) {
  TB_REQUIRE_GPU();
  const std::vector<std::pair<const char*, Binary>> exact = {
      {"add", [](const TensorBase& a, const TensorBase& b) { return ops::add(a, b); }},
      {"sub", [](const TensorBase& a, const TensorBase& b) { return ops::sub(a, b); }},
      {"add alpha",
       [](const TensorBase& a, const TensorBase& b) {
         return ops::add(a, b, tb::Scalar(complex128(2, -0.5)));
       }},
      {"sub alpha",
       [](const TensorBase& a, const TensorBase& b) { return ops::sub(a, b, 3); }},
      {"mul", [](const TensorBase& a, const TensorBase& b) { return ops::mul(a, b); }},
      {"div", [](const TensorBase& a, const TensorBase& b) { return ops::div(a, b); }},
  };
  for (DType d : kComplex) {
    SCOPED_TRACE(tb::dtype_name(d));
    const TensorBase col = edge_column(d);
    const TensorBase row = col.reshape({1, -1}).narrow(1, 0, 160);
    for (const auto& [name, op] : exact) {
      SCOPED_TRACE(name);
      // Products and quotients round on the device as on the CPU, up to contractions (fma).
      expect_complex_close(op(col.cuda(0), row.cuda(0)), op(col, row), complex_tolerance(d),
                           subnormal_slack(d));
    }
    const auto cmp = [&](const char* name, const TensorBase& g, const TensorBase& c) {
      SCOPED_TRACE(name);
      expect_same_integers(g, c);
    };
    cmp("eq", ops::eq(col.cuda(0), row.cuda(0)), ops::eq(col, row));
    cmp("ne", ops::ne(col.cuda(0), row.cuda(0)), ops::ne(col, row));
    cmp("logical_and", ops::logical_and(col.cuda(0), row.cuda(0)), ops::logical_and(col, row));
    cmp("logical_or", ops::logical_or(col.cuda(0), row.cuda(0)), ops::logical_or(col, row));
    cmp("logical_xor", ops::logical_xor(col.cuda(0), row.cuda(0)), ops::logical_xor(col, row));
    cmp("eq scalar", ops::eq(col.cuda(0), 1), ops::eq(col, 1));
    cmp("logical_not", ops::logical_not(col.cuda(0)), ops::logical_not(col));
  }
}

TEST(CudaComplex, ArithmeticWithScalarsRealOperandsAndLayouts) {
  TB_REQUIRE_GPU();
  for (DType d : kComplex) {
    SCOPED_TRACE(tb::dtype_name(d));
    const double tol = complex_tolerance(d);
    const TensorBase a = complex_values({6, 5}, d, -2, 2, 1);
    const TensorBase b = complex_values({6, 5}, d, -2, 2, 2);
    const TensorBase r = tbtest::values({1, 5}, real_of(d), -2, 2, 3);
    for (const TensorBase& la : layouts(a)) {
      for (const TensorBase& lb : layouts(b)) {
        expect_complex_close(ops::mul(la.cuda(0), lb.cuda(0)), ops::mul(la, lb), tol);
        expect_complex_close(ops::div(la.cuda(0), lb.cuda(0)), ops::div(la, lb), tol);
      }
    }
    // Scalars on either side, complex or real; a real tensor (broadcast) promotes.
    const tb::Scalar c(complex128(0.5, -1.5));
    expect_complex_close(ops::add(a.cuda(0), c), ops::add(a, c), tol);
    expect_complex_close(ops::sub(c, a.cuda(0)), ops::sub(c, a), tol);
    expect_complex_close(ops::div(2.5, a.cuda(0)), ops::div(2.5, a), tol);
    expect_complex_close(ops::mul(a.cuda(0), r.cuda(0)), ops::mul(a, r), tol);
    expect_complex_close(ops::div(r.cuda(0), a.cuda(0)), ops::div(r, a), tol);
    // A real tensor times a complex scalar is complex64 (complex128 from float64).
    expect_complex_close(ops::mul(r.cuda(0), c), ops::mul(r, c), tol);
    // pow: tensor ** tensor, ** scalar, scalar ** tensor (moderate exponents).
    expect_complex_close(ops::pow(a.cuda(0), b.cuda(0)), ops::pow(a, b), 10 * tol);
    expect_complex_close(ops::pow(a.cuda(0), 2), ops::pow(a, 2), 10 * tol);
    expect_complex_close(ops::pow(a.cuda(0), c), ops::pow(a, c), 10 * tol);
    expect_complex_close(ops::pow(2, a.cuda(0)), ops::pow(2, a), 10 * tol);
    // In place and out=, also into a transposed target.
    TensorBase g = a.cuda(0);
    TensorBase h = a.clone();
    ops::mul_(g, b.cuda(0));
    ops::mul_(h, b);
    expect_complex_close(g, h, tol);
    ops::sub_(g, b.cuda(0), tb::Scalar(complex128(1, 1)));
    ops::sub_(h, b, tb::Scalar(complex128(1, 1)));
    expect_complex_close(g, h, tol);
    ops::div_(g, r.cuda(0));
    ops::div_(h, r);
    expect_complex_close(g, h, tol);
    ops::pow_(g, 2);
    ops::pow_(h, 2);
    expect_complex_close(g, h, 10 * tol);
    TensorBase out = tb::empty({5, 6}, d, kGpu).t();
    ops::add_out(out, a.cuda(0), b.cuda(0));
    expect_complex_close(out, ops::add(a, b), tol);
    // A real tensor cannot hold a complex result in place.
    EXPECT_THROW(ops::mul_(r.cuda(0), c), tb::TypeError);
    EXPECT_THROW(ops::mul_(r, c), tb::TypeError);
  }
}

TEST(CudaComplex, LargeTensorsTakeTheVectorPath) {
  TB_REQUIRE_GPU();
  for (DType d : kComplex) {
    const TensorBase a = complex_values({(1 << 18) + 3}, d, -2, 2, 4);
    const TensorBase b = complex_values({(1 << 18) + 3}, d, -2, 2, 5);
    expect_complex_close(ops::mul(a.cuda(0), b.cuda(0)), ops::mul(a, b), complex_tolerance(d));
    expect_complex_close(ops::exp(a.cuda(0)), ops::exp(a), complex_tolerance(d));
    // Misaligned for vector loads (offset by one element).
    expect_complex_close(ops::add(a.cuda(0).narrow(0, 1, 1 << 18), b.cuda(0).narrow(0, 0, 1 << 18)),
                         ops::add(a.narrow(0, 1, 1 << 18), b.narrow(0, 0, 1 << 18)), 0);
    expect_complex_close(ops::sum(a.cuda(0)), ops::sum(a), 1e3 * complex_tolerance(d), 1e-3);
  }
}

// ---- unary ops -------------------------------------------------------------------------------

using Unary = TensorBase (*)(const TensorBase&);

TEST(CudaComplex, FunctionsMatchTheCpu) {
  TB_REQUIRE_GPU();
  const std::vector<std::pair<const char*, Unary>> functions = {
      {"exp", &ops::exp},   {"log", &ops::log},       {"sin", &ops::sin},
      {"cos", &ops::cos},   {"tanh", &ops::tanh},     {"neg", &ops::neg},
      {"square", &ops::square}, {"sqrt", &ops::sqrt}, {"reciprocal", &ops::reciprocal}};
  for (DType d : kComplex) {
    SCOPED_TRACE(tb::dtype_name(d));
    const double tol = complex_tolerance(d);
    const TensorBase x = complex_values({9, 7}, d, -4, 4, 6);
    for (const TensorBase& lx : layouts(x)) {
      for (const auto& [name, f] : functions) {
        SCOPED_TRACE(name);
        expect_complex_close(f(lx.cuda(0)), f(lx), tol);
      }
      tbtest::expect_close(ops::abs(lx.cuda(0)), ops::abs(lx), tol, 0);
      EXPECT_EQ(ops::abs(lx.cuda(0)).dtype(), real_of(d));
    }
    // Edge values: the special values the CPU gives (sqrt: libstdc++'s, see the file comment),
    // within the device's rounding elsewhere. reciprocal is NumPy's division on both devices.
    const TensorBase e = edge_column(d);
    for (const auto& [name, f] : functions) {
      SCOPED_TRACE(name);
      if (std::string(name) == "sqrt") continue;
      expect_complex_close(f(e.cuda(0)), f(e), tol, subnormal_slack(d));
    }
    expect_complex_close(ops::sqrt(e.cuda(0)), map_std(e, [](auto z) { return std::sqrt(z); }),
                         tol, subnormal_slack(d));
    tbtest::expect_close(ops::abs(e.cuda(0)), ops::abs(e), tol, subnormal_slack(d));
    for (Unary p : {&ops::isnan, &ops::isinf, &ops::isfinite}) {
      expect_same_integers(p(e.cuda(0)), p(e));
    }
    // In place (abs_ of complex is refused on both devices).
    TensorBase g = x.cuda(0);
    TensorBase h = x.clone();
    ops::exp_(ops::sqrt_(g));
    ops::exp_(ops::sqrt_(h));
    expect_complex_close(g, h, tol);
    EXPECT_THROW(ops::abs_(x.cuda(0)), tb::TypeError);
    EXPECT_THROW(ops::abs_(x), tb::TypeError);
  }
}

// ---- the complex API: the CPU kernels' own functions, on the device ------------------------

using InPlace = const TensorBase& (*)(const TensorBase&);

TEST(CudaComplex, ComplexApiMatchesTheCpu) {
  TB_REQUIRE_GPU();
  const std::vector<std::pair<const char*, Unary>> functions = {
      {"sigmoid", &ops::sigmoid}, {"tan", &ops::tan},     {"rsqrt", &ops::rsqrt},
      {"log1p", &ops::log1p},     {"expm1", &ops::expm1}, {"reciprocal", &ops::reciprocal},
      {"conj_physical", &ops::conj_physical}, {"sgn", &ops::sgn}};
  const std::vector<std::pair<const char*, InPlace>> in_place = {
      {"sigmoid_", &ops::sigmoid_}, {"tan_", &ops::tan_},     {"rsqrt_", &ops::rsqrt_},
      {"log1p_", &ops::log1p_},     {"expm1_", &ops::expm1_}, {"reciprocal_", &ops::reciprocal_},
      {"conj_physical_", &ops::conj_physical_}, {"sgn_", &ops::sgn_}};
  for (DType d : kComplex) {
    SCOPED_TRACE(tb::dtype_name(d));
    const double tol = complex_tolerance(d);
    // Ordinary values (small ones too: log1p and expm1 exist for them), in every layout, and
    // strided views made on the device (transposed, flipped, every other column).
    const TensorBase x = complex_values({9, 7}, d, -4, 4, 7);
    const TensorBase small = ops::mul(complex_values({5, 6}, d, -1, 1, 8), tb::Scalar(1e-6));
    std::vector<std::pair<TensorBase, TensorBase>> inputs;  // (on the GPU, on the CPU)
    for (const TensorBase& lx : layouts(x)) inputs.emplace_back(lx.cuda(0), lx);
    inputs.emplace_back(x.cuda(0).t(), x.t());
    inputs.emplace_back(x.cuda(0).flip({1}), x.flip({1}));
    inputs.emplace_back(x.cuda(0).slice(1, 0, 7, 2), x.slice(1, 0, 7, 2));
    inputs.emplace_back(small.cuda(0), small);
    inputs.emplace_back(edge_column(d).cuda(0), edge_column(d));
    inputs.emplace_back(tb::empty({0, 3}, d).cuda(0), tb::empty({0, 3}, d));
    const TensorBase scalar = complex_values({}, d, -2, 2, 9);
    inputs.emplace_back(scalar.cuda(0), scalar);
    for (const auto& [g, c] : inputs) {
      SCOPED_TRACE(tb::shape_str(c.shape()));
      for (const auto& [name, f] : functions) {
        SCOPED_TRACE(name);
        expect_complex_close(f(g), f(c), tol, subnormal_slack(d));
      }
      const TensorBase angle = ops::angle(g);
      EXPECT_EQ(angle.dtype(), real_of(d));
      tbtest::expect_close(angle, ops::angle(c), tol, subnormal_slack(d));
    }
    // In place, on a transposed view of a device tensor.
    for (const auto& [name, f] : in_place) {
      SCOPED_TRACE(name);
      const TensorBase g = x.cuda(0);
      const TensorBase c = x.clone();
      const TensorBase gt = g.t();
      EXPECT_EQ(&f(gt), &gt);  // returns its argument, written through the view
      f(c.t());
      expect_complex_close(g, c, tol, subnormal_slack(d));
    }
  }
}

TEST(CudaComplex, AngleOfRealDtypesMatchesTheCpu) {
  TB_REQUIRE_GPU();
  const double nan = std::nan(""), inf = std::numeric_limits<double>::infinity();
  const TensorBase edges = tb::from_vector<double>({-0.0, 0.0, -1.0, 2.0, nan, inf, -inf, -1e-310},
                                                   {8});
  for (DType d : {DType::Float32, DType::Float64, DType::Float16, DType::BFloat16}) {
    SCOPED_TRACE(tb::dtype_name(d));
    const TensorBase x = tbtest::values({6, 5}, DType::Float64, -3, 3, 11).to(d);
    for (const TensorBase& c : {x, TensorBase(x.t()), edges.to(d), tb::empty({0}, d)}) {
      const TensorBase g = ops::angle(c.cuda(0));
      EXPECT_EQ(g.dtype(), d);
      tbtest::expect_close(g, ops::angle(c), 0, 0);  // pi or 0: exact
    }
  }
  // Integers and bool compute in float32, as on the CPU; conj of a real tensor is itself.
  const TensorBase ints = tb::from_vector<int32_t>({-3, 0, 4, -1}, {2, 2});
  tbtest::expect_close(ops::angle(ints.cuda(0)), ops::angle(ints), 0, 0);
  EXPECT_EQ(ops::angle(ints.cuda(0)).dtype(), DType::Float32);
  const TensorBase r = ints.cuda(0).to(DType::Float64);
  EXPECT_EQ(ops::conj_physical(r).data_ptr(), r.data_ptr());
  tbtest::expect_close(ops::sgn(r), ops::sign(ints.to(DType::Float64)), 0, 0);
}

TEST(CudaComplex, ComplexApiErrorsNameOpDtypeAndDevice) {
  TB_REQUIRE_GPU();
  // In place into an integer tensor: the float result does not fit, on either device.
  const TensorBase ints = tb::from_vector<int32_t>({1, 2, 3}, {3});
  const std::vector<std::pair<const char*, InPlace>> refused = {
      {"sigmoid_", &ops::sigmoid_}, {"rsqrt_", &ops::rsqrt_}, {"expm1_", &ops::expm1_}};
  for (const auto& [name, f] : refused) {
    const std::string on_gpu = error_of<tb::TypeError>([&] { f(ints.cuda(0)); });
    const std::string on_cpu = error_of<tb::TypeError>([&] { f(ints); });
    EXPECT_NE(on_gpu.find(name), std::string::npos) << on_gpu;
    EXPECT_NE(on_gpu.find("int32"), std::string::npos) << on_gpu;
    EXPECT_NE(on_cpu.find(name), std::string::npos) << on_cpu;
  }
  // sign is real-only: complex numbers take sgn.
  const TensorBase c = complex_values({4}, DType::Complex128).cuda(0);
  const std::string sign = error_of<tb::TypeError>([&] { ops::sign(c); });
  EXPECT_NE(sign.find("complex128"), std::string::npos) << sign;
}

// ---- reductions ------------------------------------------------------------------------------

TEST(CudaComplex, ReductionsMatchTheCpu) {
  TB_REQUIRE_GPU();
  for (DType d : kComplex) {
    SCOPED_TRACE(tb::dtype_name(d));
    const double tol = 100 * complex_tolerance(d);
    const TensorBase x = complex_values({12, 33, 5}, d, -1, 1, 7);
    for (const TensorBase& lx : {x, x.transpose(0, 2).contiguous().transpose(0, 2), x.flip({1})}) {
      const TensorBase g = lx.cuda(0);
      for (const std::vector<int64_t>& dims :
           std::vector<std::vector<int64_t>>{{}, {0}, {1}, {2}, {0, 2}, {1, 2}}) {
        expect_complex_close(ops::sum(g, dims), ops::sum(lx, dims), tol, tol);
        expect_complex_close(ops::mean(g, dims, true), ops::mean(lx, dims, true), tol, tol);
        tbtest::expect_close(ops::var(g, dims), ops::var(lx, dims), tol, tol);
        tbtest::expect_close(ops::std(g, dims), ops::std(lx, dims), tol, tol);
        tbtest::expect_close(ops::norm(g, 2, dims), ops::norm(lx, 2, dims), tol, tol);
        tbtest::expect_close(ops::norm(g, 1, dims), ops::norm(lx, 1, dims), tol, tol);
      }
      // Products of values near 1 stay moderate.
      const TensorBase near_one = ops::add(ops::mul(lx, 0.1), 1);
      expect_complex_close(ops::prod(near_one.cuda(0), {1}), ops::prod(near_one, {1}), tol);
      expect_complex_close(ops::prod(near_one.cuda(0)), ops::prod(near_one), tol);
      expect_complex_close(ops::cumsum(g, 1), ops::cumsum(lx, 1), tol, tol);
      expect_complex_close(ops::cumprod(near_one.cuda(0), 2), ops::cumprod(near_one, 2), tol);
    }
    // all/any see either part: 0 + 1i is true.
    const TensorBase parts = tb::from_vector<complex128>({{0, 0}, {0, 1}, {1, 0}, {0, -0.0}},
                                                         {2, 2}).to(d);
    for (const std::vector<int64_t>& dims : std::vector<std::vector<int64_t>>{{}, {0}, {1}}) {
      expect_same_integers(ops::all(parts.cuda(0), dims), ops::all(parts, dims));
      expect_same_integers(ops::any(parts.cuda(0), dims), ops::any(parts, dims));
    }
    // Empty: sums are 0, products 1.
    const TensorBase empty = tb::empty({3, 0}, d);
    expect_complex_close(ops::sum(empty.cuda(0), {1}), ops::sum(empty, {1}), 0);
    expect_complex_close(ops::prod(empty.cuda(0), {1}), ops::prod(empty, {1}), 0);
    // Special values propagate as on the CPU.
    const TensorBase e = edge_column(d).reshape({21, 21});
    expect_complex_close(ops::sum(e.cuda(0), {1}), ops::sum(e, {1}), 1e-6, 1e290);
  }
}

// ---- matrix products -------------------------------------------------------------------------

TEST(CudaComplex, MatrixProductsMatchTheCpu) {
  TB_REQUIRE_GPU();
  for (DType d : kComplex) {
    SCOPED_TRACE(tb::dtype_name(d));
    const double tol = 100 * complex_tolerance(d);
    const TensorBase a = complex_values({5, 7}, d, -1, 1, 8);
    const TensorBase b = complex_values({7, 3}, d, -1, 1, 9);
    for (const TensorBase& la : layouts(a)) {
      for (const TensorBase& lb : layouts(b)) {
        expect_complex_close(ops::mm(la.cuda(0), lb.cuda(0)), ops::mm(la, lb), tol, tol);
      }
    }
    // Transposed operands are transposed, not conjugated.
    const TensorBase at = complex_values({7, 5}, d, -1, 1, 10);
    expect_complex_close(ops::mm(at.cuda(0).t(), b.cuda(0)), ops::mm(at.t(), b), tol, tol);
    const TensorBase ba = complex_values({4, 5, 7}, d, -1, 1, 11);
    const TensorBase bb = complex_values({4, 7, 3}, d, -1, 1, 12);
    expect_complex_close(ops::bmm(ba.cuda(0), bb.cuda(0)), ops::bmm(ba, bb), tol, tol);
    expect_complex_close(ops::matmul(ba.cuda(0), b.cuda(0)), ops::matmul(ba, b), tol, tol);
    const TensorBase v = complex_values({7}, d, -1, 1, 13);
    expect_complex_close(ops::dot(v.cuda(0), v.cuda(0)), ops::dot(v, v), tol, tol);
    expect_complex_close(ops::outer(v.cuda(0), v.cuda(0)), ops::outer(v, v), tol, tol);
    expect_complex_close(ops::mv(a.cuda(0), v.cuda(0)), ops::mv(a, v), tol, tol);
    // addmm with complex alpha and beta.
    const TensorBase c = complex_values({5, 3}, d, -1, 1, 14);
    const tb::Scalar alpha(complex128(0.5, 2)), beta(complex128(-1, 0.25));
    expect_complex_close(ops::addmm(c.cuda(0), a.cuda(0), b.cuda(0), beta, alpha),
                         ops::addmm(c, a, b, beta, alpha), tol, tol);
    // Empty inner dimension: zeros (plus beta * c).
    const TensorBase k0a = tb::empty({5, 0}, d), k0b = tb::empty({0, 3}, d);
    expect_complex_close(ops::mm(k0a.cuda(0), k0b.cuda(0)), ops::mm(k0a, k0b), 0);
    // Mixed precision is the CPU's error too.
    EXPECT_THROW(ops::mm(a.cuda(0), b.cuda(0).to(kGpu, real_of(d))), tb::TypeError);
    EXPECT_THROW(ops::mm(a, b.to(real_of(d))), tb::TypeError);
  }
}

// ---- selections and indexing -----------------------------------------------------------------

TEST(CudaComplex, SelectionsAndIndexingMatchTheCpu) {
  TB_REQUIRE_GPU();
  using Indices = std::vector<std::optional<TensorBase>>;
  for (DType d : kComplex) {
    SCOPED_TRACE(tb::dtype_name(d));
    const TensorBase x = complex_values({6, 4}, d, -2, 2, 15);
    const TensorBase y = complex_values({6, 4}, d, -2, 2, 16);
    const TensorBase mask = ops::gt(tbtest::values({6, 4}, DType::Float32, -1, 1, 17), 0);
    const TensorBase g = x.cuda(0), gy = y.cuda(0), gm = mask.cuda(0);
    expect_complex_close(ops::where(gm, g, gy), ops::where(mask, x, y), 0);
    expect_complex_close(ops::where(gm, g, tb::Scalar(complex128(1, -1))),
                         ops::where(mask, x, tb::Scalar(complex128(1, -1))), 0);
    expect_complex_close(ops::where(gm, g, 2.5), ops::where(mask, x, 2.5), 0);
    expect_complex_close(ops::masked_fill(g.t(), gm.t(), tb::Scalar(complex128(0, 3))),
                         ops::masked_fill(x.t(), mask.t(), tb::Scalar(complex128(0, 3))), 0);
    const TensorBase idx = tb::from_vector<int64_t>({3, 0, 5, 3}, {4});
    expect_complex_close(ops::index_select(g, 0, idx.cuda(0)), ops::index_select(x, 0, idx), 0);
    const TensorBase gather_idx = tb::from_vector<int64_t>({0, 3, 1, 2, 2, 1}, {3, 2});
    expect_complex_close(ops::gather(g, 1, gather_idx.cuda(0)), ops::gather(x, 1, gather_idx), 0);
    const TensorBase src = complex_values({3, 2}, d, -2, 2, 18);
    expect_complex_close(ops::scatter(g, 1, gather_idx.cuda(0), src.cuda(0)),
                         ops::scatter(x, 1, gather_idx, src), 0);
    // Accumulating: repeated indices add in any order (complex: part by part).
    const TensorBase rep = tb::from_vector<int64_t>({1, 1, 1, 1, 0, 0}, {3, 2});
    const double tol = 10 * complex_tolerance(d);
    expect_complex_close(ops::scatter_add(g, 1, rep.cuda(0), src.cuda(0)),
                         ops::scatter_add(x, 1, rep, src), tol, tol);
    TensorBase ga = g.clone(), ca = x.clone();
    ops::index_add_(ga, 0, idx.cuda(0), complex_values({4, 4}, d, -1, 1, 19).cuda(0),
                    tb::Scalar(complex128(0, 2)));
    ops::index_add_(ca, 0, idx, complex_values({4, 4}, d, -1, 1, 19),
                    tb::Scalar(complex128(0, 2)));
    expect_complex_close(ga, ca, tol, tol);
    const TensorBase rows = tb::from_vector<int64_t>({0, 5, 5}, {3});
    const TensorBase cols = tb::from_vector<int64_t>({1, -1, -1}, {3});
    expect_complex_close(ops::index(g, Indices{rows.cuda(0), cols.cuda(0)}),
                         ops::index(x, Indices{rows, cols}), 0);
    const TensorBase vals = complex_values({3}, d, -1, 1, 20);
    TensorBase gp = g.clone(), cp = x.clone();
    ops::index_put_(gp, Indices{rows.cuda(0), cols.cuda(0)}, vals.cuda(0), true);
    ops::index_put_(cp, Indices{rows, cols}, vals, true);
    expect_complex_close(gp, cp, tol, tol);
    expect_complex_close(ops::masked_select(g, gm), ops::masked_select(x, mask), 0);
  }
}

// ---- gradients ---------------------------------------------------------------------------------

// The CPU differentiates complex graphs (without conjugation, as its backward formulas are
// written); the same graph on the GPU gives the same outputs and gradients.
TEST(CudaComplex, GradientsMatchTheCpu) {
  TB_REQUIRE_GPU();
  namespace ag = tensorbridge::autograd;
  for (DType d : kComplex) {
    SCOPED_TRACE(tb::dtype_name(d));
    const double tol = 100 * complex_tolerance(d);
    auto run = [&](tb::Device device) {
      TensorBase x = complex_values({4, 3}, d, -1, 1, 21).to(device);
      TensorBase w = complex_values({3}, d, -1, 1, 22).to(device);
      x.requires_grad_();
      w.requires_grad_();
      const TensorBase y = ag::div(ag::mul(ag::exp(x), w), ag::add(ag::sqrt(x), 2.0));
      const TensorBase z = ag::sum(ag::mul(y, ag::tanh(x)), {1});
      const TensorBase m = ag::matmul(ag::sin(x), ag::cos(w).reshape({3, 1}));
      const TensorBase out = ag::add(z, ag::sum(ag::pow(m, 2), {1}));
      out.backward(complex_values({4}, d, 0.5, 1.5, 23).to(device));
      return std::vector<TensorBase>{out, x.grad(), w.grad()};
    };
    const auto cpu = run(tb::Device::cpu());
    const auto gpu = run(kGpu);
    for (std::size_t i = 0; i < cpu.size(); ++i) {
      SCOPED_TRACE(i);
      expect_complex_close(gpu[i], cpu[i], tol, tol);
    }
  }
}

// ---- what the CPU refuses for complex numbers ------------------------------------------------

TEST(CudaComplex, OpsTheCpuRefusesAreRefusedWithTheSameError) {
  TB_REQUIRE_GPU();
  const TensorBase c = complex_values({3, 4}, DType::Complex64);
  const TensorBase g = c.cuda(0);
  // Each op raises TypeError naming the op and dtype on both devices.
  const std::vector<std::pair<const char*, std::function<void(const TensorBase&)>>> refused = {
      {"lt", [](const TensorBase& t) { ops::lt(t, t); }},
      {"maximum", [](const TensorBase& t) { ops::maximum(t, t); }},
      {"remainder", [](const TensorBase& t) { ops::remainder(t, 2); }},
      {"floor_divide", [](const TensorBase& t) { ops::floor_divide(t, t); }},
      {"atan2", [](const TensorBase& t) { ops::atan2(t, t); }},
      {"bitwise_and", [](const TensorBase& t) { ops::bitwise_and(t, t); }},
      {"relu", [](const TensorBase& t) { ops::relu(t); }},
      {"floor", [](const TensorBase& t) { ops::floor(t); }},
      {"sign", [](const TensorBase& t) { ops::sign(t); }},
      {"amax", [](const TensorBase& t) { ops::amax(t); }},
      {"argmax", [](const TensorBase& t) { ops::argmax(t); }},
      {"sort", [](const TensorBase& t) { ops::sort(t); }},
      {"softmax", [](const TensorBase& t) { ops::softmax(t, 0); }},
  };
  for (const auto& [name, f] : refused) {
    const std::string on_cpu = error_of<tb::TypeError>([&] { f(c); });
    const std::string on_gpu = error_of<tb::TypeError>([&] { f(g); });
    EXPECT_NE(on_gpu.find(name), std::string::npos) << on_gpu;
    EXPECT_NE(on_gpu.find("complex64"), std::string::npos) << on_gpu;
    EXPECT_FALSE(on_cpu.empty()) << name;
  }
  EXPECT_THROW(ops::div(g, g, "floor"), tb::TypeError);
  EXPECT_THROW(ops::div(c, c, "floor"), tb::TypeError);
  // Operands on two devices.
  const std::string mixed = error_of<tb::DeviceError>([&] { ops::mul(g, c); });
  EXPECT_NE(mixed.find("cuda:0"), std::string::npos) << mixed;
  EXPECT_NE(mixed.find("cpu"), std::string::npos) << mixed;
}

}  // namespace cuda_complex_test
