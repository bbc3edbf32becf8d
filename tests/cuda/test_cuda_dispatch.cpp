// How ops treat device tensors in a program without the CUDA kernels: a clear DeviceError
// that says how to build them in, and operands on different devices refused with both
// devices named. Runs without a GPU: the checks come before any device memory is touched,
// so the tensors here are descriptions of device memory that does not exist.
#include <gtest/gtest.h>

#include <string>

#include "tensorbridge/core/factory.hpp"
#include "tensorbridge/ops/binary.hpp"
#include "tensorbridge/ops/linalg.hpp"
#include "tensorbridge/ops/reduce.hpp"
#include "tensorbridge/ops/unary.hpp"

namespace tb = tensorbridge;
using tb::DType;
using tb::Shape;

namespace {

// A tensor that claims to live on `device` (its address is never dereferenced).
tb::TensorBase fake_device_tensor(const Shape& shape, tb::Device device,
                                  DType dtype = DType::Float32) {
  static char dummy[64];
  auto storage = tb::Storage::from_foreign(dummy, sizeof(dummy), device, [] {});
  return tb::TensorBase(std::make_shared<tb::TensorImpl>(std::move(storage), 0, shape,
                                                         tb::contiguous_strides(shape), dtype));
}

template <typename F>
std::string device_error_of(F&& f) {
  try {
    f();
  } catch (const tb::DeviceError& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected a DeviceError";
  return {};
}

std::string missing_kernels(const std::string& op, const std::string& device) {
  return op + ": tensors on " + device +
         " need tensorbridge's CUDA kernels: compile one translation unit with nvcc that "
         "includes <tensorbridge/cuda/kernels.cuh> (see README)";
}

const tb::Device kGpu = tb::Device::cuda(0);

}  // namespace

TEST(CudaDispatch, OpsWithoutKernelsSayHowToBuildThemIn) {
  const tb::TensorBase a = fake_device_tensor({2, 3}, kGpu);
  const tb::TensorBase b = fake_device_tensor({3}, kGpu);
  EXPECT_EQ(device_error_of([&] { tb::ops::add(a, b); }), missing_kernels("add", "cuda:0"));
  EXPECT_EQ(device_error_of([&] { tb::ops::add(a, 2.0); }), missing_kernels("add", "cuda:0"));
  EXPECT_EQ(device_error_of([&] { tb::ops::mul(3, b); }), missing_kernels("mul", "cuda:0"));
  EXPECT_EQ(device_error_of([&] { tb::ops::sub_(a, b); }), missing_kernels("sub_", "cuda:0"));
  EXPECT_EQ(device_error_of([&] { tb::ops::lt(a, b); }), missing_kernels("lt", "cuda:0"));
  EXPECT_EQ(device_error_of([&] { tb::ops::exp(a); }), missing_kernels("exp", "cuda:0"));
  EXPECT_EQ(device_error_of([&] { tb::ops::neg_(a); }), missing_kernels("neg_", "cuda:0"));
  EXPECT_EQ(device_error_of([&] { tb::ops::sum(a); }), missing_kernels("sum", "cuda:0"));
  EXPECT_EQ(device_error_of([&] { tb::ops::amax(a, {1}); }), missing_kernels("amax", "cuda:0"));
  EXPECT_EQ(device_error_of([&] { tb::ops::matmul(a, fake_device_tensor({3, 4}, kGpu)); }),
            missing_kernels("matmul", "cuda:0"));
  const tb::TensorBase other = fake_device_tensor({4}, tb::Device::cuda(1));
  EXPECT_EQ(device_error_of([&] { tb::ops::sqrt(other); }), missing_kernels("sqrt", "cuda:1"));
}

TEST(CudaDispatch, DtypeAndShapeErrorsComeBeforeTheMissingKernels) {
  // These do not depend on how the program was built, so they keep their own types.
  const tb::TensorBase f = fake_device_tensor({2}, kGpu);
  EXPECT_THROW(tb::ops::bitwise_and(f, fake_device_tensor({2}, kGpu, DType::Int32)),
               tb::TypeError);
  EXPECT_THROW(tb::ops::add(f, fake_device_tensor({3}, kGpu)), tb::ValueError);
  EXPECT_THROW(tb::ops::matmul(fake_device_tensor({2, 3}, kGpu), fake_device_tensor({4, 5}, kGpu)),
               tb::ValueError);
}

TEST(CudaDispatch, MixingDevicesNamesBoth) {
  const tb::TensorBase gpu = fake_device_tensor({2, 3}, kGpu);
  const tb::TensorBase cpu = tb::ones({2, 3});
  for (const std::string& msg :
       {device_error_of([&] { tb::ops::add(gpu, cpu); }),
        device_error_of([&] { tb::ops::mul(cpu, gpu); }),
        device_error_of([&] { tb::ops::add_(cpu, gpu); }),
        device_error_of([&] { tb::ops::matmul(cpu, fake_device_tensor({3, 2}, kGpu)); })}) {
    EXPECT_NE(msg.find("expected all tensors to be on the same device"), std::string::npos)
        << msg;
    EXPECT_NE(msg.find("cuda:0"), std::string::npos) << msg;
    EXPECT_NE(msg.find("cpu"), std::string::npos) << msg;
  }
  const std::string two_gpus = device_error_of(
      [&] { tb::ops::add(gpu, fake_device_tensor({2, 3}, tb::Device::cuda(1))); });
  EXPECT_NE(two_gpus.find("cuda:0"), std::string::npos) << two_gpus;
  EXPECT_NE(two_gpus.find("cuda:1"), std::string::npos) << two_gpus;
  // An out= tensor on another device is refused too.
  const std::string out = device_error_of([&] { tb::ops::add_out(cpu, gpu, gpu); });
  EXPECT_NE(out.find("cpu"), std::string::npos) << out;
}
