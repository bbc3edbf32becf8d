"""Stochastic gradient descent, with PyTorch's options and update order."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .. import _C
from .._C import Tensor
from .optimizer import Optimizer


class SGD(Optimizer):
    """SGD with optional momentum (heavy-ball or Nesterov), dampening and L2 weight decay::

        d = grad + weight_decay * p
        momentum: buf = d at the first step, then momentum * buf + (1 - dampening) * d;
                  d = d + momentum * buf with nesterov, else d = buf
        p -= lr * d
    """

    _names = ("lr", "momentum", "dampening", "weight_decay", "nesterov", "maximize")

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-3,
        momentum: float = 0.0,
        dampening: float = 0.0,
        weight_decay: float = 0.0,
        nesterov: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        defaults = dict(
            lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay, nesterov=nesterov, maximize=maximize
        )
        super().__init__(params, defaults)

    def _cpp_values(self, group: dict[str, Any]) -> list[float]:
        return [float(group[name]) for name in self._names]

    def _new_impl(self, params: list[Tensor], values: list[float]) -> Any:
        lr, momentum, dampening, weight_decay, nesterov, maximize = values
        return _C._optim.SGD(params, lr, momentum, dampening, weight_decay, bool(nesterov), bool(maximize))
