"""`jianggao eval generate`: character ROUGE-L and heading overlap on known strings, briefs
derived from the seeds, retrieval with records left out, and leave-one-out drafting."""

from __future__ import annotations

import asyncio
import json
import random
from pathlib import Path
from typing import Any

import pytest

from evals.derive import NotDerivable, derive_brief
from evals.generate import GenerateRun, leave_out, run_generate, split_records
from evals.runner import open_pipeline
from evals.similarity import (
    bare_heading,
    heading_overlap,
    lcs_length,
    match_headings,
    rouge_l,
    tokens,
)
from service.cli import main
from service.corpus.records import CorpusRecord
from service.retrieval.index import CorpusIndex
from service.retrieval.saved import CORPUS_FILENAME, open_index
from tests.apphelpers import make_build_dir, settings_for
from tests.kits import KIT


@pytest.fixture(scope="module")
def seed_build(built_corpus: list[CorpusRecord], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A build folder of the five seeds alone (the shared one gains uploads in API tests)."""
    return make_build_dir(tmp_path_factory.mktemp("seeds"), built_corpus)


def _dp_lcs(a: str, b: str) -> int:
    """The textbook dynamic programme, as the reference."""
    previous = [0] * (len(b) + 1)
    for x in a:
        row = [0]
        for j, y in enumerate(b):
            row.append(previous[j] + 1 if x == y else max(previous[j + 1], row[j]))
        previous = row
    return previous[-1]


def test_lcs_on_known_strings() -> None:
    assert lcs_length("ABCBDAB", "BDCABA") == 4
    assert lcs_length("同志们今天开会", "今天我们开会") == 4  # 今天…开会
    assert lcs_length("", "开会") == 0 and lcs_length("开会", "") == 0
    assert lcs_length("讲话", "讲话") == 2


def test_lcs_matches_the_dynamic_programme_beyond_one_machine_word() -> None:
    rng = random.Random(7)
    for _ in range(200):
        a = "".join(rng.choice("党政会议讲话工作") for _ in range(rng.randint(0, 150)))
        b = "".join(rng.choice("党政会议讲话工作") for _ in range(rng.randint(0, 150)))
        assert lcs_length(a, b) == _dp_lcs(a, b), (a, b)


def test_rouge_l_by_character() -> None:
    assert rouge_l("今天我们开会", "今天，我们召开会议。") == rouge_l(
        "今天我们开会", "今天我们召开会议"
    )
    score = rouge_l("今天我们开会", "今天，我们召开会议。")
    assert (score.lcs, score.precision, score.recall, score.f1) == (6, 1.0, 0.75, 0.8571)
    assert rouge_l("同志们：", "同志们！").f1 == 1.0  # punctuation is not counted
    assert rouge_l("讲话稿", "主持词").f1 == 0.0 and rouge_l("", "主持词").f1 == 0.0
    # Whitespace-split scorers see one token per clause and score this 0; by character it is not.
    assert rouge_l("要压实安全生产责任", "要切实压实安全责任").f1 == pytest.approx(
        2 * 7 / 18, abs=1e-4
    )
    assert tokens("第1项、 XX同志：") == "第1项XX同志"


def test_headings_compared_without_their_numbering() -> None:
    assert bare_heading("一、提高政治站位，进一步压实责任") == "提高政治站位，进一步压实责任"
    assert bare_heading("第一，要深刻认识重要性。") == "要深刻认识重要性"
    assert bare_heading("（三）加强组织领导") == "加强组织领导"
    matches = match_headings(
        ["一、提高政治站位", "二、突出工作重点", "三、加强组织领导"],
        ["一、提高政治站位", "二、加强组织领导，确保取得实效"],
    )
    assert [m.best for m in matches] == ["提高政治站位", None, "加强组织领导，确保取得实效"]
    assert [m.matched for m in matches] == [True, False, True]
    assert [m.similarity for m in matches] == [
        1.0,
        0.0,
        rouge_l("加强组织领导，确保取得实效", "加强组织领导").f1,
    ]
    assert matches[2].similarity == pytest.approx(2 * (6 / 12) * 1.0 / (6 / 12 + 1.0), abs=1e-4)
    assert heading_overlap(matches) == round((1.0 + 0.0 + matches[2].similarity) / 3, 4)
    assert heading_overlap([]) is None
    assert match_headings(["一、提高政治站位"], [])[0].similarity == 0.0


def _record(corpus: list[CorpusRecord], prefix: str) -> CorpusRecord:
    return next(r for r in corpus if r.id.startswith(prefix))


def test_briefs_derived_from_the_seeds(built_corpus: list[CorpusRecord]) -> None:
    progress = derive_brief(_record(built_corpus, "001"), KIT)
    brief = progress.brief
    assert brief.speech_type == "progress" and brief.meeting == "全市主题教育推进会"
    assert brief.speaker == "市委书记" and progress.sources == {
        "meeting": "标题",
        "speaker": "元数据",
    }
    assert [p.title for p in brief.points] == [
        "提高政治站位，进一步把主题教育引向深入", "突出工作重点，进一步把重点措施贯穿始终",
    ]  # fmt: skip
    assert {"两个确立", "两个维护"} <= set(brief.required_phrases)
    assert all(p in _record(built_corpus, "001").text for p in brief.required_phrases)
    assert brief.target_chars == _record(built_corpus, "001").chars
    speech = derive_brief(_record(built_corpus, "000_2bdf9da61f1c4d4c#2"), KIT).brief
    assert speech.speaker == "区委副书记、区委教育实践活动领导小组常务副组长"  # XXX dropped
    assert speech.points[0].title == "要深刻认识“回头看”工作的重要性"
    supervision = derive_brief(_record(built_corpus, "004"), KIT).brief
    assert supervision.points == []  # its two parts are the form's own (评价, 建议)
    presiding = derive_brief(_record(built_corpus, "000_2bdf9da61f1c4d4c#1"), KIT).brief
    assert presiding.meeting == "教育实践活动督导工作调度会" and len(presiding.agenda) == 7
    assert presiding.agenda[0].topic == "汇报" and presiding.agenda[-1].topic == "讲话"
    assert presiding.agenda[-1].speaker == "区委副书记、区委教育实践活动领导小组常务副组长XXX"


def test_derived_target_is_clamped_and_news_has_no_brief(built_corpus: list[CorpusRecord]) -> None:
    record = _record(built_corpus, "001")
    assert derive_brief(record.model_copy(update={"chars": 120}), KIT).brief.target_chars == 500
    assert derive_brief(record.model_copy(update={"chars": 90000}), KIT).brief.target_chars == 20000
    with pytest.raises(NotDerivable, match="news"):
        derive_brief(_record(built_corpus, "003"), KIT)


def test_excluded_records_never_come_back_from_search(built_corpus: list[CorpusRecord]) -> None:
    index = CorpusIndex.from_records(built_corpus, KIT.segmenter)
    left_out = "001_96dd786780a8f525"
    query = "主题教育 推进会 政治站位"
    assert index.search(query, k=5)[0].record.id == left_out
    view = index.excluding([left_out])
    assert left_out not in {h.record.id for h in view.search(query, k=5)}
    assert left_out not in {h.record.id for h in view.search(query, k=5, examples_only=False)}
    assert left_out not in {h.record.id for h in view.search_sections(query, "point", k=10)}
    assert left_out in {h.record.id for h in index.search_sections(query, "point", k=10)}
    assert index.search(query, k=5)[0].record.id == left_out  # the index itself is unchanged


def test_records_chosen_and_left_out(built_corpus: list[CorpusRecord]) -> None:
    chosen, skipped = split_records(built_corpus)
    assert [r.id[:3] for r in chosen] == ["000", "000", "001", "002", "004"]
    assert [(s.id[:3], s.reason) for s in skipped] == [("003", "新闻报道，不是讲话稿")]
    duplicate = built_corpus[2].model_copy(update={"id": "copy", "duplicate_of": "001"})
    _, skipped = split_records([duplicate])
    assert skipped[0].reason == "与 001 重复"
    assert len(split_records(built_corpus, limit=2)[0]) == 2


@pytest.fixture(scope="module")
def generated(seed_build: Path, tmp_path_factory: pytest.TempPathFactory) -> GenerateRun:
    """The whole seed corpus drafted again with the built-in drafter, leave one out."""
    settings = settings_for(tmp_path_factory.mktemp("generate"), seed_build)
    index = open_index(seed_build, KIT.segmenter)

    async def go() -> GenerateRun:
        async with open_pipeline(settings, KIT, index) as pipeline:
            return await run_generate(pipeline, index, source="speeches.jsonl", source_sha256="0")

    return asyncio.run(go())


def test_drafted_speech_is_never_its_own_example(generated: GenerateRun) -> None:
    assert [d.id[:3] for d in generated.documents] == ["000", "000", "001", "002", "004"]
    for doc in generated.documents:
        assert doc.error is None and doc.document is not None
        assert doc.id in doc.excluded and len(doc.examples) == 3
        assert not set(doc.examples) & set(doc.excluded), doc.id
    siblings = generated.documents[0].excluded
    assert siblings == ["000_2bdf9da61f1c4d4c#1", "000_2bdf9da61f1c4d4c#2"]  # one source page


def test_leave_out_takes_the_whole_source(built_corpus: list[CorpusRecord]) -> None:
    index = CorpusIndex.from_records(built_corpus, KIT.segmenter)
    assert leave_out(index, _record(built_corpus, "001")) == ["001_96dd786780a8f525"]
    assert len(leave_out(index, _record(built_corpus, "000"))) == 2


def test_generate_compares_with_the_original(generated: GenerateRun) -> None:
    summary = generated.summary
    assert summary.documents == 6 and summary.drafted == 5 and summary.skipped == 1
    assert summary.failed == 0 and summary.scores.speeches == 5
    for doc in generated.documents:
        assert doc.rouge_l is not None and 0.0 < doc.rouge_l < 1.0
        assert doc.nearest_example_rouge_l is not None and 0.0 < doc.nearest_example_rouge_l < 1.0
    by_id = {d.id: d for d in generated.documents}
    assert by_id["001_96dd786780a8f525"].heading_overlap == 1.0  # points = original headings
    assert len(by_id["004_1d1c087138e683da"].headings) == 2
    assert by_id["000_2bdf9da61f1c4d4c#1"].heading_overlap is None  # a presiding text: none
    assert summary.headings == sum(len(d.headings) for d in generated.documents)
    rouges = [d.rouge_l for d in generated.documents if d.rouge_l is not None]
    assert summary.mean_rouge_l == round(sum(rouges) / len(rouges), 4)


def test_generate_cli_writes_three_reports(
    seed_build: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    corpus = seed_build / CORPUS_FILENAME
    args = ["eval", "generate", "--corpus", str(corpus), "--out", str(tmp_path)]
    assert main([*args, "--limit", "2", "--drafter", "builtin"]) == 0
    data = json.loads((tmp_path / "generate.json").read_text(encoding="utf-8"))
    assert data["schema"] == "jianggao.eval/1" and data["mode"] == "generate"
    assert len(data["documents"]) == 2 and data["summary"]["drafted"] == 2
    assert data["source"] == CORPUS_FILENAME and len(data["source_sha256"]) == 64
    markdown = (tmp_path / "generate.md").read_text(encoding="utf-8")
    assert "ROUGE-L" in markdown and "检索时排除" in markdown
    page = (tmp_path / "generate.html").read_text(encoding="utf-8")
    assert "<script" not in page and "https://" not in page
    captured = capsys.readouterr()
    assert "已重新起草 2/2" in captured.err and "重新起草 2 篇" in captured.out
    assert str(tmp_path) not in json.dumps(data) + markdown + page


def test_generate_without_a_corpus_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["eval", "generate", "--corpus", str(tmp_path / "none.jsonl"), "--drafter", "builtin"]
    assert main(args) == 2
    assert "jianggao corpus build" in capsys.readouterr().err


def test_limit_must_be_positive() -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["eval", "generate", "--limit", "0"])
    assert stopped.value.code == 2


def test_committed_generate_report_is_current(generated: GenerateRun) -> None:
    """evals/reports/generate.json is what `make eval` gives on the seeds today."""
    reports = Path(__file__).resolve().parent.parent / "evals" / "reports"
    saved = json.loads((reports / "generate.json").read_text(encoding="utf-8"))

    def outcome(docs: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
        return [
            (d["id"], d["rouge_l"], d["heading_overlap"], (d["document"] or {}).get("score"))
            for d in docs
        ]

    fresh = generated.model_dump(mode="json")
    stale = "evals/reports/generate.json is stale: run `make eval` and commit it"
    assert outcome(fresh["documents"]) == outcome(saved["documents"]), stale
