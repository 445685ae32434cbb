"""The one reader of speeches: how the service reads any text, a web copy for the corpus, a
file given to `jianggao check`, a draft the scorer judges.

Reading a text is: clean its lines (boilerplate, pinyin, Traditional characters, ASCII
punctuation), read its head (title, speaker and date lines), join lines broken inside a
paragraph, parse its structure (salutation, announced count, points, closing), say what
kind of text and which speech type it is, and whether the copy is cut short. Everything
that reads a speech calls this module, so a file is read the same way everywhere.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from pydantic import BaseModel, Field

from service.corpus.classify import Verdict, classify, meeting_name
from service.corpus.cleaning import Line, Removal, clean_lines, join_broken_lines
from service.corpus.header import Header, read_header
from service.corpus.noise import drop_noise_lines
from service.corpus.resegment import resegment, split_indented
from service.knowledge.speech_types import SpeechTypes
from service.text.structure import ParsedSpeech, has_salutation, match_heading, parse_speech

MID_SENTENCE = "mid_sentence"
MISSING_POINTS = "missing_points"
_CUT_REASONS = {
    None: "末句完整，宣布的要点都在",
    MID_SENTENCE: "最后一段在句中中断",
    MISSING_POINTS: "宣布的要点没有讲完，也没有结尾",
}
# How the points are numbered, in the words of the report.
STYLE_NAMES = {
    "cn_dun": "一、二、三、",
    "di": "第一，第二，",
    "paren_cn": "（一）（二）",
    "arabic": "1. 2.",
    "paren_arabic": "（1）（2）",
    "sequence": "首先…其次…最后",
    "enum_shi": "一是…二是…",
    "enum_yao": "一要…二要…",
    "qi": "其一…其二…",
}
_SALUTATION_START = re.compile(r"^(尊敬的|各位|同志们|亲爱的)")
_SENTENCE_END = re.compile(r"[。！？!?…”’」』）)》]$")
_SHORT_LINE = 16  # a last line this short may be a signature, a date or 谢谢
_PROBE_CHARS = 6
_NOT_WORD = re.compile(r"[\W_]+")
_HEADING_CHARS = 40  # a heading line ends without punctuation; a paragraph this long does not
_ITEM_STYLES = frozenset(("enum_shi", "enum_yao"))
# "同志们，刚才…": a salutation written inline with a comma, common after a presiding text.
_ADDRESSEE = r"(?:尊敬的[^，。！？：]{1,60}?|各位[^，。！？：、]{1,20}|同志们|女士们|先生们|朋友们)"
INLINE_SALUTATION = re.compile(rf"^(?P<sal>{_ADDRESSEE}(?:[、，,]{_ADDRESSEE})*[，,！!])")


class Finding(BaseModel):
    """One thing the reader found, where, why, and how sure it is."""

    field: str
    value: str | int | bool | None
    line: int | None = Field(None, description="第几行（按原文计），找不到时为空")
    reason: str
    confidence: float = Field(ge=0, le=1)


@dataclass
class Prepared:
    """A document's lines cleaned and its head read, before its structure is parsed."""

    header: Header
    body: list[str]
    removals: list[Removal]
    notes: list[str] = field(default_factory=list)

    @property
    def head_lines(self) -> list[str]:
        return self.header.head_lines


@dataclass
class Reading:
    """What the reader found in one text (or one part of a document)."""

    title: str | None
    meta: list[str]
    speaker: str | None
    parsed: ParsedSpeech
    verdict: Verdict
    notes: list[str] = field(default_factory=list)
    removals: list[Removal] = field(default_factory=list)
    cut_reason: str | None = None  # MID_SENTENCE or MISSING_POINTS when the copy is cut short
    source: str = ""  # the text as given, for line numbers
    _line_numbers: list[int] | None = field(default=None, repr=False)

    def source_line(self, index: int) -> int:
        """The 1-based line of the text as given where the reader's line `index` starts
        (cleaning drops, joins and splits lines, so the two numberings differ)."""
        if self._line_numbers is None:
            self._line_numbers = _map_lines(self.parsed.lines, self.source)
        numbers = self._line_numbers
        return numbers[index] if 0 <= index < len(numbers) else index + 1

    @property
    def cut_short(self) -> bool:
        return self.cut_reason is not None

    @property
    def kind(self) -> str:
        return self.verdict.kind

    @property
    def speech_type(self) -> str | None:
        return self.verdict.speech_type

    @property
    def lines(self) -> list[str]:
        return self.parsed.lines

    @property
    def body_start(self) -> int:
        parsed = self.parsed
        return (parsed.title is not None) + len(parsed.meta) + (parsed.salutation is not None)

    @property
    def inline_salutation(self) -> str | None:
        """A salutation at the start of the first body paragraph, when no line is one."""
        if self.parsed.salutation is not None:
            return None
        body = self.parsed.lines[self.body_start : self.body_start + 1]
        found = INLINE_SALUTATION.match(body[0]) if body else None
        return found.group("sal") if found else None

    @property
    def salutation(self) -> str | None:
        return self.parsed.salutation or self.inline_salutation

    def findings(self) -> list[Finding]:
        """What the reader found, field by field, with the line, the reason and how sure."""
        parsed = self.parsed
        verdict = self.verdict
        found = [
            Finding(
                field="kind",
                value=verdict.kind,
                reason="；".join(verdict.reasons),
                confidence=verdict.confidence,
            ),
            Finding(
                field="speech_type",
                value=verdict.speech_type,
                reason="；".join(verdict.reasons),
                confidence=verdict.confidence,
            ),
            self._salutation_finding(),
            self._announced_finding(),
            self._points_finding(),
            self._closing_finding(),
            Finding(
                field="cut_short",
                value=self.cut_short,
                reason=_CUT_REASONS[self.cut_reason],
                line=self.source_line(len(parsed.lines) - 1) if self.cut_short else None,
                confidence=0.85 if self.cut_short else 0.7,
            ),
        ]
        return found

    def _salutation_finding(self) -> Finding:
        parsed = self.parsed
        if parsed.salutation is not None:
            line = self.source_line(self.body_start - 1)
            return Finding(
                field="salutation",
                value=parsed.salutation,
                line=line,
                reason="称呼单独成行",
                confidence=0.95,
            )
        if self.inline_salutation is not None:
            return Finding(
                field="salutation",
                value=self.inline_salutation,
                line=self.source_line(self.body_start),
                reason="称呼与正文第一段同行",
                confidence=0.8,
            )
        return Finding(field="salutation", value=None, reason="正文前没有称呼", confidence=0.7)

    def _announced_finding(self) -> Finding:
        announcement = self.parsed.announcement
        if announcement is None:
            return Finding(field="announced", value=None, reason="没有宣布要讲几点", confidence=0.7)
        sure = 0.9 if announcement.count is not None else 0.7
        return Finding(
            field="announced",
            value=announcement.count,
            line=self.source_line(announcement.line),
            reason=f"“{announcement.text}”",
            confidence=sure,
        )

    def _points_finding(self) -> Finding:
        parsed = self.parsed
        points = parsed.points
        if not points:
            return Finding(
                field="points", value=0, reason="没有找到一级标题或顶层列举", confidence=0.6
            )
        styles = {p.style for p in points}
        numbers = [p.number for p in points]
        orderly = numbers == list(range(1, len(points) + 1)) and len(styles) == 1
        style = STYLE_NAMES.get(parsed.top_style or "", parsed.top_style or "")
        reason = f"{len(points)}个一级标题（{style}）" + (
            "" if len(styles) == 1 else "，中途换了编号样式"
        )
        return Finding(
            field="points",
            value=len(points),
            line=self.source_line(points[0].line),
            reason=reason,
            confidence=0.9 if orderly else 0.7,
        )

    def _closing_finding(self) -> Finding:
        parsed = self.parsed
        if parsed.closing is None:
            return Finding(
                field="closing", value=None, reason="末段不是号召、致谢、祝愿或散会", confidence=0.6
            )
        start = len(parsed.lines) - len(parsed.closing.split("\n"))
        return Finding(
            field="closing",
            value=parsed.closing.split("\n", 1)[0][:30],
            line=self.source_line(start),
            reason="最后几段是号召、致谢、祝愿或散会",
            confidence=0.85,
        )


def prepare(raw_lines: Sequence[str]) -> Prepared:
    """Clean the lines, rebuild paragraphs a flattened copy lost, read the head, join lines
    broken inside a paragraph; notes say what was done."""
    cleaned = clean_lines(split_indented(list(raw_lines)))
    before = [line.text for line in cleaned.lines]
    texts, cut = resegment(before)
    if texts != before:
        texts, furniture = drop_noise_lines(texts)  # glued to the text until it was cut
        cleaned.removals += [Removal(piece.category, piece.text) for piece in furniture]
        cleaned.lines = [Line(raw=text, text=text) for text in texts]
    header = read_header(cleaned.lines)
    body, joined = join_broken_lines(
        [line.text for line in cleaned.lines[header.consumed :]], starts_block
    )
    notes = list(header.flags)
    if cut:
        notes.append(f"原文没有分段（连成 {cut} 行），已按句末、标题序号和常见段首重新分段")
    if cleaned.pinyin_removed:
        notes.append(f"删去 {cleaned.pinyin_removed} 处拼音注音（如“(jīng)”）")
    if joined:
        notes.append(f"合并了 {joined} 处段内断行")
    return Prepared(header, body, [*cleaned.removals, *header.removals], notes)


def starts_block(line: str) -> bool:
    """A line that begins a paragraph of its own: a numbered heading or a salutation."""
    return match_heading(line) is not None or bool(_SALUTATION_START.match(line))


def read_part(
    head_lines: Sequence[str],
    body: Sequence[str],
    types: SpeechTypes,
    *,
    speaker: str | None = None,
    title: str | None = None,
    meeting: str | None = None,
) -> Reading:
    """Parse and classify one part of a document (its head lines, then its body); a presiding
    text or an address is parsed again as what it is (agenda items are not points)."""
    text = "\n".join([*head_lines, *body])
    addressed = has_salutation(text) or INLINE_SALUTATION.match(body[0] if body else "") is not None
    verdict = classify(types, title, speaker, list(body), addressed, meeting)
    parsed = parse_speech(text, verdict.kind)
    reading = Reading(
        title=parsed.title, meta=parsed.meta, speaker=speaker, parsed=parsed, verdict=verdict
    )
    reading.cut_reason = _cut_reason(reading)
    return reading


def read_document(text: str, types: SpeechTypes) -> Reading:
    """A whole text read as one: cleaned, its head and structure read, classified."""
    prepared = prepare(text.replace("\r\n", "\n").split("\n"))
    header = prepared.header
    reading = read_part(
        prepared.head_lines,
        prepared.body,
        types,
        speaker=header.speaker,
        title=header.full_title,
        meeting=meeting_name(header.full_title, prepared.body),
    )
    reading.notes = prepared.notes
    reading.removals = prepared.removals
    reading.source = text
    return reading


def _map_lines(read: list[str], source: str) -> list[int]:
    """For each line read, the first source line at or after the last one found that holds
    its first characters (compared as cleaning leaves them)."""
    given = [_comparable(line) for line in source.split("\n")]
    numbers: list[int] = []
    cursor = 0
    for line in read:
        probe = _comparable(line)[:_PROBE_CHARS]
        found = next((i for i in range(cursor, len(given)) if probe and probe in given[i]), None)
        if found is None:
            numbers.append(numbers[-1] if numbers else 1)
            continue
        cursor = found
        numbers.append(found + 1)
    return numbers


def _comparable(text: str) -> str:
    """Letters, digits and CJK only: what cleaning never changes (bar Traditional forms)."""
    return _NOT_WORD.sub("", text)


def _cut_reason(reading: Reading) -> str | None:
    """Why the copy stops before the speech ends: in the middle of a sentence, or with fewer
    points than announced and no closing; None for a complete one."""
    parsed = reading.parsed
    if reading.kind in ("news", "other"):
        return None
    body = parsed.lines[reading.body_start :]
    if body and ends_mid_sentence(body[-1]):
        return MID_SENTENCE
    announced = parsed.points_announced
    if announced is not None and len(parsed.points) < announced and parsed.closing is None:
        return MISSING_POINTS
    return None


def ends_mid_sentence(line: str) -> bool:
    """A last paragraph that stops without a sentence's end (a heading or signature can)."""
    if len(line) < _SHORT_LINE or _SENTENCE_END.search(line):
        return False
    heading = match_heading(line)
    return heading is None or heading.style in _ITEM_STYLES or len(line) > _HEADING_CHARS
