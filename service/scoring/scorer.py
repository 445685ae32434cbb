"""Run every check on a text and weigh the results into one report.

Mode: a text is judged as a *draft* when a brief is given (or draft=True), else as a
*corpus* text. Only in draft mode are placeholders (XX, ×××) faults: in corpus texts
they are the sources' anonymisation. Checks that need a brief or examples are skipped,
not failed, without them; form checks are skipped for a text that is not a speech.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from service.errors import InputError
from service.knowledge.lexicon import Lexicon, load_lexicon
from service.knowledge.speech_types import SpeechType
from service.schemas import Brief
from service.scoring import checks_brief, checks_copying, checks_structure, checks_text
from service.scoring.context import Context
from service.scoring.report import (
    CheckResult,
    Outcome,
    Report,
    Skip,
    SkippedCheck,
    StructureSummary,
    is_passing,
    weighted_score,
)
from service.text.overlap import Example, ExampleIndex

CheckFn = Callable[[Context], Outcome | Skip]


@dataclass(frozen=True)
class CheckSpec:
    """A named check, its weight, and whether it judges a speech's form."""

    name: str
    weight: int
    run: CheckFn
    form: bool = False


CHECKS: tuple[CheckSpec, ...] = (
    CheckSpec("is_speech", 5, checks_structure.check_is_speech),
    CheckSpec("body", 3, checks_structure.check_body, form=True),
    CheckSpec("salutation", 2, checks_structure.check_salutation, form=True),
    CheckSpec("opening", 1, checks_structure.check_opening, form=True),
    CheckSpec("closing", 2, checks_structure.check_closing, form=True),
    CheckSpec("numbering", 3, checks_structure.check_numbering, form=True),
    CheckSpec("announced_count", 3, checks_structure.check_announced_count, form=True),
    CheckSpec("required_phrases", 3, checks_brief.check_required_phrases),
    CheckSpec("forbidden_phrases", 3, checks_brief.check_forbidden_phrases),
    CheckSpec("point_count", 2, checks_brief.check_point_count, form=True),
    CheckSpec("length", 1, checks_brief.check_length),
    CheckSpec("meeting_named", 1, checks_brief.check_meeting_named),
    CheckSpec("speaker_named", 1, checks_brief.check_speaker_named),
    CheckSpec("invented_figures", 3, checks_brief.check_invented_figures),
    CheckSpec("copied_text", 3, checks_copying.check_copied_text),
    CheckSpec("example_names", 3, checks_copying.check_example_names),
    CheckSpec("placeholders", 3, checks_text.check_placeholders),
    CheckSpec("traditional", 2, checks_text.check_traditional),
    CheckSpec("markdown", 2, checks_text.check_markdown),
    CheckSpec("chatter", 3, checks_text.check_chatter),
    CheckSpec("punctuation", 1, checks_text.check_punctuation),
    CheckSpec("repeated_sentences", 1, checks_text.check_repeated_sentences),
    CheckSpec("lexicon", 2, checks_text.check_lexicon),
)
CHECK_NAMES = tuple(spec.name for spec in CHECKS)


class ScoringInputError(InputError):
    """Raised when there is nothing to score (an empty text)."""


class Scorer:
    """Holds what is loaded once (the lexicon); scores any number of texts."""

    def __init__(self, lexicon: Lexicon | None = None) -> None:
        self.lexicon = lexicon or load_lexicon()

    def score(
        self,
        text: str,
        *,
        brief: Brief | None = None,
        speech_type: SpeechType | None = None,
        examples: Sequence[Example] | ExampleIndex = (),
        draft: bool | None = None,
    ) -> Report:
        """Check one text; draft defaults to whether a brief is given."""
        if not text.strip():
            raise ScoringInputError("文本为空，无可评分内容", field="text")
        index = examples if isinstance(examples, ExampleIndex) else _index(examples)
        ctx = Context(
            text=text,
            lexicon=self.lexicon,
            brief=brief,
            speech_type=speech_type,
            examples=index,
            draft=brief is not None if draft is None else draft,
        )
        ran, skipped = _run_checks(ctx)
        score = weighted_score(ran)
        return Report(
            score=score,
            passed=is_passing(ran, score),
            mode="draft" if ctx.draft else "corpus",
            checks=ran,
            skipped=skipped,
            structure=summarise(ctx),
        )


def _index(examples: Sequence[Example]) -> ExampleIndex | None:
    return ExampleIndex(examples) if examples else None


def _run_checks(ctx: Context) -> tuple[list[CheckResult], list[SkippedCheck]]:
    ran: list[CheckResult] = []
    skipped: list[SkippedCheck] = []
    for spec in CHECKS:
        if spec.form and not ctx.is_speech:
            skipped.append(SkippedCheck(name=spec.name, reason="不是讲话稿，不检查格式"))
            continue
        outcome = spec.run(ctx)
        if isinstance(outcome, Skip):
            skipped.append(SkippedCheck(name=spec.name, reason=outcome.reason))
        else:
            ran.append(
                CheckResult(
                    name=spec.name, passed=outcome.passed, weight=spec.weight, detail=outcome.detail
                )
            )
    return ran, skipped


def summarise(ctx: Context) -> StructureSummary:
    """The parse as the report shows it."""
    parsed = ctx.parsed
    return StructureSummary(
        kind=ctx.kind,
        speech_type=ctx.effective_type.value if ctx.effective_type else None,
        title=parsed.title,
        salutation=ctx.salutation,
        points_announced=parsed.points_announced,
        points_found=len(parsed.points),
        top_style=parsed.top_style,
        headings=[point.heading for point in parsed.points],
        closing=parsed.closing,
        chars=parsed.chars,
    )
