"""The drafting pipeline: brief → examples → outline → parts → assembly → score → repair.

`Pipeline.events` yields what happens as it happens (for Server-Sent Events);
`Pipeline.draft` runs the same steps and returns the finished draft. Each step
is one call with typed data; no step reaches back into an earlier one.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, Field

from service import metrics
from service.config import DraftMode
from service.cpu import run_cpu
from service.drafters.base import TRUNCATED, Drafter, PartJob, Piece, TextSink
from service.errors import InputError, JianggaoError, OutlineMismatch, UpstreamTimeout
from service.knowledge.kit import Kit
from service.knowledge.skeletons import STYLE_NAMES, Skeleton
from service.llm import UsageTally, track_usage
from service.logs import get_logger, log_event
from service.pipeline.assembly import (
    PROGRAM_PARTS,
    Assembled,
    AssembledSection,
    assemble,
    items_written,
    numbered_parts,
)
from service.pipeline.cleanup import clean_body, clean_text
from service.pipeline.judge import Judge
from service.pipeline.outline import (
    Outline,
    OutlinePart,
    dated,
    derive_outline,
    validate_outline,
)
from service.pipeline.outline_stream import OutlineStream
from service.pipeline.pieces import PieceOrder, join_pieces, plan_pieces
from service.pipeline.repair import length_requests
from service.retrieval.examples import Example, examples_from_hits
from service.retrieval.floor import (
    CANDIDATES_PER_EXAMPLE,
    VOICE_LABELS,
    ExampleFloor,
    Judged,
    voice_items,
)
from service.retrieval.index import CorpusIndex, Hit, brief_query
from service.schemas import Brief, DraftSection, ExampleRef, UsageReport
from service.scoring import Report, Scorer
from service.scoring.context import PartScope
from service.text.normalise import count_chars
from service.text.overlap import ExampleIndex
from service.text.structure import parse_speech, split_sentences

log = get_logger(__name__)
Mode = DraftMode
EXAMPLES_PER_DRAFT = 3
EXAMPLES_PER_PART = 2
NO_CLOSE_EXAMPLE = "语料库里没有与这次会议领域或内容相近的范文，按结构要求起草，未使用范文"


class Draft(BaseModel):
    """A finished draft as the API returns and the store keeps it."""

    id: str
    version: int = 1
    title: str
    text: str
    sections: list[DraftSection]
    outline: Outline
    examples: list[ExampleRef]
    report: Report
    drafter: str
    model: str | None
    mode: Mode
    usage: UsageReport
    timings_ms: dict[str, int]
    notes: list[str] = Field(default_factory=list)
    created_at: datetime


@dataclass(frozen=True)
class DraftEvent:
    """One step of a draft in progress: outline, section.delta, section.done, report, done."""

    event: str
    data: dict[str, Any]


@dataclass
class _Run:
    """What one draft accumulates on its way through the pipeline."""

    brief: Brief
    skeleton: Skeleton
    outline: Outline | None = None
    hits: list[Hit] = field(default_factory=list)
    part_hits: list[list[Hit]] = field(default_factory=list)
    part_examples: list[list[Example]] = field(default_factory=list)
    example_index: ExampleIndex | None = None
    examples: list[Example] = field(default_factory=list)
    floor: ExampleFloor | None = None
    voice_items: str | None = None  # the speaker's own item style, when their speeches show it
    bodies: list[str] = field(default_factory=list)
    phrases: dict[int, list[str]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    timings: dict[str, int] = field(default_factory=dict)
    used: set[str] = field(default_factory=set)
    truncated: set[int] = field(default_factory=set)
    repair_rounds: int = 0
    fallbacks: list[str] = field(default_factory=list)  # what the pipeline did in place of a step
    whole: str = ""
    result: tuple[Assembled, Report] | None = None


class Pipeline:
    """Holds what is built once (drafter, corpus index, scorer); drafts any number of briefs."""

    def __init__(
        self,
        kit: Kit,
        drafter: Drafter,
        index: CorpusIndex | None,
        scorer: Scorer,
        *,
        repair_rounds: int = 2,
        deadline_s: float = 600.0,
        judge: Judge | None = None,
    ) -> None:
        self.kit = kit
        self.drafter = drafter
        self.index = index
        self.scorer = scorer
        self.repair_rounds = repair_rounds
        self.deadline_s = deadline_s
        self.judge = judge

    def with_index(self, index: CorpusIndex | None) -> Pipeline:
        """The same pipeline drafting from another corpus view (e.g. one speech left out)."""
        return Pipeline(
            self.kit,
            self.drafter,
            index,
            self.scorer,
            repair_rounds=self.repair_rounds,
            deadline_s=self.deadline_s,
            judge=self.judge,
        )

    async def outline(self, brief: Brief) -> tuple[Outline, list[str]]:
        """Just the outline, for a leader to approve before drafting (POST /v1/outlines)."""
        run = self._start(brief)
        async with self._deadline(self._deadline_at()):
            await run_cpu(self._retrieve, run)
            await self._outline(run, None)
        assert run.outline is not None
        return run.outline, run.notes

    def _deadline_at(self) -> float:
        """When a draft begun now must be done, on the event loop's clock: computed once."""
        return asyncio.get_running_loop().time() + self.deadline_s

    @asynccontextmanager
    async def _deadline(self, when: float) -> AsyncIterator[None]:
        """Every await inside ends at `when`: a silent model is cut off mid-call, not after
        its read timeout and retries; the caller gets UpstreamTimeout."""
        try:
            async with asyncio.timeout_at(when):
                yield
        except TimeoutError:
            raise UpstreamTimeout(
                f"起草超过 {self.deadline_s:g} 秒仍未完成，已停止；可稍后重试或减少目标字数"
            ) from None

    async def draft(
        self, brief: Brief, outline: Outline | None = None, mode: Mode = "parallel"
    ) -> Draft:
        """Run every step and return the finished draft."""
        result: Draft | None = None
        async for event in self.events(brief, outline, mode):
            if event.event == "done":
                result = Draft.model_validate(event.data)
        assert result is not None
        return result

    async def events(
        self, brief: Brief, outline: Outline | None = None, mode: Mode = "parallel"
    ) -> AsyncIterator[DraftEvent]:
        """The draft as a stream of events; errors propagate to the caller.

        A draft that is still streaming after `deadline_s` (a model trickling tokens,
        endless repairs) ends with UpstreamTimeout rather than holding the caller forever.
        """
        started = time.perf_counter()
        deadline = self._deadline_at()
        if mode == "subpoints" and not self.drafter.writes_pieces:
            mode = "parallel"  # the built-in drafter writes a part in milliseconds, whole
        with track_usage() as usage:
            run = self._start(brief)
            steps = aiter(self._steps(run, outline, mode))
            try:
                while True:  # every await of every step runs under the one deadline
                    async with self._deadline(deadline):
                        event = await anext(steps, None)
                    if event is None:
                        break
                    yield event
            except JianggaoError as exc:
                self._log_failure(run, exc, mode, usage, started)
                raise
            assert run.result is not None
            assembled, report = run.result
            report = await self._reviewed(run, assembled.text, report, started)
            run.timings["total"] = _ms(started)
            draft = self._finish(run, assembled, report, usage, mode)
        self._log_draft(run, draft)
        yield DraftEvent("done", draft.model_dump(mode="json"))

    def _log_draft(self, run: _Run, draft: Draft) -> None:
        """One line per finished draft: what it was, what drafted it, how long, at what cost."""
        log_event(
            log,
            "draft",
            id=draft.id,
            type=run.brief.speech_type,
            drafter=draft.drafter,
            model=draft.model,
            mode=draft.mode,
            chars=draft.report.structure.chars,
            score=draft.report.score,
            passed=draft.report.passed,
            failed=[c.name for c in draft.report.failed],
            repair_rounds=run.repair_rounds,
            fallbacks=run.fallbacks,
            examples=len(draft.examples),
            timings_ms=draft.timings_ms,
            usage=draft.usage.model_dump(),
        )
        log_event(log, "draft.brief", logging.DEBUG, id=draft.id, brief=run.brief.model_dump())
        usage = draft.usage
        metrics.record_draft(
            run.brief.speech_type,
            draft.drafter,
            draft.report.passed,
            draft.report.score,
            draft.timings_ms,
            usage.calls,
            usage.failed_calls,
            {"prompt": usage.prompt_tokens, "completion": usage.completion_tokens},
        )

    def _log_failure(
        self, run: _Run, error: JianggaoError, mode: Mode, usage: UsageTally, started: float
    ) -> None:
        log_event(
            log,
            "draft.failed",
            logging.WARNING,
            type=run.brief.speech_type,
            drafter=self.drafter.name,
            model=self.drafter.model,
            mode=mode,
            error=error.code,
            field=error.field,
            detail=error.detail[:200],
            elapsed_ms=_ms(started),
            model_calls=usage.calls,
            failed_calls=usage.failed_calls,
        )
        metrics.record_failure(
            run.brief.speech_type,
            self.drafter.name,
            error.code,
            usage.calls,
            usage.failed_calls,
            {"prompt": usage.prompt_tokens, "completion": usage.completion_tokens},
        )

    async def _steps(
        self, run: _Run, outline: Outline | None, mode: Mode
    ) -> AsyncIterator[DraftEvent]:
        """Retrieval, outline, parts, repair and scoring, as events; the result kept on run."""
        await run_cpu(self._retrieve, run)
        if mode == "single" and outline is None:
            outline = derive_outline(run.brief, run.skeleton)  # the one call writes it all
        if mode == "subpoints":  # the outline and the parts written at once
            async for event in self._outline_and_pieces(run, outline):
                yield event
        else:
            async for event in self._outline_events(run, outline):
                yield event
            yield DraftEvent("outline", self._outline_data(run))
        if mode == "single":
            async for event in self._write_single(run):
                yield event
            assembled = _parsed(run.whole)
        else:
            if mode == "parallel":
                async for event in self._write_parallel(run):
                    yield event
            assembled = await self._repair(run, mode)
        report = await run_cpu(self._score, run, assembled.text)
        run.result = (assembled, report)
        yield DraftEvent("report", report.model_dump(mode="json"))

    def _outline_data(self, run: _Run) -> dict[str, Any]:
        assert run.outline is not None
        return {"outline": run.outline.model_dump(), "notes": run.notes}

    async def _outline_and_pieces(
        self, run: _Run, given: Outline | None
    ) -> AsyncIterator[DraftEvent]:
        """The outline and the parts at once: a part is begun as soon as its entry has
        streamed, and written as its lead and items, each a call of its own. A part begun
        from an entry the finished outline changed is written again; the parts' text is held
        back until the outline is final, so a client sees the outline first, then each
        part in order."""
        started = time.perf_counter()
        writing = _Writing(run, self)
        stream = OutlineStream(run.brief, run.skeleton)

        def on_text(delta: str) -> None:
            writing.queue.put_nowait(DraftEvent("outline.delta", {"text": delta}))
            for index, part in stream.feed(delta):
                writing.begin_early(index, part)

        outline_task = asyncio.create_task(self._outline(run, given, on_text, parts=False))
        outline_task.add_done_callback(lambda _: writing.queue.put_nowait(_OUTLINE_DONE))
        try:
            while not writing.complete():
                item = await writing.queue.get()
                if item is _OUTLINE_DONE:
                    await outline_task
                    yield DraftEvent("outline", self._outline_data(run))
                    for event in writing.confirm():
                        yield event
                elif isinstance(item, _PartFinished):
                    for event in writing.finished(item):
                        yield event
                elif isinstance(item, DraftEvent):
                    yield item
        finally:
            outline_task.cancel()
            await writing.stop()
        run.timings["sections"] = _ms(started)

    async def _part_in_pieces(
        self,
        run: _Run,
        index: int,
        outline: Outline,
        phrases: list[str],
        send: TextSink,
        pending: frozenset[int] = frozenset(),
    ) -> _PartResult:
        """One part: its examples, then its pieces written at once (or the part whole, when it
        has no items to split), joined by code and cleaned."""
        hits, examples = await run_cpu(self._part_examples, run, outline.parts[index])
        job = self._job(
            run, index, outline=outline, examples=examples, phrases=phrases, pending=pending
        )
        pieces = plan_pieces(job)
        if not pieces:
            chunks = []
            async for delta in self.drafter.write_part(job):
                chunks.append(delta)
                send(delta)
            text = "".join(chunks)
        else:
            text = await self._pieces(job, pieces, send)
        return _PartResult(index, self._cleaned(job, text), job, hits, examples)

    async def _pieces(self, job: PartJob, pieces: list[Piece], send: TextSink) -> str:
        """Every piece of a part at once, passed on in order; joined behind code's markers."""
        order = PieceOrder(pieces, send)
        texts = [""] * len(pieces)

        async def write(position: int, piece: Piece) -> None:
            chunks: list[str] = []
            piece_job = replace(job, piece=piece, phrases=piece.phrases)
            async for delta in self.drafter.write_part(piece_job):
                chunks.append(delta)
                order.text(position, delta)
            texts[position] = "".join(chunks)
            order.finish(position)

        tasks = [asyncio.create_task(write(n, piece)) for n, piece in enumerate(pieces)]
        try:  # the first failure is the part's (not an ExceptionGroup); the rest are stopped
            await asyncio.gather(*tasks)
        finally:
            await _stopped(tasks)
        return join_pieces(pieces, [self._cleaned(job, text) for text in texts])

    async def regenerate(self, draft: Draft, brief: Brief, section: int, instruction: str) -> Draft:
        """A new version of the draft with one section (an index into draft.sections)
        written again to the user's instruction; InputError for sections code writes."""
        index = part_index(draft, section, self.kit.roles.label)
        started = time.perf_counter()
        async with self._deadline(self._deadline_at()):
            return await self._regenerate(draft, brief, index, section, instruction, started)

    async def _regenerate(
        self, draft: Draft, brief: Brief, index: int, section: int, instruction: str, started: float
    ) -> Draft:
        with track_usage() as usage:
            run = self._start(brief)
            run.outline = draft.outline
            await run_cpu(self._retrieve, run)
            run.bodies = _bodies_of(draft)
            run.phrases = assign_phrases(brief, draft.outline)
            await run_cpu(self._retrieve_parts, run)
            run.used.update(s for body in run.bodies for s in split_sentences(body))
            _release(run.used, run.bodies[index])
            job = self._job(run, index, previous=run.bodies[index], instruction=instruction)
            run.bodies[index] = await self._write_one(run, job)
            run.notes.append(f"按“{instruction}”重写了第 {section} 部分（{job.part.role}）")
            assembled = assemble(run.outline, run.bodies, run.skeleton)
            report = await run_cpu(self._score, run, assembled.text)
            report = await self._reviewed(run, assembled.text, report, started)
            run.timings["total"] = _ms(started)
            new = self._finish(run, assembled, report, usage, draft.mode)
        return new.model_copy(update={"id": draft.id, "version": draft.version + 1})

    async def _reviewed(self, run: _Run, text: str, report: Report, started: float) -> Report:
        """The report with the model's review beside the checks, when there is a judge: one
        call, within what is left of the deadline; a review that fails is left out, with a
        note (the draft and its checks stand)."""
        if self.judge is None:
            return report
        begun = time.perf_counter()
        left = self.deadline_s - (begun - started)
        try:
            review = await asyncio.wait_for(self.judge.review(run.brief, text), max(left, 1.0))
        except (JianggaoError, TimeoutError) as exc:
            detail = exc.detail if isinstance(exc, JianggaoError) else "超过起草时限"
            run.notes.append(f"模型评审没有完成（{detail[:80]}），报告只有规则检查的结果")
            return report
        finally:
            run.timings["judge"] = _ms(begun)
        return report.model_copy(update={"judge": review})

    def _start(self, brief: Brief) -> _Run:
        brief = self.kit.types.canonical(brief)
        return _Run(brief=brief, skeleton=self.kit.types.get(brief.speech_type))

    def _retrieve(self, run: _Run) -> None:
        started = time.perf_counter()
        if self.index is None:
            run.notes.append("没有可用的语料库索引，未使用范文")
        else:
            run.floor = ExampleFloor(self.kit, run.brief, brief_query(run.brief))
            wanted = EXAMPLES_PER_DRAFT * CANDIDATES_PER_EXAMPLE
            found = self.index.search_brief(run.brief, k=wanted)
            kept = run.floor.kept(found, EXAMPLES_PER_DRAFT)
            run.hits = [j.hit for j in kept]
            run.examples = examples_from_hits(
                run.hits, run.brief, self.kit.scrubber, voices=_voices(kept)
            )
            if found and not run.hits:
                run.notes.append(NO_CLOSE_EXAMPLE)
            run.voice_items = voice_items(run.examples)
            if run.voice_items and self.drafter.model is not None:  # a model rephrases items
                shown = STYLE_NAMES[run.voice_items]
                run.notes.append(f"按讲话人本人讲话的习惯，分条用{shown}")
        run.timings["retrieval"] = _ms(started)

    async def _outline_events(self, run: _Run, given: Outline | None) -> AsyncIterator[DraftEvent]:
        """Make the outline, passing on its text as the drafter writes it (outline.delta)."""
        queue: asyncio.Queue[str | None] = asyncio.Queue()
        task = asyncio.create_task(self._outline(run, given, queue.put_nowait))
        task.add_done_callback(lambda _: queue.put_nowait(None))
        try:
            while (text := await queue.get()) is not None:
                yield DraftEvent("outline.delta", {"text": text})
        finally:
            if not task.done():
                task.cancel()
        await task

    async def _outline(
        self,
        run: _Run,
        given: Outline | None,
        on_text: TextSink | None = None,
        *,
        parts: bool = True,
    ) -> None:
        started = time.perf_counter()
        if given is not None:
            run.outline = validate_outline(given.model_dump(), run.brief, run.skeleton)
            run.notes.append("按使用者提供的提纲起草")
        else:
            try:
                run.outline = await self.drafter.outline(
                    run.brief, run.skeleton, run.examples, on_text
                )
            except OutlineMismatch as exc:
                run.outline = derive_outline(run.brief, run.skeleton)
                run.fallbacks.append("outline")
                run.notes.append(f"模型提纲不合格式（{exc.detail}），改用按简报生成的提纲")
        run.outline = dated(run.outline, run.brief)
        run.phrases = assign_phrases(run.brief, run.outline)
        if parts:  # else each part finds its own examples as it is begun
            await run_cpu(self._retrieve_parts, run)
        run.timings["outline"] = _ms(started)

    def _retrieve_parts(self, run: _Run) -> None:
        """Aligned example sections for every part, scrubbed once (CPU work, run in a thread)."""
        assert run.outline is not None
        judged = [self._part_hits(run, part) for part in run.outline.parts]
        run.part_hits = [[j.hit for j in kept] for kept in judged]
        scrubber = self.kit.scrubber
        run.part_examples = [
            examples_from_hits(hits, run.brief, scrubber, voices=_voices(kept))
            for hits, kept in zip(run.part_hits, judged, strict=True)
        ]
        bare = sum(1 for hits in run.part_hits if not hits)
        if self.index is not None and run.hits and bare:
            run.notes.append(f"有 {bare} 个部分在语料库里没有相近的范文，按结构要求起草")

    def _part_examples(self, run: _Run, part: OutlinePart) -> tuple[list[Hit], list[Example]]:
        """One part's examples, found and scrubbed (CPU work, run in a thread)."""
        judged = self._part_hits(run, part)
        hits = [j.hit for j in judged]
        scrubber = self.kit.scrubber
        return hits, examples_from_hits(hits, run.brief, scrubber, voices=_voices(judged))

    def _part_hits(self, run: _Run, part: OutlinePart) -> list[Judged]:
        if self.index is None:
            return []
        role = run.skeleton.section(part.role).record_role
        point = next((p for p in run.brief.points if p.title == part.heading), None)
        found = self.index.sections_for(
            run.brief, role, point=point, k=EXAMPLES_PER_PART * CANDIDATES_PER_EXAMPLE
        )
        floor = run.floor or ExampleFloor(self.kit, run.brief, brief_query(run.brief))
        return floor.kept(found, EXAMPLES_PER_PART, part=True)

    def _job(
        self, run: _Run, index: int, outline: Outline | None = None, **changes: Any
    ) -> PartJob:
        """The job of writing part `index`: of the run's outline, its examples and phrases,
        unless given (a part begun from an outline still streaming)."""
        outline = outline or run.outline
        assert outline is not None
        known = {
            "examples": run.part_examples[index] if run.part_examples else [],
            "phrases": run.phrases.get(index, []),
        }
        return PartJob(
            brief=run.brief,
            skeleton=run.skeleton,
            outline=outline,
            index=index,
            used=run.used,
            voice_items=run.voice_items,
            **{**known, **changes},
        )

    async def _write_one(self, run: _Run, job: PartJob) -> str:
        chunks = [delta async for delta in self.drafter.write_part(job)]
        return self._finish_part(run, job, "".join(chunks))

    def _finish_part(self, run: _Run, job: PartJob, text: str) -> str:
        """The cleaned body; what the drafter noted about the part is kept with the run."""
        _keep_notes(run, job)
        return self._cleaned(job, text)

    def _cleaned(self, job: PartJob, text: str) -> str:
        """A part's text without the formulas the program writes itself."""
        numbered = numbered_parts(job.outline, job.skeleton)
        return clean_body(
            text,
            job.part.heading,
            keep_sign_off=job.index == len(job.outline.parts) - 1
            and not job.skeleton.formulas.sign_off,
            keep_transition=bool(numbered) and job.index > numbered[-1],
        )

    async def _write_parallel(self, run: _Run) -> AsyncIterator[DraftEvent]:
        """Every part at once; deltas are passed on as they arrive, in whatever order."""
        assert run.outline is not None
        started = time.perf_counter()
        queue: asyncio.Queue[DraftEvent | BaseException | None] = asyncio.Queue()
        count = len(run.outline.parts)
        run.bodies = [""] * count

        async def write(index: int) -> None:
            chunks: list[str] = []
            job = self._job(run, index)
            try:
                async for delta in self.drafter.write_part(job):
                    chunks.append(delta)
                    await queue.put(DraftEvent("section.delta", {"index": index, "text": delta}))
                body = self._finish_part(run, job, "".join(chunks))
                run.bodies[index] = body
                await queue.put(DraftEvent("section.done", {"index": index, "text": body}))
            except Exception as exc:  # handed to the consumer, which re-raises it
                await queue.put(exc)
            finally:
                await queue.put(None)

        tasks = [asyncio.create_task(write(i)) for i in range(count)]
        try:
            finished = 0
            while finished < count:
                item = await queue.get()
                if item is None:
                    finished += 1
                elif isinstance(item, BaseException):
                    raise item
                else:
                    yield item
        finally:
            await _stopped(tasks)
        run.timings["sections"] = _ms(started)

    async def _write_single(self, run: _Run) -> AsyncIterator[DraftEvent]:
        """One call writes the whole speech (for endpoints that dislike parallel calls)."""
        assert run.outline is not None
        started = time.perf_counter()
        chunks: list[str] = []
        whole = self.drafter.write_whole(run.brief, run.skeleton, run.outline, run.examples)
        async for delta in whole:
            chunks.append(delta)
            yield DraftEvent("section.delta", {"index": None, "text": delta})
        run.whole = "\n".join(clean_text("".join(chunks)))
        run.notes.append("单次调用模式：全文一次写成，按解析出的结构分段，不做分部分修改")
        run.timings["sections"] = _ms(started)

    async def _repair(self, run: _Run, mode: Mode) -> Assembled:
        """Write again the parts the part checks fault, at most `repair_rounds` times."""
        assert run.outline is not None
        started = time.perf_counter()
        examples = self._example_index(run)
        for round_number in range(1, self.repair_rounds + 1):
            faults = await run_cpu(self._faults, run, examples)
            if not faults:
                break
            for index in faults:  # a part being rewritten may use its own sentences again
                _release(run.used, run.bodies[index])
            jobs = [
                self._job(run, i, feedback=problems, previous=run.bodies[i])
                for i, problems in faults.items()
            ]
            bodies = await _gather_or_serial([self._write_one(run, j) for j in jobs], mode)
            for job, body in zip(jobs, bodies, strict=True):
                run.bodies[job.index] = body
            run.repair_rounds = round_number
            log_event(log, "draft.repair", round=round_number, parts=[i + 1 for i in faults])
            run.notes.append(f"第{round_number}轮修改：重写了第{_listing(faults)}部分")
        for index, problem in self._item_counts(run).items():
            run.notes.append(f"第{index + 1}部分：{problem.split('。')[0]}，修改后仍不一致")
        run.timings["repair"] = _ms(started)
        return assemble(run.outline, run.bodies, run.skeleton)

    def _faults(self, run: _Run, examples: ExampleIndex | None) -> dict[int, list[str]]:
        assert run.outline is not None
        faults: dict[int, list[str]] = {}
        for index, (part, body) in enumerate(zip(run.outline.parts, run.bodies, strict=True)):
            scope = PartScope(
                phrases=tuple(run.phrases.get(index, [])),
                planned_chars=part.chars,
                truncated=index in run.truncated,
            )
            problems = self.scorer.part_problems(
                body, brief=run.brief, part=scope, examples=examples
            )
            if problems:
                faults[index] = problems
        for index, problem in self._length_balance(run).items():
            faults.setdefault(index, []).append(problem)
        for index, problem in self._item_counts(run).items():
            faults.setdefault(index, []).append(problem)
        return faults

    def _item_counts(self, run: _Run) -> dict[int, str]:
        """Parts that set out more or fewer items than the outline lists sub-points: the
        approved outline is the plan (a part written as prose, with no items, is left be)."""
        assert run.outline is not None
        found: dict[int, str] = {}
        for index, (part, body) in enumerate(zip(run.outline.parts, run.bodies, strict=True)):
            planned = len(part.subpoints)
            enumerated = run.skeleton.section(part.role).items != "none"
            written = items_written(body)
            if planned >= 2 and enumerated and written and written != planned:
                found[index] = (
                    f"提纲给这一部分列了{planned}条分论点，正文写了{written}条。"
                    f"请按提纲的分论点逐条来写，写足{planned}条，不增不减。"
                )
        return found

    def _length_balance(self, run: _Run) -> dict[int, str]:
        assert run.outline is not None
        total = count_chars(assemble(run.outline, run.bodies, run.skeleton).text)
        planned = [part.chars for part in run.outline.parts]
        target = run.skeleton.target_chars(run.brief)
        return length_requests(run.bodies, planned, total, target)

    def _example_index(self, run: _Run) -> ExampleIndex | None:
        """Every example the drafter saw, as the originals, with the names scrubbed from them
        (so the scorer flags exactly those if they reach the draft); built once per run."""
        if run.example_index is None:
            names: dict[str, dict[str, None]] = {}
            first: dict[str, Example] = {}
            for example in [*run.examples, *(e for part in run.part_examples for e in part)]:
                first.setdefault(example.source_id, example)
                names.setdefault(example.source_id, {}).update(dict.fromkeys(example.removed or ()))
            shown = [replace(first[i], removed=tuple(names[i])) for i in first]
            run.example_index = ExampleIndex(shown) if shown else None
        return run.example_index

    def _score(self, run: _Run, text: str) -> Report:
        started = time.perf_counter()
        examples = self._example_index(run)
        report = self.scorer.score(text, brief=run.brief, examples=examples or ())
        run.timings["scoring"] = _ms(started)
        return report

    def _finish(
        self, run: _Run, assembled: Assembled, report: Report, usage: UsageTally, mode: Mode
    ) -> Draft:
        assert run.outline is not None
        run.notes += _short_of_content(report, self.drafter.name)
        run.notes += _unfollowed_notes(run.brief, self.drafter.name)
        return Draft(
            id=uuid.uuid4().hex,
            title=assembled.title,
            text=assembled.text,
            sections=[_section(s) for s in assembled.sections],
            outline=run.outline,
            examples=[_example_ref(hit) for hit in run.hits],
            report=report,
            drafter=self.drafter.name,
            model=self.drafter.model,
            mode=mode,
            usage=UsageReport(
                calls=usage.calls,
                failed_calls=usage.failed_calls,
                prompt_tokens=usage.prompt_tokens,
                completion_tokens=usage.completion_tokens,
                total_tokens=usage.total_tokens,
            ),
            timings_ms=run.timings,
            notes=run.notes,
            created_at=datetime.now(UTC),
        )


_OUTLINE_DONE = object()  # put on the queue when the outline task ends, however it ends


@dataclass(frozen=True)
class _PartResult:
    """A part written in sub-point mode, kept once its task is the one the outline confirms."""

    index: int
    body: str
    job: PartJob
    hits: list[Hit]
    examples: list[Example]


@dataclass(frozen=True)
class _PartFinished:
    index: int
    task: asyncio.Task[_PartResult]


class _Writing:
    """The parts of one sub-point draft in flight: begun early from the streamed outline,
    kept or begun again when the outline is final, their events held until then."""

    def __init__(self, run: _Run, pipeline: Pipeline) -> None:
        self.run = run
        self.pipeline = pipeline
        self.queue: asyncio.Queue[Any] = asyncio.Queue()
        self.tasks: dict[int, tuple[OutlinePart, list[str], asyncio.Task[_PartResult]]] = {}
        self.held: dict[asyncio.Task[_PartResult], list[DraftEvent]] = {}
        self.confirmed = False
        self.done: set[int] = set()
        self.provisional: Outline | None = None
        self.known: set[int] = set()  # parts whose outline entries have streamed

    def begin_early(self, index: int, part: OutlinePart) -> None:
        """Begin a part from its streamed entry, against the outline as known so far (the
        brief's own outline where the model has not got to yet)."""
        run = self.run
        if self.provisional is None:
            self.provisional = derive_outline(run.brief, run.skeleton)
        parts = list(self.provisional.parts)
        if index >= len(parts) or parts[index].role != part.role:
            return
        parts[index] = part
        self.provisional = self.provisional.model_copy(update={"parts": parts})
        self.known.add(index)
        phrases = assign_phrases(run.brief, self.provisional).get(index, [])
        pending = frozenset(range(len(parts))) - self.known
        self._begin(index, part, self.provisional, phrases, pending)

    def _begin(
        self,
        index: int,
        part: OutlinePart,
        outline: Outline,
        phrases: list[str],
        pending: frozenset[int] = frozenset(),
    ) -> None:
        def send(text: str) -> None:
            if text:
                self._emit(task, DraftEvent("section.delta", {"index": index, "text": text}))

        task = asyncio.create_task(
            self.pipeline._part_in_pieces(self.run, index, outline, phrases, send, pending)
        )
        self.held[task] = []
        self.tasks[index] = (part, phrases, task)
        task.add_done_callback(lambda t: self.queue.put_nowait(_PartFinished(index, t)))

    def _emit(self, task: asyncio.Task[_PartResult], event: DraftEvent) -> None:
        if self.confirmed:
            self.queue.put_nowait(event)
        else:
            self.held[task].append(event)

    def confirm(self) -> list[DraftEvent]:
        """The outline is final: keep each part begun from the entry it kept, begin the rest;
        return the kept parts' held events, in part order."""
        run = self.run
        assert run.outline is not None
        count = len(run.outline.parts)
        run.bodies = [""] * count
        run.part_hits = [[] for _ in range(count)]
        run.part_examples = [[] for _ in range(count)]
        events: list[DraftEvent] = []
        for index, part in enumerate(run.outline.parts):
            phrases = run.phrases.get(index, [])
            begun = self.tasks.get(index)
            if begun is not None and begun[:2] == (part, phrases):
                events.extend(self.held.pop(begun[2]))
                continue
            if begun is not None:
                begun[2].cancel()
            self._begin(index, part, run.outline, phrases)
        for begun in self.tasks.values():
            if begun[2].done():  # finished before the outline did: its done event is held
                events.extend(self._kept(begun[2]))
        self.confirmed = True
        return events

    def finished(self, item: _PartFinished) -> list[DraftEvent]:
        """A part's task ended: its result taken, when it is the part the outline confirmed."""
        if self.tasks[item.index][2] is not item.task:
            if not item.task.cancelled():
                item.task.exception()  # an early start the outline replaced: outcome unused
            return []
        return self._kept(item.task) if self.confirmed else []

    def _kept(self, task: asyncio.Task[_PartResult]) -> list[DraftEvent]:
        """Take a confirmed part's result into the run (raises what the task raised)."""
        result = task.result()
        if result.index in self.done:
            return []
        run = self.run
        self.done.add(result.index)
        _keep_notes(run, result.job)
        run.bodies[result.index] = result.body
        run.part_hits[result.index] = result.hits
        run.part_examples[result.index] = result.examples
        return [DraftEvent("section.done", {"index": result.index, "text": result.body})]

    def complete(self) -> bool:
        run = self.run
        return (
            self.confirmed and run.outline is not None and len(self.done) == len(run.outline.parts)
        )

    async def stop(self) -> None:
        await _stopped([begun[2] for begun in self.tasks.values()])


async def _stopped(tasks: Sequence[asyncio.Task[Any]]) -> None:
    """Cancel the tasks still running and wait until every one has ended."""
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


def _keep_notes(run: _Run, job: PartJob) -> None:
    """What the drafter noted about a part, kept with the run (a cut-short part is marked)."""
    if TRUNCATED in job.notes:
        run.truncated.add(job.index)
    else:
        run.truncated.discard(job.index)
    run.notes.extend(n for n in job.notes if n != TRUNCATED)


def _unfollowed_notes(brief: Brief, drafter: str) -> list[str]:
    """A model reads the brief's 其他说明 with the rest; the built-in drafter cannot, and says
    so rather than leave the writer to wonder."""
    if drafter != "builtin" or not brief.notes:
        return []
    return [
        f"内置起草器不能按“其他说明”改写（“{brief.notes[:60]}”），请在草稿上按说明修改，"
        "或配置大模型后重新起草"
    ]


def _short_of_content(report: Report, drafter: str) -> list[str]:
    """The built-in drafter does not pad: when the brief and its field gave too little for
    the target length, the draft is shorter and says why."""
    length = next((c for c in report.checks if c.name == "length"), None)
    if drafter != "builtin" or length is None or length.passed or "过短" not in length.detail:
        return []
    return [
        "内置起草器不用套话凑字数，按简报和所属工作领域的内容只写到这个篇幅；"
        "补充成绩、问题和要点细节，或配置大模型，可以写足目标字数"
    ]


def assign_phrases(brief: Brief, outline: Outline) -> dict[int, list[str]]:
    """Give each required phrase to one part: the part that already speaks of it, else the
    numbered parts in turn, else the opening; every phrase lands somewhere exactly once."""
    numbered = [i for i, p in enumerate(outline.parts) if p.heading] or [0]
    assigned: dict[int, list[str]] = {}
    turn = 0
    for phrase in brief.required_phrases:
        home = next((i for i, p in enumerate(outline.parts) if phrase in _words_of(p)), None)
        if home is None:
            home = numbered[turn % len(numbered)]
            turn += 1
        assigned.setdefault(home, []).append(phrase)
    return assigned


def _release(used: set[str], body: str) -> None:
    """Forget the sentences of a body that is about to be replaced."""
    used.difference_update({sentence for sentence in used if sentence in body})


def _words_of(part: OutlinePart) -> str:
    return part.heading + part.gist + "".join(part.subpoints)


def part_index(draft: Draft, section: int, label: Callable[[str], str]) -> int:
    """The outline part that draft.sections[section] is, or InputError saying why there is none."""
    if draft.mode == "single":
        raise InputError("单次调用模式的草稿不分部分，不能单独重写某一部分", field="index")
    count = len(draft.sections)
    if not 0 <= section < count:
        raise InputError(f"部分序号应在 0 到 {count - 1} 之间", field="index")
    role = draft.sections[section].role
    if role in PROGRAM_PARTS:
        raise InputError(
            f"第 {section} 部分（{label(role)}）由程序按格式写成，不需要重写", field="index"
        )
    return sum(1 for s in draft.sections[:section] if s.role not in PROGRAM_PARTS)


def _bodies_of(draft: Draft) -> list[str]:
    """The part bodies of a stored draft, in outline order (headings and fixed lines left out)."""
    return [s.text for s in draft.sections if s.role not in PROGRAM_PARTS]


def _section(section: AssembledSection) -> DraftSection:
    return DraftSection(role=section.role, heading=section.heading, text=section.text)


def _example_ref(hit: Hit) -> ExampleRef:
    record = hit.record
    return ExampleRef(id=record.id, title=record.title, score=round(hit.score, 4), why=hit.why)


def _listing(faults: dict[int, list[str]]) -> str:
    return "、".join(str(i + 1) for i in faults)


async def _gather_or_serial(calls: Sequence[Any], mode: Mode) -> list[str]:
    if mode != "single":
        return list(await asyncio.gather(*calls))
    return [await call for call in calls]


def _ms(started: float) -> int:
    return int((time.perf_counter() - started) * 1000)


def _parsed(text: str) -> Assembled:
    """A speech written in one piece, split into sections by the parser."""
    parsed = parse_speech(text)
    sections = [AssembledSection(s.role, s.heading, s.text) for s in parsed.sections]
    return Assembled(parsed.title or "", text, sections)


def _voices(kept: list[Judged]) -> list[str]:
    """Whose voice each kept example carries, as the prompt names it."""
    return [VOICE_LABELS[j.voice] for j in kept]
