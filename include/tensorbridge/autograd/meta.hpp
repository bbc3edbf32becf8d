#pragma once
// Autograd's per-tensor state (AutogradMeta, kept in TensorImpl::autograd), the leaf end of
// the graph (AccumulateGrad), and the few helpers every differentiable op uses to read and
// write that state: needs_grad, gradient_edge, set_history.
#include <cstdint>
#include <memory>
#include <utility>

#include "tensorbridge/autograd/grad_mode.hpp"
#include "tensorbridge/autograd/node.hpp"
#include "tensorbridge/core/tensor_base.hpp"

namespace tensorbridge::autograd {

namespace detail {
// Installs core's hooks (core_hooks.hpp); called before the first AutogradMeta exists,
// because core only calls the hooks for tensors that carry one.
inline void install_core_hooks();
}  // namespace detail

struct AutogradMeta final : AutogradMetaBase {
  AutogradMeta() { detail::install_core_hooks(); }

  TensorBase grad;
  std::shared_ptr<Node> grad_fn;           // null for leaves
  std::shared_ptr<Node> grad_accumulator;  // a leaf's AccumulateGrad, made on first use
  uint32_t output_nr = 0;                  // which output of grad_fn this tensor is
  bool requires_grad = false;
  bool retains_grad = false;
  // A view made while recording keeps the tensor whose memory it shares, so that an
  // in-place write through it can be checked against that tensor.
  TensorBase base;
};

// Leaves accumulate here: the engine adds the gradient that reaches this node into the
// leaf's .grad (engine.hpp). The leaf owns its accumulator, the accumulator only watches
// the leaf, so there is no ownership cycle and one accumulator serves every iteration.
class AccumulateGrad final : public Node {
 public:
  explicit AccumulateGrad(const TensorBase& leaf) : leaf_(leaf.impl()) { add_output(leaf); }
  const char* name() const override { return "AccumulateGrad"; }
  GradList apply(GradList&&) override { return {}; }
  bool is_accumulator() const override { return true; }
  // Null once the leaf is gone (its gradient then has nowhere to go).
  std::shared_ptr<TensorImpl> leaf() const { return leaf_.lock(); }

 private:
  std::weak_ptr<TensorImpl> leaf_;
};

// Floating and complex tensors can carry gradients; integers and bool cannot.
inline bool is_differentiable_dtype(DType dtype) {
  return is_floating_point(dtype) || is_complex(dtype);
}

inline AutogradMeta* meta_of(const TensorBase& t) {
  return t.defined() ? static_cast<AutogradMeta*>(t.impl()->autograd.get()) : nullptr;
}

inline AutogradMeta& ensure_meta(const TensorBase& t) {
  auto& slot = t.impl_ref().autograd;
  if (!slot) slot = std::make_shared<AutogradMeta>();
  return static_cast<AutogradMeta&>(*slot);
}

inline bool requires_grad(const TensorBase& t) {
  const AutogradMeta* m = meta_of(t);
  return m != nullptr && m->requires_grad;
}

// Whether an op on these tensors must be recorded: grad mode is on and one requires grad.
template <typename... Ts>
bool needs_grad(const Ts&... tensors) {
  return GradMode::is_enabled() && (requires_grad(tensors) || ...);
}

// Where the gradient of `t` goes: its grad_fn (non-leaf), its accumulator (a leaf that
// requires grad), or nowhere.
inline Edge gradient_edge(const TensorBase& t) {
  AutogradMeta* m = meta_of(t);
  if (m == nullptr || !m->requires_grad) return {};
  if (m->grad_fn) return Edge{m->grad_fn, m->output_nr};
  if (!m->grad_accumulator) m->grad_accumulator = std::make_shared<AccumulateGrad>(t);
  return Edge{m->grad_accumulator, 0};
}

// Makes `node` the history of `out` (its next output).
inline void set_history(const TensorBase& out, const std::shared_ptr<Node>& node) {
  const uint32_t nr = node->add_output(out);
  if (!is_differentiable_dtype(out.dtype())) return;
  AutogradMeta& m = ensure_meta(out);
  m.grad_fn = node;
  m.output_nr = nr;
  m.requires_grad = true;
}

// Builds node `N` for an op on `inputs`, one next edge per input (in order).
template <typename N, typename... Ts>
std::shared_ptr<N> make_node(const Ts&... inputs) {
  auto node = std::make_shared<N>();
  auto& edges = node->mutable_next_edges();
  edges.reserve(sizeof...(Ts));
  (edges.push_back(gradient_edge(inputs)), ...);
  return node;
}

// Runs a raw op without recording anything, not even the views it makes internally; the
// differentiable wrapper records the op as one node.
template <typename Fn>
auto untracked(Fn&& fn) {
  NoGradGuard guard;
  return fn();
}

namespace detail {
// Another handle on the same memory (shape, strides, version counter) with no history.
// Copied whole, so the version counter is shared from the start (the field-wise constructor
// would first make a counter of its own: one allocation more on every op that saves its
// output), then the history dropped.
inline TensorBase alias_without_history(const TensorBase& t) {
  auto impl = std::make_shared<TensorImpl>(t.impl_ref());
  impl->autograd.reset();
  return TensorBase(std::move(impl));
}
}  // namespace detail

}  // namespace tensorbridge::autograd

// Core's view/copy hooks (install_core_hooks); included here so that making metadata
// always has them to install.
#include "tensorbridge/autograd/functions_view.hpp"
