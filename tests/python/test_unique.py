"""tb.unique and tb.unique_consecutive (and their Tensor methods) against torch.unique and
torch.unique_consecutive on a table of dtypes, shapes, dims and flags, plus NaN, -0.0, empty,
0-d and strided inputs and the errors; and against numpy.unique where the semantics agree
(NumPy's equal_nan=False keeps every NaN, as torch does)."""

from __future__ import annotations

import math

import numpy as np
import pytest

import tensorbridge as tb

torch = pytest.importorskip("torch")

DTYPES = [
    "bool", "int8", "uint8", "int16", "uint16", "int32", "uint32", "int64", "uint64",
    "float16", "bfloat16", "float32", "float64",
]
FLAGS = [(False, False), (True, False), (False, True), (True, True)]  # return_inverse, return_counts
# (shape, dims to try besides None)
SHAPES = [((), []), ((9,), [0, -1]), ((4, 5), [0, 1, -2]), ((3, 2, 4), [0, 1, 2])]


def sample(shape, dtype, seed=0, high=3):
    """A torch tensor with few distinct values, so that repeats (and runs) are common; floats
    get negative values and both zeros too."""
    g = torch.Generator().manual_seed(seed)
    values = torch.randint(0, high, shape, generator=g)
    t = getattr(torch, dtype)
    if t.is_floating_point:
        signs = torch.where(torch.randint(0, 2, shape, generator=g) == 1, -1.0, 1.0)
        return (values.double() * signs - 0.5 * (values == 1)).to(t)  # -0.0 where values is 0
    return values.to(t)


def ours(t):
    return tb.from_dlpack(t.clone())


def comparable(t):
    """A torch tensor whose exact equality is value equality: wide floats, int64 for the rest
    (uint64 wraps, which keeps distinct values distinct)."""
    if t.dtype.is_floating_point:
        return t.double()
    return t.to(torch.int64)


def assert_same(got, want):
    assert isinstance(got, tb.Tensor), type(got)
    assert tuple(got.shape) == tuple(want.shape), (got.shape, want.shape)
    assert str(got.dtype).split(".")[-1] == str(want.dtype).split(".")[-1]
    torch.testing.assert_close(comparable(torch.from_dlpack(got)), comparable(want), rtol=0, atol=0,
                               equal_nan=True)


def assert_same_result(got, want):
    """torch returns the values alone or a tuple; ours must be the same shape of answer."""
    if isinstance(want, torch.Tensor):
        assert_same(got, want)
        return
    assert isinstance(got, tuple) and len(got) == len(want), got
    for g, w in zip(got, want):
        assert_same(g, w)


def cases():
    for dtype in DTYPES:
        for shape, dims in SHAPES:
            for dim in [None, *dims]:
                yield dtype, shape, dim


@pytest.mark.parametrize("flags", FLAGS, ids=["plain", "inverse", "counts", "both"])
@pytest.mark.parametrize(("dtype", "shape", "dim"), list(cases()))
def test_unique_matches_torch(dtype, shape, dim, flags):
    t = sample(shape, dtype, seed=len(shape) + (dim or 0))
    inverse, counts = flags
    want = torch.unique(t, return_inverse=inverse, return_counts=counts, dim=dim)
    assert_same_result(tb.unique(ours(t), return_inverse=inverse, return_counts=counts, dim=dim), want)
    # sorted=False gives sorted results too (as torch's CPU unique does).
    assert_same_result(ours(t).unique(sorted=False, return_inverse=inverse, return_counts=counts, dim=dim),
                       want)


@pytest.mark.parametrize("flags", FLAGS, ids=["plain", "inverse", "counts", "both"])
@pytest.mark.parametrize(("dtype", "shape", "dim"), list(cases()))
def test_unique_consecutive_matches_torch(dtype, shape, dim, flags):
    t = sample(shape, dtype, seed=7 + len(shape), high=2)  # two values: runs along every dim
    inverse, counts = flags
    want = torch.unique_consecutive(t, return_inverse=inverse, return_counts=counts, dim=dim)
    x = ours(t)
    assert_same_result(tb.unique_consecutive(x, return_inverse=inverse, return_counts=counts, dim=dim), want)
    assert_same_result(x.unique_consecutive(return_inverse=inverse, return_counts=counts, dim=dim), want)


def test_positional_arguments_and_tuple_shapes():
    t = torch.tensor([3, 1, 3, 2, 1])
    x = ours(t)
    assert_same_result(tb.unique(x, True, True), torch.unique(t, True, True))
    assert_same_result(tb.unique(x, True, False, True), torch.unique(t, True, False, True))
    assert_same_result(tb.unique(x, True, True, True, 0), torch.unique(t, True, True, True, 0))
    # torch.unique_consecutive(t, True) returns (values, an empty tensor): its boolean dispatch
    # reads return_counts from the position of return_inverse. The method form has the
    # documented meaning, which is ours.
    assert_same_result(tb.unique_consecutive(x, True), t.unique_consecutive(True))
    assert_same_result(tb.unique_consecutive(x, False, True, 0), t.unique_consecutive(False, True, 0))
    assert_same_result(tb.unique_consecutive(x, True, True), torch.unique_consecutive(t, True, True))
    assert isinstance(tb.unique(input=x), tb.Tensor)
    values, counts = x.unique(return_counts=True)
    assert counts.tolist() == [2, 1, 2]


@pytest.mark.parametrize("dtype", ["float16", "bfloat16", "float32", "float64"])
def test_nan_each_distinct_and_last(dtype):
    nan = math.nan
    t = torch.tensor([nan, 2.0, nan, -1.0, 2.0, nan, nan], dtype=getattr(torch, dtype))
    for fn in ("unique", "unique_consecutive"):
        kwargs = {"return_inverse": True, "return_counts": True}
        want = getattr(torch, fn)(t, **kwargs)
        got = getattr(tb, fn)(ours(t), **kwargs)
        assert_same_result(got, want)
    values = tb.unique(ours(t))
    assert [math.isnan(v) for v in values.tolist()] == [False, False, True, True, True, True]
    # Rows holding NaN never equal each other; where torch's order is defined it is ours.
    rows = torch.tensor([[1.0, nan], [1.0, nan], [0.0, 2.0], [0.0, 2.0]], dtype=getattr(torch, dtype))
    for dim in (0, 1):
        kwargs = {"return_inverse": True, "return_counts": True, "dim": dim}
        assert_same_result(tb.unique(ours(rows), **kwargs), torch.unique(rows, **kwargs))
        assert_same_result(tb.unique_consecutive(ours(rows), **kwargs), torch.unique_consecutive(rows, **kwargs))


def test_nan_rows_sort_after_numbers():
    # torch compares slices with < and >, which NaN fails both ways, so its order for these rows
    # is not defined (it returned them unsorted); ours puts NaN above every number, as in sort.
    nan = math.nan
    x = tb.tensor([[nan, 0.0], [1.0, 0.0], [nan, 1.0], [0.0, nan], [0.0, nan]])
    values, inverse, counts = tb.unique(x, dim=0, return_inverse=True, return_counts=True)
    np.testing.assert_array_equal(values.numpy(), [[0.0, nan], [0.0, nan], [1.0, 0.0], [nan, 0.0], [nan, 1.0]])
    assert inverse.tolist() == [3, 2, 4, 0, 1]
    assert counts.tolist() == [1, 1, 1, 1, 1]


def test_signed_zero_keeps_the_first_occurrence():
    for first, second in ((0.0, -0.0), (-0.0, 0.0)):
        t = torch.tensor([first, 1.0, second])
        for fn in (torch.unique, torch.unique_consecutive):
            want = fn(t)
            got = getattr(tb, fn.__name__)(ours(t))
            assert [math.copysign(1, v) for v in got.tolist()] == [math.copysign(1, v) for v in want.tolist()]
    rows = torch.tensor([[-0.0, 1.0], [0.0, 1.0]])
    got = tb.unique(ours(rows), dim=0)
    assert math.copysign(1, got.tolist()[0][0]) == -1.0
    assert math.copysign(1, torch.unique(rows, dim=0)[0, 0].item()) == -1.0


def test_zero_dim_input():
    t = torch.tensor(5.0)
    for fn in ("unique", "unique_consecutive"):
        kwargs = {"return_inverse": True, "return_counts": True}
        assert_same_result(getattr(tb, fn)(ours(t), **kwargs), getattr(torch, fn)(t, **kwargs))
        with pytest.raises(IndexError):
            getattr(torch, fn)(t, dim=0)
        with pytest.raises(IndexError, match=fn + r": dimension specified as 0 but the tensor has no "
                                               r"dimensions \(shape \[\], dtype float32, device cpu\)"):
            getattr(tb, fn)(ours(t), dim=0)


@pytest.mark.parametrize(("shape", "dim"), [((0,), None), ((0,), 0), ((0, 3), None), ((2, 0), None),
                                            ((0, 3), 0), ((3, 0), 1), ((2, 0, 3), 1)])
@pytest.mark.parametrize("fn", ["unique", "unique_consecutive"])
def test_empty_inputs(shape, dim, fn):
    t = torch.empty(shape, dtype=torch.int32)
    kwargs = {"return_inverse": True, "return_counts": True, "dim": dim}
    assert_same_result(getattr(tb, fn)(ours(t), **kwargs), getattr(torch, fn)(t, **kwargs))


@pytest.mark.parametrize(("shape", "dim", "message"), [
    ((0, 0), 0, r"more than one zero-size dimension \(shape \[0, 0\], dtype float32, device cpu\)"),
    ((3, 0), 0, r"along dimension 0 of size 3 when another dimension has size 0 \(shape \[3, 0\]"),
    ((2, 0, 3), 2, r"along dimension 2 of size 3 when another dimension has size 0"),
])
@pytest.mark.parametrize("fn", ["unique", "unique_consecutive"])
def test_zero_size_slices_are_refused_like_torch(shape, dim, message, fn):
    with pytest.raises(RuntimeError):
        getattr(torch, fn)(torch.empty(shape), dim=dim)
    with pytest.raises(ValueError, match=fn + ": cannot be applied .*" + message):
        getattr(tb, fn)(tb.empty(shape), dim=dim)


@pytest.mark.parametrize("view", ["transposed", "stepped", "flipped", "expanded"])
@pytest.mark.parametrize("dim", [None, 0, 1])
def test_strided_inputs(view, dim):
    base = sample((6, 5), "int64", seed=3)
    x = ours(base)
    if view == "transposed":
        got_in, want_in = x.t(), base.t()
    elif view == "stepped":
        got_in, want_in = x[::2, 1::2], base[::2, 1::2]
    elif view == "flipped":  # a negative-stride view here, a copy in torch
        got_in, want_in = x.flip(0), base.flip(0)
    else:
        got_in, want_in = x[:1].expand(3, 5), base[:1].expand(3, 5)
    kwargs = {"return_inverse": True, "return_counts": True, "dim": dim}
    assert_same_result(tb.unique(got_in, **kwargs), torch.unique(want_in, **kwargs))
    assert_same_result(tb.unique_consecutive(got_in, **kwargs), torch.unique_consecutive(want_in, **kwargs))


@pytest.mark.parametrize("dtype", [tb.complex64, tb.complex128])
@pytest.mark.parametrize("dim", [None, 0])
@pytest.mark.parametrize("fn", ["unique", "unique_consecutive"])
def test_complex_is_refused_like_torch(dtype, dim, fn):
    name = str(dtype).split(".")[-1]
    with pytest.raises(NotImplementedError):
        getattr(torch, fn)(torch.zeros(2, dtype=getattr(torch, name)), dim=dim)
    with pytest.raises(TypeError, match=fn + f": not implemented for dtype {name} .*shape \\[2\\]"):
        getattr(tb, fn)(tb.zeros(2, dtype=dtype), dim=dim)


@pytest.mark.parametrize("dim", [2, -3])
def test_dim_out_of_range(dim):
    with pytest.raises(IndexError):
        torch.unique(torch.zeros(2, 3), dim=dim)
    with pytest.raises(IndexError, match=r"unique: dimension out of range \(expected to be in range of "
                                         rf"\[-2, 1\], but got {dim}\) for a tensor of shape \[2, 3\], "
                                         r"dtype float32, device cpu"):
        tb.unique(tb.zeros(2, 3), dim=dim)
    with pytest.raises(IndexError, match="unique_consecutive: dimension out of range"):
        tb.zeros(2, 3).unique_consecutive(dim=dim)


def test_not_differentiable():
    # torch gives the outputs a grad_fn whose backward raises; ours simply carry no history.
    x = tb.tensor([[2.0, 1.0], [2.0, 1.0]], requires_grad=True)
    for result in (tb.unique(x, return_inverse=True, return_counts=True),
                   tb.unique(x, dim=1, return_inverse=True, return_counts=True),
                   x.unique_consecutive(return_inverse=True, return_counts=True, dim=0)):
        for t in result:
            assert not t.requires_grad
            assert t.grad_fn is None


@pytest.mark.parametrize("np_dtype", [np.int64, np.uint8, np.float32, np.float64])
def test_flat_against_numpy(np_dtype):
    rng = np.random.default_rng(5)
    a = rng.integers(0, 6, (4, 7)).astype(np_dtype)
    if np.issubdtype(np_dtype, np.floating):
        a[rng.random(a.shape) < 0.2] = np.nan
    kwargs = {"return_inverse": True, "return_counts": True}
    values, inverse, counts = np.unique(a, equal_nan=False, **kwargs)
    got_values, got_inverse, got_counts = tb.unique(tb.from_numpy(a), **kwargs)
    np.testing.assert_array_equal(got_values.numpy(), values)
    assert tuple(got_inverse.shape) == a.shape
    # NumPy's sort is not stable, so which NaN group each NaN joins is arbitrary there: the
    # inverse must agree elsewhere and rebuild the input everywhere.
    finite = ~np.isnan(a.reshape(-1)) if np.issubdtype(np_dtype, np.floating) else slice(None)
    np.testing.assert_array_equal(got_inverse.numpy().reshape(-1)[finite], inverse.reshape(-1)[finite])
    np.testing.assert_array_equal(got_values.numpy()[got_inverse.numpy()], a)
    np.testing.assert_array_equal(got_counts.numpy(), counts)


@pytest.mark.parametrize("axis", [0, 1])
def test_slices_against_numpy(axis):
    a = np.random.default_rng(6).integers(0, 2, (8, 3))
    a = a if axis == 0 else a.T.copy()
    values, inverse, counts = np.unique(a, axis=axis, return_inverse=True, return_counts=True)
    got_values, got_inverse, got_counts = tb.unique(tb.from_numpy(a), dim=axis, return_inverse=True,
                                                    return_counts=True)
    np.testing.assert_array_equal(got_values.numpy(), values)
    np.testing.assert_array_equal(got_inverse.numpy(), inverse.reshape(-1))
    np.testing.assert_array_equal(got_counts.numpy(), counts)


def test_large_random_input():
    t = torch.randint(-50, 50, (20000,), generator=torch.Generator().manual_seed(1))
    kwargs = {"return_inverse": True, "return_counts": True}
    assert_same_result(tb.unique(ours(t), **kwargs), torch.unique(t, **kwargs))
    f = torch.randn(3000, generator=torch.Generator().manual_seed(2)).round(decimals=1).reshape(1000, 3)
    for dim in (None, 0):
        kwargs["dim"] = dim
        assert_same_result(tb.unique(ours(f), **kwargs), torch.unique(f, **kwargs))
