"""The `generate` eval mode: leave one out, draft each corpus speech again from its own brief.

For every example speech of the corpus (not news, not duplicates), a brief is derived
from it (evals/derive.py), the speech is drafted with every record of its source file
kept out of retrieval (so neither it nor a sibling cut from the same page is shown as
an example), the draft is scored, and compared with the original: character-level
ROUGE-L and how far the original's headings reappear (evals/similarity.py). As a
yardstick, the original is also compared with the examples the drafter was shown:
a draft that scores no higher than its nearest example has added nothing of its own.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Sequence
from typing import Any

from pydantic import BaseModel, Field

from evals.derive import NotDerivable, derive_brief
from evals.harness import DocResult, Summary, summarise
from evals.runner import DraftingRun, draft_row
from evals.similarity import HeadingMatch, heading_overlap, match_headings, rouge_l
from service.corpus.records import CorpusRecord
from service.errors import JianggaoError
from service.pipeline.pipeline import Draft, Pipeline
from service.retrieval.index import CorpusIndex
from service.schemas import Brief

Progress = Callable[[int, int, str], None]


class HeadingResult(BaseModel):
    """One original heading, the most similar draft heading, and their ROUGE-L F1."""

    original: str
    best: str | None
    similarity: float
    matched: bool


class Skipped(BaseModel):
    """A corpus record left out of the run, and why."""

    id: str
    reason: str


class GeneratedDoc(BaseModel):
    """One speech drafted again: its derived brief, the scorer's verdict, the comparison."""

    id: str
    title: str
    speech_type: str
    original_chars: int
    brief: dict[str, Any]
    derived_from: dict[str, str]
    excluded: list[str]
    examples: list[str] = Field(default_factory=list)
    document: DocResult | None = None
    rouge_l: float | None = None
    rouge_l_precision: float | None = None
    rouge_l_recall: float | None = None
    headings: list[HeadingResult] = Field(default_factory=list)
    heading_overlap: float | None = None
    nearest_example_rouge_l: float | None = None
    error: str | None = None


class GenerateSummary(BaseModel):
    """Means over the drafted speeches; heading figures over those that have headings."""

    documents: int
    drafted: int
    skipped: int
    failed: int
    mean_rouge_l: float | None
    median_rouge_l: float | None
    mean_nearest_example_rouge_l: float | None
    mean_heading_overlap: float | None
    headings: int
    headings_matched: int
    scores: Summary


class GenerateRun(DraftingRun):
    """A whole `generate` run, as the JSON report holds it."""

    mode: str = "generate"
    summary: GenerateSummary
    documents: list[GeneratedDoc]
    skipped: list[Skipped]


def split_records(
    records: Sequence[CorpusRecord], limit: int | None = None
) -> tuple[list[CorpusRecord], list[Skipped]]:
    """The example speeches to draft again (at most `limit`), and the records left out."""
    chosen: list[CorpusRecord] = []
    skipped: list[Skipped] = []
    for record in records:
        if not record.is_example:
            skipped.append(Skipped(id=record.id, reason=_why_not(record)))
        elif limit is None or len(chosen) < limit:
            chosen.append(record)
    return chosen, skipped


def _why_not(record: CorpusRecord) -> str:
    if record.duplicate_of:
        return f"与 {record.duplicate_of} 重复"
    return "新闻报道，不是讲话稿" if record.kind == "news" else f"不是讲话稿（{record.kind}）"


def leave_out(index: CorpusIndex, record: CorpusRecord) -> list[str]:
    """The record and every other record cut from the same source file."""
    return [r.id for r in index.records if r.id == record.id or r.source == record.source]


async def generate_one(
    pipeline: Pipeline, index: CorpusIndex, record: CorpusRecord
) -> GeneratedDoc:
    """Derive the brief, draft with the source left out of retrieval, compare with the original."""
    derived = derive_brief(record, pipeline.kit)
    excluded = leave_out(index, record)
    doc = GeneratedDoc(
        id=record.id,
        title=record.title,
        speech_type=derived.brief.speech_type,
        original_chars=record.chars,
        brief=derived.brief.model_dump(mode="json", exclude_defaults=True),
        derived_from=derived.sources,
        excluded=excluded,
    )
    left_out = pipeline.with_index(index.excluding(excluded))
    try:
        draft = await left_out.draft(derived.brief)
    except JianggaoError as error:
        return doc.model_copy(update={"error": f"起草失败：{error}"})
    return doc.model_copy(update=_comparison(record, derived.brief, draft, index))


def _comparison(
    record: CorpusRecord, brief: Brief, draft: Draft, index: CorpusIndex
) -> dict[str, Any]:
    rouge = rouge_l(draft.text, record.text)
    originals = [s.heading for s in record.sections if s.role == "point" and s.heading]
    matches = match_headings(originals, draft.report.structure.headings)
    nearest = [rouge_l(_text(index, e.id), record.text).f1 for e in draft.examples]
    return {
        "examples": [e.id for e in draft.examples],
        "document": draft_row(record.id, brief, draft),
        "rouge_l": rouge.f1,
        "rouge_l_precision": rouge.precision,
        "rouge_l_recall": rouge.recall,
        "headings": [_heading(m) for m in matches],
        "heading_overlap": heading_overlap(matches),
        "nearest_example_rouge_l": max(nearest, default=None),
    }


def _text(index: CorpusIndex, record_id: str) -> str:
    found = index.get(record_id)
    return found.text if found is not None else ""


def _heading(match: HeadingMatch) -> HeadingResult:
    return HeadingResult(
        original=match.original, best=match.best, similarity=match.similarity, matched=match.matched
    )


async def run_generate(
    pipeline: Pipeline,
    index: CorpusIndex,
    *,
    source: str,
    source_sha256: str,
    limit: int | None = None,
    progress: Progress | None = None,
) -> GenerateRun:
    """Draft every example speech of the index again, one at a time, and summarise."""
    chosen, skipped = split_records(index.records, limit)
    documents: list[GeneratedDoc] = []
    for done, record in enumerate(chosen, start=1):
        try:
            documents.append(await generate_one(pipeline, index, record))
        except NotDerivable as reason:
            skipped.append(Skipped(id=record.id, reason=str(reason)))
        if progress is not None:
            progress(done, len(chosen), record.id)
    return GenerateRun(
        source=source,
        source_sha256=source_sha256,
        drafter=pipeline.drafter.name,
        model=pipeline.drafter.model,
        summary=summarise_generate(documents, len(skipped)),
        documents=documents,
        skipped=skipped,
    )


def _mean(values: Sequence[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return round(statistics.fmean(present), 4) if present else None


def summarise_generate(documents: Sequence[GeneratedDoc], skipped: int) -> GenerateSummary:
    """Mean and median ROUGE-L, the nearest-example yardstick, heading overlap, scores."""
    drafted = [d for d in documents if d.error is None]
    rouges = [d.rouge_l for d in drafted if d.rouge_l is not None]
    headings = [h for d in drafted for h in d.headings]
    return GenerateSummary(
        documents=len(documents) + skipped,
        drafted=len(drafted),
        skipped=skipped,
        failed=len(documents) - len(drafted),
        mean_rouge_l=_mean(rouges),
        median_rouge_l=round(statistics.median(rouges), 4) if rouges else None,
        mean_nearest_example_rouge_l=_mean([d.nearest_example_rouge_l for d in drafted]),
        mean_heading_overlap=_mean([d.heading_overlap for d in drafted]),
        headings=len(headings),
        headings_matched=sum(h.matched for h in headings),
        scores=summarise([d.document for d in drafted if d.document is not None]),
    )
