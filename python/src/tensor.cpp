// tensorbridge.Tensor: metadata, element access, dtype conversions, copies, fills and views,
// with PyTorch's names and signatures.
#include <algorithm>
#include <complex>
#include <cstring>
#include <string>
#include <vector>

#include "bindings.hpp"

namespace tensorbridge::python {

namespace {

// Returns `self` itself when `result` is the same tensor (PyTorch: x.float() is x for a float
// tensor), a new Python tensor otherwise.
py::object self_or_new(py::handle self, TensorBase result) {
  if (result.is_same(tensor_of(self))) return py::reinterpret_borrow<py::object>(self);
  return py::cast(std::move(result));
}

template <typename T>
PyObject* element_to_py(const char* p) {
  T v;
  std::memcpy(&v, p, sizeof(T));
  if constexpr (std::is_same_v<T, bool>) {
    return PyBool_FromLong(v ? 1 : 0);
  } else if constexpr (std::is_integral_v<T> && std::is_signed_v<T>) {
    return PyLong_FromLongLong(v);
  } else if constexpr (std::is_integral_v<T>) {
    return PyLong_FromUnsignedLongLong(v);
  } else if constexpr (std::is_same_v<T, complex64> || std::is_same_v<T, complex128>) {
    return PyComplex_FromDoubles(static_cast<double>(v.real()), static_cast<double>(v.imag()));
  } else {
    return PyFloat_FromDouble(static_cast<double>(v));
  }
}

py::object element_object(DType dtype, const char* p) {
  PyObject* obj = visit_dtype(dtype, [&](auto tag) {
    return element_to_py<typename decltype(tag)::type>(p);
  });
  if (!obj) throw py::error_already_set();
  return py::reinterpret_steal<py::object>(obj);
}

py::object list_from(const TensorBase& t, std::size_t dim, const char* p,
                     const std::vector<int64_t>& byte_strides) {
  if (dim == t.shape().size()) return element_object(t.dtype(), p);
  const int64_t n = t.shape()[dim];
  py::list out(static_cast<std::size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    out[static_cast<std::size_t>(i)] = list_from(t, dim + 1, p + i * byte_strides[dim], byte_strides);
  }
  return std::move(out);
}

void check_host(const TensorBase& t, const char* op) {
  TB_CHECK(t.device().is_cpu(), DeviceError, op, ": needs a CPU tensor, got device ", t.device(),
           " (shape ", shape_str(t.shape()), ", dtype ", t.dtype(), ")");
}

py::object item(const TensorBase& t) {
  TB_CHECK(t.numel() == 1, ValueError, "item: a Tensor with ", t.numel(),
           " elements cannot be converted to Scalar (shape ", shape_str(t.shape()), ")");
  check_host(t, "item");
  return element_object(t.dtype(), static_cast<const char*>(t.data_ptr()));
}

py::object tolist(const TensorBase& t) {
  check_host(t, "tolist");
  return list_from(t, 0, static_cast<const char*>(t.data_ptr()), t.byte_strides());
}

// x.to(dtype), x.to(device), x.to(device, dtype), x.to(other), with keywords dtype=,
// device=, copy=, non_blocking= (ignored: CPU copies are synchronous).
py::object to(py::handle self, const py::args& args, const py::kwargs& kwargs) {
  const TensorBase& t = tensor_of(self);
  std::optional<DType> dtype;
  std::optional<Device> device;
  bool copy = false;
  bool non_blocking = false;
  for (py::handle a : args) {
    if (py::isinstance<TensorBase>(a)) {
      dtype = tensor_of(a).dtype();
      device = tensor_of(a).device();
    } else if (py::isinstance<py::str>(a) || py::isinstance<Device>(a)) {
      device = device_arg(a, "to");
    } else {
      dtype = dtype_arg(a, "to");
    }
  }
  for (auto [key, value] : kwargs) {
    const auto name = key.cast<std::string>();
    if (name == "dtype") {
      if (!value.is_none()) dtype = dtype_arg(value, "to");
    } else if (name == "device") {
      if (!value.is_none()) device = device_arg(value, "to");
    } else if (name == "copy") {
      copy = value.cast<bool>();
    } else if (name == "non_blocking") {
      non_blocking = value.cast<bool>();
    } else {
      throw py::type_error("to() got an unexpected keyword argument '" + name + "'");
    }
  }
  if (!device || (device->is_cpu() && t.device().is_cpu())) {
    return self_or_new(self, t.to(dtype.value_or(t.dtype()), copy));
  }
  check_device_available(*device, "to");
  return self_or_new(self, t.to(*device, dtype.value_or(t.dtype()), non_blocking, copy));
}

std::vector<int64_t> int_list(py::handle obj, const char* op) {
  if (PyIndex_Check(obj.ptr())) return {py::cast<int64_t>(obj)};
  return shape_arg(obj, op);
}

// dims given as f(0, 1), f((0, 1)) or f([0, 1]).
std::vector<int64_t> dims_args(const py::args& args, const char* op) {
  return args.size() == 1 ? int_list(args[0], op) : shape_args(args, op);
}

TensorBase squeeze(const TensorBase& t, py::handle dim) {
  if (dim.is_none()) return t.squeeze();
  std::vector<int64_t> dims = int_list(dim, "squeeze");
  for (int64_t& d : dims) d = wrap_dim(d, t.dim(), "squeeze");
  std::sort(dims.rbegin(), dims.rend());  // from the back, so earlier indices stay valid
  TensorBase out = t.alias();
  for (int64_t d : dims) out = out.squeeze(d);
  return out;
}

// torch.movedim with ints or sequences: the named dims go to their destinations, the others
// keep their order in the remaining places.
TensorBase movedim(const TensorBase& t, py::handle source, py::handle destination) {
  std::vector<int64_t> src = int_list(source, "movedim");
  std::vector<int64_t> dst = int_list(destination, "movedim");
  TB_CHECK(src.size() == dst.size(), ValueError, "movedim: Invalid source or destination dims: source (",
           shape_str(src), " dims) should contain the same number of dims as destination (",
           shape_str(dst), " dims)");
  const int64_t n = t.dim();
  std::vector<int64_t> order(static_cast<std::size_t>(n), -1);
  std::vector<bool> used(static_cast<std::size_t>(n), false);
  for (std::size_t i = 0; i < src.size(); ++i) {
    const int64_t s = wrap_dim(src[i], n, "movedim");
    const int64_t d = wrap_dim(dst[i], n, "movedim");
    TB_CHECK(order[d] == -1 && !used[s], ValueError, "movedim: repeated dim in source ",
             shape_str(src), " or destination ", shape_str(dst));
    order[d] = s;
    used[s] = true;
  }
  int64_t next = 0;
  for (int64_t& o : order) {
    if (o != -1) continue;
    while (used[next]) ++next;
    o = next;
    used[next] = true;
  }
  return t.permute(order);
}

TensorBase reverse_dims(const TensorBase& t) {
  std::vector<int64_t> order(static_cast<std::size_t>(t.dim()));
  for (int64_t i = 0; i < t.dim(); ++i) order[i] = t.dim() - 1 - i;
  return t.permute(order);
}

Scalar fill_value(py::handle value, const char* op) {
  if (py::isinstance<TensorBase>(value)) {
    const TensorBase& v = tensor_of(value);
    TB_CHECK(v.dim() == 0, ValueError, op, " only supports a 0-dimension value tensor, but got tensor with ",
             v.dim(), " dimension(s)");
    return v.item();
  }
  std::optional<Scalar> s = scalar_arg(value);
  TB_CHECK(s.has_value(), TypeError, op, ": expected a number, got ", Py_TYPE(value.ptr())->tp_name);
  return *s;
}

}  // namespace

void bind_tensor(py::module_& /*m*/, TensorClass& cls) {
  // ---- metadata ----------------------------------------------------------------------------
  cls.def_property_readonly("shape", [](const TensorBase& t) { return size_object(t.shape()); })
      .def("size",
           [](const TensorBase& t, py::handle dim) -> py::object {
             if (dim.is_none()) return size_object(t.shape());
             return py::int_(t.size(dim.cast<int64_t>()));
           },
           py::arg("dim") = py::none())
      .def("stride",
           [](const TensorBase& t, py::handle dim) -> py::object {
             if (dim.is_none()) return py::tuple(py::cast(t.strides()));
             return py::int_(t.stride(dim.cast<int64_t>()));
           },
           py::arg("dim") = py::none())
      .def_property_readonly("dtype", [](const TensorBase& t) { return dtype_object(t.dtype()); })
      .def_property_readonly("device", [](const TensorBase& t) { return device_object(t.device()); })
      .def_property_readonly("is_cpu", [](const TensorBase& t) { return t.device().is_cpu(); })
      .def_property_readonly("is_cuda", [](const TensorBase& t) { return t.device().is_cuda(); })
      .def_property_readonly("ndim", &TensorBase::dim)
      .def("dim", &TensorBase::dim)
      .def("ndimension", &TensorBase::dim)
      .def("numel", &TensorBase::numel)
      .def("nelement", &TensorBase::numel)
      .def("element_size", &TensorBase::element_size)
      .def_property_readonly("itemsize", &TensorBase::element_size)
      .def_property_readonly("nbytes", &TensorBase::nbytes)
      .def("data_ptr", [](const TensorBase& t) { return reinterpret_cast<uintptr_t>(t.data_ptr()); })
      .def("storage_offset", &TensorBase::storage_offset)
      .def("is_contiguous", &TensorBase::is_contiguous)
      .def("is_floating_point", [](const TensorBase& t) { return is_floating_point(t.dtype()); })
      .def("is_complex", [](const TensorBase& t) { return is_complex(t.dtype()); })
      .def("is_signed", [](const TensorBase& t) { return is_signed(t.dtype()); })
      .def_property_readonly("is_read_only", &TensorBase::is_read_only,
                             "True when the memory may not be written (it came read-only from "
                             "NumPy, JAX or a DLPack producer)")
      .def_property_readonly("_version", &TensorBase::version);

  // ---- Python protocols --------------------------------------------------------------------
  cls.def("__repr__", [](const TensorBase& t) { return format_tensor(t, autograd_repr_suffixes(t)); })
      .def("__len__",
           [](const TensorBase& t) {
             TB_CHECK(t.dim() > 0, TypeError, "len() of a 0-d tensor");
             return t.size(0);
           })
      .def("__iter__",
           [](const TensorBase& t) {
             TB_CHECK(t.dim() > 0, TypeError, "iteration over a 0-d tensor");
             py::list rows(static_cast<std::size_t>(t.size(0)));
             for (int64_t i = 0; i < t.size(0); ++i) rows[static_cast<std::size_t>(i)] = py::cast(t.select(0, i));
             return rows.attr("__iter__")();
           })
      .def("__bool__",
           [](const TensorBase& t) {
             TB_CHECK(t.numel() == 1, Error, "Boolean value of Tensor with ",
                      t.numel() == 0 ? "no values" : "more than one value", " is ambiguous");
             return item(t).cast<bool>();
           })
      .def("__int__", [](const TensorBase& t) { return py::int_(item(t)); })
      .def("__float__", [](const TensorBase& t) { return py::float_(item(t)); })
      .def("__complex__", [](const TensorBase& t) {
        return py::reinterpret_steal<py::object>(PyComplex_FromCComplex(
            PyComplex_AsCComplex(item(t).ptr())));
      })
      .def("__index__", [](const TensorBase& t) {
        TB_CHECK(is_integral(t.dtype(), true) && t.numel() == 1, TypeError,
                 "only integer tensors of a single element can be converted to an index (got shape ",
                 shape_str(t.shape()), ", dtype ", t.dtype(), ")");
        return py::int_(item(t));
      });

  // ---- values ------------------------------------------------------------------------------
  cls.def("item", &item)
      .def("tolist", &tolist)
      .def("contiguous", [](py::handle self) { return self_or_new(self, tensor_of(self).contiguous()); })
      .def("clone", &TensorBase::clone)
      .def("fill_",
           [](py::handle self, py::handle value) {
             tensor_of(self).fill_(fill_value(value, "fill_"));
             return self;
           },
           py::arg("value"))
      .def("zero_",
           [](py::handle self) {
             tensor_of(self).zero_();
             return self;
           })
      .def("copy_",
           [](py::handle self, py::handle src, bool non_blocking) {
             const TensorBase& dst = tensor_of(self);
             dst.copy_(as_tensor(src, std::nullopt, "copy_"), non_blocking);
             return self;
           },
           py::arg("src"), py::arg("non_blocking") = false)
      .def("to", &to)
      // PyTorch's t.cuda(device=None, non_blocking=False) and t.cpu() (core/device_copy.hpp).
      .def("cuda",
           [](py::handle self, py::handle device, bool non_blocking) {
             const TensorBase& t = tensor_of(self);
             int index = -1;  // the current device
             if (!device.is_none()) {
               const Device d = PyIndex_Check(device.ptr()) ? Device::cuda(device.cast<int>())
                                                            : device_arg(device, "cuda");
               TB_CHECK(d.is_cuda(), DeviceError, "cuda: expected a CUDA device, got ", d);
               index = d.index();
             }
             TB_CHECK(tensorbridge::detail::device_hooks != nullptr, DeviceError,
                      "cuda: cannot move a tensor of shape ", shape_str(t.shape()),
                      " to a GPU: this build of tensorbridge has no CUDA support "
                      "(tensorbridge.cuda.is_available() is False)");
             check_device_available(Device::cuda(index < 0 ? 0 : index), "cuda");
             return self_or_new(self, t.cuda(index, non_blocking));
           },
           py::arg("device") = py::none(), py::arg("non_blocking") = false)
      .def("cpu", [](py::handle self) { return self_or_new(self, tensor_of(self).cpu()); });

  struct Cast {
    const char* name;
    DType dtype;
  };
  static constexpr Cast kCasts[] = {
      {"float", DType::Float32}, {"double", DType::Float64}, {"half", DType::Float16},
      {"bfloat16", DType::BFloat16}, {"int", DType::Int32}, {"long", DType::Int64},
      {"short", DType::Int16}, {"char", DType::Int8}, {"byte", DType::UInt8},
      {"bool", DType::Bool}, {"cfloat", DType::Complex64}, {"cdouble", DType::Complex128},
  };
  for (const Cast& c : kCasts) {
    const DType dtype = c.dtype;
    cls.def(c.name, [dtype](py::handle self) { return self_or_new(self, tensor_of(self).to(dtype)); });
  }

  // ---- views -------------------------------------------------------------------------------
  cls.def("view", [](const TensorBase& t, const py::args& shape) { return t.view(shape_args(shape, "view")); })
      .def("view_as", [](const TensorBase& t, const TensorBase& other) { return t.view(other.shape()); })
      .def("reshape", [](const TensorBase& t, const py::args& shape) {
        return t.reshape(shape_args(shape, "reshape"));
      })
      .def("reshape_as", [](const TensorBase& t, const TensorBase& other) { return t.reshape(other.shape()); })
      .def("transpose", &TensorBase::transpose, py::arg("dim0"), py::arg("dim1"))
      .def("swapaxes", &TensorBase::transpose, py::arg("axis0"), py::arg("axis1"))
      .def("swapdims", &TensorBase::transpose, py::arg("dim0"), py::arg("dim1"))
      .def("permute", [](const TensorBase& t, const py::args& dims) {
        return t.permute(dims_args(dims, "permute"));
      })
      .def("t", &TensorBase::t)
      .def_property_readonly("T", &reverse_dims)
      .def_property_readonly("mT", &TensorBase::mT)
      .def("flatten", &TensorBase::flatten, py::arg("start_dim") = 0, py::arg("end_dim") = -1)
      .def("unflatten",
           [](const TensorBase& t, int64_t dim, py::handle sizes) {
             return t.unflatten(dim, shape_arg(sizes, "unflatten"));
           },
           py::arg("dim"), py::arg("sizes"))
      .def("squeeze", &squeeze, py::arg("dim") = py::none())
      .def("unsqueeze", &TensorBase::unsqueeze, py::arg("dim"))
      .def("expand", [](const TensorBase& t, const py::args& sizes) { return t.expand(shape_args(sizes, "expand")); })
      .def("expand_as", &TensorBase::expand_as, py::arg("other"))
      .def("broadcast_to",
           [](const TensorBase& t, py::handle shape) { return t.expand(shape_arg(shape, "broadcast_to")); },
           py::arg("size"))
      .def("flip", [](const TensorBase& t, const py::args& dims) { return t.flip(dims_args(dims, "flip")); })
      .def("narrow", &TensorBase::narrow, py::arg("dim"), py::arg("start"), py::arg("length"))
      .def("select", &TensorBase::select, py::arg("dim"), py::arg("index"))
      .def("diagonal", &TensorBase::diagonal, py::arg("offset") = 0, py::arg("dim1") = 0,
           py::arg("dim2") = 1)
      .def("as_strided",
           [](const TensorBase& t, py::handle size, py::handle stride, std::optional<int64_t> offset) {
             return t.as_strided(shape_arg(size, "as_strided"), shape_arg(stride, "as_strided"), offset);
           },
           py::arg("size"), py::arg("stride"), py::arg("storage_offset") = py::none())
      .def("movedim", &movedim, py::arg("source"), py::arg("destination"))
      .def("moveaxis", &movedim, py::arg("source"), py::arg("destination"));
}

}  // namespace tensorbridge::python
