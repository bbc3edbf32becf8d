#pragma once
// TensorBase: the runtime-typed handle to a TensorImpl. Copying a handle shares the
// tensor (like PyTorch's Tensor and a Python reference); views share the storage.
// The typed handle Tensor<T> (tensor.hpp) derives from this class and adds nothing but
// typed access, so converting between the two is free.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tensorbridge/core/dtype.hpp"
#include "tensorbridge/core/error.hpp"
#include "tensorbridge/core/scalar.hpp"
#include "tensorbridge/core/shape.hpp"
#include "tensorbridge/core/tensor_impl.hpp"

namespace tensorbridge {

template <typename T>
class Tensor;
namespace autograd {
class Node;  // autograd/node.hpp
}
class Generator;  // random numbers (ops/random.hpp)
struct ValuesIndices;  // (values, indices) of max/min along a dim (ops/reduce.hpp)
struct UniqueResult;   // (values, inverse, counts) of unique (ops/unique.hpp)

class TensorBase {
 public:
  TensorBase() = default;
  explicit TensorBase(std::shared_ptr<TensorImpl> impl) : impl_(std::move(impl)) {}

  // ---- identity and metadata --------------------------------------------------------
  bool defined() const { return impl_ != nullptr; }
  const std::shared_ptr<TensorImpl>& impl() const { return impl_; }
  TensorImpl& impl_ref() const {
    TB_CHECK(impl_, Error, "use of an undefined tensor");
    return *impl_;
  }

  const Shape& shape() const { return impl_ref().shape; }
  const Shape& sizes() const { return shape(); }
  int64_t size(int64_t dim) const { return shape()[wrap_dim(dim, this->dim(), "size")]; }
  const Strides& strides() const { return impl_ref().strides; }
  int64_t stride(int64_t dim) const {
    return strides()[wrap_dim(dim, this->dim(), "stride")];
  }
  int64_t dim() const { return static_cast<int64_t>(shape().size()); }
  int64_t ndim() const { return dim(); }
  int64_t numel() const {
    int64_t n = 1;
    for (int64_t s : shape()) n *= s;  // checked when the shape was made
    return n;
  }
  DType dtype() const { return impl_ref().dtype; }
  Device device() const { return impl_ref().storage->device(); }
  std::size_t element_size() const { return itemsize(dtype()); }
  std::size_t nbytes() const { return static_cast<std::size_t>(numel()) * element_size(); }
  int64_t storage_offset() const { return impl_ref().offset; }
  const std::shared_ptr<Storage>& storage() const { return impl_ref().storage; }
  void* data_ptr() const { return impl_ref().data(); }
  bool is_contiguous() const { return is_contiguous_layout(shape(), strides()); }
  bool is_read_only() const { return impl_ref().read_only; }
  uint64_t version() const { return impl_ref().version->value.load(); }
  // Marks a write; every in-place op calls this so that autograd sees it.
  void bump_version() const { impl_ref().version->value.fetch_add(1); }
  // True when both handles share a TensorImpl (not merely memory).
  bool is_same(const TensorBase& other) const { return impl_ == other.impl_; }
  // Byte strides, as the buffer protocol and __array_interface__ want them.
  std::vector<int64_t> byte_strides() const;

  // Throws ReadOnlyError naming `op` when this tensor may not be written.
  void check_writable(const char* op) const;

  // Typed handle over the same impl; throws TypeError when T is not this dtype.
  template <typename T>
  Tensor<T> as() const;

  // A handle that refuses writes; the memory is shared.
  TensorBase as_read_only() const;

  // ---- views: share storage, never copy ------------------------------------------------
  // Python slicing on one dimension: start/stop default to the ends of the walk, step may
  // be negative (NumPy semantics: out-of-range bounds are clamped).
  TensorBase slice(int64_t dim, std::optional<int64_t> start = std::nullopt,
                   std::optional<int64_t> stop = std::nullopt, int64_t step = 1) const;
  TensorBase select(int64_t dim, int64_t index) const;  // drops the dimension
  TensorBase operator[](int64_t index) const { return select(0, index); }
  TensorBase narrow(int64_t dim, int64_t start, int64_t length) const;
  TensorBase transpose(int64_t dim0, int64_t dim1) const;
  TensorBase permute(const std::vector<int64_t>& dims) const;
  TensorBase t() const;  // transposes a 2-D tensor; 0-D and 1-D come back unchanged
  TensorBase mT() const;  // transposes the last two dimensions
  // view() never copies and throws when the strides cannot express `shape`;
  // reshape() returns a view when possible and a contiguous copy otherwise. One -1 in
  // `shape` is inferred.
  TensorBase view(const Shape& shape) const;
  TensorBase reshape(const Shape& shape) const;
  TensorBase flatten(int64_t start_dim = 0, int64_t end_dim = -1) const;
  TensorBase unflatten(int64_t dim, const Shape& sizes) const;
  TensorBase expand(const Shape& shape) const;  // -1 keeps a dimension
  TensorBase broadcast_to(const Shape& shape) const { return expand(shape); }
  TensorBase expand_as(const TensorBase& other) const { return expand(other.shape()); }
  TensorBase squeeze() const;
  TensorBase squeeze(int64_t dim) const;
  TensorBase unsqueeze(int64_t dim) const;
  TensorBase flip(const std::vector<int64_t>& dims) const;  // a negative-stride view
  TensorBase movedim(int64_t source, int64_t destination) const;
  TensorBase diagonal(int64_t offset = 0, int64_t dim1 = 0, int64_t dim2 = 1) const;
  // Any shape/strides/offset within the storage; checked against the storage bounds.
  TensorBase as_strided(const Shape& shape, const Strides& strides,
                        std::optional<int64_t> storage_offset = std::nullopt) const;
  TensorBase alias() const;  // a new handle on the same view

  // ---- copies and fills -----------------------------------------------------------------
  TensorBase contiguous() const;  // this tensor when already contiguous
  TensorBase clone() const;       // always a fresh contiguous copy
  // Copies src into this tensor, broadcasting src to this shape and converting dtype.
  const TensorBase& copy_(const TensorBase& src) const;
  TensorBase to(DType dtype, bool copy = false) const;
  // Moving between devices (core/device_copy.hpp; CUDA needs <tensorbridge/cuda/cuda.hpp>).
  // The tensor itself when already there (and !copy); non_blocking lets a copy between
  // pinned host memory and a GPU run asynchronously on the GPU's current stream.
  TensorBase to(Device device, bool non_blocking = false, bool copy = false) const;
  TensorBase to(Device device, DType dtype, bool non_blocking = false, bool copy = false) const;
  TensorBase cuda(int index = -1, bool non_blocking = false) const;  // -1: the current GPU
  TensorBase cpu() const;
  const TensorBase& copy_(const TensorBase& src, bool non_blocking) const;  // any devices
  const TensorBase& fill_(const Scalar& value) const;
  const TensorBase& zero_() const { return fill_(Scalar(0)); }
  // The one element of a tensor with numel() == 1.
  Scalar item() const;
  template <typename T>
  T item() const {
    return item().to<T>();
  }

  std::string to_string() const;  // PyTorch-style repr (print.hpp)

  // ---- math: elementwise/unary/reductions (defined in ops/api_*.hpp) ----
  // Binary ops (ops/api_elementwise.hpp). `other` is a tensor or a scalar; scalars are weak
  // for type promotion. In-place forms refuse results that cannot be cast to this dtype.
  TensorBase add(const TensorBase& other, const Scalar& alpha = 1) const;
  TensorBase add(const Scalar& other, const Scalar& alpha = 1) const;
  const TensorBase& add_(const TensorBase& other, const Scalar& alpha = 1) const;
  const TensorBase& add_(const Scalar& other, const Scalar& alpha = 1) const;
  TensorBase sub(const TensorBase& other, const Scalar& alpha = 1) const;
  TensorBase sub(const Scalar& other, const Scalar& alpha = 1) const;
  const TensorBase& sub_(const TensorBase& other, const Scalar& alpha = 1) const;
  const TensorBase& sub_(const Scalar& other, const Scalar& alpha = 1) const;
  // rounding_mode: "" (true division), "trunc" or "floor".
  TensorBase div(const TensorBase& other, std::string_view rounding_mode = {}) const;
  TensorBase div(const Scalar& other, std::string_view rounding_mode = {}) const;
  const TensorBase& div_(const TensorBase& other, std::string_view rounding_mode = {}) const;
  const TensorBase& div_(const Scalar& other, std::string_view rounding_mode = {}) const;
#define TB_DECLARE_BINARY_METHOD(op)                          \
  TensorBase op(const TensorBase& other) const;               \
  TensorBase op(const Scalar& other) const;
#define TB_DECLARE_BINARY_METHOD_AND_INPLACE(op)              \
  TB_DECLARE_BINARY_METHOD(op)                                \
  const TensorBase& op##_(const TensorBase& other) const;     \
  const TensorBase& op##_(const Scalar& other) const;
  TB_DECLARE_BINARY_METHOD_AND_INPLACE(mul)
  TB_DECLARE_BINARY_METHOD_AND_INPLACE(floor_divide)
  TB_DECLARE_BINARY_METHOD_AND_INPLACE(remainder)
  TB_DECLARE_BINARY_METHOD_AND_INPLACE(pow)
  TB_DECLARE_BINARY_METHOD_AND_INPLACE(atan2)
  TB_DECLARE_BINARY_METHOD_AND_INPLACE(logical_and)
  TB_DECLARE_BINARY_METHOD_AND_INPLACE(logical_or)
  TB_DECLARE_BINARY_METHOD_AND_INPLACE(logical_xor)
  TB_DECLARE_BINARY_METHOD_AND_INPLACE(bitwise_and)
  TB_DECLARE_BINARY_METHOD_AND_INPLACE(bitwise_or)
  TB_DECLARE_BINARY_METHOD_AND_INPLACE(bitwise_xor)
  TB_DECLARE_BINARY_METHOD_AND_INPLACE(bitwise_left_shift)
  TB_DECLARE_BINARY_METHOD_AND_INPLACE(bitwise_right_shift)
  TB_DECLARE_BINARY_METHOD(maximum)
  TB_DECLARE_BINARY_METHOD(minimum)
  TB_DECLARE_BINARY_METHOD(eq)
  TB_DECLARE_BINARY_METHOD(ne)
  TB_DECLARE_BINARY_METHOD(lt)
  TB_DECLARE_BINARY_METHOD(le)
  TB_DECLARE_BINARY_METHOD(gt)
  TB_DECLARE_BINARY_METHOD(ge)
#undef TB_DECLARE_BINARY_METHOD
#undef TB_DECLARE_BINARY_METHOD_AND_INPLACE
  // Unary ops (ops/api_elementwise.hpp). Integer inputs to floating functions give the
  // default float dtype (float32); float16/bfloat16 compute in float32.
#define TB_DECLARE_UNARY_METHOD(op) \
  TensorBase op() const;            \
  const TensorBase& op##_() const;
  TB_DECLARE_UNARY_METHOD(neg)
  TB_DECLARE_UNARY_METHOD(abs)
  TB_DECLARE_UNARY_METHOD(sign)
  TB_DECLARE_UNARY_METHOD(exp)
  TB_DECLARE_UNARY_METHOD(expm1)
  TB_DECLARE_UNARY_METHOD(log)
  TB_DECLARE_UNARY_METHOD(log1p)
  TB_DECLARE_UNARY_METHOD(log2)
  TB_DECLARE_UNARY_METHOD(log10)
  TB_DECLARE_UNARY_METHOD(sqrt)
  TB_DECLARE_UNARY_METHOD(rsqrt)
  TB_DECLARE_UNARY_METHOD(sin)
  TB_DECLARE_UNARY_METHOD(cos)
  TB_DECLARE_UNARY_METHOD(tan)
  TB_DECLARE_UNARY_METHOD(tanh)
  TB_DECLARE_UNARY_METHOD(sigmoid)
  TB_DECLARE_UNARY_METHOD(relu)
  TB_DECLARE_UNARY_METHOD(erf)
  TB_DECLARE_UNARY_METHOD(floor)
  TB_DECLARE_UNARY_METHOD(ceil)
  TB_DECLARE_UNARY_METHOD(trunc)
  TB_DECLARE_UNARY_METHOD(reciprocal)
  TB_DECLARE_UNARY_METHOD(square)
  TB_DECLARE_UNARY_METHOD(logical_not)
  TB_DECLARE_UNARY_METHOD(bitwise_not)
#undef TB_DECLARE_UNARY_METHOD
  TensorBase round(int64_t decimals = 0) const;  // half to even
  const TensorBase& round_(int64_t decimals = 0) const;
  TensorBase clamp(const std::optional<Scalar>& min, const std::optional<Scalar>& max = {}) const;
  TensorBase clamp(const std::optional<TensorBase>& min,
                   const std::optional<TensorBase>& max = {}) const;
  const TensorBase& clamp_(const std::optional<Scalar>& min,
                           const std::optional<Scalar>& max = {}) const;
  const TensorBase& clamp_(const std::optional<TensorBase>& min,
                           const std::optional<TensorBase>& max = {}) const;
  TensorBase isnan() const;
  TensorBase isinf() const;
  TensorBase isfinite() const;
  // Reductions (ops/api_reduce.hpp). An empty dims list reduces over every dimension;
  // negative dims count from the end. Sums of integers and bools are int64.
  TensorBase sum(std::optional<DType> dtype = std::nullopt) const;
  TensorBase sum(const std::vector<int64_t>& dims, bool keepdim = false,
                 std::optional<DType> dtype = std::nullopt) const;
  TensorBase sum(int64_t dim, bool keepdim = false, std::optional<DType> dtype = std::nullopt) const;
  TensorBase mean(std::optional<DType> dtype = std::nullopt) const;
  TensorBase mean(const std::vector<int64_t>& dims, bool keepdim = false,
                  std::optional<DType> dtype = std::nullopt) const;
  TensorBase mean(int64_t dim, bool keepdim = false, std::optional<DType> dtype = std::nullopt) const;
  TensorBase prod(std::optional<DType> dtype = std::nullopt) const;
  TensorBase prod(int64_t dim, bool keepdim = false, std::optional<DType> dtype = std::nullopt) const;
  TensorBase max() const;  // of all elements; NaN wins
  TensorBase min() const;
  ValuesIndices max(int64_t dim, bool keepdim = false) const;
  ValuesIndices min(int64_t dim, bool keepdim = false) const;
  TensorBase amax(const std::vector<int64_t>& dims = {}, bool keepdim = false) const;
  TensorBase amin(const std::vector<int64_t>& dims = {}, bool keepdim = false) const;
  TensorBase argmax(std::optional<int64_t> dim = std::nullopt, bool keepdim = false) const;
  TensorBase argmin(std::optional<int64_t> dim = std::nullopt, bool keepdim = false) const;
  TensorBase var(const std::vector<int64_t>& dims = {}, double correction = 1,
                 bool keepdim = false) const;
  TensorBase std(const std::vector<int64_t>& dims = {}, double correction = 1,
                 bool keepdim = false) const;
  // p: 2 (Frobenius/Euclidean), 1, inf, -inf, 0 (count of nonzeros) or any other power.
  TensorBase norm(double p = 2, const std::vector<int64_t>& dims = {}, bool keepdim = false) const;
  TensorBase all() const;
  TensorBase all(const std::vector<int64_t>& dims, bool keepdim = false) const;
  TensorBase all(int64_t dim, bool keepdim = false) const;
  TensorBase any() const;
  TensorBase any(const std::vector<int64_t>& dims, bool keepdim = false) const;
  TensorBase any(int64_t dim, bool keepdim = false) const;
  TensorBase cumsum(int64_t dim, std::optional<DType> dtype = std::nullopt) const;
  TensorBase cumprod(int64_t dim, std::optional<DType> dtype = std::nullopt) const;
  TensorBase logsumexp(const std::vector<int64_t>& dims, bool keepdim = false) const;
  TensorBase softmax(int64_t dim, std::optional<DType> dtype = std::nullopt) const;
  TensorBase log_softmax(int64_t dim, std::optional<DType> dtype = std::nullopt) const;
  // ---- end math: elementwise/unary/reductions ----

  // ---- math: linalg/indexing/random (defined in ops/api_*.hpp) ----
  // linear algebra (ops/api_linalg.hpp)
  TensorBase matmul(const TensorBase& other) const;
  TensorBase mm(const TensorBase& other) const;
  TensorBase bmm(const TensorBase& other) const;
  TensorBase mv(const TensorBase& vec) const;
  TensorBase dot(const TensorBase& other) const;
  TensorBase outer(const TensorBase& other) const;
  TensorBase addmm(const TensorBase& mat1, const TensorBase& mat2, const Scalar& beta = 1,
                   const Scalar& alpha = 1) const;
  // indexing (ops/api_indexing.hpp); index tensors are int64 or int32
  TensorBase index_select(int64_t dim, const TensorBase& index) const;
  TensorBase gather(int64_t dim, const TensorBase& index) const;
  TensorBase scatter(int64_t dim, const TensorBase& index, const TensorBase& src) const;
  TensorBase scatter(int64_t dim, const TensorBase& index, const Scalar& value) const;
  const TensorBase& scatter_(int64_t dim, const TensorBase& index, const TensorBase& src) const;
  const TensorBase& scatter_(int64_t dim, const TensorBase& index, const Scalar& value) const;
  TensorBase scatter_add(int64_t dim, const TensorBase& index, const TensorBase& src) const;
  const TensorBase& scatter_add_(int64_t dim, const TensorBase& index,
                                 const TensorBase& src) const;
  TensorBase index_add(int64_t dim, const TensorBase& index, const TensorBase& source,
                       const Scalar& alpha = 1) const;
  const TensorBase& index_add_(int64_t dim, const TensorBase& index, const TensorBase& source,
                               const Scalar& alpha = 1) const;
  TensorBase masked_fill(const TensorBase& mask, const Scalar& value) const;
  const TensorBase& masked_fill_(const TensorBase& mask, const Scalar& value) const;
  TensorBase masked_select(const TensorBase& mask) const;
  TensorBase nonzero() const;                    // int64 [count, ndim]
  std::vector<TensorBase> nonzero_tuple() const;  // nonzero(as_tuple=True)
  // NumPy advanced indexing: a null entry is a full slice ':'; results are copies.
  TensorBase index(const std::vector<std::optional<TensorBase>>& indices) const;
  const TensorBase& index_put_(const std::vector<std::optional<TensorBase>>& indices,
                               const TensorBase& values, bool accumulate = false) const;
  TensorBase index_put(const std::vector<std::optional<TensorBase>>& indices,
                       const TensorBase& values, bool accumulate = false) const;
  // joining, splitting, sorting (ops/api_indexing.hpp)
  std::vector<TensorBase> split(int64_t split_size, int64_t dim = 0) const;
  std::vector<TensorBase> split(const std::vector<int64_t>& split_sizes, int64_t dim = 0) const;
  std::vector<TensorBase> chunk(int64_t chunks, int64_t dim = 0) const;
  std::vector<TensorBase> unbind(int64_t dim = 0) const;
  TensorBase repeat(const std::vector<int64_t>& repeats) const;
  TensorBase tile(const std::vector<int64_t>& reps) const;
  std::pair<TensorBase, TensorBase> sort(int64_t dim = -1, bool descending = false,
                                         bool stable = false) const;
  TensorBase argsort(int64_t dim = -1, bool descending = false, bool stable = false) const;
  std::pair<TensorBase, TensorBase> topk(int64_t k, int64_t dim = -1, bool largest = true,
                                         bool sorted = true) const;
  UniqueResult unique(bool sorted = true, bool return_inverse = false, bool return_counts = false,
                      std::optional<int64_t> dim = std::nullopt) const;
  UniqueResult unique_consecutive(bool return_inverse = false, bool return_counts = false,
                                  std::optional<int64_t> dim = std::nullopt) const;
  // random (ops/api_random.hpp); a null generator means the default one
  const TensorBase& uniform_(double from = 0.0, double to = 1.0, Generator* gen = nullptr) const;
  const TensorBase& normal_(double mean = 0.0, double std = 1.0, Generator* gen = nullptr) const;
  const TensorBase& bernoulli_(double p = 0.5, Generator* gen = nullptr) const;
  const TensorBase& bernoulli_(const TensorBase& p, Generator* gen = nullptr) const;
  TensorBase bernoulli(Generator* gen = nullptr) const;  // this tensor holds probabilities
  TensorBase bernoulli(double p, Generator* gen = nullptr) const;
  // ---- end math: linalg/indexing/random ----

  // ---- autograd (defined in autograd/tensor_methods.hpp) ----
  bool requires_grad() const;
  const TensorBase& requires_grad_(bool requires_grad = true) const;
  const TensorBase& set_requires_grad(bool requires_grad) const { return requires_grad_(requires_grad); }
  TensorBase grad() const;  // undefined until a backward pass reaches this tensor
  void set_grad(const TensorBase& grad) const;  // `t.grad = g`; undefined clears it
  std::shared_ptr<autograd::Node> grad_fn() const;
  bool is_leaf() const;
  uint32_t output_nr() const;
  void retain_grad() const;
  bool retains_grad() const;
  // retain_graph defaults to create_graph, as in PyTorch.
  void backward(const TensorBase& gradient = {}, std::optional<bool> retain_graph = std::nullopt,
                bool create_graph = false) const;
  TensorBase detach() const;  // same memory, no history
  const TensorBase& detach_() const;
  // The hook sees each gradient computed for this tensor and may return a replacement
  // (an undefined result keeps the gradient). Returns an id for remove_hook.
  std::size_t register_hook(std::function<TensorBase(const TensorBase&)> hook) const;
  void remove_hook(std::size_t id) const;
  // ---- end autograd ----

 protected:
  TensorBase make_view(Shape shape, Strides strides, int64_t offset) const;

  std::shared_ptr<TensorImpl> impl_;
};

}  // namespace tensorbridge

// Definitions of the methods above; included here so the class is usable on its own.
#include "tensorbridge/core/views.hpp"
#include "tensorbridge/core/copy.hpp"
#include "tensorbridge/core/device_copy.hpp"
#include "tensorbridge/core/tensor.hpp"
