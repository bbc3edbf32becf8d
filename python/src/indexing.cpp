// Basic indexing: t[i], t[a:b:c] (any step, negative too), t[None], t[...] and tuples of
// them give views; t[key] = value writes through such a view. Advanced indexing (integer
// tensors or lists, boolean masks) belongs to the indexing ops and is refused here.
#include <string>
#include <vector>

#include "bindings.hpp"

namespace tensorbridge::python {

namespace {

enum class IndexKind { Integer, Slice, NewAxis, Ellipsis };

IndexKind classify(py::handle item) {
  if (item.is_none()) return IndexKind::NewAxis;
  if (item.ptr() == Py_Ellipsis) return IndexKind::Ellipsis;
  if (PySlice_Check(item.ptr())) return IndexKind::Slice;
  // bool is an int to Python but a mask to NumPy and PyTorch; sequences and tensors with
  // more than one element are advanced indices.
  const bool scalar_tensor =
      py::isinstance<TensorBase>(item) && item.cast<const TensorBase&>().dim() == 0;
  if (!PyBool_Check(item.ptr()) && PyIndex_Check(item.ptr()) &&
      (scalar_tensor || !py::isinstance<TensorBase>(item))) {
    return IndexKind::Integer;
  }
  TB_THROW(IndexError, "indexing with ", Py_TYPE(item.ptr())->tp_name,
           " (advanced indexing: boolean masks, integer lists or tensors) is not supported yet; "
           "only integers, slices, None and ... are");
}

// The view that `key` selects, computed in one pass and made with one as_strided.
TensorBase index_view(const TensorBase& t, py::handle key) {
  std::vector<py::handle> items;
  if (PyTuple_Check(key.ptr())) {
    for (py::handle item : py::reinterpret_borrow<py::tuple>(key)) items.push_back(item);
  } else {
    items.push_back(key);
  }
  std::vector<IndexKind> kinds;
  int64_t consumed = 0;
  int ellipses = 0;
  for (py::handle item : items) {
    kinds.push_back(classify(item));
    if (kinds.back() == IndexKind::Integer || kinds.back() == IndexKind::Slice) ++consumed;
    if (kinds.back() == IndexKind::Ellipsis) ++ellipses;
  }
  const int64_t ndim = t.dim();
  TB_CHECK(ellipses <= 1, IndexError, "an index can only have a single ellipsis ('...')");
  TB_CHECK(consumed <= ndim, IndexError, "too many indices for tensor of dimension ", ndim,
           " (got ", consumed, ")");

  Shape shape;
  Strides strides;
  int64_t offset = t.storage_offset();
  int64_t dim = 0;  // the next dimension of t to index
  auto keep = [&](int64_t count) {
    for (int64_t i = 0; i < count; ++i, ++dim) {
      shape.push_back(t.shape()[dim]);
      strides.push_back(t.strides()[dim]);
    }
  };
  for (std::size_t k = 0; k < items.size(); ++k) {
    switch (kinds[k]) {
      case IndexKind::NewAxis:
        shape.push_back(1);
        strides.push_back(dim < ndim ? t.shape()[dim] * t.strides()[dim] : 1);
        break;
      case IndexKind::Ellipsis:
        keep(ndim - consumed);
        break;
      case IndexKind::Integer: {
        const int64_t size = t.shape()[dim];
        int64_t i = py::cast<int64_t>(py::reinterpret_steal<py::object>(PyNumber_Index(items[k].ptr())));
        TB_CHECK(i >= -size && i < size, IndexError, "index ", i, " is out of bounds for dimension ",
                 dim, " with size ", size);
        if (i < 0) i += size;
        offset += i * t.strides()[dim];
        ++dim;
        break;
      }
      case IndexKind::Slice: {
        Py_ssize_t start, stop, step;
        if (PySlice_Unpack(items[k].ptr(), &start, &stop, &step) != 0) throw py::error_already_set();
        const Py_ssize_t count = PySlice_AdjustIndices(t.shape()[dim], &start, &stop, step);
        if (count > 0) offset += start * t.strides()[dim];
        shape.push_back(count);
        strides.push_back(t.strides()[dim] * step);
        ++dim;
        break;
      }
    }
  }
  keep(ndim - dim);
  return t.as_strided(shape, strides, offset);
}

void assign(const TensorBase& view, py::handle value) {
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
  cls.def("__getitem__", &index_view, py::arg("key"))
      .def("__setitem__",
           [](const TensorBase& t, py::handle key, py::handle value) {
             t.check_writable("__setitem__");
             assign(index_view(t, key), value);
           },
           py::arg("key"), py::arg("value"));
}

}  // namespace tensorbridge::python
