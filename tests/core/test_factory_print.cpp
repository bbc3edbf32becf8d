// Factories and PyTorch-style printing. Expected strings are what PyTorch 2.13 prints for
// the same tensors (checked by hand), with "torch." replaced by "tensorbridge.".
#include <gtest/gtest.h>

#include <cmath>
#include <sstream>
#include <string>
#include <vector>

#include "tensorbridge/tensorbridge.hpp"

namespace tb = tensorbridge;
using Shape = tb::Shape;

TEST(Factory, FillsAndShapes) {
  EXPECT_EQ(tb::zeros<int16_t>({2, 2}).to_vector(), (std::vector<int16_t>(4, 0)));
  EXPECT_EQ(tb::ones<double>({3}).to_vector(), (std::vector<double>(3, 1.0)));
  EXPECT_EQ(tb::full<float>({2}, 2.5f).to_vector(), (std::vector<float>{2.5f, 2.5f}));
  EXPECT_EQ(tb::zeros({}).dim(), 0);
  EXPECT_EQ(tb::empty({2, 0}).numel(), 0);
  auto like = tb::ones_like(tb::zeros({2, 3}, tb::DType::Int8));
  EXPECT_EQ(like.dtype(), tb::DType::Int8);
  EXPECT_EQ(like.shape(), (Shape{2, 3}));
  EXPECT_EQ(tb::full_like(like, 4).select(1, 2).select(0, 1).item().to<int>(), 4);
  EXPECT_EQ(tb::zeros_like(like).dtype(), tb::DType::Int8);
  EXPECT_EQ(tb::empty_like(like).shape(), like.shape());
}

TEST(Factory, BadShapesNameTheFactoryCalled) {
  const auto message_of = [](auto&& make) -> std::string {
    try {
      make();
    } catch (const tb::ValueError& e) {
      return e.what();
    }
    return "no error";
  };
  EXPECT_EQ(message_of([] { tb::empty({2, -1}); }), "empty: negative dimension in shape [2, -1]");
  EXPECT_EQ(message_of([] { tb::zeros({-3}); }), "zeros: negative dimension in shape [-3]");
  EXPECT_EQ(message_of([] { tb::ones({-3}); }), "ones: negative dimension in shape [-3]");
  EXPECT_EQ(message_of([] { tb::full({-3}, 1.5); }), "full: negative dimension in shape [-3]");
}

TEST(Factory, ArangeCountsLikeNumPy) {
  EXPECT_EQ(tb::arange<int64_t>(0, 5).to_vector(), (std::vector<int64_t>{0, 1, 2, 3, 4}));
  EXPECT_EQ(tb::arange<float>(1, 2, 0.25).to_vector(), (std::vector<float>{1, 1.25, 1.5, 1.75}));
  EXPECT_EQ(tb::arange<int32_t>(5, 0, -2).to_vector(), (std::vector<int32_t>{5, 3, 1}));
  EXPECT_EQ(tb::arange(3.0).dtype(), tb::DType::Int64);
  EXPECT_EQ(tb::arange<float>(0, 0).numel(), 0);
  EXPECT_THROW(tb::arange(0, 1, 0), tb::ValueError);
  EXPECT_THROW(tb::arange(0, 5, -1), tb::ValueError);
  EXPECT_THROW(tb::arange(0, INFINITY), tb::ValueError);
}

TEST(Factory, LinspaceHitsBothEnds) {
  auto l = tb::linspace<double>(0, 1, 5).to_vector();
  EXPECT_EQ(l, (std::vector<double>{0, 0.25, 0.5, 0.75, 1}));
  auto m = tb::linspace<float>(-1, 3.3f, 7).to_vector();
  EXPECT_EQ(m.front(), -1.f);
  EXPECT_EQ(m.back(), 3.3f);
  EXPECT_EQ(tb::linspace<float>(2, 9, 1).to_vector(), (std::vector<float>{2}));
  EXPECT_EQ(tb::linspace<float>(2, 9, 0).numel(), 0);
  EXPECT_THROW(tb::linspace(0, 1, -1), tb::ValueError);
}

TEST(Factory, Eye) {
  EXPECT_EQ(tb::eye<float>(2).to_vector(), (std::vector<float>{1, 0, 0, 1}));
  auto r = tb::eye<int32_t>(2, 3);
  EXPECT_EQ(r.shape(), (Shape{2, 3}));
  EXPECT_EQ(r.to_vector(), (std::vector<int32_t>{1, 0, 0, 0, 1, 0}));
  EXPECT_EQ(tb::eye<float>(0).numel(), 0);
}

TEST(Factory, NestedInitializerLists) {
  auto m = tb::tensor({{1.f, 2.f}, {3.f, 4.f}});
  EXPECT_EQ(m.shape(), (Shape{2, 2}));
  EXPECT_EQ(m.dtype(), tb::DType::Float32);
  EXPECT_EQ(m.at(1, 0), 3.f);
  auto c = tb::tensor({{{1, 2}}, {{3, 4}}, {{5, 6}}});
  EXPECT_EQ(c.shape(), (Shape{3, 1, 2}));
  EXPECT_EQ(c.dtype(), tb::DType::Int32);
  auto d4 = tb::tensor({{{{1.0}}}});
  EXPECT_EQ(d4.shape(), (Shape{1, 1, 1, 1}));
  try {
    tb::tensor({{1.f, 2.f}, {3.f}});
    FAIL();
  } catch (const tb::ValueError& e) {
    EXPECT_NE(std::string(e.what()).find("ragged"), std::string::npos) << e.what();
  }
  auto v = tb::from_vector(std::vector<int64_t>{1, 2, 3, 4, 5, 6}, {3, 2});
  EXPECT_EQ(v.at(2, 1), 6);
  EXPECT_THROW(tb::from_vector(std::vector<int64_t>{1, 2}, {3}), tb::ValueError);
  EXPECT_EQ(tb::tensor(std::vector<double>{1.5, 2.5}).at(1), 2.5);
  EXPECT_EQ(tb::scalar_tensor(tb::half(1.5f)).dtype(), tb::DType::Float16);
}

static std::string show(const tb::TensorBase& t) {
  std::ostringstream os;
  os << t;
  return os.str();
}

TEST(Print, LikePyTorch) {
  EXPECT_EQ(show(tb::tensor({{1.f, 2.f}, {3.f, 4.f}})), "tensor([[1., 2.],\n        [3., 4.]])");
  EXPECT_EQ(show(tb::tensor({1.5f, -2.25f, 100.f})), "tensor([  1.5000,  -2.2500, 100.0000])");
  EXPECT_EQ(show(tb::tensor({int64_t(1), int64_t(-20)})), "tensor([  1, -20])");
  EXPECT_EQ(show(tb::tensor({1, 2})), "tensor([1, 2], dtype=tensorbridge.int32)");
  EXPECT_EQ(show(tb::tensor({true, false})), "tensor([ True, False])");
  EXPECT_EQ(show(tb::scalar_tensor(2.5)), "tensor(2.5000, dtype=tensorbridge.float64)");
  EXPECT_EQ(show(tb::scalar_tensor(3.f)), "tensor(3.)");
  EXPECT_EQ(show(tb::zeros({0, 3})), "tensor([], size=(0, 3))");
  EXPECT_EQ(show(tb::zeros({0})), "tensor([])");
  EXPECT_EQ(show(tb::tensor({1e-5f, 1.f})), "tensor([1.0000e-05, 1.0000e+00])");
  EXPECT_EQ(show(tb::tensor({1.f, -INFINITY})), "tensor([1., -inf])");
  EXPECT_EQ(show(tb::tensor({0.1f, 0.2f}).to(tb::DType::Float16)),
            "tensor([0.1000, 0.2000], dtype=tensorbridge.float16)");
  EXPECT_EQ(show(tb::tensor({uint8_t(1), uint8_t(2)})), "tensor([1, 2], dtype=tensorbridge.uint8)");
  EXPECT_EQ(show(tb::arange(0, 2000, 1, tb::DType::Float64)),
            "tensor([0.0000e+00, 1.0000e+00, 2.0000e+00,  ..., 1.9970e+03, 1.9980e+03,\n"
            "        1.9990e+03], dtype=tensorbridge.float64)");
  EXPECT_EQ(show(tb::arange(0, 24, 1, tb::DType::Float32).reshape({2, 3, 4})),
            "tensor([[[ 0.,  1.,  2.,  3.],\n"
            "         [ 4.,  5.,  6.,  7.],\n"
            "         [ 8.,  9., 10., 11.]],\n\n"
            "        [[12., 13., 14., 15.],\n"
            "         [16., 17., 18., 19.],\n"
            "         [20., 21., 22., 23.]]])");
}

TEST(Print, WrapsLongRowsAt80Columns) {
  const std::string s = show(tb::arange(0, 100, 1, tb::DType::Float32).reshape({1, 100}));
  const std::string head =
      "tensor([[ 0.,  1.,  2.,  3.,  4.,  5.,  6.,  7.,  8.,  9., 10., 11., 12., 13.,\n"
      "         14.";
  EXPECT_EQ(s.substr(0, head.size()), head);
  for (std::size_t start = 0, nl; (nl = s.find('\n', start)) != std::string::npos; start = nl + 1) {
    EXPECT_LE(nl - start, 80u);
  }
}

TEST(Print, SummarizesLargeTensors) {
  const std::string s = show(tb::zeros({100, 100}, tb::DType::Int64));
  EXPECT_EQ(s,
            "tensor([[0, 0, 0,  ..., 0, 0, 0],\n"
            "        [0, 0, 0,  ..., 0, 0, 0],\n"
            "        [0, 0, 0,  ..., 0, 0, 0],\n"
            "        ...,\n"
            "        [0, 0, 0,  ..., 0, 0, 0],\n"
            "        [0, 0, 0,  ..., 0, 0, 0],\n"
            "        [0, 0, 0,  ..., 0, 0, 0]])");
}
