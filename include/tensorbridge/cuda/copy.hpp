#pragma once
// Copies between the CPU and CUDA devices, and fills of CUDA tensors: what core's
// to(Device)/cuda()/cpu()/copy_(src, non_blocking) and the device factories run.
//
// A transfer moves one block of bytes: the span a "dense" view covers (every element has
// its own bytes and there are no gaps: any permutation of a contiguous layout, strides of
// either sign). The host side is brought to the device side's layout (and dtype) with a CPU
// copy first, so a transposed or converted copy still costs one cudaMemcpyAsync. A device
// source that is not dense (a strided slice, an expanded view) is sent as the span it
// covers, or gathered on the device first when the CUDA kernels are compiled in and the
// span is much larger than the data. A device destination with gaps needs the kernels.
//
// Pinned host memory is transferred directly, asynchronously when non_blocking. Pageable
// memory of 1 MiB and more goes through pinned staging buffers in chunks, so that the CPU's
// memcpy of one chunk overlaps the DMA of the other, and copies of 64 MiB and more are split
// among threads (the CPU side is what limits a pageable copy); smaller copies let the driver
// stage them. Every copy runs on the current stream of the CUDA device involved.
#include <cuda_runtime_api.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <exception>
#include <memory>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include "tensorbridge/core/device_hooks.hpp"
#include "tensorbridge/core/scalar.hpp"
#include "tensorbridge/core/shape.hpp"
#include "tensorbridge/core/tensor_base.hpp"
#include "tensorbridge/cuda/allocator.hpp"
#include "tensorbridge/cuda/device.hpp"
#include "tensorbridge/cuda/error.hpp"
#include "tensorbridge/cuda/event.hpp"
#include "tensorbridge/cuda/stream.hpp"

namespace tensorbridge::cuda {

namespace detail {

// Device-side copy and fill kernels; <tensorbridge/cuda/kernels.cuh> installs them.
struct CopyKernels {
  // dst = src on one device: any strides, any dtypes, same shape, no partial overlap.
  void (*copy)(const TensorBase& dst, const TensorBase& src, const Stream& stream);
  void (*fill)(const TensorBase& dst, const Scalar& value, const Stream& stream);
};
inline const CopyKernels* copy_kernels = nullptr;

inline const CopyKernels& require_copy_kernels(const char* op, Device device) {
  if (copy_kernels == nullptr) tensorbridge::detail::throw_missing_kernels(op, device);
  return *copy_kernels;
}

inline constexpr std::size_t kStagingChunk = std::size_t(4) << 20;
inline constexpr std::size_t kStagingThreshold = std::size_t(1) << 20;

// The bytes a view reaches: from its lowest element to one past its highest.
struct Span {
  char* begin = nullptr;
  std::size_t nbytes = 0;
};
inline Span span_of(const TensorBase& t) {
  const ElementExtent e = element_extent(t.shape(), t.strides());
  const auto item = static_cast<int64_t>(t.element_size());
  return {static_cast<char*>(t.data_ptr()) + e.lo * item,
          static_cast<std::size_t>((e.hi - e.lo + 1) * item)};
}

// Every element has its own bytes and the span has no gaps.
inline bool is_dense(const TensorBase& t) {
  const ElementExtent e = element_extent(t.shape(), t.strides());
  if (e.hi - e.lo + 1 != t.numel()) return false;
  for (int64_t d = 0; d < t.dim(); ++d) {
    if (t.strides()[d] == 0 && t.shape()[d] > 1) return false;
  }
  // numel elements inside a span of numel slots, none shared: checking that needs the
  // strides to form a mixed-radix system, which sorted |strides| show.
  std::vector<std::pair<int64_t, int64_t>> dims;
  for (int64_t d = 0; d < t.dim(); ++d) {
    if (t.shape()[d] > 1) dims.emplace_back(std::llabs(t.strides()[d]), t.shape()[d]);
  }
  std::sort(dims.begin(), dims.end());
  int64_t expected = 1;
  for (const auto& [stride, size] : dims) {
    if (stride != expected) return false;
    expected *= size;
  }
  return true;
}

// A CPU tensor of `dtype` laid out in memory exactly like `like`: same shape and strides,
// and its span the same size as like's, so one block copy moves one onto the other.
inline TensorBase host_image(const TensorBase& like, DType dtype, bool pinned) {
  const ElementExtent e = element_extent(like.shape(), like.strides());
  const auto nbytes = static_cast<std::size_t>(e.hi - e.lo + 1) * itemsize(dtype);
  auto storage = pinned ? allocate_pinned(nbytes) : Storage::allocate_cpu(nbytes);
  return TensorBase(std::make_shared<TensorImpl>(std::move(storage), -e.lo, like.shape(),
                                                 like.strides(), dtype));
}

// A contiguous device tensor (cannot use core's factories: this is what they call).
inline TensorBase device_empty(const Shape& shape, DType dtype, Device device,
                               const Stream& stream) {
  const auto nbytes = static_cast<std::size_t>(checked_numel(shape, "copy_")) * itemsize(dtype);
  return TensorBase(std::make_shared<TensorImpl>(allocate(nbytes, device, stream), 0, shape,
                                                 contiguous_strides(shape), dtype));
}

// Pageable copies are limited by the CPU, not by the link: by the memcpy between pageable
// memory and the pinned staging buffers and, into fresh memory (what t.cpu() returns), by
// its page faults. So a large copy is split into up to kMaxStagingLanes contiguous parts
// ("lanes") of at least kStagingLaneMin bytes, each moved by its own thread through its own
// pair of staging buffers on its own stream; the DMA engine has room for all of them.
inline constexpr std::size_t kStagingLaneMin = std::size_t(32) << 20;
inline constexpr std::size_t kMaxStagingLanes = 8;

struct StagingPool {
  std::mutex mutex;  // one pageable transfer at a time uses the pool
  std::vector<std::shared_ptr<Storage>> buffers;  // pinned, two per lane, any device
  std::vector<std::vector<Stream>> lane_streams;  // per device: the streams of lanes 1, 2, ...
};
inline StagingPool& staging_pool() {
  static StagingPool pool;
  return pool;
}

inline std::size_t staging_lanes(std::size_t nbytes) {
  const std::size_t cores = std::max(1u, std::thread::hardware_concurrency());
  return std::clamp<std::size_t>(nbytes / kStagingLaneMin, 1, std::min(kMaxStagingLanes, cores));
}

// One lane: bytes between pageable memory and the device through two pinned buffers, in
// chunks, so that the CPU's memcpy of one chunk overlaps the DMA of the other. Returns when
// every byte has arrived.
inline void staged_lane(char* dst, const char* src, std::size_t nbytes, bool to_device,
                        const Stream& lane, char* const buf[2]) {
  const cudaStream_t stream = lane.handle();
  Event done[2];
  const cudaMemcpyKind kind = to_device ? cudaMemcpyHostToDevice : cudaMemcpyDeviceToHost;
  const std::size_t chunks = (nbytes + kStagingChunk - 1) / kStagingChunk;
  auto chunk_size = [&](std::size_t k) { return std::min(kStagingChunk, nbytes - k * kStagingChunk); };
  if (to_device) {
    for (std::size_t k = 0; k < chunks; ++k) {
      const std::size_t b = k % 2;
      done[b].synchronize();  // the DMA that last read this buffer
      std::memcpy(buf[b], src + k * kStagingChunk, chunk_size(k));
      check(cudaMemcpyAsync(dst + k * kStagingChunk, buf[b], chunk_size(k), kind, stream),
            "copy_", "cudaMemcpyAsync");
      done[b].record(lane);
    }
    done[0].synchronize();
    done[1].synchronize();
    return;
  }
  auto issue = [&](std::size_t k) {
    const std::size_t b = k % 2;
    check(cudaMemcpyAsync(buf[b], src + k * kStagingChunk, chunk_size(k), kind, stream),
          "copy_", "cudaMemcpyAsync");
    done[b].record(lane);
  };
  issue(0);
  for (std::size_t k = 0; k < chunks; ++k) {
    if (k + 1 < chunks) issue(k + 1);  // its buffer's previous chunk was drained below
    const std::size_t b = k % 2;
    done[b].synchronize();
    std::memcpy(dst + k * kStagingChunk, buf[b], chunk_size(k));
  }
}

// Pageable host memory <-> device through the pinned staging buffers; returns when done.
// Lane 0 runs on the calling thread and `stream`; the other lanes' streams first wait for
// the work queued on `stream` (what produced or still reads the device bytes).
inline void staged_transfer(char* dst, const char* src, std::size_t nbytes, bool to_device,
                            const Stream& stream) {
  StagingPool& pool = staging_pool();
  std::lock_guard<std::mutex> lock(pool.mutex);
  const std::size_t lanes = staging_lanes(nbytes);
  const int device = stream.device_index();
  while (pool.buffers.size() < 2 * lanes) pool.buffers.push_back(allocate_pinned(kStagingChunk));
  if (pool.lane_streams.size() <= static_cast<std::size_t>(device)) pool.lane_streams.resize(device + 1);
  std::vector<Stream>& streams = pool.lane_streams[device];
  while (streams.size() + 1 < lanes) streams.push_back(Stream::create(device));

  const std::size_t part = (nbytes / lanes + kStagingChunk - 1) / kStagingChunk * kStagingChunk;
  auto run_lane = [&](std::size_t i, const Stream& s) {
    char* buf[2] = {static_cast<char*>(pool.buffers[2 * i]->data()),
                    static_cast<char*>(pool.buffers[2 * i + 1]->data())};
    const std::size_t begin = std::min(nbytes, i * part);
    const std::size_t len = std::min(nbytes, begin + part) - begin;
    if (len > 0) staged_lane(dst + begin, src + begin, len, to_device, s, buf);
  };
  if (lanes == 1) {
    run_lane(0, stream);
    return;
  }
  Event queued;
  queued.record(stream);
  for (std::size_t i = 1; i < lanes; ++i) queued.wait(streams[i - 1]);
  std::vector<std::exception_ptr> errors(lanes);
  std::vector<std::thread> threads;
  for (std::size_t i = 1; i < lanes; ++i) {
    threads.emplace_back([&, i] {
      try {
        DeviceGuard guard(device);  // a new thread starts on device 0
        run_lane(i, streams[i - 1]);
      } catch (...) {
        errors[i] = std::current_exception();
      }
    });
  }
  try {
    run_lane(0, stream);
  } catch (...) {
    errors[0] = std::current_exception();
  }
  for (std::thread& t : threads) t.join();
  for (const std::exception_ptr& e : errors) {
    if (e) std::rethrow_exception(e);
  }
}

// One block between host and device memory on `stream`. Asynchronous only when asked and
// the host side is pinned; otherwise returns when the bytes have arrived.
inline void transfer(char* dst, const char* src, std::size_t nbytes, bool to_device,
                     const Stream& stream, bool non_blocking) {
  if (nbytes == 0) return;
  DeviceGuard guard(stream.device_index());
  const char* host = to_device ? src : dst;
  if (is_pinned(host) || nbytes < kStagingThreshold) {
    check(cudaMemcpyAsync(dst, src, nbytes,
                          to_device ? cudaMemcpyHostToDevice : cudaMemcpyDeviceToHost,
                          stream.handle()),
          "copy_", "cudaMemcpyAsync");
    if (!non_blocking || !is_pinned(host)) stream.synchronize();
    return;
  }
  staged_transfer(dst, src, nbytes, to_device, stream);
}

inline void copy_host_to_device(const TensorBase& dst, const TensorBase& src, bool non_blocking) {
  const Stream stream = current_stream(dst.device().index());
  if (!is_dense(dst)) {
    // Writing dst's whole span would overwrite the bytes between its elements.
    const CopyKernels& kernels = require_copy_kernels("copy_", dst.device());
    TensorBase staged = device_empty(dst.shape(), dst.dtype(), dst.device(), stream);
    copy_host_to_device(staged, src, false);
    kernels.copy(dst, staged, stream);
    return;
  }
  const bool as_is = src.dtype() == dst.dtype() && src.strides() == dst.strides() && is_dense(src);
  TensorBase host = src;
  if (!as_is) {
    host = host_image(dst, dst.dtype(), false);
    host.copy_(src);
  }
  const Span d = span_of(dst);
  transfer(d.begin, span_of(host).begin, d.nbytes, true, stream, non_blocking && as_is);
}

inline void copy_device_to_host(const TensorBase& dst, const TensorBase& src, bool non_blocking) {
  const Stream stream = current_stream(src.device().index());
  if (src.dtype() == dst.dtype() && src.strides() == dst.strides() && is_dense(src) &&
      is_dense(dst)) {
    const Span s = span_of(src);
    transfer(span_of(dst).begin, s.begin, s.nbytes, false, stream, non_blocking);
    return;
  }
  TensorBase source = src;
  const Span s = span_of(src);
  if (!is_dense(src) && copy_kernels != nullptr &&
      s.nbytes > 2 * static_cast<std::size_t>(src.numel()) * src.element_size()) {
    // A sparse view of a large block: gather it on the device instead of moving the block.
    source = device_empty(src.shape(), src.dtype(), src.device(), stream);
    copy_kernels->copy(source, src, stream);
  }
  TensorBase host = host_image(source, source.dtype(), false);
  const Span from = span_of(source);
  transfer(span_of(host).begin, from.begin, from.nbytes, false, stream, false);
  dst.copy_(host);
}

inline void copy_device_to_device(const TensorBase& dst, const TensorBase& src) {
  const Stream stream = current_stream(dst.device().index());
  const bool block = src.dtype() == dst.dtype() && src.strides() == dst.strides() &&
                     is_dense(src) && is_dense(dst);
  if (dst.device() == src.device()) {
    if (!block) {
      require_copy_kernels("copy_", dst.device()).copy(dst, src, stream);
      return;
    }
    DeviceGuard guard(dst.device());
    const Span s = span_of(src);
    check(cudaMemcpyAsync(span_of(dst).begin, s.begin, s.nbytes, cudaMemcpyDeviceToDevice,
                          stream.handle()),
          "copy_", "cudaMemcpyAsync");
    return;
  }
  // Across GPUs: one peer copy of a dense block, ordered after the source's stream and
  // before anything the source's stream does next (such as freeing the source).
  const CopyKernels* kernels = block ? nullptr : &require_copy_kernels("copy_", dst.device());
  const Stream src_stream = current_stream(src.device().index());
  TensorBase from = src;
  if (!is_dense(src)) {
    from = device_empty(src.shape(), src.dtype(), src.device(), src_stream);
    kernels->copy(from, src, src_stream);
  }
  TensorBase to = block ? dst : device_empty(from.shape(), from.dtype(), dst.device(), stream);
  if (!block) {  // laid out like `from` (whose strides may be negative) in the fresh block
    to = to.as_strided(from.shape(), from.strides(),
                       -element_extent(from.shape(), from.strides()).lo);
  }
  Event ready;
  ready.record(src_stream);
  ready.wait(stream);
  {
    DeviceGuard guard(dst.device());
    const Span s = span_of(from);
    check(cudaMemcpyPeerAsync(span_of(to).begin, dst.device().index(), s.begin,
                              src.device().index(), s.nbytes, stream.handle()),
          "copy_", "cudaMemcpyPeerAsync");
  }
  Event copied;
  copied.record(stream);
  copied.wait(src_stream);
  if (!block) kernels->copy(dst, to, stream);
}

// The device hooks' copy: same shapes, at least one side on a CUDA device.
inline void copy_tensors(const TensorBase& dst, const TensorBase& src, bool non_blocking) {
  for (const TensorBase* t : {&dst, &src}) {
    if (t->device().is_cuda()) check_device(t->device(), "copy_");
  }
  if (dst.numel() == 0) return;
  if (dst.device().is_cuda() && src.device().is_cuda()) {
    copy_device_to_device(dst, src);
  } else if (dst.device().is_cuda()) {
    copy_host_to_device(dst, src, non_blocking);
  } else {
    copy_device_to_host(dst, src, non_blocking);
  }
}

// The device hooks' fill. Without kernels a dense tensor is still filled: zero bytes by
// cudaMemsetAsync, other values by writing one element and doubling the filled prefix with
// device-to-device copies (log2(n) copies).
inline void fill_tensor(const TensorBase& dst, const Scalar& value) {
  check_device(dst.device(), "fill_");
  if (dst.numel() == 0) return;
  const Stream stream = current_stream(dst.device().index());
  unsigned char bytes[16] = {};
  visit_dtype(dst.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T v = value.to<T>();
    std::memcpy(bytes, &v, sizeof(T));
  });
  const std::size_t item = dst.element_size();
  const bool zero = std::all_of(bytes, bytes + item, [](unsigned char b) { return b == 0; });
  if (!is_dense(dst) || (!zero && copy_kernels != nullptr)) {
    require_copy_kernels("fill_", dst.device()).fill(dst, value, stream);
    return;
  }
  DeviceGuard guard(dst.device());
  const Span s = span_of(dst);
  if (zero) {
    check(cudaMemsetAsync(s.begin, 0, s.nbytes, stream.handle()), "fill_", "cudaMemsetAsync");
    return;
  }
  // From pageable memory the call returns once `bytes` is staged, so the stack is safe.
  check(cudaMemcpyAsync(s.begin, bytes, item, cudaMemcpyHostToDevice, stream.handle()), "fill_",
        "cudaMemcpyAsync");
  for (std::size_t filled = item; filled < s.nbytes; filled *= 2) {
    check(cudaMemcpyAsync(s.begin + filled, s.begin, std::min(filled, s.nbytes - filled),
                          cudaMemcpyDeviceToDevice, stream.handle()),
          "fill_", "cudaMemcpyAsync");
  }
}

}  // namespace detail

}  // namespace tensorbridge::cuda
