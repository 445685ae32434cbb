"""A server killed outright under write load (SIGKILL to it and its workers, as a crash or the
OOM killer would) loses no draft whose 201 a client received: after a restart on the same
SQLite file every one of them is there and readable, the file passes integrity_check and the
service is ready again."""

from __future__ import annotations

import os
import signal
import sqlite3
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from tests.apphelpers import brief_names, example_brief, start_server, wait_until_up

CLIENTS = 8
ACKNOWLEDGED_BEFORE_KILL = 12
LOAD_LIMIT_S = 90  # the clients stop by themselves even if the kill never came


@pytest.mark.server
def test_acknowledged_drafts_survive_a_sigkill_mid_load(tmp_path: Path, build_dir: Path) -> None:
    process, base = start_server(tmp_path, build_dir, "--workers", "2")
    wait_until_up(base, process, tmp_path)
    acknowledged: dict[str, str] = {}  # id → text, as the client received them
    lock = threading.Lock()
    killed = threading.Event()
    briefs = [example_brief(name) for name in brief_names()]

    def client(n: int) -> int:
        sent = 0
        deadline = time.monotonic() + LOAD_LIMIT_S
        with httpx.Client(timeout=30) as http:
            while not killed.is_set() and time.monotonic() < deadline:
                sent += 1
                try:
                    response = http.post(f"{base}/v1/drafts", json=briefs[(n + sent) % len(briefs)])
                except httpx.HTTPError:
                    continue  # cut off by the kill: never acknowledged, so never owed
                assert response.status_code == 201, response.text
                with lock:
                    acknowledged[response.json()["id"]] = response.json()["text"]
        return sent

    try:
        with ThreadPoolExecutor(CLIENTS) as pool:
            running = [pool.submit(client, n) for n in range(CLIENTS)]
            while len(acknowledged) < ACKNOWLEDGED_BEFORE_KILL:
                assert not any(f.done() for f in running), [f.result() for f in running]
                time.sleep(0.02)
            os.killpg(process.pid, signal.SIGKILL)  # the server and both workers, mid-draft
            killed.set()
            sent = sum(f.result() for f in running)
        process.wait(timeout=10)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
    assert sent > len(acknowledged)  # some drafts were in flight when it died
    print(f"sent {sent}, acknowledged {len(acknowledged)} before the kill")

    database = tmp_path / "drafts.db"
    with sqlite3.connect(database) as raw:  # as the crash left it (the WAL is replayed)
        assert raw.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        stored = {row[0] for row in raw.execute("SELECT id FROM drafts WHERE status = 'complete'")}
    assert set(acknowledged) <= stored

    process, base = start_server(tmp_path, build_dir, "--workers", "2")
    try:
        wait_until_up(base, process, tmp_path)
        ready = httpx.get(f"{base}/readyz", timeout=10)
        assert ready.status_code == 200, ready.text
        with httpx.Client(timeout=10) as http:
            for draft_id, text in acknowledged.items():
                again = http.get(f"{base}/v1/drafts/{draft_id}")
                assert again.status_code == 200 and again.json()["text"] == text
            after = http.post(f"{base}/v1/drafts", json=example_brief("pledge"))
            assert after.status_code == 201  # and it drafts again
    finally:
        process.terminate()
        process.wait(timeout=15)
    with sqlite3.connect(database) as raw:
        assert raw.execute("PRAGMA integrity_check").fetchone() == ("ok",)
