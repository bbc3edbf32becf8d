#pragma once
// Random bits: the counter-based Philox4x32-10 generator (Salmon et al., "Parallel random
// numbers: as easy as 1, 2, 3", SC'11), a seeded Generator over it, and the process-wide
// default generator that manual_seed() resets.
//
// The stream is specified here, so it is the same on every machine and compiler: block c
// of a generator seeded with s is philox4x32_10({lo32(c), hi32(c), 0, 0}, {lo32(s),
// hi32(s)}), four 32-bit words. Each random op reserves the blocks it needs, consecutively,
// and consumes them in the row-major order of its output (see ops/random.hpp).
#include <array>
#include <cstdint>
#include <mutex>

#include "tensorbridge/kernels/random_math.hpp"

namespace tensorbridge {

// One Philox4x32 block: 10 rounds of the published round function and key schedule
// (kernels/random_math.hpp, which the CUDA kernels share).
inline std::array<uint32_t, 4> philox4x32_10(std::array<uint32_t, 4> ctr,
                                             std::array<uint32_t, 2> key) {
  const kernels::PhiloxBlock out =
      kernels::philox4x32_10({{ctr[0], ctr[1], ctr[2], ctr[3]}}, key[0], key[1]);
  return {out.w[0], out.w[1], out.w[2], out.w[3]};
}

class Generator {
 public:
  // PyTorch's default seed, so an unseeded program is still reproducible.
  static constexpr uint64_t kDefaultSeed = 67280421310721ull;

  explicit Generator(uint64_t seed = kDefaultSeed) : seed_(seed) {}
  Generator(const Generator&) = delete;
  Generator& operator=(const Generator&) = delete;

  // Restarts the stream of `seed` from its beginning.
  void manual_seed(uint64_t seed) {
    std::lock_guard<std::mutex> lock(mutex_);
    seed_ = seed;
    offset_ = 0;
  }
  uint64_t initial_seed() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return seed_;
  }
  // Blocks consumed so far; with set_offset, a way to save and replay a position.
  uint64_t offset() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return offset_;
  }
  void set_offset(uint64_t offset) {
    std::lock_guard<std::mutex> lock(mutex_);
    offset_ = offset;
  }

  // Hands out `blocks` consecutive blocks and returns the counter of the first; the key
  // is the seed at the time of the call. Thread-safe.
  struct Reservation {
    uint64_t first;
    std::array<uint32_t, 2> key;
  };
  Reservation reserve(uint64_t blocks) {
    std::lock_guard<std::mutex> lock(mutex_);
    const Reservation r{offset_, {uint32_t(seed_), uint32_t(seed_ >> 32)}};
    offset_ += blocks;
    return r;
  }

 private:
  mutable std::mutex mutex_;
  uint64_t seed_;
  uint64_t offset_ = 0;
};

// Block `i` of a reservation.
inline std::array<uint32_t, 4> random_block(const Generator::Reservation& r, uint64_t i) {
  const uint64_t c = r.first + i;
  return philox4x32_10({uint32_t(c), uint32_t(c >> 32), 0u, 0u}, r.key);
}

// The generator random ops use when they are given none.
inline Generator& default_generator() {
  static Generator generator;
  return generator;
}

// Seeds the default generator (torch.manual_seed).
inline void manual_seed(uint64_t seed) { default_generator().manual_seed(seed); }

}  // namespace tensorbridge
