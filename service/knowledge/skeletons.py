"""A speech type, described once in prompts/skeletons/<type>.yaml, and checked on load.

A skeleton is everything the service knows about one type of speech: its name
and aliases, the kind of text it is (speech, presiding text, pledge, address),
its default length and title, how the reader recognises it, how its opening
reads, and its form: ordered sections with their purpose and share of the
length, how they are numbered, and the fixed formulas (称呼, the "下面，我讲N点
意见" transition, the closing call). The YAML files are written for material
writers to read and edit; this module makes sure an edit cannot break a draft
(shares add up, roles and styles are known, patterns compile).
"""

from __future__ import annotations

import re
from functools import cached_property
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationInfo,
    field_validator,
    model_validator,
)

from service.errors import KnowledgeError
from service.knowledge.roles import Roles, RoleSpec
from service.limits import TITLE_SUFFIX_MAX_CHARS
from service.schemas import Brief
from service.text.normalise import squeeze_spaces

# Top-level numbering (GB/T 9704 and speech usage) and enumeration inside a part.
HeadingStyle = Literal["cn_dun", "di", "none"]
ItemStyle = Literal["enum_shi", "enum_yao", "di", "sequence", "qi", "none"]
Numbering = Literal["points", "part", "none"]
# The kind of text a type is: the corpus reader's kinds, less news and other.
TextKind = Literal["speech", "presiding", "pledge", "address"]

STYLE_NAMES: dict[str, str] = {
    "cn_dun": "“一、二、三、”",
    "di": "“第一，第二，第三，”",
    "enum_shi": "“一是……二是……三是……”",
    "enum_yao": "“一要……二要……三要……”",
    "sequence": "“首先……其次……最后……”",
    "qi": "“其一……其二……”",
    "none": "不编号，自然成段",
}
# The item styles a speaker's habit may swap for each other (一是 ↔ 一要).
VOICE_ITEM_STYLES = frozenset(("enum_shi", "enum_yao"))
_COUNTED = {"enum_shi": "是", "enum_yao": "要", "di": "第", "qi": "其"}


def style_name(style: str, count: int | None = None) -> str:
    """How a prompt names an item style; with a count, the run it must be: 一是……四是……"""
    mark = _COUNTED.get(style)
    if not count or mark is None:
        return STYLE_NAMES[style]
    numbers = [_CN_ORDINALS[i] for i in range(min(count, len(_CN_ORDINALS)))]
    if mark in ("第", "其"):
        run = "……".join(f"{mark}{n}" for n in numbers)
    else:
        run = "……".join(f"{n}{mark}" for n in numbers)
    return f"“{run}……”（共{count}条）"


SHARE_TOLERANCE = 0.02
_PLACEHOLDER = re.compile(r"\{(\w*)\}")
_CN_COUNTS = "一两三四五六七八九十"
_CN_ORDINALS = "一二三四五六七八九十"
# Speech openings say why the meeting is held, or comment on what was just said.
SPEECH_OPENING = r"今天|召开|主要任务|主要目的|这次|本次|此次|会议的任务|刚才|听取了"


class Strict(BaseModel):
    """Skeleton parts: unknown keys are typos, so they are errors."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def _pattern(value: str | None) -> str | None:
    """A regular expression a writer typed: it must compile."""
    if value is not None:
        try:
            re.compile(value)
        except re.error as exc:
            raise ValueError(f"正则表达式“{value}”写错了：{exc}") from exc
    return value


class Cue(Strict):
    """One way the reader recognises the type; every pattern given must match.

    title: the document's title; speaker: who speaks; head / tail: the first and
    last three paragraphs; meeting: the meeting's name (from the title or the
    opening); opening: the first paragraph after the salutation. Cues on the title,
    the speaker, the head and the tail are tried first, then the meeting's name,
    then the opening.
    """

    title: str | None = None
    speaker: str | None = None
    head: str | None = None
    tail: str | None = None
    meeting: str | None = None
    opening: str | None = None
    because: str | None = Field(None, description="why this cue means the type, for reports")

    @field_validator("title", "speaker", "head", "tail", "meeting", "opening")
    @classmethod
    def _compiles(cls, value: str | None) -> str | None:
        return _pattern(value)

    @model_validator(mode="after")
    def _some_pattern(self) -> Cue:
        if not self.places():
            raise ValueError("线索至少要写一处：title、speaker、head、tail、meeting 或 opening")
        return self

    def places(self) -> dict[str, str]:
        """The patterns given, by the place they apply to."""
        names = ("title", "speaker", "head", "tail", "meeting", "opening")
        return {name: value for name in names if (value := getattr(self, name)) is not None}

    @property
    def stage(self) -> int:
        """0 for cues on the document itself, 1 on the meeting's name, 2 on the opening."""
        places = set(self.places())
        if places <= {"opening"}:
            return 2
        if places <= {"meeting"}:
            return 1
        return 0


class Formulas(Strict):
    """Fixed wording; {n} in the transition is the number of top-level parts."""

    salutation: str = Field(min_length=2)
    transition: str | None = None
    closing: str = Field(min_length=2)
    sign_off: str | None = None


class SkeletonSection(Strict):
    """One part of the speech, in order; its role is one of prompts/roles.yaml."""

    role: str
    purpose: str = Field(min_length=4)
    share: float = Field(gt=0, le=1)
    optional: bool = False
    numbering: Numbering = "none"
    heading_hint: str | None = None
    count: int | None = Field(None, ge=1, le=12)
    items: ItemStyle = "none"
    lead: str | None = None
    # What the model's own paragraph before a fixed lead says (a 总体评价 before
    # 我们感到有四个方面的特点：); the program puts the lead just before the first item.
    intro: str | None = None
    main: bool = False
    _spec: RoleSpec | None = PrivateAttr(None)

    @field_validator("purpose", "heading_hint", "lead", "intro")
    @classmethod
    def _join_lines(cls, value: str | None) -> str | None:
        """YAML folds long lines with a space; Chinese text has none."""
        return squeeze_spaces(value) if value else value

    @field_validator("role")
    @classmethod
    def _known_role(cls, value: str, info: ValidationInfo) -> str:
        roles = _roles(info.context)
        if value not in roles:
            raise ValueError(f"不认识的部分角色“{value}”；可用：{sorted(roles.roles)}")
        return value

    def model_post_init(self, context: Any) -> None:
        self._spec = _roles(context).spec(self.role)

    @property
    def spec(self) -> RoleSpec:
        """What prompts/roles.yaml says about this part's role."""
        if self._spec is None:
            raise KnowledgeError(f"骨架部分“{self.role}”未按角色文件校验")
        return self._spec

    @property
    def label(self) -> str:
        return self.spec.label

    @property
    def record_role(self) -> str:
        """The corpus section role whose sections are shown as examples for this part."""
        return self.spec.corpus

    @model_validator(mode="after")
    def _check(self) -> SkeletonSection:
        if self.numbering == "points" and self.count is None:
            raise ValueError(f"{self.role}：分点的部分要写默认点数 count")
        if self.intro and (not self.lead or "……" in self.lead):
            raise ValueError(f"{self.role}：intro 只用于程序写定的引导语（lead，不含……）")
        if self.lead and "{n}" in self.lead and self.count is None:
            raise ValueError(f"{self.role}：引导语用了 {{n}}，要写 count")
        _check_placeholders(self.lead or "", self.role)
        return self


def _roles(context: Any) -> Roles:
    roles = context.get("roles") if isinstance(context, dict) else None
    if not isinstance(roles, Roles):
        raise KnowledgeError("骨架要连同角色文件一起读取（load_types）")
    return roles


class Skeleton(Strict):
    """Everything about one speech type: who it is, how it is recognised, its form."""

    type: str = Field(pattern=r"^[a-z][a-z0-9_]{1,39}$")
    name: str = Field(min_length=2, max_length=20)
    order: int = Field(ge=0, description="position in lists (the page, /v1/speech-types)")
    kind: TextKind = "speech"
    title_suffix: str = Field("讲话", min_length=2, max_length=TITLE_SUFFIX_MAX_CHARS)
    default_chars: int = Field(ge=500, le=20000)
    aliases: tuple[str, ...] = ()
    summary: str = Field(min_length=4)
    opening_cue: str = SPEECH_OPENING
    recognise: tuple[Cue, ...] = ()
    recognise_rank: int = Field(100, ge=0, description="lower ranks are tried first")
    fallback: bool = Field(False, description="the type of a speech with no clue at all")
    heading_style: HeadingStyle
    formulas: Formulas
    sections: list[SkeletonSection] = Field(min_length=2)

    @field_validator("opening_cue")
    @classmethod
    def _opening_compiles(cls, value: str) -> str | None:
        return _pattern(value)

    @model_validator(mode="after")
    def _check(self) -> Skeleton:
        total = sum(s.share for s in self.sections)
        if abs(total - 1.0) > SHARE_TOLERANCE:
            raise ValueError(f"各部分 share 之和应为 1，现为 {total:.2f}")
        roles = [s.role for s in self.sections]
        if len(set(roles)) != len(roles):
            raise ValueError(f"部分角色重复：{roles}")
        if sum(s.main for s in self.sections) > 1:
            raise ValueError("main 只能标在一个部分上")
        numbered = any(s.numbering != "none" for s in self.sections)
        if numbered == (self.heading_style == "none"):
            raise ValueError("有编号部分时 heading_style 不能是 none；没有时必须是 none")
        for section in self.sections:
            if section.numbering == "points" and not section.spec.default_headings:
                raise ValueError(f"{section.role}：分点的部分，其角色要有 default_headings")
        _check_placeholders(self.formulas.transition or "", "transition")
        return self

    @cached_property
    def opening_pattern(self) -> re.Pattern[str]:
        return re.compile(self.opening_cue)

    @property
    def has_fixed_parts(self) -> bool:
        """Top-level parts fixed by the form (成效/经验/下步, 评价/建议), not by the brief."""
        return any(s.numbering == "part" for s in self.sections)

    @property
    def formal_salutation(self) -> bool:
        """Whether the type is addressed “尊敬的……” (致辞, 表态发言)."""
        return self.formulas.salutation.startswith("尊敬的")

    def brief_lists(self) -> list[str]:
        """The lists of a brief this type uses (the page shows only those fields)."""
        found: dict[str, None] = {}
        for section in self.sections:
            spec = section.spec
            found.update(dict.fromkeys(spec.facts))
            if spec.items_from:
                found[spec.items_from] = None
        return list(found)

    def section(self, role: str) -> SkeletonSection:
        """The section with this role; KeyError names the roles there are."""
        for section in self.sections:
            if section.role == role:
                return section
        raise KeyError(f"{self.type} 没有“{role}”部分；有：{[s.role for s in self.sections]}")

    def target_chars(self, brief: Brief) -> int:
        """The brief's target length, else this type's default."""
        return brief.target_chars or self.default_chars

    def title_for(self, brief: Brief) -> str:
        """县委书记在XX会议上的讲话 / …上的主持词: the conventional title, naming the speaker."""
        return f"{brief.speaker}在{brief.meeting}上的{self.title_suffix}"

    def plan(self, brief: Brief) -> list[PlannedSection]:
        """Sections with this brief's length and counts (its point count, its agenda)."""
        target = self.target_chars(brief)
        return [
            PlannedSection(section=s, chars=round(s.share * target), count=_count(s, brief))
            for s in self.sections
        ]

    def parts_count(self, brief: Brief) -> int:
        """How many top-level numbered parts the speech has: what the transition announces."""
        total = 0
        for planned in self.plan(brief):
            if planned.section.numbering == "points":
                total += planned.count or 0
            elif planned.section.numbering == "part":
                total += 1
        return total

    def transition(self, brief: Brief) -> str | None:
        """The transition sentence with the number filled in, e.g. 下面，我讲三点意见。"""
        template = self.formulas.transition
        return fill(template, self.parts_count(brief)) if template else None

    def api_view(self) -> dict[str, Any]:
        """The skeleton as GET /v1/speech-types shows it: every section with its role's label."""
        data = self.model_dump(mode="json")
        for section, shown in zip(self.sections, data["sections"], strict=True):
            shown["label"] = section.label
        data["brief_lists"] = self.brief_lists()
        return data


class PlannedSection(BaseModel):
    """A skeleton section sized for one brief."""

    model_config = ConfigDict(frozen=True)

    section: SkeletonSection
    chars: int
    count: int | None

    @property
    def lead(self) -> str | None:
        lead = self.section.lead
        return fill(lead, self.count) if lead and self.count else lead


def _count(section: SkeletonSection, brief: Brief) -> int | None:
    if section.main and brief.effective_point_count:
        return brief.effective_point_count
    if section.spec.items_from == "agenda" and brief.agenda:
        return len(brief.agenda)
    return section.count


def _check_placeholders(text: str, where: str) -> None:
    unknown = {name for name in _PLACEHOLDER.findall(text) if name != "n"}
    if unknown:
        raise ValueError(f"{where}：只能用占位符 {{n}}，不认识 {sorted(unknown)}")


def chinese_count(n: int) -> str:
    """A count as said before a measure word: 2 → 两 (两点意见), 12 → 十二."""
    if not 1 <= n <= 99:
        raise ValueError(f"点数应在 1 到 99 之间：{n}")
    if n <= 10:
        return _CN_COUNTS[n - 1]
    tens, ones = divmod(n, 10)
    head = "十" if tens == 1 else "一二三四五六七八九"[tens - 1] + "十"
    return head + ("" if ones == 0 else "一二三四五六七八九"[ones - 1])


def fill(template: str, n: int | None) -> str:
    """Put the count into a formula's {n}."""
    if "{n}" not in template:
        return template
    if n is None:
        raise KnowledgeError(f"套语“{template}”需要点数")
    return template.replace("{n}", chinese_count(n))
