"""Run every check on a text and weigh the results into one report.

Mode: a text is judged as a *draft* when a brief is given (or draft=True), else as a
*corpus* text. Only in draft mode are placeholders (XX, ×××) faults: in corpus texts
they are the sources' anonymisation. Checks that need a brief or examples are skipped,
not failed, without them; form checks are skipped for a text that is not a speech.
"""

from __future__ import annotations

from collections.abc import Sequence

from service.errors import ScoringInputError
from service.knowledge.kit import Kit
from service.schemas import Brief
from service.scoring.context import Context, PartScope
from service.scoring.registry import CHECKS, PART_CHECKS
from service.scoring.report import (
    CheckResult,
    Report,
    Skip,
    SkippedCheck,
    StructureSummary,
    is_passing,
    substance_score,
    weighted_score,
)
from service.text.overlap import ExampleIndex, Shown


class Scorer:
    """Holds what is loaded once (the kit: types, lexicon); scores any number of texts."""

    def __init__(self, kit: Kit) -> None:
        self.kit = kit
        self.lexicon = kit.lexicon

    def score(
        self,
        text: str,
        *,
        brief: Brief | None = None,
        speech_type: str | None = None,
        examples: Sequence[Shown] | ExampleIndex = (),
        draft: bool | None = None,
    ) -> Report:
        """Check one text; draft defaults to whether a brief is given."""
        if not text.strip():
            raise ScoringInputError("文本为空，无可评分内容", field="text")
        types = self.kit.types
        if brief is not None:
            brief = types.canonical(brief)
        if speech_type is not None:
            speech_type = types.get(speech_type).type
        index = examples if isinstance(examples, ExampleIndex) else _index(examples)
        ctx = Context(
            text=text,
            kit=self.kit,
            brief=brief,
            speech_type=speech_type,
            examples=index,
            draft=brief is not None if draft is None else draft,
        )
        ran, skipped = _run_checks(ctx)
        score = weighted_score(ran)
        return Report(
            score=score,
            substance_score=substance_score(ran),
            passed=is_passing(ran, score),
            mode="draft" if ctx.draft else "corpus",
            checks=ran,
            skipped=skipped,
            structure=summarise(ctx),
        )

    def part_problems(
        self,
        body: str,
        *,
        brief: Brief,
        part: PartScope,
        examples: ExampleIndex | None = None,
    ) -> list[str]:
        """What is wrong with one part of a draft, in words a drafter can act on: every check
        of the registry that can judge a part on its own (the ones that say how to fix it)."""
        if not body.strip():
            return ["这一部分是空的，请写出正文。"]
        ctx = Context(
            text=body, kit=self.kit, brief=brief, examples=examples, draft=True, part=part
        )
        problems = []
        for spec in PART_CHECKS:
            outcome = spec.run(ctx)
            if not isinstance(outcome, Skip) and not outcome.passed:
                problems.append(f"{outcome.detail}。{spec.fix}")
        return problems


def _index(examples: Sequence[Shown]) -> ExampleIndex | None:
    return ExampleIndex(examples) if examples else None


def _run_checks(ctx: Context) -> tuple[list[CheckResult], list[SkippedCheck]]:
    ran: list[CheckResult] = []
    skipped: list[SkippedCheck] = []
    for spec in CHECKS:
        if spec.form and not ctx.is_speech:
            skipped.append(
                SkippedCheck(name=spec.name, label=spec.label, reason="不是讲话稿，不检查格式")
            )
            continue
        outcome = spec.run(ctx)
        if isinstance(outcome, Skip):
            skipped.append(SkippedCheck(name=spec.name, label=spec.label, reason=outcome.reason))
        else:
            ran.append(
                CheckResult(
                    name=spec.name,
                    label=spec.label,
                    passed=outcome.passed,
                    weight=spec.weight,
                    detail=outcome.detail,
                    substance=spec.substance,
                    advice=outcome.advice,
                )
            )
    return ran, skipped


def summarise(ctx: Context) -> StructureSummary:
    """The parse as the report shows it."""
    parsed = ctx.parsed
    return StructureSummary(
        kind=ctx.kind,
        speech_type=ctx.effective_type,
        title=parsed.title,
        salutation=ctx.salutation,
        points_announced=parsed.points_announced,
        points_found=len(parsed.points),
        top_style=parsed.top_style,
        headings=[point.heading for point in parsed.points],
        closing=parsed.closing,
        chars=parsed.chars,
        findings=ctx.reading.findings(),
    )
