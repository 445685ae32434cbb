"""The five real seeds, built end to end: kind, type, title, structure, cleanliness."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from service.corpus.cleaning import normalize_line
from service.corpus.records import CorpusRecord
from service.text.normalise import count_chars, halfwidth_punctuation, traditional_chars
from tests.conftest import SEEDS_DIR

S000 = "000_2bdf9da61f1c4d4c"
S001 = "001_96dd786780a8f525"
S002 = "002_7935644b725a2db3"
S003 = "003_0ef1b18d42c0c190"
S004 = "004_1d1c087138e683da"

# id: (kind, speech_type, title, salutation, points, closing starts with …)
EXPECTED: dict[str, tuple[str, str | None, str, str | None, int, str | None]] = {
    f"{S000}#1": (
        "presiding",
        "presiding",
        "在教育实践活动督导工作调度会上的主持词",
        "同志们：",
        0,
        None,
    ),
    f"{S000}#2": (
        "speech",
        "work_meeting",
        "在教育实践活动督导工作调度会上的讲话",
        None,
        3,
        "同志们，开展“回头看”工作是深化教育实践活动的重要举措",
    ),
    S001: ("speech", "progress", "市委书记在全市主题教育推进会上的讲话", "同志们：", 2, None),
    S002: (
        "speech",
        "work_meeting",
        "在党的群众路线教育实践活动办公室各组组长工作会议上的讲话",
        "同志们：",
        2,
        None,
    ),
    S003: (
        "news",
        None,
        "我区召开教育实践活动推进暨蹲点服务整顿后进基层党组织工作会议",
        None,
        0,
        None,
    ),
    S004: (
        "speech",
        "supervision",
        "市委督导组组长在XX局党的群众路线教育实践活动总结大会上的讲话",
        "同志们：",
        2,
        "同志们，自党的群众路线教育实践活动开展以来，我们第四督导组",
    ),
}

# Boilerplate of the seeds that must not survive into any text.
BOILERPLATE = (
    "版权归原作者所有",
    "免责声明",
    "如有侵权",
    "网络整理",
    "原文链接",
    "转载请注明出处",
    "Copyright",
    "All rights reserved",
    "相关文章",
    "赞助商推广链接",
    "全文共",
    "浏览次",
    "编辑：佚名",
    "http",
    "badoucaigw",
    "中央督导组组长",
)
_PINYIN = re.compile(r"[(（][a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]{1,7}[)）]")


def by_id(records: list[CorpusRecord]) -> dict[str, CorpusRecord]:
    return {r.id: r for r in records}


def _role_texts(record: CorpusRecord, role: str) -> list[str]:
    return [s.text for s in record.sections if s.role == role]


def test_one_record_per_document_and_two_for_the_presiding_seed(
    built_corpus: list[CorpusRecord],
) -> None:
    assert [r.id for r in built_corpus] == list(EXPECTED)
    assert {r.source for r in built_corpus} == {p.name for p in SEEDS_DIR.iterdir()}


@pytest.mark.parametrize("record_id", list(EXPECTED))
def test_seed_is_pinned(built_corpus: list[CorpusRecord], record_id: str) -> None:
    kind, speech_type, title, salutation, points, closing = EXPECTED[record_id]
    record = by_id(built_corpus)[record_id]
    assert (record.kind, record.speech_type, record.title) == (kind, speech_type, title)
    salutations = _role_texts(record, "salutation")
    assert (salutations[0] if salutations else None) == salutation
    assert len(_role_texts(record, "point")) == points
    closings = _role_texts(record, "closing")
    if closing is None:
        assert closings == []
    else:
        assert closings[0].startswith(closing)
        assert closings[0].endswith("谢谢大家！")


def test_point_headings_of_the_speeches(built_corpus: list[CorpusRecord]) -> None:
    records = by_id(built_corpus)
    headings = [s.heading for s in records[S001].sections if s.role == "point"]
    assert headings == [
        "一、提高政治站位，进一步把主题教育引向深入",
        "二、突出工作重点，进一步把重点措施贯穿始终",
    ]
    first = next(s.heading for s in records[S002].sections if s.role == "point")
    assert first == "一、对前一阶段督导工作的基本估价"
    transition = _role_texts(records[f"{S000}#2"], "transition")
    assert transition == ["接下来，我重点讲几点意见。"]


def test_section_roles_in_order(built_corpus: list[CorpusRecord]) -> None:
    records = by_id(built_corpus)
    roles = [s.role for s in records[S001].sections]
    assert roles[:6] == ["title", "salutation", "opening", "achievements", "problems", "transition"]
    assert [s.role for s in records[f"{S000}#1"].sections] == ["salutation", "agenda"]
    assert [s.role for s in records[S004].sections][:4] == ["title", "meta", "meta", "salutation"]
    assert [s.role for s in records[S003].sections] == ["title", "other"]


def test_cut_short_sources_are_flagged(built_corpus: list[CorpusRecord]) -> None:
    records = by_id(built_corpus)
    for record_id in (S001, S002):
        assert "宣布3点，实有2点（原文不完整）" in records[record_id].flags
    for record_id in (f"{S000}#2", S004):
        assert not any(f.startswith("宣布") for f in records[record_id].flags)


def test_derived_titles_say_so(built_corpus: list[CorpusRecord]) -> None:
    records = by_id(built_corpus)
    for record_id in (f"{S000}#1", f"{S000}#2", S002):
        assert any(f.startswith("标题由会议名称") for f in records[record_id].flags)
    for record_id in (S001, S003, S004):
        assert not any(
            f.startswith(("标题由会议名称", "标题取自正文")) for f in records[record_id].flags
        )


def test_classification_reasons_are_in_flags(built_corpus: list[CorpusRecord]) -> None:
    records = by_id(built_corpus)
    news_flag = next(f for f in records[S003].flags if f.startswith("news:"))
    assert "在讲话中指出" in news_flag and "电头" in news_flag
    assert any("现在开会" in f for f in records[f"{S000}#1"].flags)
    assert any(f.startswith("progress: 会议名称") for f in records[S001].flags)
    assert any(f.startswith("supervision: 讲话人是督导组") for f in records[S004].flags)
    assert records[S004].flags[:2] == [
        "删去【】标题后的残片：中央督导组组长",
        "标题由原文 3 行拼合",
    ]


def test_news_and_split_parts(built_corpus: list[CorpusRecord]) -> None:
    records = by_id(built_corpus)
    assert not records[S003].is_example
    assert all(records[i].is_example for i in EXPECTED if i != S003)
    presiding, speech = records[f"{S000}#1"], records[f"{S000}#2"]
    assert presiding.text.startswith("同志们：\n现在开会。")
    assert presiding.text.endswith(
        "下面请区委副书记、区委教育实践活动领导小组常务副组长XXX同志讲话。"
    )
    assert speech.text.startswith("同志们，刚才，各位督导组组长分别就前一阶段的工作进行了详细汇报")


def test_meta_where_the_source_states_it(built_corpus: list[CorpusRecord]) -> None:
    records = by_id(built_corpus)
    meta = records[S004].meta
    assert (meta.speaker, meta.date, meta.level) == ("市委第四督导组组长", "2014年 月 日", "市")
    assert records[S004].text.split("\n")[:4] == [
        "市委督导组组长在XX局党的群众路线教育实践活动总结大会上的讲话",
        "市委第四督导组组长",
        "（2014年月日）",
        "同志们：",
    ]
    assert records[S001].meta.speaker == "市委书记"
    assert records[S002].meta.level == "县"
    speaker = records[f"{S000}#2"].meta.speaker
    assert speaker == "区委副书记、区委教育实践活动领导小组常务副组长XXX"
    assert records[S003].meta.date == "4月9日"


def test_lines_broken_inside_a_paragraph_are_joined(built_corpus: list[CorpusRecord]) -> None:
    record = by_id(built_corpus)[S004]
    assert "合并了 4 处段内断行" in record.flags
    third = next(line for line in record.text.split("\n") if line.startswith("三是创新自选动作"))
    assert third.endswith("实现了事事有着落、件件有回音。")
    assert "感受先辈创业的成就和艰辛；通过走出去、请进来" in third


def test_no_boilerplate_survives_and_every_removed_piece_is_listed(
    built_corpus: list[CorpusRecord],
) -> None:
    for record in built_corpus:
        for phrase in BOILERPLATE:
            assert phrase not in record.text, (record.id, phrase)
    removed = {r.source: r.removed for r in built_corpus if r.removed}
    assert removed["001_96dd786780a8f525.txt"][0] == "全文共5440个字。"
    assert removed["001_96dd786780a8f525.txt"][1].startswith(
        "素材均收集于网络和原作者发布,版权归原作者所有"
    )
    assert removed["002_7935644b725a2db3.txt"] == [
        "來源:網(wǎng)絡(luò)整理 免責(zé)聲明:本文僅限學(xué)習(xí)分享,"
        "如產(chǎn)生版權(quán)問題,請聯(lián)系我們及時刪除。"
    ]
    assert set(removed["003_0ef1b18d42c0c190.txt"]) >= {
        "相关文章",
        "赞助商推广链接",
        "Copyright © 2003-2009 Cfd163.com All rights reserved.",
    }
    assert removed["004_1d1c087138e683da.txt"] == ["中央督导组组长"]


@pytest.mark.parametrize("path", sorted(SEEDS_DIR.iterdir()), ids=lambda p: p.stem[:3])
def test_nothing_is_lost_silently(built_corpus: list[CorpusRecord], path: Path) -> None:
    """Each source line is either in the records' text (cleaned) or listed in removed."""
    records = [r for r in built_corpus if r.source == path.name]
    kept = "\n".join(r.text for r in records)
    removed = [piece for r in records for piece in r.removed]
    for raw in path.read_text(encoding="utf-8").splitlines():
        rest = raw
        for piece in removed:
            rest = rest.replace(piece, "")
        clean = normalize_line(rest).strip("【】")
        assert rest.strip() in removed or not clean or clean in kept, raw


def test_text_is_simplified_full_width_and_placeholders_stay(
    built_corpus: list[CorpusRecord],
) -> None:
    for record in built_corpus:
        assert traditional_chars(record.text) == [], record.id
        assert halfwidth_punctuation(record.text) == [], record.id
        assert not _PINYIN.search(record.text), record.id
        assert record.chars == count_chars(record.text)
        assert all(line == line.strip() and line for line in record.text.split("\n"))
    records = by_id(built_corpus)
    assert "经县委同意，今天召开党的群众路线教育实践活动办公室" in records[S002].text
    assert "区委书记X月X日在全区教育实践活动会议上的讲话精神" in records[f"{S000}#1"].text
    assert "XXX同志" in records[f"{S000}#1"].text
