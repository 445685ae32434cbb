"""The wording lexicon: canonical political formulations and their known wrong variants."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from pydantic import BaseModel, Field, model_validator

from service.knowledge.files import read_yaml, validated


class Term(BaseModel):
    """A canonical formulation and the wrong forms it is known to be written in."""

    canonical: str = Field(min_length=2)
    variants: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _variants_differ(self) -> Term:
        if self.canonical in self.variants:
            raise ValueError(f"“{self.canonical}”的错误写法里不能包含它自己")
        return self


@dataclass(frozen=True)
class Misuse:
    """A wrong variant found in a text: where, what was written, what it should be."""

    line: int
    found: str
    canonical: str


class Lexicon(BaseModel):
    """All terms of prompts/lexicon.yaml, plus fixed words whose numerals are not figures."""

    terms: list[Term]
    # Set phrases written with Chinese numerals that name things rather than count them
    # (两个一百年, 十四五): the figure finder must not read them as invented figures.
    numeral_words: list[str] = Field(default_factory=list)

    @property
    def canonical_terms(self) -> list[str]:
        return [term.canonical for term in self.terms]

    @cached_property
    def _variant_pattern(self) -> re.Pattern[str] | None:
        variants = sorted({v for t in self.terms for v in t.variants}, key=len, reverse=True)
        return re.compile("|".join(map(re.escape, variants))) if variants else None

    @cached_property
    def _canonical_pattern(self) -> re.Pattern[str]:
        terms = sorted(self.canonical_terms, key=len, reverse=True)
        return re.compile("|".join(map(re.escape, terms)))

    @cached_property
    def _canonical_of(self) -> dict[str, str]:
        return {v: t.canonical for t in self.terms for v in t.variants}

    def misuses(self, text: str) -> list[Misuse]:
        """Known wrong variants in text; a canonical form is masked first so it never matches."""
        if self._variant_pattern is None:
            return []
        masked = self._canonical_pattern.sub(lambda m: "\0" * len(m.group()), text)
        return [
            Misuse(text.count("\n", 0, m.start()) + 1, m.group(), self._canonical_of[m.group()])
            for m in self._variant_pattern.finditer(masked)
        ]

    @property
    def fixed_numeral_words(self) -> list[str]:
        """Canonical terms and set phrases whose numerals are part of a name (四个意识)."""
        numerals = set("零〇一二两三四五六七八九十百千万亿")
        named = [term for term in self.canonical_terms if numerals & set(term)]
        return named + self.numeral_words


def load_lexicon(path: Path) -> Lexicon:
    """Load and validate a lexicon file (prompts/lexicon.yaml)."""
    return validated(Lexicon, read_yaml(path, "词表文件"), path, "词表文件")
