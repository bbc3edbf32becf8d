// Joining (cat, stack), splitting (split, chunk, unbind: views), repeating (repeat, tile)
// and sorting (sort, argsort, topk). Expected values are worked out by hand; the NumPy or
// PyTorch call that gives them is in the comment next to each.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
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

const double kNaN = std::numeric_limits<double>::quiet_NaN();

}  // namespace

// ---- cat / stack ------------------------------------------------------------------------

TEST(Cat, AlongEachDimension) {
  const TensorBase a = arange_shaped({2, 2});         // [[0, 1], [2, 3]]
  const TensorBase b = arange_shaped({2, 3}, DType::Int64, 10).slice(1, 0, 3);
  // np.concatenate([a, b], axis=1) == [[0, 1, 10, 11, 12], [2, 3, 13, 14, 15]]
  const TensorBase c1 = tb::cat({a, b}, 1);
  EXPECT_EQ(c1.shape(), (tb::Shape{2, 5}));
  EXPECT_EQ(vec(c1), (std::vector<int64_t>{0, 1, 10, 11, 12, 2, 3, 13, 14, 15}));
  EXPECT_EQ(vec(tb::cat({a, b}, -1)), vec(c1));
  // Transposed and negative-stride inputs along dim 0.
  const TensorBase c0 = tb::cat({a.t(), a.flip({0})}, 0);
  EXPECT_EQ(vec(c0), (std::vector<int64_t>{0, 2, 1, 3, 2, 3, 0, 1}));
  // A single tensor is copied.
  const TensorBase one = tb::cat({a});
  EXPECT_NE(one.data_ptr(), a.data_ptr());
  EXPECT_EQ(vec(one), vec(a));
}

TEST(Cat, PromotesLikeTorchCat) {
  // torch.cat([torch.tensor([1, 2]), torch.tensor([0.5])]) == tensor([1.0, 2.0, 0.5])
  const TensorBase c = tb::cat({tb::tensor<int64_t>({1, 2}), tb::tensor<float>({0.5f})});
  EXPECT_EQ(c.dtype(), DType::Float32);
  EXPECT_EQ(vec<float>(c), (std::vector<float>{1.0f, 2.0f, 0.5f}));
  // uint8 with int8 -> int16; a skipped empty float64 tensor still promotes.
  EXPECT_EQ(tb::cat({tb::ones({1}, DType::UInt8), tb::ones({1}, DType::Int8)}).dtype(), DType::Int16);
  EXPECT_EQ(tb::cat({tb::ones({2, 2}, DType::Int32), tb::empty({0}, DType::Float64)}).dtype(),
            DType::Float64);
}

TEST(Cat, LegacyEmptyTensorsAreSkipped) {
  // torch.cat([torch.empty(0), torch.ones(2, 3)]).shape == (2, 3)
  const TensorBase c = tb::cat({tb::empty({0}), tb::ones({2, 3}), tb::empty({0})});
  EXPECT_EQ(c.shape(), (tb::Shape{2, 3}));
  EXPECT_EQ(tb::cat({tb::empty({0}), tb::empty({0})}).shape(), (tb::Shape{0}));
  // Other empty tensors take part normally.
  EXPECT_EQ(tb::cat({tb::empty({0, 3}), tb::ones({2, 3})}).shape(), (tb::Shape{2, 3}));
}

TEST(Cat, BadInputs) {
  expect_error<tb::ValueError>([] { tb::cat({}); }, "cat: expected a non-empty list of tensors");
  expect_error<tb::ValueError>([] { tb::cat({tb::ones({2, 3}), tb::ones({2, 4})}); },
                               "cat: sizes of tensors must match except in dimension 0: expected "
                               "size 3 but got size 4 for tensor number 1 in the list");
  expect_error<tb::ValueError>([] { tb::cat({tb::ones({2, 3}), tb::ones({3})}); },
                               "cat: tensors must have the same number of dimensions: got 2 and 1");
  expect_error<tb::ValueError>([] { tb::cat({tb::zeros({})}); },
                               "cat: zero-dimensional tensor (at position 0) cannot be concatenated");
  expect_error<tb::TypeError>([] { tb::cat({tb::ones({2}, DType::UInt16), tb::ones({2}, DType::Int64)}); },
                              "promotion for uint16, uint32, uint64 types is not supported");
  expect_error<tb::IndexError>([] { tb::cat({tb::ones({2})}, 1); }, "cat: dimension out of range");
}

TEST(Stack, NewDimensionAnywhere) {
  const TensorBase a = arange_shaped({2, 3});
  const TensorBase b = arange_shaped({2, 3}, DType::Int64, 6);
  EXPECT_EQ(tb::stack({a, b}).shape(), (tb::Shape{2, 2, 3}));
  const TensorBase s1 = tb::stack({a, b}, 1);
  EXPECT_EQ(s1.shape(), (tb::Shape{2, 2, 3}));
  EXPECT_EQ(vec(s1.select(0, 1)), (std::vector<int64_t>{3, 4, 5, 9, 10, 11}));
  const TensorBase s2 = tb::stack({a, b}, -1);
  EXPECT_EQ(s2.shape(), (tb::Shape{2, 3, 2}));
  EXPECT_EQ(vec(s2.select(0, 0).select(0, 2)), (std::vector<int64_t>{2, 8}));
  // 0-d tensors stack into a vector.
  EXPECT_EQ(vec<double>(tb::stack({tb::scalar_tensor(1.0), tb::scalar_tensor(2.0)})),
            (std::vector<double>{1, 2}));
  expect_error<tb::ValueError>([&] { tb::stack({a, b.t()}); },
                               "stack: expects each tensor to be equal size, but got [2, 3] at "
                               "entry 0 and [3, 2] at entry 1");
  expect_error<tb::IndexError>([&] { tb::stack({a}, 3); }, "stack: dimension out of range");
}

// ---- split / chunk / unbind ---------------------------------------------------------------

TEST(Split, ViewsThatShareStorage) {
  const TensorBase x = arange_shaped({5, 2});
  const auto parts = x.split(2);
  ASSERT_EQ(parts.size(), 3u);
  EXPECT_EQ(parts[0].shape(), (tb::Shape{2, 2}));
  EXPECT_EQ(parts[2].shape(), (tb::Shape{1, 2}));
  EXPECT_EQ(parts[1].data_ptr(), x.select(0, 2).data_ptr());
  parts[2].fill_(-1);
  EXPECT_EQ(x.as<int64_t>().at(4, 1), -1);
  // Explicit sizes along dim 1.
  const auto cols = tb::split(arange_shaped({2, 5}), {1, 0, 4}, 1);
  ASSERT_EQ(cols.size(), 3u);
  EXPECT_EQ(cols[1].shape(), (tb::Shape{2, 0}));
  EXPECT_EQ(vec(cols[2]), (std::vector<int64_t>{1, 2, 3, 4, 6, 7, 8, 9}));
  expect_error<tb::ValueError>([&] { x.split(std::vector<int64_t>{2, 2}); },
                               "split: split sizes [2, 2] must sum to the size of dimension 0 (5)");
  expect_error<tb::ValueError>([&] { x.split(0); }, "split: split_size must be positive");
  EXPECT_EQ(tb::split(tb::empty({0, 3}), 0).size(), 1u);
}

TEST(Chunk, LikePyTorch) {
  // torch.arange(5).chunk(3) -> sizes 2, 2, 1; torch.arange(6).chunk(4) -> sizes 2, 2, 2
  const auto a = tb::arange(5).chunk(3);
  ASSERT_EQ(a.size(), 3u);
  EXPECT_EQ(vec(a[2]), (std::vector<int64_t>{4}));
  const auto b = tb::chunk(tb::arange(6), 4);
  ASSERT_EQ(b.size(), 3u);
  EXPECT_EQ(vec(b[1]), (std::vector<int64_t>{2, 3}));
  // torch.empty(0).chunk(3) -> three empty tensors
  EXPECT_EQ(tb::empty({0}).chunk(3).size(), 3u);
  expect_error<tb::ValueError>([] { tb::arange(3).chunk(0); },
                               "chunk: number of chunks must be positive, but got 0");
}

TEST(Unbind, SelectsEverySlice) {
  const TensorBase x = arange_shaped({2, 3});
  const auto cols = x.unbind(1);
  ASSERT_EQ(cols.size(), 3u);
  EXPECT_EQ(vec(cols[2]), (std::vector<int64_t>{2, 5}));
  EXPECT_EQ(cols[2].data_ptr(), x.select(1, 2).data_ptr());
  expect_error<tb::ValueError>([] { tb::unbind(tb::zeros({})); }, "unbind: cannot unbind a 0-d tensor");
}

// ---- repeat / tile ----------------------------------------------------------------------

TEST(Repeat, TilesAndAddsLeadingDimensions) {
  // torch.tensor([1, 2, 3]).repeat(2) == [1, 2, 3, 1, 2, 3]
  const auto v = tb::tensor<int64_t>({1, 2, 3});
  EXPECT_EQ(vec(v.repeat({2})), (std::vector<int64_t>{1, 2, 3, 1, 2, 3}));
  // torch.tensor([1, 2, 3]).repeat(2, 1) == [[1, 2, 3], [1, 2, 3]]
  EXPECT_EQ(v.repeat({2, 1}).shape(), (tb::Shape{2, 3}));
  // torch.tensor([[1, 2], [3, 4]]).repeat(1, 2) == [[1, 2, 1, 2], [3, 4, 3, 4]]
  const auto m = tb::tensor<int64_t>({{1, 2}, {3, 4}});
  EXPECT_EQ(vec(m.repeat({1, 2})), (std::vector<int64_t>{1, 2, 1, 2, 3, 4, 3, 4}));
  // Transposed input: [[1, 3], [2, 4]] repeated (2, 1).
  EXPECT_EQ(vec(m.t().repeat({2, 1})), (std::vector<int64_t>{1, 3, 2, 4, 1, 3, 2, 4}));
  EXPECT_EQ(tb::scalar_tensor<int64_t>(3).repeat({2, 2}).shape(), (tb::Shape{2, 2}));
  EXPECT_EQ(v.repeat({0}).shape(), (tb::Shape{0}));
  expect_error<tb::ValueError>([&] { m.repeat({2}); },
                               "repeat: number of repeat dimensions (1) cannot be smaller than the "
                               "number of dimensions of the tensor (2)");
  expect_error<tb::ValueError>([&] { v.repeat({-1}); }, "repeat: repeats must be non-negative");
}

TEST(Tile, PadsRepsWithLeadingOnes) {
  // np.tile([[1, 2], [3, 4]], 2) == [[1, 2, 1, 2], [3, 4, 3, 4]]
  const auto m = tb::tensor<int64_t>({{1, 2}, {3, 4}});
  EXPECT_EQ(vec(m.tile({2})), (std::vector<int64_t>{1, 2, 1, 2, 3, 4, 3, 4}));
  // np.tile([1, 2], (2, 1, 2)).shape == (2, 1, 4)
  EXPECT_EQ(tb::tile(tb::tensor<int64_t>({1, 2}), {2, 1, 2}).shape(), (tb::Shape{2, 1, 4}));
}

// ---- sort / argsort / topk ---------------------------------------------------------------

TEST(Sort, AscendingAndDescendingWithNaN) {
  // torch.tensor([1., nan, 3., -1.]).sort() -> values [-1, 1, 3, nan], indices [3, 0, 2, 1]
  const auto x = tb::tensor<double>({1.0, kNaN, 3.0, -1.0});
  const auto [v, i] = x.sort();
  EXPECT_EQ(i.dtype(), DType::Int64);
  EXPECT_EQ(vec(i), (std::vector<int64_t>{3, 0, 2, 1}));
  const auto vv = vec<double>(v);
  EXPECT_EQ(vv[0], -1.0);
  EXPECT_EQ(vv[2], 3.0);
  EXPECT_TRUE(std::isnan(vv[3]));
  // descending=True -> values [nan, 3, 1, -1], indices [1, 2, 0, 3]
  const auto [dv, di] = tb::sort(x, -1, true);
  EXPECT_EQ(vec(di), (std::vector<int64_t>{1, 2, 0, 3}));
  EXPECT_TRUE(std::isnan(vec<double>(dv)[0]));
}

TEST(Sort, StableTiesAndOtherDims) {
  // Equal keys keep their order, ascending and descending.
  const auto x = tb::tensor<int32_t>({2, 1, 2, 1, 2});
  EXPECT_EQ(vec(tb::sort(x, 0, false, true).second), (std::vector<int64_t>{1, 3, 0, 2, 4}));
  EXPECT_EQ(vec(tb::sort(x, 0, true, true).second), (std::vector<int64_t>{0, 2, 4, 1, 3}));
  // Along dim 0 of a 2-D tensor: each column sorts on its own; outputs are contiguous.
  const auto m = tb::tensor<float>({{3, 1}, {1, 2}, {2, 0}});
  const auto [v, i] = m.sort(0);
  EXPECT_TRUE(v.is_contiguous());
  EXPECT_EQ(vec<float>(v), (std::vector<float>{1, 0, 2, 1, 3, 2}));
  EXPECT_EQ(vec(i), (std::vector<int64_t>{1, 2, 2, 0, 0, 1}));
  // Transposed input, float16 and bool.
  EXPECT_EQ(vec<float>(m.t().sort(1).first), (std::vector<float>{1, 2, 3, 0, 1, 2}));
  const TensorBase h = m.to(DType::Float16).flip({0});
  EXPECT_EQ(vec<float>(h.sort(0).first.to(DType::Float32)), (std::vector<float>{1, 0, 2, 1, 3, 2}));
  EXPECT_EQ(vec(tb::tensor<bool>({true, false, true}).argsort()), (std::vector<int64_t>{1, 0, 2}));
}

TEST(Sort, EmptyZeroDimAndComplex) {
  EXPECT_EQ(tb::sort(tb::empty({0})).first.shape(), (tb::Shape{0}));
  EXPECT_EQ(tb::sort(tb::empty({3, 0}), 0).second.shape(), (tb::Shape{3, 0}));
  const auto [v, i] = tb::scalar_tensor(4.0).sort();
  EXPECT_EQ(v.item<double>(), 4.0);
  EXPECT_EQ(i.item<int64_t>(), 0);
  expect_error<tb::TypeError>([] { tb::sort(tb::zeros({2}, DType::Complex64)); },
                              "sort: not implemented for dtype complex64");
}

TEST(TopK, LargestSmallestAndNaN) {
  // torch.tensor([1., nan, 3., -1.]).topk(2) -> values [nan, 3], indices [1, 2]
  const auto x = tb::tensor<double>({1.0, kNaN, 3.0, -1.0});
  const auto [v, i] = x.topk(2);
  EXPECT_EQ(vec(i), (std::vector<int64_t>{1, 2}));
  EXPECT_TRUE(std::isnan(vec<double>(v)[0]));
  // largest=False -> values [-1, 1], indices [3, 0]
  const auto [sv, si] = tb::topk(x, 2, -1, false);
  EXPECT_EQ(vec<double>(sv), (std::vector<double>{-1.0, 1.0}));
  EXPECT_EQ(vec(si), (std::vector<int64_t>{3, 0}));
  // Along dim 0 of a matrix; k = 0 is an empty result.
  const auto m = tb::tensor<int64_t>({{3, 1}, {1, 2}, {2, 0}});
  const auto [mv, mi] = m.topk(2, 0);
  EXPECT_EQ(mv.shape(), (tb::Shape{2, 2}));
  EXPECT_EQ(vec(mv), (std::vector<int64_t>{3, 2, 2, 1}));
  EXPECT_EQ(vec(mi), (std::vector<int64_t>{0, 1, 2, 0}));
  EXPECT_EQ(m.topk(0).first.shape(), (tb::Shape{3, 0}));
  expect_error<tb::ValueError>([&] { m.topk(3); },
                               "topk: k (3) is out of range for dimension 1 with size 2");
}
