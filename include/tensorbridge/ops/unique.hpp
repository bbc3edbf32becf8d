#pragma once
// unique and unique_consecutive with PyTorch's semantics: the distinct elements of a
// flattened tensor (or the distinct slices along a dim), optionally with the inverse
// (where each input element or slice went, int64) and the counts (int64).
//
// Both are compositions of device-generic ops (a stable sort, ne, any, nonzero, gather,
// index_select, cumsum, scatter_, cat, sub), so tensors on a device run on the kernels
// that exist for those, with no kernels of their own. One step reads back to the host on
// a device: nonzero, which counts the groups (the result's size must be known there;
// PyTorch synchronizes for the same reason).
//
// Semantics (checked against torch 2.13):
// - Equality is `==`: -0.0 and 0.0 are one value, and every NaN is distinct from every other
//   element (NaN != NaN), so each NaN is its own group. Sorted, NaN comes last, as in sort.
// - The representative kept for a group is its first occurrence in the input (the sort is
//   stable): unique([0.0, -0.0]) is [0.0], unique([-0.0, 0.0]) is [-0.0]. (PyTorch agrees on
//   small inputs; on large ones its pick between -0.0 and 0.0 varies.)
// - `sorted` is accepted and ignored: results are always sorted, as PyTorch's CPU unique
//   returns them whatever `sorted` says.
// - With a dim, slices compare lexicographically, element by element in row-major order, NaN
//   above every number. (PyTorch compares slices with < and >, under which NaN is neither,
//   so its order for slices that hold NaN is not well defined; ours is.)
// - Not differentiable: the outputs never require grad (PyTorch gives them a grad_fn whose
//   backward raises).
// - complex dtypes are refused, as in PyTorch ("not implemented").
#include <cstdint>
#include <optional>

#include "tensorbridge/core/factory.hpp"
#include "tensorbridge/core/tensor_base.hpp"
#include "tensorbridge/ops/binary.hpp"
#include "tensorbridge/ops/indexing.hpp"
#include "tensorbridge/ops/join.hpp"
#include "tensorbridge/ops/reduce.hpp"
#include "tensorbridge/ops/sort.hpp"

namespace tensorbridge {

// What unique and unique_consecutive return: `values` always; `inverse` and `counts` only
// when asked for (undefined tensors otherwise).
struct UniqueResult {
  TensorBase values;   // the distinct elements (1-D), or slices (x's shape but along dim)
  TensorBase inverse;  // int64: x's shape (no dim) or [x.size(dim)]; indexes values' groups
  TensorBase counts;   // int64 [number of groups]
};

namespace ops {
namespace unique_detail {

inline void check_uniquable(const TensorBase& x, const char* op) {
  TB_CHECK(!is_complex(x.dtype()), TypeError, op, ": not implemented for dtype ", x.dtype(),
           " (complex numbers have no order; tensor on ", x.device(), ", shape ",
           shape_str(x.shape()), ")");
}

// The dim to take slices along, wrapped; IndexError naming the tensor when there is none.
inline int64_t slice_dim(const TensorBase& x, int64_t dim, const char* op) {
  TB_CHECK(x.dim() > 0, IndexError, op, ": dimension specified as ", dim,
           " but the tensor has no dimensions (shape [], dtype ", x.dtype(), ", device ",
           x.device(), ")");
  TB_CHECK(dim >= -x.dim() && dim < x.dim(), IndexError, op,
           ": dimension out of range (expected to be in range of [", -x.dim(), ", ",
           x.dim() - 1, "], but got ", dim, ") for a tensor of shape ", shape_str(x.shape()),
           ", dtype ", x.dtype(), ", device ", x.device());
  return dim < 0 ? dim + x.dim() : dim;
}

// PyTorch's rule for zero-size tensors with a dim: only the selected dim may be empty
// (then there are no slices); slices of zero elements cannot be told apart.
inline void check_empty_slices(const TensorBase& x, int64_t dim, const char* op) {
  int64_t zero_dims = 0;
  for (int64_t s : x.shape()) zero_dims += s == 0;
  TB_CHECK(zero_dims <= 1, ValueError, op,
           ": cannot be applied to a tensor with more than one zero-size dimension (shape ",
           shape_str(x.shape()), ", dtype ", x.dtype(), ", device ", x.device(), ")");
  TB_CHECK(zero_dims == 0 || x.shape()[dim] == 0, ValueError, op,
           ": cannot be applied along dimension ", dim, " of size ", x.shape()[dim],
           " when another dimension has size 0 (shape ", shape_str(x.shape()), ", dtype ",
           x.dtype(), ", device ", x.device(), ")");
}

// rows[index] along dim 0 for rows of rank 1 or 2: 1-D through gather, whose CPU loop is a
// plain element loop (index_select copies slice by slice, 5x slower on a million elements).
inline TensorBase take_rows(const TensorBase& rows, const TensorBase& index) {
  return rows.dim() == 1 ? ops::gather(rows, 0, index) : ops::index_select(rows, 0, index);
}

// Bool [n]: true where row i of `rows` ([n] or [n, m], n >= 1) starts a new group, that is
// differs from row i - 1 in some element (NaN differs from everything); row 0 always does.
inline TensorBase group_starts(const TensorBase& rows, const char* op) {
  const int64_t n = rows.shape()[0];
  TensorBase first = ::tensorbridge::detail::new_tensor({n}, DType::Bool, rows.device(), op);
  first.narrow(0, 0, 1).fill_(true);
  if (n == 1) return first;
  const TensorBase later = rows.narrow(0, 1, n - 1), earlier = rows.narrow(0, 0, n - 1);
  if (rows.dim() == 1) {
    ops::ne_out(first.narrow(0, 1, n - 1), later, earlier);
  } else {
    first.narrow(0, 1, n - 1).copy_(ops::any(ops::ne(later, earlier), {1}));
  }
  return first;
}

// Collapses runs of equal rows of `rows` ([n] or [n, m], n >= 1) into groups: the first row
// of each group, and on request the group of every row and the size of every group. `perm`
// (defined when rows were sorted) maps sorted position to original position, so the
// inverse is reported for the original order.
inline UniqueResult collapse_runs(const TensorBase& rows, const TensorBase& perm,
                                  bool return_inverse, bool return_counts, const char* op) {
  const int64_t n = rows.shape()[0];
  const TensorBase first = group_starts(rows, op);
  // On a device nonzero reads the mask back to the host: the group count sizes the results.
  const TensorBase starts = ops::nonzero(first).reshape({-1});
  UniqueResult r;
  r.values = take_rows(rows, starts);
  if (return_counts) {
    // counts[g] = starts[g + 1] - starts[g], with n after the last start.
    const int64_t k = starts.shape()[0];
    const TensorBase ends = ops::cat(
        {starts.narrow(0, 1, k - 1),
         ::tensorbridge::full({1}, Scalar(n), DType::Int64, rows.device())});
    r.counts = ops::sub(ends, starts);
  }
  if (return_inverse) {
    // The group of sorted row i is the number of group starts up to i, minus one.
    const TensorBase group = ops::sub(ops::cumsum(first, 0), Scalar(1));
    if (!perm.defined()) {
      r.inverse = group;
    } else {
      r.inverse = ::tensorbridge::detail::new_tensor({n}, DType::Int64, rows.device(), op);
      ops::scatter_(r.inverse, 0, perm, group);  // inverse[perm[i]] = group[i]
    }
  }
  return r;
}

// No dim: the elements of x flattened; sorted first unless `consecutive`.
inline UniqueResult unique_elements(const TensorBase& x, bool consecutive, bool return_inverse,
                                    bool return_counts, const char* op) {
  const Device device = x.device();
  UniqueResult r;
  if (x.numel() == 0) {
    r.values = ::tensorbridge::detail::new_tensor({0}, x.dtype(), device, op);
    if (return_inverse) {
      r.inverse = ::tensorbridge::detail::new_tensor(x.shape(), DType::Int64, device, op);
    }
    if (return_counts) r.counts = ::tensorbridge::detail::new_tensor({0}, DType::Int64, device, op);
    return r;
  }
  const TensorBase flat = x.reshape({-1});
  if (consecutive) {
    r = collapse_runs(flat, TensorBase(), return_inverse, return_counts, op);
  } else {
    const auto [sorted, perm] = ops::sort(flat, 0, false, /*stable=*/true);
    r = collapse_runs(sorted, perm, return_inverse, return_counts, op);
  }
  if (return_inverse) r.inverse = r.inverse.reshape(x.shape());
  return r;
}

// Row indices that sort the rows of `rows` ([n, m], m >= 1) lexicographically, stably:
// least significant column first, each pass a stable sort of one column in the order the
// passes so far established (an LSD radix sort with columns as digits). m sorts of n keys,
// each one call of the device-generic sort.
inline TensorBase lexicographic_order(const TensorBase& rows) {
  const int64_t m = rows.shape()[1];
  TensorBase order = ops::sort(rows.select(1, m - 1), 0, false, true).second;
  for (int64_t j = m - 2; j >= 0; --j) {
    const TensorBase keys = take_rows(rows.select(1, j), order);
    order = take_rows(order, ops::sort(keys, 0, false, true).second);
  }
  return order;
}

// With a dim: the slices of x along `dim`, compared whole; sorted first unless `consecutive`.
inline UniqueResult unique_slices(const TensorBase& x, int64_t dim, bool consecutive,
                                  bool return_inverse, bool return_counts, const char* op) {
  dim = slice_dim(x, dim, op);
  const Device device = x.device();
  const int64_t n = x.shape()[dim];
  UniqueResult r;
  if (x.numel() == 0) {
    check_empty_slices(x, dim, op);  // so n == 0: no slices at all
    r.values = ::tensorbridge::detail::new_tensor(x.shape(), x.dtype(), device, op);
    if (return_inverse) r.inverse = ::tensorbridge::detail::new_tensor({0}, DType::Int64, device, op);
    if (return_counts) r.counts = ::tensorbridge::detail::new_tensor({0}, DType::Int64, device, op);
    return r;
  }
  // One row per slice, its elements in row-major order (a copy unless x is laid out so).
  // Slices of one element are elements: 1-D rows keep to element loops and a single sort.
  const TensorBase moved = x.movedim(dim, 0);
  const int64_t m = x.numel() / n;
  const TensorBase rows = m == 1 ? moved.reshape({n}) : moved.reshape({n, m});
  if (consecutive) {
    r = collapse_runs(rows, TensorBase(), return_inverse, return_counts, op);
  } else {
    const TensorBase order =
        m == 1 ? ops::sort(rows, 0, false, true).second : lexicographic_order(rows);
    r = collapse_runs(take_rows(rows, order), order, return_inverse, return_counts, op);
  }
  Shape values_shape = moved.shape();
  values_shape[0] = r.values.shape()[0];
  r.values = r.values.reshape(values_shape).movedim(0, dim).contiguous();
  return r;
}

}  // namespace unique_detail

// The distinct elements of x (flattened; with `dim`, the distinct slices along dim) in
// ascending order. See the top of this file for NaN, -0.0 and `sorted`.
inline UniqueResult unique(const TensorBase& x, bool sorted = true, bool return_inverse = false,
                           bool return_counts = false, std::optional<int64_t> dim = std::nullopt) {
  (void)sorted;  // always sorted, as PyTorch's CPU unique
  const char* op = "unique";
  unique_detail::check_uniquable(x, op);
  if (dim) return unique_detail::unique_slices(x, *dim, false, return_inverse, return_counts, op);
  return unique_detail::unique_elements(x, false, return_inverse, return_counts, op);
}

// Collapses each run of consecutive equal elements (slices, with `dim`) to one, in input order.
inline UniqueResult unique_consecutive(const TensorBase& x, bool return_inverse = false,
                                       bool return_counts = false,
                                       std::optional<int64_t> dim = std::nullopt) {
  const char* op = "unique_consecutive";
  unique_detail::check_uniquable(x, op);
  if (dim) return unique_detail::unique_slices(x, *dim, true, return_inverse, return_counts, op);
  return unique_detail::unique_elements(x, true, return_inverse, return_counts, op);
}

}  // namespace ops
}  // namespace tensorbridge
