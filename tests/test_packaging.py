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


def test_the_migrations_ship_in_the_wheel() -> None:
    """Every file Alembic needs at start-up is in a package, or named in package-data."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    data = config["tool"]["setuptools"]["package-data"]["service.migrations"]
    scripts = ROOT / "service" / "migrations"
    files = [p for p in scripts.rglob("*") if p.is_file() and "__pycache__" not in p.parts]
    assert any(p.parent.name == "versions" for p in files)
    for path in files:
        if path.suffix == ".py":
            assert (path.parent / "__init__.py").is_file(), f"{path} is in no package"
        else:
            assert any(path.relative_to(scripts).match(glob) for glob in data), path
