"""A streamed draft outlives its reader: the writer who closes the pane (or loses the line)
mid-draft finds the draft finished and saved; a stopping worker gives drafts a grace and keeps
the briefs of those it had to stop. Against `jianggao serve` drafting with a paced model."""

from __future__ import annotations

import asyncio
import json
import signal
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx

from service.api.admission import Admission
from service.api.detached import DetachedDrafts
from service.testing.fake_upstream import FakeUpstream, Pacing
from service.testing.model_responder import ModelResponder
from tests.apphelpers import (
    A_PACED_MODEL,
    BRIEFS_DIR,
    serving,
    serving_a_model,
    start_server,
    wait_until_up,
)


def _brief(name: str = "work_meeting") -> dict[str, Any]:
    data: dict[str, Any] = json.loads((BRIEFS_DIR / f"{name}.json").read_text(encoding="utf-8"))
    return data


def _read_until_text(base: str, brief: dict[str, Any]) -> None:
    """Stream a draft and hang up at its first words, as a closed task pane does."""
    headers = {"Accept": "text/event-stream"}
    with httpx.stream("POST", f"{base}/v1/drafts", json=brief, headers=headers, timeout=60) as r:
        assert r.status_code == 200
        for line in r.iter_lines():
            if line == "event: section.delta":
                return
    raise AssertionError("the stream ended before any text")


def _drafts(base: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = httpx.get(f"{base}/v1/drafts", timeout=10).json()["items"]
    return items


def _wait_for(condition: Any, what: str, timeout_s: float = 90) -> Any:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if found := condition():
            return found
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def _in_flight(base: str) -> float:
    metrics = httpx.get(f"{base}/metrics", timeout=10).text
    line = next(x for x in metrics.splitlines() if x.startswith("jianggao_drafts_in_flight"))
    return float(line.split()[-1])


def test_a_draft_whose_reader_hung_up_is_finished_and_saved(
    tmp_path: Path, build_dir: Path
) -> None:
    with serving_a_model(tmp_path, build_dir, A_PACED_MODEL) as (base, fake):
        _read_until_text(base, _brief())
        calls_when_left = len(fake.chat_requests)
        saved = _wait_for(lambda: next(iter(_drafts(base)), None), "the draft saved")
        assert saved["status"] == "complete" and saved["drafter"] == "openai"
        assert len(fake.chat_requests) > calls_when_left  # written on after the reader left
        draft = httpx.get(f"{base}/v1/drafts/{saved['id']}", timeout=10).json()
        assert draft["report"]["passed"] and all(s["text"].strip() for s in draft["sections"])
        assert draft["text"].rstrip().endswith("谢谢大家！")
        assert _in_flight(base) == 0  # its place among the drafts in flight given back
    log = "".join(p.read_text() for p in tmp_path.glob("serve-*.log"))
    assert "Traceback" not in log and "never retrieved" not in log


def test_a_stopping_worker_keeps_the_brief_of_a_draft_it_had_to_stop(
    tmp_path: Path, build_dir: Path
) -> None:
    """SIGTERM mid-draft, the reader gone: the worker waits its grace for the draft, and one
    that cannot finish in it (the model here is far too slow) is kept as a failed draft."""
    slow = Pacing(first_token_s=0.05, tokens_per_s=80)
    database = {"JIANGGAO_DATABASE_URL": f"sqlite:///{tmp_path / 'drafts.db'}"}
    with FakeUpstream(ModelResponder(), pacing=slow) as fake:
        process, base = start_server(
            tmp_path / "stopping", build_dir, **database, JIANGGAO_DRAFTER="openai",
            JIANGGAO_OPENAI_BASE_URL=fake.base_url, JIANGGAO_OPENAI_API_KEY="test-key",
            JIANGGAO_SHUTDOWN_GRACE_S="1",
        )  # fmt: skip
        try:
            wait_until_up(base, process, tmp_path / "stopping")
            _read_until_text(base, _brief())
            process.send_signal(signal.SIGTERM)
            assert process.wait(timeout=60) in (0, -signal.SIGTERM)  # uvicorn re-raises it
        finally:
            process.kill()
    with serving(tmp_path / "after", build_dir, **database) as after:
        (kept,) = _drafts(after)
    assert kept["status"] == "failed" and "服务停止" in kept["error"]
    assert kept["meeting"] == _brief()["meeting"]


def test_drain_waits_its_grace_then_stops_and_releases() -> None:
    async def scenario() -> tuple[list[bytes], int, list[str], int]:
        admission, drafts, stopped = Admission(4), DetachedDrafts(), []

        async def endless() -> AsyncIterator[bytes]:
            yield b"first"
            await asyncio.sleep(3600)
            yield b"never"

        async def on_stopped() -> None:
            stopped.append("kept")

        reader = drafts.start(endless(), admission.admit(), on_stopped)
        first = [await anext(reader)]
        await drafts.drain(grace_s=0.05)
        return first, admission.in_flight, stopped, drafts.running

    first, in_flight, stopped, running = asyncio.run(scenario())
    assert first == [b"first"] and in_flight == 0 and stopped == ["kept"] and running == 0
