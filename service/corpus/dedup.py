"""Near-duplicate detection: character 5-gram shingles, Jaccard and containment.

Candidates come from an inverted index over a fixed sample of each document's
shingles (those whose hash is 0 mod 8), so a new document is compared in full
only with the few earlier ones that share sampled shingles. Punctuation and
spaces are ignored, so copies that differ only in them are exact duplicates.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

SHINGLE = 5
SAMPLE_MOD = 8
JACCARD_MIN = 0.8
# A copy cut short (or padded) is contained in the other: share of the smaller one.
CONTAINMENT_MIN = 0.9
CONTAINMENT_MIN_SHINGLES = 100
# A candidate must share this share of the smaller sample before a full comparison.
_CANDIDATE_SHARE = 0.5
_NOT_TEXT = re.compile(r"[\W_]+")


@dataclass(frozen=True)
class Duplicate:
    """A document found to be the same text as an earlier one."""

    record_id: str
    original_id: str
    jaccard: float
    containment: float

    def describe(self) -> str:
        """One line for flags and the summary."""
        return (
            f"near-duplicate of {self.original_id} "
            f"(Jaccard {self.jaccard:.2f}, containment {self.containment:.2f})"
        )


def shingles(text: str) -> frozenset[int]:
    """Hashes of the character 5-grams of a text, punctuation and spaces removed."""
    chars = _NOT_TEXT.sub("", text)
    if len(chars) <= SHINGLE:
        return frozenset([hash(chars)]) if chars else frozenset()
    return frozenset(hash(chars[i : i + SHINGLE]) for i in range(len(chars) - SHINGLE + 1))


@dataclass
class ShingleIndex:
    """Documents seen so far; `check_and_add` finds the earliest near-duplicate of a new one."""

    _ids: list[str] = field(default_factory=list)
    _sets: list[frozenset[int]] = field(default_factory=list)
    _sample_sizes: list[int] = field(default_factory=list)
    _postings: dict[int, list[int]] = field(default_factory=dict)

    def check_and_add(self, record_id: str, text: str) -> Duplicate | None:
        """Compare with every earlier document that could match, then index this one."""
        current = shingles(text)
        sample = _sample(current)
        found = self._best_match(record_id, current, sample)
        position = len(self._ids)
        self._ids.append(record_id)
        self._sets.append(current)
        self._sample_sizes.append(len(sample))
        for value in sample:
            self._postings.setdefault(value, []).append(position)
        return found

    def _best_match(
        self, record_id: str, current: frozenset[int], sample: frozenset[int]
    ) -> Duplicate | None:
        shared: Counter[int] = Counter()
        for value in sample:
            shared.update(self._postings.get(value, ()))
        for position, count in sorted(shared.items()):
            if count < _CANDIDATE_SHARE * min(len(sample), self._sample_sizes[position]):
                continue
            duplicate = _compare(record_id, self._ids[position], current, self._sets[position])
            if duplicate is not None:
                return duplicate
        return None


def _sample(values: frozenset[int]) -> frozenset[int]:
    """The shingles kept in the index; all of them for very short texts."""
    kept = frozenset(v for v in values if v % SAMPLE_MOD == 0)
    return kept or values


def _compare(
    record_id: str, original_id: str, a: frozenset[int], b: frozenset[int]
) -> Duplicate | None:
    common = len(a & b)
    if not common:
        return None
    jaccard = common / len(a | b)
    smaller = min(len(a), len(b))
    containment = common / smaller
    contained = containment >= CONTAINMENT_MIN and smaller >= CONTAINMENT_MIN_SHINGLES
    if jaccard >= JACCARD_MIN or contained:
        return Duplicate(record_id, original_id, jaccard, containment)
    return None
