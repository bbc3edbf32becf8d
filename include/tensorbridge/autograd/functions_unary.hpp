#pragma once
// Differentiable unary ops: one line per op with its forward (the raw op) and its
// gradient formula in terms of the incoming gradient g, the input x and the output y.
// Formulas use differentiable ops, so they record a graph under create_graph.
//
// In-place forms (exp_, relu_, ...) on tensors that need a gradient compute the
// out-of-place result and copy it in (core's copy_ then records the new history); ops
// whose formula needs the old input work on a copy of it, so the write cannot invalidate
// what backward needs.
#include <cmath>
#include <optional>
#include <string_view>

#include "tensorbridge/autograd/functions_elementwise.hpp"
#include "tensorbridge/autograd/meta.hpp"
#include "tensorbridge/autograd/saved_tensor.hpp"
#include "tensorbridge/core/factory.hpp"
#include "tensorbridge/ops/unary.hpp"

namespace tensorbridge::autograd {

TensorBase sin(const TensorBase& x);
TensorBase cos(const TensorBase& x);
TensorBase exp(const TensorBase& x);
TensorBase tanh(const TensorBase& x);
TensorBase erf(const TensorBase& x);
TensorBase sgn(const TensorBase& x);  // functions_complex.hpp

namespace detail {

inline constexpr double kPi = 3.14159265358979323846;

enum class Save { Input, Output, Both, Nothing };

template <typename Formula>
struct UnaryBackward final : Node {
  const char* op_name = "UnaryBackward";
  SavedTensor x, y;
  Formula formula;
  explicit UnaryBackward(Formula f) : formula(std::move(f)) {}
  const char* name() const override { return op_name; }
  GradList apply(GradList&& g) override {
    return {formula(g[0], x.unpack(*this), y.unpack(*this))};
  }
  void release_saved() override {
    x.release();
    y.release();
  }
};

// Runs raw() untracked and, when x needs a gradient, records a node whose backward is
// formula(g, x, y).
template <typename Raw, typename Formula>
TensorBase record_unary(const char* name, const TensorBase& x, Save save, Raw&& raw,
                        Formula formula) {
  if (!needs_grad(x)) return raw();
  TensorBase y = untracked(raw);
  if (!is_differentiable_dtype(y.dtype())) return y;
  auto node = std::make_shared<UnaryBackward<Formula>>(std::move(formula));
  node->op_name = name;
  node->add_next_edge(gradient_edge(x));
  if (save == Save::Input || save == Save::Both) node->x = SavedTensor(x);
  if (save == Save::Output || save == Save::Both) node->y = SavedTensor(y, 0);
  set_history(y, node);
  return y;
}

inline TensorBase zeros_grad(const TensorBase& g) {
  return zeros(g.shape(), g.dtype(), g.device());
}

// d|x| = sgn(x): sign for reals (piecewise constant, so not recorded), x / |x| for complex
// numbers (differentiable, for gradients of gradients).
inline TensorBase abs_derivative(const TensorBase& x) {
  return is_complex(x.dtype()) ? autograd::sgn(x) : ops::sign(x);
}

}  // namespace detail

// ---- the table: op, what it saves, d(op)/dx times g --------------------------------------
// For complex x, holomorphic ops send back g * conj(d(op)/dx) (functions_complex.hpp).
#define TB_AUTOGRAD_UNARY(op, Name, save, formula)                                             \
  inline TensorBase op(const TensorBase& x) {                                                   \
    return detail::record_unary(                                                               \
        Name, x, detail::Save::save, [&] { return ops::op(x); },                               \
        [](const TensorBase& g, const TensorBase& x, const TensorBase& y) {                    \
          (void)x;                                                                             \
          (void)y;                                                                             \
          return formula;                                                                      \
        });                                                                                    \
  }                                                                                            \
  inline const TensorBase& op##_(const TensorBase& x) {                                        \
    if (!needs_grad(x)) return ops::op##_(x);                                                  \
    const bool copy = detail::Save::save == detail::Save::Input ||                            \
                      detail::Save::save == detail::Save::Both;                                \
    return detail::rebase_inplace(x, autograd::op(copy ? x.clone() : x), #op "_");             \
  }

TB_AUTOGRAD_UNARY(abs, "AbsBackward", Input, autograd::mul(g, detail::abs_derivative(x)))
TB_AUTOGRAD_UNARY(exp, "ExpBackward", Output, autograd::mul(g, detail::conj_if_complex(y)))
TB_AUTOGRAD_UNARY(expm1, "Expm1Backward", Output,
                  autograd::mul(g, detail::conj_if_complex(autograd::add(y, 1.0))))
TB_AUTOGRAD_UNARY(log, "LogBackward", Input, autograd::div(g, detail::conj_if_complex(x)))
TB_AUTOGRAD_UNARY(log1p, "Log1pBackward", Input,
                  autograd::div(g, detail::conj_if_complex(autograd::add(x, 1.0))))
TB_AUTOGRAD_UNARY(log2, "Log2Backward", Input, autograd::div(g, autograd::mul(x, std::log(2.0))))
TB_AUTOGRAD_UNARY(log10, "Log10Backward", Input,
                  autograd::div(g, autograd::mul(x, std::log(10.0))))
TB_AUTOGRAD_UNARY(sqrt, "SqrtBackward", Output,
                  autograd::div(g, detail::conj_if_complex(autograd::mul(y, 2.0))))
TB_AUTOGRAD_UNARY(rsqrt, "RsqrtBackward", Output,
                  autograd::mul(g, detail::conj_if_complex(autograd::mul(
                                       autograd::mul(autograd::mul(y, y), y), -0.5))))
TB_AUTOGRAD_UNARY(sin, "SinBackward", Input,
                  autograd::mul(g, detail::conj_if_complex(autograd::cos(x))))
TB_AUTOGRAD_UNARY(cos, "CosBackward", Input,
                  autograd::neg(autograd::mul(g, detail::conj_if_complex(autograd::sin(x)))))
TB_AUTOGRAD_UNARY(tan, "TanBackward", Output,
                  autograd::mul(g, detail::conj_if_complex(autograd::add(autograd::mul(y, y), 1.0))))
TB_AUTOGRAD_UNARY(tanh, "TanhBackward", Output,
                  autograd::mul(g, detail::conj_if_complex(autograd::sub(1.0, autograd::mul(y, y)))))
TB_AUTOGRAD_UNARY(sigmoid, "SigmoidBackward", Output,
                  autograd::mul(g, detail::conj_if_complex(autograd::mul(y, autograd::sub(1.0, y)))))
TB_AUTOGRAD_UNARY(relu, "ReluBackward", Output, autograd::mul(g, ops::gt(y, 0)))
TB_AUTOGRAD_UNARY(erf, "ErfBackward", Input,
                  autograd::mul(g, autograd::mul(autograd::exp(autograd::neg(autograd::mul(x, x))),
                                                 2.0 / std::sqrt(detail::kPi))))
TB_AUTOGRAD_UNARY(reciprocal, "ReciprocalBackward", Output,
                  autograd::neg(autograd::mul(g, detail::conj_if_complex(autograd::mul(y, y)))))
TB_AUTOGRAD_UNARY(square, "SquareBackward", Input,
                  autograd::mul(g, detail::conj_if_complex(autograd::mul(x, 2.0))))
// Piecewise constant: the gradient is zero (PyTorch returns zeros, not None).
TB_AUTOGRAD_UNARY(sign, "SignBackward", Nothing, detail::zeros_grad(g))
TB_AUTOGRAD_UNARY(floor, "FloorBackward", Nothing, detail::zeros_grad(g))
TB_AUTOGRAD_UNARY(ceil, "CeilBackward", Nothing, detail::zeros_grad(g))
TB_AUTOGRAD_UNARY(trunc, "TruncBackward", Nothing, detail::zeros_grad(g))
#undef TB_AUTOGRAD_UNARY

// neg is also used by the binary formulas, so it lives in functions_elementwise.hpp;
// here is its in-place form.
inline const TensorBase& neg_(const TensorBase& x) {
  if (!needs_grad(x)) return ops::neg_(x);
  return detail::rebase_inplace(x, autograd::neg(x), "neg_");
}

inline TensorBase round(const TensorBase& x, int64_t decimals = 0) {
  return detail::record_unary(
      "RoundBackward", x, detail::Save::Nothing, [&] { return ops::round(x, decimals); },
      [](const TensorBase& g, const TensorBase&, const TensorBase&) {
        return detail::zeros_grad(g);
      });
}
inline const TensorBase& round_(const TensorBase& x, int64_t decimals = 0) {
  if (!needs_grad(x)) return ops::round_(x, decimals);
  return detail::rebase_inplace(x, autograd::round(x, decimals), "round_");
}

// gelu: exact x * Phi(x), or the tanh approximation 0.5 x (1 + tanh(k (x + 0.044715 x^3))).
inline TensorBase gelu(const TensorBase& x, std::string_view approximate = "none") {
  if (approximate == "tanh") {
    return detail::record_unary(
        "GeluBackward", x, detail::Save::Input, [&] { return ops::gelu(x, approximate); },
        [](const TensorBase& g, const TensorBase& x, const TensorBase&) {
          const double k = std::sqrt(2.0 / detail::kPi);
          const TensorBase x2 = autograd::mul(x, x);
          const TensorBase t =
              autograd::tanh(autograd::mul(autograd::mul(x, autograd::add(autograd::mul(x2, 0.044715), 1.0)), k));
          const TensorBase left = autograd::mul(autograd::add(t, 1.0), 0.5);
          const TensorBase dt = autograd::mul(autograd::sub(1.0, autograd::mul(t, t)),
                                              autograd::mul(autograd::add(autograd::mul(x2, 3 * 0.044715), 1.0), k));
          return autograd::mul(g, autograd::add(left, autograd::mul(autograd::mul(x, dt), 0.5)));
        });
  }
  return detail::record_unary(
      "GeluBackward", x, detail::Save::Input, [&] { return ops::gelu(x, approximate); },
      [](const TensorBase& g, const TensorBase& x, const TensorBase&) {
        const TensorBase cdf =
            autograd::mul(autograd::add(autograd::erf(autograd::mul(x, 1.0 / std::sqrt(2.0))), 1.0), 0.5);
        const TensorBase pdf = autograd::mul(
            autograd::exp(autograd::mul(autograd::mul(x, x), -0.5)), 1.0 / std::sqrt(2 * detail::kPi));
        return autograd::mul(g, autograd::add(cdf, autograd::mul(x, pdf)));
      });
}

// clamp with scalar bounds: the gradient flows where min <= x <= max.
inline TensorBase clamp(const TensorBase& x, const std::optional<Scalar>& min,
                        const std::optional<Scalar>& max = std::nullopt) {
  return detail::record_unary(
      "ClampBackward", x, detail::Save::Input, [&] { return ops::clamp(x, min, max); },
      [min, max](const TensorBase& g, const TensorBase& x, const TensorBase&) {
        TensorBase mask;
        if (min) mask = ops::ge(x, *min);
        if (max) {
          const TensorBase below = ops::le(x, *max);
          mask = mask.defined() ? ops::logical_and(mask, below) : below;
        }
        return autograd::mul(g, mask);
      });
}
inline const TensorBase& clamp_(const TensorBase& x, const std::optional<Scalar>& min,
                                const std::optional<Scalar>& max = std::nullopt) {
  if (!needs_grad(x)) return ops::clamp_(x, min, max);
  return detail::rebase_inplace(x, autograd::clamp(x.clone(), min, max), "clamp_");
}

// clamp with tensor bounds: maximum(x, min) then minimum(., max), each differentiable.
inline TensorBase clamp(const TensorBase& x, const std::optional<TensorBase>& min,
                        const std::optional<TensorBase>& max = std::nullopt) {
  if (!needs_grad(x) && !(min && needs_grad(*min)) && !(max && needs_grad(*max))) {
    return ops::clamp(x, min, max);
  }
  TB_CHECK(min || max, ValueError, "clamp: at least one of 'min' or 'max' must not be None");
  const TensorBase low = min ? autograd::maximum(x, *min) : x;
  return max ? autograd::minimum(low, *max) : low;
}
inline const TensorBase& clamp_(const TensorBase& x, const std::optional<TensorBase>& min,
                                const std::optional<TensorBase>& max = std::nullopt) {
  if (!needs_grad(x) && !(min && needs_grad(*min)) && !(max && needs_grad(*max))) {
    return ops::clamp_(x, min, max);
  }
  return detail::rebase_inplace(x, autograd::clamp(x.clone(), min, max), "clamp_");
}

// Not differentiable (bool or integer results): the raw ops as they are.
using ops::bitwise_not;
using ops::bitwise_not_;
using ops::isfinite;
using ops::isinf;
using ops::isnan;
using ops::logical_not;
using ops::logical_not_;

}  // namespace tensorbridge::autograd

// The complex ops (sgn, used by abs's formula, is defined there).
#include "tensorbridge/autograd/functions_complex.hpp"
