"""tensorbridge.autograd: gradients of tensor computations, with PyTorch's API.

    >>> x = tb.tensor([1.0, 2.0], requires_grad=True)
    >>> y = tb.nn.functional.mse_loss(x, tb.zeros(2))
    >>> tb.autograd.grad(y, x)
    (tensor([1., 2.]),)

The engine, the formulas and grad mode live in C++ (``tensorbridge._C._autograd``); this module
adds the Python-facing parts: grad-mode context managers that are also decorators, custom
differentiable functions written in Python (:class:`Function`) and :func:`gradcheck`.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Generator, Sequence
from typing import Any, TypeVar, cast

from . import _C
from ._C import Tensor

_A = _C._autograd

Node = _A.Node
RemovableHandle = _A.RemovableHandle
FunctionCtx = _A.FunctionCtx

_F = TypeVar("_F", bound=Callable[..., Any])

_TensorOrTensors = Tensor | Sequence[Tensor]


def is_grad_enabled() -> bool:
    """Whether operations on tensors that require grad are recorded (per thread)."""
    return _A.is_grad_enabled()


class _GradMode:
    """Sets grad mode inside a ``with`` block or a decorated function, then restores the mode
    that was in effect before. Re-entrant: one instance may be entered several times."""

    _mode: bool

    def __init__(self) -> None:
        self._previous: list[bool] = []

    def __enter__(self) -> None:
        self._previous.append(_A.is_grad_enabled())
        _A.set_grad_enabled(self._mode)

    def __exit__(self, *exc_info: object) -> None:
        _A.set_grad_enabled(self._previous.pop())

    def clone(self) -> _GradMode:
        return self.__class__()

    def __call__(self, func: _F) -> _F:
        if inspect.isgeneratorfunction(func):
            return cast(_F, self._wrap_generator(func))

        @functools.wraps(func)
        def decorated(*args: Any, **kwargs: Any) -> Any:
            with self.clone():
                return func(*args, **kwargs)

        return cast(_F, decorated)

    def _wrap_generator(self, func: Callable[..., Generator[Any, Any, Any]]) -> Callable[..., Any]:
        # The mode holds while the generator's own code runs, not while its caller runs
        # between items.
        @functools.wraps(func)
        def decorated(*args: Any, **kwargs: Any) -> Generator[Any, Any, Any]:
            gen = func(*args, **kwargs)
            try:
                with self.clone():
                    item = next(gen)
                while True:
                    try:
                        sent = yield item
                    except GeneratorExit:
                        with self.clone():
                            gen.close()
                        raise
                    except BaseException as error:
                        with self.clone():
                            item = gen.throw(error)
                    else:
                        with self.clone():
                            item = gen.send(sent)
            except StopIteration as stop:
                return stop.value

        return decorated


class no_grad(_GradMode):
    """Operations inside record no graph: results do not require grad.

    ``with tb.no_grad(): ...``, ``@tb.no_grad()`` or ``@tb.no_grad``."""

    _mode = False

    def __new__(cls, func: Callable[..., Any] | None = None) -> Any:
        if func is None:
            return super().__new__(cls)
        return cls()(func)  # used as a bare decorator: @no_grad


class enable_grad(_GradMode):
    """Turns recording back on inside a ``no_grad`` region (also a decorator)."""

    _mode = True

    def __new__(cls, func: Callable[..., Any] | None = None) -> Any:
        if func is None:
            return super().__new__(cls)
        return cls()(func)


class set_grad_enabled(_GradMode):
    """Sets grad mode to ``mode`` right away (a plain call sets it for good); as a context
    manager or decorator it restores the previous mode afterwards."""

    def __init__(self, mode: bool) -> None:
        super().__init__()
        self._mode = bool(mode)
        self._before_call = _A.is_grad_enabled()
        _A.set_grad_enabled(self._mode)

    def __enter__(self) -> None:
        # The constructor already switched; the mode to restore is the one before it.
        self._previous.append(self._before_call)
        _A.set_grad_enabled(self._mode)

    def clone(self) -> set_grad_enabled:
        return set_grad_enabled(self._mode)

    def __call__(self, func: _F) -> _F:
        # Decorating happens once, at definition time: undo the constructor's switch.
        _A.set_grad_enabled(self._before_call)
        return super().__call__(func)


class inference_mode(_GradMode):
    """PyTorch's stricter no_grad; here the same as :class:`no_grad` (tensorbridge has no
    separate inference tensors). ``inference_mode(False)`` leaves grad mode as it is."""

    def __new__(cls, mode: Any = True) -> Any:
        if callable(mode):
            return cls()(mode)  # used as a bare decorator: @inference_mode
        return super().__new__(cls)

    def __init__(self, mode: bool = True) -> None:
        super().__init__()
        self._enabled = bool(mode)

    def __enter__(self) -> None:
        self._previous.append(_A.is_grad_enabled())
        if self._enabled:
            _A.set_grad_enabled(False)

    def clone(self) -> inference_mode:
        return inference_mode(self._enabled)


def _tensors(value: _TensorOrTensors | None) -> Any:
    if value is None or isinstance(value, Tensor):
        return value
    return tuple(value)


def backward(
    tensors: _TensorOrTensors,
    grad_tensors: _TensorOrTensors | None = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    inputs: _TensorOrTensors | None = None,
) -> None:
    """Accumulates the gradients of ``tensors`` (weighted by ``grad_tensors``; None for a
    scalar means 1) into the ``.grad`` of the leaves they depend on, or of ``inputs`` only."""
    _A.backward(_tensors(tensors), _tensors(grad_tensors), retain_graph, create_graph, _tensors(inputs))


def grad(
    outputs: _TensorOrTensors,
    inputs: _TensorOrTensors,
    grad_outputs: _TensorOrTensors | None = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    allow_unused: bool | None = None,
    materialize_grads: bool = False,
) -> tuple[Tensor | None, ...]:
    """The gradients of ``outputs`` with respect to ``inputs``, returned (not accumulated).

    An input the outputs do not depend on raises unless ``allow_unused`` (its entry is then
    None, or zeros with ``materialize_grads``). ``create_graph`` records the gradients'
    own graph, for higher-order derivatives."""
    unused_ok = bool(allow_unused) or materialize_grads
    result: tuple[Tensor | None, ...] = _A.grad(
        _tensors(outputs), _tensors(inputs), _tensors(grad_outputs), retain_graph, create_graph, unused_ok
    )
    if not materialize_grads:
        return result
    wrt = (inputs,) if isinstance(inputs, Tensor) else tuple(inputs)
    return tuple(g if g is not None else _C.zeros_like(x) for g, x in zip(result, wrt))


class Function:
    """A differentiable operation with a hand-written backward.

    Subclass it with two staticmethods and call ``apply``::

        class Cube(tb.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                ctx.save_for_backward(x)
                return x * x * x

            @staticmethod
            def backward(ctx, grad):
                (x,) = ctx.saved_tensors
                return grad * 3 * x * x

        y = Cube.apply(x)

    ``forward`` runs without recording. ``backward`` gets one gradient per output of forward
    and returns one per argument of forward (None for arguments that need none);
    ``ctx.needs_input_grad[i]`` says whether argument i needs one."""

    @staticmethod
    def forward(ctx: Any, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError("a Function subclass must implement forward(ctx, *args)")

    @staticmethod
    def backward(ctx: Any, *grad_outputs: Any) -> Any:
        raise NotImplementedError("a Function subclass must implement backward(ctx, *grads)")

    @classmethod
    def apply(cls, *args: Any) -> Any:
        return _A.function_apply(cls, FunctionCtx, *args)


def _outputs_of(func: Callable[..., Any], inputs: tuple[Tensor, ...]) -> Any:
    out = func(*inputs)
    return out if isinstance(out, (tuple, list)) else (out,)


def _check(
    func: Callable[..., Any],
    inputs: _TensorOrTensors,
    eps: float,
    atol: float,
    rtol: float,
    raise_exception: bool,
    second_order: bool,
) -> bool:
    xs = (inputs,) if isinstance(inputs, Tensor) else tuple(inputs)
    n_outputs = len(_outputs_of(func, xs))
    for k in range(n_outputs):
        # C++ checks one output at a time; each output's Jacobian is checked on its own.
        def output_k(*args: Tensor, k: int = k) -> Tensor:
            return cast(Tensor, _outputs_of(func, args)[k])

        if not _outputs_of(func, xs)[k].requires_grad:
            continue
        if not _A.gradcheck(output_k, list(xs), eps, atol, rtol, raise_exception, second_order):
            return False
    return True


def gradcheck(
    func: Callable[..., Any],
    inputs: _TensorOrTensors,
    *,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
) -> bool:
    """Checks the gradients autograd computes for ``func`` at ``inputs`` against central
    finite differences, for every element of every input that requires grad. Inputs must be
    float64. Returns True, or raises RuntimeError naming the input, element and both values
    (returns False instead with ``raise_exception=False``)."""
    return _check(func, inputs, eps, atol, rtol, raise_exception, second_order=False)


def gradgradcheck(
    func: Callable[..., Any],
    inputs: _TensorOrTensors,
    *,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
) -> bool:
    """:func:`gradcheck` for the gradients themselves (computed with create_graph=True), so
    that every backward formula's own backward is checked too."""
    return _check(func, inputs, eps, atol, rtol, raise_exception, second_order=True)


__all__ = [
    "Function",
    "FunctionCtx",
    "Node",
    "RemovableHandle",
    "backward",
    "enable_grad",
    "grad",
    "gradcheck",
    "gradgradcheck",
    "inference_mode",
    "is_grad_enabled",
    "no_grad",
    "set_grad_enabled",
]
