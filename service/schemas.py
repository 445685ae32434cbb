"""API models by direction: what comes in (Brief) and what goes out."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from service.knowledge.speech_types import SpeechType, parse_speech_type

# Default length (字数) by type, from the conventions page's typical ranges.
DEFAULT_TARGET_CHARS: dict[SpeechType, int] = {
    SpeechType.work_meeting: 4000,
    SpeechType.progress: 4000,
    SpeechType.mobilization: 4000,
    SpeechType.summary: 3500,
    SpeechType.supervision: 3500,
    SpeechType.presiding: 1200,
    SpeechType.pledge: 1500,
    SpeechType.address: 1200,
}



# One list entry of a brief: an achievement, a problem, a detail, a phrase.
Entry = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
Phrase = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60)]


class Input(BaseModel):
    """Base of every input model: unknown fields are an error, strings are stripped."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class BriefPoint(Input):
    """One point the speech must make; details are optional."""

    title: str = Field(min_length=1, max_length=200)
    details: list[Entry] = Field(default_factory=list, max_length=20)


class AgendaItem(Input):
    """One agenda item of a presided meeting: who speaks on what."""

    speaker: str = Field(min_length=1, max_length=200)
    topic: str = Field(min_length=1, max_length=300)


class Brief(Input):
    """The meeting brief a speech is drafted from."""

    speech_type: SpeechType = Field(description="API value or Chinese name, e.g. 推进会讲话")
    meeting: str = Field(min_length=2, max_length=200, description="会议名称")
    speaker: str = Field(min_length=1, max_length=100, description="讲话人职务")
    organization: str | None = Field(None, max_length=200)
    date: str | None = Field(None, max_length=50)
    audience: str | None = Field(None, max_length=300)
    purpose: str | None = Field(None, max_length=1000)
    achievements: list[Entry] = Field(default_factory=list, max_length=30)
    problems: list[Entry] = Field(default_factory=list, max_length=30)
    points: list[BriefPoint] = Field(default_factory=list, max_length=12)
    point_count: int | None = Field(None, ge=1, le=12)
    required_phrases: list[Phrase] = Field(default_factory=list, max_length=30)
    forbidden_phrases: list[Phrase] = Field(default_factory=list, max_length=50)
    target_chars: int | None = Field(None, ge=500, le=20000, description="目标字数")
    notes: str | None = Field(None, max_length=2000)
    agenda: list[AgendaItem] = Field(default_factory=list, max_length=30)
    attendees: list[Entry] = Field(default_factory=list, max_length=50)

    @field_validator("speech_type", mode="before")
    @classmethod
    def _accept_chinese_type(cls, value: object) -> object:
        return parse_speech_type(value) if isinstance(value, str) else value

    @property
    def effective_target_chars(self) -> int:
        """The target length, or the type's default."""
        return self.target_chars or DEFAULT_TARGET_CHARS[self.speech_type]

    @property
    def effective_point_count(self) -> int | None:
        """Asked-for number of points: explicit, else the number of listed points."""
        return self.point_count or (len(self.points) or None)

    def fact_text(self) -> str:
        """All the brief's own words in one string: figures and names a draft may use."""
        parts = [self.meeting, self.speaker, self.organization or "", self.date or ""]
        parts += [self.audience or "", self.purpose or "", self.notes or ""]
        parts += self.achievements + self.problems + self.required_phrases + self.attendees
        for point in self.points:
            parts += [point.title, *point.details]
        for item in self.agenda:
            parts += [item.speaker, item.topic]
        return "\n".join(p for p in parts if p)


class DraftSection(BaseModel):
    """One part of a finished draft."""

    role: str
    heading: str = ""
    text: str


class ExampleRef(BaseModel):
    """A corpus speech or section the draft was shown as an example of form."""

    id: str
    title: str
    score: float
    why: str = ""
    section: str | None = None


class UsageReport(BaseModel):
    """Model calls and tokens a draft cost (zero for the built-in drafter)."""

    calls: int = 0
    failed_calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    total_tokens: int = 0
