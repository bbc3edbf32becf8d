// tensorbridge._C._nn: the differentiable building blocks under tensorbridge.nn.functional and
// nn.init (PyTorch's torch._C._nn). Each is one C++ call with positional arguments; the
// Python layer supplies PyTorch's keywords and defaults, so the hot path parses nothing.
#include <cstdint>
#include <string_view>

#include "bindings.hpp"
#include "tensorbridge/nn/functional.hpp"
#include "tensorbridge/nn/init.hpp"

namespace tensorbridge::python {

namespace {

namespace F = nn::functional;

}  // namespace

void bind_nn(py::module_& m) {
  py::module_ n = m.def_submodule("_nn", "The compiled core of tensorbridge.nn.functional");

  // linear, sigmoid and tanh are nn.functional's own functions (no Python wrapper on the
  // hot path), hence their PyTorch argument names and docs.
  n.def(
      "linear",
      [](const TensorBase& x, const TensorBase& w, py::handle b) {
        return F::linear(x, w, optional_tensor_arg(b, "linear"));
      },
      py::arg("input"), py::arg("weight"), py::arg("bias") = py::none(),
      "input @ weight.T + bias; weight has shape (out_features, in_features).");
  n.def("relu", &F::relu);
  n.def("relu_", [](py::handle self) {
    autograd::relu_(self.cast<const TensorBase&>());
    return self;
  });
  n.def("sigmoid", &F::sigmoid, py::arg("input"), "1 / (1 + exp(-input)), elementwise.");
  n.def("tanh", &F::tanh, py::arg("input"), "The hyperbolic tangent, elementwise.");
  n.def("gelu", [](const TensorBase& x, std::string_view approximate) {
    TB_CHECK(approximate == "none" || approximate == "tanh", ValueError,
             "gelu: approximate must be 'none' or 'tanh', got '", approximate, "'");
    return F::gelu(x, approximate);
  });
  n.def("softmax", &F::softmax);
  n.def("log_softmax", &F::log_softmax);
  n.def("dropout", [](const TensorBase& x, double p, bool training, py::handle gen) {
    return F::dropout(x, p, training, generator_arg(gen));
  });
  n.def("embedding", [](const TensorBase& indices, const TensorBase& weight, int64_t padding_idx) {
    return autograd::embedding(weight, indices, padding_idx);
  });

  n.def("mse_loss", [](const TensorBase& x, const TensorBase& t, std::string_view reduction) {
    return F::mse_loss(x, t, reduction);
  });
  n.def("l1_loss", [](const TensorBase& x, const TensorBase& t, std::string_view reduction) {
    return F::l1_loss(x, t, reduction);
  });
  n.def("binary_cross_entropy",
        [](const TensorBase& x, const TensorBase& t, py::handle weight, std::string_view reduction) {
          return F::binary_cross_entropy(x, t, optional_tensor_arg(weight, "binary_cross_entropy"),
                                         reduction);
        });
  n.def("binary_cross_entropy_with_logits",
        [](const TensorBase& x, const TensorBase& t, py::handle weight, std::string_view reduction) {
          return F::binary_cross_entropy_with_logits(
              x, t, optional_tensor_arg(weight, "binary_cross_entropy_with_logits"), reduction);
        });
  n.def("cross_entropy", [](const TensorBase& x, const TensorBase& t, py::handle weight,
                            int64_t ignore_index, std::string_view reduction, double smoothing) {
    return F::cross_entropy(x, t, optional_tensor_arg(weight, "cross_entropy"), ignore_index,
                            reduction, smoothing);
  });
  n.def("nll_loss", [](const TensorBase& x, const TensorBase& t, py::handle weight,
                       int64_t ignore_index, std::string_view reduction) {
    return F::nll_loss(x, t, optional_tensor_arg(weight, "nll_loss"), ignore_index, reduction);
  });

  // nn.init's random fills (under no_grad, so parameters can be filled); the Python layer
  // computes bounds and gains.
  n.def("uniform_", [](py::handle self, double a, double b, py::handle gen) {
    nn::init::uniform_(self.cast<const TensorBase&>(), a, b, generator_arg(gen));
    return self;
  });
  n.def("normal_", [](py::handle self, double mean, double std, py::handle gen) {
    nn::init::normal_(self.cast<const TensorBase&>(), mean, std, generator_arg(gen));
    return self;
  });
}

}  // namespace tensorbridge::python
