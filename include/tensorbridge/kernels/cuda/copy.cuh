#pragma once
// CUDA copies and fills over any strides: dst = src of the same dtype (elements moved as
// raw bytes, so every dtype works), dst = src converted between any two dtypes (one kernel
// that switches on the dtypes at run time: copies are bound by memory, and one kernel
// instead of a hundred keeps compile times down), and fills with one value.
#include <cuda_runtime.h>

#include <cstdint>
#include <cstring>
#include <vector>

#include "tensorbridge/core/dtype.hpp"
#include "tensorbridge/core/scalar.hpp"
#include "tensorbridge/core/tensor_base.hpp"
#include "tensorbridge/kernels/cuda/common.cuh"
#include "tensorbridge/kernels/cuda/offset_calculator.cuh"

namespace tensorbridge::kernels::cuda {

template <int kBytes>
struct alignas(kBytes < 16 ? kBytes : 16) Bytes {
  unsigned char b[kBytes];
};

template <typename E>
__global__ void copy_strided_kernel(char* dst, const char* src, int64_t n,
                                    OffsetCalculator<2> calc) {
  const int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i >= n) return;
  int64_t off[2];
  calc.get(i, off);
  *reinterpret_cast<E*>(dst + off[0]) = *reinterpret_cast<const E*>(src + off[1]);
}

template <typename E>
__global__ void fill_strided_kernel(char* dst, E value, int64_t n, OffsetCalculator<1> calc) {
  const int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i >= n) return;
  int64_t off[1];
  calc.get(i, off);
  *reinterpret_cast<E*>(dst + off[0]) = value;
}

// One element of any dtype, wide enough for every value of every dtype. Conversions follow
// the CPU's convert_element: complex to real drops the imaginary part (to bool: either part
// nonzero), real to complex has imaginary part 0.
struct WideValue {
  double f = 0;  // float, or a complex number's real part
  double im = 0;
  int64_t i = 0;
  uint64_t u = 0;
  int kind = 0;  // 0 float, 1 signed integer (or bool), 2 uint64, 3 complex
};

__device__ __forceinline__ WideValue load_wide(const char* p, DType d) {
  WideValue w;
  switch (d) {
    case DType::Bool: w.kind = 1; w.i = *reinterpret_cast<const bool*>(p); break;
    case DType::Int8: w.kind = 1; w.i = *reinterpret_cast<const int8_t*>(p); break;
    case DType::Int16: w.kind = 1; w.i = *reinterpret_cast<const int16_t*>(p); break;
    case DType::Int32: w.kind = 1; w.i = *reinterpret_cast<const int32_t*>(p); break;
    case DType::Int64: w.kind = 1; w.i = *reinterpret_cast<const int64_t*>(p); break;
    case DType::UInt8: w.kind = 1; w.i = *reinterpret_cast<const uint8_t*>(p); break;
    case DType::UInt16: w.kind = 1; w.i = *reinterpret_cast<const uint16_t*>(p); break;
    case DType::UInt32: w.kind = 1; w.i = *reinterpret_cast<const uint32_t*>(p); break;
    case DType::UInt64: w.kind = 2; w.u = *reinterpret_cast<const uint64_t*>(p); break;
    case DType::Float16: w.f = __half2float(*reinterpret_cast<const __half*>(p)); break;
    case DType::BFloat16: w.f = __bfloat162float(*reinterpret_cast<const __nv_bfloat16*>(p)); break;
    case DType::Float32: w.f = *reinterpret_cast<const float*>(p); break;
    case DType::Float64: w.f = *reinterpret_cast<const double*>(p); break;
    case DType::Complex64: {
      const auto c = *reinterpret_cast<const Complex<float>*>(p);
      w.kind = 3;
      w.f = c.re;
      w.im = c.im;
      break;
    }
    case DType::Complex128: {
      const auto c = *reinterpret_cast<const Complex<double>*>(p);
      w.kind = 3;
      w.f = c.re;
      w.im = c.im;
      break;
    }
  }
  return w;
}

template <typename To>
__device__ __forceinline__ To from_wide(const WideValue& w) {
  if constexpr (is_complex_struct_v<To>) {
    using R = decltype(To().re);
    if (w.kind == 3) return To(static_cast<R>(w.f), static_cast<R>(w.im));
    return To(from_wide<R>(w));
  } else {
    if (w.kind == 0 || w.kind == 3) {
      if constexpr (std::is_same_v<To, bool>) return w.f != 0 || w.im != 0;
      else return convert<To>(w.f);
    }
    if constexpr (std::is_same_v<To, bool>) {
      return w.kind == 2 ? w.u != 0 : w.i != 0;
    } else if constexpr (is_reduced_float_v<To>) {
      return convert<To>(w.kind == 2 ? static_cast<float>(w.u) : static_cast<float>(w.i));
    } else {
      return w.kind == 2 ? static_cast<To>(w.u) : static_cast<To>(w.i);  // integers wrap
    }
  }
}

__device__ __forceinline__ void store_wide(char* p, DType d, const WideValue& w) {
  switch (d) {
    case DType::Bool: *reinterpret_cast<bool*>(p) = from_wide<bool>(w); break;
    case DType::Int8: *reinterpret_cast<int8_t*>(p) = from_wide<int8_t>(w); break;
    case DType::Int16: *reinterpret_cast<int16_t*>(p) = from_wide<int16_t>(w); break;
    case DType::Int32: *reinterpret_cast<int32_t*>(p) = from_wide<int32_t>(w); break;
    case DType::Int64: *reinterpret_cast<int64_t*>(p) = from_wide<int64_t>(w); break;
    case DType::UInt8: *reinterpret_cast<uint8_t*>(p) = from_wide<uint8_t>(w); break;
    case DType::UInt16: *reinterpret_cast<uint16_t*>(p) = from_wide<uint16_t>(w); break;
    case DType::UInt32: *reinterpret_cast<uint32_t*>(p) = from_wide<uint32_t>(w); break;
    case DType::UInt64: *reinterpret_cast<uint64_t*>(p) = from_wide<uint64_t>(w); break;
    case DType::Float16: *reinterpret_cast<__half*>(p) = from_wide<__half>(w); break;
    case DType::BFloat16: *reinterpret_cast<__nv_bfloat16*>(p) = from_wide<__nv_bfloat16>(w); break;
    case DType::Float32: *reinterpret_cast<float*>(p) = from_wide<float>(w); break;
    case DType::Float64: *reinterpret_cast<double*>(p) = from_wide<double>(w); break;
    case DType::Complex64:
      *reinterpret_cast<Complex<float>*>(p) = from_wide<Complex<float>>(w);
      break;
    case DType::Complex128:
      *reinterpret_cast<Complex<double>*>(p) = from_wide<Complex<double>>(w);
      break;
  }
}

template <int = 0>  // a template, so that every translation unit may define it
__global__ void cast_strided_kernel(char* dst, DType to, const char* src, DType from,
                                           int64_t n, OffsetCalculator<2> calc) {
  const int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i >= n) return;
  int64_t off[2];
  calc.get(i, off);
  store_wide(dst + off[0], to, load_wide(src + off[1], from));
}

template <typename Fn>
void visit_element_size(std::size_t size, Fn&& fn) {
  switch (size) {
    case 1: return fn(TypeTag<uint8_t>{});
    case 2: return fn(TypeTag<uint16_t>{});
    case 4: return fn(TypeTag<uint32_t>{});
    case 8: return fn(TypeTag<uint64_t>{});
    default: return fn(TypeTag<Bytes<16>>{});
  }
}

// dst = src (same shape; any dtypes; no partial overlap).
inline void copy(const TensorBase& dst, const TensorBase& src, cudaStream_t stream) {
  constexpr const char* op = "copy_";
  const int64_t n = dst.numel();
  if (n == 0) return;
  const auto calc = make_offset_calculator<2>(dst.shape(), {dst.byte_strides(), src.byte_strides()}, op);
  auto* pd = static_cast<char*>(dst.data_ptr());
  const auto* ps = static_cast<const char*>(src.data_ptr());
  if (dst.dtype() == src.dtype()) {
    visit_element_size(dst.element_size(), [&](auto tag) {
      using E = typename decltype(tag)::type;
      copy_strided_kernel<E><<<blocks_for(n), kBlockSize, 0, stream>>>(pd, ps, n, calc);
    });
  } else {
    cast_strided_kernel<><<<blocks_for(n), kBlockSize, 0, stream>>>(pd, dst.dtype(), ps, src.dtype(),
                                                                   n, calc);
  }
  check_launch(op);
}

inline void fill(const TensorBase& dst, const Scalar& value, cudaStream_t stream) {
  constexpr const char* op = "fill_";
  const int64_t n = dst.numel();
  if (n == 0) return;
  unsigned char bits[16] = {};
  visit_dtype(dst.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T v = value.to<T>();
    std::memcpy(bits, &v, sizeof(T));
  });
  const auto calc = make_offset_calculator<1>(dst.shape(), {dst.byte_strides()}, op);
  auto* pd = static_cast<char*>(dst.data_ptr());
  visit_element_size(dst.element_size(), [&](auto tag) {
    using E = typename decltype(tag)::type;
    E e;
    std::memcpy(&e, bits, sizeof(E));
    fill_strided_kernel<E><<<blocks_for(n), kBlockSize, 0, stream>>>(pd, e, n, calc);
  });
  check_launch(op);
}

}  // namespace tensorbridge::kernels::cuda
