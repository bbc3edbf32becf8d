#pragma once
// Helpers shared by the autograd function tests: float64 inputs from a small LCG (independent
// of the library's RNG) and the first- and second-order gradient checks with the tolerances
// the tests use.
#include <cstdint>
#include <exception>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tensorbridge/autograd/autograd.hpp"
#include "tensorbridge/tensorbridge.hpp"

namespace gradtest {

// float64 values in [lo, hi) of `shape`, from the LCG started at `state`.
inline tensorbridge::TensorBase lcg_values(const tensorbridge::Shape& shape, double lo, double hi,
                                           uint64_t state) {
  tensorbridge::TensorBase t = tensorbridge::empty(shape, tensorbridge::DType::Float64);
  double* p = static_cast<double*>(t.data_ptr());
  for (int64_t i = 0; i < t.numel(); ++i) {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    p[i] = lo + (hi - lo) * double(state >> 11) / double(1ull << 53);
  }
  return t;
}

// gradcheck (and gradgradcheck unless second_order is false) of fn at inputs; an exception
// counts as a failure naming the case.
inline void expect_gradchecks(const std::string& name, const tensorbridge::autograd::GradcheckFn& fn,
                              const std::vector<tensorbridge::TensorBase>& inputs,
                              bool second_order = true) {
  namespace ag = tensorbridge::autograd;
  SCOPED_TRACE(name);
  try {
    EXPECT_TRUE(ag::gradcheck(fn, inputs, 1e-6, 1e-5, 1e-3));
    if (second_order) {
      EXPECT_TRUE(ag::gradgradcheck(fn, inputs, 1e-6, 1e-4, 1e-3));
    }
  } catch (const std::exception& e) {
    ADD_FAILURE() << name << ": " << e.what();
  }
}

}  // namespace gradtest
