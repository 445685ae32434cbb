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

from service.corpus.classify import Verdict, classify, meeting_name
from service.corpus.cleaning import Line, Removal, clean_lines, join_broken_lines
from service.corpus.header import Header, read_header
from service.corpus.resegment import resegment
from service.knowledge.speech_types import SpeechTypes
from service.text.structure import ParsedSpeech, match_heading, parse_speech

_SALUTATION_START = re.compile(r"^(尊敬的|各位|同志们|亲爱的)")
_SENTENCE_END = re.compile(r"[。！？!?…”’」』）)》]$")
_SHORT_LINE = 16  # a last line this short may be a signature, a date or 谢谢
_HEADING_CHARS = 40  # a heading line ends without punctuation; a paragraph this long does not
_ITEM_STYLES = frozenset(("enum_shi", "enum_yao"))
# "同志们，刚才…": a salutation written inline with a comma, common after a presiding text.
_ADDRESSEE = r"(?:尊敬的[^，。！？：]{1,60}?|各位[^，。！？：、]{1,20}|同志们|女士们|先生们|朋友们)"
INLINE_SALUTATION = re.compile(rf"^(?P<sal>{_ADDRESSEE}(?:[、，,]{_ADDRESSEE})*[，,！!])")


@dataclass
class Prepared:
    """A document's lines cleaned and its head read, before its structure is parsed."""

    header: Header
    body: list[str]
    removals: list[Removal]
    notes: list[str] = field(default_factory=list)

    @property
    def head_lines(self) -> list[str]:
        return ([self.header.title] if self.header.title else []) + self.header.meta_lines


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
    cut_short: bool = False

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


def prepare(raw_lines: Sequence[str]) -> Prepared:
    """Clean the lines, rebuild paragraphs a flattened copy lost, read the head, join lines
    broken inside a paragraph; notes say what was done."""
    cleaned = clean_lines(list(raw_lines))
    texts, cut = resegment([line.text for line in cleaned.lines])
    if cut:
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
    parsed = parse_speech(text)
    reading = Reading(
        title=parsed.title,
        meta=parsed.meta,
        speaker=speaker,
        parsed=parsed,
        verdict=Verdict("speech", None),
    )
    reading.verdict = classify(
        types, title, speaker, list(body), reading.salutation is not None, meeting
    )
    if reading.kind in ("presiding", "address"):
        reading.parsed = parse_speech(text, reading.kind)
    reading.cut_short = _cut_short(reading)
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
        title=header.title,
        meeting=meeting_name(header.title, prepared.body),
    )
    reading.notes = prepared.notes
    reading.removals = prepared.removals
    return reading


def _cut_short(reading: Reading) -> bool:
    """The copy stops before the speech ends: in the middle of a sentence, or with fewer
    points than announced and no closing."""
    parsed = reading.parsed
    if reading.kind in ("news", "other"):
        return False
    body = parsed.lines[reading.body_start :]
    if body and ends_mid_sentence(body[-1]):
        return True
    if parsed.points_announced is None:
        return False
    return len(parsed.points) < parsed.points_announced and parsed.closing is None


def ends_mid_sentence(line: str) -> bool:
    """A last paragraph that stops without a sentence's end (a heading or signature can)."""
    if len(line) < _SHORT_LINE or _SENTENCE_END.search(line):
        return False
    heading = match_heading(line)
    return heading is None or heading.style in _ITEM_STYLES or len(line) > _HEADING_CHARS
