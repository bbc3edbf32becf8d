// Matrix products: every result is checked against a naive triple loop written here with
// bounds-checked element access, on many layouts (transposed, sliced, negative and zero
// strides), shapes (vectors, batches with broadcasting, empty) and dtypes; einsum (at the end)
// against a reference loop over every assignment of its labels.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <complex>
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "tensorbridge/tensorbridge.hpp"
#include "emulated_device.hpp"
#include "test_ops_util.hpp"

namespace tb = tensorbridge;
using tb::DType;
using tb::TensorBase;

using tbtest::expect_error;

namespace {

// Deterministic, irregular values; small integers when `integral`, so float products are
// exact and can be compared with ==.
TensorBase values(const tb::Shape& shape, DType dtype, int seed = 1, bool integral = true) {
  const int64_t n = tb::checked_numel(shape);
  std::vector<double> v(static_cast<std::size_t>(n));
  uint32_t state = 2463534242u + static_cast<uint32_t>(seed) * 7919u;
  for (auto& x : v) {
    state ^= state << 13;
    state ^= state >> 17;
    state ^= state << 5;
    x = integral ? double(int(state % 13) - 6) : double(state % 100000) / 50000.0 - 1.0;
  }
  return tb::from_vector(v, shape).to(dtype);
}

// Naive 2-D product in double (or complex<double>) through at().
template <typename T>
std::vector<T> naive_mm(const TensorBase& a, const TensorBase& b) {
  const DType wide = tb::dtype_v<T>;
  const auto a64 = a.to(wide).template as<const T>();
  const auto b64 = b.to(wide).template as<const T>();
  const int64_t m = a.size(0), k = a.size(1), n = b.size(1);
  std::vector<T> out(static_cast<std::size_t>(m * n), T(0));
  for (int64_t i = 0; i < m; ++i) {
    for (int64_t j = 0; j < n; ++j) {
      T acc(0);
      for (int64_t p = 0; p < k; ++p) acc += a64.at(i, p) * b64.at(p, j);
      out[static_cast<std::size_t>(i * n + j)] = acc;
    }
  }
  return out;
}

// Compares a 2-D result with the naive product; `tol` relative to sum |a||b|.
void expect_mm(const TensorBase& out, const TensorBase& a, const TensorBase& b, double tol = 0) {
  ASSERT_EQ(out.dim(), 2);
  ASSERT_EQ(out.size(0), a.size(0));
  ASSERT_EQ(out.size(1), b.size(1));
  const auto ref = naive_mm<double>(a, b);
  const auto got = out.to(DType::Float64).as<double>();
  for (int64_t i = 0; i < out.size(0); ++i) {
    for (int64_t j = 0; j < out.size(1); ++j) {
      const double r = ref[static_cast<std::size_t>(i * out.size(1) + j)];
      if (tol == 0) {
        ASSERT_EQ(got.at(i, j), r) << "at (" << i << ", " << j << ")";
      } else {
        ASSERT_NEAR(got.at(i, j), r, tol * (1 + std::abs(r))) << "at (" << i << ", " << j << ")";
      }
    }
  }
}

}  // namespace

TEST(Matmul, TwoByTwoMatchesNaiveProductAcrossEigenSizeThresholds) {
  for (auto [m, k, n] : std::vector<std::array<int64_t, 3>>{
           {1, 1, 1}, {2, 3, 4}, {5, 1, 7}, {7, 9, 1}, {33, 17, 45}, {67, 130, 71}}) {
    const TensorBase a = values({m, k}, DType::Float32, 1);
    const TensorBase b = values({k, n}, DType::Float32, 2);
    const TensorBase c = tb::matmul(a, b);
    EXPECT_EQ(c.dtype(), DType::Float32);
    EXPECT_TRUE(c.is_contiguous());
    expect_mm(c, a, b);
  }
}

TEST(Matmul, HandComputedValues) {
  // numpy: np.array([[1, 2], [3, 4]]) @ np.array([[5, 6], [7, 8]]) == [[19, 22], [43, 50]]
  const auto a = tb::tensor<float>({{1, 2}, {3, 4}});
  const auto b = tb::tensor<float>({{5, 6}, {7, 8}});
  EXPECT_EQ(tb::matmul(a, b).as<float>().to_vector(), (std::vector<float>{19, 22, 43, 50}));
  EXPECT_EQ(a.matmul(b).as<float>().to_vector(), (std::vector<float>{19, 22, 43, 50}));
  EXPECT_EQ(tb::mm(a, b).as<float>().to_vector(), (std::vector<float>{19, 22, 43, 50}));
}

TEST(Matmul, FractionalValuesWithinRoundingOfNaive) {
  const TensorBase a = values({40, 300}, DType::Float32, 3, false);
  const TensorBase b = values({300, 50}, DType::Float32, 4, false);
  expect_mm(tb::matmul(a, b), a, b, 1e-4);
  const TensorBase a64 = values({40, 300}, DType::Float64, 3, false);
  const TensorBase b64 = values({300, 50}, DType::Float64, 4, false);
  expect_mm(tb::matmul(a64, b64), a64, b64, 1e-12);
}

TEST(Matmul, TransposedOperandsInEveryCombination) {
  const TensorBase at = values({30, 20}, DType::Float32, 5);  // used as a.t(): 20 x 30
  const TensorBase a = values({20, 30}, DType::Float32, 6);
  const TensorBase bt = values({40, 30}, DType::Float32, 7);  // used as b.t(): 30 x 40
  const TensorBase b = values({30, 40}, DType::Float32, 8);
  expect_mm(tb::matmul(a, b), a, b);
  expect_mm(tb::matmul(at.t(), b), at.t(), b);
  expect_mm(tb::matmul(a, bt.t()), a, bt.t());
  expect_mm(tb::matmul(at.t(), bt.t()), at.t(), bt.t());
  for (auto dtype : {DType::Float64, DType::Complex64, DType::Int32}) {
    const TensorBase x = at.to(dtype), y = bt.to(dtype);
    expect_mm(tb::matmul(x.t(), y.t()), x.t(), y.t());
  }
}

TEST(Matmul, SlicedNegativeAndZeroStrides) {
  const TensorBase big = values({50, 60}, DType::Float32, 9);
  // Outer stride larger than the row: columns 5..25 of every row.
  const TensorBase sub = big.slice(1, 5, 25);
  const TensorBase b = values({20, 30}, DType::Float32, 10);
  expect_mm(tb::matmul(sub, b), sub, b);
  // Same, transposed: inner stride 1 along the rows of the transpose.
  expect_mm(tb::matmul(b.t(), sub.t()), b.t(), sub.t());
  // Every other column: no unit stride on either axis, so it is copied.
  const TensorBase stepped = big.slice(1, 0, 40, 2);
  expect_mm(tb::matmul(stepped, b), stepped, b);
  // Negative strides on both axes.
  const TensorBase flipped = big.slice(1, 0, 20).flip({0, 1});
  expect_mm(tb::matmul(flipped, b), flipped, b);
  expect_mm(tb::matmul(b.t(), flipped.t().flip({1})), b.t(), flipped.t().flip({1}));
  // Stride 0: a broadcast row and a broadcast column.
  const TensorBase row = values({1, 20}, DType::Float32, 11).expand({7, 20});
  expect_mm(tb::matmul(row, b), row, b);
  const TensorBase col = values({20, 1}, DType::Float32, 12).expand({20, 9});
  expect_mm(tb::matmul(row, col), row, col);
  // A scalar broadcast to a whole matrix (both strides 0).
  const TensorBase fill = tb::full({}, 2.0, DType::Float32).expand({20, 4});
  expect_mm(tb::matmul(sub, fill), sub, fill);
}

TEST(Matmul, ReadOnlyOperandsAreOnlyRead) {
  const TensorBase a = values({6, 5}, DType::Float64, 13).as_read_only();
  const TensorBase b = values({5, 4}, DType::Float64, 14).as_read_only();
  const TensorBase c = tb::matmul(a, b);
  EXPECT_FALSE(c.is_read_only());
  expect_mm(c, a, b);
}

TEST(Matmul, VectorCases) {
  // numpy: np.dot([1, 2, 3], [4, 5, 6]) == 32, a 0-d result
  const auto v = tb::tensor<double>({1, 2, 3});
  const auto w = tb::tensor<double>({4, 5, 6});
  const TensorBase d = tb::matmul(v, w);
  EXPECT_EQ(d.dim(), 0);
  EXPECT_EQ(d.item<double>(), 32.0);
  EXPECT_EQ(tb::dot(v, w).item<double>(), 32.0);
  EXPECT_EQ(v.dot(w).dim(), 0);

  // [[1, 2, 3], [4, 5, 6]] @ [1, 0, -1] == [-2, -2]
  const auto m = tb::tensor<double>({{1, 2, 3}, {4, 5, 6}});
  const auto x = tb::tensor<double>({1, 0, -1});
  EXPECT_EQ(tb::matmul(m, x).as<double>().to_vector(), (std::vector<double>{-2, -2}));
  EXPECT_EQ(tb::mv(m, x).shape(), (tb::Shape{2}));
  EXPECT_EQ(m.mv(x).as<double>().to_vector(), (std::vector<double>{-2, -2}));
  // [1, -1] @ [[1, 2, 3], [4, 5, 6]] == [-3, -3, -3]
  const auto y = tb::tensor<double>({1, -1});
  EXPECT_EQ(tb::matmul(y, m).as<double>().to_vector(), (std::vector<double>{-3, -3, -3}));

  // Vectors against batches: [k] @ [b, k, n] -> [b, n] and [b, m, k] @ [k] -> [b, m].
  const TensorBase batch = values({4, 3, 5}, DType::Float64, 15);
  const TensorBase left = tb::matmul(v, batch);
  ASSERT_EQ(left.shape(), (tb::Shape{4, 5}));
  const TensorBase right = tb::matmul(batch.transpose(1, 2), v);
  ASSERT_EQ(right.shape(), (tb::Shape{4, 5}));
  for (int64_t i = 0; i < 4; ++i) {
    expect_mm(left.select(0, i).unsqueeze(0), v.unsqueeze(0), batch.select(0, i));
    expect_mm(right.select(0, i).unsqueeze(1), batch.select(0, i).t(), v.unsqueeze(1));
  }
  // Strided vectors (negative stride, every other element).
  const TensorBase long_v = values({12}, DType::Float64, 16);
  const TensorBase sv = long_v.slice(0, 0, 6, 2).flip({0});
  EXPECT_EQ(tb::dot(sv, v).item<double>(),
            sv.as<double>().at(0) * 1 + sv.as<double>().at(1) * 2 + sv.as<double>().at(2) * 3);
}

TEST(Matmul, OuterProduct) {
  // numpy: np.outer([1, 2], [3, 4, 5]) == [[3, 4, 5], [6, 8, 10]]
  const auto a = tb::tensor<int64_t>({1, 2});
  const auto b = tb::tensor<int64_t>({3, 4, 5});
  const TensorBase o = tb::outer(a, b);
  EXPECT_EQ(o.shape(), (tb::Shape{2, 3}));
  EXPECT_EQ(o.dtype(), DType::Int64);
  EXPECT_EQ(o.as<int64_t>().to_vector(), (std::vector<int64_t>{3, 4, 5, 6, 8, 10}));
  EXPECT_EQ(a.outer(b).shape(), (tb::Shape{2, 3}));
  expect_error<tb::ValueError>([&] { tb::outer(a.unsqueeze(0), b); },
                               "outer: expected 1-D tensors, but got shapes [1, 2] and [3]");
}

TEST(Matmul, BatchedWithBroadcastBatchDimensions) {
  const TensorBase a = values({2, 1, 3, 4}, DType::Float32, 17);
  const TensorBase b = values({5, 4, 2}, DType::Float32, 18);
  const TensorBase c = tb::matmul(a, b);
  ASSERT_EQ(c.shape(), (tb::Shape{2, 5, 3, 2}));
  for (int64_t i = 0; i < 2; ++i) {
    for (int64_t j = 0; j < 5; ++j) {
      expect_mm(c.select(0, i).select(0, j), a.select(0, i).select(0, 0), b.select(0, j));
    }
  }
  // A batch against one matrix: the batch folds into one tall GEMM when it can...
  const TensorBase x = values({3, 4, 5}, DType::Float32, 19);
  const TensorBase w = values({5, 6}, DType::Float32, 20);
  const TensorBase y = tb::matmul(x, w);
  ASSERT_EQ(y.shape(), (tb::Shape{3, 4, 6}));
  for (int64_t i = 0; i < 3; ++i) expect_mm(y.select(0, i), x.select(0, i), w);
  // ...and loops over the batch when it cannot (batch and row dimensions permuted).
  const TensorBase xp = x.transpose(0, 1);  // [4, 3, 5]
  const TensorBase yp = tb::matmul(xp, w);
  ASSERT_EQ(yp.shape(), (tb::Shape{4, 3, 6}));
  for (int64_t i = 0; i < 4; ++i) expect_mm(yp.select(0, i), xp.select(0, i), w);
  // One matrix against a batch.
  const TensorBase z = tb::matmul(w.t(), x.transpose(1, 2).transpose(1, 2).transpose(1, 2));
  ASSERT_EQ(z.shape(), (tb::Shape{3, 6, 4}));
  for (int64_t i = 0; i < 3; ++i) expect_mm(z.select(0, i), w.t(), x.select(0, i).t());
}

TEST(Matmul, BmmIsStrictlyThreeDimensional) {
  const TensorBase a = values({3, 2, 4}, DType::Float64, 21);
  const TensorBase b = values({3, 4, 5}, DType::Float64, 22);
  const TensorBase c = tb::bmm(a, b);
  ASSERT_EQ(c.shape(), (tb::Shape{3, 2, 5}));
  for (int64_t i = 0; i < 3; ++i) expect_mm(c.select(0, i), a.select(0, i), b.select(0, i));
  EXPECT_EQ(a.bmm(b).shape(), (tb::Shape{3, 2, 5}));
  expect_error<tb::ValueError>([&] { tb::bmm(a, b.select(0, 0)); },
                               "bmm: expected 3-D tensors, but got shapes [3, 2, 4] and [4, 5]");
  expect_error<tb::ValueError>([&] { tb::bmm(a, b.slice(0, 0, 1)); },
                               "bmm: batch sizes differ (3 != 1)");
  expect_error<tb::ValueError>([&] { tb::bmm(a, a); },
                               "bmm: shapes [3, 2, 4] and [3, 2, 4] cannot be multiplied (4 != 2)");
}

TEST(Matmul, DtypesAndTheirComputeTypes) {
  const TensorBase a = values({9, 7}, DType::Float32, 23);
  const TensorBase b = values({7, 11}, DType::Float32, 24);
  for (auto dtype : {DType::Float64, DType::Float16, DType::BFloat16, DType::Int8, DType::Int16,
                     DType::Int32, DType::Int64, DType::UInt8, DType::UInt64}) {
    SCOPED_TRACE(std::string(tb::dtype_name(dtype)));
    const TensorBase ad = is_integral(dtype) && !tb::is_signed(dtype)
                              ? a.to(DType::Int64).to(dtype)  // wraps negatives
                              : a.to(dtype);
    const TensorBase bd = b.to(dtype);
    const TensorBase c = tb::matmul(ad, bd);
    EXPECT_EQ(c.dtype(), dtype);
    if (tb::is_floating_point(dtype)) {
      expect_mm(c, ad, bd);  // |products| <= 36 * 7: exact even in float16/bfloat16
    }
  }
  // Integer products wrap like PyTorch's: int8 100 * 2 + 100 * 1 = 300 -> 44.
  const auto i8a = tb::tensor<int8_t>({{100, 100}});
  const auto i8b = tb::tensor<int8_t>({{2}, {1}});
  EXPECT_EQ(tb::matmul(i8a, i8b).as<int8_t>().item(), int8_t(44));
  const auto i64a = tb::tensor<int64_t>({{std::numeric_limits<int64_t>::max(), 1}});
  const auto i64b = tb::tensor<int64_t>({{2}, {3}});
  EXPECT_EQ(tb::matmul(i64a, i64b).as<int64_t>().item(), int64_t(1));  // 2^64 - 2 + 3 wraps
  const auto u8 = tb::tensor<uint8_t>({{200, 100}});
  EXPECT_EQ(tb::matmul(u8, tb::tensor<uint8_t>({{1}, {1}})).as<uint8_t>().item(), uint8_t(44));
  // Exact integer values against the naive product.
  const TensorBase ia = a.to(DType::Int32), ib = b.to(DType::Int32);
  expect_mm(tb::matmul(ia, ib), ia, ib);

  const auto bools = tb::tensor<bool>({{true}});
  expect_error<tb::TypeError>([&] { tb::matmul(bools, bools); },
                              "matmul: not implemented for dtype bool");
}

TEST(Matmul, ComplexMatchesNaiveProduct) {
  for (auto dtype : {DType::Complex64, DType::Complex128}) {
    // Real and imaginary parts from two independent fills.
    const TensorBase a = values({13, 8}, DType::Complex128, 25, false);
    const TensorBase a_im = values({13, 8}, DType::Float64, 26, false);
    const TensorBase b = values({8, 6}, DType::Complex128, 27, false);
    const TensorBase b_im = values({8, 6}, DType::Float64, 28, false);
    auto ac = a.as<tb::complex128>(), bc = b.as<tb::complex128>();
    for (int64_t i = 0; i < 13; ++i) {
      for (int64_t j = 0; j < 8; ++j) ac.at(i, j).imag(a_im.as<double>().at(i, j));
    }
    for (int64_t i = 0; i < 8; ++i) {
      for (int64_t j = 0; j < 6; ++j) bc.at(i, j).imag(b_im.as<double>().at(i, j));
    }
    const TensorBase x = a.to(dtype), y = b.to(dtype);
    // Transposed left operand too.
    const TensorBase xt = x.t().contiguous().t();
    for (const TensorBase& lhs : {x, xt}) {
      const TensorBase c = tb::matmul(lhs, y);
      EXPECT_EQ(c.dtype(), dtype);
      const auto ref = naive_mm<tb::complex128>(lhs, y);
      const auto got = c.to(DType::Complex128).as<tb::complex128>();
      const double tol = dtype == DType::Complex64 ? 1e-5 : 1e-13;
      for (int64_t i = 0; i < 13; ++i) {
        for (int64_t j = 0; j < 6; ++j) {
          const tb::complex128 r = ref[static_cast<std::size_t>(i * 6 + j)];
          EXPECT_NEAR(got.at(i, j).real(), r.real(), tol * 10);
          EXPECT_NEAR(got.at(i, j).imag(), r.imag(), tol * 10);
        }
      }
    }
  }
  // (1+2i)(3-i) = 5+5i
  const auto p = tb::tensor<tb::complex64>({{tb::complex64(1, 2)}});
  const auto q = tb::tensor<tb::complex64>({{tb::complex64(3, -1)}});
  EXPECT_EQ(tb::matmul(p, q).as<tb::complex64>().item(), tb::complex64(5, 5));
}

TEST(Matmul, EmptyOperands) {
  const TensorBase c0 = tb::matmul(tb::zeros({0, 3}), tb::zeros({3, 4}));
  EXPECT_EQ(c0.shape(), (tb::Shape{0, 4}));
  // k == 0: the sum over nothing is 0, even though the output memory starts uninitialized.
  const TensorBase ck = tb::matmul(tb::empty({3, 0}), tb::empty({0, 4}));
  EXPECT_EQ(ck.shape(), (tb::Shape{3, 4}));
  EXPECT_EQ(ck.as<float>().to_vector(), std::vector<float>(12, 0.0f));
  EXPECT_EQ(tb::dot(tb::empty({0}, DType::Int64), tb::empty({0}, DType::Int64)).item<int64_t>(), 0);
  EXPECT_EQ(tb::matmul(tb::zeros({2, 0, 3}), tb::zeros({3, 5})).shape(), (tb::Shape{2, 0, 5}));
  EXPECT_EQ(tb::matmul(tb::zeros({0, 2, 3}), tb::zeros({1, 3, 5})).shape(),
            (tb::Shape{0, 2, 5}));
}

TEST(Addmm, ScalesAndBroadcastsTheInput) {
  const TensorBase a = values({4, 3}, DType::Float64, 29);
  const TensorBase b = values({3, 5}, DType::Float64, 30);
  const TensorBase bias = values({5}, DType::Float64, 31);
  const TensorBase out = tb::addmm(bias, a, b, 2.0, -3.0);
  ASSERT_EQ(out.shape(), (tb::Shape{4, 5}));
  const auto ref = naive_mm<double>(a, b);
  for (int64_t i = 0; i < 4; ++i) {
    for (int64_t j = 0; j < 5; ++j) {
      EXPECT_EQ(out.as<double>().at(i, j),
                2.0 * bias.as<double>().at(j) - 3.0 * ref[static_cast<std::size_t>(i * 5 + j)]);
    }
  }
  // Defaults beta = alpha = 1; the method form; a 0-d input.
  const TensorBase plain = bias.unsqueeze(0).addmm(a, b);
  EXPECT_EQ(plain.as<double>().at(1, 2),
            bias.as<double>().at(2) + ref[static_cast<std::size_t>(1 * 5 + 2)]);
  const TensorBase scalar = tb::addmm(tb::full({}, 10.0, DType::Float64), a, b);
  EXPECT_EQ(scalar.as<double>().at(3, 4), 10.0 + ref[static_cast<std::size_t>(3 * 5 + 4)]);
}

TEST(Addmm, BetaZeroIgnoresTheInputsNaNs) {
  const TensorBase a = values({2, 2}, DType::Float32, 32);
  const TensorBase nan =
      tb::full({2, 2}, std::numeric_limits<double>::quiet_NaN(), DType::Float32);
  const TensorBase out = tb::addmm(nan, a, a, 0, 1);
  expect_mm(out, a, a);
  // beta != 0 keeps them.
  EXPECT_TRUE(std::isnan(tb::addmm(nan, a, a, 1, 1).as<float>().at(0, 0)));
}

TEST(Addmm, IntegerRulesAndErrors) {
  const auto a = tb::tensor<int32_t>({{1, 2}, {3, 4}});
  EXPECT_EQ(tb::addmm(a, a, a, 2, 3).as<int32_t>().to_vector(),
            (std::vector<int32_t>{2 + 3 * 7, 4 + 3 * 10, 6 + 3 * 15, 8 + 3 * 22}));
  expect_error<tb::TypeError>([&] { tb::addmm(a, a, a, 1, 0.5); },
                              "addmm: for int32 tensors alpha must be an integer, but got 0.5");
  expect_error<tb::ValueError>([&] { tb::addmm(tb::zeros({3}, DType::Int32), a, a); },
                               "addmm: input of shape [3] cannot be broadcast to the product's "
                               "shape [2, 2] ([2, 2] @ [2, 2])");
  expect_error<tb::TypeError>([&] { tb::addmm(tb::zeros({2, 2}), a, a); },
                              "addmm: expected both operands to have the same dtype, but got "
                              "float32 and int32");
}

TEST(Matmul, ShapeAndDtypeErrorsNameTheOpAndShapes) {
  expect_error<tb::ValueError>([] { tb::matmul(tb::zeros({3, 4}), tb::zeros({5, 6})); },
                               "matmul: shapes [3, 4] and [5, 6] cannot be multiplied (4 != 5)");
  expect_error<tb::ValueError>([] { tb::matmul(tb::zeros({3}), tb::zeros({4})); },
                               "matmul: shapes [3] and [4] cannot be multiplied (3 != 4)");
  expect_error<tb::ValueError>([] { tb::matmul(tb::zeros({2, 3, 4}), tb::zeros({3, 4, 5})); },
                               "matmul: batch dimensions [2] and [3] of shapes [2, 3, 4] and "
                               "[3, 4, 5] cannot be broadcast");
  expect_error<tb::ValueError>([] { tb::matmul(tb::zeros({}), tb::zeros({2, 2})); },
                               "matmul: both arguments need to be at least 1-D, but got shapes "
                               "[] and [2, 2]");
  expect_error<tb::TypeError>(
      [] { tb::matmul(tb::zeros({2, 2}), tb::zeros({2, 2}, DType::Float64)); },
      "matmul: expected both operands to have the same dtype, but got float32 and float64 "
      "(shapes [2, 2] and [2, 2])");
  expect_error<tb::ValueError>([] { tb::mm(tb::zeros({2, 2, 2}), tb::zeros({2, 2})); },
                               "mm: expected 2-D tensors, but got shapes [2, 2, 2] and [2, 2]");
  expect_error<tb::ValueError>([] { tb::mm(tb::zeros({2, 3}), tb::zeros({2, 3})); },
                               "mm: shapes [2, 3] and [2, 3] cannot be multiplied (3 != 2)");
  expect_error<tb::ValueError>([] { tb::mv(tb::zeros({2, 3}), tb::zeros({2})); },
                               "mv: shapes [2, 3] and [2] cannot be multiplied (3 != 2)");
  expect_error<tb::ValueError>([] { tb::mv(tb::zeros({3}), tb::zeros({3})); },
                               "mv: expected a 2-D matrix and a 1-D vector");
  expect_error<tb::ValueError>([] { tb::dot(tb::zeros({3}), tb::zeros({4})); },
                               "dot: inconsistent sizes [3] and [4]");
  expect_error<tb::ValueError>([] { tb::dot(tb::zeros({1, 3}), tb::zeros({3})); },
                               "dot: expected 1-D tensors, but got shapes [1, 3] and [3]");
}

TEST(GemmKernel, MapsRowMajorColumnMajorAndPaddedLayoutsWithoutCopying) {
  namespace k = tb::kernels::cpu;
  using k::detail::Layout;
  float buf[64] = {};
  // Contiguous [3, 4]; its transpose; a [3, 4] window of rows of length 10.
  EXPECT_EQ(k::detail::mapped_layout(k::MatrixRef<float>{buf, 3, 4, 4, 1}).layout, Layout::RowMajor);
  EXPECT_EQ(k::detail::mapped_layout(k::MatrixRef<float>{buf, 4, 3, 1, 4}).layout, Layout::ColMajor);
  const auto padded = k::detail::mapped_layout(k::MatrixRef<float>{buf, 3, 4, 10, 1});
  EXPECT_EQ(padded.layout, Layout::RowMajor);
  EXPECT_EQ(padded.outer_stride, 10);
  // A single row or column has no constraint on its unused stride.
  EXPECT_EQ(k::detail::mapped_layout(k::MatrixRef<float>{buf, 1, 4, 0, 1}).layout, Layout::RowMajor);
  EXPECT_NE(k::detail::mapped_layout(k::MatrixRef<float>{buf, 4, 1, 1, -7}).layout, Layout::Other);
  EXPECT_EQ(k::detail::mapped_layout(k::MatrixRef<float>{buf, 4, 1, 3, -7}).layout, Layout::RowMajor);
  // Layouts Eigen cannot express: stepped, negative, zero and overlapping strides.
  EXPECT_EQ(k::detail::mapped_layout(k::MatrixRef<float>{buf, 3, 4, 8, 2}).layout, Layout::Other);
  EXPECT_EQ(k::detail::mapped_layout(k::MatrixRef<float>{buf + 20, 3, 4, -4, 1}).layout, Layout::Other);
  EXPECT_EQ(k::detail::mapped_layout(k::MatrixRef<float>{buf, 3, 4, 0, 1}).layout, Layout::Other);
  EXPECT_EQ(k::detail::mapped_layout(k::MatrixRef<float>{buf, 3, 4, 2, 1}).layout, Layout::Other);
}

// ---- einsum ------------------------------------------------------------------------------------
// Checked against a reference loop over every assignment of the labels (operands read at
// index 0 where a label has size 1: broadcasting), written for explicit, letters-only
// equations; the equations with an ellipsis or an implicit output name the letters-only
// equation that says the same.

namespace {

struct EinsumCase {
  std::string equation;
  std::vector<tb::Shape> shapes;
  std::string reference;  // letters-only and explicit; empty: the equation itself
};

template <typename T>
std::vector<T> einsum_reference(const std::string& equation,
                                const std::vector<TensorBase>& operands, tb::Shape& out_shape) {
  std::vector<std::string> terms(1);
  std::string output;
  const std::size_t arrow = equation.find("->");
  for (char c : equation.substr(0, arrow)) {
    if (c == ',') terms.emplace_back();
    else terms.back() += c;
  }
  output = equation.substr(arrow + 2);
  std::string labels;  // every distinct label
  std::vector<int64_t> size(128, -1);
  std::vector<std::vector<T>> data;
  for (std::size_t i = 0; i < terms.size(); ++i) {
    data.push_back(tbtest::vec<T>(operands[i].to(tb::dtype_v<T>)));
    for (std::size_t d = 0; d < terms[i].size(); ++d) {
      const char c = terms[i][d];
      if (labels.find(c) == std::string::npos) labels += c;
      const int64_t s = operands[i].shape()[d];
      if (size[c] == -1 || size[c] == 1) size[c] = s;
    }
  }
  out_shape.clear();
  for (char c : output) out_shape.push_back(size[c]);
  std::vector<T> out(static_cast<std::size_t>(tb::checked_numel(out_shape)), T(0));
  for (char c : labels) {
    if (size[c] == 0) return out;
  }
  std::vector<int64_t> index(128, 0);
  while (true) {
    T product(1);
    for (std::size_t i = 0; i < terms.size(); ++i) {
      int64_t flat = 0;
      for (std::size_t d = 0; d < terms[i].size(); ++d) {
        const int64_t s = operands[i].shape()[d];
        flat = flat * s + (s == 1 ? 0 : index[terms[i][d]]);
      }
      product *= data[i][static_cast<std::size_t>(flat)];
    }
    int64_t flat = 0;
    for (char c : output) flat = flat * size[c] + index[c];
    out[static_cast<std::size_t>(flat)] += product;
    std::size_t l = labels.size();  // odometer over the labels
    while (l > 0 && ++index[labels[l - 1]] == size[labels[l - 1]]) index[labels[--l]] = 0;
    if (l == 0) break;
  }
  return out;
}

const std::vector<EinsumCase>& einsum_cases() {
  static const std::vector<EinsumCase> cases = {
      {"ij,jk->ik", {{2, 3}, {3, 4}}, ""},
      {"ij,jk", {{2, 3}, {3, 4}}, "ij,jk->ik"},
      {"ij,kj->ik", {{2, 3}, {4, 3}}, ""},
      {"bij,bjk->bik", {{3, 2, 4}, {3, 4, 5}}, ""},
      {"ijk,jil->kl", {{2, 3, 4}, {3, 2, 5}}, ""},
      {"ij->ji", {{2, 3}}, ""},
      {"ij->", {{2, 3}}, ""},
      {"ji", {{2, 3}}, "ji->ij"},
      {"ii->i", {{3, 3}}, ""},
      {"ii", {{3, 3}}, "ii->"},
      {"iij->j", {{3, 3, 2}}, ""},
      {"iii->i", {{3, 3, 3}}, ""},
      {"aab,bcc,c->a", {{2, 2, 3}, {3, 4, 4}, {4}}, ""},
      {"i,i->", {{4}, {4}}, ""},
      {"i,i->i", {{4}, {4}}, ""},
      {"i,j", {{3}, {4}}, "i,j->ij"},
      {"ab,cd->da", {{2, 3}, {4, 5}}, ""},
      {"i,j,k->ijk", {{2}, {3}, {4}}, ""},
      {"ij,jk,kl->il", {{2, 3}, {3, 4}, {4, 5}}, ""},
      {"ij,jk,jl->ikl", {{2, 3}, {3, 4}, {3, 5}}, ""},
      {"ab,bc,cd,de->ae", {{2, 3}, {3, 4}, {4, 2}, {2, 5}}, ""},
      {"...ij,...jk->...ik", {{5, 2, 3}, {3, 4}}, "xij,jk->xik"},
      {"...ij,...jk", {{5, 1, 2, 3}, {4, 3, 4}}, "xyij,yjk->xyik"},
      {"i...->...", {{3, 2, 4}}, "ixy->xy"},
      {"...ii->...i", {{2, 3, 3}}, "xii->xi"},
      {"i...j,j...->...", {{2, 3, 4}, {4, 3}}, "ixj,jx->x"},
      {"Ba,aA", {{2, 3}, {3, 4}}, "Ba,aA->AB"},
      {" i j , j k -> i k ", {{2, 3}, {3, 4}}, "ij,jk->ik"},
      {"ij,ij->", {{3, 1}, {1, 3}}, ""},
      {"bi,bi->b", {{1, 3}, {4, 3}}, ""},
      {"bij,bjk->bik", {{1, 2, 3}, {5, 3, 4}}, ""},
      {"ij,jk->ik", {{2, 0}, {0, 3}}, ""},
      {"ij,jk->ik", {{0, 3}, {3, 4}}, ""},
      {"i,i->", {{1}, {0}}, ""},
      {"ii->i", {{0, 0}}, ""},
      {",i->i", {{}, {4}}, ""},
      {"->", {{}}, ""},
      {"", {{}}, "->"},
  };
  return cases;
}

std::vector<TensorBase> einsum_operands(const EinsumCase& c, DType dtype, bool integral) {
  std::vector<TensorBase> operands;
  int seed = 1;
  for (const tb::Shape& s : c.shapes) operands.push_back(values(s, dtype, seed++, integral));
  return operands;
}

// Same shape and values within tol (relative to the magnitude), in complex128.
bool einsum_close(const TensorBase& got, const TensorBase& want, double tol) {
  if (got.shape() != want.shape()) return false;
  const auto g = tbtest::vec<std::complex<double>>(got.to(DType::Complex128));
  const auto w = tbtest::vec<std::complex<double>>(want.to(DType::Complex128));
  for (std::size_t i = 0; i < g.size(); ++i) {
    if (std::abs(g[i] - w[i]) > tol * (1 + std::abs(w[i]))) return false;
  }
  return true;
}

template <typename T>
void expect_einsum_matches_reference(const EinsumCase& c, DType dtype, double tol) {
  SCOPED_TRACE("einsum('" + c.equation + "') in " + std::string(tb::dtype_name(dtype)));
  const auto operands = einsum_operands(c, dtype, tol == 0);
  const TensorBase out = tb::einsum(c.equation, operands);
  tb::Shape shape;
  const std::string reference = c.reference.empty() ? c.equation : c.reference;
  const auto ref = einsum_reference<T>(reference, operands, shape);
  ASSERT_EQ(out.shape(), shape);
  ASSERT_EQ(out.dtype(), dtype);
  const auto got = tbtest::vec<T>(out.to(tb::dtype_v<T>));
  for (std::size_t i = 0; i < ref.size(); ++i) {
    ASSERT_LE(std::abs(got[i] - ref[i]), tol * (1 + std::abs(ref[i]))) << "element " << i;
  }
}

}  // namespace

TEST(Einsum, MatchesReferenceLoopOnEveryCase) {
  for (const EinsumCase& c : einsum_cases()) {
    expect_einsum_matches_reference<double>(c, DType::Float64, 1e-12);
  }
}

TEST(Einsum, DtypesKeepTheirTypeAndValues) {
  for (const EinsumCase& c : einsum_cases()) {
    expect_einsum_matches_reference<double>(c, DType::Float32, 1e-5);
    expect_einsum_matches_reference<std::complex<double>>(c, DType::Complex64, 1e-5);
    expect_einsum_matches_reference<std::complex<double>>(c, DType::Complex128, 1e-12);
    expect_einsum_matches_reference<double>(c, DType::Int64, 0);  // small integers: exact
  }
  // float16/bfloat16 through matmul, which they equal exactly (small integer values).
  const TensorBase h = values({4, 5}, DType::Float16, 3), g = values({5, 2}, DType::BFloat16, 4);
  EXPECT_EQ(tb::einsum("ij,jk->ik", {h, h.t().narrow(1, 0, 2)}).dtype(), DType::Float16);
  EXPECT_TRUE(einsum_close(tb::einsum("ij,jk->ik", {h, h.t()}), tb::matmul(h, h.t()), 0));
  EXPECT_TRUE(einsum_close(tb::einsum("ij,jk", {g.t(), g}), tb::matmul(g.t(), g), 0));
}

TEST(Einsum, HandComputedValues) {
  const TensorBase a = tbtest::arange_shaped({2, 3}, DType::Float32);  // [[0, 1, 2], [3, 4, 5]]
  const TensorBase m = tbtest::arange_shaped({3, 3}, DType::Int64);
  EXPECT_EQ(tbtest::vec<float>(tb::einsum("ij,kj->ik", {a, a})),
            (std::vector<float>{5, 14, 14, 50}));
  EXPECT_EQ(tbtest::vec<float>(tb::einsum("ij->j", {a})), (std::vector<float>{3, 5, 7}));
  EXPECT_EQ(tbtest::vec(tb::einsum("ii", {m})), (std::vector<int64_t>{12}));
  EXPECT_EQ(tbtest::vec(tb::einsum("ii->i", {m})), (std::vector<int64_t>{0, 4, 8}));
  EXPECT_EQ(tbtest::vec(tb::einsum("ij,ij->", {m, m})), (std::vector<int64_t>{204}));
  const tb::Tensor<float> x = tb::ones<float>({2, 3});  // typed tensors in the braced list
  EXPECT_EQ(tbtest::vec<float>(tb::einsum("ij,kj->ik", {x, x})), (std::vector<float>{3, 3, 3, 3}));
}

// Integer sums within one operand give int64 (PyTorch's sum); mixed dtypes promote.
TEST(Einsum, DtypeRules) {
  const TensorBase i32 = tb::ones({2, 3}, DType::Int32);
  EXPECT_EQ(tb::einsum("ij,jk->ik", {i32, i32.t()}).dtype(), DType::Int32);
  EXPECT_EQ(tb::einsum("ij->", {i32}).dtype(), DType::Int64);
  EXPECT_EQ(tb::einsum("ij->ji", {i32}).dtype(), DType::Int32);
  const TensorBase f32 = tb::ones({3}), f64 = tb::ones({3}, DType::Float64);
  const TensorBase dot = tb::einsum("i,i->", {f32, f64});
  EXPECT_EQ(dot.dtype(), DType::Float64);
  EXPECT_EQ(dot.item<double>(), 3.0);
  EXPECT_EQ(tb::einsum("i,j->ij", {f32, f64}).dtype(), DType::Float64);
  const TensorBase b = tb::ones({3}, DType::Bool);
  EXPECT_EQ(tb::einsum("i,i->i", {b, b}).dtype(), DType::Bool);
  EXPECT_EQ(tb::einsum("i->", {b}).dtype(), DType::Int64);
  expect_error<tb::TypeError>([&] { tb::einsum("i,i->", {b, b}); }, "einsum: cannot contract bool");
}

TEST(Einsum, GradientsMatchFiniteDifferences) {
  namespace ag = tb::autograd;
  for (const char* name : {"ij,jk->ik", "bij,bjk->bik", "ii->i", "iij->j", "ij,jk,kl->il",
                           "...ij,...jk", "ij,ij->", "i,j", "bi,bi->b"}) {
    const auto it = std::find_if(einsum_cases().begin(), einsum_cases().end(),
                                 [&](const EinsumCase& c) { return c.equation == name; });
    ASSERT_NE(it, einsum_cases().end()) << name;
    std::vector<TensorBase> inputs = einsum_operands(*it, DType::Float64, false);
    for (TensorBase& x : inputs) x.requires_grad_(true);
    const std::string equation = name;
    auto fn = [&](const std::vector<TensorBase>& in) { return tb::einsum(equation, in); };
    EXPECT_TRUE(ag::gradcheck(fn, inputs)) << name;
  }
  // Complex operands: the gradient of a real loss, against the conjugate-transposed products.
  const TensorBase a = values({2, 3}, DType::Complex128, 1, false).requires_grad_(true);
  const TensorBase b = values({3, 4}, DType::Complex128, 2, false).requires_grad_(true);
  const TensorBase g = values({2, 4}, DType::Complex128, 3, false);
  tb::einsum("ij,jk->ik", {a, b}).backward(g);
  const TensorBase a2 = a.detach().requires_grad_(true), b2 = b.detach().requires_grad_(true);
  tb::matmul(a2, b2).backward(g);
  EXPECT_TRUE(einsum_close(a.grad(), a2.grad(), 1e-12));
  EXPECT_TRUE(einsum_close(b.grad(), b2.grad(), 1e-12));
}

TEST(Einsum, NoGraphUnderNoGradAndViewsOfOneOperand) {
  const TensorBase a = values({3, 3}, DType::Float64, 1, false).requires_grad_(true);
  {
    tb::autograd::NoGradGuard no_grad;
    EXPECT_FALSE(tb::einsum("ij,jk->ik", {a, a}).requires_grad());
  }
  EXPECT_TRUE(tb::einsum("ij,jk->ik", {a, a}).requires_grad());
  const TensorBase x = tb::zeros({3, 3});
  tb::einsum("ii->i", {x}).fill_(1.0);
  EXPECT_TRUE(einsum_close(x, tb::eye(3), 0));
  EXPECT_EQ(tb::einsum("ij->ji", {x}).data_ptr(), x.data_ptr());
}

TEST(Einsum, ErrorsNameTheEquationAndOperands) {
  const TensorBase m = tb::zeros({2, 3}), v = tb::zeros({3});
  auto expect_value_error = [&](const std::string& equation, std::vector<TensorBase> operands,
                                const std::string& what) {
    expect_error<tb::ValueError>([&] { tb::einsum(equation, operands); }, "einsum: " + what);
    expect_error<tb::ValueError>([&] { tb::einsum(equation, operands); },
                                 "(equation '" + equation + "', operands");
  };
  expect_value_error("ij,jk->ik", {m},
                     "the equation has 2 operand term(s) but 1 operand(s) were given");
  expect_value_error("ij", {m, v},
                     "the equation has 1 operand term(s) but 2 operand(s) were given");
  expect_value_error("ijk", {m}, "operand 0 has 2 dimension(s) but 3 subscript(s) and no ellipsis");
  expect_value_error("ij...k", {m},
                     "operand 0 has 2 dimension(s) but 3 subscript(s) besides the ellipsis");
  expect_value_error("i$", {m}, "invalid character '$' at index 1 of the equation");
  expect_value_error("ij->i>", {m}, "invalid character '>' at index 5");
  expect_value_error("ij->k", {m}, "output subscript 'k' does not appear in any operand");
  expect_value_error("ij->ii", {m}, "output subscript 'i' appears more than once");
  expect_value_error("ij,jk", {m, m},
                     "subscript 'j' has size 2 in operand 1 but size 3 in an earlier operand");
  expect_value_error("ii", {m},
                     "subscript 'i' is repeated in operand 0 with different sizes 2 and 3");
  expect_value_error("..ij", {m}, "'.' at index 0 of operand 0 is not part of an ellipsis '...'");
  expect_value_error("...i...", {m}, "more than one ellipsis '...' in operand 0");
  expect_value_error("i...->......", {m}, "more than one ellipsis '...' in the output");
  expect_value_error("...i,...i", {tb::zeros({5, 3}), tb::zeros({7, 3})},
                     "dimension 0 of the ellipsis has size 7 in operand 1 but size 5");
  expect_error<tb::ValueError>(
      [&] { tb::einsum("ij,jk", {m, tb::zeros({2, 4}, DType::Float64)}); },
      "einsum: subscript 'j' has size 2 in operand 1 but size 3 in an earlier operand (sizes "
      "must match or be 1) (equation 'ij,jk', operands float32 [2, 3] on cpu, float64 [2, 4] "
      "on cpu)");
  expect_error<tb::ValueError>([&] { tb::einsum("ij", {TensorBase()}); },
                               "einsum: operand 0 is undefined");
}

// ---- einsum on an emulated device -----------------------------------------------------------
// "cuda:0" tensors over host memory whose kernels run the CPU ops on host views of the same
// memory: einsum (forward and backward) must reach a device only through the kernel table,
// i.e. work on CUDA with the kernels that exist, and give the CPU's values.

namespace {

// A CPU tensor over the memory of t (an emulated device tensor, or a CPU one).
TensorBase einsum_host_view(const TensorBase& t) {
  const auto& storage = t.storage();
  auto host = tb::Storage::from_foreign(storage->data(), storage->nbytes(), tb::Device::cpu(),
                                        [keep = storage] {});
  return TensorBase(std::make_shared<tb::TensorImpl>(host, t.storage_offset(), t.shape(),
                                                     t.strides(), t.dtype()));
}

std::vector<std::string>& einsum_device_kernels_used() {
  static std::vector<std::string> used;
  return used;
}

class EinsumEmulatedDevice {
 private:
  static tb::detail::DeviceHooks make_hooks() {
    tb::detail::DeviceHooks h{};
    h.allocate = &tbtest::emulated_device_memory;
    h.copy = [](const TensorBase& dst, const TensorBase& src, bool) {
      einsum_host_view(dst).copy_(einsum_host_view(src));
    };
    h.fill = [](const TensorBase& dst, const tb::Scalar& v) { einsum_host_view(dst).fill_(v); };
    h.current_device = [] { return 0; };
    return h;
  }
  static tb::ops::DeviceKernels make_kernels() {
    tb::ops::DeviceKernels k{};
    k.binary = [](const char* op, const TensorBase& out, const TensorBase* a, const tb::Scalar& sa,
                  const TensorBase* b, const tb::Scalar& sb, const tb::Scalar& alpha) {
      einsum_device_kernels_used().push_back(op);
      const TensorBase ha = a != nullptr ? einsum_host_view(*a) : TensorBase();
      const TensorBase hb = b != nullptr ? einsum_host_view(*b) : TensorBase();
      const tb::ops::Operand x = a != nullptr ? tb::ops::Operand(ha) : tb::ops::Operand(sa);
      const tb::ops::Operand y = b != nullptr ? tb::ops::Operand(hb) : tb::ops::Operand(sb);
      const std::string name = op;
      TensorBase r;
      if (name == "mul") r = tb::ops::mul(x, y);
      else if (name == "add") r = tb::ops::add(x, y, alpha);
      else TB_THROW(DeviceError, "emulated device: no binary kernel ", name);
      einsum_host_view(out).copy_(r);
    };
    k.reduce = [](const char* op, const TensorBase& out, const TensorBase& x) {
      einsum_device_kernels_used().push_back(op);
      TB_CHECK(std::string(op) == "sum", DeviceError, "emulated device: no reduce kernel ", op);
      std::vector<int64_t> dims;
      for (int64_t d = 0; d < x.dim(); ++d) {
        if (out.shape()[d] == 1 && x.shape()[d] != 1) dims.push_back(d);
      }
      einsum_host_view(out).copy_(tb::ops::sum(einsum_host_view(x), dims, true));
    };
    k.gemm = [](const char* op, const TensorBase& out, const TensorBase& a, const TensorBase& b,
                const tb::Scalar& alpha, const tb::Scalar& beta) {
      einsum_device_kernels_used().push_back(op);
      TB_CHECK(alpha.to<double>() == 1 && beta.to<double>() == 0, DeviceError,
               "emulated device: gemm with alpha/beta");
      einsum_host_view(out).copy_(tb::ops::matmul(einsum_host_view(a), einsum_host_view(b)));
    };
    return k;
  }
  static inline const tb::detail::DeviceHooks kHooks = make_hooks();
  static inline const tb::ops::DeviceKernels kKernels = make_kernels();
  tbtest::ScopedDeviceTables tables_{kHooks, kKernels};
};

}  // namespace

TEST(Einsum, RunsOnADeviceThroughTheKernelTableWithTheCpusValuesAndGradients) {
  EinsumEmulatedDevice emulated;
  const tb::Device gpu = tb::Device::cuda(0);
  for (const char* name : {"ij,jk->ik", "bij,bjk->bik", "ii->i", "iij->j", "ij,jk,kl->il",
                           "...ij,...jk", "ij,ij->", "i,j", "bi,bi->b", "ij,kj->ik"}) {
    SCOPED_TRACE(name);
    const auto it = std::find_if(einsum_cases().begin(), einsum_cases().end(),
                                 [&](const EinsumCase& c) { return c.equation == name; });
    ASSERT_NE(it, einsum_cases().end());
    std::vector<TensorBase> cpu = einsum_operands(*it, DType::Float64, false), dev;
    for (TensorBase& x : cpu) {
      dev.push_back(x.to(gpu).requires_grad_(true));
      x.requires_grad_(true);
    }
    einsum_device_kernels_used().clear();
    const TensorBase out = tb::einsum(name, dev);
    const TensorBase expected = tb::einsum(name, cpu);
    ASSERT_EQ(out.device(), gpu);
    // A product reaches the kernels; a single operand's diagonal or sum may not need any.
    if (std::string(name).find(',') != std::string::npos) {
      EXPECT_FALSE(einsum_device_kernels_used().empty());
    }
    EXPECT_TRUE(einsum_close(out.cpu(), expected, 1e-12));
    const TensorBase weights = values(expected.shape(), DType::Float64, 7, false);
    out.backward(weights.to(gpu));
    expected.backward(weights);
    for (std::size_t i = 0; i < cpu.size(); ++i) {
      ASSERT_EQ(dev[i].grad().device(), gpu);
      EXPECT_TRUE(einsum_close(dev[i].grad().cpu(), cpu[i].grad(), 1e-12)) << "operand " << i;
    }
  }
  expect_error<tb::DeviceError>(
      [&] { tb::einsum("ij,jk->ik", {tb::zeros({2, 3}), tb::zeros({3, 4}, DType::Float32, gpu)}); },
      "einsum: expected all operands on one device, but operand 0 is on cpu and operand 1 on "
      "cuda:0 (equation 'ij,jk->ik', operands float32 [2, 3] on cpu, float32 [3, 4] on cuda:0)");
}
