#pragma once
// CUDA kernels for selecting and indexing: where (and masked_fill_ through it), the extreme
// and its first index along a dimension (max/min with a dim, argmax/argmin), and gather /
// scatter / scatter_add along a dimension (index_select and index_add_ reduce to these).
//
// Selections move elements as raw bytes, so they work for every dtype. Index bounds are
// checked by a kernel of their own before anything is read or written: it records the first
// out-of-range index it meets in device memory, which the host reads back (one small
// synchronous copy) to raise IndexError as the CPU does. scatter_add accumulates with
// atomics (float32, float64, float16, bfloat16, int32, int64, uint64, and complex64/complex128
// part by part), so the order of additions, and with it the rounding of repeated float indices,
// varies from run to run.
#include <cuda_runtime.h>
#include <math_constants.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <vector>

#include "tensorbridge/core/scalar.hpp"
#include "tensorbridge/core/tensor_base.hpp"
#include "tensorbridge/cuda/allocator.hpp"
#include "tensorbridge/cuda/stream.hpp"
#include "tensorbridge/kernels/cuda/common.cuh"
#include "tensorbridge/kernels/cuda/copy.cuh"
#include "tensorbridge/kernels/cuda/math.cuh"
#include "tensorbridge/kernels/cuda/offset_calculator.cuh"

namespace tensorbridge::kernels::cuda {

// A scalar as the bytes of one element of `dtype` (the CPU's conversion), as element type E.
template <typename E>
E scalar_element(const Scalar& value, DType dtype) {
  unsigned char bits[16] = {};
  visit_dtype(dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T v = value.to<T>();
    std::memcpy(bits, &v, sizeof(T));
  });
  E e;
  std::memcpy(&e, bits, sizeof(E));
  return e;
}

// ---- where -----------------------------------------------------------------------------

// Operand 0 out, 1 cond, 2 a, 3 b; a null a or b stands for the element sa or sb.
template <typename E>
__global__ void where_kernel(char* out, const char* cond, const char* a, const char* b, E sa,
                             E sb, int64_t n, OffsetCalculator<4> calc) {
  const int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i >= n) return;
  int64_t off[4];
  calc.get(i, off);
  const bool c = *reinterpret_cast<const bool*>(cond + off[1]);
  E v;
  if (c) {
    v = a != nullptr ? *reinterpret_cast<const E*>(a + off[2]) : sa;
  } else {
    v = b != nullptr ? *reinterpret_cast<const E*>(b + off[3]) : sb;
  }
  *reinterpret_cast<E*>(out + off[0]) = v;
}

inline void where(const TensorBase& out, const TensorBase& cond, const TensorBase* a,
                  const Scalar& sa, const TensorBase* b, const Scalar& sb, cudaStream_t stream) {
  constexpr const char* op = "where";
  const int64_t n = out.numel();
  if (n == 0) return;
  TB_CHECK(cond.dtype() == DType::Bool, TypeError, op, ": expected a bool condition, got ",
           cond.dtype());
  const std::vector<int64_t> none(out.shape().size(), 0);
  const auto calc = make_offset_calculator<4>(
      out.shape(),
      {out.byte_strides(), cond.byte_strides(), a ? a->byte_strides() : none,
       b ? b->byte_strides() : none},
      op);
  visit_element_size(out.element_size(), [&](auto tag) {
    using E = typename decltype(tag)::type;
    const E ea = a ? E() : scalar_element<E>(sa, out.dtype());
    const E eb = b ? E() : scalar_element<E>(sb, out.dtype());
    where_kernel<E><<<blocks_for(n), kBlockSize, 0, stream>>>(
        static_cast<char*>(out.data_ptr()), static_cast<const char*>(cond.data_ptr()),
        a ? static_cast<const char*>(a->data_ptr()) : nullptr,
        b ? static_cast<const char*>(b->data_ptr()) : nullptr, ea, eb, n, calc);
  });
  check_launch(op);
}

// ---- max/min with their index along the last dim -------------------------------------------

// The running extreme of a line and where it was first seen. `better` is the CPU's rule:
// the first NaN wins, else a strictly larger (smaller) value; merged halves keep the lower
// index on ties, so every order of merging gives the first occurrence.
template <typename C, bool kMax>
struct ArgBest {
  C value;
  int64_t index;

  __device__ static bool beats(C v, int64_t i, C w, int64_t j) {
    if (is_nan(v) || is_nan(w)) return is_nan(v) && (!is_nan(w) || i < j);
    if (v == w) return i < j;
    return kMax ? v > w : v < w;
  }
  __device__ void merge(C v, int64_t i) {
    if (index < 0 || beats(v, i, value, index)) {
      value = v;
      index = i;
    }
  }
};

struct ArgLayout {
  OffsetCalculator<1> outer;  // the first element of each line
  int64_t outputs = 0;
  int64_t count = 0;  // elements per line
  int64_t step = 0;   // bytes between them
};

// One thread per line: many short lines.
template <typename T, bool kMax>
__global__ void arg_extreme_per_thread_kernel(T* values, int64_t* indices, const char* x,
                                              ArgLayout l) {
  const int64_t o = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
  if (o >= l.outputs) return;
  int64_t off[1];
  l.outer.get(o, off);
  ArgBest<opmath_t<T>, kMax> best{opmath_t<T>(), -1};
  for (int64_t j = 0; j < l.count; ++j) {
    best.merge(widen(*reinterpret_cast<const T*>(x + off[0] + j * l.step)), j);
  }
  values[o] = convert<T>(best.value);
  indices[o] = best.index;
}

inline constexpr int kArgBlock = 256;

// One block per line: long lines (or few of them).
template <typename T, bool kMax>
__global__ void arg_extreme_per_block_kernel(T* values, int64_t* indices, const char* x,
                                             ArgLayout l) {
  using C = opmath_t<T>;
  __shared__ C shared_value[kArgBlock];
  __shared__ int64_t shared_index[kArgBlock];
  for (int64_t o = blockIdx.x; o < l.outputs; o += gridDim.x) {
    int64_t off[1];
    l.outer.get(o, off);
    ArgBest<C, kMax> best{C(), -1};
    for (int64_t j = threadIdx.x; j < l.count; j += blockDim.x) {
      best.merge(widen(*reinterpret_cast<const T*>(x + off[0] + j * l.step)), j);
    }
    __syncthreads();  // the previous line's readers are done
    shared_value[threadIdx.x] = best.value;
    shared_index[threadIdx.x] = best.index;
    __syncthreads();
    for (unsigned width = blockDim.x / 2; width > 0; width /= 2) {
      if (threadIdx.x < width && shared_index[threadIdx.x + width] >= 0) {
        ArgBest<C, kMax> mine{shared_value[threadIdx.x], shared_index[threadIdx.x]};
        mine.merge(shared_value[threadIdx.x + width], shared_index[threadIdx.x + width]);
        shared_value[threadIdx.x] = mine.value;
        shared_index[threadIdx.x] = mine.index;
      }
      __syncthreads();
    }
    if (threadIdx.x == 0) {
      values[o] = convert<T>(shared_value[0]);
      indices[o] = shared_index[0];
    }
  }
}

// values/indices (contiguous) = the extreme of each line of x along its last dim.
template <typename T, bool kMax>
void launch_arg_extreme(const char* op, const TensorBase& values, const TensorBase& indices,
                        const TensorBase& x, cudaStream_t stream) {
  ArgLayout l;
  l.outputs = values.numel();
  if (l.outputs == 0) return;
  TB_CHECK(x.dim() > 0 && x.shape().back() > 0, IndexError, op,
           ": expected a non-empty dimension to reduce (shape ", shape_str(x.shape()), ")");
  std::vector<int64_t> strides = x.byte_strides();
  l.step = strides.back();
  l.count = x.shape().back();
  strides.pop_back();
  const Shape outer(x.shape().begin(), x.shape().end() - 1);
  l.outer = make_offset_calculator<1>(outer, {strides}, op);
  auto* pv = static_cast<T*>(values.data_ptr());
  auto* pi = static_cast<int64_t*>(indices.data_ptr());
  const auto* px = static_cast<const char*>(x.data_ptr());
  if (l.count >= 256 || l.outputs < 1024) {
    const unsigned blocks = static_cast<unsigned>(std::min<int64_t>(l.outputs, 65535));
    arg_extreme_per_block_kernel<T, kMax><<<blocks, kArgBlock, 0, stream>>>(pv, pi, px, l);
  } else {
    arg_extreme_per_thread_kernel<T, kMax><<<blocks_for(l.outputs), kBlockSize, 0, stream>>>(
        pv, pi, px, l);
  }
  check_launch(op);
}

// ---- index bounds ----------------------------------------------------------------------------

// found[0] becomes 1 at the first bad index seen, whose value goes to found[1].
template <int = 0>
__global__ void check_indices_kernel(const char* index, int64_t n, OffsetCalculator<1> calc,
                                     int64_t low, int64_t size, unsigned long long* found) {
  const int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i >= n) return;
  int64_t off[1];
  calc.get(i, off);
  const int64_t j = *reinterpret_cast<const int64_t*>(index + off[0]);
  if ((j < low || j >= size) && atomicCAS(&found[0], 0ull, 1ull) == 0ull) {
    found[1] = static_cast<unsigned long long>(j);
  }
}

inline void check_indices(const char* op, const TensorBase& index, int64_t size, int64_t dim,
                          bool negative_ok, const tensorbridge::cuda::Stream& stream) {
  const int64_t n = index.numel();
  if (n == 0) return;
  const auto calc = make_offset_calculator<1>(index.shape(), {index.byte_strides()}, op);
  auto flag = tensorbridge::cuda::allocate(2 * sizeof(unsigned long long), index.device(), stream);
  auto* found = static_cast<unsigned long long*>(flag->data());
  tensorbridge::cuda::check(cudaMemsetAsync(found, 0, 2 * sizeof(unsigned long long),
                                            stream.handle()),
                            op, "cudaMemsetAsync");
  check_indices_kernel<><<<blocks_for(n), kBlockSize, 0, stream.handle()>>>(
      static_cast<const char*>(index.data_ptr()), n, calc, negative_ok ? -size : 0, size, found);
  check_launch(op);
  unsigned long long host[2] = {0, 0};
  tensorbridge::cuda::check(cudaMemcpyAsync(host, found, sizeof(host), cudaMemcpyDeviceToHost,
                                            stream.handle()),
                            op, "cudaMemcpyAsync");
  tensorbridge::cuda::check(cudaStreamSynchronize(stream.handle()), op, "cudaStreamSynchronize");
  TB_CHECK(host[0] == 0, IndexError, op, ": index ", static_cast<int64_t>(host[1]),
           " is out of bounds for dimension ", dim, " with size ", size);
}

// ---- gather / scatter along a dim ------------------------------------------------------------

// Operand 0 is self without `dim` (stride 0 there), 1 the index, 2 out or src; dim_bytes
// moves self along dim.
struct DimIndexLayout {
  OffsetCalculator<3> calc;
  int64_t n = 0;
  int64_t dim_bytes = 0;
};

inline DimIndexLayout dim_index_layout(const TensorBase& self, int64_t dim, const TensorBase& index,
                                       const std::vector<int64_t>& other_bs, const char* op) {
  DimIndexLayout l;
  l.n = index.numel();
  std::vector<int64_t> self_bs = self.byte_strides();
  if (self.dim() > 0) {
    l.dim_bytes = self_bs[dim];
    self_bs[dim] = 0;
  }
  l.calc = make_offset_calculator<3>(index.shape(), {self_bs, index.byte_strides(), other_bs}, op);
  return l;
}

template <typename E>
__global__ void gather_kernel(char* out, const char* self, const char* index, DimIndexLayout l) {
  const int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i >= l.n) return;
  int64_t off[3];
  l.calc.get(i, off);
  const int64_t j = *reinterpret_cast<const int64_t*>(index + off[1]);
  *reinterpret_cast<E*>(out + off[2]) =
      *reinterpret_cast<const E*>(self + off[0] + j * l.dim_bytes);
}

inline void gather(const char* op, const TensorBase& out, const TensorBase& self, int64_t dim,
                   const TensorBase& index, cudaStream_t stream) {
  if (index.numel() == 0) return;
  const DimIndexLayout l = dim_index_layout(self, dim, index, out.byte_strides(), op);
  visit_element_size(self.element_size(), [&](auto tag) {
    using E = typename decltype(tag)::type;
    gather_kernel<E><<<blocks_for(l.n), kBlockSize, 0, stream>>>(
        static_cast<char*>(out.data_ptr()), static_cast<const char*>(self.data_ptr()),
        static_cast<const char*>(index.data_ptr()), l);
  });
  check_launch(op);
}

// A null src stands for the element value.
template <typename E>
__global__ void scatter_kernel(char* self, const char* index, const char* src, E value,
                               DimIndexLayout l) {
  const int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i >= l.n) return;
  int64_t off[3];
  l.calc.get(i, off);
  const int64_t j = *reinterpret_cast<const int64_t*>(index + off[1]);
  *reinterpret_cast<E*>(self + off[0] + j * l.dim_bytes) =
      src != nullptr ? *reinterpret_cast<const E*>(src + off[2]) : value;
}

template <typename T>
__device__ __forceinline__ void atomic_add(T* p, T v) {
  if constexpr (is_complex_struct_v<T>) {
    atomicAdd(&p->re, v.re);
    atomicAdd(&p->im, v.im);
  } else if constexpr (std::is_integral_v<T> && sizeof(T) == 8) {
    // int64 in two's complement: unsigned addition wraps exactly like the CPU's addition.
    atomicAdd(reinterpret_cast<unsigned long long*>(p), static_cast<unsigned long long>(v));
  } else {
    atomicAdd(p, v);
  }
}

template <typename T>
__global__ void scatter_add_kernel(char* self, const char* index, const char* src,
                                   DimIndexLayout l) {
  const int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i >= l.n) return;
  int64_t off[3];
  l.calc.get(i, off);
  const int64_t j = *reinterpret_cast<const int64_t*>(index + off[1]);
  atomic_add(reinterpret_cast<T*>(self + off[0] + j * l.dim_bytes),
             *reinterpret_cast<const T*>(src + off[2]));
}

inline void scatter(const char* op, bool add, const TensorBase& self, int64_t dim,
                    const TensorBase& index, const TensorBase* src, const Scalar& value,
                    cudaStream_t stream) {
  if (index.numel() == 0) return;
  const std::vector<int64_t> src_bs =
      src ? src->byte_strides() : std::vector<int64_t>(index.shape().size(), 0);
  const DimIndexLayout l = dim_index_layout(self, dim, index, src_bs, op);
  auto* ps = static_cast<char*>(self.data_ptr());
  const auto* pi = static_cast<const char*>(index.data_ptr());
  const char* pv = src ? static_cast<const char*>(src->data_ptr()) : nullptr;
  if (!add) {
    visit_element_size(self.element_size(), [&](auto tag) {
      using E = typename decltype(tag)::type;
      const E v = src ? E() : scalar_element<E>(value, self.dtype());
      scatter_kernel<E><<<blocks_for(l.n), kBlockSize, 0, stream>>>(ps, pi, pv, v, l);
    });
  } else {
    TB_CHECK(src != nullptr, ValueError, op, ": accumulating needs a source tensor");
    visit_accumulate_dtype(self.dtype(), op, [&](auto tag) {
      using T = typename decltype(tag)::type;
      scatter_add_kernel<T><<<blocks_for(l.n), kBlockSize, 0, stream>>>(ps, pi, pv, l);
    });
  }
  check_launch(op);
}

// ---- advanced indexing by element offsets -----------------------------------------------------

// How an element moves between the indexed side (`base[k]`) and the side walked in order.
enum class OffsetMove { Take, Put, PutAdd };

// Operand 0 out / dst, 1 src / values, 2 the offsets (int64, in elements of the indexed
// side): take reads src[k] into out, put writes values into dst[k] (PutAdd: atomically adds).
template <typename E, OffsetMove kMove>
__global__ void offset_move_kernel(char* target, const char* source, const char* offsets,
                                   int64_t n, OffsetCalculator<3> calc) {
  const int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i >= n) return;
  int64_t off[3];
  calc.get(i, off);
  const int64_t k = *reinterpret_cast<const int64_t*>(offsets + off[2]);
  auto* t = reinterpret_cast<E*>(target + off[0]);
  const auto* s = reinterpret_cast<const E*>(source + off[1]);
  if constexpr (kMove == OffsetMove::Take) {
    *t = s[k];
  } else if constexpr (kMove == OffsetMove::Put) {
    t[k] = *s;
  } else {
    atomic_add(t + k, *s);
  }
}

// One launch of offset_move_kernel over `walked`'s shape (out for take, values for put).
template <OffsetMove kMove, typename Visit>
void launch_offset_move(const char* op, const TensorBase& target, const TensorBase& source,
                        const TensorBase& offsets, const TensorBase& walked, Visit visit,
                        cudaStream_t stream) {
  const int64_t n = walked.numel();
  if (n == 0) return;
  const auto calc = make_offset_calculator<3>(
      walked.shape(), {target.byte_strides(), source.byte_strides(), offsets.byte_strides()}, op);
  visit([&](auto tag) {
    using E = typename decltype(tag)::type;
    offset_move_kernel<E, kMove><<<blocks_for(n), kBlockSize, 0, stream>>>(
        static_cast<char*>(target.data_ptr()), static_cast<const char*>(source.data_ptr()),
        static_cast<const char*>(offsets.data_ptr()), n, calc);
  });
  check_launch(op);
}

// out[i] = src[i + offsets[i]] over out's shape.
inline void take(const char* op, const TensorBase& out, const TensorBase& src,
                 const TensorBase& offsets, cudaStream_t stream) {
  const auto by_size = [&](auto fn) { visit_element_size(out.element_size(), fn); };
  launch_offset_move<OffsetMove::Take>(op, out, src, offsets, out, by_size, stream);
}

// dst[i + offsets[i]] = values[i] (or +=) over values' shape.
inline void put(const char* op, bool accumulate, const TensorBase& dst, const TensorBase& values,
                const TensorBase& offsets, cudaStream_t stream) {
  if (!accumulate) {
    const auto by_size = [&](auto fn) { visit_element_size(dst.element_size(), fn); };
    launch_offset_move<OffsetMove::Put>(op, dst, values, offsets, values, by_size, stream);
  } else {
    // Adds need the element type, not just its size.
    const auto by_dtype = [&](auto fn) { visit_accumulate_dtype(dst.dtype(), op, fn); };
    launch_offset_move<OffsetMove::PutAdd>(op, dst, values, offsets, values, by_dtype, stream);
  }
}

}  // namespace tensorbridge::kernels::cuda
