"""A brief reverse-engineered from a corpus speech, for the leave-one-out `generate` eval.

What a material writer would have been handed: the type, the meeting (from the title,
else the opening), the speaker (from the source's meta line, else the title), the
point titles (its headings), the hand-overs of a presiding text as its agenda, the
canonical formulations it quotes as required phrases, and its length as the target.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from evals.similarity import bare_heading
from service.corpus.records import CorpusRecord
from service.knowledge.kit import Kit
from service.knowledge.lexicon import Lexicon
from service.knowledge.skeletons import Skeleton
from service.schemas import AgendaItem, Brief, BriefPoint

_TITLE_MEETING = re.compile(
    r"在(?P<meeting>.{2,80}?)(?:上|期间)的(?:讲话|主持词|表态发言|致辞|发言)"
)
_TITLE_SPEAKER = re.compile(r"^(?P<speaker>.{1,40}?)在.{2,80}?(?:上|期间)的")
_OPENING_MEETING = re.compile(
    r"召开(?:了)?(?:这次|今天的|本次)?(?P<meeting>[^，。；：,;:]{2,60}?)[，。；,;]"
)
_HANDOVER = re.compile(
    r"(?:首先|其次|然后|接下来|下面|最后|现在)[，,]?请(?P<speaker>[^。；！？\n]{2,80}?)同志"
    r"(?P<topic>[^。；！？…\n]{1,200})"
)
_PLACEHOLDER = re.compile(r"[XＸ×＊*]{2,}|某某")
MIN_TARGET, MAX_TARGET = 500, 20000  # the Brief's bounds on target_chars
_MAX_POINTS, _MAX_PHRASES, _MAX_AGENDA = 12, 30, 30


class NotDerivable(ValueError):
    """Raised when no brief can be derived from a record (no speech type); says why."""


@dataclass
class Derived:
    """The derived brief and, field by field, where each value came from."""

    brief: Brief
    sources: dict[str, str] = field(default_factory=dict)


def speech_type_of(record: CorpusRecord, kit: Kit) -> Skeleton:
    """The record's type, else the one its kind implies; NotDerivable without either."""
    if record.speech_type and record.speech_type in kit.types:
        return kit.types.get(record.speech_type)
    found = kit.types.of_kind(record.kind) if record.kind != "speech" else None
    if found is None:
        raise NotDerivable(f"语料未标出讲话类型（{record.kind}）")
    return found


def meeting_of(record: CorpusRecord) -> tuple[str, str]:
    """The meeting's name and where it was found: title, opening, else the title itself."""
    if found := _TITLE_MEETING.search(record.title):
        return found.group("meeting"), "标题"
    if found := _OPENING_MEETING.search(record.text[:600]):
        return found.group("meeting"), "开头"
    return (record.title or "工作会议")[:200], "标题全文"


def speaker_of(record: CorpusRecord) -> tuple[str, str]:
    """The speaker's post, placeholders dropped: meta line, title, else a generic post."""
    meta = _PLACEHOLDER.sub("", record.meta.speaker or "").strip("、，, ")
    if meta:
        return meta[:100], "元数据"
    if found := _TITLE_SPEAKER.search(record.title):
        return found.group("speaker"), "标题"
    return ("会议主持人" if record.kind == "presiding" else "主要负责同志"), "默认"


def points_of(record: CorpusRecord, skeleton: Skeleton) -> list[BriefPoint]:
    """The headings as point titles, unless the type's top-level parts are fixed by its form."""
    if skeleton.has_fixed_parts:
        return []  # 总结/督导: headings are the form's own parts, not the brief's points
    titles = [bare_heading(s.heading) for s in record.sections if s.role == "point"]
    return [BriefPoint(title=t[:200]) for t in titles if t][:_MAX_POINTS]


def agenda_of(record: CorpusRecord) -> list[AgendaItem]:
    """A presiding text's hand-overs (首先请…同志汇报) as agenda items, in order, once each."""
    items: dict[tuple[str, str], AgendaItem] = {}
    for found in _HANDOVER.finditer(record.text):
        speaker = found.group("speaker").strip("，, ")
        topic = found.group("topic").strip("，, ")
        items.setdefault((speaker, topic), AgendaItem(speaker=speaker[:200], topic=topic[:300]))
    return list(items.values())[:_MAX_AGENDA]


def phrases_of(record: CorpusRecord, lexicon: Lexicon) -> list[str]:
    """The lexicon's canonical formulations the speech quotes, as the brief's required phrases."""
    return [t for t in lexicon.canonical_terms if t in record.text][:_MAX_PHRASES]


def derive_brief(record: CorpusRecord, kit: Kit) -> Derived:
    """The brief a writer would have been given for this speech."""
    skeleton = speech_type_of(record, kit)
    meeting, meeting_from = meeting_of(record)
    speaker, speaker_from = speaker_of(record)
    agenda = agenda_of(record) if skeleton.kind == "presiding" else []
    brief = Brief(
        speech_type=skeleton.type,
        meeting=meeting,
        speaker=speaker,
        points=points_of(record, skeleton),
        agenda=agenda,
        required_phrases=phrases_of(record, kit.lexicon),
        target_chars=min(max(record.chars, MIN_TARGET), MAX_TARGET),
    )
    sources = {"meeting": meeting_from, "speaker": speaker_from}
    return Derived(brief, sources)
