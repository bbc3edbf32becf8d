"""DLPack between tensorbridge, NumPy and PyTorch: every dtype each peer has, both directions,
layouts, the __dlpack__ keywords and their errors, raw capsules, lifetimes and refcounts."""

from __future__ import annotations

import ctypes
import enum
import sys
import weakref

import numpy as np
import pytest

import tensorbridge as tb
from conftest import NUMPY_DLPACK_1, NUMPY_DTYPES, TORCH_DTYPES, collect, needs_numpy_dlpack_1, sample_array

torch = pytest.importorskip("torch")

_capsule_name = ctypes.pythonapi.PyCapsule_GetName
_capsule_name.restype = ctypes.c_char_p
_capsule_name.argtypes = [ctypes.py_object]


def capsule_name(capsule):
    return _capsule_name(capsule).decode()


def torch_sample(shape, dtype):
    if dtype is tb.bool:
        return torch.from_numpy(sample_array(shape, np.bool_))
    return torch.from_numpy(sample_array(shape, np.float64)).to(TORCH_DTYPES[dtype])


# ---- exports: consumers read our tensors ------------------------------------------------------


@pytest.mark.parametrize("ours,np_dtype", list(NUMPY_DTYPES.items()), ids=repr)
def test_numpy_from_dlpack_of_every_dtype(ours, np_dtype):
    t = tb.from_numpy(sample_array((2, 3), np_dtype)).clone()
    n = np.from_dlpack(t)
    assert n.dtype == np_dtype and n.ctypes.data == t.data_ptr()
    np.testing.assert_array_equal(n, np.asarray(t))
    if NUMPY_DLPACK_1:  # older NumPy makes DLPack imports read-only
        n[1, 1] = n[0, 0]
        assert t[1, 1].item() == t[0, 0].item()


@pytest.mark.parametrize("ours", list(TORCH_DTYPES), ids=repr)
def test_torch_from_dlpack_of_every_dtype(ours):
    expected = torch_sample((3, 2), ours)
    t = tb.from_dlpack(expected).clone()
    x = torch.from_dlpack(t)
    assert x.dtype == TORCH_DTYPES[ours] and x.data_ptr() == t.data_ptr()
    assert torch.equal(x, expected)
    x[0, 1] = x[2, 0]
    assert t[0, 1].item() == t[2, 0].item()


def test_layouts_exported_through_dlpack():
    base = tb.arange(24, dtype=tb.float32).view(4, 6)
    views = {
        "transposed": base.T,
        "strided": base[::2, 1::3],
        "size-one": base[:1, :, None],
        "broadcast": base[0].expand(3, 6),
        "zero-d": base[1, 1],
        "empty": base[:0],
    }
    for name, v in views.items():
        x = torch.from_dlpack(v)
        n = np.from_dlpack(v)
        assert tuple(x.shape) == v.shape == n.shape, name
        assert x.tolist() == v.tolist() == n.tolist(), name
        if v.numel():
            assert x.data_ptr() == v.data_ptr() == n.ctypes.data, name
            used = [i for i, s in enumerate(v.shape) if s > 1]
            assert [x.stride(i) for i in used] == [v.stride(i) for i in used], name
    # Negative strides: NumPy takes them. PyTorch cannot represent them, and torch 2.13 aborts
    # the process on them (pytorch#188023) instead of raising, so they go to torch contiguous.
    flipped = base.flip(1)
    assert np.from_dlpack(flipped).tolist() == flipped.tolist()
    assert torch.from_dlpack(flipped.contiguous()).tolist() == flipped.tolist()


# ---- imports: we read the consumers' tensors --------------------------------------------------


@pytest.mark.parametrize("ours", list(TORCH_DTYPES), ids=repr)
def test_from_dlpack_of_torch_every_dtype(ours):
    x = torch_sample((2, 3), ours)
    t = tb.from_dlpack(x)
    assert t.dtype is ours and t.data_ptr() == x.data_ptr() and t.shape == tuple(x.shape)
    assert t.tolist() == x.tolist()
    t[1, 2] = t[0, 0]
    assert x[1, 2].item() == x[0, 0].item()


@pytest.mark.parametrize("ours,np_dtype", list(NUMPY_DTYPES.items()), ids=repr)
def test_from_dlpack_of_numpy_every_dtype(ours, np_dtype):
    a = sample_array((3, 2), np_dtype)
    t = tb.from_dlpack(a)
    assert t.dtype is ours and t.data_ptr() == a.ctypes.data
    np.testing.assert_array_equal(t.numpy(), a)


def test_from_dlpack_layouts_from_numpy_and_torch():
    a = np.arange(24.0).reshape(4, 6)
    for view in (a.T, a[::2, 1::3], a[::-1, ::-2], a[:1, :, None], np.asfortranarray(a), a[0, 0, ...], a[:0]):
        t = tb.from_dlpack(view)
        assert t.shape == view.shape and t.tolist() == view.tolist()
        if view.size:
            assert t.data_ptr() == view.ctypes.data
    x = torch.arange(24.0).reshape(4, 6)
    for view in (x.T, x[::2, 1::3], x[:1, :, None], x.expand(2, 4, 6), x[1, 1]):
        t = tb.from_dlpack(view)
        assert t.shape == tuple(view.shape) and t.stride() == view.stride()
        assert t.tolist() == view.tolist() and t.data_ptr() == view.data_ptr()


def test_read_only_numpy_through_dlpack_stays_read_only():
    a = np.arange(3.0)
    a.flags.writeable = False
    if not NUMPY_DLPACK_1:
        with pytest.raises(BufferError):  # old NumPy cannot say "read-only" in DLPack: it refuses
            tb.from_dlpack(a)
    t = tb.from_dlpack(a) if NUMPY_DLPACK_1 else tb.from_numpy(a)
    assert t.is_read_only
    with pytest.raises(ValueError, match="read-only"):
        t[0] = 1
    if NUMPY_DLPACK_1:
        n = np.from_dlpack(t)  # and back: versioned, with the READ_ONLY flag
        assert not n.flags.writeable
    with pytest.raises(BufferError, match="read-only"):
        t.__dlpack__()  # the legacy struct cannot say read-only


# ---- the __dlpack__ keywords ------------------------------------------------------------------


def test_max_version_chooses_legacy_or_versioned():
    t = tb.arange(3)
    assert capsule_name(t.__dlpack__()) == "dltensor"
    assert capsule_name(t.__dlpack__(max_version=None)) == "dltensor"
    assert capsule_name(t.__dlpack__(max_version=(0, 8))) == "dltensor"
    assert capsule_name(t.__dlpack__(max_version=(1, 0))) == "dltensor_versioned"
    assert capsule_name(t.__dlpack__(max_version=(2, 0))) == "dltensor_versioned"
    with pytest.raises(TypeError):
        t.__dlpack__(max_version="1.0")


def test_stream_must_be_none_on_cpu():
    t = tb.arange(3)
    t.__dlpack__(stream=None)
    for stream in (0, 1, 2, -1):
        with pytest.raises(ValueError, match="stream must be None"):
            t.__dlpack__(stream=stream)


def test_dl_device():
    t = tb.arange(3)
    assert t.__dlpack_device__() == (tb.DLDeviceType.kDLCPU, 0)
    assert isinstance(t.__dlpack_device__()[0], enum.IntEnum)
    assert tb.DLDeviceType.kDLCUDA == 2
    capsule_name(t.__dlpack__(dl_device=(1, 0)))
    capsule_name(t.__dlpack__(dl_device=(tb.DLDeviceType.kDLCPU, 0)))
    for device in ((2, 0), (1, 1), (tb.DLDeviceType.kDLHexagon, 0)):
        with pytest.raises(BufferError, match="dl_device"):
            t.__dlpack__(dl_device=device)
    if NUMPY_DLPACK_1:
        assert np.from_dlpack(t, device="cpu").tolist() == [0, 1, 2]


@needs_numpy_dlpack_1
def test_copy_keyword():
    t = tb.arange(4, dtype=tb.float32)[::2]
    shared = np.from_dlpack(t, copy=False)
    assert shared.ctypes.data == t.data_ptr()
    copied = np.from_dlpack(t, copy=True)
    assert copied.ctypes.data != t.data_ptr() and copied.tolist() == [0, 2]
    copied[0] = 9
    assert t[0].item() == 0
    # ours as consumer
    a = np.arange(3.0)
    assert tb.from_dlpack(a, copy=False).data_ptr() == a.ctypes.data
    c = tb.from_dlpack(a, copy=True)
    assert c.data_ptr() != a.ctypes.data and c.tolist() == [0, 1, 2]
    x = torch.arange(3.0)
    assert tb.from_dlpack(x, copy=True).data_ptr() != x.data_ptr()
    assert tb.from_dlpack(x, device="cpu").data_ptr() == x.data_ptr()
    assert tb.from_dlpack(x, device=tb.device("cpu")).data_ptr() == x.data_ptr()
    with pytest.raises((BufferError, ValueError)):
        tb.from_dlpack(a, device="cuda")


# ---- raw capsules and bad inputs --------------------------------------------------------------


def test_raw_capsules_both_kinds():
    t = tb.arange(3)
    for capsule in (t.__dlpack__(), t.__dlpack__(max_version=(1, 0))):
        name = capsule_name(capsule)
        u = tb.from_dlpack(capsule)
        assert u.data_ptr() == t.data_ptr() and u.tolist() == [0, 1, 2]
        assert capsule_name(capsule) == "used_" + name  # consumed right away
        with pytest.raises(ValueError, match="already consumed"):
            tb.from_dlpack(capsule)
    legacy = torch.utils.dlpack.to_dlpack(torch.arange(4))
    assert tb.from_dlpack(legacy).tolist() == [0, 1, 2, 3]


def test_bad_inputs():
    with pytest.raises(TypeError, match="does not support DLPack"):
        tb.from_dlpack([1, 2, 3])
    with pytest.raises(TypeError, match="does not support DLPack"):
        tb.from_dlpack(3)

    class NotACapsule:
        def __dlpack__(self, **kwargs):
            return "nope"

    with pytest.raises(TypeError, match="expected a DLPack capsule"):
        tb.from_dlpack(NotACapsule())

    class Raises:
        def __dlpack__(self, **kwargs):
            raise BufferError("no export today")

    with pytest.raises(BufferError, match="no export today"):
        tb.from_dlpack(Raises())
    other_capsule = ctypes.pythonapi.PyCapsule_New
    other_capsule.restype = ctypes.py_object
    other_capsule.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_void_p]
    with pytest.raises(TypeError, match="named 'something_else'"):
        tb.from_dlpack(other_capsule(1, b"something_else", None))


def test_legacy_producer_without_keywords():
    source = tb.arange(3, dtype=tb.float64)

    class Legacy:  # a producer from before DLPack 1.0: __dlpack__(stream=None) only
        def __dlpack__(self, stream=None):
            return source.__dlpack__()

    shared = tb.from_dlpack(Legacy())
    assert shared.data_ptr() == source.data_ptr()
    copied = tb.from_dlpack(Legacy(), copy=True)  # the producer cannot copy: we do
    assert copied.data_ptr() != source.data_ptr() and copied.tolist() == [0, 1, 2]


# ---- lifetimes --------------------------------------------------------------------------------


@pytest.mark.parametrize("max_version", [None, (1, 0)])
def test_unconsumed_capsule_frees_its_tensor(max_version):
    a = np.arange(5.0)
    owner = weakref.ref(a)  # the chain capsule -> tensor -> NumPy array is observable here
    capsule = tb.from_numpy(a).__dlpack__(max_version=max_version)
    del a
    collect()
    assert owner() is not None  # the capsule holds the memory
    del capsule
    collect()
    assert owner() is None  # the capsule destructor ran the deleter


def test_capsule_destructor_keeps_pending_exception():
    def export_then_fail():
        capsule = tb.arange(3).__dlpack__(max_version=(1, 0))  # noqa: F841 - dies in the unwind
        raise KeyError("original")

    with pytest.raises(KeyError, match="original"):
        export_then_fail()


def test_sources_die_first_across_dlpack():
    t = tb.arange(100, dtype=tb.float64)
    x = torch.from_dlpack(t)
    n = np.from_dlpack(t)
    del t
    collect()
    junk = [tb.full((100,), -1.0, dtype=tb.float64) for _ in range(10)]  # reuse freed memory
    assert x.tolist() == list(range(100)) and n.tolist() == list(range(100))
    del junk

    y = torch.arange(100, dtype=torch.float64)
    u = tb.from_dlpack(y)
    a = np.arange(100.0)
    owner = weakref.ref(a)
    v = tb.from_dlpack(a)
    del y, a
    collect()
    junk = [torch.full((100,), -1.0, dtype=torch.float64) for _ in range(10)]
    assert u.tolist() == list(range(100)) and v.tolist() == list(range(100))
    assert owner() is not None
    del v
    collect()
    assert owner() is None


def test_refcounts_back_to_baseline_after_many_dlpack_round_trips():
    t = tb.arange(10, dtype=tb.float64)
    a = np.arange(10.0)
    x = torch.arange(10.0)
    bases = [sys.getrefcount(o) for o in (t, a, x)]
    for _ in range(1000):
        n = np.from_dlpack(t)
        y = torch.from_dlpack(t)
        u = tb.from_dlpack(a)
        v = tb.from_dlpack(x)
        w = tb.from_dlpack(t.__dlpack__(max_version=(1, 0)))
        t.__dlpack__()  # dropped unconsumed
        del n, y, u, v, w
    collect()
    assert [sys.getrefcount(o) for o in (t, a, x)] == bases
