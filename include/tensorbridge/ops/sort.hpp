#pragma once
// Sorting along a dimension: sort, argsort and topk, returning values and int64 indices
// like PyTorch. NaN counts as larger than every number (so it sorts last ascending and
// first descending, and topk(largest) picks it first). Sorting is always stable, which
// satisfies both stable=true and PyTorch's unspecified order otherwise. On a device the
// CUDA kernels (kernels/cuda/sort.cuh) give the same values and indices.
#include <algorithm>
#include <array>
#include <cstdint>
#include <numeric>
#include <type_traits>
#include <utility>
#include <vector>

#include "tensorbridge/core/copy.hpp"
#include "tensorbridge/core/strided_loop.hpp"
#include "tensorbridge/core/tensor_base.hpp"
#include "tensorbridge/ops/device_dispatch.hpp"

namespace tensorbridge {
namespace ops {
namespace sort_detail {

// The type elements are compared in: float16/bfloat16 as float.
template <typename T>
using key_t = std::conditional_t<std::is_same_v<T, half> || std::is_same_v<T, bfloat16>, float, T>;

// A strict weak order with NaN above everything (x != x only for NaN).
template <typename K>
bool less_nan_last(K a, K b) {
  if constexpr (std::is_floating_point_v<K>) {
    if (b != b) return a == a;
    if (a != a) return false;
  }
  return a < b;
}

// Runs fn(values_in, values_out, indices_out, in_stride, out_stride, idx_stride) (byte
// pointers and byte strides) once per 1-D slice along `dim`: `self` is read, `values` and
// `indices` (contiguous, self's shape with `dim` resized) are written.
template <typename Fn>
void for_each_slice(const TensorBase& self, const TensorBase& values, const TensorBase& indices,
                    int64_t dim, Fn&& fn) {
  Shape outer = self.shape();
  std::vector<int64_t> s_bs = self.byte_strides(), v_bs = values.byte_strides(),
                       i_bs = indices.byte_strides();
  int64_t s_step = 0, v_step = 0, i_step = 0;
  if (self.dim() > 0) {
    s_step = s_bs[dim];
    v_step = v_bs[dim];
    i_step = i_bs[dim];
    outer.erase(outer.begin() + dim);
    s_bs.erase(s_bs.begin() + dim);
    v_bs.erase(v_bs.begin() + dim);
    i_bs.erase(i_bs.begin() + dim);
  }
  strided_loop<3>(outer,
                  {static_cast<char*>(self.data_ptr()), static_cast<char*>(values.data_ptr()),
                   static_cast<char*>(indices.data_ptr())},
                  {s_bs.data(), v_bs.data(), i_bs.data()},
                  [&](std::array<char*, 3> p, std::array<int64_t, 3> s, int64_t n) {
                    for (int64_t j = 0; j < n; ++j) {
                      fn(p[0] + j * s[0], p[1] + j * s[1], p[2] + j * s[2], s_step, v_step,
                         i_step);
                    }
                  });
}

inline void check_sortable(const TensorBase& self, const char* op) {
  TB_CHECK(!is_complex(self.dtype()), TypeError, op, ": not implemented for dtype ",
           self.dtype(), " (complex numbers have no order; tensor on ", self.device(),
           ", shape ", shape_str(self.shape()), ")");
}

// sort_slices on a device: the sorted dim moved last and made contiguous, every row sorted
// by one kernel call, the first k of each row moved back into self's layout.
inline std::pair<TensorBase, TensorBase> device_sort_slices(const TensorBase& self, int64_t dim,
                                                            int64_t k, bool descending,
                                                            const char* op) {
  const Device device = self.device();
  const auto kernel = detail::require_kernel(detail::require_kernels(op, device).sort, op, device);
  const int64_t last = self.dim() - 1;
  const TensorBase rows =
      self.dim() == 0 ? self.reshape({1}) : self.transpose(dim, last).contiguous();
  Shape sorted_shape = rows.shape();
  sorted_shape.back() = k;
  TensorBase values = ::tensorbridge::detail::new_tensor(sorted_shape, self.dtype(), device, op);
  TensorBase indices = ::tensorbridge::detail::new_tensor(sorted_shape, DType::Int64, device, op);
  if (values.numel() > 0) kernel(op, values, indices, rows, descending);
  if (self.dim() == 0) return {values.reshape({}), indices.reshape({})};
  if (dim == last) return {values, indices};
  return {values.transpose(dim, last).contiguous(), indices.transpose(dim, last).contiguous()};
}

// Sorts (or, with k < n, selects and sorts the first k of) each slice; `descending` puts
// the largest first. Ties keep their original order.
inline std::pair<TensorBase, TensorBase> sort_slices(const TensorBase& self, int64_t dim,
                                                     int64_t k, bool descending,
                                                     const char* op) {
  // A 0-d tensor is its own result, for topk with k = 0 too (as in PyTorch).
  if (self.dim() == 0) k = 1;
  if (!self.device().is_cpu()) return device_sort_slices(self, dim, k, descending, op);
  const int64_t n = self.dim() == 0 ? 1 : self.shape()[dim];
  Shape out_shape = self.shape();
  if (self.dim() > 0) out_shape[dim] = k;
  TensorBase values = ::tensorbridge::detail::new_cpu_tensor(out_shape, self.dtype(), op);
  TensorBase indices = ::tensorbridge::detail::new_cpu_tensor(out_shape, DType::Int64, op);
  visit_dtype(self.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    if constexpr (!std::is_same_v<T, complex64> && !std::is_same_v<T, complex128>) {
      using K = key_t<T>;
      std::vector<K> keys(static_cast<std::size_t>(n));
      std::vector<int64_t> perm(static_cast<std::size_t>(n));
      // Ties break by position, so partial_sort is as deterministic as stable_sort.
      auto before = [&](int64_t a, int64_t b) {
        const K ka = keys[static_cast<std::size_t>(a)], kb = keys[static_cast<std::size_t>(b)];
        const bool lt = descending ? less_nan_last(kb, ka) : less_nan_last(ka, kb);
        const bool gt = descending ? less_nan_last(ka, kb) : less_nan_last(kb, ka);
        return lt || (!gt && a < b);
      };
      for_each_slice(self, values, indices, dim,
                     [&](const char* in, char* vout, char* iout, int64_t is, int64_t vs,
                         int64_t ixs) {
                       for (int64_t i = 0; i < n; ++i) {
                         keys[static_cast<std::size_t>(i)] =
                             static_cast<K>(*reinterpret_cast<const T*>(in + i * is));
                       }
                       std::iota(perm.begin(), perm.end(), int64_t(0));
                       if (k == n) {
                         std::stable_sort(perm.begin(), perm.end(), before);
                       } else {
                         std::partial_sort(perm.begin(), perm.begin() + k, perm.end(), before);
                       }
                       for (int64_t i = 0; i < k; ++i) {
                         const int64_t src = perm[static_cast<std::size_t>(i)];
                         *reinterpret_cast<T*>(vout + i * vs) =
                             *reinterpret_cast<const T*>(in + src * is);
                         *reinterpret_cast<int64_t*>(iout + i * ixs) = src;
                       }
                     });
    }
  });
  return {values, indices};
}

}  // namespace sort_detail

// (values, indices) with each slice along `dim` sorted; NaN last (first when descending).
inline std::pair<TensorBase, TensorBase> sort(const TensorBase& self, int64_t dim = -1,
                                              bool descending = false, bool stable = false) {
  (void)stable;  // always stable
  sort_detail::check_sortable(self, "sort");
  dim = wrap_dim(dim, self.dim(), "sort");
  const int64_t n = self.dim() == 0 ? 1 : self.shape()[dim];
  return sort_detail::sort_slices(self, dim, n, descending, "sort");
}

inline TensorBase argsort(const TensorBase& self, int64_t dim = -1, bool descending = false,
                          bool stable = false) {
  return sort(self, dim, descending, stable).second;
}

// The k largest (or smallest) elements of each slice along `dim` and their indices, in
// sorted order (`sorted` = false is allowed and gives the same order).
inline std::pair<TensorBase, TensorBase> topk(const TensorBase& self, int64_t k,
                                              int64_t dim = -1, bool largest = true,
                                              bool sorted = true) {
  (void)sorted;
  sort_detail::check_sortable(self, "topk");
  dim = wrap_dim(dim, self.dim(), "topk");
  const int64_t n = self.dim() == 0 ? 1 : self.shape()[dim];
  TB_CHECK(k >= 0 && k <= n, ValueError, "topk: k (", k, ") is out of range for dimension ",
           dim, " with size ", n, " (shape ", shape_str(self.shape()), ")");
  return sort_detail::sort_slices(self, dim, k, largest, "topk");
}

}  // namespace ops
}  // namespace tensorbridge
