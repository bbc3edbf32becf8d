"""tensorbridge: tensors that C++, NumPy, PyTorch, JAX and friends share without copying.

The API follows PyTorch's: code written for ``torch`` tensors runs on ``tensorbridge``
tensors by changing the import, for everything tensorbridge implements.

    >>> import numpy as np, tensorbridge as tb
    >>> a = np.arange(6.0).reshape(2, 3)
    >>> t = tb.from_numpy(a)          # no copy: t and a share memory
    >>> t[0, 1] = 10.0
    >>> a[0, 1]
    np.float64(10.0)
"""

from __future__ import annotations

import os as _os

from . import _C
from ._C import (
    DLDeviceType,
    Tensor,
    arange,
    as_tensor,
    bfloat16,
    bool,
    cdouble,
    cfloat,
    complex64,
    complex128,
    device,
    double,
    dtype,
    empty,
    empty_like,
    eye,
    float,
    float16,
    float32,
    float64,
    from_dlpack,
    from_numpy,
    full,
    full_like,
    get_default_dtype,
    half,
    int,
    int8,
    int16,
    int32,
    int64,
    linspace,
    long,
    ones,
    ones_like,
    set_default_dtype,
    short,
    tensor,
    uint8,
    uint16,
    uint32,
    uint64,
    zeros,
    zeros_like,
)
from ._size import Size
from . import autograd, nn, optim
from .autograd import enable_grad, inference_mode, is_grad_enabled, no_grad, set_grad_enabled

__version__: str = _C.__version__


def get_include() -> str:
    """The folder holding tensorbridge's C++ headers (``#include <tensorbridge/pybind11.hpp>``),
    for building extension modules against this installation."""
    return _os.path.join(_os.path.dirname(__file__), "include")


__all__ = [
    "DLDeviceType",
    "Size",
    "Tensor",
    "arange",
    "as_tensor",
    "autograd",
    "bfloat16",
    "bool",
    "cdouble",
    "cfloat",
    "complex64",
    "complex128",
    "device",
    "double",
    "dtype",
    "empty",
    "empty_like",
    "enable_grad",
    "eye",
    "float",
    "float16",
    "float32",
    "float64",
    "from_dlpack",
    "from_numpy",
    "full",
    "full_like",
    "get_default_dtype",
    "get_include",
    "half",
    "inference_mode",
    "int",
    "int8",
    "int16",
    "int32",
    "int64",
    "is_grad_enabled",
    "linspace",
    "long",
    "nn",
    "no_grad",
    "ones",
    "ones_like",
    "optim",
    "set_default_dtype",
    "set_grad_enabled",
    "short",
    "tensor",
    "uint8",
    "uint16",
    "uint32",
    "uint64",
    "zeros",
    "zeros_like",
]
