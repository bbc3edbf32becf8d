#pragma once
// Tensors on other devices, as far as core goes: allocating them, filling them, and moving
// tensors between devices (TensorBase::to(Device), cuda(), cpu(), copy_(src, non_blocking)).
// The work itself is the CUDA layer's, reached through detail::device_hooks; without it
// every path here raises DeviceError naming the device.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <utility>

#include "tensorbridge/core/device_hooks.hpp"
#include "tensorbridge/core/shape.hpp"
#include "tensorbridge/core/storage.hpp"
#include "tensorbridge/core/tensor_base.hpp"
#include "tensorbridge/core/tensor_impl.hpp"

namespace tensorbridge {

namespace detail {

// A fresh, uninitialized, contiguous tensor on `device`. (Does not use copy.hpp: this
// header is read while copy.hpp may still be half-parsed.)
inline TensorBase new_tensor(const Shape& shape, DType dtype, Device device, const char* op) {
  TB_CHECK(static_cast<int64_t>(shape.size()) <= kMaxDims, ValueError, op, ": more than ",
           kMaxDims, " dimensions");
  const int64_t numel = checked_numel(shape, op);
  const auto nbytes = static_cast<std::size_t>(
      checked_mul(numel, static_cast<int64_t>(itemsize(dtype)), op));
  auto storage = device.is_cpu() ? Storage::allocate_cpu(nbytes)
                                 : require_device_hooks(device, op).allocate(nbytes, device);
  return TensorBase(std::make_shared<TensorImpl>(std::move(storage), 0, shape,
                                                 contiguous_strides(shape), dtype));
}

// fill_ for a tensor on any device.
inline void fill_any(const TensorBase& t, const Scalar& value, const char* op) {
  if (t.device().is_cpu()) {
    t.fill_(value);
    return;
  }
  t.check_writable(op);
  require_device_hooks(t.device(), op).fill(t, value);
  t.bump_version();
}

// dst = src (broadcast to dst's shape, converted to dst's dtype) where either lives on a
// device; the CPU-only case belongs to TensorBase::copy_.
inline const TensorBase& device_copy_(const TensorBase& dst, const TensorBase& src,
                                      bool non_blocking) {
  constexpr const char* op = "copy_";
  dst.check_writable(op);
  const Device device = dst.device().is_cpu() ? src.device() : dst.device();
  const DeviceHooks& hooks = require_device_hooks(device, op);
  bool broadcastable = src.dim() <= dst.dim();
  for (int64_t i = 1; broadcastable && i <= src.dim(); ++i) {
    const int64_t s = src.shape()[src.dim() - i];
    broadcastable = s == 1 || s == dst.shape()[dst.dim() - i];
  }
  TB_CHECK(broadcastable, ValueError, op, ": source of shape ", shape_str(src.shape()),
           " cannot be broadcast to destination of shape ", shape_str(dst.shape()));
  TensorBase source = src.expand(dst.shape());
  // Memory shared other than element for element would be read after being written
  // (same storage is the cheap, conservative test for that).
  if (dst.storage() == source.storage() && !(dst.data_ptr() == source.data_ptr() &&
                                             dst.strides() == source.strides() &&
                                             dst.dtype() == source.dtype())) {
    TensorBase staged = new_tensor(source.shape(), source.dtype(), source.device(), op);
    hooks.copy(staged, source, false);
    source = staged;
  }
  hooks.copy(dst, source, non_blocking);
  dst.bump_version();
  // Recorded like the CPU copy_ (the gradient of src goes back to src's device).
  if (dst.impl()->autograd || src.impl()->autograd) {
    autograd_hooks->on_inplace_copy(dst, &src);
  }
  return dst;
}

}  // namespace detail

inline TensorBase TensorBase::to(Device device, DType dtype, bool non_blocking, bool copy) const {
  if (device.is_cpu() && this->device().is_cpu()) return to(dtype, copy);
  if (device == this->device() && dtype == this->dtype() && !copy) return *this;
  TensorBase out = detail::new_tensor(shape(), dtype, device, "to");
  detail::require_device_hooks(device.is_cpu() ? this->device() : device, "to")
      .copy(out, *this, non_blocking);
  // Recorded like the CPU cast: the gradient goes back to this tensor's device and dtype.
  if (impl_->autograd) detail::autograd_hooks->on_copy(*this, out);
  return out;
}

inline TensorBase TensorBase::to(Device device, bool non_blocking, bool copy) const {
  return to(device, dtype(), non_blocking, copy);
}

inline TensorBase TensorBase::cuda(int index, bool non_blocking) const {
  // Like PyTorch, no index means the current device, wherever the tensor is now.
  if (index < 0) index = detail::require_device_hooks(Device::cuda(), "cuda").current_device();
  return to(Device::cuda(index), non_blocking);
}

inline TensorBase TensorBase::cpu() const { return to(Device::cpu()); }

inline const TensorBase& TensorBase::copy_(const TensorBase& src, bool non_blocking) const {
  if (device().is_cpu() && src.device().is_cpu()) return copy_(src);
  return detail::device_copy_(*this, src, non_blocking);
}

}  // namespace tensorbridge
