"""What a speech says, measured once per text for the substance checks: its sentences and
sub-points by part, what each part's heading is about, how each sub-point fits its own
part and the others, which sentences are stock, which talk another field's language.

Content is compared as weighted character pairs (service.text.grams): a sub-point
belongs to a heading when they share rare pairs, and more with its own part than with
any other.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

from service.knowledge.domains import Domain
from service.text.grams import StockIndex, pairs
from service.text.structure import ParsedSpeech, split_sentences

if TYPE_CHECKING:
    from service.scoring.context import Context

_ENUM = re.compile(r"(?:^|(?<=[。；！？]))\s*(?=[一二三四五六七八九十]+[是要](?![否非]))")
MARKER = re.compile(
    r"^(?:[一二三四五六七八九十]+[是要、]|第[一二三四五六七八九十]+[，、：]|[（(][一二三四五六七八九十\d]+[）)]"
    r"|\d+[.．、]|首先[，、]|其次[，、]|再次[，、]|最后[，、]|同时[，、]|此外[，、])"
)
_ACHIEVEMENT_HEADING = re.compile(r"成效|成绩|进展|回顾|评价|收获|主要做法")
_PROBLEM_HEADING = re.compile(r"问题|不足|差距|短板|薄弱")
MIN_UNIT = 12  # a sub-point shorter than this (a stray clause) is not judged
MIN_SENTENCE = 8
HEADING_MATCH = 0.5  # a heading takes up a brief point when it holds half its title's weight
DRIFT_WORDS = 3  # another field's words in two sentences, this many in all, are drift
DETAIL_MATCH = 0.4  # a sub-point uses a detail when it holds this share of the detail's weight


@dataclass(frozen=True)
class Sentence:
    """One sentence of the body, the parser line it is on and the part it belongs to."""

    text: str
    line: int
    part: int | None

    @cached_property
    def pairs(self) -> set[str]:
        return pairs(self.text)


@dataclass(frozen=True)
class Unit:
    """A sub-point of a part: an enumeration item (一是…) or a paragraph of its body."""

    part: int
    text: str
    line: int

    @property
    def lead(self) -> str:
        """Its first clause, as a reader would quote it."""
        return re.split(r"[，。；！？]", MARKER.sub("", self.text.strip()), maxsplit=1)[0][:30]


@dataclass
class Drift:
    """Another field a text talks about: the sentences and its words found there."""

    domain: Domain
    sentences: list[Sentence]
    words: set[str]
    slogan: bool

    @property
    def significant(self) -> bool:
        """Its words in two sentences or more, three words at least: more than a passing
        mention (a speech on school discipline may say 办好人民满意的教育 once)."""
        return len(self.sentences) >= 2 and len(self.words) >= DRIFT_WORDS


@dataclass(frozen=True)
class Source:
    """One thing the brief gives to say: its achievements, its problems, or one point."""

    name: str
    title: str
    facts: tuple[str, ...]
    heading_cue: re.Pattern[str] | None

    def cue_in(self, heading: str) -> bool:
        return self.heading_cue is not None and self.heading_cue.search(heading) is not None


class Substance:
    """A text's sentences, parts and sub-points, and their fit, for the substance checks."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.background = ctx.kit.background
        self.parsed: ParsedSpeech = ctx.parsed
        self.points = self.parsed.points
        self.bounds = _part_bounds(self.parsed)
        self._contents: dict[str, set[str]] = {}

    @cached_property
    def sentences(self) -> list[Sentence]:
        lines = self.parsed.lines
        found = []
        for index in range(self.ctx.body_start, len(lines)):
            part = self._part_of(index)
            heading = self.points[part].heading if part is not None else ""
            line = lines[index]
            if part is not None and index == self.points[part].line:
                line = line[len(heading) :] if line.startswith(heading) else line
            for sentence in split_sentences(line):
                if len(sentence.strip()) >= MIN_SENTENCE:
                    found.append(Sentence(sentence.strip(), index, part))
        return found

    @cached_property
    def text_pairs(self) -> set[str]:
        """The character pairs of the body (its sentences', computed once for every check)."""
        return set().union(*(s.pairs for s in self.sentences))

    @cached_property
    def units(self) -> list[Unit]:
        found: list[Unit] = []
        lines = self.parsed.lines
        for part, (start, end) in enumerate(self.bounds):
            heading = self.points[part].heading
            for index in range(start, end):
                line = lines[index]
                if index == start:
                    line = line[len(heading) :] if line.startswith(heading) else ""
                for piece in _ENUM.split(line):
                    if len(piece.strip()) >= MIN_UNIT:
                        found.append(Unit(part, piece.strip(), index))
        return found

    @cached_property
    def sources(self) -> list[Source]:
        """What the brief gives a draft to say: its achievements, its problems, each point."""
        brief = self.ctx.brief
        if brief is None:
            return []
        found = []
        if brief.achievements:
            found.append(Source("成绩", "", tuple(brief.achievements), _ACHIEVEMENT_HEADING))
        if brief.problems:
            found.append(Source("问题", "", tuple(brief.problems), _PROBLEM_HEADING))
        for number, point in enumerate(brief.points, start=1):
            # a point's title is one of its facts: a sparse brief gives nothing else
            facts = (point.title, *point.details)
            found.append(Source(f"第{number}点", point.title, facts, None))
        return found

    @cached_property
    def owners(self) -> list[int | None]:
        """For each part, the brief source its heading takes up, when one clearly does: the
        achievements for 取得的成效, the problems for 存在的问题, else a point by its title."""
        titles = [self.background.content(source.title) for source in self.sources]
        owners: list[int | None] = []
        for point in self.points:
            cued = [i for i, source in enumerate(self.sources) if source.cue_in(point.heading)]
            if len(cued) == 1:
                owners.append(cued[0])
                continue
            owners.append(_clear_best(self._shares(point.heading, titles), HEADING_MATCH))
        return owners

    @property
    def mapped(self) -> bool:
        """Whether parts take up brief sources of their own, none shared (so a sub-point
        can be told to belong to another part by the facts it uses)."""
        owned = [owner for owner in self.owners if owner is not None]
        return len(owned) >= 1 and len(set(owned)) == len(owned)

    @cached_property
    def topics(self) -> list[set[str]]:
        """What each part is about: its heading, and its brief source's title and facts."""
        topics = []
        for point, owner in zip(self.points, self.owners, strict=True):
            words = point.heading
            if owner is not None:
                source = self.sources[owner]
                words += "；" + source.title + "；" + "；".join(source.facts)
            topics.append(self.background.content(words))
        return topics

    def source_of(self, unit: Unit) -> int | None:
        """The brief source whose facts a sub-point clearly uses."""
        shares = [
            max((self._share(unit.text, self._content(f)) for f in source.facts), default=0.0)
            for source in self.sources
        ]
        return _clear_best(shares, DETAIL_MATCH, margin=2.0)

    @cached_property
    def misplaced(self) -> list[tuple[Unit, int]]:
        """Sub-points that use the facts another part takes up (with that part)."""
        if not self.mapped:
            return []
        found = []
        for unit in self.units:
            used = self.source_of(unit)
            if used is None or used == self.owners[unit.part] or used not in self.owners:
                continue
            found.append((unit, self.owners.index(used)))
        return found

    @cached_property
    def off_heading(self) -> list[Unit]:
        """Sub-points that share no content with their part's heading and brief source."""
        return [u for u in self.units if not self._content(u.text) & self.topics[u.part]]

    def _content(self, text: str) -> set[str]:
        found = self._contents.get(text)
        if found is None:
            found = self._contents[text] = self.background.content(text)
        return found

    def _shares(self, text: str, topics: list[set[str]]) -> list[float]:
        return [self._share(text, topic) for topic in topics]

    def _share(self, text: str, topic: set[str]) -> float:
        """Weight of a topic's content pairs the text holds, as a share of the topic's."""
        total = self._weight(topic)
        return self._weight(self._content(text) & topic) / total if total else 0.0

    def _weight(self, found: set[str]) -> float:
        return sum(self.background.weight(p) for p in found)

    def _part_of(self, index: int) -> int | None:
        for part, (start, end) in enumerate(self.bounds):
            if start <= index < end:
                return part
        return None

    def stock(self, index: StockIndex) -> list[Sentence]:
        """Sentences written from a phrasebank entry."""
        return [s for s in self.sentences if index.is_stock(s.text, s.pairs)]

    def drift(self, home: list[Domain]) -> list[Drift]:
        """The other fields this text talks about (not in words the brief itself uses): a
        field it names a slogan of, or whose marker words fill two sentences or more."""
        domains = self.ctx.kit.domains
        foreign = domains.foreign(home)
        words = foreign.words
        brief_text = self.ctx.allowed_text
        by_field: dict[str, Drift] = {}
        for sentence in self.sentences:
            found = foreign.found_in(sentence.text, sentence.pairs)
            hits = [w for w in found if w not in brief_text]
            for key in {k for w in hits for k in words[w]}:
                drift = by_field.setdefault(key, Drift(domains.get(key), [], set(), False))
                mine = [w for w in hits if key in words[w]]
                drift.sentences.append(sentence)
                drift.words.update(mine)
                drift.slogan = drift.slogan or any(domains.is_slogan(w) for w in mine)
        return [d for d in by_field.values() if d.significant]


def _part_bounds(parsed: ParsedSpeech) -> list[tuple[int, int]]:
    """The parser lines of each point: from its heading to the next point or the closing."""
    lines = parsed.lines
    closing_at = len(lines) - len(parsed.closing.split("\n")) if parsed.closing else len(lines)
    bounds = []
    for position, point in enumerate(parsed.points):
        end = parsed.points[position + 1].line if position + 1 < len(parsed.points) else closing_at
        bounds.append((point.line, max(end, point.line + 1)))
    return bounds


def _clear_best(shares: list[float], floor: float, margin: float = 1.5) -> int | None:
    """The index of the best share when it reaches the floor and clearly beats the rest."""
    if not shares:
        return None
    best = max(range(len(shares)), key=lambda i: shares[i])
    second = max((s for i, s in enumerate(shares) if i != best), default=0.0)
    return best if shares[best] >= floor and shares[best] >= margin * second else None
