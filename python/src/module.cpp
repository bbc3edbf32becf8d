// tensorbridge._C: the compiled part of the tensorbridge Python package. Each layer binds
// itself from its own file; the order matters only where a part uses another's types.
#include "bindings.hpp"
#include "tensorbridge/interop/pybind11_errors.hpp"

namespace py = pybind11;
namespace tbp = tensorbridge::python;

PYBIND11_MODULE(_C, m) {
  m.doc() = "tensorbridge's compiled core: tensors shared zero-copy with NumPy, PyTorch, JAX, ...";
  m.attr("__version__") = TENSORBRIDGE_VERSION_STRING;
  tbp::register_exception_translator();

  tbp::bind_dtypes(m);
  tbp::TensorClass tensor(m, "Tensor", py::buffer_protocol(),
                          "A strided view of memory with a dtype and a device; PyTorch's API.");
  tbp::bind_tensor(m, tensor);
  tbp::bind_indexing(tensor);
  tbp::bind_creation(m);
  tbp::bind_interop(m, tensor);
  tbp::bind_autograd(m, tensor);
  tbp::bind_elementwise(m, tensor);  // after autograd: keeps its __hash__ with __eq__
  tbp::bind_nn(m);
  tbp::bind_optim(m);
  tbp::bind_ops_reduce_linalg(m, tensor);
  tbp::bind_ops_indexing(m, tensor);
  tbp::bind_complex(m, tensor);
  tbp::bind_cuda(m, tensor);
}
