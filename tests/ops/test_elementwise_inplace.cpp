// In-place (add_, +=) and out= forms of the binary ops: PyTorch's refusals (illegal
// down-casts, read-only and self-overlapping targets, shapes that would need the target to
// broadcast), version bumps, and inputs that alias the output. Also the loop driver's
// splitting of an iteration space into ranges (what each OpenMP thread gets).
#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <vector>

#include "tensorbridge/kernels/cpu/loop.hpp"
#include "tensorbridge/tensorbridge.hpp"
#include "test_elementwise_util.hpp"

namespace tb = tensorbridge;
using tb::DType;
using tbtest::as_doubles;
using tbtest::make;

TEST(InPlace, WritesIntoSelfAndBumpsTheVersion) {
  auto a = tb::tensor({1.f, 2.f, 3.f});
  const void* data = a.data_ptr();
  const uint64_t v0 = a.version();
  a += 1;
  a.mul_(tb::tensor({2.f, 3.f, 4.f}));
  a.sub_(tb::tensor({1.f, 1.f, 1.f}), 2);
  EXPECT_EQ(a.to_vector(), (std::vector<float>{2, 7, 14}));
  EXPECT_EQ(a.data_ptr(), data);
  EXPECT_EQ(a.version(), v0 + 3);
  const tb::TensorBase& r = a.div_(2);
  EXPECT_TRUE(r.is_same(a));
  EXPECT_EQ(a.to_vector(), (std::vector<float>{1, 3.5, 7}));
}

TEST(InPlace, BroadcastsTheOtherOperandOnly) {
  auto a = tb::zeros<float>({2, 3});
  a += tb::tensor({1.f, 2.f, 3.f});
  a *= tb::tensor({{1.f}, {10.f}});
  EXPECT_EQ(a.to_vector(), (std::vector<float>{1, 2, 3, 10, 20, 30}));
  auto row = tb::zeros<float>({3});
  tbtest::expect_throw_with<tb::ValueError>([&] { row += tb::ones<float>({2, 3}); },
                                            {"add_", "[3]", "[2, 3]"});
}

TEST(InPlace, RefusesDownCastsLikePyTorch) {
  auto i = tb::tensor<int64_t>({1, 2});
  // torch 2.13: "result type Float can't be cast to the desired output type Long"
  tbtest::expect_throw_with<tb::TypeError>([&] { i += 1.5; },
                                           {"add_", "float32", "can't be cast", "int64"});
  tbtest::expect_throw_with<tb::TypeError>([&] { i /= 2; }, {"div_", "float32", "int64"});
  auto m = tb::ones({2}, DType::Bool);
  tbtest::expect_throw_with<tb::TypeError>([&] { m.add_(1); }, {"add_", "int64", "bool"});
  auto f = tb::ones<float>({2});
  tbtest::expect_throw_with<tb::TypeError>([&] { f.add_(tb::Scalar(tb::complex128(0, 1))); },
                                           {"complex64", "float32"});
  EXPECT_EQ(i.to_vector(), (std::vector<int64_t>{1, 2}));  // untouched
  // Allowed: same category, any width (the result is rounded into self's dtype).
  f += tb::tensor({0.25, 0.5});  // float64 result into float32
  EXPECT_EQ(f.to_vector(), (std::vector<float>{1.25f, 1.5f}));
  i.div_(2, "floor");
  EXPECT_EQ(i.to_vector(), (std::vector<int64_t>{0, 1}));
  auto h = tb::ones({2}, DType::Float16);
  h.mul_(3);
  EXPECT_EQ(as_doubles<tb::half>(h), (std::vector<double>{3, 3}));
}

TEST(InPlace, RefusesReadOnlyAndSelfOverlappingTargets) {
  auto a = tb::ones<float>({3});
  auto ro = tb::TensorBase(a).as_read_only();
  tbtest::expect_throw_with<tb::ReadOnlyError>([&] { ro += 1; }, {"add_", "read-only"});
  auto expanded = tb::TensorBase(tb::ones<float>({1, 3})).expand({4, 3});
  tbtest::expect_throw_with<tb::ValueError>([&] { expanded *= 2; }, {"mul_", "single memory location"});
  EXPECT_EQ(a.to_vector(), (std::vector<float>{1, 1, 1}));
}

TEST(InPlace, InputsThatOverlapTheOutputAreStaged) {
  // a[1:] += a[:-1] must read the old values (like PyTorch, which copies overlapping inputs).
  auto a = tb::tensor({1.f, 2.f, 3.f, 4.f});
  auto tail = tb::TensorBase(a).slice(0, 1);
  tail += tb::TensorBase(a).slice(0, 0, 3);
  EXPECT_EQ(a.to_vector(), (std::vector<float>{1, 3, 5, 7}));
  // Reversed view of itself.
  auto b = tb::tensor({1.f, 2.f, 3.f});
  b += tb::TensorBase(b).flip({0});
  EXPECT_EQ(b.to_vector(), (std::vector<float>{4, 4, 4}));
  // Exactly the same memory is fine element by element.
  auto c = tb::tensor({1.f, 2.f});
  c *= c;
  EXPECT_EQ(c.to_vector(), (std::vector<float>{1, 4}));
  // Transposed view of a square matrix into itself.
  auto m = make<float>({3, 3}, [](int64_t i) { return i; });
  auto expected = as_doubles<float>(tb::TensorBase(m) + tb::TensorBase(m).t());
  m += tb::TensorBase(m).t();
  EXPECT_EQ(as_doubles<float>(m), expected);
}

TEST(InPlace, NonContiguousSelf) {
  auto base = make<float>({4, 6}, [](int64_t i) { return i; });
  auto view = tb::TensorBase(base).slice(1, 0, 6, 2).t();  // [3, 4], strides (2, 6)
  auto before = as_doubles<float>(view);
  view.mul_(-1);
  auto after = as_doubles<float>(view);
  for (std::size_t i = 0; i < before.size(); ++i) EXPECT_EQ(after[i], -before[i]);
  EXPECT_EQ(base.at(0, 1), 1.f);  // untouched column
  EXPECT_EQ(base.at(0, 2), -2.f);
}

TEST(Out, WritesIntoAGivenTensor) {
  auto a = tb::tensor({1.f, 2.f});
  auto b = tb::tensor({{10.f, 20.f}, {30.f, 40.f}});
  auto out = tb::empty<float>({2, 2});
  const uint64_t v0 = out.version();
  auto r = tb::ops::add_out(out, a, b);
  EXPECT_TRUE(r.is_same(out));
  EXPECT_EQ(out.to_vector(), (std::vector<float>{11, 22, 31, 42}));
  EXPECT_GT(out.version(), v0);
  auto wide = tb::empty<double>({2, 2});
  tb::ops::mul_out(wide, a, b);  // float32 result stored as float64
  EXPECT_EQ(wide.to_vector(), (std::vector<double>{10, 40, 30, 80}));
  auto ints = tb::empty<int32_t>({2, 2});
  tbtest::expect_throw_with<tb::TypeError>([&] { tb::ops::add_out(ints, a, b); },
                                           {"add_out", "float32", "int32"});
  tbtest::expect_throw_with<tb::ValueError>([&] { tb::ops::add_out(tb::empty<float>({4}), a, b); },
                                            {"add_out", "[4]", "[2, 2]"});
  // out aliasing an input element for element.
  tb::ops::sub_out(b, b, a);
  EXPECT_EQ(b.to_vector(), (std::vector<float>{9, 18, 29, 38}));
  auto cmp = tb::empty({2}, DType::Bool);
  tb::ops::gt_out(cmp, a, 1.5);
  EXPECT_EQ(as_doubles<bool>(cmp), (std::vector<double>{0, 1}));
}

TEST(Loop, RangesCoverEveryElementExactlyOnce) {
  // loop_range on any [begin, end) split visits each element once: what every thread of
  // the OpenMP path relies on. A 3-d space with a non-mergeable middle dim and odd sizes.
  auto t = make<int32_t>({5, 7, 3}, [](int64_t) { return 0; });
  auto view = tb::TensorBase(t).permute({2, 0, 1}).slice(2, 0, 7, 1);  // [3, 5, 7]
  const auto bs = view.byte_strides();
  const auto space = tb::make_loop_space<1>(view.shape(), {bs.data()});
  int64_t total = 1;
  for (int d = 0; d < space.ndim; ++d) total *= space.size[d];
  ASSERT_EQ(total, 105);
  for (int64_t parts : {1, 2, 3, 4, 7, 16, 105}) {
    std::fill(t.data(), t.data() + t.numel(), 0);
    auto mark = [](const std::array<char*, 1>& p, const std::array<int64_t, 1>& s, int64_t n) {
      for (int64_t i = 0; i < n; ++i) ++*reinterpret_cast<int32_t*>(p[0] + i * s[0]);
    };
    const int64_t chunk = (total + parts - 1) / parts;
    for (int64_t b = 0; b < total; b += chunk) {
      tb::kernels::cpu::loop_range(space, {static_cast<char*>(view.data_ptr())}, b,
                                   std::min(total, b + chunk), mark);
    }
    for (int64_t i = 0; i < t.numel(); ++i) ASSERT_EQ(t.data()[i], 1) << parts << " parts, at " << i;
  }
}
