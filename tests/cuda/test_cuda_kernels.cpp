// The CUDA kernels, checked against the CPU ops on the same values: elementwise ops with
// broadcasting, scalars, strided and misaligned operands, in-place and out= forms; unary
// functions; reductions over all and some dimensions; matrix products through cuBLAS;
// copies and fills of non-dense device tensors; and the errors for unsupported dtypes and
// mixed devices. The kernels are registered by cuda_kernels.cu (the one nvcc translation
// unit of this binary); this file is plain C++. Skips without a GPU.
#include <gtest/gtest.h>

#include <cuda_runtime_api.h>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "cuda_test_util.hpp"
#include "tensorbridge/core/factory.hpp"
#include "tensorbridge/cuda/cuda.hpp"
#include "tensorbridge/ops/binary.hpp"
#include "tensorbridge/ops/linalg.hpp"
#include "tensorbridge/ops/random.hpp"
#include "tensorbridge/ops/reduce.hpp"
#include "tensorbridge/ops/unary.hpp"

namespace tb = tensorbridge;
namespace ops = tensorbridge::ops;
using tb::DType;
using tb::Shape;

namespace {

using tbtest::error_of;
using tbtest::expect_close;
using tbtest::kGpu;
using tbtest::tolerance;
using tbtest::values;

}  // namespace

// ---- elementwise -------------------------------------------------------------------------

TEST(CudaKernels, BinaryOpsMatchTheCpuWithBroadcasting) {
  TB_REQUIRE_GPU();
  for (DType d : {DType::Float32, DType::Float64, DType::Float16, DType::BFloat16}) {
    const tb::TensorBase a = values({3, 1, 5}, d, -2, 2, 1);
    const tb::TensorBase b = values({4, 5}, d, 0.5, 2, 2);
    const tb::TensorBase ga = a.cuda(0), gb = b.cuda(0);
    const double tol = tolerance(d);
    expect_close(ops::add(ga, gb), ops::add(a, b), tol, tol);
    expect_close(ops::add(ga, gb, 2.5), ops::add(a, b, 2.5), tol, tol);
    expect_close(ops::sub(ga, gb, 0.5), ops::sub(a, b, 0.5), tol, tol);
    expect_close(ops::mul(ga, gb), ops::mul(a, b), tol, tol);
    expect_close(ops::div(ga, gb), ops::div(a, b), tol, tol);
    expect_close(ops::maximum(ga, gb), ops::maximum(a, b), tol, tol);
    expect_close(ops::minimum(ga, gb), ops::minimum(a, b), tol, tol);
    expect_close(ops::lt(ga, gb), ops::lt(a, b));
    expect_close(ops::ge(ga, gb), ops::ge(a, b));
    expect_close(ops::eq(ga, ga), ops::eq(a, a));
    expect_close(ops::ne(ga, gb), ops::ne(a, b));
  }
}

TEST(CudaKernels, IntegerOpsWrapAndCompareLikeTheCpu) {
  TB_REQUIRE_GPU();
  for (DType d : {DType::Int32, DType::Int64}) {
    const tb::TensorBase a = values({6, 7}, d, -1000, 1000, 3);
    const tb::TensorBase b = values({7}, d, -1000, 1000, 4);
    const tb::TensorBase ga = a.cuda(0), gb = b.cuda(0);
    expect_close(ops::add(ga, gb, 3), ops::add(a, b, 3), 0, 0);
    expect_close(ops::mul(ga, gb), ops::mul(a, b), 0, 0);
    expect_close(ops::maximum(ga, gb), ops::maximum(a, b), 0, 0);
    expect_close(ops::gt(ga, gb), ops::gt(a, b), 0, 0);
    expect_close(ops::div(ga, gb), ops::div(a, b));  // true division: float32
  }
}

TEST(CudaKernels, ScalarsPromotionAndNan) {
  TB_REQUIRE_GPU();
  const tb::TensorBase a = values({257}, DType::Float32);
  const tb::TensorBase ga = a.cuda(0);
  expect_close(ops::add(ga, 1.5), ops::add(a, 1.5));
  expect_close(ops::sub(3, ga), ops::sub(3, a));
  expect_close(ops::div(1.0, ga), ops::div(1.0, a));
  expect_close(ops::lt(ga, 0), ops::lt(a, 0));
  // int32 tensor + float32 tensor -> float32 (converted on the device).
  const tb::TensorBase i = values({257}, DType::Int32, -50, 50);
  expect_close(ops::add(i.cuda(0), ga), ops::add(i, a));
  // NaN wins in maximum/minimum, as on the CPU.
  const tb::TensorBase n = tb::full({4}, std::nan(""));
  expect_close(ops::maximum(n.cuda(0), a.slice(0, 0, 4).cuda(0)), ops::maximum(n, a.slice(0, 0, 4)));
}

TEST(CudaKernels, StridedMisalignedAndLargeOperands) {
  TB_REQUIRE_GPU();
  // Large and odd-sized: the vector path plus a tail; then misaligned by one element.
  const int64_t n = (int64_t(1) << 20) + 3;
  const tb::TensorBase a = values({n}, DType::Float32, -2, 2, 5);
  const tb::TensorBase b = values({n}, DType::Float32, -2, 2, 6);
  const tb::TensorBase ga = a.cuda(0), gb = b.cuda(0);
  expect_close(ops::add(ga, gb), ops::add(a, b));
  expect_close(ops::mul(ga.slice(0, 1), gb.slice(0, 0, n - 1)),
               ops::mul(a.slice(0, 1), b.slice(0, 0, n - 1)));
  // Transposed, stepped and flipped views.
  const tb::TensorBase m = values({33, 65}, DType::Float32, -2, 2, 7);
  const tb::TensorBase gm = m.cuda(0);
  expect_close(ops::add(gm.t(), gm.t()), ops::add(m.t(), m.t()));
  expect_close(ops::sub(gm.slice(1, 0, 64, 2), gm.slice(1, 1, 65, 2).flip({0})),
               ops::sub(m.slice(1, 0, 64, 2), m.slice(1, 1, 65, 2).flip({0})));
  expect_close(ops::exp(gm.t()), ops::exp(m.t()));
}

TEST(CudaKernels, InPlaceAndOutForms) {
  TB_REQUIRE_GPU();
  const tb::TensorBase a = values({8, 9}, DType::Float32, -2, 2, 8);
  const tb::TensorBase b = values({9}, DType::Float32, -2, 2, 9);
  tb::TensorBase ga = a.cuda(0);
  const uint64_t version = ga.version();
  ops::add_(ga, b.cuda(0), 2);
  EXPECT_GT(ga.version(), version);
  expect_close(ga, ops::add(a, b, 2));
  // In place into an operand that overlaps the other one shifted: staged, like the CPU.
  tb::TensorBase c = a.clone();
  tb::TensorBase gc = a.cuda(0);
  ops::mul_(gc.slice(1, 1), gc.slice(1, 0, 8));
  ops::mul_(c.slice(1, 1), c.slice(1, 0, 8));
  expect_close(gc, c);
  // out= of another dtype: computed, then converted.
  const tb::TensorBase out = tb::empty({8, 9}, DType::Float64, kGpu);
  ops::add_out(out, a.cuda(0), b.cuda(0));
  expect_close(out, ops::add(a, b).to(DType::Float64));
  EXPECT_THROW(ops::add_(tb::zeros({9}, DType::Int32, kGpu), b.cuda(0)), tb::TypeError);
  EXPECT_THROW(ops::add_(ga.as_read_only(), 1), tb::ReadOnlyError);
}

TEST(CudaKernels, UnaryFunctionsMatchTheCpu) {
  TB_REQUIRE_GPU();
  for (DType d : {DType::Float32, DType::Float64, DType::Float16, DType::BFloat16}) {
    const tb::TensorBase x = values({5, 37}, d, 0.1, 3, 10);
    const tb::TensorBase s = values({5, 37}, d, -3, 3, 11);
    const tb::TensorBase gx = x.cuda(0), gs = s.cuda(0);
    const double tol = tolerance(d) * 4;
    expect_close(ops::exp(gs), ops::exp(s), tol, tol);
    expect_close(ops::log(gx), ops::log(x), tol, tol);
    expect_close(ops::sqrt(gx), ops::sqrt(x), tol, tol);
    expect_close(ops::rsqrt(gx), ops::rsqrt(x), tol, tol);
    expect_close(ops::sin(gs), ops::sin(s), tol, tol);
    expect_close(ops::cos(gs), ops::cos(s), tol, tol);
    expect_close(ops::tanh(gs), ops::tanh(s), tol, tol);
    expect_close(ops::sigmoid(gs), ops::sigmoid(s), tol, tol);
    expect_close(ops::erf(gs), ops::erf(s), tol, tol);
    expect_close(ops::log1p(gx), ops::log1p(x), tol, tol);
    expect_close(ops::expm1(gs), ops::expm1(s), tol, tol);
    expect_close(ops::neg(gs), ops::neg(s), 0, 0);
    expect_close(ops::abs(gs), ops::abs(s), 0, 0);
    expect_close(ops::relu(gs), ops::relu(s), 0, 0);
    expect_close(ops::floor(gs), ops::floor(s), 0, 0);
    expect_close(ops::reciprocal(gx), ops::reciprocal(x), tol, tol);
  }
  // Integers: neg/abs stay integers, floating functions give float32.
  const tb::TensorBase i = values({100}, DType::Int64, -100, 100, 12);
  expect_close(ops::abs(i.cuda(0)), ops::abs(i), 0, 0);
  expect_close(ops::exp(ops::div(i, 50).cuda(0)), ops::exp(ops::div(i, 50)), 2e-6, 1e-6);
  const tb::TensorBase i32 = values({100}, DType::Int32, 0, 100, 13);
  expect_close(ops::sqrt(i32.cuda(0)), ops::sqrt(i32), 2e-6, 1e-6);
  // In place.
  const tb::TensorBase g = values({10}, DType::Float32).cuda(0);
  const tb::TensorBase expected = ops::tanh(g.cpu());
  ops::tanh_(g);
  expect_close(g, expected);
}

// ---- reductions -------------------------------------------------------------------------

TEST(CudaKernels, ReductionsOverAllAndSomeDims) {
  TB_REQUIRE_GPU();
  for (DType d : {DType::Float32, DType::Float64, DType::Float16, DType::Int32, DType::Int64}) {
    const tb::TensorBase x = values({6, 70, 9}, d, -10, 10, 14);
    const tb::TensorBase g = x.cuda(0);
    const double tol = d == DType::Float16 ? 2e-2 : d == DType::Float32 ? 1e-5 : 1e-12;
    expect_close(ops::sum(g), ops::sum(x), tol, tol);
    expect_close(ops::sum(g, {1}), ops::sum(x, {1}), tol, tol);
    expect_close(ops::sum(g, {0, 2}, true), ops::sum(x, {0, 2}, true), tol, tol);
    expect_close(ops::amax(g), ops::amax(x), 0, 0);
    expect_close(ops::amin(g, {2}), ops::amin(x, {2}), 0, 0);
    expect_close(ops::amax(g, {0}, true), ops::amax(x, {0}, true), 0, 0);
    expect_close(ops::sum(g.transpose(0, 2), {1}), ops::sum(x.transpose(0, 2), {1}), tol, tol);
    if (tb::is_floating_point(d)) {
      expect_close(ops::mean(g, {1}), ops::mean(x, {1}), tol, tol);
      expect_close(ops::mean(g), ops::mean(x), tol, tol);
    }
  }
  // dtype= converts on the device first.
  const tb::TensorBase h = values({300}, DType::Float16, -1, 1, 25);
  expect_close(ops::sum(h.cuda(0), {}, false, DType::Float64),
               ops::sum(h, {}, false, DType::Float64), 1e-12, 1e-12);
}

TEST(CudaKernels, LargeSumsAndNan) {
  TB_REQUIRE_GPU();
  const int64_t n = 10'000'019;
  const tb::TensorBase x = values({n}, DType::Float32, 0, 1, 15);
  const double expected = ops::sum(x.to(DType::Float64)).item<double>();
  const double got = ops::sum(x.cuda(0)).cpu().item<double>();
  EXPECT_NEAR(got, expected, 1e-5 * expected);
  EXPECT_NEAR(ops::sum(x.slice(0, 1).cuda(0)).cpu().item<double>(),
              expected - x[0].item<double>(), 1e-5 * expected);  // misaligned start
  tb::TensorBase with_nan = x.slice(0, 0, 1000).clone();
  with_nan[500].fill_(std::nan(""));
  EXPECT_TRUE(std::isnan(ops::amax(with_nan.cuda(0)).cpu().item<double>()));
  EXPECT_TRUE(std::isnan(ops::sum(with_nan.cuda(0)).cpu().item<double>()));
  // Many rows, few elements each, and the other way round.
  const tb::TensorBase tall = values({100000, 3}, DType::Float32, -1, 1, 16);
  expect_close(ops::sum(tall.cuda(0), {1}), ops::sum(tall, {1}), 1e-5, 1e-5);
  expect_close(ops::sum(tall.cuda(0), {0}), ops::sum(tall, {0}), 1e-4, 1e-3);
}

// ---- matrix products --------------------------------------------------------------------

namespace {
bool have_cublas() {
  try {
    ops::matmul(tb::ones({1, 1}, DType::Float32, kGpu), tb::ones({1, 1}, DType::Float32, kGpu));
  } catch (const tb::DeviceError& e) {
    if (std::string(e.what()).find("need cuBLAS") != std::string::npos) return false;
    throw;
  }
  return true;
}
}  // namespace

TEST(CudaKernels, MatrixProductsMatchTheCpu) {
  TB_REQUIRE_GPU();
  if (!have_cublas()) GTEST_SKIP() << "the kernels were compiled without cuBLAS";
  for (DType d : {DType::Float32, DType::Float64}) {
    const tb::TensorBase a = values({64, 48}, d, -1, 1, 17);
    const tb::TensorBase b = values({48, 33}, d, -1, 1, 18);
    const tb::TensorBase ga = a.cuda(0), gb = b.cuda(0);
    const double tol = d == DType::Float32 ? 1e-5 : 1e-12;
    expect_close(ops::matmul(ga, gb), ops::matmul(a, b), tol, tol);
    expect_close(ops::matmul(gb.t(), ga.t()), ops::matmul(b.t(), a.t()), tol, tol);
    expect_close(ops::mm(ga.slice(1, 0, 48, 2), gb.slice(0, 0, 48, 2)),
                 ops::mm(a.slice(1, 0, 48, 2), b.slice(0, 0, 48, 2)), tol, tol);
    expect_close(ops::mv(ga, gb.select(1, 3)), ops::mv(a, b.select(1, 3)), tol, tol);
    expect_close(ops::dot(ga[0], gb.select(1, 0)), ops::dot(a[0], b.select(1, 0)), tol, tol);
    const tb::TensorBase c = values({33}, d, -1, 1, 19);
    expect_close(ops::addmm(c.cuda(0), ga, gb, 0.5, 2.0), ops::addmm(c, a, b, 0.5, 2.0), tol, tol);
    // Batched with a broadcast batch dimension.
    const tb::TensorBase x = values({2, 1, 8, 4}, d, -1, 1, 20);
    const tb::TensorBase y = values({3, 4, 5}, d, -1, 1, 21);
    expect_close(ops::matmul(x.cuda(0), y.cuda(0)), ops::matmul(x, y), tol, tol);
    expect_close(ops::bmm(y.cuda(0).transpose(1, 2), y.cuda(0)),
                 ops::bmm(y.transpose(1, 2), y), tol, tol);
  }
  // Half precision accumulates in float32: compare with the float32 product of the same values.
  for (DType d : {DType::Float16, DType::BFloat16}) {
    const tb::TensorBase a = values({32, 256}, d, -1, 1, 22);
    const tb::TensorBase b = values({256, 16}, d, -1, 1, 23);
    const tb::TensorBase expected =
        ops::matmul(a.to(DType::Float32), b.to(DType::Float32)).to(d);
    expect_close(ops::matmul(a.cuda(0), b.cuda(0)), expected, tolerance(d) * 2, 0.05);
  }
}

TEST(CudaKernels, EmptyProducts) {
  TB_REQUIRE_GPU();
  if (!have_cublas()) GTEST_SKIP() << "the kernels were compiled without cuBLAS";
  expect_close(ops::matmul(tb::ones({3, 0}, DType::Float32, kGpu), tb::ones({0, 2}, DType::Float32, kGpu)),
               tb::zeros({3, 2}));
  EXPECT_EQ(ops::matmul(tb::ones({0, 4}, DType::Float32, kGpu), tb::ones({4, 2}, DType::Float32, kGpu))
                .shape(),
            (Shape{0, 2}));
}

// ---- copies and fills ---------------------------------------------------------------------

TEST(CudaKernels, CopiesIntoNonDenseDeviceTensorsAndAcrossDtypes) {
  TB_REQUIRE_GPU();
  const tb::TensorBase x = values({6, 10}, DType::Float32, -5, 5, 24);
  const tb::TensorBase big = tb::zeros({6, 20}, DType::Float32, kGpu);
  const tb::TensorBase every_other = big.slice(1, 0, 20, 2);
  every_other.copy_(x, false);  // the gaps must stay zero
  tb::TensorBase expected = tb::zeros({6, 20});
  expected.slice(1, 0, 20, 2).copy_(x);
  expect_close(big, expected, 0, 0);
  // Device to device with conversion and a transposed source.
  const tb::TensorBase g = x.cuda(0);
  const tb::TensorBase h = tb::empty({10, 6}, DType::Float16, kGpu);
  h.copy_(g.t(), false);
  expect_close(h, x.t().to(DType::Float16), 0, 0);
  expect_close(g.to(kGpu, DType::Int64), x.to(DType::Int64), 0, 0);
  expect_close(g.to(kGpu, DType::Bool), x.to(DType::Bool), 0, 0);
}

TEST(CudaKernels, FactoriesFillEveryDtype) {
  TB_REQUIRE_GPU();
  for (DType d : {DType::Bool, DType::Int8, DType::Int16, DType::Int64, DType::Float16,
                  DType::BFloat16, DType::Float64, DType::Complex128}) {
    expect_close(tb::full({3, 5}, 1, d, kGpu), tb::full({3, 5}, 1, d), 0, 0);
  }
  const tb::TensorBase big = tb::zeros({4, 6}, DType::Float32, kGpu);
  tb::detail::fill_any(big.slice(1, 1, 6, 2), 3.0, "fill_");
  tb::TensorBase expected = tb::zeros({4, 6});
  expected.slice(1, 1, 6, 2).fill_(3.0);
  expect_close(big, expected, 0, 0);
}

// ---- errors -------------------------------------------------------------------------------

TEST(CudaKernels, UnsupportedDtypesAndMixedDevicesAreClearErrors) {
  TB_REQUIRE_GPU();
  const std::string u64 = error_of<tb::TypeError>(
      [] { ops::mm(tb::ones({3, 3}, DType::UInt64, kGpu), tb::ones({3, 3}, DType::UInt64, kGpu)); });
  EXPECT_NE(u64.find("mm"), std::string::npos) << u64;
  EXPECT_NE(u64.find("uint64"), std::string::npos) << u64;
  const std::string mixed = error_of<tb::DeviceError>(
      [] { ops::add(tb::ones({3}, DType::Float32, kGpu), tb::ones({3})); });
  EXPECT_NE(mixed.find("cuda:0"), std::string::npos) << mixed;
  EXPECT_NE(mixed.find("cpu"), std::string::npos) << mixed;
  EXPECT_THROW(ops::matmul(tb::ones({2, 2}, DType::Int32, kGpu), tb::ones({2, 2}, DType::Int32, kGpu)),
               tb::TypeError);
}
