"""Which search hits are close enough to a brief to be shown as examples.

BM25 finds speeches that share words with a brief, but the words two official speeches
share are mostly the ones every speech has (工作、部署、上下、存在): a flood-control brief
then gets 主题教育 speeches as examples, and an off-topic example is worse than none,
since it pulls a model toward another field's language. A hit is kept when its field of
work (prompts/domains) agrees with the brief's (the brief's field is among the speech's, and
the speech is mainly about it or a field next to it), or, where either is unknown, when it
shares enough content words with the brief (prompts/examples.yaml); part examples also
come from speeches of the same type. Kept hits are ranked by voice (the speaker's own
speeches, then the same post, then the same level: writers are asked to write the way their
leader speaks), type, field, then shared words.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from service.corpus.document import level_of
from service.corpus.records import CorpusRecord
from service.knowledge.domains import home_fields
from service.knowledge.kit import Kit
from service.retrieval.examples import Example
from service.retrieval.index import Hit
from service.schemas import Brief
from service.text.posts import organization_place
from service.text.structure import ITEM_MARKER

# How far into a speech its own body is named (the title, the opening).
_ORGANIZATION_REACH = 300
# How many hits to ask the index for, per example wanted: the floor then picks among them.
CANDIDATES_PER_EXAMPLE = 6


# How close an example is to the speaker's own voice, best first.
SAME_SPEAKER, SAME_ORGANIZATION, SAME_POST, SAME_LEVEL, NO_VOICE = 4, 3, 2, 1, 0
VOICE_LABELS = {
    SAME_SPEAKER: "这次讲话人本人的讲话",
    SAME_ORGANIZATION: "本单位的讲话",
    SAME_POST: "同一职务的讲话",
    SAME_LEVEL: "同一层级的讲话",
    NO_VOICE: "",
}


@dataclass(frozen=True)
class Judged:
    """A hit and what the floor made of it."""

    hit: Hit
    same_field: bool
    shared: tuple[str, ...]
    reason: str  # why it is not shown; empty when it is
    voice: int = NO_VOICE


class ExampleFloor:
    """Judges hits against one brief (built per draft: it keeps the brief's fields and words)."""

    def __init__(self, kit: Kit, brief: Brief, query: str) -> None:
        self.kit = kit
        self.rules = kit.example_rules
        domains = kit.domains
        fields = home_fields(domains, brief)
        self.field_names = tuple(d.name for d in fields)
        self.own = frozenset(d.key for d in fields)
        near = set(self.own)
        for domain in fields:
            near |= {d.key for d in domains.all if d.key in domain.related}
            near |= {d.key for d in domains.all if domain.key in d.related}
        self.near = frozenset(near)
        self.words = self._content(query)
        self.speaker_name = (brief.speaker_name or "").strip()
        self.post = brief.speaker.strip()
        self.level = level_of(brief.speaker, brief.meeting, [brief.organization or ""])
        self.place = organization_place(brief.organization or "")

    def voice(self, record: CorpusRecord) -> int:
        """Whose voice a corpus speech carries, as near the brief's speaker as it gets: the
        same person (by name), the same body (its place named at the head of the speech),
        the same post, the same level, or none of these."""
        speaker = record.meta.speaker or ""
        if self.speaker_name and self.speaker_name in speaker:
            return SAME_SPEAKER
        if self.place and self.place in record.title + record.text[:_ORGANIZATION_REACH]:
            return SAME_ORGANIZATION
        if self.post and speaker.startswith(self.post) and not self.speaker_name:
            return SAME_POST
        if self.level and record.meta.level == self.level:
            return SAME_LEVEL
        return NO_VOICE

    def _content(self, text: str) -> frozenset[str]:
        generic = self.rules.generic_words
        return frozenset(
            w for w in self.kit.segmenter.tokens(text) if len(w) >= 2 and w not in generic
        )

    def record_fields(self, record: CorpusRecord) -> tuple[str, ...]:
        """The keys of the fields a corpus speech is about."""
        return _fields_of(self.kit, record)

    def judge(self, hit: Hit, *, part: bool = False) -> Judged:
        """Whether the hit may be shown, and why not when it may not."""
        shared = tuple(sorted(self.words & hit.terms))[:8]
        voice = self.voice(hit.record)
        if part and self.rules.same_type_for_parts and not hit.same_type:
            return Judged(hit, False, shared, "不是同一类型讲话的同一部分", voice)
        fields = self.record_fields(hit.record)
        if self.own and fields:
            # the speech mainly about the brief's field or one next to it, and either the
            # brief's own field among its fields or nothing but fields next to it (a 主题教育
            # speech touching 乡村振兴 is no rural example; a safety speech is one for 森林防火)
            if fields[0] in self.near and (self.own & set(fields) or set(fields) <= self.near):
                return Judged(hit, True, shared, "", voice)
            names = "、".join(self.kit.domains.get(k).name for k in fields)
            why = f"领域不同（范文谈{names}，简报谈{self._names()}）"
            return Judged(hit, False, shared, why, voice)
        if len(shared) >= self.rules.min_shared_words:
            return Judged(hit, False, shared, "", voice)
        return Judged(hit, False, shared, f"与简报共同的实词太少（{len(shared)}个）", voice)

    def _names(self) -> str:
        return "、".join(self.field_names)

    def kept(self, hits: Sequence[Hit], k: int, *, part: bool = False) -> list[Judged]:
        """The best k hits that pass: the speaker's own voice first (same person, post,
        level), then same type, same field, more shared words (the index's order, which
        spreads the hits out, breaks ties)."""
        passed = [j for j in (self.judge(h, part=part) for h in hits) if not j.reason]
        passed.sort(key=lambda j: (-j.voice, not j.hit.same_type, not j.same_field, -len(j.shared)))
        # one hit per speech first: two parts of one speech teach less than two speeches
        records = [j.hit.record.id for j in passed]
        first = [j for i, j in enumerate(passed) if j.hit.record.id not in records[:i]]
        rest = [j for j in passed if j not in first]
        return (first + rest)[:k]


_HABIT_ITEMS = 6  # items the speaker's own speeches must set out before a habit is read
_HABIT_SHARE = 0.75


def voice_items(examples: Sequence[Example]) -> str | None:
    """The item style the speaker's own speeches among the examples use (enum_yao for
    一要…二要…, enum_shi for 一是…), when they use one of them clearly."""
    own = VOICE_LABELS[SAME_SPEAKER]
    found = [
        m.group(2) for e in examples if e.voice == own for m in ITEM_MARKER.finditer(e.original)
    ]
    if len(found) < _HABIT_ITEMS:
        return None
    for mark, style in (("要", "enum_yao"), ("是", "enum_shi")):
        if found.count(mark) >= _HABIT_SHARE * len(found):
            return style
    return None


_FIELDS: dict[tuple[str, str, int], tuple[str, ...]] = {}


def _fields_of(kit: Kit, record: CorpusRecord) -> tuple[str, ...]:
    """A record's fields, computed once per kit folder and record (records do not change)."""
    key = (str(kit.folder), record.id, record.chars)
    found = _FIELDS.get(key)
    if found is None:
        found = _FIELDS[key] = tuple(d.key for d in home_fields(kit.domains, None, record.text))
    return found
