// The build works end to end: headers found, version consistent, a tensor can be made.
#include <gtest/gtest.h>

#include <string>
#include <tensorbridge/tensorbridge.hpp>

namespace tb = tensorbridge;

TEST(Smoke, VersionStringIsBuiltFromTheVersionMacros) {
  const std::string from_macros = std::to_string(TENSORBRIDGE_VERSION_MAJOR) + "." +
                                  std::to_string(TENSORBRIDGE_VERSION_MINOR) + "." +
                                  std::to_string(TENSORBRIDGE_VERSION_PATCH);
  EXPECT_EQ(std::string(tb::version_string), from_macros);
  EXPECT_EQ(std::string(TENSORBRIDGE_VERSION_STRING), from_macros);
}

TEST(Smoke, CMakeReadsTheSameVersionAsTheHeader) {
  EXPECT_EQ(std::string(tb::version_string), TB_CMAKE_PROJECT_VERSION);
}

TEST(Smoke, TensorFromAnInitializerList) {
  auto t = tb::tensor({1.f, 2.f});
  EXPECT_EQ(t.numel(), decltype(t.numel()){2});
}
