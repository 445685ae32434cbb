"""The brief's field of work, in the built-in drafter: which of its sentences each part says.

A flood-control speech says flood-control things (巡堤查险, 转移避险, 防汛物资), never another
field's slogans. The brief's fields (service.knowledge.domains.home_fields) give the
sentences; each goes to the one directive part whose heading, items and brief point it
shares most content with, so every part says what belongs to it and no two parts say the
same thing. The split is a pure function of the brief and the outline: every part
computes the same one on its own, whatever order parts are written in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from service.drafters.base import PartJob
from service.drafters.compose import budget as share
from service.drafters.exemplars import stable_hash
from service.knowledge.domains import Domain, home_fields
from service.knowledge.kit import Kit
from service.knowledge.skeletons import Skeleton
from service.pipeline.outline import Outline
from service.schemas import Brief
from service.text.grams import Background

# Parts that say what to do: they share the field's items and supporting sentences.
DIRECTIVE_ROLES = frozenset(
    ("points", "next_steps", "suggestions", "measures", "body", "wrapup", "resolve")
)
OPENING_ROLES = frozenset(("opening", "comment"))
CLOSING_ROLES = frozenset(("closing",))
_AWARENESS = re.compile(r"认识|站位|思想|意义|形势|重要性|紧迫感|责任感")
_RELATED_AT_MOST = (
    1  # a related field's sentences join after the brief's own field's (应急 for 防汛)
)
FRAME_CHARS = 40  # an opening or a closing line of a part
FILLER_SHARE = 0.09  # of a part's length: the phrasebank's general sentences it may take


@dataclass
class FieldLines:
    """One part's share of the field's sentences, best fitting first."""

    items: list[str] = field(default_factory=list)
    support: list[str] = field(default_factory=list)
    opening: list[str] = field(default_factory=list)
    concern: list[str] = field(default_factory=list)
    closing: list[str] = field(default_factory=list)

    def directive(self) -> list[str]:
        return [*self.items, *self.support]


def rebalanced(outline: Outline, brief: Brief, skeleton: Skeleton, kit: Kit) -> Outline:
    """The outline with each part's length set by what it has to say (see `budgets`)."""
    job = PartJob(brief, skeleton, outline, 0)
    shares = [share(replace(job, index=i)) for i in range(len(outline.parts))]
    wanted = budgets(job, kit)
    parts = [
        part.model_copy(update={"chars": max(20, int(part.chars * new / max(old, 1)))})
        for part, old, new in zip(outline.parts, shares, wanted, strict=True)
    ]
    return outline.model_copy(update={"parts": parts})


def budgets(job: PartJob, kit: Kit) -> list[int]:
    """Every part's body length: its share of the target, less what a part has little to say
    with (the brief's facts and the field's lines it gets, a little frame and filler), moved
    to the parts that have more. Same for every part of one draft."""
    shares = [share(replace(job, index=i)) for i in range(len(job.outline.parts))]
    have = [_capacity(replace(job, index=i), kit) for i in range(len(shares))]
    over = sum(max(0, s - h) for s, h in zip(shares, have, strict=True))
    spare = [max(0, h - s) for s, h in zip(shares, have, strict=True)]
    room = sum(spare)
    if not over or not room:
        return shares
    moved = min(over, room)
    return [
        min(s, h) + int(moved * free / room) if h >= s else h
        for s, h, free in zip(shares, have, spare, strict=True)
    ]


def _capacity(job: PartJob, kit: Kit) -> int:
    """What a part can say without filler: the brief's words it carries, the field's lines it
    gets, its frame (an opening or closing line, the required phrases) and a little filler."""
    part = job.part
    words = [*part.subpoints, *job.phrases]
    for point in job.brief.points:
        if point.title == part.heading:
            words += point.details
    lines = field_lines(job, kit)
    said = sum(len(w) for w in words)
    said += sum(len(s) for s in (*lines.directive(), *lines.opening, *lines.closing))
    return said + FRAME_CHARS + int(share(job) * FILLER_SHARE)


def fields_of(job: PartJob, kit: Kit) -> list[Domain]:
    """The brief's own fields, then (after them) their first related field."""
    home = home_fields(kit.domains, job.brief)
    if not home:
        return []
    related = [kit.domains.get(key) for key in home[0].related[:_RELATED_AT_MOST]]
    return [*home, *(d for d in related if d not in home)]


def field_lines(job: PartJob, kit: Kit) -> FieldLines:
    """This part's share of the field's sentences."""
    domains = fields_of(job, kit)
    lines = FieldLines()
    if not domains:
        return lines
    role = job.part.role
    if role in OPENING_ROLES:
        lines.opening = [s for d in domains[:1] for s in d.sentences.open]
        lines.concern = [s for d in domains[:1] for s in d.sentences.concern]
        return lines
    if role in CLOSING_ROLES:
        # one call to act is the phrasebank's (让我们…); the field's lines lead up to it
        lines.closing = [s for s in domains[0].sentences.close if not s.startswith("让我们")]
        return lines
    if role not in DIRECTIVE_ROLES:
        return lines
    if role in kit.roles.with_flag("first_person"):
        # a pledge says what we will do: 要全面落实… → 我们将全面落实…
        own = [s for d in domains[:1] for s in d.sentences.items]
        lines.items, lines.support = own[::2], [_pledged(s) for s in own[1::2]]
        return lines
    parts = [i for i, p in enumerate(job.outline.parts) if p.role in DIRECTIVE_ROLES]
    background = kit.background
    topics = [background.content(_topic(job, i)) for i in parts]
    mine = parts.index(job.index)
    aware = [i for i, index in enumerate(parts) if _AWARENESS.search(_topic(job, index))]
    if mine in aware:
        # 提高思想认识: the field's situation and risks are what it is about
        own = [s for d in domains[:1] for s in (*d.sentences.open, *d.sentences.concern)]
        lines.items = [s for i, s in enumerate(own) if i % len(aware) == aware.index(mine)]
        return lines
    for group, target in (("items", lines.items), ("support", lines.support)):
        sentences = [s for d in domains for s in d.sentences.group(group)]
        target.extend(_share(sentences, topics, mine, background))
    lines.items = [_varied(s) for s in lines.items]
    lines.support = [_varied(s) for s in lines.support]
    return lines


_OPENERS = ("要", "必须", "各级各部门要")


def _varied(sentence: str) -> str:
    """Not every task begins with 要: some say 必须, some name who must act."""
    if not sentence.startswith("要"):
        return sentence
    return _OPENERS[stable_hash(sentence) % len(_OPENERS)] + sentence.removeprefix("要")


def _pledged(sentence: str) -> str:
    return "我们将" + sentence.removeprefix("要") if sentence.startswith("要") else sentence


def _topic(job: PartJob, index: int) -> str:
    """What a part is about: its heading, its items and its brief point's details."""
    part = job.outline.parts[index]
    words = [part.heading, *part.subpoints]
    for point in job.brief.points:
        if point.title == part.heading:
            words += point.details
    return "；".join(words)


def _share(
    sentences: list[str], topics: list[set[str]], mine: int, background: Background
) -> list[str]:
    """The sentences that go to part `mine`: each goes to the part it fits best, best fitting
    first; one that fits no part goes nowhere (it would be off the heading wherever put)."""
    fitted: list[tuple[float, int, str]] = []
    for position, text in enumerate(sentences):
        content = background.content(text)
        weights = [sum(background.weight(p) for p in content & topic) for topic in topics]
        best = max(range(len(topics)), key=lambda i: (weights[i], -i))
        if weights[best] > 0 and best == mine:
            fitted.append((weights[best], position, text))
    return [t for _, _, t in sorted(fitted, key=lambda f: (-f[0], f[1]))]
