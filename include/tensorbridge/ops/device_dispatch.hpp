#pragma once
// Ops on device (CUDA) tensors. Each CPU op's dispatch point (binary_op, unary_op,
// reduce_to_acc, the matrix product, where, max/min along a dim, the scans, the indexing
// ops of ops/indexing.hpp, the random ops) hands tensors on a device to the functions here,
// which make the same decisions as the CPU path (type promotion, broadcasting, out= and
// in-place checks) and then call the device kernels through a table. A translation unit
// compiled by nvcc that includes <tensorbridge/cuda/kernels.cuh> fills the table; without
// it a device op raises DeviceError saying how to build the kernels in. Operands on
// different devices raise DeviceError naming both.
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

#include "tensorbridge/core/device_copy.hpp"
#include "tensorbridge/core/device_hooks.hpp"
#include "tensorbridge/core/scalar.hpp"
#include "tensorbridge/core/tensor_base.hpp"
#include "tensorbridge/ops/elementwise.hpp"
#include "tensorbridge/ops/generator.hpp"

namespace tensorbridge::ops {

// What a random kernel draws: the distribution (by op name: "uniform_" in [a, b), "normal_"
// with mean a and standard deviation b, "random_" integers low + bits % range, "bernoulli_"
// with probability a or, when probs is set, probs[i] (float64, contiguous, out's shape)),
// and the generator's blocks: block k is philox4x32_10({first + k}, key), element i of the
// output uses block i / per_block, exactly as the CPU ops lay out their stream.
struct DeviceRandom {
  uint64_t first = 0;
  uint32_t key[2] = {0, 0};
  int per_block = 2;
  double a = 0, b = 0;
  int64_t low = 0;
  uint64_t range = 0;
  const TensorBase* probs = nullptr;
};

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
  // out = cond ? a : b elementwise: cond bool, a and b of out's dtype (any dtype), all
  // broadcast to out's shape; a null tensor means the scalar. out may be b (masked_fill_).
  void (*where)(const TensorBase& out, const TensorBase& cond, const TensorBase* a,
                const Scalar& sa, const TensorBase* b, const Scalar& sb);
  // values and int64 indices (contiguous, x's shape without its last dim) = the max ("max")
  // or min ("min") along x's last dim and the index of its first occurrence; NaN counts as
  // the extreme, as on the CPU.
  void (*arg_extreme)(const char* op, const TensorBase& values, const TensorBase& indices,
                      const TensorBase& x);
  // IndexError naming op, the first bad index found, dim and size unless every element of
  // the int64 tensor index is in [0, size) (with negative_ok: [-size, size)). Waits for the
  // device (one small read back).
  void (*check_indices)(const char* op, const TensorBase& index, int64_t size, int64_t dim,
                        bool negative_ok);
  // out[i] = self[i with its `dim` coordinate replaced by index[i]] for every i of index's
  // shape (= out's; index int64, already checked; a 0-d self has one element along dim 0).
  void (*gather)(const char* op, const TensorBase& out, const TensorBase& self, int64_t dim,
                 const TensorBase& index);
  // self[i with `dim` replaced by index[i]] = src[i] (a null src: the scalar), or += with
  // add (atomics), for every i of index's shape; src has self's dtype and index's shape.
  // Repeated indices without add: one of the writes wins, unspecified which.
  void (*scatter)(const char* op, bool add, const TensorBase& self, int64_t dim,
                  const TensorBase& index, const TensorBase* src, const Scalar& value);
  // out (contiguous) filled in row-major order from consecutive Philox blocks of `spec`.
  void (*random)(const char* op, const TensorBase& out, const DeviceRandom& spec);
  // out (contiguous, x's shape, int64 for integer x) = the inclusive "cumsum" / "cumprod"
  // of x along dim; x is float32, float64, float16, bfloat16 or int64.
  void (*scan)(const char* op, const TensorBase& out, const TensorBase& x, int64_t dim);
  // Advanced indexing by element offsets: src, dst, values and offsets (int64, elements) are
  // views of out's (values') shape. take: out[i] = src[i + offsets[i]]; put: dst[i +
  // offsets[i]] = values[i] (values of dst's dtype), or += with accumulate (atomics;
  // without, one of repeated writes wins).
  void (*take)(const char* op, const TensorBase& out, const TensorBase& src,
               const TensorBase& offsets);
  void (*put)(const char* op, bool accumulate, const TensorBase& dst, const TensorBase& values,
              const TensorBase& offsets);
  // values and int64 indices (contiguous [rows, k]) = the first k of each row of x
  // (contiguous [rows, n], any dtype but complex) stably sorted, ascending or descending, in
  // the CPU's order (ops/sort.hpp), and the positions in the row they came from.
  void (*sort)(const char* op, const TensorBase& values, const TensorBase& indices,
               const TensorBase& x, bool descending);
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
  const std::string name = kernel != nullptr ? std::string(kernel) : kernel_name(op);
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

// all/any on a device, as counts: any = (number of nonzeros) != 0, all = (number of zeros)
// == 0 (so that empty reductions give false and true). A bool result, which the callers
// convert to their dtype.
inline TensorBase device_all_any(bool all, const TensorBase& x, const Shape& keep_shape,
                                 const Shape& out_shape) {
  const char* op = all ? "all" : "any";
  const DeviceKernels& kernels = require_kernels(op, x.device());
  const Device device = x.device();
  const DType d = x.dtype();
  const bool math =
      is_floating_point(d) || is_complex(d) || d == DType::Int32 || d == DType::Int64;
  const TensorBase in = math ? x : x.to(device, DType::Int64);
  TensorBase hits = tensorbridge::detail::new_tensor(x.shape(), DType::Bool, device, op);
  kernels.binary(all ? "eq" : "ne", hits, &in, Scalar(), nullptr, Scalar(0), Scalar(1));
  TensorBase count = tensorbridge::detail::new_tensor(keep_shape, DType::Int64, device, op);
  kernels.reduce("sum", count, hits.to(device, DType::Int64));
  TensorBase result = tensorbridge::detail::new_tensor(keep_shape, DType::Bool, device, op);
  kernels.binary(all ? "eq" : "ne", result, &count, Scalar(), nullptr, Scalar(0), Scalar(1));
  return out_shape == keep_shape ? result : result.view(out_shape);
}

// reduce_to_acc for a tensor on a device: the accumulator (in the dtype the CPU uses) of
// `keep_shape` (x's shape, 1 where reduced), reshaped to `out_shape`.
inline TensorBase device_reduce(const char* op, const TensorBase& x, const Shape& keep_shape,
                                const Shape& out_shape) {
  const DeviceKernels& kernels = require_kernels(op, x.device());
  const std::string name = kernel_name(op);
  if (name == "all" || name == "any") {
    return device_all_any(name == "all", x, keep_shape, out_shape);
  }
  const bool extreme = name == "max" || name == "min" || name == "amax" || name == "amin";
  // Bool and the narrow integers have no reduction kernel: they reduce as int64, exactly
  // (sums accumulate in int64 anyway; the callers convert extremes back to x's dtype).
  const DType d = x.dtype();
  const bool widen = is_integral(d, true) && d != DType::Int32 && d != DType::Int64 &&
                     d != DType::UInt64;
  const TensorBase in = widen ? x.to(x.device(), DType::Int64) : x;
  DType acc = in.dtype();
  if (d == DType::Float16 || d == DType::BFloat16) {
    acc = DType::Float32;
  } else if (!extreme && is_integral(d, true)) {
    acc = DType::Int64;
  }
  const std::string kernel = extreme ? name.substr(name.size() - 3)  // amax -> max
                             : name == "mean" ? std::string("sum")
                                              : name;
  TensorBase out = tensorbridge::detail::new_tensor(keep_shape, acc, x.device(), op);
  kernels.reduce(kernel.c_str(), out, in);
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

// The table's entry `fn`, or the missing-kernels DeviceError (a table without it).
template <typename Fn>
Fn require_kernel(Fn fn, const char* op, Device device) {
  if (fn == nullptr) tensorbridge::detail::throw_missing_kernels(op, device);
  return fn;
}

// where(cond, a, b) with an operand on a device.
inline TensorBase device_where(const TensorBase& cond, const Operand& a, const Operand& b,
                               DType dtype, const Shape& shape) {
  constexpr const char* op = "where";
  const Device device =
      common_device(op, {&cond, a.is_tensor() ? &a.tensor() : nullptr,
                         b.is_tensor() ? &b.tensor() : nullptr});
  const auto where = require_kernel(require_kernels(op, device).where, op, device);
  TensorBase out = tensorbridge::detail::new_tensor(shape, dtype, device, op);
  TensorBase ta, tb;
  if (a.is_tensor()) ta = a.tensor().to(device, dtype).expand(shape);
  if (b.is_tensor()) tb = b.tensor().to(device, dtype).expand(shape);
  where(out, cond.expand(shape), ta.defined() ? &ta : nullptr,
        a.is_tensor() ? Scalar() : a.scalar(), tb.defined() ? &tb : nullptr,
        b.is_tensor() ? Scalar() : b.scalar());
  return out;
}

// masked_fill_ with self or mask on a device; mask is bool and broadcasts to self.
inline void device_masked_fill_(const TensorBase& self, const TensorBase& mask,
                                const Scalar& value, const char* op) {
  const Device device = common_device(op, {&self, &mask});
  const auto where = require_kernel(require_kernels(op, device).where, op, device);
  where(self, mask.expand(self.shape()), nullptr, value, &self, Scalar());
}

// max/min along a dim for x on a device: values and int64 indices of `outer` (x's shape
// without the reduced dim), from x with that dim moved last.
inline std::pair<TensorBase, TensorBase> device_arg_extreme(const char* op, bool is_max,
                                                            const TensorBase& line,
                                                            const Shape& outer) {
  const Device device = line.device();
  const auto kernel = require_kernel(require_kernels(op, device).arg_extreme, op, device);
  // The narrow integers (and bool) compare exactly as int64, which has a kernel.
  const DType d = line.dtype();
  const bool widen = is_integral(d, true) && d != DType::Int32 && d != DType::Int64 &&
                     d != DType::UInt64;
  const TensorBase x = widen ? line.to(device, DType::Int64) : line;
  TensorBase values = tensorbridge::detail::new_tensor(outer, x.dtype(), device, op);
  TensorBase indices = tensorbridge::detail::new_tensor(outer, DType::Int64, device, op);
  kernel(is_max ? "max" : "min", values, indices, x);
  return {widen ? values.to(device, d) : values, indices};
}

// An int64 copy of an index on `device` (int32 widened), after the dtype check.
inline TensorBase device_index(const TensorBase& index, Device device, const char* op) {
  TB_CHECK(index.device() == device, DeviceError, op,
           ": expected the index on the same device as the indexed tensor, but found ",
           describe_tensor(index), " and a tensor on ", device);
  TB_CHECK(index.dtype() == DType::Int64 || index.dtype() == DType::Int32, TypeError, op,
           ": expected index to be an int64 or int32 tensor, but got ", index.dtype(), " (shape ",
           shape_str(index.shape()), ", device ", index.device(), ")");
  return index.dtype() == DType::Int64 ? index : index.to(device, DType::Int64);
}

// gather for self on a device; index has passed the shape checks.
inline TensorBase device_gather(const TensorBase& self, int64_t dim, const TensorBase& index,
                                const char* op) {
  const Device device = self.device();
  const DeviceKernels& kernels = require_kernels(op, device);
  const TensorBase idx = device_index(index, device, op);
  TensorBase out = tensorbridge::detail::new_tensor(idx.shape(), self.dtype(), device, op);
  if (idx.numel() == 0) return out;
  require_kernel(kernels.check_indices, op, device)(op, idx,
                                                    self.dim() == 0 ? 1 : self.shape()[dim], dim,
                                                    false);
  require_kernel(kernels.gather, op, device)(op, out, self, dim, idx);
  return out;
}

// Whether the accumulating kernels (atomic adds) cover dtype: the math dtypes and complex.
// Bool and the narrow integers accumulate in an int64 copy instead (see accumulate_widened).
inline bool has_atomic_add(DType dtype) {
  return !is_integral(dtype, true) || dtype == DType::Int32 || dtype == DType::Int64 ||
         dtype == DType::UInt64;
}

// self += what accumulate(wide, wide_values) adds, through an int64 copy of self: truncating
// its sums back gives the narrow type's wrapping sums (and bool's "any true"), as the CPU's
// element-by-element additions do.
template <typename Accumulate>
void accumulate_widened(const TensorBase& self, const TensorBase& values, Accumulate accumulate) {
  const TensorBase wide = self.to(self.device(), DType::Int64);
  accumulate(wide, values.defined() ? values.to(values.device(), DType::Int64) : values);
  self.copy_(wide, false);
}

// scatter_/scatter_add_ for self on a device: shapes and dtypes checked, src (or value)
// restricted to index's shape. Returns after the kernel; the caller bumps the version.
inline void device_scatter_(const TensorBase& self, int64_t dim, const TensorBase& index,
                            const TensorBase& src, const Scalar& value, bool add,
                            const char* op) {
  if (add && !has_atomic_add(self.dtype())) {
    return accumulate_widened(self, src, [&](const TensorBase& wide, const TensorBase& wide_src) {
      device_scatter_(wide, dim, index, wide_src, value, true, op);
    });
  }
  const Device device = common_device(op, {&self, &src});
  const DeviceKernels& kernels = require_kernels(op, device);
  const TensorBase idx = device_index(index, device, op);
  if (idx.numel() == 0) return;
  require_kernel(kernels.check_indices, op, device)(op, idx,
                                                    self.dim() == 0 ? 1 : self.shape()[dim], dim,
                                                    false);
  require_kernel(kernels.scatter, op, device)(op, add, self, dim, idx,
                                              src.defined() ? &src : nullptr, value);
}

// index_select for self on a device: a gather with the 1-D index spread over the other dims.
inline TensorBase device_index_select(const TensorBase& self, int64_t dim, const TensorBase& index,
                                      const char* op) {
  const TensorBase flat = device_index(index, self.device(), op).reshape({-1});
  const int64_t n = flat.numel();
  TB_CHECK(self.dim() > 0 || n == 1, ValueError, op,
           ": a 0-d tensor can be indexed by exactly one index, but got ", n);
  if (self.dim() == 0) return device_gather(self, 0, flat.reshape({}), op);
  Shape out_shape = self.shape();
  out_shape[dim] = n;
  Shape line(self.shape().size(), 1);
  line[dim] = n;
  // gather's index may be smaller than self outside dim only; out has self's sizes there.
  return device_gather(self, dim, flat.reshape(line).expand(out_shape), op);
}

// index_add_ for self on a device (shapes and dtypes checked): a scatter_add of
// alpha * source with the 1-D index spread over source's shape.
inline void device_index_add_(const TensorBase& self, int64_t dim, const TensorBase& index,
                              const TensorBase& source, const Scalar& alpha, const char* op) {
  if (!has_atomic_add(self.dtype())) {  // alpha * source in int64 too
    return accumulate_widened(self, source, [&](const TensorBase& wide, const TensorBase& wide_src) {
      device_index_add_(wide, dim, index, wide_src, alpha, op);
    });
  }
  const Device device = common_device(op, {&self, &source});
  const DeviceKernels& kernels = require_kernels(op, device);
  const TensorBase flat = device_index(index, device, op).reshape({-1});
  TensorBase src = source;
  if (!(alpha.to<complex128>() == complex128(1))) {
    src = tensorbridge::detail::new_tensor(source.shape(), source.dtype(), device, op);
    kernels.binary("mul", src, &source, Scalar(), nullptr, alpha, Scalar(1));
  } else if (tensorbridge::detail::may_overlap(self, source)) {
    src = source.clone();
  }
  Shape line(static_cast<std::size_t>(self.dim()), 1);
  if (self.dim() > 0) line[dim] = flat.numel();
  const TensorBase idx = flat.reshape(line).expand(src.shape());
  device_scatter_(self, self.dim() == 0 ? 0 : dim, idx, src, Scalar(), true, op);
}

// The random ops on a device: blocks reserved like the CPU op reserves them, values drawn
// into self (through a contiguous buffer when self is strided).
inline void device_random_(const TensorBase& self, Generator& gen, DeviceRandom spec,
                           const char* op) {
  const Device device = self.device();
  const auto kernel = require_kernel(require_kernels(op, device).random, op, device);
  const int64_t n = self.numel();
  if (n == 0) return;
  const auto blocks = static_cast<uint64_t>((n + spec.per_block - 1) / spec.per_block);
  const Generator::Reservation r = gen.reserve(blocks);
  spec.first = r.first;
  spec.key[0] = r.key[0];
  spec.key[1] = r.key[1];
  if (self.is_contiguous()) {
    kernel(op, self, spec);
    return;
  }
  const TensorBase buffer =
      tensorbridge::detail::new_tensor(self.shape(), self.dtype(), device, op);
  kernel(op, buffer, spec);
  self.copy_(buffer, false);
}

// cumsum/cumprod of `in` on a device into `out` (x's shape, int64 for integer x).
inline void device_scan(const char* op, const TensorBase& out, const TensorBase& in, int64_t dim) {
  const Device device = in.device();
  const auto kernel = require_kernel(require_kernels(op, device).scan, op, device);
  const TensorBase x = is_integral(in.dtype(), true) ? in.to(device, DType::Int64) : in;
  kernel(op, out, x, dim);
}

}  // namespace detail
}  // namespace tensorbridge::ops
