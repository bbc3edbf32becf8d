#pragma once
// Moving tensors between Python objects and C++ without copying, for any pybind11 module:
//   - import_tensor(obj): a tensorbridge.Tensor as is (same tensor, same version counter),
//     or the memory of any object exporting the buffer protocol (NumPy, JAX, memoryview) or
//     DLPack (PyTorch, JAX, CuPy, TensorFlow, raw capsules), or, in programs with the CUDA
//     layer, __cuda_array_interface__ (Numba);
//   - to_python(t): a tensorbridge.Tensor for a C++ tensor (sharing its memory).
// Used by tensorbridge's own module and by the type casters of tensorbridge/pybind11.hpp.
#include <pybind11/pybind11.h>

#include <exception>
#include <optional>
#include <typeinfo>
#include <utility>

#include "tensorbridge/core/tensor_base.hpp"
#include "tensorbridge/interop/pybind11_buffer.hpp"
#include "tensorbridge/interop/pybind11_cuda_array.hpp"
#include "tensorbridge/interop/pybind11_dlpack.hpp"

namespace tensorbridge::python {

// The pybind11 registration of tensorbridge.Tensor (made by the tensorbridge._C module), as
// this module sees it: null until tensorbridge._C is imported, and also null when this module
// was built with a pybind11 whose internals differ from tensorbridge._C's.
inline const pybind11::detail::type_info* tensor_type_info() {
  return pybind11::detail::get_type_info(typeid(TensorBase));
}

// The tensor behind `obj` without a copy, or nothing when `obj` is not array-like. Errors of
// array-like objects that cannot be shared (unsupported dtype, consumed capsule, ...) raise.
// The buffer protocol comes before DLPack: it is faster and, for immutable JAX arrays, it
// says "read-only" where DLPack does not.
inline std::optional<TensorBase> import_tensor(pybind11::handle obj, const char* op = "import_tensor") {
  if (tensor_type_info() != nullptr) {
    pybind11::detail::type_caster_base<TensorBase> caster;
    if (caster.load(obj, /*convert=*/false)) return static_cast<TensorBase&>(caster);
  }
  // Looked up only when needed: NumPy arrays take the buffer path without it.
  auto has_dlpack = [obj] { return is_dlpack_capsule(obj) || pybind11::hasattr(obj, "__dlpack__"); };
  if (PyObject_CheckBuffer(obj.ptr()) && !PyBytes_Check(obj.ptr()) && !PyByteArray_Check(obj.ptr())) {
    try {
      return from_buffer(obj, op);
    } catch (const TypeError&) {
      if (!has_dlpack()) throw;
      // DLPack may carry what the buffer protocol cannot (bfloat16); if it cannot either,
      // the buffer protocol's TypeError says best what is wrong.
      std::exception_ptr buffer_error = std::current_exception();
      try {
        return from_dlpack_object(obj, {}, op);
      } catch (const BufferError&) {
      } catch (const pybind11::error_already_set& e) {
        if (!e.matches(PyExc_BufferError)) throw;
      }
      std::rethrow_exception(buffer_error);
    }
  }
  if (has_dlpack()) return from_dlpack_object(obj, {}, op);
  // Only where tensors can live on a GPU (the CUDA layer is present): Numba's device arrays
  // and other exporters of __cuda_array_interface__ without DLPack.
  if (tensorbridge::detail::device_hooks != nullptr && has_cuda_array_interface(obj)) {
    return from_cuda_array_interface(obj, op);
  }
  return std::nullopt;
}

// A tensorbridge.Tensor sharing `t`'s memory. Imports tensorbridge._C on first use. When this
// module's pybind11 cannot see tensorbridge._C's registration (another pybind11 ABI), the
// tensor travels through a DLPack capsule and tensorbridge.from_dlpack instead. Raises
// ImportError when the tensorbridge Python package is not installed.
inline pybind11::object to_python(TensorBase t) {
  if (tensor_type_info() == nullptr) pybind11::module_::import("tensorbridge._C");
  if (tensor_type_info() != nullptr) {
    return pybind11::reinterpret_steal<pybind11::object>(
        pybind11::detail::type_caster_base<TensorBase>::cast(
            std::move(t), pybind11::return_value_policy::move, pybind11::handle()));
  }
  return pybind11::module_::import("tensorbridge._C")
      .attr("from_dlpack")(to_dlpack_capsule(t, /*versioned=*/true));
}

}  // namespace tensorbridge::python
