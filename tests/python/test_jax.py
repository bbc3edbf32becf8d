"""JAX <-> tensorbridge: DLPack both ways and the buffer protocol from JAX, for every dtype
JAX has (64-bit types with jax_enable_x64), zero-copy proven by buffer pointers."""

from __future__ import annotations

import numpy as np
import pytest

import tensorbridge as tb
from conftest import collect

jax = pytest.importorskip("jax", reason="jax is not installed (pip install jax jaxlib)")
jnp = jax.numpy
jax.config.update("jax_enable_x64", True)

JAX_DTYPES = {
    tb.bool: jnp.bool_,
    tb.int8: jnp.int8,
    tb.int16: jnp.int16,
    tb.int32: jnp.int32,
    tb.int64: jnp.int64,
    tb.uint8: jnp.uint8,
    tb.uint16: jnp.uint16,
    tb.uint32: jnp.uint32,
    tb.uint64: jnp.uint64,
    tb.float16: jnp.float16,
    tb.bfloat16: jnp.bfloat16,
    tb.float32: jnp.float32,
    tb.float64: jnp.float64,
    tb.complex64: jnp.complex64,
    tb.complex128: jnp.complex128,
}


def jax_sample(shape, dtype):
    values = jnp.arange(int(np.prod(shape))).reshape(shape) % 7
    if dtype is jnp.bool_:
        return values % 2 == 0
    return values.astype(dtype)


@pytest.mark.parametrize("ours,jdtype", list(JAX_DTYPES.items()), ids=repr)
def test_from_dlpack_of_jax_every_dtype(ours, jdtype):
    x = jax_sample((2, 3), jdtype)
    t = tb.from_dlpack(x)
    assert t.dtype is ours and t.shape == x.shape
    assert t.data_ptr() == x.unsafe_buffer_pointer()
    expected = np.asarray(x.astype(jnp.float32) if jdtype is jnp.bfloat16 else x)
    np.testing.assert_array_equal(t.float().numpy() if ours is tb.bfloat16 else t.numpy(), expected)


@pytest.mark.parametrize("ours,jdtype", list(JAX_DTYPES.items()), ids=repr)
def test_jax_from_dlpack_of_every_dtype(ours, jdtype):
    t = tb.from_dlpack(jax_sample((3, 2), jdtype)).clone()
    x = jnp.from_dlpack(t)
    assert x.dtype == jdtype and x.unsafe_buffer_pointer() == t.data_ptr()
    # JAX arrays are immutable, but the memory is shared: a write through tensorbridge shows
    t[0, 0] = t[2, 1]
    assert x[0, 0] == x[2, 1]


def test_buffer_protocol_from_jax_is_read_only_and_shared():
    x = jnp.arange(6.0).reshape(2, 3)
    t = tb.as_tensor(x)
    assert t.is_read_only and t.data_ptr() == x.unsafe_buffer_pointer()
    assert t.tolist() == x.tolist()
    with pytest.raises(ValueError, match="read-only"):
        t[0, 0] = 1.0


def test_layouts_to_jax():
    base = tb.arange(12, dtype=tb.float32).view(3, 4)
    for view in (base.T, base[1], base[1, 1], base[:0], base.unsqueeze(0)):
        x = jnp.from_dlpack(view)
        assert x.shape == view.shape and x.tolist() == view.tolist()
    with pytest.raises(Exception, match="strid"):  # JAX takes no negative or gapped strides
        jnp.from_dlpack(base.flip(0))


def test_jax_source_dies_first_and_back():
    x = jnp.arange(50.0)
    t = tb.from_dlpack(x)
    del x
    collect()
    assert t.tolist() == list(range(50))
    u = tb.arange(50, dtype=tb.float64)
    y = jnp.from_dlpack(u)
    del u
    collect()
    assert y.tolist() == list(range(50))
