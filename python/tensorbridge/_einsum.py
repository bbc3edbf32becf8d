"""torch.einsum's argument forms on top of the C++ einsum (``_C._einsum(equation, operands)``).

The C++ op does all the work (parsing, checks, contraction, autograd); this module only
turns ``einsum(eq, a, b)``, ``einsum(eq, [a, b])`` and the sublist form
``einsum(a, [0, 1], b, [1, 2], [0, 2])`` into one equation string and a list of operands.
"""

from __future__ import annotations

import operator
from typing import Any, Sequence

from . import _C
from ._C import Tensor

_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def _subscript(label: Any) -> str:
    """One sublist entry as equation text: Ellipsis is '...', ints 0-51 are A-Z then a-z
    (torch's numbering, which keeps the implicit output's order)."""
    if label is Ellipsis:
        return "..."
    try:
        n = operator.index(label)
    except TypeError:
        raise TypeError(
            f"einsum(): subscripts in a sublist must be ints or Ellipsis, not {type(label).__name__}"
        ) from None
    if not 0 <= n < len(_LETTERS):
        raise ValueError(f"einsum(): subscript {n} in a sublist is not within the valid range [0, 52)")
    return _LETTERS[n]


def _sublist(labels: Any) -> str:
    if isinstance(labels, (str, bytes)) or not isinstance(labels, Sequence):
        raise TypeError(f"einsum(): expected a list of subscripts, not {type(labels).__name__}")
    return "".join(_subscript(label) for label in labels)


def _sublist_form(args: Sequence[Any]) -> tuple[str, list[Any]]:
    """(op0, sub0, op1, sub1, ..., [out]) as (equation, operands)."""
    pairs = len(args) // 2
    equation = ",".join(_sublist(args[2 * i + 1]) for i in range(pairs))
    if len(args) % 2 == 1:
        equation += "->" + _sublist(args[-1])
    return equation, [args[2 * i] for i in range(pairs)]


def einsum(*args: Any) -> Tensor:
    """Einstein summation, as torch.einsum: ``einsum("ij,jk->ik", a, b)``, with the operands
    also as one list, or in the sublist form ``einsum(a, [0, 1], b, [1, 2], [0, 2])``.

    Letters a-z/A-Z label dimensions, ``...`` stands for broadcast dimensions, and without
    ``->`` the output is the ellipsis dimensions followed by the letters used once, sorted.
    Repeated letters in one operand take its diagonal; letters missing from the output are
    summed. Differentiable, on any device; operands of different dtypes are promoted.
    """
    if len(args) < 2:
        raise ValueError(
            "einsum(): must specify the equation string and at least one operand, "
            "or at least one operand and its subscripts list"
        )
    if not isinstance(args[0], str):
        return _C._einsum(*_sublist_form(args))
    operands: Sequence[Any] = args[1:]
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = operands[0]
    return _C._einsum(args[0], list(operands))
