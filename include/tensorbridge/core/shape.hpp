#pragma once
// Shapes and strides: element counts, contiguous strides, dimension wrapping, and the
// overflow-checked arithmetic every size computation goes through.
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <limits>
#include <ostream>
#include <string>
#include <vector>

#include "tensorbridge/core/error.hpp"

namespace tensorbridge {

using Shape = std::vector<int64_t>;
using Strides = std::vector<int64_t>;  // in elements; may be zero or negative

// Largest rank we accept (DLPack importers elsewhere use 64 and 128).
inline constexpr int64_t kMaxDims = 64;

inline std::string shape_str(const std::vector<int64_t>& v) {
  std::string s = "[";
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (i) s += ", ";
    s += std::to_string(v[i]);
  }
  return s + "]";
}

namespace detail {

inline int64_t checked_mul(int64_t a, int64_t b, const char* what) {
  int64_t r;
  TB_CHECK(!__builtin_mul_overflow(a, b, &r), ValueError, what, ": size overflow (", a,
           " * ", b, ")");
  return r;
}
inline int64_t checked_add(int64_t a, int64_t b, const char* what) {
  int64_t r;
  TB_CHECK(!__builtin_add_overflow(a, b, &r), ValueError, what, ": size overflow (", a,
           " + ", b, ")");
  return r;
}

}  // namespace detail

// Number of elements; throws on negative extents and overflow.
inline int64_t checked_numel(const Shape& shape, const char* op = "numel") {
  int64_t n = 1;
  for (int64_t s : shape) {
    TB_CHECK(s >= 0, ValueError, op, ": negative dimension in shape ", shape_str(shape));
    n = detail::checked_mul(n, s, op);
  }
  return n;
}

inline Strides contiguous_strides(const Shape& shape) {
  Strides strides(shape.size());
  int64_t s = 1;
  for (std::size_t i = shape.size(); i-- > 0;) {
    strides[i] = s;
    s *= shape[i] > 1 ? shape[i] : 1;  // sizes were already overflow-checked
  }
  return strides;
}

// Size-1 dimensions are ignored (their stride is never used), as are all strides of a
// zero-size tensor: both layouts are what NumPy and PyTorch call contiguous.
inline bool is_contiguous_layout(const Shape& shape, const Strides& strides) {
  int64_t expected = 1;
  for (std::size_t i = shape.size(); i-- > 0;) {
    if (shape[i] == 0) return true;
  }
  for (std::size_t i = shape.size(); i-- > 0;) {
    if (shape[i] == 1) continue;
    if (strides[i] != expected) return false;
    expected *= shape[i];
  }
  return true;
}

// The element range [lo, hi] that a view touches relative to its offset; both are 0 for
// a zero-size view. Overflow-checked.
struct ElementExtent {
  int64_t lo = 0;
  int64_t hi = 0;
  bool empty = false;
};
inline ElementExtent element_extent(const Shape& shape, const Strides& strides,
                                    const char* op = "extent") {
  ElementExtent e;
  for (int64_t s : shape) {
    if (s == 0) {
      e.empty = true;
      return e;
    }
  }
  for (std::size_t i = 0; i < shape.size(); ++i) {
    const int64_t span = detail::checked_mul(shape[i] - 1, strides[i], op);
    if (span < 0) {
      e.lo = detail::checked_add(e.lo, span, op);
    } else {
      e.hi = detail::checked_add(e.hi, span, op);
    }
  }
  return e;
}

// Wraps a possibly negative dimension index into [0, ndim); scalars accept dim 0 and -1
// like PyTorch.
inline int64_t wrap_dim(int64_t dim, int64_t ndim, const char* op) {
  const int64_t n = ndim == 0 ? 1 : ndim;
  TB_CHECK(dim >= -n && dim < n, IndexError, op, ": dimension out of range (expected to be in range of [", -n, ", ", n - 1, "], but got ", dim, ")");
  return dim < 0 ? dim + n : dim;
}

}  // namespace tensorbridge
