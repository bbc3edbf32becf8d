#pragma once
// CPU matrix products: C = alpha * A * B + beta * C on strided matrices.
//
// float and double go through Eigen's GEMM, mapping the caller's memory in place (Eigen::Map
// with an outer stride) whenever one axis has unit stride; only other layouts are copied.
// Complex products reuse those two real GEMMs on split real/imaginary planes, and integers
// run a plain loop in wrapping uint64 arithmetic. Every Eigen GEMM instantiation costs about
// two seconds of compile time in each translation unit that includes this header, so we keep
// to the real scalar types.
//
// Eigen parallelizes its GEMM with OpenMP when the translation unit is compiled with it
// (Eigen::setNbThreads / OMP_NUM_THREADS choose the count); we add no threads of our own.
#include <algorithm>
#include <complex>
#include <cstdint>
#include <type_traits>
#include <vector>

#include "tensorbridge/core/eigen_core.hpp"

namespace tensorbridge {
namespace kernels {
namespace cpu {

// A matrix view: element (i, j) lives at data[i * row_stride + j * col_stride].
template <typename T>
struct MatrixRef {
  T* data;
  int64_t rows;
  int64_t cols;
  int64_t row_stride;
  int64_t col_stride;

  T& operator()(int64_t i, int64_t j) const { return data[i * row_stride + j * col_stride]; }
};

namespace detail {

enum class Layout { RowMajor, ColMajor, Other };

struct MappedLayout {
  Layout layout;
  int64_t outer_stride;
};

// How Eigen can see `m` without a copy: unit stride along one axis and a positive outer
// stride that does not make rows (or columns) overlap. Strides of size-1 axes are never
// used, so they are ignored.
template <typename T>
MappedLayout mapped_layout(const MatrixRef<T>& m) {
  const int64_t rs = m.rows > 1 ? m.row_stride : (m.cols > 1 ? m.cols : 1);
  const int64_t cs = m.cols > 1 ? m.col_stride : 1;
  if (cs == 1 && rs >= (m.cols > 1 ? m.cols : 1)) return {Layout::RowMajor, rs};
  const int64_t cs2 = m.cols > 1 ? m.col_stride : (m.rows > 1 ? m.rows : 1);
  const int64_t rs2 = m.rows > 1 ? m.row_stride : 1;
  if (rs2 == 1 && cs2 >= (m.rows > 1 ? m.rows : 1)) return {Layout::ColMajor, cs2};
  return {Layout::Other, 0};
}

// A dense row-major copy of any strided matrix.
template <typename T>
MatrixRef<const T> dense_copy(const MatrixRef<const T>& m, std::vector<T>& buffer) {
  buffer.resize(static_cast<std::size_t>(m.rows * m.cols));
  for (int64_t i = 0; i < m.rows; ++i) {
    for (int64_t j = 0; j < m.cols; ++j) buffer[static_cast<std::size_t>(i * m.cols + j)] = m(i, j);
  }
  return {buffer.data(), m.rows, m.cols, m.cols, 1};
}

template <typename T, int Order>
using EigenMap = Eigen::Map<const Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Order>,
                            Eigen::Unaligned, Eigen::OuterStride<>>;

template <typename T, int OrderA, int OrderB>
void eigen_gemm_accumulate(const MatrixRef<const T>& a, int64_t lda, const MatrixRef<const T>& b,
                           int64_t ldb, const MatrixRef<T>& c, T alpha) {
  using Index = Eigen::Index;
  const EigenMap<T, OrderA> ea(a.data, Index(a.rows), Index(a.cols), Eigen::OuterStride<>(lda));
  const EigenMap<T, OrderB> eb(b.data, Index(b.rows), Index(b.cols), Eigen::OuterStride<>(ldb));
  Eigen::Map<Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>, Eigen::Unaligned,
             Eigen::OuterStride<>>
      ec(c.data, Index(c.rows), Index(c.cols),
         Eigen::OuterStride<>(c.rows > 1 ? c.row_stride : c.cols));
  // noalias: the product is written straight into C, no temporary.
  ec.noalias() += alpha * ea * eb;
}

// C *= beta, with beta == 0 overwriting (so NaN/inf already in C do not survive, as in BLAS).
template <typename T>
void scale_output(const MatrixRef<T>& c, T beta) {
  if (beta == T(1)) return;
  for (int64_t i = 0; i < c.rows; ++i) {
    if (beta == T(0) && c.col_stride == 1) {
      std::fill_n(&c(i, 0), c.cols, T(0));
      continue;
    }
    for (int64_t j = 0; j < c.cols; ++j) c(i, j) = beta == T(0) ? T(0) : c(i, j) * beta;
  }
}

// float/double: Eigen GEMM on the operands' own memory where possible.
template <typename T>
void real_gemm(MatrixRef<const T> a, MatrixRef<const T> b, const MatrixRef<T>& c, T alpha,
               T beta) {
  scale_output(c, beta);
  if (a.cols == 0 || c.rows == 0 || c.cols == 0) return;
  std::vector<T> a_copy, b_copy;
  MappedLayout la = mapped_layout(a);
  if (la.layout == Layout::Other) {
    a = dense_copy(a, a_copy);
    la = {Layout::RowMajor, a.cols};
  }
  MappedLayout lb = mapped_layout(b);
  if (lb.layout == Layout::Other) {
    b = dense_copy(b, b_copy);
    lb = {Layout::RowMajor, b.cols};
  }
  constexpr int R = Eigen::RowMajor;
  constexpr int C = Eigen::ColMajor;
  const bool ra = la.layout == Layout::RowMajor;
  const bool rb = lb.layout == Layout::RowMajor;
  const int64_t lda = la.outer_stride, ldb = lb.outer_stride;
  if (ra && rb) return eigen_gemm_accumulate<T, R, R>(a, lda, b, ldb, c, alpha);
  if (ra) return eigen_gemm_accumulate<T, R, C>(a, lda, b, ldb, c, alpha);
  if (rb) return eigen_gemm_accumulate<T, C, R>(a, lda, b, ldb, c, alpha);
  eigen_gemm_accumulate<T, C, C>(a, lda, b, ldb, c, alpha);
}

// Complex: (Ar + i Ai)(Br + i Bi) = (Ar Br - Ai Bi) + i (Ar Bi + Ai Br), four real GEMMs
// on dense planes (the same flop count as one complex GEMM). Copying the planes is
// O(mk + kn) next to the O(mkn) product.
template <typename R>
void complex_gemm(const MatrixRef<const std::complex<R>>& a,
                  const MatrixRef<const std::complex<R>>& b,
                  const MatrixRef<std::complex<R>>& c, std::complex<R> alpha,
                  std::complex<R> beta) {
  using C = std::complex<R>;
  const int64_t m = c.rows, n = c.cols, k = a.cols;
  auto split = [](const MatrixRef<const C>& x, std::vector<R>& re, std::vector<R>& im) {
    re.resize(static_cast<std::size_t>(x.rows * x.cols));
    im.resize(re.size());
    for (int64_t i = 0; i < x.rows; ++i) {
      for (int64_t j = 0; j < x.cols; ++j) {
        const C v = x(i, j);
        re[static_cast<std::size_t>(i * x.cols + j)] = v.real();
        im[static_cast<std::size_t>(i * x.cols + j)] = v.imag();
      }
    }
  };
  std::vector<R> ar, ai, br, bi;
  split(a, ar, ai);
  split(b, br, bi);
  std::vector<R> pr(static_cast<std::size_t>(m * n)), pi(pr.size());
  const MatrixRef<const R> mar{ar.data(), m, k, k, 1}, mai{ai.data(), m, k, k, 1};
  const MatrixRef<const R> mbr{br.data(), k, n, n, 1}, mbi{bi.data(), k, n, n, 1};
  const MatrixRef<R> mpr{pr.data(), m, n, n, 1}, mpi{pi.data(), m, n, n, 1};
  real_gemm<R>(mar, mbr, mpr, R(1), R(0));
  real_gemm<R>(mai, mbi, mpr, R(-1), R(1));
  real_gemm<R>(mar, mbi, mpi, R(1), R(0));
  real_gemm<R>(mai, mbr, mpi, R(1), R(1));
  for (int64_t i = 0; i < m; ++i) {
    for (int64_t j = 0; j < n; ++j) {
      const auto p = static_cast<std::size_t>(i * n + j);
      const C prod = alpha * C(pr[p], pi[p]);
      c(i, j) = beta == C(0) ? prod : beta * c(i, j) + prod;
    }
  }
}

// Integers: wrapping arithmetic (what PyTorch's integer matmul gives), done in uint64 so
// that overflow is defined; the caller truncates to the element type, which commutes with
// wrapping. i-k-j order keeps the inner loop contiguous in B and C.
inline void integer_gemm(const MatrixRef<const uint64_t>& a, const MatrixRef<const uint64_t>& b,
                         const MatrixRef<uint64_t>& c, uint64_t alpha, uint64_t beta) {
  for (int64_t i = 0; i < c.rows; ++i) {
    for (int64_t j = 0; j < c.cols; ++j) c(i, j) = beta == 0 ? 0 : c(i, j) * beta;
    for (int64_t p = 0; p < a.cols; ++p) {
      const uint64_t av = a(i, p) * alpha;
      for (int64_t j = 0; j < c.cols; ++j) c(i, j) += av * b(p, j);
    }
  }
}

}  // namespace detail

// C = alpha * A * B + beta * C for T in {float, double, complex<float>, complex<double>,
// uint64_t} (other element types are converted by the caller). A is m x k, B is k x n,
// C is m x n with any strides; C must not overlap A or B. With beta == 0, C is only written.
template <typename T>
void gemm(const MatrixRef<const T>& a, const MatrixRef<const T>& b, const MatrixRef<T>& c,
          T alpha, T beta) {
  if constexpr (std::is_same_v<T, float> || std::is_same_v<T, double>) {
    const detail::MappedLayout lc = detail::mapped_layout(c);
    if (lc.layout == detail::Layout::RowMajor) return detail::real_gemm<T>(a, b, c, alpha, beta);
    // Eigen writes into a row-major C; stage any other layout through one.
    std::vector<T> buffer(static_cast<std::size_t>(c.rows * c.cols));
    const MatrixRef<T> staged{buffer.data(), c.rows, c.cols, c.cols, 1};
    for (int64_t i = 0; i < c.rows; ++i) {
      for (int64_t j = 0; j < c.cols; ++j) staged(i, j) = beta == T(0) ? T(0) : c(i, j);
    }
    detail::real_gemm<T>(a, b, staged, alpha, beta);
    for (int64_t i = 0; i < c.rows; ++i) {
      for (int64_t j = 0; j < c.cols; ++j) c(i, j) = staged(i, j);
    }
  } else if constexpr (std::is_same_v<T, std::complex<float>> ||
                       std::is_same_v<T, std::complex<double>>) {
    detail::complex_gemm<typename T::value_type>(a, b, c, alpha, beta);
  } else {
    static_assert(std::is_same_v<T, uint64_t>, "gemm: unsupported element type");
    detail::integer_gemm(a, b, c, alpha, beta);
  }
}

}  // namespace cpu
}  // namespace kernels
}  // namespace tensorbridge
