"""`jianggao eval corpus|cases|generate`: the eval harness."""

from __future__ import annotations

from typing import Any


def register(commands: Any) -> None:
    """Add the `eval` sub-command group (implemented with the eval harness)."""
