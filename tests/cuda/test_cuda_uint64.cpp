// uint64 on CUDA (native kernels: no wider type exists), checked against the CPU ops on the
// same values: conversions from and to every dtype (values above 2^63, negative floats wrap
// through int64 also into uint8/16/32, out-of-range floats saturate), wrapping add/sub/mul, true and rounded
// division, floor_divide, remainder, pow, maximum/minimum, comparisons, bitwise ops and
// shifts on a grid of edge values (every pair of a column and a row), with scalars, strided
// operands, in-place and out= forms; neg/abs/square/sign/bitwise_not; sums (int64, wrapping),
// products, extremes with and without indices, all/any; scatter_add; and integer division by
// zero. Skips without a GPU.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "cuda_test_util.hpp"
#include "tensorbridge/core/factory.hpp"
#include "tensorbridge/cuda/cuda.hpp"
#include "tensorbridge/ops/binary.hpp"
#include "tensorbridge/ops/indexing.hpp"
#include "tensorbridge/ops/linalg.hpp"
#include "tensorbridge/ops/reduce.hpp"
#include "tensorbridge/ops/unary.hpp"

namespace cuda_uint64_test {

namespace tb = tensorbridge;
namespace ops = tensorbridge::ops;
using tb::DType;
using tb::TensorBase;
using tbtest::error_of;
using tbtest::kGpu;

// The edge values: small numbers and shift amounts, powers of two and their neighbours up to
// 2^64 - 1 (the values above 2^63 are the ones a signed type would see as negative).
inline std::vector<uint64_t> u64_edges() {
  const uint64_t top = ~uint64_t(0);
  return {0,           1,           2,           3,           7,           8,
          31,          63,          64,          65,          255,         1000000007,
          1ull << 31,  (1ull << 32) - 1,         1ull << 32,  (1ull << 53) + 1,
          (1ull << 63) - 1,         1ull << 63,  (1ull << 63) + 1,         top - 1,
          top};
}
inline TensorBase u64_column(const std::vector<uint64_t>& v) {
  return tb::from_vector(v, {static_cast<int64_t>(v.size()), 1});
}
inline TensorBase u64_row(const std::vector<uint64_t>& v) {
  return tb::from_vector(v, {1, static_cast<int64_t>(v.size())});
}

// A GPU result equal to the CPU's: same shape and dtype; integers in all 64 bits, floats as
// expect_close without tolerance.
inline void expect_same(const TensorBase& gpu, const TensorBase& cpu) {
  ASSERT_EQ(gpu.device(), kGpu);
  ASSERT_EQ(gpu.shape(), cpu.shape());
  ASSERT_EQ(gpu.dtype(), cpu.dtype());
  if (!tb::is_integral(cpu.dtype(), true)) return tbtest::expect_close(gpu, cpu, 0, 0);
  const TensorBase a = gpu.cpu().to(DType::Int64).contiguous();
  const TensorBase b = cpu.to(DType::Int64).contiguous();
  const auto* pa = static_cast<const int64_t*>(a.data_ptr());
  const auto* pb = static_cast<const int64_t*>(b.data_ptr());
  for (int64_t i = 0; i < a.numel(); ++i) ASSERT_EQ(pa[i], pb[i]) << "element " << i;
}

using Binary = std::function<TensorBase(const TensorBase&, const TensorBase&)>;

TEST(CudaUInt64, ConversionsMatchTheCpu) {
  TB_REQUIRE_GPU();
  const TensorBase u = u64_column(u64_edges());
  const std::vector<DType> all = {DType::Bool,  DType::Int8,    DType::Int16,    DType::Int32,
                                  DType::Int64, DType::UInt8,   DType::UInt16,   DType::UInt32,
                                  DType::Float16, DType::BFloat16, DType::Float32, DType::Float64,
                                  DType::Complex64, DType::Complex128};
  for (DType d : all) {
    SCOPED_TRACE(tb::dtype_name(d));
    expect_same(u.cuda(0).to(kGpu, d).to(kGpu, DType::Complex128).to(kGpu, DType::Float64),
                u.to(d).to(DType::Complex128).to(DType::Float64));
    // From d: floats include negatives (wrap through int64), huge values and NaN (0).
    const TensorBase src = tb::from_vector<double>({-1.0, -2.5, 0.5, 3e9, 1.8e19, 2e19, -1e19,
                                                    9.3e18, std::nan(""), 1e300},
                                                   {10})
                               .to(d);
    expect_same(src.cuda(0).to(kGpu, DType::UInt64), src.to(DType::UInt64));
    // Negative floats to the narrow unsigned types wrap through int64 too, as on the CPU.
    for (DType u : {DType::UInt8, DType::UInt16, DType::UInt32}) {
      expect_same(src.cuda(0).to(kGpu, u), src.to(u));
    }
  }
  // Strided and transposed copies between layouts.
  const TensorBase m = ops::add(u64_column(u64_edges()), u64_row(u64_edges()));
  expect_same(m.cuda(0).t().contiguous(), m.t().contiguous());
}

TEST(CudaUInt64, ElementwiseOpsOnEdgeGridsMatchTheCpu) {
  TB_REQUIRE_GPU();
  const TensorBase col = u64_column(u64_edges());
  const TensorBase row = u64_row(u64_edges());
  std::vector<uint64_t> nonzero = u64_edges();
  nonzero.erase(nonzero.begin());
  const TensorBase divisors = u64_row(nonzero);
  const std::vector<std::pair<const char*, Binary>> any_operands = {
      {"add", [](const TensorBase& a, const TensorBase& b) { return ops::add(a, b); }},
      {"add alpha", [](const TensorBase& a, const TensorBase& b) { return ops::add(a, b, 3); }},
      {"sub", [](const TensorBase& a, const TensorBase& b) { return ops::sub(a, b); }},
      {"mul", [](const TensorBase& a, const TensorBase& b) { return ops::mul(a, b); }},
      {"div", [](const TensorBase& a, const TensorBase& b) { return ops::div(a, b); }},
      {"pow", [](const TensorBase& a, const TensorBase& b) { return ops::pow(a, b); }},
      {"maximum", [](const TensorBase& a, const TensorBase& b) { return ops::maximum(a, b); }},
      {"minimum", [](const TensorBase& a, const TensorBase& b) { return ops::minimum(a, b); }},
      {"eq", [](const TensorBase& a, const TensorBase& b) { return ops::eq(a, b); }},
      {"lt", [](const TensorBase& a, const TensorBase& b) { return ops::lt(a, b); }},
      {"ge", [](const TensorBase& a, const TensorBase& b) { return ops::ge(a, b); }},
      {"bitwise_and", [](const TensorBase& a, const TensorBase& b) { return ops::bitwise_and(a, b); }},
      {"bitwise_or", [](const TensorBase& a, const TensorBase& b) { return ops::bitwise_or(a, b); }},
      {"bitwise_xor", [](const TensorBase& a, const TensorBase& b) { return ops::bitwise_xor(a, b); }},
      {"shl", [](const TensorBase& a, const TensorBase& b) { return ops::bitwise_left_shift(a, b); }},
      {"shr", [](const TensorBase& a, const TensorBase& b) { return ops::bitwise_right_shift(a, b); }},
      {"logical_xor", [](const TensorBase& a, const TensorBase& b) { return ops::logical_xor(a, b); }},
  };
  for (const auto& [name, op] : any_operands) {
    SCOPED_TRACE(name);
    expect_same(op(col.cuda(0), row.cuda(0)), op(col, row));
    expect_same(op(col.t().cuda(0), row.t().cuda(0)), op(col.t(), row.t()));  // other layout
  }
  const std::vector<std::pair<const char*, Binary>> dividing = {
      {"floor_divide", [](const TensorBase& a, const TensorBase& b) { return ops::floor_divide(a, b); }},
      {"remainder", [](const TensorBase& a, const TensorBase& b) { return ops::remainder(a, b); }},
      {"div trunc", [](const TensorBase& a, const TensorBase& b) { return ops::div(a, b, "trunc"); }},
      {"div floor", [](const TensorBase& a, const TensorBase& b) { return ops::div(a, b, "floor"); }},
  };
  for (const auto& [name, op] : dividing) {
    SCOPED_TRACE(name);
    expect_same(op(col.cuda(0), divisors.cuda(0)), op(col, divisors));
  }
  // Scalars on either side; in place; out=.
  expect_same(ops::add(col.cuda(0), 5), ops::add(col, 5));
  expect_same(ops::sub(7, col.cuda(0)), ops::sub(7, col));
  expect_same(ops::remainder(col.cuda(0), 10), ops::remainder(col, 10));
  expect_same(ops::pow(col.cuda(0), 3), ops::pow(col, 3));
  TensorBase g = col.cuda(0).clone(), c = col.clone();
  ops::mul_(g, row.narrow(1, 3, 1).cuda(0));
  ops::mul_(c, row.narrow(1, 3, 1));
  expect_same(g, c);
  TensorBase out = tb::empty({21, 21}, DType::UInt64, kGpu);
  ops::bitwise_xor_out(out, col.cuda(0), row.cuda(0));
  expect_same(out, ops::bitwise_xor(col, row));
  // Unary ops.
  for (auto f : {&ops::neg, &ops::abs, &ops::square, &ops::sign, &ops::bitwise_not,
                 &ops::logical_not, &ops::isnan, &ops::floor}) {
    expect_same(f(col.cuda(0)), f(col));
  }
  // Division by zero raises, as on the CPU.
  EXPECT_THROW(ops::floor_divide(col.cuda(0), row.cuda(0)), tb::Error);
  EXPECT_THROW(ops::floor_divide(col, row), tb::Error);
  EXPECT_THROW(ops::remainder(col.cuda(0), 0), tb::Error);
}

TEST(CudaUInt64, ReductionsAndSelectionsMatchTheCpu) {
  TB_REQUIRE_GPU();
  const TensorBase m = ops::mul(u64_column(u64_edges()), u64_row(u64_edges()));  // wraps
  const TensorBase g = m.cuda(0);
  for (const std::vector<int64_t>& dims : std::vector<std::vector<int64_t>>{{}, {0}, {1}}) {
    expect_same(ops::sum(g, dims), ops::sum(m, dims));  // int64, wrapping
    expect_same(ops::prod(g, dims), ops::prod(m, dims));
    expect_same(ops::amax(g, dims), ops::amax(m, dims));
    expect_same(ops::amin(g.t(), dims), ops::amin(m.t(), dims));
    expect_same(ops::all(g, dims), ops::all(m, dims));
    expect_same(ops::any(g, dims), ops::any(m, dims));
  }
  const auto [gv, gi] = ops::max(g, 1);
  const auto [cv, ci] = ops::max(m, 1);
  expect_same(gv, cv);
  expect_same(gi, ci);
  expect_same(ops::argmin(g), ops::argmin(m));
  const TensorBase idx = tb::from_vector<int64_t>({0, 2, 2, 1}, {1, 4}).expand({21, 4});
  const TensorBase src = m.narrow(1, 0, 4);
  expect_same(ops::scatter_add(g, 1, idx.cuda(0), src.cuda(0)), ops::scatter_add(m, 1, idx, src));
  expect_same(ops::cumsum(g, 1), ops::cumsum(m, 1));
  // Still refused: integer matrix products on CUDA.
  const std::string mm = error_of<tb::TypeError>([&] { ops::mm(g, g); });
  EXPECT_NE(mm.find("mm"), std::string::npos) << mm;
  EXPECT_NE(mm.find("uint64"), std::string::npos) << mm;
}

}  // namespace cuda_uint64_test
