#pragma once
// What every CUDA kernel of tensorbridge shares: device element types for our dtypes,
// conversions between them with the CPU's rules, the dtype switch, launch shapes and the
// check after a launch. Needs nvcc.
#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include <cstdint>
#include <type_traits>

#include "tensorbridge/core/dtype.hpp"
#include "tensorbridge/core/error.hpp"
#include "tensorbridge/core/half.hpp"
#include "tensorbridge/cuda/error.hpp"
#include "tensorbridge/kernels/complex_math.hpp"

namespace tensorbridge::kernels::cuda {

// float16/bfloat16 live in memory as CUDA's __half/__nv_bfloat16 (the same bits), complex
// numbers as kernels::Complex (std::complex's layout).
template <typename T>
struct DeviceTypeOf {
  using type = T;
};
template <>
struct DeviceTypeOf<half> {
  using type = __half;
};
template <>
struct DeviceTypeOf<bfloat16> {
  using type = __nv_bfloat16;
};
template <>
struct DeviceTypeOf<complex64> {
  using type = Complex<float>;
};
template <>
struct DeviceTypeOf<complex128> {
  using type = Complex<double>;
};
template <typename T>
using device_t = typename DeviceTypeOf<T>::type;

template <typename T>
inline constexpr bool is_reduced_float_v =
    std::is_same_v<T, __half> || std::is_same_v<T, __nv_bfloat16>;

// The type arithmetic is done in: float for the 16-bit floats, the type itself otherwise.
template <typename T>
using opmath_t = std::conditional_t<is_reduced_float_v<T>, float, T>;

template <typename T>
__device__ __forceinline__ opmath_t<T> widen(T v) {
  if constexpr (std::is_same_v<T, __half>) {
    return __half2float(v);
  } else if constexpr (std::is_same_v<T, __nv_bfloat16>) {
    return __bfloat162float(v);
  } else {
    return v;
  }
}

// Integer limits without std::numeric_limits (a host function to nvcc).
template <typename I>
__host__ __device__ constexpr I int_max() {
  return std::is_signed_v<I> ? static_cast<I>((uint64_t(1) << (8 * sizeof(I) - 1)) - 1)
                             : static_cast<I>(~uint64_t(0));
}
template <typename I>
__host__ __device__ constexpr I int_min() {
  return std::is_signed_v<I> ? static_cast<I>(-int_max<I>() - 1) : I(0);
}

// One value converted with the CPU's rules (core's convert_element): anything to bool is
// "!= 0"; float to integer truncates, NaN/inf become 0 and out-of-range values saturate
// (negative values to unsigned types wrap through int64).
template <typename To, typename From>
__device__ __forceinline__ To convert(From v) {
  const auto w = widen(v);
  using W = decltype(w);
  if constexpr (std::is_same_v<To, __half>) {
    return __float2half(static_cast<float>(w));
  } else if constexpr (std::is_same_v<To, __nv_bfloat16>) {
    return __float2bfloat16(static_cast<float>(w));
  } else if constexpr (std::is_same_v<To, bool>) {
    return w != W(0);
  } else if constexpr (std::is_integral_v<To> && std::is_floating_point_v<W>) {
    const double d = static_cast<double>(w);
    if (!(d - d == 0.0)) return To(0);  // NaN or infinite
    // Negative values to unsigned types wrap through int64, as the CPU's (x86) conversion.
    if (std::is_unsigned_v<To> && d < 0) return static_cast<To>(convert<int64_t>(d));
    if (d <= static_cast<double>(int_min<To>())) return int_min<To>();
    if (d >= static_cast<double>(int_max<To>())) return int_max<To>();
    return static_cast<To>(d);
  } else {
    return static_cast<To>(w);
  }
}

// The dtypes with CUDA math kernels; others raise TypeError naming the op.
template <typename Fn>
void visit_math_dtype(DType dtype, const char* op, Fn&& fn) {
  switch (dtype) {
    case DType::Float32: return fn(TypeTag<float>{});
    case DType::Float64: return fn(TypeTag<double>{});
    case DType::Float16: return fn(TypeTag<__half>{});
    case DType::BFloat16: return fn(TypeTag<__nv_bfloat16>{});
    case DType::Int32: return fn(TypeTag<int32_t>{});
    case DType::Int64: return fn(TypeTag<int64_t>{});
    case DType::UInt64: return fn(TypeTag<uint64_t>{});  // no wider type to compute in
    default: break;
  }
  TB_THROW(TypeError, op, ": not supported on CUDA for dtype ", dtype,
           " (CUDA kernels cover float32, float64, float16, bfloat16, int32, int64 and uint64)");
}

// complex64 and complex128, for the ops the CPU supports on complex numbers.
template <typename Fn>
void visit_complex_dtype(DType dtype, const char* op, Fn&& fn) {
  switch (dtype) {
    case DType::Complex64: return fn(TypeTag<Complex<float>>{});
    case DType::Complex128: return fn(TypeTag<Complex<double>>{});
    default: break;
  }
  TB_THROW(TypeError, op, ": expected a complex dtype on CUDA, got ", dtype);
}

// The dtypes with kernels that only add and multiply (scatter_add, index_put_ with
// accumulate, cumsum, cumprod): the math dtypes and complex.
template <typename Fn>
void visit_accumulate_dtype(DType dtype, const char* op, Fn&& fn) {
  if (is_complex(dtype)) return visit_complex_dtype(dtype, op, fn);
  visit_math_dtype(dtype, op, fn);
}

inline constexpr int kBlockSize = 256;

inline unsigned blocks_for(int64_t work_items, int per_block = kBlockSize) {
  const int64_t b = (work_items + per_block - 1) / per_block;
  return static_cast<unsigned>(b < 1 ? 1 : (b > 0x7fffffff ? 0x7fffffff : b));
}

// Launch errors (bad configuration, no kernel image for this GPU) surface here.
inline void check_launch(const char* op) {
  tensorbridge::cuda::check(cudaGetLastError(), op, "kernel launch");
}

}  // namespace tensorbridge::kernels::cuda
