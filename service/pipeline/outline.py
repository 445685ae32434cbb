"""The outline of a draft: title and the parts in order, each with its heading, gist and length.

An outline is what a leader approves before the speech is written. The model
proposes one as JSON; `validate_outline` holds it to the skeleton (the right
parts, the asked-for number of points), and `derive_outline` builds one from
the brief alone when there is no model or the model keeps failing.
"""

from __future__ import annotations

import json
import re
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from service.errors import OutlineMismatch
from service.knowledge.skeletons import PlannedSection, Skeleton, SkeletonSection
from service.limits import HEADING_MAX_CHARS, SUBPOINTS_MAX, TITLE_MAX_CHARS
from service.schemas import Brief
from service.text.clip import clipped
from service.text.structure import unmarked

_MEETING_SUFFIX = re.compile(
    r"(工作)?(推进|动员|部署|调度|座谈|总结|表彰|专题)*(大会|会议|会)$"
    r"|(开幕式|闭幕式|启动仪式|仪式|典礼|开幕)$"
)
_CAMPAIGN = re.compile(r"(活动|行动|工程|攻坚战|专项整治)$")
_EVENT_SUFFIX = re.compile(r"(开幕式|闭幕式|启动仪式|仪式|典礼|开幕)$")
_OUTLINE_JSON = re.compile(r"\{.*\}", re.S)
_GIST_SHOWN = 80  # characters of another part's gist a part prompt shows


class OutlinePart(BaseModel):
    """One part of the speech: a skeleton role, and for numbered parts a heading."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    role: str = Field(min_length=2, max_length=40)
    heading: str = Field("", max_length=HEADING_MAX_CHARS, description="一级标题（不含序号）")
    gist: str = Field("", max_length=400, description="这一部分讲什么")
    subpoints: list[str] = Field(default_factory=list, max_length=SUBPOINTS_MAX)
    chars: int = Field(ge=20, le=20000, description="这一部分的目标字数")

    @field_validator("subpoints")
    @classmethod
    def _unnumbered(cls, subpoints: list[str]) -> list[str]:
        """The program numbers the items: a sub-point's own 一是/三要/（一） is dropped (shown
        to a model as 一是一是…, it invites the number twice)."""
        return [unmarked(item).strip() or item for item in subpoints]


class Outline(BaseModel):
    """Title and parts in speaking order; numbered parts carry headings."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    title: str = Field(min_length=2, max_length=TITLE_MAX_CHARS)
    dateline: str = Field("", max_length=60, description="标题下的日期行，如（2025年5月20日）")
    parts: list[OutlinePart] = Field(min_length=1, max_length=40)


def dateline_of(brief: Brief) -> str:
    """The line under the title that dates the speech: （2025年5月20日）."""
    return f"（{brief.date.strip('（）() ')}）" if brief.date and brief.date.strip() else ""


def dated(outline: Outline, brief: Brief) -> Outline:
    """The outline with the brief's date under its title, whoever wrote it."""
    return outline.model_copy(update={"dateline": dateline_of(brief)})


def topic_of(brief: Brief) -> str:
    """The meeting's subject as it fits into a heading: 全县安全生产工作会议 → 全县安全生产工作."""
    topic = _MEETING_SUFFIX.sub("", brief.meeting) or brief.meeting
    if _EVENT_SUFFIX.search(brief.meeting) or _CAMPAIGN.search(topic):
        return topic  # an event (论坛开幕式) or a campaign (作风建设年活动) is not a line of work
    return topic if topic.endswith("工作") else topic + "工作"


def derive_outline(brief: Brief, skeleton: Skeleton) -> Outline:
    """An outline from the brief alone: its points as headings, the skeleton's shares as lengths."""
    topic = topic_of(brief)
    parts: list[OutlinePart] = []
    for planned in skeleton.plan(brief):
        parts.extend(_derived_parts(planned, brief, topic))
    return Outline(title=skeleton.title_for(brief), dateline=dateline_of(brief), parts=parts)


def _derived_parts(planned: PlannedSection, brief: Brief, topic: str) -> list[OutlinePart]:
    section = planned.section
    if section.numbering == "points":
        count = planned.count or 1
        chars = max(planned.chars // count, 20)
        return [_point_part(section, brief, index, topic, chars) for index in range(count)]
    heading = ""
    if section.numbering == "part":
        heading = (section.spec.heading or "{topic}").format(topic=topic)
    return [
        OutlinePart(
            role=section.role,
            heading=heading,
            gist=section.purpose[:400],
            subpoints=_subpoints(section, brief, planned.count),
            chars=max(planned.chars, 20),
        )
    ]


def _subpoints(section: SkeletonSection, brief: Brief, count: int | None) -> list[str]:
    """The items a part lists: the brief's own, else defaults for a part whose lead counts them."""
    source = section.spec.items_from
    found: list[str] = []
    if source == "points":
        found = [point.title for point in brief.points]
    elif source == "agenda":
        found = [f"{item.speaker}{item.topic}" for item in brief.agenda]
    elif source is not None:
        found = list(getattr(brief, source))
    if found:
        return [text[:200] for text in found[:12]]
    defaults = section.spec.default_items
    return list(defaults[: count or len(defaults)])


def _point_part(
    section: SkeletonSection, brief: Brief, index: int, topic: str, chars: int
) -> OutlinePart:
    role = section.role
    if index < len(brief.points):
        point = brief.points[index]
        return OutlinePart(
            role=role, heading=point.title, gist=point.title, subpoints=point.details, chars=chars
        )
    headings = section.spec.default_headings
    heading = headings[index % len(headings)].format(topic=topic)
    return OutlinePart(role=role, heading=heading, gist=heading, chars=chars)


def expected_roles(brief: Brief, skeleton: Skeleton) -> list[str]:
    """The role of every part an outline must have, in order (points repeated N times)."""
    roles: list[str] = []
    for planned in skeleton.plan(brief):
        repeat = planned.count or 1 if planned.section.numbering == "points" else 1
        roles.extend([planned.section.role] * repeat)
    return roles


def validate_outline(data: Any, brief: Brief, skeleton: Skeleton) -> Outline:
    """Hold a proposed outline to the skeleton; raise OutlineMismatch saying what is wrong."""
    try:
        outline = Outline.model_validate(data)
    except ValidationError as exc:
        problems = "；".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise OutlineMismatch(f"提纲 JSON 不合格式：{problems}") from exc
    wanted = expected_roles(brief, skeleton)
    got = [part.role for part in outline.parts]
    optional = {s.role for s in skeleton.sections if s.optional}
    if [r for r in got if r not in optional] != [r for r in wanted if r not in optional]:
        labels = {s.role: s.label for s in skeleton.sections}
        named = ["、".join(labels.get(r, r) for r in roles) or "（无）" for roles in (wanted, got)]
        raise OutlineMismatch(f"提纲的部分应依次为：{named[0]}；现在是：{named[1]}")
    numbered = {s.role for s in skeleton.sections if s.numbering != "none"}
    missing = [i + 1 for i, p in enumerate(outline.parts) if p.role in numbered and not p.heading]
    if missing:
        which = "、".join(str(n) for n in missing)
        raise OutlineMismatch(f"第{which}部分是编号部分，要有标题")
    return outline


def parse_outline_json(text: str, brief: Brief, skeleton: Skeleton) -> Outline:
    """Read a model's outline answer (the JSON asked for in prompts/outline.md).

    The prompt asks for `sections` (every skeleton part once) and `points` (the
    numbered points); they are merged here into parts in speaking order.
    """
    found = _OUTLINE_JSON.search(text)
    if not found:
        raise OutlineMismatch("回答里没有 JSON 对象")
    try:
        data = json.loads(found.group(0))
    except json.JSONDecodeError as exc:
        raise OutlineMismatch(f"JSON 无法解析：{exc.msg}（第 {exc.pos} 个字符）") from exc
    if not isinstance(data, dict):
        raise OutlineMismatch("回答的 JSON 应是一个对象")
    # The title is the program's, as conventions fix it (it names the speaker).
    merged = {**_merge_answer(data, skeleton), "title": skeleton.title_for(brief)}
    return validate_outline(merged, brief, skeleton)


def _merge_answer(data: dict[str, Any], skeleton: Skeleton) -> dict[str, Any]:
    """{parts} in speaking order as the prompt asks (or {sections, points}, as it asked
    before) → {title, parts} as Outline holds it."""
    if "parts" in data:
        entries = data["parts"] if isinstance(data["parts"], list) else []
        return {"title": data.get("title", ""), "parts": [part_entry(e) for e in entries]}
    points_roles = {s.role for s in skeleton.sections if s.numbering == "points"}
    parts: list[Any] = []
    for section in data.get("sections") or []:
        if not isinstance(section, dict):
            raise OutlineMismatch("sections 里的每一项应是对象")
        if section.get("role") in points_roles:
            parts.extend(
                point_entry(section["role"], p)
                for p in data.get("points") or []
                if isinstance(p, dict)
            )
            continue
        parts.append(section_entry(section))
    return {"title": data.get("title", ""), "parts": parts}


def part_entry(entry: Any) -> Any:
    """One entry of the answer's `parts` as an outline part: `items` read as sub-points, a
    point with no gist of its own takes its heading's."""
    if not isinstance(entry, dict):
        return entry  # left for validation to name
    known = {k: v for k, v in entry.items() if k not in ("items", "subpoints")}
    subpoints = entry.get("subpoints") or entry.get("items") or []
    gist = entry.get("gist") or entry.get("heading") or ""
    return {**known, "gist": gist, "subpoints": subpoints, "chars": entry.get("chars") or 20}


def point_entry(role: str, point: dict[str, Any]) -> dict[str, Any]:
    """One of the answer's `points` as an outline part of `role`."""
    return {
        "role": role,
        "gist": point.get("heading") or "",
        "heading": point.get("heading") or "",
        "subpoints": point.get("subpoints") or [],
        "chars": point.get("chars") or 20,
    }


def section_entry(section: dict[str, Any]) -> dict[str, Any]:
    """One of the answer's `sections` as an outline part."""
    return {
        "role": section.get("role", ""),
        "heading": section.get("heading") or "",
        "gist": section.get("gist") or "",
        "subpoints": section.get("items") or [],
        "chars": section.get("chars") or 20,
    }


def outline_text(
    outline: Outline, skeleton: Skeleton | None = None, pending: frozenset[int] = frozenset()
) -> str:
    """The outline as plain lines, for showing to the model while it writes one part: each
    part by its label, gists shortened only where a sentence or clause ends. Parts in
    `pending` (their entries not yet written when the part was begun) are said to be so,
    not guessed at."""
    lines = [outline.title]
    number = 0
    for index, part in enumerate(outline.parts):
        if index in pending:
            number += 1 if part.heading else 0
            lines.append(
                f"{number}. （提纲还在拟定）" if part.heading else "【……】（提纲还在拟定）"
            )
            continue
        if part.heading:
            number += 1
            lines.append(f"{number}. {part.heading}（约{part.chars}字）")
        else:
            label = _label(skeleton, part.role)
            lines.append(f"【{label}】{clipped(part.gist, _GIST_SHOWN)}（约{part.chars}字）")
        lines.extend(f"   - {item}" for item in part.subpoints)
    return "\n".join(lines)


def _label(skeleton: Skeleton | None, role: str) -> str:
    if skeleton is None:
        return role
    try:
        return skeleton.section(role).label
    except KeyError:
        return role
