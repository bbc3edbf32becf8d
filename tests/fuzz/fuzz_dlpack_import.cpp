// libFuzzer harness for DLPack import: the fuzz bytes choose every header field a producer
// controls (struct kind, version, flags, ndim, dtype, device, shape, strides, byte_offset,
// NULL pointers, a NULL deleter). The harness gives the importer real memory: it computes
// the extent with the library's own checked arithmetic and allocates exactly the bytes the
// view touches, so a read outside them is the importer's bug and ASan reports it.
// Invariants checked on every input:
//   - import either succeeds or throws BufferError (TypeError for a typed import of another
//     dtype), never anything else and never a crash;
//   - when the harness's extent check rejects the layout, the import is refused too;
//   - an accepted import views the producer's memory with the producer's shape, and every
//     element read through the tensor (clone()) equals the byte-wise gather from the buffer;
//   - the producer's deleter has run exactly once after the tensor dies (never, if NULL).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <vector>

#include "tensorbridge/core/factory.hpp"
#include "tensorbridge/interop/dlpack.hpp"

namespace tb = tensorbridge;

#define FUZZ_CHECK(cond, what)                                               \
  do {                                                                       \
    if (!(cond)) {                                                           \
      std::fprintf(stderr, "fuzz_dlpack_import: check failed: %s\n", what); \
      std::abort();                                                          \
    }                                                                        \
  } while (0)

namespace {

// Reads the fuzz input front to back; zeros once it runs out.
class Bytes {
 public:
  Bytes(const uint8_t* data, std::size_t size) : data_(data), size_(size) {}
  uint8_t u8() { return pos_ < size_ ? data_[pos_++] : 0; }
  uint64_t u64() {
    uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v |= uint64_t(u8()) << (8 * i);
    return v;
  }
  // Mostly small values, sometimes any 64-bit value.
  int64_t size_like() {
    const uint8_t t = u8();
    return t < 0xF8 ? int64_t(t % 8) : static_cast<int64_t>(u64());
  }
  int64_t stride_like() {
    const uint8_t t = u8();
    return t < 0xF8 ? int64_t(t % 33) - 16 : static_cast<int64_t>(u64());
  }

 private:
  const uint8_t* data_;
  std::size_t size_;
  std::size_t pos_ = 0;
};

constexpr int64_t kMaxBufferBytes = int64_t{1} << 20;
constexpr int64_t kMaxReadElements = int64_t{1} << 16;

void count_versioned(DLManagedTensorVersioned* self) { ++*static_cast<int*>(self->manager_ctx); }
void count_legacy(DLManagedTensor* self) { ++*static_cast<int*>(self->manager_ctx); }

// The element at `index` of a strided view, gathered byte by byte from the buffer.
void gather(const unsigned char* first, const tb::Shape& shape, const tb::Strides& strides,
            std::size_t item, std::vector<unsigned char>* out) {
  const std::size_t nd = shape.size();
  std::vector<int64_t> idx(nd, 0);
  for (;;) {
    int64_t off = 0;
    for (std::size_t d = 0; d < nd; ++d) off += idx[d] * strides[d];
    const unsigned char* p = first + off * static_cast<int64_t>(item);
    out->insert(out->end(), p, p + item);
    std::size_t d = nd;
    while (d > 0 && ++idx[d - 1] == shape[d - 1]) idx[--d] = 0;
    if (d == 0) return;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  Bytes in(data, size);
  const uint8_t mode = in.u8();
  const bool legacy = mode & 1;
  const bool null_data = mode & 2;
  const bool null_shape = mode & 4;
  const bool null_strides = mode & 8;
  const bool null_deleter = mode & 16;
  const bool fake_address = mode & 32;  // an address nothing is read from
  const bool typed = mode & 64;
  const DLPackVersion version{in.u8() % 4u, in.u8()};
  const uint8_t flag_bits = in.u8();
  const uint64_t flags = (flag_bits & 0x7f) | (flag_bits & 0x80 ? uint64_t{1} << 40 : 0);
  const auto ndim = static_cast<int32_t>(static_cast<int8_t>(in.u8()));
  DLDataType dtype;
  dtype.code = in.u8();
  dtype.bits = in.u8();
  dtype.lanes = in.u8();
  DLDevice device;
  device.device_type = static_cast<DLDeviceType>(static_cast<int8_t>(in.u8()));
  device.device_id = static_cast<int8_t>(in.u8());
  const uint64_t byte_offset = mode & 128 ? in.u64() : uint64_t{in.u8()} * 8u + in.u8() % 8u;

  // Exactly as many entries as a valid ndim asks for: reading past them is a bug.
  const std::size_t nd = ndim >= 0 && ndim <= tb::kMaxDims ? static_cast<std::size_t>(ndim) : 0;
  std::vector<int64_t> shape(nd);
  std::vector<int64_t> strides(nd);
  for (std::size_t i = 0; i < nd; ++i) {
    shape[i] = in.size_like();
    strides[i] = in.stride_like();
  }

  // What the layout touches, by the library's own checked arithmetic.
  bool layout_ok = false;
  tb::ByteExtent extent;
  std::size_t item = 1;
  tb::Strides used_strides(strides.begin(), strides.end());
  try {
    item = tb::itemsize(tb::dtype_from_dlpack(dtype));
    const tb::Shape s(shape.begin(), shape.end());
    if (null_strides) used_strides = tb::checked_contiguous_strides(s, item, "fuzz");
    extent = tb::checked_byte_extent(s, used_strides, item, "fuzz");
    layout_ok = true;
  } catch (const tb::BufferError&) {
  }
  const bool real_memory = layout_ok && !fake_address && extent.nbytes <= kMaxBufferBytes;

  // The producer's memory: exactly the touched bytes (at least one), 64-byte aligned.
  const std::size_t alloc = real_memory ? static_cast<std::size_t>(extent.nbytes) : 0;
  std::unique_ptr<unsigned char, decltype(&std::free)> buffer(
      static_cast<unsigned char*>(std::aligned_alloc(64, (alloc + 64) & ~std::size_t{63})),
      &std::free);
  FUZZ_CHECK(buffer != nullptr, "allocation");
  const bool is_bool = dtype.code == kDLBool;
  for (std::size_t i = 0; i < alloc; ++i) {
    buffer.get()[i] = is_bool ? (i % 3 == 0) : static_cast<unsigned char>(i * 31 + 7);
  }
  // data + byte_offset must land on the first element, which sits -lo bytes into the buffer.
  const uintptr_t first_addr = real_memory
                                   ? reinterpret_cast<uintptr_t>(buffer.get()) -
                                         static_cast<uintptr_t>(extent.lo)
                                   : (uintptr_t{0xdead} << 32);
  void* dl_data = null_data ? nullptr
                            : reinterpret_cast<void*>(first_addr - static_cast<uintptr_t>(byte_offset));

  int deletes = 0;
  DLTensor dl{};
  dl.data = dl_data;
  dl.device = device;
  dl.ndim = ndim;
  dl.dtype = dtype;
  dl.shape = null_shape ? nullptr : shape.data();
  dl.strides = null_strides ? nullptr : strides.data();
  dl.byte_offset = byte_offset;
  DLManagedTensorVersioned versioned{};
  DLManagedTensor plain{};
  versioned.version = version;
  versioned.manager_ctx = &deletes;
  versioned.deleter = null_deleter ? nullptr : &count_versioned;
  versioned.flags = flags;
  versioned.dl_tensor = dl;
  plain.dl_tensor = dl;
  plain.manager_ctx = &deletes;
  plain.deleter = null_deleter ? nullptr : &count_legacy;

  try {
    tb::TensorBase t;
    if (typed) {
      t = legacy ? tb::from_dlpack<const float>(&plain) : tb::from_dlpack<const float>(&versioned);
    } else {
      t = legacy ? tb::from_dlpack(&plain) : tb::from_dlpack(&versioned);
    }
    FUZZ_CHECK(layout_ok, "accepted a layout the extent check refuses");
    FUZZ_CHECK(legacy || version.major <= 1, "accepted a newer major version");
    FUZZ_CHECK(t.dim() == ndim, "ndim");
    for (std::size_t i = 0; i < nd; ++i) FUZZ_CHECK(t.shape()[i] == shape[i], "shape");
    FUZZ_CHECK(t.is_read_only() == (!legacy && (flags & tb::kDLPackFlagReadOnly)), "read-only");
    FUZZ_CHECK(deletes == 0, "deleter ran while the tensor is alive");
    if (t.numel() > 0) {
      FUZZ_CHECK(t.data_ptr() == reinterpret_cast<void*>(first_addr), "data is not first element");
    }
    if (real_memory && t.device().is_cpu() && t.numel() <= kMaxReadElements) {
      const tb::TensorBase copy = t.clone();  // reads every element through the view
      if (t.numel() > 0) {
        std::vector<unsigned char> expected;
        gather(reinterpret_cast<const unsigned char*>(first_addr), t.shape(), used_strides, item,
               &expected);
        FUZZ_CHECK(expected.size() == copy.nbytes() &&
                       std::memcmp(expected.data(), copy.data_ptr(), expected.size()) == 0,
                   "values differ from the producer's memory");
      }
    }
  } catch (const tb::BufferError&) {
  } catch (const tb::TypeError&) {
    FUZZ_CHECK(typed, "TypeError from an untyped import");
  }
  FUZZ_CHECK(deletes == (null_deleter ? 0 : 1), "deleter did not run exactly once");
  return 0;
}
