"""Inputs the seeds lack: other encodings, .docx, broken and odd files, line-level noise."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import docx
import pytest

from service.config import Settings
from service.corpus.build import BuildReport, build_corpus
from service.corpus.records import CorpusRecord, read_records
from service.errors import CorpusBuildError
from tests.conftest import SEEDS_DIR
from tests.kits import KIT

TITLE = "在全县春季农业生产动员大会上的讲话"
# Flattened ASCII punctuation, as web copies carry it.
SPEECH_LINES = [
    TITLE,
    "同志们:",
    "今天,我们召开全县春季农业生产动员大会,主要任务是动员全县上下迅速行动起来,全力以赴抓好春耕备耕工作。",
    "下面,我讲两点意见。",
    "一、统一思想,充分认识做好春季农业生产的重要意义",
    "春季农业生产是全年农业工作的基础。各乡镇要切实增强责任感和紧迫感,把春耕生产摆上重要位置。",
    "二、突出重点,扎实抓好春耕备耕各项工作",
    "一是要抓好农资供应。二是要抓好技术服务。三是要抓好水利设施建设。",
    "同志们,春耕生产时间紧、任务重,让我们紧密团结起来,为夺取全年农业丰收作出新的更大贡献!",
]
SPEECH = "\n".join(SPEECH_LINES) + "\n"
CLEAN_OPENING = "今天，我们召开全县春季农业生产动员大会，主要任务是动员全县上下迅速行动起来"


def build(
    folder: Path, max_source_mb: float | None = None
) -> tuple[BuildReport, list[CorpusRecord]]:
    """Build a folder into folder/../out.jsonl and read the records back."""
    out = folder.parent / "out.jsonl"
    limit = Settings().max_source_mb if max_source_mb is None else max_source_mb
    report = build_corpus(folder, out, KIT.types, max_source_mb=limit)
    return report, list(read_records(out))


def only_record(folder: Path) -> CorpusRecord:
    report, records = build(folder)
    assert report.skipped == []
    assert len(records) == 1
    return records[0]


def assert_is_the_speech(record: CorpusRecord) -> None:
    assert (record.title, record.kind, record.speech_type) == (TITLE, "speech", "mobilization")
    assert CLEAN_OPENING in record.text
    assert [s.heading for s in record.sections if s.role == "point"] == [
        "一、统一思想，充分认识做好春季农业生产的重要意义",
        "二、突出重点，扎实抓好春耕备耕各项工作",
    ]


@pytest.fixture
def src(tmp_path: Path) -> Path:
    folder = tmp_path / "src"
    folder.mkdir()
    return folder


def test_gb18030_txt(src: Path) -> None:
    data = SPEECH.encode("gb18030")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    (src / "gbk.txt").write_bytes(data)
    record = only_record(src)
    assert_is_the_speech(record)
    assert "按 gb18030 编码读取" in record.flags


def test_utf8_with_bom_txt(src: Path) -> None:
    (src / "bom.txt").write_bytes(SPEECH.encode("utf-8-sig"))
    record = only_record(src)
    assert_is_the_speech(record)
    assert "\ufeff" not in record.text
    assert not any(f.startswith("按 ") for f in record.flags)


def test_utf16_with_bom_txt(src: Path) -> None:
    (src / "utf16.txt").write_bytes(SPEECH.replace("\n", "\r\n").encode("utf-16"))
    record = only_record(src)
    assert_is_the_speech(record)
    assert "按 utf-16 编码读取" in record.flags


def test_utf16_without_bom_txt(src: Path) -> None:
    (src / "utf16le.txt").write_bytes(SPEECH.encode("utf-16-le"))
    record = only_record(src)
    assert_is_the_speech(record)
    assert "按 utf-16-le 编码读取" in record.flags


def test_docx_paragraphs_become_lines(src: Path, tmp_path: Path) -> None:
    document = docx.Document()
    for line in SPEECH_LINES:
        document.add_paragraph(line)
    document.save(str(src / "speech.docx"))
    (tmp_path / "txt").mkdir()
    (tmp_path / "txt" / "speech.txt").write_text(SPEECH, encoding="utf-8")
    from_docx = only_record(src)
    from_txt = only_record(tmp_path / "txt")
    assert_is_the_speech(from_docx)
    assert from_docx.text == from_txt.text
    assert (from_docx.id, from_docx.source) == ("speech", "speech.docx")


def test_bad_files_are_skipped_with_reasons_and_the_rest_is_built(src: Path) -> None:
    (src / "a_good.txt").write_text(SPEECH, encoding="utf-8")
    (src / "b_empty.txt").write_bytes(b"")
    (src / "c_blank.txt").write_text(" \n\u3000\n\n", encoding="utf-8")
    (src / "d_binary.txt").write_bytes(
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4
    )
    with (src / "e_huge.txt").open("wb") as huge:  # sparse: instant, no 20 MB written
        huge.seek(20 * 2**20 - 1)
        huge.write(b"\0")
    (src / "f_boilerplate.txt").write_text(
        "全文共3200个字。\n版权归原作者所有，如有侵权请联系删除。\n原文链接：https://example.com/1.html\n",
        encoding="utf-8",
    )
    (src / "g_broken.docx").write_bytes(b"PK\x03\x04 this is not a real docx archive")
    (src / "h_notes.pdf").write_bytes(b"%PDF-1.4")
    (src / "i_noext").write_text(SPEECH, encoding="utf-8")
    report, records = build(src)
    assert [r.id for r in records] == ["a_good"]
    reasons = {s.source: s.reason for s in report.skipped}
    assert reasons["b_empty.txt"] == "空文件"
    assert reasons["c_blank.txt"] == "没有文字内容"
    assert reasons["d_binary.txt"].startswith("二进制文件")
    assert reasons["e_huge.txt"].startswith("文件过大（20.0 MB，上限 8.0 MB）")
    assert reasons["f_boilerplate.txt"].startswith("只有样板文字")
    assert "删除了 3 行" in reasons["f_boilerplate.txt"]
    assert reasons["g_broken.docx"].startswith("无法打开 .docx 文件")
    assert reasons["h_notes.pdf"].startswith("不支持的文件类型 .pdf")
    assert reasons["i_noext"].startswith("不支持的文件类型")
    assert len(report.skipped) == 8


def test_huge_file_is_not_read(src: Path) -> None:
    """A file over the limit is skipped from its size alone: unreadable content is never touched."""
    huge = src / "huge.txt"
    with huge.open("wb") as out:
        out.seek(20 * 2**20 - 1)
        out.write(b"\0")
    os.chmod(huge, 0)
    try:
        report, records = build(src)
    finally:
        os.chmod(huge, 0o644)
    assert records == []
    assert report.skipped[0].reason.startswith("文件过大")


def test_missing_source_folder_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(CorpusBuildError, match="源目录不存在"):
        build_corpus(tmp_path / "nope", None, KIT.types, max_source_mb=8.0)


def test_boilerplate_inside_and_at_the_end_of_content_lines(src: Path) -> None:
    lines = [
        "下面是小编为大家整理的全县春季农业生产动员大会讲话稿，供大家参考。",
        "发布时间：2023-03-01 09:30  来源：XX网  作者：佚名",
        *SPEECH_LINES[:5],
        "春季农业生产是全年农业工作的基础（本文来自XX范文网）。详见www.example.com。",
        "第一范文网",
        *SPEECH_LINES[6:],
    ]
    lines[-1] += "本文来源于网络，版权归原作者所有。"
    (src / "noisy.txt").write_text("\n".join(lines), encoding="utf-8")
    record = only_record(src)
    assert_is_the_speech(record)
    assert record.removed == [
        "下面是小编为大家整理的全县春季农业生产动员大会讲话稿，供大家参考。",
        "发布时间：2023-03-01 09:30  来源：XX网  作者：佚名",
        "（本文来自XX范文网）",
        "www.example.com",
        "第一范文网",
        "本文来源于网络，版权归原作者所有。",
    ]
    assert "春季农业生产是全年农业工作的基础。详见。" in record.text
    assert record.text.endswith("为夺取全年农业丰收作出新的更大贡献！")


def test_traditional_pinyin_and_spaces_are_cleaned(src: Path) -> None:
    lines = [
        "同志們:",
        "經(jīng)縣委同意,今天召開全縣春季農業生產(chǎn)動員大會(擴大),主要任務(wù)是部署春耕。",
        "  下面 , 我講兩點意見。\u3000\u3000",
        "一、統一思想(de)認識",
        "要提高認識。",
        "二、突出工作重點",
        "要抓好落實。",
    ]
    (src / "trad.txt").write_text("\n".join(lines), encoding="utf-8")
    record = only_record(src)
    assert record.text.split("\n")[:3] == [
        "同志们：",
        "经县委同意，今天召开全县春季农业生产动员大会（扩大），主要任务是部署春耕。",
        "下面，我讲两点意见。",
    ]
    assert "一、统一思想认识" in record.text
    assert "删去 4 处拼音注音（如“(jīng)”）" in record.flags
    assert record.title == "在全县春季农业生产动员大会上的讲话"
    assert record.speech_type == "mobilization"


def test_lines_broken_inside_a_paragraph_are_joined(src: Path) -> None:
    lines = [
        *SPEECH_LINES[:5],
        "春季农业生产是全年农业工作的基础，各乡镇要切实增强责任感和紧迫感，把春耕生产",
        "摆上重要位置，",
        "做到早谋划、早部署。",
        "＊＊＊",
        *SPEECH_LINES[6:],
    ]
    (src / "pdf.txt").write_text("\n".join(lines), encoding="utf-8")
    record = only_record(src)
    assert_is_the_speech(record)
    assert (
        "一、统一思想，充分认识做好春季农业生产的重要意义\n"
        "春季农业生产是全年农业工作的基础，各乡镇要切实增强责任感和紧迫感，"
        "把春耕生产摆上重要位置，做到早谋划、早部署。\n二、"
    ) in record.text
    assert "合并了 2 处段内断行" in record.flags
    assert record.removed == ["＊＊＊"]


def test_near_duplicate_of_a_seed(src: Path) -> None:
    seed = SEEDS_DIR / "001_96dd786780a8f525.txt"
    shutil.copy(seed, src / "001_original.txt")
    edited = seed.read_text(encoding="utf-8")
    edited = edited.replace("市委书记", "县委书记").replace("全市", "全县").replace(",", "，")
    edited = edited.replace("要冲刺全年目标。", "")
    (src / "002_edited_copy.txt").write_text(edited, encoding="utf-8")
    shutil.copy(SEEDS_DIR / "004_1d1c087138e683da.txt", src / "003_other.txt")
    report, records = build(src)
    ids = {r.id: r for r in records}
    copy = ids["002_edited_copy"]
    assert copy.duplicate_of == "001_original"
    assert not copy.is_example
    assert any(f.startswith("与 001_original 近似重复（Jaccard 0.") for f in copy.flags)
    assert ids["001_original"].duplicate_of is None
    assert ids["003_other"].duplicate_of is None
    assert [(d.record_id, d.original_id) for d in report.duplicates] == [
        ("002_edited_copy", "001_original")
    ]


def test_bracket_title_with_subtitle_and_presiding_only_text(src: Path) -> None:
    (src / "title.txt").write_text(
        "【凝心聚力抓落实】\n——在全县春季农业生产动员大会上的讲话\n县长 张明\n"
        + "\n".join(SPEECH_LINES[1:]),
        encoding="utf-8",
    )
    (src / "presiding.txt").write_text(
        "同志们：\n现在开会。今天召开全县安全生产工作会议。出席今天会议的有县委、县政府领导同志。"
        "会议议程有两项。首先请县应急局局长通报情况。下面请县长讲话。\n"
        "刚才，县长作了讲话，请大家认真抓好落实。\n会议到此结束，散会！",
        encoding="utf-8",
    )
    _, records = build(src)
    ids = {r.id: r for r in records}
    assert ids["presiding"].kind == "presiding"
    assert ids["presiding"].title == "在全县安全生产工作会议上的主持词"
    titled = ids["title"]
    assert titled.title == "凝心聚力抓落实——在全县春季农业生产动员大会上的讲话"
    assert titled.speech_type == "mobilization"
    assert titled.meta.speaker == "县长张明"
    assert titled.text.split("\n")[:4] == [
        "凝心聚力抓落实",
        "——在全县春季农业生产动员大会上的讲话",
        "县长张明",
        "同志们：",
    ]
