#pragma once
// Helpers shared by the ops tests (indexing, joins and sorts, linear algebra, random): reading
// a tensor back, shaped aranges, and checking that a call throws the right error.
#include <gtest/gtest.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "tensorbridge/tensorbridge.hpp"

namespace tbtest {

namespace tb = tensorbridge;

// The elements of `t` in row-major order (any layout), as T (the tensor's own dtype).
template <typename T = int64_t>
std::vector<T> vec(const tb::TensorBase& t) {
  return t.as<const T>().to_vector();
}

// start, start + 1, ... laid out in `shape`.
inline tb::TensorBase arange_shaped(const tb::Shape& shape, tb::DType dtype = tb::DType::Int64,
                                    double start = 0) {
  return tb::arange(start, start + static_cast<double>(tb::checked_numel(shape)), 1, dtype)
      .reshape(shape);
}

// fn() must throw an E whose message contains `message`.
template <typename E>
void expect_error(const std::function<void()>& fn, const std::string& message) {
  try {
    fn();
    FAIL() << "expected an exception with message: " << message;
  } catch (const E& e) {
    EXPECT_NE(std::string(e.what()).find(message), std::string::npos)
        << "message was: " << e.what();
  }
}

}  // namespace tbtest
