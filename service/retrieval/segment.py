"""A segment: records, their term ids and both tables fitted over them.

An index is one main segment (saved, mapped from disk) and at most one small delta of the
records added since, fitted with the main's statistics so its scores match the main's:
adding a document refits the delta, not the corpus, until the delta outgrows its share
and both are merged (compacted) into a new main.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from service.corpus.records import CorpusRecord
from service.retrieval.lazy import Chained
from service.retrieval.ragged import Terms
from service.retrieval.table import (
    DocFacts,
    Part,
    fit_part,
    section_facts,
    speech_facts,
)

# Below this many records a full refit is cheap (well under a second): always compact, so a
# small corpus scores exactly as a full rebuild would.
COMPACT_BELOW = 2_000
# A delta above this share of the main is merged into it.
DELTA_SHARE = 0.02


class TypeCodes:
    """Speech type ↔ small integer code, for vectorised filters (-1: no type)."""

    def __init__(self, names: Sequence[str] = ()) -> None:
        self.names: list[str] = list(names)
        self.codes = {name: i for i, name in enumerate(self.names)}

    def code(self, name: str | None) -> int:
        if not name:
            return -1
        found = self.codes.get(name)
        if found is None:
            found = self.codes[name] = len(self.names)
            self.names.append(name)
        return found


@dataclass
class Segment:
    """Records with their term ids and both tables; `name` is the saved main's id."""

    records: Sequence[CorpusRecord]
    terms: Terms
    speeches: Part
    sections: Part
    name: str = ""

    def __len__(self) -> int:
        return len(self.records)


def segment_facts(
    records: Sequence[CorpusRecord], terms: Terms, types: TypeCodes
) -> tuple[DocFacts, DocFacts]:
    """The facts of both tables' documents, read from parsed records."""
    codes = np.asarray([types.code(r.speech_type) for r in records], dtype=np.int16)
    examples = np.asarray([r.is_example for r in records], dtype=bool)
    return speech_facts(codes, examples), section_facts(records, terms, codes, examples)


def fit_segment(
    records: Sequence[CorpusRecord],
    terms: Terms,
    types: TypeCodes,
    vocab_size: int,
    base: Segment | None = None,
) -> Segment:
    """Fit both tables; with a base, idf and mean length count the base's documents too."""
    speeches, sections = segment_facts(records, terms, types)
    stats = (None, None) if base is None else (base.speeches.stats(), base.sections.stats())
    return Segment(
        records,
        terms,
        fit_part(terms, speeches, vocab_size, speeches=True, base=stats[0]),
        fit_part(terms, sections, vocab_size, speeches=False, base=stats[1]),
    )


def compact(main: Segment, delta: Segment, vocab_size: int) -> Segment:
    """One segment of both, refitted from their term ids and facts (no record is parsed)."""
    terms = main.terms.plus(delta.terms)
    n = len(main)

    def joined(a: Part, b: Part) -> DocFacts:
        return DocFacts.joined([a.facts, b.facts.shifted(n)])

    speeches = joined(main.speeches, delta.speeches)
    sections = joined(main.sections, delta.sections).by_role()
    return Segment(
        Chained(main.records, delta.records),
        terms,
        fit_part(terms, speeches, vocab_size, speeches=True),
        fit_part(terms, sections, vocab_size, speeches=False),
    )


def compaction_due(main: int, delta: int) -> bool:
    """Whether a delta of this many records should be merged into a main of that many."""
    return main + delta <= COMPACT_BELOW or delta > DELTA_SHARE * main
