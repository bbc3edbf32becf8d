// A pybind11 extension that takes and returns tensorbridge tensors. Thanks to the casters in
// <tensorbridge/pybind11.hpp>, every function below accepts NumPy arrays, PyTorch and JAX
// tensors, memoryviews and tensorbridge tensors without copying them, and what it returns
// reaches Python as a tensorbridge.Tensor over the same memory.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <string>
#include <thread>

#include <tensorbridge/core/factory.hpp>
#include <tensorbridge/core/strided_loop.hpp>
#include <tensorbridge/pybind11.hpp>

namespace py = pybind11;
namespace tb = tensorbridge;

namespace {

// Multiplies every element of x by s, in place; any layout (strided, negative strides).
void scale_(tb::Tensor<float> x, float s) {
  const auto strides = x.byte_strides();
  tb::strided_loop<1>(x.shape(), {reinterpret_cast<char*>(x.data())}, {strides.data()},
                      [s](std::array<char*, 1> p, std::array<int64_t, 1> step, int64_t n) {
                        for (int64_t i = 0; i < n; ++i) *reinterpret_cast<float*>(p[0] + i * step[0]) *= s;
                      });
}

// A new tensor holding x * s; x may be read-only (a JAX array, a read-only NumPy array).
tb::Tensor<float> scaled(tb::Tensor<const float> x, float s) {
  tb::Tensor<float> out = x.clone();
  scale_(out, s);
  return out;
}

double sum(tb::Tensor<const double> x) {
  double total = 0;
  const auto strides = x.byte_strides();
  tb::strided_loop<1>(x.shape(), {reinterpret_cast<char*>(const_cast<double*>(x.data()))},
                      {strides.data()},
                      [&total](std::array<char*, 1> p, std::array<int64_t, 1> step, int64_t n) {
                        for (int64_t i = 0; i < n; ++i) total += *reinterpret_cast<const double*>(p[0] + i * step[0]);
                      });
  return total;
}

}  // namespace

PYBIND11_MODULE(tb_example, m) {
  tb::python::register_exception_translator();
  m.def("scale_", &scale_, py::arg("x"), py::arg("s"), "Multiplies a float32 array in place.");
  m.def("scaled", &scaled, py::arg("x"), py::arg("s"), "x * s as a new float32 tensor.");
  m.def("sum", &sum, py::arg("x"), "The sum of a float64 array.");
  // Overloads by dtype: the caster declines mismatches in pybind11's no-conversion pass.
  m.def("kind", [](tb::Tensor<const float>) { return std::string("float32"); });
  m.def("kind", [](tb::Tensor<const int64_t>) { return std::string("int64"); });
  // Any dtype and device: describes what arrived, without copying it.
  m.def("describe", [](const tb::TensorBase& x) {
    return py::dict(py::arg("dtype") = std::string(tb::dtype_name(x.dtype())),
                    py::arg("shape") = x.shape(), py::arg("strides") = x.strides(),
                    py::arg("read_only") = x.is_read_only(),
                    py::arg("data_ptr") = reinterpret_cast<uintptr_t>(x.data_ptr()));
  });
  m.def("identity", [](tb::TensorBase x) { return x; }, "Returns its argument (same memory).");
  m.def("first_row", [](tb::Tensor<float> x) { return x.select(0, 0); },
        "A view of row 0, sharing x's memory.");
  m.def("frozen", [](tb::Tensor<float> x) { return tb::Tensor<const float>(x); },
        "x as a read-only tensor.");
  m.def("arange", [](int64_t n) { return tb::arange<int64_t>(0, static_cast<double>(n)); },
        "A fresh int64 tensor made in C++.");
  m.def("maybe_length", [](std::optional<tb::Tensor<const float>> x) -> int64_t {
    return x ? x->numel() : -1;
  });
  // The last reference to x dies on a C++ thread that does not hold the GIL: the memory's
  // owner (for a NumPy array, its buffer) takes the GIL itself to let go of Python.
  m.def("release_on_thread", [](tb::TensorBase x) {
    py::gil_scoped_release no_gil;
    std::thread([x = std::move(x)]() mutable { x = tb::TensorBase(); }).join();
  });
  m.def("bad_index", [](tb::Tensor<const float> x) { return x.at(x.numel()); },
        "Raises IndexError: tensorbridge errors map to Python exceptions.");
}
