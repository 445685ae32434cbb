"""Load and check the speech skeletons of prompts/skeletons/<type>.yaml.

A skeleton is the conventional form of one speech type: ordered sections with
their purpose and share of the length, how they are numbered, and the fixed
formulas (称呼, the "下面，我讲N点意见" transition, the closing call). The YAML
files are written for material writers to read and edit; this module makes sure
an edit cannot break a draft (shares add up, roles and styles are known, every
type has exactly one file).
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from service.config import get_settings
from service.knowledge.speech_types import CHINESE_NAMES, SpeechType, parse_speech_type
from service.schemas import Brief
from service.text.normalise import squeeze_spaces

# Section roles and their Chinese names; the record role says which corpus sections match.
ROLES: dict[str, tuple[str, str]] = {
    "opening": ("开场", "opening"),
    "comment": ("评价汇报", "opening"),
    "achievements": ("肯定成绩", "achievements"),
    "problems": ("指出问题", "problems"),
    "points": ("分点意见", "point"),
    "review": ("回顾成效", "achievements"),
    "lessons": ("经验启示", "point"),
    "next_steps": ("下步工作", "point"),
    "evaluation": ("评价特点", "point"),
    "suggestions": ("意见建议", "point"),
    "thanks": ("致谢", "closing"),
    "attendance": ("出席人员", "agenda"),
    "agenda": ("会议议程", "agenda"),
    "handover": ("逐项主持", "agenda"),
    "wrapup": ("小结要求", "point"),
    "adjourn": ("宣布散会", "closing"),
    "stance": ("表明态度", "opening"),
    "measures": ("具体措施", "point"),
    "resolve": ("表示决心", "closing"),
    "welcome": ("欢迎祝贺", "opening"),
    "body": ("主体内容", "point"),
    "wishes": ("祝愿", "closing"),
    "closing": ("结尾号召", "closing"),
}
Role = Literal[
    "opening",
    "comment",
    "achievements",
    "problems",
    "points",
    "review",
    "lessons",
    "next_steps",
    "evaluation",
    "suggestions",
    "thanks",
    "attendance",
    "agenda",
    "handover",
    "wrapup",
    "adjourn",
    "stance",
    "measures",
    "resolve",
    "welcome",
    "body",
    "wishes",
    "closing",
]
# Top-level numbering (GB/T 9704 and speech usage) and enumeration inside a part.
HeadingStyle = Literal["cn_dun", "di", "none"]
ItemStyle = Literal["enum_shi", "enum_yao", "di", "sequence", "qi", "none"]
Numbering = Literal["points", "part", "none"]

STYLE_NAMES: dict[str, str] = {
    "cn_dun": "“一、二、三、”",
    "di": "“第一，第二，第三，”",
    "enum_shi": "“一是……二是……三是……”",
    "enum_yao": "“一要……二要……三要……”",
    "sequence": "“首先……其次……最后……”",
    "qi": "“其一……其二……”",
    "none": "不编号，自然成段",
}
SHARE_TOLERANCE = 0.02
_PLACEHOLDER = re.compile(r"\{(\w*)\}")
_CN_COUNTS = "一两三四五六七八九十"


class SkeletonError(ValueError):
    """Raised when a skeleton file is missing, unreadable or breaks a rule of the form."""


class Strict(BaseModel):
    """Skeleton parts: unknown keys are typos, so they are errors."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Formulas(Strict):
    """Fixed wording; {n} in the transition is the number of top-level parts."""

    salutation: str = Field(min_length=2)
    transition: str | None = None
    closing: str = Field(min_length=2)
    sign_off: str | None = None


class SkeletonSection(Strict):
    """One part of the speech, in order."""

    role: Role
    purpose: str = Field(min_length=4)
    share: float = Field(gt=0, le=1)
    optional: bool = False
    numbering: Numbering = "none"
    heading_hint: str | None = None
    count: int | None = Field(None, ge=1, le=12)
    items: ItemStyle = "none"
    lead: str | None = None
    main: bool = False

    @field_validator("purpose", "heading_hint", "lead")
    @classmethod
    def _join_lines(cls, value: str | None) -> str | None:
        """YAML folds long lines with a space; Chinese text has none."""
        return squeeze_spaces(value) if value else value

    @property
    def label(self) -> str:
        return ROLES[self.role][0]

    @property
    def record_role(self) -> str:
        """The corpus section role whose sections are shown as examples for this part."""
        return ROLES[self.role][1]

    @model_validator(mode="after")
    def _check(self) -> SkeletonSection:
        if self.numbering == "points" and self.count is None:
            raise ValueError(f"{self.role}：分点的部分要写默认点数 count")
        if self.lead and "{n}" in self.lead and self.count is None:
            raise ValueError(f"{self.role}：引导语用了 {{n}}，要写 count")
        _check_placeholders(self.lead or "", self.role)
        return self


class Skeleton(Strict):
    """The form of one speech type."""

    type: SpeechType
    name: str
    summary: str = Field(min_length=4)
    heading_style: HeadingStyle
    formulas: Formulas
    sections: list[SkeletonSection] = Field(min_length=2)

    @model_validator(mode="after")
    def _check(self) -> Skeleton:
        if self.name != CHINESE_NAMES[self.type]:
            raise ValueError(f"name 应为“{CHINESE_NAMES[self.type]}”，现为“{self.name}”")
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
        _check_placeholders(self.formulas.transition or "", "transition")
        return self

    def section(self, role: str) -> SkeletonSection:
        """The section with this role; KeyError names the roles there are."""
        for section in self.sections:
            if section.role == role:
                return section
        raise KeyError(f"{self.type.value} 没有“{role}”部分；有：{[s.role for s in self.sections]}")

    def plan(self, brief: Brief) -> list[PlannedSection]:
        """Sections with this brief's length and counts (its point count, its agenda)."""
        target = brief.effective_target_chars
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
    if section.role in ("agenda", "handover") and brief.agenda:
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
        raise SkeletonError(f"套语“{template}”需要点数")
    return template.replace("{n}", chinese_count(n))


def load_skeleton_file(path: Path) -> Skeleton:
    """Read and validate one YAML file; errors name the file and the rule broken."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        skeleton = Skeleton.model_validate(data)
    except (OSError, yaml.YAMLError) as exc:
        raise SkeletonError(f"读不了骨架文件 {path.name}：{exc}") from exc
    except ValidationError as exc:
        problems = "；".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise SkeletonError(f"骨架文件 {path.name} 不合规：{problems}") from exc
    if path.stem != skeleton.type.value:
        raise SkeletonError(f"骨架文件 {path.name} 的 type 是 {skeleton.type.value}，文件名应一致")
    return skeleton


def load_skeletons(directory: Path | None = None) -> dict[SpeechType, Skeleton]:
    """All skeletons; exactly one file per speech type."""
    folder = directory or get_settings().prompts_dir / "skeletons"
    return _load_all(folder)


@lru_cache(maxsize=4)
def _load_all(folder: Path) -> dict[SpeechType, Skeleton]:
    files = sorted(folder.glob("*.yaml")) + sorted(folder.glob("*.yml"))
    found: dict[SpeechType, Skeleton] = {}
    for path in files:
        skeleton = load_skeleton_file(path)
        if skeleton.type in found:
            raise SkeletonError(f"类型 {skeleton.type.value} 有两个骨架文件")
        found[skeleton.type] = skeleton
    missing = [t.value for t in SpeechType if t not in found]
    if missing:
        raise SkeletonError(f"{folder} 缺少骨架文件：{', '.join(m + '.yaml' for m in missing)}")
    return found


def load_skeleton(kind: SpeechType | str, directory: Path | None = None) -> Skeleton:
    """The skeleton of a type, given as API value or Chinese name (推进会讲话)."""
    speech_type = kind if isinstance(kind, SpeechType) else parse_speech_type(kind)
    return load_skeletons(directory)[speech_type]
