"""Fields of work (防汛抗旱, 安全生产, 党风廉政 …): prompts/domains/*.yaml, one file each.

A field gives three things: the cues that place a brief in it, the vocabulary that
belongs to it (so a speech that talks another field's language is seen to drift), and
sentences by use that the built-in drafter writes on topic with. Every sentence is held
to the phrasebank's rules on load, and no sentence may repeat another field's or the
phrasebank's.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, model_validator

from service.errors import KnowledgeError
from service.knowledge.files import read_yaml, validated
from service.knowledge.phrasebank import Phrasebank, Rules, entry_problems
from service.schemas import Brief
from service.text.grams import WordFinder

DOMAINS_DIRNAME = "domains"
# Which skeleton role a group of sentences is checked as (the phrasebank's rules per role).
SENTENCE_ROLES = {
    "open": "opening",
    "items": "points",
    "support": "points",
    "concern": "problems",
    "close": "closing",
}
_SENTENCE = re.compile(r"[^。！？]+[。！？]")
_WORD = re.compile(r"^[^\s，。、,.;；！？]{2,16}$")
# A field is placed by its cues (in the meeting's name, purpose, points); its terms weigh less.
_CUE_WEIGHT = 3
_TERM_WEIGHT = 1
MARKER_CHARS = 3


class DomainSentences(BaseModel):
    """Sentences by use: how a part opens, items, their support, concerns, a closing call."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    open: tuple[str, ...] = ()
    items: tuple[str, ...] = ()
    support: tuple[str, ...] = ()
    concern: tuple[str, ...] = ()
    close: tuple[str, ...] = ()

    def group(self, name: str) -> tuple[str, ...]:
        return tuple(getattr(self, name))

    def entries(self) -> list[tuple[str, str]]:
        return [(group, s) for group in SENTENCE_ROLES for s in self.group(group)]


class Domain(BaseModel):
    """One field of work."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    key: str = Field(pattern=r"^[a-z][a-z_]*$")
    name: str = Field(min_length=2)
    cues: tuple[str, ...] = Field(min_length=1)
    terms: tuple[str, ...] = Field(min_length=10)
    slogans: tuple[str, ...] = ()
    related: tuple[str, ...] = ()  # fields whose words are at home here too (防汛 ↔ 应急)
    sentences: DomainSentences = DomainSentences()

    @model_validator(mode="after")
    def _words(self) -> Domain:
        bad = [w for w in (*self.cues, *self.terms, *self.slogans) if not _WORD.match(w)]
        if bad:
            raise ValueError(f"词语要 2 到 16 个字、不带标点和空格：{bad[:5]}")
        return self

    @cached_property
    def vocabulary(self) -> frozenset[str]:
        """Every word of the field: cues, terms and slogans."""
        return frozenset((*self.cues, *self.terms, *self.slogans))


@dataclass(frozen=True)
class Placement:
    """Where a text was placed, how strongly, and on which words."""

    domain: Domain
    weight: int
    words: tuple[str, ...]


class Domains:
    """All fields of one prompts folder."""

    def __init__(self, domains: Sequence[Domain]) -> None:
        self.all = tuple(domains)
        self.by_key = {d.key: d for d in self.all}
        self._foreign: dict[tuple[str, ...], Foreign] = {}

    def __len__(self) -> int:
        return len(self.all)

    def __iter__(self) -> Iterator[Domain]:
        return iter(self.all)

    def get(self, key: str) -> Domain:
        return self.by_key[key]

    @cached_property
    def _finder(self) -> WordFinder:
        return WordFinder(w for d in self.all for w in d.vocabulary)

    def place(self, text: str, found: set[str] | None = None) -> list[Placement]:
        """The fields a text is about, strongest first: cues weigh more than terms, and a
        field is placed by its terms alone only when no field's cue is there. `found`: the
        text's character pairs, when already at hand."""
        present = set(self._finder.find(text, found))
        cued: list[Placement] = []
        termed: list[Placement] = []
        for domain in self.all:
            cues = [w for w in domain.cues if w in present]
            terms = [w for w in (*domain.terms, *domain.slogans) if w in present and w not in cues]
            weight = _CUE_WEIGHT * len(cues) + _TERM_WEIGHT * len(terms)
            if cues:
                cued.append(Placement(domain, weight, tuple(cues + terms)))
            elif terms:
                termed.append(Placement(domain, weight, tuple(terms)))
        return sorted(cued or termed, key=lambda p: -p.weight)

    @cached_property
    def _slogans(self) -> frozenset[str]:
        return frozenset(w for d in self.all for w in d.slogans)

    def is_slogan(self, word: str) -> bool:
        """A field's own slogan: one alone says which field a sentence is in."""
        return word in self._slogans

    @cached_property
    def _neighbours(self) -> dict[str, frozenset[str]]:
        """Related fields, both ways: 防汛 lists 应急, so 应急 is near 防汛 too."""
        near: dict[str, set[str]] = {d.key: set(d.related) for d in self.all}
        for domain in self.all:
            for key in domain.related:
                near[key].add(domain.key)
        return {key: frozenset(keys) for key, keys in near.items()}

    def at_home(self, domain: Domain) -> frozenset[str]:
        """Words a speech of this field may use: its own and its related fields'."""
        words = set(domain.vocabulary)
        for key in self._neighbours[domain.key]:
            words |= self.by_key[key].vocabulary
        return frozenset(words)

    @cached_property
    def _owner(self) -> dict[str, frozenset[str]]:
        """Marker words (three characters or more, or a slogan) and the fields they mark:
        two-character words (学校, 信访) turn up in every field's speeches."""
        owners: dict[str, set[str]] = {}
        for domain in self.all:
            for word in domain.vocabulary:
                if len(word) >= MARKER_CHARS or word in domain.slogans:
                    owners.setdefault(word, set()).add(domain.key)
        return {word: frozenset(keys) for word, keys in owners.items()}

    def foreign(self, home: Sequence[Domain]) -> Foreign:
        """The other fields' marker words for a speech of these fields, found in one pass
        (computed once per set of home fields)."""
        key = tuple(sorted(d.key for d in home))
        found = self._foreign.get(key)
        if found is None:
            found = self._foreign[key] = Foreign(self.foreign_words(home))
        return found

    def foreign_words(self, home: Sequence[Domain]) -> dict[str, frozenset[str]]:
        """The marker words of other fields that the home fields do not share, with the
        fields they belong to: in a speech of the home fields they are drift."""
        at_home: set[str] = set()
        keys: set[str] = set()
        for domain in home:
            at_home |= self.at_home(domain)
            keys |= {domain.key, *self._neighbours[domain.key]}
        # A foreign word that is part of a home word (安全 in 安全度汛) is not foreign: one
        # search of all home words joined (a shorter or equal word cannot contain it).
        joined = "\x00".join(at_home)
        return {
            word: owners
            for word, owners in self._owner.items()
            if word not in at_home and not owners & keys and word not in joined
        }


class Foreign:
    """Other fields' words, and what finds them in a sentence."""

    def __init__(self, words: dict[str, frozenset[str]]) -> None:
        self.words = words
        self.finder = WordFinder(words)

    def found_in(self, text: str, found: set[str] | None = None) -> list[str]:
        return self.finder.find(text, found)


BROAD_FIELDS = 3  # a brief (or text) about this many fields at once is a general one


def brief_words(brief: Brief) -> str:
    """What a brief says its meeting is about: name, purpose, points and their details."""
    return "；".join(
        [brief.meeting, brief.purpose or "", *(p.title for p in brief.points)]
        + [d for p in brief.points for d in p.details]
    )


def home_fields(
    domains: Domains, brief: Brief | None, text: str = "", found: set[str] | None = None
) -> list[Domain]:
    """The fields a brief is about (else, or when it names none, the text's, whose character
    pairs may be given): the strongest and any close behind, at most BROAD_FIELDS."""
    if brief is not None:
        placed = domains.place(brief_words(brief))
        if placed:
            return _leading(placed, near=2)
    # A text names its fields less plainly than a brief: keep the ones close behind too.
    return _leading(domains.place(text, found), near=3) if text else []


def _leading(placed: list[Placement], near: int) -> list[Domain]:
    if not placed:
        return []
    top = placed[0].weight
    return [p.domain for p in placed if p.weight * near >= top][:BROAD_FIELDS]


def load_domains(folder: Path, rules: Rules, phrasebank: Phrasebank) -> Domains:
    """Every field of a prompts folder, checked; an empty set when the folder has none."""
    directory = folder / DOMAINS_DIRNAME
    if not directory.is_dir():
        return Domains([])
    domains = []
    for path in sorted(directory.glob("*.yaml")):
        domain = validated(Domain, read_yaml(path, "领域文件"), path, "领域文件")
        if domain.key != path.stem:
            raise KnowledgeError(f"领域文件 {path.name} 的 key 应为 {path.stem}")
        domains.append(domain)
    found = Domains(domains)
    _check_related(found)
    _check_sentences(found, rules, phrasebank)
    return found


def _check_related(domains: Domains) -> None:
    for domain in domains.all:
        unknown = [key for key in domain.related if key not in domains.by_key]
        if unknown:
            raise KnowledgeError(f"领域文件 {domain.key}.yaml 的 related 有不存在的领域：{unknown}")


def _check_sentences(domains: Domains, rules: Rules, phrasebank: Phrasebank) -> None:
    """Each sentence keeps the phrasebank's rules and appears once in all the files."""
    seen = {s: "句库" for _, entry in phrasebank.entries() for s in _SENTENCE.findall(entry)}
    for domain in domains.all:
        for group, entry in domain.sentences.entries():
            where = f"{domain.key}.yaml sentences.{group}"
            if "{" in entry:
                raise KnowledgeError(f"{where}“{entry}”：领域句子不用占位")
            problems = entry_problems(entry, f"roles.{SENTENCE_ROLES[group]}.body", rules)
            if problems:
                raise KnowledgeError(f"{where}“{entry}”：{'；'.join(problems)}")
            for sentence in _SENTENCE.findall(entry):
                if sentence in seen:
                    raise KnowledgeError(f"{where}：句子重复（又见于{seen[sentence]}）：{sentence}")
                seen[sentence] = where
