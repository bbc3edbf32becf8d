#pragma once
// The tensorbridge exception family. Python maps each class to the exception the
// ecosystem uses (TypeError, ValueError, IndexError, BufferError, RuntimeError).
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>

namespace tensorbridge {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};
// A dtype that the op cannot take or produce.
class TypeError : public Error {
 public:
  using Error::Error;
};
// A shape, size or value that does not fit.
class ValueError : public Error {
 public:
  using Error::Error;
};
// An index or dimension out of range.
class IndexError : public Error {
 public:
  using Error::Error;
};
// Memory that cannot be exported or imported as asked (DLPack, buffer protocol).
class BufferError : public Error {
 public:
  using Error::Error;
};
// A device that the op cannot use (e.g. a CUDA tensor without the CUDA kernels).
class DeviceError : public Error {
 public:
  using Error::Error;
};
// A write to a read-only tensor.
class ReadOnlyError : public Error {
 public:
  using Error::Error;
};

namespace detail {
template <typename... Args>
std::string str_cat(const Args&... args) {
  std::ostringstream os;
  (os << ... << args);
  return os.str();
}
}  // namespace detail

}  // namespace tensorbridge

// TB_CHECK(cond, ExceptionType, message parts...): throws ExceptionType with the
// concatenated message parts when cond is false. Message parts are only evaluated on
// failure, so checks cost one branch on the hot path.
#define TB_CHECK(cond, ErrorType, ...)                                              \
  do {                                                                              \
    if (!(cond)) {                                                                  \
      throw ::tensorbridge::ErrorType(::tensorbridge::detail::str_cat(__VA_ARGS__)); \
    }                                                                               \
  } while (0)

#define TB_THROW(ErrorType, ...) \
  throw ::tensorbridge::ErrorType(::tensorbridge::detail::str_cat(__VA_ARGS__))
