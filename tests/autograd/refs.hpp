#pragma once
// Reference values computed by real PyTorch (tests/data/gen_autograd_refs.py writes
// tests/data/autograd_refs.txt): one tensor per line, "<key> <shape> <values...>".
#include <cmath>
#include <fstream>
#include <sstream>
#include <string>
#include <unordered_map>
#include <vector>

#include <gtest/gtest.h>

#include "tensorbridge/tensorbridge.hpp"

#ifndef TB_TEST_DATA_DIR
#error "TB_TEST_DATA_DIR must point at tests/data"
#endif

namespace refs {

struct Entry {
  tensorbridge::Shape shape;
  std::vector<double> values;
};

inline const std::unordered_map<std::string, Entry>& all() {
  static const std::unordered_map<std::string, Entry> table = [] {
    std::unordered_map<std::string, Entry> out;
    std::ifstream in(std::string(TB_TEST_DATA_DIR) + "/autograd_refs.txt");
    std::string line;
    while (std::getline(in, line)) {
      if (line.empty() || line[0] == '#') continue;
      std::istringstream ss(line);
      std::string key, shape;
      ss >> key >> shape;
      Entry e;
      if (shape != "-") {
        std::istringstream dims(shape);
        std::string d;
        while (std::getline(dims, d, ',')) e.shape.push_back(std::stoll(d));
      }
      double v;
      while (ss >> v) e.values.push_back(v);
      out[key] = std::move(e);
    }
    return out;
  }();
  return table;
}

inline const Entry& get(const std::string& key) {
  auto it = all().find(key);
  if (it == all().end()) throw std::runtime_error("missing reference " + key);
  return it->second;
}

inline bool has(const std::string& key) { return all().count(key) > 0; }

// The reference as a tensor of `dtype` (float32 unless asked).
inline tensorbridge::TensorBase tensor(const std::string& key,
                                       tensorbridge::DType dtype = tensorbridge::DType::Float32) {
  const Entry& e = get(key);
  return tensorbridge::from_vector(e.values, e.shape).to(dtype);
}

inline std::vector<double> values_of(const tensorbridge::TensorBase& t) {
  return tensorbridge::Tensor<double>(t.detach().to(tensorbridge::DType::Float64).contiguous())
      .to_vector();
}

// Every element within rtol * |ref| + atol of the reference, shapes equal.
inline ::testing::AssertionResult close(const tensorbridge::TensorBase& actual,
                                        const std::string& key, double rtol = 1e-5,
                                        double atol = 1e-6) {
  const Entry& e = get(key);
  if (!actual.defined()) return ::testing::AssertionFailure() << key << ": undefined tensor";
  if (actual.shape() != e.shape) {
    return ::testing::AssertionFailure() << key << ": shape " << tensorbridge::shape_str(actual.shape())
                                         << " != reference " << tensorbridge::shape_str(e.shape);
  }
  const std::vector<double> a = values_of(actual);
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (!(std::abs(a[i] - e.values[i]) <= rtol * std::abs(e.values[i]) + atol)) {
      return ::testing::AssertionFailure() << key << "[" << i << "]: " << a[i]
                                           << " != reference " << e.values[i];
    }
  }
  return ::testing::AssertionSuccess();
}

}  // namespace refs
