#pragma once
// The arithmetic of the random ops, for the CPU (ops/generator.hpp, ops/random.hpp) and the
// CUDA kernels (kernels/cuda/random.cuh) alike (TB_HOST_DEVICE): the Philox4x32-10 block,
// and the steps from its 32-bit words to doubles. One definition is what makes a seed give
// the CPU's values on the device: every step is an IEEE operation (exact scalings, explicit
// fma, correctly rounded division and sqrt), and the logarithm and the sine/cosine are
// polynomials here rather than the platform's libm, whose last bits differ between glibc
// and CUDA.
#include <cmath>
#include <cstdint>

#include "tensorbridge/core/macros.hpp"

namespace tensorbridge::kernels {

// One Philox4x32 counter or output block: four 32-bit words.
struct PhiloxBlock {
  uint32_t w[4];
};

// Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", SC'11): ten
// rounds with multipliers 0xD2511F53 and 0xCD9E8D57 and Weyl key increments 0x9E3779B9 and
// 0xBB67AE85.
TB_HOST_DEVICE inline PhiloxBlock philox4x32_10(PhiloxBlock c, uint32_t k0, uint32_t k1) {
  for (int round = 0; round < 10; ++round) {
    const uint64_t p0 = uint64_t(0xD2511F53u) * c.w[0];
    const uint64_t p1 = uint64_t(0xCD9E8D57u) * c.w[2];
    c = {{uint32_t(p1 >> 32) ^ c.w[1] ^ k0, uint32_t(p1), uint32_t(p0 >> 32) ^ c.w[3] ^ k1,
          uint32_t(p0)}};
    k0 += 0x9E3779B9u;
    k1 += 0xBB67AE85u;
  }
  return c;
}

TB_HOST_DEVICE inline uint64_t bits64(uint32_t hi, uint32_t lo) {
  return (uint64_t(hi) << 32) | lo;
}

// A multiple of 2^-53 in [0, 1) from two words.
TB_HOST_DEVICE inline double uniform53(uint32_t hi, uint32_t lo) {
  return static_cast<double>(bits64(hi, lo) >> 11) * 0x1p-53;
}

// A multiple of 2^-bits in [0, 1) from the top `bits` bits of one word (bits <= 32).
TB_HOST_DEVICE inline double uniform_top_bits(uint32_t word, int bits) {
  return std::ldexp(static_cast<double>(word >> (32 - bits)), -bits);
}

// ln(x) for x in (0, 1]: x = m 2^e with m in [sqrt(1/2), sqrt(2)), and
// ln(m) = 2 artanh(s), s = (m - 1) / (m + 1), |s| < 0.172, by its series to s^21
// (truncation error below 1e-17).
TB_HOST_DEVICE inline double deterministic_log(double x) {
  int e = 0;
  double m = std::frexp(x, &e);
  if (m < 0.70710678118654752440) {
    m *= 2.0;
    e -= 1;
  }
  const double s = (m - 1.0) / (m + 1.0);
  const double z = s * s;
  double p = 1.0 / 21.0;
  for (int k = 19; k >= 1; k -= 2) p = std::fma(p, z, 1.0 / k);
  return std::fma(static_cast<double>(e), 0.69314718055994530942, 2.0 * s * p);
}

struct SinCos {
  double sin;
  double cos;
};

// (sin 2 pi u, cos 2 pi u) for u in [0, 1): reduced exactly to an angle in [0, pi/4] of
// one octant, then Taylor series to x^17 / x^16 (truncation error below 1e-18).
TB_HOST_DEVICE inline SinCos deterministic_sincos_2pi(double u) {
  const double t = u * 4.0;  // exact
  const double q = std::floor(t);
  double f = t - q;  // exact, in [0, 1)
  const bool upper = f > 0.5;
  if (upper) f = 1.0 - f;  // exact (Sterbenz)
  const double x = f * 1.57079632679489661923;
  const double z = x * x;
  // Coefficients 1/n! for the odd (sine) and even (cosine) powers, highest first.
  constexpr double kSin[] = {1.0 / 355687428096000.0, -1.0 / 1307674368000.0,
                             1.0 / 6227020800.0,      -1.0 / 39916800.0,
                             1.0 / 362880.0,          -1.0 / 5040.0,
                             1.0 / 120.0,             -1.0 / 6.0,
                             1.0};
  constexpr double kCos[] = {1.0 / 20922789888000.0, -1.0 / 87178291200.0, 1.0 / 479001600.0,
                             -1.0 / 3628800.0,       1.0 / 40320.0,        -1.0 / 720.0,
                             1.0 / 24.0,             -1.0 / 2.0,           1.0};
  double ps = kSin[0], pc = kCos[0];
  for (int i = 1; i < 9; ++i) {
    ps = std::fma(ps, z, kSin[i]);
    pc = std::fma(pc, z, kCos[i]);
  }
  const double sx = x * ps;
  const double s = upper ? pc : sx, c = upper ? sx : pc;  // sin(pi/2 - x) = cos x
  switch (static_cast<int>(q)) {  // add q quarter turns
    case 1: return {c, -s};
    case 2: return {-s, -c};
    case 3: return {-c, s};
    default: return {s, c};
  }
}

// Two normal values, mean + stddev * (r cos, r sin), by Box-Muller from one block's words.
struct NormalPair {
  double first;
  double second;
};

TB_HOST_DEVICE inline NormalPair box_muller(const uint32_t* w, double mean, double stddev) {
  const double u1 = 1.0 - uniform53(w[0], w[1]);  // (0, 1]: the log stays finite
  const double r = std::sqrt(-2.0 * deterministic_log(u1));
  const SinCos sc = deterministic_sincos_2pi(uniform53(w[2], w[3]));
  return {std::fma(stddev, r * sc.cos, mean), std::fma(stddev, r * sc.sin, mean)};
}

}  // namespace tensorbridge::kernels
