"""Clean what a model writes before assembly: Markdown, chatter, Traditional characters,
half-width punctuation, and the headings, numbers and salutations that code adds itself."""

from __future__ import annotations

import re

from service.text.chatter import CHATTER, CHATTER_LINE, CHATTER_NOTE
from service.text.normalise import fix_punctuation, squeeze_spaces, to_simplified
from service.text.structure import match_heading, to_chinese_numeral

_FENCE = re.compile(r"^\s*```")
_MD_HEADING = re.compile(r"^\s{0,3}#{1,6}\s*")
_MD_BULLET = re.compile(r"^\s*(?:[-*+]|\d+\))\s+")
_MD_QUOTE = re.compile(r"^\s*>\s?")
_MD_EMPHASIS = re.compile(r"\*\*([^*\n]+)\*\*|__([^_\n]+)__|(?<![*\w])\*([^*\n]+)\*(?![*\w])")
_MD_RULE = re.compile(r"^\s*(?:-{3,}|\*{3,}|_{3,})\s*$")
_SALUTATION_LINE = re.compile(r"^(?:尊敬的|各位|同志们)[^。！？]{0,40}[：:]$")
_SIGN_OFF = re.compile(r"^谢谢(?:大家)?[！!。]?$")


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


def clean_body(text: str, heading: str = "", *, keep_sign_off: bool = False) -> str:
    """One part's body: also drop the heading, numbering and salutation code adds itself."""
    paragraphs = clean_text(text)
    bare_heading = _bare(heading)
    kept: list[str] = []
    for index, line in enumerate(paragraphs):
        if index == 0 and bare_heading and _bare(line) == bare_heading:
            continue
        if _SALUTATION_LINE.match(line):
            continue
        if _SIGN_OFF.match(line) and not keep_sign_off:
            continue
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
