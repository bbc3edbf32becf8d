#pragma once
// CUDA inclusive scans (cumsum, cumprod) along one dimension, in the CPU's accumulator
// types (float for the 16-bit floats, int64 for integers, complex numbers in their own
// precision) and the CPU's order of operations, so results match the CPU's exactly for
// integers and up to the rounding of the device.
//
// Limitation: one thread scans one line, sequentially. That is fast when there are many
// lines (thousands) and slow for a few long lines (a single line of a million elements runs
// on one thread); a parallel scan within a line is future work.
#include <cuda_runtime.h>

#include <cstdint>
#include <string_view>
#include <vector>

#include "tensorbridge/core/tensor_base.hpp"
#include "tensorbridge/kernels/cuda/common.cuh"
#include "tensorbridge/kernels/cuda/offset_calculator.cuh"

namespace tensorbridge::kernels::cuda {

struct ScanLayout {
  OffsetCalculator<2> outer;  // the first element of each line in out (0) and x (1)
  int64_t lines = 0;
  int64_t count = 0;
  int64_t step_out = 0;  // bytes
  int64_t step_in = 0;
};

template <typename In, typename Out, bool kProd>
__global__ void scan_kernel(char* out, const char* x, ScanLayout l) {
  const int64_t line = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
  if (line >= l.lines) return;
  int64_t off[2];
  l.outer.get(line, off);
  using Acc = opmath_t<In>;
  Acc acc = kProd ? Acc(1) : Acc(0);
  for (int64_t i = 0; i < l.count; ++i) {
    const Acc v = widen(*reinterpret_cast<const In*>(x + off[1] + i * l.step_in));
    acc = kProd ? Acc(acc * v) : Acc(acc + v);
    *reinterpret_cast<Out*>(out + off[0] + i * l.step_out) = convert<Out>(acc);
  }
}

// out (x's shape; int64 when x is) = the "cumsum" or "cumprod" of x along dim.
inline void scan(const char* op, const TensorBase& out, const TensorBase& x, int64_t dim,
                 cudaStream_t stream) {
  if (x.numel() == 0) return;
  const std::string_view name(op);
  TB_CHECK(name == "cumsum" || name == "cumprod", TypeError, op, ": not a scan on CUDA");
  TB_CHECK(out.dtype() == x.dtype(), TypeError, op, ": not supported on CUDA from dtype ",
           x.dtype(), " to dtype ", out.dtype());
  std::vector<int64_t> so = out.byte_strides(), si = x.byte_strides();
  Shape outer = x.shape();
  ScanLayout l;
  l.count = 1;
  if (x.dim() > 0) {
    l.count = outer[dim];
    l.step_out = so[dim];
    l.step_in = si[dim];
    outer.erase(outer.begin() + dim);
    so.erase(so.begin() + dim);
    si.erase(si.begin() + dim);
  }
  l.lines = x.numel() / l.count;
  l.outer = make_offset_calculator<2>(outer, {so, si}, op);
  auto* po = static_cast<char*>(out.data_ptr());
  const auto* px = static_cast<const char*>(x.data_ptr());
  visit_accumulate_dtype(x.dtype(), op, [&](auto tag) {
    using T = typename decltype(tag)::type;
    if constexpr (std::is_integral_v<T> && !std::is_same_v<T, int64_t>) {
      TB_THROW(TypeError, op, ": integers scan as int64 on CUDA, got ", x.dtype());
    } else if (name == "cumprod") {
      scan_kernel<T, T, true><<<blocks_for(l.lines), kBlockSize, 0, stream>>>(po, px, l);
    } else {
      scan_kernel<T, T, false><<<blocks_for(l.lines), kBlockSize, 0, stream>>>(po, px, l);
    }
  });
  check_launch(op);
}

}  // namespace tensorbridge::kernels::cuda
