"""Content as character pairs: what two Chinese sentences share, weighted by how rare it is.

Word segmentation is slow and splits a field's words unpredictably (防汛责任制 / 防汛 责任
制); overlapping character pairs (防汛, 汛责, 责任, 任制) compare texts without it. A pair
is weighted by its inverse frequency in a background of stock official language (the
phrasebank and the fields' sentences), so 工作, 落实 and 推进 count for little and
防汛, 转移 and 燃气 for much.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable

_CJK_PAIR = re.compile(r"(?=([\u4e00-\u9fff]{2}))")  # every overlapping pair, found in C
# Pairs of function characters say nothing about content, however rare the background
# finds them.
_FUNCTION = frozenset("的了是在和与及要把对将为以就也都而并之其这那有我们你他她它着过个上下中")
INFORMATIVE = 2.5  # the weight from which a pair carries content (about 1 in 12 sentences)
TEMPLATE_PAIRS = 3  # an entry with fewer fixed pairs says too little to be recognised
STOCK_MATCH = 0.7  # a sentence whose pairs are this much one stock entry's is stock
_SLOT = re.compile(r"\{\w*\}")


def pairs(text: str) -> set[str]:
    """The distinct character pairs inside runs of Chinese characters."""
    return set(_CJK_PAIR.findall(text))


class Background:
    """Document frequency of pairs over a set of stock sentences."""

    def __init__(self, sentences: Iterable[str]) -> None:
        self.df: Counter[str] = Counter()
        self.size = 0
        for sentence in sentences:
            self.df.update(pairs(sentence))
            self.size += 1
        # Pairs that carry no content, to take out of a text's pairs in one set operation.
        function = {a + b for a in _FUNCTION for b in _FUNCTION}
        self.common = frozenset(function | {p for p in self.df if self.weight(p) < INFORMATIVE})

    def weight(self, pair: str) -> float:
        """Inverse document frequency; 0 for a pair of function characters."""
        if pair[0] in _FUNCTION and pair[1] in _FUNCTION:
            return 0.0
        return math.log((self.size + 1) / (self.df.get(pair, 0) + 1))

    def content(self, text: str) -> set[str]:
        """The pairs of a text that carry content."""
        return pairs(text) - self.common

    def stock_share(self, text: str) -> float:
        """Share of a text's pairs that the background knows well: 1.0 for a stock sentence."""
        found = pairs(text)
        if not found:
            return 1.0
        return sum(1 for p in found if self.weight(p) < INFORMATIVE) / len(found)

    def overlap(self, text: str, topic: set[str]) -> float:
        """Weight of the content pairs a text shares with a topic's."""
        return sum(self.weight(p) for p in self.content(text) & topic)


class StockIndex:
    """The phrasebank's sentences by their character pairs: finds a sentence written from one."""

    def __init__(self, entries: list[str]) -> None:
        self.sizes: list[int] = []
        self.postings: dict[str, list[int]] = {}
        for number, entry in enumerate(entries):
            found = pairs(_SLOT.sub("", entry))
            self.sizes.append(len(found))
            for pair in found:
                self.postings.setdefault(pair, []).append(number)
        self.keys = frozenset(self.postings)

    def match(self, sentence: str, found: set[str] | None = None) -> float:
        """The largest share of the sentence's pairs (given, or found here) that one
        phrasebank entry holds."""
        found = pairs(sentence) if found is None else found
        if len(found) < 4:
            return 0.0
        known = len(found & self.keys)
        if known < STOCK_MATCH * len(found):
            return known / len(found)  # no entry can hold more than the index knows
        counts: Counter[int] = Counter()
        for pair in found:
            counts.update(self.postings.get(pair, ()))
        if not counts:
            return 0.0
        return counts.most_common(1)[0][1] / len(found)

    def template_share(self, text: str) -> float:
        """The largest share of one entry's own pairs that the text holds: 1.0 when the text
        says an entry's fixed words (是推动…的关键所在) around anything."""
        found = pairs(text)
        counts: Counter[int] = Counter()
        for pair in found:
            counts.update(self.postings.get(pair, ()))
        return max(
            (n / self.sizes[i] for i, n in counts.items() if self.sizes[i] >= TEMPLATE_PAIRS),
            default=0.0,
        )

    def is_stock(self, sentence: str, found: set[str] | None = None) -> bool:
        return self.match(sentence, found) >= STOCK_MATCH


class WordFinder:
    """Finds which of many words a text holds, looking only at the words whose first two
    characters the text has: exact, and far faster than trying every word."""

    def __init__(self, words: Iterable[str]) -> None:
        self.by_start: dict[str, list[tuple[str, frozenset[str]]]] = {}
        for word in dict.fromkeys(words):
            self.by_start.setdefault(word[:2], []).append((word, frozenset(pairs(word))))

    def find(self, text: str, found: set[str] | None = None) -> list[str]:
        """The words in the text; `found`, its character pairs, when already at hand. A
        word is looked for only when the text has all its pairs."""
        grams = pairs(text) if found is None else found
        return [
            word
            for start in grams & self.by_start.keys()
            for word, needed in self.by_start[start]
            if needed <= grams and word in text
        ]
