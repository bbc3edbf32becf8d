"""Sliding windows over the spatial dims of [N, C, *spatial] tensors, built from views.

Convolution and pooling both read, for every offset of the kernel, the strided slice of the
(padded) input that the offset sees in every window: ``x[..., j*d : j*d + s*(out-1) + 1 : s]``.
Those slices are plain views with no overlap, so their backward is a strided scatter on any
device (an overlapping ``as_strided`` would take the host path of the view backward).
Padding is a ``cat`` with constant blocks, which autograd also handles on every device.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any, Union

from .. import _C
from .._C import Tensor

_Size = Union[int, Sequence[int]]


def ntuple(value: _Size, n: int, name: str, op: str) -> tuple[int, ...]:
    """``value`` as n ints: one int (or a 1-tuple) is repeated, n of them are taken as they are."""
    if isinstance(value, int) and not isinstance(value, bool):
        return (value,) * n
    items = (value,) if isinstance(value, bool) else tuple(value)
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in items) or len(items) not in (1, n):
        raise ValueError(
            f"{op}: expected {name} to be a single integer value or a list of {n} values to match "
            f"the {n}-d spatial dims, but got {name}={list(items)}"
        )
    return items * n if len(items) == 1 else items


def dtype_name(t: Tensor) -> str:
    """'float32' rather than 'tensorbridge.float32', as the C++ messages write dtypes."""
    return str(t.dtype).rsplit(".", 1)[-1]


def check_rank(op: str, input: Tensor, spatial: int, extra: str = "") -> bool:
    """Checks that input is [C, *spatial] or [N, C, *spatial]; True when it has the batch dim."""
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}: expected a Tensor input, got {type(input).__name__}")
    if input.dim() not in (spatial + 1, spatial + 2):
        raise ValueError(
            f"{op}: expected a {spatial + 1}-D (unbatched) or {spatial + 2}-D (batched) input, "
            f"but got input of shape {list(input.shape)}{extra}"
        )
    return input.dim() == spatial + 2


def check_not_empty(op: str, input: Tensor, spatial: int) -> None:
    """Pooling needs channels and spatial sizes (a batch of 0 is fine), as in PyTorch."""
    if 0 in list(input.shape[-spatial - 1:]):
        raise ValueError(f"{op}: expected an input with non-zero channel and spatial sizes, got shape "
                         f"{list(input.shape)}")


def pad(input: Tensor, pad: Sequence[int], mode: str = "constant", value: float | None = None) -> Tensor:
    """Pads (or, with negative amounts, crops) the last len(pad) // 2 dims: ``pad`` is
    (last_lo, last_hi, second_last_lo, second_last_hi, ...), as in PyTorch. Only the
    'constant' mode exists here. Differentiable: crops are views, padding is one ``cat``
    per padded dim."""
    if mode != "constant":
        raise NotImplementedError(f"pad: mode '{mode}' is not supported (only 'constant')")
    amounts = list(pad)
    if len(amounts) % 2:
        raise ValueError(f"pad: padding length must be divisible by 2, got {amounts}")
    if len(amounts) // 2 > input.dim():
        raise ValueError(
            f"pad: padding length {len(amounts)} is more than two times the number of dims of the "
            f"input of shape {list(input.shape)}"
        )
    pairs = [(input.dim() - 1 - i, amounts[2 * i], amounts[2 * i + 1]) for i in range(len(amounts) // 2)]
    for dim, lo, hi in pairs:
        if input.shape[dim] + lo + hi < 0:
            raise ValueError(
                f"pad: dim {dim} of the input of shape {list(input.shape)} is {input.shape[dim]}; padding "
                f"{lo} and {hi} would make its size negative"
            )
    return pad_dims(input, [(dim, lo, hi) for dim, lo, hi in pairs], 0 if value is None else value)


def pad_dims(x: Tensor, pads: Sequence[tuple[int, int, int]], value: float) -> Tensor:
    """x with (dim, lo, hi) elements of ``value`` added on each side of each listed dim
    (negative amounts crop)."""
    for dim, lo, hi in pads:
        if lo < 0 or hi < 0:
            start, stop = max(-lo, 0), x.shape[dim] - max(-hi, 0)
            x = x.narrow(dim, start, max(stop - start, 0))
            lo, hi = max(lo, 0), max(hi, 0)
        if lo == 0 and hi == 0:
            continue
        parts = []
        for amount in (lo, hi):
            shape = list(x.shape)
            shape[dim] = amount
            parts.append(x.new_full(shape, value) if amount else None)
        x = _C.cat([p for p in (parts[0], x, parts[1]) if p is not None], dim)
    return x


def output_size(size: int, kernel: int, stride: int, padding: int, dilation: int, ceil_mode: bool) -> int:
    """The number of windows along one dim (PyTorch's pooling_output_shape): with ceil_mode a
    last partial window counts if it starts inside the input or the left padding."""
    span = size + 2 * padding - dilation * (kernel - 1) - 1
    if ceil_mode:
        out = -(-span // stride) + 1
        if (out - 1) * stride >= size + padding:
            out -= 1
        return out
    return span // stride + 1 if span >= 0 else 0


def window_slices(
    x: Tensor, kernel: Sequence[int], stride: Sequence[int], dilation: Sequence[int], out: Sequence[int]
) -> list[Tensor]:
    """The prod(kernel) views of padded x [..., *spatial], one per kernel offset in row-major
    order, each [..., *out]: element o of the view for offset j is x[o * stride + j * dilation].

    Callers join them with ``cat`` along a size-1 dim they put in x beforehand (x.unsqueeze(2)
    is a free view of contiguous memory): ``stack`` would unsqueeze every strided slice, and
    that view's backward takes the general path, about twice the time of the slices'."""
    first = x.dim() - len(kernel)
    slices = []
    for offset in itertools.product(*(range(k) for k in kernel)):
        index: list[Any] = [slice(None)] * first
        for j, s, d, n in zip(offset, stride, dilation, out):
            index.append(slice(j * d, j * d + s * (n - 1) + 1, s))
        slices.append(x[tuple(index)])
    return slices
