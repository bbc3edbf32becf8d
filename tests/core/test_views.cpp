// Views: shape, strides, offset and values of each; aliasing (a write through one view
// is seen by the others); zero, negative and size-1 strides; 0-d and zero-size tensors.
#include <gtest/gtest.h>

#include <vector>

#include "tensorbridge/tensorbridge.hpp"

namespace tb = tensorbridge;
using Shape = tb::Shape;

namespace {
// [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 10, 11]] as float.
tb::Tensor<float> grid() { return tb::arange<float>(0, 12).reshape({3, 4}); }
}  // namespace

TEST(Views, SliceWithSteps) {
  auto x = grid();
  auto s = x.slice(1, 1, 4, 2);  // columns 1 and 3
  EXPECT_EQ(s.shape(), (Shape{3, 2}));
  EXPECT_EQ(s.strides(), (Shape{4, 2}));
  EXPECT_EQ(s.storage_offset(), 1);
  EXPECT_EQ(s.to_vector(), (std::vector<float>{1, 3, 5, 7, 9, 11}));
  EXPECT_EQ(s.data(), x.data() + 1);
}

TEST(Views, SliceNegativeStepLikePython) {
  auto x = tb::arange<float>(0, 6);
  EXPECT_EQ(x.slice(0, std::nullopt, std::nullopt, -1).to_vector(),
            (std::vector<float>{5, 4, 3, 2, 1, 0}));
  EXPECT_EQ(x.slice(0, 4, 0, -2).to_vector(), (std::vector<float>{4, 2}));  // x[4:0:-2]
  EXPECT_EQ(x.slice(0, -1, -4, -1).to_vector(), (std::vector<float>{5, 4, 3}));
  EXPECT_EQ(x.slice(0, 100, -100, -3).to_vector(), (std::vector<float>{5, 2}));  // clamped
  auto r = x.slice(0, std::nullopt, std::nullopt, -1);
  EXPECT_EQ(r.strides(), (Shape{-1}));
  EXPECT_EQ(r.storage_offset(), 5);
  EXPECT_EQ(x.slice(0, 3, 3).numel(), 0);    // empty
  EXPECT_EQ(x.slice(0, 5, 1).numel(), 0);    // stop before start
  EXPECT_EQ(x.slice(0, -100, 100).numel(), 6);
  EXPECT_THROW(x.slice(0, 0, 3, 0), tb::ValueError);
  EXPECT_THROW(x.slice(1, 0, 3), tb::IndexError);
}

TEST(Views, SelectAndIndex) {
  auto x = grid();
  EXPECT_EQ(x.select(0, 1).to_vector(), (std::vector<float>{4, 5, 6, 7}));
  EXPECT_EQ(x.select(1, -1).to_vector(), (std::vector<float>{3, 7, 11}));
  EXPECT_EQ(x[2][3].item(), 11.f);
  EXPECT_EQ(x[2][3].dim(), 0);
  try {
    x.select(0, 3);
    FAIL();
  } catch (const tb::IndexError& e) {
    EXPECT_NE(std::string(e.what()).find("index 3 is out of bounds for dimension 0 with size 3"),
              std::string::npos)
        << e.what();
  }
  EXPECT_THROW(x[0][0].select(0, 0), tb::IndexError);  // 0-d
}

TEST(Views, Narrow) {
  auto x = grid();
  auto n = x.narrow(1, 1, 2);
  EXPECT_EQ(n.shape(), (Shape{3, 2}));
  EXPECT_EQ(n.to_vector(), (std::vector<float>{1, 2, 5, 6, 9, 10}));
  EXPECT_EQ(x.narrow(0, -1, 1).to_vector(), (std::vector<float>{8, 9, 10, 11}));
  EXPECT_THROW(x.narrow(1, 3, 2), tb::IndexError);
}

TEST(Views, TransposePermuteT) {
  auto x = grid();
  auto t = x.t();
  EXPECT_EQ(t.shape(), (Shape{4, 3}));
  EXPECT_EQ(t.strides(), (Shape{1, 4}));
  EXPECT_FALSE(t.is_contiguous());
  EXPECT_EQ(t.at(3, 2), 11.f);
  auto y = tb::arange<float>(0, 24).reshape({2, 3, 4});
  auto p = y.permute({2, 0, 1});
  EXPECT_EQ(p.shape(), (Shape{4, 2, 3}));
  EXPECT_EQ(p.strides(), (Shape{1, 12, 4}));
  EXPECT_EQ(p.at(3, 1, 2), y.at(1, 2, 3));
  EXPECT_THROW(y.permute({0, 0, 1}), tb::ValueError);
  EXPECT_THROW(y.permute({0, 1}), tb::ValueError);
  EXPECT_THROW(y.t(), tb::ValueError);
  EXPECT_EQ(y.transpose(-1, 0).shape(), (Shape{4, 3, 2}));
  EXPECT_EQ(y.mT().shape(), (Shape{2, 4, 3}));
  EXPECT_EQ(y.movedim(0, 2).shape(), (Shape{3, 4, 2}));
  EXPECT_EQ(tb::arange<float>(0, 3).t().shape(), (Shape{3}));
}

TEST(Views, ViewSucceedsOnlyWhenStridesAllow) {
  auto x = grid();
  auto v = x.view({2, -1});
  EXPECT_EQ(v.shape(), (Shape{2, 6}));
  EXPECT_EQ(v.data(), x.data());
  // A transposed tensor cannot be flattened without a copy.
  try {
    x.t().view({12});
    FAIL();
  } catch (const tb::ValueError& e) {
    EXPECT_NE(std::string(e.what()).find("reshape"), std::string::npos) << e.what();
  }
  // ... but splitting a dimension of a transposed tensor is fine.
  auto split = x.t().view({2, 2, 3});
  EXPECT_EQ(split.strides(), (Shape{2, 1, 4}));
  EXPECT_EQ(split.data(), x.data());
  // Size-1 dimensions with odd strides do not block a view.
  auto odd = x.slice(0, 0, 1).as_strided({1, 4}, {100, 1});
  EXPECT_EQ(odd.view({4}).strides(), (Shape{1}));
  EXPECT_THROW(x.view({5, -1}), tb::ValueError);
  EXPECT_THROW(x.view({-1, -1}), tb::ValueError);
  EXPECT_THROW(x.view({13}), tb::ValueError);
}

TEST(Views, ReshapeCopiesOnlyWhenNeeded) {
  auto x = grid();
  auto same = x.reshape({4, 3});
  EXPECT_EQ(same.data(), x.data());
  auto copied = x.t().reshape({12});
  EXPECT_NE(copied.data(), x.data());
  EXPECT_EQ(copied.to_vector(), (std::vector<float>{0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11}));
  EXPECT_EQ(tb::zeros<float>({0, 4}).reshape({-1, 2, 2}).shape(), (Shape{0, 2, 2}));
  EXPECT_EQ(tb::scalar_tensor(2.f).reshape({1, 1}).shape(), (Shape{1, 1}));
  EXPECT_EQ(tb::ones<float>({1, 1}).reshape({}).dim(), 0);
}

TEST(Views, FlattenUnflatten) {
  auto y = tb::arange<float>(0, 24).reshape({2, 3, 4});
  EXPECT_EQ(y.flatten().shape(), (Shape{24}));
  EXPECT_EQ(y.flatten(1).shape(), (Shape{2, 12}));
  EXPECT_EQ(y.flatten(0, 1).shape(), (Shape{6, 4}));
  EXPECT_EQ(tb::scalar_tensor(1.f).flatten().shape(), (Shape{1}));
  EXPECT_EQ(y.unflatten(2, {2, -1}).shape(), (Shape{2, 3, 2, 2}));
  EXPECT_THROW(y.flatten(2, 0), tb::ValueError);
}

TEST(Views, ExpandUsesZeroStrides) {
  auto col = tb::tensor({{1.f}, {2.f}, {3.f}});
  auto e = col.expand({2, 3, 4});
  EXPECT_EQ(e.shape(), (Shape{2, 3, 4}));
  EXPECT_EQ(e.strides(), (Shape{0, 1, 0}));
  EXPECT_EQ(e.at(1, 2, 3), 3.f);
  EXPECT_EQ(col.expand({-1, 2}).shape(), (Shape{3, 2}));
  EXPECT_EQ(tb::scalar_tensor(5.f).broadcast_to({2, 2}).to_vector(), (std::vector<float>(4, 5.f)));
  try {
    col.expand({3, 2, 2});
    FAIL();
  } catch (const tb::ValueError& e2) {
    EXPECT_NE(std::string(e2.what()).find("non-singleton dimension 1"), std::string::npos)
        << e2.what();
  }
  EXPECT_THROW(col.expand({2}), tb::ValueError);
  EXPECT_THROW(col.expand({-1, 3, 2}), tb::ValueError);
}

TEST(Views, SqueezeUnsqueeze) {
  auto x = tb::zeros<float>({1, 3, 1, 2});
  EXPECT_EQ(x.squeeze().shape(), (Shape{3, 2}));
  EXPECT_EQ(x.squeeze(2).shape(), (Shape{1, 3, 2}));
  EXPECT_EQ(x.squeeze(1).shape(), (Shape{1, 3, 1, 2}));  // not size 1: unchanged
  auto g = grid();
  EXPECT_EQ(g.unsqueeze(0).shape(), (Shape{1, 3, 4}));
  EXPECT_EQ(g.unsqueeze(-1).shape(), (Shape{3, 4, 1}));
  EXPECT_EQ(g.unsqueeze(1).strides(), (Shape{4, 4, 1}));
  EXPECT_THROW(g.unsqueeze(3), tb::IndexError);
  EXPECT_EQ(tb::scalar_tensor(1.f).unsqueeze(0).shape(), (Shape{1}));
}

TEST(Views, FlipIsANegativeStrideView) {
  auto x = grid();
  auto f = x.flip({0, 1});
  EXPECT_EQ(f.strides(), (Shape{-4, -1}));
  EXPECT_EQ(f.storage_offset(), 11);
  EXPECT_EQ(f.at(0, 0), 11.f);
  EXPECT_EQ(f.at(2, 3), 0.f);
  EXPECT_EQ(x.flip({1}).to_vector(), (std::vector<float>{3, 2, 1, 0, 7, 6, 5, 4, 11, 10, 9, 8}));
  EXPECT_EQ(f.flip({0, 1}).to_vector(), x.to_vector());
  EXPECT_THROW(x.flip({1, -1}), tb::ValueError);
  EXPECT_EQ(tb::zeros<float>({0, 2}).flip({0}).numel(), 0);
}

TEST(Views, Diagonal) {
  auto x = grid();
  EXPECT_EQ(x.diagonal().to_vector(), (std::vector<float>{0, 5, 10}));
  EXPECT_EQ(x.diagonal(1).to_vector(), (std::vector<float>{1, 6, 11}));
  EXPECT_EQ(x.diagonal(-1).to_vector(), (std::vector<float>{4, 9}));
  EXPECT_EQ(x.diagonal(10).numel(), 0);
  auto y = tb::arange<float>(0, 24).reshape({2, 3, 4});
  auto d = y.diagonal(0, 0, 2);  // shape [3, 2]: remaining dim then the diagonal
  EXPECT_EQ(d.shape(), (Shape{3, 2}));
  EXPECT_EQ(d.at(1, 1), y.at(1, 1, 1));
  EXPECT_THROW(x.diagonal(0, 1, 1), tb::ValueError);
}

TEST(Views, AsStridedIsBoundsChecked) {
  auto x = tb::arange<float>(0, 6);
  auto w = x.as_strided({4, 3}, {1, 1});  // sliding windows
  EXPECT_EQ(w.at(3, 2), 5.f);
  auto back = x.as_strided({3}, {-2}, 5);
  EXPECT_EQ(back.to_vector(), (std::vector<float>{5, 3, 1}));
  EXPECT_THROW(x.as_strided({4, 3}, {1, 2}), tb::IndexError);
  EXPECT_THROW(x.as_strided({2}, {-1}, 0), tb::IndexError);
  EXPECT_THROW(x.as_strided({2}, {1, 1}), tb::ValueError);
  EXPECT_EQ(x.as_strided({0, 100}, {1000, 1000}).numel(), 0);  // zero-size: any strides
}

TEST(Views, AliasingWritesAreSeenEverywhere) {
  auto x = grid();
  auto t = x.t();
  auto row = x.select(0, 1);
  auto f = x.flip({1});
  auto d = x.diagonal();
  t.at(1, 1) = 100.f;  // x[1][1]
  EXPECT_EQ(x.at(1, 1), 100.f);
  EXPECT_EQ(row.at(1), 100.f);
  EXPECT_EQ(f.at(1, 2), 100.f);
  EXPECT_EQ(d.at(1), 100.f);
  row.fill_(-1.f);
  EXPECT_EQ(x.to_vector()[4], -1.f);
  EXPECT_EQ(x.to_vector()[7], -1.f);
  EXPECT_EQ(t.at(3, 1), -1.f);
  // Views share the version counter, so autograd sees writes through any alias.
  EXPECT_EQ(x.version(), row.version());
}

TEST(Views, ZeroDimAndZeroSize) {
  auto s = tb::scalar_tensor(3.5f);
  EXPECT_EQ(s.dim(), 0);
  EXPECT_EQ(s.numel(), 1);
  EXPECT_TRUE(s.is_contiguous());
  EXPECT_EQ(s.item(), 3.5f);
  EXPECT_EQ(s.transpose(0, -1).item(), 3.5f);
  EXPECT_EQ(s.squeeze(0).dim(), 0);
  auto e = tb::zeros<float>({2, 0, 3});
  EXPECT_EQ(e.numel(), 0);
  EXPECT_TRUE(e.is_contiguous());
  EXPECT_EQ(e.transpose(0, 2).numel(), 0);
  EXPECT_EQ(e.permute({2, 0, 1}).shape(), (Shape{3, 2, 0}));
  EXPECT_TRUE(e.permute({2, 0, 1}).is_contiguous());  // zero-size counts as contiguous
  EXPECT_EQ(e.select(1 - 1, 1).shape(), (Shape{0, 3}));
  EXPECT_TRUE(e.clone().to_vector().empty());
}

TEST(Views, ContiguityIgnoresSize1Strides) {
  auto x = tb::zeros<float>({3, 1, 4});
  auto odd = x.as_strided({3, 1, 4}, {4, 77, 1});
  EXPECT_TRUE(odd.is_contiguous());
  EXPECT_FALSE(x.slice(2, 0, 4, 2).is_contiguous());
}

TEST(Views, TypedAccess) {
  auto x = grid();
  EXPECT_EQ(x(2, 1), 9.f);
  EXPECT_THROW(x.at(3, 0), tb::IndexError);
  EXPECT_THROW(x.at(0), tb::IndexError);
  auto acc = x.t().accessor<2>();
  float sum = 0;
  for (int64_t i = 0; i < acc.size(0); ++i) {
    for (int64_t j = 0; j < acc.size(1); ++j) sum += acc(i, j) * float(j);
  }
  EXPECT_EQ(sum, 0 * (0 + 1 + 2 + 3) + 1 * (4 + 5 + 6 + 7) + 2 * (8 + 9 + 10 + 11));
  EXPECT_THROW(x.accessor<3>(), tb::ValueError);
  tb::TensorBase base = x;
  EXPECT_THROW(base.as<double>(), tb::TypeError);
  try {
    tb::Tensor<int32_t> wrong(base);
    FAIL();
  } catch (const tb::TypeError& e) {
    EXPECT_NE(std::string(e.what()).find("expected a tensor of dtype int32 but got dtype float32"),
              std::string::npos)
        << e.what();
  }
  tb::Tensor<float> back = base.as<float>();
  EXPECT_EQ(back.data(), x.data());
}
