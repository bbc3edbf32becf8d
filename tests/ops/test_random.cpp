// Random numbers: the Philox core against Random123's published known answers, golden
// values of our specified stream (computed by an independent Python implementation of the
// spec in ops/generator.hpp and ops/random.hpp), reproducibility, ranges, and statistics of
// 10^6 samples within 6 standard errors.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "tensorbridge/tensorbridge.hpp"
#include "test_ops_util.hpp"

namespace tb = tensorbridge;
using tb::DType;
using tb::TensorBase;

using tbtest::vec;
using tbtest::expect_error;

namespace {

struct Moments {
  double mean = 0, var = 0;
};
Moments moments(const std::vector<double>& v) {
  Moments m;
  for (double x : v) m.mean += x;
  m.mean /= double(v.size());
  for (double x : v) m.var += (x - m.mean) * (x - m.mean);
  m.var /= double(v.size() - 1);
  return m;
}

constexpr int64_t kSamples = 1000000;

}  // namespace

TEST(Philox, Random123KnownAnswers) {
  using W = std::array<uint32_t, 4>;
  EXPECT_EQ(tb::philox4x32_10({0, 0, 0, 0}, {0, 0}),
            (W{0x6627e8d5u, 0xe169c58du, 0xbc57ac4cu, 0x9b00dbd8u}));
  EXPECT_EQ(tb::philox4x32_10({0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu},
                              {0xffffffffu, 0xffffffffu}),
            (W{0x408f276du, 0x41c83b0eu, 0xa20bc7c6u, 0x6d5451fdu}));
  EXPECT_EQ(tb::philox4x32_10({0x243f6a88u, 0x85a308d3u, 0x13198a2eu, 0x03707344u},
                              {0xa4093822u, 0x299f31d0u}),
            (W{0xd16cfe09u, 0x94fdccebu, 0x5001e420u, 0x24126ea1u}));
}

TEST(Random, GoldenValuesOfSeed42) {
  // Words of seed 42, block 0: 0x9ceaf053 0x77f5493b 0x12bf50ad 0x5742b3d7; block 1 starts
  // 0xfcdb2127 0x53ba6cfd. float32 uniforms are (word >> 8) * 2^-24.
  tb::Generator g(42);
  EXPECT_EQ(vec<float>(tb::rand({6}, DType::Float32, &g)),
            (std::vector<float>{0.6129598617553711f, 0.4685865044593811f, 0.07323169708251953f,
                                0.3408614993095398f, 0.9877186417579651f, 0.32706332206726074f}));
  g.manual_seed(42);
  EXPECT_EQ(vec<double>(tb::rand({3}, DType::Float64, &g)),
            (std::vector<double>{0.6129598811894158, 0.07323173744158384, 0.9877186509145105}));
  g.manual_seed(42);
  EXPECT_EQ(vec<int64_t>(tb::randint(0, 10, {4}, DType::Int64, &g)),
            (std::vector<int64_t>{9, 9, 3, 5}));
  g.manual_seed(42);
  EXPECT_EQ(vec<int32_t>(tb::randint(-5, 1000, {4}, DType::Int32, &g)),
            (std::vector<int32_t>{454, 224, 868, 560}));
  g.manual_seed(42);
  EXPECT_EQ(vec<int64_t>(tb::randperm(5, DType::Int64, &g)), (std::vector<int64_t>{2, 1, 0, 3, 4}));
  // Box-Muller with Python's libm gives these; ours uses its own log/sin/cos polynomials.
  g.manual_seed(42);
  const auto n = vec<double>(tb::randn({4}, DType::Float64, &g));
  const double expected[] = {1.234541820550271, 0.6118499355304586, -2.9550533475152116,
                             -0.25885655713170497};
  for (int i = 0; i < 4; ++i) EXPECT_NEAR(n[i], expected[i], 1e-14) << i;
  g.manual_seed(42);
  const auto n32 = vec<float>(tb::randn({4}, DType::Float32, &g));
  for (int i = 0; i < 4; ++i) EXPECT_EQ(n32[i], static_cast<float>(expected[i])) << i;
}

TEST(Random, SameSeedSameTensorAndStreamsAdvance) {
  tb::manual_seed(7);
  const auto a = vec<float>(tb::randn({100}));
  const auto b = vec<float>(tb::randn({100}));
  EXPECT_NE(a, b);  // the default generator moved on
  tb::manual_seed(7);
  EXPECT_EQ(vec<float>(tb::randn({100})), a);
  EXPECT_EQ(vec<float>(tb::randn({100})), b);
  tb::manual_seed(8);
  EXPECT_NE(vec<float>(tb::randn({100})), a);
  // Replaying from a saved offset.
  tb::Generator g(123);
  tb::rand({10}, DType::Float32, &g);
  const uint64_t offset = g.offset();
  const auto c = vec<double>(tb::rand({9}, DType::Float64, &g));
  g.set_offset(offset);
  EXPECT_EQ(vec<double>(tb::rand({9}, DType::Float64, &g)), c);
  EXPECT_EQ(g.initial_seed(), 123u);
}

TEST(Random, StridedTargetsGetRowMajorValues) {
  tb::Generator g1(5), g2(5);
  const TensorBase t = tb::empty({4, 3}).t();  // [3, 4], transposed
  t.uniform_(-1.0, 1.0, &g1);
  const TensorBase c = tb::empty({3, 4});
  c.uniform_(-1.0, 1.0, &g2);
  EXPECT_EQ(vec<float>(t), vec<float>(c));
}

TEST(Random, UniformRangesAndMoments) {
  tb::Generator g(1);
  const auto u = vec<double>(tb::rand({kSamples}, DType::Float64, &g));
  EXPECT_GE(*std::min_element(u.begin(), u.end()), 0.0);
  EXPECT_LT(*std::max_element(u.begin(), u.end()), 1.0);
  const Moments m = moments(u);
  const double se = std::sqrt(1.0 / 12.0 / kSamples);
  EXPECT_NEAR(m.mean, 0.5, 6 * se);
  EXPECT_NEAR(m.var, 1.0 / 12.0, 6 * std::sqrt(1.0 / 180.0 / kSamples));  // var of (u-1/2)^2
  // uniform_(a, b) in float32 stays in [a, b), including where rounding would reach b.
  const TensorBase f = tb::empty({kSamples});
  f.uniform_(-3.0, 5.0, &g);
  const auto fv = vec<float>(f);
  EXPECT_GE(*std::min_element(fv.begin(), fv.end()), -3.0f);
  EXPECT_LT(*std::max_element(fv.begin(), fv.end()), 5.0f);
  // A range holding a single float: draws that round up to the next float (above b) are
  // stepped back down.
  const TensorBase narrow = tb::empty({1000});
  narrow.uniform_(1.0, 1.0000001, &g);
  for (float x : vec<float>(narrow)) ASSERT_EQ(x, 1.0f);
  for (DType d : {DType::Float16, DType::BFloat16}) {
    const auto h = vec<float>(tb::rand({100000}, d, &g).to(DType::Float32));
    EXPECT_GE(*std::min_element(h.begin(), h.end()), 0.0f);
    EXPECT_LT(*std::max_element(h.begin(), h.end()), 1.0f);
    EXPECT_NEAR(moments(std::vector<double>(h.begin(), h.end())).mean, 0.5, 0.01);
  }
}

TEST(Random, NormalMoments) {
  tb::Generator g(2);
  const auto z = vec<double>(tb::randn({kSamples}, DType::Float64, &g));
  const Moments m = moments(z);
  const double se = 1.0 / std::sqrt(double(kSamples));
  EXPECT_NEAR(m.mean, 0.0, 6 * se);
  EXPECT_NEAR(m.var, 1.0, 6 * std::sqrt(2.0) * se);  // var of z^2 is 2
  // About 68.27% within one sigma (binomial standard error).
  const double within = double(std::count_if(z.begin(), z.end(), [](double x) {
                          return std::abs(x) < 1.0;
                        })) / kSamples;
  EXPECT_NEAR(within, 0.682689492, 6 * std::sqrt(0.6827 * 0.3173 / kSamples));
  // normal_(mean, std) shifts and scales.
  const TensorBase t = tb::empty({kSamples}, DType::Float32);
  t.normal_(10.0, 0.5, &g);
  const auto tv = vec<float>(t);
  const Moments mt = moments(std::vector<double>(tv.begin(), tv.end()));
  EXPECT_NEAR(mt.mean, 10.0, 6 * 0.5 * se);
  EXPECT_NEAR(std::sqrt(mt.var), 0.5, 6 * 0.5 * se);
}

TEST(Random, DeterministicLogAndSinCosAreAccurate) {
  namespace rd = tb::kernels;  // kernels/random_math.hpp, shared with the CUDA kernels
  const double kPi = 3.14159265358979323846;
  for (int i = 1; i <= 10000; ++i) {
    const double x = std::ldexp(double(i) / 10000.0, -(i % 60));
    EXPECT_NEAR(rd::deterministic_log(x), std::log(x), 4e-16 * std::abs(std::log(x)) + 1e-300);
    const double u = double(i) / 10001.0;
    const auto [s, c] = rd::deterministic_sincos_2pi(u);
    EXPECT_NEAR(s, std::sin(2 * kPi * u), 1e-15);
    EXPECT_NEAR(c, std::cos(2 * kPi * u), 1e-15);
  }
  EXPECT_EQ(rd::deterministic_log(1.0), 0.0);
}

TEST(Random, RandintRangesAndFrequencies) {
  tb::Generator g(3);
  const auto v = vec<int64_t>(tb::randint(-2, 3, {kSamples}, DType::Int64, &g));
  std::vector<int64_t> counts(5, 0);
  for (int64_t x : v) {
    ASSERT_TRUE(x >= -2 && x < 3) << x;
    ++counts[static_cast<std::size_t>(x + 2)];
  }
  const double p = 0.2, se = std::sqrt(p * (1 - p) / kSamples);
  for (int64_t c : counts) EXPECT_NEAR(double(c) / kSamples, p, 6 * se);
  // Every dtype that holds the range; floats hold integers.
  const auto u8 = vec<uint8_t>(tb::randint(0, 256, {1000}, DType::UInt8, &g));
  EXPECT_GT(*std::max_element(u8.begin(), u8.end()), 200);
  for (float x : vec<float>(tb::randint(5, 8, {100}, DType::Float32, &g))) {
    EXPECT_TRUE(x == 5.0f || x == 6.0f || x == 7.0f) << x;
  }
  const TensorBase big = tb::randint(INT64_MIN, INT64_MAX, {4}, DType::Int64, &g);
  EXPECT_EQ(big.numel(), 4);
}

TEST(Random, RandpermIsAPermutation) {
  tb::Generator g(4);
  auto p = vec<int64_t>(tb::randperm(1000, DType::Int64, &g));
  const auto shuffled = p;
  std::sort(p.begin(), p.end());
  for (int64_t i = 0; i < 1000; ++i) ASSERT_EQ(p[static_cast<std::size_t>(i)], i);
  EXPECT_NE(shuffled, p);
  EXPECT_EQ(tb::randperm(0).shape(), (tb::Shape{0}));
  EXPECT_EQ(vec<int64_t>(tb::randperm(1)), (std::vector<int64_t>{0}));
  EXPECT_EQ(tb::randperm(10, DType::Int32, &g).dtype(), DType::Int32);
  // Position 0 is uniform over the values: each of 4 values about 1/4 of the time.
  std::vector<int64_t> first(4, 0);
  for (int i = 0; i < 40000; ++i) ++first[static_cast<std::size_t>(vec<int64_t>(tb::randperm(4, DType::Int64, &g))[0])];
  for (int64_t c : first) EXPECT_NEAR(c / 40000.0, 0.25, 6 * std::sqrt(0.25 * 0.75 / 40000));
}

TEST(Random, Bernoulli) {
  tb::Generator g(6);
  const TensorBase t = tb::empty({kSamples}, DType::Int64);
  t.bernoulli_(0.3, &g);
  const auto v = vec<int64_t>(t);
  double mean = 0;
  for (int64_t x : v) {
    ASSERT_TRUE(x == 0 || x == 1);
    mean += double(x);
  }
  mean /= kSamples;
  EXPECT_NEAR(mean, 0.3, 6 * std::sqrt(0.3 * 0.7 / kSamples));
  // Element-wise probabilities (0 and 1 are certain), keeping the probabilities' dtype.
  const auto probs = tb::tensor<double>({0.0, 1.0, 0.0, 1.0});
  const TensorBase b = tb::bernoulli(probs, &g);
  EXPECT_EQ(b.dtype(), DType::Float64);
  EXPECT_EQ(vec<double>(b), (std::vector<double>{0, 1, 0, 1}));
  EXPECT_EQ(vec<double>(probs.bernoulli(&g)), (std::vector<double>{0, 1, 0, 1}));
  // Broadcast probabilities into a bool tensor; p given as a number.
  const TensorBase m = tb::empty({3, 2}, DType::Bool);
  m.bernoulli_(tb::tensor<float>({1.0f, 0.0f}), &g);
  EXPECT_EQ(vec<uint8_t>(m.to(DType::UInt8)), (std::vector<uint8_t>{1, 0, 1, 0, 1, 0}));
  EXPECT_EQ(vec<float>(tb::zeros({5}).bernoulli(1.0, &g)), std::vector<float>(5, 1.0f));
}

TEST(Random, BadInputs) {
  expect_error<tb::TypeError>([] { tb::rand({2}, DType::Int64); },
                              "rand: expected a floating-point dtype, but got int64");
  expect_error<tb::TypeError>([] { tb::zeros({2}, DType::Int32).normal_(); },
                              "normal_: expected a floating-point dtype, but got int32 (shape [2])");
  expect_error<tb::ValueError>([] { tb::zeros({2}).uniform_(2.0, 1.0); },
                               "uniform_: expected finite from <= to, but got from=2 and to=1");
  expect_error<tb::ValueError>([] { tb::zeros({2}).normal_(0.0, -1.0); },
                               "normal_: expected a finite mean and std >= 0, but got mean=0 and std=-1");
  expect_error<tb::ValueError>([] { tb::zeros({2}).bernoulli_(1.5); },
                               "bernoulli_: expected 0 <= p <= 1, but got p=1.5");
  expect_error<tb::ValueError>([] { tb::bernoulli(tb::tensor<float>({0.5f, 2.0f})); },
                               "bernoulli_: expected all probabilities in [0, 1], but got 2");
  expect_error<tb::ValueError>([] { tb::randint(5, 3, {2}); },
                               "random_: expected low < high, but got low=5 and high=3");
  expect_error<tb::ValueError>([] { tb::randint(0, 257, {2}, DType::UInt8); },
                               "random_: the range [0, 257) does not fit in uint8");
  expect_error<tb::ValueError>([] { tb::randint(-1, 2, {2}, DType::UInt16); },
                               "random_: the range [-1, 2) does not fit in uint16");
  expect_error<tb::ValueError>([] { tb::randperm(-1); },
                               "randperm: n must be non-negative, but got -1");
  expect_error<tb::ValueError>([] { tb::randperm(300, DType::Int8); },
                               "randperm: n=300 is too large for dtype int8");
  const TensorBase ro = tb::zeros({2}).as_read_only();
  expect_error<tb::ReadOnlyError>([&] { ro.uniform_(); }, "uniform_");
  expect_error<tb::ReadOnlyError>([&] { ro.bernoulli_(0.5); }, "bernoulli_");
  EXPECT_EQ(vec<float>(ro), (std::vector<float>{0, 0}));
}
