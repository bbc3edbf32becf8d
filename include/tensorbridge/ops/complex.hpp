#pragma once
// Complex numbers, without autograd: zero-copy views between a complex tensor and its real
// components, and the functions of PyTorch's complex API.
//
// A complex64 (complex128) element is two float32 (float64) values, real part first, so a
// component view is stride arithmetic on the same storage: element offset * 2 (+ 1 for the
// imaginary part), strides * 2. That needs no kernel, so the views work for tensors on any
// device. They share the storage, the version counter and the read-only flag.
//
// conj is eager: there is no lazy conjugate bit (PyTorch's conj() is a view that flips a
// bit; ours copies), so conj and conj_physical are the same op, and is_conj is always false.
#include <cstdint>
#include <memory>
#include <utility>

#include "tensorbridge/core/factory.hpp"
#include "tensorbridge/core/tensor_base.hpp"
#include "tensorbridge/core/tensor_impl.hpp"
#include "tensorbridge/kernels/cpu/complex_math.hpp"
#include "tensorbridge/ops/binary.hpp"
#include "tensorbridge/ops/broadcast.hpp"
#include "tensorbridge/ops/promotion.hpp"
#include "tensorbridge/ops/unary.hpp"

namespace tensorbridge::ops {

namespace detail {

// `x`'s memory seen with another dtype and geometry (offset and strides in elements of
// `dtype`). Records nothing: the autograd layer wraps these views with their own nodes,
// since a view that changes dtype is not a geometry the generic view node can invert.
inline TensorBase reinterpret_view(const TensorBase& x, DType dtype, Shape shape,
                                   Strides strides, int64_t offset) {
  const TensorImpl& self = *x.impl();
  auto view = std::make_shared<TensorImpl>(self.storage, offset, std::move(shape),
                                           std::move(strides), dtype, self.read_only);
  view->version = self.version;
  return TensorBase(std::move(view));
}

// The real (part 0) or imaginary (part 1) component of a complex tensor.
inline TensorBase component_view(const TensorBase& x, int64_t part) {
  Strides strides = x.strides();
  for (int64_t& s : strides) s *= 2;
  return reinterpret_view(x, to_real_dtype(x.dtype()), x.shape(), std::move(strides),
                          x.storage_offset() * 2 + part);
}

inline void check_complex(const TensorBase& x, const char* op, const char* what) {
  TB_CHECK(is_complex(x.dtype()), TypeError, op, ": ", what, " (got dtype ", x.dtype(),
           ", shape ", shape_str(x.shape()), ", device ", x.device(), ")");
}

// complex() and polar() take two real tensors of one floating dtype on one device.
inline void check_component_pair(const TensorBase& a, const TensorBase& b, const char* op,
                                 const char* a_name, const char* b_name) {
  TB_CHECK(a.dtype() == b.dtype(), TypeError, op, ": expected ", a_name, " and ", b_name,
           " to have the same dtype, but got ", a_name, " of dtype ", a.dtype(), " and ",
           b_name, " of dtype ", b.dtype());
  TB_CHECK(a.dtype() == DType::Float32 || a.dtype() == DType::Float64, TypeError, op,
           ": expected both inputs to be float32 or float64 tensors but got ", a.dtype(),
           " and ", b.dtype());
  TB_CHECK(a.device() == b.device(), DeviceError, op,
           ": expected both inputs on the same device, but got ", a_name, " on ", a.device(),
           " and ", b_name, " on ", b.device(), " (shapes ", shape_str(a.shape()), " and ",
           shape_str(b.shape()), ")");
}

}  // namespace detail

inline bool is_complex(const TensorBase& x) { return is_complex(x.dtype()); }

// ---- views ---------------------------------------------------------------------------------
// The real part, a float32/float64 view sharing x's memory; a real tensor is its own real part.
inline TensorBase real(const TensorBase& x) {
  if (!is_complex(x.dtype())) return x;
  return detail::component_view(x, 0);
}
// The imaginary part, a view; real tensors have none (PyTorch raises too).
inline TensorBase imag(const TensorBase& x) {
  detail::check_complex(x, "imag", "imag is not implemented for tensors with non-complex dtypes");
  return detail::component_view(x, 1);
}

// [..., 2] real view of a complex tensor [...]: (real, imag) pairs along a new last dim.
inline TensorBase view_as_real(const TensorBase& x) {
  detail::check_complex(x, "view_as_real", "view_as_real is only supported for complex tensors");
  Shape shape = x.shape();
  shape.push_back(2);
  Strides strides = x.strides();
  for (int64_t& s : strides) s *= 2;
  strides.push_back(1);
  return detail::reinterpret_view(x, to_real_dtype(x.dtype()), std::move(shape),
                                  std::move(strides), x.storage_offset() * 2);
}

// The complex view of a float32/float64 tensor [..., 2] whose pairs are adjacent in memory:
// last dim of size 2 and stride 1, every other stride and the storage offset even (size-1
// dims may have any stride, as in PyTorch).
inline TensorBase view_as_complex(const TensorBase& x) {
  TB_CHECK(x.dtype() == DType::Float32 || x.dtype() == DType::Float64, TypeError,
           "view_as_complex: only supported for float32 and float64 tensors, but got dtype ",
           x.dtype(), " (shape ", shape_str(x.shape()), ")");
  TB_CHECK(x.dim() >= 1 && x.shape().back() == 2, ValueError,
           "view_as_complex: tensor must have a last dimension of size 2 (shape ",
           shape_str(x.shape()), ", strides ", shape_str(x.strides()), ")");
  TB_CHECK(x.strides().back() == 1, ValueError,
           "view_as_complex: tensor must have a last dimension with stride 1 (shape ",
           shape_str(x.shape()), ", strides ", shape_str(x.strides()), ")");
  Shape shape(x.shape().begin(), x.shape().end() - 1);
  Strides strides(x.strides().begin(), x.strides().end() - 1);
  for (std::size_t d = 0; d < strides.size(); ++d) {
    if (shape[d] == 1) {
      strides[d] = 1;  // never stepped along, so any stride will do
      continue;
    }
    TB_CHECK(strides[d] % 2 == 0, ValueError,
             "view_as_complex: tensor must have a stride divisible by 2 for all but the last "
             "dimension (shape ", shape_str(x.shape()), ", strides ", shape_str(x.strides()), ")");
    strides[d] /= 2;
  }
  TB_CHECK(x.storage_offset() % 2 == 0, ValueError,
           "view_as_complex: tensor must have a storage offset divisible by 2 (offset ",
           x.storage_offset(), ", shape ", shape_str(x.shape()), ", strides ",
           shape_str(x.strides()), ")");
  return detail::reinterpret_view(x, to_complex_dtype(x.dtype()), std::move(shape),
                                  std::move(strides), x.storage_offset() / 2);
}

// ---- functions -----------------------------------------------------------------------------
// The complex conjugate, a new tensor (see the header comment); a real tensor is returned as
// it is, as PyTorch does.
inline TensorBase conj_physical(const TensorBase& x) {
  if (!is_complex(x.dtype())) return x;
  return detail::unary_op<kComplexKind>("conj_physical", detail::UnaryRule::Same, false, x,
                                        detail::Fixed1<kernels::cpu::ConjFn>{});
}
inline const TensorBase& conj_physical_(const TensorBase& x) {
  if (!is_complex(x.dtype())) return x;
  detail::unary_op<kComplexKind>("conj_physical_", detail::UnaryRule::Same, true, x,
                                 detail::Fixed1<kernels::cpu::ConjFn>{});
  return x;
}
inline TensorBase conj(const TensorBase& x) { return conj_physical(x); }

// The argument of complex numbers (a real dtype); for real input pi where x < 0, 0 elsewhere
// and NaN for NaN; integers and bool give float32.
inline TensorBase angle(const TensorBase& x) {
  const bool c = is_complex(x.dtype());
  return detail::unary_op<kFloatKind | kComplexKind>(
      "angle", c ? detail::UnaryRule::Real : detail::UnaryRule::ToFloat, false, x,
      detail::Fixed1<kernels::cpu::AngleFn>{});
}

// x / |x| (0 at 0) for complex numbers; sign(x) for real ones.
inline TensorBase sgn(const TensorBase& x) {
  if (!is_complex(x.dtype())) return ops::sign(x);
  return detail::unary_op<kComplexKind>("sgn", detail::UnaryRule::Same, false, x,
                                        detail::Fixed1<kernels::cpu::SgnFn>{});
}
inline const TensorBase& sgn_(const TensorBase& x) {
  if (!is_complex(x.dtype())) return ops::sign_(x);
  detail::unary_op<kComplexKind>("sgn_", detail::UnaryRule::Same, true, x,
                                 detail::Fixed1<kernels::cpu::SgnFn>{});
  return x;
}

// real + i imag from two float32 (float64) tensors, broadcast together: complex64
// (complex128). Written through the component views of the result, so it runs wherever
// copy_ does.
inline TensorBase complex(const TensorBase& real_part, const TensorBase& imag_part) {
  detail::check_component_pair(real_part, imag_part, "complex", "real", "imag");
  const Shape shape = broadcast_shapes(real_part.shape(), imag_part.shape(), "complex");
  TensorBase out = tensorbridge::detail::new_tensor(shape, to_complex_dtype(real_part.dtype()),
                                                    real_part.device(), "complex");
  detail::component_view(out, 0).copy_(real_part);
  detail::component_view(out, 1).copy_(imag_part);
  return out;
}

// abs * (cos(angle) + i sin(angle)), broadcast: the complex number of that magnitude and
// argument.
inline TensorBase polar(const TensorBase& abs, const TensorBase& angle) {
  detail::check_component_pair(abs, angle, "polar", "abs", "angle");
  return ops::complex(ops::mul(abs, ops::cos(angle)), ops::mul(abs, ops::sin(angle)));
}

}  // namespace tensorbridge::ops
