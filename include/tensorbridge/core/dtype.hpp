#pragma once
// Element types: the runtime `DType` tag, its properties, and the mapping between
// tags and C++ element types in both directions.
#include <complex>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <ostream>
#include <string_view>
#include <type_traits>

#include "tensorbridge/core/error.hpp"
#include "tensorbridge/core/half.hpp"

namespace tensorbridge {

using complex64 = std::complex<float>;
using complex128 = std::complex<double>;

enum class DType : uint8_t {
  Bool,
  Int8,
  Int16,
  Int32,
  Int64,
  UInt8,
  UInt16,
  UInt32,
  UInt64,
  Float16,
  BFloat16,
  Float32,
  Float64,
  Complex64,
  Complex128,
};
inline constexpr int kNumDTypes = 15;

enum class DTypeKind : uint8_t { Bool, Int, UInt, Float, Complex };

struct DTypeInfo {
  std::string_view name;  // NumPy/PyTorch spelling: "float32"
  std::size_t itemsize;   // bytes
  DTypeKind kind;
};

namespace detail {
inline constexpr DTypeInfo kDTypeInfo[kNumDTypes] = {
    {"bool", 1, DTypeKind::Bool},        {"int8", 1, DTypeKind::Int},
    {"int16", 2, DTypeKind::Int},        {"int32", 4, DTypeKind::Int},
    {"int64", 8, DTypeKind::Int},        {"uint8", 1, DTypeKind::UInt},
    {"uint16", 2, DTypeKind::UInt},      {"uint32", 4, DTypeKind::UInt},
    {"uint64", 8, DTypeKind::UInt},      {"float16", 2, DTypeKind::Float},
    {"bfloat16", 2, DTypeKind::Float},   {"float32", 4, DTypeKind::Float},
    {"float64", 8, DTypeKind::Float},    {"complex64", 8, DTypeKind::Complex},
    {"complex128", 16, DTypeKind::Complex},
};
}  // namespace detail

constexpr const DTypeInfo& dtype_info(DType d) {
  return detail::kDTypeInfo[static_cast<int>(d)];
}
constexpr std::string_view dtype_name(DType d) { return dtype_info(d).name; }
constexpr std::size_t itemsize(DType d) { return dtype_info(d).itemsize; }
constexpr DTypeKind dtype_kind(DType d) { return dtype_info(d).kind; }
constexpr bool is_floating_point(DType d) { return dtype_kind(d) == DTypeKind::Float; }
constexpr bool is_complex(DType d) { return dtype_kind(d) == DTypeKind::Complex; }
constexpr bool is_integral(DType d, bool include_bool = false) {
  const DTypeKind k = dtype_kind(d);
  return k == DTypeKind::Int || k == DTypeKind::UInt || (include_bool && k == DTypeKind::Bool);
}
constexpr bool is_signed(DType d) {
  const DTypeKind k = dtype_kind(d);
  return k == DTypeKind::Int || k == DTypeKind::Float || k == DTypeKind::Complex;
}

inline std::ostream& operator<<(std::ostream& os, DType d) { return os << dtype_name(d); }

// Parses "float32" (and PyTorch's aliases "float", "double", "half", "long", ...).
inline DType dtype_from_name(std::string_view name) {
  for (int i = 0; i < kNumDTypes; ++i) {
    if (detail::kDTypeInfo[i].name == name) return static_cast<DType>(i);
  }
  struct Alias {
    std::string_view name;
    DType dtype;
  };
  static constexpr Alias kAliases[] = {
      {"float", DType::Float32},  {"double", DType::Float64}, {"half", DType::Float16},
      {"int", DType::Int32},      {"long", DType::Int64},     {"short", DType::Int16},
      {"cfloat", DType::Complex64}, {"cdouble", DType::Complex128},
  };
  for (const Alias& a : kAliases) {
    if (a.name == name) return a.dtype;
  }
  TB_THROW(TypeError, "unknown dtype name '", name, "'");
}

// C++ element type -> DType.
template <typename T>
struct dtype_of;
#define TB_DEFINE_DTYPE_OF(cpp_type, tag) \
  template <>                             \
  struct dtype_of<cpp_type> {             \
    static constexpr DType value = DType::tag; \
  };
TB_DEFINE_DTYPE_OF(bool, Bool)
TB_DEFINE_DTYPE_OF(int8_t, Int8)
TB_DEFINE_DTYPE_OF(int16_t, Int16)
TB_DEFINE_DTYPE_OF(int32_t, Int32)
TB_DEFINE_DTYPE_OF(int64_t, Int64)
TB_DEFINE_DTYPE_OF(uint8_t, UInt8)
TB_DEFINE_DTYPE_OF(uint16_t, UInt16)
TB_DEFINE_DTYPE_OF(uint32_t, UInt32)
TB_DEFINE_DTYPE_OF(uint64_t, UInt64)
TB_DEFINE_DTYPE_OF(half, Float16)
TB_DEFINE_DTYPE_OF(bfloat16, BFloat16)
TB_DEFINE_DTYPE_OF(float, Float32)
TB_DEFINE_DTYPE_OF(double, Float64)
TB_DEFINE_DTYPE_OF(complex64, Complex64)
TB_DEFINE_DTYPE_OF(complex128, Complex128)
#undef TB_DEFINE_DTYPE_OF

template <typename T>
inline constexpr DType dtype_v = dtype_of<std::remove_cv_t<T>>::value;

template <typename T, typename = void>
struct is_element_type : std::false_type {};
template <typename T>
struct is_element_type<T, std::void_t<decltype(dtype_of<T>::value)>> : std::true_type {};
template <typename T>
inline constexpr bool is_element_type_v = is_element_type<std::remove_cv_t<T>>::value;

// DType -> C++ element type.
template <DType D>
struct element_type;
#define TB_DEFINE_ELEMENT_TYPE(cpp_type, tag) \
  template <>                                 \
  struct element_type<DType::tag> {           \
    using type = cpp_type;                    \
  };
TB_DEFINE_ELEMENT_TYPE(bool, Bool)
TB_DEFINE_ELEMENT_TYPE(int8_t, Int8)
TB_DEFINE_ELEMENT_TYPE(int16_t, Int16)
TB_DEFINE_ELEMENT_TYPE(int32_t, Int32)
TB_DEFINE_ELEMENT_TYPE(int64_t, Int64)
TB_DEFINE_ELEMENT_TYPE(uint8_t, UInt8)
TB_DEFINE_ELEMENT_TYPE(uint16_t, UInt16)
TB_DEFINE_ELEMENT_TYPE(uint32_t, UInt32)
TB_DEFINE_ELEMENT_TYPE(uint64_t, UInt64)
TB_DEFINE_ELEMENT_TYPE(half, Float16)
TB_DEFINE_ELEMENT_TYPE(bfloat16, BFloat16)
TB_DEFINE_ELEMENT_TYPE(float, Float32)
TB_DEFINE_ELEMENT_TYPE(double, Float64)
TB_DEFINE_ELEMENT_TYPE(complex64, Complex64)
TB_DEFINE_ELEMENT_TYPE(complex128, Complex128)
#undef TB_DEFINE_ELEMENT_TYPE

template <DType D>
using element_type_t = typename element_type<D>::type;

template <typename T>
struct TypeTag {
  using type = T;
};

// Calls fn(TypeTag<T>{}) with T the element type of `d`: the one place where a
// runtime dtype becomes a compile-time type.
template <typename Fn>
decltype(auto) visit_dtype(DType d, Fn&& fn) {
  switch (d) {
    case DType::Bool: return fn(TypeTag<bool>{});
    case DType::Int8: return fn(TypeTag<int8_t>{});
    case DType::Int16: return fn(TypeTag<int16_t>{});
    case DType::Int32: return fn(TypeTag<int32_t>{});
    case DType::Int64: return fn(TypeTag<int64_t>{});
    case DType::UInt8: return fn(TypeTag<uint8_t>{});
    case DType::UInt16: return fn(TypeTag<uint16_t>{});
    case DType::UInt32: return fn(TypeTag<uint32_t>{});
    case DType::UInt64: return fn(TypeTag<uint64_t>{});
    case DType::Float16: return fn(TypeTag<half>{});
    case DType::BFloat16: return fn(TypeTag<bfloat16>{});
    case DType::Float32: return fn(TypeTag<float>{});
    case DType::Float64: return fn(TypeTag<double>{});
    case DType::Complex64: return fn(TypeTag<complex64>{});
    case DType::Complex128: return fn(TypeTag<complex128>{});
  }
  TB_THROW(TypeError, "invalid dtype code ", static_cast<int>(d));
}

// Converts one element between any two element types with NumPy's rules: complex
// to real drops the imaginary part; anything to bool is "!= 0"; float to integer
// truncates toward zero (out of range is undefined in C++, so NaN/inf become 0 and
// other values saturate rather than invoke UB).
// Host-only for now: std::complex and numeric_limits are host code to nvcc; the CUDA
// kernels get their own device-side conversions.
template <typename To, typename From>
inline To convert_element(From v) {
  if constexpr (std::is_same_v<To, From>) {
    return v;
  } else if constexpr (std::is_same_v<From, complex64> || std::is_same_v<From, complex128>) {
    if constexpr (std::is_same_v<To, complex64> || std::is_same_v<To, complex128>) {
      using R = typename To::value_type;
      return To(static_cast<R>(v.real()), static_cast<R>(v.imag()));
    } else if constexpr (std::is_same_v<To, bool>) {
      return v.real() != 0 || v.imag() != 0;
    } else {
      return convert_element<To>(v.real());
    }
  } else if constexpr (std::is_same_v<To, complex64> || std::is_same_v<To, complex128>) {
    using R = typename To::value_type;
    return To(convert_element<R>(v), R(0));
  } else if constexpr (std::is_same_v<To, bool>) {
    if constexpr (std::is_same_v<From, half> || std::is_same_v<From, bfloat16>) {
      return static_cast<float>(v) != 0.0f;
    } else {
      return v != From(0);
    }
  } else if constexpr (std::is_same_v<To, half> || std::is_same_v<To, bfloat16>) {
    if constexpr (std::is_same_v<From, half> || std::is_same_v<From, bfloat16>) {
      return To(static_cast<float>(v));
    } else {
      return To(v);
    }
  } else if constexpr (std::is_integral_v<To> &&
                       (std::is_floating_point_v<From> || std::is_same_v<From, half> ||
                        std::is_same_v<From, bfloat16>)) {
    using F = std::conditional_t<std::is_same_v<From, double>, double, float>;
    const F f = static_cast<F>(v);
    if (!(f == f) || f - f != F(0)) return To(0);  // NaN or inf
    if constexpr (std::is_unsigned_v<To>) {
      // Negative floats to unsigned wrap like NumPy/PyTorch on x86 (through int64).
      if (f < F(0)) return static_cast<To>(convert_element<int64_t>(f));
    }
    // Saturate at the range ends; in range this is C++'s truncation toward zero.
    if (f <= static_cast<F>(std::numeric_limits<To>::lowest())) {
      return std::numeric_limits<To>::lowest();
    }
    if (f >= static_cast<F>(std::numeric_limits<To>::max())) return std::numeric_limits<To>::max();
    return static_cast<To>(f);
  } else {
    return static_cast<To>(v);
  }
}

}  // namespace tensorbridge
