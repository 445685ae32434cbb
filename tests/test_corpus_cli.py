"""`jianggao corpus build` end to end through service.cli.main."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from service.cli import main
from tests.conftest import SEEDS_DIR


def test_build_writes_jsonl_and_prints_the_summary(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = tmp_path / "raw"
    shutil.copytree(SEEDS_DIR, src)
    copy = (SEEDS_DIR / "004_1d1c087138e683da.txt").read_text(encoding="utf-8")
    (src / "005_copy.txt").write_text(copy.replace("XX局", "YY局"), encoding="utf-8")
    (src / "006_empty.txt").write_bytes(b"")
    (src / "007_table.xlsx").write_bytes(b"PK")
    out = tmp_path / "build" / "speeches.jsonl"

    assert main(["corpus", "build", "--source", str(src), "--out", str(out)]) == 0

    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [row["id"] for row in rows] == [
        "000_2bdf9da61f1c4d4c#1",
        "000_2bdf9da61f1c4d4c#2",
        "001_96dd786780a8f525",
        "002_7935644b725a2db3",
        "003_0ef1b18d42c0c190",
        "004_1d1c087138e683da",
        "005_copy",
    ]
    assert rows[-1]["duplicate_of"] == "004_1d1c087138e683da"
    assert "“" in out.read_text(encoding="utf-8")  # Chinese written unescaped
    printed = capsys.readouterr().out
    assert "8 个源文件 → 7 条记录（跳过 2 个，重复 1 条）" in printed
    for line in (
        "news        -                      1",
        "presiding   presiding              1",
        "speech      progress               1",
        "speech      supervision            2",
        "speech      work_meeting           2",
    ):
        assert line in printed
    assert "版权/免责声明" in printed and "网页页头（发布/浏览/编辑）" in printed
    assert "006_empty.txt" in printed and "空文件" in printed
    assert "不支持的文件类型 .xlsx" in printed
    assert "005_copy → 004_1d1c087138e683da（Jaccard" in printed


def test_progress_counter_on_stderr(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from service.commands import corpus

    monkeypatch.setattr(corpus, "PROGRESS_EVERY", 2)
    out = tmp_path / "speeches.jsonl"
    assert main(["corpus", "build", "--source", str(SEEDS_DIR), "--out", str(out)]) == 0
    err = capsys.readouterr().err
    assert err.splitlines() == ["已处理 2/5 个文件", "已处理 4/5 个文件", "已处理 5/5 个文件"]


def test_missing_source_exits_with_a_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["corpus", "build", "--source", str(tmp_path / "missing")])
    assert code == 2
    assert "源目录不存在" in capsys.readouterr().err


def test_defaults_come_from_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from service.config import get_settings

    src = tmp_path / "raw"
    src.mkdir()
    shutil.copy(SEEDS_DIR / "001_96dd786780a8f525.txt", src)
    monkeypatch.setenv("JIANGGAO_CORPUS_DIR", str(src))
    monkeypatch.setenv("JIANGGAO_BUILD_DIR", str(tmp_path / "build"))
    get_settings.cache_clear()
    try:
        assert main(["corpus", "build"]) == 0
    finally:
        get_settings.cache_clear()
    written = (tmp_path / "build" / "speeches.jsonl").read_text(encoding="utf-8")
    assert json.loads(written)["id"] == "001_96dd786780a8f525"
    assert "1 个源文件 → 1 条记录" in capsys.readouterr().out
