#pragma once
// CUDA sort of each row of a contiguous [rows, n] tensor (ops/sort.hpp moves the sorted dim
// last): sort, argsort and topk, with the CPU's order.
//
// Every element becomes an unsigned 64-bit key whose order is the CPU's (kernels/
// sort_key.hpp: NaN largest, -0.0 == +0.0, descending by complement), with its flat position
// as the value, and CUB's LSD radix sort (stable) sorts all rows at once: the row number sits
// in the bits above the key when both fit in 64 bits, otherwise a second stable radix sort by
// row follows. Only the bits in use are sorted (8 per pass), so a float32 row costs what a
// 32-bit sort costs. Stability makes ties keep their position order, which is what the CPU
// gives (stable or not); topk is the first k of the sorted row, as on the CPU. Then one
// kernel gathers values and indices. Every dtype but complex sorts, on its own bits: one CUB
// instantiation (uint64 keys, int64 values) serves them all, which keeps nvcc time low.
//
// Memory: 32 bytes per element for the double-buffered keys and positions, plus CUB's
// scratch, all from the stream-ordered pool on the current stream.
#include <cub/device/device_radix_sort.cuh>
#include <cuda_runtime.h>

#include <cstddef>
#include <cstdint>

#include "tensorbridge/core/tensor_base.hpp"
#include "tensorbridge/cuda/allocator.hpp"
#include "tensorbridge/cuda/error.hpp"
#include "tensorbridge/cuda/stream.hpp"
#include "tensorbridge/kernels/cuda/common.cuh"
#include "tensorbridge/kernels/cuda/copy.cuh"
#include "tensorbridge/kernels/sort_key.hpp"

namespace tensorbridge::kernels::cuda {

// Grid-stride loops: any element count fits the grid limits.
#define TB_SORT_FOR_EACH(i, count)                                                      \
  for (int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < (count);         \
       i += int64_t(blockDim.x) * gridDim.x)

// keys[i] = the key of x[i] (E: an unsigned integer of the element's width), with its row
// number shifted above the key's bits when `packed`; order[i] = i.
template <typename E>
__global__ void sort_keys_kernel(uint64_t* keys, int64_t* order, const E* x, int64_t total,
                                 int64_t n, SortKeyFormat format, bool descending, bool packed) {
  TB_SORT_FOR_EACH(i, total) {
    uint64_t key = sort_key(static_cast<uint64_t>(x[i]), format, descending);
    if (packed) key |= static_cast<uint64_t>(i / n) << format.bits;
    keys[i] = key;
    order[i] = i;
  }
}

// keys[j] = the row of the element at order[j] (for the second, by-row sort).
template <int = 0>
__global__ void sort_rows_kernel(uint64_t* keys, const int64_t* order, int64_t total, int64_t n) {
  TB_SORT_FOR_EACH(j, total) { keys[j] = static_cast<uint64_t>(order[j] / n); }
}

// The first k of each sorted row: values[r, p] = x[order[r * n + p]] and its position in
// the row.
template <typename E>
__global__ void sort_gather_kernel(E* values, int64_t* indices, const E* x, const int64_t* order,
                                   int64_t total, int64_t n, int64_t k) {
  TB_SORT_FOR_EACH(j, total) {
    const int64_t row = j / k;
    const int64_t src = order[row * n + (j - row * k)];
    values[j] = x[src];
    indices[j] = src - row * n;
  }
}

#undef TB_SORT_FOR_EACH

// Stable ascending radix sort of bits [0, end_bit) of the keys, carrying the positions; the
// buffers' selectors say where the result is.
inline void radix_sort_pairs(const char* op, cub::DoubleBuffer<uint64_t>& keys,
                             cub::DoubleBuffer<int64_t>& order, int64_t count, int end_bit,
                             Device device, const tensorbridge::cuda::Stream& stream) {
  std::size_t scratch_bytes = 0;
  tensorbridge::cuda::check(cub::DeviceRadixSort::SortPairs(nullptr, scratch_bytes, keys, order,
                                                            count, 0, end_bit, stream.handle()),
                            op, "cub::DeviceRadixSort::SortPairs (scratch size)");
  // Never null: CUB takes a null scratch pointer for a size query and would not sort.
  const auto scratch = tensorbridge::cuda::allocate(scratch_bytes > 0 ? scratch_bytes : 1, device,
                                                    stream);
  tensorbridge::cuda::check(cub::DeviceRadixSort::SortPairs(scratch->data(), scratch_bytes, keys,
                                                            order, count, 0, end_bit,
                                                            stream.handle()),
                            op, "cub::DeviceRadixSort::SortPairs");
}

// values and int64 indices ([rows, k], contiguous) = the first k of each row of x ([rows, n],
// contiguous, any dtype but complex) sorted ascending or descending, and where they were.
inline void sort(const char* op, const TensorBase& values, const TensorBase& indices,
                 const TensorBase& x, bool descending, const tensorbridge::cuda::Stream& stream) {
  const SortKeyFormat format = sort_key_format(x.dtype());
  TB_CHECK(format.bits != 0, TypeError, op, ": not supported on CUDA for dtype ", x.dtype(),
           " (tensor on ", x.device(), ", shape ", shape_str(x.shape()), ")");
  TB_CHECK(x.dim() >= 1 && x.is_contiguous() && values.is_contiguous() &&
               indices.is_contiguous() && values.dtype() == x.dtype() &&
               indices.dtype() == DType::Int64 && values.shape() == indices.shape(),
           Error, op, ": bad operands for the CUDA sort: x ", shape_str(x.shape()), " ",
           x.dtype(), ", values ", shape_str(values.shape()), " ", values.dtype(), ", indices ",
           shape_str(indices.shape()), " ", indices.dtype());
  if (values.numel() == 0) return;
  const int64_t total = x.numel();
  const int64_t n = x.shape().back();
  const int64_t k = values.shape().back();
  const int64_t rows = total / n;
  const int row_bits = sort_row_bits(rows);
  const bool packed = row_bits > 0 && format.bits + row_bits <= 64;
  const Device device = x.device();
  // Two buffers of 8-byte keys and two of positions.
  const auto bytes = static_cast<std::size_t>(tensorbridge::detail::checked_mul(total, 16, op));
  const auto key_memory = tensorbridge::cuda::allocate(bytes, device, stream);
  const auto order_memory = tensorbridge::cuda::allocate(bytes, device, stream);
  auto* key_data = static_cast<uint64_t*>(key_memory->data());
  auto* order_data = static_cast<int64_t*>(order_memory->data());
  cub::DoubleBuffer<uint64_t> keys(key_data, key_data + total);
  cub::DoubleBuffer<int64_t> order(order_data, order_data + total);
  const cudaStream_t s = stream.handle();
  visit_element_size(x.element_size(), [&](auto tag) {
    using E = typename decltype(tag)::type;
    if constexpr (sizeof(E) <= sizeof(uint64_t)) {
      sort_keys_kernel<E><<<blocks_for(total), kBlockSize, 0, s>>>(
          keys.Current(), order.Current(), static_cast<const E*>(x.data_ptr()), total, n, format,
          descending, packed);
    }
  });
  check_launch(op);
  radix_sort_pairs(op, keys, order, total, packed ? format.bits + row_bits : format.bits, device,
                   stream);
  if (row_bits > 0 && !packed) {
    sort_rows_kernel<><<<blocks_for(total), kBlockSize, 0, s>>>(keys.Current(), order.Current(),
                                                                total, n);
    check_launch(op);
    radix_sort_pairs(op, keys, order, total, row_bits, device, stream);
  }
  const int64_t out_total = values.numel();
  visit_element_size(x.element_size(), [&](auto tag) {
    using E = typename decltype(tag)::type;
    if constexpr (sizeof(E) <= sizeof(uint64_t)) {
      sort_gather_kernel<E><<<blocks_for(out_total), kBlockSize, 0, s>>>(
          static_cast<E*>(values.data_ptr()), static_cast<int64_t*>(indices.data_ptr()),
          static_cast<const E*>(x.data_ptr()), order.Current(), out_total, n, k);
    }
  });
  check_launch(op);
}

}  // namespace tensorbridge::kernels::cuda
