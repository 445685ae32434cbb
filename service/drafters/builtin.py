"""The built-in drafter: a complete, deterministic draft with no model at all.

The outline comes from the brief (service.pipeline.outline.derive_outline); each part is
composed from the brief's facts, the part's required phrases, the sentences of
prompts/phrasebank.yaml for the part's role, and at most two short sentences of
its aligned example sections (service.drafters.compose and .exemplars). Every
response names it (`drafter: "builtin"`, `model: null`) so no one mistakes it
for a model's work.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import replace

from service.corpus.records import SECTION_LABELS
from service.cpu import run_cpu
from service.drafters.base import PartJob
from service.drafters.compose import (
    COMMON_ROLES,
    ITEMS_PER_POINT,
    KIN,
    LABELLED_ROLES,
    POINT_ROLES,
    Body,
    Item,
    Picker,
    agenda_of,
    brief_point,
    budget,
    chinese_n,
    comrade,
    fact_home,
    is_brief_fact,
    item_key,
    marker,
    owner_group,
    sentence,
    slot_values,
)
from service.drafters.exemplars import Borrowing, borrowable, stable_hash
from service.drafters.fields import FILLER_SHARE, field_lines, rebalanced
from service.drafters.revise import feedback_wish, revise, shorten
from service.knowledge.kit import Kit
from service.knowledge.phrasebank import Phrasebank, Rules, render
from service.knowledge.skeletons import Skeleton
from service.pipeline.assembly import assemble
from service.pipeline.outline import Outline, derive_outline, outline_text
from service.retrieval.examples import Example
from service.schemas import AgendaItem, Brief

_CHUNKS = 4  # a body is streamed in about this many pieces
MAX_SUPPORTS = 6  # sentences added under one item before the part's general sentences


class BuiltinDrafter:
    """Writes outlines and parts from the brief and the phrasebank: same brief, same text."""

    name = "builtin"
    model: str | None = None
    writes_pieces = False  # it writes a whole part in milliseconds: nothing to gain

    def __init__(self, kit: Kit) -> None:
        self.kit = kit
        self.phrasebank: Phrasebank = kit.phrasebank
        self._vocabulary: frozenset[str] | None = None
        self._turns: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = (
            weakref.WeakKeyDictionary()
        )

    def borrowing(self, brief: Brief) -> Borrowing:
        """What a borrowed example sentence is held to: the words it may use (the phrasebank's,
        the lexicon's and the brief's) and the phrasebank's own rules."""
        segmenter = self.kit.segmenter
        if self._vocabulary is None:
            texts = [entry for _, entry in self.phrasebank.entries()]
            self._vocabulary = segmenter.vocabulary([*texts, *self.kit.lexicon.canonical_terms])
        rules = Rules(self.kit.roles, frozenset(self.kit.types.values), self.kit.lexicon)
        words = self._vocabulary | segmenter.vocabulary([brief.fact_text()])
        return Borrowing(words, segmenter, rules)

    async def outline(
        self,
        brief: Brief,
        skeleton: Skeleton,
        examples: Sequence[Example],
        on_text: Callable[[str], None] | None = None,
    ) -> Outline:
        """The outline derived from the brief and the skeleton (examples are not needed)."""
        outline = rebalanced(derive_outline(brief, skeleton), brief, skeleton, self.kit)
        if on_text is not None:
            on_text(outline_text(outline))
        return outline

    async def write_part(self, job: PartJob) -> AsyncIterator[str]:
        """Stream the body of one part in a few pieces (revised, when the user asked). The
        writing runs off the event loop, one part at a time per drafter: the parts of a draft
        share the sentences already used, and must not pick the same one at once."""
        async with self._turn():
            text = await run_cpu(self._body, job)
        for piece in _pieces(text):
            yield piece

    def _turn(self) -> asyncio.Lock:
        loop = asyncio.get_running_loop()
        lock = self._turns.get(loop)
        if lock is None:
            lock = self._turns[loop] = asyncio.Lock()
        return lock

    def _body(self, job: PartJob) -> str:
        if job.instruction and job.previous:
            return self.revised(job)
        if job.feedback and job.previous:
            return self.repaired(job)
        return self.compose(job)

    def repaired(self, job: PartJob) -> str:
        """A part the repair loop faulted: length faults trim or grow it, others recompose it."""
        wish, size = feedback_wish(list(job.feedback))
        if wish == "shorter":
            return shorten(job.previous, job.brief, size)
        if wish == "longer":
            return self._longer(job, 1.5)
        return self.compose(job)

    def _longer(self, job: PartJob, factor: float) -> str:
        parts = list(job.outline.parts)
        parts[job.index] = job.part.model_copy(update={"chars": int(job.part.chars * factor)})
        outline = job.outline.model_copy(update={"parts": parts})
        return self.compose(replace(job, outline=outline))

    def revised(self, job: PartJob) -> str:
        """The previous body changed as the instruction asks, as far as it is understood."""

        def longer() -> str:
            return self._longer(job, 1.5)

        revision = revise(job.previous, job.instruction, job.brief, self.phrasebank, longer)
        if not revision.understood:
            job.notes.append(
                f"内置起草器只能按“精炼”“充实”“增加某方面内容”修改，未能理解“{job.instruction}”，"
                "该部分保持原样；配置大模型后可按任意要求修改"
            )
        return revision.text

    async def write_whole(
        self, brief: Brief, skeleton: Skeleton, outline: Outline, examples: Sequence[Example]
    ) -> AsyncIterator[str]:
        """The whole speech: every part composed in order, then assembled by code."""
        used: set[str] = set()
        phrases = _phrases_by_part(brief, outline)
        bodies = []
        for index, part in enumerate(outline.parts):
            label = SECTION_LABELS[skeleton.section(part.role).record_role]
            aligned = [_only(example, label) for example in examples]
            job = PartJob(
                brief, skeleton, outline, index, aligned, phrases.get(index, ()), used=used
            )
            bodies.append(self.compose(job))
        for piece in _pieces(assemble(outline, bodies, skeleton).text):
            yield piece

    def compose(self, job: PartJob) -> str:
        """The body of one part, and its sentences recorded in job.used."""
        composer = Composer(job, self.kit, self.borrowing(job.brief))
        return composer.compose()


class Composer:
    """Writes one part: the frame (open, facts, items, close), phrases, borrowed lines, fill."""

    def __init__(self, job: PartJob, kit: Kit, borrowing: Borrowing) -> None:
        self.job = job
        self.kit = kit
        self.bank = kit.phrasebank
        self.borrowing = borrowing
        self.role = job.part.role
        self.opens = kit.roles.with_flag("opens")
        self.closes = kit.roles.with_flag("closes")
        self.picker = Picker(job, self.bank, slot_values(job))
        self.fields = field_lines(job, kit)
        self.budget = job.size or budget(job)
        self.filler = 0  # characters of the phrasebank's general lines taken so far
        self.body = Body()
        lead = job.section.lead or ""
        # After a lead ending in “：” (主要有以下四个特点：) the items must follow at once.
        self.closed_intro = (lead.endswith("：") and "……" not in lead) or self.role == "wrapup"

    def compose(self) -> str:
        self._frame()
        self._phrases()
        self._opener_and_closer()
        self._borrow()
        self._fill()
        text = self.body.render()
        self.job.used.update(self.picker.written)
        return text

    def room(self) -> int:
        return self.budget - self.body.chars()

    def pools(self, group: str) -> list[list[str]]:
        """The role's own sentences, then its kin's, then (for directive parts) common ones."""
        pools = [self.picker.pool(group)]
        if group in ("support", "body"):
            pools += [self.picker.pool(group, kin) for kin in KIN.get(self.role, ())]
        if self.role in COMMON_ROLES and group in ("support", "body"):
            pools.append(self.picker.pool("common"))
        return pools

    def field_pools(self, group: str) -> list[list[str]]:
        """The brief's field's sentences this part may say, for a phrasebank group: they go
        before the phrasebank's, which say nothing of the field."""
        fields = self.fields
        if group == "item":
            return [fields.items]
        if group == "support":
            return [fields.directive()]
        if group == "body":
            return [fields.directive(), fields.opening, fields.closing]
        return []

    def take(self, group: str, room: int, about: str = "", **extra: str) -> str | None:
        """A sentence of the field if one fits, else of the phrasebank: its general lines
        (body, support) only while this part's small filler allowance lasts."""
        found = self.picker.take(self.field_pools(group), room, about, **extra)
        if found is not None:
            return found
        filler = group in ("body", "support")
        found = self.picker.take(
            self.pools(group), min(room, self._filler_room()) if filler else room, about, **extra
        )
        if found is not None and filler:
            self.filler += len(found)
        return found

    def _filler_room(self) -> int:
        """General lines may make up FILLER_SHARE of the part, never more: they follow what
        the part has to say, they do not replace it."""
        content = self.body.chars() - self.filler
        return max(0, int(content * FILLER_SHARE / (1 - FILLER_SHARE)) - self.filler)

    def extra(self) -> list[str]:
        """Where sentences beyond the frame go: the intro, or after the items."""
        return self.body.outro if self.closed_intro else self.body.intro

    # The frame: what every draft of this part must say.

    def _frame(self) -> None:
        """Facts, items and the lines the form needs (今天召开…, 让我们…, 散会, 请…放心)."""
        if self.role == "attendance":
            self.body.intro.append(self._attendees())
        self._facts()
        self.body.items = self._items()
        self.body.inline_items = self.role == "agenda"
        if self.role == "wrapup" and self.body.items:
            self._add(self.body.intro, "open", n=chinese_n(len(self.body.items)))
        elif self.role in self.opens:
            self._add(self.body.intro, "open")
            self._name_the_organization()
        if self.role in self.closes:
            self._add(self.body.close, "close")

    def _name_the_organization(self) -> None:
        """The opening part says who holds the meeting (or for whom the speaker speaks)."""
        org = self.job.brief.organization
        if not org or self.job.index != self._first_opener() or org in self.body.render():
            return
        for group, target in (("open", self.body.intro), ("close", self.body.close)):
            pools = [[t for t in pool if "{org}" in t] for pool in self.pools(group)]
            found = self.picker.take(pools, 10_000)
            if found is not None:
                target.append(found)
                return

    def _first_opener(self) -> int:
        parts = self.job.outline.parts
        return next((i for i, p in enumerate(parts) if p.role in self.opens), 0)

    def _opener_and_closer(self) -> None:
        """A part's own opener and closer, when the part has room for them."""
        if not self.closed_intro and self.role not in self.opens | {"attendance", "wrapup"}:
            self._add(self.body.intro, "open", room=self.room())
        if self.role not in self.closes:
            self._add(self.body.close, "close", room=self.room())

    def _add(self, target: list[str], group: str, room: int = 10_000, **extra: str) -> None:
        found = self.picker.take(self.pools(group), room, **extra)
        if found is None:
            return
        if target is self.body.intro:
            target.insert(0, found)
        else:
            target.append(found)

    def _facts(self) -> None:
        """Achievements and problems, where this type has no part that lists them."""
        brief, skeleton = self.job.brief, self.job.skeleton
        for kind, facts, group in (
            ("achievements", brief.achievements, "recap"),
            ("problems", brief.problems, "concern"),
        ):
            if not facts or fact_home(skeleton, kind) != self.role:
                continue
            if any(text in self.job.part.subpoints for text in facts):
                continue  # they are this part's items
            joined = "；".join(sentence(text).rstrip("。") for text in facts)
            pools = [list(self.bank.group(brief.speech_type, self.role, group))]
            pools.append(list(self.bank.group(brief.speech_type, "opening", group)))
            found = self.picker.take_fact(pools, joined)
            self.body.facts.append(found or sentence(joined))

    def _attendees(self) -> str:
        attendees = [sentence(a).rstrip("。") for a in self.job.brief.attendees]
        if attendees:
            return "，".join(attendees) + "。"
        return self.picker.take([self.picker.pool("open")], 10_000) or ""

    def _items(self) -> list[Item]:
        heads = self._heads()
        style = self.job.items
        if style != self.job.section.items and not all(h[0].startswith("要") for h, _ in heads):
            # the speaker's 一要 reads only before a call to act (要…); a brief's own detail
            # (护林员巡护轨迹每周抽查) keeps the type's 一是
            style = self.job.section.items
        count = len(heads)
        items = []
        for index, (head, key) in enumerate(heads):
            if style == "enum_yao":
                head = [head[0].removeprefix("要"), *head[1:]]
            items.append(Item(marker(style, self.role, index, count), head, key))
        if self.role == "agenda" and items:
            for item in items[:-1]:
                item.head[-1] = item.head[-1].rstrip("。") + "；"
        return items

    def _heads(self) -> list[tuple[list[str], str]]:
        """Each item's sentences and key phrase, from the brief where it has them."""
        role, part = self.role, self.job.part
        if role == "points":
            point = brief_point(self.job)
            details = part.subpoints or (point.details if point else [])
            texts = [sentence(d) for d in details]
            return [([t], item_key(t)) for t in texts] or self._bank_items(ITEMS_PER_POINT)
        if role in ("agenda", "handover"):
            return self._agenda_heads()
        if role in POINT_ROLES:
            return self._point_heads()
        if role in LABELLED_ROLES or role in ("problems", "lessons"):
            return self._fact_heads()
        return []

    def _fact_heads(self) -> list[tuple[list[str], str]]:
        heads = []
        for text in self.job.part.subpoints:
            head = [sentence(text)]
            if self.role in LABELLED_ROLES and is_brief_fact(text, self.job.brief):
                label = self.picker.take([self.picker.pool("item")], 40, about=text)
                head = [label, *head] if label else head
            heads.append((head, item_key(text)))
        return heads or self._bank_items(self._planned_count())

    def _point_heads(self) -> list[tuple[list[str], str]]:
        points = {p.title: p for p in self.job.brief.points}
        heads = []
        for title in self.job.part.subpoints:
            point = points.get(title)
            details = [sentence(d) for d in point.details] if point else []
            heads.append(([sentence(title), *details], item_key(title)))
        return heads or self._bank_items(self._planned_count())

    def _agenda_heads(self) -> list[tuple[list[str], str]]:
        agenda = agenda_of(self.job)
        if agenda is None:
            return [([sentence(text)], item_key(text)) for text in self.job.part.subpoints]
        verb = "请" if self.role == "handover" else ""
        return [([sentence(_agenda_line(verb, a))], a.speaker) for a in agenda]

    def _bank_items(self, count: int) -> list[tuple[list[str], str]]:
        """Items for a part the brief gives none: the field's that fit the heading best,
        else the phrasebank's."""
        heads = []
        about = self.job.part.heading
        for _ in range(count):
            found = self.picker.take(self.field_pools("item"), 10_000, about)
            found = found or self.picker.take([self.picker.pool("item")], 10_000)
            if found is None:
                break
            found = found.removeprefix("要")  # the marker (一是) says it is a task
            heads.append(([found], item_key(found)))
        return heads

    def _planned_count(self) -> int:
        plan = self.job.skeleton.plan(self.job.brief)
        planned = next((p for p in plan if p.section.role == self.role), None)
        return (planned.count if planned else None) or ITEMS_PER_POINT

    # Required phrases and borrowed example sentences.

    def _phrases(self) -> None:
        """Each required phrase in a sentence of its own, verbatim, in the speaker's voice."""
        target = self.extra()
        for phrase in self.job.phrases:
            for template in self._phrase_templates(phrase):
                text = render(template, {**self.picker.values, "phrase": phrase})
                if text and not self.picker.repeats(text):
                    self.picker.written.add(text)
                    target.insert(1 if target is self.body.intro else len(target), text)
                    break

    def _phrase_templates(self, phrase: str) -> list[str]:
        """The phrase's own sentences before the generic ones; “我们…” first where we pledge."""
        bank = self.bank
        ordered: list[str] = []
        for group in (bank.phrases.get(phrase, ()), bank.phrases_generic):
            templates = list(group)
            if not templates:
                continue
            start = stable_hash(f"{self.job.brief.meeting}|{phrase}") % len(templates)
            ordered += templates[start:] + templates[:start]
        if self.role in self.kit.roles.with_flag("first_person"):
            ordered.sort(key=lambda t: not t.startswith("我们"))
        return ordered

    def _borrow(self) -> None:
        owner, owners = owner_group(self.job)
        register = self.job.skeleton.kind
        examples = [e for e in self.job.examples if self._register_of(e) == register]
        found = borrowable(
            examples,
            self.role,
            self.borrowing,
            owner=owner,
            owners=owners,
            used=self.picker.written,
        )
        for text in found:
            if len(text) <= self.room():
                self.extra().append(text)
                self.picker.written.add(text)

    def _register_of(self, example: Example) -> str:
        """The register an example is written in: a speech, a presiding text, a pledge …"""
        types = self.kit.types
        kind = example.speech_type
        return types.get(kind).kind if kind and kind in types else "speech"

    # Fill: supports under the items first, then body sentences, until the budget is met.

    def _fill(self) -> None:
        self._supports(rounds=MAX_SUPPORTS)
        self._bodies()

    def _supports(self, rounds: int) -> None:
        items = self.body.items
        if self.role == "handover":
            items, rounds = items[:-1], 1  # one bridge after each speaker but the last
        for _ in range(rounds):
            added = False
            for item in items:
                extra = {"item": item.key}
                if self.role == "handover":
                    extra["speaker"] = comrade(item.key)
                about = "".join(item.head)
                found = self.take("support", self.room(), about, **extra)
                if found:
                    item.supports.append(found)
                    added = True
            if not added:
                return

    def _bodies(self) -> None:
        target = self.extra()
        if self.body.items and not self.closed_intro:
            target = self.body.intro if len(self.body.intro) < 3 else self.body.outro
        about = self.job.part.heading or self.job.brief.purpose or ""
        while (found := self.take("body", self.room(), about)) is not None:
            target.append(found)
            if target is self.body.intro and len(target) >= 3 and self.body.items:
                target = self.body.outro


def _agenda_line(verb: str, item: AgendaItem) -> str:
    """请县长张明同志讲话; an item with no one named: 进行交流发言."""
    who = comrade(item.speaker)
    return f"{verb}{who}{item.topic}" if who else f"进行{item.topic}"


def _pieces(text: str) -> list[str]:
    """The text in about _CHUNKS pieces, cut at line ends (streaming shows progress)."""
    lines = text.split("\n")
    size = max(1, -(-len(lines) // _CHUNKS))
    groups = ["\n".join(lines[i : i + size]) for i in range(0, len(lines), size)]
    return [g + "\n" if i < len(groups) - 1 else g for i, g in enumerate(groups)]


def _only(example: Example, label: str) -> Example:
    """An example with only its sections of one kind (开场, 分点 …)."""
    return replace(example, sections=tuple(s for s in example.sections if s.label == label))


def _phrases_by_part(brief: Brief, outline: Outline) -> dict[int, list[str]]:
    """Required phrases spread over the numbered parts in turn (the opening when none)."""
    numbered = [i for i, part in enumerate(outline.parts) if part.heading] or [0]
    assigned: dict[int, list[str]] = {}
    for turn, phrase in enumerate(brief.required_phrases):
        assigned.setdefault(numbered[turn % len(numbered)], []).append(phrase)
    return assigned
