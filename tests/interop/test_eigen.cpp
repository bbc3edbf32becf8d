// Eigen interop: maps over tensors of every layout compute what Eigen computes on a dense
// copy of the same values, share the tensor's memory (writes seen both ways), and refuse
// what Eigen cannot express; Eigen objects become tensors by borrowing or by handing over
// their buffer, with Eigen's storage order and strides.
#include <gtest/gtest.h>

#include <Eigen/Dense>
#include <complex>
#include <cstdint>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "tensorbridge/core/factory.hpp"
#include "tensorbridge/interop/eigen.hpp"

namespace tb = tensorbridge;
using tb::Shape;

namespace {

// A dense Eigen copy of a 2-D tensor, built element by element through the tensor's own
// indexing (independent of the maps under test).
template <typename T>
Eigen::Matrix<std::remove_const_t<T>, Eigen::Dynamic, Eigen::Dynamic> dense_copy(
    const tb::Tensor<T>& t) {
  Eigen::Matrix<std::remove_const_t<T>, Eigen::Dynamic, Eigen::Dynamic> m(t.size(0), t.size(1));
  for (int64_t i = 0; i < t.size(0); ++i) {
    for (int64_t j = 0; j < t.size(1); ++j) m(i, j) = t.at(i, j);
  }
  return m;
}

// Values with no symmetry, so a wrong stride or a transposition shows.
tb::Tensor<double> grid(int64_t rows, int64_t cols) {
  auto t = tb::empty<double>({rows, cols});
  for (int64_t i = 0; i < rows; ++i) {
    for (int64_t j = 0; j < cols; ++j) t.at(i, j) = 1.0 + 0.5 * double(i) - 0.25 * double(j * j);
  }
  return t;
}

// A map against its dense copy: every coefficient, and the products and reductions Eigen
// runs through its own kernels (GEMV, GEMM, transposed GEMM, sum).
template <typename Map>
void expect_map_matches(const Map& map, const Eigen::MatrixXd& dense) {
  ASSERT_EQ(map.rows(), dense.rows());
  ASSERT_EQ(map.cols(), dense.cols());
  EXPECT_EQ(Eigen::MatrixXd(map), dense);
  const Eigen::VectorXd v = Eigen::VectorXd::LinSpaced(dense.cols(), -1.0, 2.0);
  EXPECT_TRUE((map * v).isApprox(dense * v));
  const Eigen::MatrixXd b = Eigen::MatrixXd::Random(dense.cols(), 7);
  EXPECT_TRUE((map * b).isApprox(dense * b));
  EXPECT_TRUE((map.transpose() * map).isApprox(dense.transpose() * dense));
  EXPECT_NEAR(map.sum(), dense.sum(), 1e-9);
}

}  // namespace

TEST(EigenMap, LayoutsComputeLikeADenseCopy) {
  const auto base = grid(9, 12);
  const std::pair<const char*, tb::Tensor<double>> views[] = {
      {"row-major", base},
      {"column-major (transposed)", base.t()},
      {"sliced", base.slice(0, 1, 9, 2).slice(1, 2, 12, 3)},
      {"negative strides", base.flip({0, 1})},
      {"transposed and flipped", base.t().flip({1}).slice(0, 0, 12, 5)},
      {"diagonal band", base.as_strided({4, 3}, {13, 1}, 0)},
  };
  for (const auto& [name, t] : views) {
    SCOPED_TRACE(name);
    const Eigen::MatrixXd dense = dense_copy(t);
    const auto map = tb::as_eigen_matrix(t);
    EXPECT_EQ(map.data(), t.data());  // no copy
    expect_map_matches(map, dense);
    expect_map_matches(tb::as_eigen_matrix<Eigen::ColMajor>(t), dense);
    expect_map_matches(tb::as_eigen(t), dense);
  }
}

TEST(EigenMap, LargeNegativeStrideProductUsesBlockedKernels) {
  // Big enough for Eigen's blocked GEMM and its packing, which index with the strides.
  const auto base = grid(130, 140);
  const auto t = base.flip({0}).t();  // strides {1, -140}
  const Eigen::MatrixXd dense = dense_copy(t);
  const auto map = tb::as_eigen_matrix(t);
  const Eigen::MatrixXd b = Eigen::MatrixXd::Random(130, 90);
  EXPECT_TRUE((map * b).isApprox(dense * b));
  EXPECT_TRUE((map * map.transpose()).isApprox(dense * dense.transpose()));
}

TEST(EigenMap, WritesThroughMapsReachTheTensor) {
  const auto base = grid(5, 6);
  for (const auto& t : {base, base.t(), base.flip({0}), base.slice(1, 1, 6, 2)}) {
    auto map = tb::as_eigen_matrix(t);
    map(1, 2) = -42.0;
    EXPECT_EQ(t.at(1, 2), -42.0);
    t.at(0, 1) = 17.0;
    EXPECT_EQ(map(0, 1), 17.0);
  }
  auto v = tb::as_eigen_vector(base.select(1, 3).flip({0}));
  v *= 2.0;  // Eigen arithmetic in place, through a negative stride
  EXPECT_EQ(base.at(4, 3), 2.0 * (1.0 + 0.5 * 4 - 0.25 * 9));
}

TEST(EigenMap, Vectors) {
  const auto base = grid(4, 5);
  const auto col = base.select(1, 2);  // stride 5
  const auto v = tb::as_eigen_vector(col);
  static_assert(std::decay_t<decltype(v)>::ColsAtCompileTime == 1, "a vector map is a column vector");
  ASSERT_EQ(v.size(), 4);
  EXPECT_EQ(v.data(), col.data());
  for (int64_t i = 0; i < 4; ++i) EXPECT_EQ(v(i), base.at(i, 2));
  const Eigen::VectorXd dense = v;
  EXPECT_DOUBLE_EQ(v.dot(v), dense.squaredNorm());
  // as_eigen maps a 1-D tensor as an n x 1 matrix.
  const auto m = tb::as_eigen(col);
  EXPECT_EQ(m.rows(), 4);
  EXPECT_EQ(m.cols(), 1);
  EXPECT_EQ(m(3, 0), base.at(3, 2));
}

TEST(EigenMap, ConstTensorsGiveConstMaps) {
  const tb::Tensor<const double> ro = grid(3, 4).as_read_only();
  const auto map = tb::as_eigen_matrix(ro);
  static_assert(std::is_same_v<decltype(map), const tb::EigenMatrixMap<const double>>);
  static_assert(!std::is_assignable_v<decltype(map(0, 0)), double>, "no writes through it");
  EXPECT_EQ(map(2, 3), ro.at(2, 3));
  const auto v = tb::as_eigen_vector(ro.select(0, 1));
  static_assert(!std::is_assignable_v<decltype(v(0)), double>, "no writes through it");
  EXPECT_EQ(v(2), ro.at(1, 2));
}

TEST(EigenMap, BroadcastOnlyReadOnly) {
  const auto row = tb::arange<double>(0, 4);
  const tb::Tensor<const double> b = row.unsqueeze(0).expand({3, 4}).as_read_only();
  const Eigen::MatrixXd dense = dense_copy(b);
  expect_map_matches(tb::as_eigen_matrix(b), dense);
  try {
    tb::as_eigen_matrix(row.unsqueeze(0).expand({3, 4}));
    ADD_FAILURE() << "writable map over a broadcast dimension";
  } catch (const tb::ValueError& e) {
    EXPECT_NE(std::string(e.what()).find("stride 0"), std::string::npos) << e.what();
  }
}

TEST(EigenMap, OtherElementTypes) {
  auto i = tb::arange<int32_t>(0, 12).view({3, 4}).t();
  const Eigen::VectorXi x = Eigen::VectorXi::LinSpaced(3, 1, 3);
  Eigen::VectorXi expected(4);
  for (int c = 0; c < 4; ++c) expected(c) = i.at(c, 0) * 1 + i.at(c, 1) * 2 + i.at(c, 2) * 3;
  EXPECT_EQ(tb::as_eigen_matrix(i) * x, expected);

  auto z = tb::zeros<tb::complex64>({2, 2});
  z.at(0, 1) = {1.f, 2.f};
  z.at(1, 0) = {0.f, -1.f};
  const auto zm = tb::as_eigen_matrix(z);
  const Eigen::Matrix2cf sq = zm * zm;
  EXPECT_EQ(sq(0, 0), (tb::complex64(1.f, 2.f) * tb::complex64(0.f, -1.f)));

  auto flags = tb::zeros<bool>({2, 3});
  tb::as_eigen_matrix(flags)(1, 2) = true;
  EXPECT_TRUE(flags.at(1, 2));
  EXPECT_EQ(tb::as_eigen_matrix(flags).count(), 1);
}

TEST(EigenMap, ShapesEigenCannotExpressRefused) {
  const auto cube = tb::zeros<double>({2, 3, 4});
  for (auto attempt : {+[](const tb::Tensor<double>& t) { tb::as_eigen_matrix(t); },
                       +[](const tb::Tensor<double>& t) { tb::as_eigen_vector(t); },
                       +[](const tb::Tensor<double>& t) { tb::as_eigen(t); }}) {
    try {
      attempt(cube);
      ADD_FAILURE() << "3-D tensor mapped";
    } catch (const tb::ValueError& e) {
      EXPECT_NE(std::string(e.what()).find("3-D"), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("[2, 3, 4]"), std::string::npos) << e.what();
    }
  }
  EXPECT_THROW(tb::as_eigen(tb::zeros<double>({})), tb::ValueError);
  EXPECT_THROW(tb::as_eigen_vector(tb::zeros<double>({2, 2})), tb::ValueError);
  EXPECT_THROW(tb::as_eigen_matrix(tb::zeros<double>({4})), tb::ValueError);
  EXPECT_THROW(tb::as_eigen_matrix(tb::Tensor<double>()), tb::ValueError);
}

TEST(EigenMap, CudaTensorRefused) {
  auto storage = tb::Storage::from_foreign(reinterpret_cast<void*>(uintptr_t{1} << 40), 32,
                                           tb::Device::cuda(0), [] {});
  const tb::Tensor<double> t(std::make_shared<tb::TensorImpl>(storage, 0, Shape{2, 2},
                                                               tb::Strides{2, 1},
                                                               tb::DType::Float64));
  EXPECT_THROW(tb::as_eigen_matrix(t), tb::DeviceError);
}

TEST(EigenMap, ZeroSize) {
  const auto t = tb::zeros<double>({0, 3});
  const auto map = tb::as_eigen_matrix(t);
  EXPECT_EQ(map.rows(), 0);
  EXPECT_EQ(map.cols(), 3);
  EXPECT_EQ((map * Eigen::VectorXd::Ones(3)).size(), 0);
}

// ---- Eigen -> tensor -----------------------------------------------------------------------

TEST(EigenBorrow, MatricesKeepStorageOrderAndShareMemory) {
  Eigen::MatrixXd col_major(3, 4);
  col_major << 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12;
  const auto t = tb::borrow_eigen(col_major);
  static_assert(std::is_same_v<decltype(t), const tb::Tensor<double>>);
  EXPECT_EQ(t.shape(), (Shape{3, 4}));
  EXPECT_EQ(t.strides(), (Shape{1, 3}));
  EXPECT_EQ(t.data(), col_major.data());
  EXPECT_EQ(t.at(1, 2), 7.0);
  t.at(2, 3) = -1;
  EXPECT_EQ(col_major(2, 3), -1);
  col_major(0, 0) = 100;
  EXPECT_EQ(t.at(0, 0), 100);

  Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> row_major(2, 3);
  row_major << 1, 2, 3, 4, 5, 6;
  const auto r = tb::borrow_eigen(row_major);
  EXPECT_EQ(r.strides(), (Shape{3, 1}));
  EXPECT_EQ(r.to_vector(), (std::vector<float>{1, 2, 3, 4, 5, 6}));
}

TEST(EigenBorrow, BlocksMapsAndRefsKeepTheirStrides) {
  Eigen::MatrixXd m(6, 5);
  for (int i = 0; i < 6; ++i) {
    for (int j = 0; j < 5; ++j) m(i, j) = 10 * i + j;
  }
  const auto block = tb::borrow_eigen(m.block(1, 2, 3, 2));
  EXPECT_EQ(block.shape(), (Shape{3, 2}));
  EXPECT_EQ(block.strides(), (Shape{1, 6}));
  EXPECT_EQ(block.at(2, 1), 33.0);

  const auto col = tb::borrow_eigen(m.col(3));
  EXPECT_EQ(col.shape(), (Shape{6}));
  EXPECT_EQ(col.strides(), (Shape{1}));
  const auto row = tb::borrow_eigen(m.row(4));  // a row of a column-major matrix
  EXPECT_EQ(row.shape(), (Shape{5}));
  EXPECT_EQ(row.strides(), (Shape{6}));
  EXPECT_EQ(row.to_vector(), (std::vector<double>{40, 41, 42, 43, 44}));

  Eigen::Map<Eigen::MatrixXd, 0, Eigen::Stride<Eigen::Dynamic, Eigen::Dynamic>> strided(
      m.data(), 2, 2, Eigen::Stride<Eigen::Dynamic, Eigen::Dynamic>(12, 2));
  const auto s = tb::borrow_eigen(strided);
  EXPECT_EQ(s.strides(), (Shape{2, 12}));
  EXPECT_EQ(s.at(1, 1), m(2, 2));

  Eigen::Ref<Eigen::MatrixXd> ref = m.topRightCorner(2, 3);
  const auto rt = tb::borrow_eigen(ref);
  EXPECT_EQ(rt.at(1, 0), m(1, 2));
  rt.at(1, 0) = -5;
  EXPECT_EQ(m(1, 2), -5);

  // A negative-stride map: the tensor's storage starts at the lowest byte it touches.
  Eigen::Map<Eigen::VectorXd, 0, Eigen::InnerStride<Eigen::Dynamic>> reversed(
      m.data() + 5, 6, Eigen::InnerStride<Eigen::Dynamic>(-1));
  const auto rev = tb::borrow_eigen(reversed);
  EXPECT_EQ(rev.strides(), (Shape{-1}));
  EXPECT_EQ(rev.data(), m.data() + 5);
  EXPECT_EQ(rev.storage()->data(), m.data());
  EXPECT_EQ(rev.to_vector(), (std::vector<double>{50, 40, 30, 20, 10, 0}));
}

TEST(EigenBorrow, ConstObjectsBecomeReadOnly) {
  const Eigen::Matrix3f m = Eigen::Matrix3f::Identity();
  const auto t = tb::borrow_eigen(m);
  static_assert(std::is_same_v<decltype(t), const tb::Tensor<const float>>);
  EXPECT_TRUE(t.is_read_only());
  EXPECT_THROW(tb::TensorBase(t).fill_(tb::Scalar(0)), tb::ReadOnlyError);

  float raw[4] = {1, 2, 3, 4};
  const Eigen::Map<const Eigen::Vector4f> cmap(raw);
  const auto c = tb::borrow_eigen(cmap);
  static_assert(std::is_same_v<decltype(c), const tb::Tensor<const float>>);
  EXPECT_EQ(c.data(), raw);
}

TEST(EigenBorrow, TensorToEigenToTensorIsTheSameMemory) {
  const auto t = grid(4, 6).t();
  const auto back = tb::borrow_eigen(tb::as_eigen_matrix(t));
  EXPECT_EQ(back.data(), t.data());
  EXPECT_EQ(back.shape(), t.shape());
  EXPECT_EQ(back.strides(), t.strides());
}

TEST(EigenOwn, FromEigenTakesTheBufferWithoutCopying) {
  tb::Tensor<double> t;
  const double* original = nullptr;
  {
    Eigen::MatrixXd m(300, 200);
    m.setRandom();
    const Eigen::MatrixXd expected = m;
    original = m.data();
    t = tb::from_eigen(std::move(m));
    EXPECT_EQ(t.data(), original);  // the heap buffer moved, not the values
    EXPECT_EQ(t.shape(), (Shape{300, 200}));
    EXPECT_EQ(t.strides(), (Shape{1, 300}));
    EXPECT_EQ(dense_copy(t), expected);
  }
  // The Eigen object is gone; the tensor owns its buffer now (ASan would see a use after free).
  t.at(299, 199) = 1.5;
  EXPECT_EQ(t.at(299, 199), 1.5);
  EXPECT_FALSE(t.is_read_only());

  Eigen::Array<int64_t, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> a(2, 3);
  a << 1, 2, 3, 4, 5, 6;
  const auto ta = tb::from_eigen(std::move(a));
  EXPECT_EQ(ta.strides(), (Shape{3, 1}));
  EXPECT_EQ(ta.to_vector(), (std::vector<int64_t>{1, 2, 3, 4, 5, 6}));

  Eigen::VectorXf v = Eigen::VectorXf::LinSpaced(5, 0, 4);
  const auto tv = tb::from_eigen(std::move(v));
  EXPECT_EQ(tv.shape(), (Shape{5}));
  EXPECT_EQ(tv.to_vector(), (std::vector<float>{0, 1, 2, 3, 4}));

  Eigen::Matrix2d fixed;  // fixed size: the values live in the object, which moves to the heap
  fixed << 1, 2, 3, 4;
  const auto tf = tb::from_eigen(std::move(fixed));
  EXPECT_EQ(tf.at(1, 0), 3.0);
}
