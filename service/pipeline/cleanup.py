"""Clean what a model writes before assembly: Markdown, chatter, Traditional characters,
half-width punctuation, and the formulas code adds itself (headings, numbers, salutation,
the transition, the sign-off), wherever in a part a model puts them."""

from __future__ import annotations

import re

from service.text.chatter import CHATTER, CHATTER_LINE, CHATTER_NOTE
from service.text.formulas import SALUTATION_LINE, without_sign_off, without_transition
from service.text.normalise import fix_punctuation, squeeze_spaces, to_simplified
from service.text.structure import match_heading, to_chinese_numeral

_FENCE = re.compile(r"^\s*```")
_MD_HEADING = re.compile(r"^\s{0,3}#{1,6}\s*")
_MD_BULLET = re.compile(r"^\s*(?:[-*+]|\d+\))\s+")
_MD_QUOTE = re.compile(r"^\s*>\s?")
_MD_EMPHASIS = re.compile(r"\*\*([^*\n]+)\*\*|__([^_\n]+)__|(?<![*\w])\*([^*\n]+)\*(?![*\w])")
_MD_RULE = re.compile(r"^\s*(?:-{3,}|\*{3,}|_{3,})\s*$")


def _strip_markdown(line: str) -> str:
    line = _MD_HEADING.sub("", line)
    line = _MD_QUOTE.sub("", line)
    line = _MD_BULLET.sub("", line)
    return _MD_EMPHASIS.sub(lambda m: next(g for g in m.groups() if g), line)


def clean_text(text: str) -> list[str]:
    """Model output as clean paragraphs: no Markdown, no chatter, Simplified, full-width."""
    paragraphs: list[str] = []
    for raw in text.replace("\r\n", "\n").split("\n"):
        if _FENCE.match(raw) or _MD_RULE.match(raw):
            continue
        line = squeeze_spaces(_strip_markdown(raw))
        if not line or any(p.search(line) for p in (CHATTER_LINE, CHATTER, CHATTER_NOTE)):
            continue
        paragraphs.append(line)
    cleaned = fix_punctuation(to_simplified("\n".join(paragraphs)))
    return [p for p in cleaned.split("\n") if p.strip()]


def clean_body(
    text: str, heading: str = "", *, keep_sign_off: bool = False, keep_transition: bool = False
) -> str:
    """One part's body without what assembly writes: its heading (on any line), top-level
    numbers, a salutation line, the sentence announcing the points (kept in parts after the
    points: 最后，我再强调两点要求) and a sign-off (谢谢大家！, 散会。; kept in the last part
    of a type the program signs off for no one)."""
    bare_heading = _bare(heading)
    kept: list[str] = []
    for line in clean_text(text):
        if (bare_heading and _bare(line) == bare_heading) or SALUTATION_LINE.match(line):
            continue
        if not keep_transition:
            line = without_transition(line)
        if not keep_sign_off:
            line = without_sign_off(line)
        kept.append(_demote_top_marker(line))
    return "\n".join(k for k in kept if k)


def _bare(line: str) -> str:
    """A heading without its number and end punctuation, for comparing."""
    found = match_heading(line)
    text = line[len(found.marker) :] if found else line
    return text.strip().rstrip("。；，：")


def _demote_top_marker(line: str) -> str:
    """A body paragraph numbered like a top-level heading (一、) is a sub-heading: （一）.

    Top-level numbers belong to assembly; a model that numbers its own
    sub-parts 一、二、 would otherwise break the speech's numbering.
    """
    found = match_heading(line)
    if found is None or found.style != "cn_dun":
        return line
    rest = line[len(found.marker) :].strip()
    return f"（{to_chinese_numeral(found.number)}）{rest}" if rest else ""
