"""`jianggao eval cases`: each assertion fails when, and only when, its condition is false;
cases load with clear errors; runs end to end with the built-in drafter and with a model."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import TypeAdapter

from evals.assertions import ASSERTION_TYPES, Assertion, Subject
from evals.cases import CASES_DIR, CaseError, CasesRun, load_case, load_cases, run_cases
from evals.runner import open_pipeline
from service.cli import main
from service.config import Settings, get_settings
from service.corpus.records import CorpusRecord
from service.retrieval.saved import CORPUS_FILENAME, open_index
from service.schemas import Brief
from service.scoring import Scorer
from service.testing.fake_upstream import FakeUpstream, Status
from service.testing.model_responder import ModelResponder
from service.text.normalise import count_chars
from tests.apphelpers import make_build_dir, settings_for
from tests.kits import KIT


@pytest.fixture(scope="module")
def seed_build(built_corpus: list[CorpusRecord], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A build folder of the five seeds alone (the shared one gains uploads in API tests)."""
    return make_build_dir(tmp_path_factory.mktemp("seeds"), built_corpus)


SPEECH = """县长在全县安全生产工作会议上的讲话
同志们：
今天，我们召开全县安全生产工作会议，主要任务是部署今年的安全生产工作。
下面，我讲三点意见。
一、压实安全生产责任
要坚决做到“两个维护”，严格落实党政同责、一岗双责。
二、深化隐患排查整治
要聚焦重点行业领域，对排查出的隐患逐项整改销号。
三、提升应急处置能力
要修订完善应急预案，加强救援队伍建设。
同志们，让我们团结一心、真抓实干，为全县安全生产形势持续稳定作出新的更大贡献！
"""
BRIEF = Brief(
    speech_type="work_meeting",
    meeting="全县安全生产工作会议",
    speaker="县长",
    required_phrases=["两个维护"],
    target_chars=500,
)
CHARS = count_chars(SPEECH)
ADAPTER: TypeAdapter[Assertion] = TypeAdapter(Assertion)


def _subject(brief: Brief = BRIEF) -> Subject:
    return Subject(SPEECH, Scorer(KIT).score(SPEECH, brief=brief))


def _passes(spec: dict[str, Any], subject: Subject | None = None) -> bool:
    result = ADAPTER.validate_python(spec).evaluate(subject or _subject())
    assert result.reason and result.label and result.type == spec["type"]
    return result.passed


# (assertion, whether it holds for SPEECH): each type once true, at least once false.
TABLE: list[tuple[dict[str, Any], bool]] = [
    ({"type": "contains", "value": "两个维护"}, True),
    ({"type": "contains", "value": ["两个维护", "一岗双责"]}, True),
    ({"type": "contains", "value": ["两个维护", "四个自信"]}, False),
    ({"type": "not-contains", "value": ["差不多", "走过场"]}, True),
    ({"type": "not-contains", "value": ["差不多", "同志们"]}, False),
    ({"type": "regex", "value": "^同志们：$"}, True),
    ({"type": "regex", "value": "下面，我讲[一二三]点意见"}, True),
    ({"type": "regex", "value": "^尊敬的"}, False),
    ({"type": "regex", "value": "^要修订"}, True),  # ^ matches at every line start
    ({"type": "regex", "value": "修订\\Z"}, False),
    ({"type": "not-regex", "value": "XX|某某"}, True),
    ({"type": "not-regex", "value": "三点意见"}, False),
    ({"type": "in-order", "value": ["一、", "二、", "三、"]}, True),
    ({"type": "in-order", "value": ["三、", "一、"]}, False),
    ({"type": "in-order", "value": ["一、", "四、"]}, False),
    ({"type": "in-order", "value": ["同志们", "同志们"]}, True),  # the second occurrence counts
    ({"type": "in-order", "value": ["让我们", "同志们：", "同志们："]}, False),
    ({"type": "point-count", "value": 3}, True),
    ({"type": "point-count", "value": 4}, False),
    ({"type": "length", "min": CHARS, "max": CHARS}, True),
    ({"type": "length", "max": CHARS - 1}, False),
    ({"type": "length", "min": CHARS + 1}, False),
    ({"type": "min-score", "value": 0.0}, True),
    ({"type": "check-passes", "value": ["required_phrases", "numbering", "announced_count"]}, True),
    ({"type": "check-passes", "value": "copied_text"}, False),  # skipped: no examples given
    ({"type": "heading-contains", "value": ["隐患排查", "应急处置"]}, True),
    ({"type": "heading-contains", "value": ["隐患排查", "组织领导"]}, False),
    ({"type": "heading-contains", "value": "两个维护"}, False),  # in the body, not a heading
]


@pytest.mark.parametrize(("spec", "holds"), TABLE, ids=lambda v: json.dumps(v, ensure_ascii=False))
def test_assertion_passes_exactly_when_its_condition_holds(
    spec: dict[str, Any], holds: bool
) -> None:
    assert _passes(spec) is holds


def test_every_assertion_type_is_tested_both_ways() -> None:
    seen = {(spec["type"], holds) for spec, holds in TABLE}
    for kind in ASSERTION_TYPES:
        assert (kind, True) in seen, kind
        assert (kind, False) in seen or kind == "min-score", kind


def test_min_score_and_check_passes_fail_on_a_failed_check() -> None:
    missing = BRIEF.model_copy(update={"required_phrases": ["两个维护", "四个自信"]})
    subject = _subject(missing)
    assert subject.report.score < 1.0
    assert _passes({"type": "min-score", "value": subject.report.score}, subject)
    assert not _passes({"type": "min-score", "value": subject.report.score + 0.001}, subject)
    result = ADAPTER.validate_python({"type": "check-passes", "value": "required_phrases"})
    outcome = result.evaluate(subject)
    assert not outcome.passed and "四个自信" in outcome.reason


def test_reasons_say_what_was_found() -> None:
    subject = _subject()
    found = ADAPTER.validate_python({"type": "not-contains", "value": "真抓实干"}).evaluate(subject)
    assert found.reason == "出现了“真抓实干”（第11行）"
    length = ADAPTER.validate_python({"type": "length", "max": 100}).evaluate(subject)
    assert length.reason == f"过长：{CHARS}字（要求至多100字）"
    labelled = ADAPTER.validate_python({"type": "point-count", "value": 3, "description": "三点"})
    assert labelled.evaluate(subject).label == "三点"


def _write_case(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.yaml"
    path.write_text(text, encoding="utf-8")
    return path


D = "description: 坏用例\n"
BAD_CASES = {
    "unknown_type": (D + "brief: pledge.json\nassert: [{type: similar, value: x}]", "similar"),
    "bad_regex": (D + "brief: pledge.json\nassert: [{type: regex, value: '(('}]", "正则表达式无效"),
    "unknown_check": (D + "brief: pledge.json\nassert: [{type: check-passes, value: grammar}]",
        "未知的检查项 grammar",
    ),
    "no_bounds": (D + "brief: pledge.json\nassert: [{type: length}]", "至少要给 min 或 max"),
    "crossed_bounds": (D + "brief: pledge.json\nassert: [{type: length, min: 9, max: 1}]", "大于"),
    "short_order": (D + "brief: pledge.json\nassert: [{type: in-order, value: [a]}]", "in-order"),
    "no_assertions": (D + "brief: pledge.json\nassert: []", "assert"),
    "missing_brief": (D + "brief: nowhere.json\nassert: [{type: contains, value: x}]", "nowhere.json"),
    "bad_brief": (D + "brief: {speech_type: 演讲, meeting: 全县工作会议, speaker: 县长}\nassert: "
                  "[{type: contains, value: x}]", "speech_type"),
    "bad_override": (D + "brief: pledge.json\noverrides: {target_chars: 10}\nassert: "
                     "[{type: contains, value: x}]", "target_chars"),
    "not_a_mapping": ("- just a list", "映射"),
    "broken_yaml": (D + "brief: [unclosed", "YAML"),
    "extra_field": (D + "brief: pledge.json\nexpect: 1\nassert: [{type: contains, value: x}]", "expect"),
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(BAD_CASES))
def test_bad_case_files_are_reported_before_drafting(tmp_path: Path, name: str) -> None:
    text, expected = BAD_CASES[name]
    path = _write_case(tmp_path, name, text + "\n")
    with pytest.raises(CaseError) as raised:
        load_case(path, KIT)
    assert expected in str(raised.value)
    assert name in str(raised.value) or "nowhere" in str(raised.value)


def test_brief_by_name_relative_path_or_inline_with_overrides(tmp_path: Path) -> None:
    (tmp_path / "mine.json").write_text(
        json.dumps({"speech_type": "致辞", "meeting": "开幕式", "speaker": "市长"}), "utf-8"
    )
    named = load_case(_write_case(
        tmp_path, "named", "description: d\nbrief: pledge.json\noverrides: {point_count: 4}\n"
        "assert: [{type: point-count, value: 4}]"), KIT)  # fmt: skip
    assert named.brief.meeting == "全县高标准农田建设推进会" and named.brief.point_count == 4
    beside = load_case(_write_case(
        tmp_path, "beside", "description: d\nbrief: mine.json\nassert: [{type: contains, value: 市长}]"
    ), KIT)  # fmt: skip
    assert beside.brief.speech_type == "address" and beside.id == "beside"
    inline = load_case(_write_case(
        tmp_path, "inline", "description: d\nbrief: {speech_type: 主持词, meeting: 全县大会, "
        "speaker: 县长}\nassert: [{type: regex, value: 散会}]"), KIT)  # fmt: skip
    assert inline.brief.speech_type == "presiding"


def test_cases_folder_errors(tmp_path: Path) -> None:
    with pytest.raises(CaseError, match="找不到用例目录"):
        load_cases(tmp_path / "none", KIT)
    (tmp_path / "README.md").write_text("not a case", "utf-8")
    with pytest.raises(CaseError, match=r"没有 \.yaml 用例"):
        load_cases(tmp_path, KIT)


GOOD_CASE = """description: 表态发言的基本格式
brief: pledge.json
assert:
  - type: regex
    value: ^尊敬的
  - type: regex
    value: 请[^\\n，。！]{1,12}放心
  - type: contains
    value: 两个维护
"""
FAILING_CASE = """description: 故意写错的期望：表态发言里不会有“散会”
brief: pledge.json
assert:
  - type: contains
    value: 两个维护
  - type: regex
    value: 散会
"""


@pytest.fixture()
def corpus_file(seed_build: Path) -> Path:
    return seed_build / CORPUS_FILENAME


def _cli(cases: Path, out: Path, corpus: Path, *extra: str) -> int:
    args = ["eval", "cases", "--cases", str(cases), "--out", str(out), "--corpus", str(corpus)]
    return main([*args, *extra])


def test_cases_run_end_to_end_with_the_builtin_drafter(
    tmp_path: Path, corpus_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cases, out = tmp_path / "cases", tmp_path / "out"
    _write_case(cases, "a_good", GOOD_CASE)
    _write_case(cases, "b_failing", FAILING_CASE + "known_failure: 期望本来就写错了\n")
    assert _cli(cases, out, corpus_file, "--drafter", "builtin") == 0
    data = json.loads((out / "cases.json").read_text(encoding="utf-8"))
    assert data["schema"] == "jianggao.eval/1" and data["mode"] == "cases"
    assert data["source"] == "cases" and data["drafter"] == "builtin"
    summary = data["summary"]
    assert summary["cases"] == 2 and summary["cases_passed"] == 1 and summary["pass_rate"] == 0.5
    assert summary["assertions"] == 5 and summary["assertions_passed"] == 4
    assert summary["failures_by_type"] == {"regex": 1}
    assert summary["known_failures"] == 1 and summary["known_failures_passed"] == 0
    good, failing = data["cases"]
    assert good["passed"] and good["document"]["speech_type"] == "pledge"
    assert good["examples"] == []  # the seeds speak of 主题教育, not of a rural pledge
    assert [a["passed"] for a in failing["assertions"]] == [True, False]
    assert "没有与 /散会/ 相符的文字" in failing["assertions"][1]["reason"]
    captured = capsys.readouterr()
    assert (
        "已起草用例 1/2：a_good ✓" in captured.err and "已起草用例 2/2：b_failing ✗" in captured.err
    )
    assert "用例 2 个，通过 1 个（50%）" in captured.out and "b_failing" in captured.out
    markdown = (out / "cases.md").read_text(encoding="utf-8")
    assert "| b_failing | pledge |" in markdown and "✗ 匹配 /散会/" in markdown
    assert "✗（已知问题）" in markdown and "> 已知问题：期望本来就写错了" in markdown
    page = (out / "cases.html").read_text(encoding="utf-8")
    assert "<script" not in page and "https://" not in page and page.count("<tr") == 3
    assert str(tmp_path) not in json.dumps(data) + markdown + page  # no machine paths


def test_fail_under_gates_on_the_case_pass_rate(tmp_path: Path, corpus_file: Path) -> None:
    cases = tmp_path / "cases"
    _write_case(cases, "a_good", GOOD_CASE)
    _write_case(cases, "b_failing", FAILING_CASE)
    common = (cases, tmp_path / "out", corpus_file, "--drafter", "builtin", "--fail-under")
    assert _cli(*common, "0.5") == 0
    assert _cli(*common, "0.6") == 1


def test_a_known_failure_that_passes_is_pointed_out(
    tmp_path: Path, corpus_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cases = tmp_path / "cases"
    _write_case(cases, "fixed", GOOD_CASE + "known_failure: 以前不通过\n")
    assert _cli(cases, tmp_path / "out", corpus_file, "--drafter", "builtin") == 0
    data = json.loads((tmp_path / "out" / "cases.json").read_text(encoding="utf-8"))
    assert data["summary"]["known_failures_passed"] == 1 and data["cases"][0]["passed"]
    assert "fixed 标为已知问题，本次却通过" in capsys.readouterr().out


def test_bad_case_or_corpus_exits_2(
    tmp_path: Path, corpus_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cases = tmp_path / "cases"
    _write_case(cases, "broken", "description: x\nbrief: pledge.json\nassert: [{type: nope}]")
    assert _cli(cases, tmp_path, corpus_file, "--drafter", "builtin") == 2
    assert "broken.yaml" in capsys.readouterr().err
    _write_case(cases, "broken", GOOD_CASE)
    assert _cli(cases, tmp_path, tmp_path / "missing.jsonl", "--drafter", "builtin") == 2
    assert "jianggao corpus build" in capsys.readouterr().err


@pytest.fixture()
def clean_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    """No model endpoint in the environment; settings re-read before and after."""
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "JIANGGAO_OPENAI_API_KEY",
                 "JIANGGAO_OPENAI_BASE_URL", "JIANGGAO_DRAFTER", "JIANGGAO_MODEL"):  # fmt: skip
        monkeypatch.delenv(name, raising=False)
    get_settings.cache_clear()
    yield monkeypatch
    monkeypatch.undo()
    get_settings.cache_clear()


def test_model_drafter_without_an_endpoint_exits_2(
    tmp_path: Path, corpus_file: Path, clean_env: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    _write_case(tmp_path / "cases", "a_good", GOOD_CASE)
    assert _cli(tmp_path / "cases", tmp_path, corpus_file, "--drafter", "openai") == 2
    assert "OPENAI_BASE_URL" in capsys.readouterr().err


def test_committed_cases_pass_with_the_builtin_drafter(seed_build: Path) -> None:
    """Every case in evals/cases passes, except those marked known_failure, which must fail."""
    cases = load_cases(CASES_DIR, KIT)
    assert len(cases) >= 8
    assert {c.brief.speech_type for c in cases} >= {
        "work_meeting", "progress", "mobilization", "summary", "supervision", "presiding",
        "pledge", "address",
    }  # fmt: skip
    run = _run(settings_for(seed_build.parent, seed_build), seed_build, cases)
    for case in run.cases:
        failed = [f"{a.label}：{a.reason}" for a in case.assertions if not a.passed]
        if case.known_failure:
            assert not case.passed, f"{case.id} passes now: remove its known_failure"
        else:
            assert case.passed, (case.id, case.error, failed)
    committed = Path(__file__).resolve().parent.parent / "evals" / "reports" / "cases.json"
    saved = json.loads(committed.read_text(encoding="utf-8"))

    def outcome(data: dict[str, Any]) -> list[tuple[Any, ...]]:
        return [
            (c["id"], c["passed"], (c["document"] or {}).get("score"), len(c["assertions"]))
            for c in data["cases"]
        ]

    stale = "evals/reports/cases.json is stale: run `make eval` and commit it"
    assert outcome(run.model_dump(mode="json")) == outcome(saved), stale


def _run(settings: Settings, seed_build: Path, cases: list[Any]) -> CasesRun:
    async def go() -> CasesRun:
        async with open_pipeline(settings, KIT, open_index(seed_build, KIT.segmenter)) as pipeline:
            return await run_cases(pipeline, cases, source="cases")

    return asyncio.run(go())


MODEL_CASE = """description: 模型起草的工作会议讲话
brief:
  speech_type: work_meeting
  meeting: 全县安全生产工作会议
  speaker: 县长
  points:
    - title: 压实安全生产责任
    - title: 深化隐患排查整治
    - title: 提升应急处置能力
  required_phrases: [人民至上、生命至上, 两个维护]
  target_chars: 2400
assert:
  - type: contains
    value: [人民至上、生命至上, 两个维护]
  - type: point-count
    value: 3
  - type: regex
    value: 下面，我讲三点意见
  - type: heading-contains
    description: 小标题沿用简报要点
    value: 压实安全生产责任
"""


def test_cases_run_through_a_model_endpoint(
    tmp_path: Path, seed_build: Path, corpus_file: Path, clean_env: pytest.MonkeyPatch
) -> None:
    """The default drafter is the service's: with OPENAI_BASE_URL set, the model is used."""
    cases = tmp_path / "cases"
    _write_case(cases, "a_down", MODEL_CASE.replace("模型起草", "接口出错时"))
    _write_case(cases, "b_model", MODEL_CASE)
    with FakeUpstream(ModelResponder()) as fake:
        fake.script([Status(500)])  # the first call fails: that case fails, the run goes on
        clean_env.setenv("OPENAI_BASE_URL", fake.base_url)
        clean_env.setenv("OPENAI_API_KEY", "test-key")
        clean_env.setenv("JIANGGAO_MODEL", "fake-model")
        clean_env.setenv("JIANGGAO_MAX_RETRIES", "0")
        get_settings.cache_clear()
        assert _cli(cases, tmp_path / "out", corpus_file) == 0
        chats = fake.chat_requests
    data = json.loads((tmp_path / "out" / "cases.json").read_text(encoding="utf-8"))
    assert data["drafter"] == "openai" and data["model"] == "fake-model"
    down, model = data["cases"]
    assert not down["passed"] and down["error"].startswith("起草失败") and not down["assertions"]
    assert [a["passed"] for a in model["assertions"]] == [True, True, True, True]
    assert model["document"]["passed"]
    assert len(chats) >= 2 and chats[0].body.get("response_format") is not None
    assert data["summary"]["failures_by_type"] == {"drafting": 1}
