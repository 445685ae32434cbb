"""The built-in drafter's revisions: 更精炼, 更充实, 增加某方面内容, and what it cannot do."""

from __future__ import annotations

from service.drafters.phrasebank import load_phrasebank
from service.drafters.revise import revise, shorten
from service.schemas import Brief
from service.textnorm import count_chars

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
    bank = load_phrasebank()
    longer = revise(BODY, "请写得更充实一些", BRIEF, bank, _longer)
    assert longer.understood and count_chars(longer.text) > count_chars(BODY)
    topic = revise(BODY, "增加防汛抗旱方面的内容", BRIEF, bank, _longer)
    assert topic.understood and "防汛抗旱" in topic.text and "防汛抗旱方面" not in topic.text
    unknown = revise(BODY, "改成七言诗", BRIEF, bank, _longer)
    assert not unknown.understood and unknown.text == BODY
