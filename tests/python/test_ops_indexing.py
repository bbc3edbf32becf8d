"""Indexing, joining and sorting from Python, and advanced indexing in [] and []=, against
NumPy (values and shapes) and PyTorch (also dtypes, errors and gradients)."""

from __future__ import annotations

import math

import numpy as np
import pytest

import tensorbridge as tb

torch = pytest.importorskip("torch")


def dtype_name(dtype):
    return str(dtype).split(".")[-1]


def assert_same(ours, theirs, rtol=1e-12, atol=0.0):
    assert isinstance(ours, tb.Tensor), type(ours)
    assert tuple(ours.shape) == tuple(theirs.shape), (ours.shape, theirs.shape)
    assert dtype_name(ours.dtype) == dtype_name(theirs.dtype)
    np.testing.assert_allclose(ours.numpy(), theirs.detach().numpy(), rtol=rtol, atol=atol, equal_nan=True)


def pair(array):
    return tb.from_numpy(array.copy()), torch.from_numpy(array.copy())


def sample(shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


BASE = np.arange(2 * 3 * 4 * 5, dtype=np.int64).reshape(2, 3, 4, 5)
MASK_2 = np.array([True, False])
MASK_3 = np.array([False, True, True])
MASK_23 = np.array([[True, False, False], [False, False, True]])  # two True: broadcasts with (2,)
MASK_45 = (BASE[0, 0] % 3) == 0
MASK_ALL = (BASE % 7) == 1

# (key, oracles): "np" NumPy, "torch" PyTorch. Where they differ (an int separated from an index
# array by a slice), tensorbridge follows PyTorch; torch takes no negative slice steps.
BOTH, TORCH, NUMPY = ("np", "torch"), ("torch",), ("np",)
KEYS = [
    ([0, 1], BOTH), ([1, 1, 0], BOTH), (([0, 1],), BOTH), ((slice(None), [0, 2]), BOTH),
    ((Ellipsis, [0, -1]), BOTH), ((Ellipsis, [[0, 1], [2, 3]]), BOTH),
    (([0, 1], [1, 2]), BOTH), (([[0], [1]], [0, 2]), BOTH), (([0, 1], [[1], [2]]), BOTH),
    (([0, 1], slice(None), [1, 2]), BOTH), ((slice(None), [0, 1], [1, 2]), BOTH),
    (([0, 1], Ellipsis, [1, 2]), BOTH), ((slice(None), [0, 1], slice(None), [1, 2]), BOTH),
    ((1, [0, 2]), BOTH), ((slice(None), 1, [0, 2]), BOTH), ((1, slice(None), [0, 2]), TORCH),
    ((0, [0, 2], slice(None), 1), TORCH), ((slice(None), [1], 2, [[0], [3]]), TORCH),
    ((None, [0, 1]), BOTH), (([0, 1], None, [1, 2]), BOTH), ((slice(None), None, [0, 1], [1, 2]), BOTH),
    (([0, 1], None), BOTH), ((None, Ellipsis, [4, 0]), BOTH),
    (MASK_2, BOTH), ((MASK_2,), BOTH), ((slice(None), MASK_3), BOTH), (MASK_23, BOTH),
    ((MASK_23, [0, 3]), BOTH), ((Ellipsis, MASK_45), BOTH), (MASK_ALL, BOTH),
    ((MASK_2, slice(None), [0, 1]), BOTH), ((slice(None), MASK_3, slice(None), [0, 4]), BOTH),
    ((0, MASK_3, 1), BOTH), (([True, False],), BOTH), ((slice(None), [False, False, False]), BOTH),
    (True, BOTH), (False, BOTH), ((True, [0, 1]), BOTH), ((slice(None), True), BOTH),
    ((Ellipsis, None, True), BOTH), ((False, 0), BOTH), ((1, True, [2, 0]), TORCH),
    (np.array([0, 1]), BOTH), (np.array([[1], [0]]), BOTH), ((np.array([0, 1]), np.int64(2)), BOTH),
    (np.array([True, False]), BOTH), ((slice(None), np.array([2, 0], dtype=np.int32)), BOTH),
    (([],), BOTH), (([], [], []), BOTH), ((slice(None), []), BOTH), (([-1, -2],), BOTH),
    (((0, 1),), BOTH), ((slice(1, None, -1), [0, 1]), NUMPY), ((slice(None, None, 2), slice(None), [[0, 1], [2, 3]]), BOTH),
    ((slice(None, None, -1), slice(1, 3), [3, 1], slice(None, None, -2)), NUMPY),
    (([[0, 1], [1, 0]],), BOTH), ((slice(0, 0), [0, 1]), BOTH),
]


def torch_key(key):
    """The same key for torch: NumPy arrays as tensors (torch reads uint8 arrays as masks, and
    bool arrays through from_numpy as masks)."""
    if isinstance(key, tuple):
        return tuple(torch_key(k) for k in key)
    if isinstance(key, np.ndarray):
        return torch.from_numpy(key.copy())
    if isinstance(key, list) and key and isinstance(key[0], bool):
        return torch.tensor(key)
    return key


def tb_tensor_key(key):
    """The key with every array or list as a tensorbridge tensor (ints and Python bools stay)."""
    if isinstance(key, tuple):
        return tuple(tb_tensor_key(k) for k in key)
    if isinstance(key, np.ndarray):
        return tb.from_numpy(key.copy())
    if isinstance(key, list):
        return tb.tensor(key, dtype=tb.int64 if not key else None)
    return key


def bases():
    """Tensors holding BASE in different layouts, with the NumPy array and torch tensor they equal."""
    yield tb.from_numpy(BASE.copy()), BASE, torch.from_numpy(BASE.copy())
    permuted = BASE.transpose(3, 1, 0, 2).copy()  # BASE == permuted.transpose(2, 1, 3, 0)
    yield tb.from_numpy(permuted).permute(2, 1, 3, 0), BASE, torch.from_numpy(permuted).permute(2, 1, 3, 0)
    flipped = BASE[::-1, :, ::-1].copy()
    yield tb.from_numpy(flipped).flip(0, 2), BASE, torch.from_numpy(flipped).flip(0, 2)


@pytest.mark.parametrize("key,oracles", KEYS, ids=[repr(k)[:60] for k, _ in KEYS])
def test_advanced_getitem_matches_numpy_and_torch(key, oracles):
    expected_torch = torch.from_numpy(BASE.copy())[torch_key(key)] if "torch" in oracles else None
    for t, a, _ in bases():
        for k in (key, tb_tensor_key(key)):
            ours = t[k]
            if expected_torch is not None:
                assert_same(ours, expected_torch)
            if "np" in oracles:
                np.testing.assert_array_equal(ours.numpy(), a[key])
                assert tuple(ours.shape) == a[key].shape
            assert ours.data_ptr() != t.data_ptr() or ours.numel() == 0  # a copy


def test_advanced_getitem_returns_copies():
    t = tb.arange(6).reshape(2, 3)
    r = t[[0, 1]]
    r[0, 0] = 100
    assert t[0, 0].item() == 0
    assert t[[1]].is_contiguous()


def test_zero_dim_tensors_index_like_ints():
    t = tb.arange(6).reshape(2, 3)
    v = t[tb.tensor(1)]
    assert v.shape == (3,) and v.data_ptr() == t.data_ptr() + 3 * 8  # a view, as in torch
    assert t[np.int64(1), np.array(2)].item() == 5
    assert t[tb.tensor(True)].shape == (1, 2, 3) and t[np.bool_(False)].shape == (0, 2, 3)


SET_CASES = [
    ([0, 1], 7, BOTH), (([1, 0], [2, 0]), np.arange(5), BOTH),
    ((slice(None), [0, 2]), np.arange(4).reshape(4, 1), BOTH),
    ((Ellipsis, [3, 1]), np.arange(8).reshape(4, 2), BOTH), (MASK_23, 5, BOTH), ((MASK_2, 0), -1, BOTH),
    (MASK_ALL, 0, BOTH), ((0, MASK_3, [1, 2]), np.arange(5), BOTH), (([0, 1], slice(None), [1, 2]), 9, BOTH),
    ((1, slice(None), [0, 2]), np.arange(5), TORCH), (True, 1, BOTH), ((slice(None), False), 1, BOTH),
    (np.array([1]), np.int64(4), BOTH), (([],), 3, BOTH), ((slice(None, None, -1), [0, 2, 1]), 8, NUMPY),
    (([1, 0], slice(None), slice(None), [4]), np.array([10, 20]).reshape(2, 1, 1), BOTH),
]


@pytest.mark.parametrize("key,value,oracles", SET_CASES, ids=[repr(c[0])[:50] for c in SET_CASES])
def test_advanced_setitem_matches_numpy_and_torch(key, value, oracles):
    expected = BASE.copy()
    if "torch" in oracles:
        theirs = torch.from_numpy(expected)
        theirs[torch_key(key)] = torch.as_tensor(value)
    if "np" in oracles:
        numpy_result = BASE.copy()
        numpy_result[key] = value
        if "torch" in oracles:
            np.testing.assert_array_equal(numpy_result, expected)
        expected = numpy_result
    for t, _, _ in bases():
        t[key] = value
        np.testing.assert_array_equal(t.numpy(), expected)
        assert t.dtype == tb.int64


def test_setitem_casts_values_and_last_repeated_index_wins():
    t = tb.zeros(4, dtype=tb.int32)
    t[[0, 2]] = tb.tensor([1.7, 2.2])
    assert t.tolist() == [1, 0, 2, 0] and t.dtype == tb.int32
    t[[1, 1, 1]] = tb.tensor([5, 6, 7], dtype=tb.int32)
    assert t[1].item() == 7
    f = tb.zeros(2, 3)
    f[tb.tensor([[True, False, True], [False, True, False]])] = tb.tensor([1.0, 2.0, 3.0])
    assert f.tolist() == [[1.0, 0.0, 2.0], [0.0, 3.0, 0.0]]
    f[:, [0, 2]] = np.array([[8.0, 9.0]], dtype=np.float64)
    assert f.tolist() == [[8.0, 0.0, 9.0], [8.0, 3.0, 9.0]]


def test_advanced_indexing_errors():
    t = tb.zeros(2, 3)
    with pytest.raises(IndexError, match="index 5 is out of bounds for dimension 1 with size 3"):
        t[:, [0, 5]]
    with pytest.raises(IndexError, match="index -3 is out of bounds for dimension 0 with size 2"):
        t[[-3]]
    with pytest.raises(IndexError, match=r"shape mismatch: indexing tensors could not be broadcast together with shapes \[2\] and \[3\]"):
        t[[0, 1], [0, 1, 2]]
    with pytest.raises(IndexError, match=r"the shape of the mask \[3\] at index 0 does not match the shape of the indexed tensor \[2, 3\]"):
        t[tb.tensor([True, False, True])]
    with pytest.raises(IndexError, match=r"tensors used as indices must be integer .* but got float32"):
        t[tb.tensor([0.0])]
    with pytest.raises(IndexError, match=r"tensors used as indices must be integer .* but got float32"):
        t[[0.5]]
    with pytest.raises(IndexError, match=r"valid indices \(got float\)"):
        t[0.5]
    with pytest.raises(IndexError, match="too many indices for tensor of dimension 2"):
        t[[0], [0], [0]]
    with pytest.raises(IndexError, match="too many indices"):
        t[tb.ones(2, 3, 1, dtype=tb.bool)]
    with pytest.raises(ValueError, match=r"values of shape \[3\] cannot be broadcast to the indexed shape \[2\]"):
        t[[0, 1], 0] = tb.ones(3)
    read_only = np.zeros(3)
    read_only.flags.writeable = False
    with pytest.raises(ValueError, match="read-only"):
        tb.from_numpy(read_only)[[0]] = 1.0


def test_advanced_getitem_is_differentiable():
    a = sample((3, 4), 1)
    x, xt = pair(a)
    x.requires_grad_()
    xt.requires_grad_()
    w = sample((5, 2), 2)  # weights, so that every element's gradient differs
    y, yt = x[[0, 2, 2, 1, 0], 1:3], xt[[0, 2, 2, 1, 0], 1:3]
    tb.dot(y.reshape(-1), tb.from_numpy(w.reshape(-1).copy())).backward()
    torch.dot(yt.reshape(-1), torch.from_numpy(w.reshape(-1).copy())).backward()
    assert_same(x.grad, xt.grad)
    x.grad = None
    xt.grad = None
    m = np.array([[True, False, True, True], [False] * 4, [True, True, False, False]])
    y, yt = x[tb.from_numpy(m)], xt[torch.from_numpy(m)]
    tb.dot(y, tb.arange(5.0, dtype=tb.float64)).backward()
    torch.dot(yt, torch.arange(5.0, dtype=torch.float64)).backward()
    assert_same(x.grad, xt.grad)
    assert tb.autograd.gradcheck(lambda v: v[[1, 0, 1], ::-1][:, [2, 0]], (x.detach().clone().requires_grad_(),))
    assert tb.autograd.gradcheck(lambda v: v[tb.from_numpy(m)], (x.detach().clone().requires_grad_(),))
    assert tb.autograd.gradcheck(lambda v: v[None, 1:, [0, 3], None], (x.detach().clone().requires_grad_(),))


def test_advanced_setitem_is_differentiable():
    a, v = sample((3, 4), 3), sample((2, 4), 4)
    x, xt = pair(a)
    val, valt = pair(v)
    for leaf in (x, xt, val, valt):
        leaf.requires_grad_()
    y, yt = x.clone(), xt.clone()
    y[[2, 0]] = val
    yt[[2, 0]] = valt
    w = sample((12,), 5)
    tb.dot(y.reshape(-1), tb.from_numpy(w.copy())).backward()
    torch.dot(yt.reshape(-1), torch.from_numpy(w.copy())).backward()
    assert_same(x.grad, xt.grad)
    assert_same(val.grad, valt.grad)

    def put(base, values):
        out = base.clone()
        out[[1, 2], [0, 3]] = values
        return out

    assert tb.autograd.gradcheck(put, (x.detach().clone().requires_grad_(), tb.from_numpy(sample((2,), 6)).requires_grad_()))


# ---- index ops -------------------------------------------------------------------------------

def test_index_select_and_gather_match_torch():
    a = sample((3, 4, 5), 7)
    x, t = pair(a)
    for dim, idx in [(0, [2, 0, 2]), (1, [3]), (-1, [4, 0, 1, 1]), (2, [])]:
        i, it = tb.tensor(idx, dtype=tb.int64), torch.tensor(idx, dtype=torch.int64)
        assert_same(tb.index_select(x, dim, i), torch.index_select(t, dim, it))
        assert_same(x.index_select(dim, i.int()), t.index_select(dim, it.int()))
        np.testing.assert_array_equal(x.index_select(dim, i).numpy(), np.take(a, idx, axis=dim))
    assert_same(x.index_select(1, tb.tensor(2)), t.index_select(1, torch.tensor(2)))  # 0-d index
    assert_same(x.permute(2, 0, 1).index_select(0, tb.tensor([1, 3])), t.permute(2, 0, 1).index_select(0, torch.tensor([1, 3])))
    idx = np.random.default_rng(8).integers(0, 4, (3, 2, 5))
    for dim in (1, -2):
        assert_same(tb.gather(x, dim, tb.from_numpy(idx)), torch.gather(t, dim, torch.from_numpy(idx)))
    np.testing.assert_array_equal(x.gather(1, tb.from_numpy(idx)).numpy(), np.take_along_axis(a[:, :4], idx, 1))
    assert_same(x.flip(0).gather(2, tb.from_numpy(idx)), t.flip(0).gather(2, torch.from_numpy(idx)))
    with pytest.raises(IndexError, match="index_select.*index 4 is out of .*dimension 1 with size 4"):
        x.index_select(1, tb.tensor([4]))
    with pytest.raises(IndexError, match="gather"):
        x.gather(0, tb.tensor([[[-1]]]))
    with pytest.raises(TypeError, match="gather"):
        x.gather(0, tb.zeros(1, 1, 1))
    with pytest.raises(IndexError, match="dimension out of range"):
        x.index_select(3, tb.tensor([0]))


def test_scatter_family_matches_torch():
    base = sample((3, 5), 9)
    src = sample((2, 5), 10)
    idx = np.array([[0, 1, 2, 0, 0], [2, 0, 0, 1, 2]])
    (x, t), (s, st), (i, it) = pair(base), pair(src), pair(idx)
    assert_same(tb.scatter(x, 0, i, s), torch.scatter(t, 0, it, st))
    assert_same(x.scatter(0, i, 2.5), t.scatter(0, it, 2.5))
    assert_same(x.scatter(0, i, value=-1.0), t.scatter(0, it, value=-1.0))
    assert_same(tb.scatter_add(x, 0, i, s), torch.scatter_add(t, 0, it, st))
    assert_same(x.scatter_add(1, i[:, :3], s), t.scatter_add(1, it[:, :3], st))
    y, yt = x.clone(), t.clone()
    assert y.scatter_(0, i, s) is y
    yt.scatter_(0, it, st)
    assert_same(y, yt)
    assert y.scatter_add_(0, i, s) is y
    yt.scatter_add_(0, it, st)
    assert_same(y, yt)
    sel = np.array([2, 0, 2])
    (si, sit), (srcs, srcst) = pair(sel), pair(sample((3, 5), 11))
    assert_same(tb.index_add(x, 0, si, srcs, alpha=2), torch.index_add(t, 0, sit, srcst, alpha=2))
    assert x.clone().index_add_(0, si, srcs).shape == (3, 5)
    with pytest.raises(ValueError, match=r"scatter\(\): reduce=add is not supported"):
        x.scatter(0, i, s, reduce="add")
    with pytest.raises(TypeError, match="exactly one of 'src'"):
        x.scatter(0, i)
    with pytest.raises(IndexError, match="scatter"):
        x.scatter(0, tb.tensor([[3]]), 1.0)


def test_masked_ops_match_torch():
    a = sample((3, 4), 12)
    m = np.array([True, False, True, True])
    (x, t), (mm, mt) = pair(a), pair(m)
    assert_same(tb.masked_fill(x, mm, -5.0), torch.masked_fill(t, mt, -5.0))  # mask broadcasts
    assert_same(x.masked_fill(mm, tb.tensor(2.0)), t.masked_fill(mt, torch.tensor(2.0)))
    y, yt = x.clone(), t.clone()
    assert y.masked_fill_(mm, 0.0) is y
    yt.masked_fill_(mt, 0.0)
    assert_same(y, yt)
    assert_same(tb.masked_select(x, mm), torch.masked_select(t, mt))
    assert_same(x.t().masked_select(tb.from_numpy(m[:, None].copy())), t.t().masked_select(torch.from_numpy(m[:, None].copy())))
    np.testing.assert_array_equal(x.masked_select(mm).numpy(), np.broadcast_to(a, (3, 4))[np.broadcast_to(m, (3, 4))])
    with pytest.raises(ValueError, match="masked_fill"):
        x.masked_fill(tb.ones(3, dtype=tb.bool), 1.0)
    with pytest.raises(TypeError, match="masked_fill"):
        x.masked_fill(tb.ones(4), 1.0)
    with pytest.raises(ValueError, match="0-dimensional value tensor"):
        x.masked_fill(mm, tb.ones(2))


def test_nonzero_matches_torch_and_numpy():
    a = np.array([[0, 1, 0], [2, 0, 3]])
    x, t = pair(a)
    assert_same(tb.nonzero(x), torch.nonzero(t))
    ours, theirs = x.nonzero(as_tuple=True), t.nonzero(as_tuple=True)
    assert isinstance(ours, tuple) and len(ours) == 2
    for o, e, n in zip(ours, theirs, np.nonzero(a)):
        assert_same(o, e)
        np.testing.assert_array_equal(o.numpy(), n)
    assert_same(tb.nonzero(tb.tensor(5)), torch.nonzero(torch.tensor(5)))
    assert_same(tb.nonzero(tb.zeros(0, 2)), torch.nonzero(torch.zeros(0, 2)))
    assert_same(tb.nonzero(x.t()), torch.nonzero(t.t()))


# ---- joining and splitting ---------------------------------------------------------------------

def test_cat_and_stack_match_torch():
    a, b = sample((2, 3), 13), sample((4, 3), 14)
    (x, t), (y, u) = pair(a), pair(b)
    assert_same(tb.cat([x, y]), torch.cat([t, u]))
    assert_same(tb.cat((x.t(), y.t()), dim=-1), torch.cat((t.t(), u.t()), dim=-1))
    assert_same(tb.concat([x, y], 0), torch.concat([t, u], 0))
    assert_same(tb.concatenate([x, y], axis=0), torch.concatenate([t, u], axis=0))
    i = tb.tensor([[1, 2, 3]], dtype=tb.int32)
    assert_same(tb.cat([i, x]), torch.cat([torch.tensor([[1, 2, 3]], dtype=torch.int32), t]))  # promotes
    assert_same(tb.cat([x, tb.zeros(0)]), torch.cat([t, torch.zeros(0)]))  # legacy empty skip
    np.testing.assert_array_equal(tb.cat([x, y]).numpy(), np.concatenate([a, b]))
    assert_same(tb.stack([x, x.flip(0)]), torch.stack([t, t.flip(0)]))
    assert_same(tb.stack([x, x], dim=2), torch.stack([t, t], dim=2))
    assert_same(tb.stack([x, x], -1), torch.stack([t, t], -1))
    np.testing.assert_array_equal(tb.stack([x, x], 1).numpy(), np.stack([a, a], 1))
    assert tb.cat([tb.from_numpy(a), a]).shape == (4, 3)  # arrays join too
    with pytest.raises(ValueError, match="cat"):
        tb.cat([x, tb.zeros(2, 4)])
    with pytest.raises(ValueError, match="stack"):
        tb.stack([x, y])
    with pytest.raises(TypeError, match=r"cat\(\): argument 'tensors' must be a tuple or list of Tensors"):
        tb.cat(x)
    with pytest.raises(ValueError, match="cat"):
        tb.cat([])


def test_split_chunk_unbind_give_views_like_torch():
    a = sample((5, 4), 15)
    x, t = pair(a)
    for args in [(2,), (2, 1), ([1, 4],), ([1, 1, 2], -1), (5,), (10,)]:
        ours, theirs = tb.split(x, *args), torch.split(t, *args)
        assert isinstance(ours, tuple) and len(ours) == len(theirs)
        for o, e in zip(ours, theirs):
            assert_same(o, e)
        assert all(o.data_ptr() >= x.data_ptr() for o in ours)  # views of x
    y = x.clone()
    pieces = y.split(2)
    pieces[1][0, 0] = 42.0
    assert y[2, 0].item() == 42.0
    for args in [(2,), (3, 1), (5,), (6, 0)]:
        ours, theirs = tb.chunk(x, *args), torch.chunk(t, *args)
        assert len(ours) == len(theirs)
        for o, e in zip(ours, theirs):
            assert_same(o, e)
    for dim in (0, 1, -1):
        for o, e in zip(x.unbind(dim), t.unbind(dim)):
            assert_same(o, e)
    with pytest.raises(ValueError, match="split"):
        x.split([1, 2])
    with pytest.raises(ValueError, match="chunk"):
        x.chunk(0)


def test_repeat_and_tile_match_torch_and_numpy():
    a = sample((2, 3), 16)
    x, t = pair(a)
    for reps in [(2, 1), (1, 3), (2, 1, 2), (0, 2)]:
        assert_same(x.repeat(*reps), t.repeat(*reps))
        assert_same(x.repeat(reps), t.repeat(reps))
        np.testing.assert_array_equal(x.repeat(*reps).numpy(), np.tile(a, reps))
    for reps in [(2,), (2, 2), (3, 1, 1)]:
        assert_same(tb.tile(x, reps), torch.tile(t, reps))
        assert_same(x.t().tile(*reps), t.t().tile(*reps))
    with pytest.raises(ValueError, match="repeat"):
        x.repeat(2)


# ---- sorting -----------------------------------------------------------------------------------

def test_sort_argsort_topk_match_torch():
    a = np.random.default_rng(17).integers(0, 5, (4, 6)).astype(np.float64)  # ties
    x, t = pair(a)
    for kwargs in [{}, {"dim": 0}, {"descending": True}, {"dim": -2, "descending": True}]:
        ours, theirs = tb.sort(x, stable=True, **kwargs), torch.sort(t, stable=True, **kwargs)
        assert type(ours).__name__ == "sort"
        assert_same(ours.values, theirs.values)
        assert_same(ours.indices, theirs.indices)  # stable: ties keep their order
        assert_same(x.argsort(stable=True, **kwargs), t.argsort(stable=True, **kwargs))
    values, indices = x.sort(1)
    assert_same(values, torch.sort(t, 1).values)
    np.testing.assert_array_equal(np.take_along_axis(a, indices.numpy(), 1), values.numpy())
    np.testing.assert_array_equal(tb.sort(x.flip(1), 1, stable=True).indices.numpy(),
                                  np.argsort(a[:, ::-1], 1, kind="stable"))
    b = sample((4, 6), 18)
    y, u = pair(b)
    for args, kwargs in [((3,), {}), ((2, 0), {}), ((2,), {"largest": False}), ((6, -1, True, True), {}), ((0,), {})]:
        ours, theirs = tb.topk(y, *args, **kwargs), torch.topk(u, *args, **kwargs)
        assert type(ours).__name__ == "topk"
        assert_same(ours.values, theirs.values)
        assert_same(ours.indices, theirs.indices)
    unsorted = y.topk(3, sorted=False)
    assert sorted(unsorted.values[0].tolist()) == sorted(u.topk(3).values[0].tolist())
    with pytest.raises((ValueError, IndexError), match="topk"):
        y.topk(7)


def test_sort_puts_nan_last_like_torch():
    nan = float("nan")
    data = [3.0, nan, -1.0, nan, 2.0]
    x, t = tb.tensor(data), torch.tensor(data)
    for descending in (False, True):
        ours, theirs = x.sort(descending=descending, stable=True), t.sort(descending=descending, stable=True)
        assert_same(ours.values, theirs.values)
        assert_same(ours.indices, theirs.indices)
    assert_same(x.topk(2).values, t.topk(2).values)  # NaN counts as the largest
    assert_same(tb.argsort(x), torch.argsort(t, stable=True))


def test_sort_of_0d_empty_and_integer_tensors():
    for data in [5, [], [[3, 1, 2], [0, -1, 7]]]:
        x, t = tb.tensor(data), torch.tensor(data)
        ours, theirs = x.sort(), t.sort()
        assert_same(ours.values, theirs.values)
        assert_same(ours.indices, theirs.indices)


# ---- gradients -------------------------------------------------------------------------------

def leaf(shape, seed):
    return tb.from_numpy(sample(shape, seed)).requires_grad_()


IDX = tb.tensor([2, 0, 2])
GATHER_IDX = tb.tensor([[0, 2, 1, 0], [2, 2, 0, 1]])
SCATTER_IDX = tb.tensor([[0, 2, 1, 0], [2, 1, 0, 1]])  # no position written twice
MASK = tb.tensor([[True, False, True, False], [False, False, True, True], [True, True, True, False]])

GRADCHECK_CASES = [
    ("index_select", lambda x: tb.index_select(x, 0, IDX)),
    ("index_select dim 1", lambda x: x.t().index_select(1, IDX)),
    ("gather", lambda x: tb.gather(x, 0, GATHER_IDX)),
    ("scatter", lambda x: tb.scatter(x, 0, SCATTER_IDX, x[1:])),
    ("scatter value", lambda x: x.scatter(1, GATHER_IDX[:, :2], 0.5)),
    ("scatter_add", lambda x: tb.scatter_add(x, 0, GATHER_IDX, x[:2])),
    ("index_add", lambda x: tb.index_add(x, 0, IDX, x.flip(0), alpha=2)),
    ("masked_fill", lambda x: tb.masked_fill(x, MASK, 0.0)),
    ("masked_select", lambda x: tb.masked_select(x, MASK)),
    ("cat", lambda x: tb.cat([x, x[1:], x.flip(0)])),
    ("stack", lambda x: tb.stack([x, x.t().t()], 1)),
    ("split", lambda x: tb.split(x, [1, 3], 1)[1]),
    ("chunk", lambda x: x.chunk(2, 0)[1]),
    ("repeat", lambda x: x.repeat(2, 1, 2)),
    ("tile", lambda x: tb.tile(x, (2,))),
    ("sort", lambda x: tb.sort(x, 1).values),
    ("sort descending", lambda x: x.sort(0, descending=True)[0]),
    ("topk", lambda x: tb.topk(x, 2).values),
    ("max dim", lambda x: x.max(0).values),
    ("unbind", lambda x: tb.unbind(x, 1)[2]),
    ("scatter_", lambda x: x.clone().scatter_(0, SCATTER_IDX, x[1:])),
    ("scatter_ value", lambda x: x.clone().scatter_(1, GATHER_IDX[:, :2], value=2.0)),
    ("scatter_add_", lambda x: x.clone().scatter_add_(1, GATHER_IDX, x[:2])),
    ("index_add_", lambda x: x.clone().index_add_(1, tb.tensor([3, 3]), x[:, :2], alpha=-1)),
    ("masked_fill_", lambda x: x.clone().masked_fill_(MASK, 1.5)),
]


@pytest.mark.parametrize("name,fn", GRADCHECK_CASES, ids=[c[0] for c in GRADCHECK_CASES])
def test_indexing_gradcheck(name, fn):
    assert tb.autograd.gradcheck(fn, (leaf((3, 4), 19),))
