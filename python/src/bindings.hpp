#pragma once
// The parts of the tensorbridge._C extension and the conversions they share. Each bind_*
// function adds one part of the API; module.cpp calls them in order. New layers plug in the
// same way (bind_ops for math, bind_autograd for autograd/nn) without touching the others.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <optional>
#include <string>
#include <utility>
#include <vector>

// Only the layers bound here: each later part (ops, autograd) includes its own headers, so
// every translation unit compiles just what it uses.
#include "tensorbridge/core/factory.hpp"
#include "tensorbridge/core/print.hpp"
#include "tensorbridge/core/tensor.hpp"
#include "tensorbridge/ops/generator.hpp"
#include "tensorbridge/version.hpp"

namespace tensorbridge::python {

namespace py = pybind11;

using TensorClass = py::class_<TensorBase>;

// ---- the parts of the module (one .cpp file each) -------------------------------------------
void bind_dtypes(py::module_& m);                       // dtype.cpp: dtypes, device, defaults
void bind_tensor(py::module_& m, TensorClass& cls);     // tensor.cpp: metadata, views, copies
void bind_indexing(TensorClass& cls);                   // indexing.cpp: [] and []=
void bind_creation(py::module_& m);                     // creation.cpp: tensor(), zeros(), ...
void bind_interop(py::module_& m, TensorClass& cls);    // interop.cpp: buffer, NumPy, DLPack
void bind_autograd(py::module_& m, TensorClass& cls);   // autograd.cpp: grad, backward, Function
void bind_nn(py::module_& m);                           // nn.cpp: _C._nn (nn.functional, init)
void bind_optim(py::module_& m);                        // optim.cpp: _C._optim (SGD, Adam, AdamW)
void bind_elementwise(py::module_& m, TensorClass& cls);  // ops_elementwise.cpp: math, operators
void bind_ops_reduce_linalg(py::module_& m, TensorClass& cls);  // reductions, matmul family
void bind_ops_indexing(py::module_& m, TensorClass& cls);  // gather/scatter, cat, sort, random
void bind_cuda(py::module_& m, TensorClass& cls);       // cuda.cpp: tensorbridge.cuda, CUDA interface
void bind_complex(py::module_& m, TensorClass& cls);    // ops_complex.cpp: real/imag, conj, angle, ...

// ---- small helpers shared by every part --------------------------------------------------
// The Python type name of `obj`, for error messages ("got a list").
inline const char* type_name(py::handle obj) { return Py_TYPE(obj.ptr())->tp_name; }
// The tensor behind a Tensor object; pybind11's cast error for anything else.
inline const TensorBase& tensor_of(py::handle obj) { return obj.cast<const TensorBase&>(); }

// Binds `fn` as tensorbridge.<name>(<first>, ...) and Tensor.<name>(...): the function's first
// parameter is the method's self.
template <typename Fn, typename... Extra>
void def_function_and_method(py::module_& m, TensorClass& cls, const char* name, const char* first,
                             Fn&& fn, const char* doc, const Extra&... extra) {
  m.def(name, fn, py::arg(first), extra..., doc);
  cls.def(name, std::forward<Fn>(fn), extra..., doc);
}

// ---- dtypes and devices (dtype.cpp) ---------------------------------------------------------
// The tensorbridge.<name> object of a dtype (a borrowed, immortal reference).
py::handle dtype_object(DType dtype);
// The DType of a tensorbridge dtype object; TypeError naming `op` for anything else.
DType dtype_arg(py::handle obj, const char* op);
// As dtype_arg, with None meaning "not given".
std::optional<DType> optional_dtype_arg(py::handle obj, const char* op);
// The dtype that Python floats become (set_default_dtype).
DType default_dtype();
// The complex dtype that Python complex numbers become: complex128 with a float64 default.
DType default_complex_dtype();
// A device from a tensorbridge.device, a string like "cpu" or "cuda:0", or None (the CPU).
Device device_arg(py::handle obj, const char* op);
py::object device_object(Device device);
// `t` (made on the CPU) on `device`: itself for the CPU, else a copy there. DeviceError naming
// `op` when this build has no CUDA support.
TensorBase on_device(TensorBase t, Device device, const char* op);
// DeviceError naming `op` unless tensors can live on `device` in this build.
void check_device_available(Device device, const char* op);

// ---- Python values (creation.cpp) -----------------------------------------------------------
// The Python number held by a scalar-like object (bool, int, float, complex, and objects with
// __index__/__float__/__complex__ such as NumPy scalars), or nothing.
std::optional<Scalar> scalar_arg(py::handle obj);
// A shape from f(2, 3), f((2, 3)) or f([2, 3]).
Shape shape_args(const py::args& args, const char* op);
Shape shape_arg(py::handle seq, const char* op);
// The tensorbridge.Size (a tuple subclass) of a shape.
py::object size_object(const Shape& shape);
// A new tensor holding a copy of `data` (nested sequences, scalars, tensors, arrays).
TensorBase tensor_from_data(py::handle data, std::optional<DType> dtype, const char* op);
// `data` as a tensor, sharing memory when it is a tensor or exports its memory (buffer
// protocol, DLPack); a copy otherwise or when the dtype must change.
TensorBase as_tensor(py::handle data, std::optional<DType> dtype, const char* op);

// ---- interop (interop.cpp) ------------------------------------------------------------------
// A zero-copy tensor for an object exporting the buffer protocol or DLPack, or nothing when
// it exports neither.
std::optional<TensorBase> import_array(py::handle obj, const char* op);

// ---- autograd (autograd.cpp) ----------------------------------------------------------------
bool tensor_requires_grad(const TensorBase& t);
// `t` marked as requiring grad when asked (the factories' requires_grad=).
TensorBase with_requires_grad(TensorBase t, bool requires_grad);
// What the repr adds for autograd: "grad_fn=<MulBackward0>" or "requires_grad=True".
std::vector<std::string> autograd_repr_suffixes(const TensorBase& t);
// A tensor, or an undefined one for None; TypeError naming `op` for anything else.
TensorBase optional_tensor_arg(py::handle obj, const char* op);

// ---- random (ops_indexing.cpp) ---------------------------------------------------------------
// The Generator behind generator=, or null for None; TypeError for anything else.
Generator* generator_arg(py::handle gen);

// ---- advanced indexing (ops_indexing.cpp, for indexing.cpp) ---------------------------------
// One entry per indexed dim: an int64/int32 index tensor, a bool mask (covering as many dims as
// it has), or nothing for ':'.
using TensorIndices = std::vector<std::optional<TensorBase>>;
// self[indices] with NumPy's advanced-indexing rules; a copy, differentiable.
TensorBase index_by_tensors(const TensorBase& self, const TensorIndices& indices);
// self[indices] = values: values broadcast to the indexed shape and take self's dtype.
void index_put_by_tensors(const TensorBase& self, const TensorIndices& indices,
                          const TensorBase& values);

}  // namespace tensorbridge::python
