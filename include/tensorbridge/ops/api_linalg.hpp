#pragma once
// The public linear-algebra API: free functions tb::matmul, ... and the TensorBase methods
// declared in core/tensor_base.hpp. Each is a one-line forwarder to the raw compute in
// ops/linalg.hpp, so that autograd can later reroute it in one place.
#include "tensorbridge/core/tensor_base.hpp"
#include "tensorbridge/ops/linalg.hpp"
// The forwarders call autograd::, which records a graph only when an input requires grad.
#include "tensorbridge/autograd/functions_linalg.hpp"

namespace tensorbridge {

inline TensorBase matmul(const TensorBase& a, const TensorBase& b) { return autograd::matmul(a, b); }
inline TensorBase mm(const TensorBase& a, const TensorBase& b) { return autograd::mm(a, b); }
inline TensorBase bmm(const TensorBase& a, const TensorBase& b) { return autograd::bmm(a, b); }
inline TensorBase mv(const TensorBase& a, const TensorBase& v) { return autograd::mv(a, v); }
inline TensorBase dot(const TensorBase& a, const TensorBase& b) { return autograd::dot(a, b); }
inline TensorBase outer(const TensorBase& a, const TensorBase& b) { return autograd::outer(a, b); }
inline TensorBase addmm(const TensorBase& input, const TensorBase& a, const TensorBase& b,
                        const Scalar& beta = 1, const Scalar& alpha = 1) {
  return autograd::addmm(input, a, b, beta, alpha);
}

inline TensorBase TensorBase::matmul(const TensorBase& other) const {
  return ::tensorbridge::matmul(*this, other);
}
inline TensorBase TensorBase::mm(const TensorBase& other) const {
  return ::tensorbridge::mm(*this, other);
}
inline TensorBase TensorBase::bmm(const TensorBase& other) const {
  return ::tensorbridge::bmm(*this, other);
}
inline TensorBase TensorBase::mv(const TensorBase& vec) const {
  return ::tensorbridge::mv(*this, vec);
}
inline TensorBase TensorBase::dot(const TensorBase& other) const {
  return ::tensorbridge::dot(*this, other);
}
inline TensorBase TensorBase::outer(const TensorBase& other) const {
  return ::tensorbridge::outer(*this, other);
}
inline TensorBase TensorBase::addmm(const TensorBase& mat1, const TensorBase& mat2,
                                    const Scalar& beta, const Scalar& alpha) const {
  return ::tensorbridge::addmm(*this, mat1, mat2, beta, alpha);
}

}  // namespace tensorbridge
