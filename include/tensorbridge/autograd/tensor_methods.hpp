#pragma once
// The autograd entry points: backward() and grad() over several tensors, and the
// TensorBase methods declared in core/tensor_base.hpp (requires_grad_, grad, grad_fn,
// is_leaf, retain_grad, backward, detach, register_hook).
#include <cstddef>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "tensorbridge/autograd/engine.hpp"
#include "tensorbridge/autograd/meta.hpp"
#include "tensorbridge/core/factory.hpp"
#include "tensorbridge/core/tensor_base.hpp"

namespace tensorbridge::autograd {

namespace detail {

// The roots of a backward pass and their seed gradients, checked the way PyTorch does.
inline std::pair<std::vector<Edge>, std::vector<TensorBase>> make_roots(
    const std::vector<TensorBase>& outputs, const std::vector<TensorBase>& grad_outputs,
    const char* op) {
  TB_CHECK(grad_outputs.empty() || grad_outputs.size() == outputs.size(), ValueError, op,
           ": got ", grad_outputs.size(), " gradients for ", outputs.size(), " outputs");
  std::vector<Edge> roots;
  std::vector<TensorBase> grads;
  roots.reserve(outputs.size());
  grads.reserve(outputs.size());
  for (std::size_t i = 0; i < outputs.size(); ++i) {
    const TensorBase& out = outputs[i];
    TB_CHECK(out.defined(), ValueError, op, ": output ", i, " is an undefined tensor");
    TB_CHECK(requires_grad(out), Error, op, ": element ", i,
             " of tensors does not require grad and does not have a grad_fn");
    TensorBase g = grad_outputs.empty() ? TensorBase() : grad_outputs[i];
    if (!g.defined()) {
      TB_CHECK(out.numel() == 1, Error, op,
               ": grad can be implicitly created only for scalar outputs (output ", i,
               " has shape ", shape_str(out.shape()), ")");
      TB_CHECK(!is_complex(out.dtype()), Error, op,
               ": grad can be implicitly created only for real scalar outputs but got ",
               out.dtype(), " (output ", i, ")");
      g = ones_like(out);
    } else {
      TB_CHECK(g.shape() == out.shape(), ValueError, op, ": Mismatch in shape: grad_output[",
               i, "] has a shape of ", shape_str(g.shape()), " and output[", i,
               "] has a shape of ", shape_str(out.shape()));
      TB_CHECK(g.device() == out.device(), DeviceError, op, ": grad_output[", i,
               "] is on device ", g.device(), " but output[", i, "] is on device ",
               out.device(), " (shape ", shape_str(out.shape()), ", dtype ", out.dtype(), ")");
    }
    roots.push_back(gradient_edge(out));
    grads.push_back(std::move(g));
  }
  return {std::move(roots), std::move(grads)};
}

}  // namespace detail

// Accumulates d(outputs)/d(leaf) * grad_outputs into the .grad of every leaf that requires
// grad. An empty grad_outputs (or undefined entries) means ones for scalar outputs.
inline void backward(const std::vector<TensorBase>& outputs,
                     const std::vector<TensorBase>& grad_outputs = {},
                     std::optional<bool> retain_graph = std::nullopt, bool create_graph = false) {
  auto [roots, grads] = detail::make_roots(outputs, grad_outputs, "backward");
  Engine::execute(roots, std::move(grads), retain_graph.value_or(create_graph), create_graph,
                  {});
}

// The gradients of `outputs` with respect to `inputs`, returned instead of accumulated.
// An input the outputs do not depend on raises unless allow_unused (then its entry is
// undefined).
inline std::vector<TensorBase> grad(const std::vector<TensorBase>& outputs,
                                    const std::vector<TensorBase>& inputs,
                                    const std::vector<TensorBase>& grad_outputs = {},
                                    std::optional<bool> retain_graph = std::nullopt,
                                    bool create_graph = false, bool allow_unused = false) {
  TB_CHECK(!inputs.empty(), ValueError, "grad: requires at least one input");
  auto [roots, grads] = detail::make_roots(outputs, grad_outputs, "grad");
  std::vector<Edge> captures;
  captures.reserve(inputs.size());
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    TB_CHECK(requires_grad(inputs[i]), Error, "grad: input ", i,
             " of the differentiated Tensors does not require grad");
    captures.push_back(gradient_edge(inputs[i]));
  }
  std::vector<TensorBase> result = Engine::execute(
      roots, std::move(grads), retain_graph.value_or(create_graph), create_graph, captures);
  for (std::size_t i = 0; i < result.size(); ++i) {
    TB_CHECK(result[i].defined() || allow_unused, Error, "grad: input ", i,
             " of the differentiated Tensors appears to not have been used in the graph. Set "
             "allow_unused=true if this is the desired behavior.");
  }
  return result;
}

}  // namespace tensorbridge::autograd

namespace tensorbridge {

inline bool TensorBase::requires_grad() const { return autograd::requires_grad(*this); }

inline const TensorBase& TensorBase::requires_grad_(bool requires_grad) const {
  autograd::AutogradMeta* m = autograd::meta_of(*this);
  if (!requires_grad) {
    TB_CHECK(m == nullptr || !m->grad_fn, Error,
             "requires_grad_: you can only change requires_grad flags of leaf variables. If "
             "you want to use a computed variable in a subgraph that doesn't require "
             "differentiation use var_no_grad = var.detach().");
    if (m) m->requires_grad = false;
    return *this;
  }
  TB_CHECK(autograd::is_differentiable_dtype(dtype()), TypeError,
           "requires_grad_: only Tensors of floating point and complex dtype can require "
           "gradients (got dtype ", dtype(), ", shape ", shape_str(shape()), ")");
  autograd::ensure_meta(*this).requires_grad = true;
  return *this;
}

inline TensorBase TensorBase::grad() const {
  const autograd::AutogradMeta* m = autograd::meta_of(*this);
  return m ? m->grad : TensorBase();
}

inline void TensorBase::set_grad(const TensorBase& grad) const {
  if (grad.defined()) {
    TB_CHECK(grad.shape() == shape() && grad.dtype() == dtype(), ValueError,
             "set_grad: assigned grad has shape ", shape_str(grad.shape()), " and dtype ",
             grad.dtype(), " but the tensor has shape ", shape_str(shape()), " and dtype ",
             dtype());
    TB_CHECK(grad.device() == device(), DeviceError, "set_grad: assigned grad is on device ",
             grad.device(), " but the tensor (shape ", shape_str(shape()), ", dtype ", dtype(),
             ") is on device ", device());
    autograd::ensure_meta(*this).grad = grad;
  } else if (autograd::AutogradMeta* m = autograd::meta_of(*this)) {
    m->grad = TensorBase();
  }
}

inline std::shared_ptr<autograd::Node> TensorBase::grad_fn() const {
  const autograd::AutogradMeta* m = autograd::meta_of(*this);
  return m ? m->grad_fn : nullptr;
}

inline bool TensorBase::is_leaf() const {
  const autograd::AutogradMeta* m = autograd::meta_of(*this);
  return m == nullptr || m->grad_fn == nullptr;
}

inline uint32_t TensorBase::output_nr() const {
  const autograd::AutogradMeta* m = autograd::meta_of(*this);
  return m ? m->output_nr : 0;
}

// A leaf keeps its gradient anyway; a non-leaf gets a hook on its grad_fn that stores the
// gradient (after every user hook) into .grad.
inline void TensorBase::retain_grad() const {
  TB_CHECK(requires_grad(), Error,
           "retain_grad: can't retain_grad on Tensor that has requires_grad=False");
  autograd::AutogradMeta& m = autograd::ensure_meta(*this);
  if (!m.grad_fn || m.retains_grad) return;
  std::weak_ptr<TensorImpl> self = impl();
  m.grad_fn->add_pre_hook(
      m.output_nr,
      [self](const TensorBase& g) {
        if (auto impl = self.lock()) {
          autograd::accumulate_grad(*autograd::meta_of(TensorBase(impl)), g, false);
        }
        return TensorBase();
      },
      /*runs_last=*/true);
  m.retains_grad = true;
}

inline bool TensorBase::retains_grad() const {
  const autograd::AutogradMeta* m = autograd::meta_of(*this);
  return m != nullptr && m->retains_grad;
}

inline void TensorBase::backward(const TensorBase& gradient, std::optional<bool> retain_graph,
                                 bool create_graph) const {
  autograd::backward({*this}, {gradient}, retain_graph, create_graph);
}

inline TensorBase TensorBase::detach() const {
  return autograd::detail::alias_without_history(*this);
}

inline const TensorBase& TensorBase::detach_() const {
  if (autograd::AutogradMeta* m = autograd::meta_of(*this)) {
    TB_CHECK(!m->base.defined(), Error,
             "detach_: can't detach views in-place. Use detach() instead.");
    m->grad_fn.reset();
    m->output_nr = 0;
    m->requires_grad = false;
  }
  return *this;
}

inline std::size_t TensorBase::register_hook(std::function<TensorBase(const TensorBase&)> hook) const {
  TB_CHECK(requires_grad(), Error,
           "register_hook: cannot register a hook on a tensor that doesn't require gradient");
  const autograd::Edge edge = autograd::gradient_edge(*this);
  return edge.fn->add_pre_hook(edge.input_nr, std::move(hook));
}

inline void TensorBase::remove_hook(std::size_t id) const {
  const autograd::Edge edge = autograd::gradient_edge(*this);
  TB_CHECK(edge.valid() && edge.fn->remove_pre_hook(id), ValueError, "remove_hook: no hook ",
           id, " on this tensor");
}

}  // namespace tensorbridge
