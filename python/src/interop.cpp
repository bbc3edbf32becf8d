// Sharing memory with the ecosystem, both ways:
//   exports - the buffer protocol (a custom bf_getbuffer that honours every request flag),
//             __array_interface__ (v3), __array__, numpy(), __dlpack__, __dlpack_device__;
//   imports - from_numpy (buffer protocol), from_dlpack (objects and raw capsules).
// NumPy is used at run time only (numpy() and __array__ call numpy.asarray); the module is
// not compiled against NumPy's C API.
#include <pybind11/native_enum.h>

#include <string>

#include "bindings.hpp"
#include "tensorbridge/interop/pybind11_errors.hpp"
#include "tensorbridge/interop/pybind11_tensor.hpp"

namespace tensorbridge::python {

namespace {

// Python wants a non-null address even for zero bytes; any valid one will do.
void* nonnull_data(const TensorBase& t) {
  alignas(64) static char empty_anchor;
  return t.data_ptr() ? t.data_ptr() : &empty_anchor;
}

bool is_f_contiguous(const TensorBase& t) {
  if (t.numel() == 0) return true;
  int64_t expected = 1;
  for (int64_t i = 0; i < t.dim(); ++i) {
    if (t.shape()[i] == 1) continue;
    if (t.strides()[i] != expected) return false;
    expected *= t.shape()[i];
  }
  return true;
}

void check_host_memory(const TensorBase& t, const char* op) {
  TB_CHECK(t.device().is_cpu(), TypeError, op, ": can't convert ", t.device(),
           " device type tensor to numpy (shape ", shape_str(t.shape()),
           "); copy the tensor to host memory first");
}

// ---- the buffer protocol ------------------------------------------------------------------

void fill_buffer(const TensorBase& t, Py_buffer* view, int flags) {
  TB_CHECK(t.device().is_cpu(), BufferError, "buffer protocol: the tensor (shape ",
           shape_str(t.shape()), ", dtype ", t.dtype(), ") is on ", t.device(),
           "; the buffer protocol describes CPU memory only");
  TB_CHECK(!tensor_requires_grad(t), BufferError, "buffer protocol: Can't export a Tensor that "
           "requires grad (autograd would miss writes through the buffer); use tensor.detach()");
  const std::string_view format = buffer_format(t.dtype());  // BufferError for bfloat16
  TB_CHECK((flags & PyBUF_WRITABLE) != PyBUF_WRITABLE || !t.is_read_only(), BufferError,
           "buffer protocol: a writable buffer was requested but the tensor (shape ",
           shape_str(t.shape()), ", dtype ", t.dtype(), ") is read-only");
  const char* layout_needed = nullptr;
  if ((flags & PyBUF_C_CONTIGUOUS) == PyBUF_C_CONTIGUOUS) {
    if (!t.is_contiguous()) layout_needed = "a C-contiguous";
  } else if ((flags & PyBUF_F_CONTIGUOUS) == PyBUF_F_CONTIGUOUS) {
    if (!is_f_contiguous(t)) layout_needed = "a Fortran-contiguous";
  } else if ((flags & PyBUF_ANY_CONTIGUOUS) == PyBUF_ANY_CONTIGUOUS) {
    if (!t.is_contiguous() && !is_f_contiguous(t)) layout_needed = "a contiguous";
  } else if ((flags & PyBUF_STRIDES) != PyBUF_STRIDES) {
    if (!t.is_contiguous()) layout_needed = "a C-contiguous (no strides requested)";
  }
  TB_CHECK(layout_needed == nullptr, BufferError, "buffer protocol: ", layout_needed,
           " buffer was requested but the tensor of shape ", shape_str(t.shape()),
           " has strides ", shape_str(t.strides()), " (elements); call .contiguous() first");

  const auto ndim = static_cast<std::size_t>(t.dim());
  // shape and strides live in view->internal until PyBuffer_Release.
  auto* dims = ndim ? new Py_ssize_t[2 * ndim] : nullptr;
  for (std::size_t i = 0; i < ndim; ++i) {
    dims[i] = static_cast<Py_ssize_t>(t.shape()[i]);
    dims[ndim + i] = static_cast<Py_ssize_t>(t.strides()[i] * static_cast<int64_t>(t.element_size()));
  }
  view->buf = nonnull_data(t);
  view->len = static_cast<Py_ssize_t>(t.nbytes());
  view->itemsize = static_cast<Py_ssize_t>(t.element_size());
  view->readonly = t.is_read_only() ? 1 : 0;
  view->ndim = static_cast<int>(ndim);
  // format is a string literal of buffer_format, so it outlives the view.
  view->format = (flags & PyBUF_FORMAT) == PyBUF_FORMAT ? const_cast<char*>(format.data()) : nullptr;
  view->shape = (flags & PyBUF_ND) == PyBUF_ND ? dims : nullptr;
  view->strides = (flags & PyBUF_STRIDES) == PyBUF_STRIDES ? dims + ndim : nullptr;
  view->suboffsets = nullptr;
  view->internal = dims;
}

int tensor_getbuffer(PyObject* self, Py_buffer* view, int flags) {
  view->obj = nullptr;
  try {
    fill_buffer(tensor_of(self), view, flags);
  } catch (const Error& e) {
    PyErr_SetString(PyExc_BufferError, e.what());
    return -1;
  } catch (const std::exception& e) {
    PyErr_SetString(PyExc_BufferError, e.what());
    return -1;
  }
  Py_INCREF(self);
  view->obj = self;
  return 0;
}

void tensor_releasebuffer(PyObject* /*self*/, Py_buffer* view) {
  delete[] static_cast<Py_ssize_t*>(view->internal);
}

// ---- NumPy ------------------------------------------------------------------------------

py::handle numpy_asarray() {
  static PyObject* fn = py::object(py::module_::import("numpy").attr("asarray")).release().ptr();
  return fn;
}

// A NumPy array over the tensor's memory (NumPy reads it through the buffer protocol).
py::object numpy(py::handle self, bool force) {
  const TensorBase& t = tensor_of(self);
  // As PyTorch: NumPy would see the values but autograd would not see NumPy's writes.
  TB_CHECK(force || !tensor_requires_grad(t), Error,
           "Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead.");
  check_host_memory(t, "numpy");
  TB_CHECK(t.dtype() != DType::BFloat16, TypeError,
           "numpy: NumPy has no bfloat16 dtype; convert first, e.g. tensor.float().numpy()");
  // force=True: NumPy gets a detached alias (the buffer protocol refuses a tensor that
  // requires grad).
  const py::object source = tensor_requires_grad(t) ? self.attr("detach")()
                                                    : py::reinterpret_borrow<py::object>(self);
  PyObject* arr = PyObject_CallOneArg(numpy_asarray().ptr(), source.ptr());
  if (arr == nullptr) throw py::error_already_set();
  return py::reinterpret_steal<py::object>(arr);
}

// numpy.asarray(tensor) uses the buffer protocol first and reaches this only for what the
// buffer protocol refuses (bfloat16, device memory). Those have no interface: the
// AttributeError sends NumPy on to __array__, which converts when a dtype is asked for and
// otherwise says clearly why it cannot.
py::dict array_interface(const TensorBase& t) {
  if (tensor_requires_grad(t)) {  // NumPy then reaches __array__, whose error says why
    throw py::attribute_error("__array_interface__: the tensor requires grad; use tensor.detach()");
  }
  if (!t.device().is_cpu() || t.dtype() == DType::BFloat16) {
    throw py::attribute_error("__array_interface__: a " + std::string(dtype_name(t.dtype())) +
                              " tensor on " + t.device().str() +
                              " has no NumPy array interface (NumPy has no bfloat16; device "
                              "memory needs a copy to the host)");
  }
  static constexpr char kKind[] = {'b', 'i', 'i', 'i', 'i', 'u', 'u', 'u', 'u',
                                   'f', 'f', 'f', 'f', 'c', 'c'};
  const std::size_t item = t.element_size();
  const char order = item == 1 ? '|' : (tensorbridge::detail::native_is_little_endian() ? '<' : '>');
  const std::string typestr =
      std::string(1, order) + kKind[static_cast<int>(t.dtype())] + std::to_string(item);
  py::dict d;
  d["shape"] = py::tuple(py::cast(t.shape()));
  d["typestr"] = typestr;
  d["data"] = py::make_tuple(reinterpret_cast<uintptr_t>(nonnull_data(t)), t.is_read_only());
  d["strides"] = t.is_contiguous() ? py::object(py::none()) : py::object(py::tuple(py::cast(t.byte_strides())));
  d["version"] = 3;
  return d;
}

// __array__(dtype=None, copy=None), NumPy 2's signature (NumPy 1.x passes dtype only).
py::object array(py::handle self, py::handle dtype, py::handle copy) {
  const TensorBase& t = tensor_of(self);
  const bool must_copy = !copy.is_none() && copy.cast<bool>();
  const bool may_copy = copy.is_none() || must_copy;
  py::object arr;
  if (t.dtype() == DType::BFloat16) {
    TB_CHECK(!dtype.is_none(), TypeError,
             "__array__: NumPy has no bfloat16 dtype; ask for one (np.asarray(t, dtype=np.float32)) "
             "or convert first (t.float())");
    TB_CHECK(may_copy, ValueError, "__array__: converting bfloat16 needs a copy, but copy=False");
    arr = numpy(py::cast(t.to(DType::Float32)), false);
  } else {
    arr = numpy(self, false);
  }
  if (!dtype.is_none() && !py::object(arr.attr("dtype")).equal(dtype)) {
    TB_CHECK(may_copy, ValueError, "__array__: Unable to avoid copy while creating an array as requested "
             "(dtype ", py::str(dtype).cast<std::string>(), " differs from the tensor's ", t.dtype(), ")");
    return arr.attr("astype")(dtype);
  }
  if (must_copy) return arr.attr("copy")();
  return arr;
}

// ---- DLPack export ------------------------------------------------------------------------

py::object dlpack_device_tuple(Device device) {
  static PyObject* cpu = nullptr;
  if (device.is_cpu()) {
    if (cpu == nullptr) cpu = py::make_tuple(py::cast(kDLCPU), 0).release().ptr();
    return py::reinterpret_borrow<py::object>(cpu);
  }
  return py::make_tuple(py::cast(kDLCUDA), device.index());
}

// A (major, minor) or (device_type, device_id) keyword; TypeError for anything else.
std::pair<int64_t, int64_t> int_pair(py::handle obj, const char* name) {
  const bool ok = PyTuple_Check(obj.ptr()) && PyTuple_GET_SIZE(obj.ptr()) == 2 &&
                  PyIndex_Check(PyTuple_GET_ITEM(obj.ptr(), 0)) &&
                  PyIndex_Check(PyTuple_GET_ITEM(obj.ptr(), 1));
  TB_CHECK(ok, TypeError, "__dlpack__: ", name, " must be a tuple of two integers, got ",
           py::repr(obj).cast<std::string>());
  const long long first = PyLong_AsLongLong(PyTuple_GET_ITEM(obj.ptr(), 0));
  const long long second = PyLong_AsLongLong(PyTuple_GET_ITEM(obj.ptr(), 1));
  if (PyErr_Occurred()) throw py::error_already_set();
  return {first, second};
}

// The stream= argument of __dlpack__: None or an integer.
std::optional<int64_t> stream_arg(py::handle stream) {
  if (stream.is_none()) return std::nullopt;
  TB_CHECK(PyIndex_Check(stream.ptr()), TypeError, "__dlpack__: stream must be None or an integer, got ",
           py::repr(stream).cast<std::string>());
  return stream.cast<int64_t>();
}

// __dlpack__(*, stream=None, max_version=None, dl_device=None, copy=None), per the array API.
// A CUDA tensor asked for dl_device=(kDLCPU, 0) is copied to the host unless copy=False.
py::object dlpack(const TensorBase& t, py::handle stream, py::handle max_version,
                  py::handle dl_device, py::handle copy) {
  const std::optional<int64_t> consumer_stream = stream_arg(stream);
  if (t.device().is_cpu()) {
    TB_CHECK(!consumer_stream, ValueError, "__dlpack__: stream must be None for a CPU tensor, got ",
             py::repr(stream).cast<std::string>());
  }
  bool versioned = false;
  if (!max_version.is_none()) {
    versioned = int_pair(max_version, "max_version").first >= 1;  // a consumer that speaks 1.x (or newer) gets 1.x
  }
  TB_CHECK(!tensor_requires_grad(t), BufferError,
           "__dlpack__: Can't export tensors that require gradient, use tensor.detach()");
  const bool must_copy = !copy.is_none() && copy.cast<bool>();
  const bool may_copy = copy.is_none() || must_copy;
  if (!dl_device.is_none()) {
    const auto wanted = int_pair(dl_device, "dl_device");
    const DLDevice here = to_dlpack_device(t.device());
    const bool same = wanted.first == static_cast<int>(here.device_type) && wanted.second == here.device_id;
    const bool to_host = wanted.first == static_cast<int>(kDLCPU) && t.device().is_cuda();
    TB_CHECK(same || (to_host && may_copy), BufferError, "__dlpack__: cannot export a tensor on ",
             t.device(), " (DLPack device (", static_cast<int>(here.device_type), ", ", here.device_id,
             ")) to dl_device (", wanted.first, ", ", wanted.second, ")",
             to_host ? " without a copy (copy=False)" : "");
    if (!same) return to_dlpack_capsule(t.cpu(), versioned, /*copied=*/true);  // synchronous
  }
  const TensorBase exported = must_copy ? t.clone() : t;
  if (t.device().is_cuda()) {  // after the clone: the consumer must wait for it too
    tensorbridge::detail::require_device_hooks(t.device(), "__dlpack__")
        .prepare_dlpack_export(exported, consumer_stream);
  }
  return to_dlpack_capsule(exported, versioned, /*copied=*/must_copy);
}

// __dlpack__ as a METH_FASTCALL | METH_KEYWORDS C method: every consumer calls it with
// keywords, and pybind11's keyword matching would cost about a microsecond per call.
PyObject* dlpack_fastcall(PyObject* self, PyObject* const* args, Py_ssize_t nargs,
                          PyObject* kwnames) {
  static constexpr const char* kNames[] = {"stream", "max_version", "dl_device", "copy"};
  try {
    if (nargs != 0) throw py::type_error("__dlpack__() takes no positional arguments");
    PyObject* values[4] = {Py_None, Py_None, Py_None, Py_None};
    const Py_ssize_t nkw = kwnames ? PyTuple_GET_SIZE(kwnames) : 0;
    for (Py_ssize_t i = 0; i < nkw; ++i) {
      PyObject* key = PyTuple_GET_ITEM(kwnames, i);
      int k = 0;
      while (k < 4 && PyUnicode_CompareWithASCIIString(key, kNames[k]) != 0) ++k;
      if (k == 4) {
        throw py::type_error("__dlpack__() got an unexpected keyword argument '" +
                             py::str(key).cast<std::string>() + "'");
      }
      values[k] = args[i];
    }
    return dlpack(tensor_of(self), values[0], values[1], values[2], values[3]).release().ptr();
  } catch (py::error_already_set& e) {
    e.restore();
  } catch (const py::builtin_exception& e) {
    e.set_error();
  } catch (const Error&) {
    translate_exception(std::current_exception());
  } catch (const std::exception& e) {
    PyErr_SetString(PyExc_RuntimeError, e.what());
  }
  return nullptr;
}

PyMethodDef g_dlpack_method = {
    "__dlpack__",
    reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(&dlpack_fastcall)),
    METH_FASTCALL | METH_KEYWORDS,
    "__dlpack__($self, /, *, stream=None, max_version=None, dl_device=None, copy=None)\n--\n\n"
    "A DLPack capsule sharing this tensor's memory: versioned when max_version >= (1, 0),\n"
    "legacy otherwise (legacy refuses read-only tensors with BufferError)."};

}  // namespace

std::optional<TensorBase> import_array(py::handle obj, const char* op) {
  return import_tensor(obj, op);
}

void bind_interop(py::module_& m, TensorClass& cls) {
  // pybind11 made the type with py::buffer_protocol(); its slots are replaced by ours, which
  // honour every request flag and need no allocation beyond shape and strides.
  auto* type = reinterpret_cast<PyTypeObject*>(cls.ptr());
  type->tp_as_buffer->bf_getbuffer = &tensor_getbuffer;
  type->tp_as_buffer->bf_releasebuffer = &tensor_releasebuffer;

  py::object dlpack_method = py::reinterpret_steal<py::object>(PyDescr_NewMethod(type, &g_dlpack_method));
  if (!dlpack_method) throw py::error_already_set();
  cls.attr("__dlpack__") = dlpack_method;

  py::native_enum<DLDeviceType>(m, "DLDeviceType", "enum.IntEnum",
                                "DLPack device types, as returned by __dlpack_device__")
      .value("kDLCPU", kDLCPU)
      .value("kDLCUDA", kDLCUDA)
      .value("kDLCUDAHost", kDLCUDAHost)
      .value("kDLOpenCL", kDLOpenCL)
      .value("kDLVulkan", kDLVulkan)
      .value("kDLMetal", kDLMetal)
      .value("kDLVPI", kDLVPI)
      .value("kDLROCM", kDLROCM)
      .value("kDLROCMHost", kDLROCMHost)
      .value("kDLExtDev", kDLExtDev)
      .value("kDLCUDAManaged", kDLCUDAManaged)
      .value("kDLOneAPI", kDLOneAPI)
      .value("kDLWebGPU", kDLWebGPU)
      .value("kDLHexagon", kDLHexagon)
      .value("kDLMAIA", kDLMAIA)
      .value("kDLTrn", kDLTrn)
      .finalize();

  cls.def("numpy", &numpy, py::kw_only(), py::arg("force") = false,
          "A NumPy array sharing this tensor's memory (read-only if the tensor is).")
      .def_property_readonly("__array_interface__", &array_interface)
      .def("__array__", &array, py::arg("dtype") = py::none(), py::kw_only(),
           py::arg("copy") = py::none())
      .def("__dlpack_device__", [](const TensorBase& t) { return dlpack_device_tuple(t.device()); });

  m.def(
      "from_numpy",
      [](py::handle array) { return from_buffer(array, "from_numpy"); },
      py::arg("ndarray"),
      "A tensor sharing the memory of a NumPy array (any strides; read-only stays read-only).\n"
      "Accepts any object exporting the buffer protocol. TypeError for dtypes tensorbridge\n"
      "lacks (object, structured, datetime, byte-swapped, long double).");
  m.def(
      "from_dlpack",
      [](py::handle obj, py::handle device, py::handle copy) {
        DLPackRequest request;
        if (!device.is_none()) request.dl_device = to_dlpack_device(device_arg(device, "from_dlpack"));
        if (!copy.is_none()) request.copy = copy.cast<bool>();
        return from_dlpack_object(obj, request, "from_dlpack");
      },
      py::arg("ext_tensor"), py::kw_only(), py::arg("device") = py::none(),
      py::arg("copy") = py::none(),
      "A tensor sharing the memory of an object with __dlpack__ (or of a raw DLPack capsule).\n"
      "copy=True asks the producer for a copy; copy=False forbids one.");
}

}  // namespace tensorbridge::python
