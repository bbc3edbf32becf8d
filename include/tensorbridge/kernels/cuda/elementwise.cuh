#pragma once
// Elementwise CUDA kernels: out = f(a, b) and out = f(x) over any strides and broadcasting.
// When every operand is contiguous (scalars count: they do not move), each thread handles
// four elements with one vector load/store per operand when the pointers allow it; other
// layouts go through an OffsetCalculator. f works in opmath (float for 16-bit floats).
#include <cuda_runtime.h>

#include <array>
#include <cstdint>
#include <vector>

#include "tensorbridge/core/tensor_base.hpp"
#include "tensorbridge/kernels/cuda/common.cuh"
#include "tensorbridge/kernels/cuda/offset_calculator.cuh"

namespace tensorbridge::kernels::cuda {

inline constexpr int kVector = 4;

template <typename T>
struct alignas(sizeof(T) * kVector) Vec {
  T v[kVector];
};

template <typename T>
bool vector_aligned(const void* p) {
  return p == nullptr || reinterpret_cast<uintptr_t>(p) % sizeof(Vec<T>) == 0;
}

// ---- binary --------------------------------------------------------------------------

// A null a or b stands for the scalar sa or sb.
template <typename In, typename Out, typename F>
__global__ void binary_contiguous_kernel(Out* __restrict__ out, const In* __restrict__ a,
                                         const In* __restrict__ b, In sa, In sb, int64_t n,
                                         bool aligned, F f) {
  const int64_t base = (int64_t(blockIdx.x) * blockDim.x + threadIdx.x) * kVector;
  if (aligned && base + kVector <= n) {
    Vec<In> va, vb;
    if (a != nullptr) {
      va = *reinterpret_cast<const Vec<In>*>(a + base);
    } else {
#pragma unroll
      for (int i = 0; i < kVector; ++i) va.v[i] = sa;
    }
    if (b != nullptr) {
      vb = *reinterpret_cast<const Vec<In>*>(b + base);
    } else {
#pragma unroll
      for (int i = 0; i < kVector; ++i) vb.v[i] = sb;
    }
    Vec<Out> vo;
#pragma unroll
    for (int i = 0; i < kVector; ++i) vo.v[i] = convert<Out>(f(widen(va.v[i]), widen(vb.v[i])));
    *reinterpret_cast<Vec<Out>*>(out + base) = vo;
    return;
  }
  for (int64_t i = base; i < n && i < base + kVector; ++i) {
    const In x = a != nullptr ? a[i] : sa;
    const In y = b != nullptr ? b[i] : sb;
    out[i] = convert<Out>(f(widen(x), widen(y)));
  }
}

template <typename In, typename Out, typename F>
__global__ void binary_strided_kernel(char* out, const char* a, const char* b, In sa, In sb,
                                      int64_t n, OffsetCalculator<3> calc, F f) {
  const int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i >= n) return;
  int64_t off[3];
  calc.get(i, off);
  const In x = a != nullptr ? *reinterpret_cast<const In*>(a + off[1]) : sa;
  const In y = b != nullptr ? *reinterpret_cast<const In*>(b + off[2]) : sb;
  *reinterpret_cast<Out*>(out + off[0]) = convert<Out>(f(widen(x), widen(y)));
}

// out = f(a, b) on `stream`; a and b (when not null) have out's shape (broadcast strides
// allowed) and element type In.
template <typename In, typename Out, typename F>
void launch_binary(const char* op, const TensorBase& out, const TensorBase* a, In sa,
                   const TensorBase* b, In sb, F f, cudaStream_t stream) {
  const int64_t n = out.numel();
  if (n == 0) return;
  const std::vector<int64_t> none(out.shape().size(), 0);
  const auto calc = make_offset_calculator<3>(
      out.shape(), {out.byte_strides(), a ? a->byte_strides() : none, b ? b->byte_strides() : none},
      op);
  auto* po = static_cast<Out*>(out.data_ptr());
  const In* pa = a ? static_cast<const In*>(a->data_ptr()) : nullptr;
  const In* pb = b ? static_cast<const In*>(b->data_ptr()) : nullptr;
  if (calc.contiguous({int64_t(sizeof(Out)), a ? int64_t(sizeof(In)) : 0,
                       b ? int64_t(sizeof(In)) : 0})) {
    const bool aligned = vector_aligned<Out>(po) && vector_aligned<In>(pa) && vector_aligned<In>(pb);
    binary_contiguous_kernel<In, Out, F><<<blocks_for((n + kVector - 1) / kVector), kBlockSize, 0,
                                           stream>>>(po, pa, pb, sa, sb, n, aligned, f);
  } else {
    binary_strided_kernel<In, Out, F><<<blocks_for(n), kBlockSize, 0, stream>>>(
        reinterpret_cast<char*>(po), reinterpret_cast<const char*>(pa),
        reinterpret_cast<const char*>(pb), sa, sb, n, calc, f);
  }
  check_launch(op);
}

// ---- unary ---------------------------------------------------------------------------

template <typename In, typename Out, typename F>
__global__ void unary_contiguous_kernel(Out* __restrict__ out, const In* __restrict__ x,
                                        int64_t n, bool aligned, F f) {
  const int64_t base = (int64_t(blockIdx.x) * blockDim.x + threadIdx.x) * kVector;
  if (aligned && base + kVector <= n) {
    const Vec<In> vx = *reinterpret_cast<const Vec<In>*>(x + base);
    Vec<Out> vo;
#pragma unroll
    for (int i = 0; i < kVector; ++i) vo.v[i] = convert<Out>(f(widen(vx.v[i])));
    *reinterpret_cast<Vec<Out>*>(out + base) = vo;
    return;
  }
  for (int64_t i = base; i < n && i < base + kVector; ++i) out[i] = convert<Out>(f(widen(x[i])));
}

template <typename In, typename Out, typename F>
__global__ void unary_strided_kernel(char* out, const char* x, int64_t n,
                                     OffsetCalculator<2> calc, F f) {
  const int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i >= n) return;
  int64_t off[2];
  calc.get(i, off);
  *reinterpret_cast<Out*>(out + off[0]) =
      convert<Out>(f(widen(*reinterpret_cast<const In*>(x + off[1]))));
}

template <typename In, typename Out, typename F>
void launch_unary(const char* op, const TensorBase& out, const TensorBase& x, F f,
                  cudaStream_t stream) {
  const int64_t n = out.numel();
  if (n == 0) return;
  const auto calc = make_offset_calculator<2>(out.shape(), {out.byte_strides(), x.byte_strides()}, op);
  auto* po = static_cast<Out*>(out.data_ptr());
  const auto* px = static_cast<const In*>(x.data_ptr());
  if (calc.contiguous({int64_t(sizeof(Out)), int64_t(sizeof(In))})) {
    const bool aligned = vector_aligned<Out>(po) && vector_aligned<In>(px);
    unary_contiguous_kernel<In, Out, F><<<blocks_for((n + kVector - 1) / kVector), kBlockSize, 0,
                                          stream>>>(po, px, n, aligned, f);
  } else {
    unary_strided_kernel<In, Out, F><<<blocks_for(n), kBlockSize, 0, stream>>>(
        reinterpret_cast<char*>(po), reinterpret_cast<const char*>(px), n, calc, f);
  }
  check_launch(op);
}

}  // namespace tensorbridge::kernels::cuda
