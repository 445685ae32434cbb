"""What makes a corpus speech close enough to a brief to be shown as an example
(prompts/examples.yaml): the fields of work must agree, else enough shared content words."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from service.knowledge.files import read_yaml, validated

EXAMPLE_RULES_FILENAME = "examples.yaml"


class ExampleRules(BaseModel):
    """The floor under which no example is shown."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    same_type_for_parts: bool = True
    min_shared_words: int = Field(3, ge=1, le=20)
    generic_words: frozenset[str] = frozenset()


def load_example_rules(folder: Path) -> ExampleRules:
    """The folder's rules; the defaults (and no generic words) when it has no such file."""
    path = folder / EXAMPLE_RULES_FILENAME
    if not path.is_file():
        return ExampleRules()
    return validated(ExampleRules, read_yaml(path, "范文门槛文件"), path, "范文门槛文件")
