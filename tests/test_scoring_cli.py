"""`jianggao check`: the report as a table or JSON, exit codes 0 / 1 / 2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from service.cli import main
from service.corpus.records import CorpusRecord

SPEECH = """在全县安全生产工作会议上的讲话
同志们：
今天，我们召开全县安全生产工作会议，主要任务是部署今年的安全生产工作。
下面，我讲两点意见。
一、提高政治站位，切实增强责任感
各级各部门要把安全生产摆在突出位置，始终坚持人民至上、生命至上，把安全发展理念贯穿工作全过程。一是要认识到位，深刻认识安全生产的极端重要性，时刻绷紧安全这根弦。二是要责任到位，严格落实党政同责、一岗双责、齐抓共管、失职追责，层层传导压力，确保责任落实到岗、到人。
二、突出工作重点，全力抓好隐患排查整治
要聚焦重点行业领域，坚决遏制重特大事故发生。要扎实开展隐患排查整治，对排查出的问题建立台账、逐项销号，做到整改责任、措施、资金、时限和预案“五到位”。要加强应急管理体系建设，完善应急预案，强化应急演练，切实提高应对突发事件的能力。
同志们，让我们以更加务实的作风，为全县高质量发展作出新的更大贡献！
谢谢大家！
"""


def _write(tmp_path: Path, name: str, content: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(content.encode(encoding))
    return path


def _brief(**extra: object) -> dict[str, object]:
    return {
        "speech_type": "work_meeting",
        "meeting": "全县安全生产工作会议",
        "speaker": "县长",
        "point_count": 2,
        "target_chars": 500,
        **extra,
    }


def test_json_report_schema(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["check", str(_write(tmp_path, "speech.txt", SPEECH)), "--json"])
    report = json.loads(capsys.readouterr().out)
    assert code == 0 and report["passed"] is True
    assert set(report) >= {"score", "passed", "checks", "structure", "skipped", "mode"}
    assert set(report["checks"][0]) == {
        "name",
        "label",
        "passed",
        "weight",
        "detail",
        "substance",
        "advice",
    }
    structure = report["structure"]
    assert structure["kind"] == "speech" and structure["salutation"] == "同志们："
    assert structure["points_announced"] == 2 and structure["points_found"] == 2
    assert structure["headings"] == [
        "一、提高政治站位，切实增强责任感",
        "二、突出工作重点，全力抓好隐患排查整治",
    ]
    assert structure["closing"].endswith("谢谢大家！") and structure["chars"] > 100


def test_points_announced_is_null_when_none_announced(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = SPEECH.replace("下面，我讲两点意见。\n", "")
    main(["check", str(_write(tmp_path, "speech.txt", text)), "--json"])
    assert json.loads(capsys.readouterr().out)["structure"]["points_announced"] is None


def test_failing_draft_exits_1_and_table_names_the_fault(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = SPEECH.replace("二、突出", "三、突出")
    code = main(["check", str(_write(tmp_path, "speech.txt", text))])
    out = capsys.readouterr().out
    assert code == 1
    assert "未通过" in out and "✗ numbering" in out and "跳号" in out


def test_brief_turns_on_draft_mode(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    brief = _write(tmp_path, "brief.json", json.dumps(_brief(), ensure_ascii=False))
    text = SPEECH.replace("各级各部门", "全县XX个部门")
    code = main(["check", str(_write(tmp_path, "s.txt", text)), "--brief", str(brief), "--json"])
    report = json.loads(capsys.readouterr().out)
    failed = {c["name"] for c in report["checks"] if not c["passed"]}
    assert code == 1 and report["mode"] == "draft"
    # The brief's minimum target (500 字) is longer than this short sample.
    assert failed == {"placeholders", "speaker_named", "length"}


def test_gb18030_file_is_read(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(tmp_path, "speech.txt", SPEECH, encoding="gb18030")
    assert main(["check", str(path), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["structure"]["salutation"] == "同志们："


def test_missing_file_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", str(tmp_path / "nope.txt")]) == 2
    assert "文件不存在" in capsys.readouterr().err


def test_invalid_brief_json_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    speech = str(_write(tmp_path, "speech.txt", SPEECH))
    broken = _write(tmp_path, "broken.json", '{"meeting": ')
    assert main(["check", speech, "--brief", str(broken)]) == 2
    assert "不是有效的 JSON" in capsys.readouterr().err


def test_brief_missing_field_is_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    speech = str(_write(tmp_path, "speech.txt", SPEECH))
    data = _brief()
    del data["meeting"]
    data["target_chars"] = 10
    brief = _write(tmp_path, "brief.json", json.dumps(data))
    assert main(["check", speech, "--brief", str(brief)]) == 2
    err = capsys.readouterr().err
    assert "字段 meeting" in err and "字段 target_chars" in err


def test_unknown_type_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    speech = str(_write(tmp_path, "speech.txt", SPEECH))
    assert main(["check", speech, "--type", "演讲"]) == 2
    assert "未知的讲话类型" in capsys.readouterr().err


def test_empty_file_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", str(_write(tmp_path, "empty.txt", " \n"))]) == 2
    assert "文本为空" in capsys.readouterr().err


def test_examples_from_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], built_corpus: list[CorpusRecord]
) -> None:
    example = next(r for r in built_corpus if r.id.startswith("001")).text
    passage = example[example.index("在部署推进方面") :][:140]
    text = SPEECH.replace("要聚焦重点行业领域", passage + "要聚焦重点行业领域")
    args = ["check", str(_write(tmp_path, "s.txt", text)), "--json"]
    args += ["--example", str(_write(tmp_path, "example.txt", example))]
    assert main(args) == 1
    report = json.loads(capsys.readouterr().out)
    assert {c["name"] for c in report["checks"] if not c["passed"]} == {"copied_text"}
