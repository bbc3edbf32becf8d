#pragma once
// DLPack on the Python side (dlpack docs/source/python_spec.rst, array-api __dlpack__):
//   - capsules: "dltensor_versioned" / "dltensor" made from tensors, with the destructor the
//     spec asks for (the deleter runs only for an unconsumed capsule; a pending exception
//     survives; failures are reported as unraisable);
//   - consuming a capsule: renamed to "used_*" before anything can fail, so ownership moves
//     exactly once;
//   - consuming an object: x.__dlpack__(max_version=..., dl_device=..., copy=...), falling
//     back to the legacy call when the producer rejects the keywords with TypeError.
#include <pybind11/pybind11.h>

#include <cstdint>
#include <optional>
#include <string>

#include "tensorbridge/core/device_hooks.hpp"
#include "tensorbridge/core/tensor_base.hpp"
#include "tensorbridge/interop/dlpack.hpp"

namespace tensorbridge::python {

inline constexpr const char* kCapsuleVersioned = "dltensor_versioned";
inline constexpr const char* kCapsuleVersionedUsed = "used_dltensor_versioned";
inline constexpr const char* kCapsuleLegacy = "dltensor";
inline constexpr const char* kCapsuleLegacyUsed = "used_dltensor";

namespace detail {

template <typename Managed>
void dlpack_capsule_destructor(PyObject* capsule, const char* name, const char* used_name) {
  if (PyCapsule_IsValid(capsule, used_name)) return;  // a consumer owns the tensor now
  PyObject *type, *value, *traceback;
  PyErr_Fetch(&type, &value, &traceback);
  auto* managed = static_cast<Managed*>(PyCapsule_GetPointer(capsule, name));
  if (managed == nullptr) {
    PyErr_WriteUnraisable(capsule);
  } else if (managed->deleter != nullptr) {
    managed->deleter(managed);
  }
  PyErr_Restore(type, value, traceback);
}

inline void versioned_capsule_destructor(PyObject* capsule) {
  dlpack_capsule_destructor<DLManagedTensorVersioned>(capsule, kCapsuleVersioned,
                                                      kCapsuleVersionedUsed);
}

inline void legacy_capsule_destructor(PyObject* capsule) {
  dlpack_capsule_destructor<DLManagedTensor>(capsule, kCapsuleLegacy, kCapsuleLegacyUsed);
}

template <typename Managed>
pybind11::object make_capsule(Managed* managed, const char* name, PyCapsule_Destructor destructor) {
  PyObject* capsule = PyCapsule_New(managed, name, destructor);
  if (capsule == nullptr) {
    managed->deleter(managed);  // nobody else owns it yet
    throw pybind11::error_already_set();
  }
  return pybind11::reinterpret_steal<pybind11::object>(capsule);
}

// Takes the managed tensor out of a capsule named `name` and marks the capsule consumed.
template <typename Managed>
Managed* consume_capsule(PyObject* capsule, const char* name, const char* used_name) {
  auto* managed = static_cast<Managed*>(PyCapsule_GetPointer(capsule, name));
  if (managed == nullptr || PyCapsule_SetName(capsule, used_name) != 0) {
    throw pybind11::error_already_set();
  }
  return managed;
}

}  // namespace detail

// A capsule owning a DLPack export of `t` (no copy): versioned (DLPack 1.x, READ_ONLY flag
// for read-only tensors, IS_COPIED when `copied`) or legacy (refuses read-only tensors with
// BufferError, since it cannot mark them).
inline pybind11::object to_dlpack_capsule(const TensorBase& t, bool versioned, bool copied = false) {
  if (versioned) {
    return detail::make_capsule(to_dlpack_versioned(t, copied), kCapsuleVersioned,
                                &detail::versioned_capsule_destructor);
  }
  return detail::make_capsule(to_dlpack(t), kCapsuleLegacy, &detail::legacy_capsule_destructor);
}

inline bool is_dlpack_capsule(pybind11::handle obj) { return PyCapsule_CheckExact(obj.ptr()) != 0; }

// Imports the tensor in a "dltensor_versioned" or "dltensor" capsule without copying and marks
// the capsule used. A capsule consumed before raises ValueError; any other capsule TypeError.
inline TensorBase from_dlpack_capsule(pybind11::handle capsule, const char* op = "from_dlpack") {
  PyObject* c = capsule.ptr();
  TB_CHECK(is_dlpack_capsule(capsule), TypeError, op, ": expected a DLPack capsule, got a ",
           Py_TYPE(c)->tp_name);
  if (PyCapsule_IsValid(c, kCapsuleVersioned)) {
    return from_dlpack(detail::consume_capsule<DLManagedTensorVersioned>(c, kCapsuleVersioned,
                                                                         kCapsuleVersionedUsed));
  }
  if (PyCapsule_IsValid(c, kCapsuleLegacy)) {
    return from_dlpack(
        detail::consume_capsule<DLManagedTensor>(c, kCapsuleLegacy, kCapsuleLegacyUsed));
  }
  const char* name = PyCapsule_GetName(c);
  PyErr_Clear();
  const std::string shown = name ? "'" + std::string(name) + "'" : "NULL";
  TB_CHECK(!(PyCapsule_IsValid(c, kCapsuleVersionedUsed) || PyCapsule_IsValid(c, kCapsuleLegacyUsed)),
           ValueError, op, ": the DLPack capsule was already consumed (its name is ", shown,
           "); a capsule can be consumed only once");
  TB_THROW(TypeError, op, ": expected a DLPack capsule named 'dltensor_versioned' or 'dltensor', got a capsule named ",
           shown);
}

// What a consumer asks of a producer's __dlpack__.
struct DLPackRequest {
  std::optional<DLDevice> dl_device;  // None: where the data is
  std::optional<bool> copy;           // None: copy only if needed
  // The consumer's stream for device data (1: legacy default, 2: per-thread default, else
  // a cudaStream_t; -1: no synchronization); None: not passed. from_dlpack_object fills it
  // for CUDA producers when the CUDA layer is present.
  std::optional<int64_t> stream;
};

namespace detail {

// obj.__dlpack__(max_version=(1, minor), dl_device=..., copy=...) through vectorcall (None
// for what the request leaves open: the array API's defaults), or obj.__dlpack__() for a
// legacy producer; nullptr with the Python error set on failure. All three keywords are
// always passed, as NumPy does: PyTorch answers that call twice as fast as max_version alone.
inline PyObject* call_dlpack(PyObject* obj, const DLPackRequest& request, bool legacy) {
  static PyObject* method = PyUnicode_InternFromString("__dlpack__");
  static PyObject* max_version =
      Py_BuildValue("(II)", unsigned(kDLPackMajorVersion), unsigned(kDLPackMinorVersion));
  // Interned, so that a Python producer matches them to its parameters by identity.
  static PyObject* stream_name = PyUnicode_InternFromString("stream");
  static PyObject* kwnames =
      Py_BuildValue("(NNN)", PyUnicode_InternFromString("max_version"),
                    PyUnicode_InternFromString("dl_device"), PyUnicode_InternFromString("copy"));
  static PyObject* kwnames_stream = Py_BuildValue("(ONNN)", stream_name,
      PyUnicode_InternFromString("max_version"), PyUnicode_InternFromString("dl_device"),
      PyUnicode_InternFromString("copy"));
  static PyObject* kwnames_legacy_stream = Py_BuildValue("(O)", stream_name);
  pybind11::object stream;
  if (request.stream) stream = pybind11::int_(*request.stream);
  if (legacy) {
    if (!request.stream) return PyObject_CallMethodNoArgs(obj, method);
    PyObject* args[2] = {obj, stream.ptr()};  // the legacy signature: __dlpack__(stream=None)
    return PyObject_VectorcallMethod(method, args, 1 | PY_VECTORCALL_ARGUMENTS_OFFSET,
                                     kwnames_legacy_stream);
  }
  pybind11::object device = pybind11::none();
  if (request.dl_device) {
    device = pybind11::make_tuple(static_cast<int>(request.dl_device->device_type),
                                  request.dl_device->device_id);
  }
  PyObject* copy = !request.copy ? Py_None : (*request.copy ? Py_True : Py_False);
  if (request.stream) {
    PyObject* args[5] = {obj, stream.ptr(), max_version, device.ptr(), copy};
    return PyObject_VectorcallMethod(method, args, 1 | PY_VECTORCALL_ARGUMENTS_OFFSET,
                                     kwnames_stream);
  }
  PyObject* args[4] = {obj, max_version, device.ptr(), copy};
  return PyObject_VectorcallMethod(method, args, 1 | PY_VECTORCALL_ARGUMENTS_OFFSET, kwnames);
}

// The stream= a consumer passes to a producer whose data is on a CUDA device: the current
// stream of that device, so that the producer orders its pending work before our use of
// the data. Nothing for other devices, and nothing without the CUDA layer (then no tensor
// can live on a GPU, and the import fails later with a clear DeviceError).
inline std::optional<int64_t> consumer_stream(pybind11::handle obj, const DLPackRequest& request) {
  const tensorbridge::detail::DeviceHooks* hooks = tensorbridge::detail::device_hooks;
  if (hooks == nullptr || request.stream) return request.stream;
  DLDevice where{};
  if (request.dl_device) {
    where = *request.dl_device;
  } else {
    PyObject* device = PyObject_CallMethod(obj.ptr(), "__dlpack_device__", nullptr);
    if (device == nullptr) {  // a producer without it (or a failing one): no stream
      PyErr_Clear();
      return std::nullopt;
    }
    const pybind11::object held = pybind11::reinterpret_steal<pybind11::object>(device);
    if (!PyTuple_Check(device) || PyTuple_GET_SIZE(device) != 2) return std::nullopt;
    where.device_type = static_cast<DLDeviceType>(PyLong_AsLong(PyTuple_GET_ITEM(device, 0)));
    where.device_id = static_cast<int32_t>(PyLong_AsLong(PyTuple_GET_ITEM(device, 1)));
    if (PyErr_Occurred()) {
      PyErr_Clear();
      return std::nullopt;
    }
  }
  if (where.device_type != kDLCUDA && where.device_type != kDLCUDAManaged) return std::nullopt;
  return hooks->current_stream_argument(where.device_id);
}

}  // namespace detail

// Imports an object exporting DLPack (or a raw capsule) without copying unless asked. The
// producer is called with max_version, and with dl_device/copy when requested; a producer
// that predates those keywords (TypeError) is called again without them, and the request
// is then honoured here: copy=True clones, a device it cannot meet raises BufferError.
// Raises TypeError when `obj` has no __dlpack__.
inline TensorBase from_dlpack_object(pybind11::handle obj, const DLPackRequest& request = {},
                                     const char* op = "from_dlpack") {
  bool honoured = true;
  TensorBase t;
  if (is_dlpack_capsule(obj)) {
    t = from_dlpack_capsule(obj, op);
    honoured = false;
  } else {
    DLPackRequest asked = request;
    asked.stream = detail::consumer_stream(obj, request);
    PyObject* capsule = detail::call_dlpack(obj.ptr(), asked, false);
    // Looked up only on failure: the common path makes one attribute lookup, not two.
    if (capsule == nullptr && PyErr_ExceptionMatches(PyExc_AttributeError)) {
      pybind11::error_already_set error;  // fetched, so that hasattr may run
      TB_CHECK(pybind11::hasattr(obj, "__dlpack__"), TypeError, op, ": a ",
               Py_TYPE(obj.ptr())->tp_name, " does not support DLPack (no __dlpack__ method)");
      throw error;
    }
    if (capsule == nullptr && PyErr_ExceptionMatches(PyExc_TypeError)) {
      PyErr_Clear();
      capsule = detail::call_dlpack(obj.ptr(), asked, true);
      honoured = false;
    }
    if (capsule == nullptr) throw pybind11::error_already_set();
    t = from_dlpack_capsule(pybind11::reinterpret_steal<pybind11::object>(capsule), op);
  }
  if (!honoured) {
    if (request.dl_device) {
      const Device wanted = device_from_dlpack(*request.dl_device, op);
      TB_CHECK(wanted == t.device(), BufferError, op, ": the producer's data is on ", t.device(),
               " and it cannot move it to ", wanted);
    }
    if (request.copy.value_or(false)) t = t.clone();
  }
  return t;
}

}  // namespace tensorbridge::python
