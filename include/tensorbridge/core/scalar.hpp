#pragma once
// A single value of any dtype, for fills, factories and item(): it remembers whether it
// came from a bool, an integer, a float or a complex number (PyTorch's "weak" scalar
// categories) and converts to any element type on request.
#include <complex>
#include <cstdint>
#include <ostream>
#include <type_traits>

#include "tensorbridge/core/dtype.hpp"

namespace tensorbridge {

class Scalar {
 public:
  enum class Kind : uint8_t { Bool, Int, Float, Complex };

  Scalar() : Scalar(int64_t(0)) {}
  template <typename T, std::enable_if_t<std::is_integral_v<T>, int> = 0>
  Scalar(T v) {  // NOLINT: implicit, like a Python number
    if constexpr (std::is_same_v<T, bool>) {
      kind_ = Kind::Bool;
      i_ = v ? 1 : 0;
    } else if constexpr (std::is_unsigned_v<T> && sizeof(T) == 8) {
      kind_ = Kind::Int;
      u_ = v;
      unsigned_ = true;
    } else {
      kind_ = Kind::Int;
      i_ = static_cast<int64_t>(v);
    }
  }
  Scalar(double v) : kind_(Kind::Float), d_(v) {}         // NOLINT
  Scalar(float v) : Scalar(static_cast<double>(v)) {}     // NOLINT
  Scalar(half v) : Scalar(static_cast<float>(v)) {}       // NOLINT
  Scalar(bfloat16 v) : Scalar(static_cast<float>(v)) {}   // NOLINT
  Scalar(complex128 v) : kind_(Kind::Complex), d_(v.real()), imag_(v.imag()) {}  // NOLINT
  Scalar(complex64 v) : Scalar(complex128(v.real(), v.imag())) {}              // NOLINT

  Kind kind() const { return kind_; }
  bool is_bool() const { return kind_ == Kind::Bool; }
  bool is_integral() const { return kind_ == Kind::Int; }
  bool is_floating_point() const { return kind_ == Kind::Float; }
  bool is_complex() const { return kind_ == Kind::Complex; }

  // The value as element type T (NumPy's conversion rules, see convert_element).
  template <typename T>
  T to() const {
    switch (kind_) {
      case Kind::Bool: return convert_element<T>(i_ != 0);
      case Kind::Int: return unsigned_ ? convert_element<T>(u_) : convert_element<T>(i_);
      case Kind::Float: return convert_element<T>(d_);
      case Kind::Complex: return convert_element<T>(complex128(d_, imag_));
    }
    return T();
  }

  // The dtype PyTorch gives a tensor made from this scalar alone.
  DType default_dtype() const {
    switch (kind_) {
      case Kind::Bool: return DType::Bool;
      case Kind::Int: return DType::Int64;
      case Kind::Float: return DType::Float32;
      case Kind::Complex: return DType::Complex64;
    }
    return DType::Float32;
  }

  friend std::ostream& operator<<(std::ostream& os, const Scalar& s) {
    switch (s.kind_) {
      case Kind::Bool: return os << (s.i_ ? "True" : "False");
      case Kind::Int: return s.unsigned_ ? os << s.u_ : os << s.i_;
      case Kind::Float: return os << s.d_;
      case Kind::Complex: return os << complex128(s.d_, s.imag_);
    }
    return os;
  }

 private:
  Kind kind_;
  bool unsigned_ = false;
  union {
    int64_t i_;
    uint64_t u_;
    double d_;
  };
  double imag_ = 0.0;
};

}  // namespace tensorbridge
