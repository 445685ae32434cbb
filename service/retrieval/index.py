"""Find example speeches and sections for a brief: BM25 over jieba terms, same type first, MMR.

Two BM25 tables share one vocabulary: whole speeches (one document per record)
and sections (opening, achievements, problems, agenda, each point, closing), so
a section prompt can show sections rather than whole speeches. Scores are
rank_bm25's BM25Okapi, served by bm25s (see service.retrieval.bm25). The index keeps
every document's token ids; it is saved beside the corpus build
(service.retrieval.saved) and loading it tokenises nothing.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from service.corpus.records import CorpusRecord, RecordSection
from service.errors import RetrievalError
from service.retrieval.bm25 import fit_bm25
from service.schemas import Brief, BriefPoint
from service.text.segment import Segmenter

SECTION_ROLES = ("opening", "achievements", "problems", "agenda", "point", "closing")
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


@dataclass(frozen=True)
class DocRef:
    """Which record (position in the index) and which section (-1: the whole speech)."""

    record: int
    section: int


class Table:
    """One BM25 matrix with its documents' token ids and the facts searches filter on."""

    def __init__(
        self, refs: list[DocRef], ids: list[IdArray], vocab_size: int, bm25: Any = None
    ) -> None:
        self.refs = refs
        self.ids = ids
        self.record_of = np.fromiter((ref.record for ref in refs), dtype=np.int64, count=len(refs))
        self.bm25 = bm25 if bm25 is not None or not refs else fit_bm25(ids, vocab_size)
        self._sets: dict[int, frozenset[int]] = {}

    def __len__(self) -> int:
        return len(self.refs)

    def scores(self, query: IdArray) -> FloatArray:
        """BM25 score of every document for the query ids (zeros for an empty table)."""
        if not self.refs:
            return np.zeros(0, dtype=np.float32)
        query = query[query < self.bm25.scores["indptr"].shape[0] - 1]
        return np.asarray(self.bm25.get_scores_from_ids(query), dtype=np.float32)

    def term_set(self, doc: int) -> frozenset[int]:
        """The document's distinct term ids (cached: MMR compares them often)."""
        found = self._sets.get(doc)
        if found is None:
            found = self._sets[doc] = frozenset(self.ids[doc].tolist())
        return found


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
    score: float
    same_type: bool
    relevance: float = 0.0
    similarity: float = 0.0
    picked_penalty: float = field(default=0.0)


class CorpusIndex:
    """The searchable corpus: records, their cached term ids, and the two BM25 tables."""

    def __init__(
        self,
        records: list[CorpusRecord],
        encoded: list[EncodedRecord],
        vocab: Vocabulary,
        *,
        segmenter: Segmenter,
        signature: str | None = None,
        tables: tuple[Table, Table] | None = None,
        type_names: dict[str, str] | None = None,
    ) -> None:
        self.records = records
        self.encoded = encoded
        self.vocab = vocab
        self.segmenter = segmenter
        self.signature = signature or segmenter.signature
        self.type_names = type_names or {}
        self.speeches, self.sections = tables or build_tables(records, encoded, len(vocab.terms))
        self._positions = {record.id: i for i, record in enumerate(records)}
        self._refresh()

    def _refresh(self) -> None:
        """Per-document facts searches filter on, as arrays so a search stays vectorised."""
        self._type_codes = {
            t: i for i, t in enumerate(sorted({r.speech_type or "" for r in self.records}))
        }
        codes = [self._type_codes[r.speech_type] if r.speech_type else -1 for r in self.records]
        self._types = np.asarray(codes, dtype=np.int16)
        self._examples = np.asarray([r.is_example for r in self.records], dtype=bool)
        roles = [self._section(ref).role for ref in self.sections.refs]
        self._section_roles = np.asarray(roles, dtype=object)
        self._excluded = np.zeros(len(self.records), dtype=bool)

    def excluding(self, record_ids: Iterable[str]) -> CorpusIndex:
        """A read-only view whose searches never return these records (leave-one-out evals).

        The view shares records and BM25 tables with this index; add records to the index,
        not to a view.
        """
        unwanted = frozenset(record_ids)
        view = copy.copy(self)
        view._excluded = np.asarray([r.id in unwanted for r in self.records], dtype=bool)
        return view

    @classmethod
    def from_records(cls, records: Iterable[CorpusRecord], segmenter: Segmenter) -> CorpusIndex:
        """Tokenise and index records (later records replace earlier ones with the same id)."""
        unique = list({record.id: record for record in records}.values())
        vocab = Vocabulary()
        encoded = [encode_record(r, segmenter, vocab) for r in unique]
        return cls(unique, encoded, vocab, segmenter=segmenter)

    def get(self, record_id: str) -> CorpusRecord | None:
        """The record with this id, if indexed."""
        position = self._positions.get(record_id)
        return None if position is None else self.records[position]

    def add(self, record: CorpusRecord) -> None:
        """Add or replace one record: only it is tokenised, the BM25 matrices are refitted."""
        encoded = encode_record(record, self.segmenter, self.vocab)
        position = self._positions.get(record.id)
        if position is None:
            self._positions[record.id] = len(self.records)
            self.records.append(record)
            self.encoded.append(encoded)
        else:
            self.records[position], self.encoded[position] = record, encoded
        size = len(self.vocab.terms)
        self.speeches, self.sections = build_tables(self.records, self.encoded, size)
        self._refresh()

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
        return [(self.records[self.speeches.refs[i].record].id, float(scores[i])) for i in order]

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
        mask = self._record_mask(self.speeches, examples_only)
        return self._rank(self.speeches, query, mask, speech_type, k, diversity)

    def search_sections(
        self,
        query: str,
        role: str,
        *,
        speech_type: str | None = None,
        k: int = 3,
        diversity: float = DEFAULT_DIVERSITY,
    ) -> list[Hit]:
        """Sections of example speeches in the given role (or its fallback) matching the query."""
        if role not in SECTION_ROLES:
            raise RetrievalError(f"未知的段落角色“{role}”；可用：{'、'.join(SECTION_ROLES)}")
        examples = self._record_mask(self.sections, examples_only=True)
        for wanted in (role, SECTION_FALLBACK.get(role)):
            mask = examples & (self._section_roles == wanted)
            if wanted is not None and mask.any():
                return self._rank(self.sections, query, mask, speech_type, k, diversity)
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

    def _section(self, ref: DocRef) -> RecordSection:
        return self.records[ref.record].sections[ref.section]

    def _record_mask(self, table: Table, examples_only: bool) -> npt.NDArray[np.bool_]:
        kept: npt.NDArray[np.bool_] = ~self._excluded[table.record_of]
        if examples_only:
            kept &= self._examples[table.record_of]
        return kept

    def _rank(
        self,
        table: Table,
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
        scores = table.scores(ids)
        pool = self._pool(table, scores, mask, speech_type, k)
        chosen = _mmr(table, pool, k, diversity)
        return [self._hit(table, c, known) for c in chosen]

    def _pool(
        self,
        table: Table,
        scores: FloatArray,
        mask: npt.NDArray[np.bool_],
        speech_type: str | None,
        k: int,
    ) -> list[_Candidate]:
        """The best candidates: same type first, then by score; unmatched others are left out."""
        if speech_type is None:
            same = np.zeros(len(table), dtype=bool)
        else:
            code = self._type_codes.get(speech_type, -2)
            same = self._types[table.record_of] == code
        eligible = mask & ((scores > 0) | same)
        # Same type ranks above any score: a tier, not a boost (float64 keeps the scores exact).
        keys = np.where(eligible, scores.astype(np.float64) + np.where(same, 1e9, 0.0), -1.0)
        order = [int(i) for i in _best(keys, max(_POOL_MIN, 4 * k)) if eligible[i]]
        return [_Candidate(i, float(scores[i]), bool(same[i])) for i in order]

    def _hit(self, table: Table, chosen: _Candidate, known: list[str]) -> Hit:
        ref = table.refs[chosen.doc]
        terms = table.term_set(chosen.doc)
        present = [t for t in known if self.vocab.ids[t] in terms]
        return Hit(
            record=self.records[ref.record],
            section_index=None if ref.section < 0 else ref.section,
            score=chosen.score,
            same_type=chosen.same_type,
            matched=tuple(present[:_MATCHED_SHOWN]),
            similarity=round(chosen.similarity, 4),
            penalty=round(chosen.picked_penalty, 4),
            type_name=self.type_names.get(self.records[ref.record].speech_type or "", ""),
            terms=frozenset(present),
        )


def _best(values: npt.NDArray[Any], n: int) -> list[int]:
    """Indices of the n largest values, largest first, ties in document order."""
    if n >= len(values):
        return [int(i) for i in np.argsort(-values, kind="stable")]
    top = np.argpartition(-values, n)[:n]
    return [int(i) for i in top[np.lexsort((top, -values[top]))]]


def _mmr(table: Table, pool: list[_Candidate], k: int, diversity: float) -> list[_Candidate]:
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
            picked = table.term_set(best.doc)
            for c in remaining:  # only the newest pick can raise a candidate's similarity
                c.similarity = max(c.similarity, jaccard(table.term_set(c.doc), picked))
    return chosen


def encode_record(record: CorpusRecord, segmenter: Segmenter, vocab: Vocabulary) -> EncodedRecord:
    """Tokenise a record and turn its terms into ids, growing the vocabulary."""
    return EncodedRecord([vocab.encode(t, grow=True) for t in tokenise_record(record, segmenter)])


Documents = tuple[list[DocRef], list[IdArray], list[DocRef], list[IdArray]]


def documents(records: list[CorpusRecord], encoded: list[EncodedRecord]) -> Documents:
    """(refs, ids) of the speech table, then of the section table, from cached term ids."""
    speech_refs, speech_ids, section_refs, section_ids = [], [], [], []
    for position, (record, codes) in enumerate(zip(records, encoded, strict=True)):
        speech_refs.append(DocRef(position, -1))
        speech_ids.append(codes.speech())
        for number, section in enumerate(record.sections):
            if section.role in SECTION_ROLES and number < len(codes.sections):
                section_refs.append(DocRef(position, number))
                section_ids.append(codes.sections[number])
    return speech_refs, speech_ids, section_refs, section_ids


def _mmr_score(candidate: _Candidate, diversity: float) -> float:
    return (1 - diversity) * candidate.relevance - diversity * candidate.similarity


def build_tables(
    records: list[CorpusRecord], encoded: list[EncodedRecord], vocab_size: int
) -> tuple[Table, Table]:
    """Both BM25 tables fitted from cached term ids: no tokenisation here."""
    speech_refs, speech_ids, section_refs, section_ids = documents(records, encoded)
    return (
        Table(speech_refs, speech_ids, vocab_size),
        Table(section_refs, section_ids, vocab_size),
    )


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
