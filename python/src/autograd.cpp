// Autograd from Python, with PyTorch's names: the Tensor's autograd attributes (requires_grad,
// grad, grad_fn, is_leaf, backward, hooks, detach, data), grad mode, graph nodes
// (tensor.grad_fn), autograd.grad/backward, custom functions written in Python
// (tensorbridge.autograd.Function runs on C++'s CustomFunctionNode) and gradcheck.
//
// Python objects owned by the graph (hooks, a Function's class and ctx) are held through
// PyRef: a graph can die on any thread, and the last owner takes the GIL to let go.
#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "bindings.hpp"
#include "tensorbridge/autograd/autograd.hpp"
#include "tensorbridge/interop/pybind11_lifetime.hpp"

namespace tensorbridge::python {

namespace ag = autograd;

namespace {

// A strong reference to a Python object that C++ may drop without holding the GIL.
using PyRef = std::shared_ptr<PyObject>;

PyRef py_ref(py::handle obj) {
  return PyRef(obj.inc_ref().ptr(), [](PyObject* p) { with_gil_if_alive([p] { Py_DECREF(p); }); });
}

py::handle handle_of(const PyRef& ref) { return py::handle(ref.get()); }

py::object tensor_or_none(const TensorBase& t) {
  return t.defined() ? py::cast(t) : py::object(py::none());
}

// A tensor or a sequence of tensors (None entries allowed where `allow_none`).
std::vector<TensorBase> tensor_list(py::handle obj, const char* op, bool allow_none) {
  if (py::isinstance<TensorBase>(obj)) return {tensor_of(obj)};
  TB_CHECK(PySequence_Check(obj.ptr()), TypeError, op,
           ": expected a Tensor or a sequence of Tensors, got ", Py_TYPE(obj.ptr())->tp_name);
  std::vector<TensorBase> out;
  for (py::handle item : py::reinterpret_borrow<py::sequence>(obj)) {
    TB_CHECK(allow_none || !item.is_none(), TypeError, op, ": expected Tensors, got None");
    out.push_back(optional_tensor_arg(item, op));
  }
  return out;
}

std::optional<bool> optional_bool(py::handle obj) {
  if (obj.is_none()) return std::nullopt;
  return obj.cast<bool>();
}

// ---- graph nodes ---------------------------------------------------------------------------

// PyTorch's names carry the overload number ("MulBackward0"); nodes of Python functions and
// AccumulateGrad keep theirs.
std::string node_name(const ag::Node& node) {
  std::string name = node.name();
  const std::string suffix = "Backward";
  const bool builtin = dynamic_cast<const ag::CustomFunctionNode*>(&node) == nullptr;
  if (builtin && name.size() >= suffix.size() &&
      name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0) {
    name += "0";
  }
  return name;
}

py::tuple next_functions(const ag::Node& node) {
  const auto& edges = node.next_edges();
  py::tuple out(edges.size());
  for (std::size_t i = 0; i < edges.size(); ++i) {
    py::object fn = edges[i].valid() ? py::cast(edges[i].fn) : py::object(py::none());
    out[i] = py::make_tuple(fn, edges[i].input_nr);
  }
  return out;
}

// ---- hooks ---------------------------------------------------------------------------------

// A C++ gradient hook calling a Python function: fn(grad) returns a replacement or None.
ag::GradHook python_hook(py::handle fn) {
  PyRef ref = py_ref(fn);
  return [ref](const TensorBase& grad) -> TensorBase {
    py::gil_scoped_acquire gil;
    py::object result = handle_of(ref)(py::cast(grad));
    return optional_tensor_arg(result, "hook");
  };
}

// What register_hook returns: remove() takes the hook off again (once; later calls do
// nothing, as in PyTorch). It watches the node without keeping the graph alive.
struct RemovableHandle {
  std::weak_ptr<ag::Node> node;
  std::size_t id = 0;
  void remove() {
    if (auto n = node.lock()) n->remove_pre_hook(id);
    node.reset();
  }
};

RemovableHandle register_hook(const TensorBase& t, py::handle fn) {
  TB_CHECK(PyCallable_Check(fn.ptr()), TypeError, "register_hook: expected a callable, got ",
           Py_TYPE(fn.ptr())->tp_name);
  const std::size_t id = t.register_hook(python_hook(fn));
  return RemovableHandle{ag::gradient_edge(t).fn, id};
}

// ---- backward and grad ---------------------------------------------------------------------

// backward(tensors, grad_tensors, retain_graph, create_graph, inputs): with `inputs`, only
// their .grad receives gradients (PyTorch's inputs= argument).
void run_backward(const std::vector<TensorBase>& outputs, const std::vector<TensorBase>& grads,
                  std::optional<bool> retain_graph, bool create_graph, py::handle inputs) {
  if (inputs.is_none()) {
    ag::backward(outputs, grads, retain_graph, create_graph);
    return;
  }
  const std::vector<TensorBase> wrt = tensor_list(inputs, "backward", false);
  TB_CHECK(!wrt.empty(), ValueError, "backward: 'inputs' argument to backward() cannot be empty.");
  const std::vector<TensorBase> g =
      ag::grad(outputs, wrt, grads, retain_graph, create_graph, /*allow_unused=*/true);
  ag::SetGradEnabledGuard mode(create_graph);
  for (std::size_t i = 0; i < wrt.size(); ++i) {
    ag::accumulate_grad(ag::ensure_meta(wrt[i]), g[i], /*may_steal=*/false);
  }
}

void tensor_backward(const TensorBase& t, py::handle gradient, py::handle retain_graph,
                     bool create_graph, py::handle inputs) {
  run_backward({t}, {optional_tensor_arg(gradient, "backward")}, optional_bool(retain_graph),
               create_graph, inputs);
}

// ---- .data ---------------------------------------------------------------------------------

// `t.data = other`: t's TensorImpl takes other's memory and layout, keeping its identity,
// requires_grad and .grad (PyTorch's set_data). A leaf whose shape or dtype changes gets a
// new gradient accumulator, since the old one checks gradients against the old ones.
void set_data(const TensorBase& t, const TensorBase& data) {
  TB_CHECK(data.device() == t.device(), DeviceError, "data: cannot assign a tensor on ",
           data.device(), " to a tensor on ", t.device());
  TensorImpl& dst = t.impl_ref();
  const TensorImpl& src = data.impl_ref();
  if (ag::AutogradMeta* m = ag::meta_of(t)) {
    if (src.shape != dst.shape || src.dtype != dst.dtype) m->grad_accumulator.reset();
  }
  dst.storage = src.storage;
  dst.offset = src.offset;
  dst.shape = src.shape;
  dst.strides = src.strides;
  dst.dtype = src.dtype;
  dst.read_only = src.read_only;
  dst.version = src.version;
}

// Tensor._make_subclass(cls, data, requires_grad): an instance of the Python subclass `cls` of
// Tensor (nn.Parameter) holding a history-free alias of `data`. pybind11 builds instances
// only through __init__, so this does what its constructors do: allocate the instance, put
// the C++ value in place, and let the type make the holder and register the instance.
py::object make_subclass(py::handle cls, const TensorBase& data, bool requires_grad,
                         py::handle tensor_type) {
  TB_CHECK(PyType_Check(cls.ptr()) &&
               PyType_IsSubtype(reinterpret_cast<PyTypeObject*>(cls.ptr()),
                                reinterpret_cast<PyTypeObject*>(tensor_type.ptr())),
           TypeError, "_make_subclass: cls must be a subclass of Tensor");
  auto obj = py::reinterpret_steal<py::object>(
      py::detail::make_new_instance(reinterpret_cast<PyTypeObject*>(cls.ptr())));
  auto* inst = reinterpret_cast<py::detail::instance*>(obj.ptr());
  py::detail::value_and_holder v_h =
      inst->get_value_and_holder(py::detail::get_type_info(typeid(TensorBase)));
  v_h.value_ptr() = new TensorBase(data.detach());
  v_h.type->init_instance(inst, nullptr);
  tensor_of(obj).requires_grad_(requires_grad);
  return obj;
}

// ---- custom functions --------------------------------------------------------------------

// The `ctx` of a Python Function: save_for_backward and friends act on the node that will
// run backward. Python code may set any other attribute on it (py::dynamic_attr).
struct FunctionCtx {
  std::weak_ptr<ag::CustomFunctionNode> node;

  std::shared_ptr<ag::CustomFunctionNode> lock(const char* op) const {
    auto n = node.lock();
    TB_CHECK(n != nullptr, Error, op, ": this ctx's function node no longer exists");
    return n;
  }
  void save_for_backward(const py::args& tensors) {
    std::vector<TensorBase> saved;
    for (py::handle t : tensors) saved.push_back(optional_tensor_arg(t, "save_for_backward"));
    lock("save_for_backward")->ctx().save_for_backward(std::move(saved));
  }
  py::tuple saved_tensors() const {
    const std::vector<TensorBase> saved = lock("saved_tensors")->ctx().get_saved_variables();
    py::tuple out(saved.size());
    for (std::size_t i = 0; i < saved.size(); ++i) out[i] = tensor_or_none(saved[i]);
    return out;
  }
  void mark_non_differentiable(const py::args& tensors) {
    std::vector<TensorBase> outs;
    for (py::handle t : tensors) outs.push_back(tensor_of(t));
    lock("mark_non_differentiable")->ctx().mark_non_differentiable(outs);
  }
  void set_materialize_grads(bool value) {
    lock("set_materialize_grads")->ctx().set_materialize_grads(value);
  }
};

// backward(ctx, *grads) of the Python class, as the node's C++ backward.
ag::CustomBackwardFn python_backward(PyRef cls, PyRef ctx) {
  return [cls, ctx](ag::AutogradContext&, std::vector<TensorBase> grads) {
    py::gil_scoped_acquire gil;
    py::tuple args(grads.size() + 1);
    args[0] = handle_of(ctx);
    for (std::size_t i = 0; i < grads.size(); ++i) args[i + 1] = tensor_or_none(grads[i]);
    py::object result = handle_of(cls).attr("backward")(*args);
    std::vector<TensorBase> out;
    if (PyTuple_Check(result.ptr()) || PyList_Check(result.ptr())) {
      for (py::handle g : result) out.push_back(optional_tensor_arg(g, "Function.backward"));
    } else {
      out.push_back(optional_tensor_arg(result, "Function.backward"));
    }
    return out;
  };
}

// Function.apply(*args): runs cls.forward(ctx, *args) without recording, then records one
// node whose backward is cls.backward. Returns forward's result, its tensors now carrying
// the node as grad_fn.
py::object function_apply(py::handle cls, py::handle ctx_class, const py::args& args) {
  py::object ctx_obj = ctx_class();
  auto node = std::make_shared<ag::CustomFunctionNode>(
      py::str(cls.attr("__name__")).cast<std::string>() + "Backward",
      python_backward(py_ref(cls), py_ref(ctx_obj)));
  ctx_obj.cast<FunctionCtx&>().node = node;

  std::vector<TensorBase> inputs;
  py::tuple needs(args.size());
  const bool grad_on = ag::GradMode::is_enabled();
  for (std::size_t i = 0; i < args.size(); ++i) {
    const bool is_tensor = py::isinstance<TensorBase>(args[i]);
    if (is_tensor) {
      inputs.push_back(tensor_of(args[i]));
      node->tensor_positions_.push_back(i);
    }
    needs[i] = py::bool_(is_tensor && grad_on && tensor_of(args[i]).requires_grad());
  }
  ctx_obj.attr("needs_input_grad") = needs;

  py::object result;
  {
    ag::NoGradGuard no_grad;
    py::tuple call_args(args.size() + 1);
    call_args[0] = ctx_obj;
    for (std::size_t i = 0; i < args.size(); ++i) call_args[i + 1] = args[i];
    result = cls.attr("forward")(*call_args);
  }

  const bool is_tuple = PyTuple_Check(result.ptr());
  py::tuple items = is_tuple ? py::reinterpret_borrow<py::tuple>(result) : py::make_tuple(result);
  std::vector<TensorBase> outputs;
  std::vector<std::size_t> where;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (py::isinstance<TensorBase>(items[i])) {
      outputs.push_back(tensor_of(items[i]));
      where.push_back(i);
    }
  }
  const std::vector<TensorBase> recorded = ag::record_function(node, inputs, outputs);
  py::tuple out(items.size());
  for (std::size_t i = 0; i < items.size(); ++i) out[i] = items[i];
  for (std::size_t k = 0; k < where.size(); ++k) {
    // The tensor forward made is returned itself; an input it passed through, as a new alias.
    if (!recorded[k].is_same(outputs[k])) out[where[k]] = py::cast(recorded[k]);
  }
  return is_tuple ? py::object(out) : py::object(out[0]);
}

// ---- gradcheck -------------------------------------------------------------------------------

ag::GradcheckFn python_gradcheck_fn(py::handle fn) {
  return [fn](const std::vector<TensorBase>& xs) {
    py::tuple args(xs.size());
    for (std::size_t i = 0; i < xs.size(); ++i) args[i] = py::cast(xs[i]);
    py::object out = fn(*args);
    TB_CHECK(py::isinstance<TensorBase>(out), TypeError,
             "gradcheck: the function must return a Tensor, got ", Py_TYPE(out.ptr())->tp_name);
    return tensor_of(out);
  };
}

}  // namespace

TensorBase optional_tensor_arg(py::handle obj, const char* op) {
  if (obj.is_none()) return TensorBase();
  TB_CHECK(py::isinstance<TensorBase>(obj), TypeError, op, ": expected a Tensor or None, got ",
           Py_TYPE(obj.ptr())->tp_name);
  return tensor_of(obj);
}

bool tensor_requires_grad(const TensorBase& t) { return t.requires_grad(); }

TensorBase with_requires_grad(TensorBase t, bool requires_grad) {
  if (requires_grad) t.requires_grad_(true);
  return t;
}

std::vector<std::string> autograd_repr_suffixes(const TensorBase& t) {
  if (const auto fn = t.grad_fn()) return {"grad_fn=<" + node_name(*fn) + ">"};
  if (t.requires_grad()) return {"requires_grad=True"};
  return {};
}

void bind_autograd(py::module_& m, TensorClass& cls) {
  // ---- Tensor ------------------------------------------------------------------------------
  cls.def_property(
         "requires_grad", [](const TensorBase& t) { return t.requires_grad(); },
         [](const TensorBase& t, bool value) { t.requires_grad_(value); },
         "Whether gradients are computed for this tensor.")
      .def("requires_grad_",
           [](py::handle self, bool value) {
             tensor_of(self).requires_grad_(value);
             return self;
           },
           py::arg("requires_grad") = true)
      .def_property(
          "grad", [](const TensorBase& t) { return tensor_or_none(t.grad()); },
          [](const TensorBase& t, py::handle g) { t.set_grad(optional_tensor_arg(g, "grad")); },
          "The gradient accumulated by backward(); None until one reaches this tensor.")
      .def_property_readonly("grad_fn", [](const TensorBase& t) { return t.grad_fn(); },
                             "The node that made this tensor (None for leaves).")
      .def_property_readonly("is_leaf", &TensorBase::is_leaf)
      .def_property_readonly("retains_grad", &TensorBase::retains_grad)
      .def("retain_grad", &TensorBase::retain_grad)
      .def("backward", &tensor_backward, py::arg("gradient") = py::none(),
           py::arg("retain_graph") = py::none(), py::arg("create_graph") = false,
           py::arg("inputs") = py::none(),
           "Accumulates the gradient of this tensor into the .grad of the leaves it depends on.")
      .def("detach", &TensorBase::detach, "A tensor sharing this one's memory, without history.")
      .def("detach_",
           [](py::handle self) {
             tensor_of(self).detach_();
             return self;
           })
      .def("register_hook", &register_hook, py::arg("hook"),
           "hook(grad) sees each gradient computed for this tensor and may return a "
           "replacement. Returns a handle whose remove() takes the hook off.")
      // Tensors are dict keys by identity (optimizer.state[param]), as in PyTorch, whatever
      // __eq__ does elementwise.
      .def("__hash__", [](py::handle self) { return std::hash<const void*>()(self.ptr()); })
      .def("__deepcopy__",
           [](const TensorBase& t, py::handle /*memo*/) {
             TB_CHECK(t.is_leaf(), Error,
                      "__deepcopy__: Only Tensors created explicitly by the user (graph leaves) "
                      "support the deepcopy protocol; detach() this one (grad_fn ",
                      t.grad_fn()->name(), ") first");
             TensorBase copy = ag::untracked([&] { return t.clone(); });
             copy.requires_grad_(t.requires_grad());
             if (t.grad().defined()) copy.set_grad(ag::untracked([&] { return t.grad().clone(); }));
             return copy;
           },
           py::arg("memo"), "A copy with its own memory, keeping requires_grad and .grad.")
      .def_static(
          "_make_subclass",
          [tensor_type = py::handle(cls)](py::handle sub, const TensorBase& data, bool requires_grad) {
            return make_subclass(sub, data, requires_grad, tensor_type);
          },
          py::arg("cls"), py::arg("data"), py::arg("require_grad") = false)
      .def_property(
          "data", &TensorBase::detach, [](const TensorBase& t, const TensorBase& d) { set_data(t, d); },
          "This tensor's values without history; assigning swaps in other memory in place.");

  // ---- tensorbridge._C._autograd ------------------------------------------------------------
  py::module_ a = m.def_submodule("_autograd", "The compiled core of tensorbridge.autograd");

  py::class_<ag::Node, std::shared_ptr<ag::Node>>(a, "Node", "A node of the backward graph.")
      .def("name", [](const ag::Node& n) { return node_name(n); })
      .def_property_readonly("next_functions", &next_functions,
                             "(node, output index) for each input; None where none flows.")
      .def("__repr__", [](const ag::Node& n) {
        char address[32];
        std::snprintf(address, sizeof(address), "%p", static_cast<const void*>(&n));
        return "<" + node_name(n) + " object at " + address + ">";
      });

  py::class_<RemovableHandle>(a, "RemovableHandle", "Returned by register_hook.")
      .def("remove", &RemovableHandle::remove);

  py::class_<FunctionCtx>(a, "FunctionCtx", py::dynamic_attr(),
                          "The ctx argument of a Function's forward and backward.")
      .def(py::init<>())
      .def("save_for_backward", &FunctionCtx::save_for_backward)
      .def_property_readonly("saved_tensors", &FunctionCtx::saved_tensors)
      .def("mark_non_differentiable", &FunctionCtx::mark_non_differentiable)
      .def("set_materialize_grads", &FunctionCtx::set_materialize_grads, py::arg("value"));

  a.def("is_grad_enabled", &ag::GradMode::is_enabled);
  a.def("set_grad_enabled", &ag::GradMode::set_enabled, py::arg("mode"));
  a.def(
      "backward",
      [](py::handle tensors, py::handle grad_tensors, py::handle retain_graph, bool create_graph,
         py::handle inputs) {
        const auto outputs = tensor_list(tensors, "backward", false);
        const auto grads = grad_tensors.is_none() ? std::vector<TensorBase>()
                                                  : tensor_list(grad_tensors, "backward", true);
        run_backward(outputs, grads, optional_bool(retain_graph), create_graph, inputs);
      },
      py::arg("tensors"), py::arg("grad_tensors") = py::none(), py::arg("retain_graph") = py::none(),
      py::arg("create_graph") = false, py::arg("inputs") = py::none());
  a.def(
      "grad",
      [](py::handle outputs, py::handle inputs, py::handle grad_outputs, py::handle retain_graph,
         bool create_graph, bool allow_unused) {
        const auto grads = grad_outputs.is_none() ? std::vector<TensorBase>()
                                                  : tensor_list(grad_outputs, "grad", true);
        const std::vector<TensorBase> result =
            ag::grad(tensor_list(outputs, "grad", false), tensor_list(inputs, "grad", false), grads,
                     optional_bool(retain_graph), create_graph, allow_unused);
        py::tuple out(result.size());
        for (std::size_t i = 0; i < result.size(); ++i) out[i] = tensor_or_none(result[i]);
        return out;
      },
      py::arg("outputs"), py::arg("inputs"), py::arg("grad_outputs") = py::none(),
      py::arg("retain_graph") = py::none(), py::arg("create_graph") = false,
      py::arg("allow_unused") = false);
  a.def("function_apply", &function_apply, py::arg("cls"), py::arg("ctx_class"));
  a.def(
      "gradcheck",
      [](py::function fn, const std::vector<TensorBase>& inputs, double eps, double atol,
         double rtol, bool raise_exception, bool second_order) {
        const ag::GradcheckFn f = python_gradcheck_fn(fn);
        return second_order ? ag::gradgradcheck(f, inputs, eps, atol, rtol, raise_exception)
                            : ag::gradcheck(f, inputs, eps, atol, rtol, raise_exception);
      },
      py::arg("fn"), py::arg("inputs"), py::arg("eps"), py::arg("atol"), py::arg("rtol"),
      py::arg("raise_exception"), py::arg("second_order"));
}

}  // namespace tensorbridge::python
