// The CUDA sort, argsort and topk, repeat/tile and randperm, checked against the CPU ops on
// the same values, bit for bit (values keep their own bits, NaN payloads and -0.0 included;
// indices must be equal, ties in position order): every dtype the CPU sorts, random bit
// patterns (NaNs, infinities, denormals of every kind), many ties, every dim, transposed,
// strided, flipped, broadcast and offset inputs, empty and 0-d tensors, k = 0 and k = n,
// rows sorted in one pass (row number packed above the key) and in two (64-bit keys), one
// long row; autograd through sort, topk and repeat on the device; unique and
// unique_consecutive (compositions of device ops) against the CPU; and the errors. Skips
// without a GPU. The key ordering itself is also checked on the host, without a GPU, by
// tests/ops/test_sort_keys.cpp.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "cuda_test_util.hpp"
#include "tensorbridge/autograd/autograd.hpp"
#include "tensorbridge/core/factory.hpp"
#include "tensorbridge/cuda/cuda.hpp"
#include "tensorbridge/ops/api_random.hpp"
#include "tensorbridge/ops/indexing.hpp"
#include "tensorbridge/ops/join.hpp"
#include "tensorbridge/ops/random.hpp"
#include "tensorbridge/ops/sort.hpp"
#include "tensorbridge/ops/unary.hpp"
#include "tensorbridge/tensorbridge.hpp"

namespace tb = tensorbridge;
namespace ops = tensorbridge::ops;
namespace ag = tensorbridge::autograd;
using tb::DType;
using tb::Shape;
using tb::TensorBase;

namespace cuda_sort_test {

using tbtest::error_of;
using tbtest::expect_close;
using tbtest::kGpu;
using tbtest::values;

const DType kSortable[] = {DType::Bool,    DType::Int8,     DType::Int16,   DType::Int32,
                           DType::Int64,   DType::UInt8,    DType::UInt16,  DType::UInt32,
                           DType::UInt64,  DType::Float16,  DType::BFloat16, DType::Float32,
                           DType::Float64};

// The GPU tensor holds exactly the CPU tensor's bytes (same shape, dtype), on the GPU.
void expect_same_bytes(const TensorBase& gpu, const TensorBase& cpu, const std::string& what = "") {
  ASSERT_EQ(gpu.device(), kGpu) << what;
  ASSERT_EQ(gpu.shape(), cpu.shape()) << what;
  ASSERT_EQ(gpu.dtype(), cpu.dtype()) << what;
  const TensorBase a = gpu.cpu().contiguous(), b = cpu.contiguous();
  const auto* pa = static_cast<const unsigned char*>(a.data_ptr());
  const auto* pb = static_cast<const unsigned char*>(b.data_ptr());
  const auto size = static_cast<int64_t>(a.element_size());
  for (int64_t i = 0; i < a.numel(); ++i) {
    ASSERT_EQ(std::memcmp(pa + i * size, pb + i * size, static_cast<std::size_t>(size)), 0)
        << what << ": element " << i << " of " << a.numel();
  }
}

void expect_same_pair(const std::pair<TensorBase, TensorBase>& gpu,
                      const std::pair<TensorBase, TensorBase>& cpu, const std::string& what) {
  expect_same_bytes(gpu.second, cpu.second, what + " (indices)");
  expect_same_bytes(gpu.first, cpu.first, what + " (values)");
}

// Random bytes as `d` (bool: 0 or 1): every bit pattern is fair game, NaNs included.
TensorBase random_bits(const Shape& shape, DType d, uint64_t seed) {
  TensorBase t = tb::empty(shape, d);
  tb::Generator gen(seed);
  TensorBase bytes = tb::empty({t.numel() * static_cast<int64_t>(t.element_size())}, DType::Int64);
  ops::random_(bytes, 0, d == DType::Bool ? 2 : 256, &gen);
  auto* out = static_cast<unsigned char*>(t.data_ptr());
  const auto* in = static_cast<const int64_t*>(bytes.data_ptr());
  for (int64_t i = 0; i < bytes.numel(); ++i) {
    // bool takes one byte of 0 or 1; other dtypes any byte.
    out[i] = static_cast<unsigned char>(in[i]);
  }
  return t;
}

// Few distinct values (many ties) as `d`: whole numbers in [-4, 4), or [0, 8) unsigned.
TensorBase tied_values(const Shape& shape, DType d, uint64_t seed) {
  const bool non_negative = d == DType::Bool || tb::dtype_info(d).kind == tb::DTypeKind::UInt;
  return ops::floor(values(shape, DType::Float64, non_negative ? 0 : -4,
                           d == DType::Bool ? 2 : (non_negative ? 8 : 4), seed))
      .to(d);
}

// NaN, +-inf, +-0, denormals (of float64, float32 and float16) and ordinary numbers, twice.
TensorBase float_edges(DType d) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  const std::vector<double> v = {nan,  -inf, inf,  -0.0,   0.0,    1e-310, -1e-310, 1e-40,
                                 -1e-40, 6e-8, -6e-8, 1.0, -1.0, 65504.0, -nan, 3e38};
  std::vector<double> twice(v);
  twice.insert(twice.end(), v.rbegin(), v.rend());
  return tb::tensor<double>(twice).to(d);
}

void check_sort_everywhere(const TensorBase& x, const std::string& what) {
  for (int64_t dim = -1; dim < std::max<int64_t>(x.dim(), 1); ++dim) {
    for (bool descending : {false, true}) {
      for (bool stable : {false, true}) {
        const std::string where = what + " dim " + std::to_string(dim) +
                                  (descending ? " descending" : "") + (stable ? " stable" : "");
        expect_same_pair(ops::sort(x.cuda(0), dim, descending, stable),
                         ops::sort(x, dim, descending, stable), where);
      }
    }
  }
}

}  // namespace cuda_sort_test

using namespace cuda_sort_test;

// ---- sort / argsort --------------------------------------------------------------------------

TEST(CudaSort, EveryDtypeEveryDimRandomBitsAndTies) {
  TB_REQUIRE_GPU();
  for (DType d : kSortable) {
    const std::string name(tb::dtype_name(d));
    check_sort_everywhere(random_bits({5, 7, 6}, d, 1), name + " random bits");
    check_sort_everywhere(tied_values({4, 9, 3}, d, 2), name + " ties");
  }
}

TEST(CudaSort, FloatEdgeValuesNaNLastAndSignedZerosTied) {
  TB_REQUIRE_GPU();
  for (DType d : {DType::Float16, DType::BFloat16, DType::Float32, DType::Float64}) {
    const TensorBase x = float_edges(d);
    check_sort_everywhere(x, std::string(tb::dtype_name(d)) + " edges");
    check_sort_everywhere(x.reshape({4, 8}), std::string(tb::dtype_name(d)) + " edges 2-D");
    // NaN last ascending and first descending, as on the CPU (checked by value here).
    const TensorBase up = ops::sort(x.cuda(0)).first.cpu().to(DType::Float64);
    EXPECT_TRUE(std::isnan(up.as<const double>()(x.numel() - 1)));
    EXPECT_EQ(up.as<const double>()(0), -std::numeric_limits<double>::infinity());
    const TensorBase down = ops::sort(x.cuda(0), 0, true).first.cpu().to(DType::Float64);
    EXPECT_TRUE(std::isnan(down.as<const double>()(0)));
  }
}

TEST(CudaSort, ArgsortIsSortsIndices) {
  TB_REQUIRE_GPU();
  const TensorBase x = tied_values({6, 5}, DType::Float32, 3);
  expect_same_bytes(ops::argsort(x.cuda(0), 0, true), ops::argsort(x, 0, true));
  expect_same_bytes(ops::argsort(x.cuda(0)), ops::argsort(x));
}

TEST(CudaSort, StridedTransposedFlippedBroadcastAndOffsetInputs) {
  TB_REQUIRE_GPU();
  for (DType d : {DType::Float32, DType::Int64, DType::Float16, DType::UInt8}) {
    const TensorBase base = random_bits({6, 8}, d, 4);
    const TensorBase g = base.cuda(0);
    const std::string name(tb::dtype_name(d));
    for (int64_t dim : {0, 1}) {
      expect_same_pair(ops::sort(g.t(), dim), ops::sort(base.t(), dim), name + " transposed");
      expect_same_pair(ops::sort(g.slice(1, 1, 8, 3), dim, true),
                       ops::sort(base.slice(1, 1, 8, 3), dim, true), name + " step 3");
      expect_same_pair(ops::sort(g.flip({0, 1}), dim), ops::sort(base.flip({0, 1}), dim),
                       name + " flipped");
      expect_same_pair(ops::sort(g.narrow(0, 2, 3), dim), ops::sort(base.narrow(0, 2, 3), dim),
                       name + " offset");
      // Broadcast (stride 0): every row is the same, so every row sorts the same way.
      const TensorBase row = base.select(0, 1).unsqueeze(0);
      expect_same_pair(ops::sort(row.cuda(0).expand({4, 8}), dim, true),
                       ops::sort(row.expand({4, 8}), dim, true), name + " expanded");
    }
  }
}

TEST(CudaSort, EmptyZeroDimAndSingleElementRows) {
  TB_REQUIRE_GPU();
  for (const Shape& s : {Shape{0}, Shape{3, 0}, Shape{0, 4}, Shape{2, 0, 3}, Shape{5, 1}}) {
    const TensorBase x = tb::ones(s, DType::Float32);
    for (int64_t dim = 0; dim < x.dim(); ++dim) {
      expect_same_pair(ops::sort(x.cuda(0), dim), ops::sort(x, dim), "shape " + tb::shape_str(s));
    }
  }
  const TensorBase z = tb::scalar_tensor(-2.5);
  const auto [v, i] = ops::sort(z.cuda(0));
  EXPECT_EQ(v.dim(), 0);
  expect_same_pair({v, i}, ops::sort(z), "0-d");
  expect_same_pair(ops::topk(z.cuda(0), 1), ops::topk(z, 1), "0-d topk 1");
  expect_same_pair(ops::topk(z.cuda(0), 0), ops::topk(z, 0), "0-d topk 0");
}

TEST(CudaSort, ManyRowsInOnePassAndInTwoAndOneLongRow) {
  TB_REQUIRE_GPU();
  // float32 and int16: the row number fits above the key (one radix sort).
  const TensorBase f = tied_values({3000, 37}, DType::Float32, 5);
  expect_same_pair(ops::sort(f.cuda(0), 1), ops::sort(f, 1), "float32 3000 rows");
  expect_same_pair(ops::sort(f.cuda(0), 0, true), ops::sort(f, 0, true), "float32 37 rows");
  const TensorBase h = random_bits({1025, 19}, DType::Int16, 6);
  expect_same_pair(ops::sort(h.cuda(0), 1, true), ops::sort(h, 1, true), "int16 1025 rows");
  // 64-bit keys leave no room for the row: sorted by key, then stably by row.
  for (DType d : {DType::Int64, DType::UInt64, DType::Float64}) {
    const TensorBase w = random_bits({700, 33}, d, 7);
    expect_same_pair(ops::sort(w.cuda(0), 1), ops::sort(w, 1), "64-bit rows");
    expect_same_pair(ops::sort(w.cuda(0), 0, true), ops::sort(w, 0, true), "64-bit columns");
  }
  // One long row (no row bits at all), with ties.
  const TensorBase longrow = tied_values({1 << 20}, DType::Float32, 8);
  expect_same_pair(ops::sort(longrow.cuda(0)), ops::sort(longrow), "a row of 2^20");
  const TensorBase bits = random_bits({300001}, DType::Float64, 9);
  expect_same_pair(ops::sort(bits.cuda(0), 0, true), ops::sort(bits, 0, true), "float64 row");
}

// ---- topk ------------------------------------------------------------------------------------

TEST(CudaSort, TopkLargestSmallestAnyKAnyDim) {
  TB_REQUIRE_GPU();
  for (DType d : kSortable) {
    const TensorBase x =
        d == DType::Float32 ? random_bits({5, 9}, d, 10) : tied_values({5, 9}, d, 11);
    const TensorBase g = x.cuda(0);
    for (int64_t dim : {0, 1, -1}) {
      const int64_t n = x.shape()[dim < 0 ? 1 : dim];
      for (int64_t k : {int64_t(0), int64_t(1), n / 2, n}) {
        for (bool largest : {true, false}) {
          for (bool sorted : {true, false}) {
            expect_same_pair(ops::topk(g, k, dim, largest, sorted),
                             ops::topk(x, k, dim, largest, sorted),
                             std::string(tb::dtype_name(d)) + " k " + std::to_string(k) +
                                 " dim " + std::to_string(dim) + (largest ? " largest" : ""));
          }
        }
      }
    }
  }
  const TensorBase e = float_edges(DType::Float32);
  expect_same_pair(ops::topk(e.cuda(0), 5), ops::topk(e, 5), "edges largest");
  expect_same_pair(ops::topk(e.cuda(0).t(), 5, 0, false), ops::topk(e.t(), 5, 0, false),
                   "edges smallest");
}

// ---- autograd --------------------------------------------------------------------------------

TEST(CudaSort, GradientsOfSortTopkAndRepeatMatchTheCpu) {
  TB_REQUIRE_GPU();
  for (DType d : {DType::Float32, DType::Float64}) {
    const TensorBase base = values({4, 6}, d, -2, 2, 12);
    const TensorBase seed_sort = values({4, 6}, d, 0.5, 1.5, 13);
    const TensorBase seed_topk = values({4, 3}, d, 0.5, 1.5, 14);
    const TensorBase seed_repeat = values({2, 8, 12}, d, 0.5, 1.5, 15);
    auto run = [&](tb::Device device) {
      const TensorBase x = base.to(device).requires_grad_();
      ag::sort(x, 0, true).first.backward(seed_sort.to(device));
      ag::topk(x, 3, 1).first.backward(seed_topk.to(device));
      ag::repeat(x, {2, 2, 2}).backward(seed_repeat.to(device));
      return x.grad();
    };
    const TensorBase cpu = run(tb::Device::cpu());
    const TensorBase gpu = run(kGpu);
    expect_close(gpu, cpu, 1e-6, 1e-6);
  }
}

// ---- repeat / tile ---------------------------------------------------------------------------

TEST(CudaRepeat, RepeatAndTileMatchTheCpuForLayoutsAndDtypes) {
  TB_REQUIRE_GPU();
  for (DType d : {DType::Float32, DType::Float64, DType::Float16, DType::Int8, DType::Bool,
                  DType::Int64, DType::Complex64}) {
    const TensorBase x = tied_values({3, 4}, d == DType::Complex64 ? DType::Float32 : d, 16).to(d);
    const TensorBase g = x.cuda(0);
    const std::string name(tb::dtype_name(d));
    expect_same_bytes(ops::repeat(g, {2, 3}), ops::repeat(x, {2, 3}), name);
    expect_same_bytes(ops::repeat(g, {2, 1, 3}), ops::repeat(x, {2, 1, 3}), name + " leading");
    expect_same_bytes(ops::repeat(g.t(), {1, 2}), ops::repeat(x.t(), {1, 2}), name + " transposed");
    expect_same_bytes(ops::repeat(g.flip({1}), {2, 2}), ops::repeat(x.flip({1}), {2, 2}),
                name + " flipped");
    const TensorBase row = x.select(0, 1).unsqueeze(0);
    expect_same_bytes(ops::repeat(row.cuda(0).expand({3, 4}), {2, 1}),
                ops::repeat(row.expand({3, 4}), {2, 1}), name + " expanded");
    expect_same_bytes(ops::repeat(g, {0, 2}), ops::repeat(x, {0, 2}), name + " zero repeats");
    expect_same_bytes(ops::tile(g, {2}), ops::tile(x, {2}), name + " tile");
    expect_same_bytes(ops::tile(g, {2, 1, 2}), ops::tile(x, {2, 1, 2}), name + " tile leading");
  }
  const TensorBase z = tb::scalar_tensor(7.0);
  expect_same_bytes(ops::repeat(z.cuda(0), {3, 2}), ops::repeat(z, {3, 2}), "0-d");
  expect_same_bytes(ops::repeat(z.cuda(0), {}), ops::repeat(z, {}), "0-d no repeats");
  const TensorBase empty = tb::zeros({0, 3});
  expect_same_bytes(ops::repeat(empty.cuda(0), {2, 2}), ops::repeat(empty, {2, 2}), "empty");
  // The result is a new tensor: writing it leaves the source alone.
  const TensorBase src = tb::ones({2}).cuda(0);
  ops::repeat(src, {3}).fill_(5);
  expect_same_bytes(src, tb::ones({2}), "source untouched");
}

// ---- randperm --------------------------------------------------------------------------------

TEST(CudaRandperm, TheCpuPermutationForTheSameGeneratorState) {
  TB_REQUIRE_GPU();
  for (int64_t n : {0, 1, 2, 3, 1000, 100003}) {
    for (DType d : {DType::Int64, DType::Int32, DType::Float32}) {
      tb::Generator a(77), b(77);
      const TensorBase gpu = tb::randperm(n, d, kGpu, &a);
      const TensorBase cpu = tb::randperm(n, d, &b);
      expect_same_bytes(gpu, cpu, "randperm " + std::to_string(n));
      // Both generators moved on by the same amount.
      expect_same_bytes(tb::rand({3}, DType::Float32, kGpu, &a), tb::rand({3}, DType::Float32, &b),
                  "the next draw");
    }
  }
  EXPECT_NE(error_of<tb::ValueError>([] { tb::randperm(300, DType::Int8, kGpu); }).find("randperm"),
            std::string::npos);
}

// ---- unique -----------------------------------------------------------------------------------
// unique and unique_consecutive are compositions of device ops (ops/unique.hpp); the GPU gives
// the CPU's bytes, NaN payloads and the first of -0.0/0.0 included (both sorts are stable).

namespace cuda_sort_test {

void expect_same_unique(const tb::UniqueResult& gpu, const tb::UniqueResult& cpu,
                        const std::string& what) {
  expect_same_bytes(gpu.values, cpu.values, what + " (values)");
  expect_same_bytes(gpu.inverse, cpu.inverse, what + " (inverse)");
  expect_same_bytes(gpu.counts, cpu.counts, what + " (counts)");
}

void check_unique_everywhere(const TensorBase& x, const std::string& what) {
  const TensorBase g = x.cuda(0);
  for (int64_t dim = -1; dim < x.dim(); ++dim) {
    const std::optional<int64_t> at = dim < 0 ? std::nullopt : std::optional<int64_t>(dim);
    const std::string where = what + " dim " + (dim < 0 ? "none" : std::to_string(dim));
    expect_same_unique(tb::unique(g, true, true, true, at), tb::unique(x, true, true, true, at),
                       where);
    expect_same_unique(tb::unique_consecutive(g, true, true, at),
                       tb::unique_consecutive(x, true, true, at), where + " consecutive");
  }
}

}  // namespace cuda_sort_test

TEST(CudaUnique, EveryDtypeFlatAndAlongEachDimMatchesTheCpu) {
  TB_REQUIRE_GPU();
  for (DType d : kSortable) {
    const std::string name(tb::dtype_name(d));
    check_unique_everywhere(random_bits({6, 5}, d, 7), name + " random bits");
    check_unique_everywhere(tied_values({7, 3, 2}, d, 8), name + " ties");
  }
  for (DType d : {DType::Float16, DType::BFloat16, DType::Float32, DType::Float64}) {
    check_unique_everywhere(float_edges(d).reshape({4, 8}), std::string(tb::dtype_name(d)) + " edges");
  }
}

TEST(CudaUnique, StridedEmptyZeroDimAndErrors) {
  TB_REQUIRE_GPU();
  const TensorBase b = tied_values({6, 8}, DType::Int32, 9);
  check_unique_everywhere(b.t(), "transposed");
  check_unique_everywhere(b.flip({0, 1}), "flipped");
  check_unique_everywhere(b.slice(1, 1, 8, 3), "step 3");
  for (const Shape& s : {Shape{}, Shape{0}, Shape{0, 4}}) {
    const TensorBase x = tb::ones(s, DType::Float32);
    expect_same_unique(tb::unique(x.cuda(0), true, true, true), tb::unique(x, true, true, true),
                       "shape " + tb::shape_str(s));
  }
  const TensorBase e = tb::ones({0, 4}, DType::Float32);
  expect_same_unique(tb::unique_consecutive(e.cuda(0), true, true, 0),
                     tb::unique_consecutive(e, true, true, 0), "empty rows");
  const std::string msg = error_of<tb::TypeError>(
      [] { tb::unique(tb::zeros({2, 3}, DType::Complex64).cuda(0)); });
  EXPECT_NE(msg.find("unique: not implemented for dtype complex64"), std::string::npos) << msg;
  EXPECT_NE(msg.find("cuda:0"), std::string::npos) << msg;
}

// ---- errors ----------------------------------------------------------------------------------

TEST(CudaSort, ErrorsNameTheOpDtypeDeviceAndShape) {
  TB_REQUIRE_GPU();
  const TensorBase c = tb::zeros({2, 3}, DType::Complex64).cuda(0);
  for (const std::string& msg :
       {error_of<tb::TypeError>([&] { ops::sort(c); }),
        error_of<tb::TypeError>([&] { ops::topk(c, 1); }),
        error_of<tb::TypeError>([&] { ops::argsort(c); })}) {
    EXPECT_NE(msg.find("complex64"), std::string::npos) << msg;
    EXPECT_NE(msg.find("cuda:0"), std::string::npos) << msg;
    EXPECT_NE(msg.find("[2, 3]"), std::string::npos) << msg;
  }
  const TensorBase g = values({2, 3}, DType::Float32).cuda(0);
  EXPECT_NE(error_of<tb::ValueError>([&] { ops::topk(g, 4); }).find("topk: k (4)"),
            std::string::npos);
  EXPECT_NE(error_of<tb::IndexError>([&] { ops::sort(g, 2); }).find("sort"), std::string::npos);
  // Indices from the GPU used on CPU data: the devices are named, nothing is moved silently.
  const std::string mixed = error_of<tb::DeviceError>(
      [&] { ops::gather(values({2, 3}, DType::Float32), 1, ops::argsort(g)); });
  EXPECT_NE(mixed.find("gather"), std::string::npos) << mixed;
  EXPECT_NE(mixed.find("cuda:0"), std::string::npos) << mixed;
}
