#pragma once
// __cuda_array_interface__ (version 3) on the Python side, the protocol Numba, CuPy and
// PyTorch use for CUDA memory: the dict a CUDA tensor exports, and a zero-copy import of
// any object exporting one. Its "stream" entry orders the two sides: the exporter names the
// stream its data becomes ready on; the importer makes its own current stream wait for that
// stream before using the data (without blocking the host).
//
// Both directions need the CUDA layer (core/device_hooks.hpp, installed by
// <tensorbridge/cuda/cuda.hpp>): without it no tensor lives on a GPU, and imports raise.
#include <pybind11/pybind11.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "tensorbridge/core/device_hooks.hpp"
#include "tensorbridge/core/tensor_base.hpp"
#include "tensorbridge/interop/buffer.hpp"
#include "tensorbridge/interop/pybind11_lifetime.hpp"

namespace tensorbridge::python {

namespace detail {

inline constexpr char kCudaArrayAttr[] = "__cuda_array_interface__";

// NumPy's typestr of a dtype: byte order ('<' little endian, '|' for one byte), kind, size.
// bfloat16 has none (NumPy does not know it).
inline std::string cuda_typestr(DType dtype, const char* op) {
  static constexpr char kKind[] = {'b', 'i', 'i', 'i', 'i', 'u', 'u', 'u', 'u',
                                   'f', 'f', 'f', 'f', 'c', 'c'};
  TB_CHECK(dtype != DType::BFloat16, TypeError, op,
           ": bfloat16 has no typestr in the CUDA array interface; use DLPack "
           "(__dlpack__) or convert the tensor first");
  const std::size_t item = itemsize(dtype);
  const char order = item == 1 ? '|' : (tensorbridge::detail::native_is_little_endian() ? '<' : '>');
  return std::string(1, order) + kKind[static_cast<int>(dtype)] + std::to_string(item);
}

// The dtype of a typestr such as "<f4" or "|b1"; TypeError for what tensorbridge lacks
// (other byte orders, object, datetime, structured, ...).
inline DType dtype_from_cuda_typestr(const std::string& typestr, const char* op) {
  const char native = tensorbridge::detail::native_is_little_endian() ? '<' : '>';
  const bool ok_order = typestr.size() >= 3 &&
                        (typestr[0] == native || typestr[0] == '|' || typestr[0] == '=');
  if (ok_order) {
    const char kind = typestr[1];
    const std::string size = typestr.substr(2);
    struct Entry {
      char kind;
      const char* size;
      DType dtype;
    };
    static constexpr Entry kTable[] = {
        {'b', "1", DType::Bool},       {'i', "1", DType::Int8},       {'i', "2", DType::Int16},
        {'i', "4", DType::Int32},      {'i', "8", DType::Int64},      {'u', "1", DType::UInt8},
        {'u', "2", DType::UInt16},     {'u', "4", DType::UInt32},     {'u', "8", DType::UInt64},
        {'f', "2", DType::Float16},    {'f', "4", DType::Float32},    {'f', "8", DType::Float64},
        {'c', "8", DType::Complex64},  {'c', "16", DType::Complex128},
    };
    for (const Entry& e : kTable) {
      if (e.kind == kind && size == e.size) return e.dtype;
    }
  }
  TB_THROW(TypeError, op, ": the CUDA array interface's typestr '", typestr,
           "' is not a dtype tensorbridge has (native byte order bool, int, uint, float, "
           "complex)");
}

inline const tensorbridge::detail::DeviceHooks& require_cuda(const char* op) {
  return tensorbridge::detail::require_device_hooks(Device::cuda(), op);
}

// An entry of the interface dict, or nullptr when it is missing or None.
inline PyObject* entry(pybind11::handle dict, const char* key) {
  PyObject* value = PyDict_GetItemString(dict.ptr(), key);  // borrowed
  return value == Py_None ? nullptr : value;
}

inline int64_t int_entry(PyObject* value, const char* what, const char* op) {
  TB_CHECK(value != nullptr && PyIndex_Check(value), TypeError, op, ": the CUDA array interface's ",
           what, " must be an integer");
  const long long v = PyLong_AsLongLong(value);
  if (v == -1 && PyErr_Occurred()) throw pybind11::error_already_set();
  return v;
}

inline std::vector<int64_t> int_tuple_entry(PyObject* value, const char* what, const char* op) {
  TB_CHECK(value != nullptr && PyTuple_Check(value), TypeError, op,
           ": the CUDA array interface's ", what, " must be a tuple of integers");
  std::vector<int64_t> out;
  for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(value); ++i) {
    out.push_back(int_entry(PyTuple_GET_ITEM(value, i), what, op));
  }
  return out;
}

}  // namespace detail

// The __cuda_array_interface__ dict of a CUDA tensor, sharing its memory: shape, typestr,
// data (address, read-only flag), strides in bytes (None when C-contiguous), version 3, and
// the calling thread's current stream on the tensor's device (what its data is ready on).
// AttributeError for a tensor that is not on a CUDA device, so hasattr() answers False.
inline pybind11::dict cuda_array_interface(const TensorBase& t) {
  const char* op = detail::kCudaArrayAttr;
  if (!t.device().is_cuda()) {
    throw pybind11::attribute_error(std::string(op) + ": a tensor on " + t.device().str() +
                                    " has no CUDA array interface (only CUDA tensors do)");
  }
  const tensorbridge::detail::DeviceHooks& hooks = detail::require_cuda(op);
  pybind11::dict d;
  d["shape"] = pybind11::tuple(pybind11::cast(t.shape()));
  d["typestr"] = detail::cuda_typestr(t.dtype(), op);
  d["data"] = pybind11::make_tuple(reinterpret_cast<uintptr_t>(t.data_ptr()), t.is_read_only());
  d["strides"] = t.is_contiguous() ? pybind11::object(pybind11::none())
                                   : pybind11::object(pybind11::tuple(pybind11::cast(t.byte_strides())));
  d["version"] = 3;
  d["stream"] = hooks.current_stream_argument(t.device().index());
  return d;
}

inline bool has_cuda_array_interface(pybind11::handle obj) {
  return PyObject_HasAttrString(obj.ptr(), detail::kCudaArrayAttr) != 0;
}

// A tensor viewing the CUDA memory of `obj` (anything with __cuda_array_interface__, version
// 0 to 3) without copying; `obj` stays alive as long as the memory is viewed. The device is
// the one that owns the pointer. When the interface names a stream, the current stream of
// that device waits for it. Masked arrays, unknown dtypes and host pointers are refused with
// clear errors.
inline TensorBase from_cuda_array_interface(pybind11::handle obj,
                                            const char* op = "from_cuda_array_interface") {
  const tensorbridge::detail::DeviceHooks& hooks = detail::require_cuda(op);
  const pybind11::object d = obj.attr(detail::kCudaArrayAttr);
  TB_CHECK(PyDict_Check(d.ptr()), TypeError, op, ": __cuda_array_interface__ of a ",
           Py_TYPE(obj.ptr())->tp_name, " is not a dict");
  const int64_t version = detail::int_entry(detail::entry(d, "version"), "version", op);
  TB_CHECK(version >= 0 && version <= 3, ValueError, op,
           ": unsupported CUDA array interface version ", version, " (expected 0 to 3)");
  TB_CHECK(detail::entry(d, "mask") == nullptr, ValueError, op,
           ": masked CUDA arrays are not supported (the interface has a mask)");

  PyObject* typestr = detail::entry(d, "typestr");
  TB_CHECK(typestr != nullptr && PyUnicode_Check(typestr), TypeError, op,
           ": the CUDA array interface's typestr must be a string");
  const DType dtype = detail::dtype_from_cuda_typestr(PyUnicode_AsUTF8(typestr), op);
  const Shape shape = detail::int_tuple_entry(detail::entry(d, "shape"), "shape", op);
  Strides strides;
  if (PyObject* byte_strides = detail::entry(d, "strides")) {
    const auto item = static_cast<int64_t>(itemsize(dtype));
    for (int64_t s : detail::int_tuple_entry(byte_strides, "strides", op)) {
      TB_CHECK(s % item == 0, BufferError, op, ": byte stride ", s,
               " is not a multiple of the itemsize ", item, " of ", dtype);
      strides.push_back(s / item);
    }
  } else {
    strides = checked_contiguous_strides(shape, itemsize(dtype), op);
  }

  PyObject* data = detail::entry(d, "data");
  TB_CHECK(data != nullptr && PyTuple_Check(data) && PyTuple_GET_SIZE(data) == 2, TypeError, op,
           ": the CUDA array interface's data must be a tuple (address, read_only)");
  const auto address = static_cast<uintptr_t>(
      detail::int_entry(PyTuple_GET_ITEM(data, 0), "data address", op));
  const bool read_only = PyObject_IsTrue(PyTuple_GET_ITEM(data, 1)) == 1;
  void* first = reinterpret_cast<void*>(address);

  int device = -1;
  if (first != nullptr) {
    device = hooks.pointer_device(first);
    TB_CHECK(device >= 0, ValueError, op, ": address ", first,
             " is not CUDA device or managed memory (CUDA array interface of a ",
             Py_TYPE(obj.ptr())->tp_name, ")");
  } else {
    device = hooks.current_device();  // a zero-size array may have no memory at all
  }
  if (PyObject* stream = detail::entry(d, "stream")) {
    const int64_t s = detail::int_entry(stream, "stream", op);
    TB_CHECK(s != 0, ValueError, op,
             ": the CUDA array interface's stream is 0, which the protocol disallows");
    hooks.wait_for_stream(device, s);
  }
  // The exporter stays alive while the memory is viewed; released with the GIL.
  PyObject* held = obj.ptr();
  Py_INCREF(held);
  std::shared_ptr<void> owner(nullptr, [held](void*) { with_gil_if_alive([held] { Py_DECREF(held); }); });
  return view_foreign_memory(first, shape, strides, dtype, Device::cuda(device), read_only,
                             std::move(owner), op);
}

}  // namespace tensorbridge::python
