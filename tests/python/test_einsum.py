"""tb.einsum against torch.einsum: values and gradients over a table of equations (explicit
and implicit outputs, repeated labels, ellipses, broadcasting, empty and 0-d operands, 1 to 4
operands), dtypes, torch's three argument forms, and the errors."""

from __future__ import annotations

import numpy as np
import pytest

import tensorbridge as tb

torch = pytest.importorskip("torch")

# (equation, operand shapes)
CASES = [
    ("ij,jk->ik", [(2, 3), (3, 4)]),
    ("ij,jk", [(2, 3), (3, 4)]),
    ("ij,kj->ik", [(2, 3), (4, 3)]),
    ("ji,jk->ki", [(3, 2), (3, 4)]),
    ("bij,bjk->bik", [(3, 2, 4), (3, 4, 5)]),
    ("bhqd,bhkd->bhqk", [(2, 3, 4, 5), (2, 3, 6, 5)]),
    ("ijk,jil->kl", [(2, 3, 4), (3, 2, 5)]),
    ("ij->ji", [(2, 3)]),
    ("ij->", [(2, 3)]),
    ("ij->j", [(2, 3)]),
    ("ij", [(2, 3)]),
    ("ji", [(2, 3)]),
    ("ii->i", [(3, 3)]),
    ("ii", [(3, 3)]),
    ("iij->j", [(3, 3, 2)]),
    ("iji->ij", [(3, 2, 3)]),
    ("iii->i", [(3, 3, 3)]),
    ("ii,i->i", [(3, 3), (3,)]),
    ("aab,bcc,c->a", [(2, 2, 3), (3, 4, 4), (4,)]),
    ("i,i->", [(4,), (4,)]),
    ("i,i", [(4,), (4,)]),
    ("i,i->i", [(4,), (4,)]),
    ("i,j->ij", [(3,), (4,)]),
    ("i,j", [(3,), (4,)]),
    ("ij,ij->ij", [(2, 3), (2, 3)]),
    ("ab,cd->", [(2, 3), (4, 5)]),
    ("ab,cd->da", [(2, 3), (4, 5)]),
    ("i,j,k->ijk", [(2,), (3,), (4,)]),
    ("i,i,i->i", [(3,), (3,), (3,)]),
    ("ij,jk,kl->il", [(2, 3), (3, 4), (4, 5)]),
    ("ij,jk,jl->ikl", [(2, 3), (3, 4), (3, 5)]),
    ("ab,bc,cd,de->ae", [(2, 3), (3, 4), (4, 2), (2, 5)]),
    ("ab,bc,cd,de", [(2, 3), (3, 4), (4, 2), (2, 5)]),
    ("...ij,...jk->...ik", [(5, 2, 3), (3, 4)]),
    ("...ij,...jk", [(5, 1, 2, 3), (4, 3, 4)]),
    ("...,...->...", [(2, 3), (3,)]),
    ("i...->...", [(3, 2, 4)]),
    ("...ij->ji", [(3, 2, 2)]),
    ("...ii->...i", [(2, 3, 3)]),
    ("i...j,j...->...", [(2, 3, 4), (4, 3)]),
    ("b...,b...->b", [(2, 3, 4), (2, 4)]),
    ("...i,...i->...", [(2, 1, 3), (4, 3)]),
    ("i->...i", [(3,)]),
    ("Ab,bC->AC", [(2, 3), (3, 4)]),
    ("Ba,aA", [(2, 3), (3, 4)]),
    ("aA,Aa->", [(2, 3), (3, 2)]),
    (" i j , j k -> i k ", [(2, 3), (3, 4)]),
    ("ij,ij->", [(3, 1), (1, 3)]),
    ("ij,ij->ij", [(1, 3), (4, 1)]),
    ("bi,bi->b", [(1, 3), (4, 3)]),
    ("bij,bjk->bik", [(1, 2, 3), (5, 3, 4)]),
    ("ij,jk->ik", [(2, 1), (3, 4)]),
    ("ij,jk->ik", [(2, 0), (0, 3)]),
    ("ij,jk->ik", [(0, 3), (3, 4)]),
    ("bij,bjk->bik", [(0, 2, 3), (0, 3, 4)]),
    ("i,i->i", [(0,), (0,)]),
    ("i,i->", [(1,), (0,)]),
    ("ii->i", [(0, 0)]),
    ("ij->", [(0, 3)]),
    (",i->i", [(), (4,)]),
    ("i,->i", [(4,), ()]),
    ("->", [()]),
    ("", [()]),
    (",->", [(), ()]),
    ("...->...", [()]),
]


def ids(case):
    return f"{case[0].strip() or 'empty'}:{'x'.join(map(str, case[1]))}"


def sample(shape, seed, complex_=False):
    rng = np.random.default_rng(seed)
    values = rng.standard_normal(shape)
    if complex_:
        values = values + 1j * rng.standard_normal(shape)
    return np.asarray(values)


def pairs(shapes, requires_grad=False, complex_=False):
    """Operands with the same values for tensorbridge and torch."""
    ours, theirs = [], []
    for i, shape in enumerate(shapes):
        values = sample(shape, i + 1, complex_)
        ours.append(tb.from_numpy(values.copy()).requires_grad_(requires_grad))
        theirs.append(torch.from_numpy(values.copy()).requires_grad_(requires_grad))
    return ours, theirs


def numpy_of(x):
    if isinstance(x, tb.Tensor):
        return x.detach().to(tb.complex128 if x.is_complex() else tb.float64).numpy()
    return x.detach().to(torch.complex128 if x.is_complex() else torch.float64).numpy()


def assert_close(ours, theirs, rtol=1e-12, atol=1e-12):
    assert tuple(ours.shape) == tuple(theirs.shape)
    np.testing.assert_allclose(numpy_of(ours), numpy_of(theirs), rtol=rtol, atol=atol)


@pytest.mark.parametrize("case", CASES, ids=ids)
def test_values_and_gradients_match_torch(case):
    equation, shapes = case
    ours, theirs = pairs(shapes, requires_grad=True)
    out, expected = tb.einsum(equation, *ours), torch.einsum(equation, *theirs)
    assert out.dtype == tb.float64
    assert_close(out, expected)
    weights = sample(tuple(expected.shape), 99)
    out.backward(tb.from_numpy(weights.copy()))
    expected.backward(torch.from_numpy(weights.copy()))
    for x, t in zip(ours, theirs):
        assert_close(x.grad, t.grad)


@pytest.mark.parametrize(
    "case",
    [c for c in CASES if c[0] in ("ij,jk->ik", "bij,bjk->bik", "ii", "i,j", "i,i->", "bi,bi->b", "...ij,...jk", "ij,jk,kl->il")],
    ids=ids,
)
def test_complex_values_and_gradients_match_torch(case):
    equation, shapes = case
    ours, theirs = pairs(shapes, requires_grad=True, complex_=True)
    out, expected = tb.einsum(equation, *ours), torch.einsum(equation, *theirs)
    assert out.dtype == tb.complex128
    assert_close(out, expected)
    weights = sample(tuple(expected.shape), 99, complex_=True)
    out.backward(tb.from_numpy(weights.copy()))
    expected.backward(torch.from_numpy(weights.copy()))
    for x, t in zip(ours, theirs):
        assert_close(x.grad, t.grad)


DTYPE_CASES = [
    c for c in CASES if c[0] in ("ij,jk->ik", "bij,bjk->bik", "ii->i", "ij->", "i,j", "i,i->", "bi,bi->b", "ij,jk,kl->il", "...ij,...jk")
]


@pytest.mark.parametrize("dtype", ["float32", "float16", "bfloat16", "complex64", "int64", "int32", "int16"])
@pytest.mark.parametrize("case", DTYPE_CASES, ids=ids)
def test_dtypes_match_torch(case, dtype):
    equation, shapes = case
    ours, theirs = [], []
    for i, shape in enumerate(shapes):
        values = np.round(sample(shape, i + 1) * 4)  # small integers: exact in every dtype
        ours.append(tb.from_numpy(values).to(getattr(tb, dtype)))
        theirs.append(torch.from_numpy(values).to(getattr(torch, dtype)))
    out, expected = tb.einsum(equation, *ours), torch.einsum(equation, *theirs)
    assert str(out.dtype).split(".")[-1] == str(expected.dtype).split(".")[-1]
    assert_close(out, expected, rtol=1e-2 if dtype in ("float16", "bfloat16") else 1e-6)


def test_mixed_dtypes_promote():
    # torch promotes where it multiplies elementwise and refuses where it contracts; we promote
    # both, so the results are torch's where torch has one, and the promoted dtype elsewhere.
    a32, a64 = tb.ones(3), tb.ones(3, dtype=tb.float64)
    t32, t64 = torch.ones(3), torch.ones(3, dtype=torch.float64)
    assert_close(tb.einsum("i,j->ij", a32, a64), torch.einsum("i,j->ij", t32, t64))
    assert tb.einsum("i,j->ij", a32, a64).dtype == tb.float64
    assert tb.einsum("i,i->i", a32, tb.ones(3, dtype=tb.int64)).dtype == tb.float32
    with pytest.raises(RuntimeError):
        torch.einsum("i,i->", t32, t64)
    out = tb.einsum("i,i->", a32, a64)
    assert out.dtype == tb.float64 and out.item() == 3.0
    z = tb.einsum("ij,j->i", tb.ones(2, 3), tb.ones(3, dtype=tb.complex128))
    assert z.dtype == tb.complex128 and z.tolist() == [3, 3]


def test_bool_operands_follow_torch():
    t = torch.tensor([True, False, True])
    x = tb.tensor([True, False, True])
    for equation in ("i,i->i", "i,j->ij", "i->", "i->i"):
        out, expected = tb.einsum(equation, x, x) if "," in equation else tb.einsum(equation, x), (
            torch.einsum(equation, t, t) if "," in equation else torch.einsum(equation, t)
        )
        assert str(out.dtype).split(".")[-1] == str(expected.dtype).split(".")[-1]
        assert out.tolist() == expected.tolist()
    with pytest.raises(TypeError, match=r"einsum.*bool"):
        tb.einsum("i,i->", x, x)


def test_argument_forms():
    (a, b, c), (t, u, v) = pairs([(2, 3), (3, 4), (5, 2, 3)])
    expected = torch.einsum("ij,jk->ik", t, u)
    for out in (
        tb.einsum("ij,jk->ik", a, b),
        tb.einsum("ij,jk->ik", [a, b]),
        tb.einsum("ij,jk->ik", (a, b)),
        tb.einsum(a, [0, 1], b, [1, 2], [0, 2]),
        tb.einsum(a, (0, 1), b, (1, 2), (0, 2)),
    ):
        assert_close(out, expected)
    assert_close(tb.einsum(a, [0, 1], b, [1, 2]), torch.einsum(t, [0, 1], u, [1, 2]))
    assert_close(tb.einsum(b, [1, 0]), torch.einsum(u, [1, 0]))
    assert_close(tb.einsum(b, [51, 26]), torch.einsum(u, [51, 26]))
    assert_close(tb.einsum(a, [25, 26]), torch.einsum(t, [25, 26]))  # 'Z' sorts before 'a'
    assert_close(
        tb.einsum(c, [..., 0, 1], b, [1, 2], [..., 0, 2]), torch.einsum(v, [..., 0, 1], u, [1, 2], [..., 0, 2])
    )
    assert_close(tb.einsum(c, [Ellipsis, 0, 1]), torch.einsum(v, [Ellipsis, 0, 1]))
    assert_close(tb.einsum("ij", [a]), torch.einsum("ij", [t]))


def test_sublist_errors():
    a = tb.ones(2, 3)
    with pytest.raises(ValueError, match=r"einsum.*\[0, 52\)"):
        tb.einsum(a, [0, 52])
    with pytest.raises(ValueError, match=r"einsum.*\[0, 52\)"):
        tb.einsum(a, [0, -1])
    with pytest.raises(TypeError, match="einsum"):
        tb.einsum(a, [0, "a"])
    with pytest.raises(TypeError, match="einsum"):
        tb.einsum(a, 0)
    with pytest.raises(TypeError, match="einsum"):
        tb.einsum(a, [0, 1], [0], [1])  # pairs: the list [0] stands where an operand belongs


def test_no_grad_and_views():
    (a, b), _ = pairs([(2, 3), (3, 4)], requires_grad=True)
    with tb.no_grad():
        out = tb.einsum("ij,jk->ik", a, b)
    assert not out.requires_grad and out.grad_fn is None
    assert tb.einsum("ij,jk->ik", a, b).requires_grad
    # Like torch, a single operand's permutation or diagonal is a view of it.
    x = tb.zeros(3, 3)
    tb.einsum("ii->i", x).fill_(1.0)
    assert x.tolist() == [[1, 0, 0], [0, 1, 0], [0, 0, 1]]
    tb.einsum("ij->ji", x)[0, 1] = 5.0
    assert x[1, 0].item() == 5.0


def test_non_contiguous_operands():
    values = sample((4, 6), 3)
    x = tb.from_numpy(values.copy())[::-1, ::2]  # negative and non-unit strides
    t = torch.from_numpy(values[::-1, ::2].copy())
    y = tb.from_numpy(values.copy()).t()
    u = torch.from_numpy(values.copy()).t()
    assert_close(tb.einsum("ij,kj->ik", x, y[:, :3]), torch.einsum("ij,kj->ik", t, u[:, :3]))
    assert_close(tb.einsum("ij,jk->ik", x, y[::2]), torch.einsum("ij,jk->ik", t, u[::2]))


def message_of(call):
    with pytest.raises((ValueError, TypeError, RuntimeError)) as info:
        call()
    return str(info.value)


ERRORS = [
    ("ij,jk->ik", [(2, 3)], ValueError, "2 operand term"),
    ("ij", [(2, 3), (3,)], ValueError, "2 operand"),
    ("ij", [(2, 3, 4)], ValueError, "3 dimension"),
    ("ij", [(2,)], ValueError, "1 dimension"),
    ("ij...k", [(2, 2)], ValueError, "besides the ellipsis"),
    ("i$j", [(2, 3)], ValueError, "invalid character '\\$'"),
    ("i-j", [(2, 3)], ValueError, "invalid character '-'"),
    ("ij->i>", [(2, 3)], ValueError, "invalid character '>'"),
    ("i,j->i,j", [(2,), (3,)], ValueError, "invalid character ','"),
    ("ij->k", [(2, 3)], ValueError, "output subscript 'k' does not appear"),
    ("ij->ii", [(2, 3)], ValueError, "'i' appears more than once"),
    ("ij,jk", [(2, 3), (2, 4)], ValueError, "'j' has size 2"),
    ("ii", [(2, 3)], ValueError, "'i' is repeated"),
    ("ii", [(1, 3)], ValueError, "'i' is repeated"),
    ("..ij", [(5, 2, 3)], ValueError, "not part of an ellipsis"),
    ("i.j", [(2, 3)], ValueError, "not part of an ellipsis"),
    ("...i...", [(5, 2, 3)], ValueError, "more than one ellipsis"),
    ("i->...i...", [(3,)], ValueError, "more than one ellipsis"),
    ("...ij,...jk", [(5, 2, 3), (7, 3, 4)], ValueError, "ellipsis has size 7"),
]


@pytest.mark.parametrize("case", ERRORS, ids=lambda c: c[0] if isinstance(c, tuple) else str(c))
def test_errors_name_einsum_equation_and_operands(case):
    equation, shapes, error, fragment = case
    operands = [tb.ones(*shape) for shape in shapes]
    with pytest.raises(error, match=fragment) as info:
        tb.einsum(equation, *operands)
    message = str(info.value)
    assert message.startswith("einsum: ") and f"'{equation}'" in message
    for shape in shapes:
        assert f"float32 {list(shape)} on cpu" in message
    with pytest.raises(RuntimeError):  # torch refuses each of them too
        torch.einsum(equation, *[torch.ones(*shape) for shape in shapes])


def test_argument_errors():
    with pytest.raises(ValueError, match="einsum"):
        tb.einsum("ij")
    with pytest.raises(ValueError, match="einsum"):
        tb.einsum()
    with pytest.raises(TypeError, match="einsum"):
        tb.einsum("i,i", tb.ones(2), 3)
    with pytest.raises(TypeError, match="einsum"):
        tb._C._einsum("i", tb.ones(2))


@pytest.mark.skipif(not tb.cuda.is_available(), reason="needs a CUDA device")
def test_cuda_matches_cpu_and_refuses_mixed_devices():
    for equation, shapes in CASES:
        ours, _ = pairs(shapes, requires_grad=True)
        on_device = [x.detach().cuda().requires_grad_() for x in ours]
        out, expected = tb.einsum(equation, *on_device), tb.einsum(equation, *ours)
        assert out.device.type == "cuda"
        assert_close(out.cpu(), expected)
        out.sum().backward()
        expected.sum().backward()
        for x, y in zip(on_device, ours):
            assert_close(x.grad.cpu(), y.grad)
    with pytest.raises(RuntimeError, match=r"einsum.*device"):
        tb.einsum("i,i", tb.ones(2), tb.ones(2).cuda())
