"""A read-only sequence given by its length and one item at a time.

The index's arrays and records are sequences a caller indexes, slices and iterates as it
would a list; each class says only how long it is and how to get item i.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TypeVar, overload

T = TypeVar("T")


class Items(Sequence[T]):
    """Slices, negative indexes and iteration as a list has them, from `item(i)`."""

    def __len__(self) -> int:
        raise NotImplementedError

    def item(self, i: int) -> T:
        """Item i, 0 <= i < len(self)."""
        raise NotImplementedError

    @overload
    def __getitem__(self, i: int) -> T: ...
    @overload
    def __getitem__(self, i: slice) -> Sequence[T]: ...
    def __getitem__(self, i: int | slice) -> T | Sequence[T]:
        if isinstance(i, slice):
            return [self.item(j) for j in range(*i.indices(len(self)))]
        at = i + len(self) if i < 0 else i
        if not 0 <= at < len(self):
            raise IndexError(i)
        return self.item(at)

    def __iter__(self) -> Iterator[T]:
        return (self.item(i) for i in range(len(self)))
