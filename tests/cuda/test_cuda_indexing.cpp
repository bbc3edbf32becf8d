// The CUDA kernels of selection, indexing, random numbers and scans, checked against the
// CPU ops on the same values: where/masked_fill, clamp, logical ops and isnan/isinf/
// isfinite, max/min with indices and argmax/argmin, gather/scatter/scatter_add/
// index_select/index_add and advanced indexing (index, index_put_, bool masks,
// masked_select, nonzero) with int64 and int32 indices, strided operands, empty tensors
// and out-of-range indices; uniform_/normal_/random_/bernoulli_ and the rand/randn/randint
// factories (the CPU's stream for a seed, determinism, statistics on 10^6 samples);
// cumsum/cumprod; sums, extremes and all/any of bool and narrow integers; and the errors
// of the ops that still have no CUDA kernel. Skips without a GPU.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "cuda_test_util.hpp"
#include "tensorbridge/core/factory.hpp"
#include "tensorbridge/cuda/cuda.hpp"
#include "tensorbridge/ops/binary.hpp"
#include "tensorbridge/ops/indexing.hpp"
#include "tensorbridge/ops/join.hpp"
#include "tensorbridge/ops/api_random.hpp"
#include "tensorbridge/ops/random.hpp"
#include "tensorbridge/ops/reduce.hpp"
#include "tensorbridge/ops/sort.hpp"
#include "tensorbridge/ops/unary.hpp"

namespace tb = tensorbridge;
namespace ops = tensorbridge::ops;
using tb::DType;
using tb::Shape;

namespace cuda_indexing_test {

using tbtest::error_of;
using tbtest::expect_close;
using tbtest::kGpu;
using tbtest::tolerance;
using tbtest::values;

const DType kAllMath[] = {DType::Float32, DType::Float64, DType::Float16,
                          DType::BFloat16, DType::Int32, DType::Int64};

// Integers in [0, n) of `dtype`, reproducible.
tb::TensorBase indices_below(const Shape& shape, int64_t n, DType dtype, uint64_t seed) {
  tb::Generator gen(seed);
  tb::TensorBase t = tb::empty(shape, DType::Int64);
  ops::random_(t, 0, n, &gen);
  return t.to(dtype);
}

// Whole numbers in [-4, 4) as `d`: many repeated values (ties).
tb::TensorBase with_ties(const Shape& shape, DType d, uint64_t seed) {
  return ops::floor(values(shape, DType::Float64, -4, 4, seed)).to(d);
}

}  // namespace cuda_indexing_test

using namespace cuda_indexing_test;

// ---- where, masked_fill, clamp -------------------------------------------------------------

TEST(CudaIndexing, WhereBroadcastsAndMatchesTheCpuForEveryDtype) {
  TB_REQUIRE_GPU();
  const tb::TensorBase cond = ops::gt(values({3, 1, 5}, DType::Float32, -1, 1, 7), 0);
  for (DType d : {DType::Float32, DType::Float64, DType::Float16, DType::BFloat16, DType::Int32,
                  DType::Int64, DType::Int8, DType::Bool}) {
    const tb::TensorBase a = values({5, 4}, d, -3, 3, 1).t();  // [4, 5], strided
    const tb::TensorBase b = values({5}, d, -3, 3, 2);
    expect_close(ops::where(cond.cuda(0), a.cuda(0), b.cuda(0)), ops::where(cond, a, b), 0, 0);
    expect_close(ops::where(cond.cuda(0), a.cuda(0), 1), ops::where(cond, a, 1), 0, 0);
    expect_close(ops::where(cond.cuda(0), 0, b.cuda(0)), ops::where(cond, 0, b), 0, 0);
  }
  // Promotion: an int tensor with a float scalar is float32, as on the CPU.
  const tb::TensorBase i = values({3, 4, 5}, DType::Int32, -9, 9, 3);
  expect_close(ops::where(cond.cuda(0), i.cuda(0), 0.5), ops::where(cond, i, 0.5), 0, 0);
  const tb::TensorBase empty_cond = tb::zeros({0, 5}, DType::Bool);
  const tb::TensorBase e = ops::where(empty_cond.cuda(0), i.cuda(0).select(0, 0).select(0, 0), 1);
  EXPECT_EQ(e.shape(), (Shape{0, 5}));
  EXPECT_EQ(e.device(), kGpu);
}

TEST(CudaIndexing, MaskedFillInAndOutOfPlace) {
  TB_REQUIRE_GPU();
  const tb::TensorBase mask = ops::lt(values({4, 1}, DType::Float32, -1, 1, 9), 0);
  for (DType d : {DType::Float32, DType::Float16, DType::Int64, DType::Int32, DType::Bool}) {
    const tb::TensorBase x = values({6, 4}, d, -5, 5, 4).t();  // [4, 6], strided
    expect_close(ops::masked_fill(x.cuda(0), mask.cuda(0), 3.75), ops::masked_fill(x, mask, 3.75),
                 0, 0);
    // self and mask broadcast against each other out of place.
    const tb::TensorBase row = values({6}, d, -5, 5, 5);
    expect_close(ops::masked_fill(row.cuda(0), mask.cuda(0), -2),
                 ops::masked_fill(row, mask, -2), 0, 0);
    // In place through a strided view: only the view's elements change; the version moves.
    const tb::TensorBase base = values({6, 8}, d, -5, 5, 6);
    const tb::TensorBase gbase = base.cuda(0);
    const tb::TensorBase view = gbase.slice(1, 0, 8, 2).t();  // [4, 6]
    const auto version = gbase.version();
    ops::masked_fill_(view, mask.cuda(0), 7);
    EXPECT_GT(gbase.version(), version);
    ops::masked_fill_(base.slice(1, 0, 8, 2).t(), mask, 7);
    expect_close(gbase, base, 0, 0);
  }
}

TEST(CudaIndexing, ClampMatchesTheCpuWithNanAndSwappedBounds) {
  TB_REQUIRE_GPU();
  tb::TensorBase x = values({7, 9}, DType::Float32, -3, 3, 8);
  x.select(0, 2).select(0, 4).fill_(std::nan(""));
  const tb::TensorBase g = x.cuda(0);
  expect_close(ops::clamp(g, tb::Scalar(-1), tb::Scalar(1.5)), ops::clamp(x, -1, 1.5), 0, 0);
  expect_close(ops::clamp(g, tb::Scalar(0.5), std::nullopt), ops::clamp(x, 0.5, std::nullopt), 0,
               0);
  expect_close(ops::clamp(g, std::nullopt, tb::Scalar(-0.25)),
               ops::clamp(x, std::nullopt, -0.25), 0, 0);
  expect_close(ops::clamp(g, tb::Scalar(2), tb::Scalar(-2)), ops::clamp(x, 2, -2), 0, 0);
  expect_close(ops::clamp(g, tb::Scalar(std::nan("")), std::nullopt),
               ops::clamp(x, std::nan(""), std::nullopt), 0, 0);
  // Integers, the promotion to float32 of an int tensor with a float bound, in place.
  const tb::TensorBase i = values({5, 6}, DType::Int32, -50, 50, 9);
  expect_close(ops::clamp(i.cuda(0), tb::Scalar(-10), tb::Scalar(20)), ops::clamp(i, -10, 20), 0,
               0);
  expect_close(ops::clamp(i.cuda(0), tb::Scalar(-1.5), std::nullopt),
               ops::clamp(i, -1.5, std::nullopt), 0, 0);
  const tb::TensorBase gi = i.cuda(0).t();
  ops::clamp_(gi, tb::Scalar(-3), tb::Scalar(3));
  expect_close(gi, ops::clamp(i.t(), -3, 3), 0, 0);
  // Tensor bounds broadcast (maximum/minimum underneath).
  const tb::TensorBase lo = values({9}, DType::Float32, -2, 0, 10);
  expect_close(ops::clamp(g, std::optional<tb::TensorBase>(lo.cuda(0)), std::nullopt),
               ops::clamp(x, std::optional<tb::TensorBase>(lo), std::nullopt), 0, 0);
  EXPECT_NE(error_of<tb::TypeError>([&] {
              ops::clamp_(i.cuda(0), tb::Scalar(0.5), std::nullopt);
            }).find("clamp_"),
            std::string::npos);
}

TEST(CudaIndexing, LogicalOpsAndFloatPredicatesMatchTheCpu) {
  TB_REQUIRE_GPU();
  for (DType d : {DType::Bool, DType::Float32, DType::Float16, DType::Int32, DType::Float64}) {
    tb::TensorBase a = ops::relu(with_ties({4, 6}, DType::Float64, 60)).to(d);
    const tb::TensorBase b = ops::relu(with_ties({6}, DType::Float64, 61)).to(d);
    if (tb::is_floating_point(d)) {
      a.select(0, 0).select(0, 1).fill_(std::nan(""));
      a.select(0, 1).select(0, 2).fill_(std::numeric_limits<double>::infinity());
      a.select(0, 2).select(0, 3).fill_(-std::numeric_limits<double>::infinity());
    }
    const tb::TensorBase ga = a.cuda(0).t().contiguous().t(), gb = b.cuda(0);
    expect_close(ops::logical_and(ga, gb), ops::logical_and(a, b), 0, 0);
    expect_close(ops::logical_or(ga, gb), ops::logical_or(a, b), 0, 0);
    expect_close(ops::logical_xor(ga, 1), ops::logical_xor(a, 1), 0, 0);
    expect_close(ops::logical_not(ga), ops::logical_not(a), 0, 0);
    expect_close(ops::isnan(ga), ops::isnan(a), 0, 0);
    expect_close(ops::isinf(ga), ops::isinf(a), 0, 0);
    expect_close(ops::isfinite(ga), ops::isfinite(a), 0, 0);
  }
  const tb::TensorBase flags = ops::gt(values({9}, DType::Float32), 0);
  const tb::TensorBase g = flags.cuda(0);
  ops::logical_not_(g);
  expect_close(g, ops::logical_not(flags), 0, 0);
}

// ---- max/min with indices, argmax/argmin ---------------------------------------------------

TEST(CudaIndexing, MaxMinAlongADimGiveTheFirstExtremeLikeTheCpu) {
  TB_REQUIRE_GPU();
  // Long lines (a block per line), many short lines (a thread per line), a strided input.
  const std::vector<Shape> shapes = {{37, 300}, {3000, 7}, {4, 5, 6}};
  for (DType d : kAllMath) {
    for (const Shape& shape : shapes) {
      tb::TensorBase x = with_ties(shape, d, 11);
      if (tb::is_floating_point(d) && x.dim() == 2) {
        x.select(0, 3).select(0, 2).fill_(std::nan(""));
        x.select(0, 3).select(0, 5).fill_(std::nan(""));
      }
      const tb::TensorBase g = x.cuda(0);
      for (int64_t dim = 0; dim < x.dim(); ++dim) {
        for (bool keepdim : {false, true}) {
          const auto cpu_max = ops::max(x, dim, keepdim);
          const auto gpu_max = ops::max(g, dim, keepdim);
          expect_close(gpu_max.values, cpu_max.values, 0, 0);
          expect_close(gpu_max.indices, cpu_max.indices, 0, 0);
          const auto cpu_min = ops::min(x, dim, keepdim);
          const auto gpu_min = ops::min(g, dim, keepdim);
          expect_close(gpu_min.values, cpu_min.values, 0, 0);
          expect_close(gpu_min.indices, cpu_min.indices, 0, 0);
        }
        const int64_t last = x.dim() - 1;
        expect_close(ops::argmax(g.transpose(0, last), dim), ops::argmax(x.transpose(0, last), dim),
                     0, 0);
      }
      expect_close(ops::argmax(g), ops::argmax(x), 0, 0);
      expect_close(ops::argmin(g, std::nullopt, true), ops::argmin(x, std::nullopt, true), 0, 0);
    }
  }
  // Narrow integers and bool compare through int64; a 0-d tensor has index 0.
  for (DType d : {DType::Int8, DType::UInt8, DType::Bool}) {
    const tb::TensorBase x = ops::abs(with_ties({9, 13}, DType::Float64, 12)).to(d);
    const auto r = ops::max(x.cuda(0), 1);
    expect_close(r.values, ops::max(x, 1).values, 0, 0);
    expect_close(r.indices, ops::max(x, 1).indices, 0, 0);
  }
  const tb::TensorBase scalar = tb::full({}, 2.5);
  expect_close(ops::max(scalar.cuda(0), 0).indices, ops::max(scalar, 0).indices, 0, 0);
  EXPECT_NE(error_of<tb::IndexError>([&] { ops::max(tb::zeros({3, 0}).cuda(0), 1); }).find("max"),
            std::string::npos);
}

// ---- gather, scatter, index_select, index_add -----------------------------------------------

TEST(CudaIndexing, GatherMatchesTheCpuForStridedOperandsAndIndexDtypes) {
  TB_REQUIRE_GPU();
  for (DType d : {DType::Float32, DType::Float64, DType::Float16, DType::BFloat16, DType::Int64,
                  DType::Int8, DType::Bool}) {
    const tb::TensorBase self = values({7, 6, 5}, d, -9, 9, 13).permute({2, 0, 1});  // [5, 7, 6]
    for (int64_t dim = 0; dim < 3; ++dim) {
      for (DType idx_dtype : {DType::Int64, DType::Int32}) {
        Shape ishape = {4, 6, 3};
        ishape[dim] = 9;  // longer than self along dim, no longer elsewhere
        const tb::TensorBase idx = indices_below(ishape, self.shape()[dim], idx_dtype, 14 + dim);
        expect_close(ops::gather(self.cuda(0), dim, idx.cuda(0)), ops::gather(self, dim, idx), 0,
                     0);
        // A strided index (transposed back and forth).
        const tb::TensorBase idx_t = idx.transpose(0, 2).contiguous().transpose(0, 2);
        expect_close(ops::gather(self.cuda(0), dim, idx_t.cuda(0)), ops::gather(self, dim, idx), 0,
                     0);
      }
    }
  }
  const tb::TensorBase self = values({4, 3}, DType::Float32);
  const tb::TensorBase none = tb::zeros({0, 3}, DType::Int64);
  EXPECT_EQ(ops::gather(self.cuda(0), 0, none.cuda(0)).shape(), (Shape{0, 3}));
}

TEST(CudaIndexing, ScatterWithUniqueIndicesAndScatterAddWithRepeats) {
  TB_REQUIRE_GPU();
  for (DType d : kAllMath) {
    const tb::TensorBase self = values({6, 5}, d, -4, 4, 15);
    // Unique indices along dim 0 for each column: the columns of a permutation.
    tb::Generator gen(16);
    std::vector<tb::TensorBase> columns;
    for (int c = 0; c < 5; ++c) {
      columns.push_back(ops::randperm(6, DType::Int64, &gen).slice(0, 0, 4));
    }
    const tb::TensorBase unique = ops::stack(columns, 1);  // [4, 5]
    const tb::TensorBase src = values({4, 7}, d, -4, 4, 17);  // larger than index: restricted
    expect_close(ops::scatter(self.cuda(0), 0, unique.cuda(0), src.cuda(0)),
                 ops::scatter(self, 0, unique, src), 0, 0);
    expect_close(ops::scatter(self.cuda(0), 0, unique.cuda(0), tb::Scalar(2.5)),
                 ops::scatter(self, 0, unique, 2.5), 0, 0);
    // Repeated indices add up (any order: exact for integers, rounding for floats).
    const tb::TensorBase repeats = indices_below({9, 5}, 6, DType::Int32, 18);
    const tb::TensorBase many = values({9, 5}, d, -4, 4, 19);
    const double tol = tb::is_floating_point(d) ? 8 * tolerance(d) : 0;
    expect_close(ops::scatter_add(self.cuda(0), 0, repeats.cuda(0), many.cuda(0)),
                 ops::scatter_add(self, 0, repeats, many), tol, tol * 8);
    // In place into a strided view, along dim 1.
    const tb::TensorBase g = self.cuda(0).t().contiguous().t();
    const tb::TensorBase cols = indices_below({6, 3}, 5, DType::Int64, 20);
    const tb::TensorBase vals = values({6, 3}, d, -4, 4, 21);
    ops::scatter_add_(g, 1, cols.cuda(0), vals.cuda(0));
    expect_close(g, ops::scatter_add(self, 1, cols, vals), tol, tol * 8);
  }
}

TEST(CudaIndexing, IndexSelectAndIndexAddMatchTheCpu) {
  TB_REQUIRE_GPU();
  for (DType d : kAllMath) {
    const tb::TensorBase self = values({5, 6, 4}, d, -4, 4, 22).transpose(0, 2);  // [4, 6, 5]
    for (int64_t dim = 0; dim < 3; ++dim) {
      const tb::TensorBase idx = indices_below({8}, self.shape()[dim], DType::Int32, 23 + dim);
      expect_close(ops::index_select(self.cuda(0), dim, idx.cuda(0)),
                   ops::index_select(self, dim, idx), 0, 0);
      Shape sshape = self.shape();
      sshape[dim] = 8;
      const tb::TensorBase source = values(sshape, d, -4, 4, 26 + dim);
      const double tol = tb::is_floating_point(d) ? 8 * tolerance(d) : 0;
      expect_close(ops::index_add(self.cuda(0), dim, idx.cuda(0), source.cuda(0)),
                   ops::index_add(self, dim, idx, source), tol, tol * 8);
      expect_close(ops::index_add(self.cuda(0), dim, idx.cuda(0), source.cuda(0), 3),
                   ops::index_add(self, dim, idx, source, 3), tol, tol * 32);
    }
  }
  const tb::TensorBase self = values({4, 3}, DType::Float32);
  const tb::TensorBase one = tb::full({}, 2, DType::Int64);
  expect_close(ops::index_select(self.cuda(0), 0, one.cuda(0)), ops::index_select(self, 0, one), 0,
               0);
  const tb::TensorBase none = tb::zeros({0}, DType::Int64);
  EXPECT_EQ(ops::index_select(self.cuda(0), 1, none.cuda(0)).shape(), (Shape{4, 0}));
  expect_close(ops::index_add(self.cuda(0), 0, none.cuda(0), tb::zeros({0, 3}).cuda(0)), self, 0,
               0);
}

// Bool and the narrow integers have no atomic adds: they accumulate through int64 copies,
// and must wrap like the CPU's element-by-element additions.
TEST(CudaIndexing, AccumulatingIntoNarrowDtypesWrapsLikeTheCpu) {
  TB_REQUIRE_GPU();
  using Indices = std::vector<std::optional<tb::TensorBase>>;
  for (DType d : {DType::Bool, DType::Int8, DType::UInt8, DType::Int16, DType::UInt16,
                  DType::UInt32}) {
    // Values near the type's top, so that repeated indices overflow and wrap.
    const double hi = d == DType::Bool     ? 2
                      : d == DType::Int8   ? 127
                      : d == DType::UInt8  ? 255
                      : d == DType::Int16  ? 32767
                      : d == DType::UInt16 ? 65535
                                           : 4e9;
    const tb::TensorBase self = values({6, 5}, DType::Float64, 0, hi, 30).to(d);
    const tb::TensorBase repeats = indices_below({9, 5}, 6, DType::Int64, 31);
    const tb::TensorBase many = values({9, 5}, DType::Float64, 0, hi, 32).to(d);
    expect_close(ops::scatter_add(self.cuda(0), 0, repeats.cuda(0), many.cuda(0)),
                 ops::scatter_add(self, 0, repeats, many), 0, 0);
    const tb::TensorBase idx = indices_below({9}, 6, DType::Int32, 33);
    expect_close(ops::index_add(self.cuda(0), 0, idx.cuda(0), many.cuda(0)),
                 ops::index_add(self, 0, idx, many), 0, 0);
    if (d != DType::Bool) {
      expect_close(ops::index_add(self.cuda(0), 0, idx.cuda(0), many.cuda(0), 3),
                   ops::index_add(self, 0, idx, many, 3), 0, 0);
    }
    // index_put_ with accumulate into a strided view of a bigger tensor.
    const tb::TensorBase cpu = self.clone();
    const tb::TensorBase gpu_base = self.cuda(0);
    const tb::TensorBase gpu = gpu_base.t();
    const tb::TensorBase rows = indices_below({7}, 5, DType::Int64, 34);
    const tb::TensorBase put = values({7, 6}, DType::Float64, 0, hi, 35).to(d);
    ops::index_put_(cpu.t(), Indices{rows}, put, true);
    ops::index_put_(gpu, Indices{rows.cuda(0)}, put.cuda(0), true);
    expect_close(gpu_base, cpu, 0, 0);
  }
}

TEST(CudaIndexing, BadIndicesRaiseLikeTheCpuAndLeaveSelfUntouched) {
  TB_REQUIRE_GPU();
  const tb::TensorBase self = values({5, 4}, DType::Float32);
  const tb::TensorBase g = self.cuda(0);
  tb::TensorBase bad = tb::zeros({3, 4}, DType::Int64);
  bad.select(0, 1).select(0, 2).fill_(7);
  const tb::TensorBase gbad = bad.cuda(0);
  const std::string expected = "index 7 is out of bounds for dimension 0 with size 5";
  EXPECT_NE(error_of<tb::IndexError>([&] { ops::gather(g, 0, gbad); }).find(expected),
            std::string::npos);
  EXPECT_NE(
      error_of<tb::IndexError>([&] { ops::scatter_(g, 0, gbad, tb::Scalar(1)); }).find(expected),
      std::string::npos);
  EXPECT_NE(error_of<tb::IndexError>([&] {
              ops::scatter_add_(g, 0, gbad, tb::ones({3, 4}).cuda(0));
            }).find(expected),
            std::string::npos);
  expect_close(g, self, 0, 0);  // nothing was written
  const tb::TensorBase neg = tb::full({2}, -1, DType::Int32);
  EXPECT_NE(error_of<tb::IndexError>([&] { ops::index_select(g, 1, neg.cuda(0)); })
                .find("index -1 is out of bounds for dimension 1 with size 4"),
            std::string::npos);
  EXPECT_NE(error_of<tb::IndexError>([&] {
              ops::index_add_(g, 0, tb::full({1}, 5, DType::Int64).cuda(0),
                              tb::ones({1, 4}).cuda(0));
            }).find("index_add_: index 5 is out of bounds"),
            std::string::npos);
  expect_close(g, self, 0, 0);
  // Wrong index dtype, mixed devices.
  const std::string dtype_error =
      error_of<tb::TypeError>([&] { ops::gather(g, 0, tb::zeros({3, 4}).cuda(0)); });
  EXPECT_NE(dtype_error.find("gather"), std::string::npos) << dtype_error;
  EXPECT_NE(dtype_error.find("int64 or int32"), std::string::npos) << dtype_error;
  EXPECT_NE(error_of<tb::DeviceError>([&] { ops::gather(g, 0, bad); }).find("gather"),
            std::string::npos);
  EXPECT_NE(error_of<tb::DeviceError>([&] { ops::gather(self, 0, gbad); }).find("gather"),
            std::string::npos);
  EXPECT_NE(error_of<tb::DeviceError>([&] {
              ops::scatter_add_(g, 0, gbad, tb::ones({3, 4}));
            }).find("scatter_add_"),
            std::string::npos);
  EXPECT_NE(error_of<tb::DeviceError>([&] {
              ops::masked_fill_(g, ops::gt(self, 0), 1);
            }).find("masked_fill_"),
            std::string::npos);
  EXPECT_NE(error_of<tb::DeviceError>([&] { ops::where(ops::gt(g, 0), self, 1); }).find("where"),
            std::string::npos);
  EXPECT_NE(error_of<tb::TypeError>([&] {
              ops::scatter_add_(g.to(kGpu, DType::Int8), 0, ops::clamp(bad.cuda(0), 0, 4),
                                tb::ones({3, 4}, DType::Int8).cuda(0));
            }).find("scatter_add_"),
            std::string::npos);
}

TEST(CudaIndexing, AdvancedIndexingMasksAndIndexPutMatchTheCpu) {
  TB_REQUIRE_GPU();
  using Indices = std::vector<std::optional<tb::TensorBase>>;
  const tb::TensorBase rows = indices_below({3, 1}, 7, DType::Int64, 41);
  const tb::TensorBase cols = indices_below({4}, 6, DType::Int32, 42);
  const tb::TensorBase negative = ops::sub(indices_below({4}, 5, DType::Int64, 43), 5);  // [-5, 0)
  const tb::TensorBase mask = ops::gt(values({7, 6}, DType::Float32, -1, 1, 44), 0);
  tb::Generator gen(45);
  const tb::TensorBase unique = ops::randperm(7, DType::Int64, &gen).slice(0, 0, 4);
  const tb::TensorBase repeats = indices_below({9}, 7, DType::Int64, 46);
  for (DType d : {DType::Float32, DType::Float16, DType::Int64, DType::Bool}) {
    const tb::TensorBase x = values({5, 6, 7}, d, -4, 4, 40).transpose(0, 2);  // [7, 6, 5]
    const tb::TensorBase g = x.cuda(0);
    // Adjacent index dims (in place), separated ones (first), negative indices, CPU indices.
    expect_close(ops::index(g, Indices{rows.cuda(0), cols.cuda(0)}),
                 ops::index(x, Indices{rows, cols}), 0, 0);
    expect_close(ops::index(g, Indices{rows.cuda(0), std::nullopt, negative.cuda(0)}),
                 ops::index(x, Indices{rows, std::nullopt, negative}), 0, 0);
    expect_close(ops::index(g, Indices{std::nullopt, cols}),
                 ops::index(x, Indices{std::nullopt, cols}), 0, 0);
    expect_close(ops::index(g, Indices{mask.cuda(0)}), ops::index(x, Indices{mask}), 0, 0);
    expect_close(ops::masked_select(g, mask.cuda(0).unsqueeze(-1)),
                 ops::masked_select(x, mask.unsqueeze(-1)), 0, 0);
    expect_close(ops::nonzero(g), ops::nonzero(x), 0, 0);
    // index_put_: unique positions assigned (broadcast values), repeated ones accumulated.
    const tb::TensorBase row_values = values({5}, d, -4, 4, 47);
    expect_close(ops::index_put(g, Indices{unique.cuda(0)}, row_values.cuda(0)),
                 ops::index_put(x, Indices{unique}, row_values), 0, 0);
    expect_close(ops::index_put(g, Indices{mask.cuda(0)}, row_values.cuda(0)),
                 ops::index_put(x, Indices{mask}, row_values), 0, 0);
    if (d == DType::Bool) continue;  // accumulating bools has no CUDA kernel
    const tb::TensorBase many = values({9, 6, 5}, d, -4, 4, 48);
    const double tol = tb::is_floating_point(d) ? 8 * tolerance(d) : 0;
    const tb::TensorBase gs = g.clone();
    ops::index_put_(gs, Indices{repeats.cuda(0)}, many.cuda(0), true);
    expect_close(gs, ops::index_put(x, Indices{repeats}, many, true), tol, tol * 8);
  }
  const tb::TensorBase g = values({7, 6}, DType::Float32).cuda(0);
  EXPECT_NE(error_of<tb::IndexError>([&] {
              ops::index(g, Indices{tb::full({2}, 7, DType::Int64).cuda(0)});
            }).find("index 7 is out of bounds for dimension 0 with size 7"),
            std::string::npos);
  EXPECT_NE(error_of<tb::IndexError>([&] {
              ops::index_put_(g, Indices{std::nullopt, tb::full({1}, -7, DType::Int64).cuda(0)},
                              tb::zeros({1}).cuda(0));
            }).find("index -7 is out of bounds for dimension 1 with size 6"),
            std::string::npos);
  EXPECT_NE(error_of<tb::DeviceError>([&] {
              ops::index_put_(g, Indices{unique.cuda(0)}, tb::zeros({6}));
            }).find("index_put_"),
            std::string::npos);
}

// ---- random -----------------------------------------------------------------------------------

TEST(CudaRandom, TheDeviceDrawsTheCpuStreamForASeed) {
  TB_REQUIRE_GPU();
  for (DType d : {DType::Float32, DType::Float64, DType::Float16, DType::BFloat16}) {
    for (const Shape& shape : {Shape{1001}, Shape{7, 9, 3}}) {
      tb::Generator cpu_gen(42), gpu_gen(42);
      const tb::TensorBase cpu = tb::empty(shape, d);
      const tb::TensorBase gpu = tb::empty(shape, d, kGpu);
      ops::uniform_(cpu, -2, 3, &cpu_gen);
      ops::uniform_(gpu, -2, 3, &gpu_gen);
      expect_close(gpu, cpu, 0, 0);
      ops::normal_(cpu, 1, 2, &cpu_gen);
      ops::normal_(gpu, 1, 2, &gpu_gen);
      expect_close(gpu, cpu, tolerance(d), tolerance(d));
      ops::bernoulli_(cpu, 0.3, &cpu_gen);
      ops::bernoulli_(gpu, 0.3, &gpu_gen);
      expect_close(gpu, cpu, 0, 0);
      EXPECT_EQ(gpu_gen.offset(), cpu_gen.offset());
    }
  }
  // Every integer width (uint64 with a range past 2^32), and bernoulli_ into integers.
  for (DType d : {DType::Int64, DType::Int32, DType::Int16, DType::Int8, DType::UInt8,
                  DType::UInt16, DType::UInt32, DType::UInt64, DType::Float32}) {
    tb::Generator cpu_gen(7), gpu_gen(7);
    const tb::TensorBase cpu = tb::empty({333}, d);
    const tb::TensorBase gpu = tb::empty({333}, d, kGpu);
    const bool is_unsigned = d == DType::UInt8 || d == DType::UInt16 || d == DType::UInt32 ||
                             d == DType::UInt64;
    const int64_t low = is_unsigned ? 3 : -5;
    const int64_t high = d == DType::UInt64 ? (int64_t(1) << 40) : d == DType::Int8 ? 100 : 120;
    ops::random_(cpu, low, high, &cpu_gen);
    ops::random_(gpu, low, high, &gpu_gen);
    expect_close(gpu, cpu, 0, 0);
    ops::bernoulli_(cpu, 0.25, &cpu_gen);
    ops::bernoulli_(gpu, 0.25, &gpu_gen);
    expect_close(gpu, cpu, 0, 0);
  }
  // The factories on the device, and the _like forms on a device tensor's device.
  tb::Generator fc(5), fg(5);
  expect_close(ops::rand({17, 3}, DType::Float64, kGpu, &fg),
               ops::rand({17, 3}, DType::Float64, &fc), 0, 0);
  expect_close(ops::randn({65}, DType::Float32, kGpu, &fg), ops::randn({65}, DType::Float32, &fc),
               tolerance(DType::Float32), tolerance(DType::Float32));
  expect_close(ops::randint(-4, 9, {2, 50}, DType::Int32, kGpu, &fg),
               ops::randint(-4, 9, {2, 50}, DType::Int32, &fc), 0, 0);
  EXPECT_EQ(tb::rand_like(tb::empty({3}, DType::Float16, kGpu)).device(), kGpu);
  EXPECT_EQ(tb::randn_like(tb::empty({3}, DType::Float32, kGpu)).dtype(), DType::Float32);
  // A strided target gets the values a contiguous one gets, in row-major order.
  tb::Generator a(3), b(3);
  const tb::TensorBase strided = tb::empty({6, 8}, DType::Float32, kGpu).t();
  const tb::TensorBase dense = tb::empty({8, 6}, DType::Float32, kGpu);
  ops::uniform_(strided, 0, 1, &a);
  ops::uniform_(dense, 0, 1, &b);
  expect_close(strided, dense.cpu(), 0, 0);
}

TEST(CudaRandom, SeedsReproduceAndDifferAndOffsetsAdvance) {
  TB_REQUIRE_GPU();
  tb::Generator g1(123), g2(123), g3(124);
  const tb::TensorBase a = tb::empty({4096}, DType::Float32, kGpu);
  const tb::TensorBase b = tb::empty({4096}, DType::Float32, kGpu);
  const tb::TensorBase c = tb::empty({4096}, DType::Float32, kGpu);
  ops::normal_(a, 0, 1, &g1);
  ops::normal_(b, 0, 1, &g2);
  ops::normal_(c, 0, 1, &g3);
  expect_close(a, b.cpu(), 0, 0);
  // Counted on the CPU (sums of bool have no CUDA kernel).
  EXPECT_LT(ops::sum(ops::eq(a.cpu(), c.cpu())).item<int64_t>(), 10);
  const tb::TensorBase again = tb::empty({4096}, DType::Float32, kGpu);
  ops::normal_(again, 0, 1, &g1);  // the next blocks of the same stream
  EXPECT_LT(ops::sum(ops::eq(a.cpu(), again.cpu())).item<int64_t>(), 10);
  EXPECT_EQ(g1.offset(), 2u * 2048u);
}

TEST(CudaRandom, StatisticsOnAMillionSamples) {
  TB_REQUIRE_GPU();
  constexpr int64_t n = 1000000;
  tb::Generator gen(2024);
  // Mean within 6 standard errors; variance within 2%.
  auto mean_var = [](const tb::TensorBase& t) {
    const tb::TensorBase x = t.to(kGpu, DType::Float64);
    const double mean = ops::mean(x).item<double>();
    const double var = ops::var(x).item<double>();
    return std::pair<double, double>(mean, var);
  };
  const tb::TensorBase u = tb::empty({n}, DType::Float32, kGpu);
  ops::uniform_(u, 2, 5, &gen);
  auto [um, uv] = mean_var(u);
  EXPECT_NEAR(um, 3.5, 6 * std::sqrt(0.75 / n));
  EXPECT_NEAR(uv, 0.75, 0.02 * 0.75);
  EXPECT_GE(ops::amin(u).item<float>(), 2.0f);
  EXPECT_LT(ops::amax(u).item<float>(), 5.0f);
  const tb::TensorBase z = tb::empty({n}, DType::Float64, kGpu);
  ops::normal_(z, -1, 3, &gen);
  auto [zm, zv] = mean_var(z);
  EXPECT_NEAR(zm, -1, 6 * 3 / std::sqrt(double(n)));
  EXPECT_NEAR(zv, 9, 0.02 * 9);
  const tb::TensorBase bern = tb::empty({n}, DType::Float32, kGpu);
  ops::bernoulli_(bern, 0.2, &gen);
  const double freq = ops::mean(bern).item<double>();
  EXPECT_NEAR(freq, 0.2, 6 * std::sqrt(0.2 * 0.8 / n));
  const tb::TensorBase bern_cpu = bern.cpu();
  EXPECT_TRUE(ops::all(ops::logical_or(ops::eq(bern_cpu, 0), ops::eq(bern_cpu, 1))).item<bool>());
  const tb::TensorBase ints = tb::empty({n}, DType::Int64, kGpu);
  ops::random_(ints, -3, 4, &gen);
  EXPECT_EQ(ops::amin(ints).item<int64_t>(), -3);
  EXPECT_EQ(ops::amax(ints).item<int64_t>(), 3);
  const tb::TensorBase ints_cpu = ints.cpu();
  for (int64_t v = -3; v < 4; ++v) {
    const double share = ops::sum(ops::eq(ints_cpu, v)).item<int64_t>() / double(n);
    EXPECT_NEAR(share, 1.0 / 7, 6 * std::sqrt((1.0 / 7) * (6.0 / 7) / n)) << v;
  }
  // Element-wise probabilities on the device; bernoulli(probs) stays there.
  const tb::TensorBase probs = ops::where(ops::lt(tb::arange(double(n)).cuda(0), n / 2), 0.9, 0.1);
  const tb::TensorBase draws = ops::bernoulli(probs.to(kGpu, DType::Float32), &gen);
  EXPECT_EQ(draws.device(), kGpu);
  EXPECT_NEAR(ops::mean(draws.slice(0, 0, n / 2)).item<float>(), 0.9, 0.01);
  EXPECT_NEAR(ops::mean(draws.slice(0, n / 2, n)).item<float>(), 0.1, 0.01);
  EXPECT_NE(error_of<tb::ValueError>([&] {
              ops::bernoulli_(draws, ops::add(probs, 1).to(kGpu, DType::Float32), &gen);
            }).find("bernoulli_"),
            std::string::npos);
}

// ---- scans ------------------------------------------------------------------------------------

TEST(CudaScan, CumsumAndCumprodAlongEveryDim) {
  TB_REQUIRE_GPU();
  for (DType d : {DType::Float32, DType::Float64, DType::Float16, DType::BFloat16, DType::Int32,
                  DType::Int64, DType::Int8, DType::Bool}) {
    const tb::TensorBase x = values({5, 7, 6}, d, -1.5, 1.5, 30).transpose(0, 2);  // [6, 7, 5]
    const tb::TensorBase g = x.cuda(0);
    const double tol = tb::is_floating_point(d) ? 4 * tolerance(d) : 0;
    for (int64_t dim = -1; dim < 3; ++dim) {
      expect_close(ops::cumsum(g, dim), ops::cumsum(x, dim), tol, tol);
      expect_close(ops::cumprod(g, dim), ops::cumprod(x, dim), tol, tol);
    }
    expect_close(ops::cumsum(g, 1, DType::Float64), ops::cumsum(x, 1, DType::Float64), 1e-12,
                 1e-12);
  }
  const tb::TensorBase e = tb::zeros({0, 3}, DType::Int32);
  expect_close(ops::cumsum(e.cuda(0), 0), ops::cumsum(e, 0), 0, 0);
  const tb::TensorBase s = tb::full({}, 4.0);
  expect_close(ops::cumprod(s.cuda(0), 0), ops::cumprod(s, 0), 0, 0);
}

// ---- reductions of bool and narrow integers, all/any ------------------------------------------

TEST(CudaReduce, BoolAndNarrowIntegersReduceAsInt64AndAllAnyCount) {
  TB_REQUIRE_GPU();
  for (DType d : {DType::Bool, DType::Int8, DType::UInt8, DType::Int16, DType::Float32}) {
    tb::TensorBase x = ops::relu(with_ties({6, 9}, DType::Float64, 50)).to(d);
    if (d == DType::Float32) x.select(0, 1).select(0, 3).fill_(std::nan(""));
    const tb::TensorBase g = x.cuda(0).t().contiguous().t();  // strided on the device
    expect_close(ops::sum(g), ops::sum(x), 0, 0);
    expect_close(ops::sum(g, {1}, true), ops::sum(x, {1}, true), 0, 0);
    expect_close(ops::amax(g, {0}), ops::amax(x, {0}), 0, 0);
    expect_close(ops::amin(g), ops::amin(x), 0, 0);
    for (const std::vector<int64_t>& dims : {std::vector<int64_t>{}, {0}, {1}}) {
      expect_close(ops::all(g, dims), ops::all(x, dims), 0, 0);
      expect_close(ops::any(g, dims, true), ops::any(x, dims, true), 0, 0);
    }
  }
  // Over nothing: all is true, any is false, as on the CPU.
  const tb::TensorBase empty = tb::zeros({0, 3}, DType::Int32);
  expect_close(ops::all(empty.cuda(0)), ops::all(empty), 0, 0);
  expect_close(ops::any(empty.cuda(0)), ops::any(empty), 0, 0);
  expect_close(ops::all(empty.cuda(0), {0}), ops::all(empty, {0}), 0, 0);
  EXPECT_EQ(ops::any(tb::zeros({3}, DType::UInt8).cuda(0)).dtype(), DType::UInt8);
}

// ---- joining ----------------------------------------------------------------------------

TEST(CudaIndexing, CatAndStackMatchTheCpuAcrossDtypesAndDims) {
  TB_REQUIRE_GPU();
  const tb::TensorBase a = values({3, 4}, DType::Float32, -2, 2, 1);
  const tb::TensorBase b = values({3, 2}, DType::Float64, -2, 2, 2).t().contiguous().t();  // strided
  const tb::TensorBase c = values({0, 4}, DType::Float32, -2, 2, 3);                          // skipped
  expect_close(ops::cat({a.cuda(0), b.cuda(0)}, 1), ops::cat({a, b}, 1), 0, 0);
  expect_close(ops::cat({a.cuda(0), c.cuda(0), a.cuda(0)}, 0), ops::cat({a, c, a}, 0), 0, 0);
  expect_close(ops::stack({a.cuda(0), a.cuda(0)}, 2), ops::stack({a, a}, 2), 0, 0);
  expect_close(ops::stack({a.t().cuda(0), a.t().cuda(0)}, 0), ops::stack({a.t(), a.t()}, 0), 0, 0);
  const std::string mixed = error_of<tb::DeviceError>([&] { ops::cat({a.cuda(0), a}, 0); });
  EXPECT_NE(mixed.find("cuda:0"), std::string::npos) << mixed;
  EXPECT_NE(mixed.find("cpu"), std::string::npos) << mixed;
}

// ---- what has no kernel yet ---------------------------------------------------------------

TEST(CudaIndexing, OpsWithoutKernelsRaiseNamingOpAndDtype) {
  TB_REQUIRE_GPU();
  auto expect_named = [](const std::string& message, const char* op, const char* dtype) {
    EXPECT_NE(message.find(op), std::string::npos) << message;
    EXPECT_NE(message.find(dtype), std::string::npos) << message;
  };
  const tb::TensorBase z = values({4, 3}, DType::Float32).to(DType::Complex64).cuda(0);
  expect_named(error_of<tb::TypeError>([&] { ops::lt(z, z); }), "lt", "complex64");
  expect_named(error_of<tb::TypeError>([&] { ops::sort(z); }), "sort", "complex64");
}
