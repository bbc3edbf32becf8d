#pragma once
// Copies, conversions and fills of TensorBase: the only core operations that touch
// element values. They run through strided_loop, so any layout works, including
// negative and zero strides.
#include <array>
#include <cstring>
#include <memory>

#include "tensorbridge/core/device_hooks.hpp"
#include "tensorbridge/core/strided_loop.hpp"
#include "tensorbridge/core/tensor_base.hpp"

namespace tensorbridge {

namespace detail {

// A fresh, uninitialized, contiguous CPU tensor.
inline TensorBase new_cpu_tensor(const Shape& shape, DType dtype, const char* op = "empty") {
  TB_CHECK(static_cast<int64_t>(shape.size()) <= kMaxDims, ValueError, op, ": more than ",
           kMaxDims, " dimensions");
  const int64_t numel = checked_numel(shape, op);
  const int64_t nbytes = checked_mul(numel, static_cast<int64_t>(itemsize(dtype)), op);
  auto storage = Storage::allocate_cpu(static_cast<std::size_t>(nbytes));
  return TensorBase(std::make_shared<TensorImpl>(std::move(storage), 0, shape,
                                                 contiguous_strides(shape), dtype));
}

inline void check_cpu(const TensorBase& t, const char* op) {
  TB_CHECK(t.device().is_cpu(), DeviceError, op, ": expected a CPU tensor but got device ",
           t.device(), " (shape ", shape_str(t.shape()), ", dtype ", t.dtype(),
           "); CUDA tensors need the CUDA build of tensorbridge");
}

// True when the two views may touch a common byte.
inline bool may_overlap(const TensorBase& a, const TensorBase& b) {
  if (a.storage() != b.storage() || a.numel() == 0 || b.numel() == 0) return false;
  const ElementExtent ea = element_extent(a.shape(), a.strides());
  const ElementExtent eb = element_extent(b.shape(), b.strides());
  const auto ia = static_cast<int64_t>(a.element_size());
  const auto ib = static_cast<int64_t>(b.element_size());
  const int64_t a_lo = (a.storage_offset() + ea.lo) * ia;
  const int64_t a_hi = (a.storage_offset() + ea.hi + 1) * ia;
  const int64_t b_lo = (b.storage_offset() + eb.lo) * ib;
  const int64_t b_hi = (b.storage_offset() + eb.hi + 1) * ib;
  return a_lo < b_hi && b_lo < a_hi;
}

template <typename Elem>
void copy_rows(const TensorBase& dst, const TensorBase& src) {
  const auto ds = dst.byte_strides();
  const auto ss = src.byte_strides();
  strided_loop<2>(dst.shape(),
                  {static_cast<char*>(dst.data_ptr()), static_cast<char*>(src.data_ptr())},
                  {ds.data(), ss.data()}, [](std::array<char*, 2> p, std::array<int64_t, 2> s, int64_t n) {
                    if (s[0] == sizeof(Elem) && s[1] == sizeof(Elem)) {
                      std::memcpy(p[0], p[1], static_cast<std::size_t>(n) * sizeof(Elem));
                      return;
                    }
                    for (int64_t i = 0; i < n; ++i) {
                      std::memcpy(p[0] + i * s[0], p[1] + i * s[1], sizeof(Elem));
                    }
                  });
}

template <typename To, typename From>
void convert_rows(const TensorBase& dst, const TensorBase& src) {
  const auto ds = dst.byte_strides();
  const auto ss = src.byte_strides();
  strided_loop<2>(
      dst.shape(), {static_cast<char*>(dst.data_ptr()), static_cast<char*>(src.data_ptr())},
      {ds.data(), ss.data()}, [](std::array<char*, 2> p, std::array<int64_t, 2> s, int64_t n) {
        if (s[0] == sizeof(To) && s[1] == sizeof(From)) {
          To* TB_RESTRICT out = reinterpret_cast<To*>(p[0]);
          const From* TB_RESTRICT in = reinterpret_cast<const From*>(p[1]);
          for (int64_t i = 0; i < n; ++i) out[i] = convert_element<To>(in[i]);
          return;
        }
        for (int64_t i = 0; i < n; ++i) {
          *reinterpret_cast<To*>(p[0] + i * s[0]) =
              convert_element<To>(*reinterpret_cast<const From*>(p[1] + i * s[1]));
        }
      });
}

// Same-shape, non-overlapping copy with dtype conversion; a tensor on a device makes it the
// device copy (the copy kernel, or one block per dense piece).
inline void copy_same_shape(const TensorBase& dst, const TensorBase& src) {
  if (!dst.device().is_cpu() || !src.device().is_cpu()) {
    device_copy_(dst, src, false);
    return;
  }
  if (dst.dtype() == src.dtype()) {
    switch (dst.element_size()) {
      case 1: return copy_rows<uint8_t>(dst, src);
      case 2: return copy_rows<uint16_t>(dst, src);
      case 4: return copy_rows<uint32_t>(dst, src);
      case 8: return copy_rows<uint64_t>(dst, src);
      default: return copy_rows<complex128>(dst, src);
    }
  }
  visit_dtype(dst.dtype(), [&](auto to_tag) {
    visit_dtype(src.dtype(), [&](auto from_tag) {
      convert_rows<typename decltype(to_tag)::type, typename decltype(from_tag)::type>(dst, src);
    });
  });
}

}  // namespace detail

inline const TensorBase& TensorBase::copy_(const TensorBase& src) const {
  if (!device().is_cpu() || !src.device().is_cpu()) return detail::device_copy_(*this, src, false);
  check_writable("copy_");
  // Broadcast src to our shape: trailing dimensions must match or be 1.
  bool broadcastable = src.dim() <= dim();
  for (int64_t i = 1; broadcastable && i <= src.dim(); ++i) {
    const int64_t s = src.shape()[src.dim() - i];
    broadcastable = s == 1 || s == shape()[dim() - i];
  }
  TB_CHECK(broadcastable, ValueError, "copy_: source of shape ", shape_str(src.shape()),
           " cannot be broadcast to destination of shape ", shape_str(shape()));
  TensorBase source = src.expand(shape());
  // Reading and writing the same bytes in one pass would corrupt; stage through a copy.
  if (detail::may_overlap(*this, source) &&
      !(data_ptr() == source.data_ptr() && strides() == source.strides() &&
        dtype() == source.dtype())) {
    source = source.clone();
  }
  detail::copy_same_shape(*this, source);
  bump_version();
  if (impl_->autograd || src.impl()->autograd) {
    detail::autograd_hooks->on_inplace_copy(*this, &src);
  }
  return *this;
}

inline TensorBase TensorBase::clone() const {
  if (!device().is_cpu()) return to(device(), dtype(), false, true);
  TensorBase out = detail::new_cpu_tensor(shape(), dtype(), "clone");
  detail::copy_same_shape(out, *this);
  if (impl_->autograd) detail::autograd_hooks->on_copy(*this, out);
  return out;
}

inline TensorBase TensorBase::contiguous() const {
  return is_contiguous() ? *this : clone();
}

inline TensorBase TensorBase::to(DType dtype, bool copy) const {
  if (dtype == this->dtype() && !copy) return *this;
  if (!device().is_cpu()) return to(device(), dtype, false, copy);
  TensorBase out = detail::new_cpu_tensor(shape(), dtype, "to");
  detail::copy_same_shape(out, *this);
  if (impl_->autograd) detail::autograd_hooks->on_copy(*this, out);
  return out;
}

inline const TensorBase& TensorBase::fill_(const Scalar& value) const {
  if (!device().is_cpu()) {
    detail::fill_any(*this, value, "fill_");
    return *this;
  }
  check_writable("fill_");
  visit_dtype(dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T v = value.to<T>();
    const auto bs = byte_strides();
    strided_loop<1>(shape(), {static_cast<char*>(data_ptr())}, {bs.data()},
                    [v](std::array<char*, 1> p, std::array<int64_t, 1> s, int64_t n) {
                      if (s[0] == sizeof(T)) {
                        T* out = reinterpret_cast<T*>(p[0]);
                        for (int64_t i = 0; i < n; ++i) out[i] = v;
                        return;
                      }
                      for (int64_t i = 0; i < n; ++i) *reinterpret_cast<T*>(p[0] + i * s[0]) = v;
                    });
  });
  bump_version();
  if (impl_->autograd) detail::autograd_hooks->on_inplace_copy(*this, nullptr);
  return *this;
}

inline Scalar TensorBase::item() const {
  TB_CHECK(numel() == 1, ValueError, "item: a tensor with ", numel(),
           " elements cannot be converted to a scalar (shape ", shape_str(shape()), ")");
  if (!device().is_cpu()) return cpu().item();
  return visit_dtype(dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    T v;
    std::memcpy(&v, data_ptr(), sizeof(T));
    return Scalar(v);
  });
}

}  // namespace tensorbridge
