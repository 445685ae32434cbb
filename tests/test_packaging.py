"""The lock files pin every dependency pyproject.toml names, so installs are reproducible."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
_NAME = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)")


def _names(requirements: list[str]) -> set[str]:
    found = set()
    for requirement in requirements:
        match = _NAME.match(requirement)
        assert match, requirement
        found.add(re.sub(r"[-_.]+", "-", match.group(1)).lower())
    return found


def _pinned(lock: str) -> set[str]:
    text = (ROOT / lock).read_text(encoding="utf-8")
    pins = re.findall(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==\S+", text, re.M)
    assert "--hash=sha256:" in text, f"{lock} has no hashes"
    return {re.sub(r"[-_.]+", "-", name).lower() for name in pins}


def test_lock_files_pin_every_dependency_with_hashes() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    runtime = _names(project["dependencies"])
    test = _names(project["optional-dependencies"]["test"])
    assert runtime <= _pinned("requirements.lock"), "run `make lock` after editing dependencies"
    assert runtime | test <= _pinned("requirements-dev.lock"), "run `make lock`"
