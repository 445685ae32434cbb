"""The scorer's output: named checks, skipped checks, a structure summary, a weighted score."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, Field

from service.corpus.reader import Finding
from service.scoring.review import JudgeReview

# A draft passes when its weighted score reaches this and no check of BLOCKING weight failed.
PASS_SCORE = 0.9
BLOCKING = 3


@dataclass(frozen=True)
class Outcome:
    """What one check found: passed or not, and in Chinese what is wrong and where."""

    passed: bool
    detail: str
    advice: bool = False  # passed, with something worth changing named in the detail


@dataclass(frozen=True)
class Skip:
    """A check that did not run, and why (no brief, no examples, not a speech, corpus mode)."""

    reason: str


class CheckResult(BaseModel):
    """One check that ran."""

    name: str
    label: str = Field(description="检查项的中文名称")
    passed: bool
    weight: int = Field(ge=1)
    detail: str
    substance: bool = Field(False, description="是否是内容检查（切题、领域、简报、套话……）")
    advice: bool = Field(
        False, description="通过了，但 detail 里有值得改的地方（未用上的简报内容、可删并的重复）"
    )


class SkippedCheck(BaseModel):
    """One check that did not run."""

    name: str
    label: str = Field(description="检查项的中文名称")
    reason: str


class StructureSummary(BaseModel):
    """What the parser saw: kind, salutation, points, headings, closing, length."""

    kind: str
    speech_type: str | None
    title: str | None
    salutation: str | None
    points_announced: int | None
    points_found: int
    top_style: str | None
    headings: list[str]
    closing: str | None
    chars: int
    findings: list[Finding] = Field(
        default_factory=list, description="每项读法：在第几行、依据什么、有多大把握"
    )


class Report(BaseModel):
    """The whole verdict on one text; the JSON schema the CLI, the API and the harness share."""

    score: float = Field(ge=0.0, le=1.0)
    substance_score: float = Field(
        1.0, ge=0.0, le=1.0, description="内容检查（切题、领域、简报用全、套话……）的加权得分"
    )
    passed: bool
    mode: Literal["draft", "corpus"]
    checks: list[CheckResult]
    skipped: list[SkippedCheck]
    structure: StructureSummary
    judge: JudgeReview | None = Field(
        None, description="有大模型时，模型对内容的评审（与检查项并列，不决定是否合格）"
    )

    @property
    def failed(self) -> list[CheckResult]:
        return [check for check in self.checks if not check.passed]


def substance_score(checks: list[CheckResult]) -> float:
    """The weighted score of the substance checks alone (1.0 when none ran)."""
    ran = [check for check in checks if check.substance]
    return weighted_score(ran) if ran else 1.0


def weighted_score(checks: list[CheckResult]) -> float:
    """Share of the weight of the checks that ran that passed; 0 when nothing ran."""
    total = sum(check.weight for check in checks)
    if total == 0:
        return 0.0
    return round(sum(check.weight for check in checks if check.passed) / total, 4)


def is_passing(checks: list[CheckResult], score: float) -> bool:
    """Score high enough and no blocking check failed."""
    blocked = any(not c.passed and c.weight >= BLOCKING for c in checks)
    return score >= PASS_SCORE and not blocked and bool(checks)
