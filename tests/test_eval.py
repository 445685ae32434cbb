"""`jianggao eval corpus`: every corpus document scored; JSON, Markdown and HTML reports."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from evals.harness import corpus_items, evaluate, histogram
from service.cli import main
from service.corpus.records import CorpusRecord, write_records
from service.scoring import Scorer
from tests.kits import KIT


@pytest.fixture()
def corpus_file(tmp_path: Path, built_corpus: list[CorpusRecord]) -> Path:
    path = tmp_path / "speeches.jsonl"
    write_records(path, built_corpus)
    return path


def test_eval_corpus_writes_three_reports(
    corpus_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "reports"
    assert main(["eval", "corpus", "--corpus", str(corpus_file), "--out", str(out)]) == 0
    data = json.loads((out / "corpus.json").read_text(encoding="utf-8"))
    assert data["schema"] == "jianggao.eval/1" and data["mode"] == "corpus"
    assert data["source"] == "speeches.jsonl"
    summary = data["summary"]
    assert summary["documents"] == 6 and summary["speeches"] == 5
    assert summary["not_speech"] == 1 and summary["not_speech_recognised"] == 1
    assert summary["kind_disagreements"] == 0
    assert sum(summary["histogram"]) == 5
    docs = {d["id"][:3] + d["id"][20:]: d for d in data["documents"]}
    assert {k for k, d in docs.items() if not d["passed"]} == {"001", "002", "003"}
    assert "截断" in docs["001"]["diagnosis"] and "截断" in docs["002"]["diagnosis"]
    assert docs["003"]["detected_kind"] == "news"
    markdown = (out / "corpus.md").read_text(encoding="utf-8")
    assert "## 分数分布" in markdown and "001_96dd786780a8f525" in markdown
    assert "评测完成：6 篇" in capsys.readouterr().out


def test_html_report_is_self_contained(corpus_file: Path, tmp_path: Path) -> None:
    main(["eval", "corpus", "--corpus", str(corpus_file), "--out", str(tmp_path)])
    page = (tmp_path / "corpus.html").read_text(encoding="utf-8")
    assert "<svg" in page and page.count("<rect") == 10
    assert "http://" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "https://" not in page and "<script" not in page and "<link" not in page

    class Tags(HTMLParser):
        rows = 0

        def handle_starttag(self, tag: str, attrs: object) -> None:
            self.rows += tag == "tr"

    parser = Tags()
    parser.feed(page)
    assert parser.rows >= 7  # header + one row per document


def test_fail_under_gates_on_the_mean_score(corpus_file: Path, tmp_path: Path) -> None:
    args = ["eval", "corpus", "--corpus", str(corpus_file), "--out", str(tmp_path)]
    assert main([*args, "--fail-under", "0.8"]) == 0
    assert main([*args, "--fail-under", "0.99"]) == 1


def test_fail_under_must_be_a_fraction(corpus_file: Path) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["eval", "corpus", "--corpus", str(corpus_file), "--fail-under", "80"])
    assert stopped.value.code == 2


def test_missing_corpus_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["eval", "corpus", "--corpus", str(tmp_path / "none.jsonl")]) == 2
    assert "jianggao corpus build" in capsys.readouterr().err


def test_progress_is_reported(corpus_file: Path) -> None:
    seen: list[tuple[int, int]] = []
    run = evaluate(
        corpus_items(corpus_file),
        mode="corpus",
        source="x",
        source_sha256="0",
        scorer=Scorer(KIT),
        progress=lambda done, total: seen.append((done, total)),
    )
    assert seen[-1] == (6, 6) and len(run.documents) == 6


def test_histogram_bins() -> None:
    assert histogram([0.0, 0.05, 0.5, 0.99, 1.0]) == [2, 0, 0, 0, 0, 1, 0, 0, 0, 2]


def test_committed_report_matches_the_bundled_corpus(corpus_file: Path, tmp_path: Path) -> None:
    """evals/reports/corpus.json is what `jianggao eval corpus` gives on the seeds today."""
    committed = Path(__file__).resolve().parent.parent / "evals" / "reports" / "corpus.json"
    main(["eval", "corpus", "--corpus", str(corpus_file), "--out", str(tmp_path)])
    fresh = json.loads((tmp_path / "corpus.json").read_text(encoding="utf-8"))
    saved = json.loads(committed.read_text(encoding="utf-8"))

    def verdicts(data: dict[str, Any]) -> list[tuple[str, str, bool, list[str]]]:
        return [
            (d["id"], d["detected_kind"], d["passed"], sorted(c["name"] for c in d["failed"]))
            for d in data["documents"]
        ]

    stale = "evals/reports/ is stale: run `make eval` (jianggao eval corpus) and commit it"
    assert verdicts(fresh) == verdicts(saved), stale
    assert fresh["summary"]["histogram"] == saved["summary"]["histogram"], stale
