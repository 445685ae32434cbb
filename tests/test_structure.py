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
    find_announcements,
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


def test_parts_are_the_top_level_over_the_numbers_beneath_them() -> None:
    text = (
        "同志们：\n今天和大家交流几点体会。\n第一部分　深刻认识纪律的意义\n一、纪律是传统。要坚持。\n"
        "二、纪律是保障。要坚持。\n第二部分　把握形势\n总体看是好的。\n第三部分　推动落实\n"
        "一、学纪知纪。要学习。\n二、明纪守纪。要遵守。"
    )
    speech = parse_speech(text)
    assert speech.top_style == STYLE_DI
    assert [p.number for p in speech.points] == [1, 2, 3]
    once = text.replace("第二部分　把握形势", "二、把握形势").replace(
        "第三部分　推动落实", "三、推动落实"
    )
    assert parse_speech(once).top_style == STYLE_CN_DUN  # one 第一部分 is no run of parts


def test_a_heading_in_square_brackets_is_a_heading() -> None:
    text = "同志们：\n我讲两点。\n【一、统一思想】\n要统一。\n【二、压实责任】\n要压实。\n【典型案例】\n某县做得好。"
    speech = parse_speech(text)
    assert [p.heading for p in speech.points] == ["一、统一思想", "二、压实责任"]
    assert "【典型案例】" in speech.lines  # a bracketed label with no number stays as it is


def test_last_announced_point_may_begin_with_zuihou() -> None:
    text = (
        "同志们：\n下面，我讲三点意见。\n第一，要把思想认识再统一。要统一。\n"
        "第二，要把重点任务再聚焦。要聚焦。\n最后，要把工作责任再压实。要压实。\n"
        "同志们，让我们共同努力！"
    )
    speech = parse_speech(text)
    assert [p.number for p in speech.points] == [1, 2, 3]
    assert speech.points[-1].heading.startswith("最后，要把工作责任")
    two = parse_speech(text.replace("三点意见", "两点意见"))
    assert len(two.points) == 2  # announced two: the 最后 is no third point


def test_a_call_after_a_point_that_runs_into_its_body_is_the_closing() -> None:
    text = (
        "下面，我提几点要求。\n一是要端正态度。要正视问题。\n二是要严格执法。要从严处罚。\n"
        "约谈不是目的，整改才是关键。希望大家知耻后勇。"
    )
    assert parse_speech(text).closing == "约谈不是目的，整改才是关键。希望大家知耻后勇。"
    headed = text.replace("二是要严格执法。要从严处罚。", "二、严格执法")
    assert parse_speech(headed.replace("一是要", "一、")).closing is None  # the point's body


def test_a_study_session_closes_with_jiu_dao_zheli() -> None:
    text = "同志们：\n现在开会。首先请XXX同志辅导。\n下面请大家交流。\n今天的学习就到这里。"
    assert parse_speech(text, "presiding").closing == "今天的学习就到这里。"
    said = "同志们：\n现在开会。首先请XXX同志辅导。\n说到这里，大家要抓好落实。"
    assert parse_speech(said, "presiding").closing is None


def test_a_pledge_of_three_attitudes_and_a_numbered_slogan_announce_the_points() -> None:
    pledge = "尊敬的各位领导：\n下面，我代表全区表三个态。\n一、提速。\n二、加力。\n三、优化。"
    assert parse_speech(pledge).points_announced == 3
    assert find_announcements("这代表三个方面的进步。", 0) == []
    slogan = (
        "各位领导：\n我们坚决做到“三个确保”：\n一、确保进度按期推进。\n二、确保质量安全可控。\n"
        "三、确保群众利益切实维护。"
    )
    assert parse_speech(slogan).points_announced == 3
    other = slogan.replace("一、确保进度", "一、抓好进度")
    assert parse_speech(other).announcement is None  # a point not under the slogan's word


def test_a_notices_addressees_are_its_salutation() -> None:
    notice = "关于召开全县会议的通知\n各乡镇人民政府，县直有关单位：\n定于2月18日召开会议。"
    assert parse_speech(notice).salutation == "各乡镇人民政府，县直有关单位："
    speech = "在全县会议上的讲话\n县政府办公室\n同志们：\n今天开会。"
    frame = parse_speech(speech)
    assert (frame.salutation, frame.meta) == ("同志们：", ["县政府办公室"])


def test_a_letter_closes_before_its_contact_line_and_disclosure_note() -> None:
    letter = (
        "省商务厅：\n一、恳请列入名单。\n二、恳请给予支持。\n以上事项，恳请贵厅予以研究支持。\n"
        "联系人：XXX　联系电话：1234567\n青山县人民政府办公室\n2025年4月3日\n（此件主动公开）"
    )
    closing = parse_speech(letter).closing or ""
    assert closing.startswith("以上事项，恳请贵厅")
    assert parse_speech(letter.replace("以上事项，", "另外，")).closing is None


def test_a_news_reports_reported_items_are_no_points() -> None:
    text = "本报讯 全市大会召开。\nXXX指出，要抓好工作。\n一要抓好工业。要坚定不移。\n二要推动转型。要加快。"
    assert parse_speech(text, "news").points == []
    assert len(parse_speech(text, "speech").points) == 2
    headed = "本报讯 全市大会召开。\n一、会议内容\n会议听取汇报。\n二、会议要求\n会议要求落实。"
    assert len(parse_speech(headed, "news").points) == 2  # its own headings still count
