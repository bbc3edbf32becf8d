#pragma once
// Differentiable elementwise ops: each backward node sits right above its forward
// function, so every formula can be read next to the op it differentiates.
//
// Formulas return gradients of the output's shape and dtype; the engine reduces broadcast
// gradients to each input's shape and casts them to its dtype (engine.hpp, in one place).
// Formulas are written with these same differentiable functions, so with create_graph
// they record a graph of their own (gradients of gradients).
#include <cmath>
#include <complex>
#include <string_view>

#include "tensorbridge/autograd/meta.hpp"
#include "tensorbridge/autograd/saved_tensor.hpp"
#include "tensorbridge/core/factory.hpp"
#include "tensorbridge/ops/binary.hpp"
#include "tensorbridge/ops/complex.hpp"
#include "tensorbridge/ops/elementwise.hpp"
#include "tensorbridge/ops/unary.hpp"

namespace tensorbridge::autograd {

TensorBase add(const TensorBase& a, const TensorBase& b, const Scalar& alpha = 1);
TensorBase mul(const TensorBase& a, const TensorBase& b);
TensorBase mul(const TensorBase& a, const Scalar& b);
TensorBase div(const TensorBase& a, const TensorBase& b, std::string_view rounding_mode = {});
TensorBase neg(const TensorBase& a);
TensorBase pow(const TensorBase& a, const TensorBase& b);
TensorBase pow(const TensorBase& a, const Scalar& exponent);
TensorBase log(const TensorBase& x);  // functions_unary.hpp
TensorBase where(const TensorBase& cond, const TensorBase& a, const TensorBase& b);
TensorBase conj(const TensorBase& x);  // functions_complex.hpp

namespace detail {
inline Scalar negate(const Scalar& s) {
  if (s.is_complex()) return Scalar(-s.to<complex128>());
  if (s.is_floating_point()) return Scalar(-s.to<double>());
  return Scalar(-s.to<int64_t>());
}
// Complex operands send gradients back through the conjugate of the local derivative
// (PyTorch's convention, see functions_complex.hpp); for reals these are the identity.
inline TensorBase conj_if_complex(const TensorBase& t) {
  return is_complex(t.dtype()) ? autograd::conj(t) : t;
}
inline Scalar conj_if_complex(const Scalar& s) {
  return s.is_complex() ? Scalar(std::conj(s.to<complex128>())) : s;
}
// The gradient of s * x: g * conj(s), skipping the multiply when s is 1.
inline TensorBase scaled(const TensorBase& g, const Scalar& s) {
  return ops::detail::is_one(s) ? g : autograd::mul(g, conj_if_complex(s));
}

// The in-place form of a differentiable op: `result` (computed out of place from self, or
// from a copy of self when the formula needs the old value) is written into self, and
// core's copy_ records that self now has result's history.
inline const TensorBase& rebase_inplace(const TensorBase& self, const TensorBase& result,
                                        const char* op) {
  hook_check_inplace(self, op);
  TB_CHECK(result.shape() == self.shape(), ValueError, op, ": output with shape ",
           shape_str(self.shape()), " doesn't match the broadcast shape ",
           shape_str(result.shape()));
  TB_CHECK(is_differentiable_dtype(self.dtype()), TypeError, op,
           ": the result requires grad but the tensor written in place has dtype ",
           self.dtype());
  self.copy_(result);
  return self;
}
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

// ---- mul: d(a*b) = g*conj(b), g*conj(a) ----------------------------------------------------
struct MulBackward final : Node {
  SavedTensor a, b;  // each kept only when the other input needs its gradient
  const char* name() const override { return "MulBackward"; }
  GradList apply(GradList&& g) override {
    GradList out(2);
    if (needs_input_grad(0)) out[0] = autograd::mul(g[0], detail::conj_if_complex(b.unpack(*this)));
    if (needs_input_grad(1)) out[1] = autograd::mul(g[0], detail::conj_if_complex(a.unpack(*this)));
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
  GradList apply(GradList&& g) override {
    return {autograd::mul(g[0], detail::conj_if_complex(scale))};
  }
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

// ---- div: d(a/b) = g/conj(b), -g*conj(a/b^2) ---------------------------------------------
struct DivBackward final : Node {
  SavedTensor a, b;
  const char* name() const override { return "DivBackward"; }
  GradList apply(GradList&& g) override {
    GradList out(2);
    const TensorBase bv = detail::conj_if_complex(b.unpack(*this));
    if (needs_input_grad(0)) out[0] = autograd::div(g[0], bv);
    if (needs_input_grad(1)) {
      const TensorBase av = detail::conj_if_complex(a.unpack(*this));
      out[1] = autograd::neg(autograd::div(autograd::mul(g[0], av), autograd::mul(bv, bv)));
    }
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
// s / b: d/db = -g * conj(s / b^2) = -g * conj(out / b)
struct RdivBackward final : Node {
  SavedTensor b, out;
  const char* name() const override { return "DivBackward"; }
  GradList apply(GradList&& g) override {
    return {autograd::neg(autograd::div(autograd::mul(g[0], detail::conj_if_complex(out.unpack(*this))),
                                        detail::conj_if_complex(b.unpack(*this))))};
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
  if (!needs_grad(a)) return ops::neg(a);
  TensorBase out = untracked([&] { return ops::neg(a); });
  set_history(out, make_node<NegBackward>(a));
  return out;
}

// ---- pow ---------------------------------------------------------------------------------
// d(a^b)/da = b a^(b-1); d(a^b)/db = a^b log(a), taken as 0 where a == 0 and b >= 0 (the real
// part of b, for complex b); complex operands get g times their conjugates.
struct PowBackward final : Node {
  SavedTensor a, b, out;
  const char* name() const override { return "PowBackward"; }
  GradList apply(GradList&& g) override {
    GradList r(2);
    const TensorBase av = a.unpack(*this), bv = b.unpack(*this);
    if (needs_input_grad(0)) {
      r[0] = autograd::mul(g[0], detail::conj_if_complex(autograd::mul(
                                     bv, autograd::pow(av, autograd::sub(bv, 1.0)))));
    }
    if (needs_input_grad(1)) {
      const TensorBase zero_base = ops::logical_and(ops::eq(av, 0), ops::ge(ops::real(bv), 0));
      const TensorBase term =
          detail::conj_if_complex(autograd::mul(out.unpack(*this), autograd::log(av)));
      r[1] = autograd::mul(g[0], autograd::where(zero_base, ops::mul(term, 0).detach(), term));
    }
    return r;
  }
  void release_saved() override {
    a.release();
    b.release();
    out.release();
  }
};
inline TensorBase pow(const TensorBase& a, const TensorBase& b) {
  if (!needs_grad(a, b)) return ops::pow(a, b);
  TensorBase out = untracked([&] { return ops::pow(a, b); });
  auto node = make_node<PowBackward>(a, b);
  node->a = SavedTensor(a);
  node->b = SavedTensor(b);
  if (node->needs_input_grad(1)) node->out = SavedTensor(out, 0);
  set_history(out, node);
  return out;
}
struct PowScalarExponentBackward final : Node {
  SavedTensor a;
  Scalar exponent;
  const char* name() const override { return "PowBackward"; }
  GradList apply(GradList&& g) override {
    if (!exponent.is_complex() && exponent.to<double>() == 0.0) {
      return {ops::mul(g[0], 0)};
    }
    const Scalar e_minus_1 = exponent.is_complex()
                                 ? Scalar(exponent.to<complex128>() - 1.0)
                                 : Scalar(exponent.to<double>() - 1.0);
    return {autograd::mul(
        autograd::mul(g[0], detail::conj_if_complex(autograd::pow(a.unpack(*this), e_minus_1))),
        detail::conj_if_complex(exponent))};
  }
  void release_saved() override { a.release(); }
};
inline TensorBase pow(const TensorBase& a, const Scalar& exponent) {
  if (!needs_grad(a)) return ops::pow(a, exponent);
  TensorBase out = untracked([&] { return ops::pow(a, exponent); });
  auto node = make_node<PowScalarExponentBackward>(a);
  node->a = SavedTensor(a);
  node->exponent = exponent;
  set_history(out, node);
  return out;
}
struct PowScalarBaseBackward final : Node {
  SavedTensor out;
  Scalar log_base = 0.0;
  const char* name() const override { return "PowBackward"; }
  GradList apply(GradList&& g) override {
    return {autograd::mul(g[0], detail::conj_if_complex(autograd::mul(out.unpack(*this), log_base)))};
  }
  void release_saved() override { out.release(); }
};
inline TensorBase pow(const Scalar& base, const TensorBase& b) {
  if (!needs_grad(b)) return ops::pow(base, b);
  TensorBase out = untracked([&] { return ops::pow(base, b); });
  auto node = make_node<PowScalarBaseBackward>(b);
  node->out = SavedTensor(out, 0);
  node->log_base = base.is_complex() ? Scalar(std::log(base.to<complex128>()))
                                     : Scalar(std::log(base.to<double>()));
  set_history(out, node);
  return out;
}

// ---- maximum / minimum: the gradient goes to the larger (smaller) input, split on ties ---
namespace detail {
// 1 where `pick` holds, 0.5 where a == b, else 0 (float, for multiplying the gradient).
inline TensorBase choice_weights(const TensorBase& pick, const TensorBase& tie) {
  return ops::where(pick, Scalar(1.0), ops::where(tie, Scalar(0.5), Scalar(0.0)));
}
}  // namespace detail
struct MaxMinBackward final : Node {
  SavedTensor a, b;
  bool is_max = true;
  const char* name() const override { return is_max ? "MaximumBackward" : "MinimumBackward"; }
  GradList apply(GradList&& g) override {
    const TensorBase av = a.unpack(*this), bv = b.unpack(*this);
    const TensorBase tie = ops::eq(av, bv);
    const TensorBase a_wins = is_max ? ops::gt(av, bv) : ops::lt(av, bv);
    const TensorBase b_wins = is_max ? ops::lt(av, bv) : ops::gt(av, bv);
    GradList r(2);
    if (needs_input_grad(0)) r[0] = autograd::mul(g[0], detail::choice_weights(a_wins, tie));
    if (needs_input_grad(1)) r[1] = autograd::mul(g[0], detail::choice_weights(b_wins, tie));
    return r;
  }
  void release_saved() override {
    a.release();
    b.release();
  }
};
inline TensorBase maximum(const TensorBase& a, const TensorBase& b) {
  if (!needs_grad(a, b)) return ops::maximum(a, b);
  TensorBase out = untracked([&] { return ops::maximum(a, b); });
  auto node = make_node<MaxMinBackward>(a, b);
  node->a = SavedTensor(a);
  node->b = SavedTensor(b);
  set_history(out, node);
  return out;
}
inline TensorBase minimum(const TensorBase& a, const TensorBase& b) {
  if (!needs_grad(a, b)) return ops::minimum(a, b);
  TensorBase out = untracked([&] { return ops::minimum(a, b); });
  auto node = make_node<MaxMinBackward>(a, b);
  node->is_max = false;
  node->a = SavedTensor(a);
  node->b = SavedTensor(b);
  set_history(out, node);
  return out;
}
struct MaxMinScalarBackward final : Node {
  SavedTensor a;
  Scalar other;
  bool is_max = true;
  const char* name() const override { return is_max ? "MaximumBackward" : "MinimumBackward"; }
  GradList apply(GradList&& g) override {
    const TensorBase av = a.unpack(*this);
    const TensorBase wins = is_max ? ops::gt(av, other) : ops::lt(av, other);
    return {autograd::mul(g[0], detail::choice_weights(wins, ops::eq(av, other)))};
  }
  void release_saved() override { a.release(); }
};
inline TensorBase maximum(const TensorBase& a, const Scalar& b) {
  if (!needs_grad(a)) return ops::maximum(a, b);
  TensorBase out = untracked([&] { return ops::maximum(a, b); });
  auto node = make_node<MaxMinScalarBackward>(a);
  node->a = SavedTensor(a);
  node->other = b;
  set_history(out, node);
  return out;
}
inline TensorBase maximum(const Scalar& a, const TensorBase& b) { return autograd::maximum(b, a); }
inline TensorBase minimum(const TensorBase& a, const Scalar& b) {
  if (!needs_grad(a)) return ops::minimum(a, b);
  TensorBase out = untracked([&] { return ops::minimum(a, b); });
  auto node = make_node<MaxMinScalarBackward>(a);
  node->is_max = false;
  node->a = SavedTensor(a);
  node->other = b;
  set_history(out, node);
  return out;
}
inline TensorBase minimum(const Scalar& a, const TensorBase& b) { return autograd::minimum(b, a); }

// ---- atan2(a, b): da = g b / (a^2 + b^2), db = -g a / (a^2 + b^2) ---------------------------
struct Atan2Backward final : Node {
  SavedTensor a, b;
  const char* name() const override { return "Atan2Backward"; }
  GradList apply(GradList&& g) override {
    const TensorBase av = a.unpack(*this), bv = b.unpack(*this);
    const TensorBase scale =
        autograd::div(g[0], autograd::add(autograd::mul(av, av), autograd::mul(bv, bv)));
    GradList r(2);
    if (needs_input_grad(0)) r[0] = autograd::mul(scale, bv);
    if (needs_input_grad(1)) r[1] = autograd::neg(autograd::mul(scale, av));
    return r;
  }
  void release_saved() override {
    a.release();
    b.release();
  }
};
inline TensorBase atan2(const TensorBase& a, const TensorBase& b) {
  if (!needs_grad(a, b)) return ops::atan2(a, b);
  TensorBase out = untracked([&] { return ops::atan2(a, b); });
  auto node = make_node<Atan2Backward>(a, b);
  node->a = SavedTensor(a);
  node->b = SavedTensor(b);
  set_history(out, node);
  return out;
}
// Scalar operands keep their weak-scalar promotion on the raw path; with a gradient to
// record they become 0-d tensors of the other operand's (floating) dtype.
inline TensorBase atan2(const TensorBase& a, const Scalar& b) {
  if (!needs_grad(a)) return ops::atan2(a, b);
  return autograd::atan2(a, full({}, b, a.dtype(), a.device()));
}
inline TensorBase atan2(const Scalar& a, const TensorBase& b) {
  if (!needs_grad(b)) return ops::atan2(a, b);
  return autograd::atan2(full({}, a, b.dtype(), b.device()), b);
}

// ---- remainder: a - floor(a / b) * b; da = g, db = -g * floor(a / b) ------------------------
struct RemainderBackward final : Node {
  SavedTensor a, b;
  const char* name() const override { return "RemainderBackward"; }
  GradList apply(GradList&& g) override {
    GradList r(2);
    if (needs_input_grad(0)) r[0] = g[0];
    if (needs_input_grad(1)) {
      r[1] = autograd::neg(autograd::mul(g[0], ops::floor_divide(a.unpack(*this), b.unpack(*this))));
    }
    return r;
  }
  void release_saved() override {
    a.release();
    b.release();
  }
};
inline TensorBase remainder(const TensorBase& a, const TensorBase& b) {
  if (!needs_grad(a, b)) return ops::remainder(a, b);
  TensorBase out = untracked([&] { return ops::remainder(a, b); });
  auto node = make_node<RemainderBackward>(a, b);
  if (node->needs_input_grad(1)) {
    node->a = SavedTensor(a);
    node->b = SavedTensor(b);
  }
  set_history(out, node);
  return out;
}
inline TensorBase remainder(const TensorBase& a, const Scalar& b) {
  if (!needs_grad(a)) return ops::remainder(a, b);
  TensorBase out = untracked([&] { return ops::remainder(a, b); });
  set_history(out, make_node<AddScalarBackward>(a));
  return out;
}
inline TensorBase remainder(const Scalar& a, const TensorBase& b) {
  if (!needs_grad(b)) return ops::remainder(a, b);
  return autograd::remainder(full({}, a, b.dtype(), b.device()), b);
}

// ---- where(cond, a, b): the gradient goes to a where cond holds, to b elsewhere ------------
struct WhereBackward final : Node {
  TensorBase cond;  // bool, never modified through autograd
  const char* name() const override { return "WhereBackward"; }
  GradList apply(GradList&& g) override {
    const TensorBase zero = zeros({}, g[0].dtype(), g[0].device());
    GradList r(2);
    if (needs_input_grad(0)) r[0] = autograd::where(cond, g[0], zero);
    if (needs_input_grad(1)) r[1] = autograd::where(cond, zero, g[0]);
    return r;
  }
};
inline TensorBase where(const TensorBase& cond, const TensorBase& a, const TensorBase& b) {
  if (!needs_grad(a, b)) return ops::where(cond, a, b);
  TensorBase out = untracked([&] { return ops::where(cond, a, b); });
  auto node = make_node<WhereBackward>(a, b);
  node->cond = cond;
  set_history(out, node);
  return out;
}
inline TensorBase where(const TensorBase& cond, const TensorBase& a, const Scalar& b) {
  if (!needs_grad(a)) return ops::where(cond, a, b);
  return autograd::where(cond, a, full({}, b, a.dtype(), a.device()));
}
inline TensorBase where(const TensorBase& cond, const Scalar& a, const TensorBase& b) {
  if (!needs_grad(b)) return ops::where(cond, a, b);
  return autograd::where(cond, full({}, a, b.dtype(), b.device()), b);
}
using ops::where;

// ---- in-place forms ----------------------------------------------------------------------
// Without a gradient to record these are the raw in-place ops. Otherwise the result is
// computed out of place (from a copy of self where the formula keeps self's old value) and
// written back through rebase_inplace.
namespace detail {
inline bool requires_grad_operand(const TensorBase& t) { return needs_grad(t); }
inline bool requires_grad_operand(const Scalar&) { return false; }
inline const TensorBase& same_or(const TensorBase& other, const TensorBase& self,
                                 const TensorBase& copy) {
  return other.is_same(self) ? copy : other;
}
inline const Scalar& same_or(const Scalar& other, const TensorBase&, const TensorBase&) {
  return other;
}

template <typename Other, typename OutOfPlace, typename Raw>
const TensorBase& inplace_binary(const char* op, const TensorBase& self, const Other& other,
                                 bool keeps_self, OutOfPlace&& out_of_place, Raw&& raw) {
  if (!needs_grad(self) && !requires_grad_operand(other)) return raw();
  const TensorBase base = keeps_self ? self.clone() : self;
  return rebase_inplace(self, out_of_place(base, same_or(other, self, base)), op);
}
}  // namespace detail

inline const TensorBase& add_(const TensorBase& self, const TensorBase& other,
                              const Scalar& alpha = 1) {
  return detail::inplace_binary(
      "add_", self, other, false,
      [&](const TensorBase& a, const TensorBase& b) { return autograd::add(a, b, alpha); },
      [&]() -> const TensorBase& { return ops::add_(self, other, alpha); });
}
inline const TensorBase& add_(const TensorBase& self, const Scalar& other,
                              const Scalar& alpha = 1) {
  return detail::inplace_binary(
      "add_", self, other, false,
      [&](const TensorBase& a, const Scalar& b) { return autograd::add(a, b, alpha); },
      [&]() -> const TensorBase& { return ops::add_(self, other, alpha); });
}
inline const TensorBase& sub_(const TensorBase& self, const TensorBase& other,
                              const Scalar& alpha = 1) {
  return detail::inplace_binary(
      "sub_", self, other, false,
      [&](const TensorBase& a, const TensorBase& b) { return autograd::sub(a, b, alpha); },
      [&]() -> const TensorBase& { return ops::sub_(self, other, alpha); });
}
inline const TensorBase& sub_(const TensorBase& self, const Scalar& other,
                              const Scalar& alpha = 1) {
  return detail::inplace_binary(
      "sub_", self, other, false,
      [&](const TensorBase& a, const Scalar& b) { return autograd::sub(a, b, alpha); },
      [&]() -> const TensorBase& { return ops::sub_(self, other, alpha); });
}
inline const TensorBase& div_(const TensorBase& self, const TensorBase& other,
                              std::string_view rounding_mode = {}) {
  return detail::inplace_binary(
      "div_", self, other, true,
      [&](const TensorBase& a, const TensorBase& b) { return autograd::div(a, b, rounding_mode); },
      [&]() -> const TensorBase& { return ops::div_(self, other, rounding_mode); });
}
inline const TensorBase& div_(const TensorBase& self, const Scalar& other,
                              std::string_view rounding_mode = {}) {
  return detail::inplace_binary(
      "div_", self, other, false,
      [&](const TensorBase& a, const Scalar& b) { return autograd::div(a, b, rounding_mode); },
      [&]() -> const TensorBase& { return ops::div_(self, other, rounding_mode); });
}

// op_(self, tensor) and op_(self, scalar) for binary ops without parameters.
#define TB_AUTOGRAD_BINARY_INPLACE(op, keeps_self)                                               \
  inline const TensorBase& op##_(const TensorBase& self, const TensorBase& other) {              \
    return detail::inplace_binary(                                                               \
        #op "_", self, other, keeps_self,                                                        \
        [](const TensorBase& a, const TensorBase& b) { return autograd::op(a, b); },             \
        [&]() -> const TensorBase& { return ops::op##_(self, other); });                         \
  }                                                                                              \
  inline const TensorBase& op##_(const TensorBase& self, const Scalar& other) {                  \
    return detail::inplace_binary(                                                               \
        #op "_", self, other, keeps_self,                                                        \
        [](const TensorBase& a, const Scalar& b) { return autograd::op(a, b); },                 \
        [&]() -> const TensorBase& { return ops::op##_(self, other); });                         \
  }
TB_AUTOGRAD_BINARY_INPLACE(mul, true)
TB_AUTOGRAD_BINARY_INPLACE(pow, true)
TB_AUTOGRAD_BINARY_INPLACE(maximum, true)
TB_AUTOGRAD_BINARY_INPLACE(minimum, true)
TB_AUTOGRAD_BINARY_INPLACE(atan2, true)
TB_AUTOGRAD_BINARY_INPLACE(remainder, true)
#undef TB_AUTOGRAD_BINARY_INPLACE

// Not differentiable (integer or bool results): the raw ops as they are, so that every
// public elementwise function has an autograd:: counterpart to forward to.
using ops::bitwise_and;
using ops::bitwise_and_;
using ops::bitwise_left_shift;
using ops::bitwise_left_shift_;
using ops::bitwise_or;
using ops::bitwise_or_;
using ops::bitwise_right_shift;
using ops::bitwise_right_shift_;
using ops::bitwise_xor;
using ops::bitwise_xor_;
using ops::eq;
using ops::eq_;
using ops::floor_divide;
using ops::floor_divide_;
using ops::ge;
using ops::ge_;
using ops::gt;
using ops::gt_;
using ops::le;
using ops::le_;
using ops::logical_and;
using ops::logical_and_;
using ops::logical_or;
using ops::logical_or_;
using ops::logical_xor;
using ops::logical_xor_;
using ops::lt;
using ops::lt_;
using ops::ne;
using ops::ne_;
}  // namespace tensorbridge::autograd

// The unary ops (log, used by pow's formula, is defined there).
#include "tensorbridge/autograd/functions_unary.hpp"
