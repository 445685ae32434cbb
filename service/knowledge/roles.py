"""Load and check prompts/roles.yaml: every part a skeleton may have, declared once.

A role says what a part of a speech is for and how the program treats it: its
Chinese label, which corpus sections serve as its examples, which lists of the
brief its prompt shows and its items come from, its default items and heading,
and whether the form needs it to open or close the speech. Skeletons, prompts,
the outline, the built-in drafter and the page all read roles from here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from service.corpus.records import SectionRole
from service.errors import KnowledgeError
from service.knowledge.files import read_yaml, validated

BriefList = Literal["achievements", "problems", "points", "agenda", "attendees"]
EXAMPLE_SECTIONS = frozenset(("opening", "achievements", "problems", "agenda", "point", "closing"))


class RoleSpec(BaseModel):
    """One role: what the part is for and how the program writes and checks it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    label: str = Field(min_length=2, max_length=12)
    corpus: SectionRole
    facts: tuple[BriefList, ...] = ()
    items_from: BriefList | None = None
    default_items: tuple[str, ...] = ()
    heading: str | None = None
    default_headings: tuple[str, ...] = ()
    opens: bool = False
    closes: bool = False
    first_person: bool = False
    presiding: bool = False

    @field_validator("corpus")
    @classmethod
    def _example_section(cls, value: SectionRole) -> SectionRole:
        if value not in EXAMPLE_SECTIONS:
            raise ValueError(f"corpus 应为 {sorted(EXAMPLE_SECTIONS)} 之一")
        return value

    @model_validator(mode="after")
    def _check(self) -> RoleSpec:
        for template in (self.heading or "", *self.default_headings):
            if template.replace("{topic}", "").count("{"):
                raise ValueError(f"标题“{template}”只能用占位符 {{topic}}")
        return self


class Roles(BaseModel):
    """All roles of prompts/roles.yaml, and the parts the program writes itself."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    program: dict[str, str] = Field(min_length=1)
    roles: dict[str, RoleSpec] = Field(min_length=1)

    @model_validator(mode="after")
    def _check(self) -> Roles:
        both = set(self.program) & set(self.roles)
        if both:
            raise ValueError(f"{sorted(both)} 既是程序写的部分又是起草的角色")
        return self

    def __contains__(self, role: object) -> bool:
        return role in self.roles

    def spec(self, role: str) -> RoleSpec:
        """The role's description; KnowledgeError names the known roles."""
        try:
            return self.roles[role]
        except KeyError:
            raise KnowledgeError(f"不认识的部分角色“{role}”；可用：{sorted(self.roles)}") from None

    def label(self, role: str) -> str:
        """The Chinese name of any part, drafted or written by the program."""
        if role in self.program:
            return self.program[role]
        found = self.roles.get(role)
        return found.label if found else role

    def labels(self) -> dict[str, str]:
        """Every part's Chinese name, for the page and the reports."""
        return {**self.program, **{name: spec.label for name, spec in self.roles.items()}}

    def with_flag(self, flag: str) -> frozenset[str]:
        """Roles where a boolean attribute is set (opens, closes, first_person, presiding)."""
        return frozenset(name for name, spec in self.roles.items() if getattr(spec, flag))


def load_roles(path: Path) -> Roles:
    """Read and validate a roles file; errors name the file and the rule broken."""
    return validated(Roles, read_yaml(path, "角色文件"), path, "角色文件")
