"""Search hits as the examples a drafter is shown: form only, the facts scrubbed out.

One Example type serves every reader: a prompt shows its scrubbed sections, the
built-in drafter borrows short sentences from them, and the copy check compares
a draft with the original text and looks for the names that were scrubbed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from service.corpus.records import SECTION_LABELS, RecordSection
from service.retrieval.index import Hit
from service.schemas import Brief
from service.text.formulas import without_sign_off
from service.text.scrub import Scrubber

_NOT_SHOWN = frozenset(("title", "meta"))  # the title is shown once, scrubbed; meta never


@dataclass(frozen=True)
class ExampleSection:
    """One section of an example, already scrubbed."""

    label: str
    heading: str
    text: str


@dataclass(frozen=True)
class Example:
    """An example as a drafter is shown it, and the original it came from.

    `removed` lists the names scrubbed from it (None when it was never scrubbed,
    e.g. a file given to `jianggao check --example`: the copy check then finds them).
    """

    source_id: str
    title: str
    speech_type: str | None
    type_name: str
    sections: tuple[ExampleSection, ...] = ()
    original: str = ""
    removed: tuple[str, ...] | None = ()
    voice: str = ""  # whose voice it carries: 这次讲话人本人的讲话, 同一职务的讲话 …

    @classmethod
    def of_text(cls, source_id: str, text: str) -> Example:
        """A plain text given as an example (its names unknown)."""
        return cls(source_id, "", None, "", original=text, removed=None)


def example_from_hit(
    hit: Hit, keep: str, scrubber: Scrubber, type_name: str = "", voice: str = ""
) -> Example:
    """A search hit as a scrubbed example: its one section, or the whole speech's sections."""
    record = hit.record
    chosen = [hit.section] if hit.section is not None else record.sections
    removed: dict[str, None] = {}

    def clean(text: str) -> str:
        result = scrubber.scrub(text, keep)
        removed.update(dict.fromkeys(result.words))
        return result.text

    shown = [s for s in chosen if s.role not in _NOT_SHOWN]
    sections = tuple(_example_section(s, clean) for s in shown)
    name = type_name or hit.type_name or "讲话"
    return Example(
        source_id=record.id,
        title=clean(record.title),
        speech_type=record.speech_type,
        type_name=name,
        sections=sections,
        original=record.text,
        removed=tuple(removed),
        voice=voice,
    )


def _example_section(section: RecordSection, clean: Callable[[str], str]) -> ExampleSection:
    """The section scrubbed, without its sign-off: the program writes that, and a model that
    sees every example end with 谢谢大家！ ends every part with it."""
    heading = clean(section.heading) if section.heading else ""
    lines = (without_sign_off(line) for line in clean(section.text).split("\n"))
    return ExampleSection(SECTION_LABELS[section.role], heading, "\n".join(x for x in lines if x))


def examples_from_hits(
    hits: Sequence[Hit], brief: Brief, scrubber: Scrubber, voices: Sequence[str] = ()
) -> list[Example]:
    """Scrubbed examples for a brief, most relevant first; the brief's own words are kept.
    `voices` says, hit by hit, whose voice each carries (see service.retrieval.floor)."""
    keep = brief.fact_text()
    labels = list(voices) + [""] * (len(hits) - len(voices))
    return [
        example_from_hit(h, keep, scrubber, voice=v) for h, v in zip(hits, labels, strict=False)
    ]
