// The autograd engine and its semantics, one behaviour per test: leaves and grad_fn,
// accumulation into .grad, the errors PyTorch raises (non-scalar outputs, tensors without
// grad, a second backward through a freed graph, in-place changes of saved tensors, in-place
// writes to leaves), grad mode guards, hooks, retain_grad, autograd::grad, gradients of
// gradients, broadcasting and dtype promotion, deep graphs, custom functions.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "tensorbridge/autograd/autograd.hpp"
#include "tensorbridge/autograd/function.hpp"
#include "tensorbridge/autograd/gradcheck.hpp"
#include "tensorbridge/tensorbridge.hpp"

namespace tb = tensorbridge;
namespace ag = tb::autograd;
using tb::TensorBase;

namespace {

std::vector<double> values(const TensorBase& t) {
  return tb::Tensor<double>(t.to(tb::DType::Float64).contiguous()).to_vector();
}

TensorBase leaf(std::vector<double> v, tb::Shape shape) {
  TensorBase t = tb::from_vector(v, shape);
  t.requires_grad_();
  return t;
}

TensorBase total(const TensorBase& t) { return ag::sum_to(t, {}); }

// Runs fn and returns the message of the tb::Error it throws ("" when none).
template <typename Fn>
std::string error_of(Fn&& fn) {
  try {
    fn();
  } catch (const tb::Error& e) {
    return e.what();
  }
  return "";
}

bool contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

}  // namespace

TEST(AutogradLeaves, RequiresGradIsLeafGradFn) {
  TensorBase x = tb::zeros({2}, tb::DType::Float32);
  EXPECT_FALSE(x.requires_grad());
  EXPECT_TRUE(x.is_leaf());
  x.requires_grad_();
  EXPECT_TRUE(x.requires_grad());
  EXPECT_TRUE(x.is_leaf());
  EXPECT_EQ(x.grad_fn(), nullptr);
  TensorBase y = ag::mul(x, x);
  EXPECT_TRUE(y.requires_grad());
  EXPECT_FALSE(y.is_leaf());
  ASSERT_NE(y.grad_fn(), nullptr);
  EXPECT_STREQ(y.grad_fn()->name(), "MulBackward");
  EXPECT_STREQ(x.t().grad_fn()->name(), "ViewBackward");
  EXPECT_STREQ(x.clone().grad_fn()->name(), "CopyBackward");
  // Ops on tensors that do not require grad record nothing.
  TensorBase c = ag::mul(tb::ones({2}), tb::ones({2}));
  EXPECT_FALSE(c.requires_grad());
  EXPECT_EQ(c.impl()->autograd, nullptr);
}

TEST(AutogradLeaves, OnlyFloatingAndComplexTensorsCanRequireGrad) {
  TensorBase i = tb::zeros({2}, tb::DType::Int64);
  EXPECT_THROW(i.requires_grad_(), tb::TypeError);
  EXPECT_NO_THROW(tb::zeros({2}, tb::DType::Float64).requires_grad_());
  TensorBase y = ag::mul(leaf({1, 2}, {2}), leaf({3, 4}, {2}));
  EXPECT_THROW(y.requires_grad_(false), tb::Error);  // only leaves
}

TEST(AutogradBackward, AccumulatesIntoGradAcrossCalls) {
  TensorBase x = leaf({1, 2, 3}, {3});
  total(ag::mul(x, x)).backward();
  EXPECT_EQ(values(x.grad()), (std::vector<double>{2, 4, 6}));
  TensorBase g_first = x.grad();
  total(ag::mul(x, 3.0)).backward();
  EXPECT_EQ(values(x.grad()), (std::vector<double>{5, 7, 9}));
  // Later gradients are added in place into the same tensor, as in PyTorch.
  EXPECT_TRUE(x.grad().is_same(g_first));
  x.set_grad({});
  total(x).backward();
  EXPECT_EQ(values(x.grad()), (std::vector<double>{1, 1, 1}));
}

TEST(AutogradBackward, FirstGradientIsNotSharedWithTheGraph) {
  // d(x + y)/dx and d(x + y)/dy are the same tensor inside the engine; .grad must not alias.
  TensorBase x = leaf({1, 2}, {2});
  TensorBase y = leaf({3, 4}, {2});
  TensorBase seed = tb::from_vector<double>({1, 1}, {2});
  ag::add(x, y).backward(seed);
  EXPECT_NE(x.grad().data_ptr(), y.grad().data_ptr());
  EXPECT_NE(x.grad().data_ptr(), seed.data_ptr());
  total(ag::add(x, y)).backward();
  EXPECT_EQ(values(x.grad()), (std::vector<double>{2, 2}));
  EXPECT_EQ(values(y.grad()), (std::vector<double>{2, 2}));
  EXPECT_EQ(values(seed), (std::vector<double>{1, 1}));
}

TEST(AutogradBackward, ErrorsLikePyTorch) {
  TensorBase x = leaf({1, 2}, {2});
  const std::string non_scalar = error_of([&] { ag::mul(x, x).backward(); });
  EXPECT_TRUE(contains(non_scalar, "grad can be implicitly created only for scalar outputs"))
      << non_scalar;
  const std::string no_grad = error_of([] { tb::ones({1}).backward(); });
  EXPECT_TRUE(contains(no_grad,
                       "element 0 of tensors does not require grad and does not have a grad_fn"))
      << no_grad;
  TensorBase y = ag::mul(x, x);
  const std::string shape = error_of([&] { y.backward(tb::ones({3}, tb::DType::Float64)); });
  EXPECT_TRUE(contains(shape, "Mismatch in shape")) << shape;
}

TEST(AutogradBackward, SecondBackwardNeedsRetainGraph) {
  TensorBase x = leaf({1, 2}, {2});
  TensorBase y = total(ag::mul(x, x));
  y.backward();
  const std::string msg = error_of([&] { y.backward(); });
  EXPECT_TRUE(contains(msg, "backward through the graph a second time")) << msg;
  EXPECT_TRUE(contains(msg, "MulBackward")) << msg;
  EXPECT_TRUE(contains(msg, "retain_graph=true")) << msg;

  TensorBase z = total(ag::mul(x, x));
  x.set_grad({});
  z.backward({}, /*retain_graph=*/true);
  z.backward();
  EXPECT_EQ(values(x.grad()), (std::vector<double>{4, 8}));
}

TEST(AutogradBackward, InPlaceChangeOfSavedTensorNamesOpAndVersions) {
  TensorBase a = leaf({1, 2}, {2});
  TensorBase b = ag::mul(a, 2.0);  // a non-leaf, saved by the next mul
  TensorBase c = ag::mul(b, b);
  b.fill_(tb::Scalar(5.0));  // in place on a non-leaf: allowed, bumps the version
  const std::string msg = error_of([&] { total(c).backward(); });
  EXPECT_TRUE(contains(msg, "modified by an inplace operation")) << msg;
  EXPECT_TRUE(contains(msg, "MulBackward")) << msg;
  EXPECT_TRUE(contains(msg, "is at version 1; expected version 0")) << msg;
  // A write through a view bumps the same counter.
  TensorBase d = ag::mul(a, 2.0);
  TensorBase e = ag::mul(d, d);
  {
    tb::NoGradGuard no_grad;
    d.slice(0, 0, 1).fill_(tb::Scalar(0.0));
  }
  EXPECT_TRUE(contains(error_of([&] { total(e).backward(); }), "expected version 0"));
}

TEST(AutogradInPlace, LeafThatRequiresGradIsRefused) {
  TensorBase x = leaf({1, 2}, {2});
  const std::string msg = error_of([&] { x.fill_(tb::Scalar(0.0)); });
  EXPECT_TRUE(contains(msg, "a leaf Variable that requires grad is being used in an in-place "
                            "operation."))
      << msg;
  EXPECT_EQ(values(x), (std::vector<double>{1, 2}));  // refused before writing
  EXPECT_TRUE(contains(error_of([&] { x.copy_(tb::zeros({2}, tb::DType::Float64)); }),
                       "leaf Variable"));
  const std::string view_msg = error_of([&] { x.slice(0, 0, 1).fill_(tb::Scalar(0.0)); });
  EXPECT_TRUE(contains(view_msg, "a view of a leaf Variable")) << view_msg;
  // Under no_grad (how optimizers update parameters) it is allowed.
  {
    tb::NoGradGuard no_grad;
    x.fill_(tb::Scalar(7.0));
  }
  EXPECT_EQ(values(x), (std::vector<double>{7, 7}));
}

TEST(AutogradInPlace, CopyIntoNonLeafRebasesHistory) {
  TensorBase x = leaf({1, 2}, {2});
  TensorBase w = leaf({5, 6}, {2});
  TensorBase y = ag::mul(x, 3.0);
  y.copy_(ag::mul(w, w));  // y's old history (from x) is cut off; w now flows into y
  EXPECT_STREQ(y.grad_fn()->name(), "CopyInplaceBackward");
  total(ag::mul(y, 1.0)).backward();
  EXPECT_FALSE(x.grad().defined());
  EXPECT_EQ(values(w.grad()), (std::vector<double>{10, 12}));

  // A tensor that did not require grad starts to when a tensor that does is copied in.
  TensorBase buffer = tb::zeros({2}, tb::DType::Float64);
  buffer.copy_(w);
  EXPECT_TRUE(buffer.requires_grad());
  EXPECT_FALSE(buffer.is_leaf());
}

TEST(AutogradInPlace, WritesThroughViewsAreRefusedNotSilentlyWrong) {
  TensorBase w = leaf({5, 6}, {2});
  // Into a view of a plain buffer: the buffer would not know its elements now depend on w.
  TensorBase buffer = tb::zeros({3}, tb::DType::Float64);
  const std::string msg = error_of([&] { buffer.slice(0, 0, 2).copy_(w); });
  EXPECT_TRUE(contains(msg, "shares its memory with other tensors")) << msg;
  // Through a view of a non-leaf that requires grad.
  TensorBase y = ag::mul(w, 2.0);
  const std::string view_msg = error_of([&] { ag::add_(y.slice(0, 0, 1), 1.0); });
  EXPECT_TRUE(contains(view_msg, "in-place modification of a view")) << view_msg;
  // A fresh tensor is fine.
  TensorBase fresh = tb::zeros({2}, tb::DType::Float64);
  EXPECT_NO_THROW(fresh.copy_(w));
}

TEST(AutogradGradMode, GuardsNestAndRestore) {
  TensorBase x = leaf({1}, {1});
  EXPECT_TRUE(ag::GradMode::is_enabled());
  {
    tb::NoGradGuard no_grad;
    EXPECT_FALSE(ag::GradMode::is_enabled());
    EXPECT_FALSE(ag::mul(x, x).requires_grad());
    EXPECT_FALSE(x.t().requires_grad());
    {
      tb::EnableGradGuard enable;
      EXPECT_TRUE(ag::mul(x, x).requires_grad());
    }
    EXPECT_FALSE(ag::GradMode::is_enabled());
    {
      tb::SetGradEnabledGuard set(true);
      EXPECT_TRUE(ag::GradMode::is_enabled());
    }
  }
  EXPECT_TRUE(ag::GradMode::is_enabled());
}

TEST(AutogradDetach, SharesMemoryWithoutHistory) {
  TensorBase x = leaf({1, 2}, {2});
  TensorBase y = ag::mul(x, 2.0);
  TensorBase d = y.detach();
  EXPECT_FALSE(d.requires_grad());
  EXPECT_EQ(d.data_ptr(), y.data_ptr());
  EXPECT_EQ(d.version(), y.version());
  y.detach_();
  EXPECT_FALSE(y.requires_grad());
  EXPECT_TRUE(y.is_leaf());
}

TEST(AutogradHooks, HookReplacesGradientAndCanBeRemoved) {
  TensorBase x = leaf({1, 2}, {2});
  TensorBase y = ag::mul(x, 3.0);
  int calls = 0;
  const std::size_t id = y.register_hook([&](const TensorBase& g) {
    ++calls;
    return ag::mul(g, 10.0);
  });
  total(y).backward({}, true);
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(values(x.grad()), (std::vector<double>{30, 30}));
  y.remove_hook(id);
  x.set_grad({});
  total(y).backward();
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(values(x.grad()), (std::vector<double>{3, 3}));
  EXPECT_THROW(y.remove_hook(id), tb::ValueError);
}

TEST(AutogradHooks, LeafHookSeesGradientBeforeAccumulation) {
  TensorBase x = leaf({1, 2}, {2});
  std::vector<double> seen;
  x.register_hook([&](const TensorBase& g) {
    seen = values(g);
    return TensorBase();  // keep the gradient
  });
  total(ag::mul(x, x)).backward();
  EXPECT_EQ(seen, (std::vector<double>{2, 4}));
  EXPECT_EQ(values(x.grad()), (std::vector<double>{2, 4}));
}

TEST(AutogradHooks, RetainGradKeepsNonLeafGradientAfterHooks) {
  TensorBase x = leaf({1, 2}, {2});
  TensorBase y = ag::mul(x, x);
  y.retain_grad();
  y.register_hook([](const TensorBase& g) { return ag::mul(g, 2.0); });
  EXPECT_TRUE(y.retains_grad());
  total(ag::mul(y, 3.0)).backward();
  EXPECT_EQ(values(y.grad()), (std::vector<double>{6, 6}));
  EXPECT_EQ(values(x.grad()), (std::vector<double>{12, 24}));
  TensorBase z = ag::mul(x, x);
  total(z).backward();
  EXPECT_FALSE(z.grad().defined());  // not retained
}

TEST(AutogradGrad, ReturnsGradientsWithoutTouchingDotGrad) {
  TensorBase x = leaf({1, 2}, {2});
  TensorBase w = leaf({3, 4}, {2});
  TensorBase y = total(ag::mul(x, w));
  const auto g = ag::grad({y}, {x});
  EXPECT_EQ(values(g[0]), (std::vector<double>{3, 4}));
  EXPECT_FALSE(x.grad().defined());
  EXPECT_FALSE(w.grad().defined());
  // Gradient with respect to an intermediate tensor.
  TensorBase h = ag::mul(x, 2.0);
  TensorBase out = total(ag::mul(h, h));
  EXPECT_EQ(values(ag::grad({out}, {h})[0]), (std::vector<double>{4, 8}));
}

TEST(AutogradGrad, UnusedInputs) {
  TensorBase x = leaf({1}, {1});
  TensorBase unused = leaf({1}, {1});
  TensorBase y = total(ag::mul(x, x));
  const std::string msg = error_of([&] { ag::grad({y}, {unused}, {}, true); });
  EXPECT_TRUE(contains(msg, "appears to not have been used in the graph")) << msg;
  const auto g = ag::grad({y}, {x, unused}, {}, true, false, /*allow_unused=*/true);
  EXPECT_EQ(values(g[0]), (std::vector<double>{2}));
  EXPECT_FALSE(g[1].defined());
  EXPECT_THROW(ag::grad({y}, {tb::ones({1})}), tb::Error);
}

TEST(AutogradHigherOrder, SecondDerivativeOfCube) {
  TensorBase x = leaf({-1, 0.5, 2}, {3});
  TensorBase y = total(ag::mul(ag::mul(x, x), x));
  const auto dy = ag::grad({y}, {x}, {}, std::nullopt, /*create_graph=*/true);
  EXPECT_EQ(values(dy[0]), (std::vector<double>{3, 0.75, 12}));  // 3x^2
  EXPECT_TRUE(dy[0].requires_grad());
  const auto d2y = ag::grad({total(dy[0])}, {x});
  EXPECT_EQ(values(d2y[0]), (std::vector<double>{-6, 3, 12}));  // 6x
  // backward(create_graph) leaves a .grad that itself has history.
  TensorBase z = total(ag::mul(ag::mul(x, x), x));
  z.backward({}, std::nullopt, true);
  EXPECT_TRUE(x.grad().requires_grad());
  const auto third = ag::grad({total(x.grad())}, {x});
  EXPECT_EQ(values(third[0]), (std::vector<double>{-6, 3, 12}));
}

TEST(AutogradBroadcast, GradientsReducedToInputShapes) {
  TensorBase a = leaf({1, 2, 3}, {3, 1});
  TensorBase b = leaf({10, 20}, {1, 2});
  TensorBase c = ag::mul(a, b);  // [3, 2]
  EXPECT_EQ(c.shape(), (tb::Shape{3, 2}));
  total(c).backward();
  EXPECT_EQ(a.grad().shape(), (tb::Shape{3, 1}));
  EXPECT_EQ(values(a.grad()), (std::vector<double>{30, 30, 30}));
  EXPECT_EQ(values(b.grad()), (std::vector<double>{6, 6}));
  TensorBase s = leaf({2}, {});
  total(ag::mul(tb::ones({4, 5}, tb::DType::Float64), s)).backward();
  EXPECT_EQ(s.grad().dim(), 0);
  EXPECT_EQ(values(s.grad()), (std::vector<double>{20}));
}

// sum_to adds each output element's terms in row-major order of the summed indices (the
// order of a plain loop over the gradient), whatever the pattern of summed dimensions:
// compared bit for bit with that loop on values whose sums depend on the order.
TEST(AutogradBroadcast, SumToAddsInRowMajorOrder) {
  const std::vector<std::pair<tb::Shape, tb::Shape>> cases = {
      {{64, 128}, {128}}, {{64, 128}, {1, 128}}, {{6, 7}, {6, 1}},
      {{2, 3, 4}, {3, 1}}, {{2, 3, 4}, {2, 1, 4}}, {{5, 3}, {}}};
  uint32_t state = 12345;
  for (const auto& [from, to] : cases) {
    const int64_t n = tb::checked_numel(from, "test");
    std::vector<float> g(static_cast<std::size_t>(n));
    for (float& v : g) {  // magnitudes from 1e-4 to 1e4: float sums depend on the order
      state = state * 1664525u + 1013904223u;
      v = std::ldexp(static_cast<float>(state >> 8) / 16777216.0f - 0.5f,
                     static_cast<int>(state % 27) - 13);
    }
    const TensorBase out = ag::sum_to(tb::from_vector(g, from), to);
    ASSERT_EQ(out.shape(), to);
    // The reference: one pass over g in memory order, each term added to its output.
    const tb::Shape padded = [&] {
      tb::Shape p(from.size() - to.size(), 1);
      p.insert(p.end(), to.begin(), to.end());
      return p;
    }();
    std::vector<float> expected(static_cast<std::size_t>(tb::checked_numel(to, "test")), 0.0f);
    std::vector<int64_t> index(from.size(), 0);
    for (int64_t i = 0; i < n; ++i) {
      int64_t o = 0;
      for (std::size_t d = 0; d < from.size(); ++d) {
        o = o * padded[d] + (padded[d] == 1 ? 0 : index[d]);
      }
      expected[static_cast<std::size_t>(o)] += g[static_cast<std::size_t>(i)];
      for (std::size_t d = from.size(); d-- > 0;) {
        if (++index[d] < from[d]) break;
        index[d] = 0;
      }
    }
    const std::vector<float> got = tb::Tensor<float>(out.contiguous()).to_vector();
    for (std::size_t i = 0; i < got.size(); ++i) {
      EXPECT_EQ(got[i], expected[i]) << tb::shape_str(from) << " -> " << tb::shape_str(to)
                                     << " at " << i;
    }
  }
  // A non-contiguous gradient (a transposed view) takes the strided path: integer values,
  // so the sums are exact in any order.
  const TensorBase t = tb::from_vector<double>({1, 2, 3, 4, 5, 6}, {2, 3}).t();  // [3, 2]
  EXPECT_EQ(values(ag::sum_to(t, {1, 2})), (std::vector<double>{6, 15}));
  EXPECT_EQ(values(ag::sum_to(t, {3, 1})), (std::vector<double>{5, 7, 9}));
}

TEST(AutogradBroadcast, GradientCastBackToInputDtype) {
  TensorBase f = tb::from_vector<float>({1, 2}, {2});
  f.requires_grad_();
  TensorBase d = leaf({3, 4}, {2});
  TensorBase y = ag::mul(f, d);
  EXPECT_EQ(y.dtype(), tb::DType::Float64);
  total(y).backward();
  EXPECT_EQ(f.grad().dtype(), tb::DType::Float32);
  EXPECT_EQ(values(f.grad()), (std::vector<double>{3, 4}));
  TensorBase h = f.to(tb::DType::Float64);
  EXPECT_STREQ(h.grad_fn()->name(), "CopyBackward");
}

TEST(AutogradDeepGraph, HundredThousandOpChainBackwardAndTeardown) {
  TensorBase x = leaf({1.0}, {1});
  TensorBase y = x;
  const int n = 100000;
  for (int i = 0; i < n; ++i) y = ag::mul(y, 1.0);
  y = ag::add(y, 0.0);
  total(y).backward();
  EXPECT_EQ(values(x.grad()), (std::vector<double>{1.0}));
  // Dropping the last handle destroys the whole chain without recursion.
  y = TensorBase();
  TensorBase z = x;
  for (int i = 0; i < n; ++i) z = ag::mul(ag::add(z, 1.0), 1.0);
  z = TensorBase();
  SUCCEED();
}

TEST(AutogradViews, GradientsOfEveryViewKind) {
  TensorBase x = leaf({0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, {3, 4});
  auto check = [&](const TensorBase& view, std::vector<double> expected) {
    x.set_grad({});
    TensorBase weights = tb::arange(1.0, double(view.numel() + 1), 1.0, tb::DType::Float64)
                             .reshape(view.shape());
    total(ag::mul(view, weights)).backward();
    EXPECT_EQ(values(x.grad()), expected);
  };
  check(x.t(), {1, 4, 7, 10, 2, 5, 8, 11, 3, 6, 9, 12});
  check(x.slice(1, 1, 4, 2), {0, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6});
  check(x.select(0, 1), {0, 0, 0, 0, 1, 2, 3, 4, 0, 0, 0, 0});
  check(x.flip({1}), {4, 3, 2, 1, 8, 7, 6, 5, 12, 11, 10, 9});
  check(x.diagonal(), {1, 0, 0, 0, 0, 2, 0, 0, 0, 0, 3, 0});
  check(x.reshape({2, 6}), {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12});
  check(x.unsqueeze(0).expand({2, 3, 4}),
        {14, 16, 18, 20, 22, 24, 26, 28, 30, 32, 34, 36});  // k + (k + 12)
  check(x.t().reshape({12}), {1, 4, 7, 10, 2, 5, 8, 11, 3, 6, 9, 12});  // copy then view
  check(x.permute({1, 0}).slice(0, 0, 4, 3), {1, 0, 0, 4, 2, 0, 0, 5, 3, 0, 0, 6});
  // A view of an expanded (self-overlapping) tensor.
  TensorBase r = leaf({1, 2}, {2});
  total(ag::mul(r.unsqueeze(0).expand({3, 2}).t(),
                tb::from_vector<double>({1, 2, 3, 4, 5, 6}, {2, 3})))
      .backward();
  EXPECT_EQ(values(r.grad()), (std::vector<double>{6, 15}));
}

TEST(AutogradViews, Gradcheck) {
  TensorBase x = leaf({0.1, -0.4, 0.7, 1.3, 2.0, -1.1}, {2, 3});
  for (auto view : std::vector<std::function<TensorBase(const TensorBase&)>>{
           [](const TensorBase& t) { return t.t(); },
           [](const TensorBase& t) { return t.slice(1, 0, 3, 2).flip({0}); },
           [](const TensorBase& t) { return t.unsqueeze(1).expand({2, 4, 3}); },
           [](const TensorBase& t) { return t.transpose(0, 1).reshape({6}); },
           [](const TensorBase& t) { return t.diagonal(1); },
           [](const TensorBase& t) { return t.narrow(1, 1, 2).squeeze(); },
       }) {
    EXPECT_TRUE(ag::gradcheck(
        [&](const std::vector<TensorBase>& in) {
          TensorBase v = view(in[0]);
          return ag::mul(v, v);
        },
        {x}));
    EXPECT_TRUE(ag::gradgradcheck(
        [&](const std::vector<TensorBase>& in) {
          TensorBase v = view(in[0]);
          return ag::mul(v, v);
        },
        {x}));
  }
}

namespace {
struct Cube : ag::Function<Cube> {
  static TensorBase forward(ag::AutogradContext* ctx, const TensorBase& x, double scale) {
    ctx->save_for_backward({x});
    ctx->saved_data["scale"] = scale;
    return ag::mul(ag::mul(ag::mul(x, x), x), scale);
  }
  static std::vector<TensorBase> backward(ag::AutogradContext* ctx, std::vector<TensorBase> g) {
    const TensorBase x = ctx->get_saved_variables()[0];
    const double scale = std::any_cast<double>(ctx->saved_data["scale"]);
    return {ag::mul(ag::mul(g[0], ag::mul(x, x)), 3.0 * scale), TensorBase()};
  }
};

struct SplitSum : ag::Function<SplitSum> {  // two outputs, one unused
  static std::vector<TensorBase> forward(ag::AutogradContext*, const TensorBase& a,
                                         const TensorBase& b) {
    return {ag::add(a, b), ag::sub(a, b)};
  }
  static std::vector<TensorBase> backward(ag::AutogradContext*, std::vector<TensorBase> g) {
    return {ag::add(g[0], g[1]), ag::sub(g[0], g[1])};
  }
};
}  // namespace

TEST(AutogradFunction, CustomForwardBackward) {
  TensorBase x = leaf({1, 2}, {2});
  TensorBase y = Cube::apply(x, 2.0);
  EXPECT_EQ(values(y), (std::vector<double>{2, 16}));
  EXPECT_TRUE(contains(y.grad_fn()->name(), "CubeBackward")) << y.grad_fn()->name();
  total(y).backward();
  EXPECT_EQ(values(x.grad()), (std::vector<double>{6, 24}));
  EXPECT_TRUE(ag::gradcheck([](const std::vector<TensorBase>& in) { return Cube::apply(in[0], 0.5); },
                            {leaf({0.3, -1.2, 2.0}, {3})}));
  // Higher order through a custom backward written with differentiable ops.
  TensorBase z = leaf({2}, {1});
  const auto dz = ag::grad({total(Cube::apply(z, 1.0))}, {z}, {}, std::nullopt, true);
  EXPECT_EQ(values(ag::grad({total(dz[0])}, {z})[0]), (std::vector<double>{12}));
  // Nothing recorded without inputs that require grad.
  EXPECT_FALSE(Cube::apply(tb::ones({2}, tb::DType::Float64), 1.0).requires_grad());
}

TEST(AutogradFunction, MultipleOutputsMaterializeMissingGradients) {
  TensorBase a = leaf({1, 2}, {2});
  TensorBase b = leaf({5, 7}, {2});
  const auto outs = SplitSum::apply(a, b);
  ASSERT_EQ(outs.size(), 2u);
  total(outs[0]).backward();  // the second output gets zeros
  EXPECT_EQ(values(a.grad()), (std::vector<double>{1, 1}));
  EXPECT_EQ(values(b.grad()), (std::vector<double>{1, 1}));
  EXPECT_TRUE(ag::gradcheck(
      [](const std::vector<TensorBase>& in) {
        const auto o = SplitSum::apply(in[0], in[1]);
        return ag::mul(o[0], o[1]);
      },
      {leaf({0.5, 1.5}, {2}), leaf({-0.5, 2.5}, {2})}));
}

TEST(AutogradGradcheck, DetectsAWrongFormula) {
  struct Wrong : ag::Function<Wrong> {
    static TensorBase forward(ag::AutogradContext*, const TensorBase& x) { return ag::mul(x, x); }
    static std::vector<TensorBase> backward(ag::AutogradContext*, std::vector<TensorBase> g) {
      return {g[0]};  // should be 2x * g
    }
  };
  TensorBase x = leaf({1.0, 2.0}, {2});
  const std::string msg = error_of([&] {
    ag::gradcheck([](const std::vector<TensorBase>& in) { return Wrong::apply(in[0]); }, {x});
  });
  EXPECT_TRUE(contains(msg, "Jacobian mismatch")) << msg;
  EXPECT_FALSE(ag::gradcheck([](const std::vector<TensorBase>& in) { return Wrong::apply(in[0]); },
                             {x}, 1e-6, 1e-5, 1e-3, false));
  EXPECT_THROW(ag::gradcheck([](const std::vector<TensorBase>& in) { return ag::mul(in[0], in[0]); },
                             {[] {
                               TensorBase f = tb::ones({2});
                               f.requires_grad_();
                               return f;
                             }()}),
               tb::TypeError);
}
