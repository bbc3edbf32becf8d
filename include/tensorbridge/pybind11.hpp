#pragma once
// pybind11 type casters for extension authors: a function bound as
//
//     m.def("scale_", [](tb::Tensor<float> x, float s) { ... });        // writes into x
//     m.def("norm", [](tb::Tensor<const double> x) { ... });            // reads x
//     m.def("twice", [](const tb::TensorBase& x) { return x.clone(); }); // any dtype/device
//
// accepts NumPy arrays, PyTorch, JAX, CuPy and TensorFlow tensors, memoryviews and
// tensorbridge tensors, all without a copy (tensorbridge/interop/pybind11_tensor.hpp says
// how), and returning tb::Tensor<T> or tb::TensorBase hands Python a tensorbridge.Tensor over
// the same memory (a Tensor<const T> comes back read-only).
//
// Argument rules for tb::Tensor<T>: the object must be a CPU array of dtype T; a read-only
// one (a JAX array, a read-only NumPy array) needs Tensor<const T>. When an array-like object
// breaks a rule, the call raises TypeError naming what was expected and what was given (in
// pybind11's first, no-conversion pass over overloads the caster just declines, so overloads
// on several dtypes work). Objects that are no arrays let pybind11 try other overloads.
//
// Call tensorbridge::python::register_exception_translator() in PYBIND11_MODULE so that
// tensorbridge's C++ errors become TypeError, ValueError, IndexError, BufferError, ... .
//
// Include this header in extension modules only, never in tensorbridge's own _C module: it
// replaces pybind11's class caster for tb::TensorBase, which _C registers as a class.
#include <pybind11/pybind11.h>

#include <exception>
#include <optional>
#include <string>
#include <type_traits>

#include "tensorbridge/core/tensor.hpp"
#include "tensorbridge/interop/pybind11_errors.hpp"
#include "tensorbridge/interop/pybind11_tensor.hpp"

namespace tensorbridge::python::detail {

// Imports `src` for an argument. Declines (nullopt) for objects that are no arrays and, when
// `convert` is false, for any failure; raises the mapped Python error otherwise.
inline std::optional<TensorBase> load_argument(pybind11::handle src, bool convert) {
  try {
    return import_tensor(src, "argument");
  } catch (const Error&) {
    if (!convert) return std::nullopt;
    translate_exception(std::current_exception());
    throw pybind11::error_already_set();
  } catch (const pybind11::error_already_set&) {
    if (!convert) return std::nullopt;
    throw;
  }
}

}  // namespace tensorbridge::python::detail

namespace pybind11::detail {

template <>
struct type_caster<tensorbridge::TensorBase> {
  PYBIND11_TYPE_CASTER(tensorbridge::TensorBase, const_name("tensorbridge.Tensor"));

  bool load(handle src, bool convert) {
    std::optional<tensorbridge::TensorBase> t = tensorbridge::python::detail::load_argument(src, convert);
    if (!t) return false;
    value = std::move(*t);
    return true;
  }

  static handle cast(const tensorbridge::TensorBase& t, return_value_policy, handle) {
    return tensorbridge::python::to_python(t).release();
  }
};

template <typename T>
struct type_caster<tensorbridge::Tensor<T>> {
  using Value = tensorbridge::Tensor<T>;
  using Elem = std::remove_const_t<T>;
  PYBIND11_TYPE_CASTER(Value, const_name("tensorbridge.Tensor"));

  bool load(handle src, bool convert) {
    namespace tb = tensorbridge;
    std::optional<tb::TensorBase> t = tb::python::detail::load_argument(src, convert);
    if (!t) return false;
    const tb::DType want = tb::dtype_v<Elem>;
    std::string problem;
    if (!t->device().is_cpu()) {
      problem = "a tensor on " + t->device().str();
    } else if (t->dtype() != want) {
      problem = "dtype " + std::string(tb::dtype_name(t->dtype()));
    } else if (!std::is_const_v<T> && t->is_read_only()) {
      problem = "read-only memory (declare the parameter tb::Tensor<const " +
                std::string(tb::dtype_name(want)) + "> to accept it)";
    }
    if (problem.empty()) {
      value = Value(*t);
      return true;
    }
    if (!convert) return false;
    throw type_error(std::string("expected a CPU tensor of dtype ") + std::string(tb::dtype_name(want)) +
                     (std::is_const_v<T> ? "" : " (writable)") + ", got a " +
                     Py_TYPE(src.ptr())->tp_name + " with " + problem + " (shape " +
                     tb::shape_str(t->shape()) + ", dtype " + std::string(tb::dtype_name(t->dtype())) +
                     ", device " + t->device().str() + ")");
  }

  static handle cast(const Value& t, return_value_policy, handle) {
    if constexpr (std::is_const_v<T>) {
      return tensorbridge::python::to_python(t.is_read_only() ? t : t.as_read_only()).release();
    } else {
      return tensorbridge::python::to_python(t).release();
    }
  }
};

}  // namespace pybind11::detail
