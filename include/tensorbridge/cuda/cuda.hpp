#pragma once
// tensorbridge on CUDA devices (host side): include this header in a program built against
// tensorbridge::cuda and tensors can live on GPUs: factories take device=Device::cuda(i),
// to(Device)/cuda()/cpu()/copy_(src, non_blocking) move data, DLPack exchanges device
// memory. Including it installs core's device hooks (core/device_hooks.hpp) before main.
// Device math additionally needs the kernels: <tensorbridge/cuda/kernels.cuh>, in one
// translation unit compiled by nvcc.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>

#include "tensorbridge/core/device_hooks.hpp"
#include "tensorbridge/cuda/allocator.hpp"
#include "tensorbridge/cuda/copy.hpp"
#include "tensorbridge/cuda/device.hpp"
#include "tensorbridge/cuda/dlpack.hpp"
#include "tensorbridge/cuda/error.hpp"
#include "tensorbridge/cuda/event.hpp"
#include "tensorbridge/cuda/stream.hpp"

namespace tensorbridge::cuda {

namespace detail {

inline std::shared_ptr<Storage> hook_allocate(std::size_t nbytes, Device device) {
  return allocate(nbytes, device);
}
inline int hook_current_device() { return current_device(); }
inline int64_t hook_current_stream_argument(int index) {
  return dlpack_stream_argument(current_stream(index));
}
inline void hook_wait_for_stream(int index, int64_t stream) {
  const std::optional<cudaStream_t> producer = stream_from_dlpack(stream, "wait_for_stream");
  if (!producer) return;
  DeviceGuard guard(index);
  wait_stream(Stream(*producer, index), current_stream(index).handle());
}

inline const tensorbridge::detail::DeviceHooks kDeviceHooks = {
    &hook_allocate,         &copy_tensors,          &fill_tensor,
    &hook_current_device,   &pointer_device,        &hook_current_stream_argument,
    &hook_wait_for_stream,  &prepare_dlpack_export};

inline bool install_device_hooks() {
  tensorbridge::detail::device_hooks = &kDeviceHooks;
  return true;
}
// Dynamic initialization of an inline variable: runs once per program, before main (or
// when a shared library that includes this header is loaded).
inline const bool device_hooks_installed = install_device_hooks();

}  // namespace detail

// Installs the hooks explicitly (for code that runs during static initialization, before
// the variable above is initialized). Idempotent.
inline void init() { detail::install_device_hooks(); }

}  // namespace tensorbridge::cuda
