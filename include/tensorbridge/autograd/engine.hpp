#pragma once
// The backward engine. It first walks the graph from the roots (iteratively, so depth is
// bounded by memory, not by the stack) and counts, for every node, how many edges lead
// into it; then it runs a node once all of those gradients have arrived, summing the ones
// that meet at the same output. Each gradient is checked against the tensor it is for,
// and a broadcast gradient is reduced to that tensor's shape and cast to its dtype here,
// in this one place (deliver()).
//
// backward() accumulates into the .grad of leaves; grad() instead captures the gradients
// that reach the requested tensors and runs only the part of the graph that leads there.
#include <algorithm>
#include <atomic>
#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

#include "tensorbridge/autograd/functions_elementwise.hpp"
#include "tensorbridge/autograd/functions_view.hpp"
#include "tensorbridge/autograd/grad_mode.hpp"
#include "tensorbridge/autograd/meta.hpp"
#include "tensorbridge/autograd/node.hpp"
#include "tensorbridge/core/error.hpp"
#include "tensorbridge/ops/binary.hpp"

namespace tensorbridge::autograd {

// Adds `grad` into the .grad of the tensor owning `meta`, as PyTorch's AccumulateGrad does:
// the first gradient is adopted (without a copy when nobody else can see it), later ones
// are added in place; with create_graph the sum is recorded instead.
inline void accumulate_grad(AutogradMeta& meta, TensorBase grad, bool may_steal) {
  if (!grad.defined()) return;
  if (!meta.grad.defined()) {
    const bool unshared = may_steal && !GradMode::is_enabled() && grad.impl().use_count() == 1 &&
                          grad.storage().use_count() == 1 && grad.is_contiguous() &&
                          meta_of(grad) == nullptr;
    meta.grad = unshared ? std::move(grad) : grad.clone();
  } else if (!GradMode::is_enabled()) {
    ops::add_(meta.grad, grad);
  } else {
    meta.grad = autograd::add(meta.grad, grad);
  }
}

class Engine {
 public:
  // Runs backward from `roots` seeded with `root_grads`. With `captures` non-empty it
  // returns the gradient reaching each captured edge (grad()); otherwise it accumulates
  // into leaves (backward()).
  static std::vector<TensorBase> execute(const std::vector<Edge>& roots,
                                         std::vector<TensorBase> root_grads, bool keep_graph,
                                         bool create_graph, const std::vector<Edge>& captures) {
    SetGradEnabledGuard mode(create_graph);
    const uint64_t run = next_run_id();
    const bool accumulate = captures.empty();
    std::vector<Node*> nodes = discover(roots, run);
    // Leave no gradient behind in the nodes, whatever happens.
    struct Cleanup {
      std::vector<Node*>& nodes;
      ~Cleanup() {
        for (Node* n : nodes) {
          n->input_buffer_.clear();
          n->dependencies_ = 0;
          n->run_id_ = 0;
        }
      }
    } cleanup{nodes};

    std::vector<TensorBase> captured(captures.size());
    if (!accumulate) mark_needed(nodes, captures);

    for (std::size_t i = 0; i < roots.size(); ++i) {
      if (roots[i].valid()) deliver(*roots[i].fn, roots[i].input_nr, std::move(root_grads[i]), nullptr, i);
    }
    std::vector<Node*> ready;
    for (const Edge& r : roots) {
      if (r.valid() && r.fn->dependencies_ == 0 && !r.fn->queued_) {
        r.fn->queued_ = true;
        ready.push_back(r.fn.get());
      }
    }

    std::vector<Node*> executed;
    while (!ready.empty()) {
      Node* node = ready.back();
      ready.pop_back();
      GradList grads = std::move(node->input_buffer_);
      node->input_buffer_.clear();
      run_pre_hooks(*node, grads);
      for (std::size_t c = 0; c < captures.size(); ++c) {
        if (captures[c].fn.get() == node) {
          TensorBase& g = grads[captures[c].input_nr];
          if (g.defined()) captured[c] = captured[c].defined() ? autograd::add(captured[c], g) : g;
        }
      }
      if (node->is_accumulator()) {
        if (accumulate) accumulate_into_leaf(*node, std::move(grads[0]));
        continue;
      }
      bool any = false;
      for (const TensorBase& g : grads) any = any || g.defined();
      GradList outputs;
      const bool run_it = any && node->needed_;
      if (run_it) {
        outputs = node->apply(std::move(grads));
        executed.push_back(node);
        TB_CHECK(outputs.size() == node->next_edges_.size(), Error, "function ", node->name(),
                 " returned ", outputs.size(), " gradients, expected ",
                 node->next_edges_.size());
      }
      for (std::size_t i = 0; i < node->next_edges_.size(); ++i) {
        const Edge& e = node->next_edges_[i];
        if (!e.valid()) continue;
        if (run_it && outputs[i].defined()) {
          deliver(*e.fn, e.input_nr, std::move(outputs[i]), node, i);
        }
        if (--e.fn->dependencies_ == 0) ready.push_back(e.fn.get());
      }
    }
    if (!keep_graph) {
      for (Node* n : executed) n->release_saved();
    }
    return captured;
  }

 private:
  static uint64_t next_run_id() {
    static std::atomic<uint64_t> counter{0};
    return ++counter;
  }

  // Every node reachable from the roots, inputs before the nodes that use them, with
  // dependencies_ = number of edges into it from other reachable nodes.
  static std::vector<Node*> discover(const std::vector<Edge>& roots, uint64_t run) {
    std::vector<Node*> order;
    struct Frame {
      Node* node;
      std::size_t next;
    };
    std::vector<Frame> stack;
    auto enter = [&](Node* n) {
      if (n->run_id_ == run) return;
      n->run_id_ = run;
      n->dependencies_ = 0;
      n->needed_ = true;
      n->queued_ = false;
      n->input_buffer_.clear();
      n->input_buffer_.resize(n->num_outputs());
      stack.push_back({n, 0});
    };
    for (const Edge& r : roots) {
      if (!r.valid()) continue;
      enter(r.fn.get());
      while (!stack.empty()) {
        const std::size_t top = stack.size() - 1;
        Node* n = stack[top].node;
        if (stack[top].next < n->next_edges_.size()) {
          const Edge& e = n->next_edges_[stack[top].next++];
          if (!e.valid()) continue;
          enter(e.fn.get());
          ++e.fn->dependencies_;
        } else {
          order.push_back(n);
          stack.pop_back();
        }
      }
    }
    return order;
  }

  // grad(): a node runs only when a captured edge lies below it.
  static void mark_needed(const std::vector<Node*>& order, const std::vector<Edge>& captures) {
    for (Node* n : order) {
      bool needed = false;
      for (const Edge& e : n->next_edges_) {
        if (!e.valid()) continue;
        needed = needed || e.fn->needed_;
        for (const Edge& c : captures) needed = needed || c.fn == e.fn;
      }
      n->needed_ = needed && !n->is_accumulator();
    }
  }

  static void run_pre_hooks(Node& node, GradList& grads) {
    const std::vector<PreHook>* hooks = node.pre_hooks();
    if (hooks == nullptr) return;
    for (int last = 0; last < 2; ++last) {
      for (const PreHook& h : *hooks) {
        if (h.runs_last != (last == 1)) continue;
        TensorBase& g = grads[h.output_nr];
        if (!g.defined()) continue;
        TensorBase replaced = h.fn(g);
        if (replaced.defined()) g = std::move(replaced);
      }
    }
  }

  // Adds a gradient into output `nr` of `node`, after checking it against that output.
  static void deliver(Node& node, uint32_t nr, TensorBase grad, const Node* producer,
                      std::size_t index) {
    const OutputMeta& meta = node.output_meta(nr);
    TB_CHECK(grad.device() == meta.device, DeviceError, "Function ",
             producer ? producer->name() : "backward", " returned an invalid gradient at index ",
             index, " - expected device ", meta.device, " but got ", grad.device(), " (shape ",
             shape_str(grad.shape()), ", dtype ", grad.dtype(), ")");
    if (grad.shape() != meta.shape) {
      TB_CHECK(detail::is_expandable_to(meta.shape, grad.shape()), ValueError, "Function ",
               producer ? producer->name() : "backward", " returned an invalid gradient at index ",
               index, " - got ", shape_str(grad.shape()), " but expected shape compatible with ",
               shape_str(meta.shape));
      grad = autograd::sum_to(grad, meta.shape);
    }
    if (grad.dtype() != meta.dtype) grad = grad.to(meta.dtype);
    TensorBase& slot = node.input_buffer_[nr];
    slot = slot.defined() ? autograd::add(slot, grad) : std::move(grad);
  }

  static void accumulate_into_leaf(Node& node, TensorBase grad) {
    auto impl = static_cast<AccumulateGrad&>(node).leaf();
    if (!impl || !grad.defined()) return;
    accumulate_grad(*meta_of(TensorBase(impl)), std::move(grad), true);
  }
};

}  // namespace tensorbridge::autograd
