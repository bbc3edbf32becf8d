"""conv1d and conv2d as im2col + one batched matmul, composed of differentiable ops.

The input is zero-padded (``cat``), the prod(kernel) strided slices that each kernel offset
sees are stacked into columns [N, groups, C/groups * K, out positions], and one matmul with
the weight viewed as [groups, O/groups, C/groups * K] gives every output channel of every
group. Autograd then differentiates the matmul, the stack (narrowing the gradient) and the
slices (strided scatters) with no convolution kernel of its own, on any device.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Union

from .. import _C
from .._C import Tensor
from ._windows import check_rank, dtype_name, ntuple, pad_dims, window_slices

_Size = Union[int, Sequence[int]]
_Padding = Union[str, int, Sequence[int]]


def conv1d(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: _Size = 1,
    padding: _Padding = 0,
    dilation: _Size = 1,
    groups: int = 1,
) -> Tensor:
    """1-D convolution (cross-correlation, as in PyTorch) of input [N, C, L] or [C, L] with
    weight [O, C / groups, k]; padding is an int, a 1-tuple, 'valid' or 'same'."""
    return _convolution("conv1d", 1, input, weight, bias, stride, padding, dilation, groups)


def conv2d(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: _Size = 1,
    padding: _Padding = 0,
    dilation: _Size = 1,
    groups: int = 1,
) -> Tensor:
    """2-D convolution (cross-correlation, as in PyTorch) of input [N, C, H, W] or [C, H, W]
    with weight [O, C / groups, kh, kw]; padding is an int, a pair, 'valid' or 'same'."""
    return _convolution("conv2d", 2, input, weight, bias, stride, padding, dilation, groups)


def _shapes(input: Tensor, weight: Tensor) -> str:
    return f"input of shape {list(input.shape)} and weight of shape {list(weight.shape)}"


def _check_operands(op: str, spatial: int, input: Tensor, weight: Tensor, bias: Tensor | None, groups: int) -> None:
    if not isinstance(weight, Tensor) or weight.dim() != spatial + 2:
        got = list(weight.shape) if isinstance(weight, Tensor) else type(weight).__name__
        raise ValueError(
            f"{op}: expected a {spatial + 2}-D weight [out_channels, in_channels / groups, *kernel], "
            f"got weight of shape {got} (input of shape {list(input.shape)})"
        )
    if not isinstance(groups, int) or isinstance(groups, bool) or groups <= 0:
        raise ValueError(f"{op}: groups must be a positive integer, got {groups}")
    tensors = [("input", input), ("weight", weight)] + ([("bias", bias)] if bias is not None else [])
    if len({t.dtype for _, t in tensors}) > 1:
        raise TypeError(f"{op}: input, weight and bias must have one dtype, got "
                        + ", ".join(f"{name} {dtype_name(t)}" for name, t in tensors))
    if len({str(t.device) for _, t in tensors}) > 1:
        raise RuntimeError(f"{op}: input, weight and bias must be on one device, got "
                           + ", ".join(f"{name} on {t.device}" for name, t in tensors))
    out_channels, per_group = weight.shape[0], weight.shape[1]
    if out_channels % groups:
        raise ValueError(f"{op}: groups={groups} must divide the {out_channels} output channels of "
                         f"weight of shape {list(weight.shape)}")
    channels = input.shape[0 if input.dim() == spatial + 1 else 1]
    if channels != per_group * groups:
        raise ValueError(f"{op}: {_shapes(input, weight)} with groups={groups}: the weight expects "
                         f"{per_group * groups} input channels, but the input has {channels}")
    if any(k <= 0 for k in weight.shape[2:]):
        raise ValueError(f"{op}: the kernel of weight of shape {list(weight.shape)} is empty")
    if bias is not None and (bias.dim() != 1 or bias.shape[0] != out_channels):
        raise ValueError(f"{op}: expected a bias of shape [{out_channels}] for weight of shape "
                         f"{list(weight.shape)}, got bias of shape {list(bias.shape)}")


def _padding(
    op: str, padding: _Padding, kernel: Sequence[int], stride: Sequence[int], dilation: Sequence[int]
) -> list[tuple[int, int]]:
    """(lo, hi) zeros per spatial dim. 'same' puts the odd one of an even total on the right,
    as PyTorch does."""
    if isinstance(padding, str):
        if padding == "valid":
            return [(0, 0)] * len(kernel)
        if padding != "same":
            raise ValueError(f"{op}: invalid padding string {padding!r}, should be one of 'valid', 'same'")
        if any(s != 1 for s in stride):
            raise ValueError(f"{op}: padding='same' is not supported for strided convolutions (stride={list(stride)})")
        totals = [d * (k - 1) for k, d in zip(kernel, dilation)]
        return [(t // 2, t - t // 2) for t in totals]
    amounts = ntuple(padding, len(kernel), "padding", op)
    if any(p < 0 for p in amounts):
        raise ValueError(f"{op}: negative padding is not supported, got padding={list(amounts)}")
    return [(p, p) for p in amounts]


def _convolution(
    op: str,
    spatial: int,
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None,
    stride: _Size,
    padding: _Padding,
    dilation: _Size,
    groups: int,
) -> Tensor:
    shapes = f" (weight of shape {list(weight.shape)})" if isinstance(weight, Tensor) else ""
    batched = check_rank(op, input, spatial, shapes)
    _check_operands(op, spatial, input, weight, bias, groups)
    strides = ntuple(stride, spatial, "stride", op)
    dilations = ntuple(dilation, spatial, "dilation", op)
    if any(s <= 0 for s in strides) or any(d <= 0 for d in dilations):
        raise ValueError(f"{op}: stride and dilation must be positive, got stride={list(strides)}, "
                         f"dilation={list(dilations)}")
    kernel = list(weight.shape[2:])
    pads = _padding(op, padding, kernel, strides, dilations)
    x = input if batched else input.unsqueeze(0)
    padded_size = [n + lo + hi for n, (lo, hi) in zip(x.shape[2:], pads)]
    reach = [d * (k - 1) + 1 for k, d in zip(kernel, dilations)]  # of the dilated kernel
    if any(n < r for n, r in zip(padded_size, reach)):
        raise ValueError(f"{op}: {_shapes(input, weight)}: the padded input {padded_size} is smaller than the "
                         f"dilated kernel {reach}")
    out = [(n - r) // s + 1 for n, r, s in zip(padded_size, reach, strides)]
    padded = pad_dims(x, [(2 + i, lo, hi) for i, (lo, hi) in enumerate(pads)], 0)
    batch, out_channels, per_group = x.shape[0], weight.shape[0], weight.shape[1]
    taps = math.prod(kernel)
    # [N, C, K, *out]: channel-major then kernel offset, the order of the weight's trailing dims.
    slices = window_slices(padded.unsqueeze(2), kernel, strides, dilations, out)
    columns = _C.cat(slices, 2) if taps > 1 else slices[0]
    columns = columns.reshape(batch, groups, per_group * taps, math.prod(out))
    result = weight.reshape(groups, out_channels // groups, per_group * taps) @ columns
    result = result.reshape([batch, out_channels] + out)
    if bias is not None:
        result = result + bias.reshape([out_channels] + [1] * spatial)
    return result if batched else result.squeeze(0)
