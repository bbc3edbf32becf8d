#pragma once
// The one place the version lives: CMake and the Python package read it from here.
#define TENSORBRIDGE_VERSION_MAJOR 0
#define TENSORBRIDGE_VERSION_MINOR 1
#define TENSORBRIDGE_VERSION_PATCH 0
#define TENSORBRIDGE_VERSION_STRING "0.1.0"

namespace tensorbridge {
inline constexpr int version_major = TENSORBRIDGE_VERSION_MAJOR;
inline constexpr int version_minor = TENSORBRIDGE_VERSION_MINOR;
inline constexpr int version_patch = TENSORBRIDGE_VERSION_PATCH;
inline constexpr const char* version_string = TENSORBRIDGE_VERSION_STRING;
}  // namespace tensorbridge
