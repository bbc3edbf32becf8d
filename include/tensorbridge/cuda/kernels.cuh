#pragma once
// The CUDA kernels of tensorbridge's ops. Include this header in ONE translation unit of a
// program, compiled by nvcc, with the program linked to tensorbridge::cuda and CUDA::cublas:
// before main runs it registers the kernels with the op dispatch (ops/device_dispatch.hpp)
// and the device copies (cuda/copy.hpp), so that tb::add, exp, sum, matmul, ... work on
// CUDA tensors everywhere in the program. Without it those ops raise DeviceError saying to
// do this.
//
// Covered on CUDA: add/sub (with alpha), mul, div, maximum, minimum, the comparisons and
// logical_and/or/xor; neg, abs, relu, square, sign, logical_not, isnan/isinf/isfinite and
// the floating functions (exp, log, sqrt, sin, tanh, sigmoid, erf, ...); clamp (scalar or
// tensor bounds, through maximum/minimum); sum, mean, max/min/amax/amin and all/any over
// any dims (bool and narrow integers reduce as int64); max/min with indices along a dim
// and argmax/argmin; where and masked_fill (any dtype); gather, scatter (tensor or scalar
// source), scatter_add, index_select, index_add, advanced indexing (index, index_put_ with
// or without accumulate; bool masks, masked_select and nonzero count on the host), all
// with device-side index bounds checks raising IndexError; uniform_, normal_, random_,
// bernoulli_ and the factories on a device (Philox: the CPU's stream for a seed); cumsum,
// cumprod; matrix products (cuBLAS); copies between any real dtypes and layouts, and fills;
// sort, argsort and topk along any dim (CUB radix sort on order-preserving keys, the CPU's
// order: NaN largest, -0.0 == +0.0, ties in position order; every dtype but complex),
// repeat/tile (a broadcast view and one copy) and randperm (drawn on the host: the CPU's
// permutation for a seed).
// Dtypes: float32, float64, float16, bfloat16 (computed in float32), int32, int64
// (selections, sorts and copies: every dtype). Other ops and dtypes raise TypeError or
// DeviceError naming them.
#include <cuda_runtime.h>

#include <cstring>
#include <string_view>
#include <type_traits>

#include "tensorbridge/core/scalar.hpp"
#include "tensorbridge/core/tensor_base.hpp"
#include "tensorbridge/cuda/copy.hpp"
#include "tensorbridge/cuda/cuda.hpp"
#include "tensorbridge/cuda/device.hpp"
#include "tensorbridge/cuda/stream.hpp"
#include "tensorbridge/kernels/cuda/common.cuh"
#include "tensorbridge/kernels/cuda/copy.cuh"
#include "tensorbridge/kernels/cuda/elementwise.cuh"
#include "tensorbridge/kernels/cuda/gemm.cuh"
#include "tensorbridge/kernels/cuda/indexing.cuh"
#include "tensorbridge/kernels/cuda/math.cuh"
#include "tensorbridge/kernels/cuda/random.cuh"
#include "tensorbridge/kernels/cuda/reduce.cuh"
#include "tensorbridge/kernels/cuda/scan.cuh"
#include "tensorbridge/kernels/cuda/sort.cuh"
#include "tensorbridge/ops/device_dispatch.hpp"

namespace tensorbridge::cuda::detail {

namespace kc = tensorbridge::kernels::cuda;

// A scalar in a kernel's element type (CUDA's 16-bit floats share our types' bits).
template <typename T>
T device_scalar(const Scalar& s) {
  if constexpr (std::is_same_v<T, __half> || std::is_same_v<T, __nv_bfloat16>) {
    using Host = std::conditional_t<std::is_same_v<T, __half>, half, bfloat16>;
    using Raw = std::conditional_t<std::is_same_v<T, __half>, __half_raw, __nv_bfloat16_raw>;
    const Host h = s.to<Host>();
    Raw raw;
    std::memcpy(&raw.x, &h, sizeof(raw.x));
    return T(raw);
  } else {
    return s.to<T>();
  }
}

[[noreturn]] inline void unsupported(const char* op, DType dtype) {
  TB_THROW(TypeError, op, ": not supported on CUDA for dtype ", dtype);
}

// The math dtypes and bool, for the ops with a bool result (logical ops, isnan, ...).
template <typename Fn>
void visit_predicate_dtype(DType dtype, const char* op, Fn&& fn) {
  if (dtype == DType::Bool) return fn(TypeTag<bool>{});
  kc::visit_math_dtype(dtype, op, fn);
}

inline bool is_logical_binary(std::string_view name) {
  return name == "logical_and" || name == "logical_or" || name == "logical_xor";
}

inline void binary_kernel(const char* op, const TensorBase& out, const TensorBase* a,
                          const Scalar& sa, const TensorBase* b, const Scalar& sb,
                          const Scalar& alpha) {
  const std::string_view name(op);
  const DType compute = a != nullptr ? a->dtype() : b->dtype();
  DeviceGuard guard(out.device());
  const cudaStream_t stream = current_stream(out.device().index()).handle();
  if (is_logical_binary(name)) {
    return visit_predicate_dtype(compute, op, [&](auto tag) {
      using T = typename decltype(tag)::type;
      const T va = a != nullptr ? T() : device_scalar<T>(sa);
      const T vb = b != nullptr ? T() : device_scalar<T>(sb);
      auto run = [&](auto f) { kc::launch_binary<T, bool>(op, out, a, va, b, vb, f, stream); };
      if (name == "logical_and") return run(kc::LogicalAndOp{});
      if (name == "logical_or") return run(kc::LogicalOrOp{});
      return run(kc::LogicalXorOp{});
    });
  }
  kc::visit_math_dtype(compute, op, [&](auto tag) {
    using T = typename decltype(tag)::type;
    using C = kc::opmath_t<T>;
    const T va = a != nullptr ? T() : device_scalar<T>(sa);
    const T vb = b != nullptr ? T() : device_scalar<T>(sb);
    auto same = [&](auto f) { kc::launch_binary<T, T>(op, out, a, va, b, vb, f, stream); };
    auto predicate = [&](auto f) { kc::launch_binary<T, bool>(op, out, a, va, b, vb, f, stream); };
    if (name == "add") return same(kc::AddOp<C>{alpha.to<C>()});
    if (name == "sub") return same(kc::SubOp<C>{alpha.to<C>()});
    if (name == "mul") return same(kc::MulOp{});
    if (name == "maximum") return same(kc::MaximumOp{});
    if (name == "minimum") return same(kc::MinimumOp{});
    if (name == "eq") return predicate(kc::EqOp{});
    if (name == "ne") return predicate(kc::NeOp{});
    if (name == "lt") return predicate(kc::LtOp{});
    if (name == "le") return predicate(kc::LeOp{});
    if (name == "gt") return predicate(kc::GtOp{});
    if (name == "ge") return predicate(kc::GeOp{});
    if constexpr (std::is_floating_point_v<C>) {
      if (name == "div") return same(kc::DivOp{});
    }
    unsupported(op, compute);
  });
}

inline void unary_kernel(const char* op, const TensorBase& out, const TensorBase& x) {
  const std::string_view name(op);
  DeviceGuard guard(out.device());
  const cudaStream_t stream = current_stream(out.device().index()).handle();
  if (out.dtype() == DType::Bool &&
      (name == "logical_not" || name == "isnan" || name == "isinf" || name == "isfinite")) {
    return visit_predicate_dtype(x.dtype(), op, [&](auto tag) {
      using T = typename decltype(tag)::type;
      auto run = [&](auto f) { kc::launch_unary<T, bool>(op, out, x, f, stream); };
      if (name == "logical_not") return run(kc::LogicalNotOp{});
      if (name == "isnan") return run(kc::IsNanOp{});
      if (name == "isinf") return run(kc::IsInfOp{});
      return run(kc::IsFiniteOp{});
    });
  }
  kc::visit_math_dtype(x.dtype(), op, [&](auto tag) {
    using T = typename decltype(tag)::type;
    using C = kc::opmath_t<T>;
    TB_CHECK(out.dtype() == x.dtype(), TypeError, op, ": not supported on CUDA from dtype ",
             x.dtype(), " to dtype ", out.dtype());
    auto run = [&](auto f) { kc::launch_unary<T, T>(op, out, x, f, stream); };
    if (name == "neg") return run(kc::NegOp{});
    if (name == "abs") return run(kc::AbsOp{});
    if (name == "relu") return run(kc::ReluOp{});
    if (name == "square") return run(kc::SquareOp{});
    if (name == "sign") return run(kc::SignOp{});
    if constexpr (std::is_floating_point_v<C>) {
      if (name == "exp") return run(kc::ExpOp{});
      if (name == "expm1") return run(kc::Expm1Op{});
      if (name == "log") return run(kc::LogOp{});
      if (name == "log1p") return run(kc::Log1pOp{});
      if (name == "log2") return run(kc::Log2Op{});
      if (name == "log10") return run(kc::Log10Op{});
      if (name == "sqrt") return run(kc::SqrtOp{});
      if (name == "rsqrt") return run(kc::RsqrtOp{});
      if (name == "sin") return run(kc::SinOp{});
      if (name == "cos") return run(kc::CosOp{});
      if (name == "tan") return run(kc::TanOp{});
      if (name == "tanh") return run(kc::TanhOp{});
      if (name == "erf") return run(kc::ErfOp{});
      if (name == "sigmoid") return run(kc::SigmoidOp{});
      if (name == "reciprocal") return run(kc::ReciprocalOp{});
      if (name == "floor") return run(kc::FloorOp{});
      if (name == "ceil") return run(kc::CeilOp{});
      if (name == "trunc") return run(kc::TruncOp{});
    }
    unsupported(op, x.dtype());
  });
}

inline void reduce_kernel(const char* op, const TensorBase& out, const TensorBase& x) {
  const std::string_view name(op);
  DeviceGuard guard(out.device());
  const Stream stream = current_stream(out.device().index());
  kc::visit_math_dtype(x.dtype(), op, [&](auto tag) {
    using In = typename decltype(tag)::type;
    using Extreme = kc::opmath_t<In>;
    using Sum = std::conditional_t<std::is_integral_v<In>, int64_t, Extreme>;
    auto run = [&](auto acc_tag, auto r) {
      using Acc = typename decltype(acc_tag)::type;
      TB_CHECK(out.element_size() == sizeof(Acc), TypeError, op,
               ": unexpected accumulator dtype ", out.dtype(), " for input dtype ", x.dtype());
      kc::launch_reduce<In, Acc>(op, out, x, r, stream);
    };
    if (name == "sum") return run(TypeTag<Sum>{}, kc::SumReduce<Sum>{});
    if (name == "max") return run(TypeTag<Extreme>{}, kc::ExtremeReduce<Extreme, true>{});
    if (name == "min") return run(TypeTag<Extreme>{}, kc::ExtremeReduce<Extreme, false>{});
    unsupported(op, x.dtype());
  });
}

inline void gemm_kernel(const char* op, const TensorBase& out, const TensorBase& a,
                        const TensorBase& b, const Scalar& alpha, const Scalar& beta) {
  kc::gemm(op, out, a, b, alpha, beta);
}

inline void copy_kernel(const TensorBase& dst, const TensorBase& src, const Stream& stream) {
  DeviceGuard guard(dst.device());
  kc::copy(dst, src, stream.handle());
}

inline void fill_kernel(const TensorBase& dst, const Scalar& value, const Stream& stream) {
  DeviceGuard guard(dst.device());
  kc::fill(dst, value, stream.handle());
}

inline void where_kernel(const TensorBase& out, const TensorBase& cond, const TensorBase* a,
                         const Scalar& sa, const TensorBase* b, const Scalar& sb) {
  DeviceGuard guard(out.device());
  kc::where(out, cond, a, sa, b, sb, current_stream(out.device().index()).handle());
}

inline void arg_extreme_kernel(const char* op, const TensorBase& values, const TensorBase& indices,
                               const TensorBase& x) {
  DeviceGuard guard(x.device());
  const cudaStream_t stream = current_stream(x.device().index()).handle();
  const bool is_max = std::string_view(op) == "max";
  kc::visit_math_dtype(x.dtype(), op, [&](auto tag) {
    using T = typename decltype(tag)::type;
    if (is_max) {
      kc::launch_arg_extreme<T, true>(op, values, indices, x, stream);
    } else {
      kc::launch_arg_extreme<T, false>(op, values, indices, x, stream);
    }
  });
}

inline void check_indices_kernel(const char* op, const TensorBase& index, int64_t size,
                                 int64_t dim, bool negative_ok) {
  DeviceGuard guard(index.device());
  kc::check_indices(op, index, size, dim, negative_ok, current_stream(index.device().index()));
}

inline void gather_kernel(const char* op, const TensorBase& out, const TensorBase& self,
                          int64_t dim, const TensorBase& index) {
  DeviceGuard guard(out.device());
  kc::gather(op, out, self, dim, index, current_stream(out.device().index()).handle());
}

inline void scatter_kernel(const char* op, bool add, const TensorBase& self, int64_t dim,
                           const TensorBase& index, const TensorBase* src, const Scalar& value) {
  DeviceGuard guard(self.device());
  kc::scatter(op, add, self, dim, index, src, value,
              current_stream(self.device().index()).handle());
}

inline void random_kernel(const char* op, const TensorBase& out, const ops::DeviceRandom& spec) {
  DeviceGuard guard(out.device());
  kc::random(op, out, spec, current_stream(out.device().index()).handle());
}

inline void scan_kernel(const char* op, const TensorBase& out, const TensorBase& x, int64_t dim) {
  DeviceGuard guard(out.device());
  kc::scan(op, out, x, dim, current_stream(out.device().index()).handle());
}

inline void take_kernel(const char* op, const TensorBase& out, const TensorBase& src,
                        const TensorBase& offsets) {
  DeviceGuard guard(out.device());
  kc::take(op, out, src, offsets, current_stream(out.device().index()).handle());
}

inline void put_kernel(const char* op, bool accumulate, const TensorBase& dst,
                       const TensorBase& values, const TensorBase& offsets) {
  DeviceGuard guard(dst.device());
  kc::put(op, accumulate, dst, values, offsets, current_stream(dst.device().index()).handle());
}

inline void sort_kernel(const char* op, const TensorBase& values, const TensorBase& indices,
                        const TensorBase& x, bool descending) {
  DeviceGuard guard(x.device());
  kc::sort(op, values, indices, x, descending, current_stream(x.device().index()));
}

inline const ops::DeviceKernels kCudaKernels = {
    &binary_kernel, &unary_kernel,  &reduce_kernel,  &gemm_kernel, &where_kernel,
    &arg_extreme_kernel, &check_indices_kernel, &gather_kernel, &scatter_kernel,
    &random_kernel, &scan_kernel, &take_kernel, &put_kernel, &sort_kernel};
inline const CopyKernels kCudaCopyKernels = {&copy_kernel, &fill_kernel};

inline bool register_kernels() {
  install_device_hooks();
  ops::device_kernels = &kCudaKernels;
  copy_kernels = &kCudaCopyKernels;
  return true;
}
// Dynamic initialization of an inline variable: once per program, before main.
inline const bool kernels_registered = register_kernels();

}  // namespace tensorbridge::cuda::detail
