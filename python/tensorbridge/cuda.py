"""tensorbridge.cuda: the part of ``torch.cuda`` that code checks before choosing a device.

The Python package is built without CUDA support for now (the C++ library has CUDA tensors;
see README, "CUDA (C++)"), so ``is_available()`` is False, ``device_count()`` is 0, and
``Tensor.cuda()`` / ``Tensor.to("cuda")`` raise RuntimeError saying so. Code written as

    device = "cuda" if tensorbridge.cuda.is_available() else "cpu"

runs unchanged.
"""

from __future__ import annotations

from . import _C

__all__ = ["device_count", "is_available", "synchronize"]


def device_count() -> int:
    """The number of CUDA devices this build of tensorbridge can use."""
    return int(_C._cuda_device_count())


def is_available() -> bool:
    """True when this build of tensorbridge can put tensors on a CUDA device."""
    return device_count() > 0


def synchronize(device: object = None) -> None:
    """Waits for all work on a CUDA device; RuntimeError where there is none."""
    if not is_available():
        raise RuntimeError(
            f"tensorbridge.cuda.synchronize(device={device!r}): this build of tensorbridge "
            "has no CUDA support"
        )
