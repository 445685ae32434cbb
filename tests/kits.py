"""The bundled prompts folder's kit, and the things tests build from it again and again."""

from __future__ import annotations

from typing import Any

from service.drafters.builtin import BuiltinDrafter
from service.knowledge.kit import Kit, default_kit
from service.knowledge.skeletons import Skeleton
from service.pipeline.pipeline import Pipeline
from service.retrieval.index import CorpusIndex
from service.scoring import Report, Scorer

KIT: Kit = default_kit()


def skeleton_of(kind: str) -> Skeleton:
    """A speech type's skeleton, by API value or Chinese name."""
    return KIT.types.get(kind)


def score_text(text: str, **options: Any) -> Report:
    """The scorer's report on a text, options as Scorer.score."""
    return Scorer(KIT).score(text, **options)


def builtin_pipeline(index: CorpusIndex | None = None, **options: Any) -> Pipeline:
    """The pipeline with the built-in drafter, as the service builds it with no model."""
    return Pipeline(KIT, BuiltinDrafter(KIT), index, Scorer(KIT), **options)
