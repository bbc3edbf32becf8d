// Matrix products: every result is checked against a naive triple loop written here with
// bounds-checked element access, on many layouts (transposed, sliced, negative and zero
// strides), shapes (vectors, batches with broadcasting, empty) and dtypes.
#include <gtest/gtest.h>

#include <cmath>
#include <complex>
#include <cstdint>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "tensorbridge/tensorbridge.hpp"
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
