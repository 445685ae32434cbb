"""The section parser on hand-written speeches in every common heading style."""

from __future__ import annotations

import pytest

from service.text.structure import (
    STYLE_CN_DUN,
    STYLE_DI,
    STYLE_ENUM_SHI,
    STYLE_ENUM_YAO,
    STYLE_PAREN_CN,
    STYLE_SEQUENCE,
    chinese_ordinal,
    match_heading,
    parse_speech,
    to_chinese_numeral,
)

WORK_MEETING = """在全县安全生产工作会议上的讲话
县长
（2024年3月5日）
同志们：
今天，我们召开全县安全生产工作会议，主要任务是总结去年工作，部署今年任务。
过去一年，全县安全生产形势总体平稳，取得了明显成效。一是责任体系更加健全。二是隐患排查更加扎实。
在肯定成绩的同时，我们也要清醒看到存在的问题和不足。一是有的单位思想麻痹。二是监管力量薄弱。
下面，我讲三点意见。
一、提高政治站位，切实增强做好安全生产工作的责任感
安全生产事关人民群众生命财产安全。我们有四个方面的要求：一是要认识到位。二是要责任到位。三是要措施到位。四是要督查到位。
二、突出工作重点，全力抓好隐患排查整治
（一）抓好重点行业领域整治。要聚焦危化品、道路交通等领域。
（二）抓好源头治理。一要完善制度。二要强化执法。
三、加强组织领导，确保各项措施落到实处
各级各部门要切实扛起责任。
同志们，安全生产责任重于泰山。让我们以更加务实的作风，为全县高质量发展作出新的更大贡献！
谢谢大家！"""


def test_work_meeting_parts() -> None:
    speech = parse_speech(WORK_MEETING)
    assert speech.title == "在全县安全生产工作会议上的讲话"
    assert speech.meta == ["县长", "（2024年3月5日）"]
    assert speech.salutation == "同志们："
    assert speech.points_announced == 3
    assert speech.top_style == STYLE_CN_DUN
    assert [p.number for p in speech.points] == [1, 2, 3]
    assert speech.points[1].heading == "二、突出工作重点，全力抓好隐患排查整治"
    assert speech.closing is not None and speech.closing.endswith("谢谢大家！")
    assert "今天，我们召开" in speech.opening
    roles = [s.role for s in speech.sections]
    assert roles[:4] == ["title", "meta", "meta", "salutation"]
    assert "achievements" in roles and "problems" in roles
    assert roles.index("transition") < roles.index("point")
    assert roles[-1] == "closing"


def test_enumerations_and_their_announcements() -> None:
    speech = parse_speech(WORK_MEETING)
    runs = [(r.style, [i.number for i in r.items]) for r in speech.enumerations]
    assert (STYLE_ENUM_SHI, [1, 2, 3, 4]) in runs
    assert (STYLE_ENUM_YAO, [1, 2]) in runs
    four = next(r for r in speech.enumerations if len(r.items) == 4)
    assert four.announcement is not None and four.announcement.count == 4
    assert [i.number for i in speech.points[0].items] == [1, 2, 3, 4]


def test_sub_levels_are_headings_not_points() -> None:
    speech = parse_speech(WORK_MEETING)
    styles = [(h.style, h.number) for h in speech.headings]
    assert (STYLE_PAREN_CN, 1) in styles and (STYLE_PAREN_CN, 2) in styles
    assert len(speech.points) == 3


@pytest.mark.parametrize(
    ("markers", "style"),
    [
        (["一、", "二、", "三、"], STYLE_CN_DUN),
        (["一,", "二,", "三,"], STYLE_CN_DUN),
        (["第一，", "第二，", "第三，"], STYLE_DI),
        (["第一,", "第二,", "第三,"], STYLE_DI),
        (["（一）", "（二）", "（三）"], STYLE_PAREN_CN),
        (["(一)", "(二)", "(三)"], STYLE_PAREN_CN),
        (["首先，", "其次，", "最后，"], STYLE_SEQUENCE),
    ],
)
def test_top_level_styles(markers: list[str], style: str) -> None:
    body = "\n".join(f"{m}要抓好第{i}项工作。要做细做实。" for i, m in enumerate(markers, 1))
    text = f"同志们：\n今天召开会议。下面，我讲三点意见。\n{body}\n谢谢大家！"
    speech = parse_speech(text)
    assert speech.top_style == style
    assert [p.number for p in speech.points] == [1, 2, 3]
    assert speech.points_announced == 3
    assert speech.closing == "谢谢大家！"


@pytest.mark.parametrize(
    ("sentence", "count", "unit"),
    [
        ("下面，我讲三点意见。", 3, "点意见"),
        ("下面，我就做好下一阶段工作，强调两点意见。", 2, "点意见"),
        ("下面，我讲三个方面的意见：", 3, "个方面意见"),
        ("接下来，我重点讲几点意见。", None, "点意见"),
        ("我再强调四点。", 4, "点"),
        ("下面，我提五点建议。", 5, "点建议"),
    ],
)
def test_announcements(sentence: str, count: int | None, unit: str) -> None:
    speech = parse_speech(f"同志们：\n今天召开会议。{sentence}\n一、第一项\n内容。")
    assert speech.announcement is not None
    assert speech.announcement.count == count
    assert speech.announcement.unit == unit


def test_no_announcement_is_none() -> None:
    speech = parse_speech("同志们：\n今天召开会议。\n一、抓落实\n内容。\n二、抓作风\n内容。")
    assert speech.announcement is None
    assert speech.points_announced is None
    assert len(speech.points) == 2


def test_feature_count_belongs_to_enumeration_not_to_points() -> None:
    text = (
        "同志们：\n今天召开推进会。工作主要有这么几个特点：一是行动快。二是措施实。"
        "下面，我讲两点意见。\n一、抓学习\n要学深悟透。\n二、抓落实\n要真抓实干。"
    )
    speech = parse_speech(text)
    assert speech.points_announced == 2
    first_run = speech.enumerations[0]
    assert first_run.announcement is not None and first_run.announcement.count is None


def test_skipped_and_repeated_numbers_stay_visible() -> None:
    speech = parse_speech("同志们：\n一、甲\n内容。\n三、乙\n内容。\n三、丙\n内容。")
    assert [p.number for p in speech.points] == [1, 3, 3]
    run = parse_speech("同志们：\n要做到：一是快。二是实。四是细。").enumerations[0]
    assert [i.number for i in run.items] == [1, 2, 4]


def test_salutation_variants_and_rest_of_line() -> None:
    speech = parse_speech("各位代表、各位委员，同志们：大家好！今天召开大会。\n谢谢大家！")
    assert speech.salutation == "各位代表、各位委员，同志们："
    assert speech.opening.startswith("大家好！")
    address = parse_speech("尊敬的各位领导、各位来宾：\n欢迎大家。\n祝大会圆满成功！")
    assert address.salutation == "尊敬的各位领导、各位来宾："
    assert address.closing == "祝大会圆满成功！"


def test_missing_salutation_and_title() -> None:
    speech = parse_speech(
        "今天召开会议，主要任务是部署工作。\n一、抓好学习\n要学。\n二、抓好落实\n要干。"
    )
    assert speech.salutation is None
    assert speech.title is None
    assert len(speech.points) == 2


def test_yao_run_continues_around_nested_shi_run() -> None:
    text = (
        "同志们：\n我提三点建议。\n一要抓学习。\n二要抓收尾。主要有几项：一是建档。二是总结。\n"
        "三要抓作风。\n谢谢大家！"
    )
    runs = parse_speech(text).enumerations
    yao = next(r for r in runs if r.style == STYLE_ENUM_YAO)
    assert [i.number for i in yao.items] == [1, 2, 3]
    assert yao.announcement is not None and yao.announcement.count == 3


def test_words_containing_yishi_are_not_items() -> None:
    runs = parse_speech("同志们：\n思想统一是前提，行动一致是关键。").enumerations
    assert runs == []


def test_presiding_text_without_points() -> None:
    text = (
        "同志们：\n现在开会。出席今天会议的有XXX同志。会议议程有两项：一是传达文件；二是讲话。"
        "首先请XXX同志传达文件。\n下面请XXX同志讲话。\n会议到此结束，散会。"
    )
    speech = parse_speech(text)
    assert speech.points == []
    assert speech.closing == "会议到此结束，散会。"
    assert "agenda" in [s.role for s in speech.sections]


def test_ordinals_and_heading_match() -> None:
    assert [chinese_ordinal(t) for t in ["一", "十", "十二", "二十", "二十三", "两", "7"]] == [
        1,
        10,
        12,
        20,
        23,
        2,
        7,
    ]
    heading = match_heading("1.加强领导")
    assert heading is not None and heading.number == 1
    assert match_heading("2024年是关键之年") is None
    assert match_heading("10.5亿元的投资") is None


def test_chars_counts_non_whitespace() -> None:
    assert parse_speech("同志们：\n 今天 开会。\n").chars == 9


def test_numerals_round_trip() -> None:
    for number in range(1, 100):
        assert chinese_ordinal(to_chinese_numeral(number)) == number
    assert [to_chinese_numeral(n) for n in (1, 10, 12, 20)] == ["一", "十", "十二", "二十"]
    with pytest.raises(ValueError):
        to_chinese_numeral(0)
