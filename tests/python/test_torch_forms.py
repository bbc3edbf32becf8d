"""torch.* function forms and composites (tensorbridge/_torch_forms.py) against PyTorch."""

import math

import numpy as np
import pytest

import tensorbridge as tb

torch = pytest.importorskip("torch")


def to_torch(t):
    return torch.from_numpy(np.array(t.detach().numpy()))


def assert_same(ours, theirs):
    assert list(ours.shape) == list(theirs.shape)
    assert str(ours.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1]
    np.testing.assert_array_equal(ours.detach().numpy(), theirs.detach().numpy())


# ---- function forms: the method's result, and PyTorch's ------------------------------------


FORMS = [
    ("reshape", lambda m, x: m.reshape(x, (4, 6))),
    ("reshape -1", lambda m, x: m.reshape(x, [-1])),
    ("flatten", lambda m, x: m.flatten(x)),
    ("flatten dims", lambda m, x: m.flatten(x, 1, 2)),
    ("squeeze", lambda m, x: m.squeeze(x.unsqueeze(1))),
    ("squeeze dim", lambda m, x: m.squeeze(x.unsqueeze(0), 0)),
    ("unsqueeze", lambda m, x: m.unsqueeze(x, -1)),
    ("transpose", lambda m, x: m.transpose(x, 0, 2)),
    ("swapaxes", lambda m, x: m.swapaxes(x, 0, 1)),
    ("swapdims", lambda m, x: m.swapdims(x, 1, 2)),
    ("permute", lambda m, x: m.permute(x, (2, 0, 1))),
    ("t", lambda m, x: m.t(x[0])),
    ("flip", lambda m, x: m.flip(x, (0, 2))),
    ("diagonal", lambda m, x: m.diagonal(x, 1, 1, 2)),
    ("broadcast_to", lambda m, x: m.broadcast_to(x[:, :1], (2, 3, 4))),
    ("movedim", lambda m, x: m.movedim(x, 0, -1)),
    ("narrow", lambda m, x: m.narrow(x, 2, 1, 2)),
    ("clone", lambda m, x: m.clone(x)),
    ("detach", lambda m, x: m.detach(x)),
]


@pytest.mark.parametrize("name,form", FORMS, ids=[f[0] for f in FORMS])
def test_function_forms_match_pytorch(name, form):
    x = tb.arange(24, dtype=tb.float32).reshape(2, 3, 4)
    assert_same(form(tb, x), form(torch, to_torch(x)))


def test_views_share_memory_and_record_gradients():
    x = tb.arange(24, dtype=tb.float32).reshape(2, 3, 4)
    for view in (tb.reshape(x, (6, 4)), tb.transpose(x, 0, 1), tb.permute(x, (1, 0, 2)),
                 tb.squeeze(x), tb.narrow(x, 0, 1, 1), tb.detach(x), tb.movedim(x, 0, 1)):
        assert view.data_ptr() >= x.data_ptr()
        assert view.data_ptr() < x.data_ptr() + x.numel() * x.element_size()
    assert tb.clone(x).data_ptr() != x.data_ptr()
    w = tb.ones(2, 3, requires_grad=True)
    (tb.reshape(w, (3, 2)) * tb.arange(6, dtype=tb.float32).reshape(3, 2)).sum().backward()
    np.testing.assert_array_equal(w.grad.numpy(), np.arange(6, dtype=np.float32).reshape(2, 3))
    assert not tb.detach(w).requires_grad
    assert tb.clone(w).requires_grad


def test_is_tensor_and_numel():
    assert tb.is_tensor(tb.zeros(2))
    assert tb.is_tensor(tb.nn.Parameter(tb.zeros(2)))
    assert not tb.is_tensor(np.zeros(2))
    assert not tb.is_tensor([1.0])
    assert tb.numel(tb.zeros(2, 3, 4)) == 24
    assert tb.numel(tb.zeros(())) == 1
    assert tb.numel(tb.zeros(0, 5)) == 0


def test_function_form_errors_name_the_op():
    x = tb.zeros(2, 3)
    with pytest.raises(Exception, match="reshape"):
        tb.reshape(x, (4, 2))
    with pytest.raises(Exception):
        tb.transpose(x, 0, 5)


# ---- isclose / allclose / equal --------------------------------------------------------------

EDGES = [0.0, -0.0, 1.0, 1.0 + 1e-6, 1.0 + 1e-4, -1.0, 1e-9, 2e-9, math.inf, -math.inf, math.nan, 1e30]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("equal_nan", [False, True])
@pytest.mark.parametrize("tols", [(1e-05, 1e-08), (0.0, 0.0), (1e-3, 0.0), (0.0, 1e-3), (0.5, 2.0)])
def test_isclose_matches_pytorch_on_edge_values(dtype, equal_nan, tols):
    a = np.array(EDGES, dtype=dtype)[:, None].repeat(len(EDGES), 1)
    b = a.T.copy()
    rtol, atol = tols
    ours = tb.isclose(tb.from_numpy(a), tb.from_numpy(b), rtol, atol, equal_nan)
    theirs = torch.isclose(torch.from_numpy(a), torch.from_numpy(b), rtol, atol, equal_nan)
    assert ours.dtype == tb.bool
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    assert tb.allclose(tb.from_numpy(a), tb.from_numpy(a), rtol, atol, equal_nan) == torch.allclose(
        torch.from_numpy(a), torch.from_numpy(a), rtol, atol, equal_nan)


@pytest.mark.parametrize("dtype", ["int64", "int32", "uint8", "bool"])
def test_isclose_of_integers_and_bools_matches_pytorch(dtype):
    a = np.array([0, 1, 2, 3, 100], dtype=dtype)
    b = np.array([0, 2, 2, 4, 101], dtype=dtype)
    for rtol, atol in [(1e-05, 1e-08), (0.0, 1.0), (0.01, 0.0), (0.0, 0.0)]:
        ours = tb.isclose(tb.from_numpy(a), tb.from_numpy(b), rtol, atol)
        theirs = torch.isclose(torch.from_numpy(a), torch.from_numpy(b), rtol, atol)
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy(), err_msg=f"{dtype} {rtol} {atol}")


def test_isclose_of_complex_matches_pytorch():
    a = np.array([1 + 1j, 1 + 1.00001j, complex(math.inf, 0), complex(math.nan, 0), 0j])
    b = np.array([1 + 1j, 1 + 1j, complex(math.inf, 0), complex(math.nan, 0), 1e-9j])
    ours = tb.isclose(tb.from_numpy(a), tb.from_numpy(b))
    theirs = torch.isclose(torch.from_numpy(a), torch.from_numpy(b))
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    with pytest.raises(ValueError, match="equal_nan"):
        tb.isclose(tb.from_numpy(a), tb.from_numpy(b), equal_nan=True)


def test_isclose_broadcasts_and_methods_agree():
    a = tb.tensor([[1.0], [2.0]])
    b = tb.tensor([1.0, 2.0, 2.0000001])
    expected = torch.isclose(torch.tensor([[1.0], [2.0]]), torch.tensor([1.0, 2.0, 2.0000001]))
    np.testing.assert_array_equal(tb.isclose(a, b).numpy(), expected.numpy())
    np.testing.assert_array_equal(a.isclose(b).numpy(), expected.numpy())
    assert a.allclose(a) and tb.allclose(a, a + 1e-9)
    assert not tb.allclose(a, a + 1.0)
    assert isinstance(tb.allclose(a, a), bool)


def test_isclose_does_not_record_gradients():
    a = tb.ones(3, requires_grad=True)
    assert not tb.isclose(a, a * 1.0).requires_grad


def test_close_errors_name_the_op_dtypes_and_shapes():
    f32, f64 = tb.zeros(2, dtype=tb.float32), tb.zeros(3, dtype=tb.float64)
    with pytest.raises(TypeError, match=r"isclose\(\).*float32.*float64.*\[2\].*\[3\]"):
        tb.isclose(f32, f64)
    with pytest.raises(TypeError, match=r"allclose\(\).*same dtype"):
        tb.allclose(f32, f64)
    with pytest.raises(ValueError, match="non-negative"):
        tb.isclose(f32, f32, rtol=-1.0)
    with pytest.raises(TypeError, match="two tensors"):
        tb.isclose(f32, [0.0, 0.0])
    with pytest.raises(ValueError, match="size"):
        tb.isclose(tb.zeros(2), tb.zeros(3))


def test_equal_matches_pytorch():
    cases = [
        (tb.tensor([1.0, 2.0]), tb.tensor([1.0, 2.0])),
        (tb.tensor([1.0, 2.0]), tb.tensor([1.0, 2.5])),
        (tb.tensor([1.0, 2.0]), tb.tensor([[1.0, 2.0]])),  # broadcastable but not the same size
        (tb.tensor([math.nan]), tb.tensor([math.nan])),
        (tb.tensor([1, 2]), tb.tensor([1.0, 2.0])),  # dtypes promote
        (tb.zeros(0), tb.zeros(0)),
        (tb.tensor(3.0), tb.tensor(3.0)),
    ]
    for a, b in cases:
        assert tb.equal(a, b) == torch.equal(to_torch(a), to_torch(b)), (a, b)
        assert a.equal(b) == tb.equal(a, b)
    with pytest.raises(TypeError, match="equal"):
        tb.equal(tb.zeros(1), 0.0)


# ---- tril / triu -----------------------------------------------------------------------------


@pytest.mark.parametrize("shape", [(4, 4), (3, 5), (5, 3), (2, 3, 4), (0, 3), (1, 1)])
@pytest.mark.parametrize("diagonal", [-6, -1, 0, 1, 2, 6])
def test_tril_triu_match_pytorch(shape, diagonal):
    x = tb.arange(int(np.prod(shape)), dtype=tb.float64).reshape(shape) + 1
    for name in ("tril", "triu"):
        assert_same(getattr(tb, name)(x, diagonal), getattr(torch, name)(to_torch(x), diagonal))
        assert_same(getattr(x, name)(diagonal), getattr(torch, name)(to_torch(x), diagonal))


@pytest.mark.parametrize("dtype", ["int64", "int8", "bool", "float16", "complex64"])
def test_tril_triu_keep_the_dtype(dtype):
    a = (np.arange(12).reshape(3, 4) % 3).astype(dtype)
    for name in ("tril", "triu"):
        assert_same(getattr(tb, name)(tb.from_numpy(a)), getattr(torch, name)(torch.from_numpy(a)))


def test_tril_triu_of_strided_views_and_gradients():
    base = tb.arange(20, dtype=tb.float32).reshape(4, 5)
    view = base.t()[1:, ::2]
    assert_same(tb.tril(view, 1), torch.tril(to_torch(base).t()[1:, ::2], 1))
    x = tb.randn(3, 4, requires_grad=True)
    weights = tb.randn(3, 4)
    (tb.triu(x, 1) * weights).sum().backward()
    xt = to_torch(x).requires_grad_(True)
    (torch.triu(xt, 1) * to_torch(weights)).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), xt.grad.numpy())


def test_tril_triu_errors():
    with pytest.raises(ValueError, match=r"tril\(\).*at least 2 dims.*\[3\]"):
        tb.tril(tb.zeros(3))
    with pytest.raises(ValueError, match=r"triu\(\).*\[\]"):
        tb.triu(tb.zeros(()))
    with pytest.raises(TypeError, match="triu"):
        tb.triu([[1, 2], [3, 4]])


# ---- new_* and type_as -----------------------------------------------------------------------


def test_new_factories_take_dtype_and_device_from_self():
    x = tb.zeros(2, dtype=tb.float64)
    tx = torch.zeros(2, dtype=torch.float64)
    assert_same(x.new_zeros(2, 3), tx.new_zeros(2, 3))
    assert_same(x.new_zeros((2, 3)), tx.new_zeros((2, 3)))
    assert_same(x.new_ones(4), tx.new_ones(4))
    assert_same(x.new_full((2, 2), 7), tx.new_full((2, 2), 7))
    assert_same(x.new_tensor([1, 2, 3]), tx.new_tensor([1, 2, 3]))
    assert_same(x.new_zeros(3, dtype=tb.int32), tx.new_zeros(3, dtype=torch.int32))
    e = x.new_empty(5)
    assert e.dtype == tb.float64 and list(e.shape) == [5] and e.device == x.device
    assert x.new_ones(2, requires_grad=True).requires_grad
    y = x.new_tensor([1.0])
    assert y.data_ptr() != x.data_ptr()
    assert_same(tb.tensor([1.5, 2.5]).type_as(tb.zeros(1, dtype=tb.int32)),
                torch.tensor([1.5, 2.5]).type_as(torch.zeros(1, dtype=torch.int32)))


def test_new_factories_reject_bad_sizes_naming_the_factory():
    x = tb.zeros(2)
    with pytest.raises(ValueError, match=r"zeros: negative dimension in shape \[-1\]"):
        x.new_zeros(-1)
    with pytest.raises(ValueError, match=r"ones: negative dimension in shape \[2, -1\]"):
        x.new_ones(2, -1)
    with pytest.raises(ValueError, match=r"full: negative dimension"):
        x.new_full((-1,), 3.0)
    with pytest.raises(ValueError, match=r"empty: negative dimension"):
        x.new_empty(-2)


# ---- shapes, grids, roll, diff -----------------------------------------------------------------


def test_broadcast_shapes_and_tensors_match_pytorch():
    for shapes in [((2, 1), (3,)), ((1,), (4, 1, 5), (4, 5)), ((),), ((0, 1), (1, 3)), (3, (2, 1))]:
        assert list(tb.broadcast_shapes(*shapes)) == list(torch.broadcast_shapes(*shapes))
    with pytest.raises(ValueError, match=r"broadcast_shapes.*\[2\], \[3\].*size 2 against 3"):
        tb.broadcast_shapes((2,), (3,))
    a, b = tb.arange(3.0), tb.ones(2, 1)
    ours = tb.broadcast_tensors(a, b)
    theirs = torch.broadcast_tensors(to_torch(a), to_torch(b))
    for o, t_ in zip(ours, theirs):
        assert_same(o, t_)
    assert ours[0].data_ptr() == a.data_ptr()  # views


@pytest.mark.parametrize("indexing", ["ij", "xy"])
def test_meshgrid_matches_pytorch(indexing):
    vectors = [tb.arange(3.0), tb.arange(2.0) + 10, tb.tensor(7.0)]
    for count in (1, 2, 3):
        ours = tb.meshgrid(*vectors[:count], indexing=indexing)
        theirs = torch.meshgrid(*[to_torch(v) for v in vectors[:count]], indexing=indexing)
        assert len(ours) == len(theirs)
        for o, t_ in zip(ours, theirs):
            assert_same(o, t_)
    listed = tb.meshgrid([tb.arange(2), tb.arange(3)], indexing=indexing)
    assert [list(g.shape) for g in listed] == [
        list(g.shape) for g in torch.meshgrid([torch.arange(2), torch.arange(3)], indexing=indexing)
    ]
    with pytest.raises(ValueError, match="indexing"):
        tb.meshgrid(tb.arange(2), indexing="yx")
    with pytest.raises(ValueError, match=r"meshgrid.*\[2, 2\]"):
        tb.meshgrid(tb.zeros(2, 2))


@pytest.mark.parametrize(
    "shifts,dims", [(1, 1), (-1, 0), (5, 1), ((1, 2), (0, 1)), (3, None), (-7, None), (0, 1), (4, -1)]
)
def test_roll_matches_pytorch(shifts, dims):
    x = tb.arange(12.0).reshape(3, 4)
    assert_same(tb.roll(x, shifts, dims), torch.roll(to_torch(x), shifts, dims))
    assert_same(tb.roll(x.t(), shifts, dims), torch.roll(to_torch(x).t(), shifts, dims))


def test_roll_copies_gradients_and_errors():
    x = tb.arange(4.0)
    rolled = tb.roll(x, 0, 0)
    assert rolled.data_ptr() != x.data_ptr()  # a new tensor, as in PyTorch
    assert_same(tb.roll(tb.zeros(0, 3), 1, 0), torch.roll(torch.zeros(0, 3), 1, 0))
    w = tb.arange(5.0).requires_grad_()
    (tb.roll(w, 2) * tb.arange(5.0)).sum().backward()
    wt = torch.arange(5.0).requires_grad_()
    (torch.roll(wt, 2) * torch.arange(5.0)).sum().backward()
    np.testing.assert_array_equal(w.grad.numpy(), wt.grad.numpy())
    with pytest.raises(ValueError, match=r"roll.*same length"):
        tb.roll(tb.zeros(2, 2), (1, 2), (0,))


@pytest.mark.parametrize("n,dim", [(1, -1), (2, -1), (1, 0), (3, 1), (0, 0), (9, 1)])
def test_diff_matches_pytorch(n, dim):
    x = tb.tensor([[1.0, 4.0, 9.0, 16.0, 25.0], [2.0, -1.0, 0.5, 8.0, 3.0]])
    assert_same(tb.diff(x, n, dim), torch.diff(to_torch(x), n, dim))


def test_diff_prepend_append_bools_gradients_and_errors():
    x = tb.tensor([1.0, 3.0, 6.0])
    pre, app = tb.tensor([0.0]), tb.tensor([10.0, 15.0])
    assert_same(tb.diff(x, 1, 0, pre, app),
                torch.diff(to_torch(x), 1, 0, to_torch(pre), to_torch(app)))
    b = tb.tensor([True, True, False, True])
    assert_same(tb.diff(b), torch.diff(to_torch(b)))
    w = tb.tensor([1.0, 2.0, 4.0, 8.0], requires_grad=True)
    (tb.diff(w, 2) * tb.tensor([1.0, 3.0])).sum().backward()
    wt = torch.tensor([1.0, 2.0, 4.0, 8.0], requires_grad=True)
    (torch.diff(wt, 2) * torch.tensor([1.0, 3.0])).sum().backward()
    np.testing.assert_array_equal(w.grad.numpy(), wt.grad.numpy())
    with pytest.raises(ValueError, match="non-negative"):
        tb.diff(x, -1)
    with pytest.raises(ValueError, match=r"diff.*at least 1 dim"):
        tb.diff(tb.tensor(1.0))


# ---- count_nonzero, nansum, nanmean, trace, lerp, logspace -----------------------------------


def test_count_nonzero_matches_pytorch():
    x = tb.tensor([[0.0, 1.0, -0.0], [math.nan, 0.0, 2.0]])
    for dim in (None, 0, 1, (0, 1)):
        assert_same(tb.count_nonzero(x, dim), torch.count_nonzero(to_torch(x), dim))
    assert_same(tb.count_nonzero(tb.tensor([True, False, True])),
                torch.count_nonzero(torch.tensor([True, False, True])))


@pytest.mark.parametrize("dim,keepdim", [(None, False), (0, False), (1, True), ((0, 1), False)])
def test_nansum_nanmean_match_pytorch(dim, keepdim):
    a = np.array([[1.0, math.nan, 3.0], [math.nan, math.nan, math.nan], [0.5, -2.0, math.inf]])
    x = tb.from_numpy(a)
    kwargs = {} if dim is None else {"dim": dim, "keepdim": keepdim}
    np.testing.assert_allclose(tb.nansum(x, **kwargs).numpy(), torch.nansum(torch.from_numpy(a), **kwargs).numpy())
    np.testing.assert_allclose(tb.nanmean(x, **kwargs).numpy(), torch.nanmean(torch.from_numpy(a), **kwargs).numpy())


def test_nansum_nanmean_gradients_dtypes_and_errors():
    a = [1.0, math.nan, 3.0, 4.0]
    x, xt = tb.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    (tb.nansum(x) + tb.nanmean(x)).backward()
    (torch.nansum(xt) + torch.nanmean(xt)).backward()
    np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy())
    assert_same(tb.nansum(tb.tensor([1, 2, 3])), torch.nansum(torch.tensor([1, 2, 3])))
    assert tb.nansum(tb.tensor([1.0, math.nan]), dtype=tb.float64).dtype == tb.float64
    with pytest.raises(TypeError, match=r"nanmean.*int64"):
        tb.nanmean(tb.tensor([1, 2]))


def test_trace_matches_pytorch():
    for shape in [(3, 3), (2, 4), (4, 2), (0, 0)]:
        x = tb.arange(int(np.prod(shape)), dtype=tb.float64).reshape(shape)
        assert_same(tb.trace(x), torch.trace(to_torch(x)))
    w = tb.ones(3, 3, requires_grad=True)
    tb.trace(w).backward()
    np.testing.assert_array_equal(w.grad.numpy(), np.eye(3, dtype=np.float32))
    with pytest.raises(ValueError, match=r"trace.*2-D.*\[3\]"):
        tb.trace(tb.zeros(3))


def test_lerp_matches_pytorch():
    # PyTorch fuses the multiply-add on the CPU and we do not: the same formula, to an ulp or
    # two, and exact at the ends (weight 0 gives start, weight 1 gives end).
    rng = np.random.default_rng(0)
    start = rng.standard_normal(64).astype(np.float32)
    end = rng.standard_normal(64).astype(np.float32)
    weights = rng.uniform(-1, 2, 64).astype(np.float32)
    ts, te = tb.from_numpy(start), tb.from_numpy(end)
    for w in (0.0, 0.25, 0.5, 0.75, 1.0, 1.5, -0.3):
        np.testing.assert_allclose(tb.lerp(ts, te, w).numpy(),
                                   torch.lerp(torch.from_numpy(start), torch.from_numpy(end), w).numpy(),
                                   rtol=4e-7, atol=1e-7)
    np.testing.assert_array_equal(tb.lerp(ts, te, 0.0).numpy(), start)
    np.testing.assert_array_equal(tb.lerp(ts, te, 1.0).numpy(), end)
    np.testing.assert_allclose(
        tb.lerp(ts, te, tb.from_numpy(weights)).numpy(),
        torch.lerp(torch.from_numpy(start), torch.from_numpy(end), torch.from_numpy(weights)).numpy(),
        rtol=4e-7, atol=1e-7)
    s, e = tb.zeros(2, requires_grad=True), tb.ones(2, requires_grad=True)
    tb.lerp(s, e, 0.25).sum().backward()
    np.testing.assert_allclose(s.grad.numpy(), [0.75, 0.75])
    np.testing.assert_allclose(e.grad.numpy(), [0.25, 0.25])


@pytest.mark.parametrize("dtype", [None, "float64", "float32"])
def test_logspace_matches_pytorch(dtype):
    for start, end, steps, base in [(0, 2, 3, 10.0), (-1, 1, 5, 2.0), (0, 1, 1, 10.0), (1, 3, 0, 10.0)]:
        ours = tb.logspace(start, end, steps, base, dtype=getattr(tb, dtype) if dtype else None)
        theirs = torch.logspace(start, end, steps, base, dtype=getattr(torch, dtype) if dtype else None)
        assert str(ours.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1]
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6)


# ---- var_mean/std_mean, diag, tensordot, kron, bincount --------------------------------------


@pytest.mark.parametrize("kwargs", [{}, {"dim": 1}, {"dim": 0, "keepdim": True}, {"dim": 1, "correction": 0},
                                    {"dim": (0, 1), "unbiased": False}])
def test_var_mean_std_mean_match_pytorch(kwargs):
    a = np.random.default_rng(1).standard_normal((4, 5))
    for name in ("var_mean", "std_mean"):
        ours = getattr(tb, name)(tb.from_numpy(a), **kwargs)
        theirs = getattr(torch, name)(torch.from_numpy(a), **kwargs)
        for o, t_ in zip(ours, theirs):
            np.testing.assert_allclose(o.numpy(), t_.numpy(), rtol=1e-12)


@pytest.mark.parametrize("k", [-3, -1, 0, 1, 2])
def test_diag_matches_pytorch(k):
    v = tb.arange(1.0, 4.0)
    assert_same(tb.diag(v, k), torch.diag(to_torch(v), k))
    m = tb.arange(12.0).reshape(3, 4)
    assert_same(tb.diag(m, k), torch.diag(to_torch(m), k))
    assert tb.diag(m, k).data_ptr() != m.data_ptr()  # a copy, as in PyTorch
    assert_same(tb.diag(tb.tensor([1, 2]), k), torch.diag(torch.tensor([1, 2]), k))


def test_diag_gradients_and_errors():
    v = tb.tensor([1.0, 2.0, 3.0], requires_grad=True)
    (tb.diag(v, -1) * tb.arange(16.0).reshape(4, 4)).sum().backward()
    vt = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    (torch.diag(vt, -1) * torch.arange(16.0).reshape(4, 4)).sum().backward()
    np.testing.assert_array_equal(v.grad.numpy(), vt.grad.numpy())
    with pytest.raises(ValueError, match=r"diag.*1-D or 2-D.*\[2, 2, 2\]"):
        tb.diag(tb.zeros(2, 2, 2))


@pytest.mark.parametrize("dims,shape_b", [(2, (3, 4, 3)), (1, (4, 5)), (0, (2,)), (([1, 2], [0, 1]), (3, 4, 3)),
                                          (([0], [1]), (3, 2)), (([2], [0]), (4, 5)), (([-1, 0], [1, 2]), (5, 4, 2))])
def test_tensordot_matches_pytorch(dims, shape_b):
    rng = np.random.default_rng(2)
    a = rng.standard_normal((2, 3, 4))
    b = rng.standard_normal(shape_b)
    np.testing.assert_allclose(tb.tensordot(tb.from_numpy(a), tb.from_numpy(b), dims).numpy(),
                               torch.tensordot(torch.from_numpy(a), torch.from_numpy(b), dims).numpy(),
                               rtol=1e-12, atol=1e-12)


def test_tensordot_gradients_and_errors():
    a = tb.randn(2, 3, requires_grad=True)
    b = tb.randn(3, 4, requires_grad=True)
    tb.tensordot(a, b, 1).sum().backward()
    at, bt = to_torch(a).requires_grad_(), to_torch(b).requires_grad_()
    torch.tensordot(at, bt, 1).sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), at.grad.numpy(), rtol=1e-6)
    np.testing.assert_allclose(b.grad.numpy(), bt.grad.numpy(), rtol=1e-6)
    with pytest.raises(ValueError, match=r"tensordot.*size 3.*size 4"):
        tb.tensordot(tb.zeros(2, 3), tb.zeros(4, 2), 1)
    with pytest.raises(ValueError, match=r"tensordot: dims must be in \[0, 2\]"):
        tb.tensordot(tb.zeros(2, 3), tb.zeros(3, 2), 3)


@pytest.mark.parametrize("sa,sb", [((2, 2), (2, 3)), ((3,), (2,)), ((2, 1, 2), (3, 2)), ((0, 2), (2, 2))])
def test_kron_matches_pytorch(sa, sb):
    a = tb.arange(int(np.prod(sa)), dtype=tb.float64).reshape(sa) + 1
    b = tb.arange(int(np.prod(sb)), dtype=tb.float64).reshape(sb) - 2
    assert_same(tb.kron(a, b), torch.kron(to_torch(a), to_torch(b)))


def test_bincount_matches_pytorch():
    x = tb.tensor([0, 1, 1, 3, 7, 1])
    xt = to_torch(x)
    assert_same(tb.bincount(x), torch.bincount(xt))
    assert_same(tb.bincount(x, minlength=10), torch.bincount(xt, minlength=10))
    w = tb.tensor([0.5, 1.0, 2.0, 0.25, 1.0, 3.0])
    assert_same(tb.bincount(x, w), torch.bincount(xt, to_torch(w)))
    wi = tb.tensor([1, 2, 3, 4, 5, 6])
    assert_same(tb.bincount(x, wi), torch.bincount(xt, to_torch(wi)))
    assert_same(tb.bincount(tb.tensor([], dtype=tb.int64)), torch.bincount(torch.tensor([], dtype=torch.int64)))
    assert_same(tb.bincount(tb.tensor([2, 0], dtype=tb.uint8)), torch.bincount(torch.tensor([2, 0], dtype=torch.uint8)))
    with pytest.raises(ValueError, match="non-negative"):
        tb.bincount(tb.tensor([1, -1]))
    with pytest.raises(TypeError, match=r"bincount.*1-D integer.*float32"):
        tb.bincount(tb.tensor([1.0]))
    with pytest.raises(ValueError, match=r"bincount: weights of shape \[2\]"):
        tb.bincount(x, tb.ones(2))
