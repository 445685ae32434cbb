"""Benchmark: parallel-section drafting against `single` mode, through a paced fake model.

The fake OpenAI-compatible upstream (service/testing/fake_upstream.py) answers at a realistic
pace, first token after 0.5 s and then 40 tokens per second, one token per Chinese
character. A 3,000-字, three-point work-meeting speech is drafted both ways by the
real pipeline and the real openai client; the script prints wall time, the time to
the first streamed event that carries text, and the characters each mode produced.

Targets (issue 5): parallel at least 2.5x faster than single; first text event
under 1.5 s. Run: .venv/bin/python evals/bench/bench_drafting.py
"""

from __future__ import annotations

import asyncio
import time

from service.config import Settings
from service.drafters.model import ModelDrafter
from service.knowledge.kit import default_kit
from service.llm import ChatClient
from service.pipeline.pipeline import Mode, Pipeline
from service.pipeline.prompts import Prompter
from service.schemas import Brief
from service.scoring import Scorer
from service.testing.fake_upstream import FakeUpstream, Pacing
from service.testing.model_responder import ModelResponder
from service.text.normalise import count_chars
from service.text.tokens import TokenBudget

PACING = Pacing(first_token_s=0.5, tokens_per_s=40)
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


async def draft_once(fake: FakeUpstream, mode: Mode) -> tuple[float, float, int]:
    """(wall seconds, seconds to the first event with text, characters of the draft)."""
    client = ChatClient(
        model="fake-model", base_url=fake.base_url, api_key="bench",
        timeout_s=30, max_retries=0, max_concurrency=8,
    )  # fmt: skip
    kit = default_kit()
    prompter = Prompter(kit, TokenBudget.from_settings(Settings()))
    drafter = ModelDrafter(client, prompter)
    pipeline = Pipeline(kit, drafter, None, Scorer(kit), repair_rounds=0)
    started = time.perf_counter()
    first_text = float("nan")
    chars = 0
    async for event in pipeline.events(BRIEF, mode=mode):
        has_text = event.event in ("outline.delta", "section.delta") and event.data.get("text")
        if has_text and first_text != first_text:  # still NaN: this is the first
            first_text = time.perf_counter() - started
        if event.event == "done":
            chars = count_chars(event.data["text"])
    await client.aclose()
    return time.perf_counter() - started, first_text, chars


def main() -> None:
    with FakeUpstream(ModelResponder(), pacing=PACING) as fake:
        parallel = asyncio.run(draft_once(fake, "parallel"))
        single = asyncio.run(draft_once(fake, "single"))
    print("mode       wall_s  first_text_s  chars")
    for name, (wall, first, chars) in (("parallel", parallel), ("single", single)):
        print(f"{name:<9} {wall:7.2f} {first:13.2f} {chars:6d}")
    ratio = single[0] / parallel[0]
    print(f"parallel is {ratio:.2f}x faster than single (target >= 2.5x)")
    print(f"first text event after {parallel[1]:.2f} s (target < 1.5 s)")
    print(f"characters: parallel/single = {parallel[2] / max(single[2], 1):.2f}")


if __name__ == "__main__":
    main()
