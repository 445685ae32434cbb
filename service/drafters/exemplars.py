"""Short sentences of the aligned example sections that the built-in drafter may borrow.

Examples teach form; their facts must never reach a draft and the scorer flags
copied 28-character chunks and copied sentences over 40 characters. So only
short sentences pass (at most 26 compared characters), with no figure, no
placeholder, no quotation, no time word and no item number, and only when every
word in them is already a word of the phrasebank or of the brief: that keeps the
examples' own subjects (教育实践活动, a unit's name) out of a speech on another
matter. A sentence belongs to one part only (by a stable hash), so two parts
shown the same example section never both borrow it.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from service.knowledge.phrasebank import Rules, entry_problems
from service.retrieval.examples import Example
from service.text.overlap import normalise
from service.text.segment import Segmenter

MAX_CHARS = 26  # compared characters: below the scorer's 28-character chunk
MIN_CHARS = 8
PER_PART = 2

_SENTENCE = re.compile(r"[^。！？；\n]+[。！]")
_BAD_START = re.compile(
    r"^(首先|其次|再次|最后|第|其|刚才|下面|同时|此外|但|因此|另外|总之|今天|上述|以上|这|那|"
    r"其中|对此|为此|对于|而且|并且|所以|他|她|它|一方面|另一方面|一|二|三|四|五|六|七|八|九|十)"
)
_BAD_ANY = re.compile(
    r"[0-9０-９XＸ×〔〕【】“”‘’《》（）()…？?]|某|今年|去年|明年|上午|下午|昨天|本次|这次|此次|"
    r"今天|刚才|同志|我市|我县|我区|我省|全市|全县|全区|全省|本市|本县"
)


@dataclass(frozen=True)
class Borrowing:
    """What a borrowed sentence is held to: the words it may use, how words are cut, and the
    phrasebank's own rules (no figures, no placeholders, no closing cues outside closings)."""

    vocabulary: frozenset[str]
    segmenter: Segmenter
    rules: Rules


def stable_hash(text: str) -> int:
    """The same number for the same text in every process (unlike hash())."""
    return int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:8], "big")


def borrowable(
    examples: Sequence[Example],
    role: str,
    borrowing: Borrowing,
    *,
    owner: int,
    owners: int,
    used: Iterable[str] = (),
) -> list[str]:
    """Up to PER_PART sentences this part may borrow, in the examples' order."""
    taken = set(used)
    found: list[str] = []
    for example in examples:
        for section in example.sections:
            for sentence in _SENTENCE.findall(section.text):
                sentence = sentence.strip()
                if sentence in taken or stable_hash(sentence) % owners != owner:
                    continue
                if fits(sentence, role, borrowing):
                    found.append(sentence)
                    taken.add(sentence)
                if len(found) == PER_PART:
                    return found
    return found


def fits(sentence: str, role: str, borrowing: Borrowing) -> bool:
    """Short, generic, clean, and in words the draft already speaks."""
    size = len(normalise(sentence))
    if not MIN_CHARS <= size <= MAX_CHARS:
        return False
    if _BAD_START.match(sentence) or _BAD_ANY.search(sentence):
        return False
    if entry_problems(sentence, f"roles.{role}.body", borrowing.rules):
        return False
    words = borrowing.segmenter.tokens(sentence)
    return bool(words) and all(word in borrowing.vocabulary for word in words)
