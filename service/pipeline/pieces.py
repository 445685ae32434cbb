"""A part written in pieces: its lead paragraph and each of its items by a call of its own.

The conventional form makes this safe: a part is a lead and then 一是……二是……
paragraphs that do not lean on each other's wording. So the items of every part
can be written at the same time, and code puts them together: it writes the
markers (一是、二要、第一，…), so numbering is right by construction, and passes
the pieces' text on in speaking order however their calls finish.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from itertools import pairwise

from service.drafters.base import LEAD, PartJob, Piece
from service.pipeline.assembly import item_marker
from service.text.structure import unmarked

MIN_ITEM_CHARS = 80  # an item shorter than this is not worth a call of its own
LEAD_SHARE = 0.15
LEAD_CHARS = (60, 240)  # bounds of a lead paragraph, in characters
_NUM = "[一二三四五六七八九十]{1,3}"
_ANY_MARKER = re.compile(
    rf"(?:^|(?<=[。；：！？\n]))(?:{_NUM}[是要](?![否非])|第{_NUM}[，、]|其{_NUM}[，、]"
    r"|(?:首先|其次|再次|最后)[，、])",
    re.M,
)


def plan_pieces(job: PartJob) -> list[Piece]:
    """The pieces a part is written in; none when it is better written whole (prose, one
    item, or no sub-points in the outline). A part whose skeleton fixes its lead sentence
    gets no lead piece (the program writes that sentence), unless the skeleton wants a
    paragraph of the model's before it (intro)."""
    part = job.part
    count, style = len(part.subpoints), job.items
    if count < 2 or style == "none":
        return []
    section = job.section
    fixed_lead = bool(section.lead) and "……" not in (section.lead or "") and not section.intro
    size = job.size or part.chars
    lead = 0 if fixed_lead else min(max(round(size * LEAD_SHARE), LEAD_CHARS[0]), LEAD_CHARS[1])
    each = (size - lead) // count
    if each < MIN_ITEM_CHARS:  # one-line items (an agenda) are written better in one go
        return []
    phrases = placed_phrases(job.phrases, part.subpoints)
    items = [Piece(k, each, item_marker(style, k, count), tuple(phrases[k])) for k in range(count)]
    return ([Piece(LEAD, lead)] if lead else []) + items


def placed_phrases(phrases: Sequence[str], subpoints: Sequence[str]) -> list[list[str]]:
    """Every required phrase in exactly one item: the item whose outline sub-point names it,
    else the next in turn (an outline that put 两个确立、两个维护 under its study item keeps
    them there)."""
    placed: list[list[str]] = [[] for _ in subpoints]
    turn = 0
    for phrase in phrases:
        named = next((k for k, s in enumerate(subpoints) if phrase in s), None)
        if named is None:
            named, turn = turn % len(subpoints), turn + 1
        placed[named].append(phrase)
    return placed


def bare(text: str) -> str:
    """An item's text without a marker of its own and with its paragraphs kept."""
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    if lines:
        lines[0] = unmarked(lines[0])  # a marker the model wrote anyway
    return "\n".join(lines)


def join_pieces(pieces: list[Piece], texts: list[str]) -> str:
    """The part's body: the lead, then each item behind its marker, one paragraph each."""
    paragraphs = []
    for piece, text in zip(pieces, texts, strict=True):
        body = text.strip() if piece.is_lead else bare(text)
        if body:
            paragraphs.append(body if piece.is_lead else piece.marker + body)
    return "\n".join(paragraphs)


def split_items(body: str) -> tuple[str, list[str]]:
    """A part's body taken apart again: its lead and its items (一是、一要、第一，、其一，、
    首先，… at a paragraph's or sentence's start), markers removed."""
    starts = [m.start() for m in _ANY_MARKER.finditer(body)]
    if not starts:
        return body.strip(), []
    bounds = [*starts, len(body)]
    items = [bare(body[a:b]) for a, b in pairwise(bounds)]
    return body[: starts[0]].strip(), items


class PieceOrder:
    """Passes the pieces' text on in speaking order: the piece being shown streams live,
    later ones are held until every piece before them is finished."""

    def __init__(self, pieces: list[Piece], send: Callable[[str], None]) -> None:
        self.pieces = pieces
        self.send = send
        self.held: list[list[str]] = [[] for _ in pieces]
        self.finished = [False] * len(pieces)
        self.current = 0
        self._open(0)

    def text(self, number: int, delta: str) -> None:
        """A piece's new text (number is the position in `pieces`)."""
        if number == self.current:
            self.send(delta)
        else:
            self.held[number].append(delta)

    def finish(self, number: int) -> None:
        """A piece is written: show the next ones that are waiting."""
        self.finished[number] = True
        while self.current < len(self.pieces) and self.finished[self.current]:
            self.current += 1
            self._open(self.current)

    def _open(self, number: int) -> None:
        if number >= len(self.pieces):
            return
        piece = self.pieces[number]
        start = "" if number == 0 else "\n"
        text = start + (piece.marker if not piece.is_lead else "") + "".join(self.held[number])
        self.held[number].clear()
        if text:
            self.send(text)
