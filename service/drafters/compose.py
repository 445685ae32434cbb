"""Compose the body of one part from the brief, the phrasebank and short exemplar sentences.

A body is an intro paragraph, the part's items (一是…, 第一，…, 首先，…) one per
paragraph (or inline for an agenda), and a closing paragraph. The brief's facts
and the part's required phrases are always written; phrasebank sentences are
added until the part reaches its share of the target length. Every choice is a
pure function of the brief and the outline, so the same brief gives the same text.
Sentences are handed out so that no two parts can ever write the same one.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from service.drafters.base import PartJob
from service.drafters.exemplars import stable_hash
from service.errors import KnowledgeError
from service.knowledge.phrasebank import Phrasebank, render, slots_of
from service.knowledge.skeletons import Skeleton, chinese_count
from service.pipeline.assembly import assemble, item_marker
from service.pipeline.outline import Outline, topic_of
from service.retrieval.index import SECTION_FALLBACK
from service.schemas import AgendaItem, Brief, BriefPoint
from service.text.normalise import count_chars, fix_punctuation, to_simplified
from service.text.posts import ROLE_END

AIM = 1.04  # of the target length: the fill stops a little short of each part's budget
PARAGRAPH = 240  # characters: a longer filled paragraph is split at a sentence end
ITEMS_PER_POINT = 3  # items of a point the brief gives no details for
MIN_SENTENCE = 10
# Parts that may draw on the shared `common` sentences (directive, about any work).
COMMON_ROLES = frozenset(("points", "next_steps", "suggestions", "wrapup", "closing"))
LABELLED_ROLES = frozenset(("achievements", "review", "evaluation"))
POINT_ROLES = frozenset(("next_steps", "suggestions", "measures", "body", "wrapup"))
# Roles that say the same kind of thing and may borrow each other's sentences when short.
KIN: dict[str, tuple[str, ...]] = {
    "achievements": ("review",),
    "review": ("achievements",),
    "evaluation": ("review", "achievements"),  # not back: evaluation lines speak as 督导组
    "wishes": ("welcome",),
}
KEY_CHARS = 12  # an item's key phrase longer than this reads badly inside another sentence
PREFERRED_SLOTS = frozenset(("purpose", "org", "audience"))  # the brief's own words
# Where the brief's achievements and problems go when the type has no part of their own.
FACT_HOMES = {
    "achievements": ("achievements", "review", "evaluation", "body", "wrapup"),
    "problems": ("problems", "evaluation", "review", "next_steps", "suggestions", "wrapup"),
}
# Pairs nearly every sentence has; they say nothing about a topic.
_COMMON_PAIRS = frozenset(("工作", "要把", "我们", "各级", "部门", "进一", "一步", "推动", "加强"))
_CLAUSE = re.compile(r"[，,；;。：:！？]")
_END = "。；，、：,;.: "


def sentence(text: str) -> str:
    """Brief text as a sentence of the draft: Simplified, full-width, ending in 。."""
    clean = fix_punctuation(to_simplified(text.strip())).rstrip(_END)
    return clean + "。" if clean and not clean.endswith(("！", "？")) else clean


def first_clause(text: str) -> str:
    """The key phrase of an item or heading: its text up to the first comma."""
    return _CLAUSE.split(fix_punctuation(to_simplified(text.strip())), 1)[0].strip()


def item_key(text: str) -> str:
    """The phrase {item} stands for: the first clause when short, else none (no {item} lines)."""
    clause = first_clause(text)
    return clause if 2 <= len(clause) <= KEY_CHARS else ""


def comrade(speaker: str) -> str:
    """县委书记李明 → 县委书记李明同志; a bare post (县委副书记) stays as it is; no one, no one."""
    speaker = speaker.strip()
    if not speaker:
        return ""
    return speaker if ROLE_END.search(speaker) else f"{speaker}同志"


@dataclass
class Item:
    """One listed item: its marker, the sentences it must carry, and the ones added to it."""

    marker: str
    head: list[str]
    key: str
    supports: list[str] = field(default_factory=list)

    def text(self) -> str:
        return self.marker + "".join(self.head + self.supports)


@dataclass
class Body:
    """A part body under construction."""

    intro: list[str] = field(default_factory=list)
    facts: list[str] = field(default_factory=list)  # the brief's achievements and problems
    items: list[Item] = field(default_factory=list)
    outro: list[str] = field(default_factory=list)
    close: list[str] = field(default_factory=list)
    inline_items: bool = False

    def chars(self) -> int:
        return count_chars(self.render())

    def sentences(self) -> list[str]:
        found = self.intro + self.facts + self.outro + self.close
        return found + [s for item in self.items for s in item.head + item.supports]

    def render(self) -> str:
        # Facts a part's items are not about (problems after an evaluation) follow the items.
        after = bool(self.items)
        paragraphs = _split(self.intro) + ([] if after else self.facts)
        if self.inline_items:
            paragraphs.append("".join(item.text() for item in self.items))
        else:
            paragraphs += [item.text() for item in self.items]
        tail = _split(self.outro) + (self.facts if after else [])
        if self.close and tail:
            tail[-1] += "".join(self.close)
        elif self.close:
            tail = ["".join(self.close)]
        return "\n".join(p for p in paragraphs + tail if p)


def _split(sentences: list[str]) -> list[str]:
    """Sentences as paragraphs of about PARAGRAPH characters."""
    paragraphs: list[str] = []
    current = ""
    for text in sentences:
        if current and len(current) + len(text) > PARAGRAPH:
            paragraphs.append(current)
            current = ""
        current += text
    return [*paragraphs, current] if current else paragraphs


NAMED_AT_MOST = 2  # sentences per item that repeat its words through {item}


class Picker:
    """Hands out phrasebank sentences: this part's share of each pool, rotated by the brief."""

    def __init__(self, job: PartJob, bank: Phrasebank, values: dict[str, str]) -> None:
        self.job = job
        self.bank = bank
        self.values = values
        self.taken: set[str] = set()  # templates this part has used
        self.written: set[str] = set(job.used)
        self.said: set[str] = set()  # character pairs of what this part has taken
        self.named: Counter[str] = Counter()  # how often supports have repeated an item
        self.carrying = False  # taking a line that carries the brief's facts

    def pool(self, group: str, role: str | None = None) -> list[str]:
        """This part's share of a group, in the brief's rotation.

        A pool is split among every part that may draw on it (the parts of its role
        and of kin roles), so two parts can never take the same sentence.
        """
        role = role or self.job.part.role
        if group == "common":
            entries, users = list(self.bank.common), self._users(COMMON_ROLES)
        else:
            speech_type = self.job.brief.speech_type
            entries = list(self.bank.group(speech_type, role, group))
            kin = {r for r, others in KIN.items() if role in others}
            users = self._users(frozenset({role, *kin}))
        if not entries:
            return []
        start = stable_hash(f"{self.job.brief.meeting}|{role}|{group}") % len(entries)
        rotated = entries[start:] + entries[:start]
        share = users.index(self.job.index) if self.job.index in users else 0
        mine = [e for i, e in enumerate(rotated) if i % max(len(users), 1) == share]
        if group == "open":  # an opening that says the brief's own purpose comes first
            mine.sort(key=lambda e: -len(slots_of(e) & PREFERRED_SLOTS & self._given))
        return mine

    @property
    def _given(self) -> set[str]:
        return {name for name, value in self.values.items() if value}

    def _users(self, roles: frozenset[str]) -> list[int]:
        return [i for i, part in enumerate(self.job.outline.parts) if part.role in roles]

    def take_fact(self, pools: list[list[str]], item: str) -> str | None:
        """A line that carries the brief's facts through {item} (过去一段时间，…{item}…)."""
        self.carrying = True
        try:
            return self.take(pools, 10_000, item=item)
        finally:
            self.carrying = False

    def take(self, pools: list[list[str]], room: int, about: str = "", **extra: str) -> str | None:
        """An unused sentence of the pools that fits in `room` characters.

        With `about`, the one sharing most character pairs with that text (the item a
        support follows, the fact a label heads) and fewest with what this part has
        already said, so two lines under one item do not say the same thing; else the
        first in the pool's order.
        """
        values = {**self.values, **extra}
        wanted = _pairs(about)
        best: tuple[int, str, str] | None = None
        for pool in pools:
            for template in pool:
                if template in self.taken or self._names_again(template, values):
                    continue
                if "{heading}" in template or ("{item}" in template and not self.carrying):
                    continue  # “{heading}，是推动…的关键所在” says nothing the heading did not
                text = render(template, values)
                if text is None or len(text) > room or self.repeats(text):
                    continue
                pairs = _pairs(text)
                score = 2 * len(wanted & pairs) - len(self.said & pairs)
                if best is None or score > best[0]:
                    best = (score, template, text)
                if not wanted:
                    break
            if best is not None and not wanted:
                break
        if best is None:
            return None
        self.taken.add(best[1])
        if "{item}" in best[1]:
            self.named[values.get("item", "")] += 1
        self.written.update(_sentences(best[2]))
        self.said |= _pairs(best[2])
        return best[2]

    def _names_again(self, template: str, values: dict[str, str]) -> bool:
        """More than two sentences repeating an item's words by name read as padding."""
        return "{item}" in template and self.named[values.get("item", "")] >= NAMED_AT_MOST

    def repeats(self, text: str) -> bool:
        """Whether any sentence of the text is already written in this draft."""
        return any(s in self.written for s in _sentences(text))


def _pairs(text: str) -> set[str]:
    """Adjacent character pairs of the Chinese in a text: a cheap measure of shared topic."""
    chinese = "".join(ch for ch in text if "\u4e00" <= ch <= "\u9fff")
    return {chinese[i : i + 2] for i in range(len(chinese) - 1)} - _COMMON_PAIRS


def _sentences(text: str) -> list[str]:
    return [s for s in re.findall(r"[^。！？]+[。！？]", text) if len(s) >= MIN_SENTENCE]


def fixed_chars(outline: Outline, skeleton: Skeleton) -> int:
    """Characters assembly adds around the bodies: title, salutation, headings, leads, sign-off."""
    try:
        return count_chars(assemble(outline, [""] * len(outline.parts), skeleton).text)
    except KnowledgeError:  # an outline without the items a counted lead needs
        return count_chars(outline.title + "".join(p.heading for p in outline.parts))


def budget(job: PartJob) -> int:
    """This part's body length: its share of the target, less what assembly adds."""
    target = job.skeleton.target_chars(job.brief) * AIM - fixed_chars(job.outline, job.skeleton)
    total = sum(part.chars for part in job.outline.parts) or 1
    return max(int(target * job.part.chars / total), 40)


def slot_values(job: PartJob) -> dict[str, str]:
    """What the phrasebank's slots stand for in this part."""
    brief = job.brief
    values = {
        "meeting": brief.meeting,
        "topic": topic_of(brief),
        "heading": first_clause(job.part.heading) if job.part.heading else "",
        "org": brief.organization or "",
        "speaker": brief.speaker,
        "audience": (brief.audience or "").rstrip(_END),
        "purpose": sentence(brief.purpose or "").rstrip("。"),
    }
    if job.part.role in ("wrapup", "handover"):  # the speakers of the agenda, not the presider
        speakers = [comrade(a.speaker) for a in brief.agenda if a.speaker]
        values["speaker"] = "、".join(dict.fromkeys(speakers))
    return values


def fact_home(skeleton: Skeleton, kind: str) -> str:
    """The role that carries the brief's achievements or problems in this type of speech."""
    roles = [section.role for section in skeleton.sections]
    return next((role for role in FACT_HOMES[kind] if role in roles), roles[0])


def brief_point(job: PartJob) -> BriefPoint | None:
    """The brief's point a numbered part is about: same title, else the same position."""
    points = job.brief.points
    found = next((p for p in points if p.title == job.part.heading), None)
    number = job.point_number
    if found is None and number is not None and number <= len(points):
        found = points[number - 1]
    return found


def owner_group(job: PartJob) -> tuple[int, int]:
    """(this part's place, number of parts) among the parts shown the same kind of examples."""

    def kind(role: str) -> str:
        record = job.skeleton.section(role).record_role
        return SECTION_FALLBACK.get(record, record)

    mine = kind(job.part.role)
    group = [i for i, p in enumerate(job.outline.parts) if kind(p.role) == mine]
    return group.index(job.index), len(group)


def agenda_of(job: PartJob) -> list[AgendaItem] | None:
    """The brief's agenda when the part's items are its items."""
    agenda = job.brief.agenda
    subpoints = job.part.subpoints
    if agenda and (not subpoints or len(subpoints) == len(agenda)):
        return list(agenda)
    return None


def is_brief_fact(text: str, brief: Brief) -> bool:
    return text in brief.achievements or text in brief.problems


def marker(style: str, role: str, index: int, count: int) -> str:
    """The item marker; a presider hands over with 首先，… 下面，… 最后，…"""
    if role == "handover" and style == "sequence" and 0 < index < count - 1:
        return "下面，"
    if role == "handover" and style == "sequence" and index == count - 1 and count == 2:
        return "下面，"
    return item_marker(style, index, count)


def chinese_n(count: int) -> str:
    return chinese_count(max(1, min(count, 99)))
