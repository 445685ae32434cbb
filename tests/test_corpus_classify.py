"""Rule-based kinds and speech types on short hand-written texts, reasons included."""

from __future__ import annotations

import pytest

from service.corpus.classify import meeting_name, presiding_split
from service.corpus.document import build_document
from service.corpus.records import CorpusRecord
from tests.kits import KIT


def one(text: str) -> CorpusRecord:
    records = build_document("doc", "doc.txt", text.split("\n"), KIT.types).records
    assert len(records) == 1
    return records[0]


BODY = (
    "\n".join(
        ("下面，我讲两点意见。", "一、提高认识", "要高度重视。", "二、狠抓落实", "要真抓实干。")
    )
    + "\n同志们，让我们共同努力！"
)


@pytest.mark.parametrize(
    ("text", "speech_type", "reason"),
    [
        (
            f"在全市安全生产推进会上的讲话\n同志们：\n今天召开这次会议。\n{BODY}",
            "progress",
            "推进会",
        ),
        (f"同志们：\n今天，我们召开全县招商引资动员大会。\n{BODY}", "mobilization", "动员大会"),
        (f"在全区脱贫攻坚总结表彰大会上的讲话\n同志们：\n{BODY}", "summary", "总结表彰"),
        (f"同志们：\n今天召开全县防汛工作会议。\n{BODY}", "work_meeting", "防汛工作会议"),
        (
            f"市委巡回督导组组长在县委常委会上的讲话\n同志们：\n刚才听了汇报。\n{BODY}",
            "supervision",
            "督导组",
        ),
        (
            f"同志们：\n今天听了汇报，我代表市委督导组讲几点意见。\n{BODY}",
            "supervision",
            "督导组",
        ),
    ],
)
def test_speech_types(text: str, speech_type: str, reason: str) -> None:
    record = one(text)
    assert (record.kind, record.speech_type) == ("speech", speech_type)
    assert any(f.startswith(speech_type) and reason in f for f in record.flags), record.flags


def test_mention_of_a_progress_meeting_in_a_list_does_not_decide_the_type() -> None:
    text = (
        "同志们：\n经县委同意，今天召开全县督导组组长工作会议。这既是一次汇报会，也是一次推进会。\n"
        + BODY
    )
    assert one(text).speech_type == "work_meeting"


def test_pledge() -> None:
    record = one(
        "在全市作风建设大会上的表态发言\n尊敬的各位领导、同志们：\n"
        "我们坚决拥护市委的决策部署。\n一是提高站位。二是狠抓落实。\n请市委放心，我们一定完成任务！"
    )
    assert (record.kind, record.speech_type) == ("pledge", "pledge")


def test_address() -> None:
    record = one(
        "尊敬的各位来宾、女士们、先生们：\n大家上午好！金秋时节，我们欢聚一堂。\n"
        "在此，我谨代表县委、县政府表示热烈欢迎。\n最后，预祝本次博览会取得圆满成功！"
    )
    assert (record.kind, record.speech_type) == ("address", "address")
    assert record.title == "大家上午好！金秋时节，我们欢聚一堂。"
    assert any(f.startswith("标题取自正文开头") for f in record.flags)


def test_news_report_is_never_an_example() -> None:
    record = one(
        "我县召开春耕生产工作会议\n3月2日，我县召开春耕生产工作会议。县长王明出席会议并讲话。\n"
        "王明在讲话中强调，要抓好春耕备耕。\n李华主持会议。"
    )
    assert (record.kind, record.speech_type, record.is_example) == ("news", None, False)
    assert [s.role for s in record.sections] == ["title", "other"]


def test_speech_without_salutation_quoting_leaders_is_not_news() -> None:
    record = one(
        "今天，我们召开全县经济工作会议。中央经济工作会议强调，要坚持稳中求进。"
        "总书记指出，发展是第一要务。县长王明出席会议。\n"
        "下面，我讲两点意见。\n一、坚定信心\n我们要保持定力。\n二、狠抓落实\n我们要真抓实干。"
    )
    assert (record.kind, record.speech_type) == ("speech", "work_meeting")


def test_fiction_and_narrative_are_other() -> None:
    novel = one("第一章 初入官场\n李明推开办公室的门。“小李，来了？”他笑着说。\n她点了点头。")
    assert novel.kind == "other"
    assert any("第N章" in f for f in novel.flags)
    story = one(
        "那天早上，李明很早就到了单位。他看着窗外，想起了老家的父亲。"
        "“你来了。”他说。她问他为什么不回家。他想了想，没有回答。"
    )
    assert (story.kind, story.speech_type) == ("other", None)
    assert not story.is_example


def test_presiding_only_text_is_not_split() -> None:
    lines = [
        "同志们：",
        "现在开会。出席今天会议的有县委、县政府领导同志。会议议程有两项。首先请县长讲话。",
        "刚才，县长作了很好的讲话，请大家认真抓好落实。",
        "会议到此结束，散会！",
    ]
    assert presiding_split(lines) is None
    record = one("\n".join(lines))
    assert (record.kind, record.speech_type) == ("presiding", "presiding")


def test_meeting_name_from_title_or_opening() -> None:
    assert meeting_name("市委书记在全市主题教育推进会上的讲话", []) == "全市主题教育推进会"
    assert meeting_name(None, ["同志们：", "今天在这里召开全区调度会。"]) == "全区调度会"
    assert meeting_name(None, ["同志们：", "今天天气很好。"]) is None
