// Storage ownership: each owner is released exactly once, when the last view dies; CPU
// memory is aligned; sizes are overflow-checked.
#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <vector>

#include "tensorbridge/tensorbridge.hpp"

namespace tb = tensorbridge;

namespace {

// A foreign buffer whose release is counted.
struct CountedBuffer {
  std::vector<float> data;
  int* releases;
};

tb::TensorBase wrap_counted(std::vector<float> values, tb::Shape shape, int* releases) {
  auto* buffer = new CountedBuffer{std::move(values), releases};
  auto storage = tb::Storage::from_foreign(buffer->data.data(), buffer->data.size() * sizeof(float),
                                           tb::Device::cpu(), [buffer] {
                                             ++*buffer->releases;
                                             delete buffer;
                                           });
  const tb::Strides strides = tb::contiguous_strides(shape);
  return tb::TensorBase(std::make_shared<tb::TensorImpl>(std::move(storage), 0, std::move(shape),
                                                         strides, tb::DType::Float32));
}

}  // namespace

TEST(Storage, ForeignOwnerReleasedOnceWhenLastViewDies) {
  int releases = 0;
  {
    tb::TensorBase base = wrap_counted({1, 2, 3, 4, 5, 6}, {2, 3}, &releases);
    tb::TensorBase view = base.transpose(0, 1).slice(0, 1);
    tb::TensorBase copy_of_handle = view;
    base = tb::TensorBase();  // the source dies first
    EXPECT_EQ(releases, 0);
    EXPECT_EQ(view.as<float>().at(0, 1), 5.f);  // data still valid through the view
    view = tb::TensorBase();
    EXPECT_EQ(releases, 0);
    EXPECT_EQ(copy_of_handle.numel(), 4);
  }
  EXPECT_EQ(releases, 1);
}

TEST(Storage, ForeignOwnerReleasedOnceAcrossManyViews) {
  int releases = 0;
  {
    tb::TensorBase base = wrap_counted(std::vector<float>(64, 1.f), {4, 4, 4}, &releases);
    std::vector<tb::TensorBase> views;
    for (int i = 0; i < 100; ++i) views.push_back(base.select(0, i % 4).flip({0}).unsqueeze(0));
  }
  EXPECT_EQ(releases, 1);
}

TEST(Storage, CopiesDoNotKeepTheSourceAlive) {
  int releases = 0;
  tb::TensorBase copy;
  {
    tb::TensorBase base = wrap_counted({1, 2, 3}, {3}, &releases);
    copy = base.clone();
  }
  EXPECT_EQ(releases, 1);
  EXPECT_EQ(copy.as<float>().at(2), 3.f);
}

TEST(Storage, CpuAllocationsAre64ByteAligned) {
  for (int64_t n : {1, 3, 17, 1000, 1 << 20}) {
    tb::TensorBase t = tb::empty({n}, tb::DType::Int8);
    EXPECT_EQ(reinterpret_cast<std::uintptr_t>(t.data_ptr()) % tb::kCpuAlignment, 0u) << n;
  }
}

TEST(Storage, LargeAllocationsAreHugePageAligned) {
  tb::TensorBase t = tb::empty({int64_t(10) << 20}, tb::DType::Float32);  // 40 MB
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(t.data_ptr()) % tb::kHugePageSize, 0u);
  EXPECT_EQ(t.storage()->nbytes(), std::size_t(40) << 20);
}

TEST(Storage, ZeroSizeTensorsHaveNoMemory) {
  tb::TensorBase t = tb::empty({0, 5});
  EXPECT_EQ(t.numel(), 0);
  EXPECT_EQ(t.storage()->nbytes(), 0u);
  EXPECT_EQ(t.data_ptr(), nullptr);
}

TEST(Storage, SizesAreOverflowChecked) {
  EXPECT_THROW(tb::empty({int64_t(1) << 40, int64_t(1) << 40}), tb::ValueError);
  EXPECT_THROW(tb::empty({int64_t(1) << 61}, tb::DType::Float64), tb::ValueError);  // bytes overflow
  EXPECT_THROW(tb::empty({-1, 3}), tb::ValueError);
  try {
    tb::empty({int64_t(1) << 62, 4});
    FAIL() << "expected an overflow error";
  } catch (const tb::ValueError& e) {
    EXPECT_NE(std::string(e.what()).find("overflow"), std::string::npos) << e.what();
  }
}

TEST(Storage, FactoryRefusesCudaWithoutCudaBuild) {
  try {
    tb::zeros({2}, tb::DType::Float32, tb::Device::cuda(0));
    FAIL();
  } catch (const tb::DeviceError& e) {
    EXPECT_NE(std::string(e.what()).find("cuda:0"), std::string::npos) << e.what();
  }
}

TEST(Device, ParsesAndPrints) {
  EXPECT_EQ(tb::Device("cpu"), tb::Device::cpu());
  EXPECT_EQ(tb::Device("cuda"), tb::Device::cuda(0));
  EXPECT_EQ(tb::Device("cuda:3").index(), 3);
  EXPECT_EQ(tb::Device::cuda(1).str(), "cuda:1");
  EXPECT_THROW(tb::Device("gpu"), tb::ValueError);
  EXPECT_THROW(tb::Device("cuda:x"), tb::ValueError);
  EXPECT_THROW(tb::Device("cuda:"), tb::ValueError);
}
