"""tensorbridge.cuda: the part of ``torch.cuda`` that code uses to pick and drive a GPU.

CUDA support is compiled in with ``pip install . -C cmake.define.TENSORBRIDGE_CUDA=ON``
(needs nvcc). Without it, ``is_available()`` is False, ``device_count()`` is 0, and
``Tensor.cuda()``, ``to("cuda")`` and ``device="cuda"`` raise RuntimeError saying so, so that

    device = "cuda" if tensorbridge.cuda.is_available() else "cpu"

runs unchanged on every machine.
"""

from __future__ import annotations

from . import _C

__all__ = ["current_device", "device_count", "is_available", "is_built", "set_device", "synchronize"]


def is_built() -> bool:
    """True when this build of tensorbridge was compiled with CUDA support."""
    return bool(_C._cuda_built())


def device_count() -> int:
    """The number of CUDA devices this build of tensorbridge can use."""
    return int(_C._cuda_device_count())


def is_available() -> bool:
    """True when this build of tensorbridge can put tensors on a CUDA device."""
    return device_count() > 0


def current_device() -> int:
    """The index of the calling thread's current CUDA device."""
    return int(_C._cuda_current_device())


def set_device(device: object) -> None:
    """Makes ``device`` (an index, ``"cuda:i"`` or a tensorbridge.device) current."""
    _C._cuda_set_device(device)


def synchronize(device: object = None) -> None:
    """Waits until all work queued on a CUDA device (default: the current one) is done."""
    _C._cuda_synchronize(device)
