"""Reductions and the matmul family from Python, against PyTorch (names, signatures, dtypes,
errors) and NumPy (values), on contiguous, transposed, strided and negative-stride inputs,
0-d and empty tensors; gradients checked by finite differences."""

from __future__ import annotations

import math

import numpy as np
import pytest

import tensorbridge as tb
from conftest import NUMPY_DTYPES, TORCH_DTYPES

torch = pytest.importorskip("torch")

INF = math.inf


def dtype_name(dtype):
    return str(dtype).split(".")[-1]


def to_numpy(x):
    if isinstance(x, tb.Tensor):
        return (x.float() if x.dtype == tb.bfloat16 else x).numpy()
    return (x.float() if x.dtype == torch.bfloat16 else x).detach().numpy()


def assert_same(ours, theirs, rtol=1e-6, atol=1e-9, dtype=True):
    """Same shape, dtype and values (NaN where NaN)."""
    assert isinstance(ours, tb.Tensor)
    assert tuple(ours.shape) == tuple(theirs.shape)
    if dtype:
        assert dtype_name(ours.dtype) == dtype_name(theirs.dtype)
    np.testing.assert_allclose(to_numpy(ours).astype(np.complex128 if ours.is_complex() else np.float64),
                               to_numpy(theirs).astype(np.complex128 if ours.is_complex() else np.float64),
                               rtol=rtol, atol=atol, equal_nan=True)


def same_outcome(call, rtol=1e-6, atol=1e-9):
    """call(lib) on tensorbridge and torch: equal results, or both raise."""
    try:
        theirs = call(torch)
    except (RuntimeError, TypeError, ValueError, IndexError, NotImplementedError):
        with pytest.raises((RuntimeError, TypeError, ValueError, IndexError)):
            call(tb)
        return
    ours = call(tb)
    if isinstance(theirs, tuple):
        assert isinstance(ours, tuple) and len(ours) == len(theirs)
        for o, t in zip(ours, theirs):
            assert_same(o, t, rtol, atol)
    else:
        assert_same(ours, theirs, rtol, atol)


def pair(array):
    """The same data as (tensorbridge, torch) tensors, each owning a copy."""
    return tb.from_numpy(array.copy()), torch.from_numpy(array.copy())


def sample(shape, seed=0, dtype=np.float64):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


# Layouts of one (2, 3, 4) logical tensor: each gives (tensorbridge, torch) with equal values.
def layouts():
    base = sample((4, 6, 8), seed=1)
    yield "contiguous", pair(base[:2, :3, :4].copy())
    ours, theirs = pair(base.transpose(2, 0, 1).copy())  # (8, 4, 6) in memory
    yield "permuted", (ours.permute(1, 2, 0)[:2, :3, :4], theirs.permute(1, 2, 0)[:2, :3, :4])
    ours, theirs = pair(base)
    yield "strided", (ours[::2, ::2, ::2], theirs[::2, ::2, ::2])
    ours, theirs = pair(base[:2, :3, :4].copy())
    yield "negative strides", (ours.flip(0, 2), theirs.flip(0, 2))  # a view in tensorbridge


LAYOUTS = list(layouts())

# (name, positional args after the input, keywords): each call is made with the same
# arguments on both libraries.
REDUCE_CASES = [
    ("sum", (), {}), ("sum", (0,), {}), ("sum", (-1,), {"keepdim": True}), ("sum", ((0, 2),), {}),
    ("sum", ([1, -1],), {"keepdim": True}), ("sum", ((),), {}), ("sum", (), {"dim": None}),
    ("sum", (), {"dtype": tb.float32}),
    ("mean", (), {}), ("mean", (1,), {}), ("mean", ((0, -1),), {"keepdim": True}),
    ("prod", (), {}), ("prod", (0,), {}), ("prod", (-1,), {"keepdim": True}),
    ("amax", (), {}), ("amax", (0,), {}), ("amax", ((0, 2),), {"keepdim": True}),
    ("amin", (-1,), {}), ("amin", ((1, 2),), {}),
    ("argmax", (), {}), ("argmax", (1,), {}), ("argmax", (-1,), {"keepdim": True}),
    ("argmin", (), {}), ("argmin", (0,), {"keepdim": True}),
    ("max", (), {}), ("max", (1,), {}), ("max", (-1, True), {}),
    ("min", (), {}), ("min", (0,), {}), ("min", (), {"dim": 2, "keepdim": True}),
    ("var", (), {}), ("var", (0,), {}), ("var", ((0, 2),), {"correction": 0}),
    ("var", (1, False), {}), ("var", (False,), {}), ("var", (), {"dim": -1, "correction": 2, "keepdim": True}),
    ("std", (), {}), ("std", (1,), {"unbiased": False}), ("std", ((0, 1),), {"keepdim": True}),
    ("norm", (), {}), ("norm", (1,), {}), ("norm", (3, 1), {}), ("norm", (INF,), {}),
    ("norm", (-INF, (0, 2)), {}), ("norm", (0,), {"dim": -1, "keepdim": True}), ("norm", ("fro", (1, 2)), {}),
    ("logsumexp", (0,), {}), ("logsumexp", ((0, 2),), {"keepdim": True}), ("logsumexp", (-1,), {}),
    ("cumsum", (0,), {}), ("cumsum", (-1,), {}), ("cumprod", (1,), {}),
    ("softmax", (0,), {}), ("softmax", (-1,), {}), ("log_softmax", (1,), {}),
    ("log_softmax", (-1,), {"dtype": tb.float32}),
]


def torch_args(args, kwargs):
    def conv(v):
        return TORCH_DTYPES[v] if isinstance(v, tb.dtype) else v
    return tuple(conv(a) for a in args), {k: conv(v) for k, v in kwargs.items()}


@pytest.mark.parametrize("layout", [name for name, _ in LAYOUTS])
@pytest.mark.parametrize("name,args,kwargs", REDUCE_CASES, ids=lambda v: repr(v))
def test_reductions_match_torch_on_every_layout(layout, name, args, kwargs):
    ours, theirs = dict(LAYOUTS)[layout]
    targs, tkwargs = torch_args(args, kwargs)
    expected = getattr(torch, name)(theirs, *targs, **tkwargs)
    for result in (getattr(tb, name)(ours, *args, **kwargs), getattr(ours, name)(*args, **kwargs)):
        if isinstance(expected, tuple):  # max/min with a dim: (values, indices)
            assert_same(result.values, expected.values)
            assert_same(result.indices, expected.indices)
        else:
            assert_same(result, expected, rtol=1e-12 if "float32" not in repr(kwargs) else 1e-6)


def test_reductions_match_numpy():
    a = sample((3, 4, 5), seed=2)
    x = tb.from_numpy(a)
    np.testing.assert_allclose(tb.sum(x, (0, 2)).numpy(), a.sum((0, 2)), rtol=1e-12)
    np.testing.assert_allclose(x.mean(1).numpy(), a.mean(1), rtol=1e-12)
    np.testing.assert_allclose(x.prod().item(), a.prod(), rtol=1e-12)
    np.testing.assert_allclose(x.var(2, correction=0).numpy(), a.var(2), rtol=1e-12)
    np.testing.assert_allclose(x.std((0, 1)).numpy(), a.std((0, 1), ddof=1), rtol=1e-12)
    np.testing.assert_allclose(x.norm(2, 1).numpy(), np.linalg.norm(a, 2, axis=1), rtol=1e-12)
    np.testing.assert_allclose(x.norm(1).item(), np.abs(a).sum(), rtol=1e-12)
    np.testing.assert_array_equal(x.amax(-1).numpy(), a.max(-1))
    np.testing.assert_array_equal(x.argmin(0).numpy(), a.argmin(0))
    np.testing.assert_allclose(x.cumsum(1).numpy(), a.cumsum(1), rtol=1e-12)
    np.testing.assert_allclose(x.cumprod(2).numpy(), a.cumprod(2), rtol=1e-12)
    np.testing.assert_allclose(tb.logsumexp(x, 1).numpy(), np.log(np.exp(a).sum(1)), rtol=1e-12)
    e = np.exp(a - a.max(0, keepdims=True))
    np.testing.assert_allclose(x.softmax(0).numpy(), e / e.sum(0, keepdims=True), rtol=1e-12)
    np.testing.assert_array_equal(tb.all(tb.from_numpy(a > 0), 1).numpy(), (a > 0).all(1))
    np.testing.assert_array_equal(tb.from_numpy(a > 1).any((0, 2)).numpy(), (a > 1).any((0, 2)))


def test_max_min_with_dim_return_named_pairs():
    x = tb.tensor([[1.0, 5.0, 3.0], [7.0, 2.0, 7.0]])
    r = tb.max(x, 1)
    assert isinstance(r, tuple) and type(r).__name__ == "max" and type(r).__module__ == "tensorbridge.return_types"
    values, indices = r
    assert values.tolist() == [5.0, 7.0] and indices.tolist() == [1, 0]  # first of ties, as torch
    assert r.values.tolist() == values.tolist() and r[1].tolist() == indices.tolist()
    assert r._fields == ("values", "indices")
    m = x.min(dim=0, keepdim=True)
    assert type(m).__name__ == "min" and m.values.shape == (1, 3) and m.indices.tolist() == [[0, 1, 0]]
    assert "values=tensor(" in repr(r) and "indices=tensor(" in repr(r)
    assert tb.return_types.max is type(r)


def test_max_min_with_a_tensor_are_elementwise():
    a, b = tb.tensor([1.0, 5.0, -2.0]), tb.tensor([3.0, 4.0, -1.0])
    assert tb.max(a, b).tolist() == [3.0, 5.0, -1.0]
    assert a.min(b).tolist() == [1.0, 4.0, -2.0]
    with pytest.raises(TypeError, match="keepdim"):
        tb.max(a, b, True)


SUM_DTYPES = [d for d in TORCH_DTYPES if d not in (tb.uint16, tb.uint32, tb.uint64)]


@pytest.mark.parametrize("dtype", SUM_DTYPES, ids=dtype_name)
@pytest.mark.parametrize("op", ["sum", "prod", "mean", "cumsum", "cumprod", "amax", "amin", "argmax",
                                "max", "all", "any", "var", "norm", "logsumexp", "softmax"])
def test_result_dtypes_match_torch(dtype, op):
    a = (np.arange(1, 13).reshape(3, 4) % 5)
    values = tb.tensor(a.tolist(), dtype=dtype)
    mirror = torch.tensor(a.tolist(), dtype=TORCH_DTYPES[dtype])
    if op == "logsumexp" and dtype.is_complex:
        pytest.skip("complex logsumexp is not implemented (torch has it)")
    args = (0,) if op in ("cumsum", "cumprod", "logsumexp", "softmax") else ()
    tol = 1e-2 if dtype in (tb.float16, tb.bfloat16) else 1e-6
    same_outcome(lambda lib: getattr(lib, op)(values if lib is tb else mirror, *args), rtol=tol, atol=tol)


@pytest.mark.parametrize("dtype", [tb.int8, tb.int32, tb.float16, tb.float64], ids=dtype_name)
def test_explicit_dtype_is_the_result_dtype(dtype):
    x, t = tb.tensor([[1, 2], [3, 4]], dtype=tb.int16), torch.tensor([[1, 2], [3, 4]], dtype=torch.int16)
    for op, args in [("sum", ()), ("sum", (1,)), ("prod", (0,)), ("cumsum", (1,)), ("cumprod", (0,))]:
        same_outcome(lambda lib: getattr(lib, op)(x if lib is tb else t, *args,
                                                  dtype=dtype if lib is tb else TORCH_DTYPES[dtype]))


def test_integer_sums_accumulate_in_int64():
    x = tb.full((1000,), 100, dtype=tb.int8)
    assert x.sum().dtype == tb.int64 and x.sum().item() == 100_000
    assert tb.tensor([2**31 - 1, 1], dtype=tb.int32).sum().item() == 2**31
    assert tb.ones(3, dtype=tb.bool).cumsum(0).tolist() == [1, 2, 3]


def test_float32_sums_are_accurate():
    ones = tb.ones(10**7)
    assert ones.sum().item() == 1e7  # naive float32 accumulation stops at 2**24
    assert ones.mean().item() == 1.0
    a = np.random.default_rng(3).random(10**6, dtype=np.float32)
    exact = a.astype(np.float64).sum()
    assert abs(tb.from_numpy(a).sum().item() - exact) / exact < 1e-6
    # 2**21 float32 tenths: adding them one by one drifts by 1.7%; along the inner dim, along an
    # outer dim (blocked pairwise) and through a transposed view, the error stays at rounding.
    m = np.full((2, 2**21), 0.1, dtype=np.float32)
    exact = m.shape[1] * np.float64(np.float32(0.1))
    for sums in (tb.from_numpy(m).sum(1), tb.from_numpy(m.T.copy()).sum(0), tb.from_numpy(m).t().sum(0)):
        assert np.abs(sums.numpy().astype(np.float64) - exact).max() / exact < 1e-6


@pytest.mark.parametrize("call", [
    lambda L: L.sum(L.zeros(0)), lambda L: L.prod(L.zeros(0)), lambda L: L.mean(L.zeros(0)),
    lambda L: L.sum(L.zeros(0, 3), 0), lambda L: L.sum(L.zeros(0, 3), 1, keepdim=True),
    lambda L: L.prod(L.zeros(2, 0), 1), lambda L: L.mean(L.zeros(0, 3), 0),
    lambda L: L.max(L.zeros(0)), lambda L: L.min(L.zeros(0, 3)), lambda L: L.amax(L.zeros(0)),
    lambda L: L.amax(L.zeros(0, 3), 0), lambda L: L.amax(L.zeros(0, 3), 1),
    lambda L: L.argmax(L.zeros(0)), lambda L: L.argmin(L.zeros(0, 2), 1),
    lambda L: L.max(L.zeros(0, 3), 1), lambda L: L.max(L.zeros(0, 3), 0),
    lambda L: L.logsumexp(L.zeros(0), 0), lambda L: L.cumsum(L.zeros(0, 2), 0),
    lambda L: L.softmax(L.zeros(2, 0), 1), lambda L: L.all(L.zeros(0)), lambda L: L.any(L.zeros(0)),
    lambda L: L.norm(L.zeros(0)), lambda L: L.var(L.zeros(0, 2), 1),
])
def test_empty_tensors_match_torch(call):
    same_outcome(call)


def test_sum_of_empty_is_zero_and_max_of_empty_raises():
    assert tb.sum(tb.zeros(0)).item() == 0 and tb.prod(tb.zeros(0)).item() == 1
    with pytest.raises(RuntimeError, match=r"max\(\): Expected reduction dim to be specified"):
        tb.max(tb.zeros(0))
    with pytest.raises(IndexError, match=r"max\(\): Expected reduction dim 0 to have non-zero size"):
        tb.zeros(0, 3).max(0)


@pytest.mark.parametrize("call", [
    lambda L: L.sum(L.tensor(2.5)), lambda L: L.sum(L.tensor(2.5), 0), lambda L: L.sum(L.tensor(2.5), -1, True),
    lambda L: L.mean(L.tensor(2.5), (0,)), lambda L: L.max(L.tensor(2.5)), lambda L: L.max(L.tensor(2.5), 0),
    lambda L: L.argmax(L.tensor(2.5), 0), lambda L: L.amin(L.tensor(2.5), 0, True),
    lambda L: L.cumsum(L.tensor(2.5), 0), lambda L: L.softmax(L.tensor(2.5), -1),
    lambda L: L.logsumexp(L.tensor(2.5), 0), lambda L: L.norm(L.tensor(-2.5)), lambda L: L.var(L.tensor(2.5), 0),
    lambda L: L.all(L.tensor(2.5), 0), lambda L: L.sum(L.tensor(2.5), 1),
])
def test_zero_dim_tensors_match_torch(call):
    same_outcome(call)


def test_nan_propagates_through_extremes():
    nan = float("nan")
    data = [[1.0, nan, 3.0], [4.0, 5.0, 6.0]]
    x, t = tb.tensor(data), torch.tensor(data)
    for op in ["max", "min", "amax", "amin", "argmax", "argmin"]:
        same_outcome(lambda lib: getattr(lib, op)(x if lib is tb else t))
        same_outcome(lambda lib: getattr(lib, op)(x if lib is tb else t, 1))
    assert math.isnan(tb.max(x).item()) and tb.argmax(x).item() == 1
    r = x.max(1)
    assert math.isnan(r.values[0].item()) and r.indices.tolist() == [1, 2]
    assert math.isnan(tb.sum(x).item()) and math.isnan(tb.logsumexp(x, 1)[0].item())
    assert math.isnan(x.softmax(1)[0, 0].item()) and x.softmax(1)[1].sum().item() == pytest.approx(1.0)


def test_var_std_signatures():
    a = sample((3, 4), seed=4)
    x, t = pair(a)
    assert_same(x.var(1, True), t.var(1, True))
    assert_same(x.var(0, unbiased=False, keepdim=True), t.var(0, unbiased=False, keepdim=True))
    assert_same(tb.std(x, correction=0.5), torch.std(t, correction=0.5))
    assert_same(tb.var(x, unbiased=True), torch.var(t, unbiased=True))
    with pytest.raises(TypeError, match="cannot pass both"):
        x.var(0, True, correction=1)
    with pytest.raises(TypeError, match=r"var\(\): argument 'correction' must be a number"):
        x.var(correction="one")


def test_norm_orders_and_dtype():
    a = sample((3, 4), seed=5)
    x, t = pair(a)
    for p in [0, 0.5, 1, 2, 3, INF, -INF, "fro"]:
        assert_same(tb.norm(x, p), torch.norm(t, p), rtol=1e-12)
        assert_same(x.norm(p, 1, True), t.norm(p, 1, True), rtol=1e-12)
    x32, t32 = pair(a.astype(np.float32))
    assert_same(tb.norm(x32, dtype=tb.float64), torch.norm(t32, dtype=torch.float64), rtol=1e-6)
    c, ct = pair(a.astype(np.complex64))
    assert_same(c.norm(1, dtype=tb.complex128), ct.norm(1, dtype=torch.complex128), rtol=1e-6)
    for dtype in [tb.float32, tb.int64, tb.complex128]:  # narrowing or real to complex: torch refuses
        same_outcome(lambda lib: lib.norm(x if lib is tb else t, dtype=dtype if lib is tb else getattr(torch, dtype_name(dtype))))
    with pytest.raises(TypeError, match=r"norm\(\): the dtype of the input \(float64\) should be .* to dtype=float32"):
        x.norm(dtype=tb.float32)
    with pytest.raises(ValueError, match="p='nuc' is not supported"):
        x.norm("nuc")


def test_softmax_with_dtype_matches_torch():
    a = sample((2, 5), seed=6, dtype=np.float32)
    x, t = pair(a)
    assert_same(tb.softmax(x, 1, dtype=tb.float64), torch.softmax(t, 1, dtype=torch.float64), rtol=1e-6)
    assert_same(x.log_softmax(0, tb.float64), t.log_softmax(0, torch.float64), rtol=1e-6)
    i, ti = tb.tensor([[1, 2, 3]]), torch.tensor([[1, 2, 3]])
    assert_same(tb.softmax(i, -1, dtype=tb.float32), torch.softmax(ti, -1, dtype=torch.float32), rtol=1e-6)


def test_all_any_with_dims():
    a = np.array([[True, False, True], [True, True, True]])
    x, t = pair(a)
    for args in [(), (0,), (1,), ((0, 1),), (-1, True)]:
        assert_same(tb.all(x, *args), torch.all(t, *args))
        assert_same(x.any(*args), t.any(*args))


def test_reduction_errors_name_the_op_and_the_problem():
    x = tb.zeros(2, 3)
    with pytest.raises(IndexError, match=r"sum: dimension out of range \(expected to be in range of \[-2, 1\], but got 2\)"):
        x.sum(2)
    with pytest.raises(IndexError, match="amax: dimension out of range"):
        tb.amax(x, (0, -3))
    with pytest.raises(ValueError, match=r"sum: dim 0 appears multiple times in the list of dims \[0, 0\]"):
        x.sum((0, 0))
    with pytest.raises(TypeError, match=r"mean\(\): could not infer output dtype.*Got: int64"):
        tb.arange(3).mean()
    with pytest.raises(TypeError, match="std and var only support floating point"):
        tb.arange(3).var()
    with pytest.raises(TypeError, match=r"argmax\(\): argument 'dim' must be an int, not tuple"):
        x.argmax((0, 1))
    with pytest.raises(TypeError, match=r"sum\(\): argument 'dim' must be an int, a tuple of ints or None, not str"):
        x.sum("0")
    with pytest.raises(TypeError, match=r"max\(\): keepdim needs a dim"):
        x.max(keepdim=True)
    with pytest.raises(TypeError, match="softmax: not supported for dtype int64"):
        tb.arange(3).softmax(0)
    with pytest.raises(TypeError, match="tensorbridge dtype"):
        x.sum(dtype=np.float32)


# ---- linear algebra ----------------------------------------------------------------------------

MATMUL_SHAPES = [
    ((3,), (3,)), ((2, 3), (3,)), ((3,), (3, 4)), ((2, 3), (3, 4)), ((5, 2, 3), (3, 4)),
    ((2, 3), (5, 3, 4)), ((1, 2, 3), (5, 3, 4)), ((2, 1, 2, 3), (3, 3, 2)), ((3,), (2, 3, 4)),
    ((2, 2, 3), (3,)), ((0, 3), (3, 4)), ((2, 0), (0, 4)), ((0, 2, 3), (3, 1)), ((1, 1), (1, 1)),
]


@pytest.mark.parametrize("shapes", MATMUL_SHAPES, ids=repr)
@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int64])
def test_matmul_matches_numpy_and_torch(shapes, dtype):
    a = (sample(shapes[0], 7) * 4).astype(dtype)
    b = (sample(shapes[1], 8) * 4).astype(dtype)
    x, t = pair(a)
    y, u = pair(b)
    tol = 1e-5 if dtype == np.float32 else 1e-12
    for result in (tb.matmul(x, y), x @ y, x.matmul(y)):
        np.testing.assert_allclose(result.numpy(), np.matmul(a, b), rtol=tol, atol=tol)
        assert_same(result, torch.matmul(t, u), rtol=tol, atol=tol)


def test_matmul_on_non_contiguous_and_negative_stride_operands():
    a, b = sample((6, 8), 9), sample((8, 10), 10)
    x, y = tb.from_numpy(a), tb.from_numpy(b)
    np.testing.assert_allclose((x.t() @ y.t().t()[:6]).numpy(), a.T @ b[:6], rtol=1e-12)
    np.testing.assert_allclose((x[::-1, ::2] @ y[::2, ::-3]).numpy(), a[::-1, ::2] @ b[::2, ::-3], rtol=1e-12)
    c = sample((3, 4, 5), 11)
    z = tb.from_numpy(c)
    np.testing.assert_allclose((z.mT @ z).numpy(), np.swapaxes(c, -1, -2) @ c, rtol=1e-12)
    np.testing.assert_allclose(tb.bmm(z.flip(0), z.permute(0, 2, 1)).numpy(), c[::-1] @ np.swapaxes(c, 1, 2), rtol=1e-12)


def test_mm_bmm_mv_dot_outer_addmm_match_torch():
    a, b, v, w = sample((3, 4), 1), sample((4, 2), 2), sample((4,), 3), sample((3,), 4)
    (x, t), (y, u), (p, q), (r, s) = pair(a), pair(b), pair(v), pair(w)
    assert_same(tb.mm(x, y), torch.mm(t, u), rtol=1e-12)
    assert_same(x.mm(y), t.mm(u), rtol=1e-12)
    assert_same(tb.mv(x, p), torch.mv(t, q), rtol=1e-12)
    assert_same(tb.dot(p, p), torch.dot(q, q), rtol=1e-12)
    assert_same(p.dot(p), q.dot(q), rtol=1e-12)
    assert_same(tb.outer(r, p), torch.outer(s, q), rtol=1e-12)
    assert_same(r.outer(p), s.outer(q), rtol=1e-12)
    c = sample((2, 3, 4), 5)
    d = sample((2, 4, 5), 6)
    (z, zt), (e, et) = pair(c), pair(d)
    assert_same(tb.bmm(z, e), torch.bmm(zt, et), rtol=1e-12)
    bias, biast = pair(sample((3, 2), 7))
    assert_same(tb.addmm(bias, x, y), torch.addmm(biast, t, u), rtol=1e-12)
    assert_same(tb.addmm(bias, x, y, beta=0.5, alpha=-2), torch.addmm(biast, t, u, beta=0.5, alpha=-2), rtol=1e-12)
    assert_same(bias.addmm(x, y, alpha=3), biast.addmm(t, u, alpha=3), rtol=1e-12)
    row, rowt = pair(sample((2,), 8))
    assert_same(tb.addmm(row, x, y, beta=2), torch.addmm(rowt, t, u, beta=2), rtol=1e-12)  # broadcast input
    nan_input = tb.full((3, 2), float("nan"), dtype=tb.float64)  # beta=0 ignores input, as in torch
    np.testing.assert_allclose(tb.addmm(nan_input, x, y, beta=0).numpy(), a @ b, rtol=1e-12)


def test_numpy_arrays_are_operands():
    a, b = sample((3, 4), 1), sample((4, 2), 2)
    x = tb.from_numpy(a)
    for result in (tb.matmul(a, tb.from_numpy(b)), tb.matmul(x, b), x @ b, x.matmul(b), tb.mm(a, b)):
        assert isinstance(result, tb.Tensor)
        np.testing.assert_allclose(result.numpy(), a @ b, rtol=1e-12)
    r = tb.from_numpy(b).__rmatmul__(a)  # a @ b with a NumPy array on the left
    assert isinstance(r, tb.Tensor)
    np.testing.assert_allclose(r.numpy(), a @ b, rtol=1e-12)
    left = a @ tb.from_numpy(b)  # NumPy defers to the tensor, or computes through __array__
    np.testing.assert_allclose(np.asarray(left), a @ b, rtol=1e-12)
    np.testing.assert_allclose(tb.dot(a[0], a[1]).item(), a[0] @ a[1], rtol=1e-12)
    np.testing.assert_allclose(tb.addmm(np.zeros(2), a, b, beta=1, alpha=2).numpy(), 2 * (a @ b), rtol=1e-12)


def test_imatmul_rebinds_like_torch():
    x, y = tb.ones(2, 3), tb.ones(3, 2)
    original = x
    x @= y
    assert x.shape == (2, 2) and original.shape == (2, 3) and original.tolist() == [[1.0] * 3] * 2
    t = torch.ones(2, 3)
    t_original = t
    t @= torch.ones(3, 2)
    assert tuple(t.shape) == tuple(x.shape) and t_original.shape == (2, 3)


def test_matmul_errors_name_the_op_shapes_and_dtypes():
    with pytest.raises(ValueError, match=r"matmul: shapes \[2, 3\] and \[2, 3\] cannot be multiplied"):
        tb.ones(2, 3) @ tb.ones(2, 3)
    with pytest.raises(ValueError, match=r"matmul: both arguments need to be at least 1-D, but got shapes \[\] and \[3\]"):
        tb.matmul(tb.tensor(1.0), tb.ones(3))
    with pytest.raises(TypeError, match="matmul: expected both operands to have the same dtype, but got float32 and float64"):
        tb.ones(2, 3) @ tb.ones(3, 2, dtype=tb.float64)
    with pytest.raises(ValueError, match=r"mm: expected 2-D tensors, but got shapes \[3\] and \[3\]"):
        tb.mm(tb.ones(3), tb.ones(3))
    with pytest.raises(ValueError, match=r"bmm: batch sizes differ \(2 != 3\)"):
        tb.bmm(tb.ones(2, 2, 3), tb.ones(3, 3, 2))
    with pytest.raises(ValueError, match=r"dot: inconsistent sizes \[3\] and \[4\]"):
        tb.dot(tb.ones(3), tb.ones(4))
    with pytest.raises(TypeError, match="matmul: not implemented for dtype bool"):
        tb.ones(2, 2, dtype=tb.bool) @ tb.ones(2, 2, dtype=tb.bool)
    with pytest.raises(TypeError, match=r"matmul\(\): argument 'other' must be a Tensor or an array, not str"):
        tb.ones(2).matmul("a")
    with pytest.raises(TypeError, match=r"addmm\(\): argument 'beta' must be a number, not str"):
        tb.addmm(tb.ones(2, 2), tb.ones(2, 2), tb.ones(2, 2), beta="x")
    with pytest.raises(TypeError):  # NotImplemented both ways: Python's own error
        tb.ones(2) @ "a"


# ---- gradients -------------------------------------------------------------------------------

def leaf(shape, seed):
    return tb.from_numpy(sample(shape, seed)).requires_grad_()


GRADCHECK_CASES = [
    ("sum", lambda x: tb.sum(x, (0, 2))), ("sum keepdim", lambda x: x.sum(-1, keepdim=True)),
    ("mean", lambda x: tb.mean(x, 1)), ("prod", lambda x: tb.prod(x, 1)), ("prod all", lambda x: x.prod()),
    ("amax", lambda x: tb.amax(x, (1, 2))), ("amin", lambda x: x.amin(0)), ("max", lambda x: tb.max(x)),
    ("max dim", lambda x: tb.max(x, 1).values), ("min dim", lambda x: x.min(-1, True)[0]),
    ("var", lambda x: tb.var(x, 1)), ("std", lambda x: x.std((0, 2), correction=0)),
    ("norm", lambda x: tb.norm(x)), ("norm 1", lambda x: x.norm(1, 2)), ("norm 3", lambda x: x.norm(3, (0, 1))),
    ("norm inf", lambda x: x.norm(INF, 1)), ("logsumexp", lambda x: tb.logsumexp(x, (0, 1))),
    ("cumsum", lambda x: tb.cumsum(x, 1)), ("cumprod", lambda x: x.cumprod(2)),
    ("softmax", lambda x: tb.softmax(x, -1)), ("log_softmax", lambda x: x.log_softmax(0)),
    ("transposed sum", lambda x: x.permute(2, 0, 1).sum(1)),
]


@pytest.mark.parametrize("name,fn", GRADCHECK_CASES, ids=[c[0] for c in GRADCHECK_CASES])
def test_reduction_gradcheck(name, fn):
    assert tb.autograd.gradcheck(fn, (leaf((2, 3, 4), 12),))


LINALG_GRADCHECK = [
    ("matmul", lambda a, b: tb.matmul(a, b), (2, 3, 4), (4, 2)),
    ("matmul broadcast", lambda a, b: a @ b, (3, 4), (2, 4, 2)),
    ("matmul vec", lambda a, b: a @ b, (4,), (2, 4, 3)),
    ("mm", lambda a, b: tb.mm(a, b.t()), (3, 4), (2, 4)),
    ("bmm", lambda a, b: tb.bmm(a, b), (2, 3, 4), (2, 4, 2)),
    ("mv", lambda a, b: tb.mv(a, b), (3, 4), (4,)),
    ("dot", lambda a, b: tb.dot(a, b), (4,), (4,)),
    ("outer", lambda a, b: tb.outer(a, b), (3,), (4,)),
    ("addmm", lambda a, b: tb.addmm(a[0], a, b, beta=0.5, alpha=2), (3, 4), (4, 4)),
]


@pytest.mark.parametrize("name,fn,sa,sb", LINALG_GRADCHECK, ids=[c[0] for c in LINALG_GRADCHECK])
def test_linalg_gradcheck(name, fn, sa, sb):
    assert tb.autograd.gradcheck(fn, (leaf(sa, 13), leaf(sb, 14)))


@pytest.mark.parametrize("fn", [
    lambda x, y: tb.softmax(x, 1) @ y, lambda x, y: tb.logsumexp(x @ y, 0), lambda x, y: (x @ y).var(1),
    lambda x, y: tb.addmm(y[0], x, y, alpha=0.5), lambda x, y: tb.outer(x[0], y[:, 1]).norm(),
    lambda x, y: tb.cumprod(x, 1).sum(0) + 0 * y.sum(),
], ids=["softmax-matmul", "logsumexp", "var", "addmm", "outer-norm", "cumprod"])
def test_second_order_gradients(fn):
    assert tb.autograd.gradgradcheck(fn, (leaf((3, 3), 15), leaf((3, 3), 16)))
