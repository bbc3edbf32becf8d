// Binary elementwise ops: values, dtypes and shapes, broadcasting, every kind of layout,
// NaN/inf and integer edge cases. Expected values come from plain scalar loops over the
// inputs' own strides (tbtest::element) or are hard-coded values checked with Python 3 /
// PyTorch 2.13 (noted where they are).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
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

// The expected result of a float binary op, computed element by element from the inputs
// through their own strides, broadcast by hand.
template <typename F>
std::vector<double> reference(const tb::TensorBase& a, const tb::TensorBase& b, F f) {
  const tb::Shape shape = tb::broadcast_shapes(a.shape(), b.shape());
  const tb::TensorBase ea = a.expand(shape);
  const tb::TensorBase eb = b.expand(shape);
  std::vector<double> out;
  tbtest::for_each_index(shape, [&](const std::vector<int64_t>& idx) {
    out.push_back(f(tbtest::element<float>(ea, idx), tbtest::element<float>(eb, idx)));
  });
  return out;
}

}  // namespace

TEST(Binary, SameShapeArithmetic) {
  auto a = make<float>({2, 3}, [](int64_t i) { return 0.5 * i - 1; });
  auto b = make<float>({2, 3}, [](int64_t i) { return 1.0 + i * i; });
  tbtest::expect_all_near(as_doubles<float>(a + b), reference(a, b, [](float x, float y) { return x + y; }));
  tbtest::expect_all_near(as_doubles<float>(a - b), reference(a, b, [](float x, float y) { return x - y; }));
  tbtest::expect_all_near(as_doubles<float>(a * b), reference(a, b, [](float x, float y) { return x * y; }));
  tbtest::expect_all_near(as_doubles<float>(a / b), reference(a, b, [](float x, float y) { return x / y; }));
  tbtest::expect_all_near(as_doubles<float>(tb::atan2(a, b)),
                          reference(a, b, [](float x, float y) { return std::atan2(x, y); }));
  tbtest::expect_all_near(as_doubles<float>(tb::pow(b, a)),
                          reference(b, a, [](float x, float y) { return std::pow(x, y); }), 1e-6);
  EXPECT_EQ((a + b).shape(), (tb::Shape{2, 3}));
  EXPECT_EQ((a + b).dtype(), DType::Float32);
}

TEST(Binary, AlphaScalesTheSecondOperand) {
  auto a = tb::tensor({1.f, 2.f});
  auto b = tb::tensor({10.f, 20.f});
  EXPECT_EQ(tb::add(a, b, 2).as<float>().to_vector(), (std::vector<float>{21, 42}));
  EXPECT_EQ(tb::sub(a, b, 0.5).as<float>().to_vector(), (std::vector<float>{-4, -8}));
  auto i = tb::tensor<int64_t>({1, 2});
  EXPECT_EQ(tb::add(i, i, 3).as<int64_t>().to_vector(), (std::vector<int64_t>{4, 8}));
  tbtest::expect_throw_with<tb::TypeError>([&] { tb::add(i, i, 2.5); }, {"add", "alpha"});
  auto m = tb::tensor<int64_t>({0, 0}).to(DType::Bool);
  tbtest::expect_throw_with<tb::TypeError>([&] { tb::add(m, m, 2); }, {"add", "alpha"});
}

TEST(Binary, BroadcastingShapes) {
  auto col = make<float>({3, 1}, [](int64_t i) { return i + 1; });
  auto row = make<float>({4}, [](int64_t i) { return 10.0 * i; });
  auto r = col + row;
  EXPECT_EQ(r.shape(), (tb::Shape{3, 4}));
  tbtest::expect_all_near(as_doubles<float>(r), reference(col, row, [](float x, float y) { return x + y; }));

  auto a = make<float>({2, 1, 3}, [](int64_t i) { return i; });
  auto b = make<float>({4, 1}, [](int64_t i) { return -i; });
  EXPECT_EQ((a * b).shape(), (tb::Shape{2, 4, 3}));
  tbtest::expect_all_near(as_doubles<float>(a * b), reference(a, b, [](float x, float y) { return x * y; }));

  // 0-d with anything, and empty shapes broadcast to empty results.
  auto s = tb::scalar_tensor(2.f);
  EXPECT_EQ((s + row).shape(), (tb::Shape{4}));
  EXPECT_EQ((s + s).shape(), (tb::Shape{}));
  EXPECT_EQ((s + s).item(), 4.f);
  EXPECT_EQ((tb::zeros<float>({0, 3}) + tb::ones<float>({3})).shape(), (tb::Shape{0, 3}));
  EXPECT_EQ((tb::zeros<float>({0}) + tb::ones<float>({1})).shape(), (tb::Shape{0}));
  EXPECT_EQ((tb::zeros<float>({2, 0}) * 3).shape(), (tb::Shape{2, 0}));
}

TEST(Binary, IncompatibleShapesNameBoth) {
  tbtest::expect_throw_with<tb::ValueError>(
      [] { tb::add(tb::ones<float>({2, 3}), tb::ones<float>({4})); },
      {"add", "[2, 3]", "[4]", "non-singleton dimension 1"});
  tbtest::expect_throw_with<tb::ValueError>(
      [] { tb::zeros<float>({0}) + tb::ones<float>({2}); }, {"[0]", "[2]"});
}

TEST(Binary, NonContiguousInputs) {
  auto base = make<float>({4, 6}, [](int64_t i) { return 0.25 * i - 2; });
  auto other = make<float>({6, 4}, [](int64_t i) { return 1.0 + i; });
  const std::vector<tb::TensorBase> lhs = {
      base,
      other.t(),                          // transposed
      base.flip({0, 1}),                  // negative strides
      tb::TensorBase(make<float>({8, 12}, [](int64_t i) { return i % 7; })).slice(0, 0, 8, 2).slice(1, 1, 12, 2),
      make<float>({1, 6}, [](int64_t i) { return i; }).expand({4, 6}),  // stride 0
  };
  for (const auto& x : lhs) {
    for (const auto& y : lhs) {
      tbtest::expect_all_near(as_doubles<float>(x - y), reference(x, y, [](float p, float q) { return p - q; }));
      tbtest::expect_all_near(as_doubles<float>(tb::maximum(x, y)),
                              reference(x, y, [](float p, float q) { return std::max(p, q); }));
    }
    tbtest::expect_all_near(as_doubles<float>(x * 3), reference(x, tb::scalar_tensor(3.f), [](float p, float q) { return p * q; }));
    tbtest::expect_all_near(as_doubles<float>(1 - x), reference(tb::scalar_tensor(1.f), x, [](float p, float q) { return p - q; }));
  }
}

TEST(Binary, TransposedOperandsAcrossTiles) {
  // Operands in different memory orders are walked in 32x32 tiles; sizes that are not
  // multiples of the tile, an outer dim, and out= targets of either order.
  auto a = make<float>({45, 70}, [](int64_t i) { return 0.5 * i; });
  auto b = make<float>({70, 45}, [](int64_t i) { return -1.0 * i; });
  const auto at = tb::TensorBase(a).t();  // [70, 45], column-major
  const auto want = reference(at, b, [](float p, float q) { return p + q; });
  tbtest::expect_all_near(as_doubles<float>(at + b), want);
  tbtest::expect_all_near(as_doubles<float>(b + at), want);
  auto row_major = tb::empty<float>({70, 45});
  tb::ops::add_out(row_major, at, b);
  tbtest::expect_all_near(as_doubles<float>(row_major), want);
  auto col_major = tb::TensorBase(tb::empty<float>({45, 70})).t();
  tb::ops::add_out(col_major, b, at);
  tbtest::expect_all_near(as_doubles<float>(col_major), want);
  auto c = make<float>({3, 40, 50}, [](int64_t i) { return i % 97; });
  auto ct = tb::TensorBase(c).transpose(1, 2);  // [3, 50, 40]
  auto d = make<float>({3, 50, 40}, [](int64_t i) { return 1.0 / (1 + i); });
  tbtest::expect_all_near(as_doubles<float>(d * ct), reference(d, ct, [](float p, float q) { return p * q; }));
}

TEST(Binary, ResultFollowsTheLayoutOfAPermutedInput) {
  // PyTorch gives a.t() + b.t() the transposed layout (strides (1, 3) for a [3, 2] result);
  // the first full-shape operand decides (checked with torch 2.13).
  auto a = tb::ones<float>({2, 3});
  EXPECT_EQ((a.t() + 1).strides(), (tb::Strides{1, 3}));
  EXPECT_EQ((a.t() + tb::ones<float>({3, 2})).strides(), (tb::Strides{1, 3}));
  EXPECT_EQ((tb::ones<float>({3, 2}) + a.t()).strides(), (tb::Strides{2, 1}));
  EXPECT_TRUE((a.flip({1}) + 1).is_contiguous());
}

TEST(Binary, LargeTensorsAcrossTheParallelGrain) {
  // Over kParallelGrain elements, on every layout (parallel when built with OpenMP).
  auto a = make<float>({300, 257}, [](int64_t i) { return (i % 1000) * 0.5; });
  auto b = make<float>({257}, [](int64_t i) { return i; });
  const std::vector<tb::TensorBase> inputs = {
      a, a.flip({0}), tb::TensorBase(make<float>({257, 300}, [](int64_t i) { return i % 13; })).t()};
  for (const auto& x : inputs) {
    tbtest::expect_all_near(as_doubles<float>(x + b), reference(x, b, [](float p, float q) { return p + q; }));
  }
}

TEST(Binary, NaNAndInfinity) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const float inf = std::numeric_limits<float>::infinity();
  auto a = tb::tensor({1.f, nan, nan, 2.f, -inf});
  auto b = tb::tensor({nan, 1.f, nan, 3.f, inf});
  // torch.maximum / torch.minimum propagate NaN (torch 2.13).
  tbtest::expect_all_near(as_doubles<float>(tb::maximum(a, b)), {nan, nan, nan, 3, inf});
  tbtest::expect_all_near(as_doubles<float>(tb::minimum(a, b)), {nan, nan, nan, 2, -inf});
  auto eq = (a == a).as<bool>();
  EXPECT_TRUE(eq.at(0));
  EXPECT_FALSE(eq.at(1));
  EXPECT_TRUE((a != a).as<bool>().at(2));
  // Float division by zero gives inf/nan, floor division too; remainder by 0 is nan.
  auto num = tb::tensor({5.f, -5.f, 0.f});
  auto zero = tb::zeros<float>({3});
  tbtest::expect_all_near(as_doubles<float>(num / zero), {inf, -inf, nan});
  tbtest::expect_all_near(as_doubles<float>(tb::floor_divide(num, zero)), {inf, -inf, nan});
  tbtest::expect_all_near(as_doubles<float>(tb::remainder(num, zero)), {nan, nan, nan});
}

TEST(Binary, FloorDivisionAndRemainderFollowPython) {
  // Python 3: 7//2, 7//-2, -7//2, -7//-2 = 3, -4, -4, 3; 7%2, 7%-2, -7%2, -7%-2 = 1, -1, 1, -1.
  auto a = tb::tensor<int64_t>({7, 7, -7, -7});
  auto b = tb::tensor<int64_t>({2, -2, 2, -2});
  EXPECT_EQ(tb::floor_divide(a, b).as<int64_t>().to_vector(), (std::vector<int64_t>{3, -4, -4, 3}));
  EXPECT_EQ(tb::remainder(a, b).as<int64_t>().to_vector(), (std::vector<int64_t>{1, -1, 1, -1}));
  EXPECT_EQ((a % b).as<int64_t>().to_vector(), (std::vector<int64_t>{1, -1, 1, -1}));
  EXPECT_EQ(tb::div(a, b, "trunc").as<int64_t>().to_vector(), (std::vector<int64_t>{3, -3, -3, 3}));
  EXPECT_EQ(tb::div(a, b, "floor").as<int64_t>().to_vector(), (std::vector<int64_t>{3, -4, -4, 3}));
  // Python 3: 5.5 // -2 = -3.0, 5.5 % -2 = -0.5, -0.5 // 1 = -1.0, -5.5 % 2 = 0.5.
  auto x = tb::tensor({5.5, 5.5, -0.5, -5.5});
  auto y = tb::tensor({-2.0, -2.0, 1.0, 2.0});
  tbtest::expect_all_near(as_doubles<double>(tb::floor_divide(x, y)), {-3, -3, -1, -3});
  tbtest::expect_all_near(as_doubles<double>(tb::remainder(x, y)), {-0.5, -0.5, 0.5, 0.5});
  tbtest::expect_all_near(as_doubles<double>(tb::div(x, y, "trunc")), {-2, -2, -0, -2});
  tbtest::expect_throw_with<tb::ValueError>([&] { tb::div(x, y, "round"); }, {"div", "round"});
}

TEST(Binary, IntegerEdgeCases) {
  using L = std::numeric_limits<int32_t>;
  auto big = tb::tensor<int32_t>({L::max(), L::min(), L::min()});
  // Overflow wraps (two's complement), as in PyTorch.
  EXPECT_EQ((big + 1).as<int32_t>().to_vector(),
            (std::vector<int32_t>{L::min(), L::min() + 1, L::min() + 1}));
  EXPECT_EQ(tb::mul(big, tb::Scalar(2)).as<int32_t>().to_vector(), (std::vector<int32_t>{-2, 0, 0}));
  auto u8 = tb::tensor<uint8_t>({0, 255});
  EXPECT_EQ((u8 - 1).as<uint8_t>().to_vector(), (std::vector<uint8_t>{255, 254}));
  // torch: int8 tensor + 1000 wraps the scalar to int8 first (1 + 1000 -> -23).
  EXPECT_EQ((tb::tensor<int8_t>({1}) + 1000).as<int8_t>().item(), int8_t(-23));
  // INT_MIN / -1 and INT_MIN % -1 (torch 2.13: -2**31 // -1 wraps to -2**31, % gives 0).
  auto minus_one = tb::full<int32_t>({3}, -1);
  EXPECT_EQ(tb::floor_divide(big, minus_one).as<int32_t>().to_vector(),
            (std::vector<int32_t>{-L::max(), L::min(), L::min()}));
  EXPECT_EQ(tb::remainder(big, minus_one).as<int32_t>().to_vector(), (std::vector<int32_t>{0, 0, 0}));
  EXPECT_EQ(tb::div(big, minus_one, "trunc").as<int32_t>().at(1), L::min());
  // Integer division by zero raises like PyTorch ("ZeroDivisionError"), without crashing.
  auto with_zero = tb::tensor<int32_t>({1, 0, 2});
  tbtest::expect_throw_with<tb::Error>([&] { tb::floor_divide(big, with_zero); }, {"floor_divide", "ZeroDivisionError"});
  tbtest::expect_throw_with<tb::Error>([&] { tb::remainder(big, 0); }, {"remainder", "ZeroDivisionError"});
  tbtest::expect_throw_with<tb::Error>([&] { tb::div(big, 0, "trunc"); }, {"ZeroDivisionError"});
  // int8 // 256: the scalar wraps to 0 in int8 first.
  tbtest::expect_throw_with<tb::Error>([&] { tb::floor_divide(tb::tensor<int8_t>({1}), 256); }, {"ZeroDivisionError"});
  // True division of integers is float32 and divides by zero like floats.
  auto q = tb::div(tb::tensor<int32_t>({1, -1, 0}), 0);
  EXPECT_EQ(q.dtype(), DType::Float32);
  tbtest::expect_all_near(as_doubles<float>(q), {INFINITY, -INFINITY, NAN});
}

TEST(Binary, IntegerPower) {
  // torch 2.13: 2 ** -1 = 0, 1 ** -1 = 1, (-1) ** -3 = -1, (-1) ** -2 = 1; 3 ** 40 wraps.
  auto base = tb::tensor<int64_t>({2, 1, -1, -1, 3, 0});
  auto exp = tb::tensor<int64_t>({-1, -1, -3, -2, 40, 0});
  EXPECT_EQ(tb::pow(base, exp).as<int64_t>().to_vector(),
            (std::vector<int64_t>{0, 1, -1, 1, int64_t(12157665459056928801ull), 1}));
  EXPECT_EQ(tb::pow(base, 2).as<int64_t>().to_vector(), (std::vector<int64_t>{4, 1, 1, 1, 9, 0}));
  EXPECT_EQ(tb::pow(2, tb::tensor<int64_t>({0, 3, 10})).as<int64_t>().to_vector(),
            (std::vector<int64_t>{1, 8, 1024}));
  tbtest::expect_throw_with<tb::Error>([&] { tb::pow(base, -1); }, {"pow", "negative"});
  auto f = tb::pow(base, 0.5);
  EXPECT_EQ(f.dtype(), DType::Float32);
  EXPECT_FLOAT_EQ(f.as<float>().at(0), std::sqrt(2.f));
}

TEST(Binary, ComparisonsPromoteThenGiveBool) {
  auto i = tb::tensor<int32_t>({1, 2, 3});
  auto lt = i < 2.5;  // compared in float32, like torch
  EXPECT_EQ(lt.dtype(), DType::Bool);
  auto v = lt.as<bool>();
  EXPECT_TRUE(v.at(0));
  EXPECT_TRUE(v.at(1));
  EXPECT_FALSE(v.at(2));
  auto f = tb::tensor({1.f, 2.f, 3.f});
  EXPECT_EQ(as_doubles<bool>(i == f), (std::vector<double>{1, 1, 1}));
  EXPECT_EQ(as_doubles<bool>(i != f), (std::vector<double>{0, 0, 0}));
  EXPECT_EQ(as_doubles<bool>(f >= 2), (std::vector<double>{0, 1, 1}));
  EXPECT_EQ(as_doubles<bool>(f > 2), (std::vector<double>{0, 0, 1}));
  EXPECT_EQ(as_doubles<bool>(f <= 2), (std::vector<double>{1, 1, 0}));
  EXPECT_EQ(as_doubles<bool>(2 < f), (std::vector<double>{0, 0, 1}));
  auto h = f.to(DType::Float16);
  EXPECT_EQ(as_doubles<bool>(h == 2), (std::vector<double>{0, 1, 0}));
  auto c = tb::tensor({tb::complex64(1, 1)});
  EXPECT_EQ(as_doubles<bool>(c == c), (std::vector<double>{1}));
  tbtest::expect_throw_with<tb::TypeError>([&] { tb::lt(c, c); }, {"lt", "complex64"});
}

TEST(Binary, LogicalAndBitwise) {
  auto x = tb::tensor({0.f, 1.5f, 0.f, -2.f});
  auto y = tb::tensor<int64_t>({0, 0, 3, 4});
  EXPECT_EQ(as_doubles<bool>(tb::logical_and(x, y)), (std::vector<double>{0, 0, 0, 1}));
  EXPECT_EQ(as_doubles<bool>(tb::logical_or(x, y)), (std::vector<double>{0, 1, 1, 1}));
  EXPECT_EQ(as_doubles<bool>(tb::logical_xor(x, y)), (std::vector<double>{0, 1, 1, 0}));
  auto a = tb::tensor<int32_t>({0b1100, -1, 5});
  auto b = tb::tensor<int32_t>({0b1010, 7, 0});
  EXPECT_EQ((a & b).as<int32_t>().to_vector(), (std::vector<int32_t>{0b1000, 7, 0}));
  EXPECT_EQ((a | b).as<int32_t>().to_vector(), (std::vector<int32_t>{0b1110, -1, 5}));
  EXPECT_EQ((a ^ b).as<int32_t>().to_vector(), (std::vector<int32_t>{0b0110, -8, 5}));
  auto t = tb::tensor<int64_t>({1, 0}).to(DType::Bool);
  auto u = tb::tensor<int64_t>({1, 1}).to(DType::Bool);
  EXPECT_EQ((t & u).dtype(), DType::Bool);
  EXPECT_EQ(as_doubles<bool>(t ^ u), (std::vector<double>{0, 1}));
  tbtest::expect_throw_with<tb::TypeError>([&] { x & x; }, {"bitwise_and", "float32"});
}

TEST(Binary, Shifts) {
  // PyTorch: shifting by a negative amount or >= the width gives 0 to the left and the sign
  // fill to the right (torch 2.13: int64 -8 >> 70 = -1, 1 << -1 = 0).
  auto a = tb::tensor<int32_t>({1, 1, -8, -8, 8, 1});
  auto s = tb::tensor<int32_t>({3, 40, 70, -1, 1, 31});
  EXPECT_EQ(tb::bitwise_left_shift(a, s).as<int32_t>().to_vector(),
            (std::vector<int32_t>{8, 0, 0, 0, 16, std::numeric_limits<int32_t>::min()}));
  EXPECT_EQ(tb::bitwise_right_shift(a, s).as<int32_t>().to_vector(),
            (std::vector<int32_t>{0, 0, -1, -1, 4, 0}));
  auto u = tb::tensor<uint8_t>({255, 255});
  EXPECT_EQ(tb::bitwise_right_shift(u, tb::tensor<uint8_t>({4, 8})).as<uint8_t>().to_vector(),
            (std::vector<uint8_t>{15, 0}));
  EXPECT_EQ(tb::bitwise_left_shift(u, tb::tensor<uint8_t>({4, 200})).as<uint8_t>().to_vector(),
            (std::vector<uint8_t>{240, 0}));
}

TEST(Binary, HalfPrecisionComputesInFloatAndRoundsOnce) {
  // 1 + 2^-10 is exact in float16; 2048 + 1 is a tie that rounds to the even 2048.
  auto a = tb::tensor({1.f, 2048.f}).to(DType::Float16);
  auto b = tb::tensor({0.0009765625f, 1.f}).to(DType::Float16);
  auto r = (a + b).as<tb::half>();
  EXPECT_EQ(r.dtype(), DType::Float16);
  EXPECT_EQ(float(r.at(0)), 1.0009765625f);
  EXPECT_EQ(float(r.at(1)), 2048.f);  // 2049 rounds to even in float16
  auto bf = tb::tensor({1.f, 3.f}).to(DType::BFloat16);
  EXPECT_EQ(as_doubles<tb::bfloat16>(bf * 2.5), (std::vector<double>{2.5, 7.5}));
}

TEST(Binary, ComplexArithmetic) {
  auto a = tb::tensor({tb::complex64(1, 2), tb::complex64(0, -1)});
  auto b = tb::tensor({tb::complex64(3, -1), tb::complex64(2, 2)});
  auto p = (a * b).as<tb::complex64>().to_vector();
  EXPECT_EQ(p[0], tb::complex64(5, 5));
  EXPECT_EQ(p[1], tb::complex64(2, -2));
  auto s = tb::add(a, tb::Scalar(tb::complex128(0, 1))).as<tb::complex64>().to_vector();
  EXPECT_EQ(s[0], tb::complex64(1, 3));
  EXPECT_EQ(tb::add(tb::tensor({1.0}), tb::Scalar(tb::complex128(0, 1))).dtype(), DType::Complex128);
}

TEST(Binary, Where) {
  auto cond = tb::tensor<int64_t>({1, 0, 1}).to(DType::Bool);
  auto a = tb::tensor<int32_t>({1, 2, 3});
  auto r = tb::where(cond, a, 2.5);  // torch 2.13: float32 [1.0, 2.5, 3.0]
  EXPECT_EQ(r.dtype(), DType::Float32);
  EXPECT_EQ(as_doubles<float>(r), (std::vector<double>{1, 2.5, 3}));
  EXPECT_EQ(tb::where(cond, 1, 2).dtype(), DType::Int64);
  auto col = tb::tensor<int64_t>({{1}, {0}}).to(DType::Bool);
  auto w = tb::where(col, tb::ones<float>({3}), tb::zeros<float>({2, 1}));
  EXPECT_EQ(w.shape(), (tb::Shape{2, 3}));
  EXPECT_EQ(as_doubles<float>(w), (std::vector<double>{1, 1, 1, 0, 0, 0}));
  EXPECT_EQ(as_doubles<int32_t>(tb::where(cond.flip({0}), a.flip({0}), a)), (std::vector<double>{3, 2, 1}));
  tbtest::expect_throw_with<tb::TypeError>([&] { tb::where(a, a, a); }, {"where", "boolean", "int32"});
}

namespace {

// out's every element is, byte for byte, a's where m is true and b's elsewhere (all three
// broadcast to out's shape).
void expect_selected(const tb::TensorBase& out, const tb::TensorBase& m, const tb::TensorBase& a,
                     const tb::TensorBase& b, const std::string& what) {
  const tb::Shape shape = out.shape();
  const tb::TensorBase mc = m.expand(shape).contiguous(), ac = a.expand(shape).contiguous();
  const tb::TensorBase bc = b.expand(shape).contiguous(), oc = out.contiguous();
  const auto es = static_cast<std::size_t>(out.element_size());
  const auto* mask = static_cast<const bool*>(mc.data_ptr());
  for (int64_t i = 0; i < out.numel(); ++i) {
    const char* want = static_cast<const char*>(mask[i] ? ac.data_ptr() : bc.data_ptr()) + i * es;
    ASSERT_EQ(std::memcmp(static_cast<const char*>(oc.data_ptr()) + i * es, want, es), 0)
        << what << ", element " << i;
  }
}

}  // namespace

// where and masked_fill_ select without branches, with a vectorized path per layout
// (contiguous, a 0-d operand, a condition constant along the row) and a strided fallback;
// every element size, the 16-byte complex128 included.
TEST(Binary, WhereAndMaskedFillSelectInEveryLayoutAndDtype) {
  for (DType d : {DType::Bool, DType::Int8, DType::Int16, DType::Float16, DType::Float32,
                  DType::Int64, DType::Float64, DType::Complex64, DType::Complex128}) {
    tb::Generator gen(11);
    const tb::TensorBase m = tb::gt(tb::rand({5, 37}, DType::Float32, &gen), 0.5);
    const tb::TensorBase a = (tb::randn({5, 37}, DType::Float64, &gen) * 50.0).to(d);
    const tb::TensorBase b = (tb::randn({37, 5}, DType::Float64, &gen) * 50.0).to(d).t();
    const tb::TensorBase bc = b.contiguous();
    const tb::TensorBase one = (tb::randn({}, DType::Float64, &gen) * 50.0).to(d);
    const tb::TensorBase row_mask = m.slice(1, 0, 1);  // [5, 1]: constant along each row
    const std::string name(tb::dtype_name(d));
    expect_selected(tb::where(m, a, bc), m, a, bc, name + " contiguous");
    expect_selected(tb::where(m, a, one), m, a, one, name + " b 0-d");
    expect_selected(tb::where(m, one, bc), m, one, bc, name + " a 0-d");
    expect_selected(tb::where(row_mask, a, bc), row_mask, a, bc, name + " mask per row");
    expect_selected(tb::where(m, a, b), m, a, b, name + " b transposed");
    expect_selected(tb::where(m.t(), a.t(), b.t()), m.t(), a.t(), b.t(), name + " all transposed");
    // masked_fill_: contiguous, strided self, a broadcast mask.
    const tb::TensorBase fill = tb::full({}, 7, d);
    for (const tb::TensorBase& self : {a.clone(), b.contiguous().t().contiguous().t()}) {
      for (const tb::TensorBase& mask : {m, row_mask}) {
        const tb::TensorBase before = self.clone();
        tb::masked_fill_(self, mask, tb::Scalar(7));
        expect_selected(self, mask, fill, before, name + " masked_fill_");
        self.copy_(before);
      }
    }
  }
  // A bool tensor filled where it is itself true: each element reads its mask first.
  tb::TensorBase flags = tb::gt(tb::rand({300}), 0.5);
  const tb::TensorBase was = flags.clone();
  tb::masked_fill_(flags, flags, tb::Scalar(false));
  EXPECT_FALSE(tb::any(flags).item<bool>());
  EXPECT_TRUE(tb::any(was).item<bool>());
}

TEST(Binary, RefusedDTypesNameTheOp) {
  auto m = tb::ones({2}, DType::Bool);
  tbtest::expect_throw_with<tb::TypeError>([&] { m - m; }, {"sub", "bool", "logical_xor"});
  tbtest::expect_throw_with<tb::TypeError>([&] { m - 1; }, {"sub", "bool"});
  tbtest::expect_throw_with<tb::TypeError>([&] { tb::floor_divide(m, m); }, {"floor_divide", "bool"});
  tbtest::expect_throw_with<tb::TypeError>(
      [&] { tb::ones({1}, DType::UInt16) + tb::ones({1}, DType::Int8); },
      {"add", "uint16", "int8"});
}
