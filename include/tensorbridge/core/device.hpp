#pragma once
// Where a tensor's memory lives: a device type and, for accelerators, an index.
#include <cstdint>
#include <ostream>
#include <string>
#include <string_view>

#include "tensorbridge/core/error.hpp"

namespace tensorbridge {

enum class DeviceType : int8_t { CPU = 0, CUDA = 1 };

class Device {
 public:
  constexpr Device() = default;
  constexpr Device(DeviceType type, int index = 0) : type_(type), index_(index) {}  // NOLINT

  // Parses "cpu", "cuda", "cuda:1".
  explicit Device(std::string_view spec) {
    if (spec == "cpu") return;
    constexpr std::string_view cuda = "cuda";
    if (spec.substr(0, cuda.size()) == cuda) {
      type_ = DeviceType::CUDA;
      std::string_view rest = spec.substr(cuda.size());
      if (rest.empty()) return;
      if (rest.front() == ':' && rest.size() > 1 && rest.size() < 6) {
        int index = 0;
        for (char c : rest.substr(1)) {
          TB_CHECK(c >= '0' && c <= '9', ValueError, "invalid device string '", spec, "'");
          index = index * 10 + (c - '0');
        }
        index_ = index;
        return;
      }
    }
    TB_THROW(ValueError, "invalid device string '", spec,
             "' (expected 'cpu', 'cuda' or 'cuda:N')");
  }

  static constexpr Device cpu() { return Device(); }
  static constexpr Device cuda(int index = 0) { return Device(DeviceType::CUDA, index); }

  constexpr DeviceType type() const { return type_; }
  constexpr int index() const { return index_; }
  constexpr bool is_cpu() const { return type_ == DeviceType::CPU; }
  constexpr bool is_cuda() const { return type_ == DeviceType::CUDA; }

  std::string str() const { return is_cpu() ? "cpu" : "cuda:" + std::to_string(index_); }

  friend constexpr bool operator==(Device a, Device b) {
    return a.type_ == b.type_ && a.index_ == b.index_;
  }
  friend constexpr bool operator!=(Device a, Device b) { return !(a == b); }

 private:
  DeviceType type_ = DeviceType::CPU;
  int index_ = 0;
};

inline std::ostream& operator<<(std::ostream& os, Device d) { return os << d.str(); }

}  // namespace tensorbridge
