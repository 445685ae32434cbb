"""API models by direction: what comes in (Brief) and what goes out."""

from __future__ import annotations

import json
import re
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_validator,
)

from service.limits import HEADING_MAX_CHARS, MEETING_MAX_CHARS, SPEAKER_MAX_CHARS, SUBPOINTS_MAX
from service.text.posts import SPEAKER

# One list entry of a brief: an achievement, a problem, a detail, a phrase.
Entry = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
Phrase = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60)]


# Characters no speech holds: controls (but line breaks and tabs) and zero-width marks that
# come along when text is pasted from web pages and chat windows.
_INVISIBLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2060\ufeff]")
# How people type several items on one line: 压实防汛责任；排查风险隐患；做好应急准备
_ITEM_SEPARATORS = re.compile(r"\s*[；;\n]\s*")
_ENUMERATION = re.compile(r"\s*、\s*")
_ITEM_NUMBER = re.compile(r"^(?:[（(]?[一二三四五六七八九十\d]+[）)、.．]|[-·•])\s*")
MIN_LISTED = 4  # characters each item of a 、-list must have for the list to be split
# An agenda item typed as one line: 镇纪委书记宣读实施方案 → speaker 镇纪委书记, topic 宣读实施方案
_AGENDA_VERB = re.compile(
    r"(?:宣读|作|讲话|发言|通报|介绍|传达|汇报|部署|颁奖|表态|致辞|总结|解读|领学|点评)"
)
_COLON = re.compile(r"[：:]")
# Names that say nothing of which meeting it is.
_NOT_A_MEETING = frozenset(("开会", "开个会", "会议", "大会", "讲话", "发言", "工作会议", "会"))


def _visible(value: Any) -> Any:
    """A string (or each string of a list) without control and zero-width characters."""
    if isinstance(value, str):
        return _INVISIBLE.sub("", value)
    if isinstance(value, list):
        return [_INVISIBLE.sub("", v) if isinstance(v, str) else v for v in value]
    return value


def split_items(text: str) -> list[str]:
    """Items typed on one line or in one box: split at ；, ; and line breaks, or at 、 when
    every piece is an item of its own (压实防汛责任、排查风险隐患、做好应急准备)."""
    pieces = [_ITEM_NUMBER.sub("", p).strip() for p in _ITEM_SEPARATORS.split(text)]
    pieces = [p for p in pieces if p]
    if len(pieces) == 1:
        listed = [p.strip() for p in _ENUMERATION.split(pieces[0]) if p.strip()]
        if len(listed) >= 3 and all(len(p) >= MIN_LISTED for p in listed):
            return listed
    return pieces


# What each field is called on the page and in the brief, for messages that name it.
FIELD_LABELS = {
    "speech_type": "讲话类型", "meeting": "会议名称", "speaker": "讲话人职务",
    "speaker_name": "讲话人姓名",
    "organization": "单位", "date": "会议日期", "audience": "参会对象", "purpose": "会议目的",
    "achievements": "成绩", "problems": "问题", "points": "要讲的几点",
    "required_phrases": "必须出现的提法", "forbidden_phrases": "不得出现的词语",
    "target_chars": "目标字数", "notes": "其他要求", "agenda": "议程", "attendees": "出席人员",
    "point_count": "要点数量", "outline": "提纲", "mode": "起草方式", "instruction": "修改要求",
    "text": "文字", "brief": "简报", "title": "标题", "details": "具体内容",
    "heading": "标题", "subpoints": "要点", "parts": "", "chars": "字数",
    "topic": "内容", "limit": "条数", "offset": "起点",
    "version": "版本", "format": "格式", "encoding": "编码", "body": "请求体", "file": "文件",
}  # fmt: skip


class Input(BaseModel):
    """Base of every input model: unknown fields are an error, strings are stripped and
    rid of control and zero-width characters."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @field_validator("*", mode="before")
    @classmethod
    def _no_invisible_characters(cls, value: Any) -> Any:
        return _visible(value)


class BriefPoint(Input):
    """One point the speech must make; details are optional."""

    title: str = Field(min_length=1, max_length=HEADING_MAX_CHARS)
    details: list[Entry] = Field(default_factory=list, max_length=SUBPOINTS_MAX)


class AgendaItem(Input):
    """One agenda item of a presided meeting: who speaks on what. It may be typed as one
    line: “县长：讲话” or “镇纪委书记宣读实施方案”."""

    speaker: str = Field("", max_length=200)
    topic: str = Field(min_length=1, max_length=300)

    @model_validator(mode="before")
    @classmethod
    def _from_a_line(cls, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        line = _visible(value).strip()
        colon = _COLON.search(line)
        if colon:
            return {"speaker": line[: colon.start()], "topic": line[colon.end() :]}
        for verb in _AGENDA_VERB.finditer(line):
            if SPEAKER.search(line[: verb.start()]):
                return {"speaker": line[: verb.start()], "topic": line[verb.start() :]}
        return {"speaker": "", "topic": line}


class Brief(Input):
    """The meeting brief a speech is drafted from."""

    speech_type: str = Field(
        min_length=2,
        max_length=40,
        description="讲话类型：API 值或中文名称，如 progress 或 推进会讲话（GET /v1/speech-types）",
    )
    meeting: str = Field(min_length=2, max_length=MEETING_MAX_CHARS, description="会议名称")
    speaker: str = Field(min_length=1, max_length=SPEAKER_MAX_CHARS, description="讲话人职务")
    speaker_name: str | None = Field(
        None,
        max_length=50,
        description="讲话人姓名：语料库里这位领导自己的讲话优先作范文，学习他的语气",
    )
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

    @field_validator("meeting")
    @classmethod
    def _names_a_meeting(cls, value: str) -> str:
        if value in _NOT_A_MEETING:
            raise ValueError(f"会议名称“{value}”没有说明是什么会，请写全，如“全县防汛工作会议”")
        return value

    @field_validator("points", mode="before")
    @classmethod
    def _points_as_typed(cls, value: Any) -> Any:
        """Points as a line or a box of text, a list of titles, or one title holding
        several points (压实防汛责任；排查风险隐患) become one point each."""
        if isinstance(value, str):
            return [{"title": title} for title in split_items(value)]
        if not isinstance(value, list):
            return value
        points = [{"title": v} if isinstance(v, str) else v for v in value]
        if len(points) == 1 and isinstance(points[0], dict) and not points[0].get("details"):
            titles = split_items(str(points[0].get("title", "")))
            if len(titles) > 1:
                return [{"title": title} for title in titles]
        return points

    @field_validator("achievements", "problems", "attendees", mode="before")
    @classmethod
    def _lists_as_typed(cls, value: Any) -> Any:
        """A list typed as one text becomes its items."""
        return split_items(value) if isinstance(value, str) else value

    @field_validator("forbidden_phrases")
    @classmethod
    def _not_also_required(cls, value: list[str], info: ValidationInfo) -> list[str]:
        required = info.data.get("required_phrases") or []
        clash = [f for f in value if any(f in r for r in required)]
        if clash:
            raise ValueError(
                f"“{clash[0]}”既是必须出现的提法（或其中一部分），又是禁用词语，请删去其中一处"
            )
        return value

    @property
    def effective_point_count(self) -> int | None:
        """Asked-for number of points: explicit, else the number of listed points."""
        return self.point_count or (len(self.points) or None)

    def longest_field(self) -> tuple[str, int]:
        """The field holding the most characters, and how many: what to shorten first."""
        sizes: dict[str, int] = {}
        for name, value in self.model_dump(exclude={"speech_type"}).items():
            sizes[name] = len(json.dumps(value, ensure_ascii=False)) if value else 0
        name = max(sizes, key=lambda n: sizes[n])
        return name, sizes[name]

    def fact_text(self) -> str:
        """All the brief's own words in one string: figures and names a draft may use."""
        parts = [self.meeting, self.speaker, self.speaker_name or "", self.organization or ""]
        parts.append(self.date or "")
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
