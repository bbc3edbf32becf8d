"""torch.* functions a PyTorch script calls that tensorbridge builds from its own ops.

Two kinds live here: the function forms of view and copy methods the extension binds on
Tensor (``tb.reshape(x, shape)`` is ``x.reshape(shape)``), and composites of existing ops
with PyTorch's semantics (isclose, allclose, equal, tril, triu, the ``new_*`` factories).
The composites run on whatever device the inputs live on, because every op they use does;
tril/triu record for autograd through ``where``.
"""

from __future__ import annotations

from typing import Any, Sequence, Union

from . import _C
from ._C import Tensor
from .autograd import no_grad

_Dims = Union[int, Sequence[int]]


# ---- function forms of Tensor methods ----------------------------------------------------------


def is_tensor(obj: object) -> bool:
    """True if obj is a tensorbridge Tensor (or Parameter)."""
    return isinstance(obj, Tensor)


def numel(input: Tensor) -> int:
    """The number of elements of input."""
    return input.numel()


def reshape(input: Tensor, shape: Sequence[int]) -> Tensor:
    """input with the given shape: a view when the strides allow it, else a copy."""
    return input.reshape(shape)


def flatten(input: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """input with dims start_dim..end_dim merged into one."""
    return input.flatten(start_dim, end_dim)


def squeeze(input: Tensor, dim: _Dims | None = None) -> Tensor:
    """A view of input without its size-1 dims (all of them, or those in dim)."""
    return input.squeeze(dim)


def unsqueeze(input: Tensor, dim: int) -> Tensor:
    """A view of input with a size-1 dim inserted at dim."""
    return input.unsqueeze(dim)


def transpose(input: Tensor, dim0: int, dim1: int) -> Tensor:
    """A view of input with dims dim0 and dim1 swapped."""
    return input.transpose(dim0, dim1)


def swapaxes(input: Tensor, axis0: int, axis1: int) -> Tensor:
    """transpose under NumPy's name."""
    return input.transpose(axis0, axis1)


def swapdims(input: Tensor, dim0: int, dim1: int) -> Tensor:
    """transpose under its other PyTorch name."""
    return input.transpose(dim0, dim1)


def permute(input: Tensor, dims: Sequence[int]) -> Tensor:
    """A view of input with its dims in the order dims."""
    return input.permute(dims)


def t(input: Tensor) -> Tensor:
    """The transpose of a tensor of at most 2 dims (a view)."""
    return input.t()


def flip(input: Tensor, dims: Sequence[int]) -> Tensor:
    """A copy of input reversed along dims."""
    return input.flip(dims)


def diagonal(input: Tensor, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
    """A view of the diagonal of input in the plane of dim1 and dim2."""
    return input.diagonal(offset, dim1, dim2)


def broadcast_to(input: Tensor, size: Sequence[int]) -> Tensor:
    """A view of input broadcast to size."""
    return input.broadcast_to(size)


def movedim(input: Tensor, source: _Dims, destination: _Dims) -> Tensor:
    """A view of input with the dims in source moved to destination."""
    return input.movedim(source, destination)


def narrow(input: Tensor, dim: int, start: int, length: int) -> Tensor:
    """A view of input[start:start + length] along dim."""
    return input.narrow(dim, start, length)


def clone(input: Tensor) -> Tensor:
    """A copy of input with its own memory (recorded for autograd)."""
    return input.clone()


def detach(input: Tensor) -> Tensor:
    """A tensor sharing input's memory, without history."""
    return input.detach()


# ---- comparisons -----------------------------------------------------------------------------


def _check_close_arguments(op: str, input: Any, other: Any, rtol: float, atol: float) -> None:
    if not isinstance(input, Tensor) or not isinstance(other, Tensor):
        raise TypeError(
            f"{op}(): expected two tensors, got {type(input).__name__} and {type(other).__name__}"
        )
    if input.dtype != other.dtype:
        raise TypeError(
            f"{op}(): expected both inputs to have the same dtype, got {input.dtype} and "
            f"{other.dtype} (shapes {list(input.shape)} and {list(other.shape)})"
        )
    if rtol < 0 or atol < 0:
        raise ValueError(f"{op}(): rtol and atol must be non-negative, got rtol={rtol}, atol={atol}")


def isclose(
    input: Tensor, other: Tensor, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False
) -> Tensor:
    """Elementwise |input - other| <= atol + rtol * |other| (broadcast), as a bool tensor.
    Equal values (infinities included) are close; NaN is close to NaN only with equal_nan.
    Integers and bools are compared in the default float dtype, as in PyTorch."""
    return _isclose_named("isclose", input, other, rtol, atol, equal_nan)


def _isclose_named(
    op: str, input: Tensor, other: Tensor, rtol: float, atol: float, equal_nan: bool
) -> Tensor:
    _check_close_arguments(op, input, other, rtol, atol)
    if equal_nan and input.is_complex():
        raise ValueError(f"{op}(): equal_nan=True is not supported for complex inputs")
    with no_grad():
        close = input == other
        if equal_nan:
            close = close | (input.isnan() & other.isnan())
        if rtol == 0 and atol == 0:
            return close
        a, b = input, other
        if not (a.is_floating_point() or a.is_complex()):
            a, b = a.to(_C.get_default_dtype()), b.to(_C.get_default_dtype())
        allowed = (b * rtol).abs() + atol
        actual = (a - b).abs()
        return close | (actual.isfinite() & (actual <= allowed))


def allclose(
    input: Tensor, other: Tensor, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False
) -> bool:
    """True if every element of input is close to other's (see isclose)."""
    return bool(_isclose_named("allclose", input, other, rtol, atol, equal_nan).all().item())


def equal(input: Tensor, other: Tensor) -> bool:
    """True if input and other have the same shape and equal elements (NaN is never equal).
    Different dtypes are compared after type promotion, as in PyTorch."""
    if not isinstance(input, Tensor) or not isinstance(other, Tensor):
        raise TypeError(
            f"equal(): expected two tensors, got {type(input).__name__} and {type(other).__name__}"
        )
    if input.shape != other.shape:
        return False
    with no_grad():
        return bool((input == other).all().item())


# ---- triangles -------------------------------------------------------------------------------


def _triangle(op: str, input: Tensor, diagonal: int, lower: bool) -> Tensor:
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}(): expected a tensor, got {type(input).__name__}")
    if input.dim() < 2:
        raise ValueError(
            f"{op}(): expected a tensor of at least 2 dims, got shape {list(input.shape)}"
        )
    rows, cols = input.shape[-2], input.shape[-1]
    with no_grad():
        offset = _C.arange(cols, device=input.device).unsqueeze(0) - _C.arange(
            rows, device=input.device
        ).unsqueeze(1)
        keep = offset <= diagonal if lower else offset >= diagonal
    return _C.where(keep, input, _C.zeros((), dtype=input.dtype, device=input.device))


def tril(input: Tensor, diagonal: int = 0) -> Tensor:
    """The lower triangle of the last two dims of input (elements with col - row <= diagonal);
    the rest is 0. Differentiable."""
    return _triangle("tril", input, diagonal, lower=True)


def triu(input: Tensor, diagonal: int = 0) -> Tensor:
    """The upper triangle of the last two dims of input (elements with col - row >= diagonal);
    the rest is 0. Differentiable."""
    return _triangle("triu", input, diagonal, lower=False)


# ---- new_* factories: the dtype and device of self unless given ---------------------------


def _like_self(self: Tensor, dtype: Any, device: Any) -> dict[str, Any]:
    return {
        "dtype": self.dtype if dtype is None else dtype,
        "device": self.device if device is None else device,
    }


def _new_zeros(
    self: Tensor, *size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False
) -> Tensor:
    return _C.zeros(*size, requires_grad=requires_grad, **_like_self(self, dtype, device))


def _new_ones(
    self: Tensor, *size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False
) -> Tensor:
    return _C.ones(*size, requires_grad=requires_grad, **_like_self(self, dtype, device))


def _new_empty(
    self: Tensor, *size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False
) -> Tensor:
    return _C.empty(*size, requires_grad=requires_grad, **_like_self(self, dtype, device))


def _new_full(
    self: Tensor,
    size: Sequence[int],
    fill_value: Any,
    *,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    return _C.full(size, fill_value, requires_grad=requires_grad, **_like_self(self, dtype, device))


def _new_tensor(
    self: Tensor, data: Any, *, dtype: Any = None, device: Any = None, requires_grad: bool = False
) -> Tensor:
    return _C.tensor(data, requires_grad=requires_grad, **_like_self(self, dtype, device))


def _type_as(self: Tensor, other: Tensor) -> Tensor:
    return self.to(other.dtype)


def _isclose(
    self: Tensor, other: Tensor, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False
) -> Tensor:
    return isclose(self, other, rtol, atol, equal_nan)


def _allclose(
    self: Tensor, other: Tensor, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False
) -> bool:
    return allclose(self, other, rtol, atol, equal_nan)


def _equal(self: Tensor, other: Tensor) -> bool:
    return equal(self, other)


def _tril(self: Tensor, diagonal: int = 0) -> Tensor:
    return tril(self, diagonal)


def _triu(self: Tensor, diagonal: int = 0) -> Tensor:
    return triu(self, diagonal)


# Tensor methods (declared in _C.pyi with the class): the extension's class takes new
# attributes like any Python class.
for _name, _method in {
    "isclose": _isclose,
    "allclose": _allclose,
    "equal": _equal,
    "tril": _tril,
    "triu": _triu,
    "new_zeros": _new_zeros,
    "new_ones": _new_ones,
    "new_empty": _new_empty,
    "new_full": _new_full,
    "new_tensor": _new_tensor,
    "type_as": _type_as,
}.items():
    _method.__name__ = _method.__qualname__ = _name
    setattr(Tensor, _name, _method)
del _name, _method
