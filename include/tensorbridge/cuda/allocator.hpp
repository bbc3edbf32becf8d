#pragma once
// Memory for CUDA tensors and for staging host copies.
//
// Device memory comes from the device's default stream-ordered memory pool
// (cudaMallocAsync) on the current stream, and is given back with cudaFreeAsync on the
// stream it was allocated on. The pool's release threshold is raised to "never", so freed
// blocks stay in the pool and the next allocation of the stream reuses them without a trip
// to the driver (the pool's default threshold of 0 returns memory at every synchronization).
// Memory used on another stream must be synchronized with the allocating stream before the
// tensor dies, as with PyTorch's caching allocator.
//
// Pinned host memory (cudaHostAlloc) is CPU memory the GPU's copy engines read and write
// directly: copies from and to it can run asynchronously.
#include <cuda_runtime_api.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "tensorbridge/core/device.hpp"
#include "tensorbridge/core/shape.hpp"
#include "tensorbridge/core/storage.hpp"
#include "tensorbridge/core/tensor_base.hpp"
#include "tensorbridge/cuda/device.hpp"
#include "tensorbridge/cuda/error.hpp"
#include "tensorbridge/cuda/stream.hpp"

namespace tensorbridge::cuda {

namespace detail {

// Whether the device's default pool serves cudaMallocAsync (0 before the first use;
// 1 yes; -1 no: old drivers and some virtualized GPUs lack pools).
inline bool prepare_pool(int device) {
  static std::mutex mutex;
  static std::vector<int> state;
  std::lock_guard<std::mutex> lock(mutex);
  if (state.size() <= static_cast<std::size_t>(device)) {
    state.resize(static_cast<std::size_t>(device) + 1, 0);
  }
  int& s = state[static_cast<std::size_t>(device)];
  if (s == 0) {
    int supported = 0;
    check(cudaDeviceGetAttribute(&supported, cudaDevAttrMemoryPoolsSupported, device),
          "cuda allocator", "cudaDeviceGetAttribute(cudaDevAttrMemoryPoolsSupported)");
    if (supported != 0) {
      cudaMemPool_t pool = nullptr;
      check(cudaDeviceGetDefaultMemPool(&pool, device), "cuda allocator",
            "cudaDeviceGetDefaultMemPool");
      uint64_t threshold = UINT64_MAX;
      check(cudaMemPoolSetAttribute(pool, cudaMemPoolAttrReleaseThreshold, &threshold),
            "cuda allocator", "cudaMemPoolSetAttribute(cudaMemPoolAttrReleaseThreshold)");
    }
    s = supported != 0 ? 1 : -1;
  }
  return s == 1;
}

// Runs in a deleter: must not throw, and may run after the runtime shut down at exit
// (the calls then fail harmlessly).
inline void free_device(void* p, const Stream& stream, bool pooled) noexcept {
  int previous = 0;
  const bool have_previous = cudaGetDevice(&previous) == cudaSuccess;
  if (have_previous && previous != stream.device_index()) {
    (void)cudaSetDevice(stream.device_index());
  }
  if (pooled) {
    (void)cudaFreeAsync(p, stream.handle());
  } else {
    (void)cudaFree(p);
  }
  if (have_previous && previous != stream.device_index()) (void)cudaSetDevice(previous);
  (void)cudaGetLastError();
}

}  // namespace detail

// `nbytes` of uninitialized memory on `device`, ordered on `stream` (which must belong to
// the device). Zero bytes allocate nothing (data is null, as for CPU tensors).
inline std::shared_ptr<Storage> allocate(std::size_t nbytes, Device device,
                                         const Stream& stream) {
  check_device(device, "cuda allocate");
  TB_CHECK(stream.device_index() == device.index(), DeviceError, "cuda allocate: stream of ",
           stream.device(), " cannot allocate on ", device);
  if (nbytes == 0) return std::make_shared<Storage>(nullptr, 0, device, nullptr);
  DeviceGuard guard(device);
  const bool pooled = detail::prepare_pool(device.index());
  void* p = nullptr;
  const cudaError_t err =
      pooled ? cudaMallocAsync(&p, nbytes, stream.handle()) : cudaMalloc(&p, nbytes);
  if (err == cudaErrorMemoryAllocation) {
    (void)cudaGetLastError();
    TB_THROW(DeviceError, "cuda allocate: out of memory on ", device, " allocating ", nbytes,
             " bytes");
  }
  check(err, "cuda allocate", pooled ? "cudaMallocAsync" : "cudaMalloc");
  return std::make_shared<Storage>(
      p, nbytes, device,
      std::shared_ptr<void>(p, [stream, pooled](void* q) { detail::free_device(q, stream, pooled); }));
}

// On the current stream of `device`.
inline std::shared_ptr<Storage> allocate(std::size_t nbytes, Device device) {
  check_device(device, "cuda allocate");
  return allocate(nbytes, device, current_stream(device.index()));
}

// `nbytes` of pinned (page-locked) host memory; a CPU storage.
inline std::shared_ptr<Storage> allocate_pinned(std::size_t nbytes) {
  if (nbytes == 0) return std::make_shared<Storage>(nullptr, 0, Device::cpu(), nullptr);
  void* p = nullptr;
  const cudaError_t err = cudaHostAlloc(&p, nbytes, cudaHostAllocPortable);
  check(err, "allocate_pinned", "cudaHostAlloc");
  return std::make_shared<Storage>(p, nbytes, Device::cpu(), std::shared_ptr<void>(p, [](void* q) {
                                     (void)cudaFreeHost(q);
                                     (void)cudaGetLastError();
                                   }));
}

// True when `p` points into pinned host memory (ours, PyTorch's, or registered with
// cudaHostRegister). False for pageable memory, and on machines without a GPU.
inline bool is_pinned(const void* p) {
  if (p == nullptr || !is_available()) return false;
  cudaPointerAttributes attributes{};
  if (cudaPointerGetAttributes(&attributes, p) != cudaSuccess) {
    (void)cudaGetLastError();
    return false;
  }
  return attributes.type == cudaMemoryTypeHost;
}

// A contiguous CPU tensor in pinned memory.
inline TensorBase empty_pinned(const Shape& shape, DType dtype = DType::Float32) {
  const int64_t numel = checked_numel(shape, "empty_pinned");
  const int64_t nbytes =
      tensorbridge::detail::checked_mul(numel, static_cast<int64_t>(itemsize(dtype)), "empty_pinned");
  return TensorBase(std::make_shared<TensorImpl>(allocate_pinned(static_cast<std::size_t>(nbytes)),
                                                 0, shape, contiguous_strides(shape), dtype));
}

// A pinned copy of a CPU tensor (PyTorch's pin_memory()); the tensor itself when it
// already is in pinned memory.
inline TensorBase pin_memory(const TensorBase& t) {
  TB_CHECK(t.device().is_cpu(), DeviceError, "pin_memory: expected a CPU tensor but got ",
           t.device(), " (shape ", shape_str(t.shape()), ", dtype ", t.dtype(), ")");
  if (is_pinned(t.storage()->data())) return t;
  TensorBase out = empty_pinned(t.shape(), t.dtype());
  out.copy_(t);
  return out;
}

}  // namespace tensorbridge::cuda
