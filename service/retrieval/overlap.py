"""The distinct terms of a search's candidates, and their Jaccard similarity, in array passes.

MMR compares every candidate with each document it picks. A Python set of every
candidate's terms, made again on every search, cost a search more time than scoring the
corpus did; a cache of those sets across searches grew with every document ever returned.
Each document's distinct terms are stored, ascending (service.retrieval.bm25.distinct_terms):
a candidate's set is a slice, and its overlap with a pick one pass over all of them.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

Ints = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]


class Overlap:
    """Candidate i's distinct terms are term[start[i]:start[i + 1]], ascending."""

    def __init__(self, owners: Ints, term: npt.NDArray[np.int32], count: int) -> None:
        """`term` holds each candidate's distinct term ids in turn, `owners` whose they are
        (0..count-1, ascending)."""
        self.count, self.owners, self.term = count, owners, term
        self.span = int(term.max()) + 1 if len(term) else 1
        self.sizes: Ints = np.bincount(owners, minlength=count).astype(np.int64)
        self.start: Ints = np.concatenate([[0], np.cumsum(self.sizes)]).astype(np.int64)

    def terms(self, i: int) -> npt.NDArray[np.int32]:
        """Candidate i's distinct term ids, ascending."""
        return self.term[int(self.start[i]) : int(self.start[i + 1])]

    def similarity(self, i: int) -> Floats:
        """Every candidate's Jaccard similarity to candidate i (0 where either has no terms),
        exactly as common / (|a| + |b| - common) in Python floats."""
        mark = np.zeros(self.span, dtype=bool)
        mark[self.terms(i)] = True
        common = np.bincount(self.owners[mark[self.term]], minlength=self.count)
        union = self.sizes + self.sizes[i] - common
        out = np.zeros(self.count, dtype=np.float64)
        np.divide(common, union, out=out, where=(self.sizes > 0) & (self.sizes[i] > 0))
        return out
