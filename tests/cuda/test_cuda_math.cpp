// The CUDA kernels of pow, atan2, remainder, floor_divide, div with rounding modes, the bitwise
// ops and shifts, round, gelu, bitwise_not and prod, and the bool/narrow-integer route of every
// elementwise op (computed in int32/int64, converted back), checked against the CPU ops on the
// same values: grids of edge values (every pair of a column and a row, so broadcasting too),
// strided, transposed, flipped, misaligned, large, empty and 0-d operands, scalars on either
// side, in-place and out= forms, gradients through them, and the errors (integer division by
// zero, integer to a negative power, decimals of integers, unsupported dtypes). The per-element
// math also runs on the host in tests/ops/test_scalar_math.cpp. Skips without a GPU.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "cuda_test_util.hpp"
#include "tensorbridge/autograd/autograd.hpp"
#include "tensorbridge/core/factory.hpp"
#include "tensorbridge/cuda/cuda.hpp"
#include "tensorbridge/ops/binary.hpp"
#include "tensorbridge/ops/linalg.hpp"
#include "tensorbridge/ops/reduce.hpp"
#include "tensorbridge/ops/unary.hpp"

namespace cuda_math_test {

namespace tb = tensorbridge;
namespace ops = tensorbridge::ops;
using tb::DType;
using tb::Shape;
using tb::TensorBase;
using tbtest::error_of;
using tbtest::expect_close;
using tbtest::kGpu;
using tbtest::tolerance;
using tbtest::values;

const double kInf = std::numeric_limits<double>::infinity();

// Float edge values: zeros of both signs, halves, whole numbers, tiny and huge, denormals
// (of float32 and float64), infinities, NaN.
inline std::vector<double> float_edges() {
  return {0.0,   -0.0, 1.0,  -1.0,  0.5,    -0.5,  1.5,  -1.5,   2.5,     -2.5,  3.0,   -3.0,
          7.5,   -7.5, 2.0,  -2.0,  0.1,    -0.1,  1e-3, -7.25,  1e10,    -1e10, 3e38,  -3e38,
          65504, 7e4,  1e-40, -1e-40, 1e-310, 1e300, -1e300, kInf, -kInf, std::nan("")};
}
// Integer edge values that fit every integer dtype after conversion (wrapping is the point:
// int8 sees 300 as 44), with the shift amounts around each width.
inline std::vector<double> int_edges() {
  return {0,   1,   2,   3,    5,   7,   8,   9,    15,    16,    17,         31,
          32,  33,  63,  64,   65,  100, 127, 128,  255,   1000,  32767,      -1,
          -2,  -3,  -7,  -8,   -9,  -16, -31, -32,  -33,   -64,   -65,        -100,
          -127, -128, -129, -32768, 2147483647, -2147483648.0, 4294967295.0, 9007199254740991.0};
}

// A column [n, 1] and a row [1, m] of `v` as `dtype` (through float64 then the dtype's own
// conversion: integers wrap).
inline TensorBase column(const std::vector<double>& v, DType dtype) {
  const TensorBase t = tb::from_vector(v, {static_cast<int64_t>(v.size()), 1});
  return is_integral(dtype) ? t.to(DType::Int64).to(dtype) : t.to(dtype);
}
inline TensorBase row(const std::vector<double>& v, DType dtype) {
  return column(v, dtype).reshape({1, -1});
}
// The row of the integer edge values that are not zero in `dtype` (int8 sees 256 as 0).
inline TensorBase nonzero_row(const std::vector<double>& v, DType dtype) {
  const TensorBase converted = row(v, dtype).to(DType::Int64).contiguous();
  const auto* p = static_cast<const int64_t*>(converted.data_ptr());
  std::vector<int64_t> kept;
  for (int64_t i = 0; i < converted.numel(); ++i) {
    if (p[i] != 0) kept.push_back(p[i]);
  }
  return tb::from_vector(kept, {1, static_cast<int64_t>(kept.size())}).to(dtype);
}

// A GPU result equal to the CPU's: integers exactly (all 64 bits), floats as expect_close
// with no tolerance (NaN equal to NaN).
inline void expect_same(const TensorBase& gpu, const TensorBase& cpu) {
  if (!tb::is_integral(cpu.dtype(), true)) return expect_close(gpu, cpu, 0, 0);
  ASSERT_EQ(gpu.device(), kGpu);
  ASSERT_EQ(gpu.shape(), cpu.shape());
  ASSERT_EQ(gpu.dtype(), cpu.dtype());
  const TensorBase a = gpu.cpu().to(DType::Int64).contiguous();
  const TensorBase b = cpu.to(DType::Int64).contiguous();
  const auto* pa = static_cast<const int64_t*>(a.data_ptr());
  const auto* pb = static_cast<const int64_t*>(b.data_ptr());
  for (int64_t i = 0; i < a.numel(); ++i) ASSERT_EQ(pa[i], pb[i]) << "element " << i;
}

using Binary = TensorBase (*)(const TensorBase&, const TensorBase&);

// op on the GPU against op on the CPU, for every pair (a column against a row); exact when
// rtol is 0.
inline void expect_pairs_match(const char* what, Binary op, const TensorBase& a,
                               const TensorBase& b, double rtol, double atol) {
  SCOPED_TRACE(std::string(what) + " " + std::string(tb::dtype_name(a.dtype())));
  if (rtol == 0 && atol == 0) return expect_same(op(a.cuda(0), b.cuda(0)), op(a, b));
  expect_close(op(a.cuda(0), b.cuda(0)), op(a, b), rtol, atol);
}

TensorBase floor_div(const TensorBase& a, const TensorBase& b) { return ops::div(a, b, "floor"); }
TensorBase trunc_div(const TensorBase& a, const TensorBase& b) { return ops::div(a, b, "trunc"); }
TensorBase pow_tt(const TensorBase& a, const TensorBase& b) { return ops::pow(a, b); }
TensorBase atan2_tt(const TensorBase& a, const TensorBase& b) { return ops::atan2(a, b); }
TensorBase remainder_tt(const TensorBase& a, const TensorBase& b) { return ops::remainder(a, b); }
TensorBase floor_divide_tt(const TensorBase& a, const TensorBase& b) {
  return ops::floor_divide(a, b);
}
TensorBase and_tt(const TensorBase& a, const TensorBase& b) { return ops::bitwise_and(a, b); }
TensorBase or_tt(const TensorBase& a, const TensorBase& b) { return ops::bitwise_or(a, b); }
TensorBase xor_tt(const TensorBase& a, const TensorBase& b) { return ops::bitwise_xor(a, b); }
TensorBase shl_tt(const TensorBase& a, const TensorBase& b) {
  return ops::bitwise_left_shift(a, b);
}
TensorBase shr_tt(const TensorBase& a, const TensorBase& b) {
  return ops::bitwise_right_shift(a, b);
}

const std::vector<DType> kFloats = {DType::Float32, DType::Float64, DType::Float16,
                                    DType::BFloat16};
const std::vector<DType> kInts = {DType::Int64, DType::Int32, DType::Int16, DType::Int8,
                                  DType::UInt8, DType::UInt16, DType::UInt32};

}  // namespace cuda_math_test

using namespace cuda_math_test;

// ---- binary ops on edge values --------------------------------------------------------------

TEST(CudaMath, FloatBinaryOpsOnEveryPairOfEdgeValues) {
  TB_REQUIRE_GPU();
  for (DType d : kFloats) {
    const TensorBase a = column(float_edges(), d), b = row(float_edges(), d);
    // fmod, floor, trunc and IEEE division are exact: the same bits as the CPU (in float for
    // float16/bfloat16, then rounded once).
    expect_pairs_match("remainder", remainder_tt, a, b, 0, 0);
    expect_pairs_match("floor_divide", floor_divide_tt, a, b, 0, 0);
    expect_pairs_match("div floor", floor_div, a, b, 0, 0);
    expect_pairs_match("div trunc", trunc_div, a, b, 0, 0);
    // pow and atan2 come from CUDA's math library: a few ulps (absolute near the denormals);
    // NaN/inf exactly.
    const double tol = d == DType::Float64 ? 1e-15 : d == DType::Float32 ? 1e-6 : tolerance(d);
    const double tiny = d == DType::Float64 ? 1e-300 : d == DType::Float32 ? 1e-37 : 1e-7;
    expect_pairs_match("pow", pow_tt, a, b, tol, tiny);
    expect_pairs_match("atan2", atan2_tt, a, b, tol, tiny);
  }
}

TEST(CudaMath, IntegerBinaryOpsOnEveryPairOfEdgeValues) {
  TB_REQUIRE_GPU();
  for (DType d : kInts) {
    const TensorBase a = column(int_edges(), d), b = row(int_edges(), d);
    const TensorBase divisors = nonzero_row(int_edges(), d);
    expect_pairs_match("floor_divide", floor_divide_tt, a, divisors, 0, 0);
    expect_pairs_match("div floor", floor_div, a, divisors, 0, 0);
    expect_pairs_match("div trunc", trunc_div, a, divisors, 0, 0);
    expect_pairs_match("remainder", remainder_tt, a, divisors, 0, 0);
    expect_pairs_match("pow", pow_tt, a, b, 0, 0);  // negative exponents included
    expect_pairs_match("bitwise_left_shift", shl_tt, a, b, 0, 0);
    expect_pairs_match("bitwise_right_shift", shr_tt, a, b, 0, 0);
    expect_pairs_match("bitwise_and", and_tt, a, b, 0, 0);
    expect_pairs_match("bitwise_or", or_tt, a, b, 0, 0);
    expect_pairs_match("bitwise_xor", xor_tt, a, b, 0, 0);
    expect_same(ops::bitwise_not(a.cuda(0)), ops::bitwise_not(a));
  }
}

// Bool: bitwise ops natively; arithmetic, extremes and comparisons through int32.
TEST(CudaMath, BoolOps) {
  TB_REQUIRE_GPU();
  const TensorBase a = column({0, 1}, DType::Bool), b = row({0, 1}, DType::Bool);
  expect_pairs_match("bitwise_and", and_tt, a, b, 0, 0);
  expect_pairs_match("bitwise_or", or_tt, a, b, 0, 0);
  expect_pairs_match("bitwise_xor", xor_tt, a, b, 0, 0);
  expect_close(ops::bitwise_not(a.cuda(0)), ops::bitwise_not(a), 0, 0);
  const TensorBase ga = a.cuda(0), gb = b.cuda(0);
  expect_close(ops::add(ga, gb), ops::add(a, b), 0, 0);
  expect_close(ops::add(ga, gb, true), ops::add(a, b, true), 0, 0);
  expect_close(ops::mul(ga, gb), ops::mul(a, b), 0, 0);
  expect_close(ops::maximum(ga, gb), ops::maximum(a, b), 0, 0);
  expect_close(ops::minimum(ga, gb), ops::minimum(a, b), 0, 0);
  expect_close(ops::lt(ga, gb), ops::lt(a, b), 0, 0);
  expect_close(ops::eq(ga, true), ops::eq(a, true), 0, 0);
  expect_close(ops::sign(ga), ops::sign(a), 0, 0);
  expect_close(ops::logical_not(ga), ops::logical_not(a), 0, 0);
}

// uint8/int8/int16/uint16/uint32 (images, masks, labels): every elementwise op, through the
// wide type, gives the narrow type's results; scalars act as the narrow dtype sees them.
TEST(CudaMath, NarrowIntegerArithmeticAndComparisons) {
  TB_REQUIRE_GPU();
  for (DType d : {DType::UInt8, DType::Int8, DType::Int16, DType::UInt16, DType::UInt32}) {
    SCOPED_TRACE(std::string(tb::dtype_name(d)));
    const TensorBase a = column(int_edges(), d), b = row(int_edges(), d);
    const TensorBase ga = a.cuda(0), gb = b.cuda(0);
    expect_same(ops::add(ga, gb), ops::add(a, b));
    expect_same(ops::add(ga, gb, 3), ops::add(a, b, 3));
    expect_same(ops::sub(ga, gb), ops::sub(a, b));
    expect_same(ops::mul(ga, gb), ops::mul(a, b));
    expect_same(ops::maximum(ga, gb), ops::maximum(a, b));
    expect_same(ops::minimum(ga, gb), ops::minimum(a, b));
    expect_same(ops::eq(ga, gb), ops::eq(a, b));
    expect_same(ops::ne(ga, gb), ops::ne(a, b));
    expect_same(ops::lt(ga, gb), ops::lt(a, b));
    expect_same(ops::le(ga, gb), ops::le(a, b));
    expect_same(ops::gt(ga, gb), ops::gt(a, b));
    expect_same(ops::ge(ga, gb), ops::ge(a, b));
    expect_same(ops::add(ga, 300), ops::add(a, 300));
    expect_same(ops::lt(ga, 300), ops::lt(a, 300));
    expect_same(ops::mul(7, ga), ops::mul(7, a));
    expect_close(ops::div(ga, gb), ops::div(a, b), 1e-6, 1e-6);  // true division: float32
    expect_same(ops::abs(ga), ops::abs(a));
    expect_same(ops::neg(ga), ops::neg(a));
    expect_same(ops::sign(ga), ops::sign(a));
    expect_same(ops::square(ga), ops::square(a));
    expect_same(ops::relu(ga), ops::relu(a));
    expect_same(ops::floor(ga), ops::floor(a));
    expect_same(ops::isnan(ga), ops::isnan(a));
    expect_same(ops::logical_not(ga), ops::logical_not(a));
    expect_close(ops::sqrt(ga), ops::sqrt(a), 2e-6, 1e-6);
  }
}

// ---- scalars, layouts, sizes -----------------------------------------------------------------

TEST(CudaMath, ScalarOperandsOnEitherSide) {
  TB_REQUIRE_GPU();
  const TensorBase x = values({7, 9}, DType::Float32, -4, 4, 31);
  const TensorBase p = values({7, 9}, DType::Float32, 0.1, 3, 32);
  const TensorBase gx = x.cuda(0), gp = p.cuda(0);
  expect_close(ops::pow(gp, 2.5), ops::pow(p, 2.5), 1e-6, 1e-6);
  expect_close(ops::pow(gx, 3), ops::pow(x, 3), 1e-6, 1e-6);
  expect_close(ops::pow(2.0, gx), ops::pow(2.0, x), 1e-6, 1e-6);
  expect_close(ops::remainder(gx, -1.5), ops::remainder(x, -1.5), 0, 0);
  expect_close(ops::remainder(5.0, gx), ops::remainder(5.0, x), 0, 0);
  expect_close(ops::floor_divide(gx, 0.75), ops::floor_divide(x, 0.75), 0, 0);
  expect_close(ops::div(7.0, gx, "trunc"), ops::div(7.0, x, "trunc"), 0, 0);
  expect_close(ops::atan2(gx, 1.0), ops::atan2(x, 1.0), 1e-6, 1e-6);
  expect_close(ops::atan2(-1.0, gx), ops::atan2(-1.0, x), 1e-6, 1e-6);
  // Integer tensors: integer scalars keep the dtype, float scalars promote to float32.
  const TensorBase i = values({50}, DType::Int64, -100, 100, 33);
  const TensorBase gi = i.cuda(0);
  expect_close(ops::pow(gi, 3), ops::pow(i, 3), 0, 0);
  expect_close(ops::pow(gi, 0.5), ops::pow(i, 0.5), 1e-6, 1e-6);
  expect_close(ops::pow(-2, ops::remainder(gi, 20)), ops::pow(-2, ops::remainder(i, 20)), 0, 0);
  expect_close(ops::remainder(gi, -7), ops::remainder(i, -7), 0, 0);
  expect_close(ops::floor_divide(-1000, ops::add(ops::abs(gi), 1)),
               ops::floor_divide(-1000, ops::add(ops::abs(i), 1)), 0, 0);
  expect_close(ops::bitwise_left_shift(gi, 3), ops::bitwise_left_shift(i, 3), 0, 0);
  expect_close(ops::bitwise_right_shift(-1024, ops::remainder(gi, 70)),
               ops::bitwise_right_shift(-1024, ops::remainder(i, 70)), 0, 0);
  expect_close(ops::bitwise_xor(gi, 0x55), ops::bitwise_xor(i, 0x55), 0, 0);
}

TEST(CudaMath, StridedTransposedFlippedMisalignedAndLarge) {
  TB_REQUIRE_GPU();
  const TensorBase m = values({33, 65}, DType::Float32, -3, 3, 34);
  const TensorBase gm = m.cuda(0);
  expect_close(ops::remainder(gm.t(), gm.t().flip({0})), ops::remainder(m.t(), m.t().flip({0})),
               0, 0);
  expect_close(ops::pow(ops::abs(gm.slice(1, 0, 64, 2)), gm.slice(1, 1, 65, 2)),
               ops::pow(ops::abs(m.slice(1, 0, 64, 2)), m.slice(1, 1, 65, 2)), 1e-6, 1e-6);
  expect_close(ops::gelu(gm.t()), ops::gelu(m.t()), 1e-6, 1e-5);
  expect_close(ops::round(gm.slice(0, 1, 33, 3), 1), ops::round(m.slice(0, 1, 33, 3), 1), 0, 0);
  // Large and odd-sized (the vector path and a tail), then misaligned by one element.
  const int64_t n = (int64_t(1) << 20) + 3;
  const TensorBase u = values({n}, DType::UInt8, 0, 256, 35);
  const TensorBase v = values({n}, DType::UInt8, 0, 256, 36);
  const TensorBase gu = u.cuda(0), gv = v.cuda(0);
  expect_close(ops::bitwise_and(gu, gv), ops::bitwise_and(u, v), 0, 0);
  expect_close(ops::add(gu.slice(0, 1), gv.slice(0, 0, n - 1)),
               ops::add(u.slice(0, 1), v.slice(0, 0, n - 1)), 0, 0);
  expect_close(ops::gt(gu, 128), ops::gt(u, 128), 0, 0);
  const TensorBase f = values({n}, DType::Float32, -100, 100, 37);
  expect_close(ops::remainder(f.cuda(0).slice(0, 1), 7.0), ops::remainder(f.slice(0, 1), 7.0), 0,
               0);
  const TensorBase i = values({n}, DType::Int32, -100000, 100000, 38);
  expect_close(ops::floor_divide(i.cuda(0), 7), ops::floor_divide(i, 7), 0, 0);
  // A broadcast narrow operand is converted once per distinct element, then broadcast.
  const TensorBase col = values({5, 1}, DType::Int8, -128, 128, 39);
  const TensorBase wide = values({5, 1000}, DType::Int8, -128, 128, 40);
  expect_close(ops::mul(col.cuda(0), wide.cuda(0)), ops::mul(col, wide), 0, 0);
}

TEST(CudaMath, EmptyAndZeroDimTensors) {
  TB_REQUIRE_GPU();
  const TensorBase e = tb::empty({0, 3}, DType::Float32);
  const TensorBase ei = tb::empty({0, 3}, DType::Int32);
  expect_close(ops::pow(e.cuda(0), 2), ops::pow(e, 2));
  expect_close(ops::remainder(ei.cuda(0), ei.cuda(0)), ops::remainder(ei, ei));
  expect_close(ops::bitwise_and(ei.cuda(0), 3), ops::bitwise_and(ei, 3));
  expect_close(ops::gelu(e.cuda(0)), ops::gelu(e));
  expect_close(ops::round(e.cuda(0), 2), ops::round(e, 2));
  expect_close(ops::prod(e.cuda(0)), ops::prod(e), 0, 0);  // 1
  expect_close(ops::prod(e.cuda(0), {0}), ops::prod(e, {0}), 0, 0);  // ones of shape [3]
  expect_close(ops::prod(ei.cuda(0), {0}, true), ops::prod(ei, {0}, true), 0, 0);
  const TensorBase s = tb::full({}, -7.5);
  const TensorBase si = tb::full({}, -7, DType::Int64);
  expect_close(ops::remainder(s.cuda(0), 2), ops::remainder(s, 2), 0, 0);
  expect_close(ops::floor_divide(si.cuda(0), tb::full({}, 2, DType::Int64).cuda(0)),
               ops::floor_divide(si, tb::full({}, 2, DType::Int64)), 0, 0);
  expect_close(ops::pow(s.cuda(0), 2), ops::pow(s, 2), 0, 0);
  expect_close(ops::round(s.cuda(0)), ops::round(s), 0, 0);
  expect_close(ops::bitwise_not(si.cuda(0)), ops::bitwise_not(si), 0, 0);
  expect_close(ops::prod(si.cuda(0)), ops::prod(si), 0, 0);
  // A 0-d tensor against a matrix broadcasts like a scalar, but keeps tensor promotion.
  const TensorBase m = values({4, 5}, DType::Float32, -3, 3, 41);
  expect_close(ops::atan2(s.to(DType::Float32).cuda(0), m.cuda(0)),
               ops::atan2(s.to(DType::Float32), m), 1e-6, 1e-6);
}

// ---- in-place and out= ----------------------------------------------------------------------

TEST(CudaMath, InPlaceAndOutForms) {
  TB_REQUIRE_GPU();
  const TensorBase x = values({6, 8}, DType::Float32, -5, 5, 42);
  const TensorBase y = values({8}, DType::Float32, 0.5, 3, 43);
  auto check_in_place = [&](const char* what, auto&& op) {
    SCOPED_TRACE(what);
    const TensorBase cpu = x.clone();
    const TensorBase gpu = x.cuda(0);
    const uint64_t version = gpu.version();
    op(cpu, y);
    op(gpu, y.cuda(0));
    EXPECT_GT(gpu.version(), version);
    expect_close(gpu, cpu, 1e-6, 1e-6);
  };
  using T = const TensorBase&;
  check_in_place("pow_", [](T a, T b) { ops::pow_(ops::abs_(a), b); });
  check_in_place("remainder_", [](T a, T b) { ops::remainder_(a, b); });
  check_in_place("floor_divide_", [](T a, T b) { ops::floor_divide_(a, b); });
  check_in_place("div_ trunc", [](T a, T b) { ops::div_(a, b, "trunc"); });
  check_in_place("atan2_", [](T a, T b) { ops::atan2_(a, b); });
  check_in_place("round_ 2", [](T a, T) { ops::round_(a, 2); });
  check_in_place("round_", [](T a, T) { ops::round_(a); });
  // Integers, including a narrow dtype (computed wide, written back into the int8 tensor).
  for (DType d : {DType::Int64, DType::Int8}) {
    const TensorBase i = values({6, 8}, d, -100, 100, 44);
    const TensorBase j = values({8}, d, 1, 7, 45);
    const TensorBase gi = i.cuda(0), ci = i.clone();
    ops::bitwise_left_shift_(gi, j.cuda(0));
    ops::bitwise_left_shift_(ci, j);
    ops::remainder_(gi, j.cuda(0));
    ops::remainder_(ci, j);
    ops::bitwise_or_(gi, 0x30);
    ops::bitwise_or_(ci, 0x30);
    ops::bitwise_not_(gi);
    ops::bitwise_not_(ci);
    expect_close(gi, ci, 0, 0);
  }
  // In place through an overlapping, shifted view: staged like the CPU.
  const TensorBase ci = values({40}, DType::Int32, -50, 50, 46);
  const TensorBase gi = ci.cuda(0);
  const TensorBase cpu_copy = ci.clone();
  ops::bitwise_xor_(gi.slice(0, 1), gi.slice(0, 0, 39));
  ops::bitwise_xor_(cpu_copy.slice(0, 1), cpu_copy.slice(0, 0, 39));
  expect_close(gi, cpu_copy, 0, 0);
  // out= of another dtype: computed in the result dtype, then converted.
  const TensorBase out = tb::empty({6, 8}, DType::Float64, kGpu);
  ops::remainder_out(out, x.cuda(0), y.cuda(0));
  expect_close(out, ops::remainder(x, y).to(DType::Float64), 0, 0);
  const TensorBase iout = tb::empty({6, 8}, DType::Int64, kGpu);
  const TensorBase i8 = values({6, 8}, DType::Int8, -100, 100, 47);
  ops::bitwise_and_out(iout, i8.cuda(0), 0x0f);
  expect_close(iout, ops::bitwise_and(i8, 0x0f).to(DType::Int64), 0, 0);
  ops::pow_out(out, x.cuda(0), 2);
  expect_close(out, ops::pow(x, 2).to(DType::Float64), 1e-6, 1e-6);
  // A result the target cannot hold is refused before anything runs.
  EXPECT_THROW(ops::atan2_(tb::zeros({3}, DType::Int32, kGpu), tb::ones({3}, DType::Int32, kGpu)),
               tb::TypeError);
}

// ---- unary ops ---------------------------------------------------------------------------------

TEST(CudaMath, RoundGeluAndIntegerRounding) {
  TB_REQUIRE_GPU();
  for (DType d : kFloats) {
    SCOPED_TRACE(std::string(tb::dtype_name(d)));
    // Halves (ties to even), both zeros, and edge values.
    std::vector<double> v = float_edges();
    for (double h : {0.5, 1.5, 2.5, -0.5, -2.5, 1234.5, 2.675, -0.05, 0.125}) v.push_back(h);
    const TensorBase x = tb::from_vector(v, {static_cast<int64_t>(v.size())}).to(d);
    const TensorBase gx = x.cuda(0);
    expect_close(ops::round(gx), ops::round(x), 0, 0);
    for (int64_t decimals : {-2, -1, 1, 2, 3}) {
      expect_close(ops::round(gx, decimals), ops::round(x, decimals), 0, 0);
    }
    // Signs of zero, which expect_close cannot see: round(-0.4) and round(-0.0) are -0.0.
    const TensorBase z =
        ops::round(tb::from_vector(std::vector<double>{-0.4, -0.0}, {2}).to(d).cuda(0));
    EXPECT_TRUE(std::signbit(z.cpu().to(DType::Float64)[0].item<double>()));
    EXPECT_TRUE(std::signbit(z.cpu().to(DType::Float64)[1].item<double>()));
    const TensorBase g = values({9, 41}, d, -6, 6, 48);
    const double tol = tolerance(d) * 4;
    expect_close(ops::gelu(g.cuda(0)), ops::gelu(g), tol, tol);
    expect_close(ops::gelu(g.cuda(0), "tanh"), ops::gelu(g, "tanh"), tol, tol);
  }
  // gelu of integers computes in float32; rounding ops leave integers alone (in place too).
  const TensorBase i = values({30}, DType::Int32, -10, 10, 49);
  expect_close(ops::gelu(i.cuda(0)), ops::gelu(i), 1e-6, 1e-5);
  for (DType d : {DType::Int64, DType::Int32, DType::UInt8}) {
    const TensorBase k = values({30}, d, 0, 100, 50);
    expect_close(ops::round(k.cuda(0)), ops::round(k), 0, 0);
    expect_close(ops::floor(k.cuda(0).slice(0, 0, 30, 2)), ops::floor(k.slice(0, 0, 30, 2)), 0, 0);
    expect_close(ops::ceil(k.cuda(0)), ops::ceil(k), 0, 0);
    expect_close(ops::trunc(k.cuda(0)), ops::trunc(k), 0, 0);
    const TensorBase gk = k.cuda(0);
    ops::round_(gk);
    expect_close(gk, k, 0, 0);
  }
}

// ---- reductions -------------------------------------------------------------------------------

TEST(CudaMath, ProdAndTheCompositeReductions) {
  TB_REQUIRE_GPU();
  for (DType d : {DType::Float32, DType::Float64, DType::Float16, DType::Int32, DType::Int64,
                  DType::Int8, DType::UInt8, DType::Bool}) {
    SCOPED_TRACE(std::string(tb::dtype_name(d)));
    // Values near 1 keep float products in range; integers wrap in int64 the same way.
    const bool integral = tb::is_integral(d, true);
    const TensorBase x = integral ? values({6, 70, 9}, d, -3, 4, 51)
                                  : values({6, 70, 9}, d, 0.9, 1.1, 51);
    const TensorBase g = x.cuda(0);
    const double tol = d == DType::Float16   ? 2e-2
                       : d == DType::Float32 ? 1e-4
                       : integral            ? 0
                                             : 1e-12;
    expect_close(ops::prod(g), ops::prod(x), tol, tol);
    expect_close(ops::prod(g, {1}), ops::prod(x, {1}), tol, tol);
    expect_close(ops::prod(g, {0, 2}, true), ops::prod(x, {0, 2}, true), tol, tol);
    expect_close(ops::prod(g.transpose(0, 2), {1}), ops::prod(x.transpose(0, 2), {1}), tol, tol);
    expect_close(ops::all(g, {1}), ops::all(x, {1}), 0, 0);
    expect_close(ops::any(g), ops::any(x), 0, 0);
  }
  // Integer products wrap modulo 2^64, as on the CPU.
  const TensorBase big = tb::full({70}, 3, DType::Int64);
  expect_close(ops::prod(big.cuda(0)), ops::prod(big), 0, 0);
  expect_close(ops::prod(big.cuda(0), {}, false, DType::Float64),
               ops::prod(big, {}, false, DType::Float64), 1e-12, 0);
  // mean/var/std/norm/logsumexp compose device kernels (norm with p = 3 uses pow).
  const TensorBase f = values({5, 33}, DType::Float32, -2, 2, 52);
  const TensorBase gf = f.cuda(0);
  expect_close(ops::mean(gf, {1}), ops::mean(f, {1}), 1e-5, 1e-6);
  expect_close(ops::var(gf, {1}), ops::var(f, {1}), 1e-5, 1e-6);
  expect_close(ops::std(gf, {0}, 0, true), ops::std(f, {0}, 0, true), 1e-5, 1e-6);
  for (double p : {2.0, 1.0, kInf, -kInf, 0.0, 3.0, 0.5}) {
    SCOPED_TRACE("norm p = " + std::to_string(p));
    expect_close(ops::norm(gf, p, {1}), ops::norm(f, p, {1}), 1e-5, 1e-6);
  }
  expect_close(ops::logsumexp(gf, {1}), ops::logsumexp(f, {1}), 1e-5, 1e-6);
  expect_close(ops::logsumexp(tb::full({3, 4}, -kInf).cuda(0), {1}),
               ops::logsumexp(tb::full({3, 4}, -kInf), {1}), 0, 0);
}

// ---- gradients through the new kernels --------------------------------------------------------

TEST(CudaMath, GradientsOfPowAtan2RemainderGeluAndRound) {
  TB_REQUIRE_GPU();
  namespace ag = tensorbridge::autograd;
  auto run = [](tb::Device device) {
    const TensorBase a = values({4, 6}, DType::Float64, 0.5, 2, 53).to(device).requires_grad_();
    const TensorBase b = values({4, 6}, DType::Float64, -2, 2, 54).to(device).requires_grad_();
    TensorBase y = ag::add(ag::pow(a, b), ag::atan2(b, a));
    y = ag::add(y, ag::remainder(b, a));
    y = ag::add(y, ag::gelu(b));
    y = ag::add(y, ag::gelu(a, "tanh"));
    y = ag::add(y, ag::round(ag::mul(b, 3.0)));
    y = ag::add(y, ag::pow(a, 2.5));
    ag::sum(y).backward();
    return std::vector<TensorBase>{y.detach(), a.grad(), b.grad()};
  };
  const std::vector<TensorBase> cpu = run(tb::Device::cpu());
  const std::vector<TensorBase> gpu = run(kGpu);
  for (std::size_t k = 0; k < cpu.size(); ++k) {
    SCOPED_TRACE("output " + std::to_string(k));
    expect_close(gpu[k], cpu[k], 1e-12, 1e-12);
  }
}

// ---- errors -----------------------------------------------------------------------------------

TEST(CudaMath, IntegerDivisionByZeroRaisesLikeTheCpuAndWritesNothing) {
  TB_REQUIRE_GPU();
  const TensorBase a = tb::from_vector(std::vector<int64_t>{7, -7, 9}, {3});
  const TensorBase b = tb::from_vector(std::vector<int64_t>{2, 0, 3}, {3});
  const TensorBase ga = a.cuda(0), gb = b.cuda(0);
  for (const std::string& message :
       {error_of<tb::Error>([&] { ops::floor_divide(ga, gb); }),
        error_of<tb::Error>([&] { ops::remainder(ga, gb); }),
        error_of<tb::Error>([&] { ops::div(ga, gb, "trunc"); }),
        error_of<tb::Error>([&] { ops::div(ga, gb, "floor"); }),
        error_of<tb::Error>([&] { ops::remainder(ga, 0); }),
        error_of<tb::Error>([&] { ops::floor_divide(ga.to(kGpu, DType::Int8), 256); }),
        error_of<tb::Error>([&] {
          ops::remainder(ga.to(kGpu, DType::UInt8), gb.to(kGpu, DType::UInt8).expand({4, 3}));
        })}) {
    EXPECT_NE(message.find("ZeroDivisionError"), std::string::npos) << message;
  }
  const std::string div_message = error_of<tb::Error>([&] { ops::div(ga, gb, "trunc"); });
  EXPECT_EQ(div_message.rfind("div", 0), 0u) << div_message;  // named div, not a kernel name
  // In place: the error comes before the kernel, so the target keeps its values.
  const TensorBase target = a.cuda(0);
  EXPECT_THROW(ops::remainder_(target, gb), tb::Error);
  expect_close(target, a, 0, 0);
  // Float division by zero is IEEE, as on the CPU.
  const TensorBase fa = a.to(DType::Float32), fb = b.to(DType::Float32);
  expect_close(ops::floor_divide(fa.cuda(0), fb.cuda(0)), ops::floor_divide(fa, fb), 0, 0);
  expect_close(ops::remainder(fa.cuda(0), fb.cuda(0)), ops::remainder(fa, fb), 0, 0);
}

TEST(CudaMath, ClearErrorsForBadArgumentsAndDtypes) {
  TB_REQUIRE_GPU();
  const TensorBase gi = tb::ones({3}, DType::Int32, kGpu);
  const TensorBase gf = tb::ones({3}, DType::Float32, kGpu);
  // Integers to negative integer scalar powers, as on the CPU.
  const std::string negative = error_of<tb::Error>([&] { ops::pow(gi, -2); });
  EXPECT_NE(negative.find("pow"), std::string::npos) << negative;
  EXPECT_NE(negative.find("negative"), std::string::npos) << negative;
  EXPECT_THROW(ops::pow(tb::ones({3}, DType::Int32), -2), tb::Error);
  // decimals of integers.
  const std::string decimals = error_of<tb::TypeError>([&] { ops::round(gi, 1); });
  EXPECT_NE(decimals.find("round"), std::string::npos) << decimals;
  EXPECT_NE(decimals.find("int32"), std::string::npos) << decimals;
  EXPECT_THROW(ops::round(tb::ones({3}, DType::Int32), 1), tb::TypeError);
  // Bitwise ops and shifts of floats, atan2 of complex, alpha kinds: dtype errors naming the op.
  const std::string shift = error_of<tb::TypeError>([&] { ops::bitwise_left_shift(gf, gf); });
  EXPECT_NE(shift.find("bitwise_left_shift"), std::string::npos) << shift;
  EXPECT_NE(shift.find("float32"), std::string::npos) << shift;
  EXPECT_THROW(ops::bitwise_and(gf, 1), tb::TypeError);
  EXPECT_THROW(ops::bitwise_not(gf), tb::TypeError);
  EXPECT_THROW(ops::add(gi, gi, 2.5), tb::TypeError);
  EXPECT_THROW(ops::add(tb::ones({3}, DType::Int32), tb::ones({3}, DType::Int32), 2.5),
               tb::TypeError);
  // Dtypes without CUDA kernels: named with the op.
  const std::string u64 = error_of<tb::TypeError>(
      [] { ops::mm(tb::ones({3, 3}, DType::UInt64, kGpu), tb::ones({3, 3}, DType::UInt64, kGpu)); });
  EXPECT_NE(u64.find("mm"), std::string::npos) << u64;
  EXPECT_NE(u64.find("uint64"), std::string::npos) << u64;
  const std::string complex = error_of<tb::TypeError>(
      [] { ops::remainder(tb::ones({3}, DType::Complex64, kGpu), 2); });
  EXPECT_NE(complex.find("remainder"), std::string::npos) << complex;
  EXPECT_NE(complex.find("complex64"), std::string::npos) << complex;
  // Mixed devices.
  const std::string mixed = error_of<tb::DeviceError>([&] { ops::remainder(gf, tb::ones({3})); });
  EXPECT_NE(mixed.find("cuda:0"), std::string::npos) << mixed;
  EXPECT_NE(mixed.find("cpu"), std::string::npos) << mixed;
}
