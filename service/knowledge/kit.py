"""Everything one prompts folder holds, loaded and checked together: the kit a worker drafts,
scores and reads speeches with.

An app is built from settings naming a prompts folder; its kit is handed down to
the pipeline, the drafters, the scorer and the corpus reader, so two apps with two
folders in one process each use their own. Kits are cached by folder.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path

from service.config import PROJECT_ROOT
from service.knowledge.domains import Domains, load_domains
from service.knowledge.example_rules import ExampleRules, load_example_rules
from service.knowledge.lexicon import Lexicon, load_lexicon
from service.knowledge.phrasebank import Phrasebank, Rules, load_phrasebank
from service.knowledge.roles import Roles, load_roles
from service.knowledge.speech_types import SpeechTypes, load_types
from service.knowledge.templates import Templates
from service.text.grams import Background, StockIndex
from service.text.scrub import Scrubber
from service.text.segment import Segmenter, segmenter_for

DEFAULT_PROMPTS_DIR = PROJECT_ROOT / "prompts"
BRIEFS_DIRNAME = "briefs"


@dataclass(frozen=True)
class Kit:
    """The roles, speech types, lexicon, phrasebank, fields of work and templates of one
    prompts folder."""

    folder: Path
    roles: Roles
    types: SpeechTypes
    lexicon: Lexicon
    phrasebank: Phrasebank
    domains: Domains
    templates: Templates
    example_rules: ExampleRules  # the floor under which no example is shown

    def warmed(self) -> Kit:
        """The kit with everything it builds on first use built now (segmenter, scrubber,
        the scorer's indexes): a server does it at start-up, so no request's event loop pays
        for it (the segmenter alone takes about 0.2 s)."""
        for name in ("segmenter", "scrubber", "background", "stock_index", "restating_index"):
            getattr(self, name)
        return self

    @cached_property
    def segmenter(self) -> Segmenter:
        """Word segmentation that keeps this lexicon's formulations whole."""
        return segmenter_for(tuple(self.lexicon.canonical_terms))

    @cached_property
    def scrubber(self) -> Scrubber:
        """Takes names, places, dates and figures out of examples."""
        return Scrubber(self.segmenter)

    @cached_property
    def background(self) -> Background:
        """How stock each pair of characters is: the phrasebank and the fields' sentences."""
        stock = [entry for _, entry in self.phrasebank.entries()]
        stock += [entry for domain in self.domains.all for _, entry in domain.sentences.entries()]
        return Background(stock)

    @cached_property
    def stock_index(self) -> StockIndex:
        """The phrasebank's filler (its general sentences, the body and support lines any
        part can take), to tell a sentence written from one. Its frame lines (今天召开…,
        the labels of items, 让我们…, the formulas of a ceremony) are the form every such
        speech has, not filler."""
        filler = [
            entry
            for where, entry in self.phrasebank.entries()
            if where == "common" or where.endswith((".body", ".support"))
        ]
        return StockIndex(filler)

    @cached_property
    def restating_index(self) -> StockIndex:
        """The phrasebank's lines that say a heading or an item again ({heading}，是推动…的
        关键所在), to tell a sentence that only restates its heading."""
        return StockIndex(
            [
                entry
                for where, entry in self.phrasebank.entries()
                if ("{heading}" in entry or "{item}" in entry)
                and not where.endswith((".recap", ".concern"))
            ]
        )

    @property
    def briefs_dir(self) -> Path:
        """Example briefs, one per type (the page's 载入示例, the tests, the evals)."""
        return self.folder / BRIEFS_DIRNAME


def load_kit(folder: Path) -> Kit:
    """The kit of a prompts folder, loaded once per folder and process."""
    return _load(folder.resolve())


@lru_cache(maxsize=8)
def _load(folder: Path) -> Kit:
    roles = load_roles(folder / "roles.yaml")
    types = load_types(folder, roles)
    lexicon = load_lexicon(folder / "lexicon.yaml")
    rules = Rules(roles=roles, types=frozenset(types.values), lexicon=lexicon)
    phrasebank = load_phrasebank(folder / "phrasebank.yaml", rules)
    domains = load_domains(folder, rules, phrasebank)
    rules_of_examples = load_example_rules(folder)
    templates = Templates(folder)
    return Kit(folder, roles, types, lexicon, phrasebank, domains, templates, rules_of_examples)


def default_kit() -> Kit:
    """The bundled prompts folder's kit: for tests, benchmarks and tools, never the service's
    own code (which is handed the kit of its settings)."""
    return load_kit(DEFAULT_PROMPTS_DIR)
