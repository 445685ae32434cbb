"""Reading the YAML files of prompts/: one way to fail, naming the file and the rule broken."""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from service.errors import KnowledgeError

M = TypeVar("M", bound=BaseModel)


def read_yaml(path: Path, what: str) -> Any:
    """The parsed file; KnowledgeError when it is missing or not YAML."""
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise KnowledgeError(f"读不了{what} {path.name}：{exc}") from exc


def validated(
    model: type[M], data: Any, path: Path, what: str, context: dict[str, Any] | None = None
) -> M:
    """The data as a model; KnowledgeError listing every rule the file breaks."""
    try:
        return model.model_validate(data, context=context)
    except ValidationError as exc:
        problems = "；".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise KnowledgeError(f"{what} {path.name} 不合规：{problems}") from exc
