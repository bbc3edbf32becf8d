#pragma once
// CUDA devices: how many there are, which one is current, and a guard that makes one
// current for a scope.
#include <cuda_runtime_api.h>

#include "tensorbridge/core/device.hpp"
#include "tensorbridge/core/error.hpp"
#include "tensorbridge/cuda/error.hpp"

namespace tensorbridge::cuda {

// The number of usable CUDA devices; 0 when there is no GPU or no (new enough) driver,
// so that callers can skip instead of failing. Asked once per process.
inline int device_count() {
  static const int count = [] {
    int n = 0;
    if (cudaGetDeviceCount(&n) != cudaSuccess) {
      (void)cudaGetLastError();
      return 0;
    }
    return n;
  }();
  return count;
}

inline bool is_available() { return device_count() > 0; }

inline int current_device() {
  int index = 0;
  check(cudaGetDevice(&index), "current_device", "cudaGetDevice");
  return index;
}

// DeviceError unless `device` is a CUDA device this machine has.
inline void check_device(Device device, const char* op) {
  TB_CHECK(device.is_cuda(), DeviceError, op, ": expected a CUDA device but got ", device);
  const int count = device_count();
  TB_CHECK(device.index() >= 0 && device.index() < count, DeviceError, op, ": ", device,
           " is not available (this machine has ", count, " CUDA device",
           count == 1 ? "" : "s", ")");
}

inline void set_device(int index) {
  check_device(Device::cuda(index), "set_device");
  check(cudaSetDevice(index), "set_device", "cudaSetDevice");
}

// Blocks until every stream of the device (-1: the current one) has finished its work.
inline void synchronize(int index = -1) {
  const int previous = current_device();
  if (index >= 0 && index != previous) set_device(index);
  const cudaError_t err = cudaDeviceSynchronize();
  if (index >= 0 && index != previous) (void)cudaSetDevice(previous);
  check(err, "synchronize", "cudaDeviceSynchronize");
}

// Makes `index` the current device until the end of the scope. Switching is skipped when
// it already is, which keeps the guard cheap on the common single-GPU path.
class DeviceGuard {
 public:
  explicit DeviceGuard(int index) : previous_(current_device()), switched_(index != previous_) {
    if (switched_) set_device(index);
  }
  explicit DeviceGuard(Device device) : DeviceGuard(device.index()) {}
  DeviceGuard(const DeviceGuard&) = delete;
  DeviceGuard& operator=(const DeviceGuard&) = delete;
  ~DeviceGuard() {
    if (switched_) (void)cudaSetDevice(previous_);
  }

  int previous() const { return previous_; }

 private:
  int previous_;
  bool switched_;
};

}  // namespace tensorbridge::cuda
