#pragma once
// Byte offsets of element i (in row-major order of the iteration shape) in each operand of
// an elementwise kernel. The host side drops size-1 dimensions and merges dimensions that
// are contiguous in every operand, so most layouts need one or two dimensions; at most
// kMaxKernelDims remain.
#include <cuda_runtime.h>

#include <array>
#include <cstdint>
#include <vector>

#include "tensorbridge/core/error.hpp"
#include "tensorbridge/core/shape.hpp"

namespace tensorbridge::kernels::cuda {

inline constexpr int kMaxKernelDims = 10;

template <int N>
struct OffsetCalculator {
  int ndim = 0;
  int64_t sizes[kMaxKernelDims] = {};           // innermost first
  int64_t strides[kMaxKernelDims][N] = {};      // in bytes, per operand

  __device__ __forceinline__ void get(int64_t index, int64_t (&offsets)[N]) const {
#pragma unroll
    for (int k = 0; k < N; ++k) offsets[k] = 0;
#pragma unroll
    for (int d = 0; d < kMaxKernelDims; ++d) {
      if (d == ndim) break;
      const int64_t i = index % sizes[d];
      index /= sizes[d];
#pragma unroll
      for (int k = 0; k < N; ++k) offsets[k] += i * strides[d][k];
    }
  }

  // True when every operand walks memory with unit element stride (after merging), so the
  // element offsets are index * itemsize.
  bool contiguous(const std::array<int64_t, N>& itemsizes) const {
    if (ndim == 0) return true;
    if (ndim > 1) return false;
    for (int k = 0; k < N; ++k) {
      if (strides[0][k] != itemsizes[k]) return false;
    }
    return true;
  }
};

// `byte_strides[k]` are operand k's strides (in bytes) over `shape`.
template <int N>
OffsetCalculator<N> make_offset_calculator(const Shape& shape,
                                           const std::array<std::vector<int64_t>, N>& byte_strides,
                                           const char* op) {
  OffsetCalculator<N> calc;
  std::vector<int64_t> sizes;
  std::vector<std::array<int64_t, N>> strides;
  for (std::size_t d = shape.size(); d-- > 0;) {  // innermost first
    if (shape[d] == 1) continue;
    std::array<int64_t, N> s;
    for (int k = 0; k < N; ++k) s[k] = byte_strides[k][d];
    if (!sizes.empty()) {
      bool mergeable = true;
      for (int k = 0; k < N; ++k) mergeable &= s[k] == strides.back()[k] * sizes.back();
      if (mergeable) {
        sizes.back() *= shape[d];
        continue;
      }
    }
    sizes.push_back(shape[d]);
    strides.push_back(s);
  }
  TB_CHECK(static_cast<int>(sizes.size()) <= kMaxKernelDims, ValueError, op,
           ": CUDA kernels take at most ", kMaxKernelDims,
           " dimensions that cannot be merged; this layout has ", sizes.size(),
           " (make the operands contiguous first)");
  calc.ndim = static_cast<int>(sizes.size());
  for (std::size_t d = 0; d < sizes.size(); ++d) {
    calc.sizes[d] = sizes[d];
    for (int k = 0; k < N; ++k) calc.strides[d][k] = strides[d][k];
  }
  return calc;
}

}  // namespace tensorbridge::kernels::cuda
