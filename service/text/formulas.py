"""The fixed formulas the program writes itself (salutation, transition, sign-off), as a model
may write them again inside a part: one definition, so what cleanup removes from a part and
what the scorer flags in a finished text agree."""

from __future__ import annotations

import re

# A salutation line: 同志们： / 各位领导、同志们： / 尊敬的……：
SALUTATION_LINE = re.compile(r"^(?:尊敬的|各位|同志们)[^。！？]{0,40}[：:]$")
# A sign-off sentence: 谢谢大家！ / 谢谢！ / 谢谢各位。 / 散会。 / 我的讲话完了，谢谢大家！
_SIGN_OFF_WORDS = r"(?:我的讲话(?:完了|到此结束|就到这里)[，,]?)?(?:谢谢(?:大家|各位|同志们)?|散会)"
SIGN_OFF_SENTENCE = re.compile(rf"(?:^|(?<=[。！？!?]))\s*{_SIGN_OFF_WORDS}[！!。]?\s*$")
SIGN_OFF_LINE = re.compile(rf"^\s*{_SIGN_OFF_WORDS}[！!。]?\s*$")
# The sentence that announces the points: 下面，我讲三点意见。 / 下面，我再强调几点。
TRANSITION_SENTENCE = re.compile(
    r"(?:^|(?<=[。！？]))\s*(?:下面|接下来)[，,]?(?:我|就)?(?:再|就)?(?:讲|谈|强调|提出)"
    r"(?:[一二两三四五六七八九十几]|[0-9])+(?:点|个方面)(?:意见|看法|要求|想法)?[。：:]"
)


def without_sign_off(paragraph: str) -> str:
    """The paragraph without a sign-off sentence at its end (…同心协力，再立新功。谢谢大家！)."""
    return SIGN_OFF_SENTENCE.sub("", paragraph).rstrip()


def without_transition(paragraph: str) -> str:
    """The paragraph without the sentence that announces the points."""
    return TRANSITION_SENTENCE.sub("", paragraph).strip()


def sign_off_lines(lines: list[str]) -> list[int]:
    """Indexes of the lines that end in a sign-off sentence."""
    return [i for i, line in enumerate(lines) if SIGN_OFF_SENTENCE.search(line.strip())]
