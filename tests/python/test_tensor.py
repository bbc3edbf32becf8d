"""tensorbridge.Tensor: metadata, dtypes, devices, repr, values, casts, views and indexing,
checked against PyTorch and NumPy running on the same data."""

from __future__ import annotations

import math
import pickle

import numpy as np
import pytest

import tensorbridge as tb
from conftest import ALL_DTYPES, NUMPY_DTYPES, TORCH_DTYPES, sample_array

torch = pytest.importorskip("torch")


def pair(values, dtype=None):
    """The same data as a torch tensor and a tensorbridge tensor."""
    t = torch.tensor(values, dtype=TORCH_DTYPES[dtype] if dtype else None)
    return t, tb.from_dlpack(t.contiguous()).clone()


def same_values(ours, theirs):
    np.testing.assert_array_equal(ours.float().numpy() if ours.dtype == tb.bfloat16 else ours.numpy(),
                                  theirs.float().numpy() if theirs.dtype == torch.bfloat16 else theirs.numpy())


# ---- dtype and device objects -----------------------------------------------------------------


def test_dtype_objects_print_and_alias_like_torch():
    for name in ["float32", "float64", "float16", "bfloat16", "int8", "int16", "int32", "int64",
                 "uint8", "uint16", "uint32", "uint64", "bool", "complex64", "complex128"]:
        ours = getattr(tb, name)
        assert repr(ours) == repr(getattr(torch, name)).replace("torch.", "tensorbridge.")
        assert ours.itemsize == getattr(torch, name).itemsize
        assert ours.is_floating_point == getattr(torch, name).is_floating_point
        assert ours.is_complex == getattr(torch, name).is_complex
        assert ours.is_signed == getattr(torch, name).is_signed
    for alias in ["float", "double", "half", "long", "int", "short", "bool", "cfloat", "cdouble"]:
        assert getattr(tb, alias) is getattr(tb, repr(getattr(torch, alias)).split(".")[1])
    assert isinstance(tb.float32, tb.dtype)
    assert pickle.loads(pickle.dumps(tb.int16)) is tb.int16
    with pytest.raises(TypeError):
        tb.dtype()


def test_device_objects_print_like_torch():
    assert repr(tb.device("cpu")) == repr(torch.device("cpu"))
    assert repr(tb.device("cuda:1")) == repr(torch.device("cuda:1"))
    assert str(tb.device("cpu")) == "cpu"
    assert tb.device("cpu").type == "cpu" and tb.device("cpu").index is None
    assert tb.device("cuda", 2).index == 2
    assert tb.device("cpu") == tb.device("cpu") and tb.device("cpu") != tb.device("cuda")
    assert hash(tb.device("cpu")) == hash(tb.device("cpu"))
    assert pickle.loads(pickle.dumps(tb.device("cuda:3"))) == tb.device("cuda:3")
    with pytest.raises(ValueError, match="invalid device string"):
        tb.device("tpu")
    with pytest.raises(TypeError):
        tb.device(3)


def test_default_dtype_controls_float_inference_and_factories():
    assert tb.get_default_dtype() is tb.float32
    tb.set_default_dtype(tb.float64)
    assert tb.get_default_dtype() is tb.float64
    assert tb.tensor([1.5]).dtype is tb.float64
    assert tb.tensor([1j]).dtype is tb.complex128
    assert tb.zeros(2).dtype is tb.float64
    assert tb.tensor([1]).dtype is tb.int64
    with pytest.raises(TypeError, match="floating-point"):
        tb.set_default_dtype(tb.int32)
    with pytest.raises(TypeError, match="tensorbridge dtype"):
        tb.set_default_dtype(np.float32)


# ---- metadata ---------------------------------------------------------------------------------


def test_metadata_matches_torch():
    t, u = pair(np.arange(24.0).reshape(2, 3, 4).tolist())
    t, u = t.transpose(0, 2), u.transpose(0, 2)
    assert u.shape == t.shape and isinstance(u.shape, tb.Size) and isinstance(u.shape, tuple)
    assert repr(u.shape) == repr(t.shape).replace("torch.", "tensorbridge.")
    assert u.size() == t.size() and u.size(1) == t.size(1) and u.size(-1) == t.size(-1)
    assert u.stride() == t.stride() and u.stride(0) == t.stride(0)
    assert u.ndim == t.ndim == u.dim() and u.numel() == t.numel() == 24
    assert u.is_contiguous() == t.is_contiguous() is False
    assert u.element_size() == t.element_size() == u.itemsize == 4
    assert u.nbytes == t.nbytes
    assert u.dtype is tb.float32 and u.device == tb.device("cpu") and u.is_cpu and not u.is_cuda
    assert len(u) == len(t) == 4
    assert u.shape.numel() == 24 and u.shape[1:] == (3, 2) and isinstance(u.shape[1:], tb.Size)
    assert u.is_floating_point() and not u.is_complex()
    with pytest.raises(IndexError, match="out of range"):
        u.size(3)
    with pytest.raises(TypeError, match="0-d"):
        len(tb.tensor(1.0))


def test_data_ptr_and_storage_offset_follow_views():
    u = tb.arange(12, dtype=tb.int32).view(3, 4)
    v = u[1, 2:]
    assert v.storage_offset() == 6
    assert v.data_ptr() == u.data_ptr() + 6 * 4


# ---- repr -------------------------------------------------------------------------------------

REPR_CASES = [
    [[1.0, 2.0], [3.0, 4.0]],
    [[1.5, -2.25], [3.125, 4.0]],
    [1e-5, 1.0, 1e5],
    [1e10, 1.0],
    [0.1, 0.2, 0.3],
    [float("nan"), float("inf"), -float("inf"), 1.0],
    [[[1, 2], [3, 4]], [[5, 6], [7, 8]]],
    [True, False],
    [1 + 2j, 3.5 - 1j],
    [],
    [[]],
    3.25,
    7,
    list(range(2000)),
    [[i * 0.5 for i in range(40)] for _ in range(3)],
]


@pytest.mark.parametrize("values", REPR_CASES, ids=range(len(REPR_CASES)))
def test_repr_equals_torch_repr(values):
    t = torch.tensor(values)
    u = tb.tensor(values)
    assert repr(u) == repr(t).replace("torch.", "tensorbridge."), (repr(u), repr(t))
    assert str(u) == str(t).replace("torch.", "tensorbridge.")


@pytest.mark.parametrize("dtype", ALL_DTYPES, ids=repr)
@pytest.mark.parametrize("shape", [(), (0,), (3,), (2, 3), (2, 0, 3), (1, 1, 2)], ids=str)
def test_repr_of_every_dtype_equals_torch_repr(dtype, shape):
    if dtype is tb.bool:
        values = sample_array(shape, np.bool_)
    else:
        values = sample_array(shape, np.float64) / 4
    t = torch.tensor(values).to(TORCH_DTYPES[dtype])
    u = tb.from_dlpack(t.contiguous())
    assert repr(u) == repr(t).replace("torch.", "tensorbridge.")


# ---- values -----------------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", ALL_DTYPES, ids=repr)
def test_item_and_tolist_match_torch(dtype):
    t = torch.tensor(sample_array((2, 3), np.float64) - 2).to(TORCH_DTYPES[dtype])
    if dtype is tb.bool:
        t = torch.tensor(sample_array((2, 3), np.bool_))
    u = tb.from_dlpack(t)
    assert u.tolist() == t.tolist()
    assert u[1, 2].item() == t[1, 2].item()
    assert type(u[1, 2].item()) is type(t[1, 2].item())
    assert u.T.tolist() == t.T.tolist()
    with pytest.raises(ValueError, match="cannot be converted"):
        u.item()


def test_python_number_protocols():
    assert float(tb.tensor(2.5)) == 2.5 and int(tb.tensor(7)) == 7
    assert complex(tb.tensor(1 + 2j)) == 1 + 2j
    assert bool(tb.tensor([0])) is False and bool(tb.tensor(3)) is True
    assert [10, 20, 30][tb.tensor(1)] == 20
    with pytest.raises(TypeError, match="integer tensors"):
        [1, 2][tb.tensor(1.0)]
    with pytest.raises(RuntimeError, match="ambiguous"):
        bool(tb.tensor([1, 2]))
    assert tb.tensor(2**63 + 5, dtype=tb.uint64).item() == 2**63 + 5


def test_iteration_yields_views_of_rows():
    u = tb.arange(6).view(2, 3)
    rows = list(u)
    assert [r.tolist() for r in rows] == [[0, 1, 2], [3, 4, 5]]
    rows[1][0] = 99
    assert u[1, 0].item() == 99
    with pytest.raises(TypeError, match="0-d"):
        iter(tb.tensor(1))


CASTS = ["float", "double", "half", "bfloat16", "int", "long", "short", "char", "byte", "bool", "cfloat", "cdouble"]


@pytest.mark.parametrize("cast", CASTS)
def test_casts_match_torch(cast):
    t = torch.tensor([[-3.75, -0.5, 0.0], [0.25, 2.5, 100.0]])
    u = tb.tensor(t.tolist())
    theirs, ours = getattr(t, cast)(), getattr(u, cast)()
    assert repr(ours.dtype) == repr(theirs.dtype).replace("torch.", "tensorbridge.")
    same_values(ours, theirs)


def test_cast_to_same_dtype_returns_the_same_object():
    u = tb.zeros(3)
    assert u.float() is u and u.to(tb.float32) is u and u.contiguous() is u
    assert u.to(tb.float32, copy=True) is not u
    assert u.double() is not u


def test_to_accepts_dtype_device_tensor_and_keywords():
    u = tb.arange(4)
    assert u.to(tb.float64).dtype is tb.float64
    assert u.to("cpu") is u
    assert u.to(tb.device("cpu"), tb.int8).dtype is tb.int8
    assert u.to(tb.zeros(1, dtype=tb.float16)).dtype is tb.float16
    assert u.to(dtype=tb.complex64, non_blocking=True).dtype is tb.complex64
    if not tb.cuda.is_built():  # the CUDA build: test_cuda_gpu.py
        with pytest.raises(RuntimeError, match="no CUDA support"):
            u.to("cuda")
    with pytest.raises(TypeError, match="unexpected keyword"):
        u.to(memory_format=1)
    with pytest.raises(TypeError, match="tensorbridge dtype"):
        u.to(np.float32)


def test_clone_fill_zero_copy():
    u = tb.arange(6, dtype=tb.float32).view(2, 3)
    c = u.clone()
    c.fill_(7)
    assert u.tolist() == [[0, 1, 2], [3, 4, 5]] and c.tolist() == [[7] * 3] * 2
    assert c.zero_() is c and c.tolist() == [[0] * 3] * 2
    c.copy_(u[1])  # broadcast a row
    assert c.tolist() == [[3, 4, 5]] * 2
    c.copy_(np.array([[1.5], [2.5]]))  # NumPy array, other dtype, broadcast column
    assert c.tolist() == [[1.5] * 3, [2.5] * 3]
    c.fill_(tb.tensor(4))
    assert c.tolist() == [[4] * 3] * 2
    c.fill_(np.float32(0.5))
    assert c.tolist() == [[0.5] * 3] * 2
    with pytest.raises(ValueError, match="broadcast"):
        c.copy_(tb.zeros(4))
    with pytest.raises(ValueError, match="0-dimension"):
        c.fill_(tb.zeros(2))


# ---- views ------------------------------------------------------------------------------------

VIEWS = [
    ("transpose", lambda x: x.transpose(0, 2)),
    ("swapaxes", lambda x: x.swapaxes(1, 2)),
    ("permute", lambda x: x.permute(2, 0, 1)),
    ("permute_tuple", lambda x: x.permute((1, 2, 0))),
    ("T", lambda x: x.T),
    ("mT", lambda x: x.mT),
    ("view", lambda x: x.view(6, 4)),
    ("view_tuple", lambda x: x.view((4, -1))),
    ("reshape_noncontig", lambda x: x.transpose(0, 1).reshape(-1)),
    ("flatten", lambda x: x.flatten(1)),
    ("unflatten", lambda x: x.unflatten(2, (2, 2))),
    ("squeeze", lambda x: x[:, :1].squeeze()),
    ("squeeze_dim", lambda x: x[:, :1].squeeze(1)),
    ("squeeze_dims", lambda x: x[:1, :1].squeeze((0, 1))),
    ("unsqueeze", lambda x: x.unsqueeze(-1)),
    ("expand", lambda x: x[:, :1].expand(2, 5, 4)),
    ("expand_new_dim", lambda x: x[0].expand(3, -1, -1)),
    ("broadcast_to", lambda x: x[0, 0].broadcast_to((3, 4))),
    ("narrow", lambda x: x.narrow(2, 1, 2)),
    ("select", lambda x: x.select(1, -1)),
    ("diagonal", lambda x: x.diagonal()),
    ("diagonal_offset", lambda x: x.diagonal(1, 1, 2)),
    ("as_strided", lambda x: x.as_strided((3, 3), (2, 1), 1)),
    ("movedim", lambda x: x.movedim(0, -1)),
    ("movedim_seq", lambda x: x.movedim((0, 1), (2, 0))),
    ("t", lambda x: x[0].t()),
]


@pytest.mark.filterwarnings("ignore:The use of `x.T` on tensors of dimension other than 2")
@pytest.mark.parametrize("name,fn", VIEWS, ids=[v[0] for v in VIEWS])
def test_views_match_torch_and_share_memory(name, fn):
    t = torch.arange(24.0).reshape(2, 3, 4)
    u = tb.arange(24.0).reshape(2, 3, 4)
    theirs, ours = fn(t), fn(u)
    assert ours.shape == theirs.shape
    same_values(ours, theirs)
    if theirs.data_ptr() >= t.data_ptr() and theirs.untyped_storage().data_ptr() == t.untyped_storage().data_ptr():
        # torch made a view: so must we, with the same strides and offset
        assert ours.stride() == theirs.stride()
        assert ours.storage_offset() == theirs.storage_offset()


def test_expand_as_and_flip():
    t = torch.arange(6.0).reshape(2, 3)
    u = tb.arange(6.0).reshape(2, 3)
    same_values(u[:1].expand_as(u), t[:1].expand_as(t))
    same_values(u.flip(0), t.flip(0))
    same_values(u.flip((0, 1)), t.flip((0, 1)))
    f = u.flip(1)
    assert f.stride() == (3, -1)  # a view, unlike torch's copy
    f[0, 0] = 50
    assert u[0, 2].item() == 50


def test_view_errors_name_shapes():
    u = tb.zeros(2, 3).T
    with pytest.raises(ValueError, match=r"view: shape \[6\] is not compatible"):
        u.view(6)
    with pytest.raises(ValueError, match="invalid for input of size 6"):
        u.reshape(4, 2)
    with pytest.raises(IndexError, match="dimension out of range"):
        u.transpose(0, 5)
    with pytest.raises(ValueError, match="expanded size"):
        u.expand(4, 4)


# ---- indexing ---------------------------------------------------------------------------------

KEYS = [
    1,
    -1,
    (1, 2),
    (0, -1, 3),
    slice(None),
    slice(1, None),
    slice(None, None, 2),
    slice(None, None, -1),
    slice(-1, 0, -2),
    slice(10, -10, -1),
    slice(5, 1),
    (slice(None), 1),
    (Ellipsis, 1),
    (1, Ellipsis),
    (None,),
    (None, 1, None, slice(None, None, -2)),
    (Ellipsis, None),
    (slice(None), None, Ellipsis, 0),
    (),
    Ellipsis,
    np.int64(1),
    (np.int32(-1), slice(np.int64(1), None)),
]


@pytest.mark.parametrize("key", KEYS, ids=repr)
def test_getitem_matches_numpy_and_is_a_view(key):
    a = np.arange(60, dtype=np.float64).reshape(3, 4, 5)
    u = tb.from_numpy(a)
    ours = u[key]
    # NumPy gives a scalar (a copy) for all-integer keys; a trailing ... makes it a 0-d view.
    k = key if isinstance(key, tuple) else (key,)
    theirs = a[k if any(i is Ellipsis for i in k) else k + (Ellipsis,)]
    assert ours.shape == theirs.shape
    np.testing.assert_array_equal(ours.numpy(), theirs)
    if theirs.size:
        # strides of size-1 dimensions are never used, and differ between libraries
        used = [i for i, n in enumerate(theirs.shape) if n > 1]
        assert [ours.stride(i) for i in used] == [theirs.strides[i] // 8 for i in used]
        assert ours.data_ptr() == theirs.ctypes.data  # a view of the same memory


def test_getitem_of_0d_tensor():
    u = tb.tensor(5.0)
    assert u[()].item() == 5.0 and u[...].shape == () and u[None].shape == (1,)
    with pytest.raises(IndexError, match="too many indices"):
        u[0]


def test_getitem_errors():
    u = tb.zeros(2, 3)
    with pytest.raises(IndexError, match="index 2 is out of bounds for dimension 0 with size 2"):
        u[2]
    with pytest.raises(IndexError, match="too many indices for tensor of dimension 2"):
        u[0, 0, 0]
    with pytest.raises(IndexError, match="single ellipsis"):
        u[..., ...]
    with pytest.raises(IndexError, match=r"valid indices \(got float\)"):
        u[1.5]
    with pytest.raises(IndexError, match=r"valid indices \(got str\)"):
        u["a"]
    with pytest.raises(ValueError, match="step cannot be zero"):
        u[::0]


SET_CASES = [
    ((0, 1), 5),
    (slice(None), 2.5),
    ((slice(None), 0), [7, 8]),
    ((Ellipsis, slice(None, None, -1)), [1, 2, 3]),
    (1, np.array([9.5, 8.5, 7.5], dtype=np.float32)),
    ((slice(None), slice(1, 3)), np.array([[1], [2]])),
    (None, [[4, 5, 6]]),
    (0, True),
    ((1, 1), np.float32(3.25)),
]


@pytest.mark.parametrize("key,value", SET_CASES, ids=repr)
def test_setitem_matches_numpy(key, value):
    a = np.arange(6, dtype=np.float64).reshape(2, 3)
    expected = a.copy()
    expected[key] = value
    u = tb.from_numpy(a)
    u[key] = value
    np.testing.assert_array_equal(a, expected)  # written through to the NumPy array


def test_setitem_with_tensors_converts_and_handles_overlap():
    u = tb.arange(5, dtype=tb.int32)
    u[1:] = u[:-1]  # overlapping source and destination
    assert u.tolist() == [0, 0, 1, 2, 3]
    u[:2] = tb.tensor([1.9, -2.9])  # float into int: truncation, like torch
    assert u.tolist() == [1, -2, 1, 2, 3]


def test_setitem_on_read_only_raises_value_error_like_numpy():
    a = np.arange(3.0)
    a.flags.writeable = False
    u = tb.from_numpy(a)
    with pytest.raises(ValueError, match="read-only"):
        u[0] = 1
    with pytest.raises(ValueError, match="read-only"):
        u.fill_(1)
    assert a.tolist() == [0, 1, 2]
