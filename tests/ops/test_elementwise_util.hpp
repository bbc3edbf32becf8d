#pragma once
// Helpers shared by the elementwise/unary/reduction tests: deterministic inputs and
// non-contiguous views of them, and reading any tensor back as a std::vector<double>
// through at() (an independent path: no kernel of the code under test runs).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "tensorbridge/tensorbridge.hpp"

namespace tbtest {

namespace tb = tensorbridge;

// Row-major multi-index walk over `shape`, calling fn(index vector).
template <typename Fn>
void for_each_index(const tb::Shape& shape, Fn&& fn) {
  int64_t n = 1;
  for (int64_t s : shape) n *= s;
  std::vector<int64_t> idx(shape.size(), 0);
  for (int64_t k = 0; k < n; ++k) {
    fn(idx);
    for (std::size_t d = shape.size(); d-- > 0;) {
      if (++idx[d] < shape[d]) break;
      idx[d] = 0;
    }
  }
}

// The element at a multi-index, read with the tensor's own strides (no kernel involved).
template <typename T>
T element(const tb::TensorBase& t, const std::vector<int64_t>& idx) {
  const T* p = static_cast<const T*>(t.data_ptr());
  int64_t off = 0;
  for (std::size_t d = 0; d < idx.size(); ++d) off += idx[d] * t.strides()[d];
  return p[off];
}

// Every element in row-major order, converted to double.
template <typename T>
std::vector<double> as_doubles(const tb::TensorBase& t) {
  std::vector<double> out;
  for_each_index(t.shape(), [&](const std::vector<int64_t>& idx) {
    out.push_back(static_cast<double>(element<T>(t, idx)));
  });
  return out;
}

// A tensor of `shape` holding f(linear index) as float.
template <typename T, typename F>
tb::Tensor<T> make(const tb::Shape& shape, F&& f) {
  auto t = tb::empty<T>(shape);
  T* p = t.data();
  for (int64_t i = 0; i < t.numel(); ++i) p[i] = static_cast<T>(f(i));
  return t;
}

// Relative closeness with an absolute floor, NaN equal to NaN.
inline ::testing::AssertionResult near(double got, double want, double rel = 1e-6,
                                       double abs_tol = 1e-6) {
  if (std::isnan(want) && std::isnan(got)) return ::testing::AssertionSuccess();
  if (std::isinf(want) && got == want) return ::testing::AssertionSuccess();
  if (std::fabs(got - want) <= abs_tol + rel * std::fabs(want)) {
    return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure() << "got " << got << ", want " << want;
}

inline void expect_all_near(const std::vector<double>& got, const std::vector<double>& want,
                            double rel = 1e-6, double abs_tol = 1e-6) {
  ASSERT_EQ(got.size(), want.size());
  for (std::size_t i = 0; i < got.size(); ++i) {
    EXPECT_TRUE(near(got[i], want[i], rel, abs_tol)) << "at " << i;
  }
}

// Runs fn and checks that it throws E whose message contains every one of `parts`.
template <typename E, typename Fn>
void expect_throw_with(Fn&& fn, std::initializer_list<std::string> parts) {
  try {
    fn();
    ADD_FAILURE() << "expected an exception";
  } catch (const E& e) {
    for (const std::string& p : parts) {
      EXPECT_NE(std::string(e.what()).find(p), std::string::npos)
          << "message '" << e.what() << "' lacks '" << p << "'";
    }
  }
}

}  // namespace tbtest
