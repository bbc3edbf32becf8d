#pragma once
// Eigen interop, zero-copy both ways.
//
// Tensor -> Eigen: `as_eigen_matrix(t)` (2-D), `as_eigen_vector(t)` (1-D) and `as_eigen(t)`
// (either; a 1-D tensor maps as a one-column matrix) return Eigen::Map objects over the
// tensor's memory with its strides, whatever they are: row- or column-major, transposed,
// sliced, negative (Eigen's strides are signed and its kernels index with them), or zero
// for a read-only broadcast. A Tensor<const T> gives a map of const data. Shapes Eigen
// cannot express (0-D, 3-D and more) raise ValueError; nothing ever copies.
//
// Eigen -> tensor: `borrow_eigen(x)` views any Eigen object with direct memory access
// (Matrix, Array, Map, Block, Ref) and honours its storage order and inner/outer strides;
// the caller keeps `x` alive. `from_eigen(std::move(m))` takes a Matrix or Array over:
// the object moves into a heap slot owned by the tensor's storage, so dynamic-size data
// does not move at all.
#include <cstdint>
#include <memory>
#include <type_traits>
#include <utility>

#include "tensorbridge/core/eigen_core.hpp"

#include "tensorbridge/core/dtype.hpp"
#include "tensorbridge/core/error.hpp"
#include "tensorbridge/core/shape.hpp"
#include "tensorbridge/core/tensor.hpp"
#include "tensorbridge/core/tensor_base.hpp"
#include "tensorbridge/interop/buffer.hpp"

namespace tensorbridge {

namespace detail {

// Element types Eigen can compute with (it has no NumTraits for our half and bfloat16).
template <typename T>
inline constexpr bool is_eigen_element_v =
    is_element_type_v<T> && !std::is_same_v<std::remove_cv_t<T>, half> &&
    !std::is_same_v<std::remove_cv_t<T>, bfloat16>;

template <typename T, typename Plain>
using EigenMapOf = Eigen::Map<std::conditional_t<std::is_const_v<T>, const Plain, Plain>,
                              Eigen::Unaligned,
                              std::conditional_t<bool(Plain::IsVectorAtCompileTime),
                                                 Eigen::InnerStride<Eigen::Dynamic>,
                                                 Eigen::Stride<Eigen::Dynamic, Eigen::Dynamic>>>;

template <typename T>
void check_mappable(const Tensor<T>& t, int64_t ndim, const char* op) {
  static_assert(is_eigen_element_v<T>,
                "Eigen maps need an element type Eigen computes with (not half or bfloat16)");
  TB_CHECK(t.defined(), ValueError, op, ": undefined tensor");
  TB_CHECK(t.device().is_cpu(), DeviceError, op, ": Eigen maps CPU memory, but the tensor (shape ",
           shape_str(t.shape()), ", dtype ", t.dtype(), ") is on ", t.device());
  TB_CHECK(t.dim() == ndim, ValueError, op, ": expected a ", ndim, "-D tensor but got shape ",
           shape_str(t.shape()), " (", t.dim(),
           "-D); Eigen maps only 1-D and 2-D tensors, so select, reshape or flatten first");
  if constexpr (!std::is_const_v<T>) {
    // Writing through a stride-0 dimension would store many values into one element.
    for (int64_t d = 0; d < t.dim(); ++d) {
      TB_CHECK(t.stride(d) != 0 || t.size(d) <= 1, ValueError, op,
               ": dimension ", d, " of the tensor (shape ", shape_str(t.shape()), ", strides ",
               shape_str(t.strides()),
               ") is broadcast (stride 0); map it read-only through Tensor<const T>");
    }
  }
}

}  // namespace detail

// The map types, for declaring variables and parameters.
template <typename T, int Order = Eigen::RowMajor>
using EigenMatrixMap = detail::EigenMapOf<
    T, Eigen::Matrix<std::remove_const_t<T>, Eigen::Dynamic, Eigen::Dynamic, Order>>;
template <typename T>
using EigenVectorMap =
    detail::EigenMapOf<T, Eigen::Matrix<std::remove_const_t<T>, Eigen::Dynamic, 1>>;

// A matrix map over a 2-D tensor. `Order` only picks the Map's type (for APIs that want a
// column-major one); any strides work with either order.
template <int Order = Eigen::RowMajor, typename T>
EigenMatrixMap<T, Order> as_eigen_matrix(const Tensor<T>& t) {
  detail::check_mappable(t, 2, "as_eigen_matrix");
  const auto s0 = static_cast<Eigen::Index>(t.stride(0));
  const auto s1 = static_cast<Eigen::Index>(t.stride(1));
  const Eigen::Stride<Eigen::Dynamic, Eigen::Dynamic> stride =
      Order == Eigen::RowMajor ? Eigen::Stride<Eigen::Dynamic, Eigen::Dynamic>(s0, s1)
                               : Eigen::Stride<Eigen::Dynamic, Eigen::Dynamic>(s1, s0);
  return EigenMatrixMap<T, Order>(t.data(), static_cast<Eigen::Index>(t.size(0)),
                                  static_cast<Eigen::Index>(t.size(1)), stride);
}

// A column-vector map over a 1-D tensor.
template <typename T>
EigenVectorMap<T> as_eigen_vector(const Tensor<T>& t) {
  detail::check_mappable(t, 1, "as_eigen_vector");
  return EigenVectorMap<T>(t.data(), static_cast<Eigen::Index>(t.size(0)),
                           Eigen::InnerStride<Eigen::Dynamic>(t.stride(0)));
}

// A matrix map over a 2-D tensor, or over a 1-D tensor as an n x 1 column.
template <typename T>
EigenMatrixMap<T> as_eigen(const Tensor<T>& t) {
  TB_CHECK(!t.defined() || t.dim() == 1 || t.dim() == 2, ValueError,
           "as_eigen: expected a 1-D or 2-D tensor but got shape ", shape_str(t.shape()), " (",
           t.dim(), "-D); select, reshape or flatten first");
  return as_eigen_matrix(t.defined() && t.dim() == 1 ? t.unsqueeze(1) : t);
}

namespace detail {

// Shape and strides (in elements) of an Eigen object with direct access: vectors become
// 1-D tensors, everything else 2-D in Eigen's (rows, cols) order.
template <typename Derived>
void eigen_layout(const Eigen::DenseBase<Derived>& x, Shape* shape, Strides* strides) {
  const auto& d = x.derived();
  if constexpr (bool(Derived::IsVectorAtCompileTime)) {
    *shape = {static_cast<int64_t>(d.size())};
    *strides = {static_cast<int64_t>(d.innerStride())};
  } else {
    *shape = {static_cast<int64_t>(d.rows()), static_cast<int64_t>(d.cols())};
    const auto inner = static_cast<int64_t>(d.innerStride());
    const auto outer = static_cast<int64_t>(d.outerStride());
    *strides = bool(Derived::IsRowMajor) ? Strides{outer, inner} : Strides{inner, outer};
  }
}

template <typename Derived>
inline constexpr bool is_plain_eigen_v =
    std::is_base_of_v<Eigen::PlainObjectBase<Derived>, Derived>;

}  // namespace detail

// A tensor viewing an Eigen object's memory (no copy; the caller keeps `x` alive). The
// result is Tensor<Scalar>, or Tensor<const Scalar> for const objects and read-only
// expressions (a Map of const data).
template <typename X>
auto borrow_eigen(X&& x) {
  using D = std::decay_t<X>;
  static_assert(std::is_base_of_v<Eigen::DenseBase<D>, D>, "borrow_eigen: not an Eigen object");
  static_assert((D::Flags & Eigen::DirectAccessBit) != 0,
                "borrow_eigen: the expression has no memory to view (evaluate it into a "
                "Matrix first)");
  static_assert(!(detail::is_plain_eigen_v<D> && std::is_rvalue_reference_v<X&&>),
                "borrow_eigen: a temporary Matrix/Array would die before the tensor; use "
                "from_eigen(std::move(m)) to hand it over");
  using S = typename D::Scalar;
  static_assert(is_element_type_v<S>, "borrow_eigen: Scalar is not a tensorbridge element type");
  constexpr bool writable =
      !std::is_const_v<std::remove_reference_t<X>> && (D::Flags & Eigen::LvalueBit) != 0;
  using T = std::conditional_t<writable, S, const S>;
  Shape shape;
  Strides strides;
  detail::eigen_layout(x, &shape, &strides);
  void* data = const_cast<S*>(x.derived().data());  // the read-only flag keeps writes out
  return Tensor<T>(view_foreign_memory(data, shape, strides, dtype_v<S>, Device::cpu(),
                                       !writable, nullptr, "borrow_eigen"));
}

// Takes an Eigen Matrix or Array (pass it with std::move) into a tensor that owns it. The
// object's heap buffer becomes the tensor's memory: no element is copied for dynamic sizes.
template <typename M>
auto from_eigen(M&& m) {
  using D = std::decay_t<M>;
  static_assert(detail::is_plain_eigen_v<D>,
                "from_eigen: takes an Eigen::Matrix or Eigen::Array; view other expressions "
                "with borrow_eigen(x)");
  static_assert(!std::is_lvalue_reference_v<M> && !std::is_const_v<std::remove_reference_t<M>>,
                "from_eigen: takes ownership, so pass std::move(m); use borrow_eigen(m) for a "
                "view of an object you keep");
  using S = typename D::Scalar;
  static_assert(is_element_type_v<S>, "from_eigen: Scalar is not a tensorbridge element type");
  auto held = std::make_shared<D>(std::move(m));
  Shape shape;
  Strides strides;
  detail::eigen_layout(*held, &shape, &strides);
  void* data = held->data();
  return Tensor<S>(view_foreign_memory(data, shape, strides, dtype_v<S>, Device::cpu(), false,
                                       std::move(held), "from_eigen"));
}

}  // namespace tensorbridge
