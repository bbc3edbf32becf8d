#pragma once
// Ops on device (CUDA) tensors. Each CPU op's dispatch point (binary_op, unary_op,
// reduce_to_acc, the matrix product) hands tensors on a device to the functions here,
// which make the same decisions as the CPU path (type promotion, broadcasting, out= and
// in-place checks) and then call the device kernels through a table. A translation unit
// compiled by nvcc that includes <tensorbridge/cuda/kernels.cuh> fills the table; without
// it a device op raises DeviceError saying how to build the kernels in. Operands on
// different devices raise DeviceError naming both.
#include <initializer_list>
#include <string>
#include <string_view>

#include "tensorbridge/core/device_copy.hpp"
#include "tensorbridge/core/device_hooks.hpp"
#include "tensorbridge/core/scalar.hpp"
#include "tensorbridge/core/tensor_base.hpp"
#include "tensorbridge/ops/elementwise.hpp"

namespace tensorbridge::ops {

// Device kernels. Every tensor passed lives on one device; the front ends below have
// already converted inputs to the compute dtype and broadcast them to the output's shape.
// A kernel that does not support an op or dtype throws (TypeError naming both).
struct DeviceKernels {
  // out = a <op> b elementwise; a null tensor means the scalar operand. "add"/"sub"
  // compute a +/- alpha * b.
  void (*binary)(const char* op, const TensorBase& out, const TensorBase* a, const Scalar& sa,
                 const TensorBase* b, const Scalar& sb, const Scalar& alpha);
  // out = op(x) elementwise (x in the compute dtype, out in the result dtype).
  void (*unary)(const char* op, const TensorBase& out, const TensorBase& x);
  // out (x's shape with size 1 where x is reduced, contiguous) = "sum" / "prod" / "max" /
  // "min" of x over the dims where out has size 1 and x does not.
  void (*reduce)(const char* op, const TensorBase& out, const TensorBase& x);
  // out[batch..., m, n] = alpha * a @ b + beta * out, for a [batch..., m, k] and
  // b [batch..., k, n] of out's dtype; out is contiguous.
  void (*gemm)(const char* op, const TensorBase& out, const TensorBase& a, const TensorBase& b,
               const Scalar& alpha, const Scalar& beta);
};
inline const DeviceKernels* device_kernels = nullptr;

namespace detail {

inline std::string describe_tensor(const TensorBase& t) {
  return tensorbridge::detail::str_cat(t.device(), " (shape ", shape_str(t.shape()), ", dtype ",
                                       t.dtype(), ")");
}

// The one device all the (non-null) tensors live on; DeviceError naming two that differ.
inline Device common_device(const char* op, std::initializer_list<const TensorBase*> tensors) {
  const TensorBase* first = nullptr;
  for (const TensorBase* t : tensors) {
    if (t == nullptr || !t->defined()) continue;
    if (first == nullptr) {
      first = t;
      continue;
    }
    TB_CHECK(t->device() == first->device(), DeviceError, op,
             ": expected all tensors to be on the same device, but found tensors on ",
             describe_tensor(*first), " and ", describe_tensor(*t));
  }
  return first != nullptr ? first->device() : Device::cpu();
}

inline bool on_device(const Operand& o) { return o.is_tensor() && !o.tensor().device().is_cpu(); }

inline const DeviceKernels& require_kernels(const char* op, Device device) {
  if (device_kernels == nullptr) tensorbridge::detail::throw_missing_kernels(op, device);
  return *device_kernels;
}

// "add_" and "add_out" run the kernel "add".
inline std::string kernel_name(std::string_view op) {
  if (op.size() > 4 && op.substr(op.size() - 4) == "_out") op.remove_suffix(4);
  if (op.size() > 1 && op.back() == '_') op.remove_suffix(1);
  return std::string(op);
}

// in-place and out= targets on a device: what check_target checks on the CPU.
inline void check_device_target(const TensorBase& target, const Shape& shape, DType result,
                                const char* op) {
  target.check_writable(op);
  TB_CHECK(target.shape() == shape, ValueError, op, ": output with shape ",
           shape_str(target.shape()), " doesn't match the broadcast shape ", shape_str(shape));
  TB_CHECK(can_cast(result, target.dtype()), TypeError, op, ": result type ", result,
           " can't be cast to the desired output type ", target.dtype(), " (shape ",
           shape_str(target.shape()), ")");
  check_no_internal_overlap(target, op);
}

// An input in the compute dtype that is safe to read while `dest` is written: shared
// memory other than element for element (or an unknown layout) gets a private copy.
inline TensorBase device_input(const TensorBase& t, DType compute, const TensorBase& dest,
                               const Shape& shape) {
  if (t.dtype() != compute) return t.to(t.device(), compute);
  if (t.storage() == dest.storage() &&
      !(t.data_ptr() == dest.data_ptr() &&
        broadcast_byte_strides(t, shape) == dest.byte_strides())) {
    return t.to(t.device(), compute, false, /*copy=*/true);
  }
  return t;
}

// Writes `dest` (the result dtype) back into `target` when they differ.
inline const TensorBase& finish_device(const TensorBase& target, const TensorBase& dest,
                                       bool in_place) {
  if (!dest.is_same(target)) {
    target.copy_(dest, false);
  } else if (in_place) {
    target.bump_version();
  }
  return target;
}

// binary_op for operands on a device. `kernel` overrides the kernel's name (derived from
// the op's otherwise); `alpha` is add/sub's.
inline TensorBase device_binary(const BinarySpec& spec, unsigned kinds, const Operand& a,
                                const Operand& b, const char* kernel, const Scalar& alpha) {
  const char* op = spec.name;
  const Device device = common_device(
      op, {a.is_tensor() ? &a.tensor() : nullptr, b.is_tensor() ? &b.tensor() : nullptr,
           spec.mode == OutMode::Out ? &spec.out : nullptr});
  const DType common = common_dtype(a, b, op);
  const DType compute = spec.rule == ResultRule::ToFloat ? to_float_dtype(common) : common;
  check_kind(kinds, compute, op, a, b);
  const DType result = spec.rule == ResultRule::Bool ? DType::Bool : compute;
  const Shape shape = a.is_tensor() && b.is_tensor()
                          ? broadcast_shapes(a.tensor().shape(), b.tensor().shape(), op)
                          : (a.is_tensor() ? a.tensor().shape() : b.tensor().shape());
  const DeviceKernels& kernels = require_kernels(op, device);
  TensorBase target;
  if (spec.mode == OutMode::New) {
    target = tensorbridge::detail::new_tensor(shape, result, device, op);
  } else {
    TB_CHECK(spec.mode != OutMode::InPlace || a.is_tensor(), Error, op,
             ": in-place needs a tensor");
    target = spec.mode == OutMode::InPlace ? a.tensor() : spec.out;
    check_device_target(target, shape, result, op);
  }
  const TensorBase dest = target.dtype() == result
                              ? target
                              : tensorbridge::detail::new_tensor(shape, result, device, op);
  TensorBase ta, tb;
  if (a.is_tensor()) ta = device_input(a.tensor(), compute, dest, shape).expand(shape);
  if (b.is_tensor()) tb = device_input(b.tensor(), compute, dest, shape).expand(shape);
  // Rounded division shares the name "div" with true division on the CPU side.
  std::string name = kernel != nullptr ? std::string(kernel) : kernel_name(op);
  if (name == "div" && spec.rule != ResultRule::ToFloat) name = "div_rounded";
  kernels.binary(name.c_str(), dest, ta.defined() ? &ta : nullptr,
                 a.is_tensor() ? Scalar() : a.scalar(), tb.defined() ? &tb : nullptr,
                 b.is_tensor() ? Scalar() : b.scalar(), alpha);
  return finish_device(target, dest, spec.mode != OutMode::New);
}

// unary_op for a tensor on a device, once the dtypes are decided.
inline TensorBase device_unary(const char* op, bool in_place, const TensorBase& x, DType compute,
                               DType result) {
  const DeviceKernels& kernels = require_kernels(op, x.device());
  TensorBase target;
  if (in_place) {
    target = x;
    check_device_target(target, x.shape(), result, op);
  } else {
    target = tensorbridge::detail::new_tensor(x.shape(), result, x.device(), op);
  }
  const TensorBase dest =
      target.dtype() == result ? target
                               : tensorbridge::detail::new_tensor(x.shape(), result, x.device(), op);
  const TensorBase input = device_input(x, compute, dest, x.shape());
  kernels.unary(kernel_name(op).c_str(), dest, input);
  return finish_device(target, dest, in_place);
}

// reduce_to_acc for a tensor on a device: the accumulator (in the dtype the CPU uses) of
// `keep_shape` (x's shape, 1 where reduced), reshaped to `out_shape`.
inline TensorBase device_reduce(const char* op, const TensorBase& x, const Shape& keep_shape,
                                const Shape& out_shape) {
  const DeviceKernels& kernels = require_kernels(op, x.device());
  const std::string name = kernel_name(op);
  const bool extreme = name == "max" || name == "min" || name == "amax" || name == "amin";
  const DType d = x.dtype();
  DType acc = d;
  if (d == DType::Float16 || d == DType::BFloat16) {
    acc = DType::Float32;
  } else if (!extreme && is_integral(d, true)) {
    acc = DType::Int64;
  }
  const std::string kernel = extreme ? name.substr(name.size() - 3)  // amax -> max
                             : name == "mean" ? std::string("sum")
                                              : name;
  TensorBase out = tensorbridge::detail::new_tensor(keep_shape, acc, x.device(), op);
  kernels.reduce(kernel.c_str(), out, x);
  return out_shape == keep_shape ? out : out.view(out_shape);
}

// The matrix product for operands on a device: a [batch..., m, k], b [batch..., k, n],
// `addend` (undefined, or broadcastable to the result) scaled by beta.
inline TensorBase device_matmul(const TensorBase& a, const TensorBase& b, const TensorBase& addend,
                                const Scalar& alpha, const Scalar& beta, const char* op) {
  const Device device = common_device(op, {&a, &b, &addend});
  const DeviceKernels& kernels = require_kernels(op, device);
  const int64_t nd = a.dim();
  Shape out_shape(a.shape().begin(), a.shape().end() - 1);
  out_shape.push_back(b.shape()[nd - 1]);
  TensorBase out = tensorbridge::detail::new_tensor(out_shape, a.dtype(), device, op);
  const bool use_addend = addend.defined() && beta.to<complex128>() != complex128(0);
  if (use_addend) out.copy_(addend, false);
  kernels.gemm(op, out, a, b, alpha, use_addend ? beta : Scalar(0));
  return out;
}

}  // namespace detail
}  // namespace tensorbridge::ops
