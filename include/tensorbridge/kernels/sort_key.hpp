#pragma once
// Order-preserving sort keys: an element's bits mapped to an unsigned integer whose
// unsigned order is the order ops::sort uses on the CPU (ops/sort.hpp), so that a radix
// sort of keys (CUDA: kernels/cuda/sort.cuh) reproduces the CPU's sort exactly:
//   - integers by value (signed ones with the sign bit flipped), bool false < true;
//   - floats by value, float16/bfloat16 as their float values; -0.0 and +0.0 get one key
//     (the CPU compares them equal, so they keep their order under a stable sort); every NaN
//     gets the largest key (the CPU ranks NaN above +inf and all NaNs as equal);
//   - descending: the complement within the key's width, which reverses the order and
//     keeps equal elements equal, so a stable sort still keeps ties in position order.
// Plain functions on raw bits, compiled for the host and the device alike, so that a host
// test checks the very code the GPU runs.
#include <cstdint>

#include "tensorbridge/core/dtype.hpp"
#include "tensorbridge/core/macros.hpp"

namespace tensorbridge::kernels {

enum class SortKeyKind : uint8_t { Unsigned, Signed, Float };

// How to read one element: its width in bits (= the key's width), its kind and, for
// floats, the bits of +inf (every magnitude above them is a NaN).
struct SortKeyFormat {
  int bits = 0;
  SortKeyKind kind = SortKeyKind::Unsigned;
  uint64_t inf = 0;
};

// The format of a dtype; complex has none (bits = 0): it has no order.
constexpr SortKeyFormat sort_key_format(DType d) {
  switch (d) {
    case DType::Bool:
    case DType::UInt8: return {8, SortKeyKind::Unsigned, 0};
    case DType::UInt16: return {16, SortKeyKind::Unsigned, 0};
    case DType::UInt32: return {32, SortKeyKind::Unsigned, 0};
    case DType::UInt64: return {64, SortKeyKind::Unsigned, 0};
    case DType::Int8: return {8, SortKeyKind::Signed, 0};
    case DType::Int16: return {16, SortKeyKind::Signed, 0};
    case DType::Int32: return {32, SortKeyKind::Signed, 0};
    case DType::Int64: return {64, SortKeyKind::Signed, 0};
    case DType::Float16: return {16, SortKeyKind::Float, 0x7C00u};
    case DType::BFloat16: return {16, SortKeyKind::Float, 0x7F80u};
    case DType::Float32: return {32, SortKeyKind::Float, 0x7F800000u};
    case DType::Float64: return {64, SortKeyKind::Float, 0x7FF0000000000000ull};
    default: return {};
  }
}

// All ones in the low `bits` bits (1 <= bits <= 64).
TB_HOST_DEVICE inline uint64_t sort_key_mask(int bits) {
  return bits >= 64 ? ~uint64_t(0) : (uint64_t(1) << bits) - 1;
}

// The key of an element whose bits (zero-extended) are `bits`; it fits in f.bits bits.
TB_HOST_DEVICE inline uint64_t sort_key(uint64_t bits, SortKeyFormat f, bool descending) {
  const uint64_t mask = sort_key_mask(f.bits);
  const uint64_t sign = uint64_t(1) << (f.bits - 1);
  uint64_t key = bits;
  if (f.kind == SortKeyKind::Signed) {
    key = bits ^ sign;
  } else if (f.kind == SortKeyKind::Float) {
    // Sign and magnitude: negatives reverse their order below the positives.
    const uint64_t magnitude = bits & ~sign & mask;
    if (magnitude > f.inf) {
      key = mask;  // NaN, any sign or payload
    } else if (magnitude == 0) {
      key = sign;  // -0.0 as +0.0
    } else {
      key = (bits & sign) != 0 ? (~bits & mask) : (bits | sign);
    }
  }
  return descending ? (~key & mask) : key;
}

// Bits needed to number `count` rows 0 .. count-1 (0 for one row).
TB_HOST_DEVICE inline int sort_row_bits(int64_t count) {
  int bits = 0;
  for (uint64_t last = count > 1 ? static_cast<uint64_t>(count - 1) : 0; last != 0; last >>= 1) {
    ++bits;
  }
  return bits;
}

}  // namespace tensorbridge::kernels
