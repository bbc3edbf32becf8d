"""nn.functional: the stateless forms of the layers and losses, with PyTorch's signatures.

Most functions are one call into C++ (``tensorbridge._C._nn``), where forward and backward are
fused loops; the composites at the end (leaky_relu, silu, elu, softplus, layer_norm,
batch_norm, smooth_l1_loss, huber_loss) and those of _convolution.py (conv1d/conv2d),
_pooling.py (max/avg/adaptive pooling) and _windows.py (pad) are built from tensor ops and get
their gradients, and every device, from them. Everything here is differentiable.
"""

from __future__ import annotations

import warnings
from typing import Any

from .. import _C
from .._C import Tensor
from .._C import _nn as _core
from .._C import sigmoid as _sigmoid_fast
from .._C import tanh as _tanh_fast
from ..autograd import no_grad
from ._convolution import conv1d, conv2d
from ._pooling import (
    adaptive_avg_pool1d,
    adaptive_avg_pool2d,
    avg_pool1d,
    avg_pool2d,
    max_pool1d,
    max_pool2d,
)
from ._windows import pad

_relu = _core.relu
_mse_loss = _core.mse_loss

# Straight from C++: these take no options that need Python, and tiny-tensor code calls them
# often enough for a Python frame to show. sigmoid and tanh are tensorbridge.sigmoid/tanh,
# METH_FASTCALL functions that parse their own arguments (about 0.06 us a call less than
# pybind11's dispatch, a tenth of a recorded op on one element).
linear = _core.linear
sigmoid = _sigmoid_fast
tanh = _tanh_fast


def _reduction(size_average: bool | None, reduce: bool | None, reduction: str) -> str:
    """PyTorch's legacy size_average/reduce flags, mapped onto ``reduction``."""
    if size_average is None and reduce is None:
        return reduction
    if reduce is False:
        return "none"
    return "sum" if size_average is False else "mean"


# ---- activations ---------------------------------------------------------------------------
def relu(input: Tensor, inplace: bool = False) -> Tensor:
    return _core.relu_(input) if inplace else _relu(input)


def gelu(input: Tensor, approximate: str = "none") -> Tensor:
    """Exact (``approximate='none'``, with erf) or the tanh approximation."""
    return _core.gelu(input, approximate)


def _softmax_dim(input: Tensor, dim: int | None, name: str) -> int:
    if dim is not None:
        return dim
    warnings.warn(
        f"Implicit dimension choice for {name} has been deprecated. Change the call to include dim=X as an argument.",
        stacklevel=3,
    )
    return 0 if input.dim() in (0, 1, 3) else 1


def softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype: Any = None) -> Tensor:
    if dtype is not None:
        input = input.to(dtype)
    return _core.softmax(input, _softmax_dim(input, dim, "softmax"))


def log_softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype: Any = None) -> Tensor:
    if dtype is not None:
        input = input.to(dtype)
    return _core.log_softmax(input, _softmax_dim(input, dim, "log_softmax"))


def dropout(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """While training, zeroes each element with probability p and scales the others by
    1 / (1 - p); otherwise returns ``input`` itself."""
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if not training or p == 0.0:
        return input
    result: Tensor = _core.dropout(input, p, True, None)
    return input.copy_(result) if inplace else result


def embedding(
    input: Tensor,
    weight: Tensor,
    padding_idx: int | None = None,
    max_norm: float | None = None,
    norm_type: float = 2.0,
    scale_grad_by_freq: bool = False,
    sparse: bool = False,
) -> Tensor:
    """Rows of ``weight`` picked by the integer tensor ``input``; the row at padding_idx
    gets no gradient."""
    if max_norm is not None or scale_grad_by_freq or sparse:
        raise NotImplementedError("embedding: max_norm, scale_grad_by_freq and sparse are not supported")
    return _core.embedding(input, weight, _padding_index(padding_idx, weight.shape[0]))


def _padding_index(padding_idx: int | None, rows: int) -> int:
    if padding_idx is None:
        return -1  # C++'s "none"
    if not -rows <= padding_idx < rows:
        raise ValueError(f"padding_idx must be within num_embeddings ({rows}), got {padding_idx}")
    return padding_idx + rows if padding_idx < 0 else padding_idx


# ---- losses ----------------------------------------------------------------------------------
def mse_loss(
    input: Tensor,
    target: Tensor,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """Mean (or summed, or elementwise) squared error."""
    return _mse_loss(input, target, _reduction(size_average, reduce, reduction))


def l1_loss(
    input: Tensor,
    target: Tensor,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    return _core.l1_loss(input, target, _reduction(size_average, reduce, reduction))


def binary_cross_entropy(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """``input`` holds probabilities in [0, 1]."""
    return _core.binary_cross_entropy(
        input, target, weight, _reduction(size_average, reduce, reduction)
    )


def binary_cross_entropy_with_logits(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
    pos_weight: Tensor | None = None,
) -> Tensor:
    """``input`` holds logits; computed stably for any magnitude."""
    if pos_weight is not None:
        raise NotImplementedError("binary_cross_entropy_with_logits: pos_weight is not supported")
    return _core.binary_cross_entropy_with_logits(
        input, target, weight, _reduction(size_average, reduce, reduction)
    )


def cross_entropy(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
    size_average: bool | None = None,
    ignore_index: int = -100,
    reduce: bool | None = None,
    reduction: str = "mean",
    label_smoothing: float = 0.0,
) -> Tensor:
    """Cross-entropy of logits ``input`` ([N, C] or [C]) with class indices (int64, [N]) or
    class probabilities ([N, C]) in ``target``."""
    return _core.cross_entropy(
        input, target, weight, ignore_index, _reduction(size_average, reduce, reduction), label_smoothing
    )


def nll_loss(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
    size_average: bool | None = None,
    ignore_index: int = -100,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """Negative log-likelihood of log-probabilities ``input`` ([N, C]) at class indices."""
    return _core.nll_loss(
        input, target, weight, ignore_index, _reduction(size_average, reduce, reduction)
    )


__all__ = [
    "adaptive_avg_pool1d",
    "adaptive_avg_pool2d",
    "avg_pool1d",
    "avg_pool2d",
    "batch_norm",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "conv1d",
    "conv2d",
    "cross_entropy",
    "dropout",
    "embedding",
    "gelu",
    "l1_loss",
    "linear",
    "log_softmax",
    "max_pool1d",
    "max_pool2d",
    "mse_loss",
    "nll_loss",
    "pad",
    "relu",
    "sigmoid",
    "softmax",
    "tanh",
]


# ---- composites of tensor ops ----------------------------------------------------------------


def _in_place(input: Tensor, result: Tensor, inplace: bool) -> Tensor:
    return input.copy_(result) if inplace else result


def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    """x for x > 0, negative_slope * x otherwise."""
    return _in_place(input, _C.where(input > 0, input, input * negative_slope), inplace)


def silu(input: Tensor, inplace: bool = False) -> Tensor:
    """x * sigmoid(x) (swish)."""
    return _in_place(input, input * _sigmoid_fast(input), inplace)


def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """x for x > 0, alpha * (exp(x) - 1) otherwise."""
    negative = _C.expm1(_C.clamp(input, max=0.0)) * alpha  # clamped: no inf in the unused branch
    return _in_place(input, _C.where(input > 0, input, negative), inplace)


def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """log(1 + exp(beta * x)) / beta, and x itself where beta * x > threshold."""
    scaled = input * beta
    # Clamped so that the branch where() discards stays finite and so does its gradient.
    smooth = _C.log1p(_C.exp(_C.clamp(scaled, max=threshold))) / beta
    return _C.where(scaled > threshold, input, smooth)


def layer_norm(
    input: Tensor,
    normalized_shape: int | list[int] | tuple[int, ...],
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    eps: float = 1e-5,
) -> Tensor:
    """Normalizes over the last len(normalized_shape) dims to mean 0 and variance 1 (biased),
    then scales by weight and shifts by bias when given."""
    shape = [normalized_shape] if isinstance(normalized_shape, int) else list(normalized_shape)
    if not shape or list(input.shape[input.dim() - len(shape):]) != shape:
        raise ValueError(
            f"layer_norm: normalized_shape {shape} must be the trailing dims of the input, "
            f"got input of shape {list(input.shape)}"
        )
    dims = tuple(range(-len(shape), 0))
    mean = input.mean(dims, True)
    var = _C.var(input, dims, keepdim=True, correction=0)
    out = (input - mean) * _C.rsqrt(var + eps)
    if weight is not None:
        out = out * weight
    if bias is not None:
        out = out + bias
    return out


def batch_norm(
    input: Tensor,
    running_mean: Tensor | None,
    running_var: Tensor | None,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    training: bool = False,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> Tensor:
    """Normalizes each channel (dim 1) of input [N, C, ...]: while training with the batch's
    mean and biased variance, updating running_mean/running_var (when given) by
    ``(1 - momentum) * running + momentum * batch`` with the unbiased variance; otherwise with
    the running statistics. Then scales by weight and shifts by bias when given."""
    if input.dim() < 2:
        raise ValueError(f"batch_norm: expected an input of at least 2 dims [N, C, ...], got shape {list(input.shape)}")
    channels = input.shape[1]
    for name, t in (("running_mean", running_mean), ("running_var", running_var), ("weight", weight), ("bias", bias)):
        if t is not None and t.numel() != channels:
            raise ValueError(f"batch_norm: {name} of shape {list(t.shape)} should have {channels} elements for "
                             f"input of shape {list(input.shape)}")
    dims = [0] + list(range(2, input.dim()))
    shape = [channels] + [1] * (input.dim() - 2)  # broadcasts against [N, C, ...]
    if training:
        count = input.numel() // channels if channels else 0
        if count <= 1:
            raise ValueError(
                f"Expected more than 1 value per channel when training, got input size {list(input.shape)}"
            )
        mean = input.mean(dims, True)
        var = _C.var(input, dims, keepdim=True, correction=0)
        _update_running(running_mean, mean, momentum)
        _update_running(running_var, var * (count / (count - 1)), momentum)
    elif running_mean is None or running_var is None:
        raise ValueError("batch_norm: running_mean and running_var must be given when not training")
    else:
        mean, var = running_mean.reshape(shape), running_var.reshape(shape)
    # x * scale + shift, as PyTorch's CPU kernel: two passes over the input instead of four.
    scale = _C.rsqrt(var + eps)
    if weight is not None:
        scale = scale * weight.reshape(shape)
    shift = -mean * scale
    if bias is not None:
        shift = shift + bias.reshape(shape)
    return input * scale + shift


def _update_running(running: Tensor | None, batch: Tensor, momentum: float) -> None:
    if running is None:
        return
    with no_grad():
        running.mul_(1 - momentum).add_(batch.detach().reshape(running.shape).to(running.dtype), alpha=momentum)


def _reduce(loss: Tensor, reduction: str, op: str) -> Tensor:
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    if reduction == "none":
        return loss
    raise ValueError(f"{op}: {reduction} is not a valid value for reduction")


def smooth_l1_loss(
    input: Tensor,
    target: Tensor,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
    beta: float = 1.0,
) -> Tensor:
    """0.5 d^2 / beta where d = |input - target| < beta, d - 0.5 beta elsewhere (L1 for
    beta = 0)."""
    if beta < 0:
        raise ValueError(f"smooth_l1_loss: beta must be non-negative, got {beta}")
    d = (input - target).abs()
    loss = d if beta == 0 else _C.where(d < beta, d * d * (0.5 / beta), d - 0.5 * beta)
    return _reduce(loss, _reduction(size_average, reduce, reduction), "smooth_l1_loss")


def huber_loss(input: Tensor, target: Tensor, reduction: str = "mean", delta: float = 1.0) -> Tensor:
    """0.5 d^2 where d = |input - target| < delta, delta (d - 0.5 delta) elsewhere."""
    if delta <= 0:
        raise ValueError(f"huber_loss: delta must be positive, got {delta}")
    d = (input - target).abs()
    loss = _C.where(d < delta, d * d * 0.5, (d - 0.5 * delta) * delta)
    return _reduce(loss, reduction, "huber_loss")
