#pragma once
// <Eigen/Core>, for the headers that compute with Eigen (CPU kernels, optimizers, the Eigen
// interop). nvcc warns (20012) that Eigen's defaulted __host__ __device__ members ignore
// their annotations: harmless and not ours to fix, but fatal under --Werror=all-warnings, so
// the warning is silenced for Eigen's headers only.
#if defined(__NVCC__)
#pragma nv_diagnostic push
#pragma nv_diag_suppress 20012
#endif
#include <Eigen/Core>
#if defined(__NVCC__)
#pragma nv_diagnostic pop
#endif
