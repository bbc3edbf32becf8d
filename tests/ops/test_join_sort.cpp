// Joining (cat, stack), splitting (split, chunk, unbind: views), repeating (repeat, tile),
// sorting (sort, argsort, topk) and unique/unique_consecutive. Expected values are worked out
// by hand; the NumPy or PyTorch call that gives them is in the comment next to each.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "emulated_device.hpp"
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

// ---- unique / unique_consecutive -----------------------------------------------------------

TEST(Unique, FlatSortedWithNaNAndSignedZero) {
  // torch.unique(torch.tensor([3., nan, 1., nan, -0., 0., 1.]), return_inverse=True,
  // return_counts=True) -> ([-0., 1., 3., nan, nan], [2, 3, 1, 4, 0, 0, 1], [2, 2, 1, 1, 1]):
  // each NaN is its own value, sorted last; -0.0 and 0.0 are one value, the first kept.
  const auto x = tb::tensor<double>({3.0, kNaN, 1.0, kNaN, -0.0, 0.0, 1.0});
  const tb::UniqueResult r = tb::unique(x, true, true, true);
  const auto v = vec<double>(r.values);
  ASSERT_EQ(v.size(), 5u);
  EXPECT_EQ(v[0], 0.0);
  EXPECT_TRUE(std::signbit(v[0]));
  EXPECT_EQ(v[1], 1.0);
  EXPECT_EQ(v[2], 3.0);
  EXPECT_TRUE(std::isnan(v[3]) && std::isnan(v[4]));
  EXPECT_EQ(r.inverse.dtype(), DType::Int64);
  EXPECT_EQ(vec(r.inverse), (std::vector<int64_t>{2, 3, 1, 4, 0, 0, 1}));
  EXPECT_EQ(r.counts.dtype(), DType::Int64);
  EXPECT_EQ(vec(r.counts), (std::vector<int64_t>{2, 2, 1, 1, 1}));
  // What was not asked for stays undefined; the method form is the same call.
  const tb::UniqueResult plain = x.unique();
  EXPECT_EQ(vec<double>(plain.values)[2], 3.0);
  EXPECT_FALSE(plain.inverse.defined());
  EXPECT_FALSE(plain.counts.defined());
  EXPECT_FALSE(tb::unique(x, true, false, true).inverse.defined());
  // unique([0., -0.]) keeps 0. (the first occurrence).
  EXPECT_FALSE(std::signbit(tb::unique(tb::tensor<float>({0.0f, -0.0f})).values.item<float>()));
}

TEST(Unique, ConsecutiveRunsInInputOrder) {
  // torch.unique_consecutive(torch.tensor([3., nan, 1., nan, -0., 0., 1.]), True, True)
  // -> ([3., nan, 1., nan, -0., 1.], [0, 1, 2, 3, 4, 4, 5], [1, 1, 1, 1, 2, 1])
  const auto x = tb::tensor<double>({3.0, kNaN, 1.0, kNaN, -0.0, 0.0, 1.0});
  const tb::UniqueResult r = tb::unique_consecutive(x, true, true);
  const auto v = vec<double>(r.values);
  ASSERT_EQ(v.size(), 6u);
  EXPECT_EQ(v[0], 3.0);
  EXPECT_TRUE(std::isnan(v[1]) && std::isnan(v[3]));
  EXPECT_TRUE(std::signbit(v[4]));
  EXPECT_EQ(v[5], 1.0);
  EXPECT_EQ(vec(r.inverse), (std::vector<int64_t>{0, 1, 2, 3, 4, 4, 5}));
  EXPECT_EQ(vec(r.counts), (std::vector<int64_t>{1, 1, 1, 1, 2, 1}));
  // The inverse has the input's shape: [[1, 1], [2, 1]] -> values [1, 2, 1], [[0, 0], [1, 2]].
  const tb::UniqueResult m = tb::tensor<int32_t>({{1, 1}, {2, 1}}).unique_consecutive(true);
  EXPECT_EQ(vec<int32_t>(m.values), (std::vector<int32_t>{1, 2, 1}));
  EXPECT_EQ(m.inverse.shape(), (tb::Shape{2, 2}));
  EXPECT_EQ(vec(m.inverse), (std::vector<int64_t>{0, 0, 1, 2}));
}

TEST(Unique, SlicesAlongADim) {
  const auto x = tb::tensor<int64_t>({{1, 3}, {1, 2}, {0, 2}, {1, 2}});
  // torch.unique(x, dim=0, return_inverse=True, return_counts=True)
  // -> ([[0, 2], [1, 2], [1, 3]], [2, 1, 0, 1], [1, 2, 1])
  const tb::UniqueResult rows = tb::unique(x, true, true, true, 0);
  EXPECT_EQ(rows.values.shape(), (tb::Shape{3, 2}));
  EXPECT_EQ(vec(rows.values), (std::vector<int64_t>{0, 2, 1, 2, 1, 3}));
  EXPECT_EQ(vec(rows.inverse), (std::vector<int64_t>{2, 1, 0, 1}));
  EXPECT_EQ(vec(rows.counts), (std::vector<int64_t>{1, 2, 1}));
  // dim=1 (and -1): the columns [1, 1, 0, 1] < [3, 2, 2, 2] are distinct and in order.
  for (int64_t d : {1, -1}) {
    const tb::UniqueResult cols = tb::unique(x, true, true, true, d);
    EXPECT_EQ(vec(cols.values), vec(x));
    EXPECT_EQ(vec(cols.inverse), (std::vector<int64_t>{0, 1}));
    EXPECT_EQ(vec(cols.counts), (std::vector<int64_t>{1, 1}));
  }
  // The middle dim of a 3-D tensor: slices x[:, j, :] = [[1, 0], [2, 2]], [[0, 1], [2, 2]],
  // [[1, 0], [2, 2]] -> values[:, 0, :] = [[0, 1], [2, 2]], values[:, 1, :] = [[1, 0], [2, 2]].
  const auto t = tb::tensor<float>({{{1, 0}, {0, 1}, {1, 0}}, {{2, 2}, {2, 2}, {2, 2}}});
  const tb::UniqueResult mid = tb::unique(t, true, true, true, 1);
  EXPECT_EQ(mid.values.shape(), (tb::Shape{2, 2, 2}));
  EXPECT_TRUE(mid.values.is_contiguous());
  EXPECT_EQ(vec<float>(mid.values), (std::vector<float>{0, 1, 1, 0, 2, 2, 2, 2}));
  EXPECT_EQ(vec(mid.inverse), (std::vector<int64_t>{1, 0, 1}));
  EXPECT_EQ(vec(mid.counts), (std::vector<int64_t>{1, 2}));
  // Rows holding NaN are all distinct and sort after equal prefixes:
  // torch.unique(torch.tensor([[1., nan], [1., nan], [0., 2.]]), dim=0, return_inverse=True)
  // -> ([[0., 2.], [1., nan], [1., nan]], [1, 2, 0])
  const auto n = tb::tensor<double>({{1.0, kNaN}, {1.0, kNaN}, {0.0, 2.0}});
  const tb::UniqueResult nr = n.unique(true, true, false, 0);
  EXPECT_EQ(nr.values.shape(), (tb::Shape{3, 2}));
  EXPECT_EQ(vec<double>(nr.values)[1], 2.0);
  EXPECT_TRUE(std::isnan(vec<double>(nr.values)[5]));
  EXPECT_EQ(vec(nr.inverse), (std::vector<int64_t>{1, 2, 0}));
  // Slices of one element: torch.unique(torch.tensor([[3], [1], [3]]), dim=0,
  // return_inverse=True, return_counts=True) -> ([[1], [3]], [1, 0, 1], [1, 2]); 1-D likewise.
  const tb::UniqueResult one = tb::unique(tb::tensor<int64_t>({{3}, {1}, {3}}), true, true, true, 0);
  EXPECT_EQ(one.values.shape(), (tb::Shape{2, 1}));
  EXPECT_EQ(vec(one.values), (std::vector<int64_t>{1, 3}));
  EXPECT_EQ(vec(one.inverse), (std::vector<int64_t>{1, 0, 1}));
  EXPECT_EQ(vec(one.counts), (std::vector<int64_t>{1, 2}));
  EXPECT_EQ(vec(tb::unique(tb::tensor<int64_t>({3, 1, 3}), true, true, false, 0).inverse),
            (std::vector<int64_t>{1, 0, 1}));
  // torch.unique_consecutive(torch.tensor([[1, 3], [1, 3], [0, 2], [1, 3]]), True, True, dim=0)
  // -> ([[1, 3], [0, 2], [1, 3]], [0, 0, 1, 2], [2, 1, 1])
  const tb::UniqueResult c = tb::unique_consecutive(
      tb::tensor<int64_t>({{1, 3}, {1, 3}, {0, 2}, {1, 3}}), true, true, 0);
  EXPECT_EQ(vec(c.values), (std::vector<int64_t>{1, 3, 0, 2, 1, 3}));
  EXPECT_EQ(vec(c.inverse), (std::vector<int64_t>{0, 0, 1, 2}));
  EXPECT_EQ(vec(c.counts), (std::vector<int64_t>{2, 1, 1}));
}

TEST(Unique, EveryRealDtypeAndStridedInputs) {
  // torch.unique(torch.tensor([2, 0, 2, 1], dtype=d), return_counts=True) -> ([0, 1, 2], [1, 1, 2])
  for (DType d : {DType::Int8, DType::UInt8, DType::Int16, DType::UInt16, DType::Int32,
                  DType::UInt32, DType::Int64, DType::UInt64, DType::Float16, DType::BFloat16,
                  DType::Float32, DType::Float64}) {
    const tb::UniqueResult r = tb::unique(tb::tensor<int64_t>({2, 0, 2, 1}).to(d), true, true, true);
    EXPECT_EQ(r.values.dtype(), d);
    EXPECT_EQ(vec<double>(r.values.to(DType::Float64)), (std::vector<double>{0, 1, 2})) << d;
    EXPECT_EQ(vec(r.inverse), (std::vector<int64_t>{2, 0, 2, 1})) << d;
    EXPECT_EQ(vec(r.counts), (std::vector<int64_t>{1, 1, 2})) << d;
  }
  const tb::UniqueResult b = tb::unique(tb::tensor<bool>({true, false, true, true}), true, false, true);
  EXPECT_EQ(b.values.dtype(), DType::Bool);
  EXPECT_EQ(vec(b.values.to(DType::Int64)), (std::vector<int64_t>{0, 1}));
  EXPECT_EQ(vec(b.counts), (std::vector<int64_t>{1, 3}));
  // A transposed input flattens in its logical (row-major) order: m.t() = [[3, 1, 2], [1, 2, 0]].
  const auto m = tb::tensor<int64_t>({{3, 1}, {1, 2}, {2, 0}});
  const tb::UniqueResult t = tb::unique(m.t(), true, true);
  EXPECT_EQ(vec(t.values), (std::vector<int64_t>{0, 1, 2, 3}));
  EXPECT_EQ(t.inverse.shape(), (tb::Shape{2, 3}));
  EXPECT_EQ(vec(t.inverse), (std::vector<int64_t>{3, 1, 2, 1, 2, 0}));
  // Negative strides: flip(0) = [[2, 0], [1, 2], [3, 1]]; as rows, [[1, 2], [2, 0], [3, 1]].
  const tb::UniqueResult f = tb::unique_consecutive(m.flip({0}), true);
  EXPECT_EQ(vec(f.values), (std::vector<int64_t>{2, 0, 1, 2, 3, 1}));
  const tb::UniqueResult fr = tb::unique(m.flip({0}), true, true, false, 0);
  EXPECT_EQ(vec(fr.values), (std::vector<int64_t>{1, 2, 2, 0, 3, 1}));
  EXPECT_EQ(vec(fr.inverse), (std::vector<int64_t>{1, 0, 2}));
}

TEST(Unique, EmptyAndZeroDim) {
  // torch.unique(torch.tensor(5.), return_inverse=True, return_counts=True)
  // -> ([5.], tensor(0), [1])
  for (bool consecutive : {false, true}) {
    const auto s = tb::scalar_tensor(5.0);
    const tb::UniqueResult r =
        consecutive ? tb::unique_consecutive(s, true, true) : tb::unique(s, true, true, true);
    EXPECT_EQ(r.values.shape(), (tb::Shape{1}));
    EXPECT_EQ(r.inverse.shape(), (tb::Shape{}));
    EXPECT_EQ(r.inverse.item<int64_t>(), 0);
    EXPECT_EQ(vec(r.counts), (std::vector<int64_t>{1}));
  }
  // torch.unique(torch.empty(0, 3), return_inverse=True, return_counts=True)
  // -> (shape [0], shape [0, 3], shape [0]); with dim=0: values of shape [0, 3].
  const tb::UniqueResult e = tb::unique(tb::empty({0, 3}), true, true, true);
  EXPECT_EQ(e.values.shape(), (tb::Shape{0}));
  EXPECT_EQ(e.values.dtype(), DType::Float32);
  EXPECT_EQ(e.inverse.shape(), (tb::Shape{0, 3}));
  EXPECT_EQ(e.counts.shape(), (tb::Shape{0}));
  const tb::UniqueResult e0 = tb::unique_consecutive(tb::empty({0, 3}), true, true, 0);
  EXPECT_EQ(e0.values.shape(), (tb::Shape{0, 3}));
  EXPECT_EQ(e0.inverse.shape(), (tb::Shape{0}));
  EXPECT_EQ(e0.counts.shape(), (tb::Shape{0}));
  EXPECT_EQ(tb::unique(tb::empty({3, 0}), true, false, false, 1).values.shape(), (tb::Shape{3, 0}));
}

TEST(Unique, BadInputs) {
  expect_error<tb::TypeError>([] { tb::unique(tb::zeros({2}, DType::Complex64)); },
                              "unique: not implemented for dtype complex64");
  expect_error<tb::TypeError>(
      [] { tb::unique_consecutive(tb::zeros({2}, DType::Complex128)); },
      "unique_consecutive: not implemented for dtype complex128");
  expect_error<tb::IndexError>(
      [] { tb::unique(tb::scalar_tensor(1.0), true, false, false, 0); },
      "unique: dimension specified as 0 but the tensor has no dimensions (shape [], dtype "
      "float64, device cpu)");
  expect_error<tb::IndexError>(
      [] { tb::unique_consecutive(tb::zeros({2, 3}), false, false, 2); },
      "unique_consecutive: dimension out of range (expected to be in range of [-2, 1], but got "
      "2) for a tensor of shape [2, 3], dtype float32, device cpu");
  // torch: "Number of zero sized dimensions is more than one" and "There are 0 sized
  // dimensions, and they aren't selected".
  expect_error<tb::ValueError>([] { tb::unique(tb::zeros({0, 0}), true, false, false, 0); },
                               "unique: cannot be applied to a tensor with more than one "
                               "zero-size dimension (shape [0, 0]");
  expect_error<tb::ValueError>(
      [] { tb::unique_consecutive(tb::zeros({3, 0}), false, false, 0); },
      "unique_consecutive: cannot be applied along dimension 0 of size 3 when another "
      "dimension has size 0 (shape [3, 0], dtype float32, device cpu)");
}

TEST(Unique, OutputsNeverRequireGrad) {
  const auto x = tb::tensor<double>({{2.0, 1.0}, {2.0, 1.0}});
  x.requires_grad_();
  for (const tb::UniqueResult& r :
       {tb::unique(x, true, true, true), tb::unique(x.t(), true, true, true, 1),
        tb::unique_consecutive(x, true, true, 0)}) {
    EXPECT_FALSE(r.values.requires_grad());
    EXPECT_FALSE(r.inverse.requires_grad());
    EXPECT_FALSE(r.counts.requires_grad());
  }
  EXPECT_EQ(vec<double>(tb::unique(x).values), (std::vector<double>{1.0, 2.0}));
}

// ---- unique on an emulated device -----------------------------------------------------------
// unique is composed of device-generic ops, so on a device it must reach only kernels that the
// CUDA table has. Here "cuda:0" tensors live in host memory and each kernel runs the CPU op on
// a CPU view of the same memory: results must equal the CPU's, and the host must see the data
// once (nonzero's read-back).

namespace {

// The same memory as a CPU tensor (the emulated device's memory is host memory).
TensorBase unique_emu_host(const TensorBase& t) {
  if (t.device().is_cpu()) return t;
  std::shared_ptr<tb::Storage> storage = t.storage();
  auto host = tb::Storage::from_foreign(storage->data(), storage->nbytes(), tb::Device::cpu(),
                                        [storage] {});
  return TensorBase(std::make_shared<tb::TensorImpl>(host, t.storage_offset(), t.shape(),
                                                     t.strides(), t.dtype()));
}

int unique_emu_reads_back = 0;  // copies from the device to the host

void unique_emu_copy(const TensorBase& dst, const TensorBase& src, bool) {
  if (dst.device().is_cpu() && !src.device().is_cpu()) ++unique_emu_reads_back;
  unique_emu_host(dst).copy_(unique_emu_host(src));
}
void unique_emu_fill(const TensorBase& dst, const tb::Scalar& value) {
  unique_emu_host(dst).fill_(value);
}
void unique_emu_binary(const char* op, const TensorBase& out, const TensorBase* a,
                       const tb::Scalar& sa, const TensorBase* b, const tb::Scalar& sb,
                       const tb::Scalar& alpha) {
  const TensorBase o = unique_emu_host(out);
  const TensorBase ha = a ? unique_emu_host(*a) : TensorBase(), hb = b ? unique_emu_host(*b) : TensorBase();
  const tb::ops::Operand x = a ? tb::ops::Operand(ha) : tb::ops::Operand(sa);
  const tb::ops::Operand y = b ? tb::ops::Operand(hb) : tb::ops::Operand(sb);
  const std::string name = op;
  if (name == "ne") {
    tb::ops::ne_out(o, x, y);
  } else if (name == "eq") {
    tb::ops::eq_out(o, x, y);
  } else if (name == "sub") {
    tb::ops::sub_out(o, x, y, alpha);
  } else {
    throw std::logic_error("emulated device: no binary kernel " + name);
  }
}
void unique_emu_reduce(const char* op, const TensorBase& out, const TensorBase& x) {
  if (std::string(op) != "sum") throw std::logic_error(std::string("emulated device: no reduce ") + op);
  std::vector<int64_t> dims;
  for (int64_t d = 0; d < x.dim(); ++d) {
    if (out.shape()[d] == 1 && x.shape()[d] != 1) dims.push_back(d);
  }
  unique_emu_host(out).copy_(tb::ops::sum(unique_emu_host(x), dims, true));
}
void unique_emu_sort(const char*, const TensorBase& values, const TensorBase& indices,
                     const TensorBase& x, bool descending) {
  const auto [v, i] = tb::ops::sort(unique_emu_host(x), -1, descending, true);
  unique_emu_host(values).copy_(v);
  unique_emu_host(indices).copy_(i);
}
void unique_emu_gather(const char*, const TensorBase& out, const TensorBase& self, int64_t dim,
                       const TensorBase& index) {
  unique_emu_host(out).copy_(tb::ops::gather(unique_emu_host(self), dim, unique_emu_host(index)));
}
void unique_emu_scatter(const char*, bool add, const TensorBase& self, int64_t dim,
                        const TensorBase& index, const TensorBase* src, const tb::Scalar& value) {
  const TensorBase h = unique_emu_host(self), i = unique_emu_host(index);
  if (src == nullptr) {
    tb::ops::scatter_(h, dim, i, value);
  } else if (add) {
    tb::ops::scatter_add_(h, dim, i, unique_emu_host(*src));
  } else {
    tb::ops::scatter_(h, dim, i, unique_emu_host(*src));
  }
}
void unique_emu_scan(const char* op, const TensorBase& out, const TensorBase& x, int64_t dim) {
  if (std::string(op) != "cumsum") throw std::logic_error(std::string("emulated device: no scan ") + op);
  unique_emu_host(out).copy_(tb::ops::cumsum(unique_emu_host(x), dim));
}

class UniqueEmulatedDevice {
 public:
  UniqueEmulatedDevice() { unique_emu_reads_back = 0; }

 private:
  static tb::detail::DeviceHooks make_hooks() {
    tb::detail::DeviceHooks h{};
    h.allocate = &tbtest::emulated_device_memory;
    h.copy = &unique_emu_copy;
    h.fill = &unique_emu_fill;
    h.current_device = [] { return 0; };
    return h;
  }
  static tb::ops::DeviceKernels make_kernels() {
    tb::ops::DeviceKernels k{};
    k.binary = &unique_emu_binary;
    k.reduce = &unique_emu_reduce;
    k.sort = &unique_emu_sort;
    k.check_indices = [](const char*, const TensorBase&, int64_t, int64_t, bool) {};
    k.gather = &unique_emu_gather;
    k.scatter = &unique_emu_scatter;
    k.scan = &unique_emu_scan;
    return k;
  }
  static inline const tb::detail::DeviceHooks kHooks = make_hooks();
  static inline const tb::ops::DeviceKernels kKernels = make_kernels();
  tbtest::ScopedDeviceTables tables_{kHooks, kKernels};
};

// Same values (NaN where NaN), shape and dtype.
void expect_same_tensor(const TensorBase& device, const TensorBase& cpu, const char* what) {
  ASSERT_EQ(device.defined(), cpu.defined()) << what;
  if (!cpu.defined()) return;
  EXPECT_EQ(device.device(), tb::Device::cuda(0)) << what;
  EXPECT_EQ(device.shape(), cpu.shape()) << what;
  EXPECT_EQ(device.dtype(), cpu.dtype()) << what;
  const auto d = vec<double>(unique_emu_host(device).to(DType::Float64));
  const auto c = vec<double>(cpu.to(DType::Float64));
  ASSERT_EQ(d.size(), c.size()) << what;
  for (std::size_t i = 0; i < c.size(); ++i) {
    EXPECT_TRUE(d[i] == c[i] || (std::isnan(d[i]) && std::isnan(c[i])))
        << what << " element " << i << ": " << d[i] << " vs " << c[i];
  }
}

}  // namespace

TEST(Unique, RunsOnDeviceKernelsWithOneReadBack) {
  UniqueEmulatedDevice emulated;
  const tb::Device gpu = tb::Device::cuda(0);
  // [[2, nan, 2], [-0., 1, 0.], [2, nan, 2], [1, 1, 0]], transposed on the device.
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const auto cpu = tb::tensor<float>({{2, nan, 2}, {-0.0f, 1, 0}, {2, nan, 2}, {1, 1, 0}});
  const TensorBase x = cpu.to(gpu).t();
  const TensorBase xc = cpu.t();
  struct Case {
    const char* what;
    bool consecutive;
    std::optional<int64_t> dim;
  };
  for (const Case& c : {Case{"flat", false, std::nullopt}, Case{"dim 0", false, 0},
                        Case{"dim 1", false, 1}, Case{"consecutive", true, std::nullopt},
                        Case{"consecutive dim 1", true, 1}}) {
    unique_emu_reads_back = 0;
    const tb::UniqueResult d = c.consecutive ? tb::unique_consecutive(x, true, true, c.dim)
                                             : tb::unique(x, true, true, true, c.dim);
    EXPECT_EQ(unique_emu_reads_back, 1) << c.what;
    const tb::UniqueResult h = c.consecutive ? tb::unique_consecutive(xc, true, true, c.dim)
                                             : tb::unique(xc, true, true, true, c.dim);
    expect_same_tensor(d.values, h.values, c.what);
    expect_same_tensor(d.inverse, h.inverse, c.what);
    expect_same_tensor(d.counts, h.counts, c.what);
  }
  // bool and int8 take the kernels' int32/int64 routes; the values only, here.
  const TensorBase b = tb::tensor<bool>({true, false, true}).to(gpu);
  expect_same_tensor(tb::unique(b).values, tb::tensor<bool>({false, true}), "bool");
  const TensorBase i8 = tb::tensor<int64_t>({3, -1, 3}).to(DType::Int8).to(gpu);
  expect_same_tensor(tb::unique(i8, true, false, true).counts, tb::tensor<int64_t>({1, 2}),
                     "int8 counts");
}
