#pragma once
// CPU memory for tensors: 64-byte aligned (JAX/XLA copies unaligned buffers instead of
// sharing them, and SIMD loads like it), and large blocks ask the kernel for transparent
// huge pages so that first touch costs a fraction of the 4 KiB-page faults.
#include <cstddef>
#include <cstdlib>
#include <new>

#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace tensorbridge {

inline constexpr std::size_t kCpuAlignment = 64;
inline constexpr std::size_t kHugePageSize = std::size_t(2) << 20;
// Blocks from this size on are huge-page aligned and advised; below it the up-to-2 MiB
// of alignment slack would cost more than it saves.
inline constexpr std::size_t kHugePageThreshold = std::size_t(4) << 20;

// Returns nullptr for 0 bytes; throws std::bad_alloc when memory is exhausted.
inline void* cpu_allocate(std::size_t nbytes) {
  if (nbytes == 0) return nullptr;
  const bool huge = nbytes >= kHugePageThreshold;
  const std::size_t alignment = huge ? kHugePageSize : kCpuAlignment;
  void* p = nullptr;
  if (posix_memalign(&p, alignment, nbytes) != 0) throw std::bad_alloc();
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  if (huge) madvise(p, nbytes & ~(kHugePageSize - 1), MADV_HUGEPAGE);  // a hint only
#endif
  return p;
}

inline void cpu_free(void* p) noexcept { std::free(p); }

}  // namespace tensorbridge
