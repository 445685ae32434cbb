"""The real thing: `jianggao serve` as a separate process with two uvicorn workers, driven over
HTTP on loopback the way an office add-in or `curl` would drive it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.apphelpers import BRIEFS_DIR, serving, sse_events


@pytest.fixture
def server(tmp_path: Path, build_dir: Path) -> Iterator[str]:
    with serving(tmp_path, build_dir, "--workers", "2") as base:
        yield base


def test_curl_style_post_of_every_example_brief_then_reads_from_any_worker(server: str) -> None:
    for path in sorted(BRIEFS_DIR.glob("*.json")):  # `curl -X POST …/v1/drafts -d @brief.json`
        created = httpx.post(
            f"{server}/v1/drafts",
            content=path.read_bytes(),
            headers={"Content-Type": "application/x-www-form-urlencoded"},  # what curl -d sends
            timeout=60,
        )
        assert created.status_code == 201, (path.name, created.text)
        draft = created.json()
        failed = [c["name"] for c in draft["report"]["checks"] if not c["passed"]]
        assert draft["drafter"] == "builtin" and draft["report"]["passed"], (path.name, failed)
        for _ in range(4):  # the two workers share the SQLite file
            again = httpx.get(f"{server}/v1/drafts/{draft['id']}", timeout=10)
            assert again.status_code == 200 and again.json()["text"] == draft["text"]


def test_streaming_over_real_http(server: str) -> None:
    brief = json.loads((BRIEFS_DIR / "presiding.json").read_text(encoding="utf-8"))
    names: list[str] = []
    text = ""
    with httpx.stream(
        "POST", f"{server}/v1/drafts", json=brief,
        headers={"Accept": "text/event-stream"}, timeout=60,
    ) as response:  # fmt: skip
        assert response.headers["content-type"].startswith("text/event-stream")
        for chunk in response.iter_text():
            text += chunk
    events = sse_events(text)
    names = [name for name, _ in events]
    assert names[-1] == "done" and "outline" in names
    assert events[-1][1]["report"]["passed"]


def test_docs_and_problem_json(server: str) -> None:
    assert httpx.get(f"{server}/docs", timeout=10).status_code == 200
    spec = httpx.get(f"{server}/openapi.json", timeout=10).json()
    assert "/v1/drafts" in spec["paths"]
    bad = httpx.post(f"{server}/v1/drafts", json={"speech_type": "work_meeting"}, timeout=10)
    assert bad.status_code == 422
    assert bad.headers["content-type"].startswith("application/problem+json")
    assert bad.json()["field"] in ("meeting", "speaker")
