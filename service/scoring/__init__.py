"""The scorer: one set of checks for drafts (API, repair loop) and corpus texts (eval harness).

`Scorer(kit).score(text, brief=…, speech_type=…, examples=…)` returns a `Report`; see
scorer.py for the checks, their weights and the draft/corpus modes.
"""

from __future__ import annotations

from service.errors import ScoringInputError
from service.scoring.registry import CHECK_NAMES, CHECKS
from service.scoring.report import CheckResult, Report, SkippedCheck, StructureSummary
from service.scoring.scorer import Scorer

__all__ = [
    "CHECKS",
    "CHECK_NAMES",
    "CheckResult",
    "Report",
    "Scorer",
    "ScoringInputError",
    "SkippedCheck",
    "StructureSummary",
]
