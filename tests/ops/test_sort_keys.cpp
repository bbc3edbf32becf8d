// The sort keys of kernels/sort_key.hpp (what the CUDA sort radix-sorts), checked on the host
// against the CPU's sort: for every dtype the CPU sorts, on a grid of edge bit patterns
// (NaNs of every sign and payload, +-inf, +-0, denormals, the extremes, INT_MIN, -1, ...)
// with repeats, (1) keys order any two elements exactly as the CPU's comparison does, both
// directions; (2) std::stable_sort of the keys gives ops::sort's values and indices, and
// its first k give ops::topk's; (3) the row packing of the device sort (row number above
// the key bits, or a second stable sort by row) sorts each row of a matrix on its own.
// This is the only check the GPU's ordering gets on a machine without a GPU.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <numeric>
#include <string>
#include <type_traits>
#include <vector>

#include "tensorbridge/kernels/sort_key.hpp"
#include "tensorbridge/tensorbridge.hpp"

namespace tb = tensorbridge;
namespace kn = tensorbridge::kernels;
using tb::DType;
using tb::TensorBase;

namespace sort_keys_test {

const DType kSortable[] = {DType::Bool,    DType::Int8,     DType::Int16,   DType::Int32,
                           DType::Int64,   DType::UInt8,    DType::UInt16,  DType::UInt32,
                           DType::UInt64,  DType::Float16,  DType::BFloat16, DType::Float32,
                           DType::Float64};

// The element's bits, zero-extended (what the device kernel reads).
uint64_t bits_at(const TensorBase& t, int64_t i) {
  uint64_t b = 0;
  std::memcpy(&b, static_cast<const char*>(t.data_ptr()) + i * t.element_size(), t.element_size());
  return b;
}

void set_bits(const TensorBase& t, int64_t i, uint64_t b) {
  std::memcpy(static_cast<char*>(t.data_ptr()) + i * t.element_size(), &b, t.element_size());
}

// Edge patterns of `d` (each twice, so that there are ties) in a fixed shuffled order.
TensorBase edge_values(DType d) {
  const kn::SortKeyFormat f = kn::sort_key_format(d);
  const uint64_t mask = kn::sort_key_mask(f.bits), sign = uint64_t(1) << (f.bits - 1);
  std::vector<uint64_t> patterns;
  if (d == DType::Bool) {
    patterns = {0, 1, 1, 0, 1};
  } else {
    patterns = {0, 1, 2, 3, mask, mask - 1, mask - 2, sign, sign + 1, sign - 1, sign - 2,
                sign | 2, 0x5555555555555555ull & mask, 0xAAAAAAAAAAAAAAAAull & mask,
                0x0123456789ABCDEFull & mask, 0xFEDCBA9876543210ull & mask};
    if (f.kind == kn::SortKeyKind::Float) {
      const uint64_t quiet = (f.inf >> 1) & ~f.inf;  // the top mantissa bit
      const uint64_t extra[] = {f.inf,          sign | f.inf,      f.inf | 1,  f.inf | quiet,
                                sign | f.inf | 1, sign | f.inf | quiet, mask & ~sign, f.inf - 1,
                                sign | (f.inf - 1), quiet, sign | quiet,  sign | 1};
      patterns.insert(patterns.end(), std::begin(extra), std::end(extra));
      // Ordinary values next to the edges: +-1, +-0.5, +-2, +-1e-3, 65504, 3e38.
      const TensorBase numbers =
          tb::tensor<double>({1.0, -1.0, 0.5, -0.5, 2.0, -2.0, 1e-3, -1e-3, 65504.0, 3e38, -3e38})
              .to(d);
      for (int64_t i = 0; i < numbers.numel(); ++i) patterns.push_back(bits_at(numbers, i));
    } else if (f.kind == kn::SortKeyKind::Signed) {
      patterns.push_back(mask - 99);  // -100
      patterns.push_back(100);
    }
  }
  const auto n = static_cast<int64_t>(patterns.size());
  tb::Generator gen(12345);
  const TensorBase order = tb::ops::randperm(2 * n, DType::Int64, &gen);
  TensorBase t = tb::empty({2 * n}, d);
  for (int64_t i = 0; i < 2 * n; ++i) {
    set_bits(t, i, patterns[static_cast<std::size_t>(order.as<const int64_t>()(i) % n)]);
  }
  return t;
}

// The CPU's comparison of elements i and j (NaN largest; 16-bit floats as float).
bool cpu_less(const TensorBase& t, int64_t i, int64_t j) {
  return tb::visit_dtype(t.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    if constexpr (std::is_same_v<T, tb::complex64> || std::is_same_v<T, tb::complex128>) {
      return false;
    } else {
      using K = tb::ops::sort_detail::key_t<T>;
      const T* p = static_cast<const T*>(t.data_ptr());
      return tb::ops::sort_detail::less_nan_last(static_cast<K>(p[i]), static_cast<K>(p[j]));
    }
  });
}

std::vector<uint64_t> keys_of(const TensorBase& t, bool descending) {
  const kn::SortKeyFormat f = kn::sort_key_format(t.dtype());
  std::vector<uint64_t> keys;
  for (int64_t i = 0; i < t.numel(); ++i) {
    keys.push_back(kn::sort_key(bits_at(t, i), f, descending));
  }
  return keys;
}

// Positions 0 .. n-1 stably sorted by key.
std::vector<int64_t> stable_order(const std::vector<uint64_t>& keys) {
  std::vector<int64_t> perm(keys.size());
  std::iota(perm.begin(), perm.end(), int64_t(0));
  std::stable_sort(perm.begin(), perm.end(), [&](int64_t a, int64_t b) {
    return keys[static_cast<std::size_t>(a)] < keys[static_cast<std::size_t>(b)];
  });
  return perm;
}

std::vector<int64_t> as_vector(const TensorBase& indices) {
  return indices.contiguous().as<const int64_t>().to_vector();
}

// Raw bits of t's elements at `positions`, to compare values without NaN != NaN.
std::vector<uint64_t> bits_of(const TensorBase& t, const std::vector<int64_t>& positions) {
  std::vector<uint64_t> out;
  for (int64_t p : positions) out.push_back(bits_at(t, p));
  return out;
}

std::vector<uint64_t> all_bits(const TensorBase& t) {
  const TensorBase c = t.contiguous();
  std::vector<int64_t> all(static_cast<std::size_t>(c.numel()));
  std::iota(all.begin(), all.end(), int64_t(0));
  return bits_of(c, all);
}

}  // namespace sort_keys_test

using namespace sort_keys_test;

TEST(SortKeys, FormatsCoverEverySortableDtypeAndNotComplex) {
  for (DType d : kSortable) {
    const kn::SortKeyFormat f = kn::sort_key_format(d);
    EXPECT_EQ(f.bits, 8 * static_cast<int>(tb::itemsize(d))) << d;
    EXPECT_EQ(f.kind == kn::SortKeyKind::Float, tb::is_floating_point(d)) << d;
  }
  EXPECT_EQ(kn::sort_key_format(DType::Complex64).bits, 0);
  EXPECT_EQ(kn::sort_key_format(DType::Complex128).bits, 0);
  EXPECT_EQ(kn::sort_key_mask(8), 0xFFu);
  EXPECT_EQ(kn::sort_key_mask(64), ~uint64_t(0));
}

TEST(SortKeys, OrderAnyTwoElementsAsTheCpuDoes) {
  for (DType d : kSortable) {
    const TensorBase t = edge_values(d);
    const std::vector<uint64_t> up = keys_of(t, false), down = keys_of(t, true);
    const uint64_t mask = kn::sort_key_mask(kn::sort_key_format(d).bits);
    for (int64_t i = 0; i < t.numel(); ++i) {
      const auto si = static_cast<std::size_t>(i);
      ASSERT_EQ(up[si] & ~mask, 0u) << d << " element " << i << " key wider than the element";
      ASSERT_EQ(down[si] & ~mask, 0u) << d << " element " << i;
      for (int64_t j = 0; j < t.numel(); ++j) {
        const auto sj = static_cast<std::size_t>(j);
        ASSERT_EQ(up[si] < up[sj], cpu_less(t, i, j))
            << d << ": bits " << std::hex << bits_at(t, i) << " vs " << bits_at(t, j);
        ASSERT_EQ(down[si] < down[sj], cpu_less(t, j, i))
            << d << " descending: bits " << std::hex << bits_at(t, i) << " vs " << bits_at(t, j);
      }
    }
  }
}

TEST(SortKeys, StableSortOfKeysIsTheCpuSortAndTopk) {
  for (DType d : kSortable) {
    const TensorBase t = edge_values(d);
    const int64_t n = t.numel();
    for (bool descending : {false, true}) {
      const std::vector<int64_t> order = stable_order(keys_of(t, descending));
      const auto [values, indices] = tb::ops::sort(t, 0, descending, true);
      ASSERT_EQ(as_vector(indices), order) << d << (descending ? " descending" : "");
      EXPECT_EQ(all_bits(values), bits_of(t, order)) << d;
      for (int64_t k : {int64_t(0), int64_t(1), n / 3, n - 1, n}) {
        const auto [kv, ki] = tb::ops::topk(t, k, 0, /*largest=*/descending);
        const std::vector<int64_t> first(order.begin(), order.begin() + k);
        ASSERT_EQ(as_vector(ki), first) << d << " k=" << k << (descending ? " largest" : "");
        EXPECT_EQ(all_bits(kv), bits_of(t, first)) << d << " k=" << k;
      }
    }
  }
}

TEST(SortKeys, RowPackingSortsEachRowOnItsOwn) {
  // The device sorts all rows in one radix sort: with the row number in the bits above the
  // key when they fit in 64, else sorted by key first and then stably by row.
  for (DType d : {DType::Int8, DType::Float16, DType::Float32, DType::Float64, DType::UInt64}) {
    const TensorBase flat = edge_values(d);
    const int64_t rows = 3, n = flat.numel() / rows;
    const TensorBase m = flat.narrow(0, 0, rows * n).reshape({rows, n});
    const kn::SortKeyFormat f = kn::sort_key_format(d);
    const int row_bits = kn::sort_row_bits(rows);
    for (bool descending : {false, true}) {
      const std::vector<uint64_t> keys = keys_of(m, descending);
      std::vector<int64_t> order;
      if (f.bits + row_bits <= 64) {
        std::vector<uint64_t> packed(keys);
        for (std::size_t i = 0; i < packed.size(); ++i) {
          packed[i] |= static_cast<uint64_t>(static_cast<int64_t>(i) / n) << f.bits;
        }
        order = stable_order(packed);
      } else {
        const std::vector<int64_t> by_key = stable_order(keys);
        std::vector<uint64_t> row_of;
        for (int64_t p : by_key) row_of.push_back(static_cast<uint64_t>(p / n));
        for (int64_t q : stable_order(row_of)) order.push_back(by_key[static_cast<std::size_t>(q)]);
      }
      std::vector<int64_t> in_row;
      for (std::size_t j = 0; j < order.size(); ++j) {
        in_row.push_back(order[j] - static_cast<int64_t>(j) / n * n);
      }
      EXPECT_EQ(in_row, as_vector(tb::ops::sort(m, 1, descending).second)) << d;
    }
  }
}

TEST(SortKeys, RowBitsNumberEveryRow) {
  EXPECT_EQ(kn::sort_row_bits(0), 0);
  EXPECT_EQ(kn::sort_row_bits(1), 0);
  EXPECT_EQ(kn::sort_row_bits(2), 1);
  EXPECT_EQ(kn::sort_row_bits(3), 2);
  EXPECT_EQ(kn::sort_row_bits(4), 2);
  EXPECT_EQ(kn::sort_row_bits(5), 3);
  EXPECT_EQ(kn::sort_row_bits(int64_t(1) << 32), 32);
  EXPECT_EQ(kn::sort_row_bits((int64_t(1) << 32) + 1), 33);
}

TEST(TopK, ZeroDimWithKZeroIsTheElementAsInPyTorch) {
  // torch.tensor(3.).topk(0) -> values tensor(3.), indices tensor(0); the device path relies
  // on the CPU's answer here being defined.
  const auto [v, i] = tb::ops::topk(tb::scalar_tensor(3.0), 0);
  EXPECT_EQ(v.dim(), 0);
  EXPECT_EQ(v.item<double>(), 3.0);
  EXPECT_EQ(i.item<int64_t>(), 0);
}
