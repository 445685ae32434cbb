"""Put a speech together by code: title, salutation, leads, transition, numbering, sign-off.

The drafter writes only the body of each part. Everything the form fixes is
written here, so it is right by construction: the salutation and transition
come from the skeleton, the announced count is the number of numbered parts,
headings are numbered 一、二、三、 (or 第一，…) in order, and item runs inside a
body (一是…二是…) are renumbered so none is skipped or repeated.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from service.knowledge.skeletons import Skeleton, fill
from service.pipeline.outline import Outline, OutlinePart
from service.text.structure import ITEM_MARKER, to_chinese_numeral

_ITEM_SUFFIX = {"enum_shi": "是", "enum_yao": "要"}
_SEQUENCE = ("首先", "其次", "再次", "最后")
# The parts assembly writes itself (prompts/roles.yaml names them under `program`).
PROGRAM_PARTS = frozenset(("title", "dateline", "salutation", "transition", "sign_off"))


@dataclass(frozen=True)
class AssembledSection:
    """One part of the finished speech: its role, heading line (if any) and text."""

    role: str
    heading: str
    text: str


@dataclass(frozen=True)
class Assembled:
    """The finished text and its sections in order."""

    title: str
    text: str
    sections: list[AssembledSection]


def renumber_items(body: str) -> str:
    """Number each run of 一是/一要 items 一、二、三… in order; a run restarts at 一.

    One counter per style runs through the whole body, so items written one per
    paragraph continue across lines, and a skipped or repeated number is mended.
    """
    counters: dict[str, int] = {}

    def number(match: re.Match[str]) -> str:
        suffix = match.group(2)
        counters[suffix] = 1 if match.group(1) == "一" else counters.get(suffix, 0) + 1
        return to_chinese_numeral(counters[suffix]) + suffix

    return ITEM_MARKER.sub(number, body)


def item_marker(style: str, index: int, count: int) -> str:
    """The marker of the index-th item (0-based) of a part written in `style`."""
    if style in _ITEM_SUFFIX:
        return to_chinese_numeral(index + 1) + _ITEM_SUFFIX[style]
    if style == "di":
        return f"第{to_chinese_numeral(index + 1)}，"
    if style == "qi":
        return f"其{to_chinese_numeral(index + 1)}，"
    if style == "sequence":
        if index == 0:
            return "首先，"
        return "最后，" if index == count - 1 and count > 2 else f"{_SEQUENCE[min(index, 2)]}，"
    return ""


def heading_line(style: str, number: int, heading: str) -> str:
    """一、heading for cn_dun; 第一，heading。 for di (its body follows in the same paragraph)."""
    heading = heading.strip().rstrip("。；，")
    if style == "di":
        return f"第{to_chinese_numeral(number)}，{heading}。"
    return f"{to_chinese_numeral(number)}、{heading}"


def _lead(skeleton: Skeleton, part: OutlinePart, count: int | None) -> str:
    """The skeleton's fixed lead of a part, unless it is only a pattern (has ……) for the model."""
    section = next((s for s in skeleton.sections if s.role == part.role), None)
    if section is None or not section.lead or "……" in section.lead:
        return ""
    if "{n}" not in section.lead:
        return section.lead
    return fill(section.lead, count) if count else ""  # never announce a count we cannot see


def numbered_parts(outline: Outline, skeleton: Skeleton) -> list[int]:
    """Indexes of the outline parts that get a top-level number."""
    numbered = {s.role for s in skeleton.sections if s.numbering != "none"}
    return [i for i, part in enumerate(outline.parts) if part.role in numbered]


def assemble(outline: Outline, bodies: list[str], skeleton: Skeleton) -> Assembled:
    """Join the parts' bodies into the speech, adding everything the form fixes."""
    if len(bodies) != len(outline.parts):
        raise ValueError(f"{len(outline.parts)} parts but {len(bodies)} bodies")
    numbered = numbered_parts(outline, skeleton)
    sections = [AssembledSection("title", "", outline.title)]
    if outline.dateline:
        sections.append(AssembledSection("dateline", "", outline.dateline))
    sections.append(AssembledSection("salutation", "", skeleton.formulas.salutation))
    transition = skeleton.formulas.transition
    for index, (part, body) in enumerate(zip(outline.parts, bodies, strict=True)):
        if numbered and index == numbered[0] and transition:
            sentence = fill(transition, len(numbered))
            sections.append(AssembledSection("transition", "", sentence))
        heading = ""
        if index in numbered:
            number = numbered.index(index) + 1
            heading = heading_line(skeleton.heading_style, number, part.heading)
        text = _part_text(skeleton, part, renumber_items(body.strip()))
        sections.append(AssembledSection(part.role, heading, text))
    if skeleton.formulas.sign_off:
        sections.append(AssembledSection("sign_off", "", skeleton.formulas.sign_off))
    return Assembled(outline.title, _join(sections, skeleton.heading_style), sections)


def first_run_length(body: str) -> int:
    """How many items the body's first 一是…/一要… run has (0 when it has none)."""
    numbers = [(m.group(2), m.group(1)) for m in ITEM_MARKER.finditer(body)]
    if not numbers or numbers[0][1] != "一":
        return 0
    style = numbers[0][0]
    run = [n for s, n in numbers if s == style]
    return next((i for i, n in enumerate(run[1:], start=1) if n == "一"), len(run))


_SUB_HEADING = re.compile(r"^（[一二三四五六七八九十]{1,3}）", re.M)


def items_written(body: str) -> int:
    """How many items a body sets out: its first 一是… run, else its （一）（二） sub-headings."""
    return first_run_length(body) or len(_SUB_HEADING.findall(body))


def _part_text(skeleton: Skeleton, part: OutlinePart, body: str) -> str:
    lead = _lead(skeleton, part, first_run_length(body) or None)
    if not lead or lead in body:
        return body
    section = skeleton.section(part.role)
    first = ITEM_MARKER.search(body)
    if section.intro and first is not None and first.start() > 0:
        # The lead ends the model's intro paragraph; items that are paragraphs start anew.
        intro, items = body[: first.start()], body[first.start() :]
        if intro.endswith("\n") or "\n" in items.strip():
            return f"{intro.rstrip()}{lead}\n{items}"
        return f"{intro}{lead}{items}"
    return f"{lead}{body}" if lead.endswith("：") else f"{lead}\n{body}"


def _join(sections: list[AssembledSection], heading_style: str) -> str:
    lines: list[str] = []
    for section in sections:
        if section.heading and heading_style == "di":
            lines.append(section.heading + section.text.split("\n", 1)[0])
            lines.extend(section.text.split("\n")[1:])
        else:
            if section.heading:
                lines.append(section.heading)
            lines.extend(p for p in section.text.split("\n") if p.strip())
    return "\n".join(line for line in lines if line.strip())
