#pragma once
// Type promotion exactly as PyTorch does it: `promote_types` for two dtypes, and
// `result_type` for an op's operands, where 0-d tensors and Python-style scalars are
// "weak": they only decide the result when they belong to a higher category (bool < integer
// < floating < complex) than every dimensioned tensor. So an int32 tensor times 2.5 is
// float32, a float16 tensor plus a float64 scalar stays float16, and an int32 tensor plus a
// 0-d float64 tensor is float64. tests/data/promotion_table.txt holds PyTorch's own answers.
#include <algorithm>
#include <optional>

#include "tensorbridge/core/dtype.hpp"
#include "tensorbridge/core/error.hpp"
#include "tensorbridge/core/scalar.hpp"
#include "tensorbridge/core/tensor_base.hpp"

namespace tensorbridge {

// PyTorch's default floating dtype (torch.get_default_dtype()): what integer inputs to
// true division or exp() become, and what a Python float scalar counts as.
inline constexpr DType kDefaultFloatDType = DType::Float32;
inline constexpr DType kDefaultComplexDType = DType::Complex64;

namespace detail {

constexpr bool is_wide_unsigned(DType d) {
  return d == DType::UInt16 || d == DType::UInt32 || d == DType::UInt64;
}

// Precision rank of floating and complex dtypes, for "the wider one wins" (integers and
// bool rank lowest: they never widen a complex result).
constexpr int float_rank(DType d) {
  switch (d) {
    case DType::Float32:
    case DType::Complex64: return 1;
    case DType::Float64:
    case DType::Complex128: return 2;
    default: return 0;
  }
}
}  // namespace detail

// The complex dtype with the precision of a real dtype (PyTorch's toComplexType; bfloat16
// maps to complex64, float16 to PyTorch's complex32 which we do not have, so complex64).
constexpr DType to_complex_dtype(DType d) {
  if (is_complex(d)) return d;
  return d == DType::Float64 ? DType::Complex128 : DType::Complex64;
}

// The real dtype of a complex one (abs of complex64 is float32); others unchanged.
constexpr DType to_real_dtype(DType d) {
  if (d == DType::Complex64) return DType::Float32;
  if (d == DType::Complex128) return DType::Float64;
  return d;
}

// torch.promote_types: the smallest dtype both can be converted to without losing the
// category. PyTorch refuses to promote uint16/uint32/uint64 with any other integer, bool or
// complex dtype, and so do we.
inline DType promote_types(DType a, DType b) {
  if (a == b) return a;
  TB_CHECK((!detail::is_wide_unsigned(a) && !detail::is_wide_unsigned(b)) ||
               is_floating_point(a) || is_floating_point(b),
           TypeError, "promote_types: promotion for uint16, uint32, uint64 types is not supported, "
           "attempted to promote ", a, " and ", b);
  if (a == DType::Bool) return b;
  if (b == DType::Bool) return a;
  const DTypeKind ka = dtype_kind(a);
  const DTypeKind kb = dtype_kind(b);
  if (ka == DTypeKind::Complex || kb == DTypeKind::Complex) {
    const int r = std::max(detail::float_rank(a), detail::float_rank(b));
    return r == 2 ? DType::Complex128 : DType::Complex64;
  }
  if (ka == DTypeKind::Float && kb == DTypeKind::Float) {
    const int ra = detail::float_rank(a);
    const int rb = detail::float_rank(b);
    if (ra == rb) return DType::Float32;  // float16 with bfloat16
    return ra > rb ? a : b;
  }
  if (ka == DTypeKind::Float) return a;
  if (kb == DTypeKind::Float) return b;
  // Integers of which at most one is uint8: signed types widen, uint8 needs int16.
  if (a == DType::UInt8 || b == DType::UInt8) {
    const DType other = a == DType::UInt8 ? b : a;
    return other == DType::Int8 ? DType::Int16 : other;
  }
  return itemsize(a) > itemsize(b) ? a : b;
}

// torch.can_cast: may an op whose result is `from` write into a tensor of dtype `to`?
// Down-casts across categories (complex to real, floating to integer, anything to bool)
// are refused; within a category anything goes (float64 into float16 is fine).
constexpr bool can_cast(DType from, DType to) {
  if (is_complex(from) && !is_complex(to)) return false;
  if (is_floating_point(from) && is_integral(to)) return false;
  if (from != DType::Bool && to == DType::Bool) return false;
  return true;
}

// Accumulates PyTorch's three operand categories: dimensioned tensors, 0-d tensors and
// wrapped numbers (scalars). Feed every operand, then ask result().
class ResultTypeState {
 public:
  void add(const TensorBase& t) {
    if (t.dim() > 0) {
      update(dim_, t.dtype());
    } else {
      update(zero_dim_, t.dtype());
    }
  }
  void add(const Scalar& s) {
    DType d = DType::Int64;
    switch (s.kind()) {
      case Scalar::Kind::Bool: d = DType::Bool; break;
      case Scalar::Kind::Int: d = DType::Int64; break;
      case Scalar::Kind::Float: d = kDefaultFloatDType; break;
      case Scalar::Kind::Complex: d = kDefaultComplexDType; break;
    }
    update(wrapped_, d);
  }
  DType result() const {
    const std::optional<DType> r = combine(dim_, combine(zero_dim_, wrapped_));
    return r ? *r : kDefaultFloatDType;
  }

 private:
  static void update(std::optional<DType>& slot, DType d) {
    slot = slot ? promote_types(*slot, d) : d;
  }
  // A lower-priority category only matters when it is a higher kind of number.
  static std::optional<DType> combine(std::optional<DType> higher, std::optional<DType> lower) {
    if (!higher) return lower;
    if (!lower) return higher;
    if (is_complex(*higher)) return higher;
    if (is_complex(*lower)) {
      return is_floating_point(*higher) ? to_complex_dtype(*higher) : *lower;
    }
    if (is_floating_point(*higher)) return higher;
    if (*higher == DType::Bool || is_floating_point(*lower)) {
      return promote_types(*higher, *lower);
    }
    return higher;
  }

  std::optional<DType> dim_, zero_dim_, wrapped_;
};

// torch.result_type for the usual operand mixes.
inline DType result_type(const TensorBase& a, const TensorBase& b) {
  ResultTypeState s;
  s.add(a);
  s.add(b);
  return s.result();
}
inline DType result_type(const TensorBase& a, const Scalar& b) {
  ResultTypeState s;
  s.add(a);
  s.add(b);
  return s.result();
}
inline DType result_type(const Scalar& a, const TensorBase& b) { return result_type(b, a); }

// Integer and bool dtypes become the default float dtype (true division, exp, ...).
constexpr DType to_float_dtype(DType d) {
  return is_floating_point(d) || is_complex(d) ? d : kDefaultFloatDType;
}

}  // namespace tensorbridge
