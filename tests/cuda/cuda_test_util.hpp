#pragma once
// What the CUDA tests share: skipping without a GPU (failing instead where one is expected),
// catching an error's message, reproducible values, and comparing a device result with the
// CPU's.
#include <gtest/gtest.h>

#include <cuda_runtime_api.h>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "tensorbridge/core/factory.hpp"
#include "tensorbridge/cuda/cuda.hpp"
#include "tensorbridge/ops/random.hpp"

// Skips without a GPU, unless TB_EXPECT_GPU is set (tests/gpu/run.sh sets it where
// nvidia-smi sees one): then a runtime that finds no device (say, a driver too old for this
// CUDA runtime) fails the test instead of skipping it silently.
#define TB_REQUIRE_GPU()                                                                  \
  do {                                                                                    \
    if (!tensorbridge::cuda::is_available()) {                                            \
      int count_ = 0;                                                                     \
      const cudaError_t err_ = cudaGetDeviceCount(&count_);                               \
      if (std::getenv("TB_EXPECT_GPU") != nullptr) {                                      \
        FAIL() << "TB_EXPECT_GPU is set but the CUDA runtime finds no device: "           \
               << cudaGetErrorString(err_);                                               \
      }                                                                                   \
      GTEST_SKIP() << "no CUDA device here";                                              \
    }                                                                                     \
  } while (0)

namespace tbtest {

inline const tensorbridge::Device kGpu = tensorbridge::Device::cuda(0);

// The message of the E that f() throws; a test failure when it throws nothing.
template <typename E, typename F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const E& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected an exception";
  return {};
}

// Reproducible values in [lo, hi) as `dtype` on the CPU.
inline tensorbridge::TensorBase values(const tensorbridge::Shape& shape,
                                       tensorbridge::DType dtype = tensorbridge::DType::Float32,
                                       double lo = -2, double hi = 2, uint64_t seed = 1) {
  tensorbridge::Generator gen(seed);
  tensorbridge::TensorBase t = tensorbridge::empty(shape, tensorbridge::DType::Float64);
  tensorbridge::ops::uniform_(t, lo, hi, &gen);
  return t.to(dtype);
}

// A GPU result against the CPU's: same shape and dtype, every element within
// atol + rtol * |expected|; NaNs and infinities must match exactly.
inline void expect_close(const tensorbridge::TensorBase& gpu, const tensorbridge::TensorBase& cpu,
                         double rtol = 1e-6, double atol = 1e-6) {
  using tensorbridge::DType;
  ASSERT_EQ(gpu.device(), kGpu);
  ASSERT_EQ(gpu.shape(), cpu.shape());
  ASSERT_EQ(gpu.dtype(), cpu.dtype());
  const tensorbridge::TensorBase a = gpu.cpu().to(DType::Float64).contiguous();
  const tensorbridge::TensorBase b = cpu.to(DType::Float64).contiguous();
  const auto* pa = static_cast<const double*>(a.data_ptr());
  const auto* pb = static_cast<const double*>(b.data_ptr());
  for (int64_t i = 0; i < a.numel(); ++i) {
    if (std::isnan(pb[i]) || std::isinf(pb[i])) {
      ASSERT_TRUE(std::isnan(pb[i]) ? std::isnan(pa[i]) : pa[i] == pb[i]) << "element " << i;
      continue;
    }
    ASSERT_NEAR(pa[i], pb[i], atol + rtol * std::fabs(pb[i])) << "element " << i;
  }
}

// The relative tolerance of a float computation in `d` against float64.
inline double tolerance(tensorbridge::DType d) {
  using tensorbridge::DType;
  return d == DType::Float16 ? 2e-3 : d == DType::BFloat16 ? 1e-2 : d == DType::Float32 ? 2e-6 : 1e-12;
}

}  // namespace tbtest
