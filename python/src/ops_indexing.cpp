// Indexing, joining, sorting and random numbers from Python, with PyTorch's names and
// signatures: tensorbridge functions and, where PyTorch has them, Tensor methods. They call
// the public C++ API (tb::gather, tb::cat, tb::sort, ...), which records autograd graphs.
// Also the tensor part of advanced indexing, for indexing.cpp's [] and []=.
//
// The random ops share this translation unit: they are light, and each heavy TU costs CI
// minutes (docs/design.md).
#include <cstring>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "bindings.hpp"
#include "tensorbridge/ops/api_elementwise.hpp"
#include "tensorbridge/ops/api_indexing.hpp"
#include "tensorbridge/ops/api_random.hpp"
#include "tensorbridge/ops/api_reduce.hpp"
#include "tensorbridge/ops/broadcast.hpp"

namespace tensorbridge::python {

namespace {

// In-place methods return their own Python object (x.scatter_(...) is x).
py::object self_object(py::handle self) { return py::reinterpret_borrow<py::object>(self); }

// ---- arguments ---------------------------------------------------------------------------------

// A tensor argument that may also be a NumPy array (or any buffer/DLPack exporter), shared.
TensorBase tensor_arg(py::handle obj, const char* op, const char* name) {
  if (py::isinstance<TensorBase>(obj)) return obj.cast<TensorBase>();
  std::optional<TensorBase> t;
  const bool python_value = PyUnicode_Check(obj.ptr()) || PyBytes_Check(obj.ptr()) ||
                            PyLong_Check(obj.ptr()) || PyFloat_Check(obj.ptr()) ||
                            PyComplex_Check(obj.ptr());
  if (!python_value) {
    t = import_array(obj, op);
  }
  TB_CHECK(t.has_value(), TypeError, op, "(): argument '", name, "' must be a Tensor, not ",
           type_name(obj));
  return std::move(*t);
}

std::vector<TensorBase> tensor_sequence(py::handle obj, const char* op) {
  TB_CHECK(PySequence_Check(obj.ptr()) && !py::isinstance<TensorBase>(obj), TypeError, op,
           "(): argument 'tensors' must be a tuple or list of Tensors, not ", type_name(obj));
  std::vector<TensorBase> out;
  for (py::handle item : py::reinterpret_borrow<py::sequence>(obj)) {
    out.push_back(tensor_arg(item, op, "tensors"));
  }
  return out;
}

py::tuple tuple_of(const std::vector<TensorBase>& tensors) {
  py::tuple out(tensors.size());
  for (std::size_t i = 0; i < tensors.size(); ++i) out[i] = py::cast(tensors[i]);
  return out;
}

Scalar number_arg(py::handle obj, const char* op, const char* name) {
  std::optional<Scalar> s = scalar_arg(obj);
  TB_CHECK(s.has_value(), TypeError, op, "(): argument '", name, "' must be a number, not ",
           type_name(obj));
  return *s;
}

// A fill value: a number, or a 0-d tensor (as masked_fill accepts).
Scalar value_arg(py::handle obj, const char* op) {
  if (py::isinstance<TensorBase>(obj)) {
    const TensorBase& v = obj.cast<const TensorBase&>();
    TB_CHECK(v.dim() == 0, ValueError, op, "(): only supports a 0-dimensional value tensor, but got "
             "a tensor of shape ", shape_str(v.shape()));
    return v.item();
  }
  return number_arg(obj, op, "value");
}

// Sizes given as f(2, 3), f((2, 3)) or f([2, 3]).
std::vector<int64_t> sizes_args(const py::args& args, const char* op) {
  if (args.size() == 1 && !PyIndex_Check(args[0].ptr())) return shape_arg(args[0], op);
  return shape_arg(args, op);
}

// ---- (values, indices) results ---------------------------------------------------------------

py::object named_pair(const char* type, std::pair<TensorBase, TensorBase> r) {
  // Looked up once and kept for the life of the process (no destructor after Python exits).
  static py::handle return_types =
      py::object(py::module_::import("tensorbridge._C").attr("return_types")).release();
  return return_types.attr(type)(py::cast(std::move(r.first)), py::cast(std::move(r.second)));
}

// ---- indexing ----------------------------------------------------------------------------------

void check_no_reduce(py::handle reduce, const char* op) {
  TB_CHECK(reduce.is_none(), ValueError, op, "(): reduce=", py::str(reduce).cast<std::string>(),
           " is not supported; use scatter_add for 'add'");
}

// scatter's source: a tensor (src) or a number (value), given either way, as in PyTorch.
template <bool InPlace>
TensorBase scatter_impl(const TensorBase& self, int64_t dim, py::handle index, py::handle src,
                        py::handle value, py::handle reduce) {
  const char* op = InPlace ? "scatter_" : "scatter";
  check_no_reduce(reduce, op);
  TB_CHECK(src.is_none() != value.is_none(), TypeError, op,
           "(): expected exactly one of 'src' (a Tensor) and 'value' (a number)");
  const TensorBase idx = tensor_arg(index, op, "index");
  py::handle source = src.is_none() ? value : src;
  if (py::isinstance<TensorBase>(source)) {
    const TensorBase& s = source.cast<const TensorBase&>();
    return InPlace ? ::tensorbridge::scatter_(self, dim, idx, s)
                   : ::tensorbridge::scatter(self, dim, idx, s);
  }
  const Scalar v = number_arg(source, op, "value");
  return InPlace ? ::tensorbridge::scatter_(self, dim, idx, v)
                 : ::tensorbridge::scatter(self, dim, idx, v);
}

void bind_index_ops(py::module_& m, TensorClass& cls) {
  def_function_and_method(
      m, cls, "index_select", "input",
      [](const TensorBase& x, int64_t dim, py::handle index) {
        return ::tensorbridge::index_select(x, dim, tensor_arg(index, "index_select", "index"));
      },
      "The slices of input along dim at the positions of the 1-D index, in index order (a copy).",
      py::arg("dim"), py::arg("index"));
  def_function_and_method(
      m, cls, "gather", "input",
      [](const TensorBase& x, int64_t dim, py::handle index, bool /*sparse_grad*/) {
        return ::tensorbridge::gather(x, dim, tensor_arg(index, "gather", "index"));
      },
      "out[i][j] = input[index[i][j]][j] for dim 0 (and likewise for other dims); out has "
      "index's shape.",
      py::arg("dim"), py::arg("index"), py::kw_only(), py::arg("sparse_grad") = false);

  const char* scatter_doc =
      "input with out[index[i][j]][j] = src[i][j] for dim 0 (and likewise for other dims); src "
      "may be a number (value=). Of repeated indices, the last in row-major order wins.";
  auto scatter = &scatter_impl<false>;
  m.def("scatter", scatter, py::arg("input"), py::arg("dim"), py::arg("index"),
        py::arg("src") = py::none(), py::kw_only(), py::arg("value") = py::none(),
        py::arg("reduce") = py::none(), scatter_doc);
  cls.def("scatter", scatter, py::arg("dim"), py::arg("index"), py::arg("src") = py::none(),
          py::kw_only(), py::arg("value") = py::none(), py::arg("reduce") = py::none(), scatter_doc);
  cls.def("scatter_",
          [](py::handle self, int64_t dim, py::handle index, py::handle src, py::handle value,
             py::handle reduce) {
            scatter_impl<true>(tensor_of(self), dim, index, src, value, reduce);
            return self_object(self);
          },
          py::arg("dim"), py::arg("index"),
          py::arg("src") = py::none(), py::kw_only(), py::arg("value") = py::none(),
          py::arg("reduce") = py::none(), "In-place scatter.");
  def_function_and_method(
      m, cls, "scatter_add", "input",
      [](const TensorBase& x, int64_t dim, py::handle index, const TensorBase& src) {
        return ::tensorbridge::scatter_add(x, dim, tensor_arg(index, "scatter_add", "index"), src);
      },
      "input with out[index[i][j]][j] += src[i][j] for dim 0 (repeated indices all add).",
      py::arg("dim"), py::arg("index"), py::arg("src"));
  cls.def("scatter_add_",
          [](py::handle self, int64_t dim, py::handle index, const TensorBase& src) {
            ::tensorbridge::scatter_add_(tensor_of(self), dim, tensor_arg(index, "scatter_add_", "index"), src);
            return self_object(self);
          },
          py::arg("dim"), py::arg("index"), py::arg("src"), "In-place scatter_add.");
  def_function_and_method(
      m, cls, "index_add", "input",
      [](const TensorBase& x, int64_t dim, py::handle index, const TensorBase& source,
         py::handle alpha) {
        return ::tensorbridge::index_add(x, dim, tensor_arg(index, "index_add", "index"), source,
                                         number_arg(alpha, "index_add", "alpha"));
      },
      "input with alpha * source's slices added at the positions index gives along dim.",
      py::arg("dim"), py::arg("index"), py::arg("source"), py::kw_only(), py::arg("alpha") = 1);
  cls.def("index_add_",
          [](py::handle self, int64_t dim, py::handle index, const TensorBase& source,
             py::handle alpha) {
            ::tensorbridge::index_add_(tensor_of(self), dim, tensor_arg(index, "index_add_", "index"),
                                       source, number_arg(alpha, "index_add_", "alpha"));
            return self_object(self);
          },
          py::arg("dim"), py::arg("index"), py::arg("source"), py::kw_only(), py::arg("alpha") = 1,
          "In-place index_add.");
  def_function_and_method(
      m, cls, "masked_fill", "input",
      [](const TensorBase& x, py::handle mask, py::handle value) {
        return ::tensorbridge::masked_fill(x, tensor_arg(mask, "masked_fill", "mask"),
                                           value_arg(value, "masked_fill"));
      },
      "input with value where the (broadcast) bool mask is True.", py::arg("mask"), py::arg("value"));
  cls.def("masked_fill_",
          [](py::handle self, py::handle mask, py::handle value) {
            ::tensorbridge::masked_fill_(tensor_of(self), tensor_arg(mask, "masked_fill_", "mask"),
                                         value_arg(value, "masked_fill_"));
            return self_object(self);
          },
          py::arg("mask"), py::arg("value"), "In-place masked_fill.");
  def_function_and_method(
      m, cls, "masked_select", "input",
      [](const TensorBase& x, py::handle mask) {
        return ::tensorbridge::masked_select(x, tensor_arg(mask, "masked_select", "mask"));
      },
      "The elements where the bool mask is True (input and mask broadcast), as a 1-D tensor.",
      py::arg("mask"));
  def_function_and_method(
      m, cls, "nonzero", "input",
      [](const TensorBase& x, bool as_tuple) -> py::object {
        if (as_tuple) return tuple_of(::tensorbridge::nonzero_tuple(x));
        return py::cast(::tensorbridge::nonzero(x));
      },
      "The coordinates of the nonzero elements: an int64 (count, ndim) tensor, or with "
      "as_tuple=True one 1-D tensor per dimension.",
      py::kw_only(), py::arg("as_tuple") = false);
}

void bind_join_ops(py::module_& m, TensorClass& cls) {
  auto cat = [](py::handle tensors, int64_t dim) {
    return ::tensorbridge::cat(tensor_sequence(tensors, "cat"), dim);
  };
  const char* cat_doc = "The tensors joined along an existing dim (dtypes promote, as in torch.cat).";
  m.def("cat", cat, py::arg("tensors"), py::arg("dim") = 0, cat_doc);
  m.def("concat", cat, py::arg("tensors"), py::arg("dim") = 0, cat_doc);
  m.def("concatenate", cat, py::arg("tensors"), py::arg("axis") = 0, cat_doc);
  m.def(
      "stack",
      [](py::handle tensors, int64_t dim) {
        return ::tensorbridge::stack(tensor_sequence(tensors, "stack"), dim);
      },
      py::arg("tensors"), py::arg("dim") = 0, "Tensors of one shape joined along a new dim.");

  auto split = [](const TensorBase& x, py::handle sizes, int64_t dim) {
    if (PyIndex_Check(sizes.ptr())) return tuple_of(::tensorbridge::split(x, py::cast<int64_t>(sizes), dim));
    return tuple_of(::tensorbridge::split(x, shape_arg(sizes, "split"), dim));
  };
  const char* split_doc =
      "Views of pieces along dim: of split_size each (the last may be smaller), or of the sizes "
      "in a list.";
  m.def("split", split, py::arg("tensor"), py::arg("split_size_or_sections"), py::arg("dim") = 0,
        split_doc);
  cls.def("split", split, py::arg("split_size"), py::arg("dim") = 0, split_doc);
  def_function_and_method(
      m, cls, "chunk", "input",
      [](const TensorBase& x, int64_t chunks, int64_t dim) {
        return tuple_of(::tensorbridge::chunk(x, chunks, dim));
      },
      "At most `chunks` views of equal size along dim (the last may be smaller).",
      py::arg("chunks"), py::arg("dim") = 0);
  def_function_and_method(
      m, cls, "unbind", "input",
      [](const TensorBase& x, int64_t dim) { return tuple_of(::tensorbridge::unbind(x, dim)); },
      "The slices along dim, as views without that dim.", py::arg("dim") = 0);
  cls.def(
      "repeat",
      [](const TensorBase& x, const py::args& repeats) {
        return ::tensorbridge::repeat(x, sizes_args(repeats, "repeat"));
      },
      "The tensor tiled repeats[i] times along each dim (leading repeats add dims).");
  m.def(
      "tile",
      [](const TensorBase& x, py::handle dims) { return ::tensorbridge::tile(x, shape_arg(dims, "tile")); },
      py::arg("input"), py::arg("dims"),
      "As repeat, with fewer dims than the tensor meaning leading ones of 1.");
  cls.def(
      "tile",
      [](const TensorBase& x, const py::args& dims) { return ::tensorbridge::tile(x, sizes_args(dims, "tile")); },
      "As repeat, with fewer dims than the tensor meaning leading ones of 1.");
}

// What torch.unique returns: the values alone, or a tuple with the inverse and/or the counts
// that were asked for, in that order.
py::object unique_return(const UniqueResult& r, bool return_inverse, bool return_counts) {
  if (!return_inverse && !return_counts) return py::cast(r.values);
  if (return_inverse && return_counts) return py::make_tuple(r.values, r.inverse, r.counts);
  return py::make_tuple(r.values, return_inverse ? r.inverse : r.counts);
}

void bind_sort_ops(py::module_& m, TensorClass& cls) {
  def_function_and_method(
      m, cls, "sort", "input",
      [](const TensorBase& x, int64_t dim, bool descending, bool stable) {
        return named_pair("sort", ::tensorbridge::sort(x, dim, descending, stable));
      },
      "(values, indices) sorted along dim; NaN sorts as the largest value; stable=True keeps "
      "the order of equal values.",
      py::arg("dim") = -1, py::arg("descending") = false, py::arg("stable") = false);
  def_function_and_method(
      m, cls, "argsort", "input",
      [](const TensorBase& x, int64_t dim, bool descending, bool stable) {
        return ::tensorbridge::argsort(x, dim, descending, stable);
      },
      "The indices that sort input along dim.", py::arg("dim") = -1, py::arg("descending") = false,
      py::arg("stable") = false);
  def_function_and_method(
      m, cls, "topk", "input",
      [](const TensorBase& x, int64_t k, int64_t dim, bool largest, bool sorted) {
        return named_pair("topk", ::tensorbridge::topk(x, k, dim, largest, sorted));
      },
      "(values, indices) of the k largest (or smallest) elements along dim.", py::arg("k"),
      py::arg("dim") = -1, py::arg("largest") = true, py::arg("sorted") = true);
  def_function_and_method(
      m, cls, "unique", "input",
      [](const TensorBase& x, bool sorted, bool return_inverse, bool return_counts,
         std::optional<int64_t> dim) {
        return unique_return(::tensorbridge::unique(x, sorted, return_inverse, return_counts, dim),
                             return_inverse, return_counts);
      },
      "The distinct elements of input (flattened; with dim, the distinct slices along dim), "
      "ascending, NaN last and each NaN distinct; with return_inverse and return_counts also the "
      "index of each element's value and the count of each value. Always sorted, whatever "
      "sorted says (as torch's CPU unique).",
      py::arg("sorted") = true, py::arg("return_inverse") = false,
      py::arg("return_counts") = false, py::arg("dim") = py::none());
  def_function_and_method(
      m, cls, "unique_consecutive", "input",
      [](const TensorBase& x, bool return_inverse, bool return_counts, std::optional<int64_t> dim) {
        return unique_return(
            ::tensorbridge::unique_consecutive(x, return_inverse, return_counts, dim),
            return_inverse, return_counts);
      },
      "input with each run of consecutive equal elements (slices along dim) collapsed to one; "
      "with return_inverse and return_counts also each element's run and each run's length.",
      py::arg("return_inverse") = false, py::arg("return_counts") = false,
      py::arg("dim") = py::none());
}

// ---- random ------------------------------------------------------------------------------------

// Seeds as PyTorch takes them: any integer in [-2^63, 2^64); negative ones wrap around.
uint64_t seed_arg(py::handle seed) {
  TB_CHECK(PyIndex_Check(seed.ptr()) && !PyBool_Check(seed.ptr()), TypeError,
           "manual_seed: expected an int seed, got ", type_name(seed));
  const py::int_ value(py::reinterpret_steal<py::object>(PyNumber_Index(seed.ptr())));
  int overflow = 0;
  const long long v = PyLong_AsLongLongAndOverflow(value.ptr(), &overflow);
  if (overflow == 0) return static_cast<uint64_t>(v);
  const unsigned long long u = overflow > 0 ? PyLong_AsUnsignedLongLong(value.ptr()) : 0;
  if (overflow > 0 && !PyErr_Occurred()) return u;
  PyErr_Clear();
  TB_THROW(ValueError, "manual_seed: the seed must be within [-2**63, 2**64), got ",
           py::str(seed).cast<std::string>());
}

// A fresh seed from the operating system (torch.seed()).
uint64_t nondeterministic_seed() {
  std::random_device device;
  return (uint64_t(device()) << 32) ^ device();
}

// A generator's state as a uint8 tensor: the seed, then the blocks consumed, little-endian.
TensorBase generator_state(const Generator& gen) {
  TensorBase state = empty({16}, DType::UInt8);
  auto* bytes = static_cast<unsigned char*>(state.data_ptr());
  const uint64_t words[2] = {gen.initial_seed(), gen.offset()};
  for (int w = 0; w < 2; ++w) {
    for (int b = 0; b < 8; ++b) bytes[8 * w + b] = static_cast<unsigned char>(words[w] >> (8 * b));
  }
  return state;
}

void set_generator_state(Generator& gen, const TensorBase& state) {
  TB_CHECK(state.dtype() == DType::UInt8 && state.dim() == 1 && state.numel() == 16, TypeError,
           "set_state: expected a uint8 tensor of 16 bytes from get_state(), got dtype ",
           state.dtype(), " and shape ", shape_str(state.shape()));
  const TensorBase bytes_tensor = state.contiguous();
  const auto* bytes = static_cast<const unsigned char*>(bytes_tensor.data_ptr());
  uint64_t words[2] = {0, 0};
  for (int w = 0; w < 2; ++w) {
    for (int b = 0; b < 8; ++b) words[w] |= uint64_t(bytes[8 * w + b]) << (8 * b);
  }
  gen.manual_seed(words[0]);
  gen.set_offset(words[1]);
}

Device cpu_device_arg(py::handle device, const char* op) {
  const Device d = device_arg(device, op);
  TB_CHECK(d.is_cpu(), DeviceError, op, ": random numbers are made on the CPU only, got device ", d);
  return d;
}

// Values from N(mean, std) where mean and/or std are tensors (they broadcast, on one device):
// drawn as N(0, 1) in the result's dtype where they live, then scaled in float64.
TensorBase normal_tensors(py::handle mean, py::handle std, Generator* gen) {
  const char* op = "normal";
  const bool mean_tensor = py::isinstance<TensorBase>(mean), std_tensor = py::isinstance<TensorBase>(std);
  const TensorBase m = mean_tensor ? mean.cast<TensorBase>() : full({}, number_arg(mean, op, "mean"), DType::Float64);
  const TensorBase s = std_tensor ? std.cast<TensorBase>() : full({}, number_arg(std, op, "std"), DType::Float64);
  const DType dtype = mean_tensor ? m.dtype() : s.dtype();
  TB_CHECK(!mean_tensor || !std_tensor || m.dtype() == s.dtype(), TypeError, op,
           ": mean and std must have the same dtype, got ", m.dtype(), " and ", s.dtype());
  TB_CHECK(is_floating_point(dtype), TypeError, op, ": expected floating-point mean and std, got ", dtype);
  const Shape shape = broadcast_shapes(m.shape(), s.shape(), op);
  const Device device = mean_tensor ? m.device() : s.device();
  TB_CHECK(m.device() == s.device() || !mean_tensor || !std_tensor, DeviceError, op,
           ": mean and std must be on the same device, got ", m.device(), " and ", s.device());
  const TensorBase m64 = m.detach().to(device, DType::Float64);
  const TensorBase s64 = s.detach().to(device, DType::Float64);
  TB_CHECK(::tensorbridge::ge(s64, 0.0).all().item<bool>(), ValueError, op,
           ": std must be >= 0, got ", ::tensorbridge::amin(s64).item<double>());
  TensorBase z = empty(shape, dtype, device);
  ::tensorbridge::normal_(z, 0.0, 1.0, gen);  // on a device by its kernel
  // Scaled in float64 by two separate ops (a product, then a sum) that no compiler can fuse:
  // the CPU's values for a seed on every device.
  return ::tensorbridge::add(m64, ::tensorbridge::mul(s64, z.to(device, DType::Float64)))
      .to(device, dtype);
}

void bind_random(py::module_& m, TensorClass& cls) {
  py::class_<Generator>(m, "Generator", "A seeded stream of random numbers (Philox4x32-10).")
      .def(py::init([](py::handle device) {
             cpu_device_arg(device, "Generator");
             return std::make_unique<Generator>();
           }),
           py::arg("device") = "cpu")
      .def("manual_seed",
           [](py::handle self, py::handle seed) {
             self.cast<Generator&>().manual_seed(seed_arg(seed));
             return py::reinterpret_borrow<py::object>(self);
           },
           py::arg("seed"), "Restarts the stream of `seed`; returns the generator.")
      .def("seed",
           [](Generator& gen) {
             const uint64_t seed = nondeterministic_seed();
             gen.manual_seed(seed);
             return seed;
           },
           "Seeds with a fresh seed from the operating system and returns it.")
      .def("initial_seed", &Generator::initial_seed, "The seed the stream started from.")
      .def("get_state", &generator_state, "The state (seed and position) as a uint8 tensor.")
      .def("set_state",
           [](py::handle self, const TensorBase& state) {
             set_generator_state(self.cast<Generator&>(), state);
             return py::reinterpret_borrow<py::object>(self);
           },
           py::arg("new_state"), "Restores a state from get_state(); returns the generator.")
      .def_property_readonly("device", [](const Generator&) { return device_object(Device()); });
  m.attr("default_generator") = py::cast(&default_generator(), py::return_value_policy::reference);

  m.def(
      "manual_seed",
      [](py::handle seed) {
        default_generator().manual_seed(seed_arg(seed));
        return py::cast(&default_generator(), py::return_value_policy::reference);
      },
      py::arg("seed"), "Seeds the default generator; returns it.");
  m.def(
      "seed",
      [] {
        const uint64_t seed = nondeterministic_seed();
        default_generator().manual_seed(seed);
        return seed;
      },
      "Seeds the default generator from the operating system and returns the seed.");
  m.def("initial_seed", [] { return default_generator().initial_seed(); },
        "The seed the default generator started from.");
  m.def("get_rng_state", [] { return generator_state(default_generator()); },
        "The default generator's state as a uint8 tensor.");
  m.def("set_rng_state", [](const TensorBase& state) { set_generator_state(default_generator(), state); },
        py::arg("new_state"), "Restores the default generator's state from get_rng_state().");

  // The factories draw where the tensor lives (on a device, by the CUDA kernels) the values
  // the CPU draws for the generator's state: the same numbers on every device.
  using Draw = TensorBase (*)(const Shape&, DType, Device, Generator*);
  struct Factory {
    const char* name;
    Draw draw;
    const char* doc;
  };
  static constexpr Factory kFactories[] = {
      {"rand",
       [](const Shape& s, DType d, Device where, Generator* g) { return ::tensorbridge::rand(s, d, where, g); },
       "Uniform values in [0, 1): rand(2, 3) or rand((2, 3))."},
      {"randn",
       [](const Shape& s, DType d, Device where, Generator* g) { return ::tensorbridge::randn(s, d, where, g); },
       "Values from the standard normal distribution: randn(2, 3) or randn((2, 3))."},
  };
  for (const Factory& f : kFactories) {
    const char* name = f.name;
    const Draw draw = f.draw;
    m.def(
        name,
        [name, draw](const py::args& size, py::handle generator, py::handle dtype, py::handle device,
                     bool requires_grad) {
          TB_CHECK(!size.empty(), TypeError, name, "() missing 1 required positional argument: 'size'");
          const Device where = device_arg(device, name);
          check_device_available(where, name);
          return with_requires_grad(draw(shape_args(size, name),
                                         optional_dtype_arg(dtype, name).value_or(default_dtype()), where,
                                         generator_arg(generator)),
                                    requires_grad);
        },
        py::kw_only(), py::arg("generator") = py::none(), py::arg("dtype") = py::none(),
        py::arg("device") = py::none(), py::arg("requires_grad") = false, f.doc);
    const std::string like = std::string(name) + "_like";
    m.def(
        like.c_str(),
        [draw, like](const TensorBase& t, py::handle generator, py::handle dtype, bool requires_grad) {
          return with_requires_grad(draw(t.shape(), optional_dtype_arg(dtype, like.c_str()).value_or(t.dtype()),
                                         t.device(), generator_arg(generator)),
                                    requires_grad);
        },
        py::arg("input"), py::kw_only(), py::arg("generator") = py::none(),
        py::arg("dtype") = py::none(), py::arg("requires_grad") = false,
        "Like the factory, with input's shape and (unless given) dtype.");
  }

  auto randint = [](int64_t low, int64_t high, const std::vector<int64_t>& size, py::handle generator,
                    py::handle dtype, py::handle device, bool requires_grad) {
    const Device where = device_arg(device, "randint");
    check_device_available(where, "randint");
    TB_CHECK(low < high, ValueError, "randint: expected low < high, but got low=", low, " and high=", high);
    return with_requires_grad(
        ::tensorbridge::randint(low, high, size, optional_dtype_arg(dtype, "randint").value_or(DType::Int64),
                                where, generator_arg(generator)),
        requires_grad);
  };
  const char* randint_doc = "Uniform integers in [low, high) (low defaults to 0), int64 by default.";
  m.def(
      "randint",
      [randint](int64_t high, const std::vector<int64_t>& size, py::handle generator, py::handle dtype,
                py::handle device, bool requires_grad) {
        return randint(0, high, size, generator, dtype, device, requires_grad);
      },
      py::arg("high"), py::arg("size"), py::kw_only(), py::arg("generator") = py::none(),
      py::arg("dtype") = py::none(), py::arg("device") = py::none(), py::arg("requires_grad") = false,
      randint_doc);
  m.def("randint", randint, py::arg("low"), py::arg("high"), py::arg("size"), py::kw_only(),
        py::arg("generator") = py::none(), py::arg("dtype") = py::none(),
        py::arg("device") = py::none(), py::arg("requires_grad") = false, randint_doc);
  m.def(
      "randperm",
      [](int64_t n, py::handle generator, py::handle dtype, py::handle device, bool requires_grad) {
        const Device where = device_arg(device, "randperm");
        check_device_available(where, "randperm");
        // On a device: drawn on the host and copied (ops/random.hpp says why).
        return with_requires_grad(
            ::tensorbridge::randperm(n, optional_dtype_arg(dtype, "randperm").value_or(DType::Int64), where,
                                     generator_arg(generator)),
            requires_grad);
      },
      py::arg("n"), py::kw_only(), py::arg("generator") = py::none(), py::arg("dtype") = py::none(),
      py::arg("device") = py::none(), py::arg("requires_grad") = false,
      "A random permutation of 0 .. n-1.");
  m.def(
      "normal",
      [](py::handle mean, py::handle std, py::handle size, py::handle generator, py::handle dtype,
         py::handle device, bool requires_grad) {
        Generator* gen = generator_arg(generator);
        if (py::isinstance<TensorBase>(mean) || py::isinstance<TensorBase>(std)) {
          TB_CHECK(size.is_none() && dtype.is_none(), TypeError,
                   "normal(): size and dtype are arguments only when mean and std are numbers");
          const Device tensors_on = (py::isinstance<TensorBase>(mean) ? mean : std).cast<TensorBase>().device();
          TB_CHECK(device.is_none() || device_arg(device, "normal") == tensors_on, DeviceError,
                   "normal: device=", device_arg(device, "normal"), " but mean and std are on ", tensors_on);
          return with_requires_grad(normal_tensors(mean, std, gen), requires_grad);
        }
        TB_CHECK(!size.is_none(), TypeError,
                 "normal(): with numbers for mean and std, the size argument is required");
        const Device where = device_arg(device, "normal");
        check_device_available(where, "normal");
        TensorBase out = empty(shape_arg(size, "normal"), optional_dtype_arg(dtype, "normal").value_or(default_dtype()),
                               where);
        ::tensorbridge::normal_(out, number_arg(mean, "normal", "mean").to<double>(),
                                number_arg(std, "normal", "std").to<double>(), gen);
        return with_requires_grad(out, requires_grad);
      },
      py::arg("mean"), py::arg("std") = 1.0, py::arg("size") = py::none(), py::kw_only(),
      py::arg("generator") = py::none(), py::arg("dtype") = py::none(),
      py::arg("device") = py::none(), py::arg("requires_grad") = false,
      "Values from N(mean, std): numbers with a size, or tensors that broadcast together.");
  auto bernoulli = [](const TensorBase& x, py::handle p, py::handle generator) {
    Generator* gen = generator_arg(generator);
    if (p.is_none()) return ::tensorbridge::bernoulli(x, gen);
    return x.bernoulli(number_arg(p, "bernoulli", "p").to<double>(), gen);
  };
  const char* bernoulli_doc =
      "0 or 1 for each element, 1 with probability input[i] (or p when given), in input's dtype.";
  m.def("bernoulli", bernoulli, py::arg("input"), py::arg("p") = py::none(), py::kw_only(),
        py::arg("generator") = py::none(), bernoulli_doc);
  cls.def("bernoulli", bernoulli, py::arg("p") = py::none(), py::kw_only(),
          py::arg("generator") = py::none(), bernoulli_doc);

  cls.def("bernoulli_",
          [](py::handle self, py::handle p, py::handle generator) {
            Generator* gen = generator_arg(generator);
            if (py::isinstance<TensorBase>(p)) {
              ::tensorbridge::bernoulli_(tensor_of(self), p.cast<const TensorBase&>(), gen);
            } else {
              ::tensorbridge::bernoulli_(tensor_of(self), number_arg(p, "bernoulli_", "p").to<double>(), gen);
            }
            return self_object(self);
          },
          py::arg("p") = 0.5, py::kw_only(), py::arg("generator") = py::none(),
          "Fills with 0 or 1, 1 with probability p (a number or a tensor of probabilities).");
  cls.def("normal_",
          [](py::handle self, double mean, double std, py::handle generator) {
            ::tensorbridge::normal_(tensor_of(self), mean, std, generator_arg(generator));
            return self_object(self);
          },
          py::arg("mean") = 0.0, py::arg("std") = 1.0, py::kw_only(), py::arg("generator") = py::none(),
          "Fills with values from N(mean, std).");
  cls.def("uniform_",
          [](py::handle self, double from, double to, py::handle generator) {
            ::tensorbridge::uniform_(tensor_of(self), from, to, generator_arg(generator));
            return self_object(self);
          },
          py::arg("from") = 0.0, py::arg("to") = 1.0, py::kw_only(), py::arg("generator") = py::none(),
          "Fills with uniform values in [from, to).");
}

}  // namespace

Generator* generator_arg(py::handle gen) {
  if (gen.is_none()) return nullptr;
  TB_CHECK(py::isinstance<Generator>(gen), TypeError, "expected a tensorbridge.Generator for "
           "generator=, got ", type_name(gen));
  return gen.cast<Generator*>();
}

TensorBase index_by_tensors(const TensorBase& self, const TensorIndices& indices) {
  return ::tensorbridge::index(self, indices);
}

void index_put_by_tensors(const TensorBase& self, const TensorIndices& indices,
                          const TensorBase& values) {
  ::tensorbridge::index_put_(self, indices, values.dtype() == self.dtype() ? values : values.to(self.dtype()));
}

void bind_ops_indexing(py::module_& m, TensorClass& cls) {
  bind_index_ops(m, cls);
  bind_join_ops(m, cls);
  bind_sort_ops(m, cls);
  bind_random(m, cls);
}

}  // namespace tensorbridge::python
