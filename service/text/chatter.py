"""What a chat model says to its user rather than in the speech ("好的，以下是…",
"希望对您有帮助", "作为AI…"): one definition, so model output cleaned by the pipeline, a
text read by the corpus reader and a draft judged by the scorer all agree on it."""

from __future__ import annotations

import re

# Talk to the user, not speech, anywhere in a line: what the scorer's chatter check flags,
# so a line cleaned here can never fail it.
CHATTER = re.compile(
    r"好的[，,]?(以下|下面)是|以下是(为您|一篇|一份|根据)|希望(以上内容)?对您有(所)?帮助|作为(一个)?\s*AI|"
    r"作为(一个)?人工智能|作为(一个)?(大)?语言模型|如(您)?需(要)?(进一步|修改|调整)|您可以根据|"
    r"(请|可)根据(实际|具体)情况(修改|调整|补充|删减)|当然可以[！!，,]|我无法(提供|完成|生成)|"
    r"以上(内容|讲话稿?|稿件|材料)(仅)?供(您)?参考"
)
CHATTER_NOTE = re.compile(r"^(?:注|说明)[：:]", re.MULTILINE)
# Whole lines that introduce the answer: "好的，以下是第一点的正文：".
CHATTER_LINE = re.compile(
    r"^(?:好的|当然|没问题|以下是|下面是|这是)[^。！？\n]{0,40}(?:讲话|稿|正文|内容|部分|提纲)[^。！？\n]*[：:。]?$"
    r"|希望(?:以上内容)?对您有(?:所)?帮助|如(?:您)?需(?:要)?(?:进一步|修改|调整)|您可以根据"
    r"|作为(?:一个)?\s*(?:AI|人工智能|语言模型)|^(?:注|说明|备注)[：:]"
)
