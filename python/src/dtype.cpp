// tensorbridge.dtype objects (tensorbridge.float32, ... and PyTorch's aliases), the default
// dtype, and tensorbridge.device.
#include <array>
#include <string>

#include "bindings.hpp"
#include "tensorbridge/core/device_hooks.hpp"

namespace tensorbridge::python {

namespace {

// The Python face of a DType. Instances are singletons made at import, so `is` and `==`
// compare them, as for torch.dtype.
struct PyDType {
  DType value;
};

std::array<PyObject*, kNumDTypes> g_dtype_objects{};  // immortal: referenced by the module
DType g_default_dtype = DType::Float32;

struct Alias {
  const char* name;
  DType dtype;
};
// PyTorch's alternative names.
constexpr Alias kAliases[] = {
    {"float", DType::Float32}, {"double", DType::Float64}, {"half", DType::Float16},
    {"cfloat", DType::Complex64}, {"cdouble", DType::Complex128}, {"long", DType::Int64},
    {"int", DType::Int32},      {"short", DType::Int16},     {"bool", DType::Bool},
};

std::string device_repr(Device d) {
  if (d.is_cpu()) return "device(type='cpu')";
  return "device(type='cuda', index=" + std::to_string(d.index()) + ")";
}

Device parse_device(py::handle obj, py::handle index, const char* op) {
  Device device;
  if (py::isinstance<Device>(obj)) {
    device = obj.cast<Device>();
  } else if (py::isinstance<py::str>(obj)) {
    const auto spec = obj.cast<std::string>();
    device = Device(spec);
    // "cuda" without an index is the current device, as in PyTorch. It stays index 0 in a
    // build without CUDA or on a machine without a GPU, where using it raises the error
    // that says why.
    const auto* hooks = tensorbridge::detail::device_hooks;
    if (device.is_cuda() && spec.find(':') == std::string::npos && hooks != nullptr) {
      try {
        device = Device::cuda(hooks->current_device());
      } catch (const Error&) {
      }
    }
  } else {
    TB_THROW(TypeError, op, ": expected a device (tensorbridge.device or a string such as 'cpu'), got ",
             Py_TYPE(obj.ptr())->tp_name);
  }
  if (!index.is_none()) {
    const auto i = index.cast<int>();
    TB_CHECK(device.is_cuda() || i == 0, ValueError, op, ": the CPU device has only index 0, got ", i);
    TB_CHECK(i >= 0, ValueError, op, ": device index must be non-negative, got ", i);
    device = Device(device.type(), i);
  }
  return device;
}

}  // namespace

py::handle dtype_object(DType dtype) { return g_dtype_objects[static_cast<int>(dtype)]; }

std::optional<DType> optional_dtype_arg(py::handle obj, const char* op) {
  if (obj.is_none()) return std::nullopt;
  for (int i = 0; i < kNumDTypes; ++i) {
    if (obj.ptr() == g_dtype_objects[i]) return static_cast<DType>(i);
  }
  TB_THROW(TypeError, op, ": expected a tensorbridge dtype such as tensorbridge.float32, got ",
           py::repr(obj).cast<std::string>(), " (", Py_TYPE(obj.ptr())->tp_name, ")");
}

DType dtype_arg(py::handle obj, const char* op) {
  const std::optional<DType> d = optional_dtype_arg(obj, op);
  TB_CHECK(d.has_value(), TypeError, op, ": expected a tensorbridge dtype, got None");
  return *d;
}

DType default_dtype() { return g_default_dtype; }

DType default_complex_dtype() {
  return g_default_dtype == DType::Float64 ? DType::Complex128 : DType::Complex64;
}

Device device_arg(py::handle obj, const char* op) {
  if (obj.is_none()) return Device::cpu();
  return parse_device(obj, py::none(), op);
}

py::object device_object(Device device) { return py::cast(device); }

void bind_dtypes(py::module_& m) {
  py::class_<PyDType>(m, "dtype", "An element type: tensorbridge.float32, tensorbridge.int64, ...")
      .def_property_readonly("is_floating_point",
                             [](const PyDType& d) { return is_floating_point(d.value); })
      .def_property_readonly("is_complex", [](const PyDType& d) { return is_complex(d.value); })
      .def_property_readonly("is_signed", [](const PyDType& d) { return is_signed(d.value); })
      .def_property_readonly("itemsize", [](const PyDType& d) { return itemsize(d.value); })
      .def("__repr__",
           [](const PyDType& d) { return "tensorbridge." + std::string(dtype_name(d.value)); })
      // Pickles by name: unpickling finds the same singleton in this module.
      .def("__reduce__", [](const PyDType& d) { return std::string(dtype_name(d.value)); });

  for (int i = 0; i < kNumDTypes; ++i) {
    const auto d = static_cast<DType>(i);
    py::object obj = py::cast(PyDType{d});
    m.attr(std::string(dtype_name(d)).c_str()) = obj;
    g_dtype_objects[i] = obj.release().ptr();  // kept for the life of the process
  }
  for (const Alias& a : kAliases) m.attr(a.name) = dtype_object(a.dtype);

  m.def(
      "set_default_dtype",
      [](py::handle d) {
        const DType dtype = dtype_arg(d, "set_default_dtype");
        TB_CHECK(dtype == DType::Float32 || dtype == DType::Float64 || dtype == DType::Float16 ||
                     dtype == DType::BFloat16,
                 TypeError, "set_default_dtype: only floating-point types are supported as the "
                 "default type, got ", dtype);
        g_default_dtype = dtype;
        print_options().default_dtype = dtype;  // reprs omit the default dtype, as in PyTorch
      },
      py::arg("d"), "Sets the dtype that Python floats and the factories default to.");
  m.def("get_default_dtype", [] { return dtype_object(g_default_dtype); },
        "The dtype that Python floats and the factories default to (float32 at start).");

  py::class_<Device>(m, "device", "Where a tensor's memory lives: device('cpu'), device('cuda', 0)")
      .def(py::init([](py::handle spec, py::handle index) {
             return parse_device(spec, index, "device");
           }),
           py::arg("type"), py::arg("index") = py::none())
      .def_property_readonly("type", [](Device d) { return d.is_cpu() ? "cpu" : "cuda"; })
      .def_property_readonly("index", [](Device d) -> py::object {
        if (d.is_cpu()) return py::none();
        return py::int_(d.index());
      })
      .def("__repr__", &device_repr)
      .def("__str__", &Device::str)
      .def("__eq__",
           [](Device a, py::handle b) { return py::isinstance<Device>(b) && a == b.cast<Device>(); })
      .def("__hash__", [](Device d) {
        return py::hash(py::make_tuple(static_cast<int>(d.type()), d.index()));
      })
      .def("__reduce__", [](Device d) {
        return py::make_tuple(py::module_::import("tensorbridge").attr("device"),
                              py::make_tuple(d.str()));
      });
}

}  // namespace tensorbridge::python
