"""`jianggao check FILE`: score a speech text with the scorer."""

from __future__ import annotations

from typing import Any


def register(commands: Any) -> None:
    """Add the `check` sub-command (implemented with the scorer)."""
