// Indexing with tensors: index_select, gather, scatter, index_add, masked_fill/select,
// nonzero and NumPy advanced indexing (index / index_put_). Expected values are worked out
// by hand (NumPy/PyTorch equivalents in the comments) or from element-wise definitions
// evaluated here with at().
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "tensorbridge/tensorbridge.hpp"
#include "test_ops_util.hpp"

namespace tb = tensorbridge;
using tb::DType;
using tb::TensorBase;

using tbtest::vec;
using tbtest::expect_error;
using tbtest::arange_shaped;

namespace {

TensorBase idx(std::initializer_list<int64_t> v) { return tb::tensor<int64_t>(v); }

}  // namespace

// ---- index_select ---------------------------------------------------------------------

TEST(IndexSelect, PicksSlicesInIndexOrder) {
  const TensorBase x = arange_shaped({3, 4});  // [[0..3], [4..7], [8..11]]
  const TensorBase rows = tb::index_select(x, 0, idx({2, 0, 2}));
  EXPECT_EQ(rows.shape(), (tb::Shape{3, 4}));
  EXPECT_EQ(vec(rows), (std::vector<int64_t>{8, 9, 10, 11, 0, 1, 2, 3, 8, 9, 10, 11}));
  const TensorBase cols = x.index_select(-1, tb::tensor<int32_t>({3, 1}));
  EXPECT_EQ(cols.shape(), (tb::Shape{3, 2}));
  EXPECT_EQ(vec(cols), (std::vector<int64_t>{3, 1, 7, 5, 11, 9}));
}

TEST(IndexSelect, StridedSelfAndIndex) {
  const TensorBase x = arange_shaped({3, 4}, DType::Float32).t();  // [4, 3], transposed
  const TensorBase index = idx({3, 9, 0, 9, 1}).slice(0, 0, 5, 2);  // [3, 0, 1]
  const TensorBase out = x.index_select(0, index);
  ASSERT_EQ(out.shape(), (tb::Shape{3, 3}));
  const auto xa = x.as<float>();
  const auto oa = out.as<float>();
  const int64_t picked[] = {3, 0, 1};
  for (int64_t i = 0; i < 3; ++i) {
    for (int64_t j = 0; j < 3; ++j) EXPECT_EQ(oa.at(i, j), xa.at(picked[i], j));
  }
  const TensorBase flipped = x.flip({0, 1}).index_select(1, idx({0}));
  EXPECT_EQ(vec<float>(flipped), (std::vector<float>{11, 10, 9, 8}));
}

TEST(IndexSelect, EmptyAndZeroDimensional) {
  const TensorBase x = arange_shaped({3, 4});
  EXPECT_EQ(x.index_select(1, tb::empty({0}, DType::Int64)).shape(), (tb::Shape{3, 0}));
  EXPECT_EQ(x.index_select(0, tb::scalar_tensor<int64_t>(1)).shape(), (tb::Shape{1, 4}));
  const TensorBase s = tb::scalar_tensor<double>(2.5);
  const TensorBase picked = s.index_select(0, idx({0}));
  EXPECT_EQ(picked.dim(), 0);
  EXPECT_EQ(picked.item<double>(), 2.5);
}

TEST(IndexSelect, BadIndices) {
  const TensorBase x = arange_shaped({3, 4});
  expect_error<tb::IndexError>([&] { x.index_select(0, idx({0, 3})); },
                               "index_select: index 3 is out of bounds for dimension 0 with size 3");
  // PyTorch does not wrap negative indices here.
  expect_error<tb::IndexError>([&] { x.index_select(1, idx({-1})); },
                               "index_select: index -1 is out of bounds for dimension 1 with size 4");
  expect_error<tb::TypeError>([&] { x.index_select(0, tb::zeros({1})); },
                              "index_select: expected index to be an int64 or int32 tensor, but "
                              "got float32 (shape [1])");
  expect_error<tb::ValueError>([&] { x.index_select(0, tb::zeros({1, 1}, DType::Int64)); },
                               "index_select: index must be 0-D or 1-D, but got shape [1, 1]");
  expect_error<tb::IndexError>([&] { x.index_select(2, idx({0})); },
                               "index_select: dimension out of range");
}

// ---- gather / scatter -------------------------------------------------------------------

TEST(Gather, FollowsTheDefinition) {
  // torch.gather(torch.tensor([[1, 2], [3, 4]]), 1, torch.tensor([[0, 0], [1, 0]]))
  //   == [[1, 1], [4, 3]]
  const auto t = tb::tensor<int64_t>({{1, 2}, {3, 4}});
  const auto i = tb::tensor<int64_t>({{0, 0}, {1, 0}});
  EXPECT_EQ(vec(tb::gather(t, 1, i)), (std::vector<int64_t>{1, 1, 4, 3}));
  // Along dim 0 with an index smaller than self outside `dim`: out[i][j] = x[idx[i][j]][j].
  const TensorBase x = arange_shaped({4, 5}, DType::Float64).t().contiguous().t();  // col-major
  const auto index = tb::tensor<int32_t>({{3, 0, 1}, {2, 2, 0}});
  const TensorBase out = x.gather(0, index);
  ASSERT_EQ(out.shape(), (tb::Shape{2, 3}));
  for (int64_t a = 0; a < 2; ++a) {
    for (int64_t b = 0; b < 3; ++b) {
      EXPECT_EQ(out.as<double>().at(a, b), x.as<double>().at(index.at(a, b), b));
    }
  }
}

TEST(Gather, BadIndices) {
  const auto t = tb::tensor<int64_t>({{1, 2}, {3, 4}});
  expect_error<tb::IndexError>([&] { t.gather(1, tb::tensor<int64_t>({{0, 2}})); },
                               "gather: index 2 is out of bounds for dimension 1 with size 2");
  expect_error<tb::IndexError>([&] { t.gather(0, tb::tensor<int64_t>({{-1}})); },
                               "gather: index -1 is out of bounds for dimension 0 with size 2");
  expect_error<tb::ValueError>([&] { t.gather(0, idx({0})); },
                               "gather: index must have the same number of dimensions as self");
  expect_error<tb::ValueError>([&] { t.gather(0, tb::zeros({1, 3}, DType::Int64)); },
                               "gather: index of shape [1, 3] is larger than self of shape "
                               "[2, 2] at dimension 1");
}

TEST(Scatter, WritesSourceAtIndexedPositions) {
  // torch docs: torch.zeros(3, 5).scatter_(0, torch.tensor([[0, 1, 2, 0]]),
  //   torch.arange(1, 11).reshape(2, 5)) == [[1, 0, 0, 4, 0], [0, 2, 0, 0, 0], [0, 0, 3, 0, 0]]
  const TensorBase src = tb::arange(1, 11, 1, DType::Float32).reshape({2, 5});
  const TensorBase z = tb::zeros({3, 5});
  const uint64_t v0 = z.version();
  const TensorBase& r = z.scatter_(0, tb::tensor<int64_t>({{0, 1, 2, 0}}), src);
  EXPECT_TRUE(r.is_same(z));
  EXPECT_GT(z.version(), v0);
  EXPECT_EQ(vec<float>(z), (std::vector<float>{1, 0, 0, 4, 0, 0, 2, 0, 0, 0, 0, 0, 3, 0, 0}));
  // Out of place leaves self alone; a scalar value fills.
  const TensorBase ones = tb::ones({2, 3}, DType::Int32);
  const TensorBase filled = ones.scatter(1, tb::tensor<int64_t>({{2}, {0}}), 7);
  EXPECT_EQ(vec<int32_t>(filled), (std::vector<int32_t>{1, 1, 7, 7, 1, 1}));
  EXPECT_EQ(vec<int32_t>(ones), std::vector<int32_t>(6, 1));
  // Repeated indices: the last in row-major order wins.
  EXPECT_EQ(vec(tb::scatter(tb::zeros({2}, DType::Int64), 0, idx({1, 1, 1}), idx({5, 6, 7}))),
            (std::vector<int64_t>{0, 7}));
}

TEST(Scatter, AddAccumulatesRepeatedIndices) {
  // torch.tensor([1, 2, 3]).scatter_add(0, torch.tensor([0, 0]), torch.tensor([5, 6]))
  //   == [12, 2, 3]
  EXPECT_EQ(vec(tb::scatter_add(idx({1, 2, 3}), 0, idx({0, 0}), idx({5, 6}))),
            (std::vector<int64_t>{12, 2, 3}));
  // Along dim 1 of a transposed, float16 tensor.
  const TensorBase h = tb::zeros({3, 2}, DType::Float16).t();  // [2, 3]
  h.scatter_add_(1, tb::tensor<int64_t>({{2, 2, 0}}),
                 tb::tensor<float>({{1.5f, 2.0f, 4.0f}}).to(DType::Float16));
  EXPECT_EQ(vec<float>(h.to(DType::Float32)), (std::vector<float>{4, 0, 3.5f, 0, 0, 0}));
  // Integers wrap.
  const TensorBase i8 = tb::full({1}, 120, DType::Int8);
  i8.scatter_add_(0, idx({0}), tb::full({1}, 10, DType::Int8));
  EXPECT_EQ(i8.item<int>(), -126);
}

TEST(Scatter, OverlappingSourceIsReadBeforeWriting) {
  // Shift right by one through scatter_ with src aliasing self: each write must see the
  // original values.
  const TensorBase x = idx({1, 2, 3, 4});
  x.scatter_(0, idx({1, 2, 3}), x.slice(0, 0, 3));
  EXPECT_EQ(vec(x), (std::vector<int64_t>{1, 1, 2, 3}));
}

TEST(Scatter, BadInputs) {
  const TensorBase z = tb::zeros({2, 3});
  expect_error<tb::IndexError>([&] { z.scatter_(0, tb::tensor<int64_t>({{2}}), 1.0); },
                               "scatter_: index 2 is out of bounds for dimension 0 with size 2");
  expect_error<tb::TypeError>([&] { z.scatter_(0, tb::tensor<int64_t>({{0}}), tb::ones({1, 1}, DType::Float64)); },
                              "scatter_: expected self and src to have the same dtype, but got "
                              "float32 and float64");
  expect_error<tb::ValueError>([&] { z.scatter_(0, tb::zeros({1, 2}, DType::Int64), tb::ones({1, 1})); },
                               "scatter_: index of shape [1, 2] is larger than src of shape [1, 1]");
  expect_error<tb::TypeError>([&] { z.scatter_add_(0, tb::zeros({1, 1}), tb::ones({1, 1})); },
                              "scatter_add_: expected index to be an int64 or int32 tensor");
  expect_error<tb::ReadOnlyError>(
      [&] { z.as_read_only().scatter_(0, tb::zeros({1, 1}, DType::Int64), 1.0); }, "scatter_");
  EXPECT_EQ(vec<float>(z), std::vector<float>(6, 0.0f));  // nothing was written
}

TEST(IndexAdd, AddsScaledSlices) {
  // torch docs: torch.ones(5, 3).index_add_(0, torch.tensor([0, 4, 2]),
  //   torch.tensor([[1, 2, 3], [4, 5, 6], [7, 8, 9]], dtype=torch.float))
  //   == [[2, 3, 4], [1, 1, 1], [8, 9, 10], [1, 1, 1], [5, 6, 7]]
  const TensorBase x = tb::ones({5, 3});
  const TensorBase t = tb::tensor<float>({{1, 2, 3}, {4, 5, 6}, {7, 8, 9}});
  x.index_add_(0, idx({0, 4, 2}), t);
  EXPECT_EQ(vec<float>(x), (std::vector<float>{2, 3, 4, 1, 1, 1, 8, 9, 10, 1, 1, 1, 5, 6, 7}));
  // alpha, repeated indices and dim 1; out of place.
  const TensorBase y = tb::index_add(tb::zeros({2, 2}, DType::Int64), 1, idx({1, 1, 0}),
                                     tb::tensor<int64_t>({{1, 2, 3}, {4, 5, 6}}), 10);
  EXPECT_EQ(vec(y), (std::vector<int64_t>{30, 30, 60, 90}));
  expect_error<tb::IndexError>([&] { x.index_add_(0, idx({5}), t.slice(0, 0, 1)); },
                               "index_add_: index 5 is out of bounds for dimension 0 with size 5");
  expect_error<tb::ValueError>([&] { x.index_add_(0, idx({0, 1}), t); },
                               "index_add_: source of shape [3, 3] does not match self of shape "
                               "[5, 3] with 2 indices along dimension 0");
}

// ---- masks ------------------------------------------------------------------------------

TEST(MaskedFill, BroadcastsTheMask) {
  const TensorBase x = arange_shaped({2, 3}, DType::Float32);
  const auto mask = tb::tensor<bool>({true, false, true});
  const TensorBase y = x.masked_fill(mask, -1.0);
  EXPECT_EQ(vec<float>(y), (std::vector<float>{-1, 1, -1, -1, 4, -1}));
  EXPECT_EQ(vec<float>(x), (std::vector<float>{0, 1, 2, 3, 4, 5}));
  // In place, on a transposed view.
  const TensorBase xt = x.t();  // [3, 2]
  xt.masked_fill_(tb::tensor<bool>({{false, true}, {false, false}, {true, false}}), 9.0);
  EXPECT_EQ(vec<float>(x), (std::vector<float>{0, 1, 9, 9, 4, 5}));
  // Out of place broadcasts self against the mask too; a 0-d mask fills everything.
  const TensorBase row = idx({1, 2, 3});
  EXPECT_EQ(tb::masked_fill(row, tb::tensor<bool>({{true}, {false}}), 0).shape(),
            (tb::Shape{2, 3}));
  EXPECT_EQ(vec(tb::masked_fill(row, tb::scalar_tensor<bool>(true), 7)),
            (std::vector<int64_t>{7, 7, 7}));
}

TEST(MaskedFill, BadMasks) {
  const TensorBase x = tb::zeros({2, 3});
  expect_error<tb::TypeError>([&] { x.masked_fill_(tb::ones({3}, DType::UInt8), 1.0); },
                              "masked_fill_: expected a bool mask, but got a mask of dtype uint8");
  expect_error<tb::ValueError>([&] { x.masked_fill_(tb::ones({2}, DType::Bool), 1.0); },
                               "masked_fill_: mask of shape [2] cannot be broadcast to the "
                               "tensor's shape [2, 3]");
  expect_error<tb::ValueError>([&] { x.masked_fill(tb::ones({4}, DType::Bool), 1.0); },
                               "masked_fill: self of shape [2, 3] and mask of shape [4] cannot "
                               "be broadcast together");
}

TEST(MaskedSelect, RowMajorOrderOfTheLogicalShape) {
  // np.array([[1, 2], [3, 4]])[np.array([[True, False], [False, True]])] == [1, 4]
  const auto x = tb::tensor<int64_t>({{1, 2}, {3, 4}});
  EXPECT_EQ(vec(x.masked_select(tb::tensor<bool>({{true, false}, {false, true}}))),
            (std::vector<int64_t>{1, 4}));
  // Transposed input [[1, 3], [2, 4]]: still row-major of what you see.
  EXPECT_EQ(vec(x.t().masked_select(tb::tensor<bool>({{true, true}, {true, false}}))),
            (std::vector<int64_t>{1, 3, 2}));
  // Broadcast mask.
  EXPECT_EQ(vec(x.masked_select(tb::tensor<bool>({false, true}))), (std::vector<int64_t>{2, 4}));
  EXPECT_EQ(x.masked_select(tb::zeros({2, 2}, DType::Bool)).shape(), (tb::Shape{0}));
}

TEST(Nonzero, CoordinatesInRowMajorOrder) {
  // np.argwhere([[0, 1], [2, 0]]) == [[0, 1], [1, 0]]
  const auto x = tb::tensor<int64_t>({{0, 1}, {2, 0}});
  const TensorBase nz = x.nonzero();
  EXPECT_EQ(nz.shape(), (tb::Shape{2, 2}));
  EXPECT_EQ(nz.dtype(), DType::Int64);
  EXPECT_EQ(vec(nz), (std::vector<int64_t>{0, 1, 1, 0}));
  const auto parts = x.nonzero_tuple();
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_EQ(vec(parts[0]), (std::vector<int64_t>{0, 1}));
  EXPECT_EQ(vec(parts[1]), (std::vector<int64_t>{1, 0}));
  // NaN and -0.0: NaN is nonzero, -0.0 is zero.
  const auto f = tb::tensor<double>({-0.0, std::nan(""), 0.5});
  EXPECT_EQ(vec(tb::nonzero(f)), (std::vector<int64_t>{1, 2}));
  // 0-d: [1, 0] or [0, 0]; as a tuple, one index per (1-D) dimension.
  EXPECT_EQ(tb::nonzero(tb::scalar_tensor<int>(5)).shape(), (tb::Shape{1, 0}));
  EXPECT_EQ(tb::nonzero(tb::scalar_tensor<int>(0)).shape(), (tb::Shape{0, 0}));
  EXPECT_EQ(vec(tb::nonzero_tuple(tb::scalar_tensor<int>(5)).at(0)), (std::vector<int64_t>{0}));
  // Strided input.
  const TensorBase big = arange_shaped({3, 4}).t().slice(0, 0, 4, 2);  // [[0, 4, 8], [2, 6, 10]]
  EXPECT_EQ(vec(big.nonzero()), (std::vector<int64_t>{0, 1, 0, 2, 1, 0, 1, 1, 1, 2}));
}

// ---- advanced indexing -------------------------------------------------------------------

TEST(AdvancedIndex, IntegerArraysFollowNumPyPlacement) {
  const TensorBase x = arange_shaped({2, 3, 4});
  // x[[1, 0]]: whole blocks, in index order.
  const TensorBase a = x.index({idx({1, 0})});
  EXPECT_EQ(a.shape(), (tb::Shape{2, 3, 4}));
  EXPECT_EQ(vec(a.select(0, 0)), vec(x.select(0, 1)));
  // x[:, [0, 2], [1, 3]]: adjacent indices stay in place: np gives [[1, 11], [13, 23]].
  const TensorBase b = x.index({std::nullopt, idx({0, 2}), idx({1, 3})});
  EXPECT_EQ(b.shape(), (tb::Shape{2, 2}));
  EXPECT_EQ(vec(b), (std::vector<int64_t>{1, 11, 13, 23}));
  // x[[0, 1], :, [1, 2]]: separated by a slice, the index dimension goes first:
  // np gives [[1, 5, 9], [14, 18, 22]].
  const TensorBase c = x.index({idx({0, 1}), std::nullopt, idx({1, 2})});
  EXPECT_EQ(c.shape(), (tb::Shape{2, 3}));
  EXPECT_EQ(vec(c), (std::vector<int64_t>{1, 5, 9, 14, 18, 22}));
  // x[[[0], [1]], :, [1, 2]]: indices broadcast to [2, 2]; result [2, 2, 3] with
  // r[i][j][k] = x[i][k][[1, 2][j]].
  const TensorBase d = x.index({tb::tensor<int64_t>({{0}, {1}}), std::nullopt, idx({1, 2})});
  ASSERT_EQ(d.shape(), (tb::Shape{2, 2, 3}));
  for (int64_t i = 0; i < 2; ++i) {
    for (int64_t j = 0; j < 2; ++j) {
      for (int64_t k = 0; k < 3; ++k) {
        EXPECT_EQ(d.as<int64_t>().at(i, j, k), x.as<int64_t>().at(i, k, j + 1));
      }
    }
  }
  // Negative indices wrap; int32 works; a 0-d index drops the dimension.
  EXPECT_EQ(vec(x.index({idx({-1})})), vec(x.index({idx({1})})));
  EXPECT_EQ(x.index({std::nullopt, tb::tensor<int32_t>({2})}).shape(), (tb::Shape{2, 1, 4}));
  EXPECT_EQ(x.index({tb::scalar_tensor<int64_t>(1), tb::scalar_tensor<int64_t>(2)}).shape(),
            (tb::Shape{4}));
}

TEST(AdvancedIndex, BoolMasks) {
  const TensorBase x = arange_shaped({2, 3, 4});
  // A mask over the first dimension: x[[False, True]] has shape [1, 3, 4].
  const TensorBase a = x.index({tb::tensor<bool>({false, true})});
  EXPECT_EQ(a.shape(), (tb::Shape{1, 3, 4}));
  EXPECT_EQ(vec(a), vec(x.select(0, 1).reshape({-1})));
  // A mask over two dimensions: x[m] is [count, 4].
  const auto m = tb::tensor<bool>({{true, false, false}, {false, false, true}});
  const TensorBase b = x.index({m});
  EXPECT_EQ(b.shape(), (tb::Shape{2, 4}));
  EXPECT_EQ(vec(b), (std::vector<int64_t>{0, 1, 2, 3, 20, 21, 22, 23}));
  // Mask on the last dimension after a slice: x[:, :, [T, F, F, T]] is [2, 3, 2].
  const TensorBase c = x.index({std::nullopt, std::nullopt, tb::tensor<bool>({true, false, false, true})});
  EXPECT_EQ(c.shape(), (tb::Shape{2, 3, 2}));
  EXPECT_EQ(vec(c.select(0, 1).select(0, 2)), (std::vector<int64_t>{20, 23}));
  // An all-false mask gives an empty result.
  EXPECT_EQ(x.index({tb::zeros({2}, DType::Bool)}).shape(), (tb::Shape{0, 3, 4}));
}

TEST(AdvancedIndex, ResultsAreCopiesOfAnyLayout) {
  const TensorBase x = arange_shaped({4, 5}, DType::Float64);
  const TensorBase view = x.t().flip({0});  // [5, 4], negative stride
  const TensorBase r = view.index({idx({0, 4}), idx({1, 1})});
  // view[0][1] = x[1][4] = 9, view[4][1] = x[1][0] = 5
  EXPECT_EQ(vec<double>(r), (std::vector<double>{9, 5}));
  r.fill_(-1.0);
  EXPECT_EQ(x.as<double>().at(1, 4), 9.0);
  // No index tensor at all: a copy of the whole tensor.
  const TensorBase all = x.index({std::nullopt});
  EXPECT_NE(all.data_ptr(), x.data_ptr());
  EXPECT_EQ(vec<double>(all), vec<double>(x));
}

TEST(AdvancedIndex, BadIndices) {
  const TensorBase x = arange_shaped({2, 3});
  expect_error<tb::IndexError>([&] { x.index({idx({0, 2})}); },
                               "index: index 2 is out of bounds for dimension 0 with size 2");
  expect_error<tb::IndexError>([&] { x.index({std::nullopt, idx({-4})}); },
                               "index: index -4 is out of bounds for dimension 1 with size 3");
  expect_error<tb::TypeError>([&] { x.index({tb::zeros({1})}); },
                              "index: tensors used as indices must be int64, int32, bool or uint8 "
                              "tensors, but got float32");
  expect_error<tb::IndexError>([&] { x.index({tb::ones({3}, DType::Bool)}); },
                               "index: the shape of the mask [3] at index 0 does not match the "
                               "shape of the indexed tensor [2, 3] at index 0");
  expect_error<tb::IndexError>([&] { x.index({idx({0}), idx({0}), idx({0})}); },
                               "index: too many indices for tensor of dimension 2");
  expect_error<tb::IndexError>([&] { x.index({idx({0, 1}), idx({0, 1, 2})}); },
                               "index: shape mismatch: indexing tensors could not be broadcast "
                               "together with shapes [2] and [3]");
}

TEST(IndexPut, AssignsAndAccumulates) {
  // x[[0, 2]] = [[1], [2]] broadcast over the rows.
  const TensorBase x = tb::zeros({3, 2}, DType::Int64);
  x.index_put_({idx({0, 2})}, tb::tensor<int64_t>({{1}, {2}}));
  EXPECT_EQ(vec(x), (std::vector<int64_t>{1, 1, 0, 0, 2, 2}));
  // accumulate: repeated indices all add (torch.index_put_(..., accumulate=True)).
  const TensorBase z = tb::zeros({3}, DType::Float32);
  z.index_put_({idx({0, 0, 2})}, tb::tensor<float>({1, 2, 3}), true);
  EXPECT_EQ(vec<float>(z), (std::vector<float>{3, 0, 3}));
  // Without accumulate, the last repeated index wins.
  z.index_put_({idx({1, 1})}, tb::tensor<float>({5, 6}));
  EXPECT_EQ(z.as<float>().at(1), 6.0f);
  // Mask assignment (x[x > 2] = 0) through a view with separated indices.
  const TensorBase y = arange_shaped({2, 3, 4});
  y.index_put_({idx({0, 1}), std::nullopt, idx({3, 0})}, tb::scalar_tensor<int64_t>(-1));
  EXPECT_EQ(y.as<int64_t>().at(0, 2, 3), -1);
  EXPECT_EQ(y.as<int64_t>().at(1, 1, 0), -1);
  EXPECT_EQ(y.as<int64_t>().at(1, 1, 3), 19);
  const TensorBase w = arange_shaped({2, 2});
  w.index_put_({tb::tensor<bool>({{false, true}, {true, true}})}, idx({7, 8, 9}));
  EXPECT_EQ(vec(w), (std::vector<int64_t>{0, 7, 8, 9}));
  // Out of place.
  const TensorBase v = tb::index_put(w, {idx({0})}, tb::scalar_tensor<int64_t>(5));
  EXPECT_EQ(vec(v), (std::vector<int64_t>{5, 5, 8, 9}));
  EXPECT_EQ(vec(w), (std::vector<int64_t>{0, 7, 8, 9}));
}

TEST(IndexPut, BadInputs) {
  const TensorBase x = tb::zeros({3, 2});
  expect_error<tb::TypeError>([&] { x.index_put_({idx({0})}, tb::ones({2}, DType::Float64)); },
                              "index_put_: expected values to have the dtype of self, but got "
                              "float64 and float32");
  expect_error<tb::ValueError>([&] { x.index_put_({idx({0, 1})}, tb::ones({3})); },
                               "index_put_: values of shape [3] cannot be broadcast to the "
                               "indexed shape [2, 2]");
  expect_error<tb::IndexError>([&] { x.index_put_({idx({3})}, tb::ones({2})); },
                               "index_put_: index 3 is out of bounds for dimension 0 with size 3");
  expect_error<tb::ReadOnlyError>([&] { x.as_read_only().index_put_({idx({0})}, tb::ones({2})); },
                                  "index_put_");
  EXPECT_EQ(vec<float>(x), std::vector<float>(6, 0.0f));
}
