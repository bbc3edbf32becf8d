#pragma once
// Random tensors: rand/randn/randint/randperm and the in-place uniform_, normal_ and
// bernoulli_, all drawing from a Generator (ops/generator.hpp; null means the default one).
// Raw compute only; api_random.hpp holds the public forwarders.
//
// Same seed, same numbers, on any machine and compiler: the bits come from Philox, and
// every transform from bits to values is written here with IEEE operations whose results
// the standard fixes (integer shifts, exact scalings, +, *, /, sqrt, and explicit std::fma
// where a multiply feeds an add, so that no compiler can fuse or split it differently).
// The logarithm and sine/cosine of Box-Muller are our own polynomials for the same reason:
// libm implementations differ in their last bits. Values fill the output in row-major
// order: element i of a float32 uniform uses word i of the op's stream; float64 uniforms,
// normals, randint and bernoulli use two words per element.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numeric>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "tensorbridge/core/copy.hpp"
#include "tensorbridge/core/tensor_base.hpp"
#include "tensorbridge/kernels/random_math.hpp"
#include "tensorbridge/ops/device_dispatch.hpp"
#include "tensorbridge/ops/generator.hpp"

namespace tensorbridge {
namespace ops {
namespace random_detail {

inline Generator& pick(Generator* gen) { return gen ? *gen : default_generator(); }

// Calls emit(first, words) for each block an n-element output needs, `PerBlock` elements
// per block; `first` is the index of the block's first element (the last block may run
// past n, and emit must stop at n).
template <int PerBlock, typename Emit>
void for_each_block(Generator& gen, int64_t n, Emit&& emit) {
  if (n <= 0) return;
  const auto blocks = static_cast<uint64_t>((n + PerBlock - 1) / PerBlock);
  const Generator::Reservation r = gen.reserve(blocks);
  for (uint64_t b = 0; b < blocks; ++b) {
    emit(static_cast<int64_t>(b) * PerBlock, random_block(r, b));
  }
}

using kernels::bits64;
using kernels::uniform53;

// Significand bits of each floating type's uniforms: values on the type's own grid in
// [0, 1), so that rounding never produces 1.
template <typename T>
constexpr int uniform_bits() {
  if constexpr (std::is_same_v<T, half>) return 11;
  if constexpr (std::is_same_v<T, bfloat16>) return 8;
  return 24;  // float
}

// The next value of T below t (t is finite).
template <typename T>
T step_down(T t) {
  if constexpr (std::is_same_v<T, half> || std::is_same_v<T, bfloat16>) {
    const float f = static_cast<float>(t);
    if (f > 0.0f) return T::from_bits(static_cast<uint16_t>(t.bits - 1));
    if (f == 0.0f) return T::from_bits(0x8001u);  // the smallest negative subnormal
    return T::from_bits(static_cast<uint16_t>(t.bits + 1));
  } else {
    return std::nextafter(t, -std::numeric_limits<T>::infinity());
  }
}

// a + (b - a) * u as T, kept below b when rounding would reach it.
template <typename T>
T scale_uniform(double u, double a, double b) {
  const T t = convert_element<T>(std::fma(u, b - a, a));
  return a < b && static_cast<double>(t) >= b ? step_down(t) : t;
}

// Writes n values of T: into self's memory when it is contiguous, else through a
// contiguous buffer copied into self (so a strided tensor gets the same values, in
// row-major order, as a contiguous one).
template <typename T, typename Fill>
void fill_row_major(const TensorBase& self, Fill&& fill) {
  if (self.is_contiguous()) {
    fill(static_cast<T*>(self.data_ptr()), self.numel());
    return;
  }
  const TensorBase buffer =
      ::tensorbridge::detail::new_cpu_tensor(self.shape(), self.dtype(), "random");
  fill(static_cast<T*>(buffer.data_ptr()), buffer.numel());
  ::tensorbridge::detail::copy_same_shape(self, buffer);
}

inline void check_target(const TensorBase& self, const char* op) {
  self.check_writable(op);
}

// A tensor on a device draws the same blocks of the generator, in the same positions, on
// the device (ops/device_dispatch.hpp); `per_block` is the CPU op's elements per block.
inline bool drawn_on_device(const TensorBase& self, Generator* gen, int per_block,
                            ops::DeviceRandom spec, const char* op) {
  if (self.device().is_cpu()) return false;
  spec.per_block = per_block;
  ops::detail::device_random_(self, pick(gen), spec, op);
  self.bump_version();
  return true;
}

inline void check_floating(DType dtype, const TensorBase* self, const char* op) {
  TB_CHECK(is_floating_point(dtype), TypeError, op,
           ": expected a floating-point dtype, but got ", dtype,
           self ? " (shape " + shape_str(self->shape()) + ")" : std::string());
}

}  // namespace random_detail

// Uniform values in [from, to).
inline const TensorBase& uniform_(const TensorBase& self, double from = 0.0, double to = 1.0,
                                  Generator* gen = nullptr) {
  using namespace random_detail;
  check_target(self, "uniform_");
  check_floating(self.dtype(), &self, "uniform_");
  TB_CHECK(std::isfinite(from) && std::isfinite(to) && from <= to, ValueError,
           "uniform_: expected finite from <= to, but got from=", from, " and to=", to);
  ops::DeviceRandom spec;
  spec.a = from;
  spec.b = to;
  if (drawn_on_device(self, gen, self.dtype() == DType::Float64 ? 2 : 4, spec, "uniform_")) {
    return self;
  }
  Generator& g = pick(gen);
  visit_dtype(self.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    if constexpr (std::is_same_v<T, double>) {
      fill_row_major<T>(self, [&](T* out, int64_t n) {
        for_each_block<2>(g, n, [&](int64_t i, const std::array<uint32_t, 4>& w) {
          for (int k = 0; k < 2 && i + k < n; ++k) {
            out[i + k] = scale_uniform<T>(uniform53(w[2 * k], w[2 * k + 1]), from, to);
          }
        });
      });
    } else if constexpr (std::is_same_v<T, float> || std::is_same_v<T, half> ||
                         std::is_same_v<T, bfloat16>) {
      constexpr int bits = uniform_bits<T>();
      fill_row_major<T>(self, [&](T* out, int64_t n) {
        for_each_block<4>(g, n, [&](int64_t i, const std::array<uint32_t, 4>& w) {
          for (int k = 0; k < 4 && i + k < n; ++k) {
            out[i + k] = scale_uniform<T>(kernels::uniform_top_bits(w[k], bits), from, to);
          }
        });
      });
    }
  });
  self.bump_version();
  return self;
}

// Normal values with the given mean and standard deviation (Box-Muller, two per block).
inline const TensorBase& normal_(const TensorBase& self, double mean = 0.0, double stddev = 1.0,
                                 Generator* gen = nullptr) {
  using namespace random_detail;
  check_target(self, "normal_");
  check_floating(self.dtype(), &self, "normal_");
  TB_CHECK(stddev >= 0.0 && std::isfinite(stddev) && std::isfinite(mean), ValueError,
           "normal_: expected a finite mean and std >= 0, but got mean=", mean, " and std=",
           stddev);
  ops::DeviceRandom spec;
  spec.a = mean;
  spec.b = stddev;
  if (drawn_on_device(self, gen, 2, spec, "normal_")) return self;
  Generator& g = pick(gen);
  visit_dtype(self.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    if constexpr (std::is_floating_point_v<T> || std::is_same_v<T, half> ||
                  std::is_same_v<T, bfloat16>) {
      fill_row_major<T>(self, [&](T* out, int64_t n) {
        for_each_block<2>(g, n, [&](int64_t i, const std::array<uint32_t, 4>& w) {
          const kernels::NormalPair v = kernels::box_muller(w.data(), mean, stddev);
          out[i] = convert_element<T>(v.first);
          if (i + 1 < n) out[i + 1] = convert_element<T>(v.second);
        });
      });
    }
  });
  self.bump_version();
  return self;
}

// Integers uniform in [low, high), in any real dtype that holds the range. Each value is
// a 64-bit draw modulo (high - low): the bias is below (high - low) / 2^64.
inline const TensorBase& random_(const TensorBase& self, int64_t low, int64_t high,
                                 Generator* gen = nullptr) {
  using namespace random_detail;
  check_target(self, "random_");
  TB_CHECK(low < high, ValueError, "random_: expected low < high, but got low=", low,
           " and high=", high);
  const DType dtype = self.dtype();
  TB_CHECK(dtype != DType::Bool && !is_complex(dtype), TypeError,
           "random_: expected an integer or floating-point dtype, but got ", dtype);
  const bool fits = visit_dtype(dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    if constexpr (std::is_integral_v<T>) {
      using L = std::numeric_limits<T>;
      const bool low_ok = std::is_signed_v<T> ? low >= static_cast<int64_t>(L::lowest()) : low >= 0;
      const bool high_ok = std::is_signed_v<T> || sizeof(T) < 8
                               ? high - 1 <= static_cast<int64_t>(L::max())
                               : true;
      return low_ok && high_ok;
    } else {
      return true;
    }
  });
  TB_CHECK(fits, ValueError, "random_: the range [", low, ", ", high, ") does not fit in ", dtype);
  const uint64_t range = static_cast<uint64_t>(high) - static_cast<uint64_t>(low);
  ops::DeviceRandom spec;
  spec.low = low;
  spec.range = range;
  if (drawn_on_device(self, gen, 2, spec, "random_")) return self;
  Generator& g = pick(gen);
  visit_dtype(dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    if constexpr (!std::is_same_v<T, bool> && !std::is_same_v<T, complex64> &&
                  !std::is_same_v<T, complex128>) {
      fill_row_major<T>(self, [&](T* out, int64_t n) {
        for_each_block<2>(g, n, [&](int64_t i, const std::array<uint32_t, 4>& w) {
          for (int k = 0; k < 2 && i + k < n; ++k) {
            const uint64_t v = static_cast<uint64_t>(low) + bits64(w[2 * k], w[2 * k + 1]) % range;
            out[i + k] = convert_element<T>(static_cast<int64_t>(v));
          }
        });
      });
    }
  });
  self.bump_version();
  return self;
}

// 1 with probability p, else 0, in self's dtype.
inline const TensorBase& bernoulli_(const TensorBase& self, double p = 0.5,
                                    Generator* gen = nullptr) {
  using namespace random_detail;
  check_target(self, "bernoulli_");
  TB_CHECK(p >= 0.0 && p <= 1.0, ValueError, "bernoulli_: expected 0 <= p <= 1, but got p=", p);
  ops::DeviceRandom spec;
  spec.a = p;
  if (drawn_on_device(self, gen, 2, spec, "bernoulli_")) return self;
  Generator& g = pick(gen);
  visit_dtype(self.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    fill_row_major<T>(self, [&](T* out, int64_t n) {
      for_each_block<2>(g, n, [&](int64_t i, const std::array<uint32_t, 4>& w) {
        for (int k = 0; k < 2 && i + k < n; ++k) {
          out[i + k] = convert_element<T>(uniform53(w[2 * k], w[2 * k + 1]) < p);
        }
      });
    });
  });
  self.bump_version();
  return self;
}

// Element-wise probabilities: p broadcasts to self's shape.
inline const TensorBase& bernoulli_(const TensorBase& self, const TensorBase& p,
                                    Generator* gen = nullptr) {
  using namespace random_detail;
  check_target(self, "bernoulli_");
  ops::detail::common_device("bernoulli_", {&self, &p});
  check_floating(p.dtype(), &p, "bernoulli_");
  bool broadcastable = p.dim() <= self.dim();
  for (int64_t i = 1; broadcastable && i <= p.dim(); ++i) {
    const int64_t s = p.shape()[p.dim() - i];
    broadcastable = s == 1 || s == self.shape()[self.dim() - i];
  }
  TB_CHECK(broadcastable, ValueError, "bernoulli_: probabilities of shape ", shape_str(p.shape()),
           " cannot be broadcast to the tensor's shape ", shape_str(self.shape()));
  const TensorBase on_device =
      p.device().is_cpu() ? TensorBase()
                          : p.expand(self.shape()).to(p.device(), DType::Float64, false, true);
  // Row-major float64 copy, checked on the host (for a device tensor: one read back).
  const TensorBase probs =
      on_device.defined() ? on_device.cpu() : p.expand(self.shape()).to(DType::Float64, true);
  const auto* pr = static_cast<const double*>(probs.data_ptr());
  for (int64_t i = 0; i < probs.numel(); ++i) {
    TB_CHECK(pr[i] >= 0.0 && pr[i] <= 1.0, ValueError,
             "bernoulli_: expected all probabilities in [0, 1], but got ", pr[i]);
  }
  ops::DeviceRandom spec;
  spec.probs = &on_device;
  if (drawn_on_device(self, gen, 2, spec, "bernoulli_")) return self;
  Generator& g = pick(gen);
  visit_dtype(self.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    fill_row_major<T>(self, [&](T* out, int64_t n) {
      for_each_block<2>(g, n, [&](int64_t i, const std::array<uint32_t, 4>& w) {
        for (int k = 0; k < 2 && i + k < n; ++k) {
          out[i + k] = convert_element<T>(uniform53(w[2 * k], w[2 * k + 1]) < pr[i + k]);
        }
      });
    });
  });
  self.bump_version();
  return self;
}

// A new tensor of 0s and 1s drawn with the probabilities in `probs` (same shape and dtype).
inline TensorBase bernoulli(const TensorBase& probs, Generator* gen = nullptr) {
  TensorBase out =
      ::tensorbridge::detail::new_tensor(probs.shape(), probs.dtype(), probs.device(), "bernoulli");
  bernoulli_(out, probs, gen);
  return out;
}

// ---- factories -------------------------------------------------------------------------
// On a device they draw the same stream into device memory (the CPU's values for a seed).
inline TensorBase rand(const Shape& shape, DType dtype, Device device, Generator* gen = nullptr) {
  random_detail::check_floating(dtype, nullptr, "rand");
  TensorBase out = ::tensorbridge::detail::new_tensor(shape, dtype, device, "rand");
  uniform_(out, 0.0, 1.0, gen);
  return out;
}
inline TensorBase rand(const Shape& shape, DType dtype = DType::Float32,
                       Generator* gen = nullptr) {
  return rand(shape, dtype, Device::cpu(), gen);
}
inline TensorBase randn(const Shape& shape, DType dtype, Device device, Generator* gen = nullptr) {
  random_detail::check_floating(dtype, nullptr, "randn");
  TensorBase out = ::tensorbridge::detail::new_tensor(shape, dtype, device, "randn");
  normal_(out, 0.0, 1.0, gen);
  return out;
}
inline TensorBase randn(const Shape& shape, DType dtype = DType::Float32,
                        Generator* gen = nullptr) {
  return randn(shape, dtype, Device::cpu(), gen);
}
inline TensorBase randint(int64_t low, int64_t high, const Shape& shape, DType dtype,
                          Device device, Generator* gen = nullptr) {
  TensorBase out = ::tensorbridge::detail::new_tensor(shape, dtype, device, "randint");
  random_(out, low, high, gen);
  return out;
}
inline TensorBase randint(int64_t low, int64_t high, const Shape& shape,
                          DType dtype = DType::Int64, Generator* gen = nullptr) {
  return randint(low, high, shape, dtype, Device::cpu(), gen);
}

// A random permutation of 0 .. n-1 (Fisher-Yates; swap i with a draw modulo i + 1).
inline TensorBase randperm(int64_t n, DType dtype = DType::Int64, Generator* gen = nullptr) {
  using namespace random_detail;
  TB_CHECK(n >= 0, ValueError, "randperm: n must be non-negative, but got ", n);
  TB_CHECK(is_integral(dtype) || is_floating_point(dtype), TypeError,
           "randperm: expected an integer or floating-point dtype, but got ", dtype);
  std::vector<int64_t> perm(static_cast<std::size_t>(n));
  std::iota(perm.begin(), perm.end(), int64_t(0));
  // Draw k (k = 0 .. n-2) swaps position n-1-k.
  for_each_block<2>(pick(gen), n - 1, [&](int64_t k0, const std::array<uint32_t, 4>& w) {
    for (int k = 0; k < 2 && k0 + k < n - 1; ++k) {
      const auto i = static_cast<uint64_t>(n - 1 - (k0 + k));
      const uint64_t j = bits64(w[2 * k], w[2 * k + 1]) % (i + 1);
      std::swap(perm[i], perm[j]);
    }
  });
  const TensorBase values = ::tensorbridge::detail::new_cpu_tensor({n}, DType::Int64, "randperm");
  std::copy(perm.begin(), perm.end(), static_cast<int64_t*>(values.data_ptr()));
  if (dtype == DType::Int64) return values;
  // The largest value must survive the conversion.
  TB_CHECK(n == 0 || visit_dtype(dtype, [&](auto tag) {
             using T = typename decltype(tag)::type;
             return convert_element<int64_t>(convert_element<T>(n - 1)) == n - 1;
           }),
           ValueError, "randperm: n=", n, " is too large for dtype ", dtype);
  return values.to(dtype);
}

// On a device: the same permutation, drawn on the host and copied over. Fisher-Yates is
// sequential (each swap depends on the ones before it) and a parallel shuffle, e.g. sorting
// by random keys, would give another permutation than the CPU's for the generator's state,
// which would break the rule that a seed gives the same values on every device. The draw is
// O(n) and the copy one transfer.
inline TensorBase randperm(int64_t n, DType dtype, Device device, Generator* gen = nullptr) {
  const TensorBase values = randperm(n, dtype, gen);
  return device.is_cpu() ? values : values.to(device);
}

}  // namespace ops
}  // namespace tensorbridge
