"""The scorer: one set of checks for drafts (API, repair loop) and corpus texts (eval harness).

`score_text(text, brief=…, speech_type=…, examples=…)` returns a `Report`; see
scorer.py for the checks, their weights and the draft/corpus modes.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from service.scoring.report import CheckResult, Report, SkippedCheck, StructureSummary
from service.scoring.scorer import CHECK_NAMES, CHECKS, Scorer, ScoringInputError

__all__ = [
    "CHECKS",
    "CHECK_NAMES",
    "CheckResult",
    "Report",
    "Scorer",
    "ScoringInputError",
    "SkippedCheck",
    "StructureSummary",
    "default_scorer",
    "score_text",
]


@lru_cache(maxsize=1)
def default_scorer() -> Scorer:
    """The process-wide scorer with the configured lexicon."""
    return Scorer()


def score_text(text: str, **options: Any) -> Report:
    """Score one text with the default scorer; options as Scorer.score."""
    return default_scorer().score(text, **options)
