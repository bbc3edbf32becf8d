#pragma once
// The public reduction API: free functions (tb::sum, tb::softmax, ...) and the TensorBase
// methods declared in core/tensor_base.hpp. Each is a one-line forwarder: methods call the
// free functions, which call the raw compute in ops/reduce.hpp, so autograd can reroute
// every reduction in one place (the free functions).
#include <cstdint>
#include <optional>
#include <vector>

#include "tensorbridge/core/tensor_base.hpp"
#include "tensorbridge/ops/reduce.hpp"
// The forwarders call autograd::, which records a graph only when an input requires grad.
#include "tensorbridge/autograd/functions_reduce.hpp"

namespace tensorbridge {

// ---- free functions ------------------------------------------------------------------------
// dims: the reduced dims (negative ones count from the end); empty means all of them.
inline TensorBase sum(const TensorBase& x, const std::vector<int64_t>& dims = {},
                      bool keepdim = false, std::optional<DType> dtype = std::nullopt) {
  return autograd::sum(x, dims, keepdim, dtype);
}
inline TensorBase mean(const TensorBase& x, const std::vector<int64_t>& dims = {},
                       bool keepdim = false, std::optional<DType> dtype = std::nullopt) {
  return autograd::mean(x, dims, keepdim, dtype);
}
inline TensorBase prod(const TensorBase& x, const std::vector<int64_t>& dims = {},
                       bool keepdim = false, std::optional<DType> dtype = std::nullopt) {
  return autograd::prod(x, dims, keepdim, dtype);
}
inline TensorBase max(const TensorBase& x) { return autograd::max(x); }
inline TensorBase min(const TensorBase& x) { return autograd::min(x); }
inline ValuesIndices max(const TensorBase& x, int64_t dim, bool keepdim = false) {
  return autograd::max(x, dim, keepdim);
}
inline ValuesIndices min(const TensorBase& x, int64_t dim, bool keepdim = false) {
  return autograd::min(x, dim, keepdim);
}
inline TensorBase amax(const TensorBase& x, const std::vector<int64_t>& dims = {},
                       bool keepdim = false) {
  return autograd::amax(x, dims, keepdim);
}
inline TensorBase amin(const TensorBase& x, const std::vector<int64_t>& dims = {},
                       bool keepdim = false) {
  return autograd::amin(x, dims, keepdim);
}
inline TensorBase argmax(const TensorBase& x, std::optional<int64_t> dim = std::nullopt,
                         bool keepdim = false) {
  return autograd::argmax(x, dim, keepdim);
}
inline TensorBase argmin(const TensorBase& x, std::optional<int64_t> dim = std::nullopt,
                         bool keepdim = false) {
  return autograd::argmin(x, dim, keepdim);
}
inline TensorBase var(const TensorBase& x, const std::vector<int64_t>& dims = {},
                      double correction = 1, bool keepdim = false) {
  return autograd::var(x, dims, correction, keepdim);
}
inline TensorBase std(const TensorBase& x, const std::vector<int64_t>& dims = {},
                      double correction = 1, bool keepdim = false) {
  return autograd::std(x, dims, correction, keepdim);
}
inline TensorBase norm(const TensorBase& x, double p = 2, const std::vector<int64_t>& dims = {},
                       bool keepdim = false) {
  return autograd::norm(x, p, dims, keepdim);
}
inline TensorBase all(const TensorBase& x, const std::vector<int64_t>& dims = {},
                      bool keepdim = false) {
  return autograd::all(x, dims, keepdim);
}
inline TensorBase any(const TensorBase& x, const std::vector<int64_t>& dims = {},
                      bool keepdim = false) {
  return autograd::any(x, dims, keepdim);
}
inline TensorBase cumsum(const TensorBase& x, int64_t dim,
                         std::optional<DType> dtype = std::nullopt) {
  return autograd::cumsum(x, dim, dtype);
}
inline TensorBase cumprod(const TensorBase& x, int64_t dim,
                          std::optional<DType> dtype = std::nullopt) {
  return autograd::cumprod(x, dim, dtype);
}
inline TensorBase logsumexp(const TensorBase& x, const std::vector<int64_t>& dims,
                            bool keepdim = false) {
  return autograd::logsumexp(x, dims, keepdim);
}
inline TensorBase softmax(const TensorBase& x, int64_t dim,
                          std::optional<DType> dtype = std::nullopt) {
  return autograd::softmax(x, dim, dtype);
}
inline TensorBase log_softmax(const TensorBase& x, int64_t dim,
                              std::optional<DType> dtype = std::nullopt) {
  return autograd::log_softmax(x, dim, dtype);
}

// ---- methods -------------------------------------------------------------------------------
inline TensorBase TensorBase::sum(std::optional<DType> dtype) const {
  return ::tensorbridge::sum(*this, {}, false, dtype);
}
inline TensorBase TensorBase::sum(const std::vector<int64_t>& dims, bool keepdim,
                                  std::optional<DType> dtype) const {
  return ::tensorbridge::sum(*this, dims, keepdim, dtype);
}
inline TensorBase TensorBase::sum(int64_t dim, bool keepdim, std::optional<DType> dtype) const {
  return ::tensorbridge::sum(*this, {dim}, keepdim, dtype);
}
inline TensorBase TensorBase::mean(std::optional<DType> dtype) const {
  return ::tensorbridge::mean(*this, {}, false, dtype);
}
inline TensorBase TensorBase::mean(const std::vector<int64_t>& dims, bool keepdim,
                                   std::optional<DType> dtype) const {
  return ::tensorbridge::mean(*this, dims, keepdim, dtype);
}
inline TensorBase TensorBase::mean(int64_t dim, bool keepdim, std::optional<DType> dtype) const {
  return ::tensorbridge::mean(*this, {dim}, keepdim, dtype);
}
inline TensorBase TensorBase::prod(std::optional<DType> dtype) const {
  return ::tensorbridge::prod(*this, {}, false, dtype);
}
inline TensorBase TensorBase::prod(int64_t dim, bool keepdim, std::optional<DType> dtype) const {
  return ::tensorbridge::prod(*this, {dim}, keepdim, dtype);
}
inline TensorBase TensorBase::max() const { return ::tensorbridge::max(*this); }
inline TensorBase TensorBase::min() const { return ::tensorbridge::min(*this); }
inline ValuesIndices TensorBase::max(int64_t dim, bool keepdim) const {
  return ::tensorbridge::max(*this, dim, keepdim);
}
inline ValuesIndices TensorBase::min(int64_t dim, bool keepdim) const {
  return ::tensorbridge::min(*this, dim, keepdim);
}
inline TensorBase TensorBase::amax(const std::vector<int64_t>& dims, bool keepdim) const {
  return ::tensorbridge::amax(*this, dims, keepdim);
}
inline TensorBase TensorBase::amin(const std::vector<int64_t>& dims, bool keepdim) const {
  return ::tensorbridge::amin(*this, dims, keepdim);
}
inline TensorBase TensorBase::argmax(std::optional<int64_t> dim, bool keepdim) const {
  return ::tensorbridge::argmax(*this, dim, keepdim);
}
inline TensorBase TensorBase::argmin(std::optional<int64_t> dim, bool keepdim) const {
  return ::tensorbridge::argmin(*this, dim, keepdim);
}
inline TensorBase TensorBase::var(const std::vector<int64_t>& dims, double correction,
                                  bool keepdim) const {
  return ::tensorbridge::var(*this, dims, correction, keepdim);
}
inline TensorBase TensorBase::std(const std::vector<int64_t>& dims, double correction,
                                  bool keepdim) const {
  return ::tensorbridge::std(*this, dims, correction, keepdim);
}
inline TensorBase TensorBase::norm(double p, const std::vector<int64_t>& dims, bool keepdim) const {
  return ::tensorbridge::norm(*this, p, dims, keepdim);
}
inline TensorBase TensorBase::all() const { return ::tensorbridge::all(*this); }
inline TensorBase TensorBase::all(const std::vector<int64_t>& dims, bool keepdim) const {
  return ::tensorbridge::all(*this, dims, keepdim);
}
inline TensorBase TensorBase::all(int64_t dim, bool keepdim) const {
  return ::tensorbridge::all(*this, {dim}, keepdim);
}
inline TensorBase TensorBase::any() const { return ::tensorbridge::any(*this); }
inline TensorBase TensorBase::any(const std::vector<int64_t>& dims, bool keepdim) const {
  return ::tensorbridge::any(*this, dims, keepdim);
}
inline TensorBase TensorBase::any(int64_t dim, bool keepdim) const {
  return ::tensorbridge::any(*this, {dim}, keepdim);
}
inline TensorBase TensorBase::cumsum(int64_t dim, std::optional<DType> dtype) const {
  return ::tensorbridge::cumsum(*this, dim, dtype);
}
inline TensorBase TensorBase::cumprod(int64_t dim, std::optional<DType> dtype) const {
  return ::tensorbridge::cumprod(*this, dim, dtype);
}
inline TensorBase TensorBase::logsumexp(const std::vector<int64_t>& dims, bool keepdim) const {
  return ::tensorbridge::logsumexp(*this, dims, keepdim);
}
inline TensorBase TensorBase::softmax(int64_t dim, std::optional<DType> dtype) const {
  return ::tensorbridge::softmax(*this, dim, dtype);
}
inline TensorBase TensorBase::log_softmax(int64_t dim, std::optional<DType> dtype) const {
  return ::tensorbridge::log_softmax(*this, dim, dtype);
}

}  // namespace tensorbridge
