#pragma once
// Elementwise binary ops on the CPU, without autograd: arithmetic, comparisons, logical and
// bitwise ops, and where(). Every op broadcasts its operands, promotes their dtypes as
// PyTorch does (scalars and 0-d tensors are weak), and comes in three forms:
//   ops::add(a, b)            a new tensor
//   ops::add_(self, other)    in place: the result dtype must be castable to self's dtype
//   ops::add_out(out, a, b)   into `out`, which must have the broadcast shape
// Operands are tensors or scalars (an Operand converts from either).
#include <string_view>

#include "tensorbridge/core/scalar.hpp"
#include "tensorbridge/core/tensor_base.hpp"
#include "tensorbridge/kernels/cpu/elementwise.hpp"
#include "tensorbridge/kernels/cpu/scalar_math.hpp"
#include "tensorbridge/ops/elementwise.hpp"

namespace tensorbridge::ops {

namespace detail {

template <typename Fn>
struct Fixed {  // make() for a functor without parameters
  template <typename Tag>
  Fn operator()(Tag) const {
    return Fn{};
  }
};

inline bool is_bool_operand(const Operand& o) {
  return o.is_tensor() ? o.tensor().dtype() == DType::Bool : o.scalar().is_bool();
}

// torch.add's alpha: a + alpha * b, with PyTorch's checks on the alpha's kind.
template <unsigned Kinds>
TensorBase add_with_alpha(BinarySpec spec, const Operand& a, const Operand& b,
                          const Scalar& alpha, bool negate) {
  if (on_device(a) || on_device(b)) {
    return device_binary(spec, Kinds, a, b, negate ? "sub" : "add", alpha);
  }
  if (is_one(alpha) && !negate) {
    return binary_op<Kinds>(spec, a, b, Fixed<kernels::cpu::AddFn>{});
  }
  if (is_one(alpha)) return binary_op<Kinds>(spec, a, b, Fixed<kernels::cpu::SubFn>{});
  const char* op = spec.name;
  return binary_op<Kinds>(spec, a, b, [&](auto tag) {
    using T = typename decltype(tag)::type;
    using C = kernels::cpu::opmath_t<T>;
    check_alpha(alpha, dtype_v<T>, op);
    C c = alpha.to<C>();
    if (negate) {
      if constexpr (kernels::cpu::is_int_v<C>) {
        c = kernels::cpu::wrap_neg(c);
      } else if constexpr (!std::is_same_v<C, bool>) {
        c = -c;
      }
    }
    return kernels::cpu::AddAlphaFn<C>{c};
  });
}

inline void check_sub_operands(const Operand& a, const Operand& b, const char* op) {
  TB_CHECK(!(is_bool_operand(a) && is_bool_operand(b)), TypeError, op,
           ": subtraction, the `-` operator, with two bool tensors is not supported. Use the "
           "`^` or `logical_xor()` operator instead.");
  TB_CHECK(!is_bool_operand(a) && !is_bool_operand(b), TypeError, op,
           ": subtraction, the `-` operator, with a bool tensor is not supported. If you are "
           "trying to invert a mask, use the `~` or `logical_not()` operator instead. (",
           describe(a), "; ", describe(b), ")");
}

// make() for pow: an integer base with a negative integer scalar exponent is an error.
struct PowMake {
  const Operand* exponent;
  const char* op;
  template <typename Tag>
  kernels::cpu::PowFn operator()(Tag) const {
    using T = typename Tag::type;
    if constexpr (std::is_integral_v<T>) {
      TB_CHECK(exponent->is_tensor() || !exponent->scalar().is_integral() ||
                   exponent->scalar().to<int64_t>() >= 0,
               Error, op, ": integers to negative integer powers are not allowed (exponent ",
               exponent->scalar(), ")");
    }
    return {};
  }
};

enum class RoundingMode { None, Trunc, Floor };
inline RoundingMode parse_rounding_mode(std::string_view mode, const char* op) {
  if (mode.empty()) return RoundingMode::None;
  if (mode == "trunc") return RoundingMode::Trunc;
  if (mode == "floor") return RoundingMode::Floor;
  TB_THROW(ValueError, op, ": expected rounding_mode to be one of None, 'trunc', or 'floor' "
           "but found '", mode, "'");
}

inline TensorBase div_impl(BinarySpec spec, const Operand& a, const Operand& b,
                           std::string_view mode) {
  switch (parse_rounding_mode(mode, spec.name)) {
    case RoundingMode::None:
      spec.rule = ResultRule::ToFloat;
      return binary_op<kFloatKind | kComplexKind>(spec, a, b, Fixed<kernels::cpu::DivFn>{});
    case RoundingMode::Trunc:
      spec.integer_divisor = true;
      if (on_device(a) || on_device(b)) {  // the device kernel is chosen by name
        return device_binary(spec, kIntKind | kFloatKind, a, b, "div_trunc", Scalar(1));
      }
      return binary_op<kIntKind | kFloatKind>(spec, a, b, Fixed<kernels::cpu::DivTruncFn>{});
    case RoundingMode::Floor:
      spec.integer_divisor = true;
      if (on_device(a) || on_device(b)) {
        return device_binary(spec, kIntKind | kFloatKind, a, b, "floor_divide", Scalar(1));
      }
      return binary_op<kIntKind | kFloatKind>(spec, a, b, Fixed<kernels::cpu::FloorDivFn>{});
  }
  return {};
}

}  // namespace detail

// ---- add / sub (with alpha) ------------------------------------------------------------
inline TensorBase add(const Operand& a, const Operand& b, const Scalar& alpha = 1) {
  return detail::add_with_alpha<kAllKinds>({"add"}, a, b, alpha, false);
}
inline const TensorBase& add_(const TensorBase& self, const Operand& other,
                              const Scalar& alpha = 1) {
  detail::add_with_alpha<kAllKinds>({"add_", ResultRule::Common, OutMode::InPlace}, self, other,
                                    alpha, false);
  return self;
}
inline TensorBase add_out(const TensorBase& out, const Operand& a, const Operand& b,
                          const Scalar& alpha = 1) {
  return detail::add_with_alpha<kAllKinds>({"add_out", ResultRule::Common, OutMode::Out, out},
                                           a, b, alpha, false);
}

inline TensorBase sub(const Operand& a, const Operand& b, const Scalar& alpha = 1) {
  detail::check_sub_operands(a, b, "sub");
  return detail::add_with_alpha<kAllKinds & ~kBoolKind>({"sub"}, a, b, alpha, true);
}
inline const TensorBase& sub_(const TensorBase& self, const Operand& other,
                              const Scalar& alpha = 1) {
  detail::check_sub_operands(self, other, "sub_");
  detail::add_with_alpha<kAllKinds & ~kBoolKind>({"sub_", ResultRule::Common, OutMode::InPlace},
                                                 self, other, alpha, true);
  return self;
}
inline TensorBase sub_out(const TensorBase& out, const Operand& a, const Operand& b,
                          const Scalar& alpha = 1) {
  detail::check_sub_operands(a, b, "sub_out");
  return detail::add_with_alpha<kAllKinds & ~kBoolKind>(
      {"sub_out", ResultRule::Common, OutMode::Out, out}, a, b, alpha, true);
}

// ---- div (true division, or rounded: rounding_mode "trunc" / "floor") ----------------------
inline TensorBase div(const Operand& a, const Operand& b, std::string_view rounding_mode = {}) {
  return detail::div_impl({"div"}, a, b, rounding_mode);
}
inline const TensorBase& div_(const TensorBase& self, const Operand& other,
                              std::string_view rounding_mode = {}) {
  detail::div_impl({"div_", ResultRule::Common, OutMode::InPlace}, self, other,
                         rounding_mode);
  return self;
}
inline TensorBase div_out(const TensorBase& out, const Operand& a, const Operand& b,
                          std::string_view rounding_mode = {}) {
  return detail::div_impl({"div_out", ResultRule::Common, OutMode::Out, out}, a, b,
                                rounding_mode);
}

// ---- pow ---------------------------------------------------------------------------------
inline TensorBase pow(const Operand& base, const Operand& exponent) {
  return detail::binary_op<kIntKind | kFloatKind | kComplexKind>(
      {"pow"}, base, exponent, detail::PowMake{&exponent, "pow"});
}
inline const TensorBase& pow_(const TensorBase& self, const Operand& exponent) {
  detail::binary_op<kIntKind | kFloatKind | kComplexKind>(
      {"pow_", ResultRule::Common, OutMode::InPlace}, self, exponent,
      detail::PowMake{&exponent, "pow_"});
  return self;
}
inline TensorBase pow_out(const TensorBase& out, const Operand& base, const Operand& exponent) {
  return detail::binary_op<kIntKind | kFloatKind | kComplexKind>(
      {"pow_out", ResultRule::Common, OutMode::Out, out}, base, exponent,
      detail::PowMake{&exponent, "pow_out"});
}

// ---- ops without parameters ----------------------------------------------------------------
// Defines op(a, b), op_(self, other) and op_out(out, a, b).
#define TB_DEFINE_BINARY_OP(op, kinds, rule, Fn, integer_divisor)                              \
  inline TensorBase op(const Operand& a, const Operand& b) {                                  \
    return detail::binary_op<kinds>({#op, rule, OutMode::New, {}, integer_divisor}, a, b,       \
                                    detail::Fixed<kernels::cpu::Fn>{});                        \
  }                                                                                            \
  inline const TensorBase& op##_(const TensorBase& self, const Operand& other) {              \
    detail::binary_op<kinds>({#op "_", rule, OutMode::InPlace, {}, integer_divisor}, self,      \
                             other, detail::Fixed<kernels::cpu::Fn>{});                        \
    return self;                                                                               \
  }                                                                                            \
  inline TensorBase op##_out(const TensorBase& out, const Operand& a, const Operand& b) {     \
    return detail::binary_op<kinds>({#op "_out", rule, OutMode::Out, out, integer_divisor}, a,  \
                                    b, detail::Fixed<kernels::cpu::Fn>{});                     \
  }

TB_DEFINE_BINARY_OP(mul, kAllKinds, ResultRule::Common, MulFn, false)
TB_DEFINE_BINARY_OP(floor_divide, kIntKind | kFloatKind, ResultRule::Common, FloorDivFn, true)
TB_DEFINE_BINARY_OP(remainder, kIntKind | kFloatKind, ResultRule::Common, RemainderFn, true)
TB_DEFINE_BINARY_OP(maximum, kRealKinds, ResultRule::Common, MaximumFn, false)
TB_DEFINE_BINARY_OP(minimum, kRealKinds, ResultRule::Common, MinimumFn, false)
TB_DEFINE_BINARY_OP(atan2, kFloatKind, ResultRule::ToFloat, Atan2Fn, false)
TB_DEFINE_BINARY_OP(eq, kAllKinds, ResultRule::Bool, EqFn, false)
TB_DEFINE_BINARY_OP(ne, kAllKinds, ResultRule::Bool, NeFn, false)
TB_DEFINE_BINARY_OP(lt, kRealKinds, ResultRule::Bool, LtFn, false)
TB_DEFINE_BINARY_OP(le, kRealKinds, ResultRule::Bool, LeFn, false)
TB_DEFINE_BINARY_OP(gt, kRealKinds, ResultRule::Bool, GtFn, false)
TB_DEFINE_BINARY_OP(ge, kRealKinds, ResultRule::Bool, GeFn, false)
TB_DEFINE_BINARY_OP(logical_and, kAllKinds, ResultRule::Bool, LogicalAndFn, false)
TB_DEFINE_BINARY_OP(logical_or, kAllKinds, ResultRule::Bool, LogicalOrFn, false)
TB_DEFINE_BINARY_OP(logical_xor, kAllKinds, ResultRule::Bool, LogicalXorFn, false)
TB_DEFINE_BINARY_OP(bitwise_and, kBoolKind | kIntKind, ResultRule::Common, BitAndFn, false)
TB_DEFINE_BINARY_OP(bitwise_or, kBoolKind | kIntKind, ResultRule::Common, BitOrFn, false)
TB_DEFINE_BINARY_OP(bitwise_xor, kBoolKind | kIntKind, ResultRule::Common, BitXorFn, false)
TB_DEFINE_BINARY_OP(bitwise_left_shift, kIntKind, ResultRule::Common, ShiftLeftFn, false)
TB_DEFINE_BINARY_OP(bitwise_right_shift, kIntKind, ResultRule::Common, ShiftRightFn, false)

#undef TB_DEFINE_BINARY_OP

// ---- where ---------------------------------------------------------------------------------
// cond ? a : b elementwise; cond must be bool; a and b promote like a binary op's operands.
inline TensorBase where(const TensorBase& cond, const Operand& a, const Operand& b) {
  constexpr const char* op = "where";
  TB_CHECK(cond.dtype() == DType::Bool, TypeError, op,
           ": expected condition to be a boolean tensor, but got a tensor with dtype ",
           cond.dtype(), " (shape ", shape_str(cond.shape()), ")");
  const DType dtype = detail::common_dtype(a, b, op);
  Shape shape = cond.shape();
  for (const Operand* o : {&a, &b}) {
    if (o->is_tensor()) shape = broadcast_shapes(shape, o->tensor().shape(), op);
  }
  if (!cond.device().is_cpu() || detail::on_device(a) || detail::on_device(b)) {
    return detail::device_where(cond, a, b, dtype, shape);
  }
  tensorbridge::detail::check_cpu(cond, op);
  for (const Operand* o : {&a, &b}) {
    if (o->is_tensor()) tensorbridge::detail::check_cpu(o->tensor(), op);
  }
  TensorBase out = tensorbridge::detail::new_cpu_tensor(shape, dtype, op);
  const TensorBase ta = a.is_tensor() ? a.tensor().to(dtype) : TensorBase();
  const TensorBase tb = b.is_tensor() ? b.tensor().to(dtype) : TensorBase();
  visit_dtype(dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    T sa{}, sb{};
    detail::KernelStrides stride_a, stride_b, stride_c;
    char* pa = detail::operand_data<T>(a, ta, shape, sa, stride_a);
    char* pb = detail::operand_data<T>(b, tb, shape, sb, stride_b);
    const detail::KernelStrides stride_o = detail::kernel_byte_strides(out);
    detail::kernel_broadcast_byte_strides(cond, shape, stride_c);
    kernels::cpu::elementwise_loop<4>(
        shape, {static_cast<char*>(out.data_ptr()), static_cast<char*>(cond.data_ptr()), pa, pb},
        {stride_o.data(), stride_c.data(), stride_a.data(), stride_b.data()},
        kernels::cpu::WhereRow<T>{});
  });
  return out;
}

}  // namespace tensorbridge::ops
