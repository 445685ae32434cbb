"""Near-duplicate detection: character 5-gram shingles, Jaccard and containment.

Shingles are hashed with numpy (a polynomial hash of the code points, then a
multiplicative mix) into sorted arrays, so comparing two documents is one
`intersect1d`. Candidates come from an inverted index over a fixed sample of
each document's shingles (about one in eight, chosen by hash). Only originals
are indexed (a copy points at the first). Candidates are counted over the new
document's rarest indexed shingles only, since a copy shares its rare shingles
with its original while common phrases are shared with everyone, and only the
best few candidates are compared in full: the cost per document stays small
however templated the speeches. Punctuation and spaces are ignored: copies
that differ only in them are equal.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

SHINGLE = 5
JACCARD_MIN = 0.8
# A copy cut short is contained in the other: share of the smaller one, which must
# still be a good part of the larger (a paragraph quoted in a long text is no copy).
CONTAINMENT_MIN = 0.9
CONTAINMENT_MIN_SHINGLES = 100
CONTAINMENT_MIN_RATIO = 0.5
# Candidates are counted over this many of the rarest sampled shingles; one must be
# in this share of them, and only the best few are compared in full.
_PROBES = 32
_CANDIDATE_SHARE = 0.5
_MAX_CANDIDATES = 5
_SAMPLE_SHIFT = np.uint64(61)  # keep hashes whose top three bits are 0: one in eight
_PRIME = np.uint64(1_000_003)
_MIX = np.uint64(0x9E3779B97F4A7C15)
_NOT_TEXT = re.compile(r"[\W_]+")

Hashes = npt.NDArray[np.uint64]


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
            f"与 {self.original_id} 近似重复"
            f"（Jaccard {self.jaccard:.2f}，包含度 {self.containment:.2f}）"
        )


def shingles(text: str) -> Hashes:
    """Sorted unique hashes of the character 5-grams of a text, punctuation and spaces removed."""
    chars = _NOT_TEXT.sub("", text)
    codes = np.frombuffer(chars.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    count = max(len(codes) - SHINGLE + 1, 1 if len(codes) else 0)
    hashes = np.zeros(count, dtype=np.uint64)
    for offset in range(min(SHINGLE, len(codes))):
        hashes = hashes * _PRIME + codes[offset : offset + count]
    return np.unique(hashes * _MIX)


@dataclass
class ShingleIndex:
    """Documents seen so far; `check_and_add` finds the earliest near-duplicate of a new one."""

    _ids: list[str] = field(default_factory=list)
    _sets: list[Hashes] = field(default_factory=list)
    _postings: dict[int, list[int]] = field(default_factory=dict)

    def check_and_add(self, record_id: str, text: str) -> Duplicate | None:
        """Find the earliest indexed original this text copies; index the text if none."""
        current = shingles(text)
        sample = _sample(current)
        found = self._best_match(record_id, current, sample)
        if found is None:
            position = len(self._ids)
            self._ids.append(record_id)
            self._sets.append(current)
            for value in sample:
                self._postings.setdefault(value, []).append(position)
        return found

    def _best_match(self, record_id: str, current: Hashes, sample: list[int]) -> Duplicate | None:
        postings = sorted(
            (self._postings[value] for value in sample if value in self._postings), key=len
        )[:_PROBES]
        shared: Counter[int] = Counter()
        for posting in postings:
            shared.update(posting)
        needed = _CANDIDATE_SHARE * len(postings)
        best = [p for p, count in shared.most_common(_MAX_CANDIDATES) if count >= needed]
        matches = (_compare(record_id, self._ids[p], current, self._sets[p]) for p in sorted(best))
        return next((m for m in matches if m is not None), None)


def _sample(values: Hashes) -> list[int]:
    """The shingles kept in the index; all of them for very short texts."""
    kept = values[(values >> _SAMPLE_SHIFT) == 0]
    return (kept if len(kept) else values).tolist()  # type: ignore[no-any-return]


def _compare(record_id: str, original_id: str, a: Hashes, b: Hashes) -> Duplicate | None:
    common = int(np.intersect1d(a, b, assume_unique=True).size)
    if not common:
        return None
    jaccard = common / (len(a) + len(b) - common)
    smaller, larger = sorted((len(a), len(b)))
    containment = common / smaller
    contained = (
        containment >= CONTAINMENT_MIN
        and smaller >= CONTAINMENT_MIN_SHINGLES
        and smaller >= CONTAINMENT_MIN_RATIO * larger
    )
    if jaccard >= JACCARD_MIN or contained:
        return Duplicate(record_id, original_id, jaccard, containment)
    return None
