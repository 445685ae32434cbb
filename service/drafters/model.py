"""The model drafter: outline and parts written by any OpenAI-compatible chat model."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence

from service.drafters.base import TRUNCATED, PartJob, TextSink
from service.errors import OutlineMismatch
from service.knowledge.skeletons import Skeleton
from service.llm import ChatClient
from service.pipeline.outline import Outline, outline_text, parse_outline_json
from service.pipeline.prompts import Prompter
from service.retrieval.examples import Example
from service.schemas import Brief
from service.text.tokens import Message

# Tokens per Chinese character differ by tokenizer (Qwen/DeepSeek ≈ 0.6, cl100k ≈ 1.2, some
# older ones near 2); the cap is set for the largest so a part is never cut short by our own
# limit (it bounds a runaway answer, not a normal one).
TOKENS_PER_CHAR = 2.0
MIN_PART_TOKENS = 512
OUTLINE_TOKENS = 2000


class ModelDrafter:
    """Drafts with a chat model; every call goes through one ChatClient (retries, cap, usage)."""

    name = "openai"
    writes_pieces = True

    def __init__(
        self, client: ChatClient, prompter: Prompter, *, outline_attempts: int = 2
    ) -> None:
        self.client = client
        self.prompter = prompter
        self.model: str | None = client.model
        self.outline_attempts = outline_attempts

    async def outline(
        self,
        brief: Brief,
        skeleton: Skeleton,
        examples: Sequence[Example],
        on_text: TextSink | None = None,
    ) -> Outline:
        """Ask for the outline as JSON; on a malformed answer, ask again saying what was wrong."""
        messages: list[Message] = list(self.prompter.outline(brief, examples).messages)
        problem = ""
        for _ in range(self.outline_attempts):
            text = await self._streamed(messages, on_text)
            try:
                return parse_outline_json(text, brief, skeleton)
            except OutlineMismatch as exc:
                problem = exc.detail
                messages = [
                    *messages,
                    {"role": "assistant", "content": text},
                    {"role": "user", "content": f"提纲不合要求：{problem}。请改正后只输出 JSON。"},
                ]
        raise OutlineMismatch(problem)

    async def _streamed(self, messages: list[Message], on_text: TextSink | None) -> str:
        """The outline streamed, so a user sees it being written from the first token."""
        chunks: list[str] = []
        stream = self.client.stream(messages, max_tokens=OUTLINE_TOKENS, json_mode=True)
        async with stream:
            async for delta in stream:
                chunks.append(delta)
                if on_text is not None:
                    on_text(delta)
        return "".join(chunks)

    async def write_part(self, job: PartJob) -> AsyncIterator[str]:
        """Stream one part; a repair or regeneration shows the old text and what to change."""
        messages = _part_messages(self.prompter, job)
        chars = job.piece.chars if job.piece is not None else job.part.chars
        stream = self.client.stream(messages, max_tokens=part_tokens(chars))
        async with stream:
            async for delta in stream:
                yield delta
        if stream.truncated:
            job.notes.append(TRUNCATED)

    async def write_whole(
        self, brief: Brief, skeleton: Skeleton, outline: Outline, examples: Sequence[Example]
    ) -> AsyncIterator[str]:
        """Stream the whole speech from one call."""
        prompt = self.prompter.whole(brief, examples)
        tokens = part_tokens(skeleton.target_chars(brief))
        async with self.client.stream(prompt.messages, max_tokens=tokens) as stream:
            async for delta in stream:
                yield delta


def part_tokens(chars: int) -> int:
    """The completion cap for a part of `chars` characters, with room to finish the sentence."""
    return max(MIN_PART_TOKENS, int(chars * TOKENS_PER_CHAR * 1.3))


def _part_messages(prompter: Prompter, job: PartJob) -> list[Message]:
    part = job.part
    role = part.role
    if job.feedback or job.instruction:
        problems = [*job.feedback]
        if job.instruction:
            problems.append(f"使用者的修改要求：{job.instruction}")
        prompt = prompter.repair(
            job.brief, role, job.previous, problems, point=job.point_number,
            heading=part.heading, chars=job.size or part.chars,
        )  # fmt: skip
    else:
        shown = outline_text(job.outline, job.skeleton, job.pending)
        prompt = prompter.section(
            job.brief, role, job.examples, outline=shown,
            point=job.point_number, heading=part.heading, subpoints=part.subpoints,
            gist=part.gist, chars=job.size or part.chars, items=job.items, piece=job.piece,
        )  # fmt: skip
    messages = [Message(role=m["role"], content=m["content"]) for m in prompt.messages]
    if job.phrases:
        wanted = "、".join(f"“{p}”" for p in job.phrases)
        where = "这一段" if job.piece is not None else "这一部分"
        messages[-1]["content"] += f"\n\n{where}必须原样写入这些提法，一字不改：{wanted}。"
    return messages
