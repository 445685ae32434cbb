"""Example scrubbing: the seeds' names, places, dates and figures never reach a prompt."""

from __future__ import annotations

import pytest

from service.corpus.records import CorpusRecord
from service.text.scrub import PLACEHOLDERS
from tests.kits import KIT

scrub = KIT.scrubber.scrub


def seed(records: list[CorpusRecord], prefix: str) -> CorpusRecord:
    return next(r for r in records if r.id.startswith(prefix))


SEED_FACTS = ["郭竞坤", "付国良", "王志超", "曹妃甸", "唐山湾生态城", "南堡", "韩国强", "4月9日"]


def test_names_and_places_of_the_news_seed_are_removed(built_corpus: list[CorpusRecord]) -> None:
    text = seed(built_corpus, "003").text
    assert all(fact in text for fact in SEED_FACTS)
    result = scrub(text)
    for fact in SEED_FACTS:
        assert fact not in result.text, fact
    removed = " ".join(result.words)
    assert all(fact in removed for fact in SEED_FACTS)
    assert {"人名", "地名", "日期"} <= {item.category for item in result.removed}
    assert PLACEHOLDERS["人名"] in result.text and PLACEHOLDERS["地名"] in result.text


def test_every_name_of_a_listed_attendance_goes(built_corpus: list[CorpusRecord]) -> None:
    names = ["王新春", "李可春", "母树宏", "于广秋", "佟秀媛", "韩国强", "卢泽祥", "王雪增"]
    result = scrub(seed(built_corpus, "003").text)
    assert not [name for name in names if name in result.text]


@pytest.mark.parametrize(
    ("sentence", "fact"),
    [
        ("集中化解信访积案，实现信访量同比下降57%。", "57%"),
        ("全年信访量同比下降百分之五十七。", "百分之五十七"),
        ("全县参加教育实践活动的103个单位全部召开了动员大会。", "103"),
        ("全县一百零三个单位全部召开了动员大会。", "一百零三"),
        ("活动自2014年3月10日正式启动以来，进展顺利。", "2014年3月10日"),
        ("截止3月25日，各单位全部完成。", "3月25日"),
        ("今年1月份以来，各项工作有序推进。", "1月份"),
    ],
)
def test_figures_and_dates_are_replaced(sentence: str, fact: str) -> None:
    result = scrub(sentence)
    assert fact not in result.text
    assert fact in result.words
    assert "〔数字〕" in result.text or "〔日期〕" in result.text


def test_the_supervision_seed_loses_its_57_percent(built_corpus: list[CorpusRecord]) -> None:
    text = seed(built_corpus, "004").text
    assert "57%" in text
    assert "57%" not in scrub(text).text


def test_words_of_the_brief_are_kept() -> None:
    sentence = "市委督导组组长付国良强调，信访量同比下降57%，曹妃甸工业区要统筹推进。"
    result = scrub(sentence, keep="督导组组长付国良到会，信访量下降57%，曹妃甸工业区")
    assert "付国良" in result.text and "57%" in result.text and "曹妃甸工业区" in result.text
    assert result.removed == []


def test_a_figure_is_kept_only_when_the_brief_has_the_same_number() -> None:
    result = scrub("每月要安排1次集中学习。", keep="开展专题调研120次")
    assert "1次" not in result.text and "〔数字〕次" in result.text


GENERIC = (
    "同志们：\n"
    "下面，我讲三点意见。第一，市委、县委、区委和各级党委要坚持以习近平新时代中国特色社会主义思想为指导，"
    "增强四个意识，坚决做到两个维护，深入贯彻中央八项规定精神，反对四风。"
    "一是要大力弘扬焦裕禄精神；二是要践行三严三实。\n"
    "1. 加强组织领导。\n"
    "（2）狠抓工作落实。党的二十大和十四五规划对我们提出了两个一百年的奋斗目标。"
)


def test_formulations_ordinals_and_generic_bodies_stay() -> None:
    result = scrub(GENERIC)
    assert result.text == GENERIC, result.words


def test_example_placeholders_of_the_source_are_left_for_the_prompt_to_explain() -> None:
    assert "XX同志" in scrub("刚才XX同志作了全面总结，讲得很好。").text
