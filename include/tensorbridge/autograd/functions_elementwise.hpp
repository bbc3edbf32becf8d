#pragma once
// Differentiable elementwise ops: each backward node sits right above its forward
// function, so every formula can be read next to the op it differentiates.
//
// Formulas return gradients of the output's shape and dtype; the engine reduces broadcast
// gradients to each input's shape and casts them to its dtype (engine.hpp, in one place).
// Formulas are written with these same differentiable functions, so with create_graph
// they record a graph of their own (gradients of gradients).
#include <cmath>
#include <string_view>

#include "tensorbridge/autograd/meta.hpp"
#include "tensorbridge/autograd/saved_tensor.hpp"
#include "tensorbridge/ops/binary.hpp"

namespace tensorbridge::autograd {

TensorBase add(const TensorBase& a, const TensorBase& b, const Scalar& alpha = 1);
TensorBase mul(const TensorBase& a, const TensorBase& b);
TensorBase mul(const TensorBase& a, const Scalar& b);
TensorBase div(const TensorBase& a, const TensorBase& b, std::string_view rounding_mode = {});
TensorBase neg(const TensorBase& a);

namespace detail {
inline bool is_one(const Scalar& s) { return !s.is_complex() && s.to<double>() == 1.0; }
inline Scalar negate(const Scalar& s) {
  if (s.is_complex()) return Scalar(-s.to<complex128>());
  if (s.is_floating_point()) return Scalar(-s.to<double>());
  return Scalar(-s.to<int64_t>());
}
// g * s, skipping the multiply when s is 1.
inline TensorBase scaled(const TensorBase& g, const Scalar& s) { return is_one(s) ? g : autograd::mul(g, s); }
}  // namespace detail

// ---- add: a + alpha * b ------------------------------------------------------------------
struct AddBackward final : Node {
  Scalar alpha = 1;
  const char* name() const override { return "AddBackward"; }
  GradList apply(GradList&& g) override { return {g[0], detail::scaled(g[0], alpha)}; }
};
inline TensorBase add(const TensorBase& a, const TensorBase& b, const Scalar& alpha) {
  if (!needs_grad(a, b)) return ops::add(a, b, alpha);
  TensorBase out = untracked([&] { return ops::add(a, b, alpha); });
  auto node = make_node<AddBackward>(a, b);
  node->alpha = alpha;
  set_history(out, node);
  return out;
}
// t + alpha * s or s + alpha * t: the tensor's gradient is g (times alpha for the second).
struct AddScalarBackward final : Node {
  Scalar scale = 1;
  const char* name() const override { return "AddBackward"; }
  GradList apply(GradList&& g) override { return {detail::scaled(g[0], scale)}; }
};
inline TensorBase add(const TensorBase& a, const Scalar& b, const Scalar& alpha = 1) {
  if (!needs_grad(a)) return ops::add(a, b, alpha);
  TensorBase out = untracked([&] { return ops::add(a, b, alpha); });
  set_history(out, make_node<AddScalarBackward>(a));
  return out;
}
inline TensorBase add(const Scalar& a, const TensorBase& b, const Scalar& alpha = 1) {
  if (!needs_grad(b)) return ops::add(a, b, alpha);
  TensorBase out = untracked([&] { return ops::add(a, b, alpha); });
  auto node = make_node<AddScalarBackward>(b);
  node->scale = alpha;
  set_history(out, node);
  return out;
}

// ---- sub: a - alpha * b ------------------------------------------------------------------
inline TensorBase sub(const TensorBase& a, const TensorBase& b, const Scalar& alpha = 1) {
  if (!needs_grad(a, b)) return ops::sub(a, b, alpha);
  TensorBase out = untracked([&] { return ops::sub(a, b, alpha); });
  auto node = make_node<AddBackward>(a, b);
  node->alpha = detail::negate(alpha);
  set_history(out, node);
  return out;
}
inline TensorBase sub(const TensorBase& a, const Scalar& b, const Scalar& alpha = 1) {
  if (!needs_grad(a)) return ops::sub(a, b, alpha);
  TensorBase out = untracked([&] { return ops::sub(a, b, alpha); });
  set_history(out, make_node<AddScalarBackward>(a));
  return out;
}
inline TensorBase sub(const Scalar& a, const TensorBase& b, const Scalar& alpha = 1) {
  if (!needs_grad(b)) return ops::sub(a, b, alpha);
  TensorBase out = untracked([&] { return ops::sub(a, b, alpha); });
  auto node = make_node<AddScalarBackward>(b);
  node->scale = detail::negate(alpha);
  set_history(out, node);
  return out;
}

// ---- mul: d(a*b) = g*b, g*a --------------------------------------------------------------
struct MulBackward final : Node {
  SavedTensor a, b;  // each kept only when the other input needs its gradient
  const char* name() const override { return "MulBackward"; }
  GradList apply(GradList&& g) override {
    GradList out(2);
    if (needs_input_grad(0)) out[0] = autograd::mul(g[0], b.unpack(*this));
    if (needs_input_grad(1)) out[1] = autograd::mul(g[0], a.unpack(*this));
    return out;
  }
  void release_saved() override {
    a.release();
    b.release();
  }
};
inline TensorBase mul(const TensorBase& a, const TensorBase& b) {
  if (!needs_grad(a, b)) return ops::mul(a, b);
  TensorBase out = untracked([&] { return ops::mul(a, b); });
  auto node = make_node<MulBackward>(a, b);
  if (node->needs_input_grad(1)) node->a = SavedTensor(a);
  if (node->needs_input_grad(0)) node->b = SavedTensor(b);
  set_history(out, node);
  return out;
}
struct MulScalarBackward final : Node {
  Scalar scale = 1;
  const char* name() const override { return "MulBackward"; }
  GradList apply(GradList&& g) override { return {autograd::mul(g[0], scale)}; }
};
inline TensorBase mul(const TensorBase& a, const Scalar& b) {
  if (!needs_grad(a)) return ops::mul(a, b);
  TensorBase out = untracked([&] { return ops::mul(a, b); });
  auto node = make_node<MulScalarBackward>(a);
  node->scale = b;
  set_history(out, node);
  return out;
}
inline TensorBase mul(const Scalar& a, const TensorBase& b) { return autograd::mul(b, a); }

// ---- div: d(a/b) = g/b, -g*a/b^2 ---------------------------------------------------------
struct DivBackward final : Node {
  SavedTensor a, b;
  const char* name() const override { return "DivBackward"; }
  GradList apply(GradList&& g) override {
    GradList out(2);
    const TensorBase bv = b.unpack(*this);
    if (needs_input_grad(0)) out[0] = autograd::div(g[0], bv);
    if (needs_input_grad(1)) out[1] = autograd::neg(autograd::div(autograd::mul(g[0], a.unpack(*this)), autograd::mul(bv, bv)));
    return out;
  }
  void release_saved() override {
    a.release();
    b.release();
  }
};
// Rounded division (rounding_mode "trunc"/"floor") is piecewise constant: no gradient.
inline TensorBase div(const TensorBase& a, const TensorBase& b, std::string_view rounding_mode) {
  if (!needs_grad(a, b) || !rounding_mode.empty()) return ops::div(a, b, rounding_mode);
  TensorBase out = untracked([&] { return ops::div(a, b); });
  auto node = make_node<DivBackward>(a, b);
  if (node->needs_input_grad(1)) node->a = SavedTensor(a);
  node->b = SavedTensor(b);
  set_history(out, node);
  return out;
}
inline TensorBase div(const TensorBase& a, const Scalar& b, std::string_view rounding_mode = {}) {
  if (!needs_grad(a) || !rounding_mode.empty()) return ops::div(a, b, rounding_mode);
  TensorBase out = untracked([&] { return ops::div(a, b); });
  auto node = make_node<MulScalarBackward>(a);
  node->scale = b.is_complex() ? Scalar(1.0 / b.to<complex128>()) : Scalar(1.0 / b.to<double>());
  set_history(out, node);
  return out;
}
// s / b: d/db = -g * s / b^2 = -g * out / b
struct RdivBackward final : Node {
  SavedTensor b, out;
  const char* name() const override { return "DivBackward"; }
  GradList apply(GradList&& g) override {
    return {autograd::neg(autograd::div(autograd::mul(g[0], out.unpack(*this)), b.unpack(*this)))};
  }
  void release_saved() override {
    b.release();
    out.release();
  }
};
inline TensorBase div(const Scalar& a, const TensorBase& b, std::string_view rounding_mode = {}) {
  if (!needs_grad(b) || !rounding_mode.empty()) return ops::div(a, b, rounding_mode);
  TensorBase out = untracked([&] { return ops::div(a, b); });
  auto node = make_node<RdivBackward>(b);
  node->b = SavedTensor(b);
  node->out = SavedTensor(out, 0);
  set_history(out, node);
  return out;
}

// ---- neg ---------------------------------------------------------------------------------
struct NegBackward final : Node {
  const char* name() const override { return "NegBackward"; }
  GradList apply(GradList&& g) override { return {autograd::neg(g[0])}; }
};
inline TensorBase neg(const TensorBase& a) {
  if (!needs_grad(a)) return ops::mul(a, Scalar(-1));
  TensorBase out = untracked([&] { return ops::mul(a, Scalar(-1)); });
  set_history(out, make_node<NegBackward>(a));
  return out;
}

}  // namespace tensorbridge::autograd
