#pragma once
// An N-operand loop that visits elements in row-major order of the logical shape, for
// kernels whose result depends on the order: masked_select, nonzero, scatter with repeated
// indices. It drops size-1 dimensions and merges neighbours that are contiguous with each
// other in every operand (neither changes the order), but never reorders dimensions the
// way core's strided_loop does for speed.
#include <array>
#include <cstddef>
#include <cstdint>

#include "tensorbridge/core/shape.hpp"

namespace tensorbridge {
namespace kernels {
namespace cpu {

// Calls inner(ptrs, inner_byte_strides, count) once per innermost row, rows in row-major
// order. Does nothing for a zero-size shape; a 0-d shape is one row of one element.
template <std::size_t N, typename Inner>
void ordered_loop(const Shape& shape, std::array<char*, N> base,
                  const std::array<const int64_t*, N>& byte_strides, Inner&& inner) {
  for (int64_t s : shape) {
    if (s == 0) return;
  }
  std::array<int64_t, kMaxDims> size{};
  std::array<std::array<int64_t, kMaxDims>, N> stride{};
  int nd = 0;
  for (std::size_t d = 0; d < shape.size(); ++d) {
    if (shape[d] == 1) continue;
    // The previous (outer) dimension merges into this one when it steps exactly over it.
    bool merge = nd > 0;
    for (std::size_t k = 0; merge && k < N; ++k) {
      merge = stride[k][nd - 1] == byte_strides[k][d] * shape[d];
    }
    if (merge) {
      size[nd - 1] *= shape[d];
      for (std::size_t k = 0; k < N; ++k) stride[k][nd - 1] = byte_strides[k][d];
      continue;
    }
    size[nd] = shape[d];
    for (std::size_t k = 0; k < N; ++k) stride[k][nd] = byte_strides[k][d];
    ++nd;
  }
  std::array<int64_t, N> inner_stride{};
  if (nd == 0) {
    inner(base, inner_stride, int64_t(1));
    return;
  }
  const int last = nd - 1;
  for (std::size_t k = 0; k < N; ++k) inner_stride[k] = stride[k][last];
  std::array<int64_t, kMaxDims> index{};
  std::array<char*, N> ptr = base;
  while (true) {
    inner(ptr, inner_stride, size[last]);
    int d = last - 1;
    for (; d >= 0; --d) {
      if (++index[d] < size[d]) {
        for (std::size_t k = 0; k < N; ++k) ptr[k] += stride[k][d];
        break;
      }
      index[d] = 0;
      for (std::size_t k = 0; k < N; ++k) ptr[k] -= stride[k][d] * (size[d] - 1);
    }
    if (d < 0) return;
  }
}

}  // namespace cpu
}  // namespace kernels
}  // namespace tensorbridge
