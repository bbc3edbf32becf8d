#pragma once
// The CPU loop driver under every elementwise kernel: it simplifies the iteration space
// once (core's make_loop_space: drop size-1 dims, order by the output's strides, merge
// contiguous dims), then hands the kernel whole rows (base pointers, byte strides, count).
// With OpenMP (when the translation unit is built with it) large tensors are split into
// one contiguous range of elements per thread; each range starts and ends mid-row if it
// must. Kernels called from here must not throw: an exception cannot leave an OpenMP
// region, so ops validate their inputs before they start the loop.
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>

#include "tensorbridge/core/shape.hpp"
#include "tensorbridge/core/strided_loop.hpp"

#ifdef _OPENMP
#include <omp.h>
#endif

namespace tensorbridge::kernels::cpu {

// Below this many elements a second thread costs more than it saves.
inline constexpr int64_t kParallelGrain = 32768;

inline int max_threads() {
#ifdef _OPENMP
  return omp_in_parallel() ? 1 : omp_get_max_threads();
#else
  return 1;
#endif
}

// Calls fn(begin, end) on disjoint ranges covering [0, n): on several threads when n is
// above `grain` and OpenMP is available, else once on this thread. Ranges are multiples
// of `align` elements (but the last), so vector loops stay aligned within each thread.
template <typename Fn>
void parallel_for(int64_t n, int64_t grain, Fn&& fn, int64_t align = 64) {
  if (n <= 0) return;
#ifdef _OPENMP
  const int64_t threads = std::min<int64_t>(max_threads(), n / std::max<int64_t>(grain, 1));
  if (threads > 1) {
#pragma omp parallel num_threads(static_cast<int>(threads))
    {
      const int64_t t = omp_get_thread_num();
      const int64_t nt = omp_get_num_threads();
      int64_t chunk = (n + nt - 1) / nt;
      chunk = (chunk + align - 1) / align * align;
      const int64_t begin = std::min(n, t * chunk);
      const int64_t end = std::min(n, begin + chunk);
      if (begin < end) fn(begin, end);
    }
    return;
  }
#else
  (void)grain;
  (void)align;
#endif
  fn(int64_t(0), n);
}

// Walks elements [begin, end) of a simplified loop space in its row-major order, calling
// inner(ptrs, inner_byte_strides, count) for each (possibly partial) innermost row.
template <std::size_t N>
void loop_range_rows(const LoopSpace<N>& space, const std::array<char*, N>& base,
                     int64_t begin, int64_t end, RowFn<N> inner) {
  std::array<int64_t, N> inner_stride{};
  if (space.ndim == 0) {
    if (begin < end) inner(base, inner_stride, int64_t(1));
    return;
  }
  const int last = space.ndim - 1;
  for (std::size_t k = 0; k < N; ++k) inner_stride[k] = space.stride[k][last];
  // Unravel `begin` into an index and the matching pointers.
  std::array<int64_t, kMaxDims> index{};
  std::array<char*, N> ptr = base;
  int64_t rest = begin;
  for (int d = last; d >= 0; --d) {
    index[d] = rest % space.size[d];
    rest /= space.size[d];
    for (std::size_t k = 0; k < N; ++k) ptr[k] += index[d] * space.stride[k][d];
  }
  int64_t pos = begin;
  while (pos < end) {
    const int64_t count = std::min(space.size[last] - index[last], end - pos);
    inner(ptr, inner_stride, count);
    pos += count;
    if (pos >= end) return;
    // Finished the row: back to its start, then the odometer over the outer dims.
    for (std::size_t k = 0; k < N; ++k) ptr[k] -= index[last] * space.stride[k][last];
    index[last] = 0;
    for (int d = last - 1; d >= 0; --d) {
      if (++index[d] < space.size[d]) {
        for (std::size_t k = 0; k < N; ++k) ptr[k] += space.stride[k][d];
        break;
      }
      for (std::size_t k = 0; k < N; ++k) ptr[k] -= space.stride[k][d] * (space.size[d] - 1);
      index[d] = 0;
    }
  }
}

template <std::size_t N, typename Inner>
void loop_range(const LoopSpace<N>& space, const std::array<char*, N>& base, int64_t begin,
                int64_t end, Inner& inner) {
  loop_range_rows<N>(space, base, begin, end, RowFn<N>(inner));
}

// Square tiles for operands in different memory orders (a + b.t()): rows of kTile elements,
// kTile rows at a time, so the cache lines of an operand read across its rows are used up
// while they are still in L1.
inline constexpr int64_t kTile = 32;

// True when some operand is read across its rows: its stride along the innermost loop dim
// is larger than along the next one.
template <std::size_t N>
bool wants_tiles(const LoopSpace<N>& space) {
  if (space.ndim < 2) return false;
  const int last = space.ndim - 1;
  if (space.size[last] < kTile || space.size[last - 1] < kTile) return false;
  for (std::size_t k = 0; k < N; ++k) {
    const int64_t along = std::llabs(space.stride[k][last]);
    const int64_t across = std::llabs(space.stride[k][last - 1]);
    if (across != 0 && along > across) return true;
  }
  return false;
}

template <std::size_t N>
void tiled_loop(const LoopSpace<N>& space, const std::array<char*, N>& base, RowFn<N> inner,
                int64_t grain) {
  const int last = space.ndim - 1;
  const int64_t rows = space.size[last - 1];
  const int64_t cols = space.size[last];
  const int64_t row_tiles = (rows + kTile - 1) / kTile;
  int64_t outer = 1;
  for (int d = 0; d < last - 1; ++d) outer *= space.size[d];
  std::array<int64_t, N> inner_stride{};
  for (std::size_t k = 0; k < N; ++k) inner_stride[k] = space.stride[k][last];
  parallel_for(outer * row_tiles, std::max<int64_t>(1, grain / (kTile * cols)),
               [&](int64_t begin, int64_t end) {
                 for (int64_t t = begin; t < end; ++t) {
                   std::array<char*, N> p = base;
                   int64_t rest = t / row_tiles;
                   for (int d = last - 2; d >= 0; --d) {
                     const int64_t i = rest % space.size[d];
                     rest /= space.size[d];
                     for (std::size_t k = 0; k < N; ++k) p[k] += i * space.stride[k][d];
                   }
                   const int64_t r0 = t % row_tiles * kTile;
                   const int64_t r1 = std::min(rows, r0 + kTile);
                   for (int64_t c0 = 0; c0 < cols; c0 += kTile) {
                     for (int64_t r = r0; r < r1; ++r) {
                       std::array<char*, N> q = p;
                       for (std::size_t k = 0; k < N; ++k) {
                         q[k] += r * space.stride[k][last - 1] + c0 * space.stride[k][last];
                       }
                       inner(q, inner_stride, std::min(kTile, cols - c0));
                     }
                   }
                 }
               },
               1);
}

// Runs inner over every element of `shape` for N operands (operand 0 is the output and
// decides the traversal order), in parallel for large shapes when OpenMP is on.
template <std::size_t N>
void elementwise_rows(const Shape& shape, const std::array<char*, N>& base,
                      const std::array<const int64_t*, N>& byte_strides, RowFn<N> inner,
                      int64_t grain) {
  int64_t numel = 1;
  for (int64_t s : shape) numel *= s;
  if (numel == 0) return;
  // The common case first: every operand row-major contiguous (any element size) or a
  // broadcast scalar is one flat row, with no loop space to build.
  std::array<int64_t, N> flat{};
  bool is_flat = true;
  for (std::size_t k = 0; k < N && is_flat; ++k) {
    bool innermost = true;
    int64_t span = 0;  // the stride the next outer dim must have
    for (std::size_t d = shape.size(); d-- > 0;) {
      if (shape[d] == 1) continue;
      const int64_t st = byte_strides[k][d];
      if (innermost) {
        flat[k] = st;
        innermost = false;
      } else if (st != span) {
        is_flat = false;
        break;
      }
      span = st * shape[d];
    }
  }
  if (is_flat) {
    parallel_for(numel, grain, [&](int64_t begin, int64_t end) {
      std::array<char*, N> p = base;
      for (std::size_t k = 0; k < N; ++k) p[k] += begin * flat[k];
      inner(p, flat, end - begin);
    });
    return;
  }
  const LoopSpace<N> space = make_loop_space<N>(shape, byte_strides);
  if (wants_tiles(space)) {
    tiled_loop(space, base, inner, grain);
    return;
  }
  int64_t total = 1;
  for (int d = 0; d < space.ndim; ++d) total *= space.size[d];
  parallel_for(total, grain, [&](int64_t begin, int64_t end) {
    loop_range_rows<N>(space, base, begin, end, inner);
  });
}

template <std::size_t N, typename Inner>
void elementwise_loop(const Shape& shape, const std::array<char*, N>& base,
                      const std::array<const int64_t*, N>& byte_strides, Inner&& inner,
                      int64_t grain = kParallelGrain) {
  elementwise_rows<N>(shape, base, byte_strides, RowFn<N>(inner), grain);
}

}  // namespace tensorbridge::kernels::cpu
