// DType properties, the C++ element-type mapping, and the 16-bit float conversions.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include "tensorbridge/core/dtype.hpp"

namespace tb = tensorbridge;

TEST(DType, NamesItemsizesAndKinds) {
  struct Row {
    tb::DType d;
    const char* name;
    std::size_t size;
    tb::DTypeKind kind;
  };
  const Row rows[] = {
      {tb::DType::Bool, "bool", 1, tb::DTypeKind::Bool},
      {tb::DType::Int8, "int8", 1, tb::DTypeKind::Int},
      {tb::DType::Int16, "int16", 2, tb::DTypeKind::Int},
      {tb::DType::Int32, "int32", 4, tb::DTypeKind::Int},
      {tb::DType::Int64, "int64", 8, tb::DTypeKind::Int},
      {tb::DType::UInt8, "uint8", 1, tb::DTypeKind::UInt},
      {tb::DType::UInt16, "uint16", 2, tb::DTypeKind::UInt},
      {tb::DType::UInt32, "uint32", 4, tb::DTypeKind::UInt},
      {tb::DType::UInt64, "uint64", 8, tb::DTypeKind::UInt},
      {tb::DType::Float16, "float16", 2, tb::DTypeKind::Float},
      {tb::DType::BFloat16, "bfloat16", 2, tb::DTypeKind::Float},
      {tb::DType::Float32, "float32", 4, tb::DTypeKind::Float},
      {tb::DType::Float64, "float64", 8, tb::DTypeKind::Float},
      {tb::DType::Complex64, "complex64", 8, tb::DTypeKind::Complex},
      {tb::DType::Complex128, "complex128", 16, tb::DTypeKind::Complex},
  };
  ASSERT_EQ(std::size(rows), std::size_t(tb::kNumDTypes));
  for (const Row& r : rows) {
    EXPECT_EQ(tb::dtype_name(r.d), r.name);
    EXPECT_EQ(tb::itemsize(r.d), r.size);
    EXPECT_EQ(tb::dtype_kind(r.d), r.kind);
    EXPECT_EQ(tb::dtype_from_name(r.name), r.d);
    // The C++ element type has the same size and maps back to the same tag.
    tb::visit_dtype(r.d, [&](auto tag) {
      using T = typename decltype(tag)::type;
      EXPECT_EQ(sizeof(T), r.size) << r.name;
      EXPECT_EQ(tb::dtype_v<T>, r.d) << r.name;
    });
  }
  EXPECT_EQ(tb::dtype_from_name("double"), tb::DType::Float64);
  EXPECT_EQ(tb::dtype_from_name("long"), tb::DType::Int64);
  EXPECT_THROW(tb::dtype_from_name("float128"), tb::TypeError);
}

TEST(DType, Predicates) {
  EXPECT_TRUE(tb::is_floating_point(tb::DType::BFloat16));
  EXPECT_FALSE(tb::is_floating_point(tb::DType::Complex64));
  EXPECT_TRUE(tb::is_complex(tb::DType::Complex128));
  EXPECT_TRUE(tb::is_integral(tb::DType::UInt64));
  EXPECT_FALSE(tb::is_integral(tb::DType::Bool));
  EXPECT_TRUE(tb::is_integral(tb::DType::Bool, /*include_bool=*/true));
  EXPECT_TRUE(tb::is_signed(tb::DType::Int8));
  EXPECT_FALSE(tb::is_signed(tb::DType::UInt8));
}

// All finite halves in increasing order, as floats: an independent reference for
// round-to-nearest-even (pick the closer neighbour; on a tie, the one with an even
// mantissa).
static std::vector<std::pair<float, uint16_t>> sorted_finite_halves() {
  std::vector<std::pair<float, uint16_t>> v;
  for (uint32_t b = 0; b < 0x7c00; ++b) {
    const float f = tb::detail::half_bits_to_float(static_cast<uint16_t>(b));
    v.push_back({f, static_cast<uint16_t>(b)});
    if (b) v.push_back({-f, static_cast<uint16_t>(b | 0x8000)});
  }
  std::sort(v.begin(), v.end(), [](auto a, auto b) { return a.first < b.first; });
  return v;
}

static uint16_t reference_half(float x, const std::vector<std::pair<float, uint16_t>>& halves) {
  const double inf_threshold = 65520.0;  // halfway to 2^16 rounds to inf
  if (std::fabs(double(x)) >= inf_threshold) return x > 0 ? 0x7c00 : 0xfc00;
  auto it = std::lower_bound(halves.begin(), halves.end(), x,
                             [](auto p, float v) { return p.first < v; });
  uint16_t nearest;
  if (it == halves.begin() || it == halves.end()) {
    nearest = it == halves.end() ? halves.back().second : it->second;  // beyond +-65504
  } else if (it->first == x) {
    nearest = it->second;
  } else {
    const auto hi = it;
    const auto lo = it - 1;
    const double dlo = double(x) - double(lo->first), dhi = double(hi->first) - double(x);
    if (dlo < dhi) {
      nearest = lo->second;
    } else if (dhi < dlo) {
      nearest = hi->second;
    } else {
      nearest = (lo->second & 1) == 0 ? lo->second : hi->second;
    }
  }
  // Zero has two encodings: a value that rounds to zero keeps its sign.
  if ((nearest & 0x7fff) == 0) nearest = std::signbit(x) ? 0x8000 : 0;
  return nearest;
}

TEST(Half, EveryHalfRoundTripsThroughFloat) {
  for (uint32_t b = 0; b <= 0xffff; ++b) {
    const auto bits = static_cast<uint16_t>(b);
    const float f = tb::detail::half_bits_to_float(bits);
    const uint16_t back = tb::detail::float_to_half_bits(f);
    if ((bits & 0x7c00) == 0x7c00 && (bits & 0x3ff)) {
      EXPECT_TRUE(std::isnan(f));
      EXPECT_EQ(back & 0x7c00, 0x7c00);
      EXPECT_NE(back & 0x3ff, 0);  // still a NaN
    } else {
      EXPECT_EQ(back, bits) << std::hex << b;
    }
  }
}

TEST(Half, RoundsToNearestEvenLikeReference) {
  const auto halves = sorted_finite_halves();
  std::mt19937 rng(42);
  std::vector<float> samples;
  // Exact midpoints between neighbours (ties) and their float neighbours.
  for (std::size_t i = 0; i + 1 < halves.size(); i += 7) {
    const float mid = float((double(halves[i].first) + double(halves[i + 1].first)) / 2);
    samples.push_back(mid);
    samples.push_back(std::nextafter(mid, INFINITY));
    samples.push_back(std::nextafter(mid, -INFINITY));
  }
  std::uniform_int_distribution<uint32_t> any_bits;
  for (int i = 0; i < 200000; ++i) {
    float f;
    uint32_t u = any_bits(rng);
    // Concentrate on the half range: exponents 2^-26 .. 2^17.
    u = (u & 0x807fffffu) | ((101u + (u >> 23) % 44u) << 23);
    std::memcpy(&f, &u, 4);
    samples.push_back(f);
  }
  samples.push_back(65504.f);
  samples.push_back(65519.99f);
  samples.push_back(65520.f);
  samples.push_back(std::numeric_limits<float>::max());
  samples.push_back(5.9604645e-8f);   // smallest subnormal half
  samples.push_back(2.9802322e-8f);   // exactly half of it: ties to 0
  samples.push_back(2.9802326e-8f);   // just above: rounds up
  for (float x : samples) {
    ASSERT_EQ(tb::detail::float_to_half_bits(x), reference_half(x, halves)) << x;
  }
  EXPECT_EQ(tb::detail::float_to_half_bits(INFINITY), 0x7c00);
  EXPECT_EQ(tb::detail::float_to_half_bits(-INFINITY), 0xfc00);
  EXPECT_TRUE(std::isnan(float(tb::half(NAN))));
}

TEST(BFloat16, RoundsToNearestEven) {
  std::mt19937 rng(7);
  std::uniform_int_distribution<uint32_t> any_bits;
  for (int i = 0; i < 300000; ++i) {
    const uint32_t u = any_bits(rng);
    float x;
    std::memcpy(&x, &u, 4);
    if (std::isnan(x)) {
      EXPECT_TRUE(std::isnan(float(tb::bfloat16(x))));
      continue;
    }
    // Reference: the two bfloat16 values bracketing x, compared in double.
    const uint32_t down = u & 0xffff0000u;
    const uint32_t up = down + 0x10000u;
    float fd, fu;
    std::memcpy(&fd, &down, 4);
    std::memcpy(&fu, &up, 4);
    const double dd = std::fabs(double(x) - double(fd));
    const double du = std::isinf(fu) && !std::isinf(x) ? INFINITY : std::fabs(double(fu) - double(x));
    uint16_t expected;
    if (dd < du || (u & 0xffffu) == 0) {
      expected = uint16_t(down >> 16);
    } else if (du < dd) {
      expected = uint16_t(up >> 16);
    } else {
      expected = ((down >> 16) & 1) ? uint16_t(up >> 16) : uint16_t(down >> 16);
    }
    // Past the largest bfloat16, the halfway point rounds to infinity as in IEEE.
    if ((u & 0x7fffffffu) >= 0x7f7f8000u && !std::isinf(x)) {
      expected = (u & 0x80000000u) ? 0xff80 : 0x7f80;
    }
    ASSERT_EQ(tb::detail::float_to_bfloat16_bits(x), expected) << std::hex << u;
  }
  EXPECT_EQ(float(tb::bfloat16(1.0f)), 1.0f);
  EXPECT_EQ(tb::bfloat16(1.00390625f).bits, 0x3f80);  // tie -> even (down)
  EXPECT_EQ(tb::bfloat16(1.01171875f).bits, 0x3f82);  // tie -> even (up)
}

TEST(ConvertElement, FollowsNumPyRules) {
  EXPECT_EQ(tb::convert_element<int32_t>(3.99), 3);
  EXPECT_EQ(tb::convert_element<int32_t>(-3.99), -3);
  EXPECT_EQ(tb::convert_element<uint8_t>(300), 44);       // integers wrap
  EXPECT_EQ(tb::convert_element<uint8_t>(-1.0f), 255);    // like NumPy/PyTorch on x86
  EXPECT_EQ(tb::convert_element<int32_t>(NAN), 0);        // no UB on NaN
  EXPECT_EQ(tb::convert_element<int64_t>(1e30), std::numeric_limits<int64_t>::max());
  EXPECT_TRUE(tb::convert_element<bool>(0.5f));
  EXPECT_FALSE(tb::convert_element<bool>(tb::half(0.0f)));
  EXPECT_EQ(tb::convert_element<float>(tb::complex64(2.5f, -1.f)), 2.5f);
  EXPECT_EQ(tb::convert_element<tb::complex128>(3), tb::complex128(3, 0));
  EXPECT_EQ(float(tb::convert_element<tb::half>(tb::bfloat16(1.5f))), 1.5f);
}
