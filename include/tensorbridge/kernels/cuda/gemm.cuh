#pragma once
// Matrix products on CUDA through cuBLAS: one cublasGemmStridedBatchedEx per call, for
// float32, float64, complex64 and complex128 (computed in their own precision; TF32 stays
// off, as in PyTorch) and float16/bfloat16 (accumulated in float32). Complex operands are
// transposed, never conjugated (CUBLAS_OP_T), like matmul's. cuBLAS is column-major: a row-major C = A @ B
// is computed as C^T = B^T @ A^T, and each operand that is row- or column-major with one
// batch stride is passed as it is (transposed views cost nothing); any other layout is
// copied to a contiguous one first.
//
// cuBLAS is loaded at run time (dlopen of libcublas.so.<major>, found like any shared
// library: LD_LIBRARY_PATH, the system's paths, or already loaded, e.g. by PyTorch), so a
// program needs it only when it multiplies matrices on a GPU. Compiling needs
// <cublas_v2.h> (from the CUDA toolkit or the nvidia-cublas wheel); without the header, or
// without the library at run time, the product raises DeviceError saying which is missing.
#include <cuda_runtime_api.h>

#include <climits>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#if __has_include(<cublas_v2.h>) && __has_include(<dlfcn.h>)
#include <cublas_v2.h>
#include <dlfcn.h>
#define TB_CUDA_HAVE_CUBLAS 1
#endif

#include "tensorbridge/core/device_copy.hpp"
#include "tensorbridge/core/scalar.hpp"
#include "tensorbridge/core/tensor_base.hpp"
#include "tensorbridge/cuda/device.hpp"
#include "tensorbridge/cuda/stream.hpp"

namespace tensorbridge::kernels::cuda {

// How cuBLAS sees one operand (row-major [rows, cols] per batch entry): whether it is
// transposed relative to the column-major reading of its memory, its leading dimension,
// and the distance between batch entries.
struct GemmOperand {
  bool transpose = false;
  int64_t ld = 1;
  int64_t batch_stride = 0;
  const void* data = nullptr;
};

// nullopt when the matrices are neither row- nor column-major or the batch dims have no
// single stride.
inline std::optional<GemmOperand> gemm_operand(const TensorBase& t) {
  const int64_t nd = t.dim();
  const int64_t r = t.shape()[nd - 2], c = t.shape()[nd - 1];
  const int64_t sr = t.strides()[nd - 2], sc = t.strides()[nd - 1];
  GemmOperand g;
  g.data = t.data_ptr();
  const int64_t rows_ld = c > 1 ? c : 1, cols_ld = r > 1 ? r : 1;
  if (t.numel() == 0) {  // k == 0: cuBLAS reads nothing, but checks the leading dimension
    g.ld = rows_ld;
    return g;
  }
  if ((sc == 1 || c == 1) && (r == 1 || sr >= rows_ld)) {
    g.ld = r == 1 ? rows_ld : sr;  // row-major: its memory read column-major is t^T
  } else if ((sr == 1 || r == 1) && (c == 1 || sc >= cols_ld)) {
    g.transpose = true;
    g.ld = c == 1 ? cols_ld : sc;
  } else {
    return std::nullopt;
  }
  // cuBLAS takes an int leading dimension: a wider stride means a contiguous copy (whose
  // leading dimension is a matrix size, which gemm checks).
  if (g.ld > INT_MAX) return std::nullopt;
  // The batch dims must collapse into one stride (broadcast dims have stride 0 throughout).
  int64_t stride = 0, span = 0;
  bool first = true;
  for (int64_t d = nd - 3; d >= 0; --d) {
    const int64_t size = t.shape()[d];
    if (size == 1) continue;
    if (first) {
      stride = t.strides()[d];
      span = size;
      first = false;
    } else if (t.strides()[d] == stride * span) {
      span *= size;
    } else {
      return std::nullopt;
    }
  }
  g.batch_stride = stride;
  return g;
}

#if defined(TB_CUDA_HAVE_CUBLAS)

// The few cuBLAS entry points we use, resolved from the shared library once.
struct CublasApi {
  using Create = cublasStatus_t (*)(cublasHandle_t*);
  using SetStream = cublasStatus_t (*)(cublasHandle_t, cudaStream_t);
  using StatusString = const char* (*)(cublasStatus_t);
  using GemmStridedBatchedEx = cublasStatus_t (*)(
      cublasHandle_t, cublasOperation_t, cublasOperation_t, int, int, int, const void*,
      const void*, cudaDataType, int, long long, const void*, cudaDataType, int, long long,
      const void*, void*, cudaDataType, int, long long, int, cublasComputeType_t,
      cublasGemmAlgo_t);
  Create create = nullptr;
  SetStream set_stream = nullptr;
  StatusString status_string = nullptr;
  GemmStridedBatchedEx gemm_strided_batched_ex = nullptr;
  std::string error;  // why loading failed
};

inline const CublasApi& cublas_api() {
  static const CublasApi api = [] {
    CublasApi a;
    const std::string versioned = "libcublas.so." + std::to_string(CUBLAS_VER_MAJOR);
    void* lib = dlopen(versioned.c_str(), RTLD_NOW | RTLD_GLOBAL);
    if (lib == nullptr) {
      const char* why = dlerror();
      a.error = "cannot load " + versioned + ": " + (why ? why : "unknown error") +
                " (add the folder holding it, e.g. the nvidia-cublas wheel's lib, to "
                "LD_LIBRARY_PATH)";
      return a;
    }
    a.create = reinterpret_cast<CublasApi::Create>(dlsym(lib, "cublasCreate_v2"));
    a.set_stream = reinterpret_cast<CublasApi::SetStream>(dlsym(lib, "cublasSetStream_v2"));
    a.status_string =
        reinterpret_cast<CublasApi::StatusString>(dlsym(lib, "cublasGetStatusString"));
    a.gemm_strided_batched_ex = reinterpret_cast<CublasApi::GemmStridedBatchedEx>(
        dlsym(lib, "cublasGemmStridedBatchedEx"));
    if (!a.create || !a.set_stream || !a.status_string || !a.gemm_strided_batched_ex) {
      a.error = versioned + " lacks a cuBLAS function tensorbridge uses";
      a.create = nullptr;
    }
    return a;
  }();
  return api;
}

inline void check_cublas(cublasStatus_t status, const char* op, const char* call) {
  TB_CHECK(status == CUBLAS_STATUS_SUCCESS, DeviceError, op, ": ", call, " failed: ",
           cublas_api().status_string(status), " (status ", int(status), ")");
}

// One handle per thread and device, made on first use and kept for the thread's life.
inline cublasHandle_t cublas_handle(int device, const char* op) {
  thread_local std::vector<cublasHandle_t> handles;
  if (handles.size() <= static_cast<std::size_t>(device)) {
    handles.resize(static_cast<std::size_t>(device) + 1, nullptr);
  }
  cublasHandle_t& h = handles[static_cast<std::size_t>(device)];
  if (h == nullptr) {
    tensorbridge::cuda::DeviceGuard guard(device);
    check_cublas(cublas_api().create(&h), op, "cublasCreate");
  }
  return h;
}

#endif

// out[batch..., m, n] (contiguous) = alpha * a @ b + beta * out.
inline void gemm(const char* op, const TensorBase& out, const TensorBase& a_in,
                 const TensorBase& b_in, const Scalar& alpha, const Scalar& beta) {
  const DType dtype = out.dtype();
  TB_CHECK(is_floating_point(dtype) || is_complex(dtype), TypeError, op,
           ": not supported on CUDA for dtype ", dtype, " (cuBLAS products cover float32, "
           "float64, float16, bfloat16, complex64 and complex128; shape ",
           shape_str(out.shape()), ")");
  const int64_t nd = out.dim();
  const int64_t m = out.shape()[nd - 2], n = out.shape()[nd - 1], k = a_in.shape()[nd - 1];
  const int64_t batch = out.numel() / (m * n > 0 ? m * n : 1);
  if (out.numel() == 0) return;
#if !defined(TB_CUDA_HAVE_CUBLAS)
  (void)b_in;
  (void)alpha;
  (void)beta;
  (void)k;
  (void)batch;
  TB_THROW(DeviceError, op, ": matrix products on ", out.device(),
           " need cuBLAS, and <cublas_v2.h> was not found when the CUDA kernels were compiled");
#else
  const CublasApi& api = cublas_api();
  TB_CHECK(api.create != nullptr, DeviceError, op, ": matrix products on ", out.device(),
           " need cuBLAS: ", api.error);
  TB_CHECK(m <= INT_MAX && n <= INT_MAX && k <= INT_MAX && batch <= INT_MAX, ValueError, op,
           ": sizes beyond 2^31 - 1 are not supported on CUDA (m ", m, ", n ", n, ", k ", k,
           ", batch ", batch, ")");
  TensorBase a = a_in, b = b_in;
  std::optional<GemmOperand> ga = gemm_operand(a), gb = gemm_operand(b);
  auto make_contiguous = [&](const TensorBase& t) {
    TensorBase c = tensorbridge::detail::new_tensor(t.shape(), t.dtype(), t.device(), op);
    c.copy_(t, false);
    return c;
  };
  if (!ga) {
    a = make_contiguous(a);
    ga = gemm_operand(a);
  }
  if (!gb) {
    b = make_contiguous(b);
    gb = gemm_operand(b);
  }
  const int device = out.device().index();
  tensorbridge::cuda::DeviceGuard guard(device);
  cublasHandle_t handle = cublas_handle(device, op);
  check_cublas(api.set_stream(handle, tensorbridge::cuda::current_stream(device).handle()), op,
               "cublasSetStream");
  cudaDataType type = CUDA_R_32F;
  cublasComputeType_t compute = CUBLAS_COMPUTE_32F;
  if (dtype == DType::Float64) {
    type = CUDA_R_64F;
    compute = CUBLAS_COMPUTE_64F;
  } else if (dtype == DType::Float16) {
    type = CUDA_R_16F;
  } else if (dtype == DType::BFloat16) {
    type = CUDA_R_16BF;
  } else if (dtype == DType::Complex64) {
    type = CUDA_C_32F;
  } else if (dtype == DType::Complex128) {
    type = CUDA_C_64F;
    compute = CUBLAS_COMPUTE_64F;
  }
  // alpha and beta in the compute type: float or double, each as (real, imaginary), of which
  // a real product reads the first.
  const complex128 alpha128 = alpha.to<complex128>(), beta128 = beta.to<complex128>();
  const double alpha64[2] = {alpha128.real(), alpha128.imag()};
  const double beta64[2] = {beta128.real(), beta128.imag()};
  const float alpha32[2] = {static_cast<float>(alpha64[0]), static_cast<float>(alpha64[1])};
  const float beta32[2] = {static_cast<float>(beta64[0]), static_cast<float>(beta64[1])};
  const bool wide = compute == CUBLAS_COMPUTE_64F;
  const void* pa = wide ? static_cast<const void*>(alpha64) : alpha32;
  const void* pb = wide ? static_cast<const void*>(beta64) : beta32;
  // C^T (n x m, column-major, ld n) = B^T (n x k) @ A^T (k x m).
  check_cublas(api.gemm_strided_batched_ex(
                   handle, gb->transpose ? CUBLAS_OP_T : CUBLAS_OP_N,
                   ga->transpose ? CUBLAS_OP_T : CUBLAS_OP_N, int(n), int(m), int(k), pa,
                   gb->data, type, int(gb->ld), gb->batch_stride, ga->data, type, int(ga->ld),
                   ga->batch_stride, pb, out.data_ptr(), type, int(n), m * n, int(batch),
                   compute, CUBLAS_GEMM_DEFAULT),
               op, "cublasGemmStridedBatchedEx");
#endif
}

}  // namespace tensorbridge::kernels::cuda
