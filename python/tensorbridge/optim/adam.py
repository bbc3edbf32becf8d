"""Adam and AdamW, with PyTorch's update (bias-corrected moments, optional AMSGrad)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .. import _C
from .._C import Tensor
from .optimizer import Optimizer


class Adam(Optimizer):
    """Adam (Kingma and Ba, 2015); ``weight_decay`` adds an L2 term to the gradient.

    Per parameter, with g its gradient and t the step count::

        m = beta1 * m + (1 - beta1) * g;  v = beta2 * v + (1 - beta2) * g^2
        amsgrad: v_max = max(v_max, v), used in place of v
        p -= lr / (1 - beta1^t) * m / (sqrt(v / (1 - beta2^t)) + eps)
    """

    _names = ("lr", "beta1", "beta2", "eps", "weight_decay", "amsgrad", "maximize")
    _cpp_class: Any = _C._optim.Adam

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad, maximize=maximize)
        super().__init__(params, defaults)

    def _cpp_values(self, group: dict[str, Any]) -> list[float]:
        beta1, beta2 = group["betas"]
        return [
            float(group["lr"]),
            float(beta1),
            float(beta2),
            float(group["eps"]),
            float(group["weight_decay"]),
            float(group["amsgrad"]),
            float(group["maximize"]),
        ]

    def _new_impl(self, params: list[Tensor], values: list[float]) -> Any:
        lr, beta1, beta2, eps, weight_decay, amsgrad, maximize = values
        return self._cpp_class(params, lr, beta1, beta2, eps, weight_decay, bool(amsgrad), bool(maximize))


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov and Hutter, 2019): each step first
    shrinks the parameter, ``p *= 1 - lr * weight_decay``, instead of adding an L2 term."""

    _cpp_class = _C._optim.AdamW

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, maximize=maximize)
