"""Building a real app for tests: a corpus build dir from the seeds, a SQLite file, settings."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from service.config import Settings
from service.corpus.records import CorpusRecord, write_records
from service.index_store import CORPUS_FILENAME, open_index
from service.main import create_app

BRIEFS_DIR = Path(__file__).resolve().parent.parent / "evals" / "briefs"


def make_build_dir(root: Path, records: list[CorpusRecord]) -> Path:
    """speeches.jsonl and its saved index, as `jianggao corpus build` leaves them."""
    build = root / "build"
    write_records(build / CORPUS_FILENAME, records)
    open_index(build)
    return build


def settings_for(tmp_path: Path, build_dir: Path, **changes: Any) -> Settings:
    """Settings for one test: its own database and upload folder, the shared corpus build."""
    values: dict[str, Any] = {
        "build_dir": build_dir,
        "corpus_dir": tmp_path / "raw",
        "database_url": f"sqlite:///{tmp_path / 'drafts.db'}",
        "drafter": "builtin",
    }
    values.update(changes)
    return Settings(**values)


@contextmanager
def running_app(settings: Settings) -> Iterator[TestClient]:
    """The real app with its lifespan run (index, store, drafter built once)."""
    with TestClient(create_app(settings)) as client:
        yield client


def example_brief(name: str) -> dict[str, Any]:
    """One of evals/briefs/*.json."""
    data: dict[str, Any] = json.loads((BRIEFS_DIR / f"{name}.json").read_text(encoding="utf-8"))
    return data


def brief_names() -> list[str]:
    return sorted(p.stem for p in BRIEFS_DIR.glob("*.json"))


def sse_events(body: str) -> list[tuple[str, Any]]:
    """(event, data) pairs of a Server-Sent Events body."""
    events = []
    for block in body.strip().split("\n\n"):
        fields = dict(line.split(": ", 1) for line in block.split("\n") if ": " in line)
        events.append((fields.get("event", "message"), json.loads(fields.get("data", "null"))))
    return events
