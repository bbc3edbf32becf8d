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
  auto view = std::make_unique<Py_buffer>();
  if (PyObject_GetBuffer(obj.ptr(), view.get(), PyBUF_RECORDS_RO) != 0) {
    pybind11::error_already_set cause;
    TB_THROW(TypeError, op, ": cannot share the memory of a ", type_name,
             " through the buffer protocol (", cause.what(), ")");
  }
  // From here on the buffer is released exactly once, by the owner, whatever throws.
  const Py_buffer& v = *view;
  std::shared_ptr<void> owner = hold_py_buffer(std::move(view));
  TB_CHECK(v.suboffsets == nullptr, TypeError, op, ": the buffer of a ", type_name,
           " uses suboffsets (indirect arrays are not supported)");
  TB_CHECK(v.ndim >= 0 && v.ndim <= kMaxDims, ValueError, op, ": the buffer of a ", type_name,
           " has ", v.ndim, " dimensions; at most ", kMaxDims, " are supported");
  BufferInfo info;
  info.format = v.format ? v.format : "B";  // no format means unsigned bytes
  info.itemsize = v.itemsize;
  try {
    dtype_from_buffer_format(info.format, info.itemsize);
  } catch (const BufferError& e) {
    TB_THROW(TypeError, op, ": a ", type_name, " with buffer format '", info.format,
             "' has no tensorbridge dtype (", e.what(), ")");
  }
  info.ptr = v.buf;
  info.readonly = v.readonly != 0;
  info.shape.assign(v.shape, v.shape + v.ndim);  // PyBUF_ND was asked: shape is set
  // Any strides are legal for an empty view; it gets contiguous ones.
  if (v.strides != nullptr && checked_numel(info.shape, op) != 0) {
    info.strides.assign(v.strides, v.strides + v.ndim);
    for (int i = 0; i < v.ndim; ++i) {
      // A size-1 dimension never moves the pointer, so NumPy leaves odd strides there.
      if (info.shape[i] <= 1) {
        info.strides[i] = 0;
        continue;
      }
      TB_CHECK(info.strides[i] % v.itemsize == 0, ValueError, op, ": the strides ",
               shape_str(std::vector<int64_t>(v.strides, v.strides + v.ndim)), " (bytes) of a ",
               type_name, " of shape ", shape_str(info.shape),
               " are not a multiple of the element size ", v.itemsize);
    }
  }
  return tensorbridge::from_buffer(info, std::move(owner));
}

}  // namespace tensorbridge::python
