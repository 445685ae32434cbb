"""Turn decoded source lines into clean paragraphs, keeping every dropped piece verbatim.

Per line: drop pinyin left by bad converters, Traditional → Simplified, restore
full-width punctuation, then drop boilerplate sentences and inline URLs/watermarks,
then squeeze spaces. Pinyin goes before punctuation repair: "經(jīng)縣委" must not
become "经（jīng）县委".
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from service.corpus.boilerplate import (
    classify_sentence,
    holds_boilerplate,
    might_hold_boilerplate,
    might_hold_inline,
    sentence_spans,
    strip_inline,
)
from service.corpus.noise import drop_noise_lines, strip_markup
from service.text.normalise import fix_punctuation, squeeze_spaces, to_simplified

_TONE_VOWELS = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜüńňǹḿ"
_CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
# A reading in parentheses right after a character, with at least one tone mark: 經(jīng).
_PINYIN_TONED = re.compile(
    rf"(?<=[{_CJK}])[(（]\s*(?=[a-z{_TONE_VOWELS}]*[{_TONE_VOWELS}])[a-z{_TONE_VOWELS}]{{1,7}}\s*[)）]"
)
# Toneless readings (de, ma) are only removed in a document that already has toned ones.
_PINYIN_ANY = re.compile(rf"(?<=[{_CJK}])[(（]\s*[a-z{_TONE_VOWELS}]{{1,7}}\s*[)）]")
_TONED_MIN_FOR_TONELESS = 3
_ASCII_PUNCT = re.compile(r'[,:;!?()."]')
_ASCII_SPACES = re.compile(r"[ \t]{2,}")
_SPACES = re.compile(r"[\s\u3000\xa0]")
_SPACES_INSIDE = re.compile(r"[ \t\u3000\xa0]")
# A line that is only punctuation once boilerplate went, e.g. "：，".
_ONLY_PUNCT = re.compile(r"^[\W_]*$")


@dataclass(frozen=True)
class Removal:
    """A piece of source text dropped as boilerplate, verbatim, with its category."""

    category: str
    text: str


@dataclass(frozen=True)
class Line:
    """A kept paragraph: its source text and its clean text."""

    raw: str
    text: str


@dataclass
class CleanedLines:
    """The clean paragraphs of one document and what was dropped on the way."""

    lines: list[Line]
    removals: list[Removal] = field(default_factory=list)
    pinyin_removed: int = 0


def clean_lines(raw_lines: list[str]) -> CleanedLines:
    """Clean every line of a document; blank lines go, markup, page furniture and
    boilerplate go to removals."""
    unmarked, markup = strip_markup(raw_lines)
    raw_lines, furniture = drop_noise_lines(unmarked)
    toneless = sum(len(_PINYIN_TONED.findall(r)) for r in raw_lines) >= _TONED_MIN_FOR_TONELESS
    result = CleanedLines(lines=[])
    result.removals += [Removal(p.category, p.text) for p in [*markup, *furniture]]
    whole = "\n".join(raw_lines)
    traditional = to_simplified(whole) != whole  # one conversion tells whether lines need one
    if not traditional and _is_clean(whole):
        # A draft or an already cleaned text: nothing below would change a line.
        result.lines = [Line(raw=raw, text=raw.strip()) for raw in raw_lines if raw.strip()]
        return result
    for raw in raw_lines:
        if not raw.strip():
            continue
        stripped, removed_pinyin = strip_pinyin(raw, toneless)
        result.pinyin_removed += removed_pinyin
        text = _clean_line(raw, stripped, result.removals, traditional=traditional)
        if text:
            result.lines.append(Line(raw=raw, text=text))
    return result


def _is_clean(text: str) -> bool:
    """Whether no line of the text holds pinyin, ASCII punctuation, spaces or boilerplate:
    three searches over the whole text instead of the per-line, per-sentence pass."""
    if _PINYIN_ANY.search(text) or _ASCII_PUNCT.search(text) or _SPACES_INSIDE.search(text):
        return False
    return not holds_boilerplate(text)


def normalize_line(raw: str) -> str:
    """Clean text of one line without boilerplate handling (pinyin, t2s, punctuation, spaces)."""
    return tidy(fix_punctuation(to_simplified(strip_pinyin(raw, toneless=False)[0][0])))


def tidy(text: str) -> str:
    """Squeeze spaces next to Chinese, at the ends and in runs."""
    return _ASCII_SPACES.sub(" ", squeeze_spaces(text))


def strip_pinyin(raw: str, toneless: bool) -> tuple[tuple[str, list[int]], int]:
    """Remove (pinyin) groups; return the text, the source index of each kept char, the count."""
    pattern = _PINYIN_ANY if toneless else _PINYIN_TONED
    if "(" not in raw and "（" not in raw:
        return (raw, list(range(len(raw)))), 0
    kept: list[int] = []
    pieces: list[str] = []
    count = 0
    position = 0
    for match in pattern.finditer(raw):
        pieces.append(raw[position : match.start()])
        kept.extend(range(position, match.start()))
        position = match.end()
        count += 1
    pieces.append(raw[position:])
    kept.extend(range(position, len(raw)))
    return ("".join(pieces), kept), count


def _clean_line(
    raw: str, stripped: tuple[str, list[int]], removals: list[Removal], *, traditional: bool = True
) -> str:
    """The clean text of a line ('' when nothing is left); dropped pieces go to removals."""
    text, index = stripped
    simplified = to_simplified(text) if traditional else text
    # t2s is almost always one character for one; when it is not, map pieces to clean text.
    source = raw if len(simplified) == len(text) else None
    loose = fix_punctuation(simplified) if _ASCII_PUNCT.search(simplified) else simplified
    kept, dropped = _drop_sentences(loose, index, source)
    if dropped and not kept.strip():
        removals.append(Removal(dropped[0].category, raw.strip()))
        return ""
    removals.extend(dropped)
    inline: list[tuple[str, str]] = []
    if might_hold_inline(kept):
        kept, inline = strip_inline(kept)
        removals.extend(Removal(category, piece) for category, piece in inline)
    clean = tidy(kept) if _SPACES.search(kept) else kept
    if clean and _ONLY_PUNCT.match(clean):
        # What a removed URL left behind ("：，"), or a separator line such as "＊＊＊".
        removals.append(Removal("url", clean) if inline else Removal("punct", raw.strip()))
        return ""
    return clean


def _drop_sentences(loose: str, index: list[int], source: str | None) -> tuple[str, list[Removal]]:
    """Split a line into sentences and drop the boilerplate ones, keeping their source text."""
    if not might_hold_boilerplate(loose):
        return loose, []
    spans = sentence_spans(loose)
    kept: list[str] = []
    dropped: list[Removal] = []
    for number, (start, end) in enumerate(spans):
        sentence = loose[start:end]
        category = classify_sentence(sentence)
        if category is None:
            kept.append(sentence)
            continue
        if source is None:
            dropped.append(Removal(category, sentence.strip()))
            continue
        raw_start = index[start] if number else 0
        raw_end = index[end] if end < len(index) else len(source)
        dropped.append(Removal(category, source[raw_start:raw_end].strip()))
    return "".join(kept), dropped


_OPEN_END = ("，", "、", "；", ",")
_BROKEN_MIN_CHARS = 25
# A wrapped line stops on a character, a figure or a decimal point (91. / 5%), never a mark.
_ENDS_MID_WORD = re.compile(rf"(?:[{_CJK}A-Za-z\d]|\d[.．])$")
# "…第" or "…其" at a wrap: the ordinal's numeral opens the next line (三，强化…).
_CUT_ORDINAL = re.compile(r"[第其]$")
_SENTENCE_INSIDE = re.compile(r"[。！？]")


def join_broken_lines(lines: list[str], is_heading: Callable[[str], bool]) -> tuple[list[str], int]:
    """Join lines broken inside a paragraph (PDF copies, pages ending in "；"); return the count.

    A line continues into the next when it ends in a clause mark, or in a character
    without punctuation while too long for a heading, and the next line starts no
    heading of its own (its numeral may be the end of a 第 the wrap cut off). A heading
    line whose own words already hold a sentence (一、…。我们党从成) goes on as well.
    """
    joined: list[str] = []
    count = 0
    for line in lines:
        if joined and _continues(joined[-1], is_heading) and _goes_on(joined[-1], line, is_heading):
            joined[-1] += line
            count += 1
        else:
            joined.append(line)
    return joined, count


def _goes_on(previous: str, line: str, is_heading: Callable[[str], bool]) -> bool:
    return not is_heading(line) or bool(_CUT_ORDINAL.search(previous))


def _continues(line: str, is_heading: Callable[[str], bool]) -> bool:
    if line.endswith(_OPEN_END):
        return True
    if len(line) < _BROKEN_MIN_CHARS or not _ENDS_MID_WORD.search(line):
        return False
    return not is_heading(line) or bool(_SENTENCE_INSIDE.search(line))
