// Reductions and the matmul family from Python, with PyTorch's names and signatures: each op
// is a tensorbridge function and, where PyTorch has one, a Tensor method. They call the public
// C++ API (tb::sum, tb::matmul, ...), which records autograd graphs.
//
// One translation unit for both families: each instantiates most kernels for every dtype,
// and CI pays for every heavy TU (see docs/design.md, Python extension).
#include <string>
#include <utility>
#include <vector>

#include "bindings.hpp"
#include "tensorbridge/ops/api_einsum.hpp"
#include "tensorbridge/ops/api_linalg.hpp"
#include "tensorbridge/ops/api_reduce.hpp"

namespace tensorbridge::python {

namespace {

// ---- (values, indices) results -------------------------------------------------------------

// torch.return_types: named tuples with .values and .indices that also unpack as pairs. The
// classes live in tensorbridge._C.return_types; made once when the module loads.
struct ReturnTypes {
  py::handle max, min;
};
ReturnTypes& return_types() {
  static ReturnTypes types;
  return types;
}

py::object values_indices(py::handle type, TensorBase values, TensorBase indices) {
  return type(py::cast(std::move(values)), py::cast(std::move(indices)));
}

// ---- arguments ---------------------------------------------------------------------------------

// `dim` as None (all dims), an int, or a tuple/list of ints. The C++ API takes an empty list
// for "all dims", as torch does for dim=().
std::vector<int64_t> reduce_dims(py::handle dim, const char* op) {
  if (dim.is_none()) return {};
  if (PyIndex_Check(dim.ptr()) && !PyBool_Check(dim.ptr())) return {py::cast<int64_t>(dim)};
  TB_CHECK((PyTuple_Check(dim.ptr()) || PyList_Check(dim.ptr())), TypeError, op,
           "(): argument 'dim' must be an int, a tuple of ints or None, not ", type_name(dim));
  return shape_arg(dim, op);
}

// A single dim: torch's max/min/argmax/cumsum/softmax take one int.
int64_t one_dim(py::handle dim, const char* op) {
  TB_CHECK(PyIndex_Check(dim.ptr()) && !PyBool_Check(dim.ptr()), TypeError, op,
           "(): argument 'dim' must be an int, not ", type_name(dim));
  return py::cast<int64_t>(dim);
}

// torch.norm's p: a number (inf included) or 'fro' (the 2-norm over the given dims).
double norm_order(py::handle p) {
  if (py::isinstance<py::str>(p)) {
    const auto s = p.cast<std::string>();
    TB_CHECK(s == "fro", ValueError, "norm(): p='", s,
             "' is not supported; use a number, inf or 'fro'");
    return 2;
  }
  const std::optional<Scalar> s = scalar_arg(p);
  TB_CHECK(s && !s->is_complex(), TypeError, "norm(): argument 'p' must be a real number or 'fro', not ",
           type_name(p));
  return s->to<double>();
}

// norm's dtype= computes in a dtype that holds the input without narrowing, as in PyTorch.
void check_norm_dtype(const TensorBase& x, DType d) {
  const DType in = x.dtype();
  const bool same_kind = (is_complex(d) && is_complex(in)) || (is_floating_point(d) && is_floating_point(in));
  TB_CHECK(same_kind && (d == in || itemsize(d) > itemsize(in)), TypeError, "norm(): the dtype of the input (",
           in, ") should be a floating-point or complex dtype convertible without narrowing to dtype=",
           d, " (complex only for complex input; shape ", shape_str(x.shape()), ")");
}

// var/std's Bessel correction from PyTorch's two spellings: correction= (any number), or the
// legacy unbiased= (True: 1, False: 0). Default 1.
double correction_arg(py::handle unbiased, py::handle correction, const char* op) {
  TB_CHECK(unbiased.is_none() || correction.is_none(), TypeError, op,
           "(): cannot pass both 'unbiased' and 'correction'");
  if (!unbiased.is_none()) {
    TB_CHECK(PyBool_Check(unbiased.ptr()), TypeError, op, "(): argument 'unbiased' must be bool, not ",
             type_name(unbiased));
    return unbiased.ptr() == Py_True ? 1.0 : 0.0;
  }
  if (correction.is_none()) return 1.0;
  const std::optional<Scalar> s = scalar_arg(correction);
  TB_CHECK(s && !s->is_complex() && !s->is_bool(), TypeError, op,
           "(): argument 'correction' must be a number, not ", type_name(correction));
  return s->to<double>();
}

// var/std: var(input, dim=None, *, correction=1, keepdim=False), the legacy
// var(input, dim, unbiased, keepdim=False) and var(input, unbiased).
template <bool Std>
TensorBase variance(const TensorBase& x, py::handle dim, py::handle unbiased, bool keepdim,
                    py::handle correction) {
  const char* op = Std ? "std" : "var";
  if (PyBool_Check(dim.ptr())) {  // var(input, unbiased)
    TB_CHECK(unbiased.is_none(), TypeError, op, "(): argument 'dim' must be an int or a tuple, not bool");
    std::swap(dim, unbiased);
    dim = py::none();
  }
  const std::vector<int64_t> dims = reduce_dims(dim, op);
  const double c = correction_arg(unbiased, correction, op);
  return Std ? ::tensorbridge::std(x, dims, c, keepdim) : ::tensorbridge::var(x, dims, c, keepdim);
}

// max/min: max(input) -> tensor; max(input, dim, keepdim=False) -> (values, indices);
// max(input, other) -> elementwise maximum.
template <bool Max>
py::object extreme(const TensorBase& x, py::handle dim, py::handle keepdim) {
  const char* op = Max ? "max" : "min";
  if (py::isinstance<TensorBase>(dim)) {
    TB_CHECK(keepdim.is_none(), TypeError, op, "(): keepdim is not an argument of ", op, "(input, other)");
    // tensorbridge.maximum/minimum (ops_elementwise.cpp), so this TU does not instantiate them again.
    static py::handle module = py::module_::import("tensorbridge._C").release();
    return module.attr(Max ? "maximum" : "minimum")(x, dim);
  }
  if (dim.is_none()) {
    TB_CHECK(keepdim.is_none(), TypeError, op, "(): keepdim needs a dim");
    return py::cast(Max ? ::tensorbridge::max(x) : ::tensorbridge::min(x));
  }
  const bool keep = !keepdim.is_none() && keepdim.cast<bool>();
  ValuesIndices r = Max ? ::tensorbridge::max(x, one_dim(dim, op), keep)
                        : ::tensorbridge::min(x, one_dim(dim, op), keep);
  return values_indices(Max ? return_types().max : return_types().min, std::move(r.values),
                        std::move(r.indices));
}

// ---- linear algebra operands ------------------------------------------------------------------

// A tensor, or an array exporting its memory (NumPy, DLPack producers), shared without a copy.
std::optional<TensorBase> maybe_operand(py::handle obj, const char* op) {
  if (py::isinstance<TensorBase>(obj)) return obj.cast<TensorBase>();
  if (obj.is_none() || PyUnicode_Check(obj.ptr()) || PyBytes_Check(obj.ptr()) ||
      PyLong_Check(obj.ptr()) || PyFloat_Check(obj.ptr()) || PyComplex_Check(obj.ptr())) {
    return std::nullopt;
  }
  return import_array(obj, op);
}

TensorBase operand(py::handle obj, const char* op, const char* name) {
  std::optional<TensorBase> t = maybe_operand(obj, op);
  TB_CHECK(t.has_value(), TypeError, op, "(): argument '", name,
           "' must be a Tensor or an array, not ", type_name(obj));
  return std::move(*t);
}

using Product = TensorBase (*)(const TensorBase&, const TensorBase&);

// A binary product bound as tb.<name>(input, <arg>) and Tensor.<name>(<arg>), both operands
// tensors or arrays.
void def_product(py::module_& m, TensorClass& cls, const char* name, const char* arg,
                 Product product, const char* doc) {
  auto fn = [name, arg, product](py::handle a, py::handle b) {
    return product(operand(a, name, "input"), operand(b, name, arg));
  };
  m.def(name, fn, py::arg("input"), py::arg(arg), doc);
  cls.def(name, fn, py::arg(arg), doc);
}

// a @ b for the dunders: NotImplemented when the other side is neither tensor nor array, so
// Python can ask it instead.
py::object matmul_dunder(py::handle a, py::handle b) {
  std::optional<TensorBase> ta = maybe_operand(a, "matmul");
  std::optional<TensorBase> tb_ = maybe_operand(b, "matmul");
  if (!ta || !tb_) return py::reinterpret_borrow<py::object>(Py_NotImplemented);
  return py::cast(::tensorbridge::matmul(*ta, *tb_));
}

Scalar scalar_coefficient(py::handle obj, const char* op, const char* name) {
  const std::optional<Scalar> s = scalar_arg(obj);
  TB_CHECK(s.has_value(), TypeError, op, "(): argument '", name, "' must be a number, not ",
           type_name(obj));
  return *s;
}

void bind_reductions(py::module_& m, TensorClass& cls) {
  py::module_ rt = m.def_submodule("return_types", "Named (values, indices) results, as torch.return_types");
  py::object namedtuple = py::module_::import("collections").attr("namedtuple");
  for (const char* name : {"max", "min", "sort", "topk"}) {
    rt.attr(name) = namedtuple(name, py::make_tuple("values", "indices"),
                               py::arg("module") = "tensorbridge.return_types");
  }
  return_types() = {py::object(rt.attr("max")).release(), py::object(rt.attr("min")).release()};

  using Summation = TensorBase (*)(const TensorBase&, const std::vector<int64_t>&, bool,
                                   std::optional<DType>);
  struct Sum {
    const char* name;
    Summation fn;
    const char* doc;
  };
  static constexpr Sum kSums[] = {
      {"sum", [](const TensorBase& x, const std::vector<int64_t>& d, bool k, std::optional<DType> t) {
         return ::tensorbridge::sum(x, d, k, t);
       },
       "The sum over dim (an int, a tuple of ints, or None for all). Integers and bool sum in "
       "int64 unless dtype= says otherwise."},
      {"mean", [](const TensorBase& x, const std::vector<int64_t>& d, bool k, std::optional<DType> t) {
         return ::tensorbridge::mean(x, d, k, t);
       },
       "The mean over dim (an int, a tuple of ints, or None for all); floating or complex input "
       "or dtype=."},
      {"prod", [](const TensorBase& x, const std::vector<int64_t>& d, bool k, std::optional<DType> t) {
         return ::tensorbridge::prod(x, d, k, t);
       },
       "The product over dim (all elements when None); integers multiply in int64."},
  };
  for (const Sum& s : kSums) {
    const char* name = s.name;
    const Summation fn = s.fn;
    def_function_and_method(
        m, cls, name, "input",
        [name, fn](const TensorBase& x, py::handle dim, bool keepdim, py::handle dtype) {
          return fn(x, reduce_dims(dim, name), keepdim, optional_dtype_arg(dtype, name));
        },
        s.doc, py::arg("dim") = py::none(), py::arg("keepdim") = false, py::kw_only(),
        py::arg("dtype") = py::none());
  }

  def_function_and_method(m, cls, "max", "input", &extreme<true>,
                          "max(input): the largest element. max(input, dim, keepdim=False): "
                          "(values, indices) along dim. max(input, other): elementwise maximum.",
                          py::arg("dim") = py::none(), py::arg("keepdim") = py::none());
  def_function_and_method(m, cls, "min", "input", &extreme<false>,
                          "min(input): the smallest element. min(input, dim, keepdim=False): "
                          "(values, indices) along dim. min(input, other): elementwise minimum.",
                          py::arg("dim") = py::none(), py::arg("keepdim") = py::none());
  def_function_and_method(
      m, cls, "amax", "input",
      [](const TensorBase& x, py::handle dim, bool keepdim) {
        return ::tensorbridge::amax(x, reduce_dims(dim, "amax"), keepdim);
      },
      "The largest values over dim (all dims for ()); NaN propagates.", py::arg("dim") = py::tuple(),
      py::arg("keepdim") = false);
  def_function_and_method(
      m, cls, "amin", "input",
      [](const TensorBase& x, py::handle dim, bool keepdim) {
        return ::tensorbridge::amin(x, reduce_dims(dim, "amin"), keepdim);
      },
      "The smallest values over dim (all dims for ()); NaN propagates.", py::arg("dim") = py::tuple(),
      py::arg("keepdim") = false);
  def_function_and_method(
      m, cls, "argmax", "input",
      [](const TensorBase& x, py::handle dim, bool keepdim) {
        return ::tensorbridge::argmax(x, dim.is_none() ? std::nullopt : std::optional(one_dim(dim, "argmax")),
                                      keepdim);
      },
      "The index of the first largest value (in the flattened tensor when dim is None).",
      py::arg("dim") = py::none(), py::arg("keepdim") = false);
  def_function_and_method(
      m, cls, "argmin", "input",
      [](const TensorBase& x, py::handle dim, bool keepdim) {
        return ::tensorbridge::argmin(x, dim.is_none() ? std::nullopt : std::optional(one_dim(dim, "argmin")),
                                      keepdim);
      },
      "The index of the first smallest value (in the flattened tensor when dim is None).",
      py::arg("dim") = py::none(), py::arg("keepdim") = false);
  def_function_and_method(m, cls, "var", "input", &variance<false>,
                          "The variance over dim with Bessel's correction (correction=1; "
                          "unbiased=False means correction=0).",
                          py::arg("dim") = py::none(), py::arg("unbiased") = py::none(),
                          py::arg("keepdim") = false, py::kw_only(), py::arg("correction") = py::none());
  def_function_and_method(m, cls, "std", "input", &variance<true>,
                          "The standard deviation over dim with Bessel's correction "
                          "(correction=1; unbiased=False means correction=0).",
                          py::arg("dim") = py::none(), py::arg("unbiased") = py::none(),
                          py::arg("keepdim") = false, py::kw_only(), py::arg("correction") = py::none());
  def_function_and_method(
      m, cls, "norm", "input",
      [](const TensorBase& x, py::handle p, py::handle dim, bool keepdim, py::handle dtype) {
        const std::optional<DType> d = optional_dtype_arg(dtype, "norm");
        if (d) check_norm_dtype(x, *d);
        return ::tensorbridge::norm(d ? x.to(*d) : x, norm_order(p), reduce_dims(dim, "norm"), keepdim);
      },
      "The p-norm over dim (all elements when None): p a number, inf, -inf or 'fro' (2).",
      py::arg("p") = "fro", py::arg("dim") = py::none(), py::arg("keepdim") = false,
      py::arg("dtype") = py::none());
  for (const char* name : {"all", "any"}) {
    const bool is_all = name[1] == 'l';
    def_function_and_method(
        m, cls, name, "input",
        [name, is_all](const TensorBase& x, py::handle dim, bool keepdim) {
          const std::vector<int64_t> dims = reduce_dims(dim, name);
          return is_all ? ::tensorbridge::all(x, dims, keepdim) : ::tensorbridge::any(x, dims, keepdim);
        },
        is_all ? "Whether every element over dim is nonzero (bool; uint8 input gives uint8)."
               : "Whether any element over dim is nonzero (bool; uint8 input gives uint8).",
        py::arg("dim") = py::none(), py::arg("keepdim") = false);
  }
  def_function_and_method(
      m, cls, "cumsum", "input",
      [](const TensorBase& x, py::handle dim, py::handle dtype) {
        return ::tensorbridge::cumsum(x, one_dim(dim, "cumsum"), optional_dtype_arg(dtype, "cumsum"));
      },
      "Running sums along dim (integers accumulate in int64).", py::arg("dim"), py::kw_only(),
      py::arg("dtype") = py::none());
  def_function_and_method(
      m, cls, "cumprod", "input",
      [](const TensorBase& x, py::handle dim, py::handle dtype) {
        return ::tensorbridge::cumprod(x, one_dim(dim, "cumprod"), optional_dtype_arg(dtype, "cumprod"));
      },
      "Running products along dim (integers accumulate in int64).", py::arg("dim"), py::kw_only(),
      py::arg("dtype") = py::none());
  def_function_and_method(
      m, cls, "logsumexp", "input",
      [](const TensorBase& x, py::handle dim, bool keepdim) {
        return ::tensorbridge::logsumexp(x, reduce_dims(dim, "logsumexp"), keepdim);
      },
      "log(sum(exp(input))) over dim, computed without overflow.", py::arg("dim"),
      py::arg("keepdim") = false);
  def_function_and_method(
      m, cls, "softmax", "input",
      [](const TensorBase& x, py::handle dim, py::handle dtype) {
        return ::tensorbridge::softmax(x, one_dim(dim, "softmax"), optional_dtype_arg(dtype, "softmax"));
      },
      "exp(input) / sum(exp(input)) along dim (computed in dtype when given).", py::arg("dim"),
      py::arg("dtype") = py::none());
  def_function_and_method(
      m, cls, "log_softmax", "input",
      [](const TensorBase& x, py::handle dim, py::handle dtype) {
        return ::tensorbridge::log_softmax(x, one_dim(dim, "log_softmax"),
                                           optional_dtype_arg(dtype, "log_softmax"));
      },
      "log(softmax(input)) along dim, computed without overflow.", py::arg("dim"),
      py::arg("dtype") = py::none());
}

void bind_linalg(py::module_& m, TensorClass& cls) {
  def_product(m, cls, "matmul", "other", &::tensorbridge::matmul,
              "The matrix product with NumPy's rules: 1-D operands are vectors, batches broadcast.");
  def_product(m, cls, "mm", "mat2", &::tensorbridge::mm, "The product of two matrices.");
  def_product(m, cls, "bmm", "mat2", &::tensorbridge::bmm,
              "Batched matrix products: (b, n, m) @ (b, m, p) -> (b, n, p).");
  def_product(m, cls, "mv", "vec", &::tensorbridge::mv, "A matrix times a vector.");
  def_product(m, cls, "dot", "tensor", &::tensorbridge::dot, "The dot product of two 1-D tensors.");
  def_product(m, cls, "outer", "vec2", &::tensorbridge::outer,
              "The outer product of two 1-D tensors.");
  auto addmm = [](py::handle input, py::handle mat1, py::handle mat2, py::handle beta,
                  py::handle alpha) {
    return ::tensorbridge::addmm(operand(input, "addmm", "input"), operand(mat1, "addmm", "mat1"),
                                 operand(mat2, "addmm", "mat2"),
                                 scalar_coefficient(beta, "addmm", "beta"),
                                 scalar_coefficient(alpha, "addmm", "alpha"));
  };
  const char* addmm_doc = "beta * input + alpha * (mat1 @ mat2); input broadcasts.";
  m.def("addmm", addmm, py::arg("input"), py::arg("mat1"), py::arg("mat2"), py::kw_only(),
        py::arg("beta") = 1, py::arg("alpha") = 1, addmm_doc);
  cls.def("addmm", addmm, py::arg("mat1"), py::arg("mat2"), py::kw_only(), py::arg("beta") = 1,
          py::arg("alpha") = 1, addmm_doc);

  // The C++ einsum on (equation, [operands]); tensorbridge.einsum (_einsum.py) turns torch's
  // argument forms (varargs, one list, sublists) into this call.
  m.def(
      "_einsum",
      [](const std::string& equation, py::handle operands) {
        TB_CHECK(PySequence_Check(operands.ptr()) && !py::isinstance<TensorBase>(operands),
                 TypeError, "einsum(): operands must be a list or tuple of Tensors, not ",
                 type_name(operands));
        std::vector<TensorBase> tensors;
        for (py::handle item : py::reinterpret_borrow<py::sequence>(operands)) {
          tensors.push_back(operand(item, "einsum", "operands"));
        }
        return ::tensorbridge::einsum(equation, tensors);
      },
      py::arg("equation"), py::arg("operands"),
      "Einstein summation of operands as the equation says (differentiable).");

  cls.def("__matmul__", &matmul_dunder, py::is_operator());
  cls.def("__rmatmul__", [](py::handle self, py::handle other) { return matmul_dunder(other, self); },
          py::is_operator());
  // As in PyTorch, `a @= b` rebinds a to a new tensor (tensors have no in-place matmul); the
  // dunder exists so that the statement names this op in its errors.
  cls.def("__imatmul__", &matmul_dunder, py::is_operator());
}

}  // namespace

void bind_ops_reduce_linalg(py::module_& m, TensorClass& cls) {
  bind_reductions(m, cls);
  bind_linalg(m, cls);
}

}  // namespace tensorbridge::python
