// copy_, clone, contiguous, to(dtype), fill_, zero_, item; read-only enforcement.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "tensorbridge/tensorbridge.hpp"

namespace tb = tensorbridge;
using Shape = tb::Shape;

TEST(Copy, BroadcastsSourceIntoDestination) {
  auto dst = tb::zeros<float>({2, 3});
  dst.copy_(tb::tensor({1.f, 2.f, 3.f}));
  EXPECT_EQ(dst.to_vector(), (std::vector<float>{1, 2, 3, 1, 2, 3}));
  dst.copy_(tb::tensor({{7.f}, {8.f}}));
  EXPECT_EQ(dst.to_vector(), (std::vector<float>{7, 7, 7, 8, 8, 8}));
  dst.copy_(tb::scalar_tensor(0.5f));
  EXPECT_EQ(dst.to_vector(), (std::vector<float>(6, 0.5f)));
  try {
    dst.copy_(tb::zeros<float>({3, 2}));
    FAIL();
  } catch (const tb::ValueError& e) {
    EXPECT_NE(std::string(e.what()).find("[3, 2]"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("[2, 3]"), std::string::npos) << e.what();
  }
}

TEST(Copy, ConvertsDTypes) {
  auto ints = tb::tensor({-2, 0, 3});
  auto f = tb::zeros<double>({3});
  f.copy_(ints);
  EXPECT_EQ(f.to_vector(), (std::vector<double>{-2, 0, 3}));
  auto h = tb::tensor({1.5f, -2.25f, 65504.f}).to(tb::DType::Float16).as<tb::half>();
  EXPECT_EQ(float(h.at(1)), -2.25f);
  auto back = h.to(tb::DType::Float32).as<float>();
  EXPECT_EQ(back.to_vector(), (std::vector<float>{1.5f, -2.25f, 65504.f}));
  auto b = tb::tensor({0.f, 0.1f, -3.f}).to(tb::DType::Bool).as<bool>();
  EXPECT_FALSE(b.at(0));
  EXPECT_TRUE(b.at(1));
  auto trunc = tb::tensor({2.9, -2.9}).to(tb::DType::Int32).as<int32_t>();
  EXPECT_EQ(trunc.to_vector(), (std::vector<int32_t>{2, -2}));
  auto c = tb::tensor({1.f, 2.f}).to(tb::DType::Complex128).as<tb::complex128>();
  EXPECT_EQ(c.at(1), tb::complex128(2, 0));
  // Every pair of dtypes converts (values small enough for all of them).
  for (int from = 0; from < tb::kNumDTypes; ++from) {
    for (int to = 0; to < tb::kNumDTypes; ++to) {
      auto src = tb::tensor({0.f, 1.f}).to(static_cast<tb::DType>(from));
      auto dst = src.to(static_cast<tb::DType>(to));
      EXPECT_EQ(dst.dtype(), static_cast<tb::DType>(to));
      EXPECT_EQ(dst.select(0, 1).item().to<double>(), 1.0) << from << "->" << to;
      EXPECT_EQ(dst.select(0, 0).item().to<double>(), 0.0) << from << "->" << to;
    }
  }
}

TEST(Copy, StridedSourcesAndDestinations) {
  auto x = tb::arange<float>(0, 12).reshape({3, 4});
  auto dst = tb::zeros<float>({4, 3});
  dst.copy_(x.t());
  EXPECT_EQ(dst.to_vector(), (std::vector<float>{0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11}));
  auto y = tb::zeros<float>({3, 4});
  y.flip({1}).copy_(x);  // negative-stride destination
  EXPECT_EQ(y.to_vector(), x.flip({1}).to_vector());
  auto z = tb::zeros<float>({3, 8});
  z.slice(1, 0, 8, 2).copy_(x);
  EXPECT_EQ(z.at(2, 6), 11.f);
  EXPECT_EQ(z.at(2, 7), 0.f);
}

TEST(Copy, OverlappingSourceIsStaged) {
  auto x = tb::arange<float>(0, 6);
  x.copy_(x.flip({0}));  // would read already-written values without staging
  EXPECT_EQ(x.to_vector(), (std::vector<float>{5, 4, 3, 2, 1, 0}));
  auto y = tb::arange<float>(0, 6);
  y.slice(0, 1, 6).copy_(y.slice(0, 0, 5));  // shift right by one
  EXPECT_EQ(y.to_vector(), (std::vector<float>{0, 0, 1, 2, 3, 4}));
  auto same = tb::arange<float>(0, 3);
  same.copy_(same);  // self copy is a no-op
  EXPECT_EQ(same.to_vector(), (std::vector<float>{0, 1, 2}));
}

TEST(Copy, CloneAndContiguous) {
  auto x = tb::arange<float>(0, 6).reshape({2, 3});
  EXPECT_EQ(x.contiguous().data(), x.data());  // no copy needed
  auto t = x.t();
  auto c = t.contiguous();
  EXPECT_NE(c.data(), x.data());
  EXPECT_TRUE(c.is_contiguous());
  EXPECT_EQ(c.to_vector(), (std::vector<float>{0, 3, 1, 4, 2, 5}));
  auto k = x.clone();
  EXPECT_NE(k.data(), x.data());
  k.fill_(9.f);
  EXPECT_EQ(x.at(0, 0), 0.f);
  auto bcast = tb::scalar_tensor(2.f).expand({2, 2}).contiguous();
  EXPECT_EQ(bcast.strides(), (Shape{2, 1}));
  EXPECT_EQ(bcast.to_vector(), (std::vector<float>(4, 2.f)));
}

TEST(Copy, FillZeroAndVersionCounter) {
  auto x = tb::ones<int32_t>({2, 2});
  const auto v0 = x.version();
  x.t().fill_(7);
  EXPECT_EQ(x.to_vector(), (std::vector<int32_t>(4, 7)));
  x.zero_();
  EXPECT_EQ(x.to_vector(), (std::vector<int32_t>(4, 0)));
  EXPECT_EQ(x.version(), v0 + 2);
  tb::TensorBase h = tb::zeros({3}, tb::DType::Float16);
  h.fill_(1.0009765625);  // 1 + 2^-10, exactly representable
  EXPECT_EQ(h.select(0, 2).item().to<double>(), 1.0009765625);
}

TEST(Copy, ItemNeedsOneElement) {
  EXPECT_EQ(tb::tensor({{4.5}}).item(), 4.5);
  EXPECT_TRUE(tb::tensor({true}).item());
  EXPECT_EQ(tb::TensorBase(tb::tensor({int64_t(1) << 60})).item().to<int64_t>(), int64_t(1) << 60);
  try {
    tb::tensor({1.f, 2.f}).item();
    FAIL();
  } catch (const tb::ValueError& e) {
    EXPECT_NE(std::string(e.what()).find("2 elements"), std::string::npos) << e.what();
  }
}

TEST(ReadOnly, EveryWritePathRefuses) {
  auto x = tb::arange<float>(0, 4);
  tb::TensorBase ro = x.as_read_only();
  EXPECT_TRUE(ro.is_read_only());
  EXPECT_FALSE(x.is_read_only());
  EXPECT_THROW(ro.fill_(1), tb::ReadOnlyError);
  EXPECT_THROW(ro.zero_(), tb::ReadOnlyError);
  EXPECT_THROW(ro.copy_(x), tb::ReadOnlyError);
  // Views of read-only memory stay read-only.
  EXPECT_THROW(ro.flip({0}).fill_(1), tb::ReadOnlyError);
  EXPECT_THROW(ro.slice(0, 1).copy_(x.slice(0, 1)), tb::ReadOnlyError);
  EXPECT_TRUE(ro.reshape({2, 2}).is_read_only());
  // The typed handle of read-only memory must be const.
  EXPECT_THROW(tb::Tensor<float>{ro}, tb::ReadOnlyError);
  tb::Tensor<const float> view(ro);
  EXPECT_EQ(view.at(3), 3.f);
  EXPECT_EQ(view.to_vector(), (std::vector<float>{0, 1, 2, 3}));
  // Copies are writable again.
  auto copy = view.clone();
  copy.fill_(5.f);
  EXPECT_EQ(x.at(0), 0.f);
  try {
    ro.fill_(1);
  } catch (const tb::ReadOnlyError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("fill_"), std::string::npos) << msg;
    EXPECT_NE(msg.find("float32"), std::string::npos) << msg;
    EXPECT_NE(msg.find("[4]"), std::string::npos) << msg;
  }
}

TEST(ReadOnly, WritableTensorConvertsToConstView) {
  auto x = tb::zeros<float>({2});
  tb::Tensor<const float> c = x;
  EXPECT_EQ(c.data(), x.data());
  x.fill_(3.f);
  EXPECT_EQ(c.at(1), 3.f);
}
