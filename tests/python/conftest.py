"""Shared helpers for tensorbridge's Python tests: dtype tables for each peer library."""

from __future__ import annotations

import gc

import numpy as np
import pytest
from hypothesis import settings

import tensorbridge as tb

try:
    import torch
except ImportError:  # pragma: no cover - torch is a test requirement, but keep collection alive
    torch = None

# No example database: runs leave nothing behind in the work tree, and CI starts fresh anyway.
settings.register_profile("tensorbridge", database=None, deadline=None)
settings.load_profile("tensorbridge")

# NumPy 2.1 consumes versioned DLPack (so writable arrays) and takes copy=/device= in
# np.from_dlpack; older NumPy asks for legacy capsules and makes the arrays read-only.
NUMPY_DLPACK_1 = np.lib.NumpyVersion(np.__version__) >= "2.1.0"
needs_numpy_dlpack_1 = pytest.mark.skipif(not NUMPY_DLPACK_1, reason="needs NumPy >= 2.1 (versioned DLPack)")

# tensorbridge dtype -> NumPy dtype (bfloat16 has none).
NUMPY_DTYPES = {
    tb.bool: np.bool_,
    tb.int8: np.int8,
    tb.int16: np.int16,
    tb.int32: np.int32,
    tb.int64: np.int64,
    tb.uint8: np.uint8,
    tb.uint16: np.uint16,
    tb.uint32: np.uint32,
    tb.uint64: np.uint64,
    tb.float16: np.float16,
    tb.float32: np.float32,
    tb.float64: np.float64,
    tb.complex64: np.complex64,
    tb.complex128: np.complex128,
}

ALL_DTYPES = list(NUMPY_DTYPES) + [tb.bfloat16]

TORCH_DTYPES = {}
if torch is not None:
    TORCH_DTYPES = {
        tb.bool: torch.bool,
        tb.int8: torch.int8,
        tb.int16: torch.int16,
        tb.int32: torch.int32,
        tb.int64: torch.int64,
        tb.uint8: torch.uint8,
        tb.uint16: torch.uint16,
        tb.uint32: torch.uint32,
        tb.uint64: torch.uint64,
        tb.float16: torch.float16,
        tb.bfloat16: torch.bfloat16,
        tb.float32: torch.float32,
        tb.float64: torch.float64,
        tb.complex64: torch.complex64,
        tb.complex128: torch.complex128,
    }


def sample_array(shape, np_dtype, seed=0):
    """Distinct, exactly representable values of any NumPy dtype."""
    n = int(np.prod(shape)) if shape else 1
    values = np.arange(1, n + 1) % 100
    if np.dtype(np_dtype) == np.bool_:
        return (values % 3 == 0).reshape(shape)
    if np.dtype(np_dtype).kind == "c":
        values = values + 1j * values[::-1]
    return values.astype(np_dtype).reshape(shape)


def collect():
    for _ in range(3):
        gc.collect()


@pytest.fixture(autouse=True)
def _restore_default_dtype():
    yield
    tb.set_default_dtype(tb.float32)
