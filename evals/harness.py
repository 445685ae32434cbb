"""The eval harness: score a set of documents with the scorer and summarise the distribution.

A run is a list of EvalItems scored into DocResults. `corpus_items` makes items from
the built corpus; the `cases` and `generate` modes (evals/cases.py, evals/generate.py)
draft from briefs, turn each draft's report into a DocResult with `doc_result`, and
share the summary and the report writer.
"""

from __future__ import annotations

import hashlib
import re
import statistics
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel

from service.corpus.records import CorpusRecord, read_records
from service.retrieval.examples import Example
from service.schemas import Brief
from service.scoring import CHECKS, Report, Scorer
from service.scoring.report import BLOCKING, PASS_SCORE

SCHEMA = "jianggao.eval/1"
_HANDOVER = re.compile(r"请[^。；]{0,80}讲话[。！]?$")
SPEECH_KINDS = ("speech", "presiding", "pledge", "address")
BINS = 10  # histogram bins over [0, 1]
Progress = Callable[[int, int], None]


class CorpusError(Exception):
    """Raised when the corpus file is missing or unreadable; the message says what to do."""


@dataclass
class EvalItem:
    """One document to score, with what it was drafted from (cases/generate) if anything."""

    id: str
    text: str
    title: str = ""
    kind: str | None = None  # the corpus builder's kind, when known
    speech_type: str | None = None
    brief: Brief | None = None
    examples: Sequence[Example] = ()
    flags: list[str] = field(default_factory=list)


class FailedCheck(BaseModel):
    """A check a document failed, with the scorer's explanation."""

    name: str
    weight: int
    detail: str


class DocResult(BaseModel):
    """The scorer's verdict on one document, as the reports show it."""

    id: str
    title: str
    kind: str | None
    detected_kind: str
    speech_type: str | None
    chars: int
    score: float
    passed: bool
    verdict: str
    diagnosis: str | None
    failed: list[FailedCheck]
    flags: list[str]


class Summary(BaseModel):
    """The distribution over a run: speeches' pass rate and scores, failures by check."""

    documents: int
    speeches: int
    speeches_passed: int
    pass_rate: float
    mean_score: float
    median_score: float
    min_score: float
    max_score: float
    not_speech: int
    not_speech_recognised: int
    kind_disagreements: int
    histogram: list[int]
    failures_by_check: dict[str, int]


class EvalRun(BaseModel):
    """A whole run: where the documents came from, the scorer's settings, summary, documents."""

    schema_: str = SCHEMA
    mode: str
    source: str
    source_sha256: str
    pass_score: float = PASS_SCORE
    blocking_weight: int = BLOCKING
    checks: dict[str, int]
    summary: Summary
    documents: list[DocResult]

    def to_json(self) -> dict[str, object]:
        """The stable JSON form (`schema` as the first key)."""
        data = self.model_dump(mode="json")
        return {"schema": data.pop("schema_"), **data}


def corpus_items(path: Path) -> list[EvalItem]:
    """Every record of a built corpus (speeches.jsonl) as an item."""
    if not path.is_file():
        raise CorpusError(f"找不到语料文件 {path}；请先运行 jianggao corpus build")
    try:
        records = list(read_records(path))
    except (OSError, ValueError) as error:
        raise CorpusError(f"无法读取语料文件 {path}：{error}") from None
    return [_item(record) for record in records]


def _item(record: CorpusRecord) -> EvalItem:
    return EvalItem(
        id=record.id,
        text=record.text,
        title=record.title,
        kind=record.kind,
        speech_type=record.speech_type,
        flags=list(record.flags),
    )


def file_digest(path: Path) -> str:
    """SHA-256 of a file, so a committed report names exactly what it scored."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def evaluate(
    items: Sequence[EvalItem],
    *,
    mode: str,
    source: str,
    source_sha256: str,
    scorer: Scorer,
    progress: Progress | None = None,
) -> EvalRun:
    """Score every item (corpus texts judged as corpus texts, drafts as drafts)."""
    results = []
    for done, item in enumerate(items, start=1):
        results.append(_score(scorer, item, draft=mode != "corpus"))
        if progress is not None:
            progress(done, len(items))
    return EvalRun(
        mode=mode,
        source=source,
        source_sha256=source_sha256,
        checks={spec.name: spec.weight for spec in CHECKS},
        summary=summarise(results),
        documents=results,
    )


def _score(scorer: Scorer, item: EvalItem, *, draft: bool) -> DocResult:
    report = scorer.score(
        item.text,
        brief=item.brief,
        speech_type=item.speech_type,
        examples=item.examples,
        draft=draft,
    )
    return doc_result(item, report)


def doc_result(item: EvalItem, report: Report) -> DocResult:
    """The reports' row for an item the scorer has judged (drafts come with their report)."""
    failed = [FailedCheck(name=c.name, weight=c.weight, detail=c.detail) for c in report.failed]
    detected = report.structure.kind
    return DocResult(
        id=item.id,
        title=item.title or (report.structure.title or ""),
        kind=item.kind,
        detected_kind=detected,
        speech_type=report.structure.speech_type,
        chars=report.structure.chars,
        score=report.score,
        passed=report.passed,
        verdict=_verdict(item, detected, report.passed, failed),
        diagnosis=diagnose(report, item.text),
        failed=failed,
        flags=item.flags,
    )


def _verdict(item: EvalItem, detected: str, passed: bool, failed: list[FailedCheck]) -> str:
    """One line saying why a document passed or not, in the scorer's own words."""
    if detected not in SPEECH_KINDS:
        agreed = "与语料分类一致" if item.kind == detected else f"语料分类为 {item.kind}"
        return f"不是讲话稿（识别为 {detected}，{agreed}）：不计入讲话稿统计"
    note = "" if item.kind in (None, detected) else f"（语料分类为 {item.kind}）"
    if passed and not failed:
        return f"合格{note}"
    reasons = "；".join(f"{c.name}：{c.detail}" for c in failed)
    return f"{'合格，但有提示' if passed else '不合格'}{note}：{reasons}"


def diagnose(report: Report, text: str) -> str | None:
    """Why a real text fails, when its failures show the source itself is off-form."""
    s, failed = report.structure, {c.name for c in report.failed}
    announced = s.points_announced
    if {"announced_count", "closing"} <= failed and announced and s.points_found < announced:
        return (
            f"原文不完整：宣布{announced}点只见{s.points_found}点且没有结尾，"
            "是网页转载被截断，不是评分器或解析器的错误"
        )
    last = text.strip().rsplit("\n", 1)[-1]
    if failed == {"closing"} and s.kind == "presiding" and _HANDOVER.search(last):
        return "主持词在把话筒交给讲话人处结束，来源未收录其后的“散会”部分"
    if "is_speech" in failed:
        return f"不是讲话稿（{s.kind}），按设计不通过"
    return None


def _is_speech(result: DocResult) -> bool:
    return result.detected_kind in SPEECH_KINDS


def histogram(scores: Iterable[float], bins: int = BINS) -> list[int]:
    """Counts of scores in [0, 0.1), [0.1, 0.2) … [0.9, 1.0]."""
    counts = [0] * bins
    for score in scores:
        counts[min(int(score * bins), bins - 1)] += 1
    return counts


def summarise(results: Sequence[DocResult]) -> Summary:
    """Distribution of the speeches' scores; documents that are not speeches are counted apart."""
    speeches = [r for r in results if _is_speech(r)]
    scores = [r.score for r in speeches] or [0.0]
    others = [r for r in results if not _is_speech(r)]
    failures = Counter(c.name for r in speeches for c in r.failed)
    return Summary(
        documents=len(results),
        speeches=len(speeches),
        speeches_passed=sum(r.passed for r in speeches),
        pass_rate=round(sum(r.passed for r in speeches) / len(speeches), 4) if speeches else 0.0,
        mean_score=round(statistics.fmean(scores), 4),
        median_score=round(statistics.median(scores), 4),
        min_score=min(scores),
        max_score=max(scores),
        not_speech=len(others),
        not_speech_recognised=sum(r.kind == r.detected_kind for r in others),
        kind_disagreements=sum(r.kind is not None and r.kind != r.detected_kind for r in results),
        histogram=histogram(r.score for r in speeches),
        failures_by_check=dict(failures.most_common()),
    )


def write_reports(run: EvalRun, out_dir: Path, stem: str) -> list[Path]:
    """Write STEM.json, STEM.md and STEM.html into out_dir; return their paths."""
    from evals.report_html import render_html
    from evals.report_md import render_markdown

    return write_outputs(out_dir, stem, run.to_json(), render_markdown(run), render_html(run))


def write_outputs(
    out_dir: Path, stem: str, data: dict[str, object], markdown: str, html: str
) -> list[Path]:
    """Write one run's JSON, Markdown and HTML as STEM.json/.md/.html; return their paths."""
    import json

    out_dir.mkdir(parents=True, exist_ok=True)
    outputs = {
        out_dir / f"{stem}.json": json.dumps(data, ensure_ascii=False, indent=2) + "\n",
        out_dir / f"{stem}.md": markdown,
        out_dir / f"{stem}.html": html,
    }
    for path, content in outputs.items():
        path.write_text(content, encoding="utf-8")
    return list(outputs)
