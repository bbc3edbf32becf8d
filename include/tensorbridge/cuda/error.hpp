#pragma once
// CUDA runtime errors as tensorbridge exceptions: DeviceError naming our op, the runtime
// call that failed and the runtime's own words for why.
#include <cuda_runtime_api.h>

#include "tensorbridge/core/error.hpp"

namespace tensorbridge::cuda {

// Throws DeviceError "op: call failed: <description> (<cudaErrorName>)" unless err is
// cudaSuccess. Clears the runtime's last-error slot, so a later unrelated check does not
// report this error again (sticky errors, which poison the context, stay).
inline void check(cudaError_t err, const char* op, const char* call) {
  if (err == cudaSuccess) return;
  (void)cudaGetLastError();
  TB_THROW(DeviceError, op, ": ", call, " failed: ", cudaGetErrorString(err), " (",
           cudaGetErrorName(err), ")");
}

}  // namespace tensorbridge::cuda
