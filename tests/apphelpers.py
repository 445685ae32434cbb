"""Building a real app for tests: a corpus build dir from the seeds, a SQLite file, settings."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, make_url, text

from service.api.app import create_app
from service.config import Settings
from service.corpus.records import CorpusRecord, write_records
from service.knowledge.kit import default_kit
from service.retrieval.saved import CORPUS_FILENAME, open_index
from service.testing.fake_upstream import FakeUpstream, Pacing
from service.testing.model_responder import ModelResponder

BRIEFS_DIR = Path(__file__).resolve().parent.parent / "prompts" / "briefs"
PG_URL = os.environ.get("JIANGGAO_TEST_POSTGRES_URL", "")
# A model fast enough for tests yet slow enough that a draft is still streaming when a test
# hangs up on it (about ten seconds for a speech).
A_PACED_MODEL = Pacing(first_token_s=0.05, tokens_per_s=400)


def make_build_dir(root: Path, records: list[CorpusRecord]) -> Path:
    """speeches.jsonl and its saved index, as `jianggao corpus build` leaves them."""
    build = root / "build"
    write_records(build / CORPUS_FILENAME, records)
    open_index(build, default_kit().segmenter)
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
    """One of prompts/briefs/*.json."""
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


def free_port() -> int:
    """A loopback port nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def serving(root: Path, build_dir: Path, *args: str, **settings: str) -> Iterator[str]:
    """`jianggao serve` as a real process (built-in drafter, its own SQLite file) on a free
    port; yields its base URL and stops it afterwards. Extra args go to `serve`."""
    process, base = start_server(root, build_dir, *args, **settings)
    try:
        _wait_until_up(base, process, root)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()


@contextmanager
def serving_a_model(
    root: Path, build_dir: Path, pacing: Pacing, **settings: str
) -> Iterator[tuple[str, FakeUpstream]]:
    """`jianggao serve` drafting with the stand-in model behind a fake OpenAI-compatible
    endpoint on loopback, paced like a real one; yields the service's base URL and the fake."""
    with FakeUpstream(ModelResponder(), pacing=pacing) as fake:
        model = {
            "JIANGGAO_DRAFTER": "openai",
            "JIANGGAO_OPENAI_BASE_URL": fake.base_url,
            "JIANGGAO_OPENAI_API_KEY": "test-key",
        }
        with serving(root, build_dir, **model, **settings) as base:
            yield base, fake


def start_server(
    root: Path, build_dir: Path, *args: str, **settings: str
) -> tuple[subprocess.Popen[str], str]:
    """Start `jianggao serve` in a session of its own (so a test can kill it and its workers
    at once, as a crash or the OOM killer would); returns the process and its base URL."""
    port = free_port()
    env = {
        **os.environ,
        "JIANGGAO_BUILD_DIR": str(build_dir),
        "JIANGGAO_CORPUS_DIR": str(root / "raw"),
        "JIANGGAO_DATABASE_URL": f"sqlite:///{root / 'drafts.db'}",
        "JIANGGAO_DRAFTER": "builtin",
        **settings,
    }
    env.pop("OPENAI_API_KEY", None)
    env.pop("OPENAI_BASE_URL", None)
    command = [sys.executable, "-m", "service.cli", "serve", "--port", str(port), *args]
    root.mkdir(parents=True, exist_ok=True)
    # Its output to a file, never a pipe nobody reads: a busy server would fill it and stall.
    with (root / f"serve-{port}.log").open("a") as log:
        process = subprocess.Popen(
            command, env=env, stdout=log, stderr=subprocess.STDOUT, text=True,
            start_new_session=True,
        )  # fmt: skip
    return process, f"http://127.0.0.1:{port}"


def wait_until_up(base: str, process: subprocess.Popen[str], root: Path) -> None:
    """Return once /healthz answers; fail with the server's output if it exits first."""
    _wait_until_up(base, process, root)


def _wait_until_up(base: str, process: subprocess.Popen[str], log_dir: Path | None = None) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log = log_dir / f"serve-{base.rsplit(':', 1)[1]}.log" if log_dir else None
            output = log.read_text() if log else "(see its output)"
            raise AssertionError(f"server exited: {output}")
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise AssertionError("server did not start within 60 s")


@contextmanager
def pg_schema(server_url: str) -> Iterator[str]:
    """A URL of the test PostgreSQL server whose tables go in a new schema of their own,
    dropped afterwards (tests of one run, or of two checkouts, never see each other's)."""
    schema = f"test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server_url)
    with admin.begin() as connection:
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    url = make_url(server_url).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as connection:
            connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()
