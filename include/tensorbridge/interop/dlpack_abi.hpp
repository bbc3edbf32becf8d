#pragma once
// The DLPack C ABI (v1.x), written from the specification: the structs and enums that
// DLPack producers and consumers exchange. Plain C types at global scope, as the spec
// names them, so that they are the very same types as those of the official header.
//
// This header and the official `dlpack.h` (PyTorch ships it as <ATen/dlpack.h>) coexist in
// either include order because both use the official include guard, DLPACK_DLPACK_H_:
//   - official header first: its definitions are used and the block below is skipped;
//   - this header first: the block below defines the same names with the same layout and
//     the same guard, so a later official header is skipped.
// The sizes and offsets of everything a producer or consumer touches are checked below
// whichever definition won.
#include <stddef.h>  // C headers: the ABI names live at global scope
#include <stdint.h>

#ifndef DLPACK_DLPACK_H_
#define DLPACK_DLPACK_H_

#ifdef __cplusplus
#define DLPACK_EXTERN_C extern "C"
#else
#define DLPACK_EXTERN_C
#endif

// The ABI version these definitions describe (1.3: fp8/fp6/fp4 codes, mandatory strides,
// the C exchange API).
#define DLPACK_MAJOR_VERSION 1
#define DLPACK_MINOR_VERSION 3

#ifdef _WIN32
#ifdef DLPACK_EXPORTS
#define DLPACK_DLL __declspec(dllexport)
#else
#define DLPACK_DLL __declspec(dllimport)
#endif
#else
#define DLPACK_DLL
#endif

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
  uint32_t major;
  uint32_t minor;
} DLPackVersion;

#ifdef __cplusplus
typedef enum : int32_t {
#else
typedef enum {
#endif
  kDLCPU = 1,
  kDLCUDA = 2,
  kDLCUDAHost = 3,  // pinned host memory, readable by the CPU
  kDLOpenCL = 4,
  kDLVulkan = 7,
  kDLMetal = 8,
  kDLVPI = 9,
  kDLROCM = 10,
  kDLROCMHost = 11,
  kDLExtDev = 12,
  kDLCUDAManaged = 13,  // unified memory, owned by a CUDA device
  kDLOneAPI = 14,
  kDLWebGPU = 15,
  kDLHexagon = 16,
  kDLMAIA = 17,
  kDLTrn = 18,
} DLDeviceType;

typedef struct {
  DLDeviceType device_type;
  int32_t device_id;  // 0 for CPU, pinned and managed memory
} DLDevice;

typedef enum {
  kDLInt = 0U,
  kDLUInt = 1U,
  kDLFloat = 2U,
  kDLOpaqueHandle = 3U,
  kDLBfloat = 4U,
  kDLComplex = 5U,  // bits count the whole value: complex64 has 64
  kDLBool = 6U,     // bits 8
  kDLFloat8_e3m4 = 7U,
  kDLFloat8_e4m3 = 8U,
  kDLFloat8_e4m3b11fnuz = 9U,
  kDLFloat8_e4m3fn = 10U,
  kDLFloat8_e4m3fnuz = 11U,
  kDLFloat8_e5m2 = 12U,
  kDLFloat8_e5m2fnuz = 13U,
  kDLFloat8_e8m0fnu = 14U,
  kDLFloat6_e2m3fn = 15U,
  kDLFloat6_e3m2fn = 16U,
  kDLFloat4_e2m1fn = 17U,
} DLDataTypeCode;

typedef struct {
  uint8_t code;    // a DLDataTypeCode
  uint8_t bits;    // per lane
  uint16_t lanes;  // 1 for scalars
} DLDataType;

// Element (i0, i1, ...) lives at (char*)data + byte_offset + sum(ik * strides[k]) * itemsize.
typedef struct {
  void* data;  // NULL is allowed for zero-size tensors
  DLDevice device;
  int32_t ndim;
  DLDataType dtype;
  int64_t* shape;    // may be NULL when ndim == 0
  int64_t* strides;  // in elements; NULL meant row-major before v1.2
  uint64_t byte_offset;
} DLTensor;

// Legacy (pre-1.0) managed tensor: no version and no flags, so no read-only marking.
typedef struct DLManagedTensor {
  DLTensor dl_tensor;
  void* manager_ctx;
  // May be NULL. Frees manager_ctx and the DLManagedTensor itself.
  void (*deleter)(struct DLManagedTensor* self);
} DLManagedTensor;

#define DLPACK_FLAG_BITMASK_READ_ONLY (1UL << 0UL)
// The producer made a copy: the consumer owns the data alone until it calls the deleter.
#define DLPACK_FLAG_BITMASK_IS_COPIED (1UL << 1UL)
// Sub-byte types (fp4, fp6) are padded to a byte rather than packed.
#define DLPACK_FLAG_BITMASK_IS_SUBBYTE_TYPE_PADDED (1UL << 2UL)

// Every field up to and including `flags` keeps its place in future ABI versions, so a
// consumer can read the version and call the deleter of a tensor it does not understand.
typedef struct DLManagedTensorVersioned {
  DLPackVersion version;
  void* manager_ctx;
  void (*deleter)(struct DLManagedTensorVersioned* self);
  uint64_t flags;
  DLTensor dl_tensor;
} DLManagedTensorVersioned;

// ---- the C exchange API (v1.3): function tables that frameworks publish ------------------
typedef int (*DLPackManagedTensorAllocator)(DLTensor* prototype,
                                            DLManagedTensorVersioned** out, void* error_ctx,
                                            void (*SetError)(void* error_ctx, const char* kind,
                                                             const char* message));
typedef int (*DLPackManagedTensorFromPyObjectNoSync)(void* py_object,
                                                     DLManagedTensorVersioned** out);
typedef int (*DLPackDLTensorFromPyObjectNoSync)(void* py_object, DLTensor* out);
typedef int (*DLPackCurrentWorkStream)(DLDeviceType device_type, int32_t device_id,
                                       void** out_current_stream);
typedef int (*DLPackManagedTensorToPyObjectNoSync)(DLManagedTensorVersioned* tensor,
                                                   void** out_py_object);

typedef struct DLPackExchangeAPIHeader {
  DLPackVersion version;
  struct DLPackExchangeAPIHeader* prev_api;  // an older version of the table, or NULL
} DLPackExchangeAPIHeader;

typedef struct DLPackExchangeAPI {
  DLPackExchangeAPIHeader header;
  DLPackManagedTensorAllocator managed_tensor_allocator;
  DLPackManagedTensorFromPyObjectNoSync managed_tensor_from_py_object_no_sync;
  DLPackManagedTensorToPyObjectNoSync managed_tensor_to_py_object_no_sync;
  DLPackDLTensorFromPyObjectNoSync dltensor_from_py_object_no_sync;  // may be NULL
  DLPackCurrentWorkStream current_work_stream;
} DLPackExchangeAPI;

#ifdef __cplusplus
}  // extern "C"
#endif

#endif  // DLPACK_DLPACK_H_

// An official header older than 1.0 has no versioned tensor; one from 1.0 lacks the flag
// added in 1.1 (same value in every version that has it).
#if DLPACK_MAJOR_VERSION < 1
#error "tensorbridge needs DLPack >= 1.0, but an older dlpack.h was included first"
#endif
#ifndef DLPACK_FLAG_BITMASK_IS_SUBBYTE_TYPE_PADDED
#define DLPACK_FLAG_BITMASK_IS_SUBBYTE_TYPE_PADDED (1UL << 2UL)
#endif

// The layout the ABI promises (64-bit targets), whichever header defined the types.
static_assert(sizeof(void*) != 8 || sizeof(DLTensor) == 48, "DLTensor must be 48 bytes");
static_assert(sizeof(void*) != 8 || sizeof(DLManagedTensor) == 64,
              "DLManagedTensor must be 64 bytes");
static_assert(sizeof(void*) != 8 || sizeof(DLManagedTensorVersioned) == 80,
              "DLManagedTensorVersioned must be 80 bytes");
static_assert(sizeof(DLPackVersion) == 8 && sizeof(DLDevice) == 8 && sizeof(DLDataType) == 4,
              "DLPack: wrong size of a small struct");
static_assert(sizeof(void*) != 8 ||
                  (offsetof(DLTensor, device) == 8 && offsetof(DLTensor, ndim) == 16 &&
                   offsetof(DLTensor, dtype) == 20 && offsetof(DLTensor, shape) == 24 &&
                   offsetof(DLTensor, strides) == 32 && offsetof(DLTensor, byte_offset) == 40),
              "DLTensor: wrong field offsets");
static_assert(sizeof(void*) != 8 || (offsetof(DLManagedTensor, manager_ctx) == 48 &&
                                     offsetof(DLManagedTensor, deleter) == 56),
              "DLManagedTensor: wrong field offsets");
static_assert(sizeof(void*) != 8 || (offsetof(DLManagedTensorVersioned, manager_ctx) == 8 &&
                                     offsetof(DLManagedTensorVersioned, deleter) == 16 &&
                                     offsetof(DLManagedTensorVersioned, flags) == 24 &&
                                     offsetof(DLManagedTensorVersioned, dl_tensor) == 32),
              "DLManagedTensorVersioned: wrong field offsets");
