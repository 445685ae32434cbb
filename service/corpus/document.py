"""One source document → one or two corpus records (a presiding text and the speech after it)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import get_args

from service.corpus.classify import (
    Verdict,
    handover_speaker,
    meeting_name,
    presiding_split,
    speaker_in_title,
)
from service.corpus.cleaning import Removal
from service.corpus.header import Header
from service.corpus.reader import MID_SENTENCE, Reading, prepare, read_part
from service.corpus.records import CorpusRecord, RecordMeta, RecordSection, SectionRole
from service.errors import SkipSource
from service.knowledge.speech_types import SpeechTypes
from service.text.normalise import count_chars
from service.text.structure import ParsedSpeech

_RECORD_ROLES: dict[str, SectionRole] = {role: role for role in get_args(SectionRole)}
_LEVEL = re.compile(r"(省|市|县|区|乡|镇)(委|政府|人大|政协|纪委)|[全我本](省|市|县|区|乡|镇)")
_DATELINE = re.compile(r"^(\d{1,2}月\d{1,2}日)")
_SALUTATION_START = re.compile(r"^(尊敬的|各位|同志们|亲爱的)")
_FALLBACK_TITLE_CHARS = 24


@dataclass
class DocumentResult:
    """The records made from one source, and every removed piece with its category."""

    records: list[CorpusRecord]
    removals: list[Removal] = field(default_factory=list)


@dataclass
class _Part:
    """One record's worth of lines before it becomes a record."""

    number: int
    head_lines: list[str]
    body: list[str]
    speaker: str | None
    flags: list[str] = field(default_factory=list)


def build_document(
    doc_id: str, source: str, raw_lines: Sequence[str], types: SpeechTypes
) -> DocumentResult:
    """Read one source's lines (the service's one reader) into records: a presiding text and
    the speech after it become two; SkipSource if nothing is left."""
    prepared = prepare(raw_lines)
    header, body = prepared.header, prepared.body
    if not body:
        raise SkipSource(_empty_reason(prepared.removals))
    parts = _split_parts(header, body)
    name = meeting_name(header.full_title, body)
    records = [
        _record(
            doc_id if len(parts) == 1 else f"{doc_id}#{part.number}",
            source,
            part,
            header,
            name,
            types,
        )
        for part in parts
    ]
    records[0].removed = [r.text for r in prepared.removals]
    records[0].flags[:0] = prepared.notes
    return DocumentResult(records, prepared.removals)


def _empty_reason(removals: list[Removal]) -> str:
    if removals:
        return f"只有样板文字（版权、页脚等），没有正文；删除了 {len(removals)} 行"
    return "清洗后没有正文"


def _split_parts(header: Header, body: list[str]) -> list[_Part]:
    """A presiding text followed by a speech becomes two parts; anything else one."""
    head_lines = header.head_lines
    at = presiding_split(body)
    if at is None:
        return [_Part(1, head_lines, body, header.speaker)]
    note = f"在第 {at + 1} 段拆分：前为主持词，后为讲话（以“{body[at][:12]}…”开头）"
    first = _Part(1, head_lines, body[:at], header.speaker, [note])
    second = _Part(2, [], body[at:], handover_speaker(body[at - 1]), [note])
    return [first, second]


def _record(
    record_id: str, source: str, part: _Part, header: Header, name: str | None, types: SpeechTypes
) -> CorpusRecord:
    text = "\n".join([*part.head_lines, *part.body])
    # Filed under title and subtitle: the subtitle names the meeting (——在…上的讲话).
    title_in_text = header.full_title if part.number == 1 else None
    reading = read_part(
        part.head_lines,
        part.body,
        types,
        speaker=part.speaker,
        title=title_in_text,
        meeting=name,
    )
    parsed, verdict = reading.parsed, reading.verdict
    suffix = types.title_suffix(verdict.kind)
    title, title_flag = _title(title_in_text, verdict, name, part.body, suffix)
    flags = [*part.flags, *verdict.reasons, *_count_flags(reading)]
    if title_flag:
        flags.append(title_flag)
    return CorpusRecord(
        id=record_id,
        source=source,
        title=title,
        kind=verdict.kind,
        speech_type=verdict.speech_type,
        text=text,
        sections=_sections(parsed, verdict),
        chars=count_chars(text),
        meta=_meta(part, header, title, verdict),
        flags=flags,
    )


def _title(
    title: str | None, verdict: Verdict, name: str | None, body: list[str], suffix: str
) -> tuple[str, str | None]:
    """The source's title, else one derived from the meeting's name, else the first words."""
    if title:
        return title, None
    if name and verdict.kind not in ("news", "other"):
        return f"在{name}上的{suffix}", f"标题由会议名称“{name}”生成"
    first = next((x for x in body if not _SALUTATION_START.match(x)), body[0])
    short = first[:_FALLBACK_TITLE_CHARS] + ("…" if len(first) > _FALLBACK_TITLE_CHARS else "")
    return short, "标题取自正文开头（原文无标题，也找不到会议名称）"


def _count_flags(reading: Reading) -> list[str]:
    """Announced against found points ("宣布3点，实有2点（原文不完整）"), and a copy cut off in
    the middle of a sentence."""
    parsed = reading.parsed
    announced = parsed.points_announced
    found = len(parsed.points)
    flags = []
    if reading.kind not in ("news", "other") and announced is not None and announced != found:
        why = "原文不完整" if reading.cut_short else "缺少要点"
        note = f"（{why}）" if found < announced else ""
        flags.append(f"宣布{announced}点，实有{found}点{note}")
    if reading.cut_reason == MID_SENTENCE:
        flags.append("原文在句中中断（原文不完整）")
    return flags


def _sections(parsed: ParsedSpeech, verdict: Verdict) -> list[RecordSection]:
    """Structure sections in the record's roles; news and other texts are title + other."""
    if verdict.kind in ("news", "other"):
        body = "\n".join(parsed.lines[1:] if parsed.title else parsed.lines)
        head = [RecordSection(role="title", text=parsed.title)] if parsed.title else []
        return [*head, RecordSection(role="other", text=body)]
    sections: list[RecordSection] = []
    for section in parsed.sections:
        role = _RECORD_ROLES.get(section.role, "other")
        sections.append(RecordSection(role=role, heading=section.heading, text=section.text))
    return sections


def _meta(part: _Part, header: Header, title: str, verdict: Verdict) -> RecordMeta:
    """Speaker, date and level where the document states them."""
    speaker = part.speaker or (speaker_in_title(title) if verdict.kind != "news" else None)
    date = header.date if part.number == 1 else None
    if date is None and verdict.kind == "news":
        found = next((m.group(1) for x in part.body[:2] if (m := _DATELINE.match(x))), None)
        date = found
    return RecordMeta(speaker=speaker, date=date, level=level_of(speaker, title, part.body))


def level_of(speaker: str | None, title: str, body: list[str]) -> str | None:
    """The level a text speaks at (省, 市, 县, 区, 乡镇) from who speaks, the title, the start."""
    for text in (speaker or "", title, *body[:3]):
        found = _LEVEL.search(text)
        if found:
            level = found.group(1) or found.group(3)
            return "乡镇" if level in ("乡", "镇") else level
    return None
