// gradcheck (finite differences in float64) on every differentiable op, with shapes that
// broadcast and inputs that are not contiguous (transposed, strided, flipped), and
// gradgradcheck on the ops whose formulas are themselves differentiable.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "tensorbridge/autograd/autograd.hpp"
#include "tensorbridge/tensorbridge.hpp"
#include "gradcheck_util.hpp"

namespace tb = tensorbridge;
namespace ag = tb::autograd;
using tb::Scalar;
using tb::Shape;
using tb::TensorBase;
using Inputs = std::vector<TensorBase>;

namespace {

// Deterministic values in [lo, hi) (a small LCG, so the test does not depend on RNG ops).
TensorBase values(const Shape& shape, double lo = -1.5, double hi = 1.5, uint64_t seed = 1) {
  return gradtest::lcg_values(shape, lo, hi, seed * 6364136223846793005ull + 1442695040888963407ull);
}

TensorBase leaf(const Shape& shape, double lo = -1.5, double hi = 1.5, uint64_t seed = 1) {
  TensorBase t = values(shape, lo, hi, seed);
  t.requires_grad_();
  return t;
}

// A leaf of `shape` laid out transposed in memory (its last two dims swapped).
TensorBase transposed_leaf(const Shape& shape, double lo = -1.5, double hi = 1.5,
                           uint64_t seed = 2) {
  Shape swapped = shape;
  std::swap(swapped[swapped.size() - 1], swapped[swapped.size() - 2]);
  TensorBase t = values(swapped, lo, hi, seed).transpose(-1, -2).detach();
  t.requires_grad_();
  EXPECT_FALSE(t.is_contiguous());
  return t;
}

// A leaf that is every other element of a bigger buffer, flipped.
TensorBase strided_leaf(int64_t n, double lo = -1.5, double hi = 1.5, uint64_t seed = 3) {
  TensorBase t = values({2 * n}, lo, hi, seed).slice(0, std::nullopt, std::nullopt, -2).detach();
  t.requires_grad_();
  return t;
}

TensorBase ops_gt(const TensorBase& t) { return tb::ops::gt(t, Scalar(0.0)); }

void check(const std::string& name, const ag::GradcheckFn& fn, const Inputs& inputs,
           bool second_order = true) {
  gradtest::expect_gradchecks(name, fn, inputs, second_order);
}

}  // namespace

TEST(GradcheckElementwise, BinaryOpsWithBroadcasting) {
  const Inputs ab = {leaf({3, 1, 4}), transposed_leaf({2, 4})};
  check("add", [](const Inputs& x) { return ag::add(x[0], x[1], 0.5); }, ab);
  check("sub", [](const Inputs& x) { return ag::sub(x[0], x[1], 2); }, ab);
  check("mul", [](const Inputs& x) { return ag::mul(x[0], x[1]); }, ab);
  check("div", [](const Inputs& x) { return ag::div(x[0], x[1]); },
        {leaf({3, 1, 4}), transposed_leaf({2, 4}, 0.5, 2.0)});
  check("pow", [](const Inputs& x) { return ag::pow(x[0], x[1]); },
        {leaf({2, 3}, 0.5, 2.0), strided_leaf(3, -1.0, 2.0)});
  check("maximum", [](const Inputs& x) { return ag::maximum(x[0], x[1]); }, ab, false);
  check("minimum", [](const Inputs& x) { return ag::minimum(x[0], x[1]); }, ab, false);
  check("atan2", [](const Inputs& x) { return ag::atan2(x[0], x[1]); }, ab);
  check("remainder", [](const Inputs& x) { return ag::remainder(x[0], x[1]); },
        {leaf({5}, 0.3, 4.0), leaf({5}, 1.1, 1.9, 7)}, false);
  check("where", [](const Inputs& x) { return ag::where(ops_gt(x[0]), x[0], x[1]); }, ab);
}

TEST(GradcheckElementwise, ScalarOperands) {
  const Inputs a = {strided_leaf(4, 0.5, 2.0)};
  check("add_s", [](const Inputs& x) { return ag::add(x[0], Scalar(2.0), 3); }, a);
  check("radd", [](const Inputs& x) { return ag::add(Scalar(2.0), x[0], 3); }, a);
  check("rsub", [](const Inputs& x) { return ag::sub(Scalar(2.0), x[0]); }, a);
  check("mul_s", [](const Inputs& x) { return ag::mul(x[0], Scalar(-3.0)); }, a);
  check("div_s", [](const Inputs& x) { return ag::div(x[0], Scalar(4.0)); }, a);
  check("rdiv", [](const Inputs& x) { return ag::div(Scalar(4.0), x[0]); }, a);
  check("pow_s", [](const Inputs& x) { return ag::pow(x[0], Scalar(2.5)); }, a);
  check("rpow", [](const Inputs& x) { return ag::pow(Scalar(1.7), x[0]); }, a);
  check("max_s", [](const Inputs& x) { return ag::maximum(x[0], Scalar(1.0)); }, a, false);
  check("clamp", [](const Inputs& x) { return ag::clamp(x[0], Scalar(0.8), Scalar(1.6)); }, a,
        false);
  check("where_s", [](const Inputs& x) { return ag::where(ops_gt(x[0]), x[0], Scalar(0.5)); }, a);
}

TEST(GradcheckElementwise, UnaryOps) {
  const Inputs any = {transposed_leaf({3, 4})};
  const Inputs positive = {transposed_leaf({3, 4}, 0.3, 2.0)};
  const Inputs unit = {transposed_leaf({3, 4}, -0.9, 0.9)};
  check("neg", [](const Inputs& x) { return ag::neg(x[0]); }, any);
  check("abs", [](const Inputs& x) { return ag::abs(x[0]); }, any, false);
  check("exp", [](const Inputs& x) { return ag::exp(x[0]); }, any);
  check("expm1", [](const Inputs& x) { return ag::expm1(x[0]); }, any);
  check("log", [](const Inputs& x) { return ag::log(x[0]); }, positive);
  check("log1p", [](const Inputs& x) { return ag::log1p(x[0]); }, positive);
  check("log2", [](const Inputs& x) { return ag::log2(x[0]); }, positive);
  check("log10", [](const Inputs& x) { return ag::log10(x[0]); }, positive);
  check("sqrt", [](const Inputs& x) { return ag::sqrt(x[0]); }, positive);
  check("rsqrt", [](const Inputs& x) { return ag::rsqrt(x[0]); }, positive);
  check("sin", [](const Inputs& x) { return ag::sin(x[0]); }, any);
  check("cos", [](const Inputs& x) { return ag::cos(x[0]); }, any);
  check("tan", [](const Inputs& x) { return ag::tan(x[0]); }, unit);
  check("tanh", [](const Inputs& x) { return ag::tanh(x[0]); }, any);
  check("sigmoid", [](const Inputs& x) { return ag::sigmoid(x[0]); }, any);
  check("relu", [](const Inputs& x) { return ag::relu(x[0]); }, any, false);
  check("erf", [](const Inputs& x) { return ag::erf(x[0]); }, any);
  check("reciprocal", [](const Inputs& x) { return ag::reciprocal(x[0]); }, positive);
  check("square", [](const Inputs& x) { return ag::square(x[0]); }, any);
  check("gelu", [](const Inputs& x) { return ag::gelu(x[0]); }, any);
  check("gelu_tanh", [](const Inputs& x) { return ag::gelu(x[0], "tanh"); }, any);
  check("floor", [](const Inputs& x) { return ag::floor(x[0]); }, any, false);
}

TEST(GradcheckReduce, SumMeanProd) {
  const Inputs x = {transposed_leaf({2, 3, 4})};
  check("sum", [](const Inputs& x) { return ag::sum(x[0]); }, x);
  check("sum_dims", [](const Inputs& x) { return ag::sum(x[0], {0, 2}); }, x);
  check("sum_keepdim", [](const Inputs& x) { return ag::sum(x[0], {-1}, true); }, x);
  check("mean", [](const Inputs& x) { return ag::mean(x[0], {1}); }, x);
  check("mean_all", [](const Inputs& x) { return ag::mean(x[0]); }, x);
  check("prod", [](const Inputs& x) { return ag::prod(x[0], {2}); }, x);
  TensorBase with_zero = tb::from_vector<double>({0.0, 2.0, 3.0, 1.5, 0.5, -2.0}, {2, 3});
  with_zero.requires_grad_();
  check("prod_zero", [](const Inputs& x) { return ag::prod(x[0], {1}); }, {with_zero}, false);
  // An integer result is not differentiable: like a cast, it records nothing.
  const TensorBase whole = ag::sum(x[0] * 10.0, {}, false, tb::DType::Int64);
  EXPECT_EQ(whole.dtype(), tb::DType::Int64);
  EXPECT_FALSE(whole.requires_grad());
}

TEST(GradcheckReduce, ExtremesVarStdNorm) {
  const Inputs x = {transposed_leaf({3, 4})};
  check("amax", [](const Inputs& x) { return ag::amax(x[0], {1}); }, x, false);
  check("amin", [](const Inputs& x) { return ag::amin(x[0], {0}, true); }, x, false);
  check("max_all", [](const Inputs& x) { return ag::max(x[0]); }, x, false);
  check("min_all", [](const Inputs& x) { return ag::min(x[0]); }, x, false);
  check("max_dim", [](const Inputs& x) { return ag::max(x[0], 1).values; }, x, false);
  check("min_dim_keep", [](const Inputs& x) { return ag::min(x[0], 0, true).values; }, x, false);
  check("var", [](const Inputs& x) { return ag::var(x[0], {1}); }, x);
  check("var_all_c0", [](const Inputs& x) { return ag::var(x[0], {}, 0); }, x);
  check("std", [](const Inputs& x) { return ag::std(x[0], {0}); }, x);
  check("norm2", [](const Inputs& x) { return ag::norm(x[0], 2, {1}); }, x);
  check("norm1", [](const Inputs& x) { return ag::norm(x[0], 1); }, x, false);
  check("norm3", [](const Inputs& x) { return ag::norm(x[0], 3, {0}); }, x);
  check("norm_inf", [](const Inputs& x) { return ag::norm(x[0], INFINITY); }, x, false);
  // Ties share the gradient evenly, as in PyTorch.
  TensorBase t = tb::from_vector<double>({1, 3, 3, 2}, {4});
  t.requires_grad_();
  ag::max(t).backward();
  EXPECT_EQ(tb::Tensor<double>(t.grad()).to_vector(), (std::vector<double>{0, 0.5, 0.5, 0}));
}

TEST(GradcheckReduce, SoftmaxFamily) {
  const Inputs x = {transposed_leaf({3, 5})};
  check("logsumexp", [](const Inputs& x) { return ag::logsumexp(x[0], {1}); }, x);
  check("softmax", [](const Inputs& x) { return ag::softmax(x[0], 1); }, x);
  check("softmax0", [](const Inputs& x) { return ag::softmax(x[0], 0); }, x);
  check("log_softmax", [](const Inputs& x) { return ag::log_softmax(x[0], -1); }, x);
  check("cumsum", [](const Inputs& x) { return ag::cumsum(x[0], 1); }, x);
  check("cumprod", [](const Inputs& x) { return ag::cumprod(x[0], 0); },
        {transposed_leaf({3, 5}, 0.5, 1.5)});
}

TEST(GradcheckLinalg, MatrixProducts) {
  check("mm", [](const Inputs& x) { return ag::mm(x[0], x[1]); },
        {transposed_leaf({3, 4}), leaf({4, 2})});
  check("matmul_batched_broadcast", [](const Inputs& x) { return ag::matmul(x[0], x[1]); },
        {leaf({2, 1, 3, 4}), transposed_leaf({3, 4, 2})});
  check("matmul_vec_mat", [](const Inputs& x) { return ag::matmul(x[0], x[1]); },
        {strided_leaf(3), leaf({3, 2})});
  check("matmul_mat_vec", [](const Inputs& x) { return ag::matmul(x[0], x[1]); },
        {leaf({2, 3}), strided_leaf(3)});
  check("matmul_dot", [](const Inputs& x) { return ag::matmul(x[0], x[1]); },
        {strided_leaf(3), leaf({3})});
  check("bmm", [](const Inputs& x) { return ag::bmm(x[0], x[1]); },
        {leaf({2, 3, 4}), transposed_leaf({2, 4, 3})});
  check("mv", [](const Inputs& x) { return ag::mv(x[0], x[1]); },
        {transposed_leaf({3, 4}), strided_leaf(4)});
  check("dot", [](const Inputs& x) { return ag::dot(x[0], x[1]); }, {leaf({4}), strided_leaf(4)});
  check("outer", [](const Inputs& x) { return ag::outer(x[0], x[1]); },
        {leaf({3}), strided_leaf(2)});
  check("addmm", [](const Inputs& x) { return ag::addmm(x[0], x[1], x[2], 0.5, 2.0); },
        {leaf({4}), leaf({3, 2}), transposed_leaf({2, 4})});
  check("linear", [](const Inputs& x) { return ag::linear(x[0], x[1], x[2]); },
        {leaf({2, 3, 4}), transposed_leaf({5, 4}), leaf({5})});
  check("linear_1d_nobias", [](const Inputs& x) { return ag::linear(x[0], x[1]); },
        {strided_leaf(4), leaf({5, 4})});
}

TEST(GradcheckIndex, SelectGatherScatter) {
  const TensorBase idx = tb::from_vector<int64_t>({2, 0, 2}, {3});
  const TensorBase gidx = tb::from_vector<int64_t>({0, 2, 1, 1, 0, 0}, {2, 3});
  const Inputs x = {transposed_leaf({3, 4})};
  check("index_select", [&](const Inputs& x) { return ag::index_select(x[0], 0, idx); }, x);
  check("gather", [&](const Inputs& x) { return ag::gather(x[0], 1, gidx); }, x);
  check("scatter_add", [&](const Inputs& x) { return ag::scatter_add(x[0], 1, gidx, x[1]); },
        {leaf({2, 4}), leaf({2, 3})});
  const TensorBase sidx = tb::from_vector<int64_t>({0, 2, 1, 3, 0, 1}, {2, 3});
  check("scatter", [&](const Inputs& x) { return ag::scatter(x[0], 1, sidx, x[1]); },
        {leaf({2, 4}), leaf({2, 3})});
  check("index_add", [&](const Inputs& x) { return ag::index_add(x[0], 0, idx, x[1], 2.0); },
        {leaf({3, 4}), leaf({3, 4})});
  const TensorBase mask = tb::from_vector<double>({1, 0, 1, 1}, {4}).to(tb::DType::Bool);
  check("masked_fill", [&](const Inputs& x) { return ag::masked_fill(x[0], mask, 2.0); }, x);
  check("masked_select", [&](const Inputs& x) { return ag::masked_select(x[0], mask); }, x);
  const ag::IndexList adv = {tb::from_vector<int64_t>({1, 0, 1}, {3}), std::nullopt};
  check("index", [&](const Inputs& x) { return ag::index(x[0], adv); }, x);
  const ag::IndexList put = {tb::from_vector<int64_t>({1, 0, 1}, {3})};
  check("index_put_acc", [&](const Inputs& x) { return ag::index_put(x[0], put, x[1], true); },
        {leaf({3, 4}), leaf({4})});
  check("index_put", [&](const Inputs& x) {
          return ag::index_put(x[0], {tb::from_vector<int64_t>({2, 0}, {2})}, x[1], false);
        },
        {leaf({3, 4}), leaf({2, 4})});
}

TEST(GradcheckIndex, JoinSplitRepeatSort) {
  check("cat", [](const Inputs& x) { return ag::cat({x[0], x[1]}, 1); },
        {leaf({2, 3}), transposed_leaf({2, 2})});
  check("stack", [](const Inputs& x) { return ag::stack({x[0], x[1]}, 1); },
        {leaf({2, 3}), transposed_leaf({2, 3})});
  check("split", [](const Inputs& x) {
          const auto parts = ag::split(x[0], 2, 1);
          return ag::mul(parts[0], parts[1].narrow(1, 0, 2));
        },
        {leaf({2, 5})});
  check("chunk_unbind", [](const Inputs& x) {
          const auto rows = ag::unbind(x[0], 0);
          return ag::add(ag::mul(rows[0], rows[1]), ag::sum(ag::chunk(x[0], 2, 1)[0]));
        },
        {leaf({2, 4})});
  check("repeat", [](const Inputs& x) { return ag::repeat(x[0], {2, 1, 3}); }, {leaf({2, 2})});
  check("tile", [](const Inputs& x) { return ag::tile(x[0], {3}); }, {transposed_leaf({2, 3})});
  check("sort", [](const Inputs& x) { return ag::sort(x[0], 1, true).first; },
        {transposed_leaf({3, 4})});
  check("topk", [](const Inputs& x) { return ag::topk(x[0], 2, 0).first; },
        {transposed_leaf({3, 4})});
}

TEST(GradcheckNN, LossesAndEmbedding) {
  const TensorBase target = values({4, 3}, -1, 1, 9);
  for (auto red : {ag::Reduction::Mean, ag::Reduction::Sum, ag::Reduction::None}) {
    check("mse", [&](const Inputs& x) {
            return ag::pointwise_loss(ag::PointwiseLoss::Mse, x[0], x[1], red);
          },
          {transposed_leaf({4, 3}), leaf({4, 3}, -1, 1, 5)}, false);
    check("l1", [&](const Inputs& x) {
            return ag::pointwise_loss(ag::PointwiseLoss::L1, x[0], target, red);
          },
          {transposed_leaf({4, 3})}, false);
    check("bce", [&](const Inputs& x) {
            return ag::pointwise_loss(ag::PointwiseLoss::Bce, x[0], ag::sigmoid(target), red);
          },
          {transposed_leaf({4, 3}, 0.1, 0.9)}, false);
    check("bce_logits", [&](const Inputs& x) {
            return ag::pointwise_loss(ag::PointwiseLoss::BceWithLogits, x[0], x[1], red);
          },
          {transposed_leaf({4, 3}, -3, 3), leaf({4, 3}, 0, 1, 6)}, false);
  }
  const TensorBase classes = tb::from_vector<int64_t>({0, 2, -100, 1}, {4});
  ag::ClassLossOptions ce;
  ce.label_smoothing = 0.1;
  ce.weight = tb::from_vector<double>({1.0, 0.5, 2.0}, {3});
  check("cross_entropy", [&](const Inputs& x) { return ag::class_loss(x[0], classes, ce); },
        {transposed_leaf({4, 3})}, false);
  ag::ClassLossOptions probs;
  probs.reduction = ag::Reduction::None;
  check("cross_entropy_probs", [&](const Inputs& x) {
          return ag::class_loss(x[0], ag::softmax(target, 1), probs);
        },
        {transposed_leaf({4, 3})}, false);
  ag::ClassLossOptions nll;
  nll.log_softmax = false;
  nll.reduction = ag::Reduction::Sum;
  check("nll", [&](const Inputs& x) { return ag::class_loss(x[0], classes, nll); },
        {transposed_leaf({4, 3})}, false);
  const TensorBase ids = tb::from_vector<int64_t>({1, 3, 1, 0}, {2, 2});
  check("embedding", [&](const Inputs& x) { return ag::embedding(x[0], ids); },
        {leaf({4, 3})}, false);
}

TEST(GradcheckInPlace, InPlaceOpsOnNonLeaves) {
  check("add_", [](const Inputs& x) {
          TensorBase y = ag::mul(x[0], 1.0);
          ag::add_(y, x[1]);
          return y;
        },
        {leaf({3}), leaf({3}, -1, 1, 4)});
  check("mul_", [](const Inputs& x) {
          TensorBase y = ag::mul(x[0], 1.0);
          ag::mul_(y, x[1]);
          ag::mul_(y, y);
          return y;
        },
        {leaf({3}), leaf({3}, -1, 1, 4)});
  check("exp_tanh_", [](const Inputs& x) {
          TensorBase y = ag::mul(x[0], 1.0);
          ag::tanh_(ag::exp_(y));
          return y;
        },
        {leaf({3})});
  check("div_masked_fill_", [](const Inputs& x) {
          TensorBase y = ag::mul(x[0], 1.0);
          ag::div_(y, x[1]);
          ag::masked_fill_(y, tb::from_vector<double>({0, 1, 0}, {3}).to(tb::DType::Bool), 3.0);
          return y;
        },
        {leaf({3}), leaf({3}, 0.5, 1.5, 4)});
}
