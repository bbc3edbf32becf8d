// tensorbridge.cuda and the CUDA parts of Tensor: device count, current device,
// synchronize, and __cuda_array_interface__. Built with the CUDA layer when the extension is
// configured with TENSORBRIDGE_CUDA=ON (python/CMakeLists.txt: then this file includes
// <tensorbridge/cuda/cuda.hpp>, which installs core's device hooks, and cuda_kernels.cu
// registers the kernels); otherwise the same functions answer "no devices" and every CUDA
// request raises DeviceError saying this build has no CUDA support.
#include "bindings.hpp"
#include "tensorbridge/interop/pybind11_cuda_array.hpp"

#if defined(TENSORBRIDGE_WITH_CUDA)
#include "tensorbridge/cuda/cuda.hpp"
#endif

namespace tensorbridge::python {

namespace {

#if defined(TENSORBRIDGE_WITH_CUDA)
constexpr bool kBuiltWithCuda = true;
int device_count() { return cuda::device_count(); }
#else
constexpr bool kBuiltWithCuda = false;
int device_count() { return 0; }
#endif

// A device index from None (the current device), an int, or a device / "cuda:i".
int device_index(py::handle device, const char* op) {
  TB_CHECK(device_count() > 0, DeviceError, "tensorbridge.cuda.", op, ": ",
           kBuiltWithCuda ? "no CUDA device is available"
                          : "this build of tensorbridge has no CUDA support");
  if (device.is_none()) return tensorbridge::detail::require_device_hooks(Device::cuda(), op).current_device();
  if (PyIndex_Check(device.ptr())) return device.cast<int>();
  const Device d = device_arg(device, op);
  TB_CHECK(d.is_cuda(), DeviceError, "tensorbridge.cuda.", op, ": expected a CUDA device, got ", d);
  return d.index() < 0 ? tensorbridge::detail::require_device_hooks(d, op).current_device() : d.index();
}

}  // namespace

void check_device_available(Device device, const char* op) {
  if (device.is_cpu()) return;
  TB_CHECK(kBuiltWithCuda, DeviceError, op, ": cannot use device ", device,
           ": this build of tensorbridge has no CUDA support (tensorbridge.cuda.is_available() is "
           "False; build it in with pip install . -C cmake.define.TENSORBRIDGE_CUDA=ON)");
  const int count = device_count();
  TB_CHECK(device.index() < count, DeviceError, op, ": ", device, " is not available (",
           count, " CUDA device", count == 1 ? "" : "s", " found)");
}

TensorBase on_device(TensorBase t, Device device, const char* op) {
  if (device.is_cpu()) return t;
  check_device_available(device, op);
  return t.to(device);
}

void bind_cuda(py::module_& m, TensorClass& cls) {
  m.def("_cuda_built", [] { return kBuiltWithCuda; });
  m.def("_cuda_device_count", &device_count);
  m.def("_cuda_current_device", [] { return device_index(py::none(), "current_device"); });
  m.def(
      "_cuda_set_device",
      [](py::handle device) {
        const int index = device_index(device, "set_device");
#if defined(TENSORBRIDGE_WITH_CUDA)
        cuda::set_device(index);
#else
        (void)index;
#endif
      },
      py::arg("device"));
  m.def(
      "_cuda_synchronize",
      [](py::handle device) {
        const int index = device_index(device, "synchronize");
#if defined(TENSORBRIDGE_WITH_CUDA)
        py::gil_scoped_release release;  // other Python threads may run while the GPU drains
        cuda::synchronize(index);
#else
        (void)index;
#endif
      },
      py::arg("device") = py::none());
  m.def(
      "_from_cuda_array_interface",
      [](py::handle obj) { return from_cuda_array_interface(obj, "from_cuda_array_interface"); },
      py::arg("obj"));

  cls.def_property_readonly("__cuda_array_interface__", [](const TensorBase& t) {
    // As PyTorch: a consumer would see the values but autograd would not see its writes.
    if (t.device().is_cuda() && tensor_requires_grad(t)) {
      throw py::attribute_error(
          "__cuda_array_interface__: Can't get __cuda_array_interface__ on a tensor that "
          "requires grad; use tensor.detach()");
    }
    return cuda_array_interface(t);
  });
}

}  // namespace tensorbridge::python
