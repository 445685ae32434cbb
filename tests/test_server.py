"""The real thing: `jianggao serve` as a separate process with two uvicorn workers, driven over
HTTP on loopback the way an office add-in or `curl` would drive it."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.apphelpers import BRIEFS_DIR, sse_events


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture
def server(tmp_path: Path, build_dir: Path) -> Iterator[str]:
    port = _free_port()
    env = {
        **os.environ,
        "JIANGGAO_BUILD_DIR": str(build_dir),
        "JIANGGAO_CORPUS_DIR": str(tmp_path / "raw"),
        "JIANGGAO_DATABASE_URL": f"sqlite:///{tmp_path / 'drafts.db'}",
        "JIANGGAO_DRAFTER": "builtin",
    }
    env.pop("OPENAI_API_KEY", None)
    env.pop("OPENAI_BASE_URL", None)
    command = [sys.executable, "-m", "service.cli", "serve", "--port", str(port), "--workers", "2"]
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(base, process)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()


def _wait_until_up(base: str, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output = process.stdout.read() if process.stdout else ""
            raise AssertionError(f"server exited: {output}")
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise AssertionError("server did not start within 60 s")


def test_curl_style_post_then_reads_from_any_worker(server: str) -> None:
    body = (BRIEFS_DIR / "mobilization.json").read_bytes()
    created = httpx.post(
        f"{server}/v1/drafts",
        content=body,
        headers={"Content-Type": "application/x-www-form-urlencoded"},  # what curl -d sends
        timeout=60,
    )
    assert created.status_code == 201, created.text
    draft = created.json()
    assert draft["drafter"] == "builtin" and draft["report"]["passed"]
    for _ in range(6):  # the two workers share the SQLite file
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
