"""The model's prompts: prompts/*.md rendered strictly and fitted into the token budget.

The brief's facts and the examples' form travel in separate blocks (<brief>,
<examples>); the templates guard every value so no text can close a block.
Examples that do not fit are cut whole sections at a time, from the end of the
least relevant one, and dropped once empty; a brief that alone exceeds the
budget is an error.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from service.drafters.base import Piece
from service.errors import PromptError, PromptTooLong
from service.knowledge.kit import Kit
from service.knowledge.skeletons import (
    STYLE_NAMES,
    VOICE_ITEM_STYLES,
    PlannedSection,
    Skeleton,
    style_name,
)
from service.pipeline.outline import expected_roles
from service.retrieval.examples import Example, ExampleSection
from service.retrieval.floor import voice_items
from service.schemas import Brief, BriefPoint
from service.text.grams import Background
from service.text.tokens import Message, TokenBudget, TokenCounter

MIN_CLAUSE_CHARS = 4  # a shorter clause of a fact (仍有) says nothing on its own
MIN_SHARED_PAIRS = 2  # content pairs a clause shares with an item for it to be the item's
_CLAUSE_END = re.compile(r"[，；;。]")
_SECTION_OVERHEAD_TOKENS = 8  # the 【label】 line and newlines around a section


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
    one_part: bool = False  # shown to a prompt for one part of the speech


def brief_facts(
    brief: Brief, skeleton: Skeleton, parts: Sequence[str] | None = None, point: int | None = None
) -> BriefFacts:
    """The brief's facts; `parts` limits the lists shown, `point` (1-based) picks one point."""
    every = ("achievements", "problems", "points", "agenda", "attendees")
    show = set(every if parts is None else parts)
    points = brief.points
    numbered = [_point(p, n) for n, p in enumerate(points, start=1)]
    chosen = [numbered[point - 1]] if point and 0 < point <= len(points) else numbered
    return BriefFacts(
        type_name=skeleton.name,
        meeting=brief.meeting,
        speaker=brief.speaker,
        organization=brief.organization or "",
        date=brief.date or "",
        audience=brief.audience or "",
        purpose=brief.purpose or "",
        notes=brief.notes or "",
        target_chars=skeleton.target_chars(brief),
        attendees=brief.attendees if "attendees" in show else [],
        agenda=[i.model_dump() for i in brief.agenda] if "agenda" in show else [],
        achievements=brief.achievements if "achievements" in show else [],
        problems=brief.problems if "problems" in show else [],
        points=chosen if "points" in show else [],
        other_points=[p["title"] for p in numbered if p not in chosen] if "points" in show else [],
        required_phrases=brief.required_phrases,
        forbidden_phrases=brief.forbidden_phrases,
    )


def _point(point: BriefPoint, number: int) -> dict[str, Any]:
    return {"number": number, "title": point.title, "details": point.details}


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
        "enumeration": section.items,  # not "items": templates would find dict.items
        # a points section's count is its points, not the items inside each
        "item_style": style_name(
            section.items, None if section.numbering == "points" else planned.count
        ),
        "lead": planned.lead or "",
        "intro": section.intro or "",
        "heading_hint": section.heading_hint or "",
        "optional": section.optional,
    }


def item_facts(
    subpoints: Sequence[str], facts: BriefFacts, background: Background
) -> list[list[str]]:
    """Each item's own facts: every clause of the brief's facts shown to the part goes to the
    one item whose wording it shares most (MIN_SHARED_PAIRS content pairs at least), so items
    written side by side do not all tell the same problem (a writer answering as the model
    put another item's 31处隐患 into their own when shown the whole list)."""
    details = [d for point in facts.points for d in point["details"]]
    clauses = [
        clause.strip()
        for fact in (*facts.achievements, *facts.problems, *details)
        for clause in _CLAUSE_END.split(fact)
        if len(clause.strip()) >= MIN_CLAUSE_CHARS
    ]
    wordings = [background.content(item) for item in subpoints]
    owned: list[list[str]] = [[] for _ in subpoints]
    for clause in dict.fromkeys(clauses):
        content = background.content(clause)
        shared = [len(content & wording) for wording in wordings]
        best = max(range(len(shared)), key=shared.__getitem__, default=None)
        if (
            best is not None
            and shared[best] >= MIN_SHARED_PAIRS
            and shared.count(shared[best]) == 1
        ):
            owned[best].append(clause)
    return owned


def piece_view(piece: Piece, subpoints: list[str], owned: list[list[str]]) -> dict[str, Any]:
    """One piece of a part as prompts/piece.md sees it: what it writes, what the others do,
    and the brief's facts that are its own (`owned`, by item, from item_facts)."""
    number = piece.number
    return {
        "facts": [] if piece.is_lead else owned[number],
        "lead": piece.is_lead,
        "number": number + 1,
        "chars": piece.chars,
        "marker": piece.marker,
        "count": len(subpoints),
        "subpoints": subpoints,
        "item": "" if piece.is_lead else subpoints[number],
        # how the item's first sentence reads after the marker: 二要扎实抓好问题整改
        "opening": "" if piece.is_lead else _CLAUSE_END.split(subpoints[number], maxsplit=1)[0],
        "others": [s for k, s in enumerate(subpoints) if k != number],
    }


def skeleton_view(skeleton: Skeleton, brief: Brief, habit: str | None = None) -> dict[str, Any]:
    """The skeleton sized for the brief, as templates see it; `habit` is the speaker's own
    item style (一要 for 一是) where the skeleton's is one of the two."""
    plan = skeleton.plan(brief)
    main = next((p for p in plan if p.section.numbering == "points"), None)
    parts = [part_view(p) for p in plan]
    if habit:
        for view, planned in zip(parts, plan, strict=True):
            if view["enumeration"] in VOICE_ITEM_STYLES:
                view["enumeration"] = habit
                points = planned.section.numbering == "points"
                view["item_style"] = style_name(habit, None if points else planned.count)
    return {
        "name": skeleton.name,
        "summary": skeleton.summary,
        "heading_style": STYLE_NAMES[skeleton.heading_style],
        "salutation": skeleton.formulas.salutation,
        "transition": skeleton.transition(brief) or "",
        "closing": skeleton.formulas.closing,
        "sign_off": skeleton.formulas.sign_off or "",
        "parts": parts,
        "points_count": main.count if main else 0,
        "points_role": main.section.role if main else "",
    }


class Prompter:
    """Builds every prompt from one kit's templates and skeletons, within one token budget."""

    def __init__(self, kit: Kit, budget: TokenBudget) -> None:
        self.kit = kit
        self.budget = budget

    def outline(self, brief: Brief, examples: Sequence[Example] = ()) -> Prompt:
        """Ask for the outline as JSON: title, opening gist, point headings, sub-points, lengths."""
        return self._speech("outline", brief, examples)

    def whole(self, brief: Brief, examples: Sequence[Example] = ()) -> Prompt:
        """Ask for the whole speech in one go (short types, or a model with a large window)."""
        return self._speech("whole", brief, examples)

    def section(
        self,
        brief: Brief,
        role: str,
        examples: Sequence[Example] = (),
        *,
        outline: str = "",
        point: int | None = None,
        heading: str = "",
        subpoints: Sequence[str] = (),
        gist: str = "",
        chars: int | None = None,
        items: str | None = None,
        piece: Piece | None = None,
    ) -> Prompt:
        """Ask for one part of the speech (one point when `point` is given, 1-based). An
        approved outline's entry is the plan: its gist, its length (`chars`) and as many
        items as it lists sub-points. With `piece`, ask for only that piece of the part:
        its lead, or one of its items (prompts/piece.md)."""
        skeleton = self.kit.types.get(brief.speech_type)
        view, part = skeleton_view(skeleton, brief), _part(skeleton, brief, role, point)
        if chars:
            part["chars"] = chars
        if items and items != part["enumeration"]:  # the speaker's habit (一要 for 一是)
            part["enumeration"] = items
            count = None if skeleton.section(role).numbering == "points" else part["count"]
            part["item_style"] = style_name(items, count)
        if subpoints:
            part["count"] = len(subpoints)
            part["item_style"] = style_name(part["enumeration"], len(subpoints))
        facts = replace(brief_facts(brief, skeleton, self._facts_of(role), point), one_part=True)
        task = {
            "point": point or 0,
            "heading": heading,
            "subpoints": list(subpoints),
            "gist": "" if gist in (heading, part["purpose"]) else gist,
        }
        kind = "section" if piece is None else "piece"
        if piece is None:
            shown = {}
        else:
            owned = item_facts(subpoints, facts, self.kit.background)
            shown = {"piece": piece_view(piece, list(subpoints), owned)}

        def build(kept: list[Example]) -> list[Message]:
            return self._messages(
                kind,
                skeleton=view,
                part=part,
                facts=facts,
                examples=kept,
                outline=outline,
                task=task,
                **shown,
            )

        return self.fit(kind, build, examples)

    def repair(
        self,
        brief: Brief,
        role: str,
        text: str,
        problems: Sequence[str],
        *,
        point: int | None = None,
        heading: str = "",
        chars: int | None = None,
    ) -> Prompt:
        """Ask to rewrite one failing part, listing what the scorer found wrong."""
        if not problems:
            raise PromptError("修改提示词至少需要一条问题")
        skeleton = self.kit.types.get(brief.speech_type)
        view, part = skeleton_view(skeleton, brief), _part(skeleton, brief, role, point)
        if chars:
            part["chars"] = chars
        facts = replace(brief_facts(brief, skeleton, self._facts_of(role), point), one_part=True)
        task = {"point": point or 0, "heading": heading, "subpoints": []}

        def build(kept: list[Example]) -> list[Message]:
            return self._messages(
                "repair",
                skeleton=view,
                part=part,
                facts=facts,
                draft=text,
                problems=list(problems),
                task=task,
            )

        return self.fit("repair", build, ())

    def judge(self, brief: Brief, draft: str) -> Prompt:
        """Ask for a review of a draft's substance: five aspects, each scored with a quote."""
        skeleton = self.kit.types.get(brief.speech_type)
        view, facts = skeleton_view(skeleton, brief), brief_facts(brief, skeleton)

        def build(kept: list[Example]) -> list[Message]:
            return self._messages("judge", skeleton=view, facts=facts, draft=draft)

        return self.fit("judge", build, ())

    def fit(
        self,
        kind: str,
        build: Callable[[list[Example]], list[Message]],
        examples: Sequence[Example],
    ) -> Prompt:
        """Render with as much of the examples as fits the budget."""
        counter, budget = self.budget.counter, self.budget.limit
        kept, cut = list(examples), list[str]()
        while True:
            messages = build(kept)
            tokens = counter.count_messages(messages)
            if tokens <= budget:
                break
            if not kept:
                raise PromptTooLong(
                    f"简报过长：不带范文的提示词也有 {tokens} 个 token，超过预算 {budget}（上下文"
                    f" {self.budget.context_window} − 预留输出 {self.budget.output_reserve}）；"
                    "请精简简报",
                    field="brief",
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
            scrubbed=sorted({w for e in examples for w in e.removed or ()}),
        )

    def _facts_of(self, role: str) -> tuple[str, ...]:
        return self.kit.roles.spec(role).facts if role in self.kit.roles else ()

    def _speech(self, kind: str, brief: Brief, examples: Sequence[Example]) -> Prompt:
        """A prompt about the whole speech: the sized skeleton, all the brief, the examples."""
        skeleton = self.kit.types.get(brief.speech_type)
        view = skeleton_view(skeleton, brief, voice_items(examples))
        facts = brief_facts(brief, skeleton)
        title = skeleton.title_for(brief)
        formulas = kind == "whole"  # one call writes them too; otherwise the program does

        roles = expected_roles(brief, skeleton)
        optional = [s.role for s in skeleton.sections if s.optional and s.role in roles]

        def build(kept: list[Example]) -> list[Message]:
            return self._messages(
                kind, skeleton=view, facts=facts, examples=kept, title=title, formulas=formulas,
                roles=roles, optional=optional,
            )  # fmt: skip

        return self.fit(kind, build, examples)

    def _messages(self, kind: str, **context: Any) -> list[Message]:
        templates = self.kit.templates
        return [
            {"role": "system", "content": templates.render("system.md")},
            {"role": "user", "content": templates.render(f"{kind}.md", **context)},
        ]


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
