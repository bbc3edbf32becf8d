#pragma once
// DLPack export and import, versioned (DLManagedTensorVersioned) and legacy
// (DLManagedTensor), zero-copy both ways.
//
// Export: one allocation holds the managed struct, its shape and its strides, and keeps the
// tensor's storage alive until the consumer calls the deleter. `data` points at the first
// element and `byte_offset` is 0 (several consumers ignored byte_offset); strides are
// always filled.
//
// Import: the producer's deleter runs exactly once: when the last tensor viewing the memory
// dies, or at once when the import fails. Every field is validated before it is trusted;
// anything we cannot represent raises BufferError naming the field and its value.
// Devices: CPU and CUDAHost (pinned, CPU-readable) import as CPU tensors; CUDA and
// CUDAManaged (unified memory owned by a CUDA device) import as CUDA tensors on device_id.
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <memory>
#include <new>
#include <string_view>
#include <type_traits>
#include <utility>

#include "tensorbridge/core/device.hpp"
#include "tensorbridge/core/device_hooks.hpp"
#include "tensorbridge/core/dtype.hpp"
#include "tensorbridge/core/error.hpp"
#include "tensorbridge/core/shape.hpp"
#include "tensorbridge/core/storage.hpp"
#include "tensorbridge/core/tensor.hpp"
#include "tensorbridge/core/tensor_base.hpp"
#include "tensorbridge/interop/buffer.hpp"
#include "tensorbridge/interop/dlpack_abi.hpp"

namespace tensorbridge {

// The DLPack version we produce, and the newest major version we consume.
inline constexpr uint32_t kDLPackMajorVersion = 1;
inline constexpr uint32_t kDLPackMinorVersion = 3;

inline constexpr uint64_t kDLPackFlagReadOnly = DLPACK_FLAG_BITMASK_READ_ONLY;
inline constexpr uint64_t kDLPackFlagIsCopied = DLPACK_FLAG_BITMASK_IS_COPIED;
inline constexpr uint64_t kDLPackFlagIsSubbyteTypePadded =
    DLPACK_FLAG_BITMASK_IS_SUBBYTE_TYPE_PADDED;

// ---- dtypes and devices ------------------------------------------------------------------

// The DLPack type code's name ("float", "float8_e4m3fn", ...), for messages; "unknown"
// for codes the spec does not define.
inline std::string_view dlpack_code_name(uint8_t code) {
  static constexpr std::string_view kNames[] = {
      "int",           "uint",          "float",           "opaque_handle",  "bfloat",
      "complex",       "bool",          "float8_e3m4",     "float8_e4m3",    "float8_e4m3b11fnuz",
      "float8_e4m3fn", "float8_e4m3fnuz", "float8_e5m2",   "float8_e5m2fnuz", "float8_e8m0fnu",
      "float6_e2m3fn", "float6_e3m2fn", "float4_e2m1fn"};
  return code < std::size(kNames) ? kNames[code] : std::string_view("unknown");
}

// bool is {Bool, 8, 1}; complex bits count the whole value (complex64 is {Complex, 64, 1}).
inline DLDataType to_dlpack_dtype(DType dtype) {
  uint8_t code = kDLFloat;
  switch (dtype_kind(dtype)) {
    case DTypeKind::Bool: code = kDLBool; break;
    case DTypeKind::Int: code = kDLInt; break;
    case DTypeKind::UInt: code = kDLUInt; break;
    case DTypeKind::Float: code = dtype == DType::BFloat16 ? kDLBfloat : kDLFloat; break;
    case DTypeKind::Complex: code = kDLComplex; break;
  }
  return DLDataType{code, static_cast<uint8_t>(itemsize(dtype) * 8), 1};
}

// The dtype for a DLPack type; BufferError for vector types (lanes != 1), sub-byte and
// 8-bit float formats, opaque handles, unknown codes and sizes we do not store.
inline DType dtype_from_dlpack(DLDataType t, const char* op = "from_dlpack") {
  // Codes 7..17 are the fp8/fp6/fp4 formats of v1.1 (named here by number: an official
  // header from v1.0 lacks their enumerators); 17 is the last code the spec defines.
  constexpr uint8_t kFirstLowPrecision = 7;
  constexpr uint8_t kLastKnown = 17;
  const char* why = nullptr;
  if (t.lanes != 1) {
    why = "vector types (lanes != 1) are not supported";
  } else if (t.code > kLastKnown) {
    why = "unknown type code";
  } else if (t.code >= kFirstLowPrecision) {
    why = "fp8/fp6/fp4 types are not supported";
  } else if (t.code == kDLOpaqueHandle) {
    why = "opaque handles have no element type";
  } else {
    for (int i = 0; i < kNumDTypes; ++i) {
      const auto d = static_cast<DType>(i);
      const DLDataType candidate = to_dlpack_dtype(d);
      if (candidate.code == t.code && candidate.bits == t.bits) return d;
    }
    why = t.code == kDLBool ? "bool must have 8 bits" : "no dtype of this kind has these bits";
  }
  TB_THROW(BufferError, op, ": unsupported dtype code ", int(t.code), " (",
           dlpack_code_name(t.code), "), bits ", int(t.bits), ", lanes ", t.lanes, ": ", why);
}

inline DLDevice to_dlpack_device(Device device) {
  if (device.is_cuda()) return DLDevice{kDLCUDA, static_cast<int32_t>(device.index())};
  return DLDevice{kDLCPU, 0};
}

// CPU and CUDAHost -> CPU; CUDA and CUDAManaged -> CUDA device `device_id` (>= 0).
inline Device device_from_dlpack(DLDevice d, const char* op = "from_dlpack") {
  const auto type = static_cast<int32_t>(d.device_type);
  switch (type) {
    case kDLCPU:
    case kDLCUDAHost: return Device::cpu();
    case kDLCUDA:
    case kDLCUDAManaged:
      TB_CHECK(d.device_id >= 0, BufferError, op, ": invalid CUDA device_id ", d.device_id);
      return Device::cuda(d.device_id);
    default: break;
  }
  TB_THROW(BufferError, op, ": unsupported device type ", type, " (device_id ", d.device_id,
           "); tensorbridge imports CPU (1), CUDA (2), CUDAHost (3) and CUDAManaged (13)");
}

// ---- export ------------------------------------------------------------------------------

namespace detail {

// The one allocation behind an exported tensor: the managed struct, then the storage
// that keeps the memory alive, then shape and strides (2 * ndim int64 after the header).
template <typename Managed>
struct DLPackExport {
  Managed managed{};
  std::shared_ptr<Storage> storage;

  static void deleter(Managed* self) {
    if (self == nullptr) return;
    auto* holder = static_cast<DLPackExport*>(self->manager_ctx);
    holder->~DLPackExport();
    ::operator delete(holder);
  }

  // Fills `managed.dl_tensor` from `t` and returns the holder; nothing leaks on throw.
  static DLPackExport* make(const TensorBase& t) {
    const auto ndim = static_cast<std::size_t>(t.dim());
    void* raw = ::operator new(sizeof(DLPackExport) + 2 * ndim * sizeof(int64_t));
    auto* holder = new (raw) DLPackExport();  // nothing in it throws
    holder->storage = t.storage();
    DLTensor& dl = holder->managed.dl_tensor;
    auto* dims = reinterpret_cast<int64_t*>(static_cast<char*>(raw) + sizeof(DLPackExport));
    static_assert(sizeof(DLPackExport) % alignof(int64_t) == 0, "shape must stay aligned");
    for (std::size_t i = 0; i < ndim; ++i) {
      new (dims + i) int64_t(t.shape()[i]);
      new (dims + ndim + i) int64_t(t.strides()[i]);
    }
    dl.data = t.numel() == 0 ? nullptr : t.data_ptr();  // the spec asks NULL for empty
    dl.device = to_dlpack_device(t.device());
    dl.ndim = static_cast<int32_t>(ndim);
    dl.dtype = to_dlpack_dtype(t.dtype());
    dl.shape = ndim ? dims : nullptr;
    dl.strides = ndim ? dims + ndim : nullptr;
    dl.byte_offset = 0;
    holder->managed.manager_ctx = holder;
    holder->managed.deleter = &DLPackExport::deleter;
    return holder;
  }
};

inline void check_exportable(const TensorBase& t, const char* op) {
  TB_CHECK(t.defined(), BufferError, op, ": cannot export an undefined tensor");
}

}  // namespace detail

// Exports `t` as a versioned DLPack tensor sharing its memory. The caller (the consumer)
// owns the result and must call its deleter once. Read-only tensors carry the READ_ONLY
// flag; `copied` sets IS_COPIED, for a tensor the caller made just for this export.
inline DLManagedTensorVersioned* to_dlpack_versioned(const TensorBase& t, bool copied = false) {
  detail::check_exportable(t, "to_dlpack_versioned");
  using Export = detail::DLPackExport<DLManagedTensorVersioned>;
  Export* holder = Export::make(t);
  DLManagedTensorVersioned& m = holder->managed;
  m.version = DLPackVersion{kDLPackMajorVersion, kDLPackMinorVersion};
  m.flags = (t.is_read_only() ? kDLPackFlagReadOnly : 0) | (copied ? kDLPackFlagIsCopied : 0);
  return &m;
}

// Exports `t` as a legacy (unversioned) DLPack tensor. The legacy struct cannot say
// "read-only", so read-only tensors are refused with BufferError, as NumPy does.
inline DLManagedTensor* to_dlpack(const TensorBase& t) {
  detail::check_exportable(t, "to_dlpack");
  TB_CHECK(!t.is_read_only(), BufferError, "to_dlpack: the tensor (shape ", shape_str(t.shape()),
           ", dtype ", t.dtype(), ", device ", t.device(),
           ") is read-only and the legacy DLManagedTensor cannot mark it so; use "
           "to_dlpack_versioned() or clone() it");
  return &detail::DLPackExport<DLManagedTensor>::make(t)->managed;
}

// ---- import ------------------------------------------------------------------------------

namespace detail {

// Owns a producer's managed tensor: calls its deleter (when non-null) exactly once, when
// the last reference dies. Created before anything is validated, so failures release it.
template <typename Managed>
std::shared_ptr<void> dlpack_owner(Managed* m) {
  return std::shared_ptr<void>(nullptr, [m](void*) {
    if (m->deleter != nullptr) m->deleter(m);
  });
}

inline TensorBase import_dltensor(const DLTensor& dl, bool read_only, std::shared_ptr<void> owner,
                                  const char* op) {
  TB_CHECK(dl.ndim >= 0 && dl.ndim <= kMaxDims, BufferError, op, ": ndim ", dl.ndim,
           " is out of range [0, ", kMaxDims, "]");
  const DType dtype = dtype_from_dlpack(dl.dtype, op);
  Device device = device_from_dlpack(dl.device, op);
  // Managed memory may come with device_id 0 whatever GPU owns it; the CUDA layer, when
  // present, asks the runtime (as CuPy does).
  if (dl.device.device_type == kDLCUDAManaged && dl.data != nullptr && device_hooks != nullptr) {
    const int owner = device_hooks->pointer_device(dl.data);
    if (owner >= 0) device = Device::cuda(owner);
  }
  const auto ndim = static_cast<std::size_t>(dl.ndim);
  TB_CHECK(ndim == 0 || dl.shape != nullptr, BufferError, op, ": shape is NULL with ndim ",
           dl.ndim);
  const Shape shape(dl.shape, dl.shape + ndim);
  // NULL strides (allowed before v1.2, sent by older NumPy) mean compact row-major.
  const Strides strides = dl.strides != nullptr
                              ? Strides(dl.strides, dl.strides + ndim)
                              : checked_contiguous_strides(shape, itemsize(dtype), op);
  // data + byte_offset is the first element; checked as integers, like the extent. A NULL
  // data (legal for zero-size tensors only) stays NULL whatever the offset.
  void* first = nullptr;
  if (dl.data != nullptr) {
    const auto addr = reinterpret_cast<uintptr_t>(dl.data);
    TB_CHECK(dl.byte_offset <= UINTPTR_MAX - addr, BufferError, op, ": data ", dl.data,
             " + byte_offset ", dl.byte_offset, " overflows the address space");
    first = reinterpret_cast<void*>(addr + static_cast<uintptr_t>(dl.byte_offset));
  }
  return view_foreign_memory(first, shape, strides, dtype, device, read_only, std::move(owner),
                             op);
}

}  // namespace detail

// Imports a versioned DLPack tensor without copying; the result views the producer's
// memory (read-only when the READ_ONLY flag is set). Ownership passes to tensorbridge on
// every path: the deleter runs once the last view dies, or before this function throws.
// A major version newer than ours is refused after calling the deleter, reading nothing else.
inline TensorBase from_dlpack(DLManagedTensorVersioned* m) {
  TB_CHECK(m != nullptr, BufferError, "from_dlpack: null DLManagedTensorVersioned");
  std::shared_ptr<void> owner = detail::dlpack_owner(m);
  const DLPackVersion version = m->version;
  TB_CHECK(version.major <= kDLPackMajorVersion, BufferError, "from_dlpack: DLPack version ",
           version.major, ".", version.minor, " is newer than the supported ",
           kDLPackMajorVersion, ".x");
  const bool read_only = (m->flags & kDLPackFlagReadOnly) != 0;
  return detail::import_dltensor(m->dl_tensor, read_only, std::move(owner), "from_dlpack");
}

// Imports a legacy DLPack tensor without copying. It is writable: the legacy struct has no
// read-only flag (the Python layer may choose to be stricter, as NumPy is).
inline TensorBase from_dlpack(DLManagedTensor* m) {
  TB_CHECK(m != nullptr, BufferError, "from_dlpack: null DLManagedTensor");
  std::shared_ptr<void> owner = detail::dlpack_owner(m);
  return detail::import_dltensor(m->dl_tensor, false, std::move(owner), "from_dlpack");
}

// Typed import: from_dlpack<float>(m) gives a writable Tensor<float> and refuses read-only
// memory (ReadOnlyError); from_dlpack<const float>(m) accepts both. A different dtype
// raises TypeError naming the expected and the received types. The deleter runs on every
// failure, as for the untyped import.
template <typename T, typename Managed>
Tensor<T> from_dlpack(Managed* m) {
  using V = std::remove_const_t<T>;
  static_assert(is_element_type_v<V>, "from_dlpack<T>: T is not a tensorbridge element type");
  TensorBase base = from_dlpack(m);
  TB_CHECK(base.dtype() == dtype_v<V>, TypeError, "from_dlpack<", dtype_name(dtype_v<V>),
           ">: expected dtype ", dtype_name(dtype_v<V>), " but the DLPack tensor has dtype ",
           base.dtype(), " (shape ", shape_str(base.shape()), ", device ", base.device(), ")");
  TB_CHECK(std::is_const_v<T> || !base.is_read_only(), ReadOnlyError, "from_dlpack<",
           dtype_name(dtype_v<V>), ">: the DLPack tensor (shape ", shape_str(base.shape()),
           ") is read-only; import it as from_dlpack<const ", dtype_name(dtype_v<V>), ">");
  return Tensor<T>(base);
}

}  // namespace tensorbridge
