#pragma once
// A block of memory and the one owner that frees it. Views share a Storage through
// shared_ptr; the owner's release runs exactly once, when the last view dies. The owner
// is type-erased so that foreign memory (a DLPack deleter, a Python object reference)
// plugs in beside our own allocator.
#include <cstddef>
#include <memory>
#include <utility>

#include "tensorbridge/core/allocator.hpp"
#include "tensorbridge/core/device.hpp"

namespace tensorbridge {

class Storage {
 public:
  // Takes ownership of `data`: `owner` is released (its deleter runs) when the storage
  // dies. `owner` may hold anything (a capsule, a Python reference), not only `data`.
  Storage(void* data, std::size_t nbytes, Device device, std::shared_ptr<void> owner)
      : data_(data), nbytes_(nbytes), device_(device), owner_(std::move(owner)) {}

  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;

  // Fresh, uninitialized CPU memory from our aligned allocator.
  static std::shared_ptr<Storage> allocate_cpu(std::size_t nbytes) {
    void* p = cpu_allocate(nbytes);
    return std::make_shared<Storage>(p, nbytes, Device::cpu(),
                                     std::shared_ptr<void>(p, cpu_free));
  }

  // Foreign memory released by calling `deleter()` exactly once.
  template <typename Deleter>
  static std::shared_ptr<Storage> from_foreign(void* data, std::size_t nbytes, Device device,
                                               Deleter deleter) {
    // A shared_ptr constructed with a deleter owns even a null pointer and runs the
    // deleter once; if making the control block throws, it runs the deleter at once.
    auto owner = std::shared_ptr<void>(nullptr, [d = std::move(deleter)](void*) mutable { d(); });
    return std::make_shared<Storage>(data, nbytes, device, std::move(owner));
  }

  void* data() const { return data_; }
  std::size_t nbytes() const { return nbytes_; }
  Device device() const { return device_; }
  const std::shared_ptr<void>& owner() const { return owner_; }

 private:
  void* data_;
  std::size_t nbytes_;
  Device device_;
  std::shared_ptr<void> owner_;
};

}  // namespace tensorbridge
