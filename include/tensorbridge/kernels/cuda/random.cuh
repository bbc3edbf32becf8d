#pragma once
// CUDA kernels of the random ops (uniform_, normal_, random_, bernoulli_). They draw the
// stream ops/generator.hpp specifies: block k of a reservation is Philox4x32-10 of the
// counter first + k under the seed's key, and element i of the output takes its words from
// block i / per_block in the same positions as the CPU ops (ops/random.hpp). One thread
// makes one block's elements. The block and the steps from words to doubles are the CPU's
// own code (kernels/random_math.hpp: IEEE operations and explicit fma only), so uniform_,
// random_ and bernoulli_ give the CPU's values for a seed, and so should normal_ (its
// polynomial log and sine need only IEEE sqrt, division and fma; the GPU test still allows
// it a rounding or two).
#include <cuda_runtime.h>
#include <math_constants.h>

#include <cstdint>
#include <string_view>
#include <type_traits>

#include "tensorbridge/core/tensor_base.hpp"
#include "tensorbridge/kernels/cuda/common.cuh"
#include "tensorbridge/kernels/random_math.hpp"
#include "tensorbridge/ops/device_dispatch.hpp"

namespace tensorbridge::kernels::cuda {

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
  const uint64_t counter = r.first + static_cast<uint64_t>(block);
  const PhiloxBlock p = philox4x32_10({{uint32_t(counter), uint32_t(counter >> 32), 0u, 0u}}, r.k0, r.k1);
  const uint32_t* w = p.w;
  if constexpr (kKind == RandomKind::Uniform) {
    if (r.per_block == 2) {  // float64: 53 bits from two words
      for (int k = 0; k < 2 && i + k < n; ++k) {
        out[i + k] = scale_uniform<T>(uniform53(w[2 * k], w[2 * k + 1]), r.a, r.b);
      }
    } else {
      constexpr int bits = uniform_bits<T>();
      for (int k = 0; k < 4 && i + k < n; ++k) {
        out[i + k] = scale_uniform<T>(uniform_top_bits(w[k], bits), r.a, r.b);
      }
    }
  } else if constexpr (kKind == RandomKind::Normal) {
    const NormalPair v = box_muller(w, r.a, r.b);
    out[i] = convert<T>(v.first);
    if (i + 1 < n) out[i + 1] = convert<T>(v.second);
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
      if (name == "random_") return run(tag, Integer{});
      if (name == "bernoulli_") return run(tag, Bernoulli{});
      if constexpr (!std::is_integral_v<T>) {
        if (name == "uniform_") return run(tag, Uniform{});
        if (name == "normal_") return run(tag, Normal{});
      }
      TB_THROW(TypeError, op, ": not supported on CUDA for dtype ", out.dtype());
    });
  }
  check_launch(op);
}

}  // namespace tensorbridge::kernels::cuda
