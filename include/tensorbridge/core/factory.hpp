#pragma once
// Creating tensors: empty/zeros/ones/full, ranges, eye, *_like, and construction from
// nested initializer lists or vectors. Each comes runtime-typed (a DType argument,
// returning TensorBase) and typed (`zeros<float>(...)`, returning Tensor<float>).
#include <cmath>
#include <cstring>
#include <initializer_list>
#include <type_traits>
#include <vector>

#include "tensorbridge/core/tensor.hpp"

namespace tensorbridge {

// ---- runtime-typed ------------------------------------------------------------------
inline TensorBase empty(const Shape& shape, DType dtype = DType::Float32,
                        Device device = Device::cpu()) {
  return detail::new_tensor(shape, dtype, device, "empty");
}
namespace detail {
// full() under the name of the factory the user called, for its error messages.
inline TensorBase full_named(const Shape& shape, const Scalar& value, DType dtype, Device device,
                             const char* op) {
  TensorBase t = new_tensor(shape, dtype, device, op);
  fill_any(t, value, op);
  return t;
}
}  // namespace detail

inline TensorBase full(const Shape& shape, const Scalar& value, DType dtype = DType::Float32,
                       Device device = Device::cpu()) {
  return detail::full_named(shape, value, dtype, device, "full");
}
inline TensorBase zeros(const Shape& shape, DType dtype = DType::Float32,
                        Device device = Device::cpu()) {
  TensorBase t = detail::new_tensor(shape, dtype, device, "zeros");
  if (!device.is_cpu()) {
    detail::fill_any(t, Scalar(0), "zeros");
  } else if (t.nbytes() > 0) {
    std::memset(t.data_ptr(), 0, t.nbytes());  // all dtypes: 0 is all-zero bits
  }
  return t;
}
inline TensorBase ones(const Shape& shape, DType dtype = DType::Float32,
                       Device device = Device::cpu()) {
  return detail::full_named(shape, Scalar(1), dtype, device, "ones");
}
inline TensorBase empty_like(const TensorBase& t) { return empty(t.shape(), t.dtype(), t.device()); }
inline TensorBase zeros_like(const TensorBase& t) { return zeros(t.shape(), t.dtype(), t.device()); }
inline TensorBase ones_like(const TensorBase& t) { return ones(t.shape(), t.dtype(), t.device()); }
inline TensorBase full_like(const TensorBase& t, const Scalar& v) {
  return full(t.shape(), v, t.dtype(), t.device());
}

// Values start, start+step, ... below end (above, for a negative step); the count is
// ceil((end - start) / step) as in NumPy and PyTorch.
inline TensorBase arange(double start, double end, double step = 1.0,
                         DType dtype = DType::Int64) {
  TB_CHECK(step != 0.0, ValueError, "arange: step must be nonzero");
  TB_CHECK(std::isfinite(start) && std::isfinite(end), ValueError,
           "arange: unsupported range ", start, " -> ", end);
  TB_CHECK((step > 0 && end >= start) || (step < 0 && end <= start), ValueError,
           "arange: upper bound (", end, ") and lower bound (", start,
           ") inconsistent with step sign (", step, ")");
  const double count = std::ceil((end - start) / step);
  TB_CHECK(count < 9.0e18, ValueError, "arange: too many elements (", count, ")");
  const auto n = static_cast<int64_t>(count);
  TensorBase t = empty({n}, dtype);
  visit_dtype(dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    T* out = static_cast<T*>(t.data_ptr());
    for (int64_t i = 0; i < n; ++i) out[i] = convert_element<T>(start + double(i) * step);
  });
  return t;
}
inline TensorBase arange(double end, DType dtype = DType::Int64) {
  return arange(0.0, end, 1.0, dtype);
}

// `steps` evenly spaced values from start to end inclusive; the second half is computed
// from the end so that the last value is exactly `end` (PyTorch does the same).
inline TensorBase linspace(double start, double end, int64_t steps,
                           DType dtype = DType::Float32) {
  TB_CHECK(steps >= 0, ValueError, "linspace: number of steps must be non-negative, got ",
           steps);
  TensorBase t = empty({steps}, dtype);
  const double step = steps > 1 ? (end - start) / double(steps - 1) : 0.0;
  const int64_t half_point = steps / 2;
  visit_dtype(dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    T* out = static_cast<T*>(t.data_ptr());
    for (int64_t i = 0; i < steps; ++i) {
      const double v = i < half_point || steps == 1 ? start + step * double(i)
                                      : end - step * double(steps - 1 - i);
      out[i] = convert_element<T>(v);
    }
  });
  return t;
}

inline TensorBase eye(int64_t n, int64_t m = -1, DType dtype = DType::Float32) {
  if (m < 0) m = n;
  TB_CHECK(n >= 0, ValueError, "eye: n must be non-negative, got ", n);
  TensorBase t = zeros({n, m}, dtype);
  t.diagonal().fill_(Scalar(1));
  return t;
}

// ---- typed --------------------------------------------------------------------------
template <typename T>
Tensor<T> empty(const Shape& shape) {
  return Tensor<T>(empty(shape, dtype_v<T>));
}
template <typename T>
Tensor<T> zeros(const Shape& shape) {
  return Tensor<T>(zeros(shape, dtype_v<T>));
}
template <typename T>
Tensor<T> ones(const Shape& shape) {
  return Tensor<T>(ones(shape, dtype_v<T>));
}
template <typename T>
Tensor<T> full(const Shape& shape, T value) {
  return Tensor<T>(full(shape, Scalar(value), dtype_v<T>));
}
template <typename T>
Tensor<T> arange(double start, double end, double step = 1.0) {
  return Tensor<T>(arange(start, end, step, dtype_v<T>));
}
template <typename T>
Tensor<T> linspace(double start, double end, int64_t steps) {
  return Tensor<T>(linspace(start, end, steps, dtype_v<T>));
}
template <typename T>
Tensor<T> eye(int64_t n, int64_t m = -1) {
  return Tensor<T>(eye(n, m, dtype_v<T>));
}

// ---- from C++ data ------------------------------------------------------------------
// Copies `values` (row-major) into a new tensor of `shape`.
template <typename T>
Tensor<T> from_vector(const std::vector<T>& values, const Shape& shape) {
  static_assert(!std::is_same_v<T, bool>, "from_vector: std::vector<bool> has no data(); use uint8_t or tensor({...})");
  Tensor<T> t = empty<T>(shape);
  TB_CHECK(static_cast<int64_t>(values.size()) == t.numel(), ValueError, "from_vector: ",
           values.size(), " values cannot fill shape ", shape_str(shape));
  if (!values.empty()) std::memcpy(t.data(), values.data(), values.size() * sizeof(T));
  return t;
}
template <typename T>
Tensor<T> tensor(const std::vector<T>& values) {
  return from_vector(values, {static_cast<int64_t>(values.size())});
}

// A 0-d tensor holding one value.
template <typename T>
Tensor<T> scalar_tensor(T value) {
  Tensor<T> t = empty<T>({});
  *t.data() = value;
  return t;
}

namespace detail {

template <typename T, int Depth>
struct NestedList {
  using type = std::initializer_list<typename NestedList<T, Depth - 1>::type>;
};
template <typename T>
struct NestedList<T, 1> {
  using type = std::initializer_list<T>;
};

// Records the extent of each level and checks that the list is rectangular.
template <typename T, typename List>
void nested_shape(const List& list, Shape& shape, std::size_t level) {
  const auto n = static_cast<int64_t>(list.size());
  if (shape.size() <= level) {
    shape.push_back(n);
  } else {
    TB_CHECK(shape[level] == n, ValueError, "tensor: nested lists are ragged (expected ",
             shape[level], " elements at depth ", level, ", got ", n, ")");
  }
  if constexpr (!std::is_same_v<List, std::initializer_list<T>>) {
    for (const auto& inner : list) nested_shape<T>(inner, shape, level + 1);
  }
}

template <typename T, typename List>
void nested_fill(const List& list, T*& out) {
  if constexpr (std::is_same_v<List, std::initializer_list<T>>) {
    for (const T& v : list) *out++ = v;
  } else {
    for (const auto& inner : list) nested_fill<T>(inner, out);
  }
}

template <typename T, int Depth>
Tensor<T> tensor_from_nested(const typename NestedList<T, Depth>::type& list) {
  Shape shape;
  nested_shape<T>(list, shape, 0);
  // An empty level hides the deeper ones; they still count as dimensions of size 0.
  while (static_cast<int>(shape.size()) < Depth) shape.push_back(0);
  Tensor<T> t = empty<T>(shape);
  T* out = t.data();
  if (t.numel() > 0) nested_fill<T>(list, out);
  return t;
}

}  // namespace detail

// tb::tensor({{1.f, 2.f}, {3.f, 4.f}}) -> a 2x2 Tensor<float>; up to 4 levels.
template <typename T>
Tensor<T> tensor(std::initializer_list<T> list) {
  return detail::tensor_from_nested<T, 1>(list);
}
template <typename T>
Tensor<T> tensor(std::initializer_list<std::initializer_list<T>> list) {
  return detail::tensor_from_nested<T, 2>(list);
}
template <typename T>
Tensor<T> tensor(std::initializer_list<std::initializer_list<std::initializer_list<T>>> list) {
  return detail::tensor_from_nested<T, 3>(list);
}
template <typename T>
Tensor<T> tensor(
    std::initializer_list<std::initializer_list<std::initializer_list<std::initializer_list<T>>>>
        list) {
  return detail::tensor_from_nested<T, 4>(list);
}

}  // namespace tensorbridge
