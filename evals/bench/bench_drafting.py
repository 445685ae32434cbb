"""Benchmark: the three drafting modes against one another, through a paced fake model.

The fake OpenAI-compatible upstream (service/testing/fake_upstream.py) answers at a realistic
pace, first token after 0.5 s and then 40 tokens per second (a token per Chinese character,
ASCII punctuation runs merged as a BPE vocabulary merges them). A 3,000-字, three-point
work-meeting speech is drafted by the real pipeline and the real openai client in each mode:
- `single`: one call writes the whole speech;
- `parallel`: the outline, then every part at once;
- `subpoints`: every part begun as soon as its outline entry has streamed, and written as
  its lead and its items, each a call of its own.
Printed per mode: wall time, time to the first event with text, characters, calls, prompt
and completion tokens. For `subpoints`, the floor as the issue defines it: the time the
first outline entry is complete plus the longest single call (the outline call included:
a part cannot start before its entry exists), and the part of the wall time after the
outline ends. Then every example brief (prompts/briefs/) is drafted unpaced in `parallel`
and `subpoints` mode and scored: how many pass, and the substance score.

Targets (issue 13): subpoints at least 4x faster than single and within 1.2x of the floor,
first text under 1 s, and its drafts passing as often as part-level drafts.
Run: .venv/bin/python evals/bench/bench_drafting.py
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from service.config import PROJECT_ROOT, Settings
from service.drafters.model import ModelDrafter
from service.knowledge.kit import default_kit
from service.llm import ChatClient
from service.pipeline.outline_stream import OutlineStream
from service.pipeline.pipeline import Mode, Pipeline
from service.pipeline.prompts import Prompter
from service.schemas import Brief
from service.scoring import Scorer
from service.testing.fake_upstream import FakeUpstream, Pacing, split_tokens
from service.testing.model_responder import ModelResponder
from service.text.normalise import count_chars
from service.text.tokens import TokenBudget

PACING = Pacing(first_token_s=0.5, tokens_per_s=40)
MODES: tuple[Mode, ...] = ("single", "parallel", "subpoints")
BRIEF = Brief(
    speech_type="work_meeting",
    meeting="全县安全生产工作会议",
    speaker="县长",
    purpose="部署今年安全生产工作",
    points=[
        {"title": "压实安全生产责任"},
        {"title": "深化隐患排查整治"},
        {"title": "提升应急处置能力"},
    ],
    target_chars=3000,
)


class CallLog:
    """Wraps the stand-in model; notes how many tokens each answer streams (its duration
    at the pacing follows from that)."""

    def __init__(self) -> None:
        self.responder = ModelResponder()
        self.tokens: list[tuple[bool, int]] = []  # (is the outline, tokens)
        self._lock = threading.Lock()

    def __call__(self, request: dict[str, Any]) -> Any:
        answer = self.responder(request)
        if isinstance(answer, str):
            with self._lock:
                self.tokens.append(
                    (bool(request.get("response_format")), len(split_tokens(answer)))
                )
        return answer

    def longest_s(self) -> float:
        return max(PACING.first_token_s + n / (PACING.tokens_per_s or 1) for _, n in self.tokens)


@dataclass
class Run:
    """One draft's figures."""

    wall: float = 0.0
    first_text: float = float("nan")
    first_entry: float = float("nan")
    outline_done: float = float("nan")
    chars: int = 0
    usage: dict[str, int] = field(default_factory=dict)
    passed: bool = False
    substance: float = 0.0


async def draft_once(base_url: str, brief: Brief, mode: Mode, concurrency: int = 32) -> Run:
    """Draft one brief in one mode, timing the events as a client sees them; at most
    `concurrency` calls at once (the service's JIANGGAO_MAX_CONCURRENCY)."""
    client = ChatClient(
        model="fake-model", base_url=base_url, api_key="bench",
        timeout_s=60, max_retries=0, max_concurrency=concurrency,
    )  # fmt: skip
    kit = default_kit()
    drafter = ModelDrafter(client, Prompter(kit, TokenBudget.from_settings(Settings())))
    pipeline = Pipeline(kit, drafter, None, Scorer(kit), repair_rounds=0)
    stream = OutlineStream(brief, kit.types.get(brief.speech_type))
    run = Run()
    started = time.perf_counter()
    async for event in pipeline.events(brief, mode=mode):
        now = time.perf_counter() - started
        text = event.data.get("text") if event.event.endswith(".delta") else None
        if text and run.first_text != run.first_text:  # NaN until the first
            run.first_text = now
        if (
            event.event == "outline.delta"
            and stream.feed(text or "")
            and run.first_entry != run.first_entry
        ):
            run.first_entry = now
        if event.event == "outline":
            run.outline_done = now
        if event.event == "done":
            run.chars = count_chars(event.data["text"])
            run.usage = event.data["usage"]
            report = event.data["report"]
            run.passed, run.substance = report["passed"], report.get("substance_score", 0.0)
    await client.aclose()
    run.wall = time.perf_counter() - started
    return run


def paced() -> dict[str, tuple[Run, float]]:
    """Each mode against its own paced fake (so the call log is that mode's); sub-points
    also at the service's default cap of 8 calls at once."""
    runs: dict[str, tuple[Run, float]] = {}
    for name, mode, cap in (*((m, m, 32) for m in MODES), ("subpoints/8", "subpoints", 8)):
        log = CallLog()
        with FakeUpstream(log, pacing=PACING) as fake:
            run = asyncio.run(draft_once(fake.base_url, BRIEF, mode, cap))
        runs[name] = (run, log.longest_s())
    return runs


def pass_rates() -> dict[Mode, list[Run]]:
    """Every example brief drafted unpaced in the two part-wise modes."""
    briefs = [
        Brief.model_validate(json.loads(path.read_text(encoding="utf-8")))
        for path in sorted((PROJECT_ROOT / "prompts" / "briefs").glob("*.json"))
    ]
    found: dict[Mode, list[Run]] = {}
    with FakeUpstream(ModelResponder()) as fake:
        for mode in ("parallel", "subpoints"):
            found[mode] = [asyncio.run(draft_once(fake.base_url, b, mode)) for b in briefs]
    return found


def main() -> None:
    runs = paced()
    print("mode          wall_s  first_text_s  chars  calls  prompt_tok  completion_tok")
    for mode, (run, _) in runs.items():
        u = run.usage
        print(
            f"{mode:<12} {run.wall:7.2f} {run.first_text:13.2f} {run.chars:6d} {u['calls']:6d}"
            f" {u['prompt_tokens']:11d} {u['completion_tokens']:15d}"
        )
    single, parallel = runs["single"][0], runs["parallel"][0]
    sub, longest = runs["subpoints"]
    floor = sub.first_entry + longest
    print(f"subpoints is {single.wall / sub.wall:.2f}x faster than single (target >= 4x),"
          f" {parallel.wall / sub.wall:.2f}x faster than parallel")  # fmt: skip
    print(f"floor: first outline entry {sub.first_entry:.2f} s + longest call {longest:.2f} s"
          f" = {floor:.2f} s; subpoints takes {sub.wall / floor:.2f}x the floor (target <= 1.2x);"
          f" {sub.wall - sub.outline_done:.2f} s of it after the outline ended at"
          f" {sub.outline_done:.2f} s")  # fmt: skip
    print(f"first text after {sub.first_text:.2f} s (target < 1 s)")
    capped = runs["subpoints/8"][0]
    print(f"at the default cap of 8 calls at once: {single.wall / capped.wall:.2f}x single")
    for mode in ("parallel", "subpoints"):
        ratio = runs[mode][0].usage["prompt_tokens"] / max(single.usage["prompt_tokens"], 1)
        print(f"prompt tokens, {mode}: {ratio:.1f}x single's")
    sub_prompt = sub.usage["prompt_tokens"] / max(parallel.usage["prompt_tokens"], 1)
    print(f"prompt tokens, subpoints against parallel: {sub_prompt:.2f}x")
    rates = pass_rates()
    for mode, found in rates.items():
        passed = sum(r.passed for r in found)
        substance = sum(r.substance for r in found) / len(found)
        print(f"example briefs, {mode}: {passed}/{len(found)} pass, mean substance {substance:.3f}")


if __name__ == "__main__":
    main()
