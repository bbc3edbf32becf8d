// Complex numbers from Python: Tensor.real / Tensor.imag (zero-copy views, assignable),
// view_as_real / view_as_complex, conj (a copy: tensorbridge has no lazy conjugate bit, so
// is_conj() is always False), angle, sgn, complex, polar.
#include <optional>

#include "bindings.hpp"
#include "tensorbridge/autograd/grad_mode.hpp"
#include "tensorbridge/ops/api_complex.hpp"

namespace tensorbridge::python {

namespace {

const TensorBase& complex_self(py::handle self) { return self.cast<const TensorBase&>(); }

// `t.real = value` / `t.imag = value`: value (a number, a tensor or anything tensor-like)
// written through the component view, broadcast as copy_ does.
void assign_component(const TensorBase& view, py::handle value, const char* op) {
  if (py::isinstance<TensorBase>(value)) {
    view.copy_(value.cast<const TensorBase&>());
  } else if (std::optional<Scalar> s = scalar_arg(value)) {
    view.fill_(*s);
  } else {
    view.copy_(as_tensor(value, std::nullopt, op));
  }
}

// out= for the functions here: checked like an in-place write; like PyTorch, no graph.
py::object complex_out(const TensorBase& result, py::handle out, const char* op,
                       std::initializer_list<const TensorBase*> inputs) {
  if (out.is_none()) return py::cast(result);
  TB_CHECK(py::isinstance<TensorBase>(out), TypeError, op, "(): argument 'out' must be Tensor, not ",
           Py_TYPE(out.ptr())->tp_name);
  const TensorBase& target = out.cast<const TensorBase&>();
  if (autograd::GradMode::is_enabled()) {
    bool needs = tensor_requires_grad(target);
    for (const TensorBase* t : inputs) needs = needs || tensor_requires_grad(*t);
    TB_CHECK(!needs, Error, op, "(): functions with out=... arguments don't support automatic "
             "differentiation, but one of the arguments requires grad.");
  }
  target.check_writable(op);
  TB_CHECK(target.shape() == result.shape(), ValueError, op, ": output with shape ",
           shape_str(target.shape()), " doesn't match the result shape ", shape_str(result.shape()));
  TB_CHECK(target.dtype() == result.dtype(), TypeError, op, ": expected out= of dtype ",
           result.dtype(), " but got ", target.dtype(), " (shape ", shape_str(target.shape()), ")");
  target.copy_(result);
  return py::reinterpret_borrow<py::object>(out);  // out= returns the very object passed
}

}  // namespace

void bind_complex(py::module_& m, TensorClass& cls) {
  // ---- views ---------------------------------------------------------------------------------
  cls.def_property(
      "real", [](const TensorBase& t) { return tensorbridge::real(t); },
      [](const TensorBase& t, py::handle value) {
        assign_component(tensorbridge::real(t), value, "real");
      },
      "The real part: a view sharing memory (the tensor itself for real dtypes).");
  cls.def_property(
      "imag", [](const TensorBase& t) { return tensorbridge::imag(t); },
      [](const TensorBase& t, py::handle value) {
        assign_component(tensorbridge::imag(t), value, "imag");
      },
      "The imaginary part: a view sharing memory (complex dtypes only).");
  m.def("real", [](const TensorBase& x) { return tensorbridge::real(x); }, py::arg("input"),
        "The real part of input, a view (input itself for real dtypes).");
  m.def("imag", [](const TensorBase& x) { return tensorbridge::imag(x); }, py::arg("input"),
        "The imaginary part of a complex input, a view.");
  m.def("view_as_real", [](const TensorBase& x) { return tensorbridge::view_as_real(x); },
        py::arg("input"), "A complex tensor [...] seen as real pairs [..., 2], sharing memory.");
  m.def("view_as_complex", [](const TensorBase& x) { return tensorbridge::view_as_complex(x); },
        py::arg("input"),
        "A float tensor [..., 2] (last stride 1, other strides even) seen as complex [...], "
        "sharing memory.");

  // ---- conjugation -----------------------------------------------------------------------------
  const char* conj_doc = "The complex conjugate, computed now (a copy; real tensors are returned "
                         "as they are).";
  m.def("conj", [](const TensorBase& x) { return tensorbridge::conj(x); }, py::arg("input"),
        conj_doc);
  cls.def("conj", [](const TensorBase& x) { return tensorbridge::conj(x); }, conj_doc);
  m.def(
      "conj_physical",
      [](const TensorBase& x, py::handle out) {
        return complex_out(tensorbridge::conj_physical(x), out, "conj_physical", {&x});
      },
      py::arg("input"), py::kw_only(), py::arg("out") = py::none(), conj_doc);
  cls.def("conj_physical", [](const TensorBase& x) { return tensorbridge::conj_physical(x); },
          conj_doc);
  cls.def("conj_physical_",
          [](py::handle self) {
            tensorbridge::conj_physical_(complex_self(self));
            return py::reinterpret_borrow<py::object>(self);
          },
          "Conjugates in place.");
  const char* resolve_doc = "input itself: conjugation is never lazy in tensorbridge.";
  m.def("resolve_conj", [](const TensorBase& x) { return tensorbridge::resolve_conj(x); },
        py::arg("input"), resolve_doc);
  cls.def("resolve_conj", [](const TensorBase& x) { return tensorbridge::resolve_conj(x); },
          resolve_doc);
  const char* is_conj_doc = "Always False: conj() copies instead of setting a conjugate bit.";
  m.def("is_conj", [](const TensorBase& x) { return tensorbridge::is_conj(x); }, py::arg("input"),
        is_conj_doc);
  cls.def("is_conj", [](const TensorBase& x) { return tensorbridge::is_conj(x); }, is_conj_doc);
  m.def("is_complex", [](const TensorBase& x) { return tensorbridge::is_complex(x); },
        py::arg("input"), "Whether input has a complex dtype.");

  // ---- angle, sgn ------------------------------------------------------------------------------
  const char* angle_doc = "The argument of complex numbers (a real dtype); for real input pi "
                          "where input < 0, else 0 (NaN for NaN).";
  m.def(
      "angle",
      [](const TensorBase& x, py::handle out) {
        return complex_out(tensorbridge::angle(x), out, "angle", {&x});
      },
      py::arg("input"), py::kw_only(), py::arg("out") = py::none(), angle_doc);
  cls.def("angle", [](const TensorBase& x) { return tensorbridge::angle(x); }, angle_doc);
  const char* sgn_doc = "input / |input| for complex numbers (0 at 0); sign(input) for real ones.";
  m.def(
      "sgn",
      [](const TensorBase& x, py::handle out) {
        return complex_out(tensorbridge::sgn(x), out, "sgn", {&x});
      },
      py::arg("input"), py::kw_only(), py::arg("out") = py::none(), sgn_doc);
  cls.def("sgn", [](const TensorBase& x) { return tensorbridge::sgn(x); }, sgn_doc);
  cls.def("sgn_",
          [](py::handle self) {
            tensorbridge::sgn_(complex_self(self));
            return py::reinterpret_borrow<py::object>(self);
          },
          "sgn in place.");

  // ---- complex, polar --------------------------------------------------------------------------
  m.def(
      "complex",
      [](const TensorBase& re, const TensorBase& im, py::handle out) {
        return complex_out(tensorbridge::complex(re, im), out, "complex", {&re, &im});
      },
      py::arg("real"), py::arg("imag"), py::kw_only(), py::arg("out") = py::none(),
      "real + imag * 1j from two float32 (float64) tensors, broadcast: complex64 (complex128).");
  m.def(
      "polar",
      [](const TensorBase& abs, const TensorBase& angle, py::handle out) {
        return complex_out(tensorbridge::polar(abs, angle), out, "polar", {&abs, &angle});
      },
      py::arg("abs"), py::arg("angle"), py::kw_only(), py::arg("out") = py::none(),
      "abs * (cos(angle) + sin(angle) * 1j) from two float32 (float64) tensors, broadcast.");
}

}  // namespace tensorbridge::python
