"""The reading set: the service reads real-looking speeches (every heading style, noise,
flattened and hard-wrapped copies, every type) as a material writer does, field by field;
and `jianggao check` and `corpus build` read every file of it alike."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evals.reading import (
    FLATTENED_POINTS_TARGET,
    TARGETS,
    ReadingCase,
    ReadingRun,
    load_reading_cases,
    run_reading,
)
from service.corpus.document import build_document
from service.scoring import Scorer
from tests.kits import KIT

REPORT = Path(__file__).resolve().parent.parent / "evals" / "reports" / "reading.json"


@pytest.fixture(scope="module")
def cases() -> list[ReadingCase]:
    return load_reading_cases()


@pytest.fixture(scope="module")
def run(cases: list[ReadingCase]) -> ReadingRun:
    return run_reading(cases, KIT)


def test_the_set_is_large_and_varied(cases: list[ReadingCase]) -> None:
    assert len(cases) >= 60
    types = {case.expect.speech_type for case in cases}
    assert set(KIT.types.values) | {"other", None} <= types
    assert sum(case.flattened for case in cases) >= 10
    assert sum(case.expect.cut_short for case in cases) >= 8


def test_agreement_per_field_meets_its_floor(run: ReadingRun) -> None:
    for field in run.fields:
        if field.field in TARGETS:
            assert field.share >= TARGETS[field.field], (field, _misread(run, field.field))
    assert run.flattened_points.share >= FLATTENED_POINTS_TARGET, run.flattened_points


def test_every_cut_short_copy_is_flagged_and_no_complete_one(run: ReadingRun) -> None:
    assert run.cut_short_missed == [] and run.cut_short_wrongly == []


def test_check_and_corpus_build_read_every_file_alike(cases: list[ReadingCase]) -> None:
    scorer = Scorer(KIT)
    for case in cases:
        records = build_document(case.id, f"{case.id}.txt", case.text.split("\n"), KIT.types)
        if len(records.records) != 1:
            continue  # a presiding text and the speech after it: two records, one text
        record = records.records[0]
        structure = scorer.score(case.text).structure
        built = (record.kind, record.speech_type)
        assert (structure.kind, structure.speech_type) == built, case.id
        if record.kind in ("news", "other"):
            continue  # kept whole, not cut into sections
        point_headings = [s.heading for s in record.sections if s.role == "point"]
        assert structure.headings == point_headings, case.id
        closings = [s.text for s in record.sections if s.role == "closing"]
        assert (structure.closing or None) == (closings[0] if closings else None), case.id


def test_committed_reading_report_is_current(run: ReadingRun) -> None:
    saved = json.loads(REPORT.read_text(encoding="utf-8"))
    fresh = run.model_dump(mode="json", by_alias=True)
    stale = "evals/reports/reading.json is stale: run `make eval` and commit it"
    assert [(r["id"], r["agree"]) for r in fresh["results"]] == [
        (r["id"], r["agree"]) for r in saved["results"]
    ], stale


def _misread(run: ReadingRun, field: str) -> list[str]:
    return [r.id for r in run.results if not r.agree[field]]
