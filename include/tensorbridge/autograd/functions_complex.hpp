#pragma once
// Differentiable complex ops: the component views (real, imag, view_as_real,
// view_as_complex), conj, angle, sgn, complex and polar.
//
// Convention (PyTorch's): for a real loss L of a complex x = a + ib, x.grad is
// dL/da + i dL/db, the conjugate Wirtinger derivative times 2. A holomorphic op y = f(x)
// then sends back g * conj(f'(x)), which is why the formulas of mul, div, exp, ... conj
// their local derivative (detail::conj_if_complex); real-valued ops of complex inputs
// (abs, angle, real, imag) send back complex gradients; and a real input that met a complex
// value gets the real part of its gradient (the engine's cast back to the input's dtype).
#include "tensorbridge/autograd/functions_elementwise.hpp"
#include "tensorbridge/autograd/meta.hpp"
#include "tensorbridge/autograd/saved_tensor.hpp"
#include "tensorbridge/core/factory.hpp"
#include "tensorbridge/ops/complex.hpp"

namespace tensorbridge::autograd {

TensorBase complex(const TensorBase& real_part, const TensorBase& imag_part);
TensorBase real(const TensorBase& x);
TensorBase imag(const TensorBase& x);
TensorBase view_as_real(const TensorBase& x);
TensorBase view_as_complex(const TensorBase& x);

namespace detail {

// A 0-d zero of g's dtype and device, broadcast by complex() to g's shape.
inline TensorBase scalar_zero(const TensorBase& g) { return zeros({}, g.dtype(), g.device()); }

// Records a component view made by `raw` (a view of x's memory with another dtype) with a
// node of type N, and marks it as a view of x's base, so in-place writes through it are
// checked like those through any other view (functions_view.hpp).
template <typename N, typename Raw>
TensorBase record_complex_view(const TensorBase& x, Raw&& raw) {
  TensorBase out = raw();
  if (!needs_grad(x)) return out;
  set_history(out, make_node<N>(x));
  const AutogradMeta* base_meta = meta_of(x);
  ensure_meta(out).base = base_meta->base.defined() ? base_meta->base : x;
  return out;
}

}  // namespace detail

// ---- views ---------------------------------------------------------------------------------
struct RealBackward final : Node {  // d real(x): g + 0i
  const char* name() const override { return "RealBackward"; }
  GradList apply(GradList&& g) override {
    return {autograd::complex(g[0], detail::scalar_zero(g[0]))};
  }
};
inline TensorBase real(const TensorBase& x) {
  if (!is_complex(x.dtype())) return x;
  return detail::record_complex_view<RealBackward>(x, [&] { return ops::real(x); });
}

struct ImagBackward final : Node {  // d imag(x): 0 + g i
  const char* name() const override { return "ImagBackward"; }
  GradList apply(GradList&& g) override {
    return {autograd::complex(detail::scalar_zero(g[0]), g[0])};
  }
};
inline TensorBase imag(const TensorBase& x) {
  return detail::record_complex_view<ImagBackward>(x, [&] { return ops::imag(x); });
}

struct ViewAsRealBackward final : Node {  // the pairs of g back as complex numbers
  const char* name() const override { return "ViewAsRealBackward"; }
  GradList apply(GradList&& g) override {
    return {autograd::complex(g[0].select(-1, 0), g[0].select(-1, 1))};
  }
};
inline TensorBase view_as_real(const TensorBase& x) {
  return detail::record_complex_view<ViewAsRealBackward>(x, [&] { return ops::view_as_real(x); });
}

struct ViewAsComplexBackward final : Node {  // g's components as the trailing pairs
  const char* name() const override { return "ViewAsComplexBackward"; }
  GradList apply(GradList&& g) override { return {autograd::view_as_real(g[0])}; }
};
inline TensorBase view_as_complex(const TensorBase& x) {
  return detail::record_complex_view<ViewAsComplexBackward>(
      x, [&] { return ops::view_as_complex(x); });
}

// ---- complex(real, imag) and polar(abs, angle) -------------------------------------------
struct ComplexBackward final : Node {
  const char* name() const override { return "ComplexBackward"; }
  GradList apply(GradList&& g) override {
    GradList out(2);
    if (needs_input_grad(0)) out[0] = autograd::real(g[0]);
    if (needs_input_grad(1)) out[1] = autograd::imag(g[0]);
    return out;
  }
};
inline TensorBase complex(const TensorBase& real_part, const TensorBase& imag_part) {
  if (!needs_grad(real_part, imag_part)) return ops::complex(real_part, imag_part);
  TensorBase out = untracked([&] { return ops::complex(real_part, imag_part); });
  set_history(out, make_node<ComplexBackward>(real_part, imag_part));
  return out;
}
// Composed of differentiable ops, so its gradients follow from theirs.
inline TensorBase polar(const TensorBase& abs, const TensorBase& angle) {
  if (!needs_grad(abs, angle)) return ops::polar(abs, angle);
  ops::detail::check_component_pair(abs, angle, "polar", "abs", "angle");
  return autograd::complex(autograd::mul(abs, autograd::cos(angle)),
                           autograd::mul(abs, autograd::sin(angle)));
}

// ---- conj, angle, sgn ------------------------------------------------------------------------
// conj is antilinear: d conj(x) sends back conj(g). Real tensors are their own conjugate and
// are returned as they are (no node: it is the same tensor).
inline TensorBase conj_physical(const TensorBase& x) {
  if (!is_complex(x.dtype())) return x;
  return detail::record_unary(
      "ConjPhysicalBackward", x, detail::Save::Nothing, [&] { return ops::conj_physical(x); },
      [](const TensorBase& g, const TensorBase&, const TensorBase&) {
        return autograd::conj_physical(g);
      });
}
inline TensorBase conj(const TensorBase& x) { return autograd::conj_physical(x); }
inline const TensorBase& conj_physical_(const TensorBase& x) {
  if (!needs_grad(x)) return ops::conj_physical_(x);
  if (!is_complex(x.dtype())) return x;
  return detail::rebase_inplace(x, autograd::conj_physical(x), "conj_physical_");
}

// d angle(x) for complex x: g * i x / |x|^2 (0 at x = 0); for real x the angle is piecewise
// constant, so the gradient is 0.
inline TensorBase angle(const TensorBase& x) {
  return detail::record_unary(
      "AngleBackward", x, detail::Save::Input, [&] { return ops::angle(x); },
      [](const TensorBase& g, const TensorBase& x, const TensorBase&) {
        if (!is_complex(x.dtype())) return detail::zeros_grad(g);
        const TensorBase abs2 = autograd::real(autograd::mul(x, autograd::conj(x)));
        const TensorBase dir = autograd::div(autograd::mul(x, Scalar(complex128(0, 1))), abs2);
        const TensorBase at_zero = ops::eq(x, 0);
        return autograd::where(at_zero, detail::scalar_zero(dir), autograd::mul(g, dir));
      });
}

// sgn(x) = x / |x| moves only along the circle: d sgn sends back the part of g tangent to
// it, (g - s Re(g conj(s))) / |x| with s = sgn(x), and 0 at x = 0. Real x: sign's (0).
inline TensorBase sgn(const TensorBase& x) {
  if (!is_complex(x.dtype())) return autograd::sign(x);
  return detail::record_unary(
      "SgnBackward", x, detail::Save::Both, [&] { return ops::sgn(x); },
      [](const TensorBase& g, const TensorBase& x, const TensorBase& s) {
        const TensorBase radial = autograd::real(autograd::mul(g, autograd::conj(s)));
        const TensorBase tangent = autograd::sub(g, autograd::mul(s, radial));
        const TensorBase r = autograd::abs(x);
        return autograd::where(ops::eq(r, 0), detail::scalar_zero(g), autograd::div(tangent, r));
      });
}
inline const TensorBase& sgn_(const TensorBase& x) {
  if (!needs_grad(x)) return ops::sgn_(x);
  return detail::rebase_inplace(x, autograd::sgn(x.clone()), "sgn_");
}

}  // namespace tensorbridge::autograd
