"""Figures in Arabic and Chinese numerals; ordinals, counts and set phrases are not figures."""

from __future__ import annotations

import pytest

from service.text.figures import figure_keys, find_figures, invented_figures, parse_chinese_number
from tests.kits import KIT


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("三千五百万", 35_000_000),
        ("一百零三", 103),
        ("二〇一四", 2014),
        ("十五", 15),
        ("二十", 20),
        ("一千零五十", 1050),
        ("三百五", 350),
        ("两万五", 25_000),
        ("十万", 100_000),
        ("一万亿", 1_000_000_000_000),
        ("百", None),
        ("千万", None),
        ("万", None),
        ("十四五", None),
        ("一五一十", None),
        ("四五", None),
    ],
)
def test_parse_chinese_number(text: str, value: int | None) -> None:
    assert parse_chinese_number(text) == value


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("信访量同比下降57%", "57%"),
        ("信访量同比下降百分之五十七", "57%"),
        ("提高了57个百分点", "57%"),
        ("投入三千五百万元", "35000000"),
        ("投入3500万元", "35000000"),
        ("3.5亿元", "350000000"),
        ("一百零三个单位", "103"),
        ("1,000人", "1000"),
        ("十项工作", "10"),
        ("2014年10月8日", "2014年10月8日"),
        ("十月八日召开", "10月8日"),
        ("三月份以来", "3月"),
        ("二〇一四年", "2014年"),
        ("发出2400余份征求意见函", "2400"),
    ],
)
def test_figures_found(text: str, key: str) -> None:
    assert [f.keys[0] for f in find_figures(text)] == [key]


@pytest.mark.parametrize(
    "text",
    [
        "一是压紧压实政治责任，二是重点措施落实落地",
        "下面，我讲三点意见",
        "有四个方面的特点",
        "做到“两个维护”，增强“四个意识”",
        "实行“一周一调度”",
        "第一，要提高认识。第十一，要加强领导",
        "这十分重要",
        "学好二十大报告，贯彻十九届五中全会精神",
        "编制“十四五”规划",
        "数十个单位、十几个部门",
        "千方百计，万众一心，为了百姓，千万不能松懈",
        "十一、加强组织领导",
        "（十二）强化督查",
        "1. 提高认识",
        "（3）抓好落实",
        "第5名",
        "一月一次",
        "两个一百年",
        "请组织一百个放心",
    ],
)
def test_not_figures(text: str) -> None:
    fixed = KIT.lexicon.fixed_numeral_words
    assert find_figures(text, fixed) == []


def test_line_numbers() -> None:
    figures = find_figures("同志们：\n今年完成了12项任务。\n增长5%。")
    assert [(f.text, f.line) for f in figures] == [("12", 2), ("5%", 3)]


def test_invented_figures_against_source() -> None:
    source = "2024年3月，全市信访量同比下降57%，投入资金3500万元。"
    draft = "3月以来，信访量同比下降百分之五十七，投入三千五百万元，新建12个站点。"
    invented = invented_figures(draft, source)
    assert [f.text for f in invented] == ["12"]


def test_brief_date_parts_are_allowed() -> None:
    keys = figure_keys("会议于2024年3月5日召开")
    assert {"2024年3月5日", "2024年", "3月5日", "3月"} <= keys
    assert invented_figures("3月5日，我们召开会议", "会议于2024年3月5日召开") == []
    assert [f.text for f in invented_figures("3月6日", "会议于2024年3月5日召开")] == ["3月6日"]


def test_fullwidth_digits() -> None:
    assert [f.keys[0] for f in find_figures("增长５７％")] == ["57%"]


def test_iso_date_in_brief_allows_the_chinese_date() -> None:
    assert invented_figures("会议于2024年3月5日召开", "date: 2024-03-05") == []
    assert [f.keys[0] for f in find_figures("2024/3/5")] == ["2024年3月5日"]


def test_clock_times() -> None:
    assert [(f.kind, f.keys[0]) for f in find_figures("上午9:30开会")] == [("time", "9:30")]
    assert [f.text for f in invented_figures("10:00开会", "上午9:30开会")] == ["10:00"]
