// Reductions: values against plain double-precision loops over the input's own strides,
// PyTorch's result dtypes, accuracy of float sums (pairwise inner, blocked outer), every
// layout, empty and 0-d inputs, NaN propagation and PyTorch's errors.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
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

// Reference reduction over `dims` (all when empty) of a float tensor, in double, keepdim
// shape flattened in row-major order. init/combine/finish define the reduction.
template <typename T, typename Combine>
std::vector<double> ref_reduce(const tb::TensorBase& x, std::vector<int64_t> dims, double init,
                               Combine combine) {
  if (dims.empty()) {
    for (int64_t d = 0; d < x.dim(); ++d) dims.push_back(d);
  }
  std::vector<bool> red(static_cast<std::size_t>(x.dim()), false);
  for (int64_t d : dims) red[static_cast<std::size_t>(d < 0 ? d + x.dim() : d)] = true;
  tb::Shape out_shape;
  for (int64_t d = 0; d < x.dim(); ++d) out_shape.push_back(red[d] ? 1 : x.shape()[d]);
  int64_t n_out = 1;
  for (int64_t s : out_shape) n_out *= s;
  std::vector<double> out(static_cast<std::size_t>(n_out), init);
  tbtest::for_each_index(x.shape(), [&](const std::vector<int64_t>& idx) {
    int64_t o = 0;
    for (int64_t d = 0; d < x.dim(); ++d) o = o * out_shape[d] + (red[d] ? 0 : idx[d]);
    out[o] = combine(out[o], static_cast<double>(tbtest::element<T>(x, idx)));
  });
  return out;
}

const auto kAdd = [](double a, double b) { return a + b; };

std::vector<tb::TensorBase> layouts() {
  auto base = make<float>({4, 5, 6}, [](int64_t i) { return std::sin(0.37 * i) * 3; });
  return {
      base,
      tb::TensorBase(base).permute({2, 0, 1}).contiguous().permute({1, 2, 0}),  // permuted memory
      tb::TensorBase(base).flip({1}),
      tb::TensorBase(make<float>({8, 5, 12}, [](int64_t i) { return 0.01 * i; }))
          .slice(0, 0, 8, 2)
          .slice(2, 3, 9),
      tb::TensorBase(make<float>({4, 1, 6}, [](int64_t i) { return i; })).expand({4, 5, 6}),
  };
}

}  // namespace

TEST(Reduce, SumAndMeanOverAnyDims) {
  const std::vector<std::vector<int64_t>> dim_sets = {{}, {0}, {1}, {2}, {-1}, {0, 2}, {1, 0}, {0, 1, 2}};
  for (const auto& x : layouts()) {
    for (const auto& dims : dim_sets) {
      SCOPED_TRACE("strides " + tb::shape_str(x.strides()) + " dims " + tb::shape_str(dims));
      auto want = ref_reduce<float>(x, dims, 0.0, kAdd);
      auto s = tb::sum(x, dims, true);
      EXPECT_EQ(s.dtype(), DType::Float32);
      tbtest::expect_all_near(as_doubles<float>(s), want, 1e-5, 1e-5);
      auto m = tb::mean(x, dims, true);
      int64_t count = x.numel() / std::max<int64_t>(1, s.numel());
      for (double& w : want) w /= double(count);
      tbtest::expect_all_near(as_doubles<float>(m), want, 1e-5, 1e-5);
      // Without keepdim the reduced dims disappear.
      EXPECT_EQ(tb::sum(x, dims).dim(), dims.empty() ? 0 : x.dim() - int64_t(dims.size()));
    }
  }
  auto x = make<float>({2, 3}, [](int64_t i) { return i; });
  EXPECT_EQ(tb::TensorBase(x).sum(1).shape(), (tb::Shape{2}));
  EXPECT_EQ(tb::TensorBase(x).sum({0}, true).shape(), (tb::Shape{1, 3}));
  EXPECT_EQ(tb::TensorBase(x).sum().item<float>(), 15.f);
}

TEST(Reduce, ProdAndDTypes) {
  auto i = tb::tensor<int32_t>({1, 2, 3, 4});
  auto p = tb::prod(i);
  EXPECT_EQ(p.dtype(), DType::Int64);  // torch 2.13: prod/sum of int32 are int64
  EXPECT_EQ(p.item<int64_t>(), 24);
  EXPECT_EQ(tb::sum(i).dtype(), DType::Int64);
  EXPECT_EQ(tb::sum(tb::tensor<int64_t>({1, 0, 1}).to(DType::Bool)).item<int64_t>(), 2);
  EXPECT_EQ(tb::sum(i, {}, false, DType::Float32).dtype(), DType::Float32);
  EXPECT_EQ(tb::sum(tb::tensor({1.5f, 1.5f}), {}, false, DType::Int64).item<int64_t>(), 2);
  // Integer sums wrap like int64 in PyTorch.
  auto big = tb::full<int64_t>({2}, std::numeric_limits<int64_t>::max());
  EXPECT_EQ(tb::sum(big).item<int64_t>(), -2);
  auto c = tb::tensor({tb::complex64(1, 1), tb::complex64(2, -3)});
  EXPECT_EQ(tb::sum(c).item<tb::complex64>(), tb::complex64(3, -2));
  EXPECT_EQ(tb::prod(c).item<tb::complex64>(), tb::complex64(5, -1));
  auto m = make<float>({2, 3}, [](int64_t k) { return k + 1; });
  EXPECT_EQ(as_doubles<float>(tb::TensorBase(m).prod(1)), (std::vector<double>{6, 120}));
}

TEST(Reduce, FloatSumsAreAccurate) {
  // 10^7 float32 ones sum to exactly 10^7; 0.1 (inexact) shows the drift a naive float
  // loop would have (it is off by about 10% here).
  auto ones = tb::ones<float>({10000000});
  EXPECT_EQ(tb::sum(ones).item<float>(), 1e7f);
  auto tenths = tb::full<float>({10000000}, 0.1f);
  const double exact = 1e7 * double(0.1f);
  EXPECT_NEAR(tb::sum(tenths).item<float>(), exact, exact * 1e-6);
  // The same along an outer dim: [N, 3] summed over N.
  auto cols = tb::full<float>({2000000, 3}, 0.1f);
  for (double v : as_doubles<float>(tb::sum(cols, {0}))) EXPECT_NEAR(v, 2e6 * double(0.1f), 2e6 * 1e-6);
  // float16 accumulates in float32: 3000 ones in float16 is 3000 (float16 steps stall at 2048).
  auto h = tb::ones({3000}, DType::Float16);
  EXPECT_EQ(tb::sum(h).dtype(), DType::Float16);
  EXPECT_EQ(tb::sum(h).item<float>(), 3000.f);
  EXPECT_EQ(tb::mean(h).item<float>(), 1.f);
}

TEST(Reduce, EmptyAndZeroDim) {
  // torch 2.13: sum of empty is 0, prod 1, mean nan; reducing an empty dim keeps the rest.
  auto e = tb::zeros<float>({0});
  EXPECT_EQ(tb::sum(e).item<float>(), 0.f);
  EXPECT_EQ(tb::prod(e).item<float>(), 1.f);
  EXPECT_TRUE(std::isnan(tb::mean(e).item<float>()));
  auto e2 = tb::zeros<float>({0, 3});
  EXPECT_EQ(as_doubles<float>(tb::sum(e2, {0})), (std::vector<double>{0, 0, 0}));
  EXPECT_EQ(tb::sum(e2, {1}).shape(), (tb::Shape{0}));
  EXPECT_TRUE(tb::all(e).item<bool>());
  EXPECT_FALSE(tb::any(e).item<bool>());
  tbtest::expect_throw_with<tb::Error>([&] { tb::max(e); }, {"max", "numel() == 0"});
  tbtest::expect_throw_with<tb::IndexError>([&] { tb::amax(e2, {0}); }, {"amax", "dim 0", "non-zero size"});
  tbtest::expect_throw_with<tb::IndexError>([&] { tb::max(e2, 0); }, {"max", "dim 0"});
  EXPECT_EQ(tb::max(e2, 1).values.shape(), (tb::Shape{0}));
  tbtest::expect_throw_with<tb::IndexError>([&] { tb::argmax(e); }, {"argmax"});
  auto s = tb::scalar_tensor(3.f);
  EXPECT_EQ(tb::sum(s).dim(), 0);
  EXPECT_EQ(tb::sum(s, {0}).item<float>(), 3.f);
  EXPECT_EQ(tb::amax(s, {-1}).item<float>(), 3.f);
  EXPECT_EQ(tb::max(s, 0).indices.item<int64_t>(), 0);
  EXPECT_EQ(tb::cumsum(s, 0).item<float>(), 3.f);
}

TEST(Reduce, BadDims) {
  auto x = tb::ones<float>({2, 3});
  tbtest::expect_throw_with<tb::ValueError>([&] { tb::sum(x, {1, -1}); }, {"sum", "dim 1", "multiple times"});
  tbtest::expect_throw_with<tb::IndexError>([&] { tb::sum(x, {2}); }, {"sum", "out of range"});
  tbtest::expect_throw_with<tb::TypeError>([] { tb::mean(tb::tensor<int64_t>({1, 2})); },
                                           {"mean", "floating point", "int64"});
  EXPECT_EQ(tb::mean(tb::tensor<int64_t>({1, 2}), {}, false, DType::Float32).item<float>(), 1.5f);
}

// amax/amin of float rows take three paths (Eigen for long contiguous rows, branch-free
// accumulators for short or strided ones, the outer-row buffer): every length around the
// switch points, a NaN anywhere, infinities, and rows read with a stride.
TEST(Reduce, FloatExtremesOfEveryRowLengthAndLayoutMatchALoop) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  for (DType d : {DType::Float32, DType::Float64}) {
    for (int64_t n : {1, 3, 4, 5, 15, 16, 17, 63, 64, 65, 200, 1001}) {
      for (int64_t nan_at : {int64_t(-1), int64_t(0), n / 2, n - 1}) {
        // 3 rows, each a shuffled run of values; an extra column in between for the strided read.
        tb::TensorBase wide = tb::empty({3, 2 * n}, DType::Float64);
        auto* w = static_cast<double*>(wide.data_ptr());
        for (int64_t i = 0; i < 3 * 2 * n; ++i) w[i] = double((i * 7919) % 1013) - 500.0;
        w[2 * n + 1] = -INFINITY;  // in row 1, read by the strided view only
        if (nan_at >= 0) w[2 * (2 * n) + 2 * nan_at] = nan;  // row 2, seen by both views
        const tb::TensorBase full = wide.to(d);
        for (const tb::TensorBase& x :
             {full.slice(1, 0, n), full.slice(1, std::nullopt, std::nullopt, 2),
              full.slice(1, 1, std::nullopt, 2)}) {
          const tb::TensorBase rows = x.to(DType::Float64).contiguous();
          const auto* r = static_cast<const double*>(rows.data_ptr());
          const std::vector<double> got_max = as_doubles<double>(tb::amax(x, {1}).to(DType::Float64));
          const std::vector<double> got_min = as_doubles<double>(tb::amin(x, {1}).to(DType::Float64));
          for (int64_t row = 0; row < 3; ++row) {
            double mx = -INFINITY, mn = INFINITY;
            bool has_nan = false;
            for (int64_t i = 0; i < n; ++i) {
              const double v = r[row * n + i];
              has_nan = has_nan || std::isnan(v);
              mx = std::max(mx, v);
              mn = std::min(mn, v);
            }
            const std::string where = std::string(tb::dtype_name(d)) + " n=" + std::to_string(n) +
                                      " nan_at=" + std::to_string(nan_at) + " row=" +
                                      std::to_string(row) + " strides=" +
                                      std::to_string(x.strides()[1]);
            if (has_nan) {
              EXPECT_TRUE(std::isnan(got_max[row]) && std::isnan(got_min[row])) << where;
            } else {
              EXPECT_EQ(got_max[row], mx) << where;
              EXPECT_EQ(got_min[row], mn) << where;
            }
          }
        }
      }
    }
  }
}

// Reducing dim 0 of a wide matrix walks its columns in tiles: every column, at tile edges
// and in the last partial tile, gets its own sum and maximum.
TEST(Reduce, OuterReductionsOfWideRowsMatchALoop) {
  const int64_t rows = 37, cols = 2 * 2048 + 77;
  tb::TensorBase x = tb::empty({rows, cols}, DType::Float64);
  auto* v = static_cast<double*>(x.data_ptr());
  for (int64_t i = 0; i < rows * cols; ++i) v[i] = double((i * 7919) % 1009) - 500.0;
  const std::vector<double> sums = as_doubles<double>(tb::sum(x, {0}));
  const std::vector<double> maxima = as_doubles<double>(tb::amax(x, {0}));
  for (int64_t j = 0; j < cols; ++j) {
    double s = 0, m = -INFINITY;
    for (int64_t i = 0; i < rows; ++i) {
      s += v[i * cols + j];
      m = std::max(m, v[i * cols + j]);
    }
    ASSERT_EQ(sums[j], s) << "column " << j;  // small integers: exact in any order
    ASSERT_EQ(maxima[j], m) << "column " << j;
  }
}

TEST(Reduce, ExtremesPropagateNaNAndPickFirstIndices) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  auto x = tb::tensor({1.f, nan, 3.f, nan});
  EXPECT_TRUE(std::isnan(tb::max(x).item<float>()));
  EXPECT_TRUE(std::isnan(tb::amin(x).item<float>()));
  EXPECT_EQ(tb::argmax(x).item<int64_t>(), 1);  // torch 2.13: the first NaN
  EXPECT_EQ(tb::argmin(x).item<int64_t>(), 1);
  auto t = tb::tensor({{3.f, 1.f, 3.f}, {2.f, 5.f, 5.f}});
  auto [v, i] = tb::max(t, 1);
  EXPECT_EQ(as_doubles<float>(v), (std::vector<double>{3, 5}));
  EXPECT_EQ(as_doubles<int64_t>(i), (std::vector<double>{0, 1}));  // first of the ties
  auto mn = tb::min(t, 0, true);
  EXPECT_EQ(mn.values.shape(), (tb::Shape{1, 3}));
  EXPECT_EQ(as_doubles<float>(mn.values), (std::vector<double>{2, 1, 3}));
  EXPECT_EQ(as_doubles<int64_t>(mn.indices), (std::vector<double>{1, 0, 0}));
  EXPECT_EQ(tb::argmax(t).item<int64_t>(), 4);  // flattened
  EXPECT_EQ(tb::argmax(t, std::nullopt, true).shape(), (tb::Shape{1, 1}));
  EXPECT_EQ(as_doubles<int64_t>(tb::argmin(tb::TensorBase(t).t(), 0)), (std::vector<double>{1, 0}));
  EXPECT_EQ(as_doubles<float>(tb::amax(t, {0, 1}, true)), (std::vector<double>{5}));
  EXPECT_EQ(as_doubles<float>(tb::amin(tb::TensorBase(t).flip({1}), {1})), (std::vector<double>{1, 2}));
  EXPECT_TRUE(tb::max(tb::tensor<int64_t>({1, 0}).to(DType::Bool)).item<bool>());
  EXPECT_EQ(tb::max(tb::tensor<int8_t>({-128, -5})).item<int8_t>(), -5);
  tbtest::expect_throw_with<tb::TypeError>([] { tb::argmax(tb::ones({2}, DType::Bool)); }, {"argmax", "bool"});
  tbtest::expect_throw_with<tb::TypeError>([] { tb::amax(tb::ones({2}, DType::Complex64)); }, {"amax", "complex64"});
  for (const auto& l : layouts()) {
    auto want = ref_reduce<float>(l, {0, 2}, -INFINITY, [](double a, double b) { return std::max(a, b); });
    tbtest::expect_all_near(as_doubles<float>(tb::amax(l, {0, 2}, true)), want);
    auto [vals, idx] = tb::max(l, 1);
    auto want1 = ref_reduce<float>(l, {1}, -INFINITY, [](double a, double b) { return std::max(a, b); });
    tbtest::expect_all_near(as_doubles<float>(vals), want1);
    // The index points at the value.
    tbtest::for_each_index(vals.shape(), [&l = l, &vals = vals, &idx = idx](const std::vector<int64_t>& at) {
      const int64_t k = tbtest::element<int64_t>(idx, at);
      EXPECT_EQ(tbtest::element<float>(l, {at[0], k, at[1]}), tbtest::element<float>(vals, at));
    });
  }
}

TEST(Reduce, AllAny) {
  auto x = tb::tensor({{0.f, 1.f}, {2.f, 3.f}});
  EXPECT_FALSE(tb::all(x).item<bool>());
  EXPECT_TRUE(tb::any(x).item<bool>());
  EXPECT_EQ(as_doubles<bool>(tb::all(x, {1})), (std::vector<double>{0, 1}));
  EXPECT_EQ(as_doubles<bool>(tb::any(x, {0})), (std::vector<double>{1, 1}));
  EXPECT_EQ(tb::all(x).dtype(), DType::Bool);
  EXPECT_EQ(tb::all(tb::tensor<uint8_t>({1, 2})).dtype(), DType::UInt8);  // torch 2.13
  EXPECT_EQ(tb::all(tb::tensor<uint8_t>({1, 2})).item<int64_t>(), 1);
}

TEST(Reduce, VarStd) {
  auto x = make<double>({3, 4}, [](int64_t i) { return i * i * 0.5; });
  for (const std::vector<int64_t>& dims : {std::vector<int64_t>{}, {0}, {1}}) {
    auto mean = ref_reduce<double>(x, dims, 0.0, kAdd);
    const auto n = double(x.numel()) / double(mean.size());
    for (double& m : mean) m /= n;
    // Second pass: squared deviations.
    std::vector<double> ss(mean.size(), 0.0);
    tbtest::for_each_index(x.shape(), [&](const std::vector<int64_t>& idx) {
      int64_t o = 0;
      if (dims.size() == 1) o = dims[0] == 0 ? idx[1] : idx[0];
      const double d = tbtest::element<double>(x, idx) - mean[o];
      ss[o] += d * d;
    });
    for (double correction : {0.0, 1.0}) {
      std::vector<double> want;
      for (double s : ss) want.push_back(s / (n - correction));
      tbtest::expect_all_near(as_doubles<double>(tb::var(x, dims, correction)), want, 1e-12);
      for (double& w : want) w = std::sqrt(w);
      tbtest::expect_all_near(as_doubles<double>(tb::TensorBase(x).std(dims, correction)), want, 1e-12);
    }
  }
  EXPECT_TRUE(std::isnan(tb::var(tb::tensor({1.f})).item<float>()));  // torch 2.13: nan
  EXPECT_EQ(tb::var(tb::tensor({1.f, 2.f}), {}, 0).item<float>(), 0.25f);
  tbtest::expect_throw_with<tb::TypeError>([] { tb::var(tb::tensor<int64_t>({1, 2})); }, {"var", "floating point"});
  auto c = tb::tensor({tb::complex64(1, 1), tb::complex64(2, 0)});
  auto vc = tb::var(c);  // torch 2.13: tensor(1.), float32
  EXPECT_EQ(vc.dtype(), DType::Float32);
  EXPECT_FLOAT_EQ(vc.item<float>(), 1.f);
  EXPECT_EQ(tb::var(tb::tensor({1.f, 2.f}).to(DType::Float16)).dtype(), DType::Float16);
}

TEST(Reduce, Norms) {
  auto x = tb::tensor({3.f, -4.f, 0.f});
  EXPECT_FLOAT_EQ(tb::norm(x).item<float>(), 5.f);
  EXPECT_FLOAT_EQ(tb::norm(x, 1).item<float>(), 7.f);
  EXPECT_FLOAT_EQ(tb::norm(x, INFINITY).item<float>(), 4.f);
  EXPECT_FLOAT_EQ(tb::norm(x, -INFINITY).item<float>(), 0.f);
  EXPECT_FLOAT_EQ(tb::norm(x, 0).item<float>(), 2.f);
  EXPECT_NEAR(tb::norm(x, 3).item<float>(), std::cbrt(27.0 + 64.0), 1e-5);
  auto m = tb::tensor({{1.f, 2.f}, {3.f, 4.f}});
  EXPECT_NEAR(tb::norm(m).item<float>(), std::sqrt(30.0), 1e-6);  // Frobenius
  EXPECT_EQ(as_doubles<float>(tb::norm(m, 1, {0})), (std::vector<double>{4, 6}));
  auto c = tb::tensor({tb::complex64(3, 4)});
  EXPECT_EQ(tb::norm(c).dtype(), DType::Float32);
  EXPECT_FLOAT_EQ(tb::norm(c).item<float>(), 5.f);
  tbtest::expect_throw_with<tb::TypeError>([] { tb::norm(tb::tensor<int64_t>({1})); }, {"norm"});
}

TEST(Reduce, CumulativeScans) {
  auto x = tb::tensor({{1.f, 2.f, 3.f}, {4.f, 5.f, 6.f}});
  EXPECT_EQ(as_doubles<float>(tb::cumsum(x, 1)), (std::vector<double>{1, 3, 6, 4, 9, 15}));
  EXPECT_EQ(as_doubles<float>(tb::cumsum(x, 0)), (std::vector<double>{1, 2, 3, 5, 7, 9}));
  EXPECT_EQ(as_doubles<float>(tb::cumprod(x, -1)), (std::vector<double>{1, 2, 6, 4, 20, 120}));
  EXPECT_EQ(as_doubles<float>(tb::cumsum(tb::TensorBase(x).t(), 0)), (std::vector<double>{1, 4, 3, 9, 6, 15}));
  EXPECT_EQ(as_doubles<float>(tb::cumsum(tb::TensorBase(x).flip({1}), 1)), (std::vector<double>{3, 5, 6, 6, 11, 15}));
  auto i = tb::cumsum(tb::tensor<int32_t>({1, 2, 3}), 0);
  EXPECT_EQ(i.dtype(), DType::Int64);
  EXPECT_EQ(as_doubles<int64_t>(i), (std::vector<double>{1, 3, 6}));
  EXPECT_EQ(tb::cumprod(tb::ones({2}, DType::Bool), 0).dtype(), DType::Int64);
  EXPECT_EQ(tb::cumsum(tb::tensor<int32_t>({1, 2}), 0, DType::Float32).dtype(), DType::Float32);
  auto h = tb::ones({3000}, DType::Float16);
  EXPECT_EQ(tb::cumsum(h, 0).as<tb::half>().at(2999), tb::half(3000.f));  // float accumulator
  EXPECT_EQ(tb::cumsum(tb::zeros<float>({0, 2}), 0).shape(), (tb::Shape{0, 2}));
}

TEST(Reduce, LogSumExpAndSoftmax) {
  auto x = tb::tensor({{1000.f, 1000.f}, {-INFINITY, -INFINITY}});
  auto l = tb::logsumexp(x, {1});
  EXPECT_NEAR(l.as<float>().at(0), 1000 + std::log(2.0), 1e-3);
  EXPECT_EQ(l.as<float>().at(1), -INFINITY);  // torch 2.13
  EXPECT_EQ(tb::logsumexp(tb::tensor<int64_t>({1, 2}), {0}).dtype(), DType::Float32);
  EXPECT_NEAR(tb::logsumexp(tb::tensor<int64_t>({1, 2}), {0}).item<float>(), 2.3132617, 1e-6);
  EXPECT_EQ(tb::logsumexp(tb::zeros<float>({0}), {0}).item<float>(), -INFINITY);

  auto y = make<float>({3, 5}, [](int64_t i) { return 100.0 * std::sin(double(i)); });
  for (int64_t dim : {0, 1, -1}) {
    auto s = tb::softmax(y, dim);
    auto ls = tb::log_softmax(y, dim);
    // Each slice along dim sums to 1, and log_softmax is its log.
    for (double total : as_doubles<float>(tb::sum(s, {dim}))) EXPECT_NEAR(total, 1.0, 1e-6);
    auto sv = as_doubles<float>(s);
    auto lv = as_doubles<float>(ls);
    for (std::size_t k = 0; k < sv.size(); ++k) {
      if (sv[k] > 1e-30) {
        EXPECT_NEAR(lv[k], std::log(sv[k]), 1e-4);
      }
    }
  }
  // Reference row: softmax([1, 2, 3]) computed in double.
  auto r = tb::softmax(tb::tensor({1.0, 2.0, 3.0}), 0);
  const double z = std::exp(1.0) + std::exp(2.0) + std::exp(3.0);
  tbtest::expect_all_near(as_doubles<double>(r), {std::exp(1.0) / z, std::exp(2.0) / z, std::exp(3.0) / z}, 1e-12);
  tbtest::expect_throw_with<tb::TypeError>([] { tb::softmax(tb::tensor<int64_t>({1, 2}), 0); }, {"softmax", "int64"});
  EXPECT_EQ(tb::softmax(tb::tensor<int64_t>({1, 2}), 0, DType::Float64).dtype(), DType::Float64);
  EXPECT_EQ(tb::softmax(tb::ones({2}, DType::Float16), 0).dtype(), DType::Float16);
}
