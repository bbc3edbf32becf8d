#pragma once
// An emulated device for testing the device front end (ops/device_dispatch.hpp) without a GPU:
// "cuda:0" tensors over host memory, with device hooks and a kernel table that a test supplies
// (typically ones that record the calls the front end makes).
#include <cstdlib>
#include <memory>

#include "tensorbridge/core/device_hooks.hpp"
#include "tensorbridge/core/storage.hpp"
#include "tensorbridge/ops/device_dispatch.hpp"

namespace tbtest {

// Zeroed host memory tagged with `device`, for the hooks' allocate.
inline std::shared_ptr<tensorbridge::Storage> emulated_device_memory(std::size_t nbytes,
                                                                     tensorbridge::Device device) {
  void* p = std::calloc(nbytes == 0 ? 1 : nbytes, 1);
  return tensorbridge::Storage::from_foreign(p, nbytes, device, [p] { std::free(p); });
}

// Installs `hooks` and `kernels` for its lifetime and restores the previous ones.
class ScopedDeviceTables {
 public:
  ScopedDeviceTables(const tensorbridge::detail::DeviceHooks& hooks,
                     const tensorbridge::ops::DeviceKernels& kernels)
      : old_hooks_(tensorbridge::detail::device_hooks),
        old_kernels_(tensorbridge::ops::device_kernels) {
    tensorbridge::detail::device_hooks = &hooks;
    tensorbridge::ops::device_kernels = &kernels;
  }
  ~ScopedDeviceTables() {
    tensorbridge::detail::device_hooks = old_hooks_;
    tensorbridge::ops::device_kernels = old_kernels_;
  }
  ScopedDeviceTables(const ScopedDeviceTables&) = delete;
  ScopedDeviceTables& operator=(const ScopedDeviceTables&) = delete;

 private:
  const tensorbridge::detail::DeviceHooks* old_hooks_;
  const tensorbridge::ops::DeviceKernels* old_kernels_;
};

}  // namespace tbtest
