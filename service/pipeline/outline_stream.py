"""The outline read while the model is still writing it: each part as soon as its entry is whole.

The outline is one JSON object streamed token by token. Sub-point drafting starts
writing a part the moment its entry has streamed instead of waiting for the last
brace, so the outline's tail and the first parts are written at the same time.
The JSON is parsed in jiter's partial mode on every new chunk (an outline is a few
kilobytes; parsing it again is microseconds). An entry is whole once the next one
has begun or its list has been followed by another key: only then are its strings
known to be complete. The final outline is still checked as a whole
(`parse_outline_json`); a part started from an entry that the final outline
changes is written again (the pipeline compares them).
"""

from __future__ import annotations

from typing import Any

import jiter
from pydantic import ValidationError

from service.knowledge.skeletons import Skeleton
from service.pipeline.outline import (
    OutlinePart,
    expected_roles,
    part_entry,
    point_entry,
    section_entry,
)
from service.schemas import Brief


class OutlineStream:
    """Feed it the outline's text as it streams; it tells which parts are known so far."""

    def __init__(self, brief: Brief, skeleton: Skeleton) -> None:
        self.roles = expected_roles(brief, skeleton)
        self.points_roles = {s.role for s in skeleton.sections if s.numbering == "points"}
        self.numbered = {s.role for s in skeleton.sections if s.numbering != "none"}
        self.text = ""
        self.whole = False  # the text so far is one complete JSON object
        self.known: dict[int, OutlinePart] = {}

    def feed(self, delta: str) -> list[tuple[int, OutlinePart]]:
        """Take the next chunk; return the parts (index in speaking order, part) that became
        known with it. A second answer after a malformed first starts the reading afresh."""
        if self.whole and delta.lstrip().startswith("{"):
            self.text = ""
        self.text += delta
        start = self.text.find("{")
        if start < 0:
            return []
        data = self._parsed(self.text[start:].encode())
        if not isinstance(data, dict):
            return []
        fresh = []
        for index, part in self._entries(data, self.whole):
            if index not in self.known:
                self.known[index] = part
                fresh.append((index, part))
        return fresh

    def _parsed(self, text: bytes) -> object:
        """The JSON so far: whole if it is (noted in `whole`), else as far as it goes."""
        try:
            data = jiter.from_json(text)
            self.whole = True
            return data
        except ValueError:
            self.whole = False
        try:
            return jiter.from_json(text, partial_mode="trailing-strings")
        except ValueError:
            return None

    def _entries(self, data: dict[str, Any], whole: bool) -> list[tuple[int, OutlinePart]]:
        """Complete, valid entries with the index each takes in the merged outline."""
        keys = list(data)
        if "parts" in data:  # the merged form {title, parts}
            entries = _complete(data["parts"], whole or keys[-1] != "parts")
            return self._valid(enumerate(part_entry(e) for e in entries))
        sections = _complete(data.get("sections"), whole or _after(keys, "sections"))
        points = _complete(data.get("points"), whole or _after(keys, "points"))
        placed: list[tuple[int, dict[str, Any]]] = []
        index = 0
        for section in sections:
            role = section.get("role")
            if role in self.points_roles:
                placed.extend((index + n, point_entry(role, p)) for n, p in enumerate(points))
                index += self.roles.count(role)
                continue
            placed.append((index, section_entry(section)))
            index += 1
        return self._valid(placed)

    def _valid(self, placed: Any) -> list[tuple[int, OutlinePart]]:
        """Entries that fit the skeleton at their place: the role expected there, a heading
        where the part is numbered, every field in bounds."""
        found = []
        for index, entry in placed:
            if index >= len(self.roles) or entry.get("role") != self.roles[index]:
                continue
            try:
                part = OutlinePart.model_validate(entry)
            except ValidationError:
                continue
            if part.role in self.numbered and not part.heading:
                continue
            found.append((index, part))
        return found


def _complete(items: Any, closed: bool) -> list[dict[str, Any]]:
    """The entries of a streamed list known to be whole: all of a closed list, all but the
    last of one still being written."""
    if not isinstance(items, list):
        return []
    whole = items if closed else items[:-1]
    return [item for item in whole if isinstance(item, dict)]


def _after(keys: list[str], key: str) -> bool:
    """Whether another key follows `key`: the value of `key` is then complete."""
    return key in keys and keys[-1] != key
