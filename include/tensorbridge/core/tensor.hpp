#pragma once
// Tensor<T>: the typed handle. Same impl as TensorBase, plus typed data access and view
// methods that keep the static type. Read-only memory is typed `Tensor<const T>`, so the
// compiler, not a runtime check per element, keeps writes away from it.
#include <cassert>
#include <cstdint>
#include <cstring>
#include <type_traits>
#include <vector>

#include "tensorbridge/core/tensor_base.hpp"

namespace tensorbridge {

// Unchecked N-d element access for hot loops: sizes and strides copied out of the
// tensor so the compiler keeps them in registers.
template <typename T, int N>
class TensorAccessor {
 public:
  TensorAccessor(T* data, const int64_t* sizes, const int64_t* strides) : data_(data) {
    for (int i = 0; i < N; ++i) {
      sizes_[i] = sizes[i];
      strides_[i] = strides[i];
    }
  }
  template <typename... Idx>
  T& operator()(Idx... idx) const {
    static_assert(sizeof...(Idx) == N, "accessor: wrong number of indices");
    const int64_t index[] = {static_cast<int64_t>(idx)...};
    int64_t off = 0;
    for (int i = 0; i < N; ++i) off += index[i] * strides_[i];
    return data_[off];
  }
  int64_t size(int i) const { return sizes_[i]; }
  int64_t stride(int i) const { return strides_[i]; }
  T* data() const { return data_; }

 private:
  T* data_;
  int64_t sizes_[N > 0 ? N : 1];
  int64_t strides_[N > 0 ? N : 1];
};

template <typename T>
class Tensor : public TensorBase {
 public:
  using element_type = T;
  using value_type = std::remove_const_t<T>;
  static_assert(is_element_type_v<value_type>, "Tensor<T>: T is not a tensorbridge element type");
  static constexpr bool kReadOnly = std::is_const_v<T>;

  Tensor() = default;
  // Checked conversion from the runtime-typed handle (same impl, no copy).
  explicit Tensor(const TensorBase& base) : TensorBase(base) { check_type(); }
  explicit Tensor(std::shared_ptr<TensorImpl> impl) : TensorBase(std::move(impl)) {
    check_type();
  }
  // A writable tensor may be viewed as read-only, never the reverse.
  template <typename U, std::enable_if_t<kReadOnly && std::is_same_v<U, value_type>, int> = 0>
  Tensor(const Tensor<U>& writable) : TensorBase(writable) {}  // NOLINT

  T* data() const { return static_cast<T*>(data_ptr()); }

  template <typename... Idx>
  T& operator()(Idx... idx) const {
    assert(static_cast<int64_t>(sizeof...(Idx)) == dim());
    const int64_t index[] = {0, static_cast<int64_t>(idx)...};
    int64_t off = 0;
    for (std::size_t i = 0; i < sizeof...(Idx); ++i) {
      assert(index[i + 1] >= 0 && index[i + 1] < shape()[i]);
      off += index[i + 1] * strides()[i];
    }
    return data()[off];
  }

  // Bounds-checked element access: throws IndexError naming the index and the shape.
  template <typename... Idx>
  T& at(Idx... idx) const {
    const int64_t index[] = {0, static_cast<int64_t>(idx)...};
    constexpr auto n = static_cast<int64_t>(sizeof...(Idx));
    TB_CHECK(n == dim(), IndexError, "at: ", n, " indices given for a tensor of shape ",
             shape_str(shape()));
    int64_t off = 0;
    for (int64_t i = 0; i < n; ++i) {
      TB_CHECK(index[i + 1] >= 0 && index[i + 1] < shape()[i], IndexError, "at: index ",
               index[i + 1], " is out of bounds for dimension ", i, " with size ", shape()[i],
               " (shape ", shape_str(shape()), ")");
      off += index[i + 1] * strides()[i];
    }
    return data()[off];
  }

  template <int N>
  TensorAccessor<T, N> accessor() const {
    TB_CHECK(dim() == N, ValueError, "accessor<", N, ">: tensor has ", dim(),
             " dimensions (shape ", shape_str(shape()), ")");
    return TensorAccessor<T, N>(data(), shape().data(), strides().data());
  }

  value_type item() const { return TensorBase::item<value_type>(); }

  // The elements in row-major order (a copy), handy for tests and small tensors.
  std::vector<value_type> to_vector() const {
    std::vector<value_type> out(static_cast<std::size_t>(numel()));
    if (!out.empty()) {
      const Tensor<const value_type> dense(TensorBase::contiguous());
      std::memcpy(out.data(), dense.data(), out.size() * sizeof(value_type));
    }
    return out;
  }

  // Views keep the element type.
  Tensor slice(int64_t dim, std::optional<int64_t> start = std::nullopt,
               std::optional<int64_t> stop = std::nullopt, int64_t step = 1) const {
    return wrap(TensorBase::slice(dim, start, stop, step));
  }
  Tensor select(int64_t dim, int64_t index) const { return wrap(TensorBase::select(dim, index)); }
  Tensor operator[](int64_t index) const { return select(0, index); }
  Tensor narrow(int64_t dim, int64_t start, int64_t length) const {
    return wrap(TensorBase::narrow(dim, start, length));
  }
  Tensor transpose(int64_t d0, int64_t d1) const { return wrap(TensorBase::transpose(d0, d1)); }
  Tensor permute(const std::vector<int64_t>& dims) const {
    return wrap(TensorBase::permute(dims));
  }
  Tensor t() const { return wrap(TensorBase::t()); }
  Tensor mT() const { return wrap(TensorBase::mT()); }
  Tensor view(const Shape& s) const { return wrap(TensorBase::view(s)); }
  Tensor reshape(const Shape& s) const { return wrap(TensorBase::reshape(s)); }
  Tensor flatten(int64_t start = 0, int64_t end = -1) const {
    return wrap(TensorBase::flatten(start, end));
  }
  Tensor unflatten(int64_t dim, const Shape& sizes) const {
    return wrap(TensorBase::unflatten(dim, sizes));
  }
  Tensor expand(const Shape& s) const { return wrap(TensorBase::expand(s)); }
  Tensor broadcast_to(const Shape& s) const { return wrap(TensorBase::broadcast_to(s)); }
  Tensor squeeze() const { return wrap(TensorBase::squeeze()); }
  Tensor squeeze(int64_t dim) const { return wrap(TensorBase::squeeze(dim)); }
  Tensor unsqueeze(int64_t dim) const { return wrap(TensorBase::unsqueeze(dim)); }
  Tensor flip(const std::vector<int64_t>& dims) const { return wrap(TensorBase::flip(dims)); }
  Tensor movedim(int64_t s, int64_t d) const { return wrap(TensorBase::movedim(s, d)); }
  Tensor diagonal(int64_t offset = 0, int64_t d1 = 0, int64_t d2 = 1) const {
    return wrap(TensorBase::diagonal(offset, d1, d2));
  }
  Tensor as_strided(const Shape& s, const Strides& st,
                    std::optional<int64_t> offset = std::nullopt) const {
    return wrap(TensorBase::as_strided(s, st, offset));
  }
  Tensor alias() const { return wrap(TensorBase::alias()); }
  Tensor<const value_type> as_read_only() const {
    return Tensor<const value_type>(TensorBase::as_read_only());
  }
  // Returns this handle when already contiguous, so the read-only type carries over.
  Tensor contiguous() const { return wrap(TensorBase::contiguous()); }
  // A copy is writable whatever the source was.
  Tensor<value_type> clone() const { return Tensor<value_type>(TensorBase::clone()); }

  const Tensor& copy_(const TensorBase& src) const {
    static_assert(!kReadOnly, "copy_: cannot write through a Tensor<const T>");
    TensorBase::copy_(src);
    return *this;
  }
  const Tensor& fill_(const Scalar& v) const {
    static_assert(!kReadOnly, "fill_: cannot write through a Tensor<const T>");
    TensorBase::fill_(v);
    return *this;
  }
  const Tensor& zero_() const { return fill_(Scalar(0)); }

 private:
  static Tensor wrap(const TensorBase& t) {
    Tensor out;
    static_cast<TensorBase&>(out) = t;
    return out;
  }
  void check_type() const {
    if (!defined()) return;
    TB_CHECK(dtype() == dtype_v<value_type>, TypeError, "expected a tensor of dtype ",
             dtype_name(dtype_v<value_type>), " but got dtype ", dtype(), " (shape ",
             shape_str(shape()), ", device ", device(), ")");
    if constexpr (!kReadOnly) {
      TB_CHECK(!is_read_only(), ReadOnlyError, "Tensor<", dtype_name(dtype_v<value_type>),
               ">: the tensor is read-only (shape ", shape_str(shape()),
               "); view it as Tensor<const ", dtype_name(dtype_v<value_type>),
               "> or clone() it");
    }
  }
};

template <typename T>
Tensor<T> TensorBase::as() const {
  return Tensor<T>(*this);
}

}  // namespace tensorbridge
