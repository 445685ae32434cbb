"""Find example speeches and sections for a brief: BM25 over jieba terms, same type first, MMR.

Two BM25 tables share one vocabulary: whole speeches (one document per record)
and sections (opening, achievements, problems, agenda, each point, closing), so
a section prompt can show sections rather than whole speeches. Scores are
rank_bm25's BM25Okapi, served by bm25s (see service.retrieval.bm25). The index keeps
every document's token ids; it is saved beside the corpus build
(service.retrieval.saved), loading it maps arrays from disk and tokenises or parses nothing,
and a record is parsed only when a search returns it. Added records go to a small delta
segment beside the main one (service.retrieval.segment).
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from service.corpus.records import CorpusRecord, RecordSection
from service.errors import RetrievalError
from service.retrieval.lazy import Chained
from service.retrieval.overlap import Overlap
from service.retrieval.ragged import Terms
from service.retrieval.segment import (
    Segment,
    TypeCodes,
    compact,
    compaction_due,
    fit_segment,
)
from service.retrieval.table import SECTION_ROLES, Span, Table
from service.schemas import Brief, BriefPoint
from service.text.segment import Segmenter

__all__ = ["SECTION_ROLES", "CorpusIndex", "Hit", "Table"]
# Corpora that do not tell achievements, problems or agenda apart keep them in the opening.
SECTION_FALLBACK = {"achievements": "opening", "problems": "opening", "agenda": "opening"}
DEFAULT_DIVERSITY = 0.4  # MMR: 1 - lambda; near-copies lose to a different document
_POOL_MIN = 20  # candidates MMR chooses from, at least
_MATCHED_SHOWN = 6

IdArray = npt.NDArray[np.int32]
FloatArray = npt.NDArray[np.float32]


@dataclass
class EncodedRecord:
    """A record's term ids, one array per section (each section is tokenised once)."""

    sections: list[IdArray]

    def speech(self) -> IdArray:
        """The whole record's term ids."""
        return np.concatenate(self.sections) if self.sections else np.zeros(0, np.int32)


def section_text(section: RecordSection) -> str:
    """What a section document contains: its heading and its text."""
    return f"{section.heading}\n{section.text}" if section.heading else section.text


def tokenise_record(record: CorpusRecord, segmenter: Segmenter) -> list[list[str]]:
    """Index terms of every section of a record (of its text when it has no sections)."""
    texts = [section_text(s) for s in record.sections] or [record.text]
    return [segmenter.tokens(text) for text in texts]


class Vocabulary:
    """Term ↔ id, shared by both tables; ids are dense from 0."""

    def __init__(self, terms: Iterable[str] = ()) -> None:
        self.terms: list[str] = []
        self.ids: dict[str, int] = {}
        for term in terms:
            self.add(term)

    def add(self, term: str) -> int:
        found = self.ids.get(term)
        if found is None:
            found = self.ids[term] = len(self.terms)
            self.terms.append(term)
        return found

    def encode(self, tokens: Sequence[str], *, grow: bool = False) -> IdArray:
        """Token ids; unknown tokens are added (grow) or dropped (queries)."""
        if grow:
            return np.fromiter((self.add(t) for t in tokens), dtype=np.int32)
        ids = [self.ids[t] for t in tokens if t in self.ids]
        return np.asarray(ids, dtype=np.int32)


def jaccard(a: frozenset[int], b: frozenset[int]) -> float:
    """Jaccard similarity of two sets of term ids."""
    if not a or not b:
        return 0.0
    common = len(a & b)
    return common / (len(a) + len(b) - common)


@dataclass(frozen=True)
class Hit:
    """One search result: the record (and section), its BM25 score and why it was chosen."""

    record: CorpusRecord
    section_index: int | None
    score: float
    same_type: bool
    matched: tuple[str, ...]
    similarity: float  # highest Jaccard similarity to a result ranked above it
    penalty: float  # what MMR subtracted for that similarity
    type_name: str = ""  # the record's speech type in Chinese, when the index knows it
    terms: frozenset[str] = frozenset()  # every query term the document has (matched: a few)

    @property
    def section(self) -> RecordSection | None:
        return None if self.section_index is None else self.record.sections[self.section_index]

    @property
    def why(self) -> str:
        """A one-line reason in Chinese: same type, matched terms, MMR penalty."""
        parts = []
        if self.same_type and self.record.speech_type is not None:
            parts.append(f"同类型（{self.type_name or self.record.speech_type}）")
        parts.append("命中：" + ("、".join(self.matched) if self.matched else "无"))
        if self.similarity > 0:
            parts.append(f"与前面结果相似度{self.similarity:.2f}（MMR扣{self.penalty:.2f}）")
        return "；".join(parts)

    def as_json(self) -> dict[str, Any]:
        """The CLI/API shape: id, source, title, kind, speech_type, score, why (+ section)."""
        out: dict[str, Any] = {
            "id": self.record.id,
            "source": self.record.source,
            "title": self.record.title,
            "kind": self.record.kind,
            "speech_type": self.record.speech_type,
            "score": round(self.score, 4),
            "why": self.why,
        }
        if self.section is not None:
            out["section"] = {"role": self.section.role, "heading": self.section.heading}
        return out


@dataclass
class _Candidate:
    doc: int
    slot: int  # its place in the pool
    score: float
    same_type: bool
    relevance: float = 0.0
    similarity: float = 0.0
    picked_penalty: float = field(default=0.0)


class CorpusIndex:
    """The searchable corpus: a main segment (and the delta added since), one vocabulary."""

    def __init__(
        self,
        main: Segment,
        vocab: Vocabulary,
        types: TypeCodes,
        *,
        segmenter: Segmenter,
        signature: str | None = None,
        delta: Segment | None = None,
        type_names: dict[str, str] | None = None,
        record_ids: Callable[[], list[str]] | None = None,
    ) -> None:
        self.main, self.delta = main, delta
        self.vocab = vocab
        self.types = types
        self.segmenter = segmenter
        self.signature = signature or segmenter.signature
        self.type_names = type_names or {}
        self._main_ids = record_ids
        self._positions: dict[str, int] | None = None
        self._assemble()

    def _assemble(self) -> None:
        """Tables over the main segment and the delta; per-document facts stay arrays."""
        segments = [self.main] if self.delta is None else [self.main, self.delta]
        offsets = [0, len(self.main)][: len(segments)]
        self.records: Sequence[CorpusRecord] = (
            self.main.records
            if self.delta is None
            else Chained(self.main.records, self.delta.records)
        )
        self.speeches = Table([s.speeches for s in segments], offsets)
        self.sections = Table([s.sections for s in segments], offsets)
        self._excluded: npt.NDArray[np.bool_] | None = None

    def adopt(self, other: CorpusIndex) -> None:
        """Serve from another index of the same records (the saved copy, mapped from disk)."""
        self.main, self.delta, self._main_ids = other.main, other.delta, other._main_ids
        self.vocab, self.types = other.vocab, other.types
        self._positions = None
        self._assemble()

    def record_ids(self) -> list[str]:
        """Every record's id, in index order (a saved index reads them without the records)."""
        head = self._main_ids() if self._main_ids else [r.id for r in self.main.records]
        return head + [r.id for r in (self.delta.records if self.delta else [])]

    def excluding(self, record_ids: Iterable[str]) -> CorpusIndex:
        """A read-only view whose searches never return these records (leave-one-out evals).

        The view shares records and BM25 tables with this index; add records to the index,
        not to a view.
        """
        unwanted = frozenset(record_ids)
        view = copy.copy(self)
        view._excluded = np.asarray([i in unwanted for i in self.record_ids()], dtype=bool)
        return view

    @classmethod
    def from_records(cls, records: Iterable[CorpusRecord], segmenter: Segmenter) -> CorpusIndex:
        """Tokenise and index records (later records replace earlier ones with the same id)."""
        unique = list({record.id: record for record in records}.values())
        vocab = Vocabulary()
        encoded = [encode_record(r, segmenter, vocab) for r in unique]
        return cls.fitted(unique, encoded, vocab, segmenter=segmenter)

    @classmethod
    def fitted(
        cls,
        records: Sequence[CorpusRecord],
        encoded: Sequence[EncodedRecord],
        vocab: Vocabulary,
        *,
        segmenter: Segmenter,
    ) -> CorpusIndex:
        """An index of records whose term ids are known: only the tables are fitted."""
        types = TypeCodes()
        terms = Terms.of([e.sections for e in encoded])
        main = fit_segment(records, terms, types, len(vocab.terms))
        return cls(main, vocab, types, segmenter=segmenter)

    def get(self, record_id: str) -> CorpusRecord | None:
        """The record with this id, if indexed."""
        position = self._position(record_id)
        return None if position is None else self.records[position]

    def _position(self, record_id: str) -> int | None:
        if self._positions is None:
            self._positions = {i: n for n, i in enumerate(self.record_ids())}
        return self._positions.get(record_id)

    def terms_of(self, position: int) -> EncodedRecord:
        """A record's cached term ids."""
        n = len(self.main)
        if position < n:
            return EncodedRecord(self.main.terms.record(position))
        assert self.delta is not None
        return EncodedRecord(self.delta.terms.record(position - n))

    def add(self, record: CorpusRecord) -> None:
        """Add or replace one record: only it is tokenised. A new record joins the delta,
        whose tables alone are refitted; a replaced one, or a delta grown past its share,
        refits everything (see service.retrieval.segment)."""
        encoded = encode_record(record, self.segmenter, self.vocab)
        size = len(self.vocab.terms)
        position = self._position(record.id)
        if position is not None:
            records = list(self.records)
            records[position] = record
            cached = [self.terms_of(i).sections for i in range(len(records))]
            cached[position] = encoded.sections
            self.main = fit_segment(records, Terms.of(cached), self.types, size)
            self.delta, self._main_ids = None, None
        else:
            added = [*(self.delta.records if self.delta else []), record]
            terms = Terms.of([encoded.sections])
            terms = self.delta.terms.plus(terms) if self.delta else terms
            delta = fit_segment(added, terms, self.types, size, base=self.main)
            if compaction_due(len(self.main), len(added)):
                ids = [*self.record_ids(), record.id]
                self.main, self.delta = compact(self.main, delta, size), None
                self._main_ids = lambda: ids
            else:
                self.delta = delta
            if self._positions is not None:  # records keep their places; this one is last
                total = len(self.main) + (len(self.delta) if self.delta else 0)
                self._positions[record.id] = total - 1
        self._assemble()

    def query_ids(self, text: str) -> tuple[IdArray, list[str]]:
        """Query term ids (repeats kept, as BM25 weighs them) and the distinct known terms."""
        tokens = self.segmenter.tokens(text)
        ids = self.vocab.encode(tokens)
        known = list(dict.fromkeys(t for t in tokens if t in self.vocab.ids))
        return ids, known

    def top_k(self, query: str, k: int = 5) -> list[tuple[str, float]]:
        """Plain BM25 over whole records, no filter or MMR: (record id, score), best first."""
        ids, _ = self.query_ids(query)
        scores = self.speeches.scores(ids)
        order = _best(scores, k)
        return [(self.records[int(self.speeches.record_of[i])].id, float(scores[i])) for i in order]

    def search(
        self,
        query: str,
        *,
        speech_type: str | None = None,
        k: int = 5,
        examples_only: bool = True,
        diversity: float = DEFAULT_DIVERSITY,
    ) -> list[Hit]:
        """Whole speeches for a query: same type first, news and duplicates never as examples."""
        within = self.speeches.whole()
        mask = self._record_mask(self.speeches, examples_only, within)
        return self._rank(self.speeches, within, query, mask, speech_type, k, diversity)

    def search_sections(
        self,
        query: str,
        role: str,
        *,
        speech_type: str | None = None,
        k: int = 3,
        diversity: float = DEFAULT_DIVERSITY,
    ) -> list[Hit]:
        """Sections of example speeches in the given role (or its fallback) matching the query:
        only that role's documents are scored."""
        if role not in SECTION_ROLES:
            raise RetrievalError(f"未知的段落角色“{role}”；可用：{'、'.join(SECTION_ROLES)}")
        for wanted in (role, SECTION_FALLBACK.get(role)):
            if wanted is None:
                continue
            within = self.sections.spans(SECTION_ROLES.index(wanted))
            mask = self._record_mask(self.sections, True, within)
            if mask.any():
                return self._rank(self.sections, within, query, mask, speech_type, k, diversity)
        return []

    def search_brief(self, brief: Brief, *, k: int = 3) -> list[Hit]:
        """Example speeches for a brief."""
        return self.search(brief_query(brief), speech_type=brief.speech_type, k=k)

    def sections_for(
        self, brief: Brief, role: str, *, point: BriefPoint | None = None, k: int = 2
    ) -> list[Hit]:
        """Example sections for one part of the speech drafted from the brief."""
        query = section_query(brief, role, point)
        return self.search_sections(query, role, speech_type=brief.speech_type, k=k)

    def _record_mask(
        self, table: Table, examples_only: bool, within: Sequence[Span]
    ) -> npt.NDArray[np.bool_]:
        """Which documents of the spans may be returned."""
        if examples_only:
            kept: npt.NDArray[np.bool_] = np.array(table.cut(table.facts.example, within), bool)
        else:
            kept = np.ones(sum(hi - lo for lo, hi in within), dtype=bool)
        if self._excluded is not None:
            kept &= ~self._excluded[table.cut(table.record_of, within)]
        return kept

    def _rank(
        self,
        table: Table,
        within: Sequence[Span],
        query: str,
        mask: npt.NDArray[np.bool_],
        speech_type: str | None,
        k: int,
        diversity: float,
    ) -> list[Hit]:
        if k < 1:
            raise RetrievalError("k 必须是正整数")
        if not 0.0 <= diversity < 1.0:
            raise RetrievalError("diversity 必须在 0 到 1 之间（不含 1）")
        ids, known = self.query_ids(query)
        scores = table.scores(ids, within)
        same = self._same_type(table, within, speech_type)
        order = _pool(scores, mask, same, max(_POOL_MIN, 4 * k))
        docs = table.numbers(order, within)
        pool = [
            _Candidate(doc, n, float(scores[i]), bool(same[i]))
            for n, (doc, i) in enumerate(zip(docs, order, strict=True))
        ]
        overlap = Overlap(*table.gather(docs), len(pool))
        chosen = _mmr(pool, overlap, k, diversity)
        return [self._hit(table, c, known, overlap) for c in chosen]

    def _same_type(
        self, table: Table, within: Sequence[Span], speech_type: str | None
    ) -> npt.NDArray[np.bool_]:
        if speech_type is None:
            return np.zeros(sum(hi - lo for lo, hi in within), dtype=bool)
        code = self.types.codes.get(speech_type, -2)
        same: npt.NDArray[np.bool_] = table.cut(table.facts.type, within) == code
        return same

    def _hit(self, table: Table, chosen: _Candidate, known: list[str], overlap: Overlap) -> Hit:
        record = self.records[int(table.record_of[chosen.doc])]
        section = int(table.facts.section[chosen.doc])
        terms = set(overlap.terms(chosen.slot).tolist())
        present = [t for t in known if self.vocab.ids[t] in terms]
        return Hit(
            record=record,
            section_index=None if section < 0 else section,
            score=chosen.score,
            same_type=chosen.same_type,
            matched=tuple(present[:_MATCHED_SHOWN]),
            similarity=round(chosen.similarity, 4),
            penalty=round(chosen.picked_penalty, 4),
            type_name=self.type_names.get(record.speech_type or "", ""),
            terms=frozenset(present),
        )


def _pool(
    scores: FloatArray, mask: npt.NDArray[np.bool_], same: npt.NDArray[np.bool_], n: int
) -> list[int]:
    """The best n candidates: same type first, then by score; unmatched others are left out.
    Same type is a tier, not a boost: with n of them allowed, no other is looked at."""
    tier = np.flatnonzero(mask & same)
    if len(tier) >= n:
        return [int(i) for i in tier[_best(scores[tier], n)]]
    others = np.flatnonzero(mask & ~same & (scores > 0))
    found = [int(i) for i in tier[_best(scores[tier], len(tier))]]
    return found + [int(i) for i in others[_best(scores[others], n - len(found))]]


def _best(values: npt.NDArray[Any], n: int) -> list[int]:
    """Indices of the n largest values, largest first, ties in index order."""
    if n >= len(values):
        return [int(i) for i in np.argsort(-values, kind="stable")]
    if n <= 0:
        return []
    kth = np.partition(values, len(values) - n)[len(values) - n]  # the n-th largest
    above = np.flatnonzero(values > kth)
    top = np.concatenate([above, np.flatnonzero(values == kth)[: n - len(above)]])
    return [int(i) for i in top[np.lexsort((top, -values[top]))]]


def _mmr(pool: list[_Candidate], overlap: Overlap, k: int, diversity: float) -> list[_Candidate]:
    """Maximal marginal relevance: relevance (same type adds 1) minus similarity to the chosen."""
    top = max((c.score for c in pool), default=0.0)
    for c in pool:
        c.relevance = (1.0 if c.same_type else 0.0) + (c.score / top if top > 0 else 0.0)
    chosen: list[_Candidate] = []
    remaining = list(pool)
    while remaining and len(chosen) < k:
        best = max(remaining, key=lambda c: _mmr_score(c, diversity))
        best.picked_penalty = diversity * best.similarity
        chosen.append(best)
        remaining.remove(best)
        if diversity > 0 and len(chosen) < k:
            similar = overlap.similarity(best.slot).tolist()
            for c in remaining:  # only the newest pick can raise a candidate's similarity
                c.similarity = max(c.similarity, similar[c.slot])
    return chosen


def encode_record(record: CorpusRecord, segmenter: Segmenter, vocab: Vocabulary) -> EncodedRecord:
    """Tokenise a record and turn its terms into ids, growing the vocabulary."""
    return EncodedRecord([vocab.encode(t, grow=True) for t in tokenise_record(record, segmenter)])


def _mmr_score(candidate: _Candidate, diversity: float) -> float:
    return (1 - diversity) * candidate.relevance - diversity * candidate.similarity


def brief_query(brief: Brief) -> str:
    """The words of a brief that say what the speech is about."""
    parts = [brief.meeting, brief.purpose or "", *brief.achievements, *brief.problems]
    for point in brief.points:
        parts += [point.title, *point.details]
    parts += brief.required_phrases
    return "\n".join(p for p in parts if p)


def section_query(brief: Brief, role: str, point: BriefPoint | None = None) -> str:
    """The words of a brief that one section is about; the whole brief when none are specific."""
    if role == "point" and point is not None:
        return "\n".join([point.title, *point.details])
    specific = {
        "achievements": brief.achievements,
        "problems": brief.problems,
        "agenda": [f"{item.speaker} {item.topic}" for item in brief.agenda],
    }.get(role, [])
    return "\n".join(specific) if specific else brief_query(brief)
