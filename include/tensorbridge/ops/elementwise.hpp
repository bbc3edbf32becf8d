#pragma once
// The machinery every elementwise op shares: operands that are tensors or scalars, result
// dtypes, broadcasting, where the result goes (a new tensor, an out= tensor, or in place),
// the checks PyTorch makes on in-place and out= targets, staging inputs that partially
// overlap the output, and the one dtype dispatch per call that starts a CPU kernel.
#include <algorithm>
#include <array>
#include <cstdint>
#include <numeric>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "tensorbridge/core/copy.hpp"
#include "tensorbridge/core/dtype.hpp"
#include "tensorbridge/core/error.hpp"
#include "tensorbridge/core/scalar.hpp"
#include "tensorbridge/core/strided_loop.hpp"
#include "tensorbridge/core/tensor_base.hpp"
#include "tensorbridge/kernels/cpu/elementwise.hpp"
#include "tensorbridge/ops/broadcast.hpp"
#include "tensorbridge/ops/promotion.hpp"

namespace tensorbridge::ops {

// Which dtypes an op accepts, by category; a template argument, so unsupported element
// types are never instantiated.
enum : unsigned {
  kBoolKind = 1,
  kIntKind = 2,  // signed and unsigned
  kFloatKind = 4,  // float16, bfloat16, float32, float64
  kComplexKind = 8,
  kRealKinds = kBoolKind | kIntKind | kFloatKind,
  kAllKinds = kRealKinds | kComplexKind,
};

// A tensor or a Python-style scalar (a "weak" operand for type promotion).
class Operand {
 public:
  Operand(const TensorBase& t) : tensor_(&t) {}  // NOLINT: implicit, like PyTorch's overloads
  Operand(const Scalar& s) : scalar_(s) {}       // NOLINT
  template <typename T, std::enable_if_t<std::is_arithmetic_v<T>, int> = 0>
  Operand(T v) : scalar_(v) {}  // NOLINT: a C++ number is a scalar operand
  bool is_tensor() const { return tensor_ != nullptr; }
  const TensorBase& tensor() const { return *tensor_; }
  const Scalar& scalar() const { return scalar_; }

 private:
  const TensorBase* tensor_ = nullptr;
  Scalar scalar_;
};

// How the result dtype follows from the operands' common dtype.
enum class ResultRule {
  Common,   // add, mul, floor_divide, ...
  ToFloat,  // true division, atan2: integers and bool become the default float dtype
  Bool,     // comparisons and logical ops: computed in the common dtype, bool out
};

// Where the result goes.
enum class OutMode {
  New,      // a fresh tensor
  InPlace,  // into the first operand (add_)
  Out,      // into a given tensor (add_out)
};

namespace detail {

inline bool is_one(const Scalar& s) { return !s.is_complex() && s.to<double>() == 1.0; }

// torch.add/sub's checks on the kind of alpha (other than 1) for a result of dtype
// `compute`; the CPU functor factory and the CUDA kernels both make them.
inline void check_alpha(const Scalar& alpha, DType compute, const char* op) {
  TB_CHECK(!is_integral(compute, true) || alpha.is_integral() || alpha.is_bool(), TypeError, op,
           ": for integral input tensors, argument alpha must not be a floating point number "
           "(alpha = ", alpha, ")");
  TB_CHECK(compute != DType::Bool || alpha.is_bool(), TypeError, op,
           ": boolean alpha only supported for boolean results (alpha = ", alpha, ")");
  TB_CHECK(is_complex(compute) || !alpha.is_complex(), TypeError, op,
           ": complex alpha needs a complex result (alpha = ", alpha, ")");
}

template <typename T>
constexpr unsigned kind_bit() {
  if constexpr (std::is_same_v<T, bool>) return kBoolKind;
  else if constexpr (std::is_integral_v<T>) return kIntKind;
  else if constexpr (kernels::cpu::is_complex_v<T>) return kComplexKind;
  else return kFloatKind;
}
inline unsigned kind_bit(DType d) {
  switch (dtype_kind(d)) {
    case DTypeKind::Bool: return kBoolKind;
    case DTypeKind::Int:
    case DTypeKind::UInt: return kIntKind;
    case DTypeKind::Float: return kFloatKind;
    case DTypeKind::Complex: return kComplexKind;
  }
  return 0;
}

inline std::string describe(const Operand& o) {
  if (!o.is_tensor()) return tensorbridge::detail::str_cat("scalar ", o.scalar());
  const TensorBase& t = o.tensor();
  return tensorbridge::detail::str_cat("tensor of shape ", shape_str(t.shape()), ", dtype ",
                                       t.dtype(), ", device ", t.device());
}

// The operand descriptions are only formatted when the check fails.
inline void check_kind(unsigned kinds, DType d, const char* op, const Operand& a) {
  TB_CHECK(kinds & kind_bit(d), TypeError, op, ": not supported for dtype ", d, " (",
           describe(a), ")");
}
inline void check_kind(unsigned kinds, DType d, const char* op, const Operand& a,
                       const Operand& b) {
  TB_CHECK(kinds & kind_bit(d), TypeError, op, ": not supported for dtype ", d, " (",
           describe(a), "; ", describe(b), ")");
}

// True when every element has its own memory (any permutation of a contiguous layout,
// strides of either sign): such a tensor's layout is worth copying for an output.
inline bool is_dense(const TensorBase& t) {
  std::vector<std::pair<int64_t, int64_t>> dims;  // (|stride|, size)
  for (int64_t d = 0; d < t.dim(); ++d) {
    if (t.shape()[d] != 1) dims.emplace_back(std::llabs(t.strides()[d]), t.shape()[d]);
  }
  std::sort(dims.begin(), dims.end());
  int64_t expected = 1;
  for (const auto& [stride, size] : dims) {
    if (stride != expected) return false;
    expected *= size;
  }
  return true;
}

// A new tensor for a result of `shape`. Like PyTorch, the result takes the memory layout
// of the first input that has the full shape and a dense layout (a transposed input
// gives a transposed result), so that an op on a permuted tensor walks memory in order.
inline TensorBase new_output(const Shape& shape, DType dtype, const TensorBase* like,
                             const char* op) {
  TensorBase out = tensorbridge::detail::new_cpu_tensor(shape, dtype, op);
  if (!like || like->shape() != shape || like->is_contiguous() || !is_dense(*like)) return out;
  std::vector<int64_t> order(shape.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) {
    return std::llabs(like->strides()[a]) > std::llabs(like->strides()[b]);
  });
  Strides strides(shape.size());
  int64_t s = 1;
  for (std::size_t k = order.size(); k-- > 0;) {
    strides[order[k]] = s;
    s *= shape[order[k]];
  }
  return out.as_strided(shape, strides, 0);
}

// PyTorch refuses to write through a tensor in which several elements share memory.
inline void check_no_internal_overlap(const TensorBase& t, const char* op) {
  for (int64_t d = 0; d < t.dim(); ++d) {
    TB_CHECK(t.strides()[d] != 0 || t.shape()[d] <= 1, ValueError, op,
             ": unsupported operation: more than one element of the written-to tensor refers "
             "to a single memory location (shape ", shape_str(t.shape()), ", strides ",
             shape_str(t.strides()), "); clone() it first");
  }
}

// Checks an in-place or out= target: writable, CPU, the broadcast shape, a result dtype
// it can hold, no self-overlap.
inline void check_target(const TensorBase& target, const Shape& shape, DType result,
                         const char* op) {
  target.check_writable(op);
  tensorbridge::detail::check_cpu(target, op);
  TB_CHECK(target.shape() == shape, ValueError, op, ": output with shape ",
           shape_str(target.shape()), " doesn't match the broadcast shape ", shape_str(shape));
  TB_CHECK(can_cast(result, target.dtype()), TypeError, op, ": result type ", result,
           " can't be cast to the desired output type ", target.dtype(), " (shape ",
           shape_str(target.shape()), ")");
  check_no_internal_overlap(target, op);
}

// Byte strides of t broadcast to `shape` (0 along the dims it is broadcast over), without
// making a view.
inline std::vector<int64_t> broadcast_byte_strides(const TensorBase& t, const Shape& shape) {
  std::vector<int64_t> out(shape.size(), 0);
  const std::size_t lead = shape.size() - t.shape().size();
  const auto item = static_cast<int64_t>(t.element_size());
  for (std::size_t d = 0; d < t.shape().size(); ++d) {
    if (t.shape()[d] != 1) out[lead + d] = t.strides()[d] * item;
  }
  return out;
}

// Byte strides for a kernel call, kept on the stack (only the first rank entries are set
// and read): the loops take at most kMaxDims dimensions, and a std::vector per operand was
// a heap allocation per operand on every op (two of the eleven of tanh on one element).
struct KernelStrides {
  std::array<int64_t, kMaxDims> values;
  const int64_t* data() const { return values.data(); }
};

inline KernelStrides kernel_byte_strides(const TensorBase& t) {
  KernelStrides out;
  const auto item = static_cast<int64_t>(t.element_size());
  for (std::size_t d = 0; d < t.strides().size(); ++d) out.values[d] = t.strides()[d] * item;
  return out;
}

// broadcast_byte_strides into a KernelStrides.
inline void kernel_broadcast_byte_strides(const TensorBase& t, const Shape& shape,
                                          KernelStrides& out) {
  const std::size_t lead = shape.size() - t.shape().size();
  const auto item = static_cast<int64_t>(t.element_size());
  std::fill_n(out.values.begin(), lead, int64_t(0));
  for (std::size_t d = 0; d < t.shape().size(); ++d) {
    out.values[lead + d] = t.shape()[d] != 1 ? t.strides()[d] * item : 0;
  }
}

// An input that shares memory with the output, other than element for element, would be
// read after it was overwritten: such an input is staged through a copy.
inline TensorBase unalias_input(const TensorBase& input, const TensorBase& dest,
                                const Shape& shape) {
  if (input.storage() != dest.storage() ||
      !tensorbridge::detail::may_overlap(input, dest)) {
    return input;
  }
  if (input.data_ptr() == dest.data_ptr() && input.dtype() == dest.dtype() &&
      broadcast_byte_strides(input, shape) == dest.byte_strides()) {
    return input;
  }
  return input.clone();
}

// Throws when an integer divisor has a zero (PyTorch raises "ZeroDivisionError"); checked
// before the kernel runs because kernels must not throw.
inline void check_no_zero_divisor(const Operand& divisor, DType compute, const char* op) {
  if (!is_integral(compute)) return;
  bool zero = false;
  visit_dtype(compute, [&](auto tag) {
    using T = typename decltype(tag)::type;
    if (!divisor.is_tensor()) {
      zero = divisor.scalar().to<T>() == T(0);  // in the compute type: int8 // 256 is // 0
      return;
    }
    const TensorBase t = divisor.tensor().to(compute);
    const auto bs = t.byte_strides();
    strided_loop<1>(t.shape(), {static_cast<char*>(t.data_ptr())}, {bs.data()},
                    [&](std::array<char*, 1> p, std::array<int64_t, 1> s, int64_t n) {
                      for (int64_t i = 0; i < n; ++i) {
                        zero |= kernels::cpu::load<T>(p[0] + i * s[0]) == T(0);
                      }
                    });
  });
  TB_CHECK(!zero, Error, op, ": ZeroDivisionError (integer division by zero)");
}

// Everything a binary op decides before its kernel runs.
struct BinarySpec {
  BinarySpec(const char* name_, ResultRule rule_ = ResultRule::Common,
             OutMode mode_ = OutMode::New, TensorBase out_ = {}, bool integer_divisor_ = false)
      : name(name_), rule(rule_), mode(mode_), out(std::move(out_)),
        integer_divisor(integer_divisor_) {}
  const char* name;
  ResultRule rule;
  OutMode mode;
  TensorBase out;  // the target for OutMode::Out
  bool integer_divisor;  // b must not contain an integer zero
};

// The common dtype of two operands, with the op's name on promotion errors.
inline DType common_dtype(const Operand& a, const Operand& b, const char* op) {
  try {
    ResultTypeState state;
    for (const Operand* o : {&a, &b}) {
      if (o->is_tensor()) {
        state.add(o->tensor());
      } else {
        state.add(o->scalar());
      }
    }
    return state.result();
  } catch (const TypeError& e) {
    TB_THROW(TypeError, op, ": ", e.what(), " (", describe(a), "; ", describe(b), ")");
  }
}

// The pointer and byte strides a kernel reads an operand through: a converted, expanded
// tensor, or a scalar in `slot` with all strides zero.
template <typename T>
char* operand_data(const Operand& o, const TensorBase& converted, const Shape& shape, T& slot,
                   KernelStrides& strides) {
  if (!o.is_tensor()) {
    slot = o.scalar().to<T>();
    std::fill_n(strides.values.begin(), shape.size(), int64_t(0));
    return reinterpret_cast<char*>(&slot);
  }
  kernel_broadcast_byte_strides(converted, shape, strides);
  return static_cast<char*>(converted.data_ptr());
}

// Device operands go to ops/device_dispatch.hpp (included at the end of this header).
inline bool on_device(const Operand& o);
inline TensorBase device_binary(const BinarySpec& spec, unsigned kinds, const Operand& a,
                                const Operand& b, const char* kernel, const Scalar& alpha);

// Runs a binary op. `make(TypeTag<T>{})` returns the functor for compute element type T;
// it is called once, before the loop, and may throw.
template <unsigned Kinds, typename Make>
TensorBase binary_op(const BinarySpec& spec, const Operand& a, const Operand& b, Make&& make) {
  const char* op = spec.name;
  TB_CHECK(a.is_tensor() || b.is_tensor(), Error, op, ": needs at least one tensor operand");
  if (on_device(a) || on_device(b)) return device_binary(spec, Kinds, a, b, nullptr, Scalar(1));
  for (const Operand* o : {&a, &b}) {
    if (o->is_tensor()) tensorbridge::detail::check_cpu(o->tensor(), op);
  }
  const DType common = common_dtype(a, b, op);
  const DType compute = spec.rule == ResultRule::ToFloat ? to_float_dtype(common) : common;
  check_kind(Kinds, compute, op, a, b);
  const DType result = spec.rule == ResultRule::Bool ? DType::Bool : compute;

  Shape shape;
  if (a.is_tensor() && b.is_tensor()) {
    shape = broadcast_shapes(a.tensor().shape(), b.tensor().shape(), op);
  } else {
    shape = a.is_tensor() ? a.tensor().shape() : b.tensor().shape();
  }

  TensorBase target;
  if (spec.mode == OutMode::New) {
    const TensorBase* like = a.is_tensor() && a.tensor().shape() == shape ? &a.tensor()
                             : b.is_tensor()                               ? &b.tensor()
                                                                           : nullptr;
    target = new_output(shape, result, like, op);
  } else {
    TB_CHECK(spec.mode != OutMode::InPlace || a.is_tensor(), Error, op,
             ": in-place needs a tensor");
    target = spec.mode == OutMode::InPlace ? a.tensor() : spec.out;
    check_target(target, shape, result, op);
  }
  if (spec.integer_divisor) check_no_zero_divisor(b, compute, op);

  // The kernel writes the result dtype; a target of another dtype gets a converted copy.
  TensorBase dest = target.dtype() == result ? target
                                             : tensorbridge::detail::new_cpu_tensor(shape, result, op);
  TensorBase ta, tb;
  if (a.is_tensor()) ta = unalias_input(a.tensor().to(compute), dest, shape);
  if (b.is_tensor()) tb = unalias_input(b.tensor().to(compute), dest, shape);

  visit_dtype(compute, [&](auto tag) {
    using T = typename decltype(tag)::type;
    if constexpr ((Kinds & kind_bit<T>()) != 0) {
      auto fn = make(tag);
      // A functor that returns bool is a predicate: its result dtype is bool.
      using C = kernels::cpu::opmath_t<T>;
      using R = decltype(fn(std::declval<C>(), std::declval<C>()));
      using Out = std::conditional_t<std::is_same_v<R, bool>, bool, T>;
      T sa{}, sb{};
      KernelStrides stride_a, stride_b;
      char* pa = operand_data<T>(a, ta, shape, sa, stride_a);
      char* pb = operand_data<T>(b, tb, shape, sb, stride_b);
      const KernelStrides stride_o = kernel_byte_strides(dest);
      kernels::cpu::elementwise_loop<3>(
          shape, {static_cast<char*>(dest.data_ptr()), pa, pb},
          {stride_o.data(), stride_a.data(), stride_b.data()},
          kernels::cpu::BinaryRow<T, Out, decltype(fn)>{fn});
    }
  });

  if (!dest.is_same(target)) {
    target.copy_(dest);  // bumps the version
  } else if (spec.mode != OutMode::New) {
    target.bump_version();
  }
  return target;
}

}  // namespace detail
}  // namespace tensorbridge::ops

#include "tensorbridge/ops/device_dispatch.hpp"  // device_binary, on_device
