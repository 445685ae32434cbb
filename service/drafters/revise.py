"""How the built-in drafter follows a user's wish for one part: 更精炼, 更充实, 增加某方面内容.

A model understands any instruction; the built-in drafter understands these three
kinds, which are most of what writers ask for, and says when it did not understand.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from service.knowledge.phrasebank import Phrasebank, render
from service.schemas import Brief
from service.text.normalise import count_chars
from service.text.structure import split_sentences

SHORTER = re.compile(r"精炼|精简|简洁|简短|压缩|缩短|短一些|短一点|删减")
LONGER = re.compile(r"充实|丰富|展开|详细|具体一些|加长|长一些|多写")
TOPIC = re.compile(
    r"(?:增加|补充|加上|加入|突出|强调)(?:一些|一点)?(?:关于)?(?P<topic>[^，。；,;]{2,20}?)"
    r"(?:方面)?(?:的)?(?:内容|要求|部署|论述)?$"
)
SHORTEN_TO = 0.7
_ITEM_START = re.compile(
    r"^[一二三四五六七八九十]+[是要]|^第[一二三四五六七八九十]+，|^(?:首先|其次|再次|最后)，"
)


WANTED_CHARS = re.compile(r"改为约(\d+)字")


def feedback_wish(feedback: list[str]) -> tuple[str, int | None]:
    """What length feedback from the repair loop asks: ("shorter"|"longer"|"", wanted chars)."""
    for problem in feedback:
        wanted = WANTED_CHARS.search(problem)
        size = int(wanted.group(1)) if wanted else None
        if "太长" in problem:
            return "shorter", size
        if "太短" in problem:
            return "longer", size
    return "", None


@dataclass(frozen=True)
class Revision:
    """The revised body, and whether the instruction was understood."""

    text: str
    understood: bool


def revise(
    previous: str,
    instruction: str,
    brief: Brief,
    bank: Phrasebank,
    longer: Callable[[], str],
) -> Revision:
    """Apply an instruction to a part body; `longer` composes the part again at a larger size."""
    text, understood = previous, False
    wish = instruction.strip().rstrip("。！!")
    if SHORTER.search(wish):
        text, understood = shorten(text, brief), True
    elif LONGER.search(wish):
        text, understood = longer(), True
    topic = TOPIC.search(wish)
    if topic:
        text, understood = add_topic(text, topic.group("topic"), bank), True
    return Revision(text, understood)


def shorten(body: str, brief: Brief, target: int | None = None) -> str:
    """Drop general sentences until the body is about 70% as long (or `target`), evenly:
    each time from the longest item (一是… or a paragraph), its last droppable sentence, so
    every sub-point is shortened rather than the end of the part cut away.

    Sentences carrying the brief's facts or required phrases, and the first
    sentence of each item, stay: they are what the speech is for.
    """
    paragraphs: list[list[str | None]] = [list(split_sentences(p)) for p in body.split("\n")]
    goal = target if target is not None else count_chars(body) * SHORTEN_TO
    facts = brief.fact_text()
    length = count_chars(body)
    units = _items(paragraphs)
    while length > goal:
        droppable = [
            (unit, spot)
            for unit in units
            if (spot := _last_droppable(unit, paragraphs, facts, brief.required_phrases))
        ]
        if not droppable:
            break
        _, (row, column) = max(droppable, key=lambda pair: _chars(pair[0], paragraphs))
        length -= count_chars(paragraphs[row][column] or "")
        paragraphs[row][column] = None
    kept = ["".join(s for s in p if s) for p in paragraphs]
    return "\n".join(p for p in kept if p)


Spot = tuple[int, int]


def _items(paragraphs: list[list[str | None]]) -> list[list[Spot]]:
    """The sentences of each item: a paragraph's lead, then each run from an item marker."""
    units: list[list[Spot]] = []
    for row, sentences in enumerate(paragraphs):
        current: list[Spot] = []
        for column, sentence in enumerate(sentences):
            if current and sentence and _ITEM_START.match(sentence):
                units.append(current)
                current = []
            current.append((row, column))
        if current:
            units.append(current)
    return units


def _last_droppable(
    unit: list[Spot], paragraphs: list[list[str | None]], facts: str, phrases: list[str]
) -> Spot | None:
    for row, column in reversed(unit[1:]):  # an item's first sentence stays
        sentence = paragraphs[row][column]
        if sentence and not _must_keep(sentence, facts, phrases):
            return row, column
    return None


def _chars(unit: list[Spot], paragraphs: list[list[str | None]]) -> int:
    return sum(count_chars(paragraphs[row][column] or "") for row, column in unit)


def _must_keep(sentence: str, facts: str, phrases: list[str]) -> bool:
    core = sentence.strip("。！？；，")
    return bool(_ITEM_START.match(sentence)) or core in facts or any(p in sentence for p in phrases)


def add_topic(body: str, topic: str, bank: Phrasebank) -> str:
    """Add sentences on the topic asked for, at the end of the part's first paragraph."""
    sentences = [s for t in bank.emphasis[:2] if (s := render(t, {"item": topic}))]
    paragraphs = body.split("\n")
    paragraphs[0] = paragraphs[0] + "".join(sentences)
    return "\n".join(paragraphs)
