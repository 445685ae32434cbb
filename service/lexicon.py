"""The wording lexicon: canonical political formulations and their known wrong variants."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import BaseModel, Field

from service.config import get_settings


class Term(BaseModel):
    """A canonical formulation and the wrong forms it is known to be written in."""

    canonical: str = Field(min_length=2)
    variants: list[str] = Field(default_factory=list)


class Lexicon(BaseModel):
    """All terms of prompts/lexicon.yaml."""

    terms: list[Term]

    @property
    def canonical_terms(self) -> list[str]:
        return [term.canonical for term in self.terms]


def load_lexicon(path: Path | None = None) -> Lexicon:
    """Load and validate the lexicon file (default: prompts/lexicon.yaml)."""
    source = path or get_settings().prompts_dir / "lexicon.yaml"
    return _load(source)


@lru_cache(maxsize=4)
def _load(path: Path) -> Lexicon:
    with path.open(encoding="utf-8") as handle:
        return Lexicon.model_validate(yaml.safe_load(handle))
