"""nn.Parameter: a tensor that a Module registers as one of its trainable parameters."""

from __future__ import annotations

from typing import Any

from .._C import Tensor, empty


class Parameter(Tensor):
    """A leaf tensor that requires grad (unless told otherwise), sharing the memory of
    ``data`` but none of its history. Assigning one as a Module attribute registers it.

    ``isinstance(p, Parameter)`` and ``isinstance(p, tensorbridge.Tensor)`` both hold; math on
    a Parameter gives plain tensors."""

    def __new__(cls, data: Tensor | None = None, requires_grad: bool = True) -> Parameter:
        if data is None:
            data = empty(0)
        return Tensor._make_subclass(cls, data, requires_grad)  # type: ignore[attr-defined,no-any-return]

    def __init__(self, data: Tensor | None = None, requires_grad: bool = True) -> None:
        pass  # everything happened in __new__; Tensor itself has no Python constructor

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()

    def __deepcopy__(self, memo: dict[int, Any]) -> Parameter:
        if id(self) not in memo:
            memo[id(self)] = Parameter(self.data.clone(), self.requires_grad)
        return memo[id(self)]  # type: ignore[no-any-return]

