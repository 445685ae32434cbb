"""Rule-based kinds and speech types on short hand-written texts, reasons included."""

from __future__ import annotations

import pytest

from service.corpus.classify import meeting_name, presiding_split
from service.corpus.document import build_document
from service.corpus.reader import Reading, read_document
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


def read(text: str) -> Reading:
    return read_document(text, KIT.types)


def test_a_running_head_beside_a_page_number_goes_and_the_wrap_is_joined() -> None:
    text = (
        "在全县工作会议上的讲话\n同志们：\n"
        "　　一、充分肯定成绩\n　　过去的一年，全县上下团结一心，全年共实施500万元以上项目2\n"
        "16个，新签约亿元以上项目41个，县经济开发区成功晋升为省级高\n— 12 —\n"
        "2025年第3期　　　　青山县人民政府公报\n新技术产业开发区。今年，县里对考核办法作了调整：第\n"
        "三，强化考核结果运用，把考核结果与干部选拔任用直接挂钩，真正让干与不干不一样。\n"
        "　　二、正确看待考核\n　　考核是指挥棒。"
    )
    reading = read(text)
    assert any("项目216个" in x and "省级高新技术产业开发区" in x for x in reading.lines)
    assert any("调整：第三，强化" in x for x in reading.lines)
    assert [p.number for p in reading.parsed.points] == [1, 2]
    kept = read(text.replace("— 12 —\n", ""))  # no page number: a line like it is text
    assert any("2025年第3期" in x for x in kept.lines)


def test_a_heading_line_that_holds_a_sentence_goes_on_after_its_wrap() -> None:
    text = (
        "在全县工作会议上的讲话\n同志们：\n"
        "　　一、严明纪律是我们党的光荣传统。我们党从成立之日起就高\n度重视纪律建设。\n"
        "　　二、严明纪律是根本保障\n纪律是高压线，也是护身符，党员干部只有守住纪律才能行稳致远。"
    )
    lines = read(text).lines
    assert "一、严明纪律是我们党的光荣传统。我们党从成立之日起就高度重视纪律建设。" in lines
    assert "二、严明纪律是根本保障" in lines  # a heading with no sentence in it stays apart


def test_a_flattened_copy_is_cut_at_its_kept_indents() -> None:
    body = "　　".join(
        [
            "全市表彰大会主持词",
            "各位领导、同志们：",
            "现在开会。出席今天大会的有XXX、XXX同志。会议共有两项议程。" * 6,
            "首先，请XXX同志宣读表彰决定。下面，请XXX同志讲话。" * 6,
            "同志们，让我们团结奋斗，为高质量发展作出新贡献！现在我宣布，大会结束。散会！",
        ]
    )
    reading = read(body)
    assert reading.kind == "presiding"
    assert (reading.parsed.closing or "").startswith("同志们，让我们团结奋斗")
    unindented = read(body.replace("　　", ""))
    assert unindented.parsed.closing == "散会！"  # no indents: cut where a paragraph may start


def test_a_flattened_appeal_keeps_its_first_item_and_its_salutation() -> None:
    items = "".join(
        f"{n}、倡导{w}祭扫，守护青山绿水。" + "积极参与网络祭扫、家庭追思等低碳环保的方式。" * 3
        for n, w in zip("一二三", ("文明", "绿色", "安全"), strict=True)
    )
    text = (
        "“文明祭扫”倡议书 广大市民朋友们： 清明节是传统节日。为倡导文明新风，"
        f"市文明办向全市广大市民发出如下倡议： {items} 市民朋友们，让我们从自身做起！"
        " 市文明办 2025年3月28日"
    )
    reading = read(text)
    assert reading.title == "“文明祭扫”倡议书"
    assert reading.salutation == "广大市民朋友们："
    assert len(reading.parsed.points) == 3
    inline = text.replace(items, "一、倡导文明；二、倡导绿色；三、倡导安全。" + "要从我做起。" * 30)
    assert read(inline).parsed.points == []  # a list inside one sentence is no set of points


def test_a_flattened_pledge_closes_at_please_be_assured() -> None:
    points = "".join(
        f"{n}、确保{w}。" + "我们将全力以赴，倒排工期，挂图作战，确保按期完成各项任务。" * 3
        for n, w in zip("一二三", ("进度按期推进", "质量安全可控", "群众利益维护"), strict=True)
    )
    text = (
        "在全县重点工程推进会上的表态发言 尊敬的各位领导、同志们："
        f"我代表县交通运输局郑重表态，坚决做到“三个确保”：{points}"
        "请县委、县政府放心，我们将全力以赴完成年度目标任务。"
    )
    reading = read(text)
    assert reading.parsed.points_announced == 3
    assert (reading.parsed.closing or "").startswith("请县委、县政府放心")
    assert read(text.replace("请县委、县政府放心，", "")).parsed.closing is None


@pytest.mark.parametrize(
    ("title", "kind", "speech_type"),
    [
        ("在茶产业交流会欢迎晚宴上的祝酒词", "address", "address"),
        ("在全市大气污染防治工作约谈会上的讲话", "speech", "supervision"),
        ("在全县防汛工作调度会上的讲话", "speech", "work_meeting"),
        ("在全县防汛工作会议上的讲话", "speech", "work_meeting"),
        ("关于商请支持示范县创建工作的函", "other", None),
        ("关于召开全县安全生产工作会议的通知", "other", None),
        ("在全县安全生产工作会议上的讲话（通知要求摘要）", "speech", "work_meeting"),
    ],
)
def test_toasts_talks_dispatch_meetings_letters_and_notices(
    title: str, kind: str, speech_type: str | None
) -> None:
    reading = read(f"{title}\n同志们：\n今天开会，我讲几点意见。\n{BODY}")
    assert (reading.kind, reading.speech_type) == (kind, speech_type)


def test_page_furniture_of_college_and_government_sites() -> None:
    text = (
        "青山县人民政府\n首页 > 工作动态 > 乡镇动态\n在全县森林防火工作会议上的表态发言\n"
        "尊敬的各位领导：\n我们坚决拥护。\n我的发言完毕，谢谢！\n【打印此页】【关闭窗口】\n"
        "上一条：我院召开民主生活会\n下一条：学院召开部署会"
    )
    reading = read(text)
    assert reading.title == "在全县森林防火工作会议上的表态发言"
    assert reading.lines[-1] == "我的发言完毕，谢谢！"
    assert read("学院首页>新闻动态>领导讲话\n" + text).title == reading.title
    titled = read(text.replace("首页 > 工作动态 > 乡镇动态\n", ""))
    assert titled.title is not None and titled.title.startswith("青山县人民政府")


def test_what_stands_above_a_title_is_not_of_it() -> None:
    letter = "青山县人民政府办公室\n青政办函〔2025〕17号\n关于商请支持示范县创建工作的函\n省商务厅：\n恳请支持。"
    assert read(letter).title == "关于商请支持示范县创建工作的函"
    paper = (
        "青山日报　2025年3月6日　星期四　01版：要闻\n聚焦实体经济　厚植发展优势\n"
        "全市工业经济大会召开\nXXX讲话　XXX主持\n本报讯 3月5日，全市工业经济大会召开。"
    )
    assert read(paper).title == "全市工业经济大会召开"
    wrapped = "在全县2024年度目标绩效考核\n总结表彰大会上的讲话\n同志们：\n今天开会。"
    assert read(wrapped).title == "在全县2024年度目标绩效考核总结表彰大会上的讲话"
