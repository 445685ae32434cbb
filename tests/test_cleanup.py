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
