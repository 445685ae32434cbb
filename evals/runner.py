"""What the drafting eval modes share: the pipeline the service would build, and a draft's row.

`open_pipeline` builds the drafter exactly as the service does (service.resources): the
model when an endpoint is configured, else the built-in one, unless the run asks for one.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Literal

from pydantic import BaseModel

from evals.harness import SCHEMA, DocResult, EvalItem, doc_result
from service.config import Settings
from service.knowledge.kit import Kit
from service.pipeline.pipeline import Draft, Pipeline
from service.resources import pipeline_for
from service.retrieval.index import CorpusIndex
from service.schemas import Brief
from service.scoring.report import BLOCKING, PASS_SCORE

DrafterChoice = Literal["builtin", "openai"]


def with_drafter(settings: Settings, choice: DrafterChoice | None) -> Settings:
    """The settings with the drafter forced to `choice` (None: as configured)."""
    return settings if choice is None else settings.model_copy(update={"drafter": choice})


@asynccontextmanager
async def open_pipeline(
    settings: Settings, kit: Kit, index: CorpusIndex | None
) -> AsyncIterator[Pipeline]:
    """A pipeline for a whole run; the model client, if any, is closed afterwards.

    Raises ConfigError when the model drafter is asked for and no endpoint is configured.
    """
    pipeline, client = pipeline_for(settings, kit, index)
    try:
        yield pipeline
    finally:
        if client is not None:
            await client.aclose()


def draft_row(item_id: str, brief: Brief, draft: Draft) -> DocResult:
    """The scorer's verdict on a draft as the reports show it, from the pipeline's own report."""
    item = EvalItem(
        id=item_id, text=draft.text, title=draft.title, speech_type=brief.speech_type, brief=brief
    )
    return doc_result(item, draft.report)


class DraftingRun(BaseModel):
    """What every report of a drafting run (cases, generate) opens with."""

    schema_: str = SCHEMA
    source: str
    source_sha256: str
    drafter: str
    model: str | None
    pass_score: float = PASS_SCORE
    blocking_weight: int = BLOCKING

    def to_json(self) -> dict[str, object]:
        """The stable JSON form (`schema` as the first key)."""
        data = self.model_dump(mode="json")
        return {"schema": data.pop("schema_"), **data}
