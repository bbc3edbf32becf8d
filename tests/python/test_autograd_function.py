"""Custom differentiable functions written in Python (tensorbridge.autograd.Function) and
gradcheck/gradgradcheck from Python: finite differences in float64 confirm the gradients of
the nn ops, of views, and of custom functions, and catch a wrong backward."""

from __future__ import annotations

import numpy as np
import pytest

import tensorbridge as tb
import tensorbridge.nn.functional as F
from tensorbridge.autograd import Function, gradcheck, gradgradcheck

torch = pytest.importorskip("torch")


def arr(t):
    return np.array(t.detach().numpy(), dtype=np.float64)


def leaf(values, dtype=tb.float64):
    return tb.tensor(np.asarray(values, dtype=np.float64), dtype=dtype, requires_grad=True)


# ---- custom functions -----------------------------------------------------------------------
class NumpyCube(Function):
    """scale * x**3, computed in NumPy (the classic reason to write a custom Function)."""

    @staticmethod
    def forward(ctx, x, scale):
        ctx.save_for_backward(x)
        ctx.scale = scale
        ctx.seen_needs = ctx.needs_input_grad
        return tb.from_numpy(scale * x.detach().numpy() ** 3)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return tb.from_numpy(3 * ctx.scale * x.detach().numpy() ** 2 * grad.numpy()), None


class TorchCube(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, scale):
        ctx.save_for_backward(x)
        ctx.scale = scale
        return scale * x**3

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return 3 * ctx.scale * x**2 * grad, None


def test_custom_function_values_gradients_and_name_match_torch():
    values = [0.5, -1.5, 2.0]
    x = leaf(values)
    tx = torch.tensor(values, dtype=torch.float64, requires_grad=True)
    y, ty = NumpyCube.apply(x, 2.0), TorchCube.apply(tx, 2.0)
    np.testing.assert_allclose(arr(y), ty.detach().numpy())
    assert y.grad_fn.name() == ty.grad_fn.name().replace("Torch", "Numpy") == "NumpyCubeBackward"
    assert y.requires_grad and not y.is_leaf
    seed = np.array([1.0, -2.0, 0.5])
    y.backward(tb.tensor(seed))
    ty.backward(torch.tensor(seed))
    np.testing.assert_allclose(arr(x.grad), tx.grad.numpy())


def test_needs_input_grad_is_set_before_forward():
    x = leaf([1.0])
    y = NumpyCube.apply(x, 3.0)
    assert y.grad_fn is not None
    seen = []

    class Record(Function):
        @staticmethod
        def forward(ctx, a, b, k):
            seen.append(ctx.needs_input_grad)
            return a.clone()

        @staticmethod
        def backward(ctx, g):
            return g, None, None

    Record.apply(x, tb.tensor([2.0], dtype=tb.float64), 5)
    with tb.no_grad():
        out = Record.apply(x, x, 5)
    assert seen == [(True, False, False), (False, False, False)]
    assert not out.requires_grad and out.grad_fn is None


def test_function_without_inputs_that_require_grad_records_nothing():
    x = tb.tensor([1.0, 2.0], dtype=tb.float64)
    y = NumpyCube.apply(x, 1.0)
    assert not y.requires_grad and y.grad_fn is None


def test_multiple_outputs_mark_non_differentiable_and_materialized_grads():
    received = []

    class Split(Function):
        @staticmethod
        def forward(ctx, x):
            a, b, c = x.clone(), x.clone(), x.clone()
            ctx.mark_non_differentiable(c)
            return a, b, c

        @staticmethod
        def backward(ctx, ga, gb, gc):
            received.append((ga, gb, gc))
            return tb.from_numpy(ga.numpy() + 10 * gb.numpy())

    x = leaf([1.0, 2.0])
    a, b, c = Split.apply(x)
    assert a.requires_grad and b.requires_grad and not c.requires_grad
    assert a.grad_fn is b.grad_fn
    F.mse_loss(a, tb.zeros(2, dtype=tb.float64), reduction="sum").backward()
    ga, gb, _ = received[0]
    np.testing.assert_array_equal(arr(ga), [2.0, 4.0])
    np.testing.assert_array_equal(arr(gb), [0.0, 0.0])  # no gradient reached b: zeros
    np.testing.assert_array_equal(arr(x.grad), [2.0, 4.0])


def test_set_materialize_grads_false_passes_none():
    received = []

    class Pair(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.set_materialize_grads(False)
            return x.clone(), x.clone()

        @staticmethod
        def backward(ctx, ga, gb):
            received.append(gb)
            return ga

    x = leaf([1.0])
    a, _ = Pair.apply(x)
    a.backward(tb.ones(1, dtype=tb.float64))
    assert received == [None]


def test_returning_an_input_gives_a_new_tensor_with_the_functions_history():
    class PassThrough(Function):
        @staticmethod
        def forward(ctx, x):
            return x

        @staticmethod
        def backward(ctx, g):
            return tb.from_numpy(2 * g.numpy())

    x = leaf([3.0])
    y = PassThrough.apply(x)
    assert y is not x and x.is_leaf and y.grad_fn.name() == "PassThroughBackward"
    assert y.data_ptr() == x.data_ptr()
    y.backward(tb.ones(1, dtype=tb.float64))
    np.testing.assert_array_equal(arr(x.grad), [2.0])


def test_custom_function_errors():
    class WrongCount(Function):
        @staticmethod
        def forward(ctx, x, y):
            return x.clone()

        @staticmethod
        def backward(ctx, g):
            return (g,)

    with pytest.raises(ValueError, match="WrongCountBackward returned an incorrect number of gradients"):
        WrongCount.apply(leaf([1.0]), leaf([2.0])).backward(tb.ones(1, dtype=tb.float64))

    class Raises(Function):
        @staticmethod
        def forward(ctx, x):
            return x.clone()

        @staticmethod
        def backward(ctx, g):
            raise ArithmeticError("in backward")

    with pytest.raises(ArithmeticError, match="in backward"):
        Raises.apply(leaf([1.0])).backward(tb.ones(1, dtype=tb.float64))

    x = leaf([1.0, 2.0])
    h = x.clone()
    y = NumpyCube.apply(h, 1.0)
    h.zero_()
    with pytest.raises(RuntimeError, match=r"NumpyCubeBackward.*version 1; expected version 0"):
        y.backward(tb.ones(2, dtype=tb.float64))
    with pytest.raises(NotImplementedError, match="forward"):
        Function.apply(x)


def test_saved_tensors_are_freed_after_backward():
    x = leaf([1.0])
    y = NumpyCube.apply(x, 1.0)
    y.backward(tb.ones(1, dtype=tb.float64))
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        y.backward(tb.ones(1, dtype=tb.float64))


# ---- gradcheck --------------------------------------------------------------------------------
def _rand(*shape, seed=0):
    return tb.tensor(np.random.default_rng(seed).standard_normal(shape), requires_grad=True)


GRADCHECK_CASES = {
    "tanh": (lambda x: F.tanh(x), [(3, 4)]),
    "sigmoid": (lambda x: F.sigmoid(x), [(5,)]),
    "gelu": (lambda x: F.gelu(x), [(2, 3)]),
    "gelu_tanh": (lambda x: F.gelu(x, approximate="tanh"), [(2, 3)]),
    "softmax": (lambda x: F.softmax(x, dim=1), [(2, 5)]),
    "log_softmax": (lambda x: F.log_softmax(x, dim=0), [(4, 3)]),
    "linear": (lambda x, w, b: F.linear(x, w, b), [(3, 4), (2, 4), (2,)]),
    "linear_3d": (lambda x, w: F.linear(x, w), [(2, 3, 4), (5, 4)]),
    "mse": (lambda x, t: F.mse_loss(x, t), [(3, 2), (3, 2)]),
    "l1": (lambda x, t: F.l1_loss(x, t, reduction="sum"), [(3, 2), (3, 2)]),
    "bce_logits": (lambda x: F.binary_cross_entropy_with_logits(x, tb.full((4,), 0.25, dtype=tb.float64)), [(4,)]),
    "cross_entropy": (lambda x: F.cross_entropy(x, tb.tensor([0, 2, 1]), label_smoothing=0.1), [(3, 4)]),
    "transpose_view": (lambda x: F.tanh(x.transpose(0, 1)), [(3, 4)]),
    "permute_flip": (lambda x: F.sigmoid(x.permute(2, 0, 1).flip(0)), [(2, 3, 2)]),
    "expand": (lambda x: F.tanh(x.expand(3, 4)), [(1, 4)]),
    "slice_select": (lambda x: F.tanh(x[1:, ::2].select(1, 1)), [(4, 5)]),
    "narrow_reshape": (lambda x: F.sigmoid(x.narrow(1, 1, 2).reshape(-1)), [(3, 4)]),
    "noncontiguous_input": (lambda x: F.linear(x.t(), x), [(3, 3)]),
    "cast_roundtrip": (lambda x: F.tanh(x.float().double()), [(3,)]),
}


@pytest.mark.parametrize("name", list(GRADCHECK_CASES))
def test_gradcheck_of_ops_and_views(name):
    fn, shapes = GRADCHECK_CASES[name]
    inputs = [_rand(*s, seed=i) for i, s in enumerate(shapes)]
    if name == "cast_roundtrip":
        assert gradcheck(fn, inputs, eps=1e-3, atol=1e-4, rtol=1e-3)  # float32 in the middle
    else:
        assert gradcheck(fn, inputs)


@pytest.mark.parametrize("name", ["tanh", "sigmoid", "softmax", "log_softmax", "linear", "transpose_view", "expand"])
def test_gradgradcheck(name):
    fn, shapes = GRADCHECK_CASES[name]
    assert gradgradcheck(fn, [_rand(*s, seed=i) for i, s in enumerate(shapes)])


def test_gradcheck_of_a_custom_function_and_several_outputs():
    assert gradcheck(lambda x: NumpyCube.apply(x, 1.5), (_rand(4),))
    assert gradcheck(lambda x: (F.tanh(x), F.sigmoid(x)), _rand(3))
    assert gradcheck(F.tanh, _rand(2))


def test_gradcheck_catches_a_wrong_backward():
    class WrongCube(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return tb.from_numpy(x.detach().numpy() ** 3)

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return tb.from_numpy(2 * x.detach().numpy() ** 2 * g.numpy())  # should be 3 x^2

    x = _rand(3)
    with pytest.raises(RuntimeError, match="Jacobian mismatch for output 0 with respect to input 0"):
        gradcheck(WrongCube.apply, (x,))
    assert gradcheck(WrongCube.apply, (x,), raise_exception=False) is False


def test_gradcheck_wants_float64():
    with pytest.raises(TypeError, match="float64"):
        gradcheck(F.tanh, (tb.zeros(2, requires_grad=True),))
