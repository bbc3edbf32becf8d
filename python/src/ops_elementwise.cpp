// Elementwise math from Python with PyTorch's names, signatures and type promotion:
// tensorbridge.add(...) and the other module functions (with out=), the Tensor methods and
// their in-place forms (add_), and the operators (+, +=, reflected +, ==, ~, ...).
//
// Everything here is on the per-call hot path of small tensors, so nothing goes through
// pybind11's overload resolution: functions and methods are METH_FASTCALL C functions that
// parse their own arguments, and the operators fill the type's number and comparison slots
// directly (Python then calls C without looking up __add__). The dunder methods in the
// class dict do the same work for explicit calls and for Python subclasses (nn.Parameter).
//
// Operands are tensors, Python numbers (weak scalars in type promotion, as in PyTorch:
// int32 tensor * 2.5 is float32, float16 tensor + 1.0 stays float16), NumPy scalars (also
// weak), and anything import_array shares zero-copy (NumPy arrays, DLPack producers), which
// counts as a tensor. Operators return NotImplemented for anything else so that Python can
// ask the other operand. Differentiable ops go through the public tb:: functions, which
// record autograd graphs.
#include <array>
#include <cstdint>
#include <cstring>
#include <deque>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "bindings.hpp"
#include "tensorbridge/autograd/grad_mode.hpp"
#include "tensorbridge/interop/pybind11_errors.hpp"
#include "tensorbridge/ops/api_elementwise.hpp"

namespace tensorbridge::python {

namespace {

// ---- Python objects -------------------------------------------------------------------------

PyTypeObject* g_tensor_type = nullptr;  // tensorbridge.Tensor, set by bind_elementwise

bool is_tensor(PyObject* obj) { return PyObject_TypeCheck(obj, g_tensor_type) != 0; }

// The C++ tensor inside a Python Tensor (what pybind11's caster finds, without its lookups).
const TensorBase& tensor_at(PyObject* obj) {
  auto* inst = reinterpret_cast<py::detail::instance*>(obj);
  auto* t = inst->get_value_and_holder().value_ptr<TensorBase>();
  if (t == nullptr) throw py::type_error("tensorbridge.Tensor object was not initialized");
  return *t;
}

PyObject* new_reference(PyObject* obj) {
  Py_INCREF(obj);
  return obj;
}

// A new Python Tensor owning `t`: what py::cast does for a new C++ object, without its
// lookups (the type's registration, an existing wrapper of the same address) that cost about
// a fifth of a small op.
PyObject* to_python(TensorBase&& t) {
  using Holder = TensorClass::holder_type;
  static_assert(std::is_same_v<Holder, std::unique_ptr<TensorBase>>, "Tensor's holder changed");
  static const py::detail::type_info* tinfo = py::detail::get_type_info(typeid(TensorBase));
  auto value = std::make_unique<TensorBase>(std::move(t));
  PyObject* obj = py::detail::make_new_instance(tinfo->type);
  if (obj == nullptr) throw py::error_already_set();
  auto* inst = reinterpret_cast<py::detail::instance*>(obj);
  py::detail::value_and_holder v_h = inst->get_value_and_holder(tinfo);
  v_h.value_ptr() = value.get();
  inst->owned = true;
  py::detail::register_instance(inst, value.get(), tinfo);
  v_h.set_instance_registered();
  new (std::addressof(v_h.holder<Holder>())) Holder(value.release());
  v_h.set_holder_constructed();
  return obj;
}

// numpy.<name> once NumPy has been imported by someone (an object cannot be an ndarray
// before that), else null. Kept for the life of the process.
PyObject* numpy_type(const char* name, PyObject*& cache) {
  if (cache != nullptr) return cache;
  PyObject* numpy = PyDict_GetItemString(PyImport_GetModuleDict(), "numpy");  // borrowed
  if (numpy == nullptr) return nullptr;
  cache = PyObject_GetAttrString(numpy, name);
  if (cache == nullptr) PyErr_Clear();
  return cache;
}
bool is_instance_of_numpy(PyObject* obj, const char* name, PyObject*& cache) {
  PyObject* type = numpy_type(name, cache);
  return type != nullptr && PyType_Check(type) &&
         PyObject_TypeCheck(obj, reinterpret_cast<PyTypeObject*>(type));
}
bool is_ndarray(PyObject* obj) {
  static PyObject* cache = nullptr;
  return is_instance_of_numpy(obj, "ndarray", cache);
}
bool is_numpy_scalar(PyObject* obj) {
  static PyObject* cache = nullptr;
  return is_instance_of_numpy(obj, "generic", cache);
}

// ---- operands -------------------------------------------------------------------------------

// One operand of an op: a tensor (borrowed from a Python Tensor, or imported) or a scalar.
struct Arg {
  const TensorBase* tensor = nullptr;
  TensorBase imported;
  Scalar scalar;
  bool is_tensor() const { return tensor != nullptr; }
  ops::Operand operand() const { return is_tensor() ? ops::Operand(*tensor) : ops::Operand(scalar); }
};

// Reads `obj` into `out`; false when it is neither a tensor, a number nor array-like.
bool read_arg(PyObject* obj, Arg& out, const char* op) {
  if (is_tensor(obj)) {
    out.tensor = &tensor_at(obj);
    return true;
  }
  if (PyFloat_CheckExact(obj)) {  // the common scalars first, without a call
    out.scalar = Scalar(PyFloat_AS_DOUBLE(obj));
    return true;
  }
  if (PyLong_CheckExact(obj) || PyBool_Check(obj) || PyComplex_CheckExact(obj) ||
      PyFloat_Check(obj) || is_numpy_scalar(obj)) {
    // Python numbers, their subclasses (np.float64 is a float) and NumPy scalars: weak.
    std::optional<Scalar> s = scalar_arg(obj);
    if (!s) return false;
    out.scalar = *s;
    return true;
  }
  if (PyUnicode_Check(obj) || PyBytes_Check(obj) || PyByteArray_Check(obj)) return false;
  if (is_ndarray(obj) || PyObject_CheckBuffer(obj) || PyObject_HasAttrString(obj, "__dlpack__")) {
    std::optional<TensorBase> t = import_array(obj, op);  // zero-copy; raises for odd dtypes
    if (t) {
      out.imported = std::move(*t);
      out.tensor = &out.imported;
      return true;
    }
  }
  if (PyLong_Check(obj) || PyComplex_Check(obj) || PyIndex_Check(obj)) {
    std::optional<Scalar> s = scalar_arg(obj);
    if (!s) return false;
    out.scalar = *s;
    return true;
  }
  return false;
}

[[noreturn]] void bad_arg(const char* fn, const char* param, PyObject* obj, const char* expected) {
  throw py::type_error(std::string(fn) + "(): argument '" + param + "' must be " + expected +
                       ", not " + type_name(obj));
}

// An operand of a function or method, where an unknown type is an error.
void require_arg(PyObject* obj, Arg& out, const char* fn, const char* param) {
  if (!read_arg(obj, out, fn)) bad_arg(fn, param, obj, "Tensor or Number");
}

// A tensor argument (tensors and array-likes; numbers are refused).
void require_tensor(PyObject* obj, Arg& out, const char* fn, const char* param) {
  if (!read_arg(obj, out, fn) || !out.is_tensor()) bad_arg(fn, param, obj, "Tensor");
}

// ---- argument parsing -----------------------------------------------------------------------

// Fills values[0..n) from a vectorcall's arguments: the first `npos` names may be passed by
// position, all by keyword. Absent ones stay null.
void parse_args(const char* fn, PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames,
                const char* const* names, int npos, int n, PyObject** values) {
  for (int i = 0; i < n; ++i) values[i] = nullptr;
  if (nargs > npos) {
    throw py::type_error(std::string(fn) + "() takes " + std::to_string(npos) +
                         " positional argument" + (npos == 1 ? "" : "s") + " but " +
                         std::to_string(nargs) + " were given");
  }
  for (Py_ssize_t i = 0; i < nargs; ++i) values[i] = args[i];
  const Py_ssize_t nkw = kwnames ? PyTuple_GET_SIZE(kwnames) : 0;
  for (Py_ssize_t i = 0; i < nkw; ++i) {
    PyObject* key = PyTuple_GET_ITEM(kwnames, i);
    int k = 0;
    while (k < n && PyUnicode_CompareWithASCIIString(key, names[k]) != 0) ++k;
    if (k == n) {
      throw py::type_error(std::string(fn) + "() got an unexpected keyword argument '" +
                           py::str(key).cast<std::string>() + "'");
    }
    if (values[k] != nullptr) {
      throw py::type_error(std::string(fn) + "() got multiple values for argument '" + names[k] + "'");
    }
    values[k] = args[nargs + i];
  }
}

void require_present(PyObject* value, const char* fn, const char* name) {
  if (value == nullptr) {
    throw py::type_error(std::string(fn) + "() missing required argument '" + name + "'");
  }
}

bool given(PyObject* value) { return value != nullptr && value != Py_None; }

// Runs `body` and converts C++ exceptions into the Python error a C function returns null for.
template <typename Body>
PyObject* guarded(Body&& body) noexcept {
  try {
    return body();
  } catch (py::error_already_set& e) {
    e.restore();
  } catch (const py::builtin_exception& e) {
    e.set_error();
  } catch (const Error&) {
    translate_exception(std::current_exception());
  } catch (const std::bad_alloc&) {
    PyErr_NoMemory();
  } catch (const std::exception& e) {
    PyErr_SetString(PyExc_RuntimeError, e.what());
  }
  return nullptr;
}

// ---- out= -----------------------------------------------------------------------------------

// PyTorch records no graph through out= and refuses when a gradient would be lost.
void check_out_autograd(const char* fn, std::initializer_list<const Arg*> args, const TensorBase& out) {
  if (!autograd::GradMode::is_enabled()) return;
  bool needs = tensor_requires_grad(out);
  for (const Arg* a : args) needs = needs || (a->is_tensor() && tensor_requires_grad(*a->tensor));
  TB_CHECK(!needs, Error, fn, "(): functions with out=... arguments don't support automatic "
           "differentiation, but one of the arguments requires grad.");
}

// Writes a computed result into out=, with the checks of an in-place op.
void write_out(const TensorBase& out, const TensorBase& result, const char* fn) {
  out.check_writable(fn);
  TB_CHECK(out.shape() == result.shape(), ValueError, fn, ": output with shape ",
           shape_str(out.shape()), " doesn't match the broadcast shape ", shape_str(result.shape()));
  TB_CHECK(can_cast(result.dtype(), out.dtype()), TypeError, fn, ": result type ", result.dtype(),
           " can't be cast to the desired output type ", out.dtype());
  out.copy_(result);
}

// ---- binary ops -----------------------------------------------------------------------------

enum class Bin : uint8_t {
  Add, Sub, Mul, Div, TrueDiv, FloorDiv, Remainder, Pow, Maximum, Minimum, Atan2,
  Eq, Ne, Lt, Le, Gt, Ge, LogicalAnd, LogicalOr, LogicalXor,
  BitAnd, BitOr, BitXor, Lshift, Rshift,
};

// The parameters beyond the two operands.
struct BinExtra {
  Scalar alpha = 1;
  std::string_view rounding_mode;
};

template <typename A, typename B>
TensorBase call_binary(Bin op, const A& a, const B& b, const BinExtra& x) {
  switch (op) {
    case Bin::Add: return tensorbridge::add(a, b, x.alpha);
    case Bin::Sub: return tensorbridge::sub(a, b, x.alpha);
    case Bin::Mul: return tensorbridge::mul(a, b);
    case Bin::Div: return tensorbridge::div(a, b, x.rounding_mode);
    case Bin::TrueDiv: return tensorbridge::div(a, b);
    case Bin::FloorDiv: return tensorbridge::floor_divide(a, b);
    case Bin::Remainder: return tensorbridge::remainder(a, b);
    case Bin::Pow: return tensorbridge::pow(a, b);
    case Bin::Maximum: return tensorbridge::maximum(a, b);
    case Bin::Minimum: return tensorbridge::minimum(a, b);
    case Bin::Atan2: return tensorbridge::atan2(a, b);
    case Bin::Eq: return tensorbridge::eq(a, b);
    case Bin::Ne: return tensorbridge::ne(a, b);
    case Bin::Lt: return tensorbridge::lt(a, b);
    case Bin::Le: return tensorbridge::le(a, b);
    case Bin::Gt: return tensorbridge::gt(a, b);
    case Bin::Ge: return tensorbridge::ge(a, b);
    case Bin::LogicalAnd: return tensorbridge::logical_and(a, b);
    case Bin::LogicalOr: return tensorbridge::logical_or(a, b);
    case Bin::LogicalXor: return tensorbridge::logical_xor(a, b);
    case Bin::BitAnd: return tensorbridge::bitwise_and(a, b);
    case Bin::BitOr: return tensorbridge::bitwise_or(a, b);
    case Bin::BitXor: return tensorbridge::bitwise_xor(a, b);
    case Bin::Lshift: return tensorbridge::bitwise_left_shift(a, b);
    case Bin::Rshift: return tensorbridge::bitwise_right_shift(a, b);
  }
  throw std::logic_error("call_binary: unknown op");
}

template <typename B>
void call_binary_(Bin op, const TensorBase& self, const B& b, const BinExtra& x) {
  switch (op) {
    case Bin::Add: tensorbridge::add_(self, b, x.alpha); return;
    case Bin::Sub: tensorbridge::sub_(self, b, x.alpha); return;
    case Bin::Mul: tensorbridge::mul_(self, b); return;
    case Bin::Div: tensorbridge::div_(self, b, x.rounding_mode); return;
    case Bin::TrueDiv: tensorbridge::div_(self, b); return;
    case Bin::FloorDiv: tensorbridge::floor_divide_(self, b); return;
    case Bin::Remainder: tensorbridge::remainder_(self, b); return;
    case Bin::Pow: tensorbridge::pow_(self, b); return;
    case Bin::Maximum: tensorbridge::maximum_(self, b); return;
    case Bin::Minimum: tensorbridge::minimum_(self, b); return;
    case Bin::Atan2: tensorbridge::atan2_(self, b); return;
    case Bin::Eq: tensorbridge::eq_(self, b); return;
    case Bin::Ne: tensorbridge::ne_(self, b); return;
    case Bin::Lt: tensorbridge::lt_(self, b); return;
    case Bin::Le: tensorbridge::le_(self, b); return;
    case Bin::Gt: tensorbridge::gt_(self, b); return;
    case Bin::Ge: tensorbridge::ge_(self, b); return;
    case Bin::LogicalAnd: tensorbridge::logical_and_(self, b); return;
    case Bin::LogicalOr: tensorbridge::logical_or_(self, b); return;
    case Bin::LogicalXor: tensorbridge::logical_xor_(self, b); return;
    case Bin::BitAnd: tensorbridge::bitwise_and_(self, b); return;
    case Bin::BitOr: tensorbridge::bitwise_or_(self, b); return;
    case Bin::BitXor: tensorbridge::bitwise_xor_(self, b); return;
    case Bin::Lshift: tensorbridge::bitwise_left_shift_(self, b); return;
    case Bin::Rshift: tensorbridge::bitwise_right_shift_(self, b); return;
  }
}

// The raw kernels writing into `out` (out= records no graph, see check_out_autograd).
void call_binary_out(Bin op, const TensorBase& out, const ops::Operand& a, const ops::Operand& b,
                     const BinExtra& x) {
  switch (op) {
    case Bin::Add: ops::add_out(out, a, b, x.alpha); return;
    case Bin::Sub: ops::sub_out(out, a, b, x.alpha); return;
    case Bin::Mul: ops::mul_out(out, a, b); return;
    case Bin::Div: ops::div_out(out, a, b, x.rounding_mode); return;
    case Bin::TrueDiv: ops::div_out(out, a, b); return;
    case Bin::FloorDiv: ops::floor_divide_out(out, a, b); return;
    case Bin::Remainder: ops::remainder_out(out, a, b); return;
    case Bin::Pow: ops::pow_out(out, a, b); return;
    case Bin::Maximum: ops::maximum_out(out, a, b); return;
    case Bin::Minimum: ops::minimum_out(out, a, b); return;
    case Bin::Atan2: ops::atan2_out(out, a, b); return;
    case Bin::Eq: ops::eq_out(out, a, b); return;
    case Bin::Ne: ops::ne_out(out, a, b); return;
    case Bin::Lt: ops::lt_out(out, a, b); return;
    case Bin::Le: ops::le_out(out, a, b); return;
    case Bin::Gt: ops::gt_out(out, a, b); return;
    case Bin::Ge: ops::ge_out(out, a, b); return;
    case Bin::LogicalAnd: ops::logical_and_out(out, a, b); return;
    case Bin::LogicalOr: ops::logical_or_out(out, a, b); return;
    case Bin::LogicalXor: ops::logical_xor_out(out, a, b); return;
    case Bin::BitAnd: ops::bitwise_and_out(out, a, b); return;
    case Bin::BitOr: ops::bitwise_or_out(out, a, b); return;
    case Bin::BitXor: ops::bitwise_xor_out(out, a, b); return;
    case Bin::Lshift: ops::bitwise_left_shift_out(out, a, b); return;
    case Bin::Rshift: ops::bitwise_right_shift_out(out, a, b); return;
  }
}

// ---- the small-operand fast path ----------------------------------------------------------
// For small operands of one dtype and one memory order the general path's bookkeeping
// (promotion, broadcasting, layouts, overlap checks, autograd) costs more than the arithmetic.
// When none of it can matter, the same kernel row runs straight over the operands' memory:
// same functor, same result dtype and layout, same values. Above kParallelGrain elements the
// general path runs (it may split the work across threads).

// A small CPU tensor without autograd; the caller checks its memory order (flat_layout).
bool small_operand(const TensorBase& t) {
  return t.device().is_cpu() && t.numel() <= kernels::cpu::kParallelGrain && !tensor_requires_grad(t);
}

// Elements that fill one block of memory: contiguous, or a permutation of a contiguous layout
// (a transpose) with positive strides.
bool flat_layout(const TensorBase& t) {
  if (t.is_contiguous()) return true;
  for (int64_t d = 0; d < t.dim(); ++d) {
    if (t.shape()[d] > 1 && t.strides()[d] < 0) return false;
  }
  return ops::detail::is_dense(t);
}

// Same shape and the same memory order, so the i-th element of each block is the same element.
bool same_layout(const TensorBase& x, const TensorBase& y) {
  if (x.shape() != y.shape()) return false;
  if (x.is_contiguous() && y.is_contiguous()) return true;
  for (int64_t d = 0; d < x.dim(); ++d) {
    if (x.shape()[d] > 1 && x.strides()[d] != y.strides()[d]) return false;
  }
  return true;
}

// A scalar that leaves a tensor of dtype `d` its dtype (weak promotion) and converts exactly
// as the general path does (Scalar::to<T>). Bools are left to the general path, which refuses
// them in subtraction.
bool scalar_keeps_dtype(const Scalar& s, DType d) {
  return s.is_integral() || (s.is_floating_point() && is_floating_point(d));
}

// A new tensor laid out like `like` (a transpose gives a transpose), as the general path's.
TensorBase new_with_layout(const TensorBase& like, DType dtype, const char* op) {
  if (like.is_contiguous()) return tensorbridge::detail::new_cpu_tensor(like.shape(), dtype, op);
  auto storage = Storage::allocate_cpu(static_cast<std::size_t>(like.numel()) * itemsize(dtype));
  return TensorBase(std::make_shared<TensorImpl>(std::move(storage), 0, like.shape(), like.strides(), dtype));
}

template <typename T, typename Out, typename Fn>
TensorBase run_row(const TensorBase& like, const char* pa, int64_t sa, const char* pb, int64_t sb,
                   const char* op) {
  TensorBase out = new_with_layout(like, dtype_v<Out>, op);
  kernels::cpu::BinaryRow<T, Out, Fn>{Fn{}}(
      {static_cast<char*>(out.data_ptr()), const_cast<char*>(pa), const_cast<char*>(pb)},
      {int64_t(sizeof(Out)), sa, sb}, out.numel());
  return out;
}

template <typename T>
std::optional<TensorBase> fast_binary_typed(Bin op, const Arg& a, const Arg& b, bool is_float) {
  namespace k = kernels::cpu;
  const TensorBase& like = a.is_tensor() ? *a.tensor : *b.tensor;
  T sa{}, sb{};
  const char* pa = a.is_tensor() ? static_cast<const char*>(a.tensor->data_ptr())
                                 : reinterpret_cast<const char*>(&(sa = a.scalar.to<T>()));
  const char* pb = b.is_tensor() ? static_cast<const char*>(b.tensor->data_ptr())
                                 : reinterpret_cast<const char*>(&(sb = b.scalar.to<T>()));
  const int64_t step_a = a.is_tensor() ? int64_t(sizeof(T)) : 0;
  const int64_t step_b = b.is_tensor() ? int64_t(sizeof(T)) : 0;
  switch (op) {
    case Bin::Add: return run_row<T, T, k::AddFn>(like, pa, step_a, pb, step_b, "add");
    case Bin::Sub: return run_row<T, T, k::SubFn>(like, pa, step_a, pb, step_b, "sub");
    case Bin::Mul: return run_row<T, T, k::MulFn>(like, pa, step_a, pb, step_b, "mul");
    case Bin::TrueDiv:
      if (!is_float) return std::nullopt;  // integers divide into float32
      return run_row<T, T, k::DivFn>(like, pa, step_a, pb, step_b, "div");
    case Bin::Eq: return run_row<T, bool, k::EqFn>(like, pa, step_a, pb, step_b, "eq");
    case Bin::Ne: return run_row<T, bool, k::NeFn>(like, pa, step_a, pb, step_b, "ne");
    case Bin::Lt: return run_row<T, bool, k::LtFn>(like, pa, step_a, pb, step_b, "lt");
    case Bin::Le: return run_row<T, bool, k::LeFn>(like, pa, step_a, pb, step_b, "le");
    case Bin::Gt: return run_row<T, bool, k::GtFn>(like, pa, step_a, pb, step_b, "gt");
    case Bin::Ge: return run_row<T, bool, k::GeFn>(like, pa, step_a, pb, step_b, "ge");
    default: return std::nullopt;
  }
}

// The result of `a op b` when the fast path applies (alpha 1, no rounding mode), else nothing.
std::optional<TensorBase> fast_binary(Bin op, const Arg& a, const Arg& b) {
  DType dtype;
  if (a.is_tensor() && b.is_tensor()) {
    const TensorBase& x = *a.tensor;
    const TensorBase& y = *b.tensor;
    if (x.dtype() != y.dtype() || !small_operand(x) || !small_operand(y) || !same_layout(x, y) ||
        !flat_layout(x)) {
      return std::nullopt;
    }
    dtype = x.dtype();
  } else {
    const TensorBase& t = a.is_tensor() ? *a.tensor : *b.tensor;
    const Scalar& s = a.is_tensor() ? b.scalar : a.scalar;
    if (!scalar_keeps_dtype(s, t.dtype()) || !small_operand(t) || !flat_layout(t)) return std::nullopt;
    dtype = t.dtype();
  }
  switch (dtype) {
    case DType::Float32: return fast_binary_typed<float>(op, a, b, true);
    case DType::Float64: return fast_binary_typed<double>(op, a, b, true);
    case DType::Int32: return fast_binary_typed<int32_t>(op, a, b, false);
    case DType::Int64: return fast_binary_typed<int64_t>(op, a, b, false);
    default: return std::nullopt;
  }
}

TensorBase apply_binary(Bin op, const Arg& a, const Arg& b, const BinExtra& x, const char* fn) {
  const bool plain = x.rounding_mode.empty() && !x.alpha.is_complex() && x.alpha.to<double>() == 1.0;
  if (plain && (a.is_tensor() || b.is_tensor())) {
    if (std::optional<TensorBase> r = fast_binary(op, a, b)) return std::move(*r);
  }
  if (a.is_tensor() && b.is_tensor()) return call_binary(op, *a.tensor, *b.tensor, x);
  if (a.is_tensor()) return call_binary(op, *a.tensor, b.scalar, x);
  if (b.is_tensor()) return call_binary(op, a.scalar, *b.tensor, x);
  TB_THROW(TypeError, fn, "(): expected at least one Tensor operand, got two numbers (", a.scalar,
           ", ", b.scalar, ")");
}

void apply_binary_(Bin op, const TensorBase& self, const Arg& b, const BinExtra& x) {
  if (b.is_tensor()) {
    call_binary_(op, self, *b.tensor, x);
  } else {
    call_binary_(op, self, b.scalar, x);
  }
}

// A Python name bound to a binary op.
struct BinaryEntry {
  const char* name;
  Bin op;
  const char* doc;
  bool in_place;  // Tensor.<name>_ exists (as in PyTorch)
};

constexpr BinaryEntry kBinary[] = {
    {"add", Bin::Add, "input + alpha * other, elementwise with broadcasting.", true},
    {"sub", Bin::Sub, "input - alpha * other, elementwise with broadcasting.", true},
    {"subtract", Bin::Sub, "Alias of sub.", true},
    {"mul", Bin::Mul, "input * other, elementwise with broadcasting.", true},
    {"multiply", Bin::Mul, "Alias of mul.", true},
    {"div", Bin::Div,
     "input / other: true division (integers give floats), or rounded with "
     "rounding_mode='trunc' or 'floor' (keeping integer dtypes).", true},
    {"divide", Bin::Div, "Alias of div.", true},
    {"true_divide", Bin::TrueDiv, "input / other, true division.", true},
    {"floor_divide", Bin::FloorDiv, "input // other, rounded toward negative infinity.", true},
    {"remainder", Bin::Remainder, "input % other, with the sign of the divisor (Python's %).", true},
    {"pow", Bin::Pow, "input ** exponent, elementwise with broadcasting.", true},
    {"maximum", Bin::Maximum, "The larger of input and other (NaN if either is NaN).", false},
    {"minimum", Bin::Minimum, "The smaller of input and other (NaN if either is NaN).", false},
    {"atan2", Bin::Atan2, "The angle of the point (other, input): atan(input / other) by quadrant.", true},
    {"eq", Bin::Eq, "input == other, as a bool tensor.", true},
    {"ne", Bin::Ne, "input != other, as a bool tensor.", true},
    {"not_equal", Bin::Ne, "Alias of ne.", true},
    {"lt", Bin::Lt, "input < other, as a bool tensor.", true},
    {"less", Bin::Lt, "Alias of lt.", true},
    {"le", Bin::Le, "input <= other, as a bool tensor.", true},
    {"less_equal", Bin::Le, "Alias of le.", true},
    {"gt", Bin::Gt, "input > other, as a bool tensor.", true},
    {"greater", Bin::Gt, "Alias of gt.", true},
    {"ge", Bin::Ge, "input >= other, as a bool tensor.", true},
    {"greater_equal", Bin::Ge, "Alias of ge.", true},
    {"logical_and", Bin::LogicalAnd, "input and other, with nonzero as True; a bool tensor.", true},
    {"logical_or", Bin::LogicalOr, "input or other, with nonzero as True; a bool tensor.", true},
    {"logical_xor", Bin::LogicalXor, "input xor other, with nonzero as True; a bool tensor.", true},
    {"bitwise_and", Bin::BitAnd, "input & other for integer and bool tensors.", true},
    {"bitwise_or", Bin::BitOr, "input | other for integer and bool tensors.", true},
    {"bitwise_xor", Bin::BitXor, "input ^ other for integer and bool tensors.", true},
    {"bitwise_left_shift", Bin::Lshift, "input << other for integer tensors.", true},
    {"bitwise_right_shift", Bin::Rshift, "input >> other (arithmetic) for integer tensors.", true},
};
constexpr std::size_t kBinaryCount = sizeof(kBinary) / sizeof(kBinary[0]);

bool has_alpha(Bin op) { return op == Bin::Add || op == Bin::Sub; }
const char* second_name(Bin op) { return op == Bin::Pow ? "exponent" : "other"; }

// Reads alpha= and rounding_mode= for `op` from parsed values (null when the op has none).
BinExtra read_extra(const char* fn, PyObject* alpha, PyObject* rounding_mode) {
  BinExtra x;
  if (given(alpha)) {
    std::optional<Scalar> s = scalar_arg(alpha);
    if (!s) bad_arg(fn, "alpha", alpha, "Number");
    x.alpha = *s;
  }
  if (given(rounding_mode)) {
    if (!PyUnicode_Check(rounding_mode)) bad_arg(fn, "rounding_mode", rounding_mode, "str or None");
    Py_ssize_t size = 0;
    const char* data = PyUnicode_AsUTF8AndSize(rounding_mode, &size);
    if (data == nullptr) throw py::error_already_set();
    x.rounding_mode = std::string_view(data, static_cast<std::size_t>(size));
    // An empty string would mean "true division" to the C++ API; PyTorch refuses it.
    TB_CHECK(!x.rounding_mode.empty(), ValueError, fn, ": expected rounding_mode to be one of "
             "None, 'trunc', or 'floor' but found ''");
  }
  return x;
}

// The names a binary function or method takes, in order: operands, then keyword-only ones.
struct BinarySignature {
  const char* names[5];
  int npos;  // positional operands
  int n;
  int alpha = -1, rounding = -1, out = -1;
};
BinarySignature binary_signature(Bin op, bool method, bool with_out) {
  BinarySignature s{};
  int k = 0;
  if (!method) s.names[k++] = "input";
  s.names[k++] = second_name(op);
  s.npos = k;
  if (has_alpha(op)) {
    s.alpha = k;
    s.names[k++] = "alpha";
  }
  if (op == Bin::Div) {
    s.rounding = k;
    s.names[k++] = "rounding_mode";
  }
  if (with_out) {
    s.out = k;
    s.names[k++] = "out";
  }
  s.n = k;
  return s;
}

// tensorbridge.<name>(input, other, *, [alpha=1,] [rounding_mode=None,] out=None)
PyObject* binary_function(const BinaryEntry& e, PyObject* const* args, Py_ssize_t nargs,
                          PyObject* kwnames) {
  return guarded([&]() -> PyObject* {
    static const BinarySignature sig[] = {
        binary_signature(Bin::Add, false, true), binary_signature(Bin::Div, false, true),
        binary_signature(Bin::Pow, false, true), binary_signature(Bin::Mul, false, true)};
    const BinarySignature& s = has_alpha(e.op) ? sig[0] : e.op == Bin::Div ? sig[1]
                               : e.op == Bin::Pow ? sig[2] : sig[3];
    PyObject* v[5];
    parse_args(e.name, args, nargs, kwnames, s.names, s.npos, s.n, v);
    require_present(v[0], e.name, s.names[0]);
    require_present(v[1], e.name, s.names[1]);
    Arg a, b;
    require_arg(v[0], a, e.name, s.names[0]);
    require_arg(v[1], b, e.name, s.names[1]);
    const BinExtra x = read_extra(e.name, s.alpha >= 0 ? v[s.alpha] : nullptr,
                                  s.rounding >= 0 ? v[s.rounding] : nullptr);
    PyObject* out = v[s.out];
    if (!given(out)) return to_python(apply_binary(e.op, a, b, x, e.name));
    if (!is_tensor(out)) bad_arg(e.name, "out", out, "Tensor");
    const TensorBase& target = tensor_at(out);
    check_out_autograd(e.name, {&a, &b}, target);
    TB_CHECK(a.is_tensor() || b.is_tensor(), TypeError, e.name,
             "(): expected at least one Tensor operand, got two numbers");
    call_binary_out(e.op, target, a.operand(), b.operand(), x);
    return new_reference(out);
  });
}

// Tensor.<name>(other, ...) and Tensor.<name>_(other, ...)
PyObject* binary_method(const BinaryEntry& e, bool in_place, PyObject* self, PyObject* const* args,
                        Py_ssize_t nargs, PyObject* kwnames) {
  return guarded([&]() -> PyObject* {
    const TensorBase& t = tensor_at(self);
    Arg b;
    BinExtra x;
    if (nargs == 1 && kwnames == nullptr) {  // the usual call: x.add(y)
      require_arg(args[0], b, e.name, second_name(e.op));
    } else {
      const BinarySignature s = binary_signature(e.op, true, false);
      PyObject* v[5];
      parse_args(e.name, args, nargs, kwnames, s.names, s.npos, s.n, v);
      require_present(v[0], e.name, s.names[0]);
      require_arg(v[0], b, e.name, s.names[0]);
      x = read_extra(e.name, s.alpha >= 0 ? v[s.alpha] : nullptr,
                     s.rounding >= 0 ? v[s.rounding] : nullptr);
    }
    if (in_place) {
      apply_binary_(e.op, t, b, x);
      return new_reference(self);
    }
    Arg a;
    a.tensor = &t;
    return to_python(apply_binary(e.op, a, b, x, e.name));
  });
}

// ---- unary ops ------------------------------------------------------------------------------

enum class Un : uint8_t {
  Neg, Abs, Sign, Exp, Expm1, Log, Log1p, Log2, Log10, Sqrt, Rsqrt, Sin, Cos, Tan, Tanh,
  Sigmoid, Relu, Erf, Floor, Ceil, Round, Trunc, Reciprocal, Square, LogicalNot, BitwiseNot,
  IsNan, IsInf, IsFinite,
};

TensorBase call_unary(Un op, const TensorBase& x, int64_t decimals) {
  switch (op) {
    case Un::Neg: return tensorbridge::neg(x);
    case Un::Abs: return tensorbridge::abs(x);
    case Un::Sign: return tensorbridge::sign(x);
    case Un::Exp: return tensorbridge::exp(x);
    case Un::Expm1: return tensorbridge::expm1(x);
    case Un::Log: return tensorbridge::log(x);
    case Un::Log1p: return tensorbridge::log1p(x);
    case Un::Log2: return tensorbridge::log2(x);
    case Un::Log10: return tensorbridge::log10(x);
    case Un::Sqrt: return tensorbridge::sqrt(x);
    case Un::Rsqrt: return tensorbridge::rsqrt(x);
    case Un::Sin: return tensorbridge::sin(x);
    case Un::Cos: return tensorbridge::cos(x);
    case Un::Tan: return tensorbridge::tan(x);
    case Un::Tanh: return tensorbridge::tanh(x);
    case Un::Sigmoid: return tensorbridge::sigmoid(x);
    case Un::Relu: return tensorbridge::relu(x);
    case Un::Erf: return tensorbridge::erf(x);
    case Un::Floor: return tensorbridge::floor(x);
    case Un::Ceil: return tensorbridge::ceil(x);
    case Un::Round: return tensorbridge::round(x, decimals);
    case Un::Trunc: return tensorbridge::trunc(x);
    case Un::Reciprocal: return tensorbridge::reciprocal(x);
    case Un::Square: return tensorbridge::square(x);
    case Un::LogicalNot: return tensorbridge::logical_not(x);
    case Un::BitwiseNot: return tensorbridge::bitwise_not(x);
    case Un::IsNan: return tensorbridge::isnan(x);
    case Un::IsInf: return tensorbridge::isinf(x);
    case Un::IsFinite: return tensorbridge::isfinite(x);
  }
  throw std::logic_error("call_unary: unknown op");
}

void call_unary_(Un op, const TensorBase& x, int64_t decimals) {
  switch (op) {
    case Un::Neg: tensorbridge::neg_(x); return;
    case Un::Abs: tensorbridge::abs_(x); return;
    case Un::Sign: tensorbridge::sign_(x); return;
    case Un::Exp: tensorbridge::exp_(x); return;
    case Un::Expm1: tensorbridge::expm1_(x); return;
    case Un::Log: tensorbridge::log_(x); return;
    case Un::Log1p: tensorbridge::log1p_(x); return;
    case Un::Log2: tensorbridge::log2_(x); return;
    case Un::Log10: tensorbridge::log10_(x); return;
    case Un::Sqrt: tensorbridge::sqrt_(x); return;
    case Un::Rsqrt: tensorbridge::rsqrt_(x); return;
    case Un::Sin: tensorbridge::sin_(x); return;
    case Un::Cos: tensorbridge::cos_(x); return;
    case Un::Tan: tensorbridge::tan_(x); return;
    case Un::Tanh: tensorbridge::tanh_(x); return;
    case Un::Sigmoid: tensorbridge::sigmoid_(x); return;
    case Un::Relu: tensorbridge::relu_(x); return;
    case Un::Erf: tensorbridge::erf_(x); return;
    case Un::Floor: tensorbridge::floor_(x); return;
    case Un::Ceil: tensorbridge::ceil_(x); return;
    case Un::Round: tensorbridge::round_(x, decimals); return;
    case Un::Trunc: tensorbridge::trunc_(x); return;
    case Un::Reciprocal: tensorbridge::reciprocal_(x); return;
    case Un::Square: tensorbridge::square_(x); return;
    case Un::LogicalNot: tensorbridge::logical_not_(x); return;
    case Un::BitwiseNot: tensorbridge::bitwise_not_(x); return;
    case Un::IsNan:
    case Un::IsInf:
    case Un::IsFinite: break;
  }
  throw std::logic_error("call_unary_: no in-place form");
}

// Same dtype in and out for a floating input: out= can be filled with a copy of the input
// and the in-place op, without a temporary.
bool keeps_float_dtype(Un op) {
  return op != Un::LogicalNot && op != Un::BitwiseNot && op != Un::IsNan && op != Un::IsInf &&
         op != Un::IsFinite;
}

struct UnaryEntry {
  const char* name;
  Un op;
  const char* doc;
  bool in_place;  // Tensor.<name>_ exists
  bool out;       // tensorbridge.<name> takes out=
};

constexpr UnaryEntry kUnary[] = {
    {"neg", Un::Neg, "-input.", true, true},
    {"negative", Un::Neg, "Alias of neg.", true, true},
    {"abs", Un::Abs, "|input| (the magnitude, a real dtype, for complex input).", true, true},
    {"absolute", Un::Abs, "Alias of abs.", true, true},
    {"sign", Un::Sign, "-1, 0 or 1 by the sign of input.", true, true},
    {"exp", Un::Exp, "e ** input (integers give floats).", true, true},
    {"expm1", Un::Expm1, "e ** input - 1, accurate near 0.", true, true},
    {"log", Un::Log, "The natural logarithm.", true, true},
    {"log1p", Un::Log1p, "log(1 + input), accurate near 0.", true, true},
    {"log2", Un::Log2, "The base-2 logarithm.", true, true},
    {"log10", Un::Log10, "The base-10 logarithm.", true, true},
    {"sqrt", Un::Sqrt, "The square root.", true, true},
    {"rsqrt", Un::Rsqrt, "1 / sqrt(input).", true, true},
    {"sin", Un::Sin, "The sine.", true, true},
    {"cos", Un::Cos, "The cosine.", true, true},
    {"tan", Un::Tan, "The tangent.", true, true},
    {"tanh", Un::Tanh, "The hyperbolic tangent.", true, true},
    {"sigmoid", Un::Sigmoid, "1 / (1 + exp(-input)).", true, true},
    {"relu", Un::Relu, "max(input, 0).", true, false},
    {"erf", Un::Erf, "The error function.", true, true},
    {"floor", Un::Floor, "Rounded toward negative infinity (integers unchanged).", true, true},
    {"ceil", Un::Ceil, "Rounded toward positive infinity (integers unchanged).", true, true},
    {"round", Un::Round, "Rounded half to even, to `decimals` decimal places.", true, true},
    {"trunc", Un::Trunc, "Rounded toward zero (integers unchanged).", true, true},
    {"reciprocal", Un::Reciprocal, "1 / input (integers give floats).", true, true},
    {"square", Un::Square, "input * input (bool gives int64).", true, true},
    {"logical_not", Un::LogicalNot, "not input, with nonzero as True; a bool tensor.", true, true},
    {"bitwise_not", Un::BitwiseNot, "~input for integer tensors; logical not for bool.", true, true},
    {"isnan", Un::IsNan, "Where input is NaN, as a bool tensor.", false, false},
    {"isinf", Un::IsInf, "Where input is +inf or -inf, as a bool tensor.", false, false},
    {"isfinite", Un::IsFinite, "Where input is neither NaN nor infinite, as a bool tensor.", false, false},
};
constexpr std::size_t kUnaryCount = sizeof(kUnary) / sizeof(kUnary[0]);

int64_t read_decimals(const char* fn, PyObject* value) {
  if (!given(value)) return 0;
  if (!PyIndex_Check(value) || PyBool_Check(value)) bad_arg(fn, "decimals", value, "int");
  return py::cast<int64_t>(py::handle(value));
}

// tensorbridge.<name>(input, *, [decimals=0,] [out=None])
PyObject* unary_function(const UnaryEntry& e, PyObject* const* args, Py_ssize_t nargs,
                         PyObject* kwnames) {
  return guarded([&]() -> PyObject* {
    const bool round = e.op == Un::Round;
    const char* names[3] = {"input", round ? "decimals" : "out", "out"};
    const int n = 1 + (round ? 1 : 0) + (e.out ? 1 : 0);
    PyObject* v[3];
    parse_args(e.name, args, nargs, kwnames, names, 1, n, v);
    require_present(v[0], e.name, "input");
    Arg x;
    require_tensor(v[0], x, e.name, "input");
    const int64_t decimals = round ? read_decimals(e.name, v[1]) : 0;
    PyObject* out = e.out ? v[n - 1] : nullptr;
    if (!given(out)) return to_python(call_unary(e.op, *x.tensor, decimals));
    if (!is_tensor(out)) bad_arg(e.name, "out", out, "Tensor");
    const TensorBase& target = tensor_at(out);
    check_out_autograd(e.name, {&x}, target);
    const TensorBase& input = *x.tensor;
    if (keeps_float_dtype(e.op) && is_floating_point(input.dtype()) &&
        target.dtype() == input.dtype() && target.shape() == input.shape()) {
      target.copy_(input);
      call_unary_(e.op, target, decimals);
    } else {
      write_out(target, call_unary(e.op, input, decimals), e.name);
    }
    return new_reference(out);
  });
}

// Tensor.<name>(...) and Tensor.<name>_(...)
PyObject* unary_method(const UnaryEntry& e, bool in_place, PyObject* self, PyObject* const* args,
                       Py_ssize_t nargs, PyObject* kwnames) {
  return guarded([&]() -> PyObject* {
    int64_t decimals = 0;
    if (nargs != 0 || kwnames != nullptr) {
      const char* names[1] = {"decimals"};
      PyObject* v[1];
      parse_args(e.name, args, nargs, kwnames, names, 0, e.op == Un::Round ? 1 : 0, v);
      decimals = read_decimals(e.name, v[0]);
    }
    const TensorBase& t = tensor_at(self);
    if (in_place) {
      call_unary_(e.op, t, decimals);
      return new_reference(self);
    }
    return to_python(call_unary(e.op, t, decimals));
  });
}

// ---- where, clamp, positive -----------------------------------------------------------------

TensorBase apply_where(const TensorBase& cond, const Arg& a, const Arg& b) {
  if (a.is_tensor() && b.is_tensor()) return tensorbridge::where(cond, *a.tensor, *b.tensor);
  if (a.is_tensor()) return tensorbridge::where(cond, *a.tensor, b.scalar);
  if (b.is_tensor()) return tensorbridge::where(cond, a.scalar, *b.tensor);
  return tensorbridge::where(cond, a.scalar, b.scalar);
}

// tensorbridge.where(condition, input, other, *, out=None)
PyObject* where_function(PyObject*, PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames) {
  return guarded([&]() -> PyObject* {
    static const char* const names[] = {"condition", "input", "other", "out"};
    PyObject* v[4];
    parse_args("where", args, nargs, kwnames, names, 3, 4, v);
    require_present(v[0], "where", "condition");
    if (!given(v[1]) && !given(v[2]) && !given(v[3])) {  // where(condition)
      static PyObject* nonzero = nullptr;  // tensorbridge._C.nonzero (ops_indexing.cpp), kept
      if (nonzero == nullptr) {
        nonzero = py::object(py::module_::import("tensorbridge._C").attr("nonzero")).release().ptr();
      }
      return py::handle(nonzero)(py::handle(v[0]), py::arg("as_tuple") = true).release().ptr();
    }
    TB_CHECK(given(v[1]) && given(v[2]), TypeError, "where(): takes condition alone "
             "(nonzero(condition, as_tuple=True)) or condition, input and other");
    Arg cond, a, b;
    require_tensor(v[0], cond, "where", "condition");
    require_arg(v[1], a, "where", "input");
    require_arg(v[2], b, "where", "other");
    if (!given(v[3])) return to_python(apply_where(*cond.tensor, a, b));
    if (!is_tensor(v[3])) bad_arg("where", "out", v[3], "Tensor");
    const TensorBase& target = tensor_at(v[3]);
    check_out_autograd("where", {&a, &b}, target);
    write_out(target, apply_where(*cond.tensor, a, b), "where");
    return new_reference(v[3]);
  });
}

// Tensor.where(condition, other): self where condition holds, other elsewhere.
PyObject* where_method(PyObject* self, PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames) {
  return guarded([&]() -> PyObject* {
    static const char* const names[] = {"condition", "other"};
    PyObject* v[2];
    parse_args("where", args, nargs, kwnames, names, 2, 2, v);
    require_present(v[0], "where", "condition");
    require_present(v[1], "where", "other");
    Arg cond, a, b;
    require_tensor(v[0], cond, "where", "condition");
    a.tensor = &tensor_at(self);
    require_arg(v[1], b, "where", "other");
    return to_python(apply_where(*cond.tensor, a, b));
  });
}

// clamp's bounds: both numbers (or None) or both tensors (or None), as PyTorch's overloads.
struct Bounds {
  Arg min, max;
  bool has_min = false, has_max = false;
  bool tensors() const { return (has_min && min.is_tensor()) || (has_max && max.is_tensor()); }
};

Bounds read_bounds(const char* fn, PyObject* min, PyObject* max) {
  Bounds b;
  b.has_min = given(min);
  b.has_max = given(max);
  if (b.has_min) require_arg(min, b.min, fn, "min");
  if (b.has_max) require_arg(max, b.max, fn, "max");
  TB_CHECK(b.has_min || b.has_max, Error, fn, ": At least one of 'min' or 'max' must not be None");
  TB_CHECK(!b.has_min || !b.has_max || b.min.is_tensor() == b.max.is_tensor(), TypeError, fn,
           "(): min and max must both be numbers or both be tensors (got ",
           b.min.is_tensor() ? "a Tensor" : "a number", " and ",
           b.max.is_tensor() ? "a Tensor" : "a number", ")");
  return b;
}

std::optional<Scalar> scalar_bound(const Arg& a, bool has) {
  return has ? std::optional<Scalar>(a.scalar) : std::nullopt;
}
std::optional<TensorBase> tensor_bound(const Arg& a, bool has) {
  return has ? std::optional<TensorBase>(*a.tensor) : std::nullopt;
}

TensorBase apply_clamp(const TensorBase& x, const Bounds& b) {
  if (b.tensors()) return tensorbridge::clamp(x, tensor_bound(b.min, b.has_min), tensor_bound(b.max, b.has_max));
  return tensorbridge::clamp(x, scalar_bound(b.min, b.has_min), scalar_bound(b.max, b.has_max));
}
void apply_clamp_(const TensorBase& x, const Bounds& b) {
  if (b.tensors()) {
    tensorbridge::clamp_(x, tensor_bound(b.min, b.has_min), tensor_bound(b.max, b.has_max));
  } else {
    tensorbridge::clamp_(x, scalar_bound(b.min, b.has_min), scalar_bound(b.max, b.has_max));
  }
}

// Which bounds a clamp variant takes: clamp/clip (min, max), clamp_min (min), clamp_max (max).
enum class ClampKind : uint8_t { Both, Min, Max };

struct ClampEntry {
  const char* name;
  ClampKind kind;
  const char* doc;
};
constexpr ClampEntry kClamp[] = {
    {"clamp", ClampKind::Both,
     "input limited to [min, max] (numbers or tensors; either may be None). NaN stays NaN."},
    {"clip", ClampKind::Both, "Alias of clamp."},
    {"clamp_min", ClampKind::Min, "clamp(input, min=min)."},
    {"clamp_max", ClampKind::Max, "clamp(input, max=max)."},
};

// Parses the bounds of a clamp variant from values laid out as its names.
Bounds clamp_bounds(const ClampEntry& e, PyObject** v, int first) {
  switch (e.kind) {
    case ClampKind::Both: return read_bounds(e.name, v[first], v[first + 1]);
    case ClampKind::Min:
      require_present(v[first], e.name, "min");
      return read_bounds(e.name, v[first], nullptr);
    case ClampKind::Max:
      require_present(v[first], e.name, "max");
      return read_bounds(e.name, nullptr, v[first]);
  }
  return {};
}

int clamp_names(const ClampEntry& e, bool method, bool with_out, const char** names, int* npos) {
  int k = 0;
  if (!method) names[k++] = "input";
  if (e.kind != ClampKind::Max) names[k++] = "min";
  if (e.kind != ClampKind::Min) names[k++] = "max";
  *npos = k;
  if (with_out) names[k++] = "out";
  return k;
}

PyObject* clamp_function(const ClampEntry& e, PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames) {
  return guarded([&]() -> PyObject* {
    const char* names[4];
    int npos = 0;
    const int n = clamp_names(e, false, true, names, &npos);
    PyObject* v[4];
    parse_args(e.name, args, nargs, kwnames, names, npos, n, v);
    require_present(v[0], e.name, "input");
    Arg x;
    require_tensor(v[0], x, e.name, "input");
    const Bounds b = clamp_bounds(e, v, 1);
    PyObject* out = v[n - 1];
    if (!given(out)) return to_python(apply_clamp(*x.tensor, b));
    if (!is_tensor(out)) bad_arg(e.name, "out", out, "Tensor");
    const TensorBase& target = tensor_at(out);
    check_out_autograd(e.name, {&x, &b.min, &b.max}, target);
    write_out(target, apply_clamp(*x.tensor, b), e.name);
    return new_reference(out);
  });
}

PyObject* clamp_method(const ClampEntry& e, bool in_place, PyObject* self, PyObject* const* args,
                       Py_ssize_t nargs, PyObject* kwnames) {
  return guarded([&]() -> PyObject* {
    const char* names[4];
    int npos = 0;
    const int n = clamp_names(e, true, false, names, &npos);
    PyObject* v[4];
    parse_args(e.name, args, nargs, kwnames, names, npos, n, v);
    const Bounds b = clamp_bounds(e, v, 0);
    const TensorBase& t = tensor_at(self);
    if (in_place) {
      apply_clamp_(t, b);
      return new_reference(self);
    }
    return to_python(apply_clamp(t, b));
  });
}

// +x: PyTorch returns x itself, and refuses bool.
PyObject* positive(PyObject* x) {
  return guarded([&]() -> PyObject* {
    const TensorBase& t = tensor_at(x);
    TB_CHECK(t.dtype() != DType::Bool, TypeError, "positive: The `+` operator, on a bool tensor "
             "is not supported (shape ", shape_str(t.shape()), ")");
    return new_reference(x);
  });
}

PyObject* positive_function(PyObject*, PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames) {
  return guarded([&]() -> PyObject* {
    static const char* const names[] = {"input"};
    PyObject* v[1];
    parse_args("positive", args, nargs, kwnames, names, 1, 1, v);
    require_present(v[0], "positive", "input");
    if (!is_tensor(v[0])) bad_arg("positive", "input", v[0], "Tensor");
    return positive(v[0]);
  });
}

// ---- operators ------------------------------------------------------------------------------

// a <op> b where one of them is a Tensor (Python calls the slot for either side);
// NotImplemented when the other one is no operand.
PyObject* binary_operator(Bin op, PyObject* a, PyObject* b) {
  return guarded([&]() -> PyObject* {
    Arg x, y;
    if (!read_arg(a, x, "operator") || !read_arg(b, y, "operator")) Py_RETURN_NOTIMPLEMENTED;
    return to_python(apply_binary(op, x, y, {}, "operator"));
  });
}

// a <op>= b: in place into a when a is a Tensor.
PyObject* inplace_operator(Bin op, PyObject* a, PyObject* b) {
  if (!is_tensor(a)) return binary_operator(op, a, b);
  return guarded([&]() -> PyObject* {
    Arg y;
    if (!read_arg(b, y, "operator")) Py_RETURN_NOTIMPLEMENTED;
    apply_binary_(op, tensor_at(a), y, {});
    return new_reference(a);
  });
}

template <Bin op>
PyObject* nb_binary(PyObject* a, PyObject* b) {
  return binary_operator(op, a, b);
}
template <Bin op>
PyObject* nb_inplace(PyObject* a, PyObject* b) {
  return inplace_operator(op, a, b);
}
PyObject* nb_power(PyObject* a, PyObject* b, PyObject* mod) {
  if (mod != Py_None) Py_RETURN_NOTIMPLEMENTED;
  return binary_operator(Bin::Pow, a, b);
}
PyObject* nb_inplace_power(PyObject* a, PyObject* b, PyObject* mod) {
  if (mod != Py_None) Py_RETURN_NOTIMPLEMENTED;
  return inplace_operator(Bin::Pow, a, b);
}
PyObject* nb_negative(PyObject* x) {
  return guarded([&]() -> PyObject* { return to_python(tensorbridge::neg(tensor_at(x))); });
}
PyObject* nb_absolute(PyObject* x) {
  return guarded([&]() -> PyObject* { return to_python(tensorbridge::abs(tensor_at(x))); });
}
PyObject* nb_invert(PyObject* x) {
  return guarded([&]() -> PyObject* { return to_python(tensorbridge::bitwise_not(tensor_at(x))); });
}

Bin comparison_op(int op) {
  switch (op) {
    case Py_LT: return Bin::Lt;
    case Py_LE: return Bin::Le;
    case Py_EQ: return Bin::Eq;
    case Py_NE: return Bin::Ne;
    case Py_GT: return Bin::Gt;
    default: return Bin::Ge;
  }
}

// self <op> other, elementwise. Python swaps the comparison for a reflected call, so self is
// always the Tensor.
PyObject* richcompare(PyObject* self, PyObject* other, int op) {
  if (!is_tensor(self)) Py_RETURN_NOTIMPLEMENTED;
  return binary_operator(comparison_op(op), self, other);
}

// The dunder methods of the class dict (METH_O): explicit calls and Python subclasses.
enum class Side : uint8_t { Forward, Reflected, InPlace };

template <Bin op, Side side>
PyObject* dunder(PyObject* self, PyObject* other) {
  switch (side) {
    case Side::Forward: return binary_operator(op, self, other);
    case Side::Reflected: return binary_operator(op, other, self);
    case Side::InPlace: return inplace_operator(op, self, other);
  }
  return nullptr;
}
template <int cmp>
PyObject* compare_dunder(PyObject* self, PyObject* other) {
  return richcompare(self, other, cmp);
}
PyObject* neg_dunder(PyObject* self, PyObject*) { return nb_negative(self); }
PyObject* pos_dunder(PyObject* self, PyObject*) { return positive(self); }
PyObject* abs_dunder(PyObject* self, PyObject*) { return nb_absolute(self); }
PyObject* invert_dunder(PyObject* self, PyObject*) { return nb_invert(self); }

// ---- method tables --------------------------------------------------------------------------

using FastFn = PyObject* (*)(PyObject*, PyObject* const*, Py_ssize_t, PyObject*);

template <std::size_t I>
PyObject* binary_function_at(PyObject*, PyObject* const* a, Py_ssize_t n, PyObject* k) {
  return binary_function(kBinary[I], a, n, k);
}
template <std::size_t I>
PyObject* binary_method_at(PyObject* self, PyObject* const* a, Py_ssize_t n, PyObject* k) {
  return binary_method(kBinary[I], false, self, a, n, k);
}
template <std::size_t I>
PyObject* binary_inplace_at(PyObject* self, PyObject* const* a, Py_ssize_t n, PyObject* k) {
  return binary_method(kBinary[I], true, self, a, n, k);
}
template <std::size_t I>
PyObject* unary_function_at(PyObject*, PyObject* const* a, Py_ssize_t n, PyObject* k) {
  return unary_function(kUnary[I], a, n, k);
}
template <std::size_t I>
PyObject* unary_method_at(PyObject* self, PyObject* const* a, Py_ssize_t n, PyObject* k) {
  return unary_method(kUnary[I], false, self, a, n, k);
}
template <std::size_t I>
PyObject* unary_inplace_at(PyObject* self, PyObject* const* a, Py_ssize_t n, PyObject* k) {
  return unary_method(kUnary[I], true, self, a, n, k);
}
template <std::size_t I>
PyObject* clamp_function_at(PyObject*, PyObject* const* a, Py_ssize_t n, PyObject* k) {
  return clamp_function(kClamp[I], a, n, k);
}
template <std::size_t I>
PyObject* clamp_method_at(PyObject* self, PyObject* const* a, Py_ssize_t n, PyObject* k) {
  return clamp_method(kClamp[I], false, self, a, n, k);
}
template <std::size_t I>
PyObject* clamp_inplace_at(PyObject* self, PyObject* const* a, Py_ssize_t n, PyObject* k) {
  return clamp_method(kClamp[I], true, self, a, n, k);
}

// The I-th function of each family, as an array of pointers.
template <std::size_t... I>
constexpr std::array<FastFn, sizeof...(I)> binary_functions(std::index_sequence<I...>) {
  return {&binary_function_at<I>...};
}
template <std::size_t... I>
constexpr std::array<FastFn, sizeof...(I)> binary_methods(std::index_sequence<I...>) {
  return {&binary_method_at<I>...};
}
template <std::size_t... I>
constexpr std::array<FastFn, sizeof...(I)> binary_inplaces(std::index_sequence<I...>) {
  return {&binary_inplace_at<I>...};
}
template <std::size_t... I>
constexpr std::array<FastFn, sizeof...(I)> unary_functions(std::index_sequence<I...>) {
  return {&unary_function_at<I>...};
}
template <std::size_t... I>
constexpr std::array<FastFn, sizeof...(I)> unary_methods(std::index_sequence<I...>) {
  return {&unary_method_at<I>...};
}
template <std::size_t... I>
constexpr std::array<FastFn, sizeof...(I)> unary_inplaces(std::index_sequence<I...>) {
  return {&unary_inplace_at<I>...};
}
constexpr std::array<FastFn, 4> kClampFunctions = {&clamp_function_at<0>, &clamp_function_at<1>,
                                                   &clamp_function_at<2>, &clamp_function_at<3>};
constexpr std::array<FastFn, 4> kClampMethods = {&clamp_method_at<0>, &clamp_method_at<1>,
                                                 &clamp_method_at<2>, &clamp_method_at<3>};
constexpr std::array<FastFn, 4> kClampInplaces = {&clamp_inplace_at<0>, &clamp_inplace_at<1>,
                                                  &clamp_inplace_at<2>, &clamp_inplace_at<3>};

// PyMethodDefs and their strings must outlive the module: they are kept here for good.
std::deque<PyMethodDef>& method_defs() {
  static auto* defs = new std::deque<PyMethodDef>();
  return *defs;
}
const char* keep(std::string s) {
  static auto* strings = new std::deque<std::string>();
  strings->push_back(std::move(s));
  return strings->back().c_str();
}

PyMethodDef* new_def(const char* name, PyCFunction fn, int flags, std::string doc) {
  method_defs().push_back(PyMethodDef{name, fn, flags, keep(std::move(doc))});
  return &method_defs().back();
}

PyCFunction as_cfunction(FastFn fn) {
  return reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(fn));
}

void add_function(py::module_& m, const char* name, FastFn fn, std::string doc) {
  PyMethodDef* def = new_def(name, as_cfunction(fn), METH_FASTCALL | METH_KEYWORDS, std::move(doc));
  py::object module_name = m.attr("__name__");
  PyObject* f = PyCFunction_NewEx(def, nullptr, module_name.ptr());
  if (f == nullptr) throw py::error_already_set();
  m.attr(name) = py::reinterpret_steal<py::object>(f);
}

void add_method(TensorClass& cls, const char* name, PyCFunction fn, int flags, std::string doc) {
  PyMethodDef* def = new_def(name, fn, flags, std::move(doc));
  auto* type = reinterpret_cast<PyTypeObject*>(cls.ptr());
  PyObject* descr = PyDescr_NewMethod(type, def);
  if (descr == nullptr) throw py::error_already_set();
  cls.attr(name) = py::reinterpret_steal<py::object>(descr);
}

void add_fast_method(TensorClass& cls, const char* name, FastFn fn, std::string doc) {
  add_method(cls, name, as_cfunction(fn), METH_FASTCALL | METH_KEYWORDS, std::move(doc));
}

// "alpha=1", ... for the keyword-only parameters of a binary op.
std::vector<std::string> binary_keywords(Bin op, bool with_out) {
  std::vector<std::string> k;
  if (has_alpha(op)) k.push_back("alpha=1");
  if (op == Bin::Div) k.push_back("rounding_mode=None");
  if (with_out) k.push_back("out=None");
  return k;
}

// The signature line of a docstring ("add($self, other, *, alpha=1)"), which
// inspect.signature reads as __text_signature__.
std::string signature_v(const char* name, bool method, const std::vector<std::string>& positional,
                        const std::vector<std::string>& keyword_only) {
  std::string s = std::string(name) + "(";
  std::vector<std::string> parts;
  if (method) parts.push_back("$self");
  parts.insert(parts.end(), positional.begin(), positional.end());
  if (!keyword_only.empty()) {
    parts.push_back("*");
    parts.insert(parts.end(), keyword_only.begin(), keyword_only.end());
  }
  for (std::size_t i = 0; i < parts.size(); ++i) s += (i ? ", " : "") + parts[i];
  return s + ")\n--\n\n";
}

void bind_binary(py::module_& m, TensorClass& cls) {
  constexpr auto functions = binary_functions(std::make_index_sequence<kBinaryCount>());
  constexpr auto methods = binary_methods(std::make_index_sequence<kBinaryCount>());
  constexpr auto inplaces = binary_inplaces(std::make_index_sequence<kBinaryCount>());
  for (std::size_t i = 0; i < kBinaryCount; ++i) {
    const BinaryEntry& e = kBinary[i];
    const std::string second = second_name(e.op);
    add_function(m, e.name, functions[i],
                 signature_v(e.name, false, {"input", second}, binary_keywords(e.op, true)) + e.doc);
    add_fast_method(cls, e.name, methods[i],
                    signature_v(e.name, true, {second}, binary_keywords(e.op, false)) + e.doc);
    if (e.in_place) {
      const char* name_ = keep(std::string(e.name) + "_");
      add_fast_method(cls, name_, inplaces[i],
                      signature_v(name_, true, {second}, binary_keywords(e.op, false)) +
                          "In-place " + e.name + "; returns self.");
    }
  }
}

void bind_unary(py::module_& m, TensorClass& cls) {
  constexpr auto functions = unary_functions(std::make_index_sequence<kUnaryCount>());
  constexpr auto methods = unary_methods(std::make_index_sequence<kUnaryCount>());
  constexpr auto inplaces = unary_inplaces(std::make_index_sequence<kUnaryCount>());
  for (std::size_t i = 0; i < kUnaryCount; ++i) {
    const UnaryEntry& e = kUnary[i];
    const bool round = e.op == Un::Round;
    std::vector<std::string> keywords;
    if (round) keywords.push_back("decimals=0");
    std::vector<std::string> function_keywords = keywords;
    if (e.out) function_keywords.push_back("out=None");
    add_function(m, e.name, functions[i], signature_v(e.name, false, {"input"}, function_keywords) + e.doc);
    add_fast_method(cls, e.name, methods[i], signature_v(e.name, true, {}, keywords) + e.doc);
    if (e.in_place) {
      const char* name_ = keep(std::string(e.name) + "_");
      add_fast_method(cls, name_, inplaces[i],
                      signature_v(name_, true, {}, keywords) + "In-place " + e.name + "; returns self.");
    }
  }
}

void bind_where_clamp(py::module_& m, TensorClass& cls) {
  add_function(m, "where", &where_function,
               signature_v("where", false, {"condition", "input=None", "other=None"}, {"out=None"}) +
                   "input where condition holds, other elsewhere (numbers allowed for both);\n"
                   "where(condition) alone is nonzero(condition, as_tuple=True).");
  add_fast_method(cls, "where", &where_method,
                  signature_v("where", true, {"condition", "other"}, {}) +
                      "self where condition holds, other elsewhere.");
  for (std::size_t i = 0; i < std::size(kClamp); ++i) {
    const ClampEntry& e = kClamp[i];
    std::vector<std::string> bounds;
    if (e.kind != ClampKind::Max) bounds.push_back(e.kind == ClampKind::Both ? "min=None" : "min");
    if (e.kind != ClampKind::Min) bounds.push_back(e.kind == ClampKind::Both ? "max=None" : "max");
    std::vector<std::string> with_input = {"input"};
    with_input.insert(with_input.end(), bounds.begin(), bounds.end());
    add_function(m, e.name, kClampFunctions[i], signature_v(e.name, false, with_input, {"out=None"}) + e.doc);
    add_fast_method(cls, e.name, kClampMethods[i], signature_v(e.name, true, bounds, {}) + e.doc);
    const char* name_ = keep(std::string(e.name) + "_");
    add_fast_method(cls, name_, kClampInplaces[i],
                    signature_v(name_, true, bounds, {}) + "In-place " + e.name + "; returns self.");
  }
  add_function(m, "positive", &positive_function,
               signature_v("positive", false, {"input"}, {}) + "input itself (refuses bool tensors).");
  add_method(cls, "positive", reinterpret_cast<PyCFunction>(&pos_dunder), METH_NOARGS,
             signature_v("positive", true, {}, {}) + "self (refuses bool tensors).");
}

// The operator dunders in the class dict, then the type's slots pointing straight at C.
void bind_operators(TensorClass& cls) {
  struct Dunder {
    const char* name;
    PyCFunction fn;
  };
  auto o = [](PyObject* (*fn)(PyObject*, PyObject*)) { return reinterpret_cast<PyCFunction>(fn); };
#define TB_DUNDERS(py, op)                                             \
  {"__" py "__", o(&dunder<Bin::op, Side::Forward>)},                 \
      {"__r" py "__", o(&dunder<Bin::op, Side::Reflected>)},          \
      {"__i" py "__", o(&dunder<Bin::op, Side::InPlace>)}
  const Dunder binary[] = {
      TB_DUNDERS("add", Add),       TB_DUNDERS("sub", Sub),        TB_DUNDERS("mul", Mul),
      TB_DUNDERS("truediv", TrueDiv), TB_DUNDERS("floordiv", FloorDiv),
      TB_DUNDERS("mod", Remainder), TB_DUNDERS("pow", Pow),        TB_DUNDERS("and", BitAnd),
      TB_DUNDERS("or", BitOr),      TB_DUNDERS("xor", BitXor),     TB_DUNDERS("lshift", Lshift),
      TB_DUNDERS("rshift", Rshift),
  };
#undef TB_DUNDERS
  for (const Dunder& d : binary) {
    add_method(cls, d.name, d.fn, METH_O,
               std::string(d.name) + "($self, other, /)\n--\n\nElementwise, with broadcasting.");
  }
  const Dunder compare[] = {
      {"__eq__", o(&compare_dunder<Py_EQ>)}, {"__ne__", o(&compare_dunder<Py_NE>)},
      {"__lt__", o(&compare_dunder<Py_LT>)}, {"__le__", o(&compare_dunder<Py_LE>)},
      {"__gt__", o(&compare_dunder<Py_GT>)}, {"__ge__", o(&compare_dunder<Py_GE>)},
  };
  for (const Dunder& d : compare) {
    add_method(cls, d.name, d.fn, METH_O,
               std::string(d.name) + "($self, other, /)\n--\n\nElementwise; a bool tensor.");
  }
  const Dunder unary[] = {
      {"__neg__", o(&neg_dunder)}, {"__pos__", o(&pos_dunder)},
      {"__abs__", o(&abs_dunder)}, {"__invert__", o(&invert_dunder)},
  };
  for (const Dunder& d : unary) {
    add_method(cls, d.name, d.fn, METH_NOARGS, std::string(d.name) + "($self, /)\n--\n\nElementwise.");
  }

  // Setting the dunders above pointed the slots at Python-level lookups; point them at C.
  // (Python subclasses keep the lookups, which find the dunders above.)
  auto* type = reinterpret_cast<PyTypeObject*>(cls.ptr());
  PyNumberMethods* nb = type->tp_as_number;
  nb->nb_add = &nb_binary<Bin::Add>;
  nb->nb_subtract = &nb_binary<Bin::Sub>;
  nb->nb_multiply = &nb_binary<Bin::Mul>;
  nb->nb_true_divide = &nb_binary<Bin::TrueDiv>;
  nb->nb_floor_divide = &nb_binary<Bin::FloorDiv>;
  nb->nb_remainder = &nb_binary<Bin::Remainder>;
  nb->nb_power = &nb_power;
  nb->nb_and = &nb_binary<Bin::BitAnd>;
  nb->nb_or = &nb_binary<Bin::BitOr>;
  nb->nb_xor = &nb_binary<Bin::BitXor>;
  nb->nb_lshift = &nb_binary<Bin::Lshift>;
  nb->nb_rshift = &nb_binary<Bin::Rshift>;
  nb->nb_inplace_add = &nb_inplace<Bin::Add>;
  nb->nb_inplace_subtract = &nb_inplace<Bin::Sub>;
  nb->nb_inplace_multiply = &nb_inplace<Bin::Mul>;
  nb->nb_inplace_true_divide = &nb_inplace<Bin::TrueDiv>;
  nb->nb_inplace_floor_divide = &nb_inplace<Bin::FloorDiv>;
  nb->nb_inplace_remainder = &nb_inplace<Bin::Remainder>;
  nb->nb_inplace_power = &nb_inplace_power;
  nb->nb_inplace_and = &nb_inplace<Bin::BitAnd>;
  nb->nb_inplace_or = &nb_inplace<Bin::BitOr>;
  nb->nb_inplace_xor = &nb_inplace<Bin::BitXor>;
  nb->nb_inplace_lshift = &nb_inplace<Bin::Lshift>;
  nb->nb_inplace_rshift = &nb_inplace<Bin::Rshift>;
  nb->nb_negative = &nb_negative;
  nb->nb_positive = &positive;
  nb->nb_absolute = &nb_absolute;
  nb->nb_invert = &nb_invert;
  type->tp_richcompare = &richcompare;
  PyType_Modified(type);
}

}  // namespace

void bind_elementwise(py::module_& m, TensorClass& cls) {
  g_tensor_type = reinterpret_cast<PyTypeObject*>(cls.ptr());
  bind_binary(m, cls);
  bind_unary(m, cls);
  bind_where_clamp(m, cls);
  bind_operators(cls);
  // NumPy defers `ndarray + tensor` to Tensor.__radd__ (a Tensor result, as in PyTorch)
  // instead of converting the tensor; np.add(array, tensor) still gives an array.
  cls.attr("__array_priority__") = 1000;
  // Defining __eq__ must not make tensors unhashable: they are dict keys by identity.
  TB_CHECK(reinterpret_cast<PyTypeObject*>(cls.ptr())->tp_hash != PyObject_HashNotImplemented,
           Error, "bind_elementwise: Tensor.__hash__ must be bound before the comparisons");
}

}  // namespace tensorbridge::python
