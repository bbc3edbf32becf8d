"""Max, average and adaptive average pooling, composed of differentiable ops.

Max and average pooling pad the input (-inf for max, zeros for average), take the strided
slice each kernel offset sees (``_windows.window_slices``), join them into [N, C, K, *out]
and reduce over K: ``max(dim)`` picks the first maximum of each window, as PyTorch's kernels
do, and sends the gradient to it alone; average pooling sums and divides by PyTorch's
per-window count. A NaN wins its window; where a window holds several, max takes the first
and PyTorch the last, and where all of a window's real elements are -inf the first padding
element may win (PyTorch names the first real one): the values agree, the index and the
gradient's place differ. Adaptive average pooling averages the variable-size segments of
each dim in turn (the mean over a rectangle is the mean of its row means), with one reshape
when the size divides evenly.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Union

from .. import _C
from .._C import Tensor
from ._windows import check_not_empty, check_rank, dtype_name, ntuple, output_size, pad_dims, window_slices

_Size = Union[int, Sequence[int]]
_OptionalSize = Union[int, None, Sequence[Union[int, None]]]


class _Windows:
    """The geometry of one pooling call: sizes per spatial dim and the padded input's slices."""

    def __init__(
        self,
        op: str,
        spatial: int,
        input: Tensor,
        kernel_size: _Size,
        stride: _Size | None,
        padding: _Size,
        dilation: _Size,
        ceil_mode: bool,
    ) -> None:
        self.batched = check_rank(op, input, spatial)
        if not input.is_floating_point():
            raise TypeError(f"{op}: expected a floating point input, got {dtype_name(input)} of shape "
                            f"{list(input.shape)}")
        check_not_empty(op, input, spatial)
        self.kernel = ntuple(kernel_size, spatial, "kernel_size", op)
        no_stride = stride is None or (not isinstance(stride, int) and len(stride) == 0)
        self.stride = self.kernel if no_stride else ntuple(stride, spatial, "stride", op)  # type: ignore[arg-type]
        self.padding = ntuple(padding, spatial, "padding", op)
        self.dilation = ntuple(dilation, spatial, "dilation", op)
        settings = (f"kernel_size={list(self.kernel)}, stride={list(self.stride)}, padding={list(self.padding)}, "
                    f"dilation={list(self.dilation)}")
        if min(self.kernel) <= 0 or min(self.stride) <= 0 or min(self.dilation) <= 0:
            raise ValueError(f"{op}: kernel_size, stride and dilation must be positive, got {settings}")
        for k, p, d in zip(self.kernel, self.padding, self.dilation):
            if p < 0 or 2 * p > d * (k - 1) + 1:
                raise ValueError(f"{op}: padding must be between 0 and half of the (dilated) kernel, got {settings}")
        self.size = list(input.shape[-spatial:])
        self.out = [output_size(n, k, s, p, d, ceil_mode)
                    for n, k, s, p, d in zip(self.size, self.kernel, self.stride, self.padding, self.dilation)]
        if min(self.out) < 1:
            raise ValueError(f"{op}: input of shape {list(input.shape)} with {settings} gives output size "
                             f"{self.out}, which is too small")
        self.x = input if self.batched else input.unsqueeze(0)

    def padded(self, value: float) -> Tensor:
        """The input padded with ``value`` as far as the windows read."""
        pads = []
        for i, (n, k, s, p, d, o) in enumerate(zip(self.size, self.kernel, self.stride, self.padding,
                                                   self.dilation, self.out)):
            # A ceil_mode window may reach past the right padding.
            reach = (o - 1) * s + d * (k - 1) + 1
            pads.append((2 + i, p, max(reach - p - n, 0)))
        return pad_dims(self.x, pads, value)

    def stacked(self, value: float) -> Tensor:
        """[N, C, K, *out]: each window's elements along dim 2."""
        parts = window_slices(self.padded(value).unsqueeze(2), self.kernel, self.stride, self.dilation, self.out)
        return _C.cat(parts, 2) if len(parts) > 1 else parts[0]

    def finish(self, result: Tensor) -> Tensor:
        return result if self.batched else result.squeeze(0)

    def flat_indices(self, offsets: Tensor) -> Tensor:
        """The index in the flattened spatial dims of the input of the element that kernel
        offset ``offsets`` (row-major, [N, C, *out]) picks in each window."""
        dims = len(self.kernel)
        flat: Tensor | None = None
        rest = offsets
        along = []
        for k in reversed(self.kernel):  # split the row-major offset into one per dim
            along.append(rest % k)
            rest = rest.div(k, rounding_mode="floor")
        along.reverse()
        for i, (j, n, s, p, d, o) in enumerate(zip(along, self.size, self.stride, self.padding, self.dilation,
                                                    self.out)):
            start = _C.arange(o, device=offsets.device) * s - p
            position = j * d + start.reshape([o] + [1] * (dims - 1 - i))
            flat = position if flat is None else flat * n + position
        assert flat is not None
        return flat


def _max_pool(
    op: str,
    spatial: int,
    input: Tensor,
    kernel_size: _Size,
    stride: _Size | None,
    padding: _Size,
    dilation: _Size,
    ceil_mode: bool,
    return_indices: bool,
) -> Tensor | tuple[Tensor, Tensor]:
    windows = _Windows(op, spatial, input, kernel_size, stride, padding, dilation, ceil_mode)
    # max(dim) takes the first maximum of each window and sends the gradient to it alone, as
    # PyTorch's kernels do. (A running maximum over the slices with where() took 1.1-1.9x the
    # time forward and backward, measured before where() became about 10x faster.)
    values, offsets = windows.stacked(float("-inf")).max(2)
    if not return_indices:
        return windows.finish(values)
    return windows.finish(values), windows.finish(windows.flat_indices(offsets))


def max_pool1d(
    input: Tensor,
    kernel_size: _Size,
    stride: _Size | None = None,
    padding: _Size = 0,
    dilation: _Size = 1,
    ceil_mode: bool = False,
    return_indices: bool = False,
) -> Tensor | tuple[Tensor, Tensor]:
    """The maximum of each window of input [N, C, L] or [C, L] (stride defaults to kernel_size);
    with return_indices also each maximum's position along L."""
    return _max_pool("max_pool1d", 1, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices)


def max_pool2d(
    input: Tensor,
    kernel_size: _Size,
    stride: _Size | None = None,
    padding: _Size = 0,
    dilation: _Size = 1,
    ceil_mode: bool = False,
    return_indices: bool = False,
) -> Tensor | tuple[Tensor, Tensor]:
    """The maximum of each window of input [N, C, H, W] or [C, H, W] (stride defaults to
    kernel_size); with return_indices also each maximum's index in the flattened H * W plane."""
    return _max_pool("max_pool2d", 2, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices)


def _counts(n: int, k: int, s: int, p: int, out: int, include_pad: bool) -> list[int]:
    """PyTorch's divisor along one dim: the window clipped to the padded input, or (without
    include_pad) to the input itself."""
    counts = []
    for o in range(out):
        start = o * s - p
        end = min(start + k, n + p)
        counts.append(end - start if include_pad else min(end, n) - max(start, 0))
    return counts


def _avg_pool(
    op: str,
    spatial: int,
    input: Tensor,
    kernel_size: _Size,
    stride: _Size | None,
    padding: _Size,
    ceil_mode: bool,
    count_include_pad: bool,
    divisor_override: int | None,
) -> Tensor:
    windows = _Windows(op, spatial, input, kernel_size, stride, padding, 1, ceil_mode)
    sums = windows.stacked(0.0).sum(2)
    if divisor_override is not None:
        if divisor_override == 0:
            raise ValueError(f"{op}: divisor_override must not be zero")
        return windows.finish(sums / divisor_override)
    divisor = None
    dims = zip(windows.size, windows.kernel, windows.stride, windows.padding, windows.out)
    for i, (n, k, s, p, o) in enumerate(dims):
        counts = _C.tensor(_counts(n, k, s, p, o, count_include_pad), dtype=sums.dtype, device=sums.device)
        counts = counts.reshape([o] + [1] * (spatial - 1 - i))
        divisor = counts if divisor is None else divisor * counts
    assert divisor is not None
    return windows.finish(sums / divisor)


def avg_pool1d(
    input: Tensor,
    kernel_size: _Size,
    stride: _Size | None = None,
    padding: _Size = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
) -> Tensor:
    """The mean of each window of input [N, C, L] or [C, L] (stride defaults to kernel_size);
    padded zeros count unless count_include_pad is False."""
    return _avg_pool("avg_pool1d", 1, input, kernel_size, stride, padding, ceil_mode, count_include_pad, None)


def avg_pool2d(
    input: Tensor,
    kernel_size: _Size,
    stride: _Size | None = None,
    padding: _Size = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
    divisor_override: int | None = None,
) -> Tensor:
    """The mean of each window of input [N, C, H, W] or [C, H, W] (stride defaults to
    kernel_size); padded zeros count unless count_include_pad is False, and divisor_override
    replaces the window size."""
    return _avg_pool("avg_pool2d", 2, input, kernel_size, stride, padding, ceil_mode, count_include_pad,
                     divisor_override)


def _adaptive_avg_pool(op: str, spatial: int, input: Tensor, output_size: _OptionalSize) -> Tensor:
    check_rank(op, input, spatial)
    check_not_empty(op, input, spatial)
    sizes = [output_size] * spatial if output_size is None or isinstance(output_size, int) else list(output_size)
    if len(sizes) != spatial or not all(s is None or (isinstance(s, int) and s > 0) for s in sizes):
        raise ValueError(f"{op}: output_size must be {spatial} positive ints (or None to keep a size), "
                         f"got {output_size}")
    x = input
    for i, target in enumerate(sizes):
        dim = input.dim() - spatial + i
        n = x.shape[dim]
        out = n if target is None else target
        if out == n:
            continue
        if n % out == 0:  # equal segments: one reshape and one mean
            x = x.unflatten(dim, (out, n // out)).mean(dim + 1)
            continue
        # Segment o is [floor(o * n / out), ceil((o + 1) * n / out)), as in PyTorch.
        bounds = [(o * n // out, -(-(o + 1) * n // out)) for o in range(out)]
        x = _C.cat([x.narrow(dim, start, end - start).mean(dim, True) for start, end in bounds], dim)
    return x if x is not input else input.clone()


def adaptive_avg_pool1d(input: Tensor, output_size: _OptionalSize) -> Tensor:
    """Averages input [N, C, L] or [C, L] over output_size segments of L that cover it."""
    return _adaptive_avg_pool("adaptive_avg_pool1d", 1, input, output_size)


def adaptive_avg_pool2d(input: Tensor, output_size: _OptionalSize) -> Tensor:
    """Averages input [N, C, H, W] or [C, H, W] over an output_size grid of windows that cover
    it (None in output_size keeps that dim's size)."""
    return _adaptive_avg_pool("adaptive_avg_pool2d", 2, input, output_size)


__all__ = [
    "adaptive_avg_pool1d",
    "adaptive_avg_pool2d",
    "avg_pool1d",
    "avg_pool2d",
    "max_pool1d",
    "max_pool2d",
]
