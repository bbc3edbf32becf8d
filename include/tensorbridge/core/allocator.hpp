#pragma once
// CPU memory for tensors: 64-byte aligned (JAX/XLA copies unaligned buffers instead of
// sharing them, and SIMD loads like it), and large blocks ask the kernel for transparent
// huge pages so that first touch costs a fraction of the 4 KiB-page faults.
#include <cstddef>
#include <cstdint>
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
// The block is cut from a malloc'ed one with room for the alignment, and malloc's pointer is
// kept in the word below it for cpu_free. (glibc's posix_memalign frees the slack it cuts off
// into its fast bins, which the next request of 1 KiB or more then consolidates: about a
// quarter of the time of an op on 1,000 floats.)
inline void* cpu_allocate(std::size_t nbytes) {
  if (nbytes == 0) return nullptr;
  const bool huge = nbytes >= kHugePageThreshold;
  const std::size_t alignment = huge ? kHugePageSize : kCpuAlignment;
  const std::size_t slack = alignment + sizeof(void*);
  if (nbytes > static_cast<std::size_t>(-1) - slack) throw std::bad_alloc();
  void* raw = std::malloc(nbytes + slack);
  if (raw == nullptr) throw std::bad_alloc();
  const std::uintptr_t first = reinterpret_cast<std::uintptr_t>(raw) + sizeof(void*);
  void* p = reinterpret_cast<void*>((first + alignment - 1) & ~std::uintptr_t(alignment - 1));
  static_cast<void**>(p)[-1] = raw;
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  if (huge) madvise(p, nbytes & ~(kHugePageSize - 1), MADV_HUGEPAGE);  // a hint only
#endif
  return p;
}

inline void cpu_free(void* p) noexcept {
  if (p != nullptr) std::free(static_cast<void**>(p)[-1]);
}

}  // namespace tensorbridge
