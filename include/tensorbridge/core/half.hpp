#pragma once
// 16-bit floating point element types: IEEE binary16 (`half`) and bfloat16.
// Both store bits and compute in float; conversions from float round to nearest even,
// keep NaN a NaN and saturate overflow to infinity, as hardware does.
#include <cstdint>
#include <cstring>
#include <ostream>
#include <type_traits>

#include "tensorbridge/core/macros.hpp"

namespace tensorbridge {
namespace detail {

TB_HOST_DEVICE inline uint32_t float_bits(float f) {
  uint32_t u;
  memcpy(&u, &f, sizeof u);
  return u;
}
TB_HOST_DEVICE inline float bits_float(uint32_t u) {
  float f;
  memcpy(&f, &u, sizeof f);
  return f;
}

TB_HOST_DEVICE inline uint16_t float_to_half_bits(float value) {
  uint32_t x = float_bits(value);
  const uint16_t sign = static_cast<uint16_t>((x >> 16) & 0x8000u);
  x &= 0x7fffffffu;
  if (x >= 0x7f800000u) {  // inf stays inf; NaN stays a (quiet) NaN
    const uint16_t nan_bits = x > 0x7f800000u ? uint16_t(0x200u | ((x >> 13) & 0x3ffu)) : 0;
    return static_cast<uint16_t>(sign | 0x7c00u | nan_bits);
  }
  if (x >= 0x477ff000u) return static_cast<uint16_t>(sign | 0x7c00u);  // >= 65520 rounds to inf
  if (x < 0x38800000u) {
    // Result is subnormal (or zero): adding a float whose ulp equals half's smallest
    // subnormal lets the FPU do the round-to-nearest-even for us.
    const uint32_t magic = (127u - 15u + 23u - 10u + 1u) << 23;
    const float sum = bits_float(x) + bits_float(magic);
    return static_cast<uint16_t>(sign | (float_bits(sum) - magic));
  }
  // Normal: rebias the exponent, then round the 13 dropped mantissa bits to even.
  const uint32_t mantissa_odd = (x >> 13) & 1u;
  x += ((15u - 127u) << 23) + 0xfffu + mantissa_odd;
  return static_cast<uint16_t>(sign | (x >> 13));
}

TB_HOST_DEVICE inline float half_bits_to_float(uint16_t h) {
  const uint32_t sign = uint32_t(h & 0x8000u) << 16;
  const uint32_t exponent = (h >> 10) & 0x1fu;
  const uint32_t mantissa = h & 0x3ffu;
  if (exponent == 0) {
    const float magnitude = float(mantissa) * 5.9604644775390625e-8f;  // 2^-24
    return bits_float(float_bits(magnitude) | sign);
  }
  if (exponent == 31) return bits_float(sign | 0x7f800000u | (mantissa << 13));
  return bits_float(sign | ((exponent + 112u) << 23) | (mantissa << 13));
}

TB_HOST_DEVICE inline uint16_t float_to_bfloat16_bits(float value) {
  const uint32_t x = float_bits(value);
  if ((x & 0x7fffffffu) > 0x7f800000u) return static_cast<uint16_t>((x >> 16) | 0x40u);
  const uint32_t rounding = 0x7fffu + ((x >> 16) & 1u);  // ties go to the even result
  return static_cast<uint16_t>((x + rounding) >> 16);
}

TB_HOST_DEVICE inline float bfloat16_bits_to_float(uint16_t b) {
  return bits_float(uint32_t(b) << 16);
}

struct FromBits {};

}  // namespace detail

struct half {
  uint16_t bits = 0;
  half() = default;
  // Implicit from any arithmetic type, like a built-in float (doubles round through
  // float, as PyTorch does).
  template <typename U, std::enable_if_t<std::is_arithmetic_v<U>, int> = 0>
  TB_HOST_DEVICE half(U v) : bits(detail::float_to_half_bits(static_cast<float>(v))) {}
  TB_HOST_DEVICE half(uint16_t raw, detail::FromBits) : bits(raw) {}
  TB_HOST_DEVICE operator float() const { return detail::half_bits_to_float(bits); }
  TB_HOST_DEVICE static half from_bits(uint16_t raw) { return half(raw, detail::FromBits{}); }
  TB_HOST_DEVICE half& operator+=(float o) { return *this = half(float(*this) + o); }
  TB_HOST_DEVICE half& operator-=(float o) { return *this = half(float(*this) - o); }
  TB_HOST_DEVICE half& operator*=(float o) { return *this = half(float(*this) * o); }
  TB_HOST_DEVICE half& operator/=(float o) { return *this = half(float(*this) / o); }
};

struct bfloat16 {
  uint16_t bits = 0;
  bfloat16() = default;
  template <typename U, std::enable_if_t<std::is_arithmetic_v<U>, int> = 0>
  TB_HOST_DEVICE bfloat16(U v) : bits(detail::float_to_bfloat16_bits(static_cast<float>(v))) {}
  TB_HOST_DEVICE bfloat16(uint16_t raw, detail::FromBits) : bits(raw) {}
  TB_HOST_DEVICE operator float() const { return detail::bfloat16_bits_to_float(bits); }
  TB_HOST_DEVICE static bfloat16 from_bits(uint16_t raw) {
    return bfloat16(raw, detail::FromBits{});
  }
  TB_HOST_DEVICE bfloat16& operator+=(float o) { return *this = bfloat16(float(*this) + o); }
  TB_HOST_DEVICE bfloat16& operator-=(float o) { return *this = bfloat16(float(*this) - o); }
  TB_HOST_DEVICE bfloat16& operator*=(float o) { return *this = bfloat16(float(*this) * o); }
  TB_HOST_DEVICE bfloat16& operator/=(float o) { return *this = bfloat16(float(*this) / o); }
};

inline std::ostream& operator<<(std::ostream& os, half h) { return os << float(h); }
inline std::ostream& operator<<(std::ostream& os, bfloat16 b) { return os << float(b); }

}  // namespace tensorbridge
