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
from service.knowledge.lexicon import Lexicon, load_lexicon
from service.knowledge.phrasebank import Phrasebank, Rules, load_phrasebank
from service.knowledge.roles import Roles, load_roles
from service.knowledge.speech_types import SpeechTypes, load_types
from service.knowledge.templates import Templates
from service.text.scrub import Scrubber
from service.text.segment import Segmenter, segmenter_for

DEFAULT_PROMPTS_DIR = PROJECT_ROOT / "prompts"
BRIEFS_DIRNAME = "briefs"


@dataclass(frozen=True)
class Kit:
    """The roles, speech types, lexicon, phrasebank and templates of one prompts folder."""

    folder: Path
    roles: Roles
    types: SpeechTypes
    lexicon: Lexicon
    phrasebank: Phrasebank
    templates: Templates

    @cached_property
    def segmenter(self) -> Segmenter:
        """Word segmentation that keeps this lexicon's formulations whole."""
        return segmenter_for(tuple(self.lexicon.canonical_terms))

    @cached_property
    def scrubber(self) -> Scrubber:
        """Takes names, places, dates and figures out of examples."""
        return Scrubber(self.segmenter)

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
    return Kit(folder, roles, types, lexicon, phrasebank, Templates(folder))


def default_kit() -> Kit:
    """The bundled prompts folder's kit: for tests, benchmarks and tools, never the service's
    own code (which is handed the kit of its settings)."""
    return load_kit(DEFAULT_PROMPTS_DIR)
