#pragma once
// The public complex-number API: tb::real, tb::imag, tb::view_as_real, tb::view_as_complex
// (zero-copy views), tb::conj (a copy: there is no lazy conjugate bit), tb::angle, tb::sgn,
// tb::complex, tb::polar. One-line forwarders to the differentiable versions, which record
// a graph only when an input requires grad (see ops/complex.hpp for the raw ops).
#include "tensorbridge/autograd/functions_complex.hpp"
#include "tensorbridge/core/tensor_base.hpp"
#include "tensorbridge/ops/complex.hpp"

namespace tensorbridge {

inline bool is_complex(const TensorBase& x) { return ops::is_complex(x); }

inline TensorBase real(const TensorBase& x) { return autograd::real(x); }
inline TensorBase imag(const TensorBase& x) { return autograd::imag(x); }
inline TensorBase view_as_real(const TensorBase& x) { return autograd::view_as_real(x); }
inline TensorBase view_as_complex(const TensorBase& x) { return autograd::view_as_complex(x); }

inline TensorBase conj(const TensorBase& x) { return autograd::conj(x); }
inline TensorBase conj_physical(const TensorBase& x) { return autograd::conj_physical(x); }
inline const TensorBase& conj_physical_(const TensorBase& x) {
  return autograd::conj_physical_(x);
}
// Without a conjugate bit nothing is ever lazily conjugated: PyTorch code that asks gets
// the answers for an already resolved tensor.
inline bool is_conj(const TensorBase&) { return false; }
inline TensorBase resolve_conj(const TensorBase& x) { return x; }

inline TensorBase angle(const TensorBase& x) { return autograd::angle(x); }
inline TensorBase sgn(const TensorBase& x) { return autograd::sgn(x); }
inline const TensorBase& sgn_(const TensorBase& x) { return autograd::sgn_(x); }

inline TensorBase complex(const TensorBase& real_part, const TensorBase& imag_part) {
  return autograd::complex(real_part, imag_part);
}
inline TensorBase polar(const TensorBase& abs, const TensorBase& angle) {
  return autograd::polar(abs, angle);
}

}  // namespace tensorbridge
