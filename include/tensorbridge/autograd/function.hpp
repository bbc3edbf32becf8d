#pragma once
// Custom differentiable functions with a hand-written backward, as in libtorch:
//
//   struct Cube : tb::autograd::Function<Cube> {
//     static TensorBase forward(AutogradContext* ctx, const TensorBase& x) {
//       ctx->save_for_backward({x});
//       return tb::mul(tb::mul(x, x), x);
//     }
//     static std::vector<TensorBase> backward(AutogradContext* ctx, std::vector<TensorBase> g) {
//       TensorBase x = ctx->get_saved_variables()[0];
//       return {tb::mul(tb::mul(g[0], tb::mul(x, x)), 3)};
//     }
//   };
//   TensorBase y = Cube::apply(x);
//
// forward runs without recording; backward returns one gradient per tensor argument of
// forward (or one per argument; entries for non-tensors are ignored). The Python layer
// builds a CustomFunctionNode with a callable of its own and calls record_function.
#include <any>
#include <cstdlib>
#include <functional>
#include <memory>
#include <string>
#include <tuple>
#include <type_traits>
#include <typeinfo>
#include <unordered_map>
#include <utility>
#include <vector>

#if defined(__GNUG__)
#include <cxxabi.h>
#endif

#include "tensorbridge/autograd/meta.hpp"
#include "tensorbridge/autograd/saved_tensor.hpp"
#include "tensorbridge/core/factory.hpp"

namespace tensorbridge::autograd {

class CustomFunctionNode;

class AutogradContext {
 public:
  // Tensors backward needs; checked against in-place changes like every saved tensor.
  void save_for_backward(std::vector<TensorBase> tensors) { to_save_ = std::move(tensors); }
  std::vector<TensorBase> get_saved_variables() const;
  std::vector<TensorBase> saved_tensors() const { return get_saved_variables(); }
  // Outputs that get no gradient (e.g. indices); they never require grad.
  void mark_non_differentiable(const std::vector<TensorBase>& outputs) {
    for (const TensorBase& t : outputs) non_differentiable_.push_back(t.impl().get());
  }
  // Whether backward receives zeros (true, the default) or undefined tensors for outputs
  // that got no gradient.
  void set_materialize_grads(bool value) { materialize_grads_ = value; }
  bool needs_input_grad(std::size_t i) const {
    return i < needs_input_grad_.size() && needs_input_grad_[i];
  }
  // Anything else backward needs (sizes, flags, Python objects).
  std::unordered_map<std::string, std::any> saved_data;

 private:
  friend class CustomFunctionNode;
  friend std::vector<TensorBase> record_function(const std::shared_ptr<CustomFunctionNode>&,
                                                 const std::vector<TensorBase>&,
                                                 std::vector<TensorBase>);
  std::vector<TensorBase> to_save_;
  std::vector<SavedTensor> saved_;
  std::vector<const TensorImpl*> non_differentiable_;
  std::vector<bool> needs_input_grad_;
  bool materialize_grads_ = true;
  const Node* node_ = nullptr;
};

using CustomBackwardFn =
    std::function<std::vector<TensorBase>(AutogradContext&, std::vector<TensorBase>)>;

class CustomFunctionNode final : public Node {
 public:
  CustomFunctionNode(std::string name, CustomBackwardFn backward)
      : name_(std::move(name)), backward_(std::move(backward)) {
    ctx_.node_ = this;
  }
  const char* name() const override { return name_.c_str(); }
  AutogradContext& ctx() { return ctx_; }

  GradList apply(GradList&& grads) override {
    std::vector<TensorBase> g(grads.begin(), grads.end());
    for (std::size_t i = 0; i < g.size(); ++i) {
      if (!g[i].defined() && ctx_.materialize_grads_) {
        g[i] = zeros(output_meta(i).shape, output_meta(i).dtype, output_meta(i).device);
      }
    }
    std::vector<TensorBase> result = backward_(ctx_, std::move(g));
    const std::size_t n = next_edges().size();
    if (result.size() > n && !tensor_positions_.empty()) {
      // One entry per forward argument: keep those of the tensor arguments.
      std::vector<TensorBase> picked;
      for (std::size_t p : tensor_positions_) {
        picked.push_back(p < result.size() ? result[p] : TensorBase());
      }
      result = std::move(picked);
    }
    TB_CHECK(result.size() == n, ValueError, "function ", name_,
             " returned an incorrect number of gradients (expected ", n, ", got ",
             result.size(), ")");
    GradList out(n);
    for (std::size_t i = 0; i < n; ++i) {
      if (needs_input_grad(i)) out[i] = std::move(result[i]);
    }
    return out;
  }
  void release_saved() override {
    for (SavedTensor& s : ctx_.saved_) s.release();
  }
  // Positions of the tensor arguments among all of forward's arguments.
  std::vector<std::size_t> tensor_positions_;

 private:
  std::string name_;
  CustomBackwardFn backward_;
  AutogradContext ctx_;
};

inline std::vector<TensorBase> AutogradContext::get_saved_variables() const {
  std::vector<TensorBase> out;
  out.reserve(saved_.size() + to_save_.size());
  if (saved_.empty()) return to_save_;  // forward did not need recording
  for (const SavedTensor& s : saved_) out.push_back(s.unpack(*node_));
  return out;
}

// Makes `node` the history of `outputs` (one edge per input, in order) and saves what
// ctx.save_for_backward asked for. Call after forward ran without recording; returns
// the outputs (those that need no history come back unchanged).
inline std::vector<TensorBase> record_function(const std::shared_ptr<CustomFunctionNode>& node,
                                               const std::vector<TensorBase>& inputs,
                                               std::vector<TensorBase> outputs) {
  AutogradContext& ctx = node->ctx();
  bool any = false;
  ctx.needs_input_grad_.clear();
  for (const TensorBase& in : inputs) {
    const bool r = GradMode::is_enabled() && requires_grad(in);
    ctx.needs_input_grad_.push_back(r);
    any = any || r;
  }
  if (!any) return outputs;
  for (const TensorBase& in : inputs) node->add_next_edge(gradient_edge(in));
  for (std::size_t k = 0; k < outputs.size(); ++k) {
    TensorBase& out = outputs[k];
    // An input returned as is must not have its own history replaced.
    for (const TensorBase& in : inputs) {
      if (out.defined() && out.is_same(in)) out = detail::alias_without_history(out);
    }
    bool differentiable = out.defined() && is_differentiable_dtype(out.dtype());
    for (const TensorImpl* p : ctx.non_differentiable_) {
      differentiable = differentiable && p != out.impl().get();
    }
    if (differentiable) {
      set_history(out, node);
    } else if (out.defined()) {
      node->add_output(out);
    }
  }
  for (const TensorBase& t : ctx.to_save_) {
    int output_nr = -1;
    for (std::size_t k = 0; k < outputs.size(); ++k) {
      if (t.defined() && outputs[k].defined() && t.is_same(outputs[k])) output_nr = int(k);
    }
    ctx.saved_.emplace_back(t, output_nr);
  }
  ctx.to_save_.clear();
  return outputs;
}

namespace detail {
// "Cube" for struct Cube (the compiler's mangled name where it cannot be demangled).
inline std::string type_name(const std::type_info& type) {
#if defined(__GNUG__)
  int status = 0;
  std::unique_ptr<char, void (*)(void*)> name(
      abi::__cxa_demangle(type.name(), nullptr, nullptr, &status), std::free);
  if (status == 0 && name) return name.get();
#endif
  return type.name();
}

template <typename T>
constexpr bool is_tensor_arg_v =
    std::is_base_of_v<TensorBase, std::remove_cv_t<std::remove_reference_t<T>>>;

template <typename T>
void collect_tensor_arg(const T& arg, std::size_t position, std::vector<TensorBase>& tensors,
                        std::vector<std::size_t>& positions) {
  if constexpr (is_tensor_arg_v<T>) {
    tensors.push_back(arg);
    positions.push_back(position);
  }
}
}  // namespace detail

template <typename Derived>
struct Function {
  // Runs Derived::forward(ctx, args...) without recording, then records one node whose
  // backward is Derived::backward. Returns what forward returned (a tensor or a vector).
  template <typename... Args>
  static auto apply(Args&&... args) {
    auto node = std::make_shared<CustomFunctionNode>(
        detail::type_name(typeid(Derived)) + "Backward",
        [](AutogradContext& ctx, std::vector<TensorBase> g) {
          return Derived::backward(&ctx, std::move(g));
        });
    std::vector<TensorBase> inputs;
    std::vector<std::size_t> positions;
    std::size_t position = 0;
    (detail::collect_tensor_arg(args, position++, inputs, positions), ...);
    node->tensor_positions_ = positions;
    using Result = decltype(Derived::forward(&node->ctx(), std::forward<Args>(args)...));
    Result result = untracked([&] { return Derived::forward(&node->ctx(), std::forward<Args>(args)...); });
    if constexpr (std::is_same_v<Result, std::vector<TensorBase>>) {
      return record_function(node, inputs, std::move(result));
    } else {
      return Result(record_function(node, inputs, {TensorBase(result)})[0]);
    }
  }
};

}  // namespace tensorbridge::autograd
