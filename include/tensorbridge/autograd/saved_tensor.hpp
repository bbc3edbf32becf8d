#pragma once
// A tensor a node keeps for its backward formula. It records the version counter it saw,
// so that a later in-place write to the same memory (through any view) is caught when
// backward needs the value, and it can be released after backward (retain_graph=false).
//
// An op's own output is kept without its history: the output owns the node, and the node
// owning the output with its grad_fn would be a cycle. When gradients of gradients are
// recorded (create_graph) the history is put back on unpack, pointing at the node.
#include <cstdint>
#include <memory>

#include "tensorbridge/autograd/meta.hpp"
#include "tensorbridge/autograd/node.hpp"
#include "tensorbridge/core/error.hpp"
#include "tensorbridge/core/tensor_base.hpp"

namespace tensorbridge::autograd {

class SavedTensor {
 public:
  SavedTensor() = default;
  // `output_nr` >= 0 when `t` is that output of the node saving it.
  explicit SavedTensor(const TensorBase& t, int output_nr = -1) : output_nr_(output_nr) {
    if (!t.defined()) return;
    version_ = t.version();
    if (output_nr < 0) {
      data_ = t;
    } else {
      data_ = detail::alias_without_history(t);
      output_requires_grad_ = requires_grad(t) || is_differentiable_dtype(t.dtype());
    }
  }

  bool defined() const { return data_.defined() || released_; }

  // The saved value, checked against later in-place writes. `owner` is the node that saved
  // it (named in errors, and the history of a saved output).
  TensorBase unpack(const Node& owner) const {
    TB_CHECK(!released_, Error,
             "Trying to backward through the graph a second time (or directly access saved "
             "tensors after they have already been freed): ",
             owner.name(),
             " already released its saved tensors. Saved intermediate values of the graph are "
             "freed when you call backward() or autograd::grad(). Specify retain_graph=true if "
             "you need to backward through the graph a second time.");
    if (!data_.defined()) return data_;
    const uint64_t now = data_.version();
    TB_CHECK(now == version_, Error,
             "one of the variables needed for gradient computation has been modified by an "
             "inplace operation: [",
             data_.dtype(), " ", shape_str(data_.shape()), "], which ", owner.name(),
             " saved, is at version ", now, "; expected version ", version_,
             " instead. Hint: make a copy (clone()) before the in-place change, or do the "
             "change out of place.");
    if (output_nr_ >= 0 && output_requires_grad_ && GradMode::is_enabled()) {
      // Gradients of gradients flow through this output back into its node.
      TensorBase out = detail::alias_without_history(data_);
      AutogradMeta& m = ensure_meta(out);
      m.grad_fn = std::const_pointer_cast<Node>(owner.shared_from_this());
      m.output_nr = static_cast<uint32_t>(output_nr_);
      m.requires_grad = true;
      return out;
    }
    return data_;
  }

  void release() {
    if (data_.defined()) released_ = true;
    data_ = TensorBase();
  }

 private:
  TensorBase data_;
  uint64_t version_ = 0;
  int output_nr_ = -1;
  bool output_requires_grad_ = false;
  bool released_ = false;
};

}  // namespace tensorbridge::autograd
