"""BM25 matrices for bm25s, built with numpy from term ids, scored as rank_bm25's BM25Okapi.

bm25s serves the queries (a sparse column per term, summed) and saves and loads
the matrix; the matrix itself is built here in a few vectorised passes, because
bm25s's own builder loops in Python and has no idf that matches BM25Okapi:
its Robertson idf is 0 for a term in more than half the documents, which on a
small corpus leaves most queries scoring nothing. BM25Okapi instead floors
those terms at 0.25 × the mean idf. Term frequency is ATIRE's, k1 1.5, b 0.75.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import bm25s
import numpy as np
import numpy.typing as npt

from service.retrieval.ragged import Ragged

K1, B = 1.5, 0.75
IDF_FLOOR = 0.25  # rank_bm25's epsilon: common terms weigh this share of the mean idf
PARAMS: dict[str, Any] = {"k1": K1, "b": B, "method": "atire", "idf": "okapi (rank_bm25)"}

IdArray = npt.NDArray[np.int32]


def okapi_idf(df: npt.NDArray[np.float64], n_docs: int) -> npt.NDArray[np.float64]:
    """BM25Okapi's idf per term, negative values floored at IDF_FLOOR × the mean idf."""
    raw = np.log((n_docs - df + 0.5) / (df + 0.5))
    present = df > 0
    mean = float(raw[present].mean()) if present.any() else 0.0
    return np.where(raw < 0, max(IDF_FLOOR * mean, 1e-3), raw)


@dataclass(frozen=True)
class Stats:
    """Documents scored by another matrix that still count in idf and the mean length: a
    small delta matrix fitted beside a large saved one scores its documents as one index."""

    df: npt.NDArray[np.int64]  # documents containing each term
    docs: int
    length: int  # terms in all of them

    @classmethod
    def of(cls, model: Any, lengths: npt.NDArray[np.int64]) -> Stats:
        """The statistics of a fitted model (df from its column pointers)."""
        if model is None:
            return cls(np.zeros(0, np.int64), 0, 0)
        df = np.diff(np.asarray(model.scores["indptr"])).astype(np.int64)
        return cls(df, int(model.scores["num_docs"]), int(lengths.sum()))


def okapi_matrix(docs: Ragged, vocab_size: int, base: Stats | None = None) -> dict[str, Any]:
    """The term-by-document score matrix in the CSC layout bm25s reads (one column per term)."""
    n_docs = len(docs)
    lengths = docs.lengths()
    doc_of = np.repeat(np.arange(n_docs, dtype=np.int64), lengths)
    terms = docs.concatenated().astype(np.int64)
    # One key per (term, document) pair, sorted by term then document: the CSC order.
    keys, tf = _counted(terms * max(n_docs, 1) + doc_of)
    term, doc = np.divmod(keys, max(n_docs, 1))
    df = np.bincount(term, minlength=vocab_size).astype(np.float64)
    if base is None:
        idf = okapi_idf(df, n_docs)
        mean = float(lengths.mean()) if n_docs else 1.0
    else:
        every = df.copy()
        every[: len(base.df)] += base.df[:vocab_size]
        idf = okapi_idf(every, n_docs + base.docs)
        mean = (float(lengths.sum()) + base.length) / max(n_docs + base.docs, 1)
    norm = K1 * (1 - B + B * lengths / max(mean, 1e-9))
    scores = idf[term] * tf * (K1 + 1) / (tf + norm[doc])
    indptr = np.concatenate([[0], np.cumsum(df.astype(np.int64))])
    return {
        "data": scores.astype(np.float32),
        "indices": doc.astype(np.int32),
        "indptr": indptr.astype(np.int64),
        "num_docs": n_docs,
    }


def distinct_terms(scores: dict[str, Any]) -> Ragged:
    """Each document's distinct term ids, ascending: the matrix read by rows (its CSR layout),
    which MMR compares candidates by."""
    indptr, indices = np.asarray(scores["indptr"]), np.asarray(scores["indices"])
    term = np.repeat(np.arange(len(indptr) - 1, dtype=np.int32), np.diff(indptr))
    counts = np.bincount(indices, minlength=int(scores["num_docs"])).astype(np.int64)
    bounds = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    # a stable sort of 16-bit keys is a radix sort: a delta's documents fit in them
    keys = indices.astype(np.uint16) if len(counts) <= 1 << 16 else indices
    return Ragged(term[np.argsort(keys, kind="stable")], bounds[:-1], bounds[1:])


def _counted(keys: npt.NDArray[np.int64]) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """np.unique(keys, return_counts=True) with one plain sort (numpy's hashing is slower)."""
    ordered = np.sort(keys)
    if not len(ordered):
        return ordered, np.zeros(0, np.int64)
    starts = np.flatnonzero(np.concatenate([[True], ordered[1:] != ordered[:-1]]))
    counts = np.diff(np.append(starts, len(ordered)))
    return ordered[starts], counts


def fit_bm25(docs: Sequence[IdArray], vocab_size: int, base: Stats | None = None) -> Any:
    """A bm25s model over already-tokenised documents (bm25s's splitter is never used)."""
    return model_of(
        okapi_matrix(docs if isinstance(docs, Ragged) else Ragged.of(docs), vocab_size, base)
    )


def model_of(scores: dict[str, Any]) -> Any:
    """A bm25s model serving a score matrix."""
    model = bm25s.BM25(k1=K1, b=B, method="atire", idf_method="robertson")
    model.scores = scores
    model.vocab_dict = {}
    model.unique_token_ids_set = set()
    model.nonoccurrence_array = None
    return model


def load_bm25(path: str) -> Any:
    """A model saved by bm25s's own save(), its arrays mapped from disk, not read."""
    return bm25s.BM25.load(path, load_vocab=False, mmap=True, show_progress=False)
