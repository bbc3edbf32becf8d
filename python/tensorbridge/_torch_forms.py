"""torch.* functions a PyTorch script calls that tensorbridge builds from its own ops.

Two kinds live here: the function forms of view and copy methods the extension binds on
Tensor (``tb.reshape(x, shape)`` is ``x.reshape(shape)``), and composites of existing ops
with PyTorch's semantics (isclose, allclose, equal, tril, triu, the ``new_*`` factories).
The composites run on whatever device the inputs live on, because every op they use does;
tril/triu record for autograd through ``where``.
"""

from __future__ import annotations

from typing import Any, Sequence, Union, cast

from . import _C
from ._C import Tensor
from ._size import Size
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


# ---- shapes and grids ------------------------------------------------------------------------


def broadcast_shapes(*shapes: Sequence[int] | int) -> Size:
    """The shape that tensors of the given shapes broadcast to; ValueError if they do not."""
    dims: list[list[int]] = [[s] if isinstance(s, int) else list(s) for s in shapes]
    out: list[int] = []
    for i in range(1, max((len(d) for d in dims), default=0) + 1):
        size = 1
        for d in dims:
            if i <= len(d) and d[-i] != 1:
                if size not in (1, d[-i]):
                    raise ValueError(
                        "broadcast_shapes: shapes "
                        + ", ".join(str(list(x)) for x in dims)
                        + f" do not broadcast (size {size} against {d[-i]} at dim {-i})"
                    )
                size = d[-i]
        out.insert(0, size)
    return Size(out)


def broadcast_tensors(*tensors: Tensor) -> tuple[Tensor, ...]:
    """Views of the tensors broadcast to their common shape."""
    shape = broadcast_shapes(*(t.shape for t in tensors))
    return tuple(t.broadcast_to(shape) for t in tensors)


def meshgrid(*tensors: Tensor | Sequence[Tensor], indexing: str = "ij") -> tuple[Tensor, ...]:
    """Coordinate grids (views) from 1-D tensors: with indexing="ij" output k varies along dim
    k; with "xy" the first two dims are swapped, as in NumPy."""
    items: Sequence[Any] = tensors[0] if len(tensors) == 1 and not isinstance(tensors[0], Tensor) else tensors
    if indexing not in ("ij", "xy"):
        raise ValueError(f'meshgrid: indexing must be "ij" or "xy", got {indexing!r}')
    for t in items:
        if not isinstance(t, Tensor) or t.dim() > 1:
            shape = list(t.shape) if isinstance(t, Tensor) else type(t).__name__
            raise ValueError(f"meshgrid: expected 0-d or 1-d tensors, got {shape}")
    vectors = [t.reshape(-1) for t in items]
    swap = indexing == "xy" and len(vectors) >= 2
    if swap:
        vectors[0], vectors[1] = vectors[1], vectors[0]
    shape = [v.numel() for v in vectors]
    grids = []
    for k, v in enumerate(vectors):
        view = [1] * len(vectors)
        view[k] = shape[k]
        grids.append(v.reshape(view).broadcast_to(shape))
    if swap:  # built for (y, x, ...): hand back the x grid first
        grids[0], grids[1] = grids[1], grids[0]
    return tuple(grids)


def roll(input: Tensor, shifts: _Dims, dims: _Dims | None = None) -> Tensor:
    """input with its elements shifted cyclically by shifts along dims (flattened and
    reshaped back without dims). Differentiable."""
    if dims is None:
        if not isinstance(shifts, int) and len(shifts) != 1:
            raise ValueError(f"roll: without dims, shifts must be one number, got {shifts}")
        shift = shifts if isinstance(shifts, int) else shifts[0]
        return roll(input.reshape(-1), shift, 0).reshape(input.shape)
    shift_list = [shifts] if isinstance(shifts, int) else list(shifts)
    dim_list = [dims] if isinstance(dims, int) else list(dims)
    if len(shift_list) != len(dim_list):
        raise ValueError(
            f"roll: shifts and dims must have the same length, got {shift_list} and {dim_list}"
        )
    out = input
    for shift, dim in zip(shift_list, dim_list):
        size = out.shape[dim]
        if size == 0:
            continue
        k = shift % size
        if k:
            out = _C.cat([out.narrow(dim, size - k, k), out.narrow(dim, 0, size - k)], dim)
    return out if out is not input else input.clone()


def diff(
    input: Tensor,
    n: int = 1,
    dim: int = -1,
    prepend: Tensor | None = None,
    append: Tensor | None = None,
) -> Tensor:
    """The n-th forward difference along dim (after prepend/append are joined on). Booleans
    differ by != as in PyTorch. Differentiable."""
    if n < 0:
        raise ValueError(f"diff: order n must be non-negative, got {n}")
    if input.dim() == 0:
        raise ValueError("diff: expected a tensor of at least 1 dim, got shape []")
    parts = [p for p in (prepend, input, append) if p is not None]
    out = _C.cat(parts, dim) if len(parts) > 1 else input
    for _ in range(n):
        length = out.shape[dim]
        if length == 0:
            break
        later, earlier = out.narrow(dim, 1, length - 1), out.narrow(dim, 0, length - 1)
        out = later != earlier if out.dtype == _C.bool else later - earlier
    return out


# ---- reductions and interpolation --------------------------------------------------------------


def count_nonzero(input: Tensor, dim: _Dims | None = None) -> Tensor:
    """The number of non-zero elements (over dim), as int64."""
    with no_grad():
        return (input != 0).sum(dim)


def nansum(
    input: Tensor, dim: _Dims | None = None, keepdim: bool = False, *, dtype: Any = None
) -> Tensor:
    """sum treating NaN as 0 (its gradient is 0 there). Differentiable."""
    if not (input.is_floating_point() or input.is_complex()):
        return input.sum(dim, keepdim, dtype=dtype)
    return _C.where(input.isnan(), 0, input).sum(dim, keepdim, dtype=dtype)


def nanmean(
    input: Tensor, dim: _Dims | None = None, keepdim: bool = False, *, dtype: Any = None
) -> Tensor:
    """mean over the non-NaN elements (NaN where there are none). Differentiable."""
    if not (input.is_floating_point() or input.is_complex()):
        raise TypeError(f"nanmean(): expected a floating point or complex input, got {input.dtype}")
    with no_grad():
        count = (~input.isnan()).sum(dim, keepdim)
    return nansum(input, dim, keepdim, dtype=dtype) / count


def trace(input: Tensor) -> Tensor:
    """The sum of the main diagonal of a 2-D tensor. Differentiable."""
    if input.dim() != 2:
        raise ValueError(f"trace: expected a 2-D tensor, got shape {list(input.shape)}")
    return input.diagonal().sum()


def lerp(input: Tensor, end: Tensor, weight: Tensor | float) -> Tensor:
    """input + weight * (end - input), evaluated as PyTorch does (from end when |weight| >= 0.5,
    so that weight 1 gives end exactly). Differentiable."""
    difference = end - input
    if isinstance(weight, Tensor):
        from_start = input + weight * difference
        from_end = end - difference * (1 - weight)
        with no_grad():
            small = weight.abs() < 0.5
        return _C.where(small, from_start, from_end)
    if abs(weight) < 0.5:
        return input + weight * difference
    return end - difference * (1 - weight)


def logspace(
    start: float,
    end: float,
    steps: int,
    base: float = 10.0,
    *,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """steps values base ** x for x evenly spaced from start to end."""
    exponents = _C.linspace(start, end, steps, dtype=_C.float64, device=device)
    out = _C.pow(base, exponents).to(dtype if dtype is not None else _C.get_default_dtype())
    return out.requires_grad_(requires_grad) if requires_grad else out


def var_mean(
    input: Tensor,
    dim: _Dims | None = None,
    unbiased: bool | None = None,
    keepdim: bool = False,
    *,
    correction: float | None = None,
) -> tuple[Tensor, Tensor]:
    """(var, mean) over dim, with var's correction rules. Differentiable."""
    return (_C.var(input, dim, unbiased, keepdim, correction=correction),
            input.mean(dim, keepdim))


def std_mean(
    input: Tensor,
    dim: _Dims | None = None,
    unbiased: bool | None = None,
    keepdim: bool = False,
    *,
    correction: float | None = None,
) -> tuple[Tensor, Tensor]:
    """(std, mean) over dim, with std's correction rules. Differentiable."""
    return (_C.std(input, dim, unbiased, keepdim, correction=correction),
            input.mean(dim, keepdim))


# ---- matrices ------------------------------------------------------------------------------


def diag(input: Tensor, diagonal: int = 0) -> Tensor:
    """From a 1-D tensor: the square matrix with it on the given diagonal (0 elsewhere). From
    a 2-D tensor: a copy of that diagonal. Differentiable."""
    if input.dim() == 2:
        return input.diagonal(diagonal).clone()
    if input.dim() != 1:
        raise ValueError(f"diag: expected a 1-D or 2-D tensor, got shape {list(input.shape)}")
    n, k = input.shape[0], abs(diagonal)
    size = n + k
    padded = _C.cat([input, _C.zeros(k, dtype=input.dtype, device=input.device)]) if k else input
    with no_grad():
        offset = _C.arange(size, device=input.device).unsqueeze(0) - _C.arange(
            size, device=input.device
        ).unsqueeze(1)
        on_diagonal = offset == diagonal
    # Row i holds input[i] above the main diagonal; column j holds input[j] below it.
    values = padded.reshape(size, 1) if diagonal >= 0 else padded.reshape(1, size)
    return _C.where(on_diagonal, values, _C.zeros((), dtype=input.dtype, device=input.device))


def _contracted_dims(a: Tensor, b: Tensor, dims: Any) -> tuple[list[int], list[int]]:
    if isinstance(dims, int):
        if dims < 0 or dims > min(a.dim(), b.dim()):
            raise ValueError(
                f"tensordot: dims must be in [0, {min(a.dim(), b.dim())}] for shapes "
                f"{list(a.shape)} and {list(b.shape)}, got {dims}"
            )
        return list(range(a.dim() - dims, a.dim())), list(range(dims))
    dims_a, dims_b = dims
    dims_a = [dims_a] if isinstance(dims_a, int) else list(dims_a)
    dims_b = [dims_b] if isinstance(dims_b, int) else list(dims_b)
    if len(dims_a) != len(dims_b):
        raise ValueError(f"tensordot: dims lists of different lengths, {dims_a} and {dims_b}")
    return [d % a.dim() for d in dims_a], [d % b.dim() for d in dims_b]


def tensordot(a: Tensor, b: Tensor, dims: Any = 2) -> Tensor:
    """Sums a * b over dims pairs (an int n: a's last n with b's first n), as one matmul of
    the reshaped operands. Differentiable."""
    dims_a, dims_b = _contracted_dims(a, b, dims)
    for da, db in zip(dims_a, dims_b):
        if a.shape[da] != b.shape[db]:
            raise ValueError(
                f"tensordot: contracted dim {da} of {list(a.shape)} (size {a.shape[da]}) does not "
                f"match dim {db} of {list(b.shape)} (size {b.shape[db]})"
            )
    free_a = [d for d in range(a.dim()) if d not in dims_a]
    free_b = [d for d in range(b.dim()) if d not in dims_b]
    inner = 1
    for d in dims_a:
        inner *= a.shape[d]
    left = a.permute(free_a + dims_a).reshape(-1, inner)
    right = b.permute(dims_b + free_b).reshape(inner, -1)
    return (left @ right).reshape([a.shape[d] for d in free_a] + [b.shape[d] for d in free_b])


def kron(input: Tensor, other: Tensor) -> Tensor:
    """The Kronecker product: block (i, j, ...) is input[i, j, ...] * other. Differentiable."""
    n = max(input.dim(), other.dim())
    a_shape = [1] * (n - input.dim()) + list(input.shape)
    b_shape = [1] * (n - other.dim()) + list(other.shape)
    interleaved_a = [s for size in a_shape for s in (size, 1)]
    interleaved_b = [s for size in b_shape for s in (1, size)]
    product = input.reshape(interleaved_a) * other.reshape(interleaved_b)
    return product.reshape([x * y for x, y in zip(a_shape, b_shape)])


def bincount(input: Tensor, weights: Tensor | None = None, minlength: int = 0) -> Tensor:
    """Counts of each value of a 1-D tensor of non-negative integers (sums of weights when
    given), of length max(input) + 1 or minlength."""
    if input.dim() != 1 or input.is_floating_point() or input.is_complex() or input.dtype == _C.bool:
        raise TypeError(
            f"bincount: expected a 1-D integer tensor, got {input.dtype} of shape {list(input.shape)}"
        )
    if minlength < 0:
        raise ValueError(f"bincount: minlength must be non-negative, got {minlength}")
    if weights is not None and list(weights.shape) != list(input.shape):
        raise ValueError(
            f"bincount: weights of shape {list(weights.shape)} for input of shape {list(input.shape)}"
        )
    with no_grad():
        if input.numel() and cast(int, input.min().item()) < 0:
            raise ValueError("bincount: input must be non-negative")
        length = max(cast(int, input.max().item()) + 1 if input.numel() else 0, minlength)
        index = input.to(_C.int64)
        if weights is None:
            counts = _C.zeros(length, dtype=_C.int64, device=input.device)
            return counts.index_add_(0, index, _C.ones_like(index))
        dtype = weights.dtype if weights.is_floating_point() else _C.float64
        sums = _C.zeros(length, dtype=dtype, device=input.device)
        return sums.index_add_(0, index, weights.to(dtype))


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
