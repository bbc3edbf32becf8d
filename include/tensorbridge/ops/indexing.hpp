#pragma once
// Indexing with tensors on the CPU: index_select, gather, scatter/scatter_add, index_add,
// masked_fill, masked_select, nonzero, and NumPy advanced indexing (`index` for
// __getitem__, `index_put_` for __setitem__). Raw compute only (no autograd); the public
// API in api_indexing.hpp forwards here.
//
// Index tensors are int64 (int32 is accepted and widened). Out-of-range indices raise
// IndexError naming the index, the dimension and its size; every check happens before the
// element is touched, so a bad index never reads or writes out of bounds. Results are new
// contiguous tensors; in-place forms check writability and bump the version counter.
//
// Tensors on a device go to the CUDA kernels (ops/device_dispatch.hpp) after the same
// shape and dtype checks; their index bounds are checked on the device before anything is
// written. nonzero (and so bool-mask indexing and masked_select) counts on the host: the
// result's size must be known there.
#include <array>
#include <cstdint>
#include <cstring>
#include <optional>
#include <type_traits>
#include <vector>

#include "tensorbridge/core/copy.hpp"
#include "tensorbridge/core/factory.hpp"
#include "tensorbridge/core/strided_loop.hpp"
#include "tensorbridge/core/tensor_base.hpp"
#include "tensorbridge/kernels/cpu/elementwise.hpp"
#include "tensorbridge/kernels/cpu/ordered_loop.hpp"
#include "tensorbridge/ops/binary.hpp"
#include "tensorbridge/ops/device_dispatch.hpp"

namespace tensorbridge {
namespace ops {
namespace index_detail {

namespace core = ::tensorbridge::detail;

inline TensorBase checked_index(const TensorBase& index, const char* op,
                                const char* what = "index") {
  core::check_cpu(index, op);
  TB_CHECK(index.dtype() == DType::Int64 || index.dtype() == DType::Int32, TypeError, op,
           ": expected ", what, " to be an int64 or int32 tensor, but got ", index.dtype(),
           " (shape ", shape_str(index.shape()), ")");
  return index.dtype() == DType::Int64 ? index : index.to(DType::Int64);
}

inline void check_in_range(int64_t index, int64_t size, int64_t dim, const char* op) {
  TB_CHECK(index >= 0 && index < size, IndexError, op, ": index ", index,
           " is out of bounds for dimension ", dim, " with size ", size);
}

// Size and stride of `dim`; a 0-d tensor acts as one element along dimension 0.
inline int64_t dim_size(const TensorBase& t, int64_t dim) {
  return t.dim() == 0 ? 1 : t.shape()[dim];
}
inline int64_t dim_stride(const TensorBase& t, int64_t dim) {
  return t.dim() == 0 ? 0 : t.strides()[dim];
}

// Copies need no arithmetic: fn(TypeTag<U>) with U any type of the element's size.
template <typename Fn>
void visit_itemsize(std::size_t size, Fn&& fn) {
  switch (size) {
    case 1: return fn(TypeTag<uint8_t>{});
    case 2: return fn(TypeTag<uint16_t>{});
    case 4: return fn(TypeTag<uint32_t>{});
    case 8: return fn(TypeTag<uint64_t>{});
    default: return fn(TypeTag<complex128>{});
  }
}

// a + b and a * b without signed-overflow UB (integers wrap, as in PyTorch), with
// float16/bfloat16 computed in float and bool "addition" being logical or.
template <typename T>
T add_values(T a, T b) {
  if constexpr (std::is_same_v<T, bool>) {
    return a || b;
  } else if constexpr (std::is_integral_v<T>) {
    return static_cast<T>(static_cast<uint64_t>(a) + static_cast<uint64_t>(b));
  } else if constexpr (std::is_same_v<T, half> || std::is_same_v<T, bfloat16>) {
    return T(static_cast<float>(a) + static_cast<float>(b));
  } else {
    return a + b;
  }
}
template <typename T>
T mul_values(T a, T b) {
  if constexpr (std::is_same_v<T, bool>) {
    return a && b;
  } else if constexpr (std::is_integral_v<T>) {
    return static_cast<T>(static_cast<uint64_t>(a) * static_cast<uint64_t>(b));
  } else if constexpr (std::is_same_v<T, half> || std::is_same_v<T, bfloat16>) {
    return T(static_cast<float>(a) * static_cast<float>(b));
  } else {
    return a * b;
  }
}

// `t`'s strides with dimension `dim` replaced by 0, in bytes, for walking t over a shape
// of t's rank (an index's shape) while the index supplies the position along `dim`.
inline std::vector<int64_t> strides_without(const TensorBase& t, int64_t dim) {
  std::vector<int64_t> out = t.byte_strides();
  if (t.dim() > 0) out[dim] = 0;
  return out;
}

// Index shapes of gather/scatter: same rank as self, no larger than self outside `dim`.
inline void check_index_shape(const TensorBase& self, int64_t dim, const TensorBase& index,
                              const char* op) {
  TB_CHECK(index.dim() == self.dim(), ValueError, op,
           ": index must have the same number of dimensions as self, but got index of shape ",
           shape_str(index.shape()), " and self of shape ", shape_str(self.shape()));
  for (int64_t d = 0; d < self.dim(); ++d) {
    TB_CHECK(d == dim || index.shape()[d] <= self.shape()[d], ValueError, op,
             ": index of shape ", shape_str(index.shape()), " is larger than self of shape ",
             shape_str(self.shape()), " at dimension ", d);
  }
}

// True when `shape` broadcasts to `target` (trailing alignment, sizes equal or 1).
inline bool broadcasts_to(const Shape& shape, const Shape& target) {
  if (shape.size() > target.size()) return false;
  for (std::size_t i = 1; i <= shape.size(); ++i) {
    const int64_t s = shape[shape.size() - i];
    if (s != 1 && s != target[target.size() - i]) return false;
  }
  return true;
}

// The broadcast of two shapes, or nothing when they do not broadcast.
inline std::optional<Shape> broadcast_pair(const Shape& a, const Shape& b) {
  const std::size_t n = a.size() > b.size() ? a.size() : b.size();
  Shape out(n);
  for (std::size_t i = 0; i < n; ++i) {
    const int64_t sa = i < n - a.size() ? 1 : a[i - (n - a.size())];
    const int64_t sb = i < n - b.size() ? 1 : b[i - (n - b.size())];
    if (sa != sb && sa != 1 && sb != 1) return std::nullopt;
    out[i] = sa == 1 ? sb : sa;
  }
  return out;
}

inline Shape broadcast_self_mask(const TensorBase& self, const TensorBase& mask, const char* op) {
  const std::optional<Shape> shape = broadcast_pair(self.shape(), mask.shape());
  TB_CHECK(shape.has_value(), ValueError, op, ": self of shape ", shape_str(self.shape()),
           " and mask of shape ", shape_str(mask.shape()), " cannot be broadcast together");
  return *shape;
}

inline void check_mask(const TensorBase& mask, const char* op) {
  TB_CHECK(mask.dtype() == DType::Bool, TypeError, op,
           ": expected a bool mask, but got a mask of dtype ", mask.dtype(), " (shape ",
           shape_str(mask.shape()), ")");
}

// Writes (or, with Add, accumulates) src into self at the positions index gives along
// `dim`, in row-major order of the index so that repeated indices resolve the same way
// every time (the last write wins). src is a tensor broadcast to index's shape, or null
// for `value`.
enum class ScatterMode { Assign, Add };

inline void scatter_kernel(const TensorBase& self, int64_t dim, const TensorBase& index,
                           const TensorBase& src, const Scalar& value, ScatterMode mode,
                           const char* op) {
  const bool add = mode == ScatterMode::Add;
  if (!self.device().is_cpu() || (src.defined() && !src.device().is_cpu())) {
    return ops::detail::device_scatter_(self, dim, index, src, value, add, op);
  }
  core::check_cpu(self, op);
  const TensorBase idx = checked_index(index, op);
  const int64_t size = dim_size(self, dim);
  const int64_t dim_bytes = dim_stride(self, dim) * static_cast<int64_t>(self.element_size());
  const std::vector<int64_t> self_bs = strides_without(self, dim);
  const std::vector<int64_t> idx_bs = idx.byte_strides();
  const std::vector<int64_t> src_bs =
      src.defined() ? src.byte_strides() : std::vector<int64_t>(idx.dim(), 0);
  visit_dtype(self.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T fill = value.to<T>();
    char* src_base = src.defined() ? static_cast<char*>(src.data_ptr())
                                   : reinterpret_cast<char*>(const_cast<T*>(&fill));
    kernels::cpu::ordered_loop<3>(
        idx.shape(),
        {static_cast<char*>(self.data_ptr()), static_cast<char*>(idx.data_ptr()), src_base},
        {self_bs.data(), idx_bs.data(), src_bs.data()},
        [&](std::array<char*, 3> p, std::array<int64_t, 3> s, int64_t n) {
          for (int64_t i = 0; i < n; ++i) {
            const int64_t j = *reinterpret_cast<const int64_t*>(p[1] + i * s[1]);
            check_in_range(j, size, dim, op);
            T* dst = reinterpret_cast<T*>(p[0] + i * s[0] + j * dim_bytes);
            const T v = *reinterpret_cast<const T*>(p[2] + i * s[2]);
            *dst = add ? add_values(*dst, v) : v;
          }
        });
  });
}

inline void check_scatter(const TensorBase& self, int64_t& dim, const TensorBase& index,
                          const TensorBase& src, const char* op) {
  dim = wrap_dim(dim, self.dim(), op);
  check_index_shape(self, dim, index, op);
  if (!src.defined()) return;
  TB_CHECK(src.dtype() == self.dtype(), TypeError, op,
           ": expected self and src to have the same dtype, but got ", self.dtype(), " and ",
           src.dtype());
  TB_CHECK(src.dim() == index.dim(), ValueError, op,
           ": index must have the same number of dimensions as src, but got index of shape ",
           shape_str(index.shape()), " and src of shape ", shape_str(src.shape()));
  for (int64_t d = 0; d < src.dim(); ++d) {
    TB_CHECK(index.shape()[d] <= src.shape()[d], ValueError, op, ": index of shape ",
             shape_str(index.shape()), " is larger than src of shape ", shape_str(src.shape()),
             " at dimension ", d);
  }
}

// src restricted to index's shape (a view), staged through a copy if it overlaps self.
inline TensorBase scatter_source(const TensorBase& self, const TensorBase& index,
                                 const TensorBase& src) {
  Strides strides = src.strides();
  TensorBase view = src.as_strided(index.shape(), strides, src.storage_offset());
  return core::may_overlap(self, view) ? view.clone() : view;
}

}  // namespace index_detail

// out[i][j] = self[index[i][j]][j] (dim 0) and likewise for other dims; out has index's
// shape. Negative indices are out of range, as in PyTorch.
inline TensorBase gather(const TensorBase& self, int64_t dim, const TensorBase& index) {
  using namespace index_detail;
  const char* op = "gather";
  dim = wrap_dim(dim, self.dim(), op);
  check_index_shape(self, dim, index, op);
  if (!self.device().is_cpu()) return ops::detail::device_gather(self, dim, index, op);
  core::check_cpu(self, op);
  const TensorBase idx = checked_index(index, op);
  TensorBase out = core::new_cpu_tensor(idx.shape(), self.dtype(), op);
  const int64_t size = dim_size(self, dim);
  const int64_t dim_bytes = dim_stride(self, dim) * static_cast<int64_t>(self.element_size());
  const std::vector<int64_t> out_bs = out.byte_strides();
  const std::vector<int64_t> idx_bs = idx.byte_strides();
  const std::vector<int64_t> self_bs = strides_without(self, dim);
  visit_itemsize(self.element_size(), [&](auto tag) {
    using U = typename decltype(tag)::type;
    strided_loop<3>(idx.shape(),
                    {static_cast<char*>(out.data_ptr()), static_cast<char*>(idx.data_ptr()),
                     static_cast<char*>(self.data_ptr())},
                    {out_bs.data(), idx_bs.data(), self_bs.data()},
                    [&](std::array<char*, 3> p, std::array<int64_t, 3> s, int64_t n) {
                      for (int64_t i = 0; i < n; ++i) {
                        const int64_t j = *reinterpret_cast<const int64_t*>(p[1] + i * s[1]);
                        check_in_range(j, size, dim, op);
                        std::memcpy(p[0] + i * s[0], p[2] + i * s[2] + j * dim_bytes, sizeof(U));
                      }
                    });
  });
  return out;
}

// self[index[i][j]][j] = src[i][j] (dim 0); repeated indices: the last in row-major order wins.
inline const TensorBase& scatter_(const TensorBase& self, int64_t dim, const TensorBase& index,
                                  const TensorBase& src) {
  using namespace index_detail;
  self.check_writable("scatter_");
  check_scatter(self, dim, index, src, "scatter_");
  scatter_kernel(self, dim, index, scatter_source(self, index, src), Scalar(), ScatterMode::Assign,
                 "scatter_");
  self.bump_version();
  return self;
}
inline const TensorBase& scatter_(const TensorBase& self, int64_t dim, const TensorBase& index,
                                  const Scalar& value) {
  using namespace index_detail;
  self.check_writable("scatter_");
  check_scatter(self, dim, index, TensorBase(), "scatter_");
  scatter_kernel(self, dim, index, TensorBase(), value, ScatterMode::Assign, "scatter_");
  self.bump_version();
  return self;
}
// self[index[i][j]][j] += src[i][j] (dim 0); repeated indices all add.
inline const TensorBase& scatter_add_(const TensorBase& self, int64_t dim,
                                      const TensorBase& index, const TensorBase& src) {
  using namespace index_detail;
  self.check_writable("scatter_add_");
  check_scatter(self, dim, index, src, "scatter_add_");
  scatter_kernel(self, dim, index, scatter_source(self, index, src), Scalar(), ScatterMode::Add,
                 "scatter_add_");
  self.bump_version();
  return self;
}
inline TensorBase scatter(const TensorBase& self, int64_t dim, const TensorBase& index,
                          const TensorBase& src) {
  TensorBase out = self.clone();
  scatter_(out, dim, index, src);
  return out;
}
inline TensorBase scatter(const TensorBase& self, int64_t dim, const TensorBase& index,
                          const Scalar& value) {
  TensorBase out = self.clone();
  scatter_(out, dim, index, value);
  return out;
}
inline TensorBase scatter_add(const TensorBase& self, int64_t dim, const TensorBase& index,
                              const TensorBase& src) {
  TensorBase out = self.clone();
  scatter_add_(out, dim, index, src);
  return out;
}

// The slices of self along `dim` picked by a 0-d or 1-D index, in index order.
inline TensorBase index_select(const TensorBase& self, int64_t dim, const TensorBase& index) {
  using namespace index_detail;
  const char* op = "index_select";
  dim = wrap_dim(dim, self.dim(), op);
  TB_CHECK(index.dim() <= 1, ValueError, op, ": index must be 0-D or 1-D, but got shape ",
           shape_str(index.shape()));
  if (!self.device().is_cpu()) return ops::detail::device_index_select(self, dim, index, op);
  core::check_cpu(self, op);
  const TensorBase idx = checked_index(index, op).reshape({-1});
  const int64_t n = idx.numel();
  TB_CHECK(self.dim() > 0 || n == 1, ValueError, op,
           ": a 0-d tensor can be indexed by exactly one index, but got ", n);
  const int64_t size = dim_size(self, dim);
  Shape out_shape = self.shape();
  if (self.dim() > 0) out_shape[dim] = n;
  TensorBase out = core::new_cpu_tensor(out_shape, self.dtype(), op);
  // One strided copy per selected slice: the slice shape is self's without `dim`.
  Shape slice_shape = self.shape();
  std::vector<int64_t> src_bs = self.byte_strides(), out_bs = out.byte_strides();
  if (self.dim() > 0) {
    slice_shape.erase(slice_shape.begin() + dim);
    src_bs.erase(src_bs.begin() + dim);
    out_bs.erase(out_bs.begin() + dim);
  }
  const int64_t src_step = dim_stride(self, dim) * static_cast<int64_t>(self.element_size());
  const int64_t out_step = dim_stride(out, dim) * static_cast<int64_t>(out.element_size());
  const auto* indices = static_cast<const int64_t*>(idx.data_ptr());
  const int64_t idx_stride = idx.dim() > 0 ? idx.strides()[0] : 0;
  visit_itemsize(self.element_size(), [&](auto tag) {
    using U = typename decltype(tag)::type;
    for (int64_t j = 0; j < n; ++j) {
      const int64_t k = indices[j * idx_stride];
      check_in_range(k, size, dim, op);
      strided_loop<2>(slice_shape,
                      {static_cast<char*>(out.data_ptr()) + j * out_step,
                       static_cast<char*>(self.data_ptr()) + k * src_step},
                      {out_bs.data(), src_bs.data()},
                      [](std::array<char*, 2> p, std::array<int64_t, 2> s, int64_t count) {
                        for (int64_t i = 0; i < count; ++i) {
                          std::memcpy(p[0] + i * s[0], p[1] + i * s[1], sizeof(U));
                        }
                      });
    }
  });
  return out;
}

// self.select(dim, index[j]) += alpha * source.select(dim, j) for every j, in order.
inline const TensorBase& index_add_(const TensorBase& self, int64_t dim, const TensorBase& index,
                                    const TensorBase& source, const Scalar& alpha = 1) {
  using namespace index_detail;
  const char* op = "index_add_";
  self.check_writable(op);
  dim = wrap_dim(dim, self.dim(), op);
  TB_CHECK(index.dim() <= 1, ValueError, op, ": index must be 0-D or 1-D, but got shape ",
           shape_str(index.shape()));
  TB_CHECK(source.dtype() == self.dtype(), TypeError, op,
           ": expected self and source to have the same dtype, but got ", self.dtype(), " and ",
           source.dtype());
  const bool device = !self.device().is_cpu() || !source.device().is_cpu();
  const TensorBase idx = device ? index : checked_index(index, op).reshape({-1});
  const int64_t n = idx.numel();
  bool shapes_ok = source.dim() == self.dim() && dim_size(source, dim) == n;
  for (int64_t d = 0; shapes_ok && d < self.dim(); ++d) {
    shapes_ok = d == dim || source.shape()[d] == self.shape()[d];
  }
  TB_CHECK(shapes_ok, ValueError, op, ": source of shape ", shape_str(source.shape()),
           " does not match self of shape ", shape_str(self.shape()), " with ", n,
           " indices along dimension ", dim);
  if (device) {
    ops::detail::device_index_add_(self, dim, index, source, alpha, op);
    self.bump_version();
    return self;
  }
  core::check_cpu(self, op);
  core::check_cpu(source, op);
  const TensorBase src = core::may_overlap(self, source) ? source.clone() : source;
  const int64_t size = dim_size(self, dim);
  Shape slice_shape = self.shape();
  std::vector<int64_t> self_bs = self.byte_strides(), src_bs = src.byte_strides();
  if (self.dim() > 0) {
    slice_shape.erase(slice_shape.begin() + dim);
    self_bs.erase(self_bs.begin() + dim);
    src_bs.erase(src_bs.begin() + dim);
  }
  const int64_t self_step = dim_stride(self, dim) * static_cast<int64_t>(self.element_size());
  const int64_t src_step = dim_stride(src, dim) * static_cast<int64_t>(src.element_size());
  const auto* indices = static_cast<const int64_t*>(idx.data_ptr());
  const int64_t idx_stride = idx.dim() > 0 ? idx.strides()[0] : 0;
  for (int64_t j = 0; j < n; ++j) check_in_range(indices[j * idx_stride], size, dim, op);
  visit_dtype(self.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T a = alpha.to<T>();
    for (int64_t j = 0; j < n; ++j) {
      strided_loop<2>(slice_shape,
                      {static_cast<char*>(self.data_ptr()) + indices[j * idx_stride] * self_step,
                       static_cast<char*>(src.data_ptr()) + j * src_step},
                      {self_bs.data(), src_bs.data()},
                      [a](std::array<char*, 2> p, std::array<int64_t, 2> s, int64_t count) {
                        for (int64_t i = 0; i < count; ++i) {
                          T& dst = *reinterpret_cast<T*>(p[0] + i * s[0]);
                          const T v = *reinterpret_cast<const T*>(p[1] + i * s[1]);
                          dst = add_values(dst, mul_values(a, v));
                        }
                      });
    }
  });
  self.bump_version();
  return self;
}
inline TensorBase index_add(const TensorBase& self, int64_t dim, const TensorBase& index,
                            const TensorBase& source, const Scalar& alpha = 1) {
  TensorBase out = self.clone();
  index_add_(out, dim, index, source, alpha);
  return out;
}

// Sets the elements where the (broadcast) mask is true.
inline const TensorBase& masked_fill_(const TensorBase& self, const TensorBase& mask,
                                      const Scalar& value) {
  using namespace index_detail;
  const char* op = "masked_fill_";
  self.check_writable(op);
  check_mask(mask, op);
  TB_CHECK(broadcasts_to(mask.shape(), self.shape()), ValueError, op, ": mask of shape ",
           shape_str(mask.shape()), " cannot be broadcast to the tensor's shape ",
           shape_str(self.shape()));
  if (!self.device().is_cpu() || !mask.device().is_cpu()) {
    ops::detail::device_masked_fill_(self, mask, value, op);
    self.bump_version();
    return self;
  }
  core::check_cpu(self, op);
  core::check_cpu(mask, op);
  const TensorBase m = mask.expand(self.shape());
  const std::vector<int64_t> self_bs = self.byte_strides(), mask_bs = m.byte_strides();
  visit_dtype(self.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    strided_loop<2>(self.shape(),
                    {static_cast<char*>(self.data_ptr()), static_cast<char*>(m.data_ptr())},
                    {self_bs.data(), mask_bs.data()},
                    kernels::cpu::MaskedFillRow<T>{value.to<T>()});
  });
  self.bump_version();
  return self;
}
// Out of place, self and mask broadcast against each other.
inline TensorBase masked_fill(const TensorBase& self, const TensorBase& mask,
                              const Scalar& value) {
  using namespace index_detail;
  check_mask(mask, "masked_fill");
  const Shape shape = broadcast_self_mask(self, mask, "masked_fill");
  TensorBase out = self.expand(shape).clone();
  masked_fill_(out, mask, value);
  return out;
}

inline TensorBase index(const TensorBase& self,
                        const std::vector<std::optional<TensorBase>>& indices);

// The elements of self where the mask is true, as a 1-D tensor in row-major order; self
// and mask broadcast against each other.
inline TensorBase masked_select(const TensorBase& self, const TensorBase& mask) {
  using namespace index_detail;
  const char* op = "masked_select";
  check_mask(mask, op);
  const Shape shape = broadcast_self_mask(self, mask, op);
  if (!self.device().is_cpu() || !mask.device().is_cpu()) {
    ops::detail::common_device(op, {&self, &mask});
    return index(self.expand(shape), {mask.expand(shape)});
  }
  core::check_cpu(self, op);
  core::check_cpu(mask, op);
  const TensorBase s = self.expand(shape);
  const TensorBase m = mask.expand(shape);
  const std::vector<int64_t> s_bs = s.byte_strides(), m_bs = m.byte_strides();
  int64_t count = 0;
  strided_loop<1>(shape, {static_cast<char*>(m.data_ptr())}, {m_bs.data()},
                  [&count](std::array<char*, 1> p, std::array<int64_t, 1> st, int64_t n) {
                    for (int64_t i = 0; i < n; ++i) {
                      count += *reinterpret_cast<const bool*>(p[0] + i * st[0]);
                    }
                  });
  TensorBase out = core::new_cpu_tensor({count}, self.dtype(), op);
  char* dst = static_cast<char*>(out.data_ptr());
  visit_itemsize(self.element_size(), [&](auto tag) {
    using U = typename decltype(tag)::type;
    kernels::cpu::ordered_loop<2>(
        shape, {static_cast<char*>(s.data_ptr()), static_cast<char*>(m.data_ptr())},
        {s_bs.data(), m_bs.data()},
        [&dst](std::array<char*, 2> p, std::array<int64_t, 2> st, int64_t n) {
          for (int64_t i = 0; i < n; ++i) {
            if (*reinterpret_cast<const bool*>(p[1] + i * st[1])) {
              std::memcpy(dst, p[0] + i * st[0], sizeof(U));
              dst += sizeof(U);
            }
          }
        });
  });
  return out;
}

// int64 [count, ndim]: the coordinates of the nonzero elements in row-major order.
inline TensorBase nonzero(const TensorBase& self) {
  using namespace index_detail;
  const char* op = "nonzero";
  // On a device: counted on the host (the result's size must be known there anyway).
  if (!self.device().is_cpu()) return nonzero(self.cpu()).to(self.device());
  core::check_cpu(self, op);
  const TensorBase flags = self.to(DType::Bool);  // contiguous, true where nonzero
  const auto* f = static_cast<const bool*>(flags.data_ptr());
  const int64_t numel = flags.numel();
  int64_t count = 0;
  for (int64_t i = 0; i < numel; ++i) count += f[i];
  const int64_t nd = self.dim();
  TensorBase out = core::new_cpu_tensor({count, nd}, DType::Int64, op);
  auto* o = static_cast<int64_t*>(out.data_ptr());
  std::vector<int64_t> coord(static_cast<std::size_t>(nd), 0);
  for (int64_t i = 0; i < numel; ++i) {
    if (f[i]) {
      for (int64_t d = 0; d < nd; ++d) *o++ = coord[d];
    }
    for (int64_t d = nd - 1; d >= 0; --d) {  // row-major odometer
      if (++coord[d] < self.shape()[d]) break;
      coord[d] = 0;
    }
  }
  return out;
}
// nonzero(as_tuple=True): one 1-D int64 tensor per dimension (a 0-d input counts as 1-D).
inline std::vector<TensorBase> nonzero_tuple(const TensorBase& self) {
  const TensorBase nz = nonzero(self.dim() == 0 ? self.reshape({1}) : self);
  std::vector<TensorBase> out;
  for (int64_t d = 0; d < nz.shape()[1]; ++d) out.push_back(nz.select(1, d).contiguous());
  return out;
}

namespace index_detail {

// NumPy advanced indexing reduced to one gather: `src` is self (permuted when the indexed
// dimensions are not adjacent, so that they come first, which is where NumPy puts the
// result's index dimensions), the indexed dimensions are [first, first + count) of src,
// and offsets[b] is the element offset into src of index tuple b.
struct AdvancedIndex {
  TensorBase src;
  int64_t first = 0;
  int64_t count = 0;
  Shape index_shape;
  TensorBase offsets;  // int64, contiguous, index_shape
  Shape result_shape;

  // A view of src shaped like the result: stride 0 over the index dimensions.
  std::vector<int64_t> src_byte_strides() const {
    std::vector<int64_t> bs;
    const auto item = static_cast<int64_t>(src.element_size());
    for (int64_t d = 0; d < first; ++d) bs.push_back(src.strides()[d] * item);
    bs.insert(bs.end(), index_shape.size(), 0);
    for (int64_t d = first + count; d < src.dim(); ++d) bs.push_back(src.strides()[d] * item);
    return bs;
  }
  // offsets seen with the result's shape: stride 0 outside the index dimensions.
  std::vector<int64_t> offset_byte_strides() const {
    std::vector<int64_t> bs(static_cast<std::size_t>(first), 0);
    for (int64_t s : offsets.strides()) bs.push_back(s * int64_t(sizeof(int64_t)));
    bs.insert(bs.end(), static_cast<std::size_t>(src.dim() - first - count), 0);
    return bs;
  }
};

// t seen with `shape` and byte strides `bs` (a view, for the device kernels).
inline TensorBase byte_strided_view(const TensorBase& t, const Shape& shape,
                                    const std::vector<int64_t>& bs) {
  Strides strides;
  for (int64_t b : bs) strides.push_back(b / static_cast<int64_t>(t.element_size()));
  return t.as_strided(shape, strides, t.storage_offset());
}

inline AdvancedIndex make_advanced_index(const TensorBase& self,
                                         const std::vector<std::optional<TensorBase>>& indices,
                                         const char* op) {
  const Device device = self.device();
  // Bool masks become one int64 index per masked dimension (their nonzero coordinates).
  std::vector<std::optional<TensorBase>> expanded;
  std::vector<int64_t> original_dim;  // for messages: which self dimension each entry indexes
  int64_t pos = 0;
  for (std::size_t i = 0; i < indices.size(); ++i) {
    TB_CHECK(pos < self.dim(), IndexError, op, ": too many indices for tensor of dimension ",
             self.dim(), " (shape ", shape_str(self.shape()), ")");
    if (!indices[i] || !indices[i]->defined()) {
      expanded.emplace_back();
      original_dim.push_back(pos++);
      continue;
    }
    // A CPU index of a device tensor moves there (as in PyTorch); not the other way.
    if (device.is_cpu()) core::check_cpu(*indices[i], op);
    const TensorBase t = indices[i]->to(device);
    if (t.dtype() == DType::Bool || t.dtype() == DType::UInt8) {
      TB_CHECK(t.dim() > 0, IndexError, op,
               ": 0-d bool indices are not supported here (index with unsqueeze instead)");
      bool fits = pos + t.dim() <= self.dim();
      for (int64_t d = 0; fits && d < t.dim(); ++d) fits = t.shape()[d] == self.shape()[pos + d];
      TB_CHECK(fits, IndexError, op, ": the shape of the mask ", shape_str(t.shape()),
               " at index ", i, " does not match the shape of the indexed tensor ",
               shape_str(self.shape()), " at index ", pos);
      const TensorBase nz = nonzero(t.dtype() == DType::Bool ? t : t.to(DType::Bool));
      for (int64_t d = 0; d < t.dim(); ++d) {
        expanded.emplace_back(nz.select(1, d));
        original_dim.push_back(pos++);
      }
      continue;
    }
    TB_CHECK(t.dtype() == DType::Int64 || t.dtype() == DType::Int32, TypeError, op,
             ": tensors used as indices must be int64, int32, bool or uint8 tensors, but got ",
             t.dtype(), " (shape ", shape_str(t.shape()), ")");
    expanded.emplace_back(t.dtype() == DType::Int64 ? t : t.to(DType::Int64));
    original_dim.push_back(pos++);
  }
  while (static_cast<int64_t>(expanded.size()) < self.dim()) {
    expanded.emplace_back();
    original_dim.push_back(pos++);
  }

  std::vector<int64_t> indexed;
  for (std::size_t d = 0; d < expanded.size(); ++d) {
    if (expanded[d]) indexed.push_back(static_cast<int64_t>(d));
  }
  AdvancedIndex ai;
  ai.count = static_cast<int64_t>(indexed.size());
  if (indexed.empty()) {  // nothing to gather: the whole tensor
    ai.src = self;
    ai.first = 0;
    ai.offsets = ::tensorbridge::zeros({}, DType::Int64, device);
    ai.result_shape = self.shape();
    return ai;
  }
  ai.index_shape = expanded[indexed[0]]->shape();
  for (std::size_t i = 1; i < indexed.size(); ++i) {
    const Shape& s = expanded[indexed[i]]->shape();
    const std::optional<Shape> b = broadcast_pair(ai.index_shape, s);
    TB_CHECK(b.has_value(), IndexError, op,
             ": shape mismatch: indexing tensors could not be broadcast together with shapes ",
             shape_str(ai.index_shape), " and ", shape_str(s));
    ai.index_shape = *b;
  }
  const bool adjacent = indexed.back() - indexed.front() + 1 == ai.count;
  if (adjacent) {
    ai.src = self;
    ai.first = indexed.front();
  } else {
    std::vector<int64_t> order = indexed;
    for (int64_t d = 0; d < self.dim(); ++d) {
      if (!expanded[d]) order.push_back(d);
    }
    ai.src = self.permute(order);
    ai.first = 0;
  }
  ai.offsets = ::tensorbridge::zeros(ai.index_shape, DType::Int64, device);
  const std::vector<int64_t> off_bs = ai.offsets.byte_strides();
  for (int64_t i = 0; i < ai.count; ++i) {
    const int64_t d = ai.first + i;
    const int64_t size = ai.src.shape()[d], stride = ai.src.strides()[d];
    const int64_t reported_dim = original_dim[indexed[i]];
    const TensorBase idx = expanded[indexed[i]]->expand(ai.index_shape);
    if (!device.is_cpu()) {  // checked on the device, wrapped, scaled and summed there
      ops::detail::require_kernel(ops::detail::require_kernels(op, device).check_indices, op,
                                  device)(op, idx, size, reported_dim, true);
      const TensorBase wrapped = ops::where(ops::lt(idx, 0), ops::add(idx, size), idx);
      ops::add_(ai.offsets, ops::mul(wrapped, stride));
      continue;
    }
    const std::vector<int64_t> idx_bs = idx.byte_strides();
    strided_loop<2>(ai.index_shape,
                    {static_cast<char*>(ai.offsets.data_ptr()), static_cast<char*>(idx.data_ptr())},
                    {off_bs.data(), idx_bs.data()},
                    [&](std::array<char*, 2> p, std::array<int64_t, 2> s, int64_t n) {
                      for (int64_t k = 0; k < n; ++k) {
                        int64_t v = *reinterpret_cast<const int64_t*>(p[1] + k * s[1]);
                        TB_CHECK(v >= -size && v < size, IndexError, op, ": index ", v,
                                 " is out of bounds for dimension ", reported_dim, " with size ",
                                 size);
                        if (v < 0) v += size;
                        *reinterpret_cast<int64_t*>(p[0] + k * s[0]) += v * stride;
                      }
                    });
  }
  ai.result_shape.assign(ai.src.shape().begin(), ai.src.shape().begin() + ai.first);
  ai.result_shape.insert(ai.result_shape.end(), ai.index_shape.begin(), ai.index_shape.end());
  ai.result_shape.insert(ai.result_shape.end(), ai.src.shape().begin() + ai.first + ai.count,
                         ai.src.shape().end());
  return ai;
}

}  // namespace index_detail

// self[indices] with NumPy semantics for tensor indices (a null entry is ':'): int arrays
// broadcast together, bool masks select their nonzero coordinates, and the broadcast index
// shape replaces the indexed dimensions in place when they are adjacent, else goes first.
// Always a copy.
inline TensorBase index(const TensorBase& self,
                        const std::vector<std::optional<TensorBase>>& indices) {
  using namespace index_detail;
  const char* op = "index";
  const AdvancedIndex ai = make_advanced_index(self, indices, op);
  const Device device = self.device();
  if (!device.is_cpu()) {
    TensorBase out = core::new_tensor(ai.result_shape, self.dtype(), device, op);
    ops::detail::require_kernel(ops::detail::require_kernels(op, device).take, op, device)(
        op, out, byte_strided_view(ai.src, ai.result_shape, ai.src_byte_strides()),
        byte_strided_view(ai.offsets, ai.result_shape, ai.offset_byte_strides()));
    return out;
  }
  TensorBase out = core::new_cpu_tensor(ai.result_shape, self.dtype(), op);
  const std::vector<int64_t> out_bs = out.byte_strides();
  const std::vector<int64_t> src_bs = ai.src_byte_strides();
  const std::vector<int64_t> off_bs = ai.offset_byte_strides();
  const auto item = static_cast<int64_t>(self.element_size());
  visit_itemsize(self.element_size(), [&](auto tag) {
    using U = typename decltype(tag)::type;
    strided_loop<3>(ai.result_shape,
                    {static_cast<char*>(out.data_ptr()), static_cast<char*>(ai.src.data_ptr()),
                     static_cast<char*>(ai.offsets.data_ptr())},
                    {out_bs.data(), src_bs.data(), off_bs.data()},
                    [item](std::array<char*, 3> p, std::array<int64_t, 3> s, int64_t n) {
                      for (int64_t i = 0; i < n; ++i) {
                        const int64_t off = *reinterpret_cast<const int64_t*>(p[2] + i * s[2]);
                        std::memcpy(p[0] + i * s[0], p[1] + i * s[1] + off * item, sizeof(U));
                      }
                    });
  });
  return out;
}

// self[indices] = values (or += with accumulate, where repeated indices all add). values
// broadcast to the shape self[indices] has; without accumulate, the last of repeated
// indices in row-major order wins.
inline const TensorBase& index_put_(const TensorBase& self,
                                    const std::vector<std::optional<TensorBase>>& indices,
                                    const TensorBase& values, bool accumulate = false) {
  using namespace index_detail;
  const char* op = "index_put_";
  self.check_writable(op);
  if (self.device().is_cpu()) core::check_cpu(values, op);
  ops::detail::common_device(op, {&self, &values});
  TB_CHECK(values.dtype() == self.dtype(), TypeError, op,
           ": expected values to have the dtype of self, but got ", values.dtype(), " and ",
           self.dtype());
  const AdvancedIndex ai = make_advanced_index(self, indices, op);
  TB_CHECK(broadcasts_to(values.shape(), ai.result_shape), ValueError, op,
           ": values of shape ", shape_str(values.shape()),
           " cannot be broadcast to the indexed shape ", shape_str(ai.result_shape));
  TensorBase v = values.expand(ai.result_shape);
  if (core::may_overlap(self, v)) v = v.clone();
  if (!self.device().is_cpu() && accumulate && !ops::detail::has_atomic_add(self.dtype())) {
    ops::detail::accumulate_widened(self, v, [&](const TensorBase& wide, const TensorBase& wide_v) {
      index_put_(wide, indices, wide_v, true);
    });
    self.bump_version();
    return self;
  }
  if (!self.device().is_cpu()) {
    const Device device = self.device();
    ops::detail::require_kernel(ops::detail::require_kernels(op, device).put, op, device)(
        op, accumulate, byte_strided_view(ai.src, ai.result_shape, ai.src_byte_strides()), v,
        byte_strided_view(ai.offsets, ai.result_shape, ai.offset_byte_strides()));
    self.bump_version();
    return self;
  }
  const std::vector<int64_t> dst_bs = ai.src_byte_strides();
  const std::vector<int64_t> v_bs = v.byte_strides();
  const std::vector<int64_t> off_bs = ai.offset_byte_strides();
  visit_dtype(self.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    kernels::cpu::ordered_loop<3>(
        ai.result_shape,
        {static_cast<char*>(ai.src.data_ptr()), static_cast<char*>(v.data_ptr()),
         static_cast<char*>(ai.offsets.data_ptr())},
        {dst_bs.data(), v_bs.data(), off_bs.data()},
        [accumulate](std::array<char*, 3> p, std::array<int64_t, 3> s, int64_t n) {
          for (int64_t i = 0; i < n; ++i) {
            const int64_t off = *reinterpret_cast<const int64_t*>(p[2] + i * s[2]);
            T& dst = reinterpret_cast<T*>(p[0] + i * s[0])[off];
            const T x = *reinterpret_cast<const T*>(p[1] + i * s[1]);
            dst = accumulate ? add_values(dst, x) : x;
          }
        });
  });
  self.bump_version();
  return self;
}
inline TensorBase index_put(const TensorBase& self,
                            const std::vector<std::optional<TensorBase>>& indices,
                            const TensorBase& values, bool accumulate = false) {
  TensorBase out = self.clone();
  index_put_(out, indices, values, accumulate);
  return out;
}

}  // namespace ops
}  // namespace tensorbridge
