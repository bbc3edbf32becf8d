// The official dlpack.h included before ours: ours must use its types and skip its own
// definitions (a second definition would not compile), and the API must work with them.
// TB_OFFICIAL_DLPACK_H is the path of the header PyTorch ships (see CMakeLists.txt).
#include TB_OFFICIAL_DLPACK_H
#include "tensorbridge/interop/dlpack.hpp"

#include <gtest/gtest.h>

#include "tensorbridge/core/factory.hpp"

namespace tb = tensorbridge;

TEST(DLPackOfficialHeader, IncludedBeforeOurs) {
  static_assert(DLPACK_MAJOR_VERSION >= 1, "the official header defines the version");
  const tb::TensorBase t = tb::arange(0, 6, 1, tb::DType::Float32).view({2, 3}).t();
  DLManagedTensorVersioned* m = tb::to_dlpack_versioned(t);
  const DLTensor& dl = m->dl_tensor;  // the official struct, filled by us
  EXPECT_EQ(dl.device.device_type, kDLCPU);
  EXPECT_EQ(dl.strides[0], 1);
  EXPECT_EQ(dl.strides[1], 3);
  const tb::TensorBase back = tb::from_dlpack(m);
  EXPECT_EQ(back.data_ptr(), t.data_ptr());
  EXPECT_EQ(back.strides(), t.strides());
}
