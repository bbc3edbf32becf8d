#pragma once
// The public random API: free functions tb::rand, tb::randn, tb::randint, tb::randperm,
// tb::bernoulli (plus tb::manual_seed and tb::Generator from ops/generator.hpp) and the
// TensorBase methods declared in core/tensor_base.hpp. Each is a one-line forwarder to
// ops/random.hpp, so that autograd can later reroute it in one place.
#include <cstdint>

#include "tensorbridge/core/tensor_base.hpp"
#include "tensorbridge/ops/generator.hpp"
#include "tensorbridge/ops/random.hpp"

namespace tensorbridge {

inline TensorBase rand(const Shape& shape, DType dtype = DType::Float32, Generator* gen = nullptr) {
  return ops::rand(shape, dtype, gen);
}
inline TensorBase randn(const Shape& shape, DType dtype = DType::Float32,
                        Generator* gen = nullptr) {
  return ops::randn(shape, dtype, gen);
}
inline TensorBase randint(int64_t low, int64_t high, const Shape& shape,
                          DType dtype = DType::Int64, Generator* gen = nullptr) {
  return ops::randint(low, high, shape, dtype, gen);
}
inline TensorBase randperm(int64_t n, DType dtype = DType::Int64, Generator* gen = nullptr) {
  return ops::randperm(n, dtype, gen);
}
// On a device (CUDA kernels): the same values as on the CPU for a seed.
inline TensorBase rand(const Shape& shape, DType dtype, Device device, Generator* gen = nullptr) {
  return ops::rand(shape, dtype, device, gen);
}
inline TensorBase randn(const Shape& shape, DType dtype, Device device, Generator* gen = nullptr) {
  return ops::randn(shape, dtype, device, gen);
}
inline TensorBase randint(int64_t low, int64_t high, const Shape& shape, DType dtype,
                          Device device, Generator* gen = nullptr) {
  return ops::randint(low, high, shape, dtype, device, gen);
}
inline TensorBase randperm(int64_t n, DType dtype, Device device, Generator* gen = nullptr) {
  return ops::randperm(n, dtype, device, gen);
}
inline TensorBase rand_like(const TensorBase& t, Generator* gen = nullptr) {
  return ops::rand(t.shape(), t.dtype(), t.device(), gen);
}
inline TensorBase randn_like(const TensorBase& t, Generator* gen = nullptr) {
  return ops::randn(t.shape(), t.dtype(), t.device(), gen);
}
inline TensorBase bernoulli(const TensorBase& probs, Generator* gen = nullptr) {
  return ops::bernoulli(probs, gen);
}
inline const TensorBase& uniform_(const TensorBase& self, double from = 0.0, double to = 1.0,
                                  Generator* gen = nullptr) {
  return ops::uniform_(self, from, to, gen);
}
inline const TensorBase& normal_(const TensorBase& self, double mean = 0.0, double stddev = 1.0,
                                 Generator* gen = nullptr) {
  return ops::normal_(self, mean, stddev, gen);
}
inline const TensorBase& random_(const TensorBase& self, int64_t low, int64_t high,
                                 Generator* gen = nullptr) {
  return ops::random_(self, low, high, gen);
}
inline const TensorBase& bernoulli_(const TensorBase& self, double p = 0.5,
                                    Generator* gen = nullptr) {
  return ops::bernoulli_(self, p, gen);
}
inline const TensorBase& bernoulli_(const TensorBase& self, const TensorBase& p,
                                    Generator* gen = nullptr) {
  return ops::bernoulli_(self, p, gen);
}

inline const TensorBase& TensorBase::uniform_(double from, double to, Generator* gen) const {
  return ::tensorbridge::uniform_(*this, from, to, gen);
}
inline const TensorBase& TensorBase::normal_(double mean, double stddev, Generator* gen) const {
  return ::tensorbridge::normal_(*this, mean, stddev, gen);
}
inline const TensorBase& TensorBase::bernoulli_(double p, Generator* gen) const {
  return ::tensorbridge::bernoulli_(*this, p, gen);
}
inline const TensorBase& TensorBase::bernoulli_(const TensorBase& p, Generator* gen) const {
  return ::tensorbridge::bernoulli_(*this, p, gen);
}
inline TensorBase TensorBase::bernoulli(Generator* gen) const {
  return ::tensorbridge::bernoulli(*this, gen);
}
inline TensorBase TensorBase::bernoulli(double p, Generator* gen) const {
  TensorBase out = ::tensorbridge::detail::new_tensor(shape(), dtype(), device(), "bernoulli");
  ::tensorbridge::bernoulli_(out, p, gen);
  return out;
}

}  // namespace tensorbridge
