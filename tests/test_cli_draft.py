"""`jianggao draft` end to end through service.cli.main: the built-in drafter when no model is
configured, files by extension, JSON mode, an edited outline, and every kind of bad input."""

from __future__ import annotations

import json
from collections.abc import Iterator
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from docx import Document

from service.cli import main
from service.config import get_settings
from tests.apphelpers import BRIEFS_DIR, example_brief

BRIEF = BRIEFS_DIR / "work_meeting.json"
MODEL_VARIABLES = (
    "OPENAI_API_KEY",
    "OPENAI_BASE_URL",
    "JIANGGAO_OPENAI_API_KEY",
    "JIANGGAO_OPENAI_BASE_URL",
    "JIANGGAO_DRAFTER",
)


@pytest.fixture(autouse=True)
def no_model(monkeypatch: pytest.MonkeyPatch, build_dir: Path) -> Iterator[None]:
    """Settings as on a machine with the corpus built and no model endpoint configured."""
    for name in MODEL_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("JIANGGAO_BUILD_DIR", str(build_dir))
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def _json_draft(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict[str, Any]]:
    code = main(["draft", *args, "--json"])
    draft: dict[str, Any] = json.loads(capsys.readouterr().out)
    return code, draft


def _write_json(path: Path, data: Any) -> Path:
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def test_prints_the_text_and_a_summary_naming_the_builtin_drafter(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["draft", str(BRIEF)]) == 0
    out, err = capsys.readouterr()
    assert out.startswith("县委书记在全县安全生产工作会议上的讲话\n（2024年2月26日）\n同志们：\n")
    assert "检查：评分 1.00，通过" in out
    assert "起草器：内置起草器（未配置模型）" in out
    assert "未通过的检查" not in out
    assert "提纲：县委书记在全县安全生产工作会议上的讲话（5个部分）" in err
    assert "  2. 压紧压实安全生产责任" in err
    assert all(f"第{n}部分写成" in err for n in range(1, 6))
    assert "检查：" not in err  # progress and result stay apart


def test_json_mode_prints_the_whole_draft(capsys: pytest.CaptureFixture[str]) -> None:
    code, draft = _json_draft(capsys, str(BRIEF), "--mode", "single")
    assert code == (0 if draft["report"]["passed"] else 1)
    assert draft["mode"] == "single" and draft["drafter"] == "builtin" and draft["model"] is None
    assert draft["text"].startswith(draft["title"])
    assert {"outline", "sections", "report", "usage", "notes"} <= set(draft)
    # the seeds are all 主题教育 speeches: none is shown for a safety meeting, and it says so
    assert draft["examples"] == [] and any("没有与这次会议" in n for n in draft["notes"])


@pytest.mark.parametrize("suffix", [".docx", ".md", ".txt"])
def test_out_writes_the_format_its_extension_names(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], suffix: str
) -> None:
    out = tmp_path / f"讲话{suffix}"
    code, draft = _json_draft(capsys, str(BRIEF), "--out", str(out))
    assert code == 0
    lines = [line for line in draft["text"].split("\n") if line]
    head = [lines[0], "县委书记", *lines[1:3]]  # the brief's speaker under the title
    if suffix == ".docx":
        written = [p.text for p in Document(BytesIO(out.read_bytes())).paragraphs]
        assert written == [*head, *lines[3:]]
    elif suffix == ".md":
        markdown = out.read_text(encoding="utf-8")
        assert markdown.startswith(
            f"# {draft['title']}\n\n县委书记\n\n（2024年2月26日）\n\n同志们：\n\n"
        )
        assert "\n## 一、压紧压实安全生产责任\n" in markdown
    else:
        indented = ["\u3000\u3000" + line for line in lines[3:]]
        assert out.read_text(encoding="utf-8") == "\n".join([*head, *indented]) + "\n"


def test_text_out_in_gb18030_and_no_text_on_stdout(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "speech.txt"
    assert main(["draft", str(BRIEF), "--out", str(out), "--encoding", "gb18030"]) == 0
    stdout, err = capsys.readouterr()
    text = out.read_bytes().decode("gb18030")
    assert text.startswith("县委书记在全县安全生产工作会议上的讲话\n")
    assert "同志们" not in stdout and "检查：评分" in stdout
    assert f"已写入 {out}" in err


def test_drafts_to_an_edited_outline_and_fails_when_it_invents_a_figure(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, first = _json_draft(capsys, str(BRIEF))
    # The whole draft JSON is accepted as an outline file; the outline inside it is used.
    first["outline"]["parts"][2]["heading"] = "切实加强安全生产宣传教育"
    code, edited = _json_draft(
        capsys, str(BRIEF), "--outline", str(_write_json(tmp_path / "d.json", first))
    )
    assert "二、切实加强安全生产宣传教育" in edited["text"]
    assert "按使用者提供的提纲起草" in edited["notes"]
    assert code == (0 if edited["report"]["passed"] else 1)

    outline = first["outline"]
    outline["parts"][1]["heading"] = "确保年底前重大隐患整改率达到99.5%"
    assert (
        main(["draft", str(BRIEF), "--outline", str(_write_json(tmp_path / "o.json", outline))])
        == 1
    )
    out = capsys.readouterr().out
    assert "未通过" in out and "invented_figures：简报中没有的数字或日期" in out and "99.5%" in out


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (None, "文件不存在"),
        ("{不是 JSON", "不是有效的 JSON（第1行"),
        ({**example_brief("work_meeting"), "speech_type": "报告"}, "字段 speech_type"),
        (
            {k: v for k, v in example_brief("work_meeting").items() if k != "meeting"},
            "字段 meeting",
        ),
    ],
)
def test_bad_briefs_exit_2_naming_what_is_wrong(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: Any, expected: str
) -> None:
    path = tmp_path / "brief.json"
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    elif content is not None:
        _write_json(path, content)
    assert main(["draft", str(path)]) == 2
    out, err = capsys.readouterr()
    assert expected in err and str(path) in err
    assert out == "" and "提纲" not in err  # nothing drafted


def test_bad_options_exit_2_before_drafting(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["draft", str(BRIEF), "--out", str(tmp_path / "speech.pdf")]) == 2
    assert "只能写 .docx、.md 或 .txt" in capsys.readouterr().err
    assert main(["draft", str(BRIEF), "--out", str(tmp_path / "missing" / "a.docx")]) == 2
    assert "目录不存在" in capsys.readouterr().err
    bad_outline = _write_json(
        tmp_path / "outline.json", {"title": "讲话", "parts": [{"role": "opening"}]}
    )
    assert main(["draft", str(BRIEF), "--outline", str(bad_outline)]) == 2
    err = capsys.readouterr().err
    assert "不是有效的提纲" in err and "字段 parts.0.chars" in err


def test_an_outline_that_does_not_fit_the_brief_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, first = _json_draft(capsys, str(BRIEF))
    outline = first["outline"]
    outline["parts"] = outline["parts"][:2]
    assert (
        main(["draft", str(BRIEF), "--outline", str(_write_json(tmp_path / "o.json", outline))])
        == 2
    )
    assert "与简报不符" in capsys.readouterr().err


def test_model_drafter_without_an_endpoint_is_a_configuration_error(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("JIANGGAO_DRAFTER", "openai")
    get_settings.cache_clear()
    assert main(["draft", str(BRIEF)]) == 2
    assert "配置有误" in capsys.readouterr().err


def test_a_bad_setting_is_reported_not_raised(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("JIANGGAO_REPAIR_ROUNDS", "9")
    get_settings.cache_clear()
    assert main(["draft", str(BRIEF)]) == 2
    err = capsys.readouterr().err
    assert "设置有误" in err and "JIANGGAO_REPAIR_ROUNDS" in err
