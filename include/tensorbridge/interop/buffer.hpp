#pragma once
// Strided memory described by pointer, shape and strides, in both directions:
//   - tensor -> description: `buffer_info(t)` fills what Python's buffer protocol asks for
//     (format string, itemsize, shape, byte strides, readonly); `buffer_format(dtype)`;
//   - description -> tensor: `dtype_from_buffer_format(format, itemsize)`, `from_buffer(info,
//     owner)`, and underneath them `view_foreign_memory(...)`, the one place where memory we
//     did not allocate becomes a tensor (DLPack import and Eigen borrowing use it too).
// Pure C++: the Python layer turns these into Py_buffer fields and back.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tensorbridge/core/dtype.hpp"
#include "tensorbridge/core/error.hpp"
#include "tensorbridge/core/shape.hpp"
#include "tensorbridge/core/storage.hpp"
#include "tensorbridge/core/tensor.hpp"
#include "tensorbridge/core/tensor_base.hpp"
#include "tensorbridge/core/tensor_impl.hpp"

namespace tensorbridge {

// ---- foreign memory -> tensor ------------------------------------------------------------

// The bytes a strided view touches, relative to its first element: [lo, lo + nbytes).
// lo <= 0 (negative strides reach below the first element); nbytes is 0 for zero-size views.
struct ByteExtent {
  int64_t lo = 0;
  int64_t nbytes = 0;
};

namespace detail {

inline bool mul_overflows(int64_t a, int64_t b, int64_t* out) {
  return __builtin_mul_overflow(a, b, out);
}
inline bool add_overflows(int64_t a, int64_t b, int64_t* out) {
  return __builtin_add_overflow(a, b, out);
}

// Checks the sizes alone: none negative, at most kMaxDims of them, and their product
// (zeros left out, so that contiguous strides of the same shape exist too) fits in bytes.
inline void check_foreign_shape(const Shape& shape, std::size_t itemsize, const char* op) {
  TB_CHECK(static_cast<int64_t>(shape.size()) <= kMaxDims, BufferError, op, ": ", shape.size(),
           " dimensions, more than the ", kMaxDims, " supported");
  int64_t dense_bytes = static_cast<int64_t>(itemsize);
  for (std::size_t i = 0; i < shape.size(); ++i) {
    TB_CHECK(shape[i] >= 0, BufferError, op, ": shape[", i, "] = ", shape[i],
             " is negative (shape ", shape_str(shape), ")");
    TB_CHECK(shape[i] == 0 || !mul_overflows(dense_bytes, shape[i], &dense_bytes), BufferError,
             op, ": shape ", shape_str(shape), " with itemsize ", itemsize,
             " overflows 64-bit byte sizes");
  }
}

}  // namespace detail

// Row-major strides for a foreign shape, after checking it (BufferError naming `op`).
inline Strides checked_contiguous_strides(const Shape& shape, std::size_t itemsize,
                                          const char* op) {
  detail::check_foreign_shape(shape, itemsize, op);
  return contiguous_strides(shape);
}

// Validates a foreign layout (element strides) and returns the byte range it touches.
// Throws BufferError naming `op` and the offending field when a size is negative, when
// sizes, strides or the extent overflow 64-bit byte arithmetic, or when there are more
// than kMaxDims dimensions. Zero-size layouts accept any strides (they touch no memory).
inline ByteExtent checked_byte_extent(const Shape& shape, const Strides& strides,
                                      std::size_t itemsize, const char* op) {
  TB_CHECK(shape.size() == strides.size(), BufferError, op, ": shape ", shape_str(shape),
           " and strides ", shape_str(strides), " differ in length");
  detail::check_foreign_shape(shape, itemsize, op);
  ByteExtent e;
  for (int64_t s : shape) {
    if (s == 0) return e;
  }
  const auto item = static_cast<int64_t>(itemsize);
  int64_t hi = 0;
  for (std::size_t i = 0; i < shape.size(); ++i) {
    // Size-1 dimensions keep their stride (any value is legal there), but it must still be
    // expressible in bytes because byte strides are derived from it.
    int64_t byte_stride = 0;
    int64_t span = 0;
    bool overflow = detail::mul_overflows(strides[i], item, &byte_stride) ||
                    detail::mul_overflows(shape[i] - 1, byte_stride, &span);
    if (!overflow) {
      overflow = span < 0 ? detail::add_overflows(e.lo, span, &e.lo)
                          : detail::add_overflows(hi, span, &hi);
    }
    TB_CHECK(!overflow, BufferError, op, ": strides[", i, "] = ", strides[i], " (shape ",
             shape_str(shape), ", strides ", shape_str(strides), ", itemsize ", itemsize,
             ") overflows 64-bit byte offsets");
  }
  TB_CHECK(!detail::add_overflows(hi, item, &hi) && !__builtin_sub_overflow(hi, e.lo, &e.nbytes),
           BufferError, op, ": shape ", shape_str(shape), " and strides ", shape_str(strides),
           " span more than 2^63 bytes");
  return e;
}

// A tensor over memory that tensorbridge did not allocate. `first` is the address of the
// first element (index 0, 0, ...); strides are in elements and may be zero or negative.
// `owner` is released exactly once, when the last view dies, and also right away when
// this function throws. The storage spans exactly the bytes the view touches (its data is
// the lowest of them), so as_strided() and friends stay inside the foreign memory.
// Zero-size views accept a null `first` and any strides (replaced by contiguous ones).
inline TensorBase view_foreign_memory(void* first, const Shape& shape, const Strides& strides,
                                      DType dtype, Device device, bool read_only,
                                      std::shared_ptr<void> owner, const char* op) {
  const ByteExtent e = checked_byte_extent(shape, strides, itemsize(dtype), op);
  const auto item = static_cast<int64_t>(itemsize(dtype));
  if (e.nbytes == 0) {
    // Foreign strides of an empty view may be anything; ours must be sane (and they are
    // never used to address memory).
    auto storage = std::make_shared<Storage>(first, 0, device, std::move(owner));
    return TensorBase(std::make_shared<TensorImpl>(std::move(storage), 0, shape,
                                                   contiguous_strides(shape), dtype, read_only));
  }
  TB_CHECK(first != nullptr, BufferError, op, ": data is NULL for a tensor of shape ",
           shape_str(shape), " and dtype ", dtype);
  // Pointer arithmetic outside an object is undefined, so the range is checked as integers.
  const auto addr = reinterpret_cast<uintptr_t>(first);
  const auto below = static_cast<uintptr_t>(-e.lo);
  const auto span = static_cast<uintptr_t>(e.nbytes);
  TB_CHECK(addr >= below && addr - below <= UINTPTR_MAX - span, BufferError, op,
           ": the memory of shape ", shape_str(shape), " and strides ", shape_str(strides),
           " around address ", first, " wraps around the address space");
  void* lowest = reinterpret_cast<void*>(addr - below);
  auto storage = std::make_shared<Storage>(lowest, static_cast<std::size_t>(e.nbytes), device,
                                           std::move(owner));
  return TensorBase(std::make_shared<TensorImpl>(std::move(storage), -e.lo / item, shape, strides,
                                                 dtype, read_only));
}

// ---- the buffer protocol -----------------------------------------------------------------

// What a Py_buffer holds, in C++ types. `ptr` is the first element and strides are in
// bytes. Like a Py_buffer it owns nothing: whoever holds it keeps the tensor alive (the
// binding stores the tensor in Py_buffer.obj). A zero-size tensor may have a null `ptr`;
// Python wants a non-null one, so the binding substitutes any valid address there.
struct BufferInfo {
  void* ptr = nullptr;
  int64_t itemsize = 0;
  std::string format;  // struct-module syntax: "f", "Zd", "?"
  Shape shape;
  std::vector<int64_t> strides;  // bytes; empty means C-contiguous
  bool readonly = false;

  int64_t ndim() const { return static_cast<int64_t>(shape.size()); }
};

// The format NumPy itself produces for each dtype (so memoryview(np_array).format and
// memoryview(tensor).format agree): 64-bit integers are 'l'/'L' where long is 64 bits
// (LP64) and 'q'/'Q' elsewhere. bfloat16 has no buffer format.
inline std::string_view buffer_format(DType dtype) {
  constexpr bool long_is_64 = sizeof(long) == 8;
  switch (dtype) {
    case DType::Bool: return "?";
    case DType::Int8: return "b";
    case DType::UInt8: return "B";
    case DType::Int16: return "h";
    case DType::UInt16: return "H";
    case DType::Int32: return "i";
    case DType::UInt32: return "I";
    case DType::Int64: return long_is_64 ? "l" : "q";
    case DType::UInt64: return long_is_64 ? "L" : "Q";
    case DType::Float16: return "e";
    case DType::Float32: return "f";
    case DType::Float64: return "d";
    case DType::Complex64: return "Zf";
    case DType::Complex128: return "Zd";
    case DType::BFloat16: break;
  }
  TB_THROW(BufferError, "buffer_format: dtype ", dtype,
           " has no buffer-protocol format (export it through DLPack instead)");
}

// The buffer-protocol view of a CPU tensor: no copy, `ptr` is the tensor's first element.
inline BufferInfo buffer_info(const TensorBase& t) {
  TB_CHECK(t.defined(), BufferError, "buffer_info: undefined tensor");
  TB_CHECK(t.device().is_cpu(), BufferError,
           "buffer_info: the buffer protocol describes CPU memory, but the tensor (shape ",
           shape_str(t.shape()), ", dtype ", t.dtype(), ") is on ", t.device());
  BufferInfo info;
  info.format = std::string(buffer_format(t.dtype()));
  info.ptr = t.data_ptr();
  info.itemsize = static_cast<int64_t>(t.element_size());
  info.shape = t.shape();
  info.strides = t.byte_strides();
  info.readonly = t.is_read_only();
  return info;
}

namespace detail {

struct FormatCode {
  DTypeKind kind;
  std::size_t native_size;    // after '@' or '^' (or no prefix)
  std::size_t standard_size;  // after '=', '<', '>', '!'
};

// One struct-module code, or nothing when it is not a number we store.
inline bool lookup_format_code(std::string_view code, FormatCode* out) {
  struct Entry {
    std::string_view code;
    FormatCode value;
  };
  static constexpr Entry kCodes[] = {
      {"?", {DTypeKind::Bool, sizeof(bool), 1}},
      {"b", {DTypeKind::Int, 1, 1}},
      {"B", {DTypeKind::UInt, 1, 1}},
      {"h", {DTypeKind::Int, sizeof(short), 2}},
      {"H", {DTypeKind::UInt, sizeof(short), 2}},
      {"i", {DTypeKind::Int, sizeof(int), 4}},
      {"I", {DTypeKind::UInt, sizeof(int), 4}},
      {"l", {DTypeKind::Int, sizeof(long), 4}},
      {"L", {DTypeKind::UInt, sizeof(long), 4}},
      {"q", {DTypeKind::Int, sizeof(long long), 8}},
      {"Q", {DTypeKind::UInt, sizeof(long long), 8}},
      {"n", {DTypeKind::Int, sizeof(std::ptrdiff_t), 0}},  // native mode only
      {"N", {DTypeKind::UInt, sizeof(std::size_t), 0}},
      {"e", {DTypeKind::Float, 2, 2}},
      {"f", {DTypeKind::Float, 4, 4}},
      {"d", {DTypeKind::Float, 8, 8}},
      {"Zf", {DTypeKind::Complex, 8, 8}},
      {"Zd", {DTypeKind::Complex, 16, 16}},
  };
  for (const Entry& e : kCodes) {
    if (e.code == code) {
      *out = e.value;
      return true;
    }
  }
  return false;
}

inline bool native_is_little_endian() {
#if defined(__BYTE_ORDER__) && defined(__ORDER_BIG_ENDIAN__)
  return __BYTE_ORDER__ != __ORDER_BIG_ENDIAN__;
#else
  return true;  // every platform we build for
#endif
}

}  // namespace detail

// Parses a buffer-protocol format of one number ("f", "<i", "=q", "Zd", ...) with the item
// size the exporter reported, and returns the matching dtype. The integer codes are matched
// by kind and size, so 'l' and 'q' both give int64 when the item is 8 bytes. Byte orders
// other than the native one, long double ('g', "Zg"), and anything that is not a single
// number (structs, strings, pointers, repeat counts) raise BufferError.
inline DType dtype_from_buffer_format(std::string_view format, int64_t itemsize) {
  std::string_view code = format;
  bool native_sizes = true;
  if (!code.empty()) {
    const char order = code.front();
    const bool little = detail::native_is_little_endian();
    if (order == '@' || order == '^') {
      code.remove_prefix(1);
    } else if (order == '=' || (order == '<' && little) || (order == '>' && !little)) {
      native_sizes = false;
      code.remove_prefix(1);
    } else if (order == '<' || order == '>' || order == '!') {
      TB_THROW(BufferError, "dtype_from_buffer_format: format '", format,
               "' has non-native byte order; tensorbridge stores native-order data only");
    }
  }
  detail::FormatCode fc{};
  TB_CHECK(detail::lookup_format_code(code, &fc), BufferError,
           "dtype_from_buffer_format: unsupported buffer format '", format, "'",
           (code == "g" || code == "Zg") ? " (long double has no tensorbridge dtype)" : "");
  const std::size_t size = native_sizes ? fc.native_size : fc.standard_size;
  TB_CHECK(size != 0, BufferError, "dtype_from_buffer_format: format '", format,
           "' is only valid with native sizes ('@' or no prefix)");
  TB_CHECK(itemsize == static_cast<int64_t>(size), BufferError,
           "dtype_from_buffer_format: format '", format, "' has ", size,
           "-byte items but the buffer says itemsize ", itemsize);
  for (int i = 0; i < kNumDTypes; ++i) {
    const auto d = static_cast<DType>(i);
    if (d != DType::BFloat16 && dtype_kind(d) == fc.kind && tensorbridge::itemsize(d) == size) {
      return d;
    }
  }
  TB_THROW(BufferError, "dtype_from_buffer_format: no dtype for format '", format,
           "' with itemsize ", itemsize);
}

// A CPU tensor over the memory a buffer description names (no copy). Byte strides must be
// multiples of the itemsize; empty strides mean C-contiguous. `owner` keeps the exporter's
// memory alive (the Python binding puts the Py_buffer there) and is released exactly once.
inline TensorBase from_buffer(const BufferInfo& info, std::shared_ptr<void> owner) {
  const DType dtype = dtype_from_buffer_format(info.format, info.itemsize);
  const auto item = static_cast<int64_t>(itemsize(dtype));
  Strides strides;
  if (info.strides.empty()) {
    strides = checked_contiguous_strides(info.shape, itemsize(dtype), "from_buffer");
  } else {
    TB_CHECK(info.strides.size() == info.shape.size(), BufferError, "from_buffer: shape ",
             shape_str(info.shape), " and strides ", shape_str(info.strides),
             " differ in length");
    for (std::size_t i = 0; i < info.strides.size(); ++i) {
      TB_CHECK(info.strides[i] % item == 0, BufferError, "from_buffer: strides[", i,
               "] = ", info.strides[i], " bytes is not a multiple of the itemsize ", item,
               " (format '", info.format, "', strides ", shape_str(info.strides), ")");
      strides.push_back(info.strides[i] / item);
    }
  }
  return view_foreign_memory(info.ptr, info.shape, strides, dtype, Device::cpu(), info.readonly,
                             std::move(owner), "from_buffer");
}

}  // namespace tensorbridge
