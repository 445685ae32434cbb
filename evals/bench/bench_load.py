"""Load on loopback: many built-in drafts at once against one `jianggao serve` worker, with a
probe asking /healthz all the while. Bounded in count and time; nothing leaves the machine.

Prints drafts per second, draft latency p50/p95/p99, /healthz latency under load against
the same probe on the idle server (the peer), 503s turned away, errors other than those,
and a read-back of every 201. Run: .venv/bin/python evals/bench/bench_load.py [CONCURRENCY]
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
BRIEF = json.loads((ROOT / "prompts" / "briefs" / "work_meeting.json").read_text("utf-8"))
DRAFTS_PER_CLIENT = 2
PROBE_EVERY_S = 0.05
DEADLINE_S = 300


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0


async def _probe(client: httpx.AsyncClient, stop: asyncio.Event, seen: list[float]) -> None:
    while not stop.is_set():
        started = time.perf_counter()
        await client.get("/healthz")
        seen.append(time.perf_counter() - started)
        await asyncio.sleep(PROBE_EVERY_S)


async def _drafts(
    client: httpx.AsyncClient, count: int, results: list[tuple[int, float, str]]
) -> None:
    for _ in range(count):
        started = time.perf_counter()
        response = await client.post("/v1/drafts", json=BRIEF)
        draft_id = response.json().get("id", "") if response.status_code == 201 else ""
        results.append((response.status_code, time.perf_counter() - started, draft_id))


async def _idle_probe(client: httpx.AsyncClient) -> list[float]:
    seen: list[float] = []
    stop = asyncio.Event()
    task = asyncio.create_task(_probe(client, stop, seen))
    await asyncio.sleep(2)
    stop.set()
    await task
    return seen


async def _run(base: str, concurrency: int) -> None:
    limits = httpx.Limits(max_connections=concurrency + 4)
    async with httpx.AsyncClient(base_url=base, timeout=DEADLINE_S, limits=limits) as client:
        idle = await _idle_probe(client)
        probes: list[float] = []
        results: list[tuple[int, float, str]] = []
        stop = asyncio.Event()
        probe = asyncio.create_task(_probe(client, stop, probes))
        started = time.perf_counter()
        await asyncio.gather(
            *(_drafts(client, DRAFTS_PER_CLIENT, results) for _ in range(concurrency))
        )
        wall = time.perf_counter() - started
        stop.set()
        await probe
        ids = [draft_id for status, _, draft_id in results if status == 201]
        read = [await client.get(f"/v1/drafts/{draft_id}") for draft_id in ids]
    ok = [seconds for status, seconds, _ in results if status == 201]
    busy = sum(status == 503 for status, _, _ in results)
    errors = sum(status not in (201, 503) for status, _, _ in results)
    intact = sum(1 for r in read if r.status_code == 200 and r.json().get("text"))
    idle_p95, load_p95 = _percentile(idle, 0.95), _percentile(probes, 0.95)
    rate = len(ok) / wall
    print(f"concurrency {concurrency}, {len(results)} drafts in {wall:.1f} s: {rate:.1f} drafts/s")
    print(
        f"draft latency p50 {_percentile(ok, 0.5):.2f} s, p95 {_percentile(ok, 0.95):.2f} s, "
        f"p99 {_percentile(ok, 0.99):.2f} s"
    )
    print(
        f"/healthz p95 {load_p95 * 1000:.0f} ms under load against {idle_p95 * 1000:.0f} ms idle "
        f"({load_p95 / max(idle_p95, 1e-6):.0f}x); max {max(probes, default=0) * 1000:.0f} ms; "
        f"median {statistics.median(probes) * 1000 if probes else 0:.0f} ms"
    )
    print(
        f"turned away (503): {busy}; other errors: {errors}; read back intact: {intact}/{len(ids)}"
    )


def main() -> int:
    concurrency = int(sys.argv[1]) if len(sys.argv) > 1 else 64
    port = _free_port()
    with tempfile.TemporaryDirectory() as var:
        env = {
            **os.environ,
            "JIANGGAO_DRAFTER": "builtin",
            "JIANGGAO_PORT": str(port),
            "JIANGGAO_DATABASE_URL": f"sqlite:///{Path(var) / 'load.db'}",
            "JIANGGAO_MAX_DRAFTS_IN_FLIGHT": str(max(concurrency, 1)),
            "JIANGGAO_LOG_LEVEL": "WARNING",
        }
        server = subprocess.Popen(
            [sys.executable, "-m", "service.cli", "serve"], env=env, cwd=ROOT,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            base = f"http://127.0.0.1:{port}"
            for _ in range(200):
                try:
                    if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    time.sleep(0.1)
            asyncio.run(_run(base, concurrency))
        finally:
            server.terminate()
            server.wait(10)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
