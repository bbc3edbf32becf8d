"""Creating tensors: tensor() infers dtypes as PyTorch does, as_tensor() shares memory when it
can, and the factories match torch's results, dtypes and signatures."""

from __future__ import annotations

import numpy as np
import pytest

import tensorbridge as tb
from conftest import NUMPY_DTYPES

torch = pytest.importorskip("torch")


def as_torch_dtype_name(t):
    return repr(t.dtype).replace("torch.", "tensorbridge.")


DATA = [
    1,
    2.5,
    True,
    1 + 2j,
    [1, 2, 3],
    [1.0, 2, 3],
    [True, False],
    [True, 2],
    [1, 2.5, True],
    [1, 1j],
    [[1, 2], [3, 4]],
    ((1, 2), (3, 4)),
    [(1.5, 2), [3, 4]],
    [],
    [[], []],
    [[[1]], [[2]]],
    [2**62, -(2**62)],
    [np.float32(1.5), 2.0],
    [np.float64(1.5)],
    [np.int32(3), 4],
    np.float32(2.5),
    np.array([1, 2], dtype=np.int16),
    [np.array([1, 2], dtype=np.int32), np.array([3, 4], dtype=np.int32)],
    [np.array([1.0, 2.0], dtype=np.float64), [3, 4]],
    [np.array([1, 2], dtype=np.uint8), np.array([3, 4], dtype=np.int8)],
    [np.array([1, 2], dtype=np.float16), [1.5, 2]],
    range(4),
]


@pytest.mark.filterwarnings("ignore:Creating a tensor from a list of numpy.ndarrays")
@pytest.mark.parametrize("data", DATA, ids=repr)
def test_tensor_infers_dtype_and_values_like_torch(data):
    expected = torch.tensor(data)
    ours = tb.tensor(data)
    assert repr(ours.dtype) == as_torch_dtype_name(expected)
    assert ours.shape == expected.shape
    assert ours.tolist() == expected.tolist()


@pytest.mark.parametrize("data", [[1, 2.7, -3.2], [[True, False]], [1 + 1j, 2]], ids=repr)
@pytest.mark.parametrize("dtype", ["int32", "float16", "float64", "bool", "complex128", "uint8"])
def test_tensor_with_dtype_converts_like_torch(data, dtype):
    ours = tb.tensor(data, dtype=getattr(tb, dtype))
    flat = np.ravel(np.array(data, dtype=object))
    if any(isinstance(v, complex) for v in flat) and dtype != "complex128":
        # torch refuses complex -> real here; tensorbridge keeps the real part, as NumPy's astype
        data = np.real(np.array(data, dtype=complex)).tolist()
    if dtype == "uint8":
        # torch refuses negative -> uint8 here; tensorbridge wraps through int64, as C and NumPy do
        data = (np.array(data, dtype=np.float64).astype(np.int64) % 256).tolist()
    expected = torch.tensor(data, dtype=getattr(torch, dtype))
    assert ours.dtype is getattr(tb, dtype)
    np.testing.assert_array_equal(ours.numpy(), expected.numpy())


def test_tensor_copies_arrays_and_tensors():
    a = np.arange(4, dtype=np.float64)
    t = tb.tensor(a)
    a[0] = 100
    assert t.dtype is tb.float64 and t.tolist() == [0, 1, 2, 3]
    u = tb.tensor(t)
    t[1] = 50
    assert u.tolist() == [0, 1, 2, 3]
    strided = tb.tensor(np.arange(12).reshape(3, 4)[::-1, ::2])
    assert strided.is_contiguous() and strided.tolist() == [[8, 10], [4, 6], [0, 2]]
    from_torch = tb.tensor(torch.arange(3, dtype=torch.bfloat16))
    assert from_torch.dtype is tb.bfloat16 and from_torch.float().tolist() == [0, 1, 2]


def test_tensor_of_large_unsigned_values():
    assert tb.tensor([2**64 - 1], dtype=tb.uint64).tolist() == [2**64 - 1]
    with pytest.raises(ValueError, match="Overflow"):
        tb.tensor([2**64])


@pytest.mark.parametrize(
    "data,error,match",
    [
        ([[1, 2], [3]], ValueError, "expected sequence of length 2 at dim 1"),
        ([[1, 2], 3], ValueError, "expected a sequence at dim 1"),
        ([1, [2]], ValueError, "expected sequence"),
        ("abc", TypeError, "could not infer dtype of str"),
        ({"a": 1}, TypeError, "could not infer dtype of dict"),
        ([object()], TypeError, "could not infer dtype of object"),
        ([np.zeros(2), np.zeros(3)], ValueError, "expected an element of shape"),
        (np.array(["a"]), TypeError, "no tensorbridge dtype"),
    ],
    ids=["ragged", "mixed-depth", "number-then-list", "str", "dict", "object", "ragged-arrays", "unicode-array"],
)
def test_tensor_rejects_bad_data(data, error, match):
    with pytest.raises(error, match=match):
        tb.tensor(data)


def test_tensor_keywords():
    assert tb.tensor([1], device="cpu").device == tb.device("cpu")
    assert tb.tensor([1.0], requires_grad=True).requires_grad
    with pytest.raises(TypeError, match="floating point and complex"):
        tb.tensor([1], requires_grad=True)
    if not tb.cuda.is_built():  # the CUDA build: tests/python/test_cuda_gpu.py
        with pytest.raises(RuntimeError, match="no CUDA support"):
            tb.tensor([1.0], device="cuda")
    with pytest.raises(TypeError, match="tensorbridge dtype"):
        tb.tensor([1], dtype="float32")


def test_as_tensor_shares_memory_when_it_can():
    a = np.arange(4.0)
    t = tb.as_tensor(a)
    t[0] = 9
    assert a[0] == 9  # shared
    assert tb.as_tensor(t) is t and tb.as_tensor(t, dtype=tb.float64) is t
    c = tb.as_tensor(a, dtype=tb.float32)
    c[1] = 7
    assert a[1] == 1  # a dtype change copies
    assert tb.as_tensor([1, 2]).tolist() == [1, 2]
    tt = torch.arange(3.0)
    shared = tb.as_tensor(tt)
    shared[2] = -1
    assert tt[2].item() == -1


@pytest.mark.parametrize("name", ["zeros", "ones", "empty"])
@pytest.mark.parametrize("size", [(2, 3), ((2, 3),), ([4],), ((),), (0, 2), (tb.Size([3]),)], ids=repr)
def test_zeros_ones_empty_accept_torch_size_forms(name, size):
    ours = getattr(tb, name)(*size)
    theirs = getattr(torch, name)(*size)
    assert ours.shape == theirs.shape and ours.dtype is tb.float32
    if name != "empty":
        assert ours.tolist() == theirs.tolist()
    typed = getattr(tb, name)(*size, dtype=tb.int16, device="cpu")
    assert typed.dtype is tb.int16


def test_factory_dtypes_and_values_match_torch():
    cases = [
        (lambda m: m.full((2, 2), 7), None),
        (lambda m: m.full((2,), 1.5), None),
        (lambda m: m.full((2,), True), None),
        (lambda m: m.full((2,), 2, dtype=m.float64), None),
        (lambda m: m.arange(5), None),
        (lambda m: m.arange(1, 4), None),
        (lambda m: m.arange(0, 1, 0.25), None),
        (lambda m: m.arange(5.0), None),
        (lambda m: m.arange(10, 0, -3), None),
        (lambda m: m.arange(3, dtype=m.float16), None),
        (lambda m: m.linspace(0, 1, 5), None),
        (lambda m: m.linspace(-2, 2, 1), None),
        (lambda m: m.linspace(0, 10, 4, dtype=m.int64), None),
        (lambda m: m.eye(3), None),
        (lambda m: m.eye(2, 4, dtype=m.int32), None),
    ]
    for make, _ in cases:
        theirs, ours = make(torch), make(tb)
        assert repr(ours.dtype) == as_torch_dtype_name(theirs)
        assert ours.tolist() == theirs.tolist()


def test_like_factories():
    base = tb.zeros(2, 3, dtype=tb.int8)
    assert tb.zeros_like(base).tolist() == [[0] * 3] * 2 and tb.zeros_like(base).dtype is tb.int8
    assert tb.ones_like(base, dtype=tb.float64).tolist() == [[1.0] * 3] * 2
    assert tb.full_like(base, 4).tolist() == [[4] * 3] * 2
    assert tb.empty_like(base).shape == (2, 3)
    with pytest.raises(TypeError):
        tb.zeros_like(np.zeros(2))


def test_factory_errors():
    with pytest.raises(TypeError, match="missing 1 required positional argument"):
        tb.zeros()
    with pytest.raises(ValueError, match="negative dimension"):
        tb.zeros(-1)
    with pytest.raises(ValueError, match="step must be nonzero"):
        tb.arange(0, 1, 0)
    with pytest.raises(TypeError, match="expected a number"):
        tb.full((2,), "x")
    with pytest.raises(TypeError, match="sequence of integers"):
        tb.zeros(2.5)
    if not tb.cuda.is_built():
        with pytest.raises(RuntimeError, match="cuda"):
            tb.zeros(2, device="cuda")


def test_every_numpy_dtype_round_trips_through_tensor():
    for ours, np_dtype in NUMPY_DTYPES.items():
        a = np.arange(3).astype(np_dtype)
        t = tb.tensor(a)
        assert t.dtype is ours
        np.testing.assert_array_equal(t.numpy(), a)
