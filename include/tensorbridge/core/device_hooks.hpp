#pragma once
// Where core reaches memory it cannot touch itself: allocating, filling and copying device
// (CUDA) tensors. Core knows nothing of CUDA; the CUDA layer (<tensorbridge/cuda/cuda.hpp>,
// built against tensorbridge::cuda) installs this table when a program includes it. A
// CPU-only program never installs it, and core refuses device tensors with an error that
// says what to add.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>

#include "tensorbridge/core/device.hpp"
#include "tensorbridge/core/error.hpp"
#include "tensorbridge/core/storage.hpp"

namespace tensorbridge {

class TensorBase;
class Scalar;

namespace detail {

struct DeviceHooks {
  // Uninitialized memory on `device` (a CUDA device), released when the storage dies.
  std::shared_ptr<Storage> (*allocate)(std::size_t nbytes, Device device);
  // dst = src for tensors of the same shape (any dtypes, any layouts) where at least one
  // lives on a device. non_blocking may return before a copy from pinned memory is done.
  void (*copy)(const TensorBase& dst, const TensorBase& src, bool non_blocking);
  // Every element of the device tensor `dst` set to `value`.
  void (*fill)(const TensorBase& dst, const Scalar& value);
  // The calling thread's current CUDA device (what cuda() without an index means).
  int (*current_device)();
  // The CUDA device that owns the memory at `p` (managed memory imported from DLPack may
  // carry device_id 0), or -1 when the runtime does not know.
  int (*pointer_device)(const void* p);
  // Streams as the Python protocols (DLPack's stream=, __cuda_array_interface__'s "stream")
  // name them: 1 the legacy default stream, 2 the per-thread default, else the handle.
  // The name of the calling thread's current stream on device `index`.
  int64_t (*current_stream_argument)(int index);
  // Later work on the current stream of device `index` waits for the work queued so far
  // on `stream` (a foreign producer's), without blocking the host.
  void (*wait_for_stream)(int index, int64_t stream);
  // The producer's half of __dlpack__(stream=...): the device tensor `t`'s data is made
  // ready on the consumer's stream (nullopt: None; -1: no synchronization wanted).
  void (*prepare_dlpack_export)(const TensorBase& t, std::optional<int64_t> stream);
};
inline const DeviceHooks* device_hooks = nullptr;

inline const DeviceHooks& require_device_hooks(Device device, const char* op) {
  TB_CHECK(device_hooks != nullptr, DeviceError, op, ": cannot use a tensor on ", device,
           ": this program has no CUDA support (CUDA tensors need the CUDA build of "
           "tensorbridge: link tensorbridge::cuda and include <tensorbridge/cuda/cuda.hpp>)");
  return *device_hooks;
}

// Defined in core/device_copy.hpp (which tensor_base.hpp includes), declared here so that
// core/copy.hpp can route device tensors to them: dst = src across or on devices (broadcast,
// dtype conversion, overlap staging, version bump), and fill_ on any device.
inline const TensorBase& device_copy_(const TensorBase& dst, const TensorBase& src,
                                      bool non_blocking);
inline void fill_any(const TensorBase& t, const Scalar& value, const char* op);

// The error for device math that needs kernels this program was built without.
[[noreturn]] inline void throw_missing_kernels(const char* op, Device device) {
  TB_THROW(DeviceError, op, ": tensors on ", device,
           " need tensorbridge's CUDA kernels: compile one translation unit with nvcc that "
           "includes <tensorbridge/cuda/kernels.cuh> (see README)");
}

}  // namespace detail
}  // namespace tensorbridge
