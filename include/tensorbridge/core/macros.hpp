#pragma once
// Portability macros shared by every layer.

// Functions that must also run inside CUDA kernels.
#if defined(__CUDACC__) || defined(__HIPCC__)
#define TB_HOST_DEVICE __host__ __device__
#else
#define TB_HOST_DEVICE
#endif

#if defined(__GNUC__) || defined(__clang__)
#define TB_LIKELY(x) __builtin_expect(!!(x), 1)
#define TB_UNLIKELY(x) __builtin_expect(!!(x), 0)
#define TB_RESTRICT __restrict__
#else
#define TB_LIKELY(x) (x)
#define TB_UNLIKELY(x) (x)
#define TB_RESTRICT
#endif
