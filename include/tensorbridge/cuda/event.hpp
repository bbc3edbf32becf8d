#pragma once
// CUDA events: a point in a stream's work that other streams can wait for and the host can
// wait on or time. The runtime event is made on the first record(), on the stream's device.
#include <cuda_runtime_api.h>

#include <utility>

#include "tensorbridge/cuda/device.hpp"
#include "tensorbridge/cuda/error.hpp"
#include "tensorbridge/cuda/stream.hpp"

namespace tensorbridge::cuda {

class Event {
 public:
  // Events without timing are cheaper to record and to wait for.
  explicit Event(bool enable_timing = false) : timing_(enable_timing) {}
  Event(const Event&) = delete;
  Event& operator=(const Event&) = delete;
  Event(Event&& other) noexcept { swap(other); }
  Event& operator=(Event&& other) noexcept {
    Event(std::move(other)).swap(*this);
    return *this;
  }
  ~Event() {
    if (handle_ != nullptr) (void)cudaEventDestroy(handle_);
  }

  // Captures the work queued on `stream` so far (the current stream by default).
  void record(const Stream& stream) {
    // The stream's device is current for both calls: a null handle means the current
    // device's default stream, and an event records only on its own device.
    DeviceGuard guard(stream.device_index());
    if (handle_ == nullptr) {
      check(cudaEventCreateWithFlags(&handle_, timing_ ? cudaEventDefault
                                                       : cudaEventDisableTiming),
            "Event::record", "cudaEventCreateWithFlags");
      device_ = stream.device_index();
    }
    TB_CHECK(stream.device_index() == device_, DeviceError, "Event::record: the event belongs to ",
             Device::cuda(device_), " but the stream to ", stream.device());
    check(cudaEventRecord(handle_, stream.handle()), "Event::record", "cudaEventRecord");
  }
  void record() { record(current_stream()); }

  // Work queued on `stream` after this call waits for the recorded work; the host does
  // not block. A never-recorded event has nothing to wait for.
  void wait(const Stream& stream) const {
    if (handle_ == nullptr) return;
    DeviceGuard guard(stream.device_index());  // a null handle is the current device's
    check(cudaStreamWaitEvent(stream.handle(), handle_, 0), "Event::wait",
          "cudaStreamWaitEvent");
  }

  bool recorded() const { return handle_ != nullptr; }

  // True when the recorded work has finished (or nothing was recorded).
  bool query() const {
    if (handle_ == nullptr) return true;
    const cudaError_t err = cudaEventQuery(handle_);
    if (err == cudaErrorNotReady) {
      (void)cudaGetLastError();
      return false;
    }
    check(err, "Event::query", "cudaEventQuery");
    return true;
  }

  void synchronize() const {
    if (handle_ != nullptr) {
      check(cudaEventSynchronize(handle_), "Event::synchronize", "cudaEventSynchronize");
    }
  }

  // Milliseconds between this event and `end`; both made with enable_timing, both recorded.
  float elapsed_ms(const Event& end) const {
    TB_CHECK(timing_ && end.timing_, DeviceError,
             "Event::elapsed_ms: both events need enable_timing=true");
    TB_CHECK(handle_ != nullptr && end.handle_ != nullptr, DeviceError,
             "Event::elapsed_ms: both events must be recorded first");
    float ms = 0;
    check(cudaEventElapsedTime(&ms, handle_, end.handle_), "Event::elapsed_ms",
          "cudaEventElapsedTime");
    return ms;
  }

  cudaEvent_t handle() const { return handle_; }
  int device_index() const { return device_; }

 private:
  void swap(Event& other) noexcept {
    std::swap(handle_, other.handle_);
    std::swap(device_, other.device_);
    std::swap(timing_, other.timing_);
  }

  cudaEvent_t handle_ = nullptr;
  int device_ = -1;
  bool timing_ = false;
};

}  // namespace tensorbridge::cuda
