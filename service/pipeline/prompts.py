"""Render the prompts of prompts/*.md strictly and fit them into the model's token budget.

The brief's facts and the examples' form travel in separate blocks (<brief>,
<examples>). Every value put into a template passes one guard that turns < and >
into full-width ＜ ＞, so no text from a brief or the corpus can close a block or
open a new one. A missing template variable is an error. Examples that do not
fit are cut whole sections at a time, from the end of the least relevant one,
and dropped once empty; a brief that alone exceeds the budget is an error.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2

from service.config import Settings, get_settings
from service.corpus.records import RecordSection
from service.knowledge.skeletons import STYLE_NAMES, PlannedSection, Skeleton, load_skeleton
from service.knowledge.speech_types import CHINESE_NAMES
from service.retrieval.index import Hit
from service.schemas import Brief, BriefPoint
from service.text.scrub import Scrubber, get_scrubber
from service.text.tokens import Message, TokenCounter, get_counter

RECORD_ROLE_NAMES = {
    "salutation": "称呼",
    "opening": "开场",
    "achievements": "成绩",
    "problems": "问题",
    "agenda": "议程",
    "transition": "过渡",
    "point": "分点",
    "closing": "结尾",
    "other": "其他",
}
_EXAMPLE_ROLES = frozenset(RECORD_ROLE_NAMES)
# Which lists of the brief a section prompt shows; other parts see the brief's head only.
_ROLE_FACTS: dict[str, tuple[str, ...]] = {
    "achievements": ("achievements",),
    "review": ("achievements",),
    "evaluation": ("achievements",),
    "problems": ("problems",),
    "points": ("points", "problems"),
    "measures": ("points",),
    "lessons": ("achievements", "points"),
    "next_steps": ("points", "problems"),
    "suggestions": ("points", "problems"),
    "body": ("points", "achievements"),
    "wrapup": ("points", "agenda"),
    "attendance": ("attendees",),
    "agenda": ("agenda",),
    "handover": ("agenda",),
}
_SECTION_OVERHEAD_TOKENS = 8  # the 【label】 line and newlines around a section


class PromptError(ValueError):
    """Raised when a template is missing, refers to an undefined variable, or gets bad input."""


class PromptTooLong(PromptError):
    """Raised when the brief alone, without any example, does not fit the token budget."""


@dataclass(frozen=True)
class ExampleSection:
    """One section of an example, already scrubbed."""

    label: str
    heading: str
    text: str


@dataclass(frozen=True)
class Example:
    """An example as a prompt shows it: form only, facts replaced by placeholders."""

    source_id: str
    title: str
    type_name: str
    sections: tuple[ExampleSection, ...]
    removed: tuple[str, ...] = ()


@dataclass(frozen=True)
class Prompt:
    """Messages ready for the model, with what the budget did to them."""

    kind: str
    messages: list[Message]
    tokens: int
    budget: int
    encoding: str
    examples: list[str]
    cut: list[str] = field(default_factory=list)
    scrubbed: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class BriefFacts:
    """The parts of a brief one prompt shows; empty parts are left out of the <brief> block."""

    type_name: str
    meeting: str
    speaker: str
    organization: str
    date: str
    audience: str
    purpose: str
    notes: str
    target_chars: int
    attendees: list[str]
    agenda: list[dict[str, str]]
    achievements: list[str]
    problems: list[str]
    points: list[dict[str, Any]]
    other_points: list[str]
    required_phrases: list[str]
    forbidden_phrases: list[str]


def brief_facts(
    brief: Brief, parts: Sequence[str] | None = None, point: int | None = None
) -> BriefFacts:
    """The brief's facts; `parts` limits the lists shown, `point` (1-based) picks one point."""
    every = ("achievements", "problems", "points", "agenda", "attendees")
    show = set(every if parts is None else parts)
    points = brief.points
    chosen = [points[point - 1]] if point and 0 < point <= len(points) else points
    return BriefFacts(
        type_name=CHINESE_NAMES[brief.speech_type],
        meeting=brief.meeting,
        speaker=brief.speaker,
        organization=brief.organization or "",
        date=brief.date or "",
        audience=brief.audience or "",
        purpose=brief.purpose or "",
        notes=brief.notes or "",
        target_chars=brief.effective_target_chars,
        attendees=brief.attendees if "attendees" in show else [],
        agenda=[i.model_dump() for i in brief.agenda] if "agenda" in show else [],
        achievements=brief.achievements if "achievements" in show else [],
        problems=brief.problems if "problems" in show else [],
        points=[_point(p) for p in chosen] if "points" in show else [],
        other_points=[p.title for p in points if p not in chosen] if "points" in show else [],
        required_phrases=brief.required_phrases,
        forbidden_phrases=brief.forbidden_phrases,
    )


def _point(point: BriefPoint) -> dict[str, Any]:
    return {"title": point.title, "details": point.details}


def example_from_hit(hit: Hit, keep: str, scrubber: Scrubber | None = None) -> Example:
    """A search hit as a scrubbed example: its one section, or the whole speech's sections."""
    scrubber = scrubber or get_scrubber()
    record = hit.record
    chosen = [hit.section] if hit.section is not None else record.sections
    removed: dict[str, None] = {}

    def clean(text: str) -> str:
        result = scrubber.scrub(text, keep)
        removed.update(dict.fromkeys(result.words))
        return result.text

    sections = tuple(_example_section(s, clean) for s in chosen if s.role in _EXAMPLE_ROLES)
    type_name = CHINESE_NAMES[record.speech_type] if record.speech_type else "讲话"
    return Example(record.id, clean(record.title), type_name, sections, tuple(removed))


def _example_section(section: RecordSection, clean: Callable[[str], str]) -> ExampleSection:
    heading = clean(section.heading) if section.heading else ""
    return ExampleSection(RECORD_ROLE_NAMES[section.role], heading, clean(section.text))


def examples_from_hits(hits: Sequence[Hit], brief: Brief) -> list[Example]:
    """Scrubbed examples for a brief, most relevant first; the brief's own words are kept."""
    keep = brief.fact_text()
    return [example_from_hit(hit, keep) for hit in hits]


def _guard(value: Any) -> Any:
    """Every template value: < and > become full-width so text cannot open or close a block."""
    if value is None or isinstance(value, bool | int | float):
        return value
    text = str(value)
    return text.replace("<", "＜").replace(">", "＞")


@lru_cache(maxsize=4)
def _environment(prompts_dir: Path) -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(prompts_dir),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
        finalize=_guard,
    )


def render(name: str, settings: Settings | None = None, **context: Any) -> str:
    """Render prompts/<name>; a missing variable or template raises PromptError."""
    settings = settings or get_settings()
    try:
        template = _environment(settings.prompts_dir).get_template(name)
        return template.render(**context).strip() + "\n"
    except jinja2.UndefinedError as exc:
        raise PromptError(f"提示词模板 {name} 缺少变量：{exc.message}") from exc
    except jinja2.TemplateNotFound as exc:
        raise PromptError(f"找不到提示词模板 {name}（目录 {settings.prompts_dir}）") from exc
    except jinja2.TemplateSyntaxError as exc:
        raise PromptError(f"提示词模板 {name} 第 {exc.lineno} 行语法错误：{exc.message}") from exc


def part_view(planned: PlannedSection) -> dict[str, Any]:
    """A planned section as templates see it."""
    section = planned.section
    return {
        "role": section.role,
        "label": section.label,
        "purpose": section.purpose,
        "chars": planned.chars,
        "count": planned.count,
        "numbering": section.numbering,
        "item_style": STYLE_NAMES[section.items],
        "lead": planned.lead or "",
        "heading_hint": section.heading_hint or "",
        "optional": section.optional,
    }


def skeleton_view(skeleton: Skeleton, brief: Brief) -> dict[str, Any]:
    """The skeleton sized for the brief, as templates see it."""
    plan = skeleton.plan(brief)
    main = next((p for p in plan if p.section.numbering == "points"), None)
    return {
        "name": skeleton.name,
        "summary": skeleton.summary,
        "heading_style": STYLE_NAMES[skeleton.heading_style],
        "salutation": skeleton.formulas.salutation,
        "transition": skeleton.transition(brief) or "",
        "closing": skeleton.formulas.closing,
        "sign_off": skeleton.formulas.sign_off or "",
        "parts": [part_view(p) for p in plan],
        "points_count": main.count if main else 0,
        "points_role": main.section.role if main else "",
    }


def _budget(settings: Settings) -> int:
    return settings.context_window - settings.output_reserve


def fit(
    kind: str,
    build: Callable[[list[Example]], list[Message]],
    examples: Sequence[Example],
    settings: Settings | None = None,
) -> Prompt:
    """Render with as much of the examples as fits the budget (context window − output reserve)."""
    settings = settings or get_settings()
    counter = get_counter(settings)
    budget = _budget(settings)
    kept, cut = list(examples), list[str]()
    while True:
        messages = build(kept)
        tokens = counter.count_messages(messages)
        if tokens <= budget:
            break
        if not kept:
            raise PromptTooLong(
                f"简报过长：不带范文的提示词也有 {tokens} 个 token，超过预算 {budget}（上下文"
                f" {settings.context_window} − 预留输出 {settings.output_reserve}）；请精简简报"
            )
        kept, cut = _shrink(kept, tokens - budget, counter, cut)
    return Prompt(
        kind=kind,
        messages=messages,
        tokens=tokens,
        budget=budget,
        encoding=counter.name,
        examples=[e.source_id for e in kept],
        cut=cut,
        scrubbed=sorted({w for e in examples for w in e.removed}),
    )


def _shrink(
    examples: list[Example], excess: int, counter: TokenCounter, cut: list[str]
) -> tuple[list[Example], list[str]]:
    """Drop sections from the end of the last (least relevant) example until `excess` is freed."""
    examples, cut = list(examples), list(cut)
    while excess > 0 and examples:
        last = examples[-1]
        if len(last.sections) <= 1:
            excess -= sum(_section_cost(s, counter) for s in last.sections) + 20
            examples.pop()
            cut.append(f"删去范文 {last.source_id}")
            continue
        dropped = last.sections[-1]
        excess -= _section_cost(dropped, counter)
        examples[-1] = replace(last, sections=last.sections[:-1])
        cut.append(f"删去范文 {last.source_id} 的“{dropped.label}”部分")
    return examples, cut


def _section_cost(section: ExampleSection, counter: TokenCounter) -> int:
    return counter.count(section.heading + section.text) + _SECTION_OVERHEAD_TOKENS


def _messages(kind: str, settings: Settings, **context: Any) -> list[Message]:
    return [
        {"role": "system", "content": render("system.md", settings)},
        {"role": "user", "content": render(f"{kind}.md", settings, **context)},
    ]


def outline_prompt(
    brief: Brief,
    examples: Sequence[Example] = (),
    *,
    skeleton: Skeleton | None = None,
    settings: Settings | None = None,
) -> Prompt:
    """Ask for the outline as JSON: title, opening gist, point headings, sub-points, lengths."""
    return _speech_prompt("outline", brief, examples, skeleton, settings)


def whole_prompt(
    brief: Brief,
    examples: Sequence[Example] = (),
    *,
    skeleton: Skeleton | None = None,
    settings: Settings | None = None,
) -> Prompt:
    """Ask for the whole speech in one go (short types, or a model with a large window)."""
    return _speech_prompt("whole", brief, examples, skeleton, settings)


def _speech_prompt(
    kind: str,
    brief: Brief,
    examples: Sequence[Example],
    skeleton: Skeleton | None,
    settings: Settings | None,
) -> Prompt:
    """A prompt about the whole speech: the sized skeleton, all the brief, the examples."""
    settings = settings or get_settings()
    skeleton = skeleton or load_skeleton(brief.speech_type)
    view, facts = skeleton_view(skeleton, brief), brief_facts(brief)

    def build(kept: list[Example]) -> list[Message]:
        return _messages(kind, settings, skeleton=view, facts=facts, examples=kept)

    return fit(kind, build, examples, settings)


def section_prompt(
    brief: Brief,
    role: str,
    examples: Sequence[Example] = (),
    *,
    outline: str = "",
    point: int | None = None,
    heading: str = "",
    subpoints: Sequence[str] = (),
    skeleton: Skeleton | None = None,
    settings: Settings | None = None,
) -> Prompt:
    """Ask for one part of the speech (one point when `point` is given, 1-based)."""
    settings = settings or get_settings()
    skeleton = skeleton or load_skeleton(brief.speech_type)
    view, part = skeleton_view(skeleton, brief), _part(skeleton, brief, role, point)
    facts = brief_facts(brief, _ROLE_FACTS.get(role, ()), point)
    task = {"point": point or 0, "heading": heading, "subpoints": list(subpoints)}

    def build(kept: list[Example]) -> list[Message]:
        return _messages(
            "section",
            settings,
            skeleton=view,
            part=part,
            facts=facts,
            examples=kept,
            outline=outline,
            task=task,
        )

    return fit("section", build, examples, settings)


def repair_prompt(
    brief: Brief,
    role: str,
    text: str,
    problems: Sequence[str],
    *,
    point: int | None = None,
    heading: str = "",
    skeleton: Skeleton | None = None,
    settings: Settings | None = None,
) -> Prompt:
    """Ask to rewrite one failing part, listing what the scorer found wrong."""
    if not problems:
        raise PromptError("修改提示词至少需要一条问题")
    settings = settings or get_settings()
    skeleton = skeleton or load_skeleton(brief.speech_type)
    view, part = skeleton_view(skeleton, brief), _part(skeleton, brief, role, point)
    facts = brief_facts(brief, _ROLE_FACTS.get(role, ()), point)
    task = {"point": point or 0, "heading": heading, "subpoints": []}

    def build(kept: list[Example]) -> list[Message]:
        return _messages(
            "repair",
            settings,
            skeleton=view,
            part=part,
            facts=facts,
            draft=text,
            problems=list(problems),
            task=task,
        )

    return fit("repair", build, (), settings)


def _part(skeleton: Skeleton, brief: Brief, role: str, point: int | None) -> dict[str, Any]:
    try:
        section = skeleton.section(role)
    except KeyError as exc:
        raise PromptError(str(exc.args[0])) from exc
    planned = next(p for p in skeleton.plan(brief) if p.section.role == role)
    view = part_view(planned)
    if point and section.numbering == "points" and planned.count:
        view["chars"] = planned.chars // planned.count
    return view
