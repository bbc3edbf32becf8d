"""Complex numbers the way PyTorch and NumPy users expect them, with PyTorch as the oracle:
t.real / t.imag and view_as_real / view_as_complex are zero-copy views (same pointers, writes
seen both ways, torch's shapes and strides), conj/angle/sgn/complex/polar and the complex forms
of sigmoid/tan/log1p/expm1/rsqrt/cumsum/cumprod give torch's values on a grid of edge values
(wherever torch agrees with itself), and gradients through complex ops equal torch's."""

from __future__ import annotations

import math

import numpy as np
import pytest

import tensorbridge as tb

torch = pytest.importorskip("torch")

CDTYPES = [(tb.complex64, torch.complex64, np.complex64), (tb.complex128, torch.complex128, np.complex128)]


def cx_array(shape, dtype=np.complex128, seed=0):
    rng = np.random.default_rng(seed)
    return (rng.standard_normal(shape) + 1j * rng.standard_normal(shape)).astype(dtype)


def both(a):
    """The same values as a tensorbridge tensor and a torch tensor (separate memory)."""
    return tb.tensor(a), torch.tensor(a)


def layouts(t):
    """Views of a [4, 6] tensor in the layouts the views must handle (any library)."""
    return {
        "contiguous": t,
        "transposed": t.t(),
        "strided": t[1::2, ::3],
        "row": t[2],
        "zero_d": t[1, 3],
        "empty": t[:0],
    }


# ---- views ---------------------------------------------------------------------------------


@pytest.mark.parametrize("tbd,thd,npd", CDTYPES)
def test_real_imag_are_views_with_torchs_geometry(tbd, thd, npd):
    a = cx_array((4, 6), npd)
    x, y = both(a)
    for name, (xv, yv) in {k: (v, layouts(y)[k]) for k, v in layouts(x).items()}.items():
        for part in ("real", "imag"):
            xp, yp = getattr(xv, part), getattr(yv, part)
            assert xp.shape == tuple(yp.shape), name
            assert xp.stride() == yp.stride(), name
            assert xp.storage_offset() == yp.storage_offset(), name
            assert xp.dtype == (tb.float32 if tbd == tb.complex64 else tb.float64)
            np.testing.assert_array_equal(xp.numpy(), yp.numpy(), err_msg=name)
        assert xv.real.data_ptr() == xv.data_ptr()
        assert xv.imag.data_ptr() == xv.data_ptr() + xv.real.element_size()


def test_real_numpy_shares_memory_both_ways():
    t = tb.tensor(cx_array((3, 4)))
    r = t.real.numpy()
    i = t.imag.numpy()
    assert r.__array_interface__["data"][0] == t.data_ptr()
    assert i.__array_interface__["data"][0] == t.data_ptr() + 8
    r[1, 2] = 42.0  # NumPy -> tensorbridge
    assert complex(t[1, 2]).real == 42.0
    t[0, 3] = 5 - 6j  # tensorbridge -> NumPy
    assert r[0, 3] == 5.0 and i[0, 3] == -6.0


def test_from_numpy_imag_writes_reach_the_array():
    a = cx_array((5,), np.complex64)
    t = tb.from_numpy(a)
    t.imag[1] = 7.0
    t.real[2:4] = tb.tensor([1.0, 2.0], dtype=tb.float32)
    assert a[1].imag == 7.0 and a[2].real == 1.0 and a[3].real == 2.0
    a[4] = 3 + 4j
    assert float(t.imag[4]) == 4.0


def test_real_imag_setters_write_through():
    x, y = both(cx_array((3, 4)))
    x.real = 0
    y.real = 0
    x.imag = tb.tensor([1.0, 2.0, 3.0, 4.0], dtype=tb.float64)  # broadcast over rows
    y.imag = torch.tensor([1.0, 2.0, 3.0, 4.0], dtype=torch.float64)
    np.testing.assert_array_equal(x.numpy(), y.numpy())
    x.t().imag[...] = -1.5
    assert (x.imag.numpy() == -1.5).all() and (x.real.numpy() == 0).all()
    r = tb.tensor([1.0, 2.0])
    r.real = 5  # a real tensor is its own real part
    assert r.tolist() == [5.0, 5.0]
    with pytest.raises(TypeError, match="imag"):
        r.imag = 1
    with pytest.raises(TypeError, match="imag"):
        r.imag


def test_real_of_real_is_the_tensor_and_errors_match_torch():
    r = tb.tensor([1.0, -2.0])
    assert r.real.data_ptr() == r.data_ptr() and tb.real(r).data_ptr() == r.data_ptr()
    with pytest.raises(TypeError, match="view_as_real"):
        tb.view_as_real(r)
    with pytest.raises(RuntimeError):
        torch.view_as_real(torch.tensor([1.0]))


def test_read_only_arrays_give_read_only_views():
    a = cx_array((4,))
    a.flags.writeable = False
    t = tb.from_numpy(a)
    assert t.real.is_read_only and tb.view_as_real(t).is_read_only
    with pytest.raises(Exception, match="read-only"):
        t.imag = 0


@pytest.mark.parametrize("tbd,thd,npd", CDTYPES)
def test_view_as_real_and_back_match_torch(tbd, thd, npd):
    x, y = both(cx_array((4, 6), npd))
    for name, (xv, yv) in {k: (v, layouts(y)[k]) for k, v in layouts(x).items()}.items():
        xr, yr = tb.view_as_real(xv), torch.view_as_real(yv)
        assert xr.shape == tuple(yr.shape) and xr.stride() == yr.stride(), name
        assert xr.storage_offset() == yr.storage_offset() and xr.data_ptr() == xv.data_ptr()
        np.testing.assert_array_equal(xr.numpy(), yr.numpy())
        xc, yc = tb.view_as_complex(xr), torch.view_as_complex(yr)
        assert xc.shape == tuple(yc.shape) and xc.stride() == yc.stride(), name
        assert xc.data_ptr() == xv.data_ptr()
    tb.view_as_real(x)[0, 0, 1] = 123.0
    assert complex(x[0, 0]).imag == 123.0


def _view_as_complex_cases(lib):
    f = lib.arange(24.0).reshape(3, 4, 2)
    return {
        "contiguous": f,
        "sliced": f[:, 1:3],
        "size1_odd_stride": f.as_strided((3, 1, 2), (6, 3, 1)),
        "expanded": f[0].expand(5, 4, 2),
        "last_not_2": f.reshape(4, 6),
        "last_stride": lib.arange(24.0).reshape(2, 12).t()[:3],
        "odd_stride": lib.arange(24.0).reshape(4, 6)[:, :2].as_strided((3, 2), (3, 1)),
        "odd_offset": lib.arange(24.0)[1:7].reshape(3, 2),
        "zero_d": lib.arange(24.0)[0],
    }


def test_view_as_complex_accepts_and_refuses_what_torch_does():
    ours, theirs = _view_as_complex_cases(tb), _view_as_complex_cases(torch)
    for name in ours:
        try:
            expected = torch.view_as_complex(theirs[name])
        except RuntimeError:
            with pytest.raises((ValueError, TypeError)) as info:
                tb.view_as_complex(ours[name])
            assert "view_as_complex" in str(info.value) and "shape" in str(info.value), name
            continue
        got = tb.view_as_complex(ours[name])
        assert got.shape == tuple(expected.shape) and got.stride() == expected.stride(), name
        np.testing.assert_array_equal(got.numpy(), expected.numpy(), err_msg=name)
    with pytest.raises(TypeError, match="int32"):
        tb.view_as_complex(tb.zeros(3, 2, dtype=tb.int32))


# ---- values against torch ------------------------------------------------------------------

PARTS = [0.0, -0.0, 1.0, -2.5, 1e-30, 1e30, math.inf, -math.inf, math.nan]
EDGE = np.array([complex(re, im) for re in PARTS for im in PARTS] + [1e300 + 1e300j, -1e-300 + 3e-9j])

UNARY = {
    "conj": (tb.conj, lambda t: torch.conj(t).resolve_conj()),
    "conj_physical": (tb.conj_physical, torch.conj_physical),
    "angle": (tb.angle, torch.angle),
    "sgn": (tb.sgn, torch.sgn),
    "sigmoid": (tb.sigmoid, torch.sigmoid),
    "tan": (tb.tan, torch.tan),
    "log1p": (tb.log1p, torch.log1p),
    "expm1": (tb.expm1, torch.expm1),
    "rsqrt": (tb.rsqrt, torch.rsqrt),
    "abs": (tb.abs, torch.abs),
    "reciprocal": (tb.reciprocal, torch.reciprocal),
}


# Where torch's value is NaN + NaN i but the function has a limit there, NumPy's value.
NUMPY_WHERE_TORCH_IS_NAN = {"log1p": np.log1p}


def _same(got, want, rtol):
    """Component-wise: NaN matches NaN, infinities and zeros exactly, else within rtol."""
    got, want = np.atleast_1d(got), np.atleast_1d(want)
    parts = [(got.real, want.real), (got.imag, want.imag)] if np.iscomplexobj(want) else [(got, want)]
    ok = np.ones(want.shape, dtype=bool)
    for g, w in parts:
        finite = np.isfinite(w) & np.isfinite(g)
        close = np.abs(g - w) <= rtol * np.abs(w) + 1e-300
        ok &= np.where(finite, close, (np.isnan(g) & np.isnan(w)) | (g == w))
    return ok


def _torch_consistent(fn, values, thd):
    """torch's result for each value, and where torch agrees with itself: the same value alone
    (its scalar path) and within the whole batch (its vectorized path), in both precisions."""
    batch = fn(torch.tensor(values, dtype=thd)).numpy()
    alone = np.array([fn(torch.tensor([v], dtype=thd)).numpy()[0] for v in values])
    other = torch.complex128 if thd == torch.complex64 else torch.complex64
    wide = fn(torch.tensor(values, dtype=other)).numpy().astype(batch.dtype)
    consistent = _same(batch, alone, 1e-5) & _same(batch, wide, 1e-3)
    return batch, consistent


@pytest.mark.parametrize("tbd,thd,npd", CDTYPES)
@pytest.mark.parametrize("name", list(UNARY))
def test_unary_edge_values_match_torch(name, tbd, thd, npd):
    ours_fn, torch_fn = UNARY[name]
    values = EDGE.astype(npd)
    want, consistent = _torch_consistent(torch_fn, values, thd)
    got = ours_fn(tb.tensor(values)).numpy()
    assert got.dtype == want.dtype
    if name in NUMPY_WHERE_TORCH_IS_NAN:
        # torch gives NaN + NaN i where the limit exists and NumPy (C99's clog) gives it; so do we.
        np_fn = NUMPY_WHERE_TORCH_IS_NAN[name]
        torch_nan = np.isnan(want.real) & np.isnan(want.imag)
        with np.errstate(all="ignore"):
            want = np.where(torch_nan, np_fn(values), want)
    rtol = 2e-6 if npd == np.complex64 else 1e-13
    bad = consistent & ~_same(got, want, rtol)
    assert not bad.any(), [(v, g, w) for v, g, w in zip(values[bad], got[bad], want[bad])]
    # Where torch disagrees with itself we stay within what one of its paths gives.
    assert consistent.sum() >= 0.5 * len(values), f"only {consistent.sum()} of {len(values)} checked"


@pytest.mark.parametrize("tbd,thd,npd", CDTYPES)
@pytest.mark.parametrize("name", list(UNARY))
def test_unary_random_values_and_layouts_match_torch(name, tbd, thd, npd):
    ours_fn, torch_fn = UNARY[name]
    a = cx_array((4, 6), npd, seed=3) * 2
    x, y = both(a)
    rtol = 1e-5 if npd == np.complex64 else 1e-12
    for key, (xv, yv) in {k: (v, layouts(y)[k]) for k, v in layouts(x).items()}.items():
        got, want = ours_fn(xv).numpy(), torch_fn(yv).numpy()
        assert got.shape == want.shape, key
        np.testing.assert_allclose(got, want, rtol=rtol, atol=rtol, err_msg=f"{name} {key}")


def test_small_arguments_keep_their_digits():
    z = np.array([1e-12 + 0j, -3e-9 + 3e-5j, 2e-5 + 1e-10j, 0 + 4e-7j])
    for ours_fn, torch_fn in (UNARY["log1p"], UNARY["expm1"]):
        np.testing.assert_allclose(ours_fn(tb.tensor(z)).numpy(), torch_fn(torch.tensor(z)).numpy(), rtol=1e-14)


def test_angle_and_sgn_of_real_inputs_follow_torch():
    r = np.array([-0.0, 0.0, -1.0, 2.0, math.nan, -math.inf, math.inf])
    np.testing.assert_array_equal(tb.angle(tb.tensor(r)).numpy(), torch.angle(torch.tensor(r)).numpy())
    ints = [-3, 0, 5]
    assert tb.angle(tb.tensor(ints)).dtype == tb.float32
    np.testing.assert_array_equal(tb.angle(tb.tensor(ints)).numpy(), torch.angle(torch.tensor(ints)).numpy())
    np.testing.assert_array_equal(tb.sgn(tb.tensor(ints)).numpy(), torch.sgn(torch.tensor(ints)).numpy())
    np.testing.assert_array_equal(tb.sgn(tb.tensor(r)).numpy(), torch.sgn(torch.tensor(r)).numpy())
    # NumPy's angle differs at -0.0 (atan2 gives pi); we follow torch.
    assert np.angle(-0.0) == math.pi and float(tb.angle(tb.tensor([-0.0]))[0]) == 0.0


def test_sign_refuses_complex_like_torch():
    x = tb.tensor([1 + 1j])
    with pytest.raises(TypeError, match="sgn"):
        tb.sign(x)
    with pytest.raises(TypeError, match="sgn"):
        x.sign_()
    with pytest.raises(NotImplementedError, match="sgn"):
        torch.sign(torch.tensor([1 + 1j]))


@pytest.mark.parametrize("tbd,thd,npd", CDTYPES)
def test_cumsum_cumprod_match_torch(tbd, thd, npd):
    x, y = both(cx_array((3, 5), npd, seed=4))
    rtol = 1e-5 if npd == np.complex64 else 1e-12
    for dim in (0, 1, -1):
        for xv, yv in ((x, y), (x.t(), y.t()), (x[:, ::2], y[:, ::2])):
            np.testing.assert_allclose(tb.cumsum(xv, dim).numpy(), torch.cumsum(yv, dim).numpy(), rtol=rtol)
            np.testing.assert_allclose(xv.cumprod(dim).numpy(), yv.cumprod(dim).numpy(), rtol=rtol)
    assert tb.cumsum(x, 0).dtype == tbd


def test_complex_and_polar_match_torch():
    rng = np.random.default_rng(5)
    for dtype, tdt in ((np.float32, torch.float32), (np.float64, torch.float64)):
        re, im = rng.standard_normal((2, 1, 4)).astype(dtype)
        im = im.reshape(4, 1)
        got = tb.complex(tb.tensor(re), tb.tensor(im))
        want = torch.complex(torch.tensor(re), torch.tensor(im))
        assert got.shape == tuple(want.shape) and got.dtype == (tb.complex64 if dtype == np.float32 else tb.complex128)
        np.testing.assert_array_equal(got.numpy(), want.numpy())
        mag, ang = np.abs(re) + 0.1, im
        np.testing.assert_allclose(tb.polar(tb.tensor(mag), tb.tensor(ang)).numpy(),
                                   torch.polar(torch.tensor(mag), torch.tensor(ang)).numpy(), rtol=1e-6)
    edge = np.array([0.0, -0.0, 1.0, math.inf, math.nan])
    np.testing.assert_array_equal(
        tb.complex(tb.tensor(edge), tb.tensor(edge[::-1].copy())).numpy(),
        torch.complex(torch.tensor(edge), torch.tensor(edge[::-1].copy())).numpy())
    with pytest.raises(TypeError, match="float32.*float64|same dtype"):
        tb.complex(tb.zeros(2), tb.zeros(2, dtype=tb.float64))
    with pytest.raises(TypeError, match="int64"):
        tb.polar(tb.tensor([1]), tb.tensor([1]))
    with pytest.raises(ValueError):
        tb.complex(tb.zeros(2), tb.zeros(3))


def test_out_forms():
    re, im = tb.tensor([1.0, 2.0]), tb.tensor([3.0, -4.0])
    out = tb.empty(2, dtype=tb.complex64)
    assert tb.complex(re, im, out=out) is out
    assert out.tolist() == [1 + 3j, 2 - 4j]
    angle_out = tb.empty(2)
    tb.angle(out, out=angle_out)
    np.testing.assert_allclose(angle_out.numpy(), np.angle(out.numpy()), rtol=1e-6)
    tb.sgn(out, out=out)
    np.testing.assert_allclose(np.abs(out.numpy()), [1, 1], rtol=1e-6)
    tb.conj_physical(out, out=out)
    tb.polar(re, im, out=out)
    with pytest.raises(TypeError, match="complex64"):
        tb.complex(re, im, out=tb.empty(2))
    with pytest.raises(ValueError, match="shape"):
        tb.complex(re, im, out=tb.empty(3, dtype=tb.complex64))


def test_conj_is_a_copy_and_the_api_says_so():
    x = tb.tensor([1 + 2j, -3j])
    c = x.conj()
    assert c.data_ptr() != x.data_ptr() and not c.is_conj() and not tb.is_conj(x)
    assert c.tolist() == [1 - 2j, 3j]
    assert x.resolve_conj().data_ptr() == x.data_ptr()
    assert tb.is_complex(x) and not tb.is_complex(x.real)
    x.conj_physical_()
    assert x.tolist() == [1 - 2j, 3j]
    x.sgn_()
    np.testing.assert_allclose(x.numpy(), [(1 - 2j) / math.sqrt(5), 1j], rtol=1e-7)


# ---- autograd against torch ----------------------------------------------------------------

GRAD_OPS = {
    "mul": lambda L, x, w: x * w,
    "mul_self": lambda L, x, w: x * x,
    "div": lambda L, x, w: w / x,
    "div_scalar": lambda L, x, w: x / (2 - 1j),
    "abs": lambda L, x, w: x.abs(),
    "exp": lambda L, x, w: x.exp(),
    "log": lambda L, x, w: x.log(),
    "sqrt": lambda L, x, w: x.sqrt(),
    "rsqrt": lambda L, x, w: x.rsqrt(),
    "sin": lambda L, x, w: x.sin(),
    "cos": lambda L, x, w: x.cos(),
    "tan": lambda L, x, w: x.tan(),
    "tanh": lambda L, x, w: x.tanh(),
    "sigmoid": lambda L, x, w: x.sigmoid(),
    "log1p": lambda L, x, w: x.log1p(),
    "expm1": lambda L, x, w: x.expm1(),
    "reciprocal": lambda L, x, w: x.reciprocal(),
    "square": lambda L, x, w: x.square(),
    "pow2": lambda L, x, w: x**2,
    "pow_complex": lambda L, x, w: x ** (0.5 + 1j),
    "pow_tensor": lambda L, x, w: x**w,
    "sum": lambda L, x, w: x.sum(dim=1, keepdim=True) * w,
    "mean": lambda L, x, w: x.mean() * w,
    "prod": lambda L, x, w: x.prod(dim=0) * w,
    "cumsum": lambda L, x, w: x.cumsum(1) * w,
    "cumprod": lambda L, x, w: x.cumprod(0) * w,
    "var": lambda L, x, w: L.var(x, dim=1),
    "std": lambda L, x, w: L.std(x, dim=0),
    "norm": lambda L, x, w: L.norm(x),
    "matmul": lambda L, x, w: x @ w.t(),
    "matmul_left": lambda L, x, w: w.t() @ x,
    "linear": lambda L, x, w: (tb.nn.functional if L is tb else torch.nn.functional).linear(x, w, w[0]),
    "real": lambda L, x, w: x.real * 3,
    "imag": lambda L, x, w: x.imag * x.real,
    "real_fn": lambda L, x, w: L.real(x * w),
    "view_as_real": lambda L, x, w: L.view_as_real(x * w) ** 2,
    "view_as_complex": lambda L, x, w: L.view_as_complex(L.view_as_real(x).flip(-1).contiguous()) * w,
    "conj": lambda L, x, w: x.conj() * w,
    "angle": lambda L, x, w: x.angle(),
    "sgn": lambda L, x, w: x.sgn() * w,
    "complex": lambda L, x, w: L.complex(x.real * 2, x.imag.exp()) * w,
    "polar": lambda L, x, w: L.polar(x.abs(), x.angle() + 0.5),
    "where": lambda L, x, w: L.where(x.real > 0, x, w * x),
}


def _loss(L, out):
    """A real loss of any output: sum(real) + 2 sum(imag) for complex, sum for real."""
    if out.is_complex():
        return out.real.sum() + 2 * out.imag.sum()
    return out.sum()


@pytest.mark.parametrize("name", list(GRAD_OPS))
def test_gradients_match_torch(name):
    fn = GRAD_OPS[name]
    a = cx_array((3, 3), seed=7) + (1.5 + 0.5j)  # away from 0 and the negative real axis
    b = cx_array((3, 3), seed=8)
    x, w = tb.tensor(a, requires_grad=True), tb.tensor(b, requires_grad=True)
    xt, wt = torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)
    _loss(tb, fn(tb, x, w)).backward()
    _loss(torch, fn(torch, xt, wt)).backward()
    np.testing.assert_allclose(x.grad.numpy(), xt.grad.resolve_conj().numpy(), rtol=1e-10, atol=1e-12, err_msg=name)
    if wt.grad is not None:
        np.testing.assert_allclose(w.grad.numpy(), wt.grad.resolve_conj().numpy(), rtol=1e-10, atol=1e-12,
                                   err_msg=name)


def test_abs_of_product_backward_from_the_issue():
    a = cx_array((4,), np.complex64, seed=9)
    x, xt = tb.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    (x * x).abs().sum().backward()
    (xt * xt).abs().sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy(), rtol=1e-5)


def test_real_input_meeting_complex_gets_the_real_part():
    r = np.array([0.5, -1.0, 2.0])
    c = cx_array((3,), seed=10)
    x, xt = tb.tensor(r, requires_grad=True), torch.tensor(r, requires_grad=True)
    _loss(tb, x * tb.tensor(c)).backward()
    _loss(torch, xt * torch.tensor(c)).backward()
    assert x.grad.dtype == tb.float64
    np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy(), rtol=1e-12)


def test_complex_output_needs_an_explicit_gradient():
    x = tb.tensor([1 + 1j], requires_grad=True)
    with pytest.raises(RuntimeError, match="real scalar outputs"):
        (x * 2).sum().backward()
    (x * 2).sum().backward(tb.tensor(1 - 1j))
    xt = torch.tensor([1 + 1j], requires_grad=True)
    (xt * 2).sum().backward(torch.tensor(1 - 1j))
    np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy())


def test_in_place_writes_through_component_views_of_grad_tensors_are_refused():
    x = tb.tensor([1 + 1j, 2j], requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf"):
        x.real.fill_(0)
    with tb.no_grad():
        x.real = 0  # allowed outside autograd, like torch
    assert x.tolist() == [1j, 2j]
