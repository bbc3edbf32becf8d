#pragma once
// CUDA reductions (sum, prod, max, min; complex numbers: sum, prod) over all dimensions or any
// subset. Values combine within a warp by shuffles and across warps through shared memory. A
// full reduction of a contiguous tensor runs in two passes (many blocks, each reading
// 4-element vectors in a grid-stride loop, then one block over their partial results);
// reductions along dimensions give each output a block (reduced elements adjacent in memory,
// or few outputs) or a thread (reduced elements far apart: neighbouring threads then read
// neighbouring elements).
#include <cuda_runtime.h>
#include <math_constants.h>

#include <cstdint>
#include <memory>
#include <vector>

#include "tensorbridge/core/tensor_base.hpp"
#include "tensorbridge/cuda/allocator.hpp"
#include "tensorbridge/cuda/stream.hpp"
#include "tensorbridge/kernels/cuda/common.cuh"
#include "tensorbridge/kernels/cuda/elementwise.cuh"
#include "tensorbridge/kernels/cuda/math.cuh"
#include "tensorbridge/kernels/cuda/offset_calculator.cuh"

namespace tensorbridge::kernels::cuda {

// Integer sums and products wrap, as on the CPU.
template <typename Acc>
struct SumReduce {
  __device__ Acc identity() const { return Acc(0); }
  __device__ Acc combine(Acc a, Acc b) const {
    if constexpr (is_int_v<Acc>) return wrap_add(a, b);
    else return a + b;
  }
};
template <typename Acc>
struct ProdReduce {
  __device__ Acc identity() const { return Acc(1); }
  __device__ Acc combine(Acc a, Acc b) const { return MulOp{}(a, b); }
};
// NaN wins, as on the CPU.
template <typename Acc, bool kMax>
struct ExtremeReduce {
  __device__ Acc identity() const {
    if constexpr (std::is_same_v<Acc, float>) {
      return kMax ? -CUDART_INF_F : CUDART_INF_F;
    } else if constexpr (std::is_same_v<Acc, double>) {
      return kMax ? -CUDART_INF : CUDART_INF;
    } else {
      return kMax ? int_min<Acc>() : int_max<Acc>();
    }
  }
  __device__ Acc combine(Acc a, Acc b) const {
    if (is_nan(a)) return a;
    if (is_nan(b)) return b;
    return kMax ? (a > b ? a : b) : (a < b ? a : b);
  }
};

inline constexpr int kReduceBlock = 512;

// v from the lane `offset` above (warp shuffles move 32 or 64 bits: complex numbers move as
// their two parts).
template <typename Acc>
__device__ __forceinline__ Acc shuffle_down(Acc v, int offset) {
  if constexpr (is_complex_struct_v<Acc>) {
    return {__shfl_down_sync(0xffffffffu, v.re, offset),
            __shfl_down_sync(0xffffffffu, v.im, offset)};
  } else {
    return __shfl_down_sync(0xffffffffu, v, offset);
  }
}

// The block's combined value, valid in thread 0. Safe to call repeatedly in one kernel.
template <typename Acc, typename R>
__device__ Acc block_reduce(Acc v, const R& r) {
  __shared__ Acc partial[32];
  for (int o = 16; o > 0; o >>= 1) v = r.combine(v, shuffle_down(v, o));
  const int lane = threadIdx.x % 32;
  const int warp = threadIdx.x / 32;
  __syncthreads();  // an earlier call's readers are done with `partial`
  if (lane == 0) partial[warp] = v;
  __syncthreads();
  if (warp == 0) {
    v = lane < static_cast<int>((blockDim.x + 31) / 32) ? partial[lane] : r.identity();
    for (int o = 16; o > 0; o >>= 1) v = r.combine(v, shuffle_down(v, o));
  }
  return v;
}

// out[blockIdx.x] = the block's share of x[0..n) (grid-stride, vectorized when aligned).
template <typename In, typename Acc, typename R>
__global__ void reduce_contiguous_kernel(const In* __restrict__ x, int64_t n, Acc* out,
                                         bool aligned, R r) {
  Acc acc = r.identity();
  const int64_t stride = int64_t(gridDim.x) * blockDim.x;
  int64_t start = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
  if (aligned) {
    const int64_t vectors = n / kVector;
    for (int64_t v = start; v < vectors; v += stride) {
      const Vec<In> vx = reinterpret_cast<const Vec<In>*>(x)[v];
#pragma unroll
      for (int i = 0; i < kVector; ++i) acc = r.combine(acc, static_cast<Acc>(widen(vx.v[i])));
    }
    start += vectors * kVector;  // the tail
  }
  for (int64_t i = start; i < n; i += stride) acc = r.combine(acc, static_cast<Acc>(widen(x[i])));
  acc = block_reduce(acc, r);
  if (threadIdx.x == 0) out[blockIdx.x] = acc;
}

// Where output o's elements are: outer gives the first one's offset, inner walks the
// reduced dims (a single stride when they merged into one dimension).
struct ReduceLayout {
  OffsetCalculator<1> outer;
  OffsetCalculator<1> inner;
  int64_t outputs = 0;
  int64_t count = 0;  // elements per output
};

template <typename In>
__device__ __forceinline__ const In* reduced_element(const char* first, const ReduceLayout& l,
                                                     int64_t j) {
  if (l.inner.ndim <= 1) {
    return reinterpret_cast<const In*>(first + (l.inner.ndim ? j * l.inner.strides[0][0] : 0));
  }
  int64_t off[1];
  l.inner.get(j, off);
  return reinterpret_cast<const In*>(first + off[0]);
}

template <typename In, typename Acc, typename R>
__global__ void reduce_per_thread_kernel(const char* x, Acc* out, ReduceLayout l, R r) {
  const int64_t o = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
  if (o >= l.outputs) return;
  int64_t off[1];
  l.outer.get(o, off);
  const char* first = x + off[0];
  Acc acc = r.identity();
  for (int64_t j = 0; j < l.count; ++j) {
    acc = r.combine(acc, static_cast<Acc>(widen(*reduced_element<In>(first, l, j))));
  }
  out[o] = acc;
}

template <typename In, typename Acc, typename R>
__global__ void reduce_per_block_kernel(const char* x, Acc* out, ReduceLayout l, R r) {
  for (int64_t o = blockIdx.x; o < l.outputs; o += gridDim.x) {
    int64_t off[1];
    l.outer.get(o, off);
    const char* first = x + off[0];
    Acc acc = r.identity();
    for (int64_t j = threadIdx.x; j < l.count; j += blockDim.x) {
      acc = r.combine(acc, static_cast<Acc>(widen(*reduced_element<In>(first, l, j))));
    }
    acc = block_reduce(acc, r);
    if (threadIdx.x == 0) out[o] = acc;
  }
}

// out (x's shape with 1 where x is reduced, contiguous, element type Acc) = r over x.
template <typename In, typename Acc, typename R>
void launch_reduce(const char* op, const TensorBase& out, const TensorBase& x, R r,
                   const tensorbridge::cuda::Stream& stream) {
  const int64_t outputs = out.numel();
  if (outputs == 0) return;
  Shape kept, reduced;
  std::vector<int64_t> kept_strides, reduced_strides;
  const auto xs = x.byte_strides();
  for (int64_t d = 0; d < x.dim(); ++d) {
    const bool is_reduced = out.shape()[d] == 1 && x.shape()[d] != 1;
    (is_reduced ? reduced : kept).push_back(x.shape()[d]);
    (is_reduced ? reduced_strides : kept_strides).push_back(xs[d]);
  }
  ReduceLayout l;
  l.outputs = outputs;
  l.count = checked_numel(reduced, op);
  l.outer = make_offset_calculator<1>(kept, {kept_strides}, op);
  l.inner = make_offset_calculator<1>(reduced, {reduced_strides}, op);
  auto* po = static_cast<Acc*>(out.data_ptr());
  const auto* px = static_cast<const char*>(x.data_ptr());
  if (l.count == 0) {  // only sums reach here (empty max/min are refused earlier)
    tensorbridge::cuda::check(cudaMemsetAsync(po, 0, out.nbytes(), stream.handle()), op,
                              "cudaMemsetAsync");
    return;
  }
  const bool rows = l.inner.ndim <= 1 &&
                    (l.inner.ndim == 0 || l.inner.strides[0][0] == int64_t(sizeof(In)));
  if (outputs == 1 && rows) {
    const auto* first = reinterpret_cast<const In*>(px);
    const unsigned blocks = std::min<unsigned>(1024, blocks_for(l.count, kReduceBlock * 8));
    auto partial = tensorbridge::cuda::allocate(blocks * sizeof(Acc), out.device(), stream);
    auto* pp = static_cast<Acc*>(partial->data());
    reduce_contiguous_kernel<In, Acc, R><<<blocks, kReduceBlock, 0, stream.handle()>>>(
        first, l.count, pp, vector_aligned<In>(first), r);
    check_launch(op);
    reduce_contiguous_kernel<Acc, Acc, R><<<1, kReduceBlock, 0, stream.handle()>>>(
        pp, blocks, po, false, r);
    check_launch(op);
    return;  // `partial` is freed in stream order, after the second pass
  }
  if ((rows && l.count >= 64) || outputs < 1024) {
    const unsigned blocks = static_cast<unsigned>(std::min<int64_t>(outputs, 65535));
    reduce_per_block_kernel<In, Acc, R><<<blocks, kReduceBlock, 0, stream.handle()>>>(px, po, l, r);
  } else {
    reduce_per_thread_kernel<In, Acc, R><<<blocks_for(outputs), kBlockSize, 0, stream.handle()>>>(
        px, po, l, r);
  }
  check_launch(op);
}

// ---- zero test ------------------------------------------------------------------------

template <typename T>
__global__ void find_zero_kernel(const char* x, int64_t n, OffsetCalculator<1> calc,
                                 unsigned* found) {
  const int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i >= n) return;
  int64_t off[1];
  calc.get(i, off);
  if (*reinterpret_cast<const T*>(x + off[0]) == T(0)) *found = 1;  // racing writes agree
}

// Whether x (element type T, any layout) holds a zero. Waits for the device (a 4-byte read
// back); for the checks that must come before a kernel, such as integer division by zero.
template <typename T>
bool contains_zero(const char* op, const TensorBase& x, const tensorbridge::cuda::Stream& stream) {
  const int64_t n = x.numel();
  if (n == 0) return false;
  const auto calc = make_offset_calculator<1>(x.shape(), {x.byte_strides()}, op);
  auto flag = tensorbridge::cuda::allocate(sizeof(unsigned), x.device(), stream);
  auto* found = static_cast<unsigned*>(flag->data());
  tensorbridge::cuda::check(cudaMemsetAsync(found, 0, sizeof(unsigned), stream.handle()), op,
                            "cudaMemsetAsync");
  find_zero_kernel<T><<<blocks_for(n), kBlockSize, 0, stream.handle()>>>(
      static_cast<const char*>(x.data_ptr()), n, calc, found);
  check_launch(op);
  unsigned host = 0;
  tensorbridge::cuda::check(
      cudaMemcpyAsync(&host, found, sizeof(host), cudaMemcpyDeviceToHost, stream.handle()), op,
      "cudaMemcpyAsync");
  tensorbridge::cuda::check(cudaStreamSynchronize(stream.handle()), op, "cudaStreamSynchronize");
  return host != 0;
}

}  // namespace tensorbridge::kernels::cuda
