"""The built-in drafter's revisions: 更精炼, 更充实, 增加某方面内容, and what it cannot do."""

from __future__ import annotations

from service.drafters.revise import revise, shorten
from service.schemas import Brief
from service.text.normalise import count_chars
from tests.kits import KIT

BRIEF = Brief(
    speech_type="work_meeting",
    meeting="全县安全生产工作会议",
    speaker="县长",
    achievements=["全年事故起数下降百分之十二"],
    required_phrases=["人民至上、生命至上"],
)
BODY = (
    "要坚持人民至上、生命至上，压紧压实各方责任。全年事故起数下降百分之十二。"
    "要进一步细化工作措施。要强化督导检查。要完善考核评价机制。要加强宣传引导工作。\n"
    "一是压实主体责任。要层层传导压力。要形成工作合力。"
)


def _longer() -> str:
    return BODY + "要持续加强基层基础建设，切实筑牢安全防线。"


def test_shorter_keeps_facts_phrases_and_items() -> None:
    short = shorten(BODY, BRIEF)
    assert count_chars(short) <= count_chars(BODY) * 0.75
    assert "人民至上、生命至上" in short
    assert "全年事故起数下降百分之十二" in short
    assert "一是压实主体责任。" in short


def test_longer_and_topic_and_not_understood() -> None:
    bank = KIT.phrasebank
    longer = revise(BODY, "请写得更充实一些", BRIEF, bank, _longer)
    assert longer.understood and count_chars(longer.text) > count_chars(BODY)
    topic = revise(BODY, "增加防汛抗旱方面的内容", BRIEF, bank, _longer)
    assert topic.understood and "防汛抗旱" in topic.text and "防汛抗旱方面" not in topic.text
    unknown = revise(BODY, "改成七言诗", BRIEF, bank, _longer)
    assert not unknown.understood and unknown.text == BODY


def test_length_requests_ask_the_right_parts() -> None:
    from service.pipeline.repair import length_requests

    bodies = ["甲" * 100, "乙" * 900, "丙" * 400]
    assert length_requests(bodies, [100, 600, 300], total=1000, target=1000) == {}
    too_long = length_requests(bodies, [100, 600, 300], total=1500, target=1000)
    assert next(iter(too_long)) == 1 and "太长" in too_long[1] and "约600字" in too_long[1]
    too_short = length_requests(bodies, [400, 900, 400], total=700, target=1000)
    assert next(iter(too_short)) == 0 and "太短" in too_short[0]


def test_feedback_wish_reads_the_length_asks() -> None:
    from service.drafters.revise import feedback_wish

    assert feedback_wish(["全文篇幅太长（约1500字，目标约1000字）：本部分请改为约600字。"]) == (
        "shorter",
        600,
    )
    assert feedback_wish(["全文篇幅太短（约700字，目标约1000字）：本部分请改为约300字。"]) == (
        "longer",
        300,
    )
    assert feedback_wish(
        ["缺少必用提法（须逐字出现）：“两个维护”。请把这些提法原样写入，一字不改。"]
    ) == ("", None)


def test_shorter_trims_every_item_evenly_not_the_end_of_the_part() -> None:
    items = [
        f"{n}是抓好第{n}项重点任务。要明确责任分工，细化工作安排。要加强跟踪问效，定期通报进展。"
        f"要完善长效机制，巩固工作成效。"
        for n in "一二三"
    ]
    body = "\n".join(items)
    short = shorten(body, BRIEF).split("\n")
    assert len(short) == 3 and all(
        line.startswith(f"{n}是抓好") for line, n in zip(short, "一二三", strict=True)
    )
    before = [count_chars(line) for line in body.split("\n")]
    after = [count_chars(line) for line in short]
    assert all(a < b for a, b in zip(after, before, strict=True))  # each item shortened
    assert max(after) - min(after) <= 16  # and about alike
