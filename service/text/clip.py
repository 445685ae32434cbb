"""Shorten a text for a prompt without breaking it: at the end of a sentence or clause, never
inside a quotation, a title or brackets; a text with no such place is kept whole."""

from __future__ import annotations

_STOPS = "。！？；"
_PAUSES = "，、："
_PAIRS = (("“", "”"), ("‘", "’"), ("《", "》"), ("（", "）"), ("〔", "〕"), ("【", "】"))


def _balanced(text: str) -> bool:
    return all(text.count(left) == text.count(right) for left, right in _PAIRS)


def clipped(text: str, limit: int) -> str:
    """`text` if it fits in `limit` characters, else its longest head that ends a sentence
    (or, failing that, a clause) with every quotation and bracket closed; else all of it."""
    if len(text) <= limit:
        return text
    for marks in (_STOPS, _PAUSES):
        for end in range(limit, 0, -1):
            head = text[:end]
            if head[-1] in marks and _balanced(head):
                return head if marks == _STOPS else head[:-1] + "……"
    return text
