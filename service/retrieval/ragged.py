"""Term ids of many documents as spans of one flat array, so a saved index maps them from disk.

A list of small arrays costs a Python object per document and must be read whole;
spans (start, end) into one array can be memory-mapped and shared by every worker.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from service.retrieval.items import Items

IdArray = npt.NDArray[np.int32]
Offsets = npt.NDArray[np.int64]


class Ragged(Items[IdArray]):
    """Documents as spans of `flat`: document i is flat[starts[i]:ends[i]]."""

    def __init__(self, flat: IdArray, starts: Offsets, ends: Offsets) -> None:
        self.flat, self.starts, self.ends = flat, starts, ends

    @classmethod
    def of(cls, docs: Sequence[IdArray]) -> Ragged:
        """Documents given one array each, copied into one flat array."""
        lengths = np.fromiter((len(d) for d in docs), dtype=np.int64, count=len(docs))
        ends = np.cumsum(lengths)
        flat = np.concatenate(docs).astype(np.int32) if len(docs) else np.zeros(0, np.int32)
        return cls(flat, ends - lengths, ends)

    def __len__(self) -> int:
        return len(self.starts)

    def item(self, i: int) -> IdArray:
        return np.asarray(self.flat[int(self.starts[i]) : int(self.ends[i])])

    def lengths(self) -> Offsets:
        return np.asarray(self.ends - self.starts, dtype=np.int64)

    def take(self, rows: Offsets) -> tuple[Offsets, IdArray]:
        """The lengths of the given documents and their ids one after the other."""
        starts = np.asarray(self.starts[rows], dtype=np.int64)
        lengths = np.asarray(self.ends[rows], dtype=np.int64) - starts
        shift = np.repeat(starts - (np.cumsum(lengths) - lengths), lengths)
        ids: IdArray = np.asarray(self.flat[np.arange(int(lengths.sum())) + shift])
        return lengths, ids

    def concatenated(self) -> IdArray:
        """Every document's ids one after the other (one copy, no Python loop)."""
        lengths = self.lengths()
        if not len(lengths):
            return np.zeros(0, np.int32)
        shift = np.repeat(np.asarray(self.starts) - (np.cumsum(lengths) - lengths), lengths)
        ids: IdArray = np.asarray(self.flat)[np.arange(int(lengths.sum())) + shift]
        return ids


@dataclass
class Terms:
    """Every record's term ids, one span per section: what tokenising the corpus produced.

    Section s is flat[bounds[s]:bounds[s + 1]]; record r owns sections first[r]..first[r + 1].
    """

    flat: IdArray
    bounds: Offsets
    first: Offsets

    @classmethod
    def of(cls, records: Sequence[Sequence[IdArray]]) -> Terms:
        """Terms of records given as one array per section."""
        sections = [ids for record in records for ids in record]
        lengths = np.fromiter((len(s) for s in sections), dtype=np.int64, count=len(sections))
        counts = np.fromiter((len(r) for r in records), dtype=np.int64, count=len(records))
        flat = np.concatenate(sections).astype(np.int32) if sections else np.zeros(0, np.int32)
        return cls(flat, _starting_at_zero(lengths), _starting_at_zero(counts))

    def __len__(self) -> int:
        return len(self.first) - 1

    def record(self, r: int) -> list[IdArray]:
        """The ids of each section of record r."""
        a, b = int(self.first[r]), int(self.first[r + 1])
        return [np.asarray(self.flat[self.bounds[s] : self.bounds[s + 1]]) for s in range(a, b)]

    def speeches(self) -> Ragged:
        """One document per record: all its sections."""
        return Ragged(self.flat, self.bounds[self.first[:-1]], self.bounds[self.first[1:]])

    def sections(self, chosen: npt.NDArray[np.int64]) -> Ragged:
        """One document per chosen section (global section numbers)."""
        return Ragged(self.flat, self.bounds[chosen], self.bounds[chosen + 1])

    def plus(self, other: Terms) -> Terms:
        """These records, then the other's (a new copy)."""
        flat = np.concatenate([np.asarray(self.flat), np.asarray(other.flat)])
        bounds = np.concatenate([self.bounds[:-1], np.asarray(other.bounds) + self.bounds[-1]])
        first = np.concatenate([self.first[:-1], np.asarray(other.first) + self.first[-1]])
        return Terms(flat, bounds.astype(np.int64), first.astype(np.int64))


def _starting_at_zero(lengths: Offsets) -> Offsets:
    return np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
