"""Assertions of the `cases` eval mode, in the spirit of promptfoo's `assert` lists.

Each assertion is a small pydantic model named by its `type`; `evaluate(subject)` says
whether the draft meets it and why, in words a material writer can act on. The set is
documented in evals/cases/README.md.
"""

from __future__ import annotations

import re
from abc import abstractmethod
from dataclasses import dataclass
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator

from service.scoring import CHECK_NAMES, Report
from service.text.normalise import count_chars

_SHOWN = 20  # characters of a match quoted in a reason


@dataclass(frozen=True)
class Subject:
    """What assertions look at: the draft's text and the scorer's report on it."""

    text: str
    report: Report


class AssertionResult(BaseModel):
    """One assertion's outcome: which, passed or not, and why."""

    type: str
    label: str
    passed: bool
    reason: str


def _as_list(value: object) -> object:
    return [value] if isinstance(value, str) else value


NonEmpty = Annotated[str, Field(min_length=1)]
Texts = Annotated[list[NonEmpty], BeforeValidator(_as_list), Field(min_length=1)]


def _quoted(texts: list[str]) -> str:
    return "、".join(f"“{t}”" for t in texts)


def _clip(text: str) -> str:
    return text if len(text) <= _SHOWN else text[:_SHOWN] + "…"


class _Assertion(BaseModel):
    """Fields every assertion has; a subclass narrows `type` and adds its value and `check`."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    type: str
    description: str | None = None

    @abstractmethod
    def default_label(self) -> str:
        """What the assertion asks, in a few words, when the case gives no description."""

    @abstractmethod
    def check(self, subject: Subject) -> tuple[bool, str]:
        """Whether the draft meets the assertion, and the reason either way."""

    def evaluate(self, subject: Subject) -> AssertionResult:
        """Run the check; the label is the description when the case gives one."""
        passed, reason = self.check(subject)
        label = self.description or self.default_label()
        return AssertionResult(type=self.type, label=label, passed=passed, reason=reason)


class Contains(_Assertion):
    """Every value appears verbatim (required formulations, names, figures)."""

    type: Literal["contains"]
    value: Texts

    def default_label(self) -> str:
        return f"逐字包含{_quoted(self.value)}"

    def check(self, subject: Subject) -> tuple[bool, str]:
        missing = [v for v in self.value if v not in subject.text]
        if missing:
            return False, f"未出现{_quoted(missing)}"
        counts = "，".join(f"“{v}”{subject.text.count(v)}次" for v in self.value)
        return True, f"均出现：{counts}"


class NotContains(_Assertion):
    """No value appears (forbidden words, example names, placeholders)."""

    type: Literal["not-contains"]
    value: Texts

    def default_label(self) -> str:
        return f"不含{_quoted(self.value)}"

    def check(self, subject: Subject) -> tuple[bool, str]:
        lines = subject.text.split("\n")
        found = [
            f"“{v}”（第{n}行）" for v in self.value for n, line in enumerate(lines, 1) if v in line
        ]
        if found:
            return False, "出现了" + "、".join(found[:5])
        return True, "均未出现"


class _Pattern(_Assertion):
    """A regular expression value, compiled when the case is loaded so a typo fails early."""

    value: NonEmpty

    @field_validator("value")
    @classmethod
    def _compiles(cls, value: str) -> str:
        try:
            re.compile(value)
        except re.error as error:
            raise ValueError(f"正则表达式无效：{error}") from None
        return value

    def search(self, text: str) -> re.Match[str] | None:
        return re.search(self.value, text, re.MULTILINE)


class Regex(_Pattern):
    """The pattern matches somewhere (`^`/`$` match at line starts and ends)."""

    type: Literal["regex"]

    def default_label(self) -> str:
        return f"匹配 /{self.value}/"

    def check(self, subject: Subject) -> tuple[bool, str]:
        found = self.search(subject.text)
        if found is None:
            return False, f"没有与 /{self.value}/ 相符的文字"
        line = subject.text.count("\n", 0, found.start()) + 1
        return True, f"第{line}行“{_clip(found.group())}”"


class NotRegex(_Pattern):
    """The pattern matches nowhere."""

    type: Literal["not-regex"]

    def default_label(self) -> str:
        return f"不匹配 /{self.value}/"

    def check(self, subject: Subject) -> tuple[bool, str]:
        found = self.search(subject.text)
        if found is None:
            return True, "没有相符的文字"
        line = subject.text.count("\n", 0, found.start()) + 1
        return False, f"第{line}行出现“{_clip(found.group())}”"


class InOrder(_Assertion):
    """Every value appears, each after the one before (agenda hand-overs, part order)."""

    type: Literal["in-order"]
    value: Annotated[list[NonEmpty], Field(min_length=2)]

    def default_label(self) -> str:
        return "依次出现" + " → ".join(f"“{v}”" for v in self.value)

    def check(self, subject: Subject) -> tuple[bool, str]:
        at = 0
        for index, value in enumerate(self.value):
            found = subject.text.find(value, at)
            if found < 0:
                if value not in subject.text:
                    return False, f"未出现“{value}”"
                return False, f"“{value}”没有出现在“{self.value[index - 1]}”之后"
            at = found + len(value)
        return True, f"{len(self.value)}处均按顺序出现"


class PointCount(_Assertion):
    """Exactly this many top-level points, as the parser reads the draft."""

    type: Literal["point-count"]
    value: int = Field(ge=0, le=20)

    def default_label(self) -> str:
        return f"{self.value}个要点"

    def check(self, subject: Subject) -> tuple[bool, str]:
        found = subject.report.structure.points_found
        announced = subject.report.structure.points_announced
        said = f"（宣布{announced}点）" if announced else ""
        return found == self.value, f"解析出{found}个要点{said}"


class Length(_Assertion):
    """字数 (every non-space character, as word processors count) within [min, max]."""

    type: Literal["length"]
    min: int | None = Field(None, ge=0)
    max: int | None = Field(None, ge=1)

    @model_validator(mode="after")
    def _a_range(self) -> Length:
        if self.min is None and self.max is None:
            raise ValueError("length 至少要给 min 或 max")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"length 的 min（{self.min}）大于 max（{self.max}）")
        return self

    def _bounds(self) -> str:
        if self.min is not None and self.max is not None:
            return f"{self.min}–{self.max}字"
        return f"至少{self.min}字" if self.min is not None else f"至多{self.max}字"

    def default_label(self) -> str:
        return f"篇幅{self._bounds()}"

    def check(self, subject: Subject) -> tuple[bool, str]:
        chars = count_chars(subject.text)
        low_ok = self.min is None or chars >= self.min
        high_ok = self.max is None or chars <= self.max
        side = "" if low_ok and high_ok else ("过短：" if not low_ok else "过长：")
        return low_ok and high_ok, f"{side}{chars}字（要求{self._bounds()}）"


class MinScore(_Assertion):
    """The scorer's weighted score reaches this."""

    type: Literal["min-score"]
    value: float = Field(ge=0.0, le=1.0)

    def default_label(self) -> str:
        return f"评分不低于{self.value:g}"

    def check(self, subject: Subject) -> tuple[bool, str]:
        score = subject.report.score
        failed = "、".join(c.name for c in subject.report.failed)
        note = f"；未通过的检查：{failed}" if failed else ""
        return score >= self.value, f"评分{score:.3f}{note}"


class CheckPasses(_Assertion):
    """These scorer checks ran and passed (a skipped check does not pass)."""

    type: Literal["check-passes"]
    value: Texts

    @field_validator("value")
    @classmethod
    def _known(cls, names: list[str]) -> list[str]:
        unknown = [n for n in names if n not in CHECK_NAMES]
        if unknown:
            raise ValueError(f"未知的检查项 {'、'.join(unknown)}；可用：{'、'.join(CHECK_NAMES)}")
        return names

    def default_label(self) -> str:
        return "检查通过：" + "、".join(self.value)

    def check(self, subject: Subject) -> tuple[bool, str]:
        ran = {c.name: c for c in subject.report.checks}
        skipped = {s.name: s.reason for s in subject.report.skipped}
        problems, fine = [], []
        for name in self.value:
            if name in ran and ran[name].passed:
                fine.append(f"{name}：{ran[name].detail}")
            elif name in ran:
                problems.append(f"{name}未通过：{ran[name].detail}")
            else:
                problems.append(f"{name}未运行：{skipped.get(name, '评分器没有报告它')}")
        return not problems, "；".join(problems or fine)


class HeadingContains(_Assertion):
    """Each value appears in some top-level heading (the brief's point titles kept)."""

    type: Literal["heading-contains"]
    value: Texts

    def default_label(self) -> str:
        return f"小标题含{_quoted(self.value)}"

    def check(self, subject: Subject) -> tuple[bool, str]:
        headings = subject.report.structure.headings
        missing = [v for v in self.value if not any(v in h for h in headings)]
        if missing:
            shown = "；".join(_clip(h) for h in headings) or "没有小标题"
            return False, f"小标题中没有{_quoted(missing)}（小标题：{shown}）"
        return True, f"{len(self.value)}项均见于小标题"


Assertion = Annotated[
    Contains
    | NotContains
    | Regex
    | NotRegex
    | InOrder
    | PointCount
    | Length
    | MinScore
    | CheckPasses
    | HeadingContains,
    Field(discriminator="type"),
]
ASSERTION_TYPES = (
    "contains",
    "not-contains",
    "regex",
    "not-regex",
    "in-order",
    "point-count",
    "length",
    "min-score",
    "check-passes",
    "heading-contains",
)
