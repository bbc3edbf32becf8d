// DLPack export and import: the fields we produce, round trips of every dtype and layout
// through the versioned and the legacy struct (same memory, writes seen both ways), and an
// importer that validates every field of hand-built producer structs, calling the
// producer's deleter exactly once on every path, failures included.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <iterator>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "tensorbridge/core/factory.hpp"
#include "tensorbridge/interop/dlpack.hpp"

namespace tb = tensorbridge;
using tb::DType;
using tb::Shape;

namespace {

constexpr DType kAllDTypes[] = {
    DType::Bool,    DType::Int8,    DType::Int16,    DType::Int32,   DType::Int64,
    DType::UInt8,   DType::UInt16,  DType::UInt32,   DType::UInt64,  DType::Float16,
    DType::BFloat16, DType::Float32, DType::Float64, DType::Complex64, DType::Complex128};

// A CPU tensor of `shape` holding 0, 1, 2, ... (as `dtype`) in foreign memory whose release
// is counted, so that lifetimes through DLPack can be checked.
tb::TensorBase counted_tensor(const Shape& shape, DType dtype, int* releases) {
  const tb::TensorBase values = tb::arange(0, double(tb::checked_numel(shape)), 1, dtype);
  auto* bytes = new std::vector<unsigned char>(values.nbytes());
  if (!bytes->empty()) std::memcpy(bytes->data(), values.data_ptr(), bytes->size());
  auto storage = tb::Storage::from_foreign(bytes->data(), bytes->size(), tb::Device::cpu(),
                                           [bytes, releases] {
                                             ++*releases;
                                             delete bytes;
                                           });
  return tb::TensorBase(std::make_shared<tb::TensorImpl>(std::move(storage), 0, shape,
                                                         tb::contiguous_strides(shape), dtype));
}

// The same elements (compared as bytes, so NaN payloads and -0 count too).
void expect_same_values(const tb::TensorBase& a, const tb::TensorBase& b) {
  ASSERT_EQ(a.shape(), b.shape());
  ASSERT_EQ(a.dtype(), b.dtype());
  const tb::TensorBase ca = a.clone();
  const tb::TensorBase cb = b.clone();
  ASSERT_EQ(ca.nbytes(), cb.nbytes());
  if (ca.nbytes() > 0) {
    EXPECT_EQ(std::memcmp(ca.data_ptr(), cb.data_ptr(), ca.nbytes()), 0);
  }
}

// Producer side of hand-built structs: a deleter that counts its calls in manager_ctx.
int g_legacy_deletes = 0;
void count_versioned_delete(DLManagedTensorVersioned* self) {
  ++*static_cast<int*>(self->manager_ctx);
}
void count_legacy_delete(DLManagedTensor*) { ++g_legacy_deletes; }

// A producer's tensor over a caller-owned buffer of doubles: shape {2, 3}, row-major.
struct HandBuilt {
  std::vector<double> buffer = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11};
  int64_t shape[2] = {2, 3};
  int64_t strides[2] = {3, 1};
  int deletes = 0;
  DLManagedTensorVersioned managed{};

  HandBuilt() {
    managed.version = DLPackVersion{1, 0};
    managed.manager_ctx = &deletes;
    managed.deleter = &count_versioned_delete;
    DLTensor& dl = managed.dl_tensor;
    dl.data = buffer.data();
    dl.device = DLDevice{kDLCPU, 0};
    dl.ndim = 2;
    dl.dtype = DLDataType{kDLFloat, 64, 1};
    dl.shape = shape;
    dl.strides = strides;
    dl.byte_offset = 0;
  }
  DLTensor& dl() { return managed.dl_tensor; }
};

// Runs from_dlpack on `h`, expecting BufferError whose message contains every one of
// `parts`; the deleter must have run exactly once by the time the error is seen.
void expect_refused(HandBuilt& h, std::initializer_list<const char*> parts) {
  try {
    tb::from_dlpack(&h.managed);
    ADD_FAILURE() << "from_dlpack accepted an invalid tensor";
  } catch (const tb::BufferError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("from_dlpack"), std::string::npos) << msg;
    for (const char* p : parts) EXPECT_NE(msg.find(p), std::string::npos) << msg << "\nwants: " << p;
  }
  EXPECT_EQ(h.deletes, 1);
}

}  // namespace

// ---- export ----------------------------------------------------------------------------------

TEST(DLPackExport, DTypeCodesFollowTheSpec) {
  struct Expected {
    DType dtype;
    uint8_t code, bits;
  };
  // From the DLPack spec: bool is {6, 8}; bfloat16 has its own code; complex bits count the
  // whole value.
  const Expected table[] = {
      {DType::Bool, 6, 8},       {DType::Int8, 0, 8},       {DType::Int16, 0, 16},
      {DType::Int32, 0, 32},     {DType::Int64, 0, 64},     {DType::UInt8, 1, 8},
      {DType::UInt16, 1, 16},    {DType::UInt32, 1, 32},    {DType::UInt64, 1, 64},
      {DType::Float16, 2, 16},   {DType::BFloat16, 4, 16},  {DType::Float32, 2, 32},
      {DType::Float64, 2, 64},   {DType::Complex64, 5, 64}, {DType::Complex128, 5, 128}};
  ASSERT_EQ(std::size(table), std::size(kAllDTypes));
  for (const Expected& e : table) {
    SCOPED_TRACE(tb::dtype_name(e.dtype));
    const tb::TensorBase t = tb::zeros({2}, e.dtype);
    DLManagedTensorVersioned* m = tb::to_dlpack_versioned(t);
    EXPECT_EQ(m->dl_tensor.dtype.code, e.code);
    EXPECT_EQ(m->dl_tensor.dtype.bits, e.bits);
    EXPECT_EQ(m->dl_tensor.dtype.lanes, 1);
    EXPECT_EQ(tb::dtype_from_dlpack(m->dl_tensor.dtype), e.dtype);
    m->deleter(m);
  }
}

TEST(DLPackExport, VersionedFields) {
  const tb::TensorBase t = tb::arange(0, 24, 1, DType::Float32).view({2, 3, 4}).permute({2, 0, 1});
  DLManagedTensorVersioned* m = tb::to_dlpack_versioned(t);
  EXPECT_EQ(m->version.major, 1u);
  EXPECT_EQ(m->flags, 0u);
  const DLTensor& dl = m->dl_tensor;
  EXPECT_EQ(dl.data, t.data_ptr());
  EXPECT_EQ(dl.byte_offset, 0u);
  EXPECT_EQ(dl.device.device_type, kDLCPU);
  EXPECT_EQ(dl.device.device_id, 0);
  ASSERT_EQ(dl.ndim, 3);
  EXPECT_EQ(Shape(dl.shape, dl.shape + 3), (Shape{4, 2, 3}));
  EXPECT_EQ(Shape(dl.strides, dl.strides + 3), (Shape{1, 12, 4}));
  // Shape and strides live in the same allocation, right behind the struct.
  EXPECT_EQ(dl.strides, dl.shape + 3);
  const auto* begin = reinterpret_cast<const char*>(m);
  const auto* shape = reinterpret_cast<const char*>(dl.shape);
  EXPECT_GT(shape, begin);
  EXPECT_LT(shape - begin, 256);
  m->deleter(m);
}

TEST(DLPackExport, LegacyFields) {
  const tb::TensorBase t = tb::arange(0, 10, 1, DType::Int64).slice(0, 1, 10, 3);
  DLManagedTensor* m = tb::to_dlpack(t);
  const DLTensor& dl = m->dl_tensor;
  EXPECT_EQ(dl.data, t.data_ptr());
  EXPECT_EQ(dl.byte_offset, 0u);
  ASSERT_EQ(dl.ndim, 1);
  EXPECT_EQ(dl.shape[0], 3);
  EXPECT_EQ(dl.strides[0], 3);
  EXPECT_EQ(static_cast<int64_t*>(dl.data)[dl.strides[0] * 2], 7);
  m->deleter(m);
}

TEST(DLPackExport, DataPointsAtFirstElementOfNegativeStrideView) {
  const tb::TensorBase t = tb::arange(0, 12, 1, DType::Float64).view({3, 4}).flip({0, 1});
  DLManagedTensorVersioned* m = tb::to_dlpack_versioned(t);
  const DLTensor& dl = m->dl_tensor;
  EXPECT_EQ(dl.byte_offset, 0u);
  EXPECT_EQ(*static_cast<double*>(dl.data), 11.0);
  EXPECT_EQ(Shape(dl.strides, dl.strides + 2), (Shape{-4, -1}));
  m->deleter(m);
}

TEST(DLPackExport, ZeroDimAndZeroSize) {
  const tb::TensorBase scalar = tb::full({}, tb::Scalar(2.5), DType::Float32);
  DLManagedTensorVersioned* m = tb::to_dlpack_versioned(scalar);
  EXPECT_EQ(m->dl_tensor.ndim, 0);
  EXPECT_EQ(*static_cast<float*>(m->dl_tensor.data), 2.5f);
  m->deleter(m);

  const tb::TensorBase empty = tb::zeros({3, 0, 2}, DType::Float32);
  m = tb::to_dlpack_versioned(empty);
  EXPECT_EQ(m->dl_tensor.data, nullptr);  // the spec asks for NULL on zero-size tensors
  ASSERT_EQ(m->dl_tensor.ndim, 3);
  EXPECT_EQ(m->dl_tensor.shape[1], 0);
  EXPECT_NE(m->dl_tensor.strides, nullptr);
  m->deleter(m);
}

TEST(DLPackExport, KeepsStorageAliveUntilDeleter) {
  int releases = 0;
  DLManagedTensorVersioned* m = nullptr;
  {
    const tb::TensorBase t = counted_tensor({4, 4}, DType::Float32, &releases);
    m = tb::to_dlpack_versioned(t.slice(0, 1, 3));
  }
  EXPECT_EQ(releases, 0);  // the export alone keeps the memory
  EXPECT_EQ(static_cast<float*>(m->dl_tensor.data)[0], 4.f);
  m->deleter(m);
  EXPECT_EQ(releases, 1);
}

TEST(DLPackExport, ReadOnlyTensorsFlaggedAndRefusedByLegacy) {
  int releases = 0;
  {
    const tb::TensorBase ro = counted_tensor({3}, DType::Int32, &releases).as_read_only();
    DLManagedTensorVersioned* m = tb::to_dlpack_versioned(ro);
    EXPECT_EQ(m->flags, tb::kDLPackFlagReadOnly);
    m->deleter(m);
    try {
      tb::to_dlpack(ro);
      ADD_FAILURE() << "legacy export of read-only data";
    } catch (const tb::BufferError& e) {
      EXPECT_NE(std::string(e.what()).find("read-only"), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("to_dlpack"), std::string::npos) << e.what();
    }
  }
  EXPECT_EQ(releases, 1);  // the refused export leaked nothing
}

TEST(DLPackExport, CopiedFlag) {
  const tb::TensorBase t = tb::zeros({2}, DType::Float32);
  DLManagedTensorVersioned* m = tb::to_dlpack_versioned(t, /*copied=*/true);
  EXPECT_EQ(m->flags, tb::kDLPackFlagIsCopied);
  m->deleter(m);
  m = tb::to_dlpack_versioned(t.as_read_only(), /*copied=*/true);
  EXPECT_EQ(m->flags, tb::kDLPackFlagIsCopied | tb::kDLPackFlagReadOnly);
  m->deleter(m);
}

TEST(DLPackExport, UndefinedTensorRefused) {
  EXPECT_THROW(tb::to_dlpack_versioned(tb::TensorBase()), tb::BufferError);
  EXPECT_THROW(tb::to_dlpack(tb::TensorBase()), tb::BufferError);
}

TEST(DLPackExport, CudaTensorsKeepTheirDeviceBothWays) {
  // Device memory is never touched on export or import, so a made-up address will do.
  int releases = 0;
  auto* fake = reinterpret_cast<void*>(uintptr_t{1} << 40);
  {
    auto storage = tb::Storage::from_foreign(fake, 64, tb::Device::cuda(1), [&] { ++releases; });
    const tb::TensorBase t(std::make_shared<tb::TensorImpl>(storage, 2, Shape{2, 3},
                                                            tb::Strides{1, 2}, DType::Float64));
    storage.reset();
    DLManagedTensorVersioned* m = tb::to_dlpack_versioned(t);
    EXPECT_EQ(m->dl_tensor.device.device_type, kDLCUDA);
    EXPECT_EQ(m->dl_tensor.device.device_id, 1);
    EXPECT_EQ(m->dl_tensor.data, static_cast<char*>(fake) + 16);
    const tb::TensorBase back = tb::from_dlpack(m);
    EXPECT_EQ(back.device(), tb::Device::cuda(1));
    EXPECT_EQ(back.data_ptr(), t.data_ptr());
    EXPECT_EQ(back.strides(), t.strides());
    EXPECT_THROW(back.clone(), tb::DeviceError);  // CPU code refuses it instead of reading it
  }
  EXPECT_EQ(releases, 1);
}

// ---- round trips -------------------------------------------------------------------------

namespace {

enum class Layout {
  Contiguous,
  Transposed,
  StridedSlice,
  NegativeStrides,
  ZeroDim,
  ZeroSize,
  SizeOneOddStrides,
  Broadcast,
  Mixed,
};
constexpr Layout kAllLayouts[] = {Layout::Contiguous,   Layout::Transposed,
                                  Layout::StridedSlice, Layout::NegativeStrides,
                                  Layout::ZeroDim,      Layout::ZeroSize,
                                  Layout::SizeOneOddStrides, Layout::Broadcast,
                                  Layout::Mixed};
const char* layout_name(Layout l) {
  switch (l) {
    case Layout::Contiguous: return "Contiguous";
    case Layout::Transposed: return "Transposed";
    case Layout::StridedSlice: return "StridedSlice";
    case Layout::NegativeStrides: return "NegativeStrides";
    case Layout::ZeroDim: return "ZeroDim";
    case Layout::ZeroSize: return "ZeroSize";
    case Layout::SizeOneOddStrides: return "SizeOneOddStrides";
    case Layout::Broadcast: return "Broadcast";
    case Layout::Mixed: return "Mixed";
  }
  return "?";
}

// A view of `base` (shape {4, 5, 6}) with the given layout.
tb::TensorBase make_layout(const tb::TensorBase& base, Layout l) {
  switch (l) {
    case Layout::Contiguous: return base;
    case Layout::Transposed: return base.permute({2, 0, 1});
    case Layout::StridedSlice: return base.slice(0, 1, 4, 2).slice(2, 0, 6, 3);
    case Layout::NegativeStrides: return base.flip({0, 2});
    case Layout::ZeroDim: return base.select(0, 1).select(0, 2).select(0, 3);
    case Layout::ZeroSize: return base.slice(1, 2, 2);
    case Layout::SizeOneOddStrides: return base.as_strided({3, 1, 2}, {30, 7777, 1}, 3);
    case Layout::Broadcast: return base.select(0, 0).select(0, 0).unsqueeze(0).expand({4, 6});
    case Layout::Mixed: return base.permute({1, 2, 0}).flip({1}).slice(0, 0, 5, 2);
  }
  return base;
}

class DLPackRoundTrip : public ::testing::TestWithParam<std::tuple<DType, Layout, bool>> {};

}  // namespace

TEST_P(DLPackRoundTrip, SameMemorySameLayoutDeleterOnce) {
  const auto [dtype, layout, legacy] = GetParam();
  int releases = 0;
  {
    const tb::TensorBase view = make_layout(counted_tensor({4, 5, 6}, dtype, &releases), layout);
    const tb::TensorBase back = legacy ? tb::from_dlpack(tb::to_dlpack(view))
                                       : tb::from_dlpack(tb::to_dlpack_versioned(view));
    EXPECT_EQ(back.shape(), view.shape());
    EXPECT_EQ(back.dtype(), dtype);
    EXPECT_EQ(back.device(), tb::Device::cpu());
    EXPECT_FALSE(back.is_read_only());
    if (view.numel() > 0) {
      EXPECT_EQ(back.data_ptr(), view.data_ptr());
      EXPECT_EQ(back.strides(), view.strides());
      // The imported storage spans exactly the bytes the view touches.
      const tb::ElementExtent e = tb::element_extent(view.shape(), view.strides());
      EXPECT_EQ(back.storage()->nbytes(), (e.hi - e.lo + 1) * view.element_size());
      EXPECT_EQ(back.storage_offset(), -e.lo);
    } else {
      EXPECT_EQ(back.numel(), 0);
    }
    expect_same_values(back, view);
    // A second trip through the other struct keeps the same memory too.
    const tb::TensorBase again = legacy ? tb::from_dlpack(tb::to_dlpack_versioned(back))
                                        : tb::from_dlpack(tb::to_dlpack(back));
    if (view.numel() > 0) {
      EXPECT_EQ(again.data_ptr(), view.data_ptr());
    }
    expect_same_values(again, view);
    EXPECT_EQ(releases, 0);
  }
  EXPECT_EQ(releases, 1);
}

INSTANTIATE_TEST_SUITE_P(
    AllDTypesAndLayouts, DLPackRoundTrip,
    ::testing::Combine(::testing::ValuesIn(kAllDTypes), ::testing::ValuesIn(kAllLayouts),
                       ::testing::Bool()),
    [](const ::testing::TestParamInfo<DLPackRoundTrip::ParamType>& info) {
      return std::string(tb::dtype_name(std::get<0>(info.param))) + "_" +
             layout_name(std::get<1>(info.param)) +
             (std::get<2>(info.param) ? "_Legacy" : "_Versioned");
    });

TEST(DLPackSharing, WritesVisibleBothWays) {
  for (Layout layout : {Layout::Contiguous, Layout::Transposed, Layout::StridedSlice,
                        Layout::NegativeStrides, Layout::ZeroDim, Layout::SizeOneOddStrides,
                        Layout::Mixed}) {
    SCOPED_TRACE(layout_name(layout));
    const auto base = tb::arange(0, 120, 1, DType::Float32).view({4, 5, 6});
    const auto view = make_layout(base, layout).as<float>();
    for (bool legacy : {false, true}) {
      const auto back = legacy ? tb::from_dlpack<float>(tb::to_dlpack(view))
                               : tb::from_dlpack<float>(tb::to_dlpack_versioned(view));
      // Write the last element through the import, read it in the source, and back.
      tb::TensorBase last_back = back;
      tb::TensorBase last_view = view;
      for (int64_t d = 0; d < view.dim(); ++d) {
        last_back = last_back.select(0, -1);
        last_view = last_view.select(0, -1);
      }
      last_back.fill_(tb::Scalar(-1000.0 - legacy));
      EXPECT_EQ(last_view.item<float>(), -1000.f - legacy);
      last_view.fill_(tb::Scalar(77.0));
      EXPECT_EQ(last_back.item<float>(), 77.f);
    }
  }
}

TEST(DLPackSharing, ReadOnlyStaysReadOnly) {
  int releases = 0;
  {
    const tb::TensorBase ro = counted_tensor({2, 3}, DType::Float32, &releases).as_read_only();
    const tb::TensorBase back = tb::from_dlpack(tb::to_dlpack_versioned(ro));
    EXPECT_TRUE(back.is_read_only());
    EXPECT_EQ(back.data_ptr(), ro.data_ptr());
    EXPECT_THROW(back.fill_(tb::Scalar(1)), tb::ReadOnlyError);
    EXPECT_THROW(tb::from_dlpack<float>(tb::to_dlpack_versioned(ro)), tb::ReadOnlyError);
    const tb::Tensor<const float> typed = tb::from_dlpack<const float>(tb::to_dlpack_versioned(ro));
    EXPECT_EQ(typed.data(), static_cast<const float*>(ro.data_ptr()));
  }
  EXPECT_EQ(releases, 1);  // the refused typed import released its export too
}

TEST(DLPackSharing, StorageBoundsOfImportedView) {
  // as_strided on an import may reach what the producer's view touches and nothing more.
  const auto base = tb::arange(0, 20, 1, DType::Int32).view({4, 5});
  const tb::TensorBase back = tb::from_dlpack(tb::to_dlpack_versioned(base.slice(0, 1, 3).flip({0})));
  EXPECT_EQ(back.storage_offset(), 5);  // first element is row 2; the storage starts at row 1
  EXPECT_EQ(back.as_strided({10}, {1}, 0).as<int32_t>().to_vector(),
            (std::vector<int32_t>{5, 6, 7, 8, 9, 10, 11, 12, 13, 14}));
  EXPECT_THROW(back.as_strided({11}, {1}, 0), tb::IndexError);
  EXPECT_THROW(back.as_strided({2}, {1}, -1), tb::IndexError);
}

// ---- import of hand-built producer structs -----------------------------------------------

TEST(DLPackImport, DeleterRunsOnceWhenLastViewDies) {
  HandBuilt h;
  {
    const tb::TensorBase t = tb::from_dlpack(&h.managed);
    EXPECT_EQ(t.data_ptr(), h.buffer.data());
    EXPECT_EQ(t.shape(), (Shape{2, 3}));
    const tb::TensorBase view = t.transpose(0, 1).select(0, 2);
    EXPECT_EQ(h.deletes, 0);
    {
      const tb::TensorBase keep = t;
    }
    EXPECT_EQ(h.deletes, 0);
    EXPECT_EQ(view.as<double>().to_vector(), (std::vector<double>{2, 5}));
    view.fill_(tb::Scalar(-1));
    EXPECT_EQ(h.buffer[5], -1);  // writes reach the producer's memory
  }
  EXPECT_EQ(h.deletes, 1);
}

TEST(DLPackImport, NullDeleterIsAllowed) {
  HandBuilt h;
  h.managed.deleter = nullptr;
  {
    const tb::TensorBase t = tb::from_dlpack(&h.managed);
    EXPECT_EQ(t.as<double>().at(1, 2), 5.0);
  }
  EXPECT_EQ(h.deletes, 0);
  // and on a failure path
  h.dl().ndim = -1;
  EXPECT_THROW(tb::from_dlpack(&h.managed), tb::BufferError);
  EXPECT_EQ(h.deletes, 0);
}

TEST(DLPackImport, NullManagedTensorRefused) {
  EXPECT_THROW(tb::from_dlpack(static_cast<DLManagedTensorVersioned*>(nullptr)), tb::BufferError);
  EXPECT_THROW(tb::from_dlpack(static_cast<DLManagedTensor*>(nullptr)), tb::BufferError);
}

TEST(DLPackImport, NewerMajorVersionCallsDeleterAndReadsNothingElse) {
  HandBuilt h;
  h.managed.version = DLPackVersion{2, 0};
  // Garbage everywhere past the stable header: reading any of it would crash or give a
  // different message.
  h.managed.flags = ~uint64_t{0};
  std::memset(&h.managed.dl_tensor, 0xAB, sizeof(DLTensor));
  expect_refused(h, {"version 2.0"});
}

TEST(DLPackImport, NewerMinorVersionAndUnknownFlagsAccepted) {
  HandBuilt h;
  h.managed.version = DLPackVersion{1, 99};
  h.managed.flags = tb::kDLPackFlagIsCopied | (uint64_t{1} << 40);
  {
    const tb::TensorBase t = tb::from_dlpack(&h.managed);
    EXPECT_FALSE(t.is_read_only());
    EXPECT_EQ(t.data_ptr(), h.buffer.data());
  }
  EXPECT_EQ(h.deletes, 1);
}

TEST(DLPackImport, ReadOnlyFlag) {
  HandBuilt h;
  h.managed.flags = tb::kDLPackFlagReadOnly;
  {
    const tb::TensorBase t = tb::from_dlpack(&h.managed);
    EXPECT_TRUE(t.is_read_only());
    EXPECT_THROW(t.fill_(tb::Scalar(0)), tb::ReadOnlyError);
    EXPECT_EQ(h.buffer[0], 0);
  }
  EXPECT_EQ(h.deletes, 1);
}

TEST(DLPackImport, NdimOutOfRange) {
  for (int32_t ndim : {-1, 65, std::numeric_limits<int32_t>::min()}) {
    HandBuilt h;
    h.dl().ndim = ndim;
    expect_refused(h, {"ndim", std::to_string(ndim).c_str()});
  }
}

TEST(DLPackImport, SixtyFourDimensionsAccepted) {
  HandBuilt h;
  std::vector<int64_t> shape(64, 1);
  std::vector<int64_t> strides(64, 1);
  shape[63] = 3;
  h.dl().ndim = 64;
  h.dl().shape = shape.data();
  h.dl().strides = strides.data();
  {
    const tb::TensorBase t = tb::from_dlpack(&h.managed);
    EXPECT_EQ(t.dim(), 64);
    EXPECT_EQ(t.numel(), 3);
  }
  EXPECT_EQ(h.deletes, 1);
}

TEST(DLPackImport, UnsupportedDTypesNamed) {
  struct Case {
    DLDataType dtype;
    const char* expected;
  };
  const Case cases[] = {
      {{kDLFloat, 32, 4}, "unsupported dtype code 2 (float), bits 32, lanes 4"},
      {{kDLFloat, 32, 0}, "lanes 0"},
      {{7, 8, 1}, "unsupported dtype code 7 (float8_e3m4), bits 8, lanes 1"},
      {{10, 8, 1}, "code 10 (float8_e4m3fn)"},
      {{17, 4, 1}, "code 17 (float4_e2m1fn), bits 4"},
      {{kDLOpaqueHandle, 64, 1}, "code 3 (opaque_handle)"},
      {{18, 32, 1}, "code 18 (unknown)"},
      {{255, 8, 1}, "code 255"},
      {{kDLBool, 1, 1}, "code 6 (bool), bits 1"},
      {{kDLFloat, 24, 1}, "bits 24"},
      {{kDLFloat, 128, 1}, "code 2 (float), bits 128"},
      {{kDLInt, 128, 1}, "code 0 (int), bits 128"},
      {{kDLBfloat, 32, 1}, "code 4 (bfloat), bits 32"},
      {{kDLComplex, 32, 1}, "code 5 (complex), bits 32"},
      {{kDLUInt, 1, 1}, "code 1 (uint), bits 1"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.expected);
    HandBuilt h;
    h.dl().dtype = c.dtype;
    expect_refused(h, {c.expected});
  }
}

TEST(DLPackImport, EveryDTypeAccepted) {
  for (DType d : kAllDTypes) {
    SCOPED_TRACE(tb::dtype_name(d));
    HandBuilt h;  // the buffer of doubles is large enough for any 2x3 dtype
    h.dl().dtype = tb::to_dlpack_dtype(d);
    h.dl().shape[0] = 1;
    {
      const tb::TensorBase t = tb::from_dlpack(&h.managed);
      EXPECT_EQ(t.dtype(), d);
      EXPECT_EQ(t.data_ptr(), h.buffer.data());
    }
    EXPECT_EQ(h.deletes, 1);
  }
}

TEST(DLPackImport, Devices) {
  {
    HandBuilt h;
    h.dl().device = DLDevice{kDLCUDAHost, 0};  // pinned memory: the CPU reads it
    const tb::TensorBase t = tb::from_dlpack(&h.managed);
    EXPECT_EQ(t.device(), tb::Device::cpu());
    EXPECT_EQ(t.as<double>().at(1, 1), 4.0);
  }
  {
    HandBuilt h;
    h.dl().device = DLDevice{kDLCUDAManaged, 3};  // unified memory belongs to a GPU
    EXPECT_EQ(tb::from_dlpack(&h.managed).device(), tb::Device::cuda(3));
    EXPECT_EQ(h.deletes, 1);
  }
  {
    HandBuilt h;
    h.dl().device = DLDevice{kDLCUDA, 2};
    EXPECT_EQ(tb::from_dlpack(&h.managed).device(), tb::Device::cuda(2));
  }
  for (int32_t type : std::initializer_list<int32_t>{0, kDLOpenCL, kDLVulkan, kDLMetal, kDLROCM, kDLROCMHost, kDLOneAPI,
                       kDLHexagon, kDLTrn, 99, -7}) {
    HandBuilt h;
    h.dl().device = DLDevice{static_cast<DLDeviceType>(type), 0};
    expect_refused(h, {"device type", std::to_string(type).c_str()});
  }
  HandBuilt h;
  h.dl().device = DLDevice{kDLCUDA, -1};
  expect_refused(h, {"device_id -1"});
}

TEST(DLPackImport, NullDataRefusedUnlessEmpty) {
  HandBuilt h;
  h.dl().data = nullptr;
  expect_refused(h, {"data is NULL", "[2, 3]"});

  HandBuilt empty;
  empty.dl().data = nullptr;
  empty.dl().shape[1] = 0;
  empty.dl().strides[0] = std::numeric_limits<int64_t>::max();  // anything goes when empty
  empty.dl().strides[1] = std::numeric_limits<int64_t>::min();
  empty.dl().byte_offset = 12345;
  {
    const tb::TensorBase t = tb::from_dlpack(&empty.managed);
    EXPECT_EQ(t.shape(), (Shape{2, 0}));
    EXPECT_EQ(t.data_ptr(), nullptr);
    EXPECT_EQ(t.clone().numel(), 0);
    EXPECT_EQ(t.byte_strides().size(), 2u);  // sane strides, no overflow
  }
  EXPECT_EQ(empty.deletes, 1);
}

TEST(DLPackImport, NullShapeRefusedNullStridesRowMajor) {
  HandBuilt h;
  h.dl().shape = nullptr;
  expect_refused(h, {"shape is NULL", "ndim 2"});

  HandBuilt rowmajor;
  rowmajor.dl().strides = nullptr;
  {
    const tb::TensorBase t = tb::from_dlpack(&rowmajor.managed);
    EXPECT_EQ(t.strides(), (Shape{3, 1}));
    EXPECT_EQ(t.as<double>().at(1, 0), 3.0);
  }
  EXPECT_EQ(rowmajor.deletes, 1);

  HandBuilt scalar;  // ndim 0: shape and strides may both be NULL
  scalar.dl().ndim = 0;
  scalar.dl().shape = nullptr;
  scalar.dl().strides = nullptr;
  scalar.dl().byte_offset = 4 * sizeof(double);
  EXPECT_EQ(tb::from_dlpack(&scalar.managed).item<double>(), 4.0);
  EXPECT_EQ(scalar.deletes, 1);
}

TEST(DLPackImport, ByteOffsetHonoured) {
  HandBuilt h;
  h.dl().byte_offset = 5 * sizeof(double);
  h.dl().shape[0] = 1;
  h.dl().strides[1] = 2;
  {
    const tb::TensorBase t = tb::from_dlpack(&h.managed);
    EXPECT_EQ(t.data_ptr(), h.buffer.data() + 5);
    EXPECT_EQ(t.as<double>().to_vector(), (std::vector<double>{5, 7, 9}));
  }
  EXPECT_EQ(h.deletes, 1);

  HandBuilt wraps;
  wraps.dl().byte_offset = std::numeric_limits<uint64_t>::max() - 8;
  expect_refused(wraps, {"byte_offset"});
}

TEST(DLPackImport, NegativeStridesBuildStorageFromLowestByte) {
  HandBuilt h;
  h.dl().data = h.buffer.data() + 11;  // the first element is the last double
  h.dl().strides[0] = -3;
  h.dl().strides[1] = -1;
  {
    const tb::TensorBase t = tb::from_dlpack(&h.managed);
    EXPECT_EQ(t.data_ptr(), h.buffer.data() + 11);
    EXPECT_EQ(t.storage()->data(), h.buffer.data() + 6);  // row 1 is the lowest touched
    EXPECT_EQ(t.storage()->nbytes(), 6 * sizeof(double));
    EXPECT_EQ(t.storage_offset(), 5);
    EXPECT_EQ(t.as<double>().to_vector(), (std::vector<double>{11, 10, 9, 8, 7, 6}));
  }
  EXPECT_EQ(h.deletes, 1);
}

TEST(DLPackImport, SizeOneDimensionsKeepOddStrides) {
  HandBuilt h;
  h.dl().shape[0] = 1;
  h.dl().strides[0] = 1000;
  {
    const tb::TensorBase t = tb::from_dlpack(&h.managed);
    EXPECT_EQ(t.strides(), (Shape{1000, 1}));
    EXPECT_EQ(t.storage()->nbytes(), 3 * sizeof(double));
    EXPECT_TRUE(t.is_contiguous());
  }
  EXPECT_EQ(h.deletes, 1);
}

TEST(DLPackImport, BroadcastStrides) {
  HandBuilt h;
  h.dl().strides[0] = 0;
  {
    const tb::TensorBase t = tb::from_dlpack(&h.managed);
    EXPECT_EQ(t.as<double>().to_vector(), (std::vector<double>{0, 1, 2, 0, 1, 2}));
    EXPECT_EQ(t.storage()->nbytes(), 3 * sizeof(double));
  }
  EXPECT_EQ(h.deletes, 1);
}

TEST(DLPackImport, NegativeShapeRefused) {
  HandBuilt h;
  h.dl().shape[1] = -2;
  expect_refused(h, {"shape[1] = -2"});
}

TEST(DLPackImport, OverflowingExtentsRefused) {
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  struct Case {
    int64_t shape0, shape1, stride0, stride1;
    const char* expected;
  };
  const Case cases[] = {
      {int64_t{1} << 62, int64_t{1} << 62, 1, 1, "overflows"},   // numel
      {int64_t{1} << 61, 1, 1, 1, "overflows"},                  // bytes of 8-byte items
      {2, 3, kMax / 2, 1, "strides[0]"},                         // span
      {2, 3, std::numeric_limits<int64_t>::min(), 1, "strides[0]"},
      {1, 3, int64_t{1} << 61, 1, "strides[0]"},  // a size-1 stride beyond byte range
      {3, 3, kMax / 16, -(kMax / 16), "2^63 bytes"},  // each span fits, lo..hi does not
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.expected);
    HandBuilt h;
    h.dl().shape[0] = c.shape0;
    h.dl().shape[1] = c.shape1;
    h.dl().strides[0] = c.stride0;
    h.dl().strides[1] = c.stride1;
    expect_refused(h, {c.expected});
  }
}

TEST(DLPackImport, AddressWrapRefused) {
  HandBuilt h;
  h.dl().data = reinterpret_cast<void*>(uintptr_t{64});
  h.dl().strides[0] = -100;  // would reach below address 0
  expect_refused(h, {"wraps around"});

  HandBuilt high;
  high.dl().data = reinterpret_cast<void*>(std::numeric_limits<uintptr_t>::max() - 16);
  expect_refused(high, {"wraps around"});
}

TEST(DLPackImport, TypedImportChecksDType) {
  HandBuilt h;
  try {
    tb::from_dlpack<float>(&h.managed);
    ADD_FAILURE() << "dtype mismatch accepted";
  } catch (const tb::TypeError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("expected dtype float32"), std::string::npos) << msg;
    EXPECT_NE(msg.find("float64"), std::string::npos) << msg;
  }
  EXPECT_EQ(h.deletes, 1);

  HandBuilt ok;
  {
    const tb::Tensor<double> t = tb::from_dlpack<double>(&ok.managed);
    EXPECT_EQ(t.data(), ok.buffer.data());
    EXPECT_EQ(t(1, 2), 5.0);
  }
  EXPECT_EQ(ok.deletes, 1);
}

TEST(DLPackImport, LegacyStructs) {
  std::vector<float> buffer = {1, 2, 3, 4};
  int64_t shape[1] = {4};
  DLManagedTensor m{};
  m.dl_tensor.data = buffer.data();
  m.dl_tensor.device = DLDevice{kDLCPU, 0};
  m.dl_tensor.ndim = 1;
  m.dl_tensor.dtype = DLDataType{kDLFloat, 32, 1};
  m.dl_tensor.shape = shape;
  m.dl_tensor.strides = nullptr;
  m.deleter = &count_legacy_delete;
  g_legacy_deletes = 0;
  {
    const auto t = tb::from_dlpack<float>(&m);  // legacy imports are writable in C++
    t(2) = 30;
    EXPECT_EQ(buffer[2], 30);
  }
  EXPECT_EQ(g_legacy_deletes, 1);

  g_legacy_deletes = 0;
  m.dl_tensor.dtype = DLDataType{kDLFloat, 8, 1};
  EXPECT_THROW(tb::from_dlpack(&m), tb::BufferError);
  EXPECT_EQ(g_legacy_deletes, 1);

  g_legacy_deletes = 0;
  m.dl_tensor.dtype = DLDataType{kDLInt, 32, 1};
  EXPECT_THROW(tb::from_dlpack<float>(&m), tb::TypeError);
  EXPECT_EQ(g_legacy_deletes, 1);

  m.deleter = nullptr;
  m.dl_tensor.ndim = 100;
  EXPECT_THROW(tb::from_dlpack(&m), tb::BufferError);
}
