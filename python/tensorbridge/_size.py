"""tensorbridge.Size: the type of Tensor.shape, a tuple of ints (like torch.Size)."""

from __future__ import annotations


class Size(tuple):  # type: ignore[type-arg]
    """A tuple of dimension sizes: ``t.shape == (2, 3)`` and ``t.shape[0] == 2``."""

    __slots__ = ()

    def numel(self) -> int:
        """The number of elements a tensor of this size has."""
        n = 1
        for s in self:
            n *= s
        return n

    def __repr__(self) -> str:
        return f"tensorbridge.Size({list(self)!r})"

    def __getitem__(self, key):  # type: ignore[no-untyped-def,override]
        item = tuple.__getitem__(self, key)
        return Size(item) if isinstance(key, slice) else item

    def __add__(self, other):  # type: ignore[no-untyped-def,override]
        return Size(tuple.__add__(self, other))

    def __reduce__(self):  # type: ignore[no-untyped-def]
        return (Size, (tuple(self),))
