"""The scorer tells strong speeches from hollow ones: the calibration set meets its targets,
and each substance check fires on a text it must reject and stays quiet on a good one."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from evals.calibration import (
    TARGET_AUC,
    TARGET_HOLLOW_PASS,
    TARGET_STRONG_PASS,
    CalibrationRun,
    Sample,
    load_samples,
    run_calibration,
)
from service.schemas import Brief
from tests.kits import KIT, score_text

REPORT = Path(__file__).resolve().parent.parent / "evals" / "reports" / "calibration.json"
STRONG = Path(__file__).resolve().parent.parent / "evals" / "calibration" / "strong"
FLOOD_BRIEF = Brief(
    speech_type="work_meeting",
    meeting="全县防汛工作会议",
    speaker="县长",
    organization="青山县人民政府",
    date="2025年5月20日",
    purpose="安排部署今年防汛工作，确保安全度汛",
    points=[{"title": "落实防汛责任"}, {"title": "抓好隐患排查"}, {"title": "做好应急准备"}],
)


@pytest.fixture(scope="module")
def samples() -> list[Sample]:
    return load_samples(KIT)


@pytest.fixture(scope="module")
def run(samples: list[Sample]) -> CalibrationRun:
    return run_calibration(samples, KIT)


def test_the_set_has_both_groups_and_every_way_of_spoiling(samples: list[Sample]) -> None:
    origins = {s.origin for s in samples}
    assert {"written", "reading", "drafter", "swapped", "moved", "foreign", "padded"} <= origins
    assert sum(s.label == "strong" for s in samples) >= 100
    assert sum(s.label == "hollow" for s in samples) >= 200


def test_the_scorer_separates_strong_from_hollow(run: CalibrationRun) -> None:
    assert run.auc >= TARGET_AUC, run.groups
    assert run.hollow_pass <= TARGET_HOLLOW_PASS, run.groups
    assert run.strong_pass >= TARGET_STRONG_PASS, run.groups
    assert run.met


def test_no_old_builtin_draft_passes(run: CalibrationRun) -> None:
    drafts = [r for r in run.results if r.origin == "drafter"]
    assert drafts and not any(r.passed for r in drafts)


def test_committed_calibration_report_is_current(run: CalibrationRun) -> None:
    saved = json.loads(REPORT.read_text(encoding="utf-8"))
    stale = "evals/reports/calibration.json is stale: run `make eval` and commit it"
    assert saved["auc"] == run.auc, stale
    assert [(r["id"], r["passed"]) for r in saved["results"]] == [
        (r.id, r.passed) for r in run.results
    ], stale


def _strong(name: str) -> tuple[str, Brief]:
    text = (STRONG / f"{name}.txt").read_text(encoding="utf-8")
    brief = Brief.model_validate_json((STRONG / f"{name}.json").read_text(encoding="utf-8"))
    return text, brief


def _check(text: str, brief: Brief | None, name: str) -> tuple[bool, str]:
    report = score_text(text, brief=brief)
    found = next(c for c in report.checks if c.name == name)
    return found.passed, found.detail


def test_every_substance_check_passes_a_strong_speech() -> None:
    text, brief = _strong("s01")
    report = score_text(text, brief=brief)
    substance = [c for c in report.checks if c.substance]
    assert {c.name for c in substance} >= {"relevance", "domain", "brief_coverage", "stock_text"}
    assert all(c.passed for c in substance), [c.detail for c in substance if not c.passed]
    assert report.passed and report.substance_score == 1.0


def test_relevance_names_sub_points_under_the_wrong_heading(samples: list[Sample]) -> None:
    swapped = next(s for s in samples if s.id == "s01-swapped")
    passed, detail = _check(swapped.text, swapped.brief, "relevance")
    assert not passed and "应属" in detail and "第" in detail


def test_domain_quotes_another_fields_paragraph(samples: list[Sample]) -> None:
    foreign = next(s for s in samples if s.id == "s01-foreign")
    passed, detail = _check(foreign.text, foreign.brief, "domain")
    assert not passed and "与" in detail and "无关" in detail


def test_stock_text_quotes_the_filler(samples: list[Sample]) -> None:
    padded = next(s for s in samples if s.id == "s01-padded")
    passed, detail = _check(padded.text, padded.brief, "stock_text")
    assert not passed and "现成套话" in detail
    passed, _ = _check(*_strong("s01"), "stock_text")
    assert passed


def test_brief_coverage_lists_what_was_left_out() -> None:
    text, brief = _strong("s01")
    date = brief.date or ""
    assert date
    without_date = "\n".join(line for line in text.split("\n") if date not in line)
    passed, detail = _check(without_date, brief, "brief_coverage")
    assert not passed and date in detail
    figure = re.search(r"\d+(?:\.\d+)?%", brief.achievements[0])
    assert figure is not None
    kept = [s for s in re.split(r"(?<=[。！？\n])", text) if figure.group(0) not in s]
    passed, detail = _check("".join(kept), brief, "brief_coverage")
    assert "未用" in detail or not passed


def test_circularity_and_self_praise_are_quoted() -> None:
    text = (
        "在全县防汛工作会议上的讲话\n（2025年5月20日）\n同志们：\n"
        "今天，青山县人民政府召开全县防汛工作会议。这次会议开得很成功。\n"
        "一、落实防汛责任\n"
        "落实防汛责任，是推动全县防汛工作的关键所在。抓好这项工作，必须把落实防汛责任放在突出位置。"
        "各级防汛责任人要提前到岗到位，熟悉责任区内的水库、堤防和隐患点情况。\n"
        "二、抓好隐患排查\n要对山塘水库、堤防险工开展拉网式排查，发现的隐患限期整改到位。\n"
        "同志们，让我们众志成城，确保安全度汛！\n"
    )
    passed, detail = _check(text, FLOOD_BRIEF, "circularity")
    assert not passed and "夸自己的会议" in detail and "重复一遍" in detail
    passed, _ = _check(*_strong("s02"), "circularity")
    assert passed


def test_openings_fire_on_a_run_of_yao() -> None:
    body = "".join(f"要把第{n}项工作抓紧抓实，确保取得成效。" for n in "一二三四五六七八九十" * 2)
    text = f"在全县防汛工作会议上的讲话\n同志们：\n{body}\n同志们，让我们共同努力！\n"
    passed, detail = _check(text, None, "openings")
    assert not passed and "以“要”开头" in detail


def test_the_judges_agreement_with_the_labels_is_reported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`jianggao eval calibration --judge` asks the configured model to review the texts."""
    from service.cli import main
    from service.config import get_settings
    from service.testing.fake_upstream import FakeUpstream
    from service.testing.model_responder import ModelResponder

    with FakeUpstream(ModelResponder()) as fake:
        monkeypatch.setenv("OPENAI_BASE_URL", fake.base_url)
        monkeypatch.setenv("OPENAI_API_KEY", "test-key")
        monkeypatch.setenv("JIANGGAO_MODEL", "fake-model")
        get_settings.cache_clear()
        try:
            code = main(
                ["eval", "calibration", "--out", str(tmp_path), "--judge", "--judge-limit", "4"]
            )
        finally:
            get_settings.cache_clear()
        reviews = [r for r in fake.chat_requests if "评审下面这篇" in r.messages[-1]["content"]]
    assert code == 0 and len(reviews) == 4
    saved = json.loads((tmp_path / "calibration.json").read_text(encoding="utf-8"))
    assert saved["judge"]["judged"] == 4 and saved["judge"]["model"] == "fake-model"
    assert "模型评审（fake-model）" in (tmp_path / "calibration.md").read_text(encoding="utf-8")


def test_the_judge_needs_a_model(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from service.cli import main
    from service.config import get_settings

    for name in (
        "OPENAI_API_KEY",
        "OPENAI_BASE_URL",
        "JIANGGAO_OPENAI_API_KEY",
        "JIANGGAO_OPENAI_BASE_URL",
    ):
        monkeypatch.delenv(name, raising=False)
    get_settings.cache_clear()
    try:
        assert main(["eval", "calibration", "--out", str(tmp_path), "--judge"]) == 2
    finally:
        get_settings.cache_clear()
