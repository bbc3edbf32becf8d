#pragma once
// CUDA streams and the current stream. Every CUDA operation of tensorbridge (allocation,
// copies, kernels) runs on the calling thread's current stream of the tensor's device;
// that is the device's default stream (the legacy one, or the per-thread one for code
// built with --default-stream per-thread) until set_current_stream() or a StreamGuard
// picks another, as in PyTorch.
#include <cuda_runtime_api.h>

#include <cstdint>
#include <memory>
#include <vector>

#include "tensorbridge/core/device.hpp"
#include "tensorbridge/cuda/device.hpp"
#include "tensorbridge/cuda/error.hpp"

namespace tensorbridge::cuda {

// A stream of one device. Copies share the stream; a stream made by create() is
// destroyed with its last copy, a wrapped foreign handle never is.
class Stream {
 public:
  Stream() = default;  // the default stream of device 0
  Stream(cudaStream_t handle, int device) : handle_(handle), device_(device) {}

  // A new stream on `device` (-1: the current one). Non-blocking streams do not
  // synchronize with the legacy default stream; lower priority numbers run first.
  static Stream create(int device = -1, bool non_blocking = true, int priority = 0) {
    if (device < 0) device = current_device();
    DeviceGuard guard(device);
    cudaStream_t handle = nullptr;
    check(cudaStreamCreateWithPriority(&handle,
                                       non_blocking ? cudaStreamNonBlocking : cudaStreamDefault,
                                       priority),
          "Stream::create", "cudaStreamCreateWithPriority");
    Stream s(handle, device);
    s.owner_ = std::shared_ptr<void>(handle, [](void* h) {
      (void)cudaStreamDestroy(static_cast<cudaStream_t>(h));  // no throwing from a deleter
    });
    return s;
  }

  static Stream default_stream(int device = -1) {
    return Stream(nullptr, device < 0 ? current_device() : device);
  }

  cudaStream_t handle() const { return handle_; }
  int device_index() const { return device_; }
  Device device() const { return Device::cuda(device_); }

  // True when all work queued so far has finished.
  // Both switch to the stream's device: a null handle means the current device's default
  // stream.
  bool query() const {
    DeviceGuard guard(device_);
    const cudaError_t err = cudaStreamQuery(handle_);
    if (err == cudaErrorNotReady) {
      (void)cudaGetLastError();
      return false;
    }
    check(err, "Stream::query", "cudaStreamQuery");
    return true;
  }

  void synchronize() const {
    DeviceGuard guard(device_);
    check(cudaStreamSynchronize(handle_), "Stream::synchronize", "cudaStreamSynchronize");
  }

  friend bool operator==(const Stream& a, const Stream& b) {
    return a.handle_ == b.handle_ && a.device_ == b.device_;
  }
  friend bool operator!=(const Stream& a, const Stream& b) { return !(a == b); }

 private:
  cudaStream_t handle_ = nullptr;
  int device_ = 0;
  std::shared_ptr<void> owner_;  // set for streams made by create()
};

namespace detail {
// This thread's current stream per device, indexed by device; devices past the end use
// their default stream.
inline std::vector<Stream>& current_streams() {
  thread_local std::vector<Stream> streams;
  return streams;
}
}  // namespace detail

inline Stream current_stream(int device = -1) {
  if (device < 0) device = current_device();
  const auto& streams = detail::current_streams();
  const auto slot = static_cast<std::size_t>(device);
  return slot < streams.size() ? streams[slot] : Stream::default_stream(device);
}

// Makes `stream` the calling thread's current stream of its device.
inline void set_current_stream(const Stream& stream) {
  auto& streams = detail::current_streams();
  const auto slot = static_cast<std::size_t>(stream.device_index());
  while (streams.size() <= slot) {
    streams.push_back(Stream::default_stream(static_cast<int>(streams.size())));
  }
  streams[slot] = stream;
}

// Makes `stream` current for its device until the end of the scope.
class StreamGuard {
 public:
  explicit StreamGuard(const Stream& stream)
      : previous_(current_stream(stream.device_index())) {
    set_current_stream(stream);
  }
  StreamGuard(const StreamGuard&) = delete;
  StreamGuard& operator=(const StreamGuard&) = delete;
  ~StreamGuard() { set_current_stream(previous_); }

 private:
  Stream previous_;
};

}  // namespace tensorbridge::cuda
