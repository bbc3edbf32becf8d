// tensorbridge._C._optim: the C++ optimizers (one fused update loop per parameter) under
// tensorbridge.optim. The Python classes own PyTorch's param_groups dicts and push a
// group's hyperparameters here whenever Python code changes them.
#include <string>
#include <utility>
#include <vector>

#include "bindings.hpp"
#include "tensorbridge/optim/optim.hpp"

namespace tensorbridge::python {

namespace {

namespace o = optim;

o::SGDOptions sgd_options(double lr, double momentum, double dampening, double weight_decay,
                          bool nesterov, bool maximize) {
  return o::SGDOptions{lr, momentum, dampening, weight_decay, nesterov, maximize};
}

o::AdamOptions adam_options(double lr, double beta1, double beta2, double eps,
                            double weight_decay, bool amsgrad, bool maximize) {
  return o::AdamOptions{lr, beta1, beta2, eps, weight_decay, amsgrad, maximize};
}

using ParamState = std::vector<std::pair<std::string, TensorBase>>;

// state_dict() as (state, hyperparameters): state[i] lists parameter i's named tensors
// (numbered across groups), hyperparameters[g] group g's values by name.
py::tuple state_dict(const o::Optimizer& opt) {
  const o::OptimizerStateDict d = opt.state_dict();
  return py::make_tuple(py::cast(d.state), py::cast(d.param_groups));
}

void load_state_dict(o::Optimizer& opt, std::vector<ParamState> state,
                     std::vector<o::Hyperparameters> groups) {
  opt.load_state_dict(o::OptimizerStateDict{std::move(state), std::move(groups)});
}

}  // namespace

void bind_optim(py::module_& m) {
  py::module_ n = m.def_submodule("_optim", "The compiled core of tensorbridge.optim");

  py::class_<o::Optimizer>(n, "Optimizer")
      .def("step", &o::Optimizer::step)
      .def("zero_grad", &o::Optimizer::zero_grad, py::arg("set_to_none") = true)
      .def("set_hyperparameter", &o::Optimizer::set_hyperparameter, py::arg("group"),
           py::arg("name"), py::arg("value"))
      .def("hyperparameters", &o::Optimizer::hyperparameters, py::arg("group"))
      .def("state_dict", &state_dict)
      .def("load_state_dict", &load_state_dict, py::arg("state"), py::arg("param_groups"));

  py::class_<o::SGD, o::Optimizer>(n, "SGD")
      .def(py::init([](std::vector<TensorBase> params, double lr, double momentum, double dampening,
                       double weight_decay, bool nesterov, bool maximize) {
        return std::make_unique<o::SGD>(
            std::move(params), sgd_options(lr, momentum, dampening, weight_decay, nesterov, maximize));
      }))
      .def("add_param_group", [](o::SGD& opt, std::vector<TensorBase> params, double lr,
                                 double momentum, double dampening, double weight_decay,
                                 bool nesterov, bool maximize) {
        opt.add_param_group(std::move(params),
                            sgd_options(lr, momentum, dampening, weight_decay, nesterov, maximize));
      });

  auto adam_add_group = [](o::Adam& opt, std::vector<TensorBase> params, double lr, double beta1,
                           double beta2, double eps, double weight_decay, bool amsgrad,
                           bool maximize) {
    opt.add_param_group(std::move(params),
                        adam_options(lr, beta1, beta2, eps, weight_decay, amsgrad, maximize));
  };
  py::class_<o::Adam, o::Optimizer>(n, "Adam")
      .def(py::init([](std::vector<TensorBase> params, double lr, double beta1, double beta2,
                       double eps, double weight_decay, bool amsgrad, bool maximize) {
        return std::make_unique<o::Adam>(
            std::move(params), adam_options(lr, beta1, beta2, eps, weight_decay, amsgrad, maximize));
      }))
      .def("add_param_group", adam_add_group);
  // AdamW is Adam with decoupled weight decay; it adds no methods of its own.
  py::class_<o::AdamW, o::Adam>(n, "AdamW")
      .def(py::init([](std::vector<TensorBase> params, double lr, double beta1, double beta2,
                       double eps, double weight_decay, bool amsgrad, bool maximize) {
        return std::make_unique<o::AdamW>(
            std::move(params), adam_options(lr, beta1, beta2, eps, weight_decay, amsgrad, maximize));
      }));
}

}  // namespace tensorbridge::python
