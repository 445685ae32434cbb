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
from service.text.structure import ParsedSpeech, has_salutation, match_heading, parse_speech

MID_SENTENCE = "mid_sentence"
MISSING_POINTS = "missing_points"
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


def prepare(raw_lines: Sequence[str]) -> Prepared:
    """Clean the lines, rebuild paragraphs a flattened copy lost, read the head, join lines
    broken inside a paragraph; notes say what was done."""
    cleaned = clean_lines(list(raw_lines))
    before = [line.text for line in cleaned.lines]
    texts, cut = resegment(before)
    if texts != before:
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
        title=header.title,
        meeting=meeting_name(header.title, prepared.body),
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
