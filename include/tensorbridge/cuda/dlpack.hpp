#pragma once
// The CUDA side of the DLPack Python protocol: what `stream=` means in
// `__dlpack__(stream=...)`, and how a producer makes its data ready for the consumer.
//
// The consumer passes the stream it will use the data on: None or 1 for the legacy default
// stream, 2 for the per-thread default stream, a cudaStream_t as an integer, or -1 for "do
// not synchronize". 0 is invalid on CUDA (it is ambiguous between the two defaults). The
// producer records an event on its own (current) stream and makes the consumer's stream
// wait for it, so neither side blocks the host.
#include <cuda_runtime_api.h>

#include <cstdint>
#include <optional>
#include <vector>

#include "tensorbridge/core/device.hpp"
#include "tensorbridge/core/error.hpp"
#include "tensorbridge/core/tensor_base.hpp"
#include "tensorbridge/cuda/device.hpp"
#include "tensorbridge/cuda/error.hpp"
#include "tensorbridge/cuda/event.hpp"
#include "tensorbridge/cuda/stream.hpp"

namespace tensorbridge::cuda {

// The consumer's stream named by a `stream=` argument, or nullopt for -1 (no
// synchronization wanted). `stream` is nullopt for Python's None.
inline std::optional<cudaStream_t> stream_from_dlpack(std::optional<int64_t> stream,
                                                      const char* op = "__dlpack__") {
  if (!stream || *stream == 1) return cudaStreamLegacy;
  TB_CHECK(*stream != 0, ValueError, op,
           ": stream 0 is not allowed for CUDA (it is ambiguous; pass 1 for the legacy "
           "default stream or 2 for the per-thread default stream)");
  TB_CHECK(*stream >= -1, ValueError, op, ": invalid stream ", *stream,
           " (expected -1, 1, 2 or a cudaStream_t)");
  if (*stream == -1) return std::nullopt;
  if (*stream == 2) return cudaStreamPerThread;
  return reinterpret_cast<cudaStream_t>(static_cast<intptr_t>(*stream));
}

// What a consumer passes as `stream=` for `s`: 1 for the legacy default stream, 2 for the
// per-thread one, otherwise the handle as an integer.
inline int64_t dlpack_stream_argument(const Stream& s) {
  if (s.handle() == nullptr) {
#if defined(CUDA_API_PER_THREAD_DEFAULT_STREAM)
    return 2;
#else
    return 1;
#endif
  }
  if (s.handle() == cudaStreamLegacy) return 1;
  if (s.handle() == cudaStreamPerThread) return 2;
  return static_cast<int64_t>(reinterpret_cast<intptr_t>(s.handle()));
}

// Makes work queued later on `consumer` wait for the work queued so far on `producer`,
// without blocking the host. Nothing to do when both are the same stream.
inline void wait_stream(const Stream& producer, cudaStream_t consumer) {
  if (producer.handle() == consumer) return;
  // One event per thread and device, re-recorded each time: cudaStreamWaitEvent captures
  // the recorded state at the call, so reuse is safe and saves creating events per export.
  thread_local std::vector<Event> events;
  const auto slot = static_cast<std::size_t>(producer.device_index());
  if (events.size() <= slot) events.resize(slot + 1);
  DeviceGuard guard(producer.device_index());
  events[slot].record(producer);
  check(cudaStreamWaitEvent(consumer, events[slot].handle(), 0), "__dlpack__",
        "cudaStreamWaitEvent");
}

// The producer's half of `__dlpack__(stream=...)` for tensor `t`: checks the argument
// (a CPU tensor takes only None) and, on CUDA, makes `t`'s data ready on the consumer's
// stream: work queued on the current stream of t's device is ordered before it.
inline void prepare_dlpack_export(const TensorBase& t, std::optional<int64_t> stream) {
  if (!t.device().is_cuda()) {
    TB_CHECK(!stream, BufferError, "__dlpack__: stream must be None for a tensor on ",
             t.device(), " (got ", *stream, ")");
    return;
  }
  check_device(t.device(), "__dlpack__");
  const std::optional<cudaStream_t> consumer = stream_from_dlpack(stream);
  if (consumer) wait_stream(current_stream(t.device().index()), *consumer);
}

// The device whose memory `p` is (device memory, or managed memory's preferred owner);
// -1 when the runtime does not know the pointer or there is no GPU.
inline int pointer_device(const void* p) {
  if (p == nullptr || !is_available()) return -1;
  cudaPointerAttributes attributes{};
  if (cudaPointerGetAttributes(&attributes, p) != cudaSuccess) {
    (void)cudaGetLastError();
    return -1;
  }
  return attributes.type == cudaMemoryTypeDevice || attributes.type == cudaMemoryTypeManaged
             ? attributes.device
             : -1;
}

}  // namespace tensorbridge::cuda
