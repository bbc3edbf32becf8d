#pragma once
// View operations of TensorBase: each returns a new handle on the same storage with a
// new shape, strides and offset. Nothing here copies data except reshape() of a layout
// that no strides can express.
#include <algorithm>
#include <numeric>
#include <optional>
#include <vector>

#include "tensorbridge/core/tensor_base.hpp"

namespace tensorbridge {

namespace detail {

// Replaces one -1 in `shape` by the size that makes its numel equal `numel`.
inline Shape infer_shape(const Shape& shape, int64_t numel, const char* op) {
  Shape out = shape;
  int64_t known = 1;
  int infer_at = -1;
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == -1) {
      TB_CHECK(infer_at < 0, ValueError, op, ": only one dimension can be inferred in shape ",
               shape_str(shape));
      infer_at = static_cast<int>(i);
    } else {
      TB_CHECK(shape[i] >= 0, ValueError, op, ": invalid shape dimension ", shape[i],
               " in shape ", shape_str(shape));
      known = checked_mul(known, shape[i], op);
    }
  }
  if (infer_at >= 0) {
    TB_CHECK(known != 0 && numel % known == 0, ValueError, op, ": shape ", shape_str(shape),
             " is invalid for input of size ", numel);
    out[infer_at] = numel / known;
  } else {
    TB_CHECK(known == numel, ValueError, op, ": shape ", shape_str(shape),
             " is invalid for input of size ", numel);
  }
  return out;
}

// Strides that let `new_shape` view memory laid out as (old_shape, old_strides), or
// nothing when no such strides exist. Walks both shapes from the innermost dimension,
// matching runs of old dimensions that are contiguous with each other ("chunks")
// against runs of new dimensions with the same element count.
inline std::optional<Strides> view_strides(const Shape& old_shape, const Strides& old_strides,
                                           const Shape& new_shape) {
  const int64_t numel = checked_numel(old_shape);
  if (old_shape.empty() || numel == 0) return contiguous_strides(new_shape);
  Strides new_strides(new_shape.size());
  int64_t view_d = static_cast<int64_t>(new_shape.size()) - 1;
  int64_t chunk_base_stride = old_strides.back();
  int64_t tensor_numel = 1;
  int64_t view_numel = 1;
  for (int64_t tensor_d = static_cast<int64_t>(old_shape.size()) - 1; tensor_d >= 0;
       --tensor_d) {
    tensor_numel *= old_shape[tensor_d];
    const bool chunk_ends =
        tensor_d == 0 || (old_shape[tensor_d - 1] != 1 &&
                          old_strides[tensor_d - 1] != tensor_numel * chunk_base_stride);
    if (!chunk_ends) continue;
    while (view_d >= 0 && (view_numel < tensor_numel || new_shape[view_d] == 1)) {
      new_strides[view_d] = view_numel * chunk_base_stride;
      view_numel *= new_shape[view_d];
      --view_d;
    }
    if (view_numel != tensor_numel) return std::nullopt;
    if (tensor_d > 0) {
      chunk_base_stride = old_strides[tensor_d - 1];
      tensor_numel = 1;
      view_numel = 1;
    }
  }
  if (view_d != -1) return std::nullopt;
  return new_strides;
}

}  // namespace detail

inline std::vector<int64_t> TensorBase::byte_strides() const {
  std::vector<int64_t> out(strides());
  const auto item = static_cast<int64_t>(element_size());
  for (int64_t& s : out) s *= item;
  return out;
}

inline void TensorBase::check_writable(const char* op) const {
  TB_CHECK(!is_read_only(), ReadOnlyError, op, ": cannot write to a read-only tensor (shape ",
           shape_str(shape()), ", dtype ", dtype(), ", device ", device(),
           "); it wraps read-only memory. Use .clone() for a writable copy.");
  if (impl_->autograd) detail::autograd_hooks->check_inplace(*this, op);
}

inline TensorBase TensorBase::make_view(Shape shape, Strides strides, int64_t offset) const {
  const TensorImpl& self = impl_ref();
  auto view = std::make_shared<TensorImpl>(self.storage, offset, std::move(shape),
                                           std::move(strides), self.dtype, self.read_only);
  view->version = self.version;
  TensorBase out(std::move(view));
  if (self.autograd) detail::autograd_hooks->on_view(*this, out);
  return out;
}

inline TensorBase TensorBase::as_read_only() const {
  TensorBase out = alias();
  out.impl_->read_only = true;
  return out;
}

inline TensorBase TensorBase::alias() const {
  return make_view(shape(), strides(), storage_offset());
}

inline TensorBase TensorBase::slice(int64_t dim, std::optional<int64_t> start,
                                    std::optional<int64_t> stop, int64_t step) const {
  TB_CHECK(this->dim() > 0, IndexError, "slice: cannot slice a 0-d tensor");
  dim = wrap_dim(dim, this->dim(), "slice");
  TB_CHECK(step != 0, ValueError, "slice: step cannot be zero");
  const int64_t length = shape()[dim];
  // Clamp like Python's slice.indices(): a negative step walks from the end.
  auto clamp = [&](std::optional<int64_t> bound, int64_t fallback) {
    if (!bound) return fallback;
    int64_t v = *bound;
    if (v < 0) {
      v += length;
      if (v < 0) v = step < 0 ? -1 : 0;
    } else if (v >= length) {
      v = step < 0 ? length - 1 : length;
    }
    return v;
  };
  const int64_t first = clamp(start, step < 0 ? length - 1 : 0);
  const int64_t last = clamp(stop, step < 0 ? -1 : length);
  int64_t count = 0;
  if (step > 0 && first < last) count = (last - first - 1) / step + 1;
  if (step < 0 && last < first) count = (first - last - 1) / (-step) + 1;
  Shape new_shape = shape();
  Strides new_strides = strides();
  new_shape[dim] = count;
  new_strides[dim] = detail::checked_mul(strides()[dim], step, "slice");
  const int64_t offset =
      count > 0 ? storage_offset() + first * strides()[dim] : storage_offset();
  return make_view(std::move(new_shape), std::move(new_strides), offset);
}

inline TensorBase TensorBase::select(int64_t dim, int64_t index) const {
  TB_CHECK(this->dim() > 0, IndexError, "select: cannot index a 0-d tensor");
  dim = wrap_dim(dim, this->dim(), "select");
  const int64_t size = shape()[dim];
  TB_CHECK(index >= -size && index < size, IndexError, "select: index ", index,
           " is out of bounds for dimension ", dim, " with size ", size);
  if (index < 0) index += size;
  Shape new_shape = shape();
  Strides new_strides = strides();
  const int64_t offset = storage_offset() + index * new_strides[dim];
  new_shape.erase(new_shape.begin() + dim);
  new_strides.erase(new_strides.begin() + dim);
  return make_view(std::move(new_shape), std::move(new_strides), offset);
}

inline TensorBase TensorBase::narrow(int64_t dim, int64_t start, int64_t length) const {
  TB_CHECK(this->dim() > 0, IndexError, "narrow: cannot narrow a 0-d tensor");
  dim = wrap_dim(dim, this->dim(), "narrow");
  const int64_t size = shape()[dim];
  TB_CHECK(start >= -size && start <= size, IndexError, "narrow: start ", start,
           " is out of range for dimension ", dim, " with size ", size);
  if (start < 0) start += size;
  TB_CHECK(length >= 0 && start + length <= size, IndexError, "narrow: start (", start,
           ") + length (", length, ") exceeds dimension size (", size, ")");
  return slice(dim, start, start + length, 1);
}

inline TensorBase TensorBase::transpose(int64_t dim0, int64_t dim1) const {
  const int64_t n = dim();
  dim0 = wrap_dim(dim0, n, "transpose");
  dim1 = wrap_dim(dim1, n, "transpose");
  if (n == 0) return alias();
  Shape new_shape = shape();
  Strides new_strides = strides();
  std::swap(new_shape[dim0], new_shape[dim1]);
  std::swap(new_strides[dim0], new_strides[dim1]);
  return make_view(std::move(new_shape), std::move(new_strides), storage_offset());
}

inline TensorBase TensorBase::permute(const std::vector<int64_t>& dims) const {
  const int64_t n = dim();
  TB_CHECK(static_cast<int64_t>(dims.size()) == n, ValueError,
           "permute: number of dims don't match (tensor has ", n, " dims, permutation ",
           shape_str(dims), ")");
  std::vector<bool> seen(n, false);
  Shape new_shape(n);
  Strides new_strides(n);
  for (int64_t i = 0; i < n; ++i) {
    const int64_t d = wrap_dim(dims[i], n, "permute");
    TB_CHECK(!seen[d], ValueError, "permute: repeated dim ", dims[i], " in ", shape_str(dims));
    seen[d] = true;
    new_shape[i] = shape()[d];
    new_strides[i] = strides()[d];
  }
  return make_view(std::move(new_shape), std::move(new_strides), storage_offset());
}

inline TensorBase TensorBase::t() const {
  TB_CHECK(dim() <= 2, ValueError, "t(): expects a tensor with <= 2 dimensions, but got ",
           dim(), "-D tensor of shape ", shape_str(shape()));
  return dim() < 2 ? alias() : transpose(0, 1);
}

inline TensorBase TensorBase::mT() const {
  TB_CHECK(dim() >= 2, ValueError, "mT: tensor of shape ", shape_str(shape()),
           " has fewer than 2 dimensions");
  return transpose(-2, -1);
}

inline TensorBase TensorBase::view(const Shape& shape) const {
  const Shape target = detail::infer_shape(shape, numel(), "view");
  auto new_strides = detail::view_strides(this->shape(), strides(), target);
  TB_CHECK(new_strides.has_value(), ValueError, "view: shape ", shape_str(shape),
           " is not compatible with input of shape ", shape_str(this->shape()),
           " and strides ", shape_str(strides()),
           " (at least one dimension spans across two contiguous subspaces). Use "
           ".reshape(...) instead.");
  return make_view(target, std::move(*new_strides), storage_offset());
}

inline TensorBase TensorBase::reshape(const Shape& shape) const {
  const Shape target = detail::infer_shape(shape, numel(), "reshape");
  if (auto new_strides = detail::view_strides(this->shape(), strides(), target)) {
    return make_view(target, std::move(*new_strides), storage_offset());
  }
  return clone().view(target);
}

inline TensorBase TensorBase::flatten(int64_t start_dim, int64_t end_dim) const {
  if (dim() == 0) return reshape({1});
  start_dim = wrap_dim(start_dim, dim(), "flatten");
  end_dim = wrap_dim(end_dim, dim(), "flatten");
  TB_CHECK(start_dim <= end_dim, ValueError, "flatten: start_dim (", start_dim,
           ") cannot come after end_dim (", end_dim, ")");
  Shape target(shape().begin(), shape().begin() + start_dim);
  int64_t merged = 1;
  for (int64_t d = start_dim; d <= end_dim; ++d) merged *= shape()[d];
  target.push_back(merged);
  target.insert(target.end(), shape().begin() + end_dim + 1, shape().end());
  return reshape(target);
}

inline TensorBase TensorBase::unflatten(int64_t dim, const Shape& sizes) const {
  dim = wrap_dim(dim, this->dim(), "unflatten");
  TB_CHECK(!sizes.empty(), ValueError, "unflatten: sizes must be non-empty");
  const Shape inner = detail::infer_shape(sizes, shape()[dim], "unflatten");
  Shape target(shape().begin(), shape().begin() + dim);
  target.insert(target.end(), inner.begin(), inner.end());
  target.insert(target.end(), shape().begin() + dim + 1, shape().end());
  return view(target);
}

inline TensorBase TensorBase::expand(const Shape& shape) const {
  const int64_t n = static_cast<int64_t>(shape.size());
  const int64_t self_n = dim();
  TB_CHECK(n >= self_n, ValueError, "expand: the number of sizes provided (", n,
           ") must be greater or equal to the number of dimensions in the tensor (", self_n,
           "); target ", shape_str(shape), ", tensor ", shape_str(this->shape()));
  Shape new_shape(n);
  Strides new_strides(n);
  for (int64_t i = n - 1; i >= 0; --i) {
    const int64_t self_i = i - (n - self_n);
    const int64_t target = shape[i];
    if (self_i < 0) {
      TB_CHECK(target >= 0, ValueError, "expand: size ", target,
               " is not allowed for a new leading dimension; target ", shape_str(shape));
      new_shape[i] = target;
      new_strides[i] = 0;
      continue;
    }
    const int64_t size = this->shape()[self_i];
    if (target == -1 || target == size) {
      new_shape[i] = size;
      new_strides[i] = strides()[self_i];
    } else {
      TB_CHECK(size == 1 && target >= 0, ValueError, "expand: the expanded size of the tensor (",
               target, ") must match the existing size (", size,
               ") at non-singleton dimension ", i, ". Target sizes: ", shape_str(shape),
               ". Tensor sizes: ", shape_str(this->shape()));
      new_shape[i] = target;
      new_strides[i] = 0;
    }
  }
  checked_numel(new_shape, "expand");
  return make_view(std::move(new_shape), std::move(new_strides), storage_offset());
}

inline TensorBase TensorBase::squeeze() const {
  Shape new_shape;
  Strides new_strides;
  for (int64_t i = 0; i < dim(); ++i) {
    if (shape()[i] != 1) {
      new_shape.push_back(shape()[i]);
      new_strides.push_back(strides()[i]);
    }
  }
  return make_view(std::move(new_shape), std::move(new_strides), storage_offset());
}

inline TensorBase TensorBase::squeeze(int64_t dim) const {
  if (this->dim() == 0) {
    wrap_dim(dim, 0, "squeeze");
    return alias();
  }
  dim = wrap_dim(dim, this->dim(), "squeeze");
  if (shape()[dim] != 1) return alias();
  Shape new_shape = shape();
  Strides new_strides = strides();
  new_shape.erase(new_shape.begin() + dim);
  new_strides.erase(new_strides.begin() + dim);
  return make_view(std::move(new_shape), std::move(new_strides), storage_offset());
}

inline TensorBase TensorBase::unsqueeze(int64_t dim) const {
  const int64_t n = this->dim();
  TB_CHECK(dim >= -(n + 1) && dim <= n, IndexError,
           "unsqueeze: dimension out of range (expected to be in range of [", -(n + 1), ", ",
           n, "], but got ", dim, ")");
  if (dim < 0) dim += n + 1;
  TB_CHECK(n + 1 <= kMaxDims, ValueError, "unsqueeze: more than ", kMaxDims, " dimensions");
  Shape new_shape = shape();
  Strides new_strides = strides();
  const int64_t stride = dim < n ? shape()[dim] * strides()[dim] : 1;
  new_shape.insert(new_shape.begin() + dim, 1);
  new_strides.insert(new_strides.begin() + dim, stride);
  return make_view(std::move(new_shape), std::move(new_strides), storage_offset());
}

inline TensorBase TensorBase::flip(const std::vector<int64_t>& dims) const {
  std::vector<bool> flipped(dim(), false);
  Strides new_strides = strides();
  int64_t offset = storage_offset();
  const bool empty = numel() == 0;
  for (int64_t d : dims) {
    const int64_t w = wrap_dim(d, dim(), "flip");
    TB_CHECK(dim() == 0 || !flipped[w], ValueError, "flip: dim ", d,
             " appears multiple times in ", shape_str(dims));
    if (dim() == 0) continue;
    flipped[w] = true;
    if (!empty) offset += (shape()[w] - 1) * strides()[w];
    new_strides[w] = -new_strides[w];
  }
  return make_view(shape(), std::move(new_strides), offset);
}

inline TensorBase TensorBase::movedim(int64_t source, int64_t destination) const {
  const int64_t n = dim();
  source = wrap_dim(source, n, "movedim");
  destination = wrap_dim(destination, n, "movedim");
  if (n == 0) return alias();
  std::vector<int64_t> order;
  for (int64_t d = 0; d < n; ++d) {
    if (d != source) order.push_back(d);
  }
  order.insert(order.begin() + destination, source);
  return permute(order);
}

inline TensorBase TensorBase::diagonal(int64_t offset, int64_t dim1, int64_t dim2) const {
  TB_CHECK(dim() >= 2, ValueError, "diagonal: needs at least 2 dimensions, got shape ",
           shape_str(shape()));
  dim1 = wrap_dim(dim1, dim(), "diagonal");
  dim2 = wrap_dim(dim2, dim(), "diagonal");
  TB_CHECK(dim1 != dim2, ValueError, "diagonal: dimensions cannot be identical (", dim1,
           ", ", dim2, ")");
  const int64_t size1 = shape()[dim1];
  const int64_t size2 = shape()[dim2];
  int64_t diag_size = 0;
  int64_t start = storage_offset();
  if (offset >= 0) {
    diag_size = std::max<int64_t>(0, std::min(size1, size2 - offset));
    if (diag_size > 0) start += offset * strides()[dim2];
  } else {
    diag_size = std::max<int64_t>(0, std::min(size1 + offset, size2));
    if (diag_size > 0) start -= offset * strides()[dim1];
  }
  Shape new_shape;
  Strides new_strides;
  for (int64_t d = 0; d < dim(); ++d) {
    if (d == dim1 || d == dim2) continue;
    new_shape.push_back(shape()[d]);
    new_strides.push_back(strides()[d]);
  }
  new_shape.push_back(diag_size);
  new_strides.push_back(strides()[dim1] + strides()[dim2]);
  return make_view(std::move(new_shape), std::move(new_strides), start);
}

inline TensorBase TensorBase::as_strided(const Shape& shape, const Strides& strides,
                                         std::optional<int64_t> storage_offset) const {
  TB_CHECK(shape.size() == strides.size(), ValueError, "as_strided: shape ", shape_str(shape),
           " and strides ", shape_str(strides), " differ in length");
  TB_CHECK(static_cast<int64_t>(shape.size()) <= kMaxDims, ValueError,
           "as_strided: more than ", kMaxDims, " dimensions");
  checked_numel(shape, "as_strided");
  const int64_t offset = storage_offset.value_or(this->storage_offset());
  const ElementExtent extent = element_extent(shape, strides, "as_strided");
  if (!extent.empty) {
    const auto capacity =
        static_cast<int64_t>(storage()->nbytes() / element_size());
    TB_CHECK(offset + extent.lo >= 0 && offset + extent.hi < capacity, IndexError,
             "as_strided: shape ", shape_str(shape), ", strides ", shape_str(strides),
             " and offset ", offset, " reach elements [", offset + extent.lo, ", ",
             offset + extent.hi, "] outside the storage of ", capacity, " elements");
  }
  return make_view(shape, strides, offset);
}

}  // namespace tensorbridge
