// Python indexing. Basic keys (t[i], t[a:b:c] with any step, t[None], t[...] and tuples of
// them) give views; t[key] = value writes through such a view.
//
// Advanced keys (integer tensors, lists or NumPy arrays, and boolean masks, mixed with the
// basic items) follow PyTorch, which follows NumPy: the basic items make a view first (ints
// select, so they do not count as advanced indices, unlike NumPy), then the index tensors
// gather from it (ops_indexing.cpp). Adjacent index tensors put the broadcast index shape
// where they stand; separated ones put it first. A mask consumes as many dims as it has. The
// result is a copy, differentiable; t[key] = value is index_put_ (values broadcast, repeated
// indices: the last write wins).
#include <string>
#include <vector>

#include "bindings.hpp"

namespace tensorbridge::python {

namespace {

// Bool: a Python bool or 0-d bool tensor, which adds a dim of size 1 (True) or 0 (False).
enum class IndexKind { Integer, Slice, NewAxis, Ellipsis, Bool, Tensor };

struct IndexItem {
  IndexKind kind;
  py::handle obj;
  TensorBase tensor;  // Tensor: the index (integer or mask); Bool: its value as a 0-d tensor
};

[[noreturn]] void invalid_index(py::handle item) {
  TB_THROW(IndexError, "only integers, slices (`:`), ellipsis (`...`), None and integer or boolean "
           "tensors, lists or arrays are valid indices (got ", type_name(item), ")");
}

bool is_mask(const TensorBase& t) { return t.dtype() == DType::Bool || t.dtype() == DType::UInt8; }

// An index tensor with a dtype the gather takes: int64/int32 and masks as they are (uint8
// is a mask, as in PyTorch), other integers widened; anything else is refused.
TensorBase index_tensor(TensorBase t) {
  if (t.dtype() == DType::Int64 || t.dtype() == DType::Int32 || is_mask(t)) return t;
  TB_CHECK(is_integral(t.dtype()), IndexError,
           "tensors used as indices must be integer (int64, int32, ...) or bool tensors, but got ",
           t.dtype(), " (shape ", shape_str(t.shape()), ")");
  return t.to(DType::Int64);
}

// Lists, tuples and arrays as index tensors; an empty list is an empty int64 index.
TensorBase sequence_index(py::handle item) {
  if (PyUnicode_Check(item.ptr()) || PyBytes_Check(item.ptr()) || PyFloat_Check(item.ptr()) ||
      PyComplex_Check(item.ptr())) {
    invalid_index(item);
  }
  std::optional<TensorBase> t = import_array(item, "__getitem__");
  if (!t) {
    if (!PySequence_Check(item.ptr())) invalid_index(item);
    t = tensor_from_data(item, std::nullopt, "__getitem__");
    if (t->numel() == 0 && !is_integral(t->dtype(), true)) t = t->to(DType::Int64);
  }
  return std::move(*t);
}

IndexItem classify(py::handle item) {
  if (item.is_none()) return {IndexKind::NewAxis, item, {}};
  if (item.ptr() == Py_Ellipsis) return {IndexKind::Ellipsis, item, {}};
  if (PySlice_Check(item.ptr())) return {IndexKind::Slice, item, {}};
  // bool is an int to Python but a mask to NumPy and PyTorch.
  if (PyBool_Check(item.ptr())) {
    return {IndexKind::Bool, item, full({}, Scalar(item.ptr() == Py_True), DType::Bool)};
  }
  const bool is_tensor = py::isinstance<TensorBase>(item);
  TensorBase t;
  if (is_tensor) {
    t = item.cast<TensorBase>();
  } else if (PyLong_Check(item.ptr()) || (PyIndex_Check(item.ptr()) && !PyObject_CheckBuffer(item.ptr()))) {
    return {IndexKind::Integer, item, {}};
  } else {  // sequences and arrays; NumPy scalars too, whose dtype tells ints from bools
    t = sequence_index(item);
  }
  if (t.dim() == 0 && t.dtype() == DType::Bool) return {IndexKind::Bool, item, t};
  // A 0-d integer tensor indexes like an int (a view), as in PyTorch.
  if (t.dim() == 0 && is_integral(t.dtype())) return {IndexKind::Integer, item, {}};
  return {IndexKind::Tensor, item, index_tensor(std::move(t))};
}

// The dims an item consumes from the indexed tensor.
int64_t consumed_dims(const IndexItem& item) {
  switch (item.kind) {
    case IndexKind::Integer:
    case IndexKind::Slice: return 1;
    case IndexKind::Tensor: return is_mask(item.tensor) ? item.tensor.dim() : 1;
    default: return 0;
  }
}

struct ParsedKey {
  std::vector<IndexItem> items;
  bool advanced = false;
  int64_t consumed = 0;
};

ParsedKey parse_key(const TensorBase& t, py::handle key) {
  ParsedKey k;
  auto add = [&k](py::handle obj) {
    k.items.push_back(classify(obj));
    const IndexKind kind = k.items.back().kind;
    k.advanced |= kind == IndexKind::Tensor || kind == IndexKind::Bool;
    k.consumed += consumed_dims(k.items.back());
  };
  if (PyTuple_Check(key.ptr())) {
    for (py::handle item : py::reinterpret_borrow<py::tuple>(key)) add(item);
  } else {
    add(key);
  }
  int ellipses = 0;
  for (const IndexItem& item : k.items) ellipses += item.kind == IndexKind::Ellipsis;
  TB_CHECK(ellipses <= 1, IndexError, "an index can only have a single ellipsis ('...')");
  TB_CHECK(k.consumed <= t.dim(), IndexError, "too many indices for tensor of dimension ", t.dim(),
           " (got ", k.consumed, ")");
  return k;
}

// The view that the basic items of `key` select, made with one as_strided, and for advanced
// keys the index tensors that apply to its dims (one entry per index tensor; nothing for
// the dims a slice, None or ... made). `identity` when the view is t itself.
struct KeyView {
  TensorBase view;
  TensorIndices indices;
  bool identity = true;
};

KeyView key_view(const TensorBase& t, const ParsedKey& key) {
  Shape shape;
  Strides strides;
  int64_t offset = t.storage_offset();
  int64_t dim = 0;  // the next dimension of t to index
  KeyView out;
  auto keep = [&](int64_t count) {
    for (int64_t i = 0; i < count; ++i, ++dim) {
      shape.push_back(t.shape()[dim]);
      strides.push_back(t.strides()[dim]);
    }
  };
  auto new_axis = [&] {
    shape.push_back(1);
    strides.push_back(dim < t.dim() ? t.shape()[dim] * t.strides()[dim] : 1);
    out.identity = false;
  };
  for (const IndexItem& item : key.items) {
    switch (item.kind) {
      case IndexKind::NewAxis:
        new_axis();
        out.indices.emplace_back();
        break;
      case IndexKind::Bool:
        // A new dim of size 1, from which True takes the one element and False none.
        new_axis();
        out.indices.emplace_back(item.tensor.item().to<bool>() ? zeros({1}, DType::Int64)
                                                               : empty({0}, DType::Int64));
        break;
      case IndexKind::Ellipsis:
        for (int64_t i = 0; i < t.dim() - key.consumed; ++i) out.indices.emplace_back();
        keep(t.dim() - key.consumed);
        break;
      case IndexKind::Integer: {
        const int64_t size = t.shape()[dim];
        int64_t i = py::cast<int64_t>(py::reinterpret_steal<py::object>(PyNumber_Index(item.obj.ptr())));
        TB_CHECK(i >= -size && i < size, IndexError, "index ", i, " is out of bounds for dimension ",
                 dim, " with size ", size);
        if (i < 0) i += size;
        offset += i * t.strides()[dim];
        ++dim;
        out.identity = false;
        break;
      }
      case IndexKind::Slice: {
        Py_ssize_t start, stop, step;
        if (PySlice_Unpack(item.obj.ptr(), &start, &stop, &step) != 0) throw py::error_already_set();
        const int64_t size = t.shape()[dim];
        const Py_ssize_t count = PySlice_AdjustIndices(size, &start, &stop, step);
        if (count > 0) offset += start * t.strides()[dim];
        out.identity &= count == size && (step == 1 || size <= 1);
        shape.push_back(count);
        strides.push_back(t.strides()[dim] * step);
        out.indices.emplace_back();
        ++dim;
        break;
      }
      case IndexKind::Tensor:
        out.indices.emplace_back(item.tensor);
        keep(consumed_dims(item));
        break;
    }
  }
  keep(t.dim() - dim);
  out.view = out.identity ? t : t.as_strided(shape, strides, offset);
  return out;
}

py::object getitem(py::handle self, py::handle key) {
  const TensorBase& t = self.cast<const TensorBase&>();
  const ParsedKey parsed = parse_key(t, key);
  KeyView kv = key_view(t, parsed);
  if (!parsed.advanced) {
    // t[...] and t[:] are new views, as in PyTorch.
    return py::cast(kv.identity ? t.alias() : std::move(kv.view));
  }
  return py::cast(index_by_tensors(kv.view, kv.indices));
}

// The value of t[key] = value as a tensor of `dtype`.
TensorBase value_tensor(py::handle value, DType dtype) {
  if (py::isinstance<TensorBase>(value)) return value.cast<TensorBase>();
  if (std::optional<Scalar> s = scalar_arg(value)) return full({}, *s, dtype);
  return as_tensor(value, dtype, "__setitem__");
}

void setitem(const TensorBase& t, py::handle key, py::handle value) {
  t.check_writable("__setitem__");
  const ParsedKey parsed = parse_key(t, key);
  const KeyView kv = key_view(t, parsed);
  if (parsed.advanced) {
    index_put_by_tensors(kv.view, kv.indices, value_tensor(value, kv.view.dtype()));
    return;
  }
  const TensorBase view = kv.identity ? t.alias() : kv.view;
  if (py::isinstance<TensorBase>(value)) {
    view.copy_(value.cast<const TensorBase&>());
  } else if (std::optional<Scalar> s = scalar_arg(value)) {
    view.fill_(*s);
  } else {
    view.copy_(as_tensor(value, view.dtype(), "__setitem__"));
  }
}

}  // namespace

void bind_indexing(TensorClass& cls) {
  cls.def("__getitem__", &getitem, py::arg("key"))
      .def("__setitem__", &setitem, py::arg("key"), py::arg("value"));
}

}  // namespace tensorbridge::python
