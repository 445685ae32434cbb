"""Everything the checks read, computed once per text: parse, kind, type, line numbers."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property

from service.corpus.classify import Verdict, classify
from service.knowledge.kit import Kit
from service.knowledge.lexicon import Lexicon
from service.knowledge.skeletons import Skeleton
from service.schemas import Brief
from service.text.overlap import ExampleIndex, Overlap
from service.text.structure import ParsedSpeech, parse_speech

# "同志们，刚才…": a salutation written inline with a comma, common after a presiding text.
_ADDRESSEE = r"(?:尊敬的[^，。！？：]{1,60}?|各位[^，。！？：、]{1,20}|同志们|女士们|先生们|朋友们)"
INLINE_SALUTATION = re.compile(rf"^(?P<sal>{_ADDRESSEE}(?:[、，,]{_ADDRESSEE})*[，,！!])")


@dataclass(frozen=True)
class PartScope:
    """One part of a draft judged on its own: the phrases it was given to carry verbatim,
    its planned length, and whether the model stopped at its token limit while writing it."""

    phrases: tuple[str, ...]
    planned_chars: int
    truncated: bool = False


@dataclass
class Context:
    """One text under scrutiny (a speech, or one part of a draft) and what it is checked against."""

    text: str
    kit: Kit
    brief: Brief | None = None
    speech_type: str | None = None
    examples: ExampleIndex | None = None
    draft: bool = False
    part: PartScope | None = None
    overlap: Overlap | None = field(default=None, init=False)  # computed by the first copy check

    @cached_property
    def parsed(self) -> ParsedSpeech:
        """The text read as a speech (computed once, only when a check needs it)."""
        return parse_speech(self.text)

    @property
    def required_phrases(self) -> list[str]:
        """What must appear verbatim: a part's share of the brief's phrases, else all of them."""
        if self.part is not None:
            return list(self.part.phrases)
        return self.brief.required_phrases if self.brief else []

    @property
    def lexicon(self) -> Lexicon:
        return self.kit.lexicon

    @cached_property
    def inline_salutation(self) -> str | None:
        """A salutation at the start of the first body paragraph, when the parser saw none."""
        body = self.parsed.lines[self.body_start : self.body_start + 1]
        found = INLINE_SALUTATION.match(body[0]) if body else None
        return found.group("sal") if found else None

    @property
    def salutation(self) -> str | None:
        return self.parsed.salutation or self.inline_salutation

    @cached_property
    def verdict(self) -> Verdict:
        """Kind (speech, presiding, news …) by the corpus builder's rules, with reasons."""
        parsed = self.parsed
        has_salutation = self.salutation is not None
        return classify(self.kit.types, parsed.title, None, parsed.lines, has_salutation)

    @property
    def kind(self) -> str:
        return self.verdict.kind

    @property
    def is_speech(self) -> bool:
        return self.kind not in ("news", "other")

    @cached_property
    def effective_type(self) -> str | None:
        """The type asked for, else the brief's, else the one the classifier infers."""
        if self.speech_type is not None:
            return self.speech_type
        if self.brief is not None:
            return self.brief.speech_type
        return self.verdict.speech_type

    @cached_property
    def skeleton(self) -> Skeleton | None:
        """The effective type's description, when there is a type."""
        kind = self.effective_type
        return self.kit.types.get(kind) if kind else None

    @property
    def type_name(self) -> str:
        return self.skeleton.name if self.skeleton else "未知类型"

    @cached_property
    def body_start(self) -> int:
        parsed = self.parsed
        return (parsed.title is not None) + len(parsed.meta) + (parsed.salutation is not None)

    @cached_property
    def _line_numbers(self) -> list[int]:
        """Parser line index → 1-based line number in the text as given."""
        numbers = [i + 1 for i, line in enumerate(self.text.split("\n")) if line.strip()]
        if len(self.parsed.lines) == len(numbers) + 1:
            # The parser split "同志们：今天…" into salutation and body: same source line.
            at = self.body_start
            numbers = [*numbers[:at], numbers[at - 1], *numbers[at:]]
        return numbers

    def line_no(self, index: int) -> int:
        """The text's line number of a parser line index."""
        numbers = self._line_numbers
        return numbers[index] if 0 <= index < len(numbers) else index + 1

    @cached_property
    def allowed_text(self) -> str:
        """The brief's own words: names, figures and placeholders it uses are allowed."""
        return self.brief.fact_text() if self.brief else ""

    @cached_property
    def allowed_phrases(self) -> list[str]:
        """Formulations a draft may quote verbatim: the brief's required phrases, the lexicon."""
        required = self.brief.required_phrases if self.brief else []
        return [*required, *self.lexicon.canonical_terms]
