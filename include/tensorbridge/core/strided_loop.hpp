#pragma once
// The N-d loop under every elementwise kernel: it walks N operands of one shape with
// their own byte strides, after simplifying the iteration space so that the innermost
// loop is as long and as regular as possible:
//   1. size-1 dimensions are dropped,
//   2. dimensions are ordered by the first operand's strides (the output, so writes
//      stream), largest outermost,
//   3. neighbouring dimensions that are contiguous with each other in every operand are
//      merged (a contiguous tensor of any rank becomes one flat loop).
// The inner callback sees base pointers, byte strides and a count, so a kernel can
// take a contiguous fast path when every inner stride equals its itemsize.
//
// The drivers take the row callback as a RowFn<N> (a borrowed function reference), so
// each is compiled once per operand count instead of once per kernel and dtype: in a
// header-only library every translation unit pays for every instantiation, and the
// per-kernel copies of the odometer once made up most of a test file's compile time.
// The price is one indirect call per row.
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <numeric>
#include <type_traits>

#include "tensorbridge/core/shape.hpp"

namespace tensorbridge {

template <std::size_t N>
struct LoopSpace {
  int ndim = 0;
  std::array<int64_t, kMaxDims> size{};                    // innermost last
  std::array<std::array<int64_t, kMaxDims>, N> stride{};   // bytes
};

// A non-owning reference to a row callback inner(ptrs, inner_byte_strides, count). The
// callable must outlive the RowFn (it is always a local of the caller).
template <std::size_t N>
class RowFn {
 public:
  using Pointers = std::array<char*, N>;
  using Steps = std::array<int64_t, N>;

  template <typename F, typename = std::enable_if_t<!std::is_same_v<std::decay_t<F>, RowFn>>>
  RowFn(F&& fn)  // NOLINT(google-explicit-constructor): converting is the point
      : callable_(const_cast<void*>(static_cast<const void*>(&fn))),
        call_(&invoke<std::remove_reference_t<F>>) {}

  void operator()(const Pointers& ptrs, const Steps& steps, int64_t count) const {
    call_(callable_, ptrs, steps, count);
  }

 private:
  template <typename F>
  static void invoke(void* callable, const Pointers& ptrs, const Steps& steps, int64_t count) {
    (*static_cast<F*>(callable))(ptrs, steps, count);
  }

  void* callable_;
  void (*call_)(void*, const Pointers&, const Steps&, int64_t);
};

// Builds the simplified iteration space. `byte_strides[k]` are operand k's strides in
// bytes; all operands share `shape` (broadcast operands carry stride 0).
template <std::size_t N>
LoopSpace<N> make_loop_space(const Shape& shape,
                             const std::array<const int64_t*, N>& byte_strides) {
  const int nd = static_cast<int>(shape.size());
  std::array<int, kMaxDims> order{};
  int kept = 0;
  for (int d = 0; d < nd; ++d) {
    if (shape[d] != 1) order[kept++] = d;
  }
  // Stable sort: outermost = largest |stride| of operand 0, ties keep source order.
  std::stable_sort(order.begin(), order.begin() + kept, [&](int a, int b) {
    for (std::size_t k = 0; k < N; ++k) {
      const int64_t sa = std::llabs(byte_strides[k][a]);
      const int64_t sb = std::llabs(byte_strides[k][b]);
      if (sa != sb) return sa > sb;
    }
    return false;
  });
  LoopSpace<N> space;
  for (int i = 0; i < kept; ++i) {
    const int d = order[i];
    if (space.ndim > 0) {
      const int last = space.ndim - 1;
      bool mergeable = true;
      for (std::size_t k = 0; k < N; ++k) {
        if (space.stride[k][last] != byte_strides[k][d] * shape[d]) mergeable = false;
      }
      if (mergeable) {
        space.size[last] *= shape[d];
        for (std::size_t k = 0; k < N; ++k) space.stride[k][last] = byte_strides[k][d];
        continue;
      }
    }
    space.size[space.ndim] = shape[d];
    for (std::size_t k = 0; k < N; ++k) space.stride[k][space.ndim] = byte_strides[k][d];
    ++space.ndim;
  }
  return space;
}

// Calls inner(ptrs, inner_strides, count) once per innermost row. Does nothing for a
// zero-size shape; a 0-d shape is one row of one element.
template <std::size_t N>
void strided_loop_rows(const Shape& shape, std::array<char*, N> base,
                       const std::array<const int64_t*, N>& byte_strides, RowFn<N> inner) {
  for (int64_t s : shape) {
    if (s == 0) return;
  }
  const LoopSpace<N> space = make_loop_space<N>(shape, byte_strides);
  std::array<int64_t, N> inner_stride{};
  if (space.ndim == 0) {
    inner(base, inner_stride, int64_t(1));
    return;
  }
  const int inner_dim = space.ndim - 1;
  for (std::size_t k = 0; k < N; ++k) inner_stride[k] = space.stride[k][inner_dim];
  const int64_t count = space.size[inner_dim];
  std::array<int64_t, kMaxDims> index{};
  std::array<char*, N> ptr = base;
  while (true) {
    inner(ptr, inner_stride, count);
    // Odometer over the outer dimensions.
    int d = inner_dim - 1;
    for (; d >= 0; --d) {
      if (++index[d] < space.size[d]) {
        for (std::size_t k = 0; k < N; ++k) ptr[k] += space.stride[k][d];
        break;
      }
      index[d] = 0;
      for (std::size_t k = 0; k < N; ++k) ptr[k] -= space.stride[k][d] * (space.size[d] - 1);
    }
    if (d < 0) return;
  }
}

template <std::size_t N, typename Inner>
void strided_loop(const Shape& shape, std::array<char*, N> base,
                  const std::array<const int64_t*, N>& byte_strides, Inner&& inner) {
  strided_loop_rows<N>(shape, base, byte_strides, RowFn<N>(inner));
}

}  // namespace tensorbridge
