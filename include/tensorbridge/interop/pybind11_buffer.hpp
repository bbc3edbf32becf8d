#pragma once
// Importing memory through the Python buffer protocol (PEP 3118) without copying: NumPy
// arrays and scalars, memoryview, array.array, JAX CPU arrays, other tensorbridge builds.
// The tensor keeps the exporter's Py_buffer, released (GIL-safely) when its last view dies,
// so the exporter's memory stays valid and, for resizable exporters, locked meanwhile.
#include <pybind11/pybind11.h>

#include <cstdint>
#include <memory>
#include <string_view>
#include <utility>

#include "tensorbridge/core/tensor_base.hpp"
#include "tensorbridge/interop/buffer.hpp"
#include "tensorbridge/interop/pybind11_lifetime.hpp"

namespace tensorbridge::python {

// A tensor over the memory `obj` exports; read-only buffers give read-only tensors. Raises,
// with `op` naming the caller:
//   TypeError  - no buffer, or a format that is no tensorbridge dtype (object, structured,
//                datetime, byte-swapped, long double), or indirect (suboffsets) memory;
//   ValueError - strides that are not a whole number of elements, too many dimensions.
inline TensorBase from_buffer(pybind11::handle obj, const char* op = "from_buffer") {
  const char* type_name = Py_TYPE(obj.ptr())->tp_name;
  auto held = std::make_shared<HeldBuffer>();
  if (PyObject_GetBuffer(obj.ptr(), &held->view, PyBUF_RECORDS_RO) != 0) {
    pybind11::error_already_set cause;
    TB_THROW(TypeError, op, ": cannot share the memory of a ", type_name,
             " through the buffer protocol (", cause.what(), ")");
  }
  // From here on the buffer is released exactly once, by the owner, whatever throws.
  held->filled = true;
  const Py_buffer& v = held->view;
  TB_CHECK(v.suboffsets == nullptr, TypeError, op, ": the buffer of a ", type_name,
           " uses suboffsets (indirect arrays are not supported)");
  TB_CHECK(v.ndim >= 0 && v.ndim <= kMaxDims, ValueError, op, ": the buffer of a ", type_name,
           " has ", v.ndim, " dimensions; at most ", kMaxDims, " are supported");
  DType dtype = DType::UInt8;
  const char* format = v.format ? v.format : "B";  // no format means unsigned bytes
  try {
    dtype = dtype_from_buffer_format(format, v.itemsize);
  } catch (const BufferError& e) {
    TB_THROW(TypeError, op, ": a ", type_name, " with buffer format '", format,
             "' has no tensorbridge dtype (", e.what(), ")");
  }
  Shape shape(v.shape, v.shape + v.ndim);  // PyBUF_ND was asked: shape is set
  Strides strides;
  // Any strides are legal for an empty view: it gets contiguous ones.
  if (v.strides == nullptr || checked_numel(shape, op) == 0) {
    strides = contiguous_strides(shape);
  } else {
    strides.resize(shape.size());
    for (int i = 0; i < v.ndim; ++i) {
      // A size-1 dimension never moves the pointer, so NumPy leaves odd strides there.
      if (shape[i] <= 1) continue;
      TB_CHECK(v.strides[i] % v.itemsize == 0, ValueError, op, ": the strides ",
               shape_str(std::vector<int64_t>(v.strides, v.strides + v.ndim)), " (bytes) of a ",
               type_name, " of shape ", shape_str(shape), " are not a multiple of the element size ",
               v.itemsize);
      strides[i] = v.strides[i] / v.itemsize;
    }
  }
  return view_foreign_memory(v.buf, shape, strides, dtype, Device::cpu(), v.readonly != 0,
                             std::move(held), op);
}

}  // namespace tensorbridge::python
