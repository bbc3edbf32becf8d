// Our DLPack header included before the official dlpack.h: ours defines the official
// include guard, so the official header adds nothing (a second definition would not
// compile), and code written against the official names sees ours.
// TB_OFFICIAL_DLPACK_H is the path of the header PyTorch ships (see CMakeLists.txt).
#include "tensorbridge/interop/dlpack.hpp"
#include TB_OFFICIAL_DLPACK_H

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "tensorbridge/core/factory.hpp"

namespace tb = tensorbridge;

namespace {
// A producer written only against the official names.
int g_deletes = 0;
void official_style_deleter(DLManagedTensor* self) {
  ++g_deletes;
  delete self;
}
}  // namespace

TEST(DLPackOfficialHeader, IncludedAfterOurs) {
  static float data[4] = {1, 2, 3, 4};
  static int64_t shape[1] = {4};
  auto* m = new DLManagedTensor{};
  m->dl_tensor.data = data;
  m->dl_tensor.device.device_type = kDLCPU;
  m->dl_tensor.ndim = 1;
  m->dl_tensor.dtype.code = kDLFloat;
  m->dl_tensor.dtype.bits = 32;
  m->dl_tensor.dtype.lanes = 1;
  m->dl_tensor.shape = shape;
  m->deleter = &official_style_deleter;
  {
    const auto t = tb::from_dlpack<float>(m);
    EXPECT_EQ(t.data(), data);
    EXPECT_EQ(t.to_vector(), (std::vector<float>{1, 2, 3, 4}));
  }
  EXPECT_EQ(g_deletes, 1);
  static_assert(DLPACK_FLAG_BITMASK_READ_ONLY == tb::kDLPackFlagReadOnly, "same flag values");
}
