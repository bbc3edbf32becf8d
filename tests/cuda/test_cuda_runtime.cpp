// The host side of CUDA support, built with the plain C++ compiler against the CUDA runtime:
// errors, devices, streams, events, the stream-ordered allocator, pinned memory, copies
// between host and device in every layout, and DLPack on device memory with its stream
// contract. Tests that need a GPU skip on machines without one; the rest (argument
// checking, error messages) run everywhere the toolkit is installed.
#include <gtest/gtest.h>

#include <cuda_runtime_api.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "cuda_test_util.hpp"
#include "tensorbridge/core/factory.hpp"
#include "tensorbridge/cuda/cuda.hpp"
#include "tensorbridge/interop/dlpack.hpp"

namespace tb = tensorbridge;
namespace tbc = tensorbridge::cuda;
using tb::DType;
using tb::Shape;

namespace {

using tbtest::error_of;

// 0, 1, 2, ... as float32 on the CPU.
tb::TensorBase iota(const Shape& shape, DType dtype = DType::Float32) {
  return tb::arange(0, double(tb::checked_numel(shape)), 1, dtype).reshape(shape);
}

// Element-for-element equality of two CPU tensors (any layouts), compared as float64.
void expect_equal(const tb::TensorBase& a, const tb::TensorBase& b) {
  ASSERT_EQ(a.shape(), b.shape());
  const tb::TensorBase ca = a.to(DType::Float64).contiguous();
  const tb::TensorBase cb = b.to(DType::Float64).contiguous();
  const auto* pa = static_cast<const double*>(ca.data_ptr());
  const auto* pb = static_cast<const double*>(cb.data_ptr());
  for (int64_t i = 0; i < ca.numel(); ++i) ASSERT_EQ(pa[i], pb[i]) << "element " << i;
}

}  // namespace

// ---- runs without a GPU -----------------------------------------------------------------

TEST(CudaErrors, NameTheOpTheCallAndTheRuntimeReason) {
  const std::string msg = error_of<tb::DeviceError>(
      [] { tbc::check(cudaErrorMemoryAllocation, "empty", "cudaMallocAsync"); });
  EXPECT_NE(msg.find("empty: cudaMallocAsync failed: "), std::string::npos) << msg;
  EXPECT_NE(msg.find(cudaGetErrorString(cudaErrorMemoryAllocation)), std::string::npos) << msg;
  EXPECT_NE(msg.find("cudaErrorMemoryAllocation"), std::string::npos) << msg;
  EXPECT_NO_THROW(tbc::check(cudaSuccess, "empty", "cudaMallocAsync"));
}

TEST(CudaDevices, CountAgreesWithTheRuntime) {
  int n = 0;
  const bool ok = cudaGetDeviceCount(&n) == cudaSuccess;
  (void)cudaGetLastError();
  EXPECT_EQ(tbc::device_count(), ok ? n : 0);
  EXPECT_EQ(tbc::is_available(), tbc::device_count() > 0);
}

TEST(CudaDevices, MissingDeviceIsADeviceErrorNamingIt) {
  const tb::Device missing = tb::Device::cuda(tbc::device_count());
  const std::string msg =
      error_of<tb::DeviceError>([&] { tb::empty({2, 3}, DType::Float32, missing); });
  EXPECT_NE(msg.find(missing.str()), std::string::npos) << msg;
  EXPECT_NE(msg.find("not available"), std::string::npos) << msg;
  EXPECT_THROW(tb::ones({2}).to(missing), tb::DeviceError);
}

TEST(CudaDLPackStream, ArgumentsMapToStreamsAsTheSpecSays) {
  EXPECT_EQ(*tbc::stream_from_dlpack(std::nullopt), cudaStreamLegacy);
  EXPECT_EQ(*tbc::stream_from_dlpack(1), cudaStreamLegacy);
  EXPECT_EQ(*tbc::stream_from_dlpack(2), cudaStreamPerThread);
  EXPECT_FALSE(tbc::stream_from_dlpack(-1).has_value());  // producer must not synchronize
  EXPECT_EQ(*tbc::stream_from_dlpack(0x1234), reinterpret_cast<cudaStream_t>(0x1234));
  const std::string zero = error_of<tb::ValueError>([] { tbc::stream_from_dlpack(0); });
  EXPECT_NE(zero.find("stream 0"), std::string::npos) << zero;
  EXPECT_THROW(tbc::stream_from_dlpack(-2), tb::ValueError);
}

TEST(CudaDLPackStream, ConsumersPassOneTwoOrTheHandle) {
  EXPECT_EQ(tbc::dlpack_stream_argument(tbc::Stream(cudaStreamLegacy, 0)), 1);
  EXPECT_EQ(tbc::dlpack_stream_argument(tbc::Stream(cudaStreamPerThread, 0)), 2);
  EXPECT_EQ(tbc::dlpack_stream_argument(tbc::Stream(nullptr, 0)), 1);  // built without per-thread
  const auto handle = reinterpret_cast<cudaStream_t>(0x5678);
  EXPECT_EQ(tbc::dlpack_stream_argument(tbc::Stream(handle, 0)), 0x5678);
}

TEST(CudaDLPackStream, CpuTensorsTakeOnlyNone) {
  const tb::TensorBase t = tb::ones({3});
  EXPECT_NO_THROW(tbc::prepare_dlpack_export(t, std::nullopt));
  const std::string msg = error_of<tb::BufferError>([&] { tbc::prepare_dlpack_export(t, 1); });
  EXPECT_NE(msg.find("stream must be None"), std::string::npos) << msg;
}

TEST(CudaPinned, PageableAndNullPointersAreNotPinned) {
  std::vector<float> pageable(16);
  EXPECT_FALSE(tbc::is_pinned(pageable.data()));
  EXPECT_FALSE(tbc::is_pinned(nullptr));
  EXPECT_THROW(tbc::pin_memory(tb::TensorBase(std::make_shared<tb::TensorImpl>(
                   tb::Storage::from_foreign(nullptr, 0, tb::Device::cuda(0), [] {}), 0,
                   Shape{0}, tb::Strides{1}, DType::Float32))),
               tb::DeviceError);
}

// ---- devices, streams, events --------------------------------------------------------

TEST(CudaDevices, GuardSwitchesAndRestores) {
  TB_REQUIRE_GPU();
  const int before = tbc::current_device();
  {
    tbc::DeviceGuard guard(tbc::device_count() - 1);
    EXPECT_EQ(tbc::current_device(), tbc::device_count() - 1);
  }
  EXPECT_EQ(tbc::current_device(), before);
  EXPECT_THROW(tbc::DeviceGuard(tbc::device_count()), tb::DeviceError);
  EXPECT_EQ(tbc::current_device(), before);
}

TEST(CudaStreams, CurrentStreamIsTheDefaultUntilSetAndGuardsRestoreIt) {
  TB_REQUIRE_GPU();
  EXPECT_EQ(tbc::current_stream(0), tbc::Stream::default_stream(0));
  const tbc::Stream s = tbc::Stream::create(0);
  EXPECT_NE(s.handle(), nullptr);
  {
    tbc::StreamGuard guard(s);
    EXPECT_EQ(tbc::current_stream(0), s);
  }
  EXPECT_EQ(tbc::current_stream(0), tbc::Stream::default_stream(0));
  EXPECT_TRUE(s.query());
}

TEST(CudaEvents, OrderStreamsAndTime) {
  TB_REQUIRE_GPU();
  const tbc::Stream a = tbc::Stream::create(0);
  const tbc::Stream b = tbc::Stream::create(0);
  tbc::Event start(true), stop(true);
  tb::TensorBase t;
  {
    tbc::StreamGuard guard(a);
    start.record(a);
    t = tb::full({1 << 22}, 3.0, DType::Float32, tb::Device::cuda(0));  // runs on a
    stop.record(a);
  }
  stop.wait(b);  // b now waits for the fill
  tb::TensorBase host = tbc::empty_pinned({1 << 22});
  {
    tbc::StreamGuard guard(b);
    host.copy_(t, /*non_blocking=*/true);
  }
  b.synchronize();
  EXPECT_TRUE(stop.query());
  EXPECT_GE(start.elapsed_ms(stop), 0.0f);
  const auto* p = static_cast<const float*>(host.data_ptr());
  EXPECT_EQ(p[0], 3.0f);
  EXPECT_EQ(p[(1 << 22) - 1], 3.0f);
  tbc::Event untimed;
  untimed.record(a);
  EXPECT_THROW(untimed.elapsed_ms(stop), tb::DeviceError);
}

// ---- allocation -------------------------------------------------------------------------

TEST(CudaAllocator, FactoriesMakeDeviceTensors) {
  TB_REQUIRE_GPU();
  const tb::Device gpu = tb::Device::cuda(0);
  const tb::TensorBase e = tb::empty({2, 3}, DType::Float64, gpu);
  EXPECT_EQ(e.device(), gpu);
  EXPECT_EQ(e.strides(), (tb::Strides{3, 1}));
  EXPECT_EQ(tbc::pointer_device(e.data_ptr()), 0);
  expect_equal(tb::zeros({5, 7}, DType::Int32, gpu).cpu(), tb::zeros({5, 7}, DType::Int32));
  expect_equal(tb::ones({3, 1000}, DType::Float16, gpu).cpu(), tb::ones({3, 1000}, DType::Float16));
  expect_equal(tb::full({1001}, -2.5, DType::Float32, gpu).cpu(), tb::full({1001}, -2.5));
  const tb::TensorBase none = tb::empty({0, 4}, DType::Float32, gpu);
  EXPECT_EQ(none.data_ptr(), nullptr);
  EXPECT_EQ(none.cpu().numel(), 0);
}

TEST(CudaAllocator, FreedMemoryStaysInThePoolForReuse) {
  TB_REQUIRE_GPU();
  const std::size_t n = std::size_t(64) << 20;
  (void)tbc::allocate(n, tb::Device::cuda(0));  // freed at once, on the same stream
  cudaMemPool_t pool = nullptr;
  ASSERT_EQ(cudaDeviceGetDefaultMemPool(&pool, 0), cudaSuccess);
  tbc::synchronize(0);  // a release threshold of 0 would hand the block back here
  uint64_t reserved_before = 0, reserved_after = 0;
  ASSERT_EQ(cudaMemPoolGetAttribute(pool, cudaMemPoolAttrReservedMemCurrent, &reserved_before),
            cudaSuccess);
  EXPECT_GE(reserved_before, n);
  { auto again = tbc::allocate(n, tb::Device::cuda(0)); }
  ASSERT_EQ(cudaMemPoolGetAttribute(pool, cudaMemPoolAttrReservedMemCurrent, &reserved_after),
            cudaSuccess);
  EXPECT_EQ(reserved_after, reserved_before);
}

TEST(CudaAllocator, OutOfMemoryIsADeviceError) {
  TB_REQUIRE_GPU();
  const std::string msg = error_of<tb::DeviceError>(
      [] { tb::empty({int64_t(1) << 50}, DType::Float32, tb::Device::cuda(0)); });
  EXPECT_NE(msg.find("cuda:0"), std::string::npos) << msg;
}

TEST(CudaPinned, PinnedTensorsAreCpuTensorsTheGpuCanReach) {
  TB_REQUIRE_GPU();
  const tb::TensorBase p = tbc::empty_pinned({4, 4}, DType::Float32);
  EXPECT_TRUE(p.device().is_cpu());
  EXPECT_TRUE(tbc::is_pinned(p.data_ptr()));
  const tb::TensorBase src = iota({4, 4});
  const tb::TensorBase pinned = tbc::pin_memory(src);
  EXPECT_TRUE(tbc::is_pinned(pinned.data_ptr()));
  expect_equal(pinned, src);
  EXPECT_TRUE(tbc::pin_memory(pinned).is_same(pinned));
}

// ---- copies -----------------------------------------------------------------------------

TEST(CudaCopy, RoundTripsKeepValuesInEveryDtype) {
  TB_REQUIRE_GPU();
  for (DType d : {DType::Bool, DType::Int8, DType::Int64, DType::UInt16, DType::Float16,
                  DType::BFloat16, DType::Float32, DType::Float64, DType::Complex128}) {
    const tb::TensorBase x = iota({3, 5}, d);
    const tb::TensorBase g = x.cuda(0);
    EXPECT_EQ(g.device(), tb::Device::cuda(0));
    EXPECT_EQ(g.dtype(), d);
    const tb::TensorBase back = g.cpu();
    EXPECT_TRUE(back.device().is_cpu());
    EXPECT_EQ(std::memcmp(back.data_ptr(), x.data_ptr(), x.nbytes()), 0) << tb::dtype_name(d);
  }
}

TEST(CudaCopy, ToTheSameDeviceIsANoOpUnlessACopyIsAsked) {
  TB_REQUIRE_GPU();
  const tb::TensorBase g = iota({4}).cuda(0);
  EXPECT_TRUE(g.to(tb::Device::cuda(0)).is_same(g));
  const tb::TensorBase c = g.to(tb::Device::cuda(0), false, /*copy=*/true);
  EXPECT_NE(c.data_ptr(), g.data_ptr());
  expect_equal(c.cpu(), iota({4}));
  EXPECT_TRUE(g.cuda().is_same(g));  // no index: the current device, 0 here
}

TEST(CudaCopy, NonContiguousSourcesAndDestinationsBothWays) {
  TB_REQUIRE_GPU();
  const tb::TensorBase x = iota({6, 8});
  // Host views of every kind go up as their values.
  for (const tb::TensorBase& v :
       {x.t(), x.slice(1, 1, 7, 3), x.flip({0}), x.select(1, 2).unsqueeze(1).expand({6, 4})}) {
    expect_equal(v.cuda(0).cpu(), v);
  }
  // Device views come down as their values.
  const tb::TensorBase g = x.cuda(0);
  expect_equal(g.t().cpu(), x.t());
  expect_equal(g.slice(0, 0, 6, 2).cpu(), x.slice(0, 0, 6, 2));
  expect_equal(g.flip({1}).cpu(), x.flip({1}));
  expect_equal(g.select(1, 3).unsqueeze(0).expand({5, 6}).cpu(),
               x.select(1, 3).unsqueeze(0).expand({5, 6}));
  // A transposed device destination is dense: filled in one block, values in place.
  const tb::TensorBase dst = tb::zeros({8, 6}, DType::Float32, tb::Device::cuda(0)).t();
  dst.copy_(x, false);
  expect_equal(dst.cpu(), x);
}

TEST(CudaCopy, ConvertsDtypesOnTheWay) {
  TB_REQUIRE_GPU();
  const tb::TensorBase x = iota({10}, DType::Float64);
  const tb::TensorBase g = x.to(tb::Device::cuda(0), DType::Int32);
  EXPECT_EQ(g.dtype(), DType::Int32);
  expect_equal(g.cpu(), x);
  const tb::TensorBase h = tb::empty({10}, DType::Float16);
  h.copy_(g, false);
  expect_equal(h, x);
}

TEST(CudaCopy, LargePageableCopiesGoThroughTheStagingBuffers) {
  TB_REQUIRE_GPU();
  // Not a multiple of the 4 MiB chunk, so the last chunk is partial; one lane.
  const int64_t n = (int64_t(40) << 20) / 4 + 12345;
  const tb::TensorBase x = tb::arange(0, double(n), 1, DType::Int32);
  const tb::TensorBase g = x.cuda(0);
  const tb::TensorBase back = g.cpu();
  EXPECT_EQ(std::memcmp(back.data_ptr(), x.data_ptr(), x.nbytes()), 0);
}

TEST(CudaCopy, VeryLargePageableCopiesAreSplitAmongThreadsBothWays) {
  TB_REQUIRE_GPU();
  // 2 lanes and more (64 MiB per two), with a part that is not a multiple of the chunk size,
  // from a view that starts inside its storage.
  const int64_t n = (int64_t(150) << 20) / 4 + 4321;
  const tb::TensorBase x = tb::arange(0, double(n + 7), 1, DType::Int32).slice(0, 7, n + 7);
  const tb::TensorBase g = tb::empty({n}, DType::Int32, tb::Device::cuda(0));
  g.copy_(x, false);
  const tb::TensorBase back = g.cpu();
  ASSERT_EQ(back.numel(), n);
  EXPECT_EQ(std::memcmp(back.data_ptr(), x.data_ptr(), x.nbytes()), 0);
  const tb::TensorBase host = tb::zeros({n}, DType::Int32);
  host.copy_(g, false);
  EXPECT_EQ(std::memcmp(host.data_ptr(), x.data_ptr(), x.nbytes()), 0);
}

TEST(CudaCopy, NonBlockingWithPinnedMemory) {
  TB_REQUIRE_GPU();
  const tb::TensorBase src = tbc::pin_memory(iota({1 << 20}));
  const tb::TensorBase g = tb::empty({1 << 20}, DType::Float32, tb::Device::cuda(0));
  g.copy_(src, /*non_blocking=*/true);
  const tb::TensorBase dst = tbc::empty_pinned({1 << 20});
  dst.copy_(g, /*non_blocking=*/true);
  tbc::current_stream(0).synchronize();
  expect_equal(dst, src);
}

TEST(CudaCopy, DeviceToDeviceSameLayoutIsOneBlock) {
  TB_REQUIRE_GPU();
  const tb::TensorBase a = iota({3, 4}).cuda(0);
  const tb::TensorBase b = tb::empty({3, 4}, DType::Float32, tb::Device::cuda(0));
  b.copy_(a, false);
  expect_equal(b.cpu(), iota({3, 4}));
  const tb::TensorBase row = tb::empty({4}, DType::Float32, tb::Device::cuda(0));
  row.copy_(a[1], false);
  expect_equal(row.cpu(), iota({3, 4})[1]);
}

TEST(CudaCopy, ReadOnlyAndMisshapenDestinationsAreRefused) {
  TB_REQUIRE_GPU();
  const tb::TensorBase g = tb::zeros({3}, DType::Float32, tb::Device::cuda(0));
  EXPECT_THROW(g.as_read_only().copy_(tb::ones({3}), false), tb::ReadOnlyError);
  EXPECT_THROW(g.copy_(tb::ones({4}), false), tb::ValueError);
}

// ---- DLPack on device memory -----------------------------------------------------------

TEST(CudaDLPack, ExportAndImportShareDeviceMemory) {
  TB_REQUIRE_GPU();
  const tb::TensorBase g = iota({4, 5}).cuda(0);
  DLManagedTensorVersioned* m = tb::to_dlpack_versioned(g.t());
  EXPECT_EQ(m->dl_tensor.device.device_type, kDLCUDA);
  EXPECT_EQ(m->dl_tensor.device.device_id, 0);
  EXPECT_EQ(m->dl_tensor.data, g.data_ptr());
  const tb::TensorBase back = tb::from_dlpack(m);
  EXPECT_EQ(back.device(), tb::Device::cuda(0));
  EXPECT_EQ(back.data_ptr(), g.data_ptr());
  EXPECT_EQ(back.strides(), (tb::Strides{1, 5}));
  back.copy_(tb::zeros({5, 4}), false);  // writes through the import are seen by g
  expect_equal(g.cpu(), tb::zeros({4, 5}));
}

TEST(CudaDLPack, ImportedDeviceMemoryIsReleasedOnce) {
  TB_REQUIRE_GPU();
  void* p = nullptr;
  ASSERT_EQ(cudaMalloc(&p, 16 * sizeof(float)), cudaSuccess);
  static int deletes = 0;
  deletes = 0;
  struct Holder {
    DLManagedTensorVersioned m{};
    int64_t shape[1] = {16};
  };
  auto* h = new Holder;
  h->m.version = {1, 0};
  h->m.manager_ctx = h;
  h->m.deleter = [](DLManagedTensorVersioned* self) {
    auto* holder = static_cast<Holder*>(self->manager_ctx);
    (void)cudaFree(holder->m.dl_tensor.data);
    delete holder;
    ++deletes;
  };
  h->m.dl_tensor = DLTensor{p, DLDevice{kDLCUDA, 0}, 1, DLDataType{kDLFloat, 32, 1}, h->shape,
                            nullptr, 0};
  {
    const tb::TensorBase t = tb::from_dlpack(&h->m);
    EXPECT_EQ(t.data_ptr(), p);
    const tb::TensorBase view = t.slice(0, 2, 10);
    t.copy_(iota({16}), false);
    expect_equal(view.cpu(), iota({16}).slice(0, 2, 10));
    EXPECT_EQ(deletes, 0);
  }
  EXPECT_EQ(deletes, 1);
}

TEST(CudaDLPack, ManagedMemoryTakesTheDeviceThatOwnsIt) {
  TB_REQUIRE_GPU();
  const int last = tbc::device_count() - 1;
  void* p = nullptr;
  {
    tbc::DeviceGuard guard(last);
    ASSERT_EQ(cudaMallocManaged(&p, 8 * sizeof(float)), cudaSuccess);
  }
  int64_t shape[1] = {8};
  DLManagedTensorVersioned m{};
  m.version = {1, 0};
  m.dl_tensor = DLTensor{p, DLDevice{kDLCUDAManaged, 0}, 1, DLDataType{kDLFloat, 32, 1}, shape,
                         nullptr, 0};
  EXPECT_EQ(tb::from_dlpack(&m).device(), tb::Device::cuda(last));
  (void)cudaFree(p);
}

TEST(CudaDLPack, PinnedHostMemoryImportsAsACpuTensor) {
  TB_REQUIRE_GPU();
  const tb::TensorBase pinned = tbc::pin_memory(iota({6}));
  int64_t shape[1] = {6};
  DLManagedTensorVersioned m{};
  m.version = {1, 0};
  m.dl_tensor = DLTensor{pinned.data_ptr(), DLDevice{kDLCUDAHost, 0}, 1,
                         DLDataType{kDLFloat, 32, 1}, shape, nullptr, 0};
  const tb::TensorBase t = tb::from_dlpack(&m);
  EXPECT_TRUE(t.device().is_cpu());
  expect_equal(t, iota({6}));
}

TEST(CudaDLPack, ExportMakesTheDataReadyOnTheConsumersStream) {
  TB_REQUIRE_GPU();
  const tbc::Stream producer = tbc::Stream::create(0);
  const tbc::Stream consumer = tbc::Stream::create(0);
  const int64_t n = int64_t(1) << 24;
  tb::TensorBase t;
  {
    tbc::StreamGuard guard(producer);
    t = tb::full({n}, 7.0, DType::Float32, tb::Device::cuda(0));
    tbc::prepare_dlpack_export(t, tbc::dlpack_stream_argument(consumer));
  }
  // The consumer reads on its own stream without any host synchronization in between.
  const tb::TensorBase host = tbc::empty_pinned({n});
  ASSERT_EQ(cudaMemcpyAsync(host.data_ptr(), t.data_ptr(), t.nbytes(), cudaMemcpyDeviceToHost,
                            consumer.handle()),
            cudaSuccess);
  consumer.synchronize();
  const auto* p = static_cast<const float*>(host.data_ptr());
  EXPECT_EQ(p[0], 7.0f);
  EXPECT_EQ(p[n - 1], 7.0f);
  EXPECT_NO_THROW(tbc::prepare_dlpack_export(t, -1));
  EXPECT_THROW(tbc::prepare_dlpack_export(t, 0), tb::ValueError);
  producer.synchronize();
}
