#pragma once
// The public indexing, joining and sorting API: free functions tb::index_select, tb::cat,
// tb::sort, tb::unique, ... and the TensorBase methods declared in core/tensor_base.hpp. Each
// is a one-line forwarder to the raw compute in ops/indexing.hpp, ops/join.hpp, ops/sort.hpp
// and ops/unique.hpp, so that autograd can later reroute it in one place.
#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "tensorbridge/core/tensor_base.hpp"
#include "tensorbridge/ops/indexing.hpp"
#include "tensorbridge/ops/join.hpp"
#include "tensorbridge/ops/sort.hpp"
#include "tensorbridge/ops/unique.hpp"
// The forwarders call autograd::, which records a graph only when an input requires grad.
#include "tensorbridge/autograd/functions_index.hpp"

namespace tensorbridge {

using IndexList = std::vector<std::optional<TensorBase>>;

// ---- indexing -------------------------------------------------------------------------
inline TensorBase index_select(const TensorBase& self, int64_t dim, const TensorBase& index) {
  return autograd::index_select(self, dim, index);
}
inline TensorBase gather(const TensorBase& self, int64_t dim, const TensorBase& index) {
  return autograd::gather(self, dim, index);
}
inline TensorBase scatter(const TensorBase& self, int64_t dim, const TensorBase& index,
                          const TensorBase& src) {
  return autograd::scatter(self, dim, index, src);
}
inline TensorBase scatter(const TensorBase& self, int64_t dim, const TensorBase& index,
                          const Scalar& value) {
  return autograd::scatter(self, dim, index, value);
}
inline TensorBase scatter_add(const TensorBase& self, int64_t dim, const TensorBase& index,
                              const TensorBase& src) {
  return autograd::scatter_add(self, dim, index, src);
}
inline TensorBase index_add(const TensorBase& self, int64_t dim, const TensorBase& index,
                            const TensorBase& source, const Scalar& alpha = 1) {
  return autograd::index_add(self, dim, index, source, alpha);
}
inline TensorBase masked_fill(const TensorBase& self, const TensorBase& mask,
                              const Scalar& value) {
  return autograd::masked_fill(self, mask, value);
}
inline const TensorBase& scatter_(const TensorBase& self, int64_t dim, const TensorBase& index,
                                  const TensorBase& src) {
  return autograd::scatter_(self, dim, index, src);
}
inline const TensorBase& scatter_(const TensorBase& self, int64_t dim, const TensorBase& index,
                                  const Scalar& value) {
  return autograd::scatter_(self, dim, index, value);
}
inline const TensorBase& scatter_add_(const TensorBase& self, int64_t dim,
                                      const TensorBase& index, const TensorBase& src) {
  return autograd::scatter_add_(self, dim, index, src);
}
inline const TensorBase& index_add_(const TensorBase& self, int64_t dim, const TensorBase& index,
                                    const TensorBase& source, const Scalar& alpha = 1) {
  return autograd::index_add_(self, dim, index, source, alpha);
}
inline const TensorBase& masked_fill_(const TensorBase& self, const TensorBase& mask,
                                      const Scalar& value) {
  return autograd::masked_fill_(self, mask, value);
}
inline TensorBase masked_select(const TensorBase& self, const TensorBase& mask) {
  return autograd::masked_select(self, mask);
}
inline TensorBase nonzero(const TensorBase& self) { return autograd::nonzero(self); }
inline std::vector<TensorBase> nonzero_tuple(const TensorBase& self) {
  return autograd::nonzero_tuple(self);
}
inline TensorBase index(const TensorBase& self, const IndexList& indices) {
  return autograd::index(self, indices);
}
inline const TensorBase& index_put_(const TensorBase& self, const IndexList& indices,
                                    const TensorBase& values, bool accumulate = false) {
  return autograd::index_put_(self, indices, values, accumulate);
}
inline TensorBase index_put(const TensorBase& self, const IndexList& indices,
                            const TensorBase& values, bool accumulate = false) {
  return autograd::index_put(self, indices, values, accumulate);
}

// ---- joining and splitting --------------------------------------------------------------
inline TensorBase cat(const std::vector<TensorBase>& tensors, int64_t dim = 0) {
  return autograd::cat(tensors, dim);
}
inline TensorBase stack(const std::vector<TensorBase>& tensors, int64_t dim = 0) {
  return autograd::stack(tensors, dim);
}
inline std::vector<TensorBase> split(const TensorBase& self, int64_t split_size,
                                     int64_t dim = 0) {
  return autograd::split(self, split_size, dim);
}
inline std::vector<TensorBase> split(const TensorBase& self, const std::vector<int64_t>& sizes,
                                     int64_t dim = 0) {
  return autograd::split(self, sizes, dim);
}
inline std::vector<TensorBase> chunk(const TensorBase& self, int64_t chunks, int64_t dim = 0) {
  return autograd::chunk(self, chunks, dim);
}
inline std::vector<TensorBase> unbind(const TensorBase& self, int64_t dim = 0) {
  return autograd::unbind(self, dim);
}
inline TensorBase repeat(const TensorBase& self, const std::vector<int64_t>& repeats) {
  return autograd::repeat(self, repeats);
}
inline TensorBase tile(const TensorBase& self, const std::vector<int64_t>& reps) {
  return autograd::tile(self, reps);
}

// ---- sorting ----------------------------------------------------------------------------
inline std::pair<TensorBase, TensorBase> sort(const TensorBase& self, int64_t dim = -1,
                                              bool descending = false, bool stable = false) {
  return autograd::sort(self, dim, descending, stable);
}
inline TensorBase argsort(const TensorBase& self, int64_t dim = -1, bool descending = false,
                          bool stable = false) {
  return autograd::argsort(self, dim, descending, stable);
}
inline std::pair<TensorBase, TensorBase> topk(const TensorBase& self, int64_t k,
                                              int64_t dim = -1, bool largest = true,
                                              bool sorted = true) {
  return autograd::topk(self, k, dim, largest, sorted);
}

// ---- unique -----------------------------------------------------------------------------
// values, and on request inverse and counts (undefined otherwise); see ops/unique.hpp.
inline UniqueResult unique(const TensorBase& self, bool sorted = true, bool return_inverse = false,
                           bool return_counts = false, std::optional<int64_t> dim = std::nullopt) {
  return autograd::unique(self, sorted, return_inverse, return_counts, dim);
}
inline UniqueResult unique_consecutive(const TensorBase& self, bool return_inverse = false,
                                       bool return_counts = false,
                                       std::optional<int64_t> dim = std::nullopt) {
  return autograd::unique_consecutive(self, return_inverse, return_counts, dim);
}

// ---- TensorBase methods -----------------------------------------------------------------
inline TensorBase TensorBase::index_select(int64_t dim, const TensorBase& index) const {
  return ::tensorbridge::index_select(*this, dim, index);
}
inline TensorBase TensorBase::gather(int64_t dim, const TensorBase& index) const {
  return ::tensorbridge::gather(*this, dim, index);
}
inline TensorBase TensorBase::scatter(int64_t dim, const TensorBase& index,
                                      const TensorBase& src) const {
  return ::tensorbridge::scatter(*this, dim, index, src);
}
inline TensorBase TensorBase::scatter(int64_t dim, const TensorBase& index,
                                      const Scalar& value) const {
  return ::tensorbridge::scatter(*this, dim, index, value);
}
inline const TensorBase& TensorBase::scatter_(int64_t dim, const TensorBase& index,
                                              const TensorBase& src) const {
  return ::tensorbridge::scatter_(*this, dim, index, src);
}
inline const TensorBase& TensorBase::scatter_(int64_t dim, const TensorBase& index,
                                              const Scalar& value) const {
  return ::tensorbridge::scatter_(*this, dim, index, value);
}
inline TensorBase TensorBase::scatter_add(int64_t dim, const TensorBase& index,
                                          const TensorBase& src) const {
  return ::tensorbridge::scatter_add(*this, dim, index, src);
}
inline const TensorBase& TensorBase::scatter_add_(int64_t dim, const TensorBase& index,
                                                  const TensorBase& src) const {
  return ::tensorbridge::scatter_add_(*this, dim, index, src);
}
inline TensorBase TensorBase::index_add(int64_t dim, const TensorBase& index,
                                        const TensorBase& source, const Scalar& alpha) const {
  return ::tensorbridge::index_add(*this, dim, index, source, alpha);
}
inline const TensorBase& TensorBase::index_add_(int64_t dim, const TensorBase& index,
                                                const TensorBase& source,
                                                const Scalar& alpha) const {
  return ::tensorbridge::index_add_(*this, dim, index, source, alpha);
}
inline TensorBase TensorBase::masked_fill(const TensorBase& mask, const Scalar& value) const {
  return ::tensorbridge::masked_fill(*this, mask, value);
}
inline const TensorBase& TensorBase::masked_fill_(const TensorBase& mask,
                                                  const Scalar& value) const {
  return ::tensorbridge::masked_fill_(*this, mask, value);
}
inline TensorBase TensorBase::masked_select(const TensorBase& mask) const {
  return ::tensorbridge::masked_select(*this, mask);
}
inline TensorBase TensorBase::nonzero() const { return ::tensorbridge::nonzero(*this); }
inline std::vector<TensorBase> TensorBase::nonzero_tuple() const {
  return ::tensorbridge::nonzero_tuple(*this);
}
inline TensorBase TensorBase::index(const IndexList& indices) const {
  return ::tensorbridge::index(*this, indices);
}
inline const TensorBase& TensorBase::index_put_(const IndexList& indices,
                                                const TensorBase& values,
                                                bool accumulate) const {
  return ::tensorbridge::index_put_(*this, indices, values, accumulate);
}
inline TensorBase TensorBase::index_put(const IndexList& indices, const TensorBase& values,
                                        bool accumulate) const {
  return ::tensorbridge::index_put(*this, indices, values, accumulate);
}
inline std::vector<TensorBase> TensorBase::split(int64_t split_size, int64_t dim) const {
  return ::tensorbridge::split(*this, split_size, dim);
}
inline std::vector<TensorBase> TensorBase::split(const std::vector<int64_t>& split_sizes,
                                                 int64_t dim) const {
  return ::tensorbridge::split(*this, split_sizes, dim);
}
inline std::vector<TensorBase> TensorBase::chunk(int64_t chunks, int64_t dim) const {
  return ::tensorbridge::chunk(*this, chunks, dim);
}
inline std::vector<TensorBase> TensorBase::unbind(int64_t dim) const {
  return ::tensorbridge::unbind(*this, dim);
}
inline TensorBase TensorBase::repeat(const std::vector<int64_t>& repeats) const {
  return ::tensorbridge::repeat(*this, repeats);
}
inline TensorBase TensorBase::tile(const std::vector<int64_t>& reps) const {
  return ::tensorbridge::tile(*this, reps);
}
inline std::pair<TensorBase, TensorBase> TensorBase::sort(int64_t dim, bool descending,
                                                          bool stable) const {
  return ::tensorbridge::sort(*this, dim, descending, stable);
}
inline TensorBase TensorBase::argsort(int64_t dim, bool descending, bool stable) const {
  return ::tensorbridge::argsort(*this, dim, descending, stable);
}
inline std::pair<TensorBase, TensorBase> TensorBase::topk(int64_t k, int64_t dim, bool largest,
                                                          bool sorted) const {
  return ::tensorbridge::topk(*this, k, dim, largest, sorted);
}
inline UniqueResult TensorBase::unique(bool sorted, bool return_inverse, bool return_counts,
                                       std::optional<int64_t> dim) const {
  return ::tensorbridge::unique(*this, sorted, return_inverse, return_counts, dim);
}
inline UniqueResult TensorBase::unique_consecutive(bool return_inverse, bool return_counts,
                                                   std::optional<int64_t> dim) const {
  return ::tensorbridge::unique_consecutive(*this, return_inverse, return_counts, dim);
}

}  // namespace tensorbridge
