#pragma once
// The shared state behind every tensor handle: storage, element offset, shape, strides,
// dtype, the version counter shared by all views of the same memory, a read-only flag,
// and an opaque slot for autograd (filled by the autograd layer, empty otherwise).
#include <atomic>
#include <cstdint>
#include <memory>
#include <utility>

#include "tensorbridge/core/dtype.hpp"
#include "tensorbridge/core/shape.hpp"
#include "tensorbridge/core/storage.hpp"

namespace tensorbridge {

// Counts in-place writes to a piece of memory; views share one so that autograd can
// detect a saved tensor modified through any alias.
struct VersionCounter {
  std::atomic<uint64_t> value{0};
};

// Autograd's per-tensor state lives in the autograd layer; core only holds it.
struct AutogradMetaBase {
  virtual ~AutogradMetaBase() = default;
};

class TensorBase;

namespace detail {
// Where core's views, copies and fills tell autograd what they did. The autograd layer
// installs the table when it creates its first AutogradMeta, and core calls it only for
// tensors whose autograd slot is filled, so a program without autograd never reaches it.
struct AutogradHooks {
  void (*check_inplace)(const TensorBase& self, const char* op);  // before a write
  void (*on_view)(const TensorBase& base, const TensorBase& view);
  void (*on_copy)(const TensorBase& src, const TensorBase& out);  // clone, contiguous, to
  void (*on_inplace_copy)(const TensorBase& self, const TensorBase* src);  // copy_; fill_: null
};
inline const AutogradHooks* autograd_hooks = nullptr;
}  // namespace detail

struct TensorImpl {
  std::shared_ptr<Storage> storage;
  int64_t offset = 0;  // in elements, from storage->data()
  Shape shape;
  Strides strides;  // in elements
  DType dtype = DType::Float32;
  bool read_only = false;
  std::shared_ptr<VersionCounter> version = std::make_shared<VersionCounter>();
  std::shared_ptr<AutogradMetaBase> autograd;

  TensorImpl() = default;
  TensorImpl(std::shared_ptr<Storage> s, int64_t off, Shape sh, Strides st, DType dt,
             bool ro = false)
      : storage(std::move(s)),
        offset(off),
        shape(std::move(sh)),
        strides(std::move(st)),
        dtype(dt),
        read_only(ro) {}

  // The address of the first element (meaningless, but harmless, for zero-size views).
  void* data() const {
    char* base = static_cast<char*>(storage->data());
    return base ? base + offset * static_cast<int64_t>(itemsize(dtype)) : nullptr;
  }
};

}  // namespace tensorbridge
