#pragma once
// Matrix products on the CPU with NumPy/PyTorch semantics: matmul (vectors, matrices and
// batches with broadcast batch dimensions), mm, bmm, mv, dot, outer and addmm. Raw compute
// only (no autograd); the public tb::matmul / TensorBase::matmul forward here (api_linalg.hpp).
//
// Both operands must have the same dtype, as in PyTorch's matmul. float32/float64 run
// Eigen's GEMM directly on the operands' memory (see kernels/cpu/gemm.hpp) and write
// straight into the output; float16/bfloat16 compute in float32; integers wrap.
#include <cstdint>
#include <type_traits>
#include <utility>
#include <vector>

#include "tensorbridge/core/copy.hpp"
#include "tensorbridge/core/tensor_base.hpp"
#include "tensorbridge/kernels/cpu/gemm.hpp"
#include "tensorbridge/ops/device_dispatch.hpp"

namespace tensorbridge {
namespace ops {
namespace linalg_detail {

// The dtype the product is computed in: float16/bfloat16 in float32, every integer type
// in uint64 (wrapping, then truncated back), the others as they are.
inline DType compute_dtype(DType dtype, const char* op) {
  TB_CHECK(dtype != DType::Bool, TypeError, op, ": not implemented for dtype bool");
  if (dtype == DType::Float16 || dtype == DType::BFloat16) return DType::Float32;
  if (is_integral(dtype)) return DType::UInt64;
  return dtype;
}

inline void check_operands(const TensorBase& a, const TensorBase& b, const char* op) {
  detail::common_device(op, {&a, &b});  // device operands go to detail::device_matmul
  TB_CHECK(a.dtype() == b.dtype(), TypeError, op,
           ": expected both operands to have the same dtype, but got ", a.dtype(), " and ",
           b.dtype(), " (shapes ", shape_str(a.shape()), " and ", shape_str(b.shape()), ")");
}

inline void check_inner(const TensorBase& a, const TensorBase& b, int64_t ka, int64_t kb,
                        const char* op) {
  TB_CHECK(ka == kb, ValueError, op, ": shapes ", shape_str(a.shape()), " and ",
           shape_str(b.shape()), " cannot be multiplied (", ka, " != ", kb, ")");
}

// alpha and beta of an integer product must be integers (PyTorch's rule).
inline void check_integer_scalars(DType dtype, const Scalar& alpha, const Scalar& beta,
                                  const char* op) {
  if (!is_integral(dtype, true)) return;
  TB_CHECK(alpha.is_integral() || alpha.is_bool(), TypeError, op, ": for ", dtype,
           " tensors alpha must be an integer, but got ", alpha);
  TB_CHECK(beta.is_integral() || beta.is_bool(), TypeError, op, ": for ", dtype,
           " tensors beta must be an integer, but got ", beta);
}

template <typename T>
kernels::cpu::MatrixRef<T> matrix_at(T* base, const TensorBase& t, int64_t offset) {
  const int64_t nd = t.dim();
  return {base + offset, t.shape()[nd - 2], t.shape()[nd - 1], t.strides()[nd - 2],
          t.strides()[nd - 1]};
}

// out[..., m, n] = alpha * a[..., m, k] @ b[..., k, n] + beta * out, for batch shapes that
// already agree (broadcast operands carry stride 0). `out` is contiguous.
template <typename T>
void batched_gemm(const TensorBase& a, const TensorBase& b, const TensorBase& out, T alpha,
                  T beta) {
  const int64_t nb = out.dim() - 2;
  const Shape batch(out.shape().begin(), out.shape().begin() + nb);
  const int64_t batches = checked_numel(batch, "matmul");
  const int64_t m = out.shape()[nb], n = out.shape()[nb + 1];
  const auto* pa = static_cast<const T*>(a.data_ptr());
  const auto* pb = static_cast<const T*>(b.data_ptr());
  auto* pc = static_cast<T*>(out.data_ptr());
  if (batches == 0 || m == 0 || n == 0) return;
  using Ref = kernels::cpu::MatrixRef<const T>;

  // One tall GEMM when B is shared by every batch and A's batch and row dimensions merge
  // (e.g. a contiguous [batch, m, k] times a [k, n] weight), as PyTorch does.
  bool b_shared = true;
  for (int64_t d = 0; d < nb; ++d) b_shared = b_shared && (batch[d] == 1 || b.strides()[d] == 0);
  if (nb > 0 && b_shared) {
    const Shape rows(a.shape().begin(), a.shape().begin() + nb + 1);
    const Strides row_strides(a.strides().begin(), a.strides().begin() + nb + 1);
    if (auto merged =
            ::tensorbridge::detail::view_strides(rows, row_strides, {batches * m})) {
      const Ref ma{pa, batches * m, a.shape()[nb + 1], (*merged)[0], a.strides()[nb + 1]};
      kernels::cpu::gemm<T>(ma, matrix_at(pb, b, 0), {pc, batches * m, n, n, 1}, alpha, beta);
      return;
    }
  }

  std::vector<int64_t> index(static_cast<std::size_t>(nb), 0);
  int64_t offset_a = 0, offset_b = 0;
  for (int64_t i = 0; i < batches; ++i) {
    kernels::cpu::gemm<T>(matrix_at(pa, a, offset_a), matrix_at(pb, b, offset_b),
                          {pc + i * m * n, m, n, n, 1}, alpha, beta);
    for (int64_t d = nb - 1; d >= 0; --d) {  // odometer over the batch dimensions
      if (++index[d] < batch[d]) {
        offset_a += a.strides()[d];
        offset_b += b.strides()[d];
        break;
      }
      index[d] = 0;
      offset_a -= a.strides()[d] * (batch[d] - 1);
      offset_b -= b.strides()[d] * (batch[d] - 1);
    }
  }
}

// alpha * a @ b + beta * addend for a: [batch..., m, k], b: [batch..., k, n] with equal
// batch shapes, and `addend` undefined or broadcastable to [batch..., m, n]. Returns a new
// contiguous tensor of a's dtype.
inline TensorBase product(const TensorBase& a, const TensorBase& b, const TensorBase& addend,
                          const Scalar& alpha, const Scalar& beta, const char* op) {
  if (!a.device().is_cpu()) return detail::device_matmul(a, b, addend, alpha, beta, op);
  const DType dtype = a.dtype();
  const DType compute = compute_dtype(dtype, op);
  const int64_t nd = a.dim();
  Shape out_shape(a.shape().begin(), a.shape().end() - 1);
  out_shape.push_back(b.shape()[nd - 1]);
  TensorBase out = ::tensorbridge::detail::new_cpu_tensor(out_shape, compute, op);
  const bool use_addend = addend.defined() && beta.to<complex128>() != complex128(0);
  if (use_addend) out.copy_(addend);
  // Converting a broadcast operand would materialize it; convert before expanding instead
  // (the callers pass compute-dtype operands except for the cheap cases handled here).
  const TensorBase ca = a.dtype() == compute ? a : a.to(compute);
  const TensorBase cb = b.dtype() == compute ? b : b.to(compute);
  visit_dtype(compute, [&](auto tag) {
    using T = typename decltype(tag)::type;
    if constexpr (std::is_same_v<T, float> || std::is_same_v<T, double> ||
                  std::is_same_v<T, complex64> || std::is_same_v<T, complex128> ||
                  std::is_same_v<T, uint64_t>) {
      batched_gemm<T>(ca, cb, out, alpha.to<T>(), use_addend ? beta.to<T>() : T(0));
    }
  });
  return compute == dtype ? out : out.to(dtype);
}

// Broadcasts the batch shapes of a [..., m, k] and b [..., k, n] and expands both.
inline std::pair<TensorBase, TensorBase> broadcast_batches(const TensorBase& a,
                                                           const TensorBase& b,
                                                           const TensorBase& a_orig,
                                                           const TensorBase& b_orig,
                                                           const char* op) {
  const int64_t na = a.dim() - 2, nb = b.dim() - 2;
  const int64_t n = na > nb ? na : nb;
  Shape batch(static_cast<std::size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    const int64_t da = i - (n - na), db = i - (n - nb);
    const int64_t sa = da >= 0 ? a.shape()[da] : 1;
    const int64_t sb = db >= 0 ? b.shape()[db] : 1;
    TB_CHECK(sa == sb || sa == 1 || sb == 1, ValueError, op, ": batch dimensions ",
             shape_str(Shape(a.shape().begin(), a.shape().end() - 2)), " and ",
             shape_str(Shape(b.shape().begin(), b.shape().end() - 2)), " of shapes ",
             shape_str(a_orig.shape()), " and ", shape_str(b_orig.shape()),
             " cannot be broadcast");
    batch[i] = sa == 1 ? sb : sa;
  }
  Shape sa = batch, sb = batch;
  sa.insert(sa.end(), a.shape().end() - 2, a.shape().end());
  sb.insert(sb.end(), b.shape().end() - 2, b.shape().end());
  return {a.expand(sa), b.expand(sb)};
}

}  // namespace linalg_detail

// 2-D x 2-D.
inline TensorBase mm(const TensorBase& a, const TensorBase& b) {
  linalg_detail::check_operands(a, b, "mm");
  TB_CHECK(a.dim() == 2 && b.dim() == 2, ValueError, "mm: expected 2-D tensors, but got shapes ",
           shape_str(a.shape()), " and ", shape_str(b.shape()));
  linalg_detail::check_inner(a, b, a.shape()[1], b.shape()[0], "mm");
  return linalg_detail::product(a, b, TensorBase(), Scalar(1), Scalar(0), "mm");
}

// 3-D x 3-D with equal batch sizes (no broadcasting, as in PyTorch).
inline TensorBase bmm(const TensorBase& a, const TensorBase& b) {
  linalg_detail::check_operands(a, b, "bmm");
  TB_CHECK(a.dim() == 3 && b.dim() == 3, ValueError,
           "bmm: expected 3-D tensors, but got shapes ", shape_str(a.shape()), " and ",
           shape_str(b.shape()));
  TB_CHECK(a.shape()[0] == b.shape()[0], ValueError, "bmm: batch sizes differ (",
           a.shape()[0], " != ", b.shape()[0], ") for shapes ", shape_str(a.shape()), " and ",
           shape_str(b.shape()));
  linalg_detail::check_inner(a, b, a.shape()[2], b.shape()[1], "bmm");
  return linalg_detail::product(a, b, TensorBase(), Scalar(1), Scalar(0), "bmm");
}

// [m, k] x [k] -> [m].
inline TensorBase mv(const TensorBase& a, const TensorBase& v) {
  linalg_detail::check_operands(a, v, "mv");
  TB_CHECK(a.dim() == 2 && v.dim() == 1, ValueError,
           "mv: expected a 2-D matrix and a 1-D vector, but got shapes ", shape_str(a.shape()),
           " and ", shape_str(v.shape()));
  linalg_detail::check_inner(a, v, a.shape()[1], v.shape()[0], "mv");
  return linalg_detail::product(a, v.unsqueeze(1), TensorBase(), Scalar(1), Scalar(0), "mv")
      .squeeze(1);
}

// [n] . [n] -> 0-d.
inline TensorBase dot(const TensorBase& a, const TensorBase& b) {
  linalg_detail::check_operands(a, b, "dot");
  TB_CHECK(a.dim() == 1 && b.dim() == 1, ValueError,
           "dot: expected 1-D tensors, but got shapes ", shape_str(a.shape()), " and ",
           shape_str(b.shape()));
  TB_CHECK(a.shape()[0] == b.shape()[0], ValueError, "dot: inconsistent sizes ",
           shape_str(a.shape()), " and ", shape_str(b.shape()));
  return linalg_detail::product(a.unsqueeze(0), b.unsqueeze(1), TensorBase(), Scalar(1),
                                Scalar(0), "dot")
      .reshape({});
}

// [m] x [n] -> [m, n] with out[i, j] = a[i] * b[j].
inline TensorBase outer(const TensorBase& a, const TensorBase& b) {
  linalg_detail::check_operands(a, b, "outer");
  TB_CHECK(a.dim() == 1 && b.dim() == 1, ValueError,
           "outer: expected 1-D tensors, but got shapes ", shape_str(a.shape()), " and ",
           shape_str(b.shape()));
  return linalg_detail::product(a.unsqueeze(1), b.unsqueeze(0), TensorBase(), Scalar(1),
                                Scalar(0), "outer");
}

// beta * input + alpha * (a @ b) for 2-D a and b; input broadcasts to the product's shape.
// With beta == 0 the input is ignored (its NaNs do not propagate), as in PyTorch.
inline TensorBase addmm(const TensorBase& input, const TensorBase& a, const TensorBase& b,
                        const Scalar& beta = Scalar(1), const Scalar& alpha = Scalar(1)) {
  linalg_detail::check_operands(a, b, "addmm");
  linalg_detail::check_operands(input, a, "addmm");
  TB_CHECK(a.dim() == 2 && b.dim() == 2, ValueError,
           "addmm: expected 2-D matrices, but got shapes ", shape_str(a.shape()), " and ",
           shape_str(b.shape()));
  linalg_detail::check_inner(a, b, a.shape()[1], b.shape()[0], "addmm");
  linalg_detail::check_integer_scalars(a.dtype(), alpha, beta, "addmm");
  const Shape out_shape{a.shape()[0], b.shape()[1]};
  bool broadcastable = input.dim() <= 2;
  for (int64_t i = 1; broadcastable && i <= input.dim(); ++i) {
    const int64_t s = input.shape()[input.dim() - i];
    broadcastable = s == 1 || s == out_shape[2 - i];
  }
  TB_CHECK(broadcastable, ValueError, "addmm: input of shape ", shape_str(input.shape()),
           " cannot be broadcast to the product's shape ", shape_str(out_shape), " (",
           shape_str(a.shape()), " @ ", shape_str(b.shape()), ")");
  return linalg_detail::product(a, b, input, alpha, beta, "addmm");
}

// NumPy/PyTorch matmul: 1-D x 1-D is a dot product (0-d); a 1-D left operand is a row
// vector and a 1-D right operand a column vector (the added dimension is removed again);
// otherwise the last two dimensions multiply and the leading ones broadcast.
inline TensorBase matmul(const TensorBase& a, const TensorBase& b) {
  linalg_detail::check_operands(a, b, "matmul");
  TB_CHECK(a.dim() >= 1 && b.dim() >= 1, ValueError,
           "matmul: both arguments need to be at least 1-D, but got shapes ",
           shape_str(a.shape()), " and ", shape_str(b.shape()));
  const bool a_vector = a.dim() == 1;
  const bool b_vector = b.dim() == 1;
  const TensorBase a2 = a_vector ? a.unsqueeze(0) : a;
  const TensorBase b2 = b_vector ? b.unsqueeze(1) : b;
  linalg_detail::check_inner(a, b, a2.shape()[a2.dim() - 1], b2.shape()[b2.dim() - 2],
                             "matmul");
  if (a.dim() == 2 && b.dim() == 2) {  // the common case, without batch bookkeeping
    return linalg_detail::product(a, b, TensorBase(), Scalar(1), Scalar(0), "matmul");
  }
  // Convert first so that a broadcast operand is never materialized in the compute dtype.
  const DType compute = linalg_detail::compute_dtype(a.dtype(), "matmul");
  const auto expanded = linalg_detail::broadcast_batches(
      a2.to(a2.device(), compute), b2.to(b2.device(), compute), a, b, "matmul");
  TensorBase out = linalg_detail::product(expanded.first, expanded.second, TensorBase(),
                                          Scalar(1), Scalar(0), "matmul");
  if (compute != a.dtype()) out = out.to(out.device(), a.dtype());
  if (a_vector) out = out.squeeze(out.dim() - 2);
  if (b_vector) out = out.squeeze(out.dim() - 1);
  return out;
}

}  // namespace ops
}  // namespace tensorbridge
