#pragma once
// Differentiable matrix products. For C = A @ B: dA = dC @ B^H and dB = A^H @ dC (the
// conjugate transposes; plain transposes for real operands); the
// engine sums the gradients of broadcast batch dimensions back (sum_to), and 1-D operands
// of matmul go through unsqueeze/squeeze views, whose gradients the view node handles.
#include "tensorbridge/autograd/functions_elementwise.hpp"
#include "tensorbridge/autograd/meta.hpp"
#include "tensorbridge/autograd/saved_tensor.hpp"
#include "tensorbridge/ops/linalg.hpp"

namespace tensorbridge::autograd {

TensorBase matmul(const TensorBase& a, const TensorBase& b);
TensorBase mm(const TensorBase& a, const TensorBase& b);
TensorBase mv(const TensorBase& a, const TensorBase& v);
TensorBase dot(const TensorBase& a, const TensorBase& b);

// Saves each operand only when the other one needs its gradient.
struct ProductBackward : Node {
  SavedTensor a, b;
  void save(const TensorBase& lhs, const TensorBase& rhs) {
    if (needs_input_grad(1)) a = SavedTensor(lhs);
    if (needs_input_grad(0)) b = SavedTensor(rhs);
  }
  // The saved operands as the formulas use them: conjugated when complex.
  TensorBase lhs() { return detail::conj_if_complex(a.unpack(*this)); }
  TensorBase rhs() { return detail::conj_if_complex(b.unpack(*this)); }
  void release_saved() override {
    a.release();
    b.release();
  }
};

template <typename N, typename Raw>
TensorBase record_product(const TensorBase& a, const TensorBase& b, Raw&& raw) {
  TensorBase out = untracked(raw);
  auto node = make_node<N>(a, b);
  node->save(a, b);
  set_history(out, node);
  return out;
}

// ---- mm: [m, k] @ [k, n] -----------------------------------------------------------------
struct MmBackward final : ProductBackward {
  const char* name() const override { return "MmBackward"; }
  GradList apply(GradList&& g) override {
    GradList out(2);
    if (needs_input_grad(0)) out[0] = autograd::mm(g[0], rhs().t());
    if (needs_input_grad(1)) out[1] = autograd::mm(lhs().t(), g[0]);
    return out;
  }
};
inline TensorBase mm(const TensorBase& a, const TensorBase& b) {
  if (!needs_grad(a, b)) return ops::mm(a, b);
  return record_product<MmBackward>(a, b, [&] { return ops::mm(a, b); });
}

// ---- matmul (and bmm): [..., m, k] @ [..., k, n] with broadcast batches ------------------
struct MatmulBackward final : ProductBackward {
  const char* name() const override { return "MatmulBackward"; }
  GradList apply(GradList&& g) override {
    GradList out(2);
    if (needs_input_grad(0)) out[0] = autograd::matmul(g[0], rhs().mT());
    if (needs_input_grad(1)) out[1] = autograd::matmul(lhs().mT(), g[0]);
    return out;
  }
};
inline TensorBase matmul(const TensorBase& a, const TensorBase& b) {
  if (!needs_grad(a, b)) return ops::matmul(a, b);
  if (a.dim() == 1 && b.dim() == 1) return autograd::dot(a, b);
  if (a.dim() == 1) return autograd::matmul(a.unsqueeze(0), b).squeeze(-2);
  if (b.dim() == 1) return autograd::matmul(a, b.unsqueeze(-1)).squeeze(-1);
  return record_product<MatmulBackward>(a, b, [&] { return ops::matmul(a, b); });
}
inline TensorBase bmm(const TensorBase& a, const TensorBase& b) {
  if (!needs_grad(a, b)) return ops::bmm(a, b);
  return record_product<MatmulBackward>(a, b, [&] { return ops::bmm(a, b); });
}

// ---- mv: [m, k] @ [k] --------------------------------------------------------------------
struct MvBackward final : ProductBackward {
  const char* name() const override { return "MvBackward"; }
  GradList apply(GradList&& g) override {
    GradList out(2);
    if (needs_input_grad(0)) out[0] = autograd::mul(g[0].unsqueeze(1), rhs().unsqueeze(0));
    if (needs_input_grad(1)) out[1] = autograd::mv(lhs().t(), g[0]);
    return out;
  }
};
inline TensorBase mv(const TensorBase& a, const TensorBase& v) {
  if (!needs_grad(a, v)) return ops::mv(a, v);
  return record_product<MvBackward>(a, v, [&] { return ops::mv(a, v); });
}

// ---- dot and outer -------------------------------------------------------------------------
struct DotBackward final : ProductBackward {
  const char* name() const override { return "DotBackward"; }
  GradList apply(GradList&& g) override {
    GradList out(2);
    if (needs_input_grad(0)) out[0] = autograd::mul(rhs(), g[0]);
    if (needs_input_grad(1)) out[1] = autograd::mul(lhs(), g[0]);
    return out;
  }
};
inline TensorBase dot(const TensorBase& a, const TensorBase& b) {
  if (!needs_grad(a, b)) return ops::dot(a, b);
  return record_product<DotBackward>(a, b, [&] { return ops::dot(a, b); });
}

struct OuterBackward final : ProductBackward {
  const char* name() const override { return "OuterBackward"; }
  GradList apply(GradList&& g) override {
    GradList out(2);
    if (needs_input_grad(0)) out[0] = autograd::mv(g[0], rhs());
    if (needs_input_grad(1)) out[1] = autograd::mv(g[0].t(), lhs());
    return out;
  }
};
inline TensorBase outer(const TensorBase& a, const TensorBase& b) {
  if (!needs_grad(a, b)) return ops::outer(a, b);
  return record_product<OuterBackward>(a, b, [&] { return ops::outer(a, b); });
}

// ---- addmm: beta * input + alpha * (m1 @ m2) -----------------------------------------------
struct AddmmBackward final : Node {
  SavedTensor m1, m2;
  Scalar alpha = 1, beta = 1;
  const char* name() const override { return "AddmmBackward"; }
  GradList apply(GradList&& g) override {
    GradList out(3);
    if (needs_input_grad(0)) out[0] = detail::scaled(g[0], beta);
    if (needs_input_grad(1)) {
      out[1] = detail::scaled(autograd::mm(g[0], detail::conj_if_complex(m2.unpack(*this)).t()), alpha);
    }
    if (needs_input_grad(2)) {
      out[2] = detail::scaled(autograd::mm(detail::conj_if_complex(m1.unpack(*this)).t(), g[0]), alpha);
    }
    return out;
  }
  void release_saved() override {
    m1.release();
    m2.release();
  }
};
inline TensorBase addmm(const TensorBase& input, const TensorBase& m1, const TensorBase& m2,
                        const Scalar& beta = 1, const Scalar& alpha = 1) {
  if (!needs_grad(input, m1, m2)) return ops::addmm(input, m1, m2, beta, alpha);
  TensorBase out = untracked([&] { return ops::addmm(input, m1, m2, beta, alpha); });
  auto node = make_node<AddmmBackward>(input, m1, m2);
  node->alpha = alpha;
  node->beta = beta;
  if (node->needs_input_grad(2)) node->m1 = SavedTensor(m1);
  if (node->needs_input_grad(1)) node->m2 = SavedTensor(m2);
  set_history(out, node);
  return out;
}

}  // namespace tensorbridge::autograd
