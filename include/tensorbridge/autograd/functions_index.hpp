#pragma once
// Differentiable indexing, joining and sorting. Each gradient is the "transpose" of its op:
// selecting rows (index_select, gather, advanced indexing, masked_select) scatters the
// gradient back with accumulation (index_add, scatter_add, index_put with accumulate), and
// those scatters gather it again. split/chunk/unbind/narrow are views and need nothing
// here (core's view hook records them).
#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "tensorbridge/autograd/functions_elementwise.hpp"
#include "tensorbridge/autograd/meta.hpp"
#include "tensorbridge/core/factory.hpp"
#include "tensorbridge/ops/broadcast.hpp"
#include "tensorbridge/ops/indexing.hpp"
#include "tensorbridge/ops/join.hpp"
#include "tensorbridge/ops/sort.hpp"
#include "tensorbridge/ops/unique.hpp"

namespace tensorbridge::autograd {

using IndexList = std::vector<std::optional<TensorBase>>;

TensorBase index_select(const TensorBase& self, int64_t dim, const TensorBase& index);
TensorBase gather(const TensorBase& self, int64_t dim, const TensorBase& index);
TensorBase index_add(const TensorBase& self, int64_t dim, const TensorBase& index,
                     const TensorBase& source, const Scalar& alpha = 1);
TensorBase scatter_add(const TensorBase& self, int64_t dim, const TensorBase& index,
                       const TensorBase& src);
TensorBase index(const TensorBase& self, const IndexList& indices);
TensorBase index_put(const TensorBase& self, const IndexList& indices, const TensorBase& values,
                     bool accumulate = false);
TensorBase masked_fill(const TensorBase& self, const TensorBase& mask, const Scalar& value);

// ---- index_select / index_add --------------------------------------------------------------
struct IndexSelectBackward final : Node {
  TensorBase index;
  int64_t dim = 0;
  Shape shape;
  const char* name() const override { return "IndexSelectBackward"; }
  GradList apply(GradList&& g) override {
    return {autograd::index_add(zeros(shape, g[0].dtype(), g[0].device()), dim, index, g[0])};
  }
};
inline TensorBase index_select(const TensorBase& self, int64_t dim, const TensorBase& index) {
  if (!needs_grad(self)) return ops::index_select(self, dim, index);
  TensorBase out = untracked([&] { return ops::index_select(self, dim, index); });
  auto node = make_node<IndexSelectBackward>(self);
  node->index = index;
  node->dim = dim;
  node->shape = self.shape();
  set_history(out, node);
  return out;
}

struct IndexAddBackward final : Node {
  TensorBase index;
  int64_t dim = 0;
  Scalar alpha = 1;
  const char* name() const override { return "IndexAddBackward"; }
  GradList apply(GradList&& g) override {
    GradList r(2);
    if (needs_input_grad(0)) r[0] = g[0];
    if (needs_input_grad(1)) {
      r[1] = detail::scaled(autograd::index_select(g[0], dim, index), alpha);
    }
    return r;
  }
};
inline TensorBase index_add(const TensorBase& self, int64_t dim, const TensorBase& index,
                            const TensorBase& source, const Scalar& alpha) {
  if (!needs_grad(self, source)) return ops::index_add(self, dim, index, source, alpha);
  TensorBase out = untracked([&] { return ops::index_add(self, dim, index, source, alpha); });
  auto node = make_node<IndexAddBackward>(self, source);
  node->index = index;
  node->dim = dim;
  node->alpha = alpha;
  set_history(out, node);
  return out;
}

// ---- gather / scatter_add / scatter ----------------------------------------------------------
struct GatherBackward final : Node {
  TensorBase index;
  int64_t dim = 0;
  Shape shape;
  const char* name() const override { return "GatherBackward"; }
  GradList apply(GradList&& g) override {
    return {autograd::scatter_add(zeros(shape, g[0].dtype(), g[0].device()), dim, index, g[0])};
  }
};
inline TensorBase gather(const TensorBase& self, int64_t dim, const TensorBase& index) {
  if (!needs_grad(self)) return ops::gather(self, dim, index);
  TensorBase out = untracked([&] { return ops::gather(self, dim, index); });
  auto node = make_node<GatherBackward>(self);
  node->index = index;
  node->dim = dim;
  node->shape = self.shape();
  set_history(out, node);
  return out;
}

// scatter_add (keep = true: self's gradient is g) and scatter (keep = false: the scattered
// positions were overwritten, so self gets g with zeros there).
struct ScatterBackward final : Node {
  TensorBase index;
  int64_t dim = 0;
  bool keep = true;
  const char* name() const override { return keep ? "ScatterAddBackward" : "ScatterBackward"; }
  GradList apply(GradList&& g) override {
    GradList r(next_edges().size());
    if (needs_input_grad(0)) r[0] = keep ? g[0] : autograd::masked_fill(g[0], overwritten(g[0]), 0);
    if (r.size() > 1 && needs_input_grad(1)) r[1] = autograd::gather(g[0], dim, index);
    return r;
  }
  TensorBase overwritten(const TensorBase& g) const {
    return ops::scatter(zeros(g.shape(), DType::Bool, g.device()), dim, index, Scalar(true));
  }
};
inline TensorBase scatter_add(const TensorBase& self, int64_t dim, const TensorBase& index,
                              const TensorBase& src) {
  if (!needs_grad(self, src)) return ops::scatter_add(self, dim, index, src);
  TensorBase out = untracked([&] { return ops::scatter_add(self, dim, index, src); });
  auto node = make_node<ScatterBackward>(self, src);
  node->index = index;
  node->dim = dim;
  set_history(out, node);
  return out;
}
inline TensorBase scatter(const TensorBase& self, int64_t dim, const TensorBase& index,
                          const TensorBase& src) {
  if (!needs_grad(self, src)) return ops::scatter(self, dim, index, src);
  TensorBase out = untracked([&] { return ops::scatter(self, dim, index, src); });
  auto node = make_node<ScatterBackward>(self, src);
  node->index = index;
  node->dim = dim;
  node->keep = false;
  set_history(out, node);
  return out;
}
inline TensorBase scatter(const TensorBase& self, int64_t dim, const TensorBase& index,
                          const Scalar& value) {
  if (!needs_grad(self)) return ops::scatter(self, dim, index, value);
  TensorBase out = untracked([&] { return ops::scatter(self, dim, index, value); });
  auto node = make_node<ScatterBackward>(self);
  node->index = index;
  node->dim = dim;
  node->keep = false;
  set_history(out, node);
  return out;
}

// ---- masked_fill / masked_select --------------------------------------------------------------
struct MaskedFillBackward final : Node {
  TensorBase mask;
  const char* name() const override { return "MaskedFillBackward"; }
  GradList apply(GradList&& g) override { return {autograd::masked_fill(g[0], mask, 0)}; }
};
inline TensorBase masked_fill(const TensorBase& self, const TensorBase& mask,
                              const Scalar& value) {
  if (!needs_grad(self)) return ops::masked_fill(self, mask, value);
  TensorBase out = untracked([&] { return ops::masked_fill(self, mask, value); });
  auto node = make_node<MaskedFillBackward>(self);
  node->mask = mask;
  set_history(out, node);
  return out;
}

struct MaskedSelectBackward final : Node {
  TensorBase mask;  // broadcast to the selected-from shape
  const char* name() const override { return "MaskedSelectBackward"; }
  GradList apply(GradList&& g) override {
    return {autograd::index_put(zeros(mask.shape(), g[0].dtype(), g[0].device()), {mask},
                                g[0], true)};
  }
};
inline TensorBase masked_select(const TensorBase& self, const TensorBase& mask) {
  if (!needs_grad(self)) return ops::masked_select(self, mask);
  TensorBase out = untracked([&] { return ops::masked_select(self, mask); });
  auto node = make_node<MaskedSelectBackward>(self);
  const Shape shape = broadcast_shapes(self.shape(), mask.shape(), "masked_select");
  node->mask = untracked([&] { return mask.expand(shape).contiguous(); });
  set_history(out, node);
  return out;
}

// ---- advanced indexing ----------------------------------------------------------------------------
struct IndexBackward final : Node {
  IndexList indices;
  Shape shape;
  const char* name() const override { return "IndexBackward"; }
  GradList apply(GradList&& g) override {
    return {autograd::index_put(zeros(shape, g[0].dtype(), g[0].device()), indices, g[0], true)};
  }
};
inline TensorBase index(const TensorBase& self, const IndexList& indices) {
  if (!needs_grad(self)) return ops::index(self, indices);
  TensorBase out = untracked([&] { return ops::index(self, indices); });
  auto node = make_node<IndexBackward>(self);
  node->indices = indices;
  node->shape = self.shape();
  set_history(out, node);
  return out;
}

// self[indices] = values (or += with accumulate): self's gradient is g, with zeros at the
// overwritten positions unless accumulating; values get g[indices] (summed to their shape by
// the engine when they were broadcast).
struct IndexPutBackward final : Node {
  IndexList indices;
  bool accumulate = false;
  const char* name() const override { return "IndexPutBackward"; }
  GradList apply(GradList&& g) override {
    GradList r(2);
    if (needs_input_grad(0)) {
      r[0] = accumulate ? g[0]
                        : autograd::index_put(
                              g[0], indices, zeros({}, g[0].dtype(), g[0].device()), false);
    }
    if (needs_input_grad(1)) r[1] = autograd::index(g[0], indices);
    return r;
  }
};
inline TensorBase index_put(const TensorBase& self, const IndexList& indices,
                            const TensorBase& values, bool accumulate) {
  if (!needs_grad(self, values)) return ops::index_put(self, indices, values, accumulate);
  TensorBase out = untracked([&] {
    return ops::index_put(self, indices, values.dtype() == self.dtype() ? values : values.to(self.dtype()),
                          accumulate);
  });
  auto node = make_node<IndexPutBackward>(self, values);
  node->indices = indices;
  node->accumulate = accumulate;
  set_history(out, node);
  return out;
}
inline const TensorBase& index_put_(const TensorBase& self, const IndexList& indices,
                                    const TensorBase& values, bool accumulate = false) {
  if (!needs_grad(self, values)) return ops::index_put_(self, indices, values, accumulate);
  return detail::rebase_inplace(self, autograd::index_put(self, indices, values, accumulate),
                                "index_put_");
}
inline const TensorBase& masked_fill_(const TensorBase& self, const TensorBase& mask,
                                      const Scalar& value) {
  if (!needs_grad(self)) return ops::masked_fill_(self, mask, value);
  return detail::rebase_inplace(self, autograd::masked_fill(self, mask, value), "masked_fill_");
}
inline const TensorBase& index_add_(const TensorBase& self, int64_t dim, const TensorBase& index,
                                    const TensorBase& source, const Scalar& alpha = 1) {
  if (!needs_grad(self, source)) return ops::index_add_(self, dim, index, source, alpha);
  return detail::rebase_inplace(self, autograd::index_add(self, dim, index, source, alpha),
                                "index_add_");
}
inline const TensorBase& scatter_add_(const TensorBase& self, int64_t dim,
                                      const TensorBase& index, const TensorBase& src) {
  if (!needs_grad(self, src)) return ops::scatter_add_(self, dim, index, src);
  return detail::rebase_inplace(self, autograd::scatter_add(self, dim, index, src),
                                "scatter_add_");
}
inline const TensorBase& scatter_(const TensorBase& self, int64_t dim, const TensorBase& index,
                                  const TensorBase& src) {
  if (!needs_grad(self, src)) return ops::scatter_(self, dim, index, src);
  return detail::rebase_inplace(self, autograd::scatter(self, dim, index, src), "scatter_");
}
inline const TensorBase& scatter_(const TensorBase& self, int64_t dim, const TensorBase& index,
                                  const Scalar& value) {
  if (!needs_grad(self)) return ops::scatter_(self, dim, index, value);
  return detail::rebase_inplace(self, autograd::scatter(self, dim, index, value), "scatter_");
}

// ---- cat / stack -----------------------------------------------------------------------------------
struct CatBackward final : Node {
  int64_t dim = 0;
  std::vector<int64_t> sizes;  // each input's extent along dim
  const char* name() const override { return "CatBackward"; }
  GradList apply(GradList&& g) override {
    GradList r(sizes.size());
    int64_t start = 0;
    for (std::size_t i = 0; i < sizes.size(); ++i) {
      if (needs_input_grad(i)) r[i] = g[0].narrow(dim, start, sizes[i]);
      start += sizes[i];
    }
    return r;
  }
};
inline TensorBase cat(const std::vector<TensorBase>& tensors, int64_t dim = 0) {
  bool any = false;
  for (const TensorBase& t : tensors) any = any || needs_grad(t);
  if (!any) return ops::cat(tensors, dim);
  TensorBase out = untracked([&] { return ops::cat(tensors, dim); });
  auto node = std::make_shared<CatBackward>();
  node->dim = wrap_dim(dim, out.dim(), "cat");
  for (const TensorBase& t : tensors) {
    // PyTorch skips 1-D empty tensors in cat; they get no gradient.
    const bool skipped = t.dim() == 1 && t.numel() == 0 && out.dim() != 1;
    node->add_next_edge(skipped ? Edge{} : gradient_edge(t));
    node->sizes.push_back(skipped ? 0 : t.shape()[node->dim]);
  }
  set_history(out, node);
  return out;
}
inline TensorBase stack(const std::vector<TensorBase>& tensors, int64_t dim = 0) {
  bool any = false;
  for (const TensorBase& t : tensors) any = any || needs_grad(t);
  if (!any || tensors.empty()) return ops::stack(tensors, dim);
  const int64_t d = wrap_dim(dim, tensors[0].dim() + 1, "stack");
  std::vector<TensorBase> expanded;
  for (const TensorBase& t : tensors) expanded.push_back(t.unsqueeze(d));  // recorded views
  return autograd::cat(expanded, d);
}
using ops::chunk;
using ops::split;
using ops::unbind;

// ---- repeat / tile: the gradient sums the copies -------------------------------------------------
struct RepeatBackward final : Node {
  Shape shape;                   // the input's
  std::vector<int64_t> repeats;  // as given, at least shape.size() long
  const char* name() const override { return "RepeatBackward"; }
  GradList apply(GradList&& g) override {
    // View g as [r0, s0, r1, s1, ...] (input padded with leading 1s) and sum the r axes.
    const std::size_t n = repeats.size();
    Shape padded(n - shape.size(), 1);
    padded.insert(padded.end(), shape.begin(), shape.end());
    Shape split_shape, target;
    for (std::size_t i = 0; i < n; ++i) {
      split_shape.push_back(repeats[i]);
      split_shape.push_back(padded[i]);
      target.push_back(1);
      target.push_back(padded[i]);
    }
    return {autograd::sum_to(g[0].reshape(split_shape), target).reshape(shape)};
  }
};
inline TensorBase repeat(const TensorBase& self, const std::vector<int64_t>& repeats) {
  if (!needs_grad(self)) return ops::repeat(self, repeats);
  TensorBase out = untracked([&] { return ops::repeat(self, repeats); });
  auto node = make_node<RepeatBackward>(self);
  node->shape = self.shape();
  node->repeats = repeats;
  set_history(out, node);
  return out;
}
inline TensorBase tile(const TensorBase& self, const std::vector<int64_t>& reps) {
  std::vector<int64_t> r(reps);
  while (static_cast<int64_t>(r.size()) < self.dim()) r.insert(r.begin(), 1);
  return autograd::repeat(self, r);
}

// ---- sort / topk: values get their gradient back at the positions they came from ----------------
struct SelectByIndicesBackward final : Node {
  TensorBase indices;
  int64_t dim = 0;
  Shape shape;
  const char* op_name = "SortBackward";
  const char* name() const override { return op_name; }
  GradList apply(GradList&& g) override {
    return {autograd::scatter_add(zeros(shape, g[0].dtype(), g[0].device()), dim, indices,
                                  g[0])};
  }
};
namespace detail {
inline std::pair<TensorBase, TensorBase> record_by_indices(const TensorBase& self, int64_t dim,
                                                           std::pair<TensorBase, TensorBase> r,
                                                           const char* name) {
  auto node = make_node<SelectByIndicesBackward>(self);
  node->indices = r.second;
  node->dim = self.dim() == 0 ? 0 : wrap_dim(dim, self.dim(), name);
  node->shape = self.shape();
  node->op_name = name;
  set_history(r.first, node);
  return r;
}
}  // namespace detail
inline std::pair<TensorBase, TensorBase> sort(const TensorBase& self, int64_t dim = -1,
                                              bool descending = false, bool stable = false) {
  if (!needs_grad(self)) return ops::sort(self, dim, descending, stable);
  auto r = untracked([&] { return ops::sort(self, dim, descending, stable); });
  return detail::record_by_indices(self, dim, std::move(r), "SortBackward");
}
inline std::pair<TensorBase, TensorBase> topk(const TensorBase& self, int64_t k, int64_t dim = -1,
                                              bool largest = true, bool sorted = true) {
  if (!needs_grad(self)) return ops::topk(self, k, dim, largest, sorted);
  auto r = untracked([&] { return ops::topk(self, k, dim, largest, sorted); });
  return detail::record_by_indices(self, dim, std::move(r), "TopkBackward");
}
using ops::argsort;
// unique is not differentiable (as in PyTorch, whose backward raises): it runs untracked, so
// its outputs never require grad and its internal views and copies record nothing.
inline UniqueResult unique(const TensorBase& self, bool sorted = true, bool return_inverse = false,
                           bool return_counts = false, std::optional<int64_t> dim = std::nullopt) {
  return untracked([&] { return ops::unique(self, sorted, return_inverse, return_counts, dim); });
}
inline UniqueResult unique_consecutive(const TensorBase& self, bool return_inverse = false,
                                       bool return_counts = false,
                                       std::optional<int64_t> dim = std::nullopt) {
  return untracked([&] { return ops::unique_consecutive(self, return_inverse, return_counts, dim); });
}
using ops::nonzero;
using ops::nonzero_tuple;

}  // namespace tensorbridge::autograd
