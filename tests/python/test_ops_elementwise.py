"""Elementwise math from Python against PyTorch and NumPy: every binary and unary op on every
dtype (values, result dtypes, shapes, and which inputs are refused), type promotion with weak
Python/NumPy scalars against torch.result_type, broadcasting edge cases, non-contiguous and
negative-stride operands, NaN/inf and integer edge cases, the operators (reflected, in-place,
comparisons, NotImplemented), out=, in-place refusals, and gradients of composite
expressions."""

from __future__ import annotations

import operator

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import tensorbridge as tb
from conftest import NUMPY_DTYPES, TORCH_DTYPES

torch = pytest.importorskip("torch")

NAN, INF = float("nan"), float("inf")

# Relative tolerance per result dtype (the transcendental kernels are Eigen's, PyTorch's are
# Sleef's: both within a few ulp).
RTOL = {tb.float16: 2e-3, tb.bfloat16: 1.6e-2, tb.float32: 2e-6, tb.complex64: 2e-6, tb.float64: 1e-12, tb.complex128: 1e-12}

SWEEP_DTYPES = [tb.bool, tb.uint8, tb.int8, tb.int16, tb.int32, tb.int64, tb.float16, tb.bfloat16,
                tb.float32, tb.float64, tb.complex64, tb.complex128]


def to_numpy(t):
    """The values of a tensorbridge or PyTorch tensor as a NumPy array (bfloat16 as float32)."""
    t = t.detach()
    if t.dtype in (tb.bfloat16, torch.bfloat16):
        t = t.float()
    return np.array(t.numpy())


def both(values, dtype):
    """The same values as a tensorbridge and a PyTorch tensor of `dtype`."""
    a = np.asarray(values)
    if dtype == tb.bfloat16:
        base = a.astype(np.float32)
        return tb.tensor(base).to(tb.bfloat16), torch.from_numpy(base.copy()).to(torch.bfloat16)
    base = a.astype(NUMPY_DTYPES[dtype])
    return tb.tensor(base), torch.from_numpy(base.copy())


def assert_matches(ours, theirs, rtol=None):
    """Same dtype, shape and values (NaN where they have NaN)."""
    assert isinstance(ours, tb.Tensor), type(ours)
    assert TORCH_DTYPES[ours.dtype] == theirs.dtype, (ours.dtype, theirs.dtype)
    assert tuple(ours.shape) == tuple(theirs.shape)
    a, b = to_numpy(ours), to_numpy(theirs)
    if a.dtype.kind in "fc":
        tol = RTOL[ours.dtype] if rtol is None else rtol
        np.testing.assert_allclose(a, b, rtol=tol, atol=tol, equal_nan=True)
    else:
        np.testing.assert_array_equal(a, b)


def outcome(fn):
    """fn()'s result, or the exception it raised."""
    try:
        return fn()
    except Exception as e:  # noqa: BLE001 - any refusal is compared below
        return e


def assert_agrees(case, ours_fn, theirs_fn, rtol=None):
    """tensorbridge refuses what PyTorch refuses (dtypes without a kernel included);
    otherwise the results match."""
    theirs = outcome(theirs_fn)
    ours = outcome(ours_fn)
    if isinstance(theirs, Exception):
        assert isinstance(ours, Exception), f"{case}: PyTorch raised {theirs!r}, tensorbridge returned {ours}"
        return
    assert not isinstance(ours, Exception), f"{case}: tensorbridge raised {ours!r}"
    try:
        assert_matches(ours, theirs, rtol)
    except AssertionError as e:
        raise AssertionError(f"{case}: {e}") from None


# ---- binary ops: every dtype pair against PyTorch ------------------------------------------

BINARY = ["add", "sub", "mul", "div", "true_divide", "floor_divide", "remainder", "pow", "maximum",
          "minimum", "atan2", "eq", "ne", "lt", "le", "gt", "ge", "logical_and", "logical_or",
          "logical_xor", "bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_left_shift",
          "bitwise_right_shift"]
ALIASES = {"subtract": "sub", "multiply": "mul", "divide": "div", "not_equal": "ne", "less": "lt",
           "less_equal": "le", "greater": "gt", "greater_equal": "ge"}

A_VALUES = np.array([-3, -1, 0, 2, 5]).reshape(5, 1)
B_VALUES = np.array([-2, 1, 3]).reshape(1, 3)  # no zero: integer division by zero raises


@pytest.mark.parametrize("name", BINARY)
def test_binary_op_every_dtype_pair_matches_torch(name):
    b_values = np.abs(B_VALUES) if "shift" in name else B_VALUES
    for da in SWEEP_DTYPES:
        for db in SWEEP_DTYPES:
            a, ta = both(A_VALUES, da)
            b, tb_ = both(b_values, db)
            assert_agrees(f"{name}({da}, {db})", lambda: getattr(tb, name)(a, b),
                          lambda: getattr(torch, name)(ta, tb_))


@pytest.mark.parametrize("alias", sorted(ALIASES))
def test_aliases_compute_their_op(alias):
    a, ta = both(A_VALUES, tb.float32)
    b, tb_ = both(B_VALUES, tb.int32)
    assert_matches(getattr(tb, alias)(a, b), getattr(torch, ALIASES[alias])(ta, tb_))
    assert_matches(getattr(a, alias)(b), getattr(ta, alias)(tb_))
    c, tc = a.clone(), ta.clone()
    assert_agrees(alias + "_", lambda: getattr(c, alias + "_")(b), lambda: getattr(tc, alias + "_")(tb_))
    assert_matches(c, tc)


@pytest.mark.parametrize("name", BINARY)
def test_binary_methods_and_numpy_values(name):
    """Tensor.<op>(other) is tensorbridge.<op>(self, other), and NumPy computes the same values."""
    a = tb.tensor(np.array([[1.5, -2.0, 3.0]], dtype=np.float64))
    b = tb.tensor(np.array([[2.0], [-0.5]], dtype=np.float64))
    numpy_names = {"sub": "subtract", "mul": "multiply", "div": "true_divide", "pow": "power",
                   "eq": "equal", "ne": "not_equal", "lt": "less", "le": "less_equal", "gt": "greater",
                   "ge": "greater_equal", "atan2": "arctan2", "floor_divide": "floor_divide",
                   "bitwise_left_shift": "left_shift", "bitwise_right_shift": "right_shift"}
    if name.startswith("bitwise"):
        a, b = a.long().abs(), b.long().abs()
    method = getattr(a, name)(b)
    assert_matches(method, getattr(torch, name)(torch.from_numpy(a.numpy()), torch.from_numpy(b.numpy())))
    expected = getattr(np, numpy_names.get(name, name))(a.numpy(), b.numpy())
    np.testing.assert_allclose(method.numpy(), expected, rtol=1e-12)


# ---- unary ops: every dtype against PyTorch -----------------------------------------------

UNARY = ["neg", "abs", "sign", "exp", "expm1", "log", "log1p", "log2", "log10", "sqrt", "rsqrt", "sin",
         "cos", "tan", "tanh", "sigmoid", "relu", "erf", "floor", "ceil", "round", "trunc",
         "reciprocal", "square", "isnan", "isinf", "isfinite", "logical_not", "bitwise_not"]
FLOAT_VALUES = np.array([-2.5, -1.0, -0.5, -0.0, 0.25, 0.5, 1.0, 2.5, 3.7, NAN, INF, -INF])
INT_VALUES = np.array([-3, -1, 0, 1, 2, 7])
# Complex inputs for ops PyTorch computes on complex numbers but tensorbridge's C++ layer does
# not (a missing kernel, refused with a TypeError naming the op and dtype).
COMPLEX_GAPS = {"log2", "log10"}


def unary_values(dtype, name=None):
    if dtype == tb.bool:
        return np.array([True, False, True])
    if dtype.is_complex:
        return np.array([1 + 2j, -0.5 + 0.25j, 0, -3 - 1j, 2.5j])
    if dtype.is_floating_point:
        return np.tile(FLOAT_VALUES, 7)  # every value in every lane of a vector register
    return INT_VALUES


@pytest.mark.parametrize("name", UNARY)
def test_unary_op_every_dtype_matches_torch(name):
    for dtype in SWEEP_DTYPES:
        if dtype.is_complex and name in COMPLEX_GAPS:
            x, _ = both(unary_values(dtype), dtype)
            with pytest.raises(TypeError, match=name):
                getattr(tb, name)(x)
            continue
        x, tx = both(unary_values(dtype, name), dtype)
        rtol = 2e-5 if dtype.is_complex else None  # complex transcendental kernels differ more
        assert_agrees(f"{name}({dtype})", lambda: getattr(tb, name)(x), lambda: getattr(torch, name)(tx), rtol)
        assert_agrees(f"Tensor.{name}({dtype})", lambda: getattr(x, name)(), lambda: getattr(tx, name)(), rtol)


@pytest.mark.parametrize("name", [n for n in UNARY if not n.startswith("is")])
def test_unary_in_place_matches_torch_and_keeps_identity(name):
    for dtype in (tb.float32, tb.float64, tb.float16, tb.int32, tb.int64, tb.bool):
        x, tx = both(unary_values(dtype, name), dtype)
        ptr, version = x.data_ptr(), x._version
        theirs = outcome(lambda: getattr(tx, name + "_")())
        ours = outcome(lambda: getattr(x, name + "_")())
        if isinstance(theirs, Exception):
            assert isinstance(ours, Exception), f"{name}_({dtype}): PyTorch raised {theirs!r}"
            continue
        assert ours is x and x.data_ptr() == ptr and x._version > version
        assert_matches(x, tx)


@pytest.mark.parametrize("dtype", [tb.float32, tb.float64, tb.float16])
def test_sqrt_of_inf_and_signed_zero_in_every_vector_lane(dtype):
    x = tb.full((64,), INF, dtype=dtype)
    assert tb.sqrt(x).tolist() == [INF] * 64
    z = tb.sqrt(tb.full((64,), -0.0, dtype=dtype)).numpy()
    assert (z == 0).all() and np.signbit(z).all()


def test_unary_numpy_values():
    x = np.linspace(-3, 3, 13)
    t = tb.from_numpy(x)
    np.testing.assert_allclose(tb.exp(t).numpy(), np.exp(x), rtol=1e-14)
    np.testing.assert_allclose(t.sin().numpy(), np.sin(x), rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose(tb.tanh(t).numpy(), np.tanh(x), rtol=1e-14)
    np.testing.assert_array_equal(tb.round(t).numpy(), np.round(x))  # half to even, like NumPy
    np.testing.assert_array_equal(tb.floor(-t).numpy(), np.floor(-x))
    pos = tb.from_numpy(np.abs(x) + 0.5)
    np.testing.assert_allclose(tb.log10(pos).numpy(), np.log10(np.abs(x) + 0.5), rtol=1e-14)
    np.testing.assert_allclose(tb.rsqrt(pos).numpy(), 1 / np.sqrt(np.abs(x) + 0.5), rtol=1e-14)


def test_round_decimals_gelu_free_function_and_keywords():
    x, tx = both([1.2345, -2.5551, 1234.5], tb.float64)
    for d in (0, 2, -1):
        assert_matches(tb.round(x, decimals=d), torch.round(tx, decimals=d))
        assert_matches(x.round(decimals=d), tx.round(decimals=d))
    with pytest.raises(TypeError, match="positional"):
        x.round(2)  # keyword-only, as in PyTorch
    assert not hasattr(tb, "gelu")  # torch.nn.functional.gelu only, as in PyTorch
    with pytest.raises(TypeError, match="decimals"):
        tb.round(tb.tensor([1, 2]), decimals=1)


# ---- type promotion: torch.result_type for every pair, weak scalars -------------------------

ALL_SWEEP = SWEEP_DTYPES + [tb.uint16, tb.uint32, tb.uint64]


def test_promotion_every_dtype_pair_dimensioned_and_zero_dim():
    for da in ALL_SWEEP:
        for db in ALL_SWEEP:
            for shape_b in ((2,), ()):
                a, ta = both(np.ones(2), da)
                b, tb_ = both(np.ones(shape_b), db)
                expected = outcome(lambda: torch.result_type(ta, tb_))
                got = outcome(lambda: (a * b).dtype)
                if isinstance(expected, Exception):
                    assert isinstance(got, Exception), (da, db, shape_b, got)
                elif expected == torch.complex32:  # PyTorch's complex half; we have complex64
                    assert got == tb.complex64, (da, db, shape_b, got)
                else:
                    assert TORCH_DTYPES[got] == expected, (da, db, shape_b, got, expected)


SCALARS = [True, False, 3, -2, 2.5, 1e300, 1 + 2j, np.float64(2.5), np.float32(0.5), np.int64(4), np.int8(-1)]


@pytest.mark.parametrize("scalar", SCALARS, ids=repr)
def test_weak_scalars_promote_like_torch(scalar):
    for dtype in ALL_SWEEP:
        if isinstance(scalar, complex) and dtype == tb.float16:
            continue  # PyTorch gives complex32, which tensorbridge does not have (complex64)
        if scalar == 1e300 and dtype.is_complex:
            continue  # PyTorch's complex conversion of an overflowing scalar gives inf+nanj
        t, tt = both(np.ones(3), dtype)
        assert TORCH_DTYPES[(t + scalar).dtype] == torch.result_type(tt, scalar)
        assert TORCH_DTYPES[(scalar * t).dtype] == torch.result_type(tt, scalar)
        if dtype in (tb.uint16, tb.uint32, tb.uint64):
            continue  # PyTorch has no arithmetic kernels for these (tensorbridge does, as NumPy)
        for op in (operator.add, operator.mul):
            assert_agrees(f"{dtype} {op.__name__} {scalar!r}", lambda: op(t, scalar), lambda: op(tt, scalar))
            assert_agrees(f"{scalar!r} {op.__name__} {dtype}", lambda: op(scalar, t), lambda: op(scalar, tt))


def test_weak_scalar_examples_from_the_issue():
    assert (tb.ones(3, dtype=tb.int32) * 2.5).dtype == tb.float32
    assert (tb.ones(3, dtype=tb.float16) + 1.0).dtype == tb.float16
    assert (tb.ones(3, dtype=tb.int32) + True).dtype == tb.int32
    assert (tb.ones(3, dtype=tb.bool) + 1).dtype == tb.int64
    assert (tb.ones(3, dtype=tb.int8) + 1000).dtype == tb.int8  # wraps, as in PyTorch
    assert (tb.ones(3, dtype=tb.int32) + tb.tensor(2.5, dtype=tb.float64)).dtype == tb.float64  # 0-d
    assert (tb.ones(3, dtype=tb.float16) + tb.tensor(2.5, dtype=tb.float64)).dtype == tb.float16
    with pytest.raises(ValueError, match="64 bits"):
        tb.ones(3) + 2**70
    # NumPy's bool and complex scalars keep their kind (PyTorch reads both as Python floats,
    # making bool + np.True_ float32 and dropping the imaginary part of np.complex64(1j)).
    assert (tb.tensor([True, False]) + np.True_).dtype == tb.bool
    assert (tb.tensor([1.0]) * np.complex64(1j)).tolist() == [1j]
    assert (tb.ones(2, dtype=tb.uint8) + np.int64(300)).dtype == tb.uint8


# ---- broadcasting, layouts -------------------------------------------------------------------

@pytest.mark.parametrize(
    "sa, sb",
    [((3, 1), (1, 4)), ((), (2, 3)), ((2, 3), ()), ((), ()), ((0, 3), (1, 3)), ((2, 0), (2, 1)),
     ((0,), ()), ((1, 1, 5), (4, 1)), ((2, 1, 3), (1, 4, 1)), ((5,), (4, 1))],
    ids=str,
)
def test_broadcasting_shapes_match_numpy_and_torch(sa, sb):
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal(sa).astype(np.float32), rng.standard_normal(sb).astype(np.float32)
    for op in (operator.add, operator.mul, operator.truediv, operator.lt, tb.maximum):
        ours = op(tb.from_numpy(x), tb.from_numpy(y))
        theirs = op(torch.from_numpy(x), torch.from_numpy(y)) if op is not tb.maximum else torch.maximum(
            torch.from_numpy(x), torch.from_numpy(y))
        assert_matches(ours, theirs)
        numpy_op = np.maximum if op is tb.maximum else op
        np.testing.assert_allclose(ours.numpy(), numpy_op(x, y), rtol=1e-6)


def test_broadcast_mismatch_names_op_and_shapes():
    with pytest.raises(ValueError, match=r"add.*\[3\].*\[4\]"):
        tb.ones(3) + tb.ones(4)
    with pytest.raises(ValueError, match=r"mul.*\[2, 3\].*\[3, 2\]"):
        tb.mul(tb.ones(2, 3), tb.ones(3, 2))
    with pytest.raises(ValueError, match=r"doesn't match the broadcast shape \[2, 3\]"):
        tb.ones(3).add_(tb.ones(2, 3))  # in place cannot grow self


def layouts(base):
    """Views of a 2-D array in several layouts: (name, numpy view)."""
    return [
        ("contiguous", base),
        ("transposed", base.T),
        ("stepped", base[::2, 1::3]),
        ("flipped", base[::-1, ::-1]),
        ("column", base[:, 2]),
        ("broadcast", np.broadcast_to(base[:1], base.shape)),
    ]


@pytest.mark.parametrize("op", [operator.add, operator.sub, operator.mul, operator.truediv, operator.floordiv,
                                operator.mod, operator.pow, operator.gt, tb.atan2, tb.minimum],
                         ids=lambda o: getattr(o, "__name__", str(o)))
def test_non_contiguous_operands_match_numpy(op):
    rng = np.random.default_rng(1)
    a = rng.uniform(0.5, 3, (6, 6))
    b = rng.uniform(0.5, 3, (6, 6))
    numpy_op = {tb.atan2: np.arctan2, tb.minimum: np.minimum}.get(op, op)
    for (na, va), (nb, vb) in zip(layouts(a), layouts(b)[::-1]):
        if va.shape != vb.shape:
            vb = np.ascontiguousarray(b[: va.shape[0], : va.shape[1]]) if va.ndim == 2 else b[: va.shape[0], 0]
        ours = op(tb.from_numpy(va), tb.from_numpy(vb))
        np.testing.assert_allclose(ours.numpy(), numpy_op(va, vb), rtol=1e-12, err_msg=f"{na} with {nb}")


def test_negative_stride_views_from_flip_and_unary_on_views():
    x = np.arange(12.0).reshape(3, 4)
    t = tb.from_numpy(x)
    flipped = t.flip(0, 1)
    assert any(s < 0 for s in flipped.stride())
    np.testing.assert_array_equal((flipped * 2 + t).numpy(), x[::-1, ::-1] * 2 + x)
    np.testing.assert_allclose(tb.exp(t.t()[::2]).numpy(), np.exp(x.T[::2]), rtol=1e-14)
    y = x.copy()
    ty = tb.from_numpy(y)
    ty.t().mul_(10)  # in place through a transposed view writes the base
    np.testing.assert_array_equal(y, x * 10)
    ty[:, ::2].add_(tb.from_numpy(np.ones(2)))  # stepped view, broadcast other
    expected = x * 10
    expected[:, ::2] += 1
    np.testing.assert_array_equal(y, expected)


@pytest.mark.parametrize("dtype", [tb.float32, tb.float64, tb.int32, tb.int64, tb.int16, tb.float16])
def test_small_operands_in_every_layout_match_torch_values_and_strides(dtype):
    """Small operands of one dtype and memory order take a shorter path than the others; both
    must give PyTorch's values, dtypes and output layouts."""
    base_a = np.arange(1, 25).reshape(4, 6) % 7 - 2.5
    base_b = np.arange(24, 0, -1).reshape(4, 6) % 5 + 1.0
    a0, ta0 = both(base_a, dtype)
    b0, tb0 = both(base_b, dtype)
    views = {
        "contiguous": lambda t: t,
        "transposed": lambda t: t.t(),
        "permuted3d": lambda t: t.reshape(2, 3, 4).permute(2, 0, 1),
        "stepped": lambda t: t[::2, 1::2],
        "size1": lambda t: t[:1],
    }
    ops = [operator.add, operator.sub, operator.mul, operator.truediv, operator.lt, operator.eq, operator.ge]
    for (na, va), (nb, vb) in [((k, v), (k, v)) for k, v in views.items()] + [
            (("contiguous", views["contiguous"]), ("transposed", views["transposed"]))]:
        x, tx = va(a0), va(ta0)
        y, ty = vb(b0), vb(tb0)
        if na != nb:
            x, tx = x.t(), tx.t()  # same shape, different memory order
        for op in ops:
            ours, theirs = op(x, y), op(tx, ty)
            assert_matches(ours, theirs)
            assert ours.stride() == theirs.stride(), (na, nb, op, ours.stride(), theirs.stride())
            for s in (2, 1.5, True):
                assert_agrees(f"{na} {op.__name__} {s}", lambda: op(x, s), lambda: op(tx, s))
                assert_agrees(f"{s} {op.__name__} {na}", lambda: op(s, x), lambda: op(s, tx))
    flipped, tflipped = a0.flip(0), ta0.flip(0)  # negative strides here, a copy in PyTorch
    assert_matches(flipped + b0, tflipped + tb0)
    assert_matches(flipped * 3, tflipped * 3)


# ---- NaN, inf and integer edge cases ------------------------------------------------------

def test_nan_and_inf_propagate_like_torch():
    a, ta = both([NAN, 1.0, INF, -INF, NAN, 0.0], tb.float32)
    b, tb_ = both([1.0, NAN, INF, INF, NAN, 0.0], tb.float32)
    for name in ("add", "sub", "mul", "div", "maximum", "minimum", "atan2", "pow", "eq", "ne", "lt", "ge",
                 "remainder", "floor_divide"):
        assert_matches(getattr(tb, name)(a, b), getattr(torch, name)(ta, tb_))
    assert_matches(a.clamp(0.0, 2.0), ta.clamp(0.0, 2.0))
    assert_matches(tb.clamp(a, b, b + 1), torch.clamp(ta, tb_, tb_ + 1))
    for name in ("isnan", "isinf", "isfinite", "sign", "exp", "tanh", "sigmoid", "relu", "floor"):
        assert_matches(getattr(tb, name)(a), getattr(torch, name)(ta))
    assert_matches(1.0 / b, 1.0 / tb_)  # 1/0 = inf
    assert_matches(-b // 0.0, -tb_ // 0.0)


def test_integer_division_and_remainder_semantics():
    a, ta = both([-7, 7, -7, 7, 0, -1], tb.int64)
    b, tb_ = both([2, 2, -2, -2, 3, 5], tb.int64)
    assert_matches(a // b, ta // tb_)  # floor: -7 // 2 == -4
    assert (a // b).tolist() == [x // y for x, y in zip(a.tolist(), b.tolist())]
    assert (a % b).tolist() == [x % y for x, y in zip(a.tolist(), b.tolist())]  # sign of the divisor
    assert_matches(a % b, ta % tb_)
    assert_matches(tb.div(a, b, rounding_mode="trunc"), torch.div(ta, tb_, rounding_mode="trunc"))
    assert_matches(tb.div(a, b, rounding_mode="floor"), torch.div(ta, tb_, rounding_mode="floor"))
    assert_matches(a / b, ta / tb_)  # true division gives float32
    assert_matches(tb.remainder(-7.5, b.double()), torch.remainder(-7.5, tb_.double()))


@pytest.mark.parametrize("dtype", [tb.int8, tb.int32, tb.int64, tb.uint8])
def test_integer_division_by_zero_raises_like_torch(dtype):
    a, ta = both([1, 2, 3], dtype)
    z, tz = both([1, 0, 1], dtype)
    for fn in (lambda x, y: x // y, lambda x, y: x % y, lambda x, y: x.div(y, rounding_mode="trunc"),
               lambda x, y: x // 0):
        with pytest.raises(RuntimeError, match="ZeroDivisionError"):
            fn(ta, tz)
        with pytest.raises(RuntimeError, match="ZeroDivisionError"):
            fn(a, z)
    assert_matches(a / z, ta / tz)  # true division: inf


def test_integer_min_divided_by_minus_one_wraps_like_torch():
    for dtype, lo in ((tb.int32, -(2**31)), (tb.int64, -(2**63)), (tb.int8, -128)):
        a, ta = both([lo, lo, 5], dtype)
        m, tm = both([-1, 1, -1], dtype)
        assert_matches(a // m, ta // tm)
        assert_matches(a % m, ta % tm)
        assert_matches(-a, -ta)
        assert_matches(a.abs(), ta.abs())


def test_integer_pow_and_shifts():
    a, ta = both([0, 1, 2, -3, 5], tb.int64)
    assert_matches(a**3, ta**3)
    assert_matches(2**a.abs(), 2**ta.abs())
    with pytest.raises(RuntimeError, match="negative integer powers"):
        a ** -1
    assert_matches(a << 2, ta << 2)
    assert_matches(a >> 1, ta >> 1)  # arithmetic shift keeps the sign
    assert_matches(1 << a.abs(), 1 << ta.abs())


# ---- operators --------------------------------------------------------------------------

BINARY_OPERATORS = [operator.add, operator.sub, operator.mul, operator.truediv, operator.floordiv, operator.mod,
                    operator.pow, operator.and_, operator.or_, operator.xor, operator.lshift, operator.rshift,
                    operator.eq, operator.ne, operator.lt, operator.le, operator.gt, operator.ge]


@pytest.mark.parametrize("op", BINARY_OPERATORS, ids=lambda o: o.__name__)
def test_operators_with_tensors_and_scalars_both_ways(op):
    integer_only = op in (operator.and_, operator.or_, operator.xor, operator.lshift, operator.rshift)
    dtypes = (tb.int64, tb.int32, tb.bool) if integer_only else (tb.float32, tb.float64, tb.int64, tb.float16)
    scalars = (3, True) if integer_only else (3, 2.5, True, -2)
    for dtype in dtypes:
        a, ta = both([[1, 2, 3]], dtype)
        b, tb_ = both([[2], [1]], dtype)
        assert_agrees(f"{dtype} {op.__name__} tensor", lambda: op(a, b), lambda: op(ta, tb_))
        for s in scalars:
            assert_agrees(f"{dtype} {op.__name__} {s!r}", lambda: op(a, s), lambda: op(ta, s))
            assert_agrees(f"{s!r} {op.__name__} {dtype}", lambda: op(s, a), lambda: op(s, ta))


INPLACE_OPERATORS = [operator.iadd, operator.isub, operator.imul, operator.itruediv, operator.ifloordiv,
                     operator.imod, operator.ipow, operator.iand, operator.ior, operator.ixor, operator.ilshift,
                     operator.irshift]


@pytest.mark.parametrize("op", INPLACE_OPERATORS, ids=lambda o: o.__name__)
def test_in_place_operators_keep_identity_and_memory(op):
    integer_only = op in (operator.iand, operator.ior, operator.ixor, operator.ilshift, operator.irshift)
    for dtype in (tb.int64, tb.int32) if integer_only else (tb.float32, tb.float64, tb.int64):
        for other in (2, tb.tensor([1, 2, 3]).to(dtype), 1.5):
            a, ta = both([[4, 5, 6], [7, 8, 9]], dtype)
            other_t = torch.from_numpy(other.numpy()) if isinstance(other, tb.Tensor) else other
            ptr, version = a.data_ptr(), a._version
            theirs = outcome(lambda: op(ta, other_t))
            ours = outcome(lambda: op(a, other))
            if isinstance(theirs, Exception):
                assert isinstance(ours, Exception), (op, dtype, other, ours)
                continue
            assert ours is a and a.data_ptr() == ptr and a._version == version + 1
            assert_matches(a, ta)


def test_in_place_refuses_illegal_downcasts_like_torch():
    t = tb.tensor([1, 2, 3])
    with pytest.raises(TypeError, match=r"add_.*result type float32 can't be cast to the desired output type int64"):
        t.add_(1.5)
    with pytest.raises(TypeError, match="can't be cast to the desired output type int64"):
        t += 1.5
    with pytest.raises(TypeError, match="can't be cast"):
        t.div_(2)  # true division is float
    with pytest.raises(TypeError, match="can't be cast"):
        t.exp_()
    with pytest.raises(TypeError, match="can't be cast"):
        tb.tensor([1.0]).mul_(1j)
    with pytest.raises(TypeError, match="can't be cast"):
        tb.tensor([True]).add_(tb.tensor([1]))
    assert t.tolist() == [1, 2, 3]
    t.div_(2, rounding_mode="floor")  # stays integral
    assert t.tolist() == [0, 1, 1]
    f = tb.tensor([1.0, 2.0], dtype=tb.float16)
    f.add_(tb.tensor([1.0, 1.0], dtype=tb.float64))  # float64 into float16: same category, allowed
    assert f.dtype == tb.float16 and f.tolist() == [2.0, 3.0]


def test_read_only_tensor_refuses_in_place_but_computes_out_of_place():
    a = np.arange(3.0)
    a.flags.writeable = False
    t = tb.from_numpy(a)
    assert t.is_read_only
    for fn in (lambda: t.add_(1), lambda: t.exp_(), lambda: t.clamp_(0, 1), lambda: tb.add(t, 1, out=t)):
        with pytest.raises(ValueError, match="read-only"):
            fn()
    with pytest.raises(ValueError, match="read-only"):
        t += 1
    np.testing.assert_array_equal((t + 1).numpy(), a + 1)
    np.testing.assert_array_equal(a, [0, 1, 2])


def test_unary_operators():
    x, tx = both([[-1.5, 0.0, 2.0]], tb.float32)
    assert_matches(-x, -tx)
    assert_matches(abs(x), abs(tx))
    assert +x is x
    i, ti = both([0, 5, -3], tb.int32)
    assert_matches(~i, ~ti)
    m, tm = both([True, False], tb.bool)
    assert_matches(~m, ~tm)  # logical not for bool
    with pytest.raises(TypeError, match="bitwise_not"):
        ~x
    with pytest.raises(TypeError, match="bool"):
        +m
    with pytest.raises(TypeError, match="subtraction.*bool"):
        m - m
    with pytest.raises(TypeError, match="neg"):
        -m


def test_comparisons_are_elementwise_and_tensors_stay_hashable():
    a = tb.tensor([1.0, 2.0, 3.0])
    b = tb.tensor([1.0, 0.0, 3.0])
    assert (a == b).tolist() == [True, False, True]
    assert (a != b).tolist() == [False, True, False]
    assert (2 < a).tolist() == [False, False, True]  # reflected: a > 2
    assert (2.0 >= a).tolist() == [True, True, False]
    assert (a == b).dtype == tb.bool
    assert (a == None) is False  # noqa: E711 - NotImplemented falls back to identity
    assert (a != "x") is True
    assert a.__eq__("x") is NotImplemented
    with pytest.raises(TypeError):
        a < "x"
    # Identity hashing: dict keys, sets, optimizer state.
    assert tb.Tensor.__hash__ is not None
    d = {a: "a", b: "b"}
    assert d[a] == "a" and d[b] == "b" and hash(a) != hash(b)
    assert a in {a} and b not in {a}
    p = tb.nn.Parameter(tb.ones(2))
    assert {p: 1}[p] == 1
    assert (p == 1).tolist() == [True, True] and (p + 1).tolist() == [2.0, 2.0]


class Reflector:
    """An operand tensorbridge does not know: Python must reach its reflected methods."""

    def __radd__(self, other):
        return "radd"

    def __rmul__(self, other):
        return "rmul"

    def __eq__(self, other):
        return "eq"

    __hash__ = object.__hash__


def test_unknown_operands_return_not_implemented():
    t = tb.ones(2)
    assert t + Reflector() == "radd"
    assert t * Reflector() == "rmul"
    assert (t == Reflector()) == "eq"
    assert t.__add__([1, 2]) is NotImplemented
    assert t.__radd__("x") is NotImplemented
    assert t.__iadd__(object()) is NotImplemented
    for bad in ([1, 2], "ab", b"ab", None, object()):
        with pytest.raises(TypeError):
            t + bad
        with pytest.raises(TypeError):
            bad - t
    with pytest.raises(TypeError, match=r"add\(\): argument 'other' must be Tensor or Number, not list"):
        tb.add(t, [1, 2])
    with pytest.raises(TypeError, match=r"exp\(\): argument 'input' must be Tensor, not float"):
        tb.exp(1.0)
    with pytest.raises(TypeError, match="two numbers"):
        tb.add(1, 2)


def test_numpy_and_torch_operands():
    t = tb.tensor([1, 2, 3], dtype=tb.int32)
    arr = np.array([0.5, 1.5, 2.5])
    for r in (t + arr, arr + t, t * np.array(2.0), np.float64(2.0) * t):
        assert isinstance(r, tb.Tensor)
    tt = torch.tensor([1, 2, 3], dtype=torch.int32)
    assert_matches(t + arr, tt + torch.from_numpy(arr))
    assert_matches(t * np.array(2.5), tt * torch.tensor(2.5, dtype=torch.float64))  # 0-d array: a 0-d tensor
    assert_matches(t * np.float64(2.5), tt * 2.5)  # NumPy scalars are weak, like Python's
    assert_matches(t + np.int64(1), tt + 1)
    assert_matches(np.float32(0.5) + t, 0.5 + tt)
    assert (arr - t).tolist() == (arr - np.array([1, 2, 3])).tolist()
    assert isinstance(np.add(arr, t), np.ndarray)  # ufuncs still see an array-like
    # Zero-copy: the array is read in place, not copied first.
    big = np.arange(4.0)
    view = tb.from_numpy(big)
    assert ((view + big) == view * 2).tolist() == [True] * 4
    assert_matches(t + torch.tensor([1.0, 1.0, 1.0]), tt + torch.tensor([1.0, 1.0, 1.0]))


# ---- functions: keywords, out=, where, clamp ------------------------------------------

def test_keywords_alpha_and_rounding_mode():
    a, ta = both([1.0, -2.0, 7.5], tb.float32)
    b, tb_ = both([2.0, 3.0, -2.0], tb.float32)
    assert_matches(tb.add(input=a, other=b, alpha=2), torch.add(input=ta, other=tb_, alpha=2))
    assert_matches(a.sub(b, alpha=0.5), ta.sub(tb_, alpha=0.5))
    assert_matches(a.add(other=3, alpha=-1), ta.add(other=3, alpha=-1))
    assert_matches(tb.sub(2, a, alpha=3), torch.sub(torch.tensor(2.0), ta, alpha=3))
    assert_matches(a.div(b, rounding_mode="floor"), ta.div(tb_, rounding_mode="floor"))
    assert_matches(tb.divide(a, b, rounding_mode=None), torch.divide(ta, tb_, rounding_mode=None))
    assert_matches(a.pow(exponent=2), ta.pow(exponent=2))
    with pytest.raises(ValueError, match="rounding_mode.*'round'"):
        a.div(b, rounding_mode="round")
    with pytest.raises(ValueError, match="rounding_mode"):
        a.div(b, rounding_mode="")
    with pytest.raises(TypeError, match="alpha must not be a floating point"):
        tb.tensor([1, 2]).add(1, alpha=0.5)
    with pytest.raises(TypeError, match="unexpected keyword argument 'alpha'"):
        a.mul(b, alpha=2)
    with pytest.raises(TypeError, match="takes 1 positional argument but 2 were given"):
        a.add(b, 2)
    with pytest.raises(TypeError, match="multiple values for argument 'other'"):
        a.add(b, other=b)
    with pytest.raises(TypeError, match="missing required argument 'other'"):
        tb.add(a)


def test_out_argument():
    a, ta = both([[1.0, 2.0, 3.0]], tb.float32)
    b, tb_ = both([[1.0], [-1.0]], tb.float32)
    out = tb.empty(2, 3)
    ptr = out.data_ptr()
    assert tb.add(a, b, alpha=2, out=out) is out and out.data_ptr() == ptr
    assert_matches(out, torch.add(ta, tb_, alpha=2))
    wide = tb.empty(2, 3, dtype=tb.float64)
    assert tb.mul(a, b, out=wide) is wide and wide.dtype == tb.float64
    assert_matches(wide, (ta * tb_).double())
    mask = tb.empty(2, 3, dtype=tb.bool)
    tb.gt(a, b, out=mask)
    assert_matches(mask, ta > tb_)
    y = tb.empty(1, 3)
    assert tb.exp(a, out=y) is y
    assert_matches(y, torch.exp(ta))
    y64 = tb.empty(1, 3, dtype=tb.float64)
    tb.sqrt(tb.tensor([[1, 4, 9]]), out=y64)
    assert y64.tolist() == [[1.0, 2.0, 3.0]]
    c = a.clone()
    tb.sin(c, out=c)  # out is the input itself
    assert_matches(c, torch.sin(ta))
    tb.where(a > 1.5, a, 0.0, out=y)
    assert y.tolist() == [[0.0, 2.0, 3.0]]
    tb.clamp(a, 1.5, 2.5, out=y)
    assert y.tolist() == [[1.5, 2.0, 2.5]]
    with pytest.raises(TypeError, match="can't be cast to the desired output type int64"):
        tb.add(a, b, out=tb.empty(2, 3, dtype=tb.int64))
    with pytest.raises(ValueError, match=r"output with shape \[3\] doesn't match the broadcast shape \[2, 3\]"):
        tb.add(a, b, out=tb.empty(3))
    with pytest.raises(TypeError, match="argument 'out' must be Tensor"):
        tb.add(a, b, out=np.empty((2, 3)))


def test_out_refuses_inputs_that_require_grad():
    x = tb.ones(3, requires_grad=True)
    out = tb.empty(3)
    with pytest.raises(RuntimeError, match="out=... arguments don't support automatic differentiation"):
        tb.mul(x, 2, out=out)
    with pytest.raises(RuntimeError, match="automatic differentiation"):
        tb.exp(x, out=out)
    with tb.no_grad():
        tb.mul(x, 2, out=out)
    assert out.tolist() == [2.0, 2.0, 2.0] and out.grad_fn is None


def test_where():
    c, tc = both([True, False, True], tb.bool)
    a, ta = both([1, 2, 3], tb.int32)
    b, tb_ = both([1.5, 2.5, 3.5], tb.float64)
    assert_matches(tb.where(c, a, b), torch.where(tc, ta, tb_))
    assert_matches(tb.where(c, a, 0.5), torch.where(tc, ta, 0.5))
    assert_matches(tb.where(c, 1.0, 0), torch.where(tc, 1.0, 0))
    assert_matches(tb.where(c, 1, 0), torch.where(tc, 1, 0))
    assert_matches(tb.where(condition=c, input=a, other=b), torch.where(condition=tc, input=ta, other=tb_))
    assert_matches(a.where(c, b), ta.where(tc, tb_))
    assert_matches(tb.where(c.reshape(3, 1), a, b.reshape(1, 3)), torch.where(tc.reshape(3, 1), ta, tb_.reshape(1, 3)))
    with pytest.raises(TypeError, match="condition.*bool"):
        tb.where(a, a, b)
    nz = tb.where(c.reshape(1, 3))  # the one-argument form is nonzero(as_tuple=True)
    assert [t.tolist() for t in nz] == [t.tolist() for t in torch.where(tc.reshape(1, 3))]
    with pytest.raises(TypeError, match="condition alone"):
        tb.where(c, a)


def test_clamp_and_clip():
    x, tx = both([-2.0, 0.5, 3.0, NAN], tb.float32)
    for kwargs in ({"min": 0.0}, {"max": 1.0}, {"min": 0.0, "max": 1.0}, {"min": 2.0, "max": 1.0}):
        assert_matches(tb.clamp(x, **kwargs), torch.clamp(tx, **kwargs))
        assert_matches(x.clip(**kwargs), tx.clip(**kwargs))
    lo, tlo = both([0.0, 1.0, -1.0, 0.0], tb.float32)
    assert_matches(tb.clamp(x, lo, lo + 1), torch.clamp(tx, tlo, tlo + 1))
    assert_matches(tb.clamp(x, max=lo), torch.clamp(tx, max=tlo))
    assert_matches(tb.clamp_min(x, 0.25), torch.clamp_min(tx, 0.25))
    assert_matches(x.clamp_max(lo), tx.clamp_max(tlo))
    i, ti = both([-5, 0, 5], tb.int32)
    assert_matches(i.clamp(-1.5, 2), ti.clamp(-1.5, 2))  # float bounds promote: float32
    y, ty = x.clone(), tx.clone()
    assert y.clamp_(min=0.0, max=1.0) is y
    ty.clamp_(min=0.0, max=1.0)
    assert_matches(y, ty)
    with pytest.raises(TypeError, match="can't be cast"):
        i.clone().clamp_(0.5)
    with pytest.raises(RuntimeError, match="At least one of 'min' or 'max'"):
        x.clamp()
    with pytest.raises(TypeError, match="both be numbers or both be tensors"):
        tb.clamp(x, 0.0, lo)


def test_positive():
    x = tb.tensor([1.0, -2.0])
    assert tb.positive(x) is x and x.positive() is x
    with pytest.raises(TypeError, match="bool"):
        tb.positive(tb.tensor([True]))


# ---- autograd -------------------------------------------------------------------------

def test_grad_fn_names():
    x = tb.ones(3, requires_grad=True)
    tx = torch.ones(3, requires_grad=True)
    for fn in (lambda v: v * 2, lambda v: v * v, lambda v: v + 1, lambda v: v + v, lambda v: -v,
               lambda v: v**2, lambda v: v.exp(), lambda v: v.sin(), lambda v: v / v, lambda v: v.abs(),
               lambda v: v.sigmoid(), lambda v: v.tanh(), lambda v: v.sqrt(), lambda v: v.maximum(v * 2),
               lambda v: (tb if isinstance(v, tb.Tensor) else torch).where(v > 0, v, v * 2),
               lambda v: (tb if isinstance(v, tb.Tensor) else torch).atan2(v, v)):
        assert fn(x).grad_fn.name() == fn(tx).grad_fn.name()
    assert (x * 2 + 1).grad_fn.name() == "AddBackward0"
    assert (x > 0).grad_fn is None and (x > 0).requires_grad is False


COMPOSITES = [
    ("poly", lambda L, x, y: x * y + x / (y * y + 1) - 3 * x),
    ("reflected", lambda L, x, y: 2 - x + 1 / (y + 3) + 2**x * 0.5 - (y - 4) ** 2),
    ("transcendental", lambda L, x, y: L.exp(x * 0.3).sin() + L.tanh(y) * L.sigmoid(x) + L.log1p(y.abs())),
    ("clamp_max_where", lambda L, x, y: L.clamp(x, -0.5, 0.5) + L.maximum(x, y) + L.where(x > y, x * y, y)),
    ("pow_tensor", lambda L, x, y: L.pow(x.abs() + 1, y * 0.5) + L.atan2(x, y + 5) + (x % 0.7)),
    ("in_place_chain", lambda L, x, y: (x * y).mul_(y).add_(x, alpha=2).sub_(y).mul_(0.1).exp_()),
    ("rounding", lambda L, x, y: x.floor() + y.ceil() * x + L.round(x * y) + L.sign(x) * y),
    ("unary_mix", lambda L, x, y: L.rsqrt(x * x + 1) + L.erf(y) - L.reciprocal(y + 4) + L.square(x).log10()),
]


@pytest.mark.parametrize("name, fn", COMPOSITES, ids=[c[0] for c in COMPOSITES])
def test_gradients_of_composite_expressions_match_torch(name, fn):
    rng = np.random.default_rng(7)
    x0, y0 = rng.standard_normal((3, 1)), rng.standard_normal((1, 4))
    seed = rng.standard_normal((3, 4))
    x, y = tb.tensor(x0, requires_grad=True), tb.tensor(y0, requires_grad=True)
    tx, ty = torch.tensor(x0, requires_grad=True), torch.tensor(y0, requires_grad=True)
    out, tout = fn(tb, x, y), fn(torch, tx, ty)
    assert_matches(out, tout)
    out.backward(tb.tensor(seed))
    tout.backward(torch.tensor(seed))
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(y.grad.numpy(), ty.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_in_place_on_a_leaf_that_requires_grad_is_refused():
    x = tb.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf"):
        x.add_(1)
    with pytest.raises(RuntimeError, match="leaf"):
        x += 1
    with tb.no_grad():
        x += 1
    assert x.tolist() == [2.0, 2.0, 2.0]


# ---- property tests ---------------------------------------------------------------------

shapes = hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=4)


@settings(max_examples=60)
@given(st.data())
def test_broadcast_arithmetic_matches_numpy(data):
    sa, sb = data.draw(hnp.mutually_broadcastable_shapes(num_shapes=2, base_shape=data.draw(shapes))).input_shapes
    floats = st.floats(-1e3, 1e3, width=32)
    a = data.draw(hnp.arrays(np.float32, sa, elements=floats))
    b = data.draw(hnp.arrays(np.float32, sb, elements=floats))
    ta, tb_ = tb.from_numpy(a), tb.from_numpy(b)
    with np.errstate(all="ignore"):
        for op in (operator.add, operator.sub, operator.mul, operator.truediv, operator.lt, operator.eq):
            ours = op(ta, tb_)
            expected = op(a, b)
            assert tuple(ours.shape) == expected.shape
            np.testing.assert_allclose(ours.numpy(), expected, rtol=1e-6, equal_nan=True)
        np.testing.assert_array_equal(tb.maximum(ta, tb_).numpy(), np.maximum(a, b))


@settings(max_examples=40)
@given(hnp.arrays(np.int64, hnp.array_shapes(max_dims=2, max_side=5), elements=st.integers(-1000, 1000)),
       st.integers(-50, 50).filter(lambda v: v != 0))
def test_integer_floor_division_and_remainder_match_python(values, divisor):
    t = tb.from_numpy(values)
    np.testing.assert_array_equal((t // divisor).numpy(), values // divisor)
    np.testing.assert_array_equal((t % divisor).numpy(), values % divisor)
    np.testing.assert_array_equal((divisor // (t.abs() + 1)).numpy(), divisor // (np.abs(values) + 1))
