#pragma once
// CUDA kernels of the random ops (uniform_, normal_, random_, bernoulli_). They draw the
// stream ops/generator.hpp specifies: block k of a reservation is Philox4x32-10 (Salmon et
// al., SC'11: multipliers 0xD2511F53 and 0xCD9E8D57, Weyl key increments 0x9E3779B9 and
// 0xBB67AE85, ten rounds) of the counter first + k under the seed's key, and element i of
// the output takes its words from block i / per_block in the same positions as the CPU
// ops (ops/random.hpp). One thread makes one block's elements. The transforms from bits to
// values repeat the CPU's IEEE operations (the same exact scalings and explicit fma), so
// uniform_, random_ and bernoulli_ give the CPU's values for a seed; normal_ uses the same
// Box-Muller polynomials as the CPU and agrees with it to within an ulp or two (the
// device's sqrt and frexp are IEEE too, but nothing promises every intermediate).
#include <cuda_runtime.h>
#include <math_constants.h>

#include <cstdint>
#include <string_view>
#include <type_traits>

#include "tensorbridge/core/tensor_base.hpp"
#include "tensorbridge/kernels/cuda/common.cuh"
#include "tensorbridge/ops/device_dispatch.hpp"

namespace tensorbridge::kernels::cuda {

struct PhiloxWords {
  uint32_t w[4];
};

__device__ __forceinline__ PhiloxWords philox4x32_10(uint64_t counter, uint32_t k0, uint32_t k1) {
  uint32_t c0 = static_cast<uint32_t>(counter), c1 = static_cast<uint32_t>(counter >> 32);
  uint32_t c2 = 0, c3 = 0;
#pragma unroll
  for (int round = 0; round < 10; ++round) {
    const uint32_t hi0 = __umulhi(0xD2511F53u, c0), lo0 = 0xD2511F53u * c0;
    const uint32_t hi1 = __umulhi(0xCD9E8D57u, c2), lo1 = 0xCD9E8D57u * c2;
    const uint32_t n0 = hi1 ^ c1 ^ k0, n2 = hi0 ^ c3 ^ k1;
    c0 = n0;
    c1 = lo1;
    c2 = n2;
    c3 = lo0;
    k0 += 0x9E3779B9u;
    k1 += 0xBB67AE85u;
  }
  return {{c0, c1, c2, c3}};
}

__device__ __forceinline__ uint64_t bits64(uint32_t hi, uint32_t lo) {
  return (uint64_t(hi) << 32) | lo;
}
__device__ __forceinline__ double uniform53(uint32_t hi, uint32_t lo) {
  return static_cast<double>(bits64(hi, lo) >> 11) * 0x1p-53;
}

// Significand bits of the one-word uniforms of each type (ops/random.hpp's uniform_bits).
template <typename T>
__device__ constexpr int uniform_bits() {
  if constexpr (std::is_same_v<T, __half>) return 11;
  if constexpr (std::is_same_v<T, __nv_bfloat16>) return 8;
  return 24;
}

// The next value of T below t (finite t); the 16-bit floats step their bit patterns.
template <typename T>
__device__ T step_down(T t) {
  if constexpr (std::is_same_v<T, double>) {
    return ::nextafter(t, -CUDART_INF);
  } else if constexpr (std::is_same_v<T, float>) {
    return ::nextafterf(t, -CUDART_INF_F);
  } else {
    const float f = widen(t);
    unsigned short bits;
    memcpy(&bits, &t, sizeof(bits));
    if (f > 0.0f) {
      bits = static_cast<unsigned short>(bits - 1);
    } else if (f == 0.0f) {
      bits = 0x8001u;  // the smallest negative subnormal
    } else {
      bits = static_cast<unsigned short>(bits + 1);
    }
    T r;
    memcpy(&r, &bits, sizeof(bits));
    return r;
  }
}

// a + (b - a) * u as T, kept below b.
template <typename T>
__device__ T scale_uniform(double u, double a, double b) {
  const T t = convert<T>(::fma(u, b - a, a));
  return a < b && static_cast<double>(widen(t)) >= b ? step_down(t) : t;
}

// ops/random.hpp's deterministic_log and deterministic_sincos_2pi, operation for operation.
__device__ __forceinline__ double philox_log(double x) {
  int e = 0;
  double m = ::frexp(x, &e);
  if (m < 0.70710678118654752440) {
    m *= 2.0;
    e -= 1;
  }
  const double s = (m - 1.0) / (m + 1.0);
  const double z = s * s;
  double p = 1.0 / 21.0;
  for (int k = 19; k >= 1; k -= 2) p = ::fma(p, z, 1.0 / k);
  return ::fma(static_cast<double>(e), 0.69314718055994530942, 2.0 * s * p);
}

__device__ __forceinline__ void philox_sincos_2pi(double u, double& sin_out, double& cos_out) {
  const double t = u * 4.0;
  const double q = ::floor(t);
  double f = t - q;
  const bool upper = f > 0.5;
  if (upper) f = 1.0 - f;
  const double x = f * 1.57079632679489661923;
  const double z = x * x;
  const double k_sin[] = {1.0 / 355687428096000.0, -1.0 / 1307674368000.0, 1.0 / 6227020800.0,
                          -1.0 / 39916800.0,       1.0 / 362880.0,         -1.0 / 5040.0,
                          1.0 / 120.0,             -1.0 / 6.0,             1.0};
  const double k_cos[] = {1.0 / 20922789888000.0, -1.0 / 87178291200.0, 1.0 / 479001600.0,
                          -1.0 / 3628800.0,       1.0 / 40320.0,        -1.0 / 720.0,
                          1.0 / 24.0,             -1.0 / 2.0,           1.0};
  double ps = k_sin[0], pc = k_cos[0];
#pragma unroll
  for (int i = 1; i < 9; ++i) {
    ps = ::fma(ps, z, k_sin[i]);
    pc = ::fma(pc, z, k_cos[i]);
  }
  double s = x * ps, c = pc;
  if (upper) {
    const double tmp = s;
    s = c;
    c = tmp;
  }
  switch (static_cast<int>(q)) {
    case 1: sin_out = c; cos_out = -s; return;
    case 2: sin_out = -s; cos_out = -c; return;
    case 3: sin_out = -c; cos_out = s; return;
    default: sin_out = s; cos_out = c; return;
  }
}

enum class RandomKind { Uniform, Normal, Integer, Bernoulli };

struct RandomArgs {
  uint64_t first;
  uint32_t k0, k1;
  int per_block;
  double a, b;
  int64_t low;
  uint64_t range;
  const double* probs;  // bernoulli with a tensor of probabilities, else null
};

template <typename T, RandomKind kKind>
__global__ void random_kernel(T* out, int64_t n, RandomArgs r) {
  const int64_t block = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
  const int64_t i = block * r.per_block;
  if (i >= n) return;
  const PhiloxWords p = philox4x32_10(r.first + static_cast<uint64_t>(block), r.k0, r.k1);
  const uint32_t* w = p.w;
  if constexpr (kKind == RandomKind::Uniform) {
    if (r.per_block == 2) {  // float64: 53 bits from two words
      for (int k = 0; k < 2 && i + k < n; ++k) {
        out[i + k] = scale_uniform<T>(uniform53(w[2 * k], w[2 * k + 1]), r.a, r.b);
      }
    } else {
      constexpr int bits = uniform_bits<T>();
      for (int k = 0; k < 4 && i + k < n; ++k) {
        const double u = ::ldexp(static_cast<double>(w[k] >> (32 - bits)), -bits);
        out[i + k] = scale_uniform<T>(u, r.a, r.b);
      }
    }
  } else if constexpr (kKind == RandomKind::Normal) {
    const double u1 = 1.0 - uniform53(w[0], w[1]);
    const double radius = ::sqrt(-2.0 * philox_log(u1));
    double s, c;
    philox_sincos_2pi(uniform53(w[2], w[3]), s, c);
    out[i] = convert<T>(::fma(r.b, radius * c, r.a));
    if (i + 1 < n) out[i + 1] = convert<T>(::fma(r.b, radius * s, r.a));
  } else if constexpr (kKind == RandomKind::Integer) {
    for (int k = 0; k < 2 && i + k < n; ++k) {
      const uint64_t v = static_cast<uint64_t>(r.low) + bits64(w[2 * k], w[2 * k + 1]) % r.range;
      out[i + k] = convert<T>(static_cast<int64_t>(v));
    }
  } else {
    for (int k = 0; k < 2 && i + k < n; ++k) {
      const double p_k = r.probs != nullptr ? r.probs[i + k] : r.a;
      out[i + k] = convert<T>(uniform53(w[2 * k], w[2 * k + 1]) < p_k);
    }
  }
}

// out (contiguous) = the values of op ("uniform_", "normal_", "random_", "bernoulli_").
inline void random(const char* op, const TensorBase& out, const ops::DeviceRandom& spec,
                   cudaStream_t stream) {
  const int64_t n = out.numel();
  if (n == 0) return;
  const std::string_view name(op);
  RandomArgs r{spec.first, spec.key[0], spec.key[1], spec.per_block, spec.a, spec.b,
               spec.low,   spec.range,  nullptr};
  if (spec.probs != nullptr) r.probs = static_cast<const double*>(spec.probs->data_ptr());
  const int64_t blocks = (n + spec.per_block - 1) / spec.per_block;
  auto run = [&](auto tag, auto kind) {
    using T = typename decltype(tag)::type;
    random_kernel<T, decltype(kind)::value><<<blocks_for(blocks), kBlockSize, 0, stream>>>(
        static_cast<T*>(out.data_ptr()), n, r);
  };
  using Uniform = std::integral_constant<RandomKind, RandomKind::Uniform>;
  using Normal = std::integral_constant<RandomKind, RandomKind::Normal>;
  using Integer = std::integral_constant<RandomKind, RandomKind::Integer>;
  using Bernoulli = std::integral_constant<RandomKind, RandomKind::Bernoulli>;
  if (name == "bernoulli_" && out.dtype() == DType::Bool) {
    run(TypeTag<bool>{}, Bernoulli{});
  } else {
    visit_math_dtype(out.dtype(), op, [&](auto tag) {
      using T = typename decltype(tag)::type;
      if constexpr (std::is_same_v<T, uint64_t>) {  // no random kernels for uint64 (yet)
        TB_THROW(TypeError, op, ": not supported on CUDA for dtype ", out.dtype());
      } else {
        if (name == "random_") return run(tag, Integer{});
        if (name == "bernoulli_") return run(tag, Bernoulli{});
        if constexpr (!std::is_integral_v<T>) {
          if (name == "uniform_") return run(tag, Uniform{});
          if (name == "normal_") return run(tag, Normal{});
        }
        TB_THROW(TypeError, op, ": not supported on CUDA for dtype ", out.dtype());
      }
    });
  }
  check_launch(op);
}

}  // namespace tensorbridge::kernels::cuda
