"""One BM25 table (whole speeches, or sections) as arrays: its documents' term ids, the facts
searches filter on, and the fitted matrix; a saved index maps all of them from disk.

A table is one part, or a saved part and the small delta added since: documents are
numbered through the parts in order and their scores concatenated. A part's sections are
ordered by role, so a section search scores only the documents of its role (a span of each
part: a span of every column of the matrix too).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from service.corpus.records import CorpusRecord
from service.retrieval.bm25 import Stats, distinct_terms, fit_bm25
from service.retrieval.items import Items
from service.retrieval.ragged import IdArray, Ragged, Terms

SECTION_ROLES = ("opening", "achievements", "problems", "agenda", "point", "closing")
FloatArray = npt.NDArray[np.float32]


@dataclass
class DocFacts:
    """Per document: its record, section (-1: the whole speech), the record's type code
    (-1: none), whether the record may be an example, and the section's role (-1: speech)."""

    record: npt.NDArray[np.int64]
    section: npt.NDArray[np.int32]
    type: npt.NDArray[np.int16]
    example: npt.NDArray[np.bool_]
    role: npt.NDArray[np.int8]

    def __len__(self) -> int:
        return len(self.record)

    def shifted(self, records: int) -> DocFacts:
        """The same facts with record positions moved past `records` earlier ones."""
        return DocFacts(
            np.asarray(self.record) + records, self.section, self.type, self.example, self.role
        )

    @staticmethod
    def joined(parts: Sequence[DocFacts]) -> DocFacts:
        def cat(name: str) -> Any:
            return np.concatenate([np.asarray(getattr(p, name)) for p in parts])

        return DocFacts(cat("record"), cat("section"), cat("type"), cat("example"), cat("role"))

    def by_role(self) -> DocFacts:
        """The same documents ordered by role, in their order within a role."""
        order = np.argsort(np.asarray(self.role), kind="stable")
        return DocFacts(*(np.asarray(getattr(self, n))[order] for n in FACT_NAMES))


FACT_NAMES = ("record", "section", "type", "example", "role")
Span = tuple[int, int]  # documents lo..hi of one part


@dataclass
class Part:
    """Documents fitted into one matrix (None when there are none)."""

    model: Any
    docs: Ragged
    facts: DocFacts
    distinct: Ragged  # each document's distinct term ids, ascending

    def stats(self) -> Stats:
        return Stats.of(self.model, self.docs.lengths())


def docs_of(terms: Terms, facts: DocFacts, *, speeches: bool) -> Ragged:
    """The term ids of each document the facts describe."""
    if speeches:
        return terms.speeches()
    chosen = np.asarray(terms.first[np.asarray(facts.record)]) + np.asarray(facts.section)
    return terms.sections(chosen.astype(np.int64))


def fit_part(
    terms: Terms, facts: DocFacts, vocab_size: int, *, speeches: bool, base: Stats | None = None
) -> Part:
    """A part's matrix fitted from cached term ids (no tokenising)."""
    docs = docs_of(terms, facts, speeches=speeches)
    if not len(facts):
        return Part(None, docs, facts, Ragged.of([]))
    model = fit_bm25(docs, vocab_size, base)
    return Part(model, docs, facts, distinct_terms(model.scores))


def speech_facts(types: npt.NDArray[np.int16], examples: npt.NDArray[np.bool_]) -> DocFacts:
    """One document per record."""
    n = len(types)
    return DocFacts(
        np.arange(n, dtype=np.int64),
        np.full(n, -1, np.int32),
        types,
        examples,
        np.full(n, -1, np.int8),
    )


def section_facts(
    records: Sequence[CorpusRecord],
    terms: Terms,
    types: npt.NDArray[np.int16],
    examples: npt.NDArray[np.bool_],
) -> DocFacts:
    """One document per section in a searchable role (that was tokenised), by role."""
    chosen: list[tuple[int, int, int]] = []
    for position, record in enumerate(records):
        count = int(terms.first[position + 1] - terms.first[position])
        for number, section in enumerate(record.sections):
            if section.role in SECTION_ROLES and number < count:
                chosen.append((position, number, SECTION_ROLES.index(section.role)))
    rows = np.asarray(chosen, dtype=np.int64).reshape(-1, 3)
    owner = rows[:, 0]
    return DocFacts(
        owner,
        rows[:, 1].astype(np.int32),
        np.asarray(types)[owner].astype(np.int16),
        np.asarray(examples)[owner].astype(bool),
        rows[:, 2].astype(np.int8),
    ).by_role()


class Table:
    """One BM25 table over one or more parts, documents numbered through them in order."""

    def __init__(self, parts: Sequence[Part], record_offsets: Sequence[int] = (0,)) -> None:
        self.parts = list(parts)
        if len(self.parts) == 1 and record_offsets[0] == 0:
            self.facts = self.parts[0].facts
        else:
            shifted = [p.facts.shifted(o) for p, o in zip(self.parts, record_offsets, strict=True)]
            self.facts = DocFacts.joined(shifted)
        self.record_of = np.asarray(self.facts.record)
        self._firsts = np.cumsum([0] + [len(p.facts) for p in self.parts])

    def __len__(self) -> int:
        return int(self._firsts[-1])

    @property
    def ids(self) -> Sequence[IdArray]:
        """Every document's term ids."""
        return self.parts[0].docs if len(self.parts) == 1 else _Docs(self)

    def doc_ids(self, doc: int) -> IdArray:
        part = int(np.searchsorted(self._firsts, doc, side="right")) - 1
        return self.parts[part].docs[doc - int(self._firsts[part])]

    def scores(self, query: IdArray, within: Sequence[Span] | None = None) -> FloatArray:
        """BM25 score of every document (of the spans given, one per part, one after the
        other) for the query ids; zeros for an empty table."""
        spans = within or self.whole()
        found = [_part_scores(p, query, *span) for p, span in zip(self.parts, spans, strict=True)]
        return np.concatenate(found) if len(found) > 1 else found[0]

    def whole(self) -> list[Span]:
        return [(0, len(p.facts)) for p in self.parts]

    def spans(self, role: int) -> list[Span]:
        """Where each part's documents of a role are (a part's sections are ordered by role)."""
        found = []
        for part in self.parts:
            roles = part.facts.role
            found.append((int(np.searchsorted(roles, role)), int(np.searchsorted(roles, role + 1))))
        return found

    def cut(self, array: npt.NDArray[Any], within: Sequence[Span]) -> npt.NDArray[Any]:
        """A per-document array (numbered through the table) over the spans."""
        pieces = [
            array[int(first) + lo : int(first) + hi]
            for first, (lo, hi) in zip(self._firsts, within, strict=False)
        ]
        return pieces[0] if len(pieces) == 1 else np.concatenate(pieces)

    def numbers(self, local: Sequence[int], within: Sequence[Span]) -> list[int]:
        """Table document numbers of places in an array cut over the spans."""
        sizes = np.cumsum([0] + [hi - lo for lo, hi in within])
        found = []
        for i in local:
            part = int(np.searchsorted(sizes, i, side="right")) - 1
            found.append(int(self._firsts[part]) + within[part][0] + i - int(sizes[part]))
        return found

    def gather(self, docs: Sequence[int]) -> tuple[npt.NDArray[np.int64], IdArray]:
        """The distinct term ids of the given documents one after the other, and for each id
        its document's place in `docs` (array passes, no Python object per document)."""
        wanted = np.asarray(docs, dtype=np.int64)
        part_of = np.searchsorted(self._firsts, wanted, side="right") - 1
        owners, found = [], []
        for number, part in enumerate(self.parts):
            slots = np.flatnonzero(part_of == number)
            if len(slots):
                lengths, ids = part.distinct.take(wanted[slots] - int(self._firsts[number]))
                owners.append(np.repeat(slots, lengths))
                found.append(ids)
        if not found:
            return np.zeros(0, np.int64), np.zeros(0, np.int32)
        if len(found) == 1:
            return owners[0].astype(np.int64), found[0]
        order = np.argsort(np.concatenate(owners), kind="stable")  # main's and delta's in turn
        return np.concatenate(owners)[order].astype(np.int64), np.concatenate(found)[order]


def _part_scores(part: Part, query: IdArray, lo: int, hi: int) -> FloatArray:
    """bm25s's sum of the query terms' columns, term after term in float32 (the same scores
    to the bit), with a column's scores added by indexing: a column holds each document
    once, and this is faster than bm25s's np.add.at. Only documents lo..hi are scored: a
    column's documents are ascending, so theirs are a span of it."""
    if part.model is None:
        return np.zeros(0, dtype=np.float32)
    matrix = part.model.scores
    indptr, indices, data = matrix["indptr"], matrix["indices"], matrix["data"]
    scores = np.zeros(hi - lo, dtype=np.float32)
    whole = lo == 0 and hi == int(matrix["num_docs"])
    for term in query[query < len(indptr) - 1].tolist():
        start, end = int(indptr[term]), int(indptr[term + 1])
        if whole:
            scores[indices[start:end]] += data[start:end]
            continue
        a, b = (start + np.searchsorted(indices[start:end], (lo, hi))).tolist()
        scores[indices[a:b] - lo] += data[a:b]
    return scores


class _Docs(Items[IdArray]):
    def __init__(self, table: Table) -> None:
        self.table = table

    def __len__(self) -> int:
        return len(self.table)

    def item(self, i: int) -> IdArray:
        return self.table.doc_ids(i)
