#pragma once
// Differentiable building blocks of neural networks that are worth one node each instead
// of a chain of small ops: linear, the pointwise losses (MSE, L1, BCE, BCE with logits),
// cross-entropy / NLL (log-softmax fused in, both class indices and probabilities,
// weights, ignore_index, label smoothing) and embedding. Forward and backward are single
// loops over contiguous data; nn::functional forwards here.
//
// Backward formulas run their fused loops while grad mode is off (plain backward). With
// create_graph, linear recomposes its gradient from differentiable ops; the losses raise
// a clear error rather than silently return a first-order-only gradient.
//
// The fused loops read memory on the host. On a device the same losses are composed of
// differentiable ops instead (their kernels run there, and double backward comes with
// them); the targets of cross-entropy / NLL are small and are read on the host either way.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <optional>
#include <string_view>
#include <vector>

#include "tensorbridge/autograd/functions_elementwise.hpp"
#include "tensorbridge/autograd/functions_index.hpp"
#include "tensorbridge/autograd/functions_linalg.hpp"
#include "tensorbridge/autograd/functions_reduce.hpp"
#include "tensorbridge/autograd/functions_unary.hpp"
#include "tensorbridge/autograd/meta.hpp"
#include "tensorbridge/autograd/saved_tensor.hpp"
#include "tensorbridge/core/factory.hpp"
#include "tensorbridge/ops/broadcast.hpp"
#include "tensorbridge/ops/linalg.hpp"

namespace tensorbridge::autograd {

enum class Reduction { None, Mean, Sum };

inline Reduction parse_reduction(std::string_view name, const char* op) {
  if (name == "mean") return Reduction::Mean;
  if (name == "sum") return Reduction::Sum;
  if (name == "none") return Reduction::None;
  TB_THROW(ValueError, op, ": reduction must be 'mean', 'sum' or 'none', got '", name, "'");
}

namespace detail {

// Calls fn(TypeTag<T>{}) for float32 and float64, the dtypes the fused loops support.
template <typename Fn>
decltype(auto) visit_float_dtype(DType d, const char* op, Fn&& fn) {
  if (d == DType::Float32) return fn(TypeTag<float>{});
  if (d == DType::Float64) return fn(TypeTag<double>{});
  TB_THROW(TypeError, op, ": expected a float32 or float64 tensor, got ", d);
}

// `t` as a contiguous tensor of `shape` and `dtype` (a view or t itself when possible).
inline TensorBase dense(const TensorBase& t, const Shape& shape, DType dtype) {
  TensorBase out = t.dtype() == dtype ? t : t.to(dtype);
  if (out.shape() != shape) out = out.expand(shape);
  return out.contiguous();
}

// The loss operands (input, target, weight) on one device: DeviceError naming both.
inline Device loss_device(const char* op, const TensorBase& input, const TensorBase& target,
                          const TensorBase& weight) {
  for (const TensorBase* t : {&target, &weight}) {
    TB_CHECK(!t->defined() || t->device() == input.device(), DeviceError, op,
             ": expected all tensors to be on the same device, but found the input on ",
             input.device(), " (shape ", shape_str(input.shape()), ") and ",
             t == &target ? "the target" : "the weight", " on ", t->device(), " (shape ",
             shape_str(t->shape()), ")");
  }
  return input.device();
}

inline TensorBase reduce_loss(const TensorBase& elementwise, Reduction reduction) {
  if (reduction == Reduction::Sum) return autograd::sum(elementwise, {}, false, std::nullopt);
  if (reduction == Reduction::Mean) return autograd::mean(elementwise);
  return elementwise;
}

inline void check_no_double_backward(const char* op, const TensorBase& grad) {
  TB_CHECK(!GradMode::is_enabled() || !requires_grad(grad), Error, op,
           ": double backward (create_graph=true through this loss) is not supported");
}

}  // namespace detail

// ---- linear: x @ w^T + b -----------------------------------------------------------------
// dx = g @ w, dw = g^T @ x (batch dimensions flattened), db = g (the engine sums it to b's
// shape).
struct LinearBackward final : Node {
  SavedTensor x, w;
  const char* name() const override { return "LinearBackward"; }
  GradList apply(GradList&& grads) override {
    const TensorBase& g = grads[0];
    GradList out(3);
    // Complex operands: their conjugates (functions_complex.hpp).
    if (needs_input_grad(0)) out[0] = autograd::matmul(g, detail::conj_if_complex(w.unpack(*this)));
    if (needs_input_grad(1)) {
      const TensorBase xv = detail::conj_if_complex(x.unpack(*this));
      const int64_t in = xv.shape().back();
      const int64_t features = g.shape().back();
      out[1] = autograd::mm(g.reshape({-1, features}).t(), xv.reshape({-1, in}));
    }
    if (needs_input_grad(2)) out[2] = g;
    return out;
  }
  void release_saved() override {
    x.release();
    w.release();
  }
};

namespace detail {
inline TensorBase raw_linear(const TensorBase& x, const TensorBase& w, const TensorBase& b) {
  TB_CHECK(x.dim() >= 1 && w.dim() == 2 && x.shape().back() == w.shape()[1], ValueError,
           "linear: input of shape ", shape_str(x.shape()), " does not fit weight of shape ",
           shape_str(w.shape()), " (expected [..., ", w.dim() == 2 ? w.shape()[1] : -1, "])");
  if (x.dim() == 2) {
    return b.defined() ? ops::addmm(b, x, w.t()) : ops::mm(x, w.t());
  }
  Shape out_shape = x.shape();
  out_shape.back() = w.shape()[0];
  const TensorBase x2 = x.reshape({-1, x.shape().back()});
  const TensorBase y = b.defined() ? ops::addmm(b, x2, w.t()) : ops::mm(x2, w.t());
  return y.reshape(out_shape);
}
}  // namespace detail

inline TensorBase linear(const TensorBase& x, const TensorBase& w, const TensorBase& b = {}) {
  if (!needs_grad(x, w, b)) return detail::raw_linear(x, w, b);
  TensorBase out = untracked([&] { return detail::raw_linear(x, w, b); });
  auto node = make_node<LinearBackward>(x, w, b);
  if (node->needs_input_grad(1)) node->x = SavedTensor(x);
  if (node->needs_input_grad(0)) node->w = SavedTensor(w);
  set_history(out, node);
  return out;
}

// ---- pointwise losses: MSE, L1, BCE, BCE with logits --------------------------------------
enum class PointwiseLoss { Mse, L1, Bce, BceWithLogits };

namespace detail {

inline const char* loss_name(PointwiseLoss kind) {
  switch (kind) {
    case PointwiseLoss::Mse: return "mse_loss";
    case PointwiseLoss::L1: return "l1_loss";
    case PointwiseLoss::Bce: return "binary_cross_entropy";
    case PointwiseLoss::BceWithLogits: return "binary_cross_entropy_with_logits";
  }
  return "loss";
}

// The loss of one element, and its derivatives by x and by t. BCE clamps log at -100 as
// PyTorch does; BCE with logits uses max(x, 0) - x t + log1p(exp(-|x|)), which never
// overflows.
struct PointwiseTerms {
  double loss, dx, dt;
};
inline PointwiseTerms pointwise_terms(PointwiseLoss kind, double x, double t) {
  switch (kind) {
    case PointwiseLoss::Mse: return {(x - t) * (x - t), 2 * (x - t), -2 * (x - t)};
    case PointwiseLoss::L1: {
      const double s = x > t ? 1.0 : (x < t ? -1.0 : 0.0);
      return {std::abs(x - t), s, -s};
    }
    case PointwiseLoss::Bce: {
      const double log_x = std::max(std::log(x), -100.0);
      const double log_1mx = std::max(std::log1p(-x), -100.0);
      const double eps = 1e-12;
      return {-(t * log_x + (1 - t) * log_1mx), (x - t) / std::max((1 - x) * x, eps),
              log_1mx - log_x};
    }
    case PointwiseLoss::BceWithLogits: {
      const double sig = 1.0 / (1.0 + std::exp(-x));
      return {std::max(x, 0.0) - x * t + std::log1p(std::exp(-std::abs(x))), sig - t, -x};
    }
  }
  return {0, 0, 0};
}

}  // namespace detail

struct PointwiseLossBackward final : Node {
  PointwiseLoss kind = PointwiseLoss::Mse;
  Reduction reduction = Reduction::Mean;
  SavedTensor x, t, weight;
  Shape shape;  // the broadcast shape of input and target
  const char* name() const override {
    switch (kind) {
      case PointwiseLoss::Mse: return "MseLossBackward";
      case PointwiseLoss::L1: return "L1LossBackward";
      case PointwiseLoss::Bce: return "BinaryCrossEntropyBackward";
      case PointwiseLoss::BceWithLogits: return "BinaryCrossEntropyWithLogitsBackward";
    }
    return "LossBackward";
  }
  GradList apply(GradList&& grads) override {
    detail::check_no_double_backward(detail::loss_name(kind), grads[0]);
    const TensorBase xv = x.unpack(*this);
    const TensorBase tv = t.unpack(*this);
    const TensorBase wv = weight.unpack(*this);
    const DType dtype = xv.dtype();
    const TensorBase xd = detail::dense(xv, shape, dtype);
    const TensorBase td = detail::dense(tv, shape, dtype);
    const TensorBase wd = wv.defined() ? detail::dense(wv, shape, dtype) : TensorBase();
    const TensorBase gd = reduction == Reduction::None
                              ? detail::dense(grads[0], shape, dtype)
                              : grads[0].to(DType::Float64);
    const bool want_x = needs_input_grad(0), want_t = needs_input_grad(1);
    GradList out(2);
    if (want_x) out[0] = empty(shape, dtype);
    if (want_t) out[1] = empty(shape, dtype);
    detail::visit_float_dtype(dtype, "loss backward", [&](auto tag) {
      using T = typename decltype(tag)::type;
      const int64_t n = xd.numel();
      const T* px = static_cast<const T*>(xd.data_ptr());
      const T* pt = static_cast<const T*>(td.data_ptr());
      const T* pw = wd.defined() ? static_cast<const T*>(wd.data_ptr()) : nullptr;
      T* gx = want_x ? static_cast<T*>(out[0].data_ptr()) : nullptr;
      T* gt = want_t ? static_cast<T*>(out[1].data_ptr()) : nullptr;
      double scale = 1.0;
      const T* pg = nullptr;
      if (reduction == Reduction::None) {
        pg = static_cast<const T*>(gd.data_ptr());
      } else {
        scale = *static_cast<const double*>(gd.data_ptr());
        if (reduction == Reduction::Mean && n > 0) scale /= double(n);
      }
      if (kind == PointwiseLoss::Mse && !pw && !pg && !gt) {
        const T s = T(2 * scale);  // the hot case, kept vectorizable
        for (int64_t i = 0; i < n; ++i) gx[i] = s * (px[i] - pt[i]);
        return;
      }
      for (int64_t i = 0; i < n; ++i) {
        const detail::PointwiseTerms d = detail::pointwise_terms(kind, px[i], pt[i]);
        double s = pg ? double(pg[i]) : scale;
        if (pw) s *= double(pw[i]);
        if (gx) gx[i] = T(d.dx * s);
        if (gt) gt[i] = T(d.dt * s);
      }
    });
    return out;
  }
  void release_saved() override {
    x.release();
    t.release();
    weight.release();
  }
};

namespace detail {
// pointwise_loss from differentiable ops, for tensors on a device (same formulas as
// pointwise_terms).
inline TensorBase composed_pointwise_loss(PointwiseLoss kind, const TensorBase& x,
                                          const TensorBase& target, Reduction reduction,
                                          const TensorBase& weight) {
  const TensorBase t = target.dtype() == x.dtype() ? target : target.to(x.dtype());
  TensorBase l;
  switch (kind) {
    case PointwiseLoss::Mse: {
      const TensorBase d = autograd::sub(x, t);
      l = autograd::mul(d, d);
      break;
    }
    case PointwiseLoss::L1: l = autograd::abs(autograd::sub(x, t)); break;
    case PointwiseLoss::Bce: {
      const TensorBase log_x = autograd::maximum(autograd::log(x), Scalar(-100.0));
      const TensorBase log_1mx =
          autograd::maximum(autograd::log1p(autograd::neg(x)), Scalar(-100.0));
      l = autograd::neg(autograd::add(autograd::mul(t, log_x),
                                      autograd::mul(autograd::sub(Scalar(1), t), log_1mx)));
      break;
    }
    case PointwiseLoss::BceWithLogits:
      l = autograd::add(
          autograd::sub(autograd::relu(x), autograd::mul(x, t)),
          autograd::log1p(autograd::exp(autograd::neg(autograd::abs(x)))));
      break;
  }
  if (weight.defined()) {
    l = autograd::mul(l, weight.dtype() == x.dtype() ? weight : weight.to(x.dtype()));
  }
  return reduce_loss(l, reduction);
}
}  // namespace detail

// The loss of `input` against `target` (same shape, or broadcastable), optionally weighted
// per element (BCE), reduced to a 0-d mean or sum, or kept elementwise.
inline TensorBase pointwise_loss(PointwiseLoss kind, const TensorBase& input,
                                 const TensorBase& target, Reduction reduction,
                                 const TensorBase& weight = {}) {
  const char* op = detail::loss_name(kind);
  TB_CHECK(input.defined() && target.defined(), ValueError, op, ": undefined input or target");
  const DType dtype = input.dtype();
  TB_CHECK(is_floating_point(dtype), TypeError, op, ": expected a floating point input, got ",
           dtype, " (shape ", shape_str(input.shape()), ")");
  const Shape shape = broadcast_shapes(input.shape(), target.shape(), op);
  if (!detail::loss_device(op, input, target, weight).is_cpu()) {
    return detail::composed_pointwise_loss(kind, input, target, reduction, weight);
  }
  TensorBase out = untracked([&] {
    const TensorBase xd = detail::dense(input, shape, dtype);
    const TensorBase td = detail::dense(target, shape, dtype);
    const TensorBase wd = weight.defined() ? detail::dense(weight, shape, dtype) : TensorBase();
    TensorBase result = reduction == Reduction::None ? empty(shape, dtype) : empty({}, dtype);
    detail::visit_float_dtype(dtype, op, [&](auto tag) {
      using T = typename decltype(tag)::type;
      const int64_t n = xd.numel();
      const T* px = static_cast<const T*>(xd.data_ptr());
      const T* pt = static_cast<const T*>(td.data_ptr());
      const T* pw = wd.defined() ? static_cast<const T*>(wd.data_ptr()) : nullptr;
      T* po = static_cast<T*>(result.data_ptr());
      double acc = 0;
      if (kind == PointwiseLoss::Mse && !pw && reduction != Reduction::None) {
        for (int64_t i = 0; i < n; ++i) {
          const double d = double(px[i]) - double(pt[i]);
          acc += d * d;
        }
      } else {
        for (int64_t i = 0; i < n; ++i) {
          double l = detail::pointwise_terms(kind, px[i], pt[i]).loss;
          if (pw) l *= double(pw[i]);
          if (reduction == Reduction::None) {
            po[i] = T(l);
          } else {
            acc += l;
          }
        }
      }
      if (reduction == Reduction::Mean) {
        *po = T(n > 0 ? acc / double(n) : std::numeric_limits<double>::quiet_NaN());
      } else if (reduction == Reduction::Sum) {
        *po = T(acc);
      }
    });
    return result;
  });
  if (needs_grad(input, target)) {
    auto node = make_node<PointwiseLossBackward>(input, target);
    node->kind = kind;
    node->reduction = reduction;
    node->shape = shape;
    node->x = SavedTensor(input);
    node->t = SavedTensor(target);
    if (weight.defined()) node->weight = SavedTensor(weight.detach());
    set_history(out, node);
  }
  return out;
}

// ---- cross-entropy and NLL over [N, C] scores ----------------------------------------------
// With q[i, c] the weight row i puts on class c (w[y] on the target class, or w[c] * p[i, c]
// for probability targets, mixed with label smoothing), the loss of row i is
// -sum_c q[i, c] * logp[i, c] and its gradient by the logits is softmax * sum_c q - q.
// For NLL the input already holds log-probabilities and the gradient is just -q.
struct ClassLossOptions {
  TensorBase weight;  // [C] or undefined
  int64_t ignore_index = -100;
  Reduction reduction = Reduction::Mean;
  double label_smoothing = 0.0;
  bool log_softmax = true;  // cross_entropy; false: nll_loss
};

namespace detail {

// Fills q ([N, C], float64) and returns the divisor of the mean (sum of the weights of
// the non-ignored targets for indices, N for probabilities).
inline double class_loss_targets(const TensorBase& target, int64_t n, int64_t c,
                                 const ClassLossOptions& o, std::vector<double>& q,
                                 const char* op) {
  q.assign(static_cast<std::size_t>(n * c), 0.0);
  std::vector<double> w(static_cast<std::size_t>(c), 1.0);
  if (o.weight.defined()) {
    TB_CHECK(o.weight.dim() == 1 && o.weight.numel() == c, ValueError, op, ": weight of shape ",
             shape_str(o.weight.shape()), " does not match ", c, " classes");
    const TensorBase wd = o.weight.detach().to(DType::Float64).contiguous();
    std::copy_n(static_cast<const double*>(wd.data_ptr()), c, w.begin());
  }
  const double eps = o.label_smoothing;
  if (is_floating_point(target.dtype())) {
    TB_CHECK(target.numel() == n * c, ValueError, op, ": probability target of shape ",
             shape_str(target.shape()), " does not match input with ", n, " rows of ", c,
             " classes");
    const TensorBase td = target.detach().to(DType::Float64).contiguous();
    const double* pt = static_cast<const double*>(td.data_ptr());
    for (int64_t i = 0; i < n; ++i) {
      for (int64_t k = 0; k < c; ++k) {
        q[i * c + k] = w[k] * (pt[i * c + k] * (1 - eps) + eps / double(c));
      }
    }
    return double(n);
  }
  TB_CHECK(is_integral(target.dtype()), TypeError, op,
           ": expected class indices (an integer tensor) or probabilities, got dtype ",
           target.dtype());
  TB_CHECK(target.numel() == n, ValueError, op, ": target of shape ",
           shape_str(target.shape()), " does not match ", n, " rows");
  const TensorBase td = target.to(DType::Int64).contiguous();
  const int64_t* pt = static_cast<const int64_t*>(td.data_ptr());
  double divisor = 0;
  for (int64_t i = 0; i < n; ++i) {
    const int64_t y = pt[i];
    if (y == o.ignore_index) continue;
    TB_CHECK(y >= 0 && y < c, IndexError, op, ": target ", y, " is out of bounds for ", c,
             " classes (row ", i, ")");
    q[i * c + y] += w[y] * (1 - eps);
    if (eps > 0) {
      for (int64_t k = 0; k < c; ++k) q[i * c + k] += w[k] * eps / double(c);
    }
    divisor += w[y];
  }
  return divisor;
}

}  // namespace detail

struct ClassLossBackward final : Node {
  SavedTensor scores;  // logits (cross-entropy) or log-probabilities (NLL), [N, C]
  std::vector<double> q;
  double divisor = 1;
  ClassLossOptions options;
  const char* name() const override {
    return options.log_softmax ? "CrossEntropyLossBackward" : "NllLossBackward";
  }
  GradList apply(GradList&& grads) override {
    detail::check_no_double_backward(options.log_softmax ? "cross_entropy" : "nll_loss",
                                     grads[0]);
    const TensorBase s = scores.unpack(*this).contiguous();
    const int64_t n = s.shape()[0], c = s.shape()[1];
    const TensorBase g = grads[0].to(DType::Float64).contiguous();
    const double* pg = static_cast<const double*>(g.data_ptr());
    TensorBase out = empty(s.shape(), s.dtype());
    detail::visit_float_dtype(s.dtype(), name(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      const T* ps = static_cast<const T*>(s.data_ptr());
      T* po = static_cast<T*>(out.data_ptr());
      for (int64_t i = 0; i < n; ++i) {
        double scale = options.reduction == Reduction::None ? pg[i] : pg[0];
        if (options.reduction == Reduction::Mean) scale /= divisor;
        const double* qi = q.data() + i * c;
        if (!options.log_softmax) {
          for (int64_t k = 0; k < c; ++k) po[i * c + k] = T(-qi[k] * scale);
          continue;
        }
        double total = 0, max = -std::numeric_limits<double>::infinity(), z = 0;
        for (int64_t k = 0; k < c; ++k) {
          total += qi[k];
          max = std::max(max, double(ps[i * c + k]));
        }
        for (int64_t k = 0; k < c; ++k) z += std::exp(double(ps[i * c + k]) - max);
        for (int64_t k = 0; k < c; ++k) {
          const double softmax = std::exp(double(ps[i * c + k]) - max) / z;
          po[i * c + k] = T((softmax * total - qi[k]) * scale);
        }
      }
    });
    return {out};
  }
  void release_saved() override {
    scores.release();
    q.clear();
    q.shrink_to_fit();
  }
};

namespace detail {
// class_loss on a device: q (read from the targets on the host) moved to the scores'
// device, and the loss -sum_c q * log-probabilities from differentiable ops.
inline TensorBase composed_class_loss(const TensorBase& scores, bool single,
                                      const TensorBase& target, const ClassLossOptions& options,
                                      const char* op) {
  const int64_t n = scores.shape()[0], c = scores.shape()[1];
  ClassLossOptions host = options;
  if (options.weight.defined()) host.weight = options.weight.detach().cpu();
  std::vector<double> q;
  const double divisor = class_loss_targets(target.detach().cpu(), n, c, host, q, op);
  TensorBase q_host = empty({n, c}, DType::Float64);
  if (!q.empty()) std::memcpy(q_host.data_ptr(), q.data(), q.size() * sizeof(double));
  const TensorBase qt = q_host.to(scores.device(), scores.dtype());
  const TensorBase logp = options.log_softmax ? autograd::log_softmax(scores, 1) : scores;
  const TensorBase rows =
      autograd::neg(autograd::sum(autograd::mul(logp, qt), {1}, false, std::nullopt));
  if (options.reduction == Reduction::None) return single ? rows.reshape({}) : rows;
  const TensorBase total = autograd::sum(rows, {}, false, std::nullopt);
  return options.reduction == Reduction::Mean ? autograd::div(total, Scalar(divisor)) : total;
}
}  // namespace detail

// cross_entropy (options.log_softmax) or nll_loss over [N, C] scores, or [C] for one
// sample; class indices [N] (or 0-d) or probabilities [N, C].
inline TensorBase class_loss(const TensorBase& input, const TensorBase& target,
                             const ClassLossOptions& options) {
  const char* op = options.log_softmax ? "cross_entropy" : "nll_loss";
  TB_CHECK(input.dim() == 1 || input.dim() == 2, ValueError, op,
           ": expected input of shape [N, C] or [C], got ", shape_str(input.shape()));
  TB_CHECK(options.label_smoothing >= 0 && options.label_smoothing <= 1, ValueError, op,
           ": label_smoothing must be in [0, 1], got ", options.label_smoothing);
  TB_CHECK(options.log_softmax || options.label_smoothing == 0, ValueError, op,
           ": label smoothing needs cross_entropy");
  const bool single = input.dim() == 1;
  const TensorBase scores = single ? input.unsqueeze(0) : input;
  if (!detail::loss_device(op, input, target, options.weight).is_cpu()) {
    return detail::composed_class_loss(scores, single, target, options, op);
  }
  const int64_t n = scores.shape()[0], c = scores.shape()[1];
  auto node = std::make_shared<ClassLossBackward>();
  node->options = options;
  node->divisor = detail::class_loss_targets(target, n, c, options, node->q, op);
  TensorBase out = untracked([&] {
    const TensorBase s = scores.contiguous();
    TensorBase result = options.reduction == Reduction::None
                            ? empty(single ? Shape{} : Shape{n}, s.dtype())
                            : empty({}, s.dtype());
    detail::visit_float_dtype(s.dtype(), op, [&](auto tag) {
      using T = typename decltype(tag)::type;
      const T* ps = static_cast<const T*>(s.data_ptr());
      T* po = static_cast<T*>(result.data_ptr());
      double acc = 0;
      for (int64_t i = 0; i < n; ++i) {
        const double* qi = node->q.data() + i * c;
        double log_z = 0;
        if (options.log_softmax) {
          double max = -std::numeric_limits<double>::infinity(), z = 0;
          for (int64_t k = 0; k < c; ++k) max = std::max(max, double(ps[i * c + k]));
          for (int64_t k = 0; k < c; ++k) z += std::exp(double(ps[i * c + k]) - max);
          log_z = max + std::log(z);
        }
        double loss = 0;
        for (int64_t k = 0; k < c; ++k) {
          if (qi[k] != 0) loss -= qi[k] * (double(ps[i * c + k]) - log_z);
        }
        if (options.reduction == Reduction::None) {
          po[i] = T(loss);
        } else {
          acc += loss;
        }
      }
      if (options.reduction == Reduction::Mean) *po = T(acc / node->divisor);
      if (options.reduction == Reduction::Sum) *po = T(acc);
    });
    return result;
  });
  if (needs_grad(scores)) {
    node->add_next_edge(gradient_edge(scores));
    node->scores = SavedTensor(scores);
    set_history(out, node);
  }
  return out;
}

// ---- embedding: rows of a weight matrix picked by indices -----------------------------------
struct EmbeddingBackward final : Node {
  TensorBase indices;  // int64, contiguous, flattened
  Shape weight_shape;
  int64_t padding_idx = -1;
  const char* name() const override { return "EmbeddingBackward"; }
  GradList apply(GradList&& grads) override {
    const TensorBase g = grads[0].contiguous();
    const int64_t dim = weight_shape[1];
    TensorBase out = zeros(weight_shape, g.dtype());
    detail::visit_float_dtype(g.dtype(), name(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      const T* pg = static_cast<const T*>(g.data_ptr());
      const int64_t* pi = static_cast<const int64_t*>(indices.data_ptr());
      T* po = static_cast<T*>(out.data_ptr());
      for (int64_t r = 0; r < indices.numel(); ++r) {
        if (pi[r] == padding_idx) continue;
        for (int64_t k = 0; k < dim; ++k) po[pi[r] * dim + k] += pg[r * dim + k];
      }
    });
    return {out};
  }
};

namespace detail {
// embedding on a device: the rows picked by index_select (whose backward adds the
// gradient rows back with index_add); the padding row's gradient is masked out.
inline TensorBase device_embedding(const TensorBase& weight, const TensorBase& idx,
                                   const Shape& index_shape, int64_t padding_idx) {
  const int64_t rows = weight.shape()[0];
  if (idx.numel() > 0) {
    const int64_t lo = ops::amin(idx).item<int64_t>(), hi = ops::amax(idx).item<int64_t>();
    TB_CHECK(lo >= 0 && hi < rows, IndexError, "embedding: index ", lo < 0 ? lo : hi,
             " is out of range for an embedding of ", rows, " rows (device ", weight.device(),
             ")");
  }
  Shape out_shape = index_shape;
  out_shape.push_back(weight.shape()[1]);
  TensorBase picked = autograd::index_select(weight, 0, idx);
  if (padding_idx >= 0 && requires_grad(picked)) {
    // Same values; the gradient flows only through the rows whose mask is 1.
    const TensorBase keep = ops::ne(idx, Scalar(padding_idx)).to(weight.dtype()).unsqueeze(1);
    const TensorBase frozen = picked.detach();
    picked = autograd::add(autograd::mul(picked, keep),
                           ops::mul(frozen, ops::sub(Scalar(1), keep)));
  }
  return picked.reshape(out_shape);
}
}  // namespace detail

inline TensorBase embedding(const TensorBase& weight, const TensorBase& indices,
                            int64_t padding_idx = -1) {
  TB_CHECK(weight.dim() == 2, ValueError, "embedding: weight must be 2-D, got shape ",
           shape_str(weight.shape()));
  TB_CHECK(is_integral(indices.dtype()), TypeError,
           "embedding: indices must be an integer tensor, got dtype ", indices.dtype());
  const TensorBase idx = indices.to(DType::Int64).contiguous().reshape({-1});
  if (!detail::loss_device("embedding", weight, indices, {}).is_cpu()) {
    return detail::device_embedding(weight, idx, indices.shape(), padding_idx);
  }
  const int64_t rows = weight.shape()[0], dim = weight.shape()[1];
  const int64_t* pi = static_cast<const int64_t*>(idx.data_ptr());
  for (int64_t r = 0; r < idx.numel(); ++r) {
    TB_CHECK(pi[r] >= 0 && pi[r] < rows, IndexError, "embedding: index ", pi[r],
             " is out of range for an embedding of ", rows, " rows");
  }
  Shape out_shape = indices.shape();
  out_shape.push_back(dim);
  TensorBase out = untracked([&] {
    const TensorBase w = weight.contiguous();
    TensorBase result = empty(out_shape, w.dtype());
    const std::size_t row_bytes = static_cast<std::size_t>(dim) * w.element_size();
    for (int64_t r = 0; r < idx.numel(); ++r) {
      std::memcpy(static_cast<char*>(result.data_ptr()) + r * row_bytes,
                  static_cast<const char*>(w.data_ptr()) + pi[r] * row_bytes, row_bytes);
    }
    return result;
  });
  if (needs_grad(weight)) {
    auto node = make_node<EmbeddingBackward>(weight);
    node->indices = idx;
    node->weight_shape = weight.shape();
    node->padding_idx = padding_idx;
    set_history(out, node);
  }
  return out;
}

}  // namespace tensorbridge::autograd
