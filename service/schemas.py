"""API models by direction: what comes in (Brief) and what goes out."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

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

    speech_type: str = Field(
        min_length=2,
        max_length=40,
        description="讲话类型：API 值或中文名称，如 progress 或 推进会讲话（GET /v1/speech-types）",
    )
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
    target_chars: int | None = Field(
        None, ge=500, le=20000, description="目标字数；不填则用该类型的默认字数"
    )
    notes: str | None = Field(None, max_length=2000)
    agenda: list[AgendaItem] = Field(default_factory=list, max_length=30)
    attendees: list[Entry] = Field(default_factory=list, max_length=50)

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
