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
from service.scoring.checks_repetition import reworded_sentences
from service.scoring.context import Context
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
    assert {
        "written",
        "reading",
        "drafter",
        "swapped",
        "moved",
        "foreign",
        "padded",
        "restated",
    } <= origins
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


def test_a_fact_told_in_every_part_fails_and_is_named_with_its_lines(
    samples: list[Sample],
) -> None:
    restated = next(s for s in samples if s.id == "s01-restated")
    passed, detail = _check(restated.text, restated.brief, "restated")
    assert restated.brief is not None
    problem = restated.brief.problems[0]
    assert (
        not passed
        and f"“{problem[:20]}" in detail
        and re.search(r"在\d段都讲了（第[\d、]+行）", detail)
    )
    assert not score_text(restated.text, brief=restated.brief).passed  # it blocks the verdict
    passed, detail = _check(*_strong("s01"), "restated")
    assert passed


def test_a_fact_in_three_paragraphs_passes_with_its_places_named() -> None:
    text, brief = _strong("s01")
    lines = text.split("\n")
    fact = brief.problems[2]  # told once, in the opening
    for at in (9, 11):  # and again in the first two points' bodies
        lines[at] = f"{fact}。{lines[at]}"
    passed, detail = _check("\n".join(lines), brief, "restated")
    assert passed and detail.startswith("合稿时可删并") and f"“{fact[:20]}…”在3段" in detail
    report = score_text("\n".join(lines), brief=brief)
    assert [c.name for c in report.checks if c.advice] == ["restated"]  # 简报用全: all used
    lines[13] = f"{fact}。{lines[13]}"  # and in the third: one time too many
    passed, detail = _check("\n".join(lines), brief, "restated")
    assert not passed and detail.startswith(
        f"内容重复：“{fact[:20]}…”在4段都讲了（第7、10、12、14行）"
    )


def test_sentences_said_again_in_other_words_fail_but_not_an_agenda() -> None:
    text, brief = _strong("s01")
    lines = text.split("\n")
    said = [s for s in re.split(r"(?<=。)", lines[5]) if len(s) > 20][:2]
    reworded = ["当前，" + s.replace("，", "，切实", 1) for s in said]  # nearly the same words
    lines[15] += "".join(reworded)
    passed, detail = _check("\n".join(lines), brief, "restated")
    assert not passed and detail.count("几乎一样") == 2
    presiding = (
        "主持词\n同志们：\n今天的会议议程有三项：一是请市委常委、常务副市长孙海涛同志通报全市"
        "营商环境评价情况；二是请各县区主要负责同志作表态发言；三是请市委书记周振华同志作重要讲话。"
        "\n下面进行第一项议程，请市委常委、常务副市长孙海涛同志通报全市营商环境评价情况。"
        "\n下面进行第二项议程，请各县区主要负责同志作表态发言，每人发言不超过五分钟。"
        "\n下面，请市委书记周振华同志作重要讲话，大家欢迎。\n散会。\n"
    )
    ctx = Context(text=presiding, kit=KIT)
    assert ctx.kind == "presiding" and reworded_sentences(ctx, ctx.substance.sentences)
    passed, detail = _check(presiding, None, "restated")  # an agenda is announced, then called
    assert passed and "几乎一样" not in detail


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
