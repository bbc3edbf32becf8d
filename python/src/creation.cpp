// Making tensors from Python: tensor() with PyTorch's dtype inference, as_tensor(), the
// factories (zeros, ones, empty, full, arange, linspace, eye, *_like), and the conversions
// from Python numbers and shapes that the other parts share.
#include <cmath>
#include <cstring>
#include <string>
#include <unordered_map>
#include <vector>

#include "bindings.hpp"

namespace tensorbridge::python {

namespace {

// bool, int, float, complex and their subclasses, except those that carry a dtype of their
// own through the buffer protocol (NumPy's float64 and complex128 scalars).
bool is_python_number(py::handle obj) {
  PyObject* p = obj.ptr();
  if (PyBool_Check(p) || PyLong_CheckExact(p) || PyFloat_CheckExact(p) || PyComplex_CheckExact(p)) {
    return true;
  }
  return (PyLong_Check(p) || PyFloat_Check(p) || PyComplex_Check(p)) && !PyObject_CheckBuffer(p);
}

Scalar python_number(py::handle obj) {
  PyObject* p = obj.ptr();
  if (PyBool_Check(p)) return Scalar(p == Py_True);
  if (PyLong_Check(p)) {
    int overflow = 0;
    const long long v = PyLong_AsLongLongAndOverflow(p, &overflow);
    if (overflow == 0) {
      if (v == -1 && PyErr_Occurred()) throw py::error_already_set();
      return Scalar(static_cast<int64_t>(v));
    }
    if (overflow > 0) {
      const unsigned long long u = PyLong_AsUnsignedLongLong(p);
      if (!PyErr_Occurred()) return Scalar(static_cast<uint64_t>(u));
      PyErr_Clear();
    }
    throw py::value_error("Overflow when unpacking long: " + py::repr(obj).cast<std::string>() +
                          " does not fit in 64 bits");
  }
  if (PyFloat_Check(p)) return Scalar(PyFloat_AS_DOUBLE(p));
  const Py_complex c = PyComplex_AsCComplex(p);
  return Scalar(complex128(c.real, c.imag));
}

// ---- dtype inference for tensor() ---------------------------------------------------------

// PyTorch's promotion of two dtypes (the lattice of torch.promote_types): the smallest dtype of
// the higher category (bool < integer < floating < complex) that holds both.
DType promote(DType a, DType b) {
  if (a == b) return a;
  const DTypeKind ka = dtype_kind(a), kb = dtype_kind(b);
  auto rank = [](DTypeKind k) {
    return k == DTypeKind::Bool ? 0 : k == DTypeKind::Complex ? 3 : k == DTypeKind::Float ? 2 : 1;
  };
  if (rank(ka) != rank(kb)) {
    const DType hi = rank(ka) > rank(kb) ? a : b;
    const DType lo = hi == a ? b : a;
    // A complex value must also hold the other operand's float precision.
    if (is_complex(hi) && lo == DType::Float64) return DType::Complex128;
    return hi;
  }
  const std::size_t size = std::max(itemsize(a), itemsize(b));
  switch (ka == DTypeKind::UInt && kb == DTypeKind::UInt ? 0 : rank(ka)) {
    case 0: return itemsize(a) >= itemsize(b) ? a : b;  // both unsigned
    case 1: {  // integers, at least one signed: a signed type wide enough for both
      const DType u = ka == DTypeKind::UInt ? a : kb == DTypeKind::UInt ? b : a;
      const std::size_t need =
          dtype_kind(u) == DTypeKind::UInt && itemsize(u) == size ? size * 2 : size;
      switch (need) {
        case 1: return DType::Int8;
        case 2: return DType::Int16;
        case 4: return DType::Int32;
        default: return DType::Int64;
      }
    }
    case 2:  // float16 with bfloat16 needs float32
      return size == 2 ? DType::Float32 : (itemsize(a) >= itemsize(b) ? a : b);
    default: return itemsize(a) >= itemsize(b) ? a : b;
  }
}

DType scalar_dtype(const Scalar& s) {
  switch (s.kind()) {
    case Scalar::Kind::Bool: return DType::Bool;
    case Scalar::Kind::Int: return DType::Int64;
    case Scalar::Kind::Float: return default_dtype();
    case Scalar::Kind::Complex: return default_complex_dtype();
  }
  return default_dtype();
}

bool is_nested_sequence(py::handle obj) {
  return PyList_Check(obj.ptr()) || PyTuple_Check(obj.ptr());
}

// Nested data: every leaf is a Python number, a tensor or an array-like object (whose
// dimensions extend the shape there).
class NestedData {
 public:
  explicit NestedData(const char* op) : op_(op) {}

  // The shape, by following first elements.
  Shape discover_shape(py::handle data) {
    Shape shape;
    py::handle obj = data;
    while (true) {
      if (is_nested_sequence(obj)) {
        const Py_ssize_t n = PySequence_Fast_GET_SIZE(obj.ptr());
        shape.push_back(n);
        if (n == 0) return shape;
        obj = PySequence_Fast_GET_ITEM(obj.ptr(), 0);
      } else if (!is_python_number(obj)) {
        const TensorBase t = leaf_tensor(obj);
        shape.insert(shape.end(), t.shape().begin(), t.shape().end());
        return shape;
      } else {
        return shape;
      }
    }
  }

  // The dtype PyTorch infers, checking that the data is rectangular on the way.
  DType infer_dtype(py::handle obj, const Shape& shape, std::size_t depth) {
    std::optional<DType> acc;
    visit(obj, shape, depth, [&](py::handle leaf, std::size_t) {
      const DType d = is_python_number(leaf) ? scalar_dtype(python_number(leaf))
                                             : leaf_tensor(leaf).dtype();
      acc = acc ? promote(*acc, d) : d;
    });
    return acc.value_or(default_dtype());  // no elements at all: torch.tensor([]) is float
  }

  // Writes every leaf into `out` (contiguous, of `shape`).
  void fill(py::handle obj, const TensorBase& out) {
    char* base = static_cast<char*>(out.data_ptr());
    const auto item = static_cast<int64_t>(out.element_size());
    int64_t index = 0;
    visit(obj, out.shape(), 0, [&](py::handle leaf, std::size_t depth) {
      if (is_python_number(leaf)) {
        const Scalar s = python_number(leaf);
        visit_dtype(out.dtype(), [&](auto tag) {
          using T = typename decltype(tag)::type;
          const T v = s.to<T>();
          std::memcpy(base + index * item, &v, sizeof(T));
        });
        ++index;
        return;
      }
      const Shape inner(out.shape().begin() + static_cast<std::ptrdiff_t>(depth), out.shape().end());
      const TensorBase block = out.as_strided(inner, contiguous_strides(inner), index);
      block.copy_(leaf_tensor(leaf));
      index += block.numel();
    });
  }

 private:
  // Calls fn(leaf, depth) for each leaf in row-major order; ValueError when the nesting does
  // not match `shape`.
  template <typename Fn>
  void visit(py::handle obj, const Shape& shape, std::size_t depth, Fn&& fn) {
    if (is_nested_sequence(obj)) {
      const Py_ssize_t n = PySequence_Fast_GET_SIZE(obj.ptr());
      TB_CHECK(depth < shape.size() && n == shape[depth], ValueError, op_,
               ": expected sequence of length ", depth < shape.size() ? shape[depth] : 0,
               " at dim ", depth, " (got ", n, ")");
      PyObject** items = PySequence_Fast_ITEMS(obj.ptr());
      for (Py_ssize_t i = 0; i < n; ++i) visit(items[i], shape, depth + 1, fn);
      return;
    }
    if (is_python_number(obj)) {
      TB_CHECK(depth == shape.size(), ValueError, op_, ": expected a sequence at dim ", depth,
               " (got ", type_name(obj), ")");
    } else {
      const TensorBase& t = leaf_tensor(obj);
      const Shape expected(shape.begin() + static_cast<std::ptrdiff_t>(std::min(depth, shape.size())),
                           shape.end());
      TB_CHECK(depth <= shape.size() && t.shape() == expected, ValueError, op_,
               ": expected an element of shape ", shape_str(expected), " at dim ", depth,
               " (got a ", type_name(obj), " of shape ", shape_str(t.shape()), ")");
    }
    fn(obj, depth);
  }

  // The tensor behind a non-number leaf (cached: each is imported once per call).
  const TensorBase& leaf_tensor(py::handle obj) {
    if (auto it = leaves_.find(obj.ptr()); it != leaves_.end()) return it->second;
    std::optional<TensorBase> t;
    if (py::isinstance<TensorBase>(obj)) {
      t = obj.cast<TensorBase>();
    } else if (PyUnicode_Check(obj.ptr()) || PyBytes_Check(obj.ptr())) {
      t = std::nullopt;
    } else {
      t = import_array(obj, op_);
    }
    TB_CHECK(t.has_value(), TypeError, op_, ": could not infer dtype of ", type_name(obj));
    return leaves_.emplace(obj.ptr(), std::move(*t)).first->second;
  }

  const char* op_;
  std::unordered_map<PyObject*, TensorBase> leaves_;  // references stay valid on insert
};

// Factories' dtype: the one given, or the default.
DType factory_dtype(py::handle dtype, const char* op) {
  return optional_dtype_arg(dtype, op).value_or(default_dtype());
}

TensorBase factory(py::args size, py::handle dtype, py::handle device, bool requires_grad,
                   const char* op, TensorBase (*make)(const Shape&, DType, Device)) {
  TB_CHECK(!size.empty(), TypeError, op, "() missing 1 required positional argument: 'size'");
  const Device where = device_arg(device, op);
  check_device_available(where, op);
  return with_requires_grad(make(shape_args(size, op), factory_dtype(dtype, op), where),
                            requires_grad);
}

// The dtype of full(): given, or inferred from the fill value as PyTorch does.
DType full_dtype(const Scalar& value, py::handle dtype) {
  if (std::optional<DType> d = optional_dtype_arg(dtype, "full")) return *d;
  return scalar_dtype(value);
}

Scalar number_arg(py::handle obj, const char* op) {
  std::optional<Scalar> s = scalar_arg(obj);
  TB_CHECK(s.has_value(), TypeError, op, ": expected a number, got ", type_name(obj));
  return *s;
}

double real_arg(py::handle obj, const char* op) {
  const Scalar s = number_arg(obj, op);
  TB_CHECK(!s.is_complex(), TypeError, op, ": expected a real number, got complex");
  return s.to<double>();
}

TensorBase like(const TensorBase& t, py::handle dtype, py::handle device, const char* op) {
  const Device d = device.is_none() ? t.device() : device_arg(device, op);
  check_device_available(d, op);
  return empty(t.shape(), optional_dtype_arg(dtype, op).value_or(t.dtype()), d);
}

}  // namespace

std::optional<Scalar> scalar_arg(py::handle obj) {
  if (is_python_number(obj)) return python_number(obj);
  if (py::isinstance<TensorBase>(obj)) return std::nullopt;
  // NumPy scalars and 0-d arrays export a 0-d buffer of their own dtype.
  if (PyObject_CheckBuffer(obj.ptr()) && !PyBytes_Check(obj.ptr()) && !PyByteArray_Check(obj.ptr())) {
    std::optional<TensorBase> t = import_array(obj, "scalar");
    if (t && t->dim() == 0) return t->item();
    return std::nullopt;
  }
  if (PyIndex_Check(obj.ptr())) {
    return python_number(py::reinterpret_steal<py::object>(PyNumber_Index(obj.ptr())));
  }
  return std::nullopt;
}

Shape shape_arg(py::handle seq, const char* op) {
  TB_CHECK(PySequence_Check(seq.ptr()) && !PyUnicode_Check(seq.ptr()), TypeError, op,
           ": expected a sequence of integers, got ", type_name(seq));
  Shape shape;
  for (py::handle item : py::reinterpret_borrow<py::sequence>(seq)) {
    TB_CHECK(PyIndex_Check(item.ptr()) && !PyBool_Check(item.ptr()), TypeError, op,
             ": expected a sequence of integers, got an element of type ", type_name(item));
    shape.push_back(py::cast<int64_t>(py::reinterpret_steal<py::object>(PyNumber_Index(item.ptr()))));
  }
  return shape;
}

Shape shape_args(const py::args& args, const char* op) {
  if (args.size() == 1 && !PyIndex_Check(args[0].ptr())) return shape_arg(args[0], op);
  return shape_arg(args, op);
}

py::object size_object(const Shape& shape) {
  static PyObject* size_class = nullptr;  // tensorbridge.Size, looked up once, kept forever
  if (size_class == nullptr) {
    size_class = py::object(py::module_::import("tensorbridge._size").attr("Size")).release().ptr();
  }
  py::tuple items(shape.size());
  for (std::size_t i = 0; i < shape.size(); ++i) {
    PyTuple_SET_ITEM(items.ptr(), static_cast<Py_ssize_t>(i), PyLong_FromLongLong(shape[i]));
  }
  PyObject* size = PyObject_CallOneArg(size_class, items.ptr());
  if (!size) throw py::error_already_set();
  return py::reinterpret_steal<py::object>(size);
}

TensorBase tensor_from_data(py::handle data, std::optional<DType> dtype, const char* op) {
  if (py::isinstance<TensorBase>(data)) {
    const TensorBase& t = data.cast<const TensorBase&>();
    return t.to(dtype.value_or(t.dtype()), /*copy=*/true);
  }
  if (is_python_number(data)) {
    const Scalar s = python_number(data);
    return full({}, s, dtype.value_or(scalar_dtype(s)));
  }
  if (!is_nested_sequence(data)) {
    std::optional<TensorBase> t;
    if (!PyUnicode_Check(data.ptr()) && !PyBytes_Check(data.ptr())) t = import_array(data, op);
    if (t) return t->to(dtype.value_or(t->dtype()), /*copy=*/true);
    // Other sequences (range, deque, ...) are read as lists.
    TB_CHECK(PySequence_Check(data.ptr()) && !PyUnicode_Check(data.ptr()) &&
                 !PyBytes_Check(data.ptr()),
             TypeError, op, ": could not infer dtype of ", type_name(data));
    return tensor_from_data(py::list(py::reinterpret_borrow<py::object>(data)), dtype, op);
  }
  NestedData nested(op);
  const Shape shape = nested.discover_shape(data);
  const DType out_dtype = dtype ? *dtype : nested.infer_dtype(data, shape, 0);
  TensorBase out = empty(shape, out_dtype);
  nested.fill(data, out);
  return out;
}

TensorBase as_tensor(py::handle data, std::optional<DType> dtype, const char* op) {
  std::optional<TensorBase> t;
  if (py::isinstance<TensorBase>(data)) {
    t = data.cast<TensorBase>();
  } else if (!is_python_number(data) && !is_nested_sequence(data) &&
             !PyUnicode_Check(data.ptr()) && !PyBytes_Check(data.ptr())) {
    t = import_array(data, op);
  }
  if (t) return t->to(dtype.value_or(t->dtype()));
  return tensor_from_data(data, dtype, op);
}

void bind_creation(py::module_& m) {
  m.def(
      "tensor",
      [](py::handle data, py::handle dtype, py::handle device, bool requires_grad) {
        const Device d = device_arg(device, "tensor");
        TensorBase t = tensor_from_data(data, optional_dtype_arg(dtype, "tensor"), "tensor");
        return with_requires_grad(on_device(std::move(t), d, "tensor"), requires_grad);
      },
      py::arg("data"), py::kw_only(), py::arg("dtype") = py::none(),
      py::arg("device") = py::none(), py::arg("requires_grad") = false,
      "A new tensor holding a copy of data (nested lists/tuples of numbers, arrays, tensors).\n"
      "Without dtype: ints give int64, floats the default dtype, bools bool, complex complex64;\n"
      "arrays and tensors keep their dtype.");
  m.def(
      "as_tensor",
      [](py::handle data, py::handle dtype, py::handle device) -> py::object {
        const std::optional<Device> where =
            device.is_none() ? std::nullopt : std::optional<Device>(device_arg(device, "as_tensor"));
        const std::optional<DType> d = optional_dtype_arg(dtype, "as_tensor");
        // A tensor that already fits comes back as the very same object, as in PyTorch.
        if (py::isinstance<TensorBase>(data)) {
          const auto& t = data.cast<const TensorBase&>();
          if ((!d || *d == t.dtype()) && (!where || *where == t.device())) {
            return py::reinterpret_borrow<py::object>(data);
          }
        }
        TensorBase t = as_tensor(data, d, "as_tensor");
        return py::cast(where ? on_device(std::move(t), *where, "as_tensor") : t);
      },
      py::arg("data"), py::arg("dtype") = py::none(), py::arg("device") = py::none(),
      "data as a tensor, sharing its memory when possible (tensors, NumPy arrays, buffer and\n"
      "DLPack exporters); copies only when the dtype changes or data is Python values.");

  using Make = TensorBase (*)(const Shape&, DType, Device);
  struct Factory {
    const char* name;
    Make make;
    const char* doc;
  };
  static constexpr Factory kFactories[] = {
      {"zeros", [](const Shape& s, DType d, Device dev) { return zeros(s, d, dev); },
       "A tensor of the given size filled with 0: zeros(2, 3) or zeros((2, 3))."},
      {"ones", [](const Shape& s, DType d, Device dev) { return ones(s, d, dev); },
       "A tensor of the given size filled with 1."},
      {"empty", [](const Shape& s, DType d, Device dev) { return empty(s, d, dev); },
       "An uninitialized tensor of the given size."},
  };
  for (const Factory& f : kFactories) {
    const char* name = f.name;
    const Make make = f.make;
    m.def(
        name,
        [name, make](py::args size, py::handle dtype, py::handle device, bool requires_grad) {
          return factory(std::move(size), dtype, device, requires_grad, name, make);
        },
        py::kw_only(), py::arg("dtype") = py::none(), py::arg("device") = py::none(),
        py::arg("requires_grad") = false, f.doc);
  }
  m.def(
      "full",
      [](py::handle size, py::handle fill_value, py::handle dtype, py::handle device,
         bool requires_grad) {
        const Scalar value = number_arg(fill_value, "full");
        const Device where = device_arg(device, "full");
        check_device_available(where, "full");
        return with_requires_grad(full(shape_arg(size, "full"), value, full_dtype(value, dtype), where),
                                  requires_grad);
      },
      py::arg("size"), py::arg("fill_value"), py::kw_only(), py::arg("dtype") = py::none(),
      py::arg("device") = py::none(), py::arg("requires_grad") = false,
      "A tensor of the given size filled with fill_value (dtype inferred from it if not given).");
  m.def(
      "arange",
      [](py::handle start, py::handle end, py::handle step, py::handle dtype, py::handle device,
         bool requires_grad) {
        const Device where = device_arg(device, "arange");
        if (end.is_none()) std::swap(start, end);  // arange(end)
        const py::int_ zero(0), one(1);
        if (start.is_none()) start = zero;
        if (step.is_none()) step = one;
        // All integers give int64, as in PyTorch; any float gives the default dtype.
        bool integral = true;
        for (py::handle v : {start, end, step}) integral &= number_arg(v, "arange").is_integral();
        const DType d =
            optional_dtype_arg(dtype, "arange").value_or(integral ? DType::Int64 : default_dtype());
        return with_requires_grad(
            on_device(arange(real_arg(start, "arange"), real_arg(end, "arange"), real_arg(step, "arange"), d),
                      where, "arange"),
            requires_grad);
      },
      py::arg("start"), py::arg("end") = py::none(), py::arg("step") = py::none(), py::kw_only(),
      py::arg("dtype") = py::none(), py::arg("device") = py::none(),
      py::arg("requires_grad") = false,
      "Values from start (default 0) up to end, exclusive, by step: arange(5), arange(1, 4, 0.5).");
  m.def(
      "linspace",
      [](py::handle start, py::handle end, int64_t steps, py::handle dtype, py::handle device,
         bool requires_grad) {
        const Device where = device_arg(device, "linspace");
        return with_requires_grad(on_device(linspace(real_arg(start, "linspace"), real_arg(end, "linspace"),
                                                     steps, factory_dtype(dtype, "linspace")),
                                            where, "linspace"),
                                  requires_grad);
      },
      py::arg("start"), py::arg("end"), py::arg("steps"), py::kw_only(),
      py::arg("dtype") = py::none(), py::arg("device") = py::none(),
      py::arg("requires_grad") = false, "steps evenly spaced values from start to end, inclusive.");
  m.def(
      "eye",
      [](int64_t n, std::optional<int64_t> m_cols, py::handle dtype, py::handle device,
         bool requires_grad) {
        const Device where = device_arg(device, "eye");
        return with_requires_grad(
            on_device(eye(n, m_cols.value_or(n), factory_dtype(dtype, "eye")), where, "eye"),
            requires_grad);
      },
      py::arg("n"), py::arg("m") = py::none(), py::kw_only(), py::arg("dtype") = py::none(),
      py::arg("device") = py::none(), py::arg("requires_grad") = false,
      "A 2-D tensor with ones on the diagonal and zeros elsewhere.");

  m.def(
      "empty_like",
      [](const TensorBase& t, py::handle dtype, py::handle device) {
        return like(t, dtype, device, "empty_like");
      },
      py::arg("input"), py::kw_only(), py::arg("dtype") = py::none(), py::arg("device") = py::none());
  m.def(
      "zeros_like",
      [](const TensorBase& t, py::handle dtype, py::handle device) {
        return like(t, dtype, device, "zeros_like").zero_();
      },
      py::arg("input"), py::kw_only(), py::arg("dtype") = py::none(), py::arg("device") = py::none());
  m.def(
      "ones_like",
      [](const TensorBase& t, py::handle dtype, py::handle device) {
        return like(t, dtype, device, "ones_like").fill_(Scalar(1));
      },
      py::arg("input"), py::kw_only(), py::arg("dtype") = py::none(), py::arg("device") = py::none());
  m.def(
      "full_like",
      [](const TensorBase& t, py::handle fill_value, py::handle dtype, py::handle device) {
        return like(t, dtype, device, "full_like").fill_(number_arg(fill_value, "full_like"));
      },
      py::arg("input"), py::arg("fill_value"), py::kw_only(), py::arg("dtype") = py::none(),
      py::arg("device") = py::none());
}

}  // namespace tensorbridge::python
