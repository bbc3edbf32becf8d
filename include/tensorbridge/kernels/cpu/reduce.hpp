#pragma once
// Reduction kernels. A reducer says how to load an element into its accumulator type, how
// to combine two accumulators and what the identity is; the loops here decide the order:
//   * inner reductions (the reduced elements of one output are a row, contiguous or not)
//     are summed pairwise with eight independent lanes, which vectorizes and keeps float
//     sums accurate (10^7 float32 ones sum to exactly 10^7);
//   * outer reductions (the reduced dim is outside a kept, contiguous one, e.g. the sum
//     over dim 0 of a row-major [N, M]) add whole rows into an M-wide buffer, vectorized
//     along the row, in blocks of rows whose partial sums are then combined pairwise
//     (a binary counter of levels), so they stay accurate too.
// Ops validate before calling: kernels never throw (they may run inside OpenMP regions).
#include <algorithm>
#include <array>
#include <cstdint>
#include <limits>
#include <memory>
#include <type_traits>
#include <vector>

#include <Eigen/Core>

#include "tensorbridge/core/shape.hpp"
#include "tensorbridge/core/strided_loop.hpp"
#include "tensorbridge/kernels/cpu/elementwise.hpp"
#include "tensorbridge/kernels/cpu/loop.hpp"
#include "tensorbridge/kernels/cpu/scalar_math.hpp"

namespace tensorbridge::kernels::cpu {

// ---- reducers ---------------------------------------------------------------------------
template <typename A>
struct SumReducer {
  using acc_t = A;
  A identity() const { return A(0); }
  A combine(A a, A b) const { return AddFn{}(a, b); }
  template <typename In>
  A load(In x) const {
    return static_cast<A>(static_cast<opmath_t<In>>(x));
  }
};
template <typename A>
struct ProdReducer {
  using acc_t = A;
  A identity() const { return A(1); }
  A combine(A a, A b) const { return MulFn{}(a, b); }
  template <typename In>
  A load(In x) const {
    return static_cast<A>(static_cast<opmath_t<In>>(x));
  }
};
template <typename A>
struct MaxReducer {  // NaN wins
  using acc_t = A;
  A identity() const {
    if constexpr (std::numeric_limits<A>::has_infinity) return -std::numeric_limits<A>::infinity();
    else return std::numeric_limits<A>::lowest();
  }
  A combine(A a, A b) const { return MaximumFn{}(a, b); }
  template <typename In>
  A load(In x) const {
    return static_cast<A>(static_cast<opmath_t<In>>(x));
  }
};
template <typename A>
struct MinReducer {
  using acc_t = A;
  A identity() const {
    if constexpr (std::numeric_limits<A>::has_infinity) return std::numeric_limits<A>::infinity();
    else return std::numeric_limits<A>::max();
  }
  A combine(A a, A b) const { return MinimumFn{}(a, b); }
  template <typename In>
  A load(In x) const {
    return static_cast<A>(static_cast<opmath_t<In>>(x));
  }
};
struct AllReducer {
  using acc_t = bool;
  bool identity() const { return true; }
  bool combine(bool a, bool b) const { return a && b; }
  template <typename In>
  bool load(In x) const {
    using C = opmath_t<In>;
    return static_cast<C>(x) != C(0);
  }
};
struct AnyReducer {
  using acc_t = bool;
  bool identity() const { return false; }
  bool combine(bool a, bool b) const { return a || b; }
  template <typename In>
  bool load(In x) const {
    using C = opmath_t<In>;
    return static_cast<C>(x) != C(0);
  }
};

// ---- inner reduction of one row ----------------------------------------------------------
inline constexpr int64_t kPairwiseBlock = 256;
inline constexpr int kLanes = 16;

// The float max/min reducers get their own loops: the lane loop below keeps their
// NaN-propagating selects as branches (IEEE forbids the compiler to turn them into max
// instructions), which mispredict on unordered data and never vectorize. A long contiguous
// row goes through Eigen's vectorized PropagateNaN reduction (about 4x faster with AVX2);
// other rows through four branch-free accumulators (std::max/min compile to max/min
// instructions) with NaNs tracked apart.
template <typename In, typename R>
inline constexpr bool kFloatExtreme =
    (std::is_same_v<In, float> || std::is_same_v<In, double>) &&
    std::is_same_v<typename R::acc_t, In> &&
    (std::is_same_v<R, MaxReducer<In>> || std::is_same_v<R, MinReducer<In>>);

template <typename In, typename R>
In float_extreme_row(const char* p, int64_t s, int64_t n) {
  constexpr bool kMax = std::is_same_v<R, MaxReducer<In>>;
  if (s == int64_t(sizeof(In)) && n >= 64) {  // shorter rows: Eigen's setup dominates
    const Eigen::Map<const Eigen::Array<In, Eigen::Dynamic, 1>> row(
        reinterpret_cast<const In*>(p), static_cast<Eigen::Index>(n));
    if constexpr (kMax) {
      return row.template maxCoeff<Eigen::PropagateNaN>();
    } else {
      return row.template minCoeff<Eigen::PropagateNaN>();
    }
  }
  const In identity = R().identity();
  In best[4] = {identity, identity, identity, identity};
  bool nan = false;
  for (int64_t i = 0; i < n; ++i) {
    const In v = load<In>(p + i * s);
    nan |= v != v;
    In& b = best[i & 3];
    b = kMax ? std::max(b, v) : std::min(b, v);  // a NaN v leaves b: counted in `nan`
  }
  if (nan) return std::numeric_limits<In>::quiet_NaN();
  const In lo = kMax ? std::max(best[0], best[1]) : std::min(best[0], best[1]);
  const In hi = kMax ? std::max(best[2], best[3]) : std::min(best[2], best[3]);
  return kMax ? std::max(lo, hi) : std::min(lo, hi);
}

// Pairwise reduction of n elements at p with byte stride s: blocks of kPairwiseBlock use
// kLanes accumulator lanes (independent, so the compiler keeps them in several vector
// registers and the adds overlap), and blocks are combined in a balanced tree. Rows
// shorter than the lanes are combined in order: setting up and folding the lanes would
// cost more than the row.
template <typename In, typename R>
typename R::acc_t reduce_row(const R& r, const char* p, int64_t s, int64_t n) {
  using A = typename R::acc_t;
  if constexpr (kFloatExtreme<In, R>) return float_extreme_row<In, R>(p, s, n);
  if (n < kLanes) {
    A acc = r.identity();
    for (int64_t i = 0; i < n; ++i) acc = r.combine(acc, r.template load<In>(load<In>(p + i * s)));
    return acc;
  }
  if (n <= kPairwiseBlock) {
    A lane[kLanes];
    for (A& l : lane) l = r.identity();
    int64_t i = 0;
    if (s == int64_t(sizeof(In))) {
      const In* x = reinterpret_cast<const In*>(p);
      for (; i + kLanes <= n; i += kLanes) {
        for (int j = 0; j < kLanes; ++j) {
          lane[j] = r.combine(lane[j], r.template load<In>(x[i + j]));
        }
      }
    } else {
      for (; i + kLanes <= n; i += kLanes) {
        for (int j = 0; j < kLanes; ++j) {
          lane[j] = r.combine(lane[j], r.template load<In>(load<In>(p + (i + j) * s)));
        }
      }
    }
    for (int j = 0; i < n; ++i, ++j) {
      lane[j] = r.combine(lane[j], r.template load<In>(load<In>(p + i * s)));
    }
    for (int width = kLanes / 2; width > 0; width /= 2) {
      for (int j = 0; j < width; ++j) lane[j] = r.combine(lane[j], lane[j + width]);
    }
    return lane[0];
  }
  // Split at a multiple of the block so that every leaf but the last is full.
  const int64_t half = (n / 2 + kPairwiseBlock - 1) / kPairwiseBlock * kPairwiseBlock;
  return r.combine(reduce_row<In>(r, p, s, half), reduce_row<In>(r, p + half * s, s, n - half));
}

// ---- outer reduction: rows into a buffer -------------------------------------------------
inline constexpr int64_t kRowBlock = 16;

// acc[j * acc_stride] = combine(acc[j], reduce over r < rows of x[r * row_stride + j * col_stride])
// for j < cols.
template <typename In, typename R>
void reduce_rows(const R& r, char* acc, int64_t acc_stride, const char* p, int64_t row_stride,
                 int64_t col_stride, int64_t rows, int64_t cols) {
  using A = typename R::acc_t;
  // Wide rows go in tiles of columns, so that the block and its levels stay in L1 while
  // each row is added (one pass over 100,000 columns left them in L2, at 0.6x PyTorch's
  // speed). Every column sees the same additions in the same order either way.
  constexpr int64_t kColumnTile = 2048;
  if (cols > kColumnTile) {
    for (int64_t c0 = 0; c0 < cols; c0 += kColumnTile) {
      reduce_rows<In>(r, acc + c0 * acc_stride, acc_stride, p + c0 * col_stride, row_stride,
                      col_stride, rows, std::min(kColumnTile, cols - c0));
    }
    return;
  }
  auto add_row = [&](A* buf, const char* row) {
    if (col_stride == int64_t(sizeof(In))) {
      const In* x = reinterpret_cast<const In*>(row);
      for (int64_t j = 0; j < cols; ++j) buf[j] = r.combine(buf[j], r.template load<In>(x[j]));
    } else {
      for (int64_t j = 0; j < cols; ++j) {
        buf[j] = r.combine(buf[j], r.template load<In>(load<In>(row + j * col_stride)));
      }
    }
  };
  // Levels of a binary counter: level k holds the combination of 2^k blocks.
  int levels = 1;
  for (int64_t blocks = (rows + kRowBlock - 1) / kRowBlock; blocks > 1; blocks = (blocks + 1) / 2) {
    ++levels;
  }
  // Not std::vector: A may be bool.
  std::unique_ptr<A[]> scratch(new A[static_cast<std::size_t>((levels + 1) * cols)]);
  std::vector<bool> used(static_cast<std::size_t>(levels), false);
  A* block = scratch.get() + levels * cols;
  for (int64_t r0 = 0; r0 < rows; r0 += kRowBlock) {
    std::fill(block, block + cols, r.identity());
    const int64_t r1 = std::min(rows, r0 + kRowBlock);
    for (int64_t i = r0; i < r1; ++i) add_row(block, p + i * row_stride);
    int k = 0;
    for (; used[k]; ++k) {
      A* level = scratch.get() + k * cols;
      for (int64_t j = 0; j < cols; ++j) block[j] = r.combine(level[j], block[j]);
      used[k] = false;
    }
    std::copy(block, block + cols, scratch.get() + k * cols);
    used[k] = true;
  }
  for (int k = 0; k < levels; ++k) {
    if (!used[k]) continue;
    const A* level = scratch.get() + k * cols;
    for (int64_t j = 0; j < cols; ++j) {
      A& out = store<A>(acc + j * acc_stride);
      out = r.combine(out, level[j]);
    }
  }
}

// ---- the driver -------------------------------------------------------------------------
// True (and `space` set to one row) when every dim is reduced and the input is row-major
// contiguous with some element stride.
inline bool is_full_flat_reduction(const Shape& shape, const int64_t* in_strides,
                                   const int64_t* acc_strides, LoopSpace<2>& space) {
  int64_t n = 1;
  int64_t stride = 0;
  int64_t span = 0;
  bool innermost = true;
  for (std::size_t d = shape.size(); d-- > 0;) {
    if (acc_strides[d] != 0) return false;
    if (shape[d] == 1) continue;
    if (innermost) {
      stride = in_strides[d];
      innermost = false;
    } else if (in_strides[d] != span) {
      return false;
    }
    span = in_strides[d] * shape[d];
    n *= shape[d];
  }
  space.ndim = n == 1 ? 0 : 1;
  space.size[0] = n;
  space.stride[0][0] = stride;
  space.stride[1][0] = 0;
  return true;
}

// Combines every element of the input (shape, byte strides) into the accumulator tensor
// `acc` of type R::acc_t, whose byte strides are 0 along the reduced dims; acc must hold
// the identity (or earlier partial results) on entry.
template <typename In, typename R>
void reduce_loop(const R& r, const Shape& shape, const char* in, const int64_t* in_strides,
                 char* acc, const int64_t* acc_strides) {
  using A = typename R::acc_t;
  for (int64_t s : shape) {
    if (s == 0) return;
  }
  // Operand 0 is the input, so the loop walks the input in memory order.
  LoopSpace<2> space;
  if (is_full_flat_reduction(shape, in_strides, acc_strides, space)) {
    // Cheap to detect, and the usual case of a full reduction: no sorting of dims.
  } else {
    space = make_loop_space<2>(shape, {in_strides, acc_strides});
  }
  if (space.ndim == 0) {
    A& out = store<A>(acc);
    out = r.combine(out, r.template load<In>(load<In>(in)));
    return;
  }
  const int last = space.ndim - 1;
  const bool inner = space.stride[1][last] == 0;
  // The dims the kernel handles itself: the row (inner), or a block of rows (outer).
  const int kernel_dims = inner ? 1 : (last >= 1 && space.stride[1][last - 1] == 0 ? 2 : 1);
  LoopSpace<2> outer = space;
  outer.ndim = space.ndim - kernel_dims;
  int64_t positions = 1;
  bool outer_kept = true;  // every outer dim writes its own outputs: safe to parallelize
  for (int d = 0; d < outer.ndim; ++d) {
    positions *= outer.size[d];
    outer_kept = outer_kept && outer.stride[1][d] != 0;
  }
  const int64_t row = space.size[last];
  const int64_t rows = kernel_dims == 2 ? space.size[last - 1] : 1;
  const int64_t in_row_stride = kernel_dims == 2 ? space.stride[0][last - 1] : 0;

  auto kernel = [&](const char* x, char* a, int64_t col_begin, int64_t col_end) {
    if (inner) {
      A& out = store<A>(a);
      out = r.combine(out, reduce_row<In>(r, x, space.stride[0][last], row));
    } else {
      reduce_rows<In>(r, a + col_begin * space.stride[1][last], space.stride[1][last],
                      x + col_begin * space.stride[0][last], in_row_stride,
                      space.stride[0][last], rows, col_end - col_begin);
    }
  };
  const int64_t work = positions * row * rows;
  if (positions == 1) {
    if (!inner && row >= 64 && work > kParallelGrain) {
      // One block of rows: split its columns between threads.
      parallel_for(row, std::max<int64_t>(64, kParallelGrain / rows), [&](int64_t b, int64_t e) {
        kernel(in, acc, b, e);
      });
      return;
    }
    if (inner && work > 4 * kParallelGrain && max_threads() > 1) {
      // One long row: partial results per thread, combined at the end.
      const int64_t parts = max_threads();
      std::unique_ptr<A[]> partial(new A[static_cast<std::size_t>(parts)]);
      const int64_t chunk = (row + parts - 1) / parts;
      parallel_for(parts, 1, [&](int64_t b, int64_t e) {
        for (int64_t t = b; t < e; ++t) {
          const int64_t lo = std::min(row, t * chunk);
          const int64_t n = std::min(row, lo + chunk) - lo;
          partial[t] = reduce_row<In>(r, in + lo * space.stride[0][last], space.stride[0][last], n);
        }
      }, 1);
      A& out = store<A>(acc);
      for (int64_t t = 0; t < parts; ++t) out = r.combine(out, partial[t]);
      return;
    }
    kernel(in, acc, 0, row);
    return;
  }
  std::array<char*, 2> base = {const_cast<char*>(in), acc};
  auto run = [&](const std::array<char*, 2>& p, const std::array<int64_t, 2>& s, int64_t n) {
    for (int64_t i = 0; i < n; ++i) kernel(p[0] + i * s[0], p[1] + i * s[1], 0, row);
  };
  if (outer_kept && work > kParallelGrain) {
    parallel_for(positions, std::max<int64_t>(1, kParallelGrain / (row * rows)),
                 [&](int64_t b, int64_t e) { loop_range(outer, base, b, e, run); }, 1);
  } else {
    loop_range(outer, base, 0, positions, run);
  }
}

// ---- arg reductions and scans along one dim -----------------------------------------------
// For each output position: the extreme value of a line of n elements (byte stride s) and
// its first index; a NaN is the extreme (the first NaN wins), as in PyTorch. Two passes: the
// extreme through reduce_row (vectorized, branch-free for floats), then a search for its
// first occurrence, whose branch is predictable; one pass comparing as it goes mispredicts
// on unordered data and ran 2-6x slower.
template <typename In, bool kMax>
struct ArgExtremeRow {
  int64_t n;
  int64_t s;
  void operator()(const std::array<char*, 3>& p, const std::array<int64_t, 3>& st,
                  int64_t count) const {
    using C = opmath_t<In>;
    using Reducer = std::conditional_t<kMax, MaxReducer<C>, MinReducer<C>>;
    for (int64_t k = 0; k < count; ++k) {
      const char* line = p[2] + k * st[2];
      const C best = reduce_row<In>(Reducer(), line, s, n);
      auto is_best = [&best](C v) {
        if constexpr (is_float_v<C>) {
          if (best != best) return v != v;  // the extreme is NaN: the first NaN
        }
        return v == best;
      };
      int64_t best_i = 0;  // the last element when no earlier one is the extreme
      while (best_i < n - 1 && !is_best(static_cast<C>(load<In>(line + best_i * s)))) ++best_i;
      // The element itself, not `best`: -0.0 and 0.0 compare equal, and the first one wins.
      store<In>(p[0] + k * st[0]) = load<In>(line + best_i * s);
      store<int64_t>(p[1] + k * st[1]) = best_i;
    }
  }
};

// Inclusive scan of lines of n elements: out[i] = combine(out[i-1], load(x[i])), in the
// reducer's accumulator type, stored as Out.
template <typename In, typename Out, typename R>
struct ScanRow {
  R r;
  int64_t n;
  int64_t s_in;
  int64_t s_out;
  void operator()(const std::array<char*, 2>& p, const std::array<int64_t, 2>& st,
                  int64_t count) const {
    using A = typename R::acc_t;
    for (int64_t k = 0; k < count; ++k) {
      char* o = p[0] + k * st[0];
      const char* x = p[1] + k * st[1];
      A acc = r.identity();
      for (int64_t i = 0; i < n; ++i) {
        acc = r.combine(acc, r.template load<In>(load<In>(x + i * s_in)));
        store<Out>(o + i * s_out) = static_cast<Out>(acc);
      }
    }
  }
};

}  // namespace tensorbridge::kernels::cpu
