#pragma once
// Joining and splitting tensors: cat, stack (copies), split, chunk, unbind (views), and
// repeat/tile (copies). Raw compute only; api_indexing.hpp holds the public forwarders.
#include <cstdint>
#include <vector>

#include "tensorbridge/core/copy.hpp"
#include "tensorbridge/core/tensor_base.hpp"
#include "tensorbridge/ops/promotion.hpp"

namespace tensorbridge {
namespace ops {
namespace join_detail {

// PyTorch's legacy rule: a 1-D tensor of shape [0] may be concatenated with anything.
inline bool skipped_in_cat(const TensorBase& t) { return t.dim() == 1 && t.shape()[0] == 0; }

}  // namespace join_detail

// Concatenates along an existing dimension. Every tensor (skipped ones too) takes part in
// type promotion, as in torch.cat; sizes must agree except along `dim`.
inline TensorBase cat(const std::vector<TensorBase>& tensors, int64_t dim = 0) {
  const char* op = "cat";
  TB_CHECK(!tensors.empty(), ValueError, op, ": expected a non-empty list of tensors");
  DType dtype = tensors[0].dtype();
  const Device device = tensors[0].device();
  const TensorBase* ref = nullptr;  // the first tensor that takes part
  std::size_t ref_pos = 0;
  for (std::size_t i = 0; i < tensors.size(); ++i) {
    const TensorBase& t = tensors[i];
    TB_CHECK(t.device() == device, DeviceError, op,
             ": expected all tensors to be on the same device, but found tensors on ", device,
             " (position 0) and ", t.device(), " (position ", i, ")");
    dtype = promote_types(dtype, t.dtype());
    TB_CHECK(t.dim() > 0, ValueError, op, ": zero-dimensional tensor (at position ", i,
             ") cannot be concatenated");
    if (!ref && !join_detail::skipped_in_cat(t)) {
      ref = &t;
      ref_pos = i;
    }
  }
  if (!ref) return ::tensorbridge::detail::new_tensor({0}, dtype, device, op);
  dim = wrap_dim(dim, ref->dim(), op);
  Shape out_shape = ref->shape();
  out_shape[dim] = 0;
  for (std::size_t i = 0; i < tensors.size(); ++i) {
    const TensorBase& t = tensors[i];
    if (join_detail::skipped_in_cat(t)) continue;
    TB_CHECK(t.dim() == ref->dim(), ValueError, op,
             ": tensors must have the same number of dimensions: got ", ref->dim(),
             " and ", t.dim(), " (shapes ", shape_str(ref->shape()), " at position ", ref_pos,
             " and ", shape_str(t.shape()), " at position ", i, ")");
    for (int64_t d = 0; d < t.dim(); ++d) {
      TB_CHECK(d == dim || t.shape()[d] == ref->shape()[d], ValueError, op,
               ": sizes of tensors must match except in dimension ", dim, ": expected size ",
               ref->shape()[d], " but got size ", t.shape()[d], " for tensor number ", i,
               " in the list (shapes ", shape_str(ref->shape()), " and ",
               shape_str(t.shape()), ")");
    }
    out_shape[dim] = ::tensorbridge::detail::checked_add(out_shape[dim], t.shape()[dim], op);
  }
  TensorBase out = ::tensorbridge::detail::new_tensor(out_shape, dtype, device, op);
  int64_t offset = 0;
  for (const TensorBase& t : tensors) {
    if (join_detail::skipped_in_cat(t)) continue;
    const int64_t n = t.shape()[dim];
    // `out` is fresh, so no source overlaps it; copy_same_shape converts the dtype (on a
    // device through the copy kernel, or one block per piece when dim is 0).
    ::tensorbridge::detail::copy_same_shape(out.narrow(dim, offset, n), t);
    offset += n;
  }
  return out;
}

// Joins equally shaped tensors along a new dimension.
inline TensorBase stack(const std::vector<TensorBase>& tensors, int64_t dim = 0) {
  const char* op = "stack";
  TB_CHECK(!tensors.empty(), ValueError, op, ": expected a non-empty list of tensors");
  const int64_t nd = tensors[0].dim();
  TB_CHECK(dim >= -(nd + 1) && dim <= nd, IndexError, op,
           ": dimension out of range (expected to be in range of [", -(nd + 1), ", ", nd,
           "], but got ", dim, ")");
  if (dim < 0) dim += nd + 1;
  std::vector<TensorBase> expanded;
  expanded.reserve(tensors.size());
  for (std::size_t i = 0; i < tensors.size(); ++i) {
    TB_CHECK(tensors[i].shape() == tensors[0].shape(), ValueError, op,
             ": expects each tensor to be equal size, but got ", shape_str(tensors[0].shape()),
             " at entry 0 and ", shape_str(tensors[i].shape()), " at entry ", i);
    expanded.push_back(tensors[i].unsqueeze(dim));
  }
  return cat(expanded, dim);
}

// Views of consecutive pieces along `dim` with the given sizes (which must add up).
inline std::vector<TensorBase> split(const TensorBase& self, const std::vector<int64_t>& sizes,
                                     int64_t dim = 0) {
  const char* op = "split";
  TB_CHECK(self.dim() > 0, ValueError, op, ": cannot split a 0-d tensor");
  dim = wrap_dim(dim, self.dim(), op);
  int64_t total = 0;
  for (int64_t s : sizes) {
    TB_CHECK(s >= 0, ValueError, op, ": split sizes must be non-negative, but got ",
             shape_str(sizes));
    total += s;
  }
  TB_CHECK(total == self.shape()[dim], ValueError, op, ": split sizes ", shape_str(sizes),
           " must sum to the size of dimension ", dim, " (", self.shape()[dim],
           ") of the tensor of shape ", shape_str(self.shape()));
  std::vector<TensorBase> out;
  int64_t start = 0;
  for (int64_t s : sizes) {
    out.push_back(self.narrow(dim, start, s));
    start += s;
  }
  return out;
}

// Views of `split_size` elements along `dim`; the last one may be smaller.
inline std::vector<TensorBase> split(const TensorBase& self, int64_t split_size,
                                     int64_t dim = 0) {
  const char* op = "split";
  TB_CHECK(self.dim() > 0, ValueError, op, ": cannot split a 0-d tensor");
  dim = wrap_dim(dim, self.dim(), op);
  const int64_t size = self.shape()[dim];
  TB_CHECK(split_size > 0 || (split_size == 0 && size == 0), ValueError, op,
           ": split_size must be positive (or 0 for an empty dimension), but got ", split_size,
           " for dimension ", dim, " of size ", size);
  if (size == 0) return {self.alias()};
  std::vector<int64_t> sizes;
  for (int64_t start = 0; start < size; start += split_size) {
    sizes.push_back(split_size < size - start ? split_size : size - start);
  }
  return split(self, sizes, dim);
}

// At most `chunks` views of equal size (ceil(size / chunks)) along `dim`; an empty
// dimension gives `chunks` empty views, as in PyTorch.
inline std::vector<TensorBase> chunk(const TensorBase& self, int64_t chunks, int64_t dim = 0) {
  const char* op = "chunk";
  TB_CHECK(chunks > 0, ValueError, op, ": number of chunks must be positive, but got ", chunks);
  TB_CHECK(self.dim() > 0, ValueError, op, ": cannot chunk a 0-d tensor");
  dim = wrap_dim(dim, self.dim(), op);
  const int64_t size = self.shape()[dim];
  if (size == 0) return std::vector<TensorBase>(static_cast<std::size_t>(chunks), self.alias());
  return split(self, (size + chunks - 1) / chunks, dim);
}

// The views self.select(dim, i) for every i.
inline std::vector<TensorBase> unbind(const TensorBase& self, int64_t dim = 0) {
  TB_CHECK(self.dim() > 0, ValueError, "unbind: cannot unbind a 0-d tensor");
  dim = wrap_dim(dim, self.dim(), "unbind");
  std::vector<TensorBase> out;
  for (int64_t i = 0; i < self.shape()[dim]; ++i) out.push_back(self.select(dim, i));
  return out;
}

// Tiles the tensor `repeats[d]` times along each dimension; extra leading repeats add
// dimensions. One copy: a broadcast view [r0, s0, r1, s1, ...] made contiguous (on a
// device by the copy kernel).
inline TensorBase repeat(const TensorBase& self, const std::vector<int64_t>& repeats) {
  const char* op = "repeat";
  const auto nr = static_cast<int64_t>(repeats.size());
  TB_CHECK(nr >= self.dim(), ValueError, op,
           ": number of repeat dimensions (", nr,
           ") cannot be smaller than the number of dimensions of the tensor (", self.dim(),
           "); repeats ", shape_str(repeats), ", shape ", shape_str(self.shape()));
  Shape padded(static_cast<std::size_t>(nr - self.dim()), 1);
  padded.insert(padded.end(), self.shape().begin(), self.shape().end());
  Shape interleaved, out_shape;
  for (int64_t d = 0; d < nr; ++d) {
    TB_CHECK(repeats[d] >= 0, ValueError, op, ": repeats must be non-negative, but got ",
             shape_str(repeats));
    interleaved.push_back(repeats[d]);
    interleaved.push_back(padded[d]);
    out_shape.push_back(::tensorbridge::detail::checked_mul(repeats[d], padded[d], op));
  }
  TensorBase spread = self.reshape(padded);
  for (int64_t d = 0; d < nr; ++d) spread = spread.unsqueeze(2 * d);
  TensorBase out = ::tensorbridge::detail::new_tensor(interleaved, self.dtype(), self.device(), op);
  ::tensorbridge::detail::copy_same_shape(out, spread.expand(interleaved));
  return out.view(out_shape);
}

// numpy.tile: like repeat, but fewer reps than dimensions are padded with leading 1s.
inline TensorBase tile(const TensorBase& self, const std::vector<int64_t>& reps) {
  std::vector<int64_t> full(reps);
  if (static_cast<int64_t>(full.size()) < self.dim()) {
    full.insert(full.begin(), static_cast<std::size_t>(self.dim()) - full.size(), 1);
  }
  return repeat(self, full);
}

}  // namespace ops
}  // namespace tensorbridge
