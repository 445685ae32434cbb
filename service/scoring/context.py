"""Everything the checks read, computed once per text: parse, kind, type, line numbers."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from service.corpus.classify import Verdict
from service.corpus.reader import Reading, read_document
from service.knowledge.kit import Kit
from service.knowledge.lexicon import Lexicon
from service.knowledge.skeletons import Skeleton
from service.schemas import Brief
from service.scoring.substance import Substance
from service.text.overlap import ExampleIndex, Overlap
from service.text.structure import ParsedSpeech


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
    def reading(self) -> Reading:
        """The text read as the corpus reads a speech (computed once, when a check needs it)."""
        return read_document(self.text, self.kit.types)

    @cached_property
    def substance(self) -> Substance:
        """Sentences, parts and sub-points measured for the substance checks."""
        return Substance(self)

    @property
    def parsed(self) -> ParsedSpeech:
        return self.reading.parsed

    @property
    def required_phrases(self) -> list[str]:
        """What must appear verbatim: a part's share of the brief's phrases, else all of them."""
        if self.part is not None:
            return list(self.part.phrases)
        return self.brief.required_phrases if self.brief else []

    @property
    def lexicon(self) -> Lexicon:
        return self.kit.lexicon

    @property
    def inline_salutation(self) -> str | None:
        return self.reading.inline_salutation

    @property
    def salutation(self) -> str | None:
        return self.reading.salutation

    @property
    def verdict(self) -> Verdict:
        """Kind (speech, presiding, news …) and type, as the corpus reader sees them."""
        return self.reading.verdict

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
        return self.kit.types.get(kind) if kind and kind in self.kit.types else None

    @property
    def type_name(self) -> str:
        return self.skeleton.name if self.skeleton else "未知类型"

    @property
    def body_start(self) -> int:
        return self.reading.body_start

    def line_no(self, index: int) -> int:
        """The text's line number of a parser line index."""
        return self.reading.source_line(index)

    @cached_property
    def allowed_text(self) -> str:
        """The brief's own words: names, figures and placeholders it uses are allowed."""
        return self.brief.fact_text() if self.brief else ""

    @cached_property
    def common_words(self) -> str:
        """The brief's words and the fields' (边学边查边改 holds no one's name): an example's
        "name" found inside them was a segmentation slip."""
        fields = "；".join(w for domain in self.kit.domains.all for w in domain.vocabulary)
        return f"{self.allowed_text}；{fields}"

    @cached_property
    def allowed_phrases(self) -> list[str]:
        """Formulations a draft may quote verbatim: the brief's required phrases, the lexicon."""
        required = self.brief.required_phrases if self.brief else []
        return [*required, *self.lexicon.canonical_terms]
