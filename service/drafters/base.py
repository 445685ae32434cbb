"""The drafter protocol: outline → parts (streamed), and the job each part is written from.

The pipeline (service/drafting.py) does everything the form fixes and the
checking; a drafter only proposes an outline and writes the body text of
one part at a time. `builtin` does it deterministically from the brief and
the examples; `openai` asks an OpenAI-compatible model.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from service.knowledge.skeletons import VOICE_ITEM_STYLES, Skeleton, SkeletonSection
from service.pipeline.outline import Outline, OutlinePart
from service.retrieval.examples import Example
from service.schemas import Brief

TextSink = Callable[[str], None]
# A drafter notes this on the job when the model stopped at its token limit mid-part.
TRUNCATED = "输出达到长度上限被截断"
LEAD = -1  # the piece of a part that is its lead paragraph


@dataclass(frozen=True)
class Piece:
    """One call's share of a part: the lead (number LEAD) or the item `number` (0-based)."""

    number: int
    chars: int
    marker: str = ""
    phrases: tuple[str, ...] = ()

    @property
    def is_lead(self) -> bool:
        return self.number == LEAD


@dataclass(frozen=True)
class PartJob:
    """Everything needed to write the body of one part of the outline."""

    brief: Brief
    skeleton: Skeleton
    outline: Outline
    index: int
    examples: Sequence[Example] = ()
    phrases: Sequence[str] = ()  # required phrases this part must carry verbatim
    feedback: Sequence[str] = ()  # what the scorer found wrong last time (repair rounds)
    previous: str = ""  # the body being repaired or regenerated
    instruction: str = ""  # the user's wish for a regenerated part: 更精炼、增加安全生产内容
    used: set[str] = field(default_factory=set)  # sentences already used elsewhere in the draft
    notes: list[str] = field(default_factory=list)  # what the drafter wants the user to know
    size: int | None = None  # characters asked for this body, when the caller fixes it
    voice_items: str | None = None  # enum_yao or enum_shi, as the speaker's own speeches go
    piece: Piece | None = None  # write only this piece of the part (sub-point drafting)
    pending: frozenset[int] = frozenset()  # parts of the outline not yet written when begun

    @property
    def items(self) -> str:
        """The item style this part is written in: the skeleton's, or, where that is 一是 or
        一要, the one the speaker's own speeches use."""
        style = self.section.items
        if self.voice_items and style in VOICE_ITEM_STYLES:
            return self.voice_items
        return style

    @property
    def part(self) -> OutlinePart:
        return self.outline.parts[self.index]

    @property
    def section(self) -> SkeletonSection:
        """The skeleton section this part belongs to."""
        return self.skeleton.section(self.part.role)

    @property
    def point_number(self) -> int | None:
        """1-based number among the numbered points, for parts of the main points section."""
        if self.section.numbering != "points":
            return None
        same = [i for i, p in enumerate(self.outline.parts) if p.role == self.part.role]
        return same.index(self.index) + 1


class Drafter(Protocol):
    """Writes outlines and part bodies; `name` is reported in every response."""

    name: str
    model: str | None
    writes_pieces: bool  # can write a part's lead and items as separate calls (a model can)

    async def outline(
        self,
        brief: Brief,
        skeleton: Skeleton,
        examples: Sequence[Example],
        on_text: TextSink | None = None,
    ) -> Outline:
        """Propose an outline, passing its text to `on_text` as it is written;
        raise OutlineMismatch or an UpstreamError when it cannot."""
        ...

    def write_part(self, job: PartJob) -> AsyncIterator[str]:
        """Stream the body of one part (no heading, no number, no salutation)."""
        ...

    def write_whole(
        self, brief: Brief, skeleton: Skeleton, outline: Outline, examples: Sequence[Example]
    ) -> AsyncIterator[str]:
        """Stream the whole speech in one go, numbering and all (the `single` mode)."""
        ...
