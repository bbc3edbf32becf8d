"""Property tests: random shapes, dtypes and strided layouts (negative steps, permutations,
size 0 and 1) survive every round trip with the same memory and the same values."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tensorbridge as tb
from conftest import NUMPY_DTYPES, sample_array

torch = pytest.importorskip("torch")


@st.composite
def strided_views(draw):
    """A NumPy view (and the recipe to make it) of a random base array."""
    ndim = draw(st.integers(0, 4))
    shape = tuple(draw(st.lists(st.integers(0, 5), min_size=ndim, max_size=ndim)))
    dtype = draw(st.sampled_from(list(NUMPY_DTYPES.values())))
    key = tuple(
        slice(draw(st.integers(-6, 6)), draw(st.integers(-6, 6)), draw(st.sampled_from([-3, -2, -1, 1, 2, 3])))
        for _ in range(ndim)
    )
    perm = tuple(draw(st.permutations(range(ndim))))
    return sample_array(shape, dtype), key, perm


def check_shared(t, a):
    assert t.shape == a.shape
    np.testing.assert_array_equal(np.asarray(t), a)
    if a.size:
        assert t.data_ptr() == a.ctypes.data


@settings(max_examples=150, deadline=None)
@given(strided_views())
def test_numpy_views_round_trip(case):
    base, key, perm = case
    a = base[key + (Ellipsis,)].transpose(perm)  # the Ellipsis keeps 0-d results arrays
    t = tb.from_numpy(a)
    check_shared(t, a)
    check_shared(tb.from_dlpack(a), a)
    back = t.numpy()
    check_shared(t, back)
    assert np.shares_memory(back, a) or a.size == 0
    check_shared(tb.from_dlpack(t), a)
    n = np.from_dlpack(t)
    assert n.shape == a.shape and (a.size == 0 or n.ctypes.data == a.ctypes.data)
    np.testing.assert_array_equal(n, a)
    if a.size and all(s >= 0 for s in a.strides):
        x = torch.from_dlpack(t)
        assert x.data_ptr() == a.ctypes.data
        np.testing.assert_array_equal(x.numpy(), a)
    if a.size and a.flags.writeable:
        index = tuple(s - 1 for s in a.shape)
        t[index] = t[(0,) * a.ndim]
        assert a[index] == a[(0,) * a.ndim]


@settings(max_examples=150, deadline=None)
@given(strided_views())
def test_tensorbridge_views_match_numpy_views(case):
    base, key, perm = case
    expected = base[key + (Ellipsis,)].transpose(perm)
    t = tb.tensor(base)[key].permute(*perm) if base.ndim else tb.tensor(base)[key]
    assert t.shape == expected.shape
    assert t.tolist() == expected.tolist()
    n = t.numpy()
    assert n.ctypes.data == t.data_ptr() or n.size == 0
    assert n.tolist() == expected.tolist()
