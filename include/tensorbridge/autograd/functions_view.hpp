#pragma once
// Differentiable views and copies, and the hooks through which core reports them.
//
// Core's views (slice, select, transpose, permute, view/reshape, expand, squeeze,
// unsqueeze, flip, diagonal, narrow, as_strided, ...) all end in TensorBase::make_view, and
// its copies (clone, contiguous, to) and fills (copy_, fill_) in copy.hpp; each calls a hook
// when its input carries autograd metadata. So every view is recorded by one node that
// knows only geometry: where the input and the output sit in the memory they share. Its
// backward scatters the output's gradient into a buffer laid out like that memory (adding
// where the view repeats elements, as expand does) and reads the input's gradient back out.
// That one formula covers every view, present and future, and needs no per-view code.
//
// Both directions are differentiable ops of their own (view_backward and its adjoint
// view_apply), so gradients of gradients flow through views too.
#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <numeric>
#include <utility>
#include <vector>

#include "tensorbridge/autograd/meta.hpp"
#include "tensorbridge/core/copy.hpp"
#include "tensorbridge/core/factory.hpp"
#include "tensorbridge/core/strided_loop.hpp"
#include "tensorbridge/core/tensor_base.hpp"
#include "tensorbridge/ops/reduce.hpp"  // sum_to on a device

namespace tensorbridge::autograd {

namespace detail {

// Calls fn(TypeTag<T>{}) for the dtypes gradients can have; throws TypeError otherwise.
template <typename Fn>
decltype(auto) visit_grad_dtype(DType d, const char* op, Fn&& fn) {
  switch (d) {
    case DType::Float16: return fn(TypeTag<half>{});
    case DType::BFloat16: return fn(TypeTag<bfloat16>{});
    case DType::Float32: return fn(TypeTag<float>{});
    case DType::Float64: return fn(TypeTag<double>{});
    case DType::Complex64: return fn(TypeTag<complex64>{});
    case DType::Complex128: return fn(TypeTag<complex128>{});
    default: break;
  }
  TB_THROW(TypeError, op, ": gradients need a floating point or complex dtype, got ", d);
}

// dst[i] += src[i] in one serial pass, so a `dst` whose elements repeat in memory (stride 0)
// receives the sum of every src element mapped onto it.
inline void accumulate_into(const TensorBase& dst, const TensorBase& src) {
  visit_grad_dtype(dst.dtype(), "accumulate", [&](auto tag) {
    using T = typename decltype(tag)::type;
    const auto ds = dst.byte_strides();
    const auto ss = src.byte_strides();
    strided_loop<2>(dst.shape(),
                    {static_cast<char*>(dst.data_ptr()), static_cast<char*>(src.data_ptr())},
                    {ds.data(), ss.data()},
                    [](std::array<char*, 2> p, std::array<int64_t, 2> s, int64_t n) {
                      for (int64_t i = 0; i < n; ++i) {
                        *reinterpret_cast<T*>(p[0] + i * s[0]) +=
                            *reinterpret_cast<const T*>(p[1] + i * s[1]);
                      }
                    });
  });
}

// accumulate_into for a `dst` that repeats (stride 0) along the dimensions `src` is summed
// over, as sum_to makes it. accumulate_into's loop follows dst's strides, which puts the
// summed dimensions innermost: each step then reads src across rows and adds into one
// element through memory, a chain of dependent loads and stores (a bias gradient of 64 x 128
// took ~15 us). A contiguous src is walked in its own memory order instead, so the inner
// loop runs along a row of both operands and vectorizes; every dst element still receives
// its terms in the same order, so the sums are the same to the bit.
inline void sum_into(const TensorBase& dst, const TensorBase& src) {
  if (!src.is_contiguous()) return accumulate_into(dst, src);
  visit_grad_dtype(dst.dtype(), "sum_to", [&](auto tag) {
    using T = typename decltype(tag)::type;
    const auto ds = dst.byte_strides();
    const auto ss = src.byte_strides();
    strided_loop<2>(src.shape(),
                    {static_cast<char*>(src.data_ptr()), static_cast<char*>(dst.data_ptr())},
                    {ss.data(), ds.data()},
                    [](std::array<char*, 2> p, std::array<int64_t, 2> s, int64_t n) {
                      const auto* from = reinterpret_cast<const T*>(p[0]);
                      auto* to = reinterpret_cast<T*>(p[1]);
                      if (s[1] == sizeof(T)) {  // along a row of both (src is contiguous)
                        for (int64_t i = 0; i < n; ++i) to[i] += from[i];
                      } else if (s[1] == 0) {  // a row summed into one element
                        T sum = *to;
                        for (int64_t i = 0; i < n; ++i) sum += from[i];
                        *to = sum;
                      } else {
                        for (int64_t i = 0; i < n; ++i) {
                          *reinterpret_cast<T*>(p[1] + i * s[1]) += from[i];
                        }
                      }
                    });
  });
}

// True when the elements of (shape, strides) sit at distinct places in memory. Sorted by
// stride, each dimension must step over everything the inner ones span; this is
// sufficient, and exact for every layout views produce.
inline bool is_non_overlapping(const Shape& shape, const Strides& strides) {
  std::array<std::pair<int64_t, int64_t>, kMaxDims> dims{};  // (|stride|, size)
  int n = 0;
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == 0) return true;
    if (shape[i] != 1) dims[n++] = {std::llabs(strides[i]), shape[i]};
  }
  std::sort(dims.begin(), dims.begin() + n);
  int64_t span = 0;  // elements covered by the inner dimensions, minus one
  for (int i = 0; i < n; ++i) {
    if (dims[i].first <= span) return false;
    span += dims[i].first * (dims[i].second - 1);
  }
  return true;
}

// Where a view and its input sit in the memory they share, relative to a buffer that spans
// both (so the buffer is as small as the two allow).
struct ViewGeometry {
  Shape in_shape;
  Strides in_strides;
  int64_t in_offset = 0;
  Shape out_shape;
  Strides out_strides;
  int64_t out_offset = 0;
  int64_t extent = 0;  // buffer elements
  DType dtype = DType::Float32;
  bool reshape_only = false;   // both contiguous at the same place: a reshape of the gradient
  bool in_is_buffer = false;   // the input is the whole buffer, contiguous: no gather needed
  bool out_covers = false;     // the view is the whole buffer without repeats: no zero fill
  bool in_overlaps = false;    // the input repeats memory itself (e.g. a view of an expand)

  ViewGeometry(const TensorBase& in, const TensorBase& out)
      : in_shape(in.shape()), in_strides(in.strides()), out_shape(out.shape()),
        out_strides(out.strides()), dtype(in.dtype()) {
    const ElementExtent ei = element_extent(in_shape, in_strides);
    const ElementExtent eo = element_extent(out_shape, out_strides);
    int64_t lo = in.storage_offset() + ei.lo;
    int64_t hi = in.storage_offset() + ei.hi;
    if (!eo.empty) {
      lo = std::min(lo, out.storage_offset() + eo.lo);
      hi = std::max(hi, out.storage_offset() + eo.hi);
    }
    in_offset = in.storage_offset() - lo;
    out_offset = out.storage_offset() - lo;
    extent = ei.empty && eo.empty ? 0 : hi - lo + 1;
    const int64_t in_numel = checked_numel(in_shape);
    const int64_t out_numel = checked_numel(out_shape);
    const bool in_contiguous = is_contiguous_layout(in_shape, in_strides);
    reshape_only = in_contiguous && is_contiguous_layout(out_shape, out_strides) &&
                   in.storage_offset() == out.storage_offset() && in_numel == out_numel;
    in_is_buffer = in_contiguous && in_offset == 0 && in_numel == extent;
    in_overlaps = !is_non_overlapping(in_shape, in_strides);
    out_covers = out_numel == extent && is_non_overlapping(out_shape, out_strides);
  }
};

inline TensorBase raw_view_backward(const TensorBase& grad, const ViewGeometry& g);
inline TensorBase raw_view_apply(const TensorBase& grad_in, const ViewGeometry& g);

// Both directions on a device: one strided device copy through a buffer when neither side
// repeats elements in memory (slices, selects, transposes, permutes, flips); geometries
// that do (expand, overlapping as_strided) sum repeated elements in host loops, so they go
// through the host.
inline TensorBase device_view_transfer(const TensorBase& grad, const ViewGeometry& g,
                                       bool backward) {
  const Device device = grad.device();
  const TensorBase source = grad.detach();
  if (!is_non_overlapping(g.out_shape, g.out_strides) || g.in_overlaps) {
    const TensorBase host = source.cpu();
    return (backward ? raw_view_backward(host, g) : raw_view_apply(host, g)).to(device);
  }
  const bool covered = backward ? g.out_covers : g.in_is_buffer;
  TensorBase buffer =
      covered ? empty({g.extent}, g.dtype, device) : zeros({g.extent}, g.dtype, device);
  const TensorBase in = buffer.as_strided(g.in_shape, g.in_strides, g.in_offset);
  const TensorBase out = buffer.as_strided(g.out_shape, g.out_strides, g.out_offset);
  ::tensorbridge::detail::device_copy_(backward ? out : in, source, false);
  if (backward && g.in_is_buffer) return buffer.view(g.in_shape);
  return (backward ? in : out).clone();
}

// The input's gradient from the view's gradient (no recording).
inline TensorBase raw_view_backward(const TensorBase& grad, const ViewGeometry& g) {
  if (!grad.device().is_cpu()) return device_view_transfer(grad, g, true);
  TensorBase buffer = g.out_covers ? empty({g.extent}, g.dtype) : zeros({g.extent}, g.dtype);
  const TensorBase into = buffer.as_strided(g.out_shape, g.out_strides, g.out_offset);
  const TensorBase source = grad.dtype() == g.dtype ? grad : grad.to(g.dtype);
  if (g.out_covers) {
    ::tensorbridge::detail::copy_same_shape(into, source);
  } else {
    accumulate_into(into, source);
  }
  if (g.in_is_buffer) return buffer.view(g.in_shape);
  if (g.in_overlaps) {
    // Input elements that share memory share its gradient equally; summing them back (as
    // the input's own view node will) gives the exact total.
    TensorBase counts = zeros({g.extent}, g.dtype);
    accumulate_into(counts.as_strided(g.in_shape, g.in_strides, g.in_offset),
                    ones(g.in_shape, g.dtype));
    visit_grad_dtype(g.dtype, "view_backward", [&](auto tag) {
      using T = typename decltype(tag)::type;
      T* b = static_cast<T*>(buffer.data_ptr());
      const T* c = static_cast<const T*>(counts.data_ptr());
      for (int64_t i = 0; i < g.extent; ++i) {
        if (c[i] != T(0)) b[i] = T(b[i] / c[i]);
      }
    });
  }
  return buffer.as_strided(g.in_shape, g.in_strides, g.in_offset).clone();
}

// The view applied to a tensor laid out like the input: the adjoint of raw_view_backward.
inline TensorBase raw_view_apply(const TensorBase& grad_in, const ViewGeometry& g) {
  if (!grad_in.device().is_cpu()) return device_view_transfer(grad_in, g, false);
  TensorBase buffer = g.in_is_buffer ? empty({g.extent}, g.dtype) : zeros({g.extent}, g.dtype);
  const TensorBase source = grad_in.dtype() == g.dtype ? grad_in : grad_in.to(g.dtype);
  ::tensorbridge::detail::copy_same_shape(
      buffer.as_strided(g.in_shape, g.in_strides, g.in_offset), source);
  return buffer.as_strided(g.out_shape, g.out_strides, g.out_offset).clone();
}

}  // namespace detail

TensorBase view_backward(const TensorBase& grad, std::shared_ptr<const detail::ViewGeometry> geo);
TensorBase view_apply(const TensorBase& grad_in, std::shared_ptr<const detail::ViewGeometry> geo);

// The backward of every view: a reshape of the gradient when input and view are both
// contiguous at the same place (view, reshape, flatten, unsqueeze, squeeze, alias), else
// the scatter/gather through memory described above.
struct ViewBackward final : Node {
  std::shared_ptr<const detail::ViewGeometry> geo;
  const char* name() const override { return "ViewBackward"; }
  GradList apply(GradList&& grads) override {
    const TensorBase& g = grads[0];
    if (geo->reshape_only) return {g.reshape(geo->in_shape)};
    return {autograd::view_backward(g, geo)};
  }
};

struct ViewScatterBackward final : Node {  // d(view_backward)/d(grad) is the view again
  std::shared_ptr<const detail::ViewGeometry> geo;
  const char* name() const override { return "ViewScatterBackward"; }
  GradList apply(GradList&& grads) override { return {autograd::view_apply(grads[0], geo)}; }
};

struct ViewApplyBackward final : Node {
  std::shared_ptr<const detail::ViewGeometry> geo;
  const char* name() const override { return "ViewApplyBackward"; }
  GradList apply(GradList&& grads) override { return {autograd::view_backward(grads[0], geo)}; }
};

inline TensorBase view_backward(const TensorBase& grad,
                                std::shared_ptr<const detail::ViewGeometry> geo) {
  TensorBase out = detail::raw_view_backward(grad, *geo);
  if (needs_grad(grad)) {
    auto node = make_node<ViewScatterBackward>(grad);
    node->geo = std::move(geo);
    set_history(out, node);
  }
  return out;
}

inline TensorBase view_apply(const TensorBase& grad_in,
                             std::shared_ptr<const detail::ViewGeometry> geo) {
  TensorBase out = detail::raw_view_apply(grad_in, *geo);
  if (needs_grad(grad_in)) {
    auto node = make_node<ViewApplyBackward>(grad_in);
    node->geo = std::move(geo);
    set_history(out, node);
  }
  return out;
}

// ---- sum_to: a gradient of a broadcast result, reduced to the shape of an operand -------
// The adjoint of expand; the engine calls it wherever a gradient arrives bigger than the
// tensor it is for, so no formula has to handle broadcasting itself.
namespace detail {
// Whether `shape` broadcasts to `target` (trailing dimensions equal or 1).
inline bool is_expandable_to(const Shape& shape, const Shape& target) {
  if (shape.size() > target.size()) return false;
  for (std::size_t i = 1; i <= shape.size(); ++i) {
    const int64_t s = shape[shape.size() - i];
    if (s != 1 && s != target[target.size() - i]) return false;
  }
  return true;
}

// sum_to on a device: one sum over the broadcast dims (leading ones and those of size 1).
inline TensorBase device_sum_to(const TensorBase& grad, const Shape& shape) {
  const int64_t lead = grad.dim() - static_cast<int64_t>(shape.size());
  std::vector<int64_t> dims;
  for (int64_t d = 0; d < grad.dim(); ++d) {
    if (d < lead || (shape[d - lead] == 1 && grad.shape()[d] != 1)) dims.push_back(d);
  }
  if (dims.empty()) return grad.detach().reshape(shape).clone();
  return untracked([&] { return ops::sum(grad, dims, true).reshape(shape); });
}
}  // namespace detail

struct SumToBackward final : Node {
  Shape grad_shape;
  const char* name() const override { return "SumToBackward"; }
  GradList apply(GradList&& g) override { return {g[0].expand(grad_shape)}; }
};
inline TensorBase sum_to(const TensorBase& grad, const Shape& shape) {
  if (grad.shape() == shape) return grad;
  TB_CHECK(detail::is_expandable_to(shape, grad.shape()), ValueError, "sum_to: shape ",
           shape_str(shape), " does not broadcast to the gradient's shape ",
           shape_str(grad.shape()));
  TensorBase out;
  if (grad.device().is_cpu()) {
    out = zeros(shape, grad.dtype());
    detail::sum_into(out.expand(grad.shape()), grad);
  } else {
    out = detail::device_sum_to(grad, shape);
  }
  if (needs_grad(grad)) {
    auto node = make_node<SumToBackward>(grad);
    node->grad_shape = grad.shape();
    set_history(out, node);
  }
  return out;
}

// clone, contiguous and to(dtype): the gradient passes through, cast back to the source's
// dtype (a differentiable cast, since to() is itself recorded).
struct CopyBackward final : Node {
  DType src_dtype = DType::Float32;
  Device src_device;
  const char* name() const override { return "CopyBackward"; }
  GradList apply(GradList&& grads) override {
    if (grads[0].device() == src_device) return {grads[0].to(src_dtype)};
    return {grads[0].to(src_device, src_dtype)};
  }
};

// copy_(src) and fill_ replace every element: the old value gets no gradient, src gets
// the gradient (reduced to its shape and cast to its dtype by the engine).
struct CopyInplaceBackward final : Node {
  const char* name() const override { return "CopyInplaceBackward"; }
  GradList apply(GradList&& grads) override {
    GradList out(next_edges().size());
    if (out.size() > 1 && next_edge(1).valid()) {
      // src may live on another device than self (copy_ across devices).
      const Edge& e = next_edge(1);
      const Device device = e.fn->output_meta(e.input_nr).device;
      out[1] = grads[0].device() == device ? grads[0] : grads[0].to(device);
    }
    return out;
  }
};

namespace detail {

inline void hook_check_inplace(const TensorBase& self, const char* op) {
  if (!GradMode::is_enabled()) return;
  const AutogradMeta* m = meta_of(self);
  if (m == nullptr) return;
  TB_CHECK(!(m->requires_grad && !m->grad_fn), Error, op,
           ": a leaf Variable that requires grad is being used in an in-place operation.");
  if (m->base.defined() && requires_grad(m->base)) {
    TB_CHECK(meta_of(m->base)->grad_fn != nullptr, Error, op,
             ": a view of a leaf Variable that requires grad is being used in an in-place "
             "operation.");
    TB_THROW(Error, op, ": in-place modification of a view (shape ", shape_str(self.shape()),
             ") of a tensor that requires grad (shape ", shape_str(m->base.shape()),
             ") is not supported; write to a clone() or build the result out of place");
  }
}

inline void hook_on_view(const TensorBase& base, const TensorBase& view) {
  if (!needs_grad(base)) return;
  auto node = make_node<ViewBackward>(base);
  node->geo = std::make_shared<const ViewGeometry>(base, view);
  set_history(view, node);
  const AutogradMeta* bm = meta_of(base);
  ensure_meta(view).base = bm->base.defined() ? bm->base : base;
}

inline void hook_on_copy(const TensorBase& src, const TensorBase& out) {
  if (!needs_grad(src) || !is_differentiable_dtype(out.dtype())) return;
  auto node = make_node<CopyBackward>(src);
  node->src_dtype = src.dtype();
  node->src_device = src.device();
  set_history(out, node);
}

inline void hook_on_inplace_copy(const TensorBase& self, const TensorBase* src) {
  if (!GradMode::is_enabled()) return;
  const bool src_requires = src != nullptr && requires_grad(*src);
  if (!requires_grad(self) && !src_requires) return;
  // The write brings a gradient into memory that other tensors (views of it, or the tensor
  // it views) also show; they would not record it (PyTorch's CopySlices view rebasing is
  // not implemented), so their gradients would silently miss it.
  TB_CHECK(requires_grad(self) || self.storage().use_count() == 1, Error,
           "in-place write of a tensor that requires grad into a tensor of shape ",
           shape_str(self.shape()),
           " that shares its memory with other tensors (a view, or a tensor with views) is "
           "not supported: those tensors would not record the write. Build the result out "
           "of place (cat, stack, where, index_put) or write into a fresh tensor.");
  std::shared_ptr<CopyInplaceBackward> node =
      src_requires ? make_node<CopyInplaceBackward>(self, *src)
                   : make_node<CopyInplaceBackward>(self);
  set_history(self, node);
}

inline void install_core_hooks() {
  static constexpr ::tensorbridge::detail::AutogradHooks kHooks{
      &hook_check_inplace, &hook_on_view, &hook_on_copy, &hook_on_inplace_copy};
  ::tensorbridge::detail::autograd_hooks = &kHooks;
}

}  // namespace detail

}  // namespace tensorbridge::autograd
