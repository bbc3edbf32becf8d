#pragma once
// The public elementwise API: free functions (tb::add, tb::exp, ...), C++ operators, and
// the TensorBase methods declared in core/tensor_base.hpp. Each is a one-line forwarder:
// methods and operators call the free functions, the free functions call the raw compute
// in ops/binary.hpp and ops/unary.hpp, so autograd can reroute every op in one place (the
// free functions).
//
// Scalars are weak operands as in PyTorch: t + 2.5 on an int32 tensor is float32, on a
// float16 tensor float16. Tensor<T> op Tensor<T> keeps the static type where the result
// dtype is obvious (+ - * on non-bool T, comparisons give Tensor<bool>).
#include <cstdint>
#include <optional>
#include <string_view>
#include <type_traits>

#include "tensorbridge/core/scalar.hpp"
#include "tensorbridge/core/tensor.hpp"
#include "tensorbridge/core/tensor_base.hpp"
#include "tensorbridge/ops/binary.hpp"
#include "tensorbridge/ops/unary.hpp"
// The forwarders call autograd::, which records a graph only when an input requires grad.
#include "tensorbridge/autograd/functions_elementwise.hpp"

namespace tensorbridge {

// ---- binary free functions ---------------------------------------------------------------
inline TensorBase add(const TensorBase& a, const TensorBase& b, const Scalar& alpha = 1) {
  return autograd::add(a, b, alpha);
}
inline TensorBase add(const TensorBase& a, const Scalar& b, const Scalar& alpha = 1) {
  return autograd::add(a, b, alpha);
}
inline TensorBase add(const Scalar& a, const TensorBase& b, const Scalar& alpha = 1) {
  return autograd::add(a, b, alpha);
}
inline const TensorBase& add_(const TensorBase& self, const TensorBase& other,
                              const Scalar& alpha = 1) {
  return autograd::add_(self, other, alpha);
}
inline const TensorBase& add_(const TensorBase& self, const Scalar& other,
                              const Scalar& alpha = 1) {
  return autograd::add_(self, other, alpha);
}
inline TensorBase sub(const TensorBase& a, const TensorBase& b, const Scalar& alpha = 1) {
  return autograd::sub(a, b, alpha);
}
inline TensorBase sub(const TensorBase& a, const Scalar& b, const Scalar& alpha = 1) {
  return autograd::sub(a, b, alpha);
}
inline TensorBase sub(const Scalar& a, const TensorBase& b, const Scalar& alpha = 1) {
  return autograd::sub(a, b, alpha);
}
inline const TensorBase& sub_(const TensorBase& self, const TensorBase& other,
                              const Scalar& alpha = 1) {
  return autograd::sub_(self, other, alpha);
}
inline const TensorBase& sub_(const TensorBase& self, const Scalar& other,
                              const Scalar& alpha = 1) {
  return autograd::sub_(self, other, alpha);
}
// rounding_mode: "" (true division), "trunc" or "floor".
inline TensorBase div(const TensorBase& a, const TensorBase& b,
                      std::string_view rounding_mode = {}) {
  return autograd::div(a, b, rounding_mode);
}
inline TensorBase div(const TensorBase& a, const Scalar& b, std::string_view rounding_mode = {}) {
  return autograd::div(a, b, rounding_mode);
}
inline TensorBase div(const Scalar& a, const TensorBase& b, std::string_view rounding_mode = {}) {
  return autograd::div(a, b, rounding_mode);
}
inline const TensorBase& div_(const TensorBase& self, const TensorBase& other,
                              std::string_view rounding_mode = {}) {
  return autograd::div_(self, other, rounding_mode);
}
inline const TensorBase& div_(const TensorBase& self, const Scalar& other,
                              std::string_view rounding_mode = {}) {
  return autograd::div_(self, other, rounding_mode);
}
inline TensorBase true_divide(const TensorBase& a, const TensorBase& b) { return autograd::div(a, b); }
inline TensorBase true_divide(const TensorBase& a, const Scalar& b) { return autograd::div(a, b); }

// The remaining binary ops have no parameters: op(t, t), op(t, s), op(s, t), and in place
// op_(self, t), op_(self, s).
#define TB_BINARY_FREE_FUNCTIONS(op)                                                            \
  inline TensorBase op(const TensorBase& a, const TensorBase& b) { return autograd::op(a, b); }       \
  inline TensorBase op(const TensorBase& a, const Scalar& b) { return autograd::op(a, b); }           \
  inline TensorBase op(const Scalar& a, const TensorBase& b) { return autograd::op(a, b); }           \
  inline const TensorBase& op##_(const TensorBase& self, const TensorBase& other) {             \
    return autograd::op##_(self, other);                                                              \
  }                                                                                              \
  inline const TensorBase& op##_(const TensorBase& self, const Scalar& other) {                 \
    return autograd::op##_(self, other);                                                              \
  }
TB_BINARY_FREE_FUNCTIONS(mul)
TB_BINARY_FREE_FUNCTIONS(floor_divide)
TB_BINARY_FREE_FUNCTIONS(remainder)
TB_BINARY_FREE_FUNCTIONS(pow)
TB_BINARY_FREE_FUNCTIONS(maximum)
TB_BINARY_FREE_FUNCTIONS(minimum)
TB_BINARY_FREE_FUNCTIONS(atan2)
TB_BINARY_FREE_FUNCTIONS(eq)
TB_BINARY_FREE_FUNCTIONS(ne)
TB_BINARY_FREE_FUNCTIONS(lt)
TB_BINARY_FREE_FUNCTIONS(le)
TB_BINARY_FREE_FUNCTIONS(gt)
TB_BINARY_FREE_FUNCTIONS(ge)
TB_BINARY_FREE_FUNCTIONS(logical_and)
TB_BINARY_FREE_FUNCTIONS(logical_or)
TB_BINARY_FREE_FUNCTIONS(logical_xor)
TB_BINARY_FREE_FUNCTIONS(bitwise_and)
TB_BINARY_FREE_FUNCTIONS(bitwise_or)
TB_BINARY_FREE_FUNCTIONS(bitwise_xor)
TB_BINARY_FREE_FUNCTIONS(bitwise_left_shift)
TB_BINARY_FREE_FUNCTIONS(bitwise_right_shift)
#undef TB_BINARY_FREE_FUNCTIONS

inline TensorBase where(const TensorBase& cond, const TensorBase& a, const TensorBase& b) {
  return autograd::where(cond, a, b);
}
inline TensorBase where(const TensorBase& cond, const TensorBase& a, const Scalar& b) {
  return autograd::where(cond, a, b);
}
inline TensorBase where(const TensorBase& cond, const Scalar& a, const TensorBase& b) {
  return autograd::where(cond, a, b);
}
inline TensorBase where(const TensorBase& cond, const Scalar& a, const Scalar& b) {
  return autograd::where(cond, a, b);
}

// ---- unary free functions ----------------------------------------------------------------
#define TB_UNARY_FREE_FUNCTIONS(op)                                                        \
  inline TensorBase op(const TensorBase& x) { return autograd::op(x); }                          \
  inline const TensorBase& op##_(const TensorBase& x) { return autograd::op##_(x); }
TB_UNARY_FREE_FUNCTIONS(neg)
TB_UNARY_FREE_FUNCTIONS(abs)
TB_UNARY_FREE_FUNCTIONS(sign)
TB_UNARY_FREE_FUNCTIONS(exp)
TB_UNARY_FREE_FUNCTIONS(expm1)
TB_UNARY_FREE_FUNCTIONS(log)
TB_UNARY_FREE_FUNCTIONS(log1p)
TB_UNARY_FREE_FUNCTIONS(log2)
TB_UNARY_FREE_FUNCTIONS(log10)
TB_UNARY_FREE_FUNCTIONS(sqrt)
TB_UNARY_FREE_FUNCTIONS(rsqrt)
TB_UNARY_FREE_FUNCTIONS(sin)
TB_UNARY_FREE_FUNCTIONS(cos)
TB_UNARY_FREE_FUNCTIONS(tan)
TB_UNARY_FREE_FUNCTIONS(tanh)
TB_UNARY_FREE_FUNCTIONS(sigmoid)
TB_UNARY_FREE_FUNCTIONS(relu)
TB_UNARY_FREE_FUNCTIONS(erf)
TB_UNARY_FREE_FUNCTIONS(floor)
TB_UNARY_FREE_FUNCTIONS(ceil)
TB_UNARY_FREE_FUNCTIONS(trunc)
TB_UNARY_FREE_FUNCTIONS(reciprocal)
TB_UNARY_FREE_FUNCTIONS(square)
TB_UNARY_FREE_FUNCTIONS(logical_not)
TB_UNARY_FREE_FUNCTIONS(bitwise_not)
#undef TB_UNARY_FREE_FUNCTIONS
inline TensorBase round(const TensorBase& x, int64_t decimals = 0) {
  return autograd::round(x, decimals);
}
inline const TensorBase& round_(const TensorBase& x, int64_t decimals = 0) {
  return autograd::round_(x, decimals);
}
// approximate: "none" (exact, with erf) or "tanh".
inline TensorBase gelu(const TensorBase& x, std::string_view approximate = "none") {
  return autograd::gelu(x, approximate);
}
inline TensorBase isnan(const TensorBase& x) { return autograd::isnan(x); }
inline TensorBase isinf(const TensorBase& x) { return autograd::isinf(x); }
inline TensorBase isfinite(const TensorBase& x) { return autograd::isfinite(x); }
inline TensorBase clamp(const TensorBase& x, const std::optional<Scalar>& min,
                        const std::optional<Scalar>& max = std::nullopt) {
  return autograd::clamp(x, min, max);
}
inline TensorBase clamp(const TensorBase& x, const std::optional<TensorBase>& min,
                        const std::optional<TensorBase>& max = std::nullopt) {
  return autograd::clamp(x, min, max);
}
inline const TensorBase& clamp_(const TensorBase& x, const std::optional<Scalar>& min,
                                const std::optional<Scalar>& max = std::nullopt) {
  return autograd::clamp_(x, min, max);
}
inline const TensorBase& clamp_(const TensorBase& x, const std::optional<TensorBase>& min,
                                const std::optional<TensorBase>& max = std::nullopt) {
  return autograd::clamp_(x, min, max);
}

// ---- unary methods -----------------------------------------------------------------------
#define TB_UNARY_METHODS(op)                                                                  \
  inline TensorBase TensorBase::op() const { return ::tensorbridge::op(*this); }              \
  inline const TensorBase& TensorBase::op##_() const { return ::tensorbridge::op##_(*this); }
TB_UNARY_METHODS(neg)
TB_UNARY_METHODS(abs)
TB_UNARY_METHODS(sign)
TB_UNARY_METHODS(exp)
TB_UNARY_METHODS(expm1)
TB_UNARY_METHODS(log)
TB_UNARY_METHODS(log1p)
TB_UNARY_METHODS(log2)
TB_UNARY_METHODS(log10)
TB_UNARY_METHODS(sqrt)
TB_UNARY_METHODS(rsqrt)
TB_UNARY_METHODS(sin)
TB_UNARY_METHODS(cos)
TB_UNARY_METHODS(tan)
TB_UNARY_METHODS(tanh)
TB_UNARY_METHODS(sigmoid)
TB_UNARY_METHODS(relu)
TB_UNARY_METHODS(erf)
TB_UNARY_METHODS(floor)
TB_UNARY_METHODS(ceil)
TB_UNARY_METHODS(trunc)
TB_UNARY_METHODS(reciprocal)
TB_UNARY_METHODS(square)
TB_UNARY_METHODS(logical_not)
TB_UNARY_METHODS(bitwise_not)
#undef TB_UNARY_METHODS
inline TensorBase TensorBase::round(int64_t decimals) const {
  return ::tensorbridge::round(*this, decimals);
}
inline const TensorBase& TensorBase::round_(int64_t decimals) const {
  return ::tensorbridge::round_(*this, decimals);
}
inline TensorBase TensorBase::isnan() const { return ::tensorbridge::isnan(*this); }
inline TensorBase TensorBase::isinf() const { return ::tensorbridge::isinf(*this); }
inline TensorBase TensorBase::isfinite() const { return ::tensorbridge::isfinite(*this); }
inline TensorBase TensorBase::clamp(const std::optional<Scalar>& min,
                                    const std::optional<Scalar>& max) const {
  return ::tensorbridge::clamp(*this, min, max);
}
inline TensorBase TensorBase::clamp(const std::optional<TensorBase>& min,
                                    const std::optional<TensorBase>& max) const {
  return ::tensorbridge::clamp(*this, min, max);
}
inline const TensorBase& TensorBase::clamp_(const std::optional<Scalar>& min,
                                            const std::optional<Scalar>& max) const {
  return ::tensorbridge::clamp_(*this, min, max);
}
inline const TensorBase& TensorBase::clamp_(const std::optional<TensorBase>& min,
                                            const std::optional<TensorBase>& max) const {
  return ::tensorbridge::clamp_(*this, min, max);
}

// ---- binary methods ----------------------------------------------------------------------
inline TensorBase TensorBase::add(const TensorBase& other, const Scalar& alpha) const {
  return ::tensorbridge::add(*this, other, alpha);
}
inline TensorBase TensorBase::add(const Scalar& other, const Scalar& alpha) const {
  return ::tensorbridge::add(*this, other, alpha);
}
inline const TensorBase& TensorBase::add_(const TensorBase& other, const Scalar& alpha) const {
  return ::tensorbridge::add_(*this, other, alpha);
}
inline const TensorBase& TensorBase::add_(const Scalar& other, const Scalar& alpha) const {
  return ::tensorbridge::add_(*this, other, alpha);
}
inline TensorBase TensorBase::sub(const TensorBase& other, const Scalar& alpha) const {
  return ::tensorbridge::sub(*this, other, alpha);
}
inline TensorBase TensorBase::sub(const Scalar& other, const Scalar& alpha) const {
  return ::tensorbridge::sub(*this, other, alpha);
}
inline const TensorBase& TensorBase::sub_(const TensorBase& other, const Scalar& alpha) const {
  return ::tensorbridge::sub_(*this, other, alpha);
}
inline const TensorBase& TensorBase::sub_(const Scalar& other, const Scalar& alpha) const {
  return ::tensorbridge::sub_(*this, other, alpha);
}
inline TensorBase TensorBase::div(const TensorBase& other, std::string_view mode) const {
  return ::tensorbridge::div(*this, other, mode);
}
inline TensorBase TensorBase::div(const Scalar& other, std::string_view mode) const {
  return ::tensorbridge::div(*this, other, mode);
}
inline const TensorBase& TensorBase::div_(const TensorBase& other, std::string_view mode) const {
  return ::tensorbridge::div_(*this, other, mode);
}
inline const TensorBase& TensorBase::div_(const Scalar& other, std::string_view mode) const {
  return ::tensorbridge::div_(*this, other, mode);
}

#define TB_BINARY_METHODS(op)                                                                  \
  inline TensorBase TensorBase::op(const TensorBase& other) const {                            \
    return ::tensorbridge::op(*this, other);                                                   \
  }                                                                                            \
  inline TensorBase TensorBase::op(const Scalar& other) const {                                \
    return ::tensorbridge::op(*this, other);                                                   \
  }                                                                                            \
  inline const TensorBase& TensorBase::op##_(const TensorBase& other) const {                  \
    return ::tensorbridge::op##_(*this, other);                                                \
  }                                                                                            \
  inline const TensorBase& TensorBase::op##_(const Scalar& other) const {                      \
    return ::tensorbridge::op##_(*this, other);                                                \
  }
TB_BINARY_METHODS(mul)
TB_BINARY_METHODS(floor_divide)
TB_BINARY_METHODS(remainder)
TB_BINARY_METHODS(pow)
TB_BINARY_METHODS(atan2)
TB_BINARY_METHODS(logical_and)
TB_BINARY_METHODS(logical_or)
TB_BINARY_METHODS(logical_xor)
TB_BINARY_METHODS(bitwise_and)
TB_BINARY_METHODS(bitwise_or)
TB_BINARY_METHODS(bitwise_xor)
TB_BINARY_METHODS(bitwise_left_shift)
TB_BINARY_METHODS(bitwise_right_shift)
#undef TB_BINARY_METHODS

// Out-of-place only (PyTorch's in-place comparisons are rarely used and left out).
#define TB_BINARY_METHODS_NO_INPLACE(op)                                                       \
  inline TensorBase TensorBase::op(const TensorBase& other) const {                            \
    return ::tensorbridge::op(*this, other);                                                   \
  }                                                                                            \
  inline TensorBase TensorBase::op(const Scalar& other) const {                                \
    return ::tensorbridge::op(*this, other);                                                   \
  }
TB_BINARY_METHODS_NO_INPLACE(maximum)
TB_BINARY_METHODS_NO_INPLACE(minimum)
TB_BINARY_METHODS_NO_INPLACE(eq)
TB_BINARY_METHODS_NO_INPLACE(ne)
TB_BINARY_METHODS_NO_INPLACE(lt)
TB_BINARY_METHODS_NO_INPLACE(le)
TB_BINARY_METHODS_NO_INPLACE(gt)
TB_BINARY_METHODS_NO_INPLACE(ge)
#undef TB_BINARY_METHODS_NO_INPLACE

// ---- operators ---------------------------------------------------------------------------
// a op b for tensor/tensor, tensor/scalar and scalar/tensor; a op= b is the in-place op.
#define TB_BINARY_OPERATOR(sym, fn)                                                            \
  inline TensorBase operator sym(const TensorBase& a, const TensorBase& b) {                   \
    return ::tensorbridge::fn(a, b);                                                           \
  }                                                                                            \
  inline TensorBase operator sym(const TensorBase& a, const Scalar& b) {                       \
    return ::tensorbridge::fn(a, b);                                                           \
  }                                                                                            \
  inline TensorBase operator sym(const Scalar& a, const TensorBase& b) {                       \
    return ::tensorbridge::fn(a, b);                                                           \
  }
#define TB_COMPOUND_OPERATOR(sym, fn)                                                          \
  inline const TensorBase& operator sym(const TensorBase& self, const TensorBase& other) {     \
    return ::tensorbridge::fn(self, other);                                                    \
  }                                                                                            \
  inline const TensorBase& operator sym(const TensorBase& self, const Scalar& other) {         \
    return ::tensorbridge::fn(self, other);                                                    \
  }
TB_BINARY_OPERATOR(+, add)
TB_BINARY_OPERATOR(-, sub)
TB_BINARY_OPERATOR(*, mul)
TB_BINARY_OPERATOR(/, div)
TB_BINARY_OPERATOR(%, remainder)
TB_BINARY_OPERATOR(&, bitwise_and)
TB_BINARY_OPERATOR(|, bitwise_or)
TB_BINARY_OPERATOR(^, bitwise_xor)
TB_BINARY_OPERATOR(==, eq)
TB_BINARY_OPERATOR(!=, ne)
TB_BINARY_OPERATOR(<, lt)
TB_BINARY_OPERATOR(<=, le)
TB_BINARY_OPERATOR(>, gt)
TB_BINARY_OPERATOR(>=, ge)
TB_COMPOUND_OPERATOR(+=, add_)
TB_COMPOUND_OPERATOR(-=, sub_)
TB_COMPOUND_OPERATOR(*=, mul_)
TB_COMPOUND_OPERATOR(/=, div_)
TB_COMPOUND_OPERATOR(%=, remainder_)
TB_COMPOUND_OPERATOR(&=, bitwise_and_)
TB_COMPOUND_OPERATOR(|=, bitwise_or_)
TB_COMPOUND_OPERATOR(^=, bitwise_xor_)
#undef TB_BINARY_OPERATOR
#undef TB_COMPOUND_OPERATOR

// -x and ~x (bitwise, or logical for bool).
inline TensorBase operator-(const TensorBase& x) { return ::tensorbridge::neg(x); }
inline TensorBase operator~(const TensorBase& x) { return ::tensorbridge::bitwise_not(x); }

// Typed operators where the result dtype is the operands' own (or bool).
#define TB_TYPED_OPERATOR(sym, fn, ResultT, enabled)                                           \
  template <typename T, std::enable_if_t<(enabled), int> = 0>                                  \
  Tensor<ResultT> operator sym(const Tensor<T>& a, const Tensor<T>& b) {                       \
    return Tensor<ResultT>(::tensorbridge::fn(a, b));                                          \
  }
TB_TYPED_OPERATOR(+, add, std::remove_const_t<T>, (!std::is_same_v<std::remove_const_t<T>, bool>))
TB_TYPED_OPERATOR(-, sub, std::remove_const_t<T>, (!std::is_same_v<std::remove_const_t<T>, bool>))
TB_TYPED_OPERATOR(*, mul, std::remove_const_t<T>, (!std::is_same_v<std::remove_const_t<T>, bool>))
TB_TYPED_OPERATOR(==, eq, bool, true)
TB_TYPED_OPERATOR(!=, ne, bool, true)
TB_TYPED_OPERATOR(<, lt, bool, true)
TB_TYPED_OPERATOR(<=, le, bool, true)
TB_TYPED_OPERATOR(>, gt, bool, true)
TB_TYPED_OPERATOR(>=, ge, bool, true)
#undef TB_TYPED_OPERATOR

}  // namespace tensorbridge
