"""Cleaning model output: whatever the scorer would call chatter or Markdown is gone."""

from __future__ import annotations

from service.pipeline.cleanup import clean_body
from service.text.chatter import CHATTER, CHATTER_NOTE


def test_every_chatter_the_scorer_flags_is_removed() -> None:
    text = (
        "当然可以！下面为您写好了。\n## 一、压实责任\n**要压实责任**，抓好落实。\n"
        "请根据实际情况修改补充。\n注：以上数字请核实。\n同志们：\n一、抓学习\n谢谢大家！"
    )
    body = clean_body(text, "压实责任")
    assert not CHATTER.search(body) and not CHATTER_NOTE.search(body)
    assert "#" not in body and "**" not in body
    assert body.split("\n") == ["要压实责任，抓好落实。", "（一）抓学习"]


def test_a_models_own_formulas_are_removed_wherever_they_are() -> None:
    text = (
        "各位领导、同志们：\n今天召开全县防汛工作会议。下面，我讲三点意见。\n"
        "一、压实防汛责任\n要压实责任。我的讲话完了，谢谢大家！\n散会。"
    )
    assert clean_body(text, "压实防汛责任").split("\n") == [
        "今天召开全县防汛工作会议。",
        "要压实责任。",
    ]


def test_the_last_part_keeps_its_sign_off_when_no_one_else_writes_it() -> None:
    text = "最后，我再强调两点要求：一要守纪律，二要讲规矩。\n现在散会。谢谢大家！"
    kept = clean_body(text, keep_sign_off=True, keep_transition=True)
    assert kept == text
    assert clean_body(text, keep_transition=True).endswith("现在散会。")
