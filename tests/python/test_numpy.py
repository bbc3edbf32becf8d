"""NumPy <-> tensorbridge through the buffer protocol and __array_interface__: every dtype,
every layout, zero-copy proven by pointers and by writes, lifetimes, read-only memory, the
buffer request flags, and bad inputs."""

from __future__ import annotations

import ctypes
import sys
import weakref

import numpy as np
import pytest

import tensorbridge as tb
from conftest import NUMPY_DTYPES, collect, sample_array

DTYPES = list(NUMPY_DTYPES.items())
DTYPE_IDS = [repr(d) for d in NUMPY_DTYPES]


def numpy_layouts():
    """(name, array) pairs covering the layouts NumPy can hand us."""
    base = sample_array((4, 6), np.float64)
    yield "contiguous", base.copy()
    yield "transposed", base.copy().T
    yield "strided", base.copy()[::2, 1::3]
    yield "negative", base.copy()[::-1, ::-2]
    yield "zero-d", np.array(3.5)
    yield "empty", np.zeros((0, 3))
    yield "empty-strided", np.zeros((4, 6))[:, 6:]
    yield "size-one", base.copy()[:1, :, None]
    yield "broadcast", np.broadcast_to(np.arange(3.0), (4, 3))
    yield "fortran", np.asfortranarray(base.copy())
    yield "3d-permuted", np.arange(24.0).reshape(2, 3, 4).transpose(2, 0, 1)


LAYOUTS = list(numpy_layouts())


def element_strides(a):
    return tuple(s // a.itemsize for s in a.strides)


# ---- NumPy -> tensorbridge --------------------------------------------------------------------


@pytest.mark.parametrize("ours,np_dtype", DTYPES, ids=DTYPE_IDS)
def test_from_numpy_every_dtype_shares_memory(ours, np_dtype):
    a = sample_array((2, 3), np_dtype)
    t = tb.from_numpy(a)
    assert t.dtype is ours and t.shape == a.shape and t.stride() == element_strides(a)
    assert t.data_ptr() == a.ctypes.data
    np.testing.assert_array_equal(t.numpy(), a)
    # a write through the tensor is seen by NumPy, and the other way round
    t[1, 2] = a[0, 0]
    assert a[1, 2] == a[0, 0]
    a[0, 1] = a[1, 1]
    assert t[0, 1].item() == t[1, 1].item()


@pytest.mark.parametrize("name,a", LAYOUTS, ids=[n for n, _ in LAYOUTS])
def test_from_numpy_every_layout(name, a):
    t = tb.from_numpy(a)
    assert t.shape == a.shape
    np.testing.assert_array_equal(t.numpy(), a)
    if a.size:
        assert t.data_ptr() == a.ctypes.data
        used = [i for i, n in enumerate(a.shape) if n > 1]
        assert [t.stride(i) for i in used] == [element_strides(a)[i] for i in used]
    assert t.is_read_only == (not a.flags.writeable)
    if a.flags.writeable and a.size:
        index = (0,) * a.ndim
        t[index] = -7
        assert a[index] == -7


def test_from_numpy_keeps_read_only_read_only():
    a = np.arange(4.0)
    a.flags.writeable = False
    t = tb.from_numpy(a)
    assert t.is_read_only
    with pytest.raises(ValueError, match="read-only"):
        t[0] = 1
    n = t.numpy()
    assert not n.flags.writeable and np.shares_memory(n, a)
    # views of a read-only tensor stay read-only
    with pytest.raises(ValueError, match="read-only"):
        t[1:].fill_(0)
    assert t.clone().is_read_only is False


@pytest.mark.parametrize(
    "array,match",
    [
        (np.array([object(), 1], dtype=object), "format 'O'"),
        (np.zeros(2, dtype=[("a", "i4"), ("b", "f8")]), "no tensorbridge dtype"),
        (np.array(["2020-01-01"], dtype="datetime64[D]"), "cannot share the memory"),
        (np.array([1], dtype="timedelta64[s]"), "cannot share the memory"),
        (np.arange(3, dtype=">f4"), "non-native byte order"),
        (np.arange(3, dtype=">i8"), "non-native byte order"),
        (np.zeros(2, dtype=np.longdouble), "long double"),
        (np.array(["abc"]), "no tensorbridge dtype"),
    ],
    ids=["object", "structured", "datetime", "timedelta", "byteswapped-f4", "byteswapped-i8", "longdouble", "unicode"],
)
def test_from_numpy_rejects_unsupported_dtypes_with_type_error(array, match):
    with pytest.raises(TypeError, match=match):
        tb.from_numpy(array)


def test_from_numpy_rejects_non_arrays_and_odd_strides():
    for obj in ([1, 2], "abc", 3, None, {"a": 1}):
        with pytest.raises(TypeError, match="buffer protocol"):
            tb.from_numpy(obj)
    packed = np.zeros(3, dtype=[("a", "i1"), ("b", "f4")])["b"]  # 5-byte strides, 4-byte items
    with pytest.raises(ValueError, match="not a multiple of the element size 4"):
        tb.from_numpy(packed)


def test_from_numpy_accepts_other_buffer_exporters():
    ba = bytearray(b"\x01\x02\x03")
    t = tb.from_numpy(ba)
    assert t.dtype is tb.uint8 and t.tolist() == [1, 2, 3] and not t.is_read_only
    t[0] = 9
    assert ba[0] == 9
    import array

    arr = array.array("d", [1.5, 2.5])
    assert tb.from_numpy(arr).tolist() == [1.5, 2.5]
    ro = tb.from_numpy(memoryview(b"ab"))
    assert ro.is_read_only and ro.tolist() == [97, 98]
    assert tb.from_numpy(np.float32(2.5)).dtype is tb.float32


# ---- tensorbridge -> NumPy --------------------------------------------------------------------


def tensor_layouts():
    base = tb.arange(24, dtype=tb.float64).view(4, 6)
    yield "contiguous", base.clone()
    yield "transposed", base.clone().T
    yield "strided", base.clone()[::2, 1::3]
    yield "negative", base.clone()[::-1, ::-2]
    yield "flipped", base.clone().flip(0)
    yield "zero-d", tb.tensor(2.5, dtype=tb.float64)
    yield "empty", tb.zeros(0, 3, dtype=tb.float64)
    yield "size-one", base.clone()[:1, :, None]
    yield "broadcast", tb.arange(3, dtype=tb.float64).expand(4, 3)
    yield "diagonal", base.clone()[:, :4].diagonal()
    yield "as_strided", base.clone().as_strided((3, 3), (7, 1), 2)


TENSOR_LAYOUTS = list(tensor_layouts())


@pytest.mark.parametrize("ours,np_dtype", DTYPES, ids=DTYPE_IDS)
def test_numpy_every_dtype_shares_memory(ours, np_dtype):
    t = tb.from_numpy(sample_array((3, 2), np_dtype)).clone()
    n = t.numpy()
    assert n.dtype == np_dtype and n.ctypes.data == t.data_ptr()
    np.testing.assert_array_equal(n, tb.tensor(t).numpy())
    assert memoryview(t).format == memoryview(n).format
    n[2, 1] = n[0, 0]
    assert t[2, 1].item() == t[0, 0].item()


@pytest.mark.parametrize("name,t", TENSOR_LAYOUTS, ids=[n for n, _ in TENSOR_LAYOUTS])
def test_numpy_every_layout(name, t):
    n = t.numpy()
    assert n.shape == t.shape
    assert n.tolist() == t.tolist()
    if t.numel():
        assert n.ctypes.data == t.data_ptr()
        used = [i for i, s in enumerate(t.shape) if s > 1]
        assert [n.strides[i] for i in used] == [t.stride(i) * 8 for i in used]
        if name not in ("broadcast",):
            n[(0,) * n.ndim] = -5
            assert t[(0,) * t.ndim].item() == -5
    assert np.asarray(t).ctypes.data == n.ctypes.data  # np.asarray is zero-copy too


def test_numpy_of_read_only_tensor_is_read_only():
    t = tb.from_numpy(np.broadcast_to(np.arange(3), (2, 3)))
    n = np.asarray(t)
    assert not n.flags.writeable
    with pytest.raises(ValueError, match="read-only"):
        n[0, 0] = 1


def test_bfloat16_refuses_numpy_clearly():
    t = tb.zeros(3, dtype=tb.bfloat16)
    with pytest.raises(TypeError, match="bfloat16"):
        t.numpy()
    with pytest.raises(TypeError, match="bfloat16"):
        np.asarray(t)
    with pytest.raises(BufferError, match="bfloat16"):
        memoryview(t)
    np.testing.assert_array_equal(np.asarray(t, dtype=np.float32), np.zeros(3, np.float32))


def test_array_interface():
    t = tb.arange(6, dtype=tb.int32).view(2, 3)
    ai = t.__array_interface__
    assert ai["version"] == 3 and ai["shape"] == (2, 3) and ai["typestr"] == "<i4"
    assert ai["data"] == (t.data_ptr(), False) and ai["strides"] is None
    assert t.T.__array_interface__["strides"] == (4, 12)
    for ours, np_dtype in NUMPY_DTYPES.items():
        assert tb.zeros(1, dtype=ours).__array_interface__["typestr"] == np.dtype(np_dtype).str

    class OnlyInterface:  # NumPy must be able to read the interface on its own
        def __init__(self, t):
            self.t = t
            self.__array_interface__ = t.__array_interface__

    view = t.T[::-1]
    n = np.asarray(OnlyInterface(view))
    assert n.tolist() == view.tolist() and n.ctypes.data == view.data_ptr()
    ro = tb.from_numpy(np.broadcast_to(np.arange(2.0), (2, 2)))
    assert ro.__array_interface__["data"][1] is True
    with pytest.raises(AttributeError, match="bfloat16"):  # NumPy then tries __array__
        tb.zeros(1, dtype=tb.bfloat16).__array_interface__


def test_dunder_array_follows_numpy2_copy_semantics():
    t = tb.arange(4, dtype=tb.float32)
    shared = t.__array__()
    assert shared.ctypes.data == t.data_ptr()
    assert t.__array__(copy=False).ctypes.data == t.data_ptr()
    copied = t.__array__(copy=True)
    assert copied.ctypes.data != t.data_ptr() and copied.tolist() == t.tolist()
    converted = t.__array__(np.float64)
    assert converted.dtype == np.float64 and converted.tolist() == [0, 1, 2, 3]
    with pytest.raises(ValueError, match="copy"):
        t.__array__(np.float64, copy=False)
    assert np.array(t).ctypes.data != t.data_ptr()  # np.array copies by default


# ---- the buffer protocol's request flags ------------------------------------------------------


class Py_buffer(ctypes.Structure):
    _fields_ = [
        ("buf", ctypes.c_void_p),
        ("obj", ctypes.c_void_p),
        ("len", ctypes.c_ssize_t),
        ("itemsize", ctypes.c_ssize_t),
        ("readonly", ctypes.c_int),
        ("ndim", ctypes.c_int),
        ("format", ctypes.c_char_p),
        ("shape", ctypes.POINTER(ctypes.c_ssize_t)),
        ("strides", ctypes.POINTER(ctypes.c_ssize_t)),
        ("suboffsets", ctypes.POINTER(ctypes.c_ssize_t)),
        ("internal", ctypes.c_void_p),
    ]


PyBUF_SIMPLE, PyBUF_WRITABLE, PyBUF_FORMAT, PyBUF_ND = 0, 0x1, 0x4, 0x8
PyBUF_STRIDES = 0x10 | PyBUF_ND
PyBUF_C_CONTIGUOUS = 0x20 | PyBUF_STRIDES
PyBUF_F_CONTIGUOUS = 0x40 | PyBUF_STRIDES
PyBUF_ANY_CONTIGUOUS = 0x80 | PyBUF_STRIDES

_get_buffer = ctypes.pythonapi.PyObject_GetBuffer
_get_buffer.argtypes = [ctypes.py_object, ctypes.POINTER(Py_buffer), ctypes.c_int]
_release_buffer = ctypes.pythonapi.PyBuffer_Release
_release_buffer.argtypes = [ctypes.POINTER(Py_buffer)]


def get_buffer(obj, flags):
    """Requests a buffer with raw flags; returns the fields, releases it again."""
    view = Py_buffer()
    _get_buffer(obj, ctypes.byref(view), flags)  # raises the exporter's error
    try:
        nd = view.ndim
        return {
            "buf": view.buf,
            "len": view.len,
            "itemsize": view.itemsize,
            "readonly": bool(view.readonly),
            "format": view.format.decode() if view.format else None,
            "shape": tuple(view.shape[i] for i in range(nd)) if view.shape else None,
            "strides": tuple(view.strides[i] for i in range(nd)) if view.strides else None,
        }
    finally:
        _release_buffer(ctypes.byref(view))


def test_buffer_flags_honoured():
    t = tb.arange(6, dtype=tb.int16).view(2, 3)
    full = get_buffer(t, PyBUF_STRIDES | PyBUF_FORMAT | PyBUF_WRITABLE)
    assert full == {"buf": t.data_ptr(), "len": 12, "itemsize": 2, "readonly": False,
                    "format": "h", "shape": (2, 3), "strides": (6, 2)}
    simple = get_buffer(t, PyBUF_SIMPLE)
    assert simple["format"] is None and simple["shape"] is None and simple["strides"] is None
    assert simple["len"] == 12
    assert get_buffer(t, PyBUF_ND)["strides"] is None
    for flags in (PyBUF_C_CONTIGUOUS, PyBUF_ANY_CONTIGUOUS):
        assert get_buffer(t, flags)["strides"] == (6, 2)

    transposed = t.T  # Fortran-contiguous, not C-contiguous
    assert get_buffer(transposed, PyBUF_F_CONTIGUOUS)["strides"] == (2, 6)
    assert get_buffer(transposed, PyBUF_ANY_CONTIGUOUS)["shape"] == (3, 2)
    for flags in (PyBUF_C_CONTIGUOUS, PyBUF_ND, PyBUF_SIMPLE):
        with pytest.raises(BufferError, match="C-contiguous"):
            get_buffer(transposed, flags)
    strided = t[:, ::2]
    for flags in (PyBUF_F_CONTIGUOUS, PyBUF_ANY_CONTIGUOUS):
        with pytest.raises(BufferError, match="contiguous"):
            get_buffer(strided, flags)
    assert get_buffer(strided, PyBUF_STRIDES)["strides"] == (6, 4)

    ro = tb.from_numpy(np.broadcast_to(np.arange(3.0), (2, 3)))
    assert get_buffer(ro, PyBUF_STRIDES)["readonly"] is True
    with pytest.raises(BufferError, match="read-only"):
        get_buffer(ro, PyBUF_STRIDES | PyBUF_WRITABLE)
    empty = get_buffer(tb.zeros(0), PyBUF_STRIDES)
    assert empty["buf"] and empty["len"] == 0


def test_memoryview_of_tensor():
    t = tb.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=tb.float64)[:, ::-1]
    m = memoryview(t)
    assert m.format == "d" and m.shape == (2, 2) and m.strides == (16, -8) and not m.readonly
    assert m.tolist() == [[2.0, 1.0], [4.0, 3.0]]
    m[0, 0] = 9.0
    assert t[0, 0].item() == 9.0


# ---- lifetimes --------------------------------------------------------------------------------


def test_numpy_source_dies_first():
    a = np.arange(1000.0)
    owner = weakref.ref(a)
    t = tb.from_numpy(a)[10:20]
    del a
    collect()
    assert owner() is not None  # the tensor keeps the array alive
    assert t.tolist() == [float(i) for i in range(10, 20)]
    del t
    collect()
    assert owner() is None  # and lets it go with its last view


def test_tensor_source_dies_first():
    t = tb.arange(1000, dtype=tb.float64)
    view = t[5:8]
    owner = weakref.ref(view)
    n = view.numpy()
    del t, view
    collect()
    assert owner() is not None  # NumPy's base (a memoryview) holds the tensor it came from
    junk = [tb.full((1000,), -1.0, dtype=tb.float64) for _ in range(10)]  # reuse freed memory
    assert n.tolist() == [5.0, 6.0, 7.0]
    del n, junk
    collect()
    assert owner() is None


def test_refcounts_back_to_baseline_after_many_round_trips():
    a = np.arange(10.0)
    t = tb.arange(10, dtype=tb.float64)
    base_a, base_t = sys.getrefcount(a), sys.getrefcount(t)
    for _ in range(1000):
        u = tb.from_numpy(a)
        n = u.numpy()
        m = t.numpy()
        v = tb.from_numpy(m)
        memoryview(t).release()
        del u, n, m, v
    collect()
    assert sys.getrefcount(a) == base_a
    assert sys.getrefcount(t) == base_t


def test_tensors_alive_at_interpreter_exit_do_not_crash():
    import subprocess

    code = (
        "import sys, threading, numpy as np, tensorbridge as tb\n"
        "a = np.arange(10.0)\n"
        "sys.keep = [tb.from_numpy(a), tb.from_numpy(a)[::2].numpy(), tb.from_dlpack(a)]\n"
        "stop = threading.Event()\n"
        "def churn():\n"
        "    while not stop.is_set():\n"
        "        tb.from_numpy(a).numpy()\n"
        "threading.Thread(target=churn, daemon=True).start()\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
