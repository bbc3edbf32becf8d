#pragma once
// NumPy/PyTorch broadcasting: shapes are aligned at their trailing dimensions, and each
// pair of sizes must match or one of them must be 1.
#include <algorithm>
#include <cstdint>

#include "tensorbridge/core/error.hpp"
#include "tensorbridge/core/shape.hpp"

namespace tensorbridge {

inline Shape broadcast_shapes(const Shape& a, const Shape& b, const char* op = "broadcast_shapes") {
  const std::size_t n = std::max(a.size(), b.size());
  Shape out(n);
  for (std::size_t i = 0; i < n; ++i) {
    const int64_t sa = i < a.size() ? a[a.size() - 1 - i] : 1;
    const int64_t sb = i < b.size() ? b[b.size() - 1 - i] : 1;
    TB_CHECK(sa == sb || sa == 1 || sb == 1, ValueError, op, ": the size of tensor a (", sa,
             ") must match the size of tensor b (", sb, ") at non-singleton dimension ",
             n - 1 - i, "; shapes ", shape_str(a), " and ", shape_str(b));
    out[n - 1 - i] = sa == 1 ? sb : sa;
  }
  return out;
}

}  // namespace tensorbridge
