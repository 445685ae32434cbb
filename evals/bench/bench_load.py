"""Load on loopback: many drafts at once against one `jianggao serve` worker, with a probe
asking /healthz all the while. Bounded in count and time; nothing leaves the machine.

Prints drafts per second, draft latency p50/p95/p99, /healthz latency under load against
the same probe on the idle server (the peer), 503s turned away, errors other than those,
and a read-back of every 201. With `--model paced` or `--model instant` the drafts come from
the fake OpenAI-compatible model on loopback (paced like a served model, or answering at
once) instead of the built-in drafter, and it prints the service's own overhead: each
draft's latency less the time its model stages took (outline, parts, repairs, as the draft's
own timings_ms report them). Run:
.venv/bin/python evals/bench/bench_load.py [CONCURRENCY] [--model builtin|paced|instant]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

from service.testing.fake_upstream import FakeUpstream, Pacing
from service.testing.model_responder import ModelResponder

ROOT = Path(__file__).resolve().parents[2]
BRIEF = json.loads((ROOT / "prompts" / "briefs" / "work_meeting.json").read_text("utf-8"))
DRAFTS_PER_CLIENT = 2
MIN_DRAFTS = 12  # at low concurrency each client drafts more, so p99 is not one draft
PROBE_EVERY_S = 0.05
DEADLINE_S = 300
PACED = Pacing(first_token_s=0.3, tokens_per_s=200)  # a served model, quicker than most
MODEL_STAGES = ("outline", "sections", "repair", "judge")
Result = tuple[int, float, str, float]  # status, seconds, draft id, seconds in model stages


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


async def _drafts(client: httpx.AsyncClient, count: int, results: list[Result]) -> None:
    for _ in range(count):
        started = time.perf_counter()
        response = await client.post("/v1/drafts", json=BRIEF)
        seconds = time.perf_counter() - started
        draft = response.json() if response.status_code == 201 else {}
        timings = draft.get("timings_ms", {})
        stages: tuple[str, ...] = MODEL_STAGES
        if draft.get("mode") == "subpoints":  # the outline streams while parts are written:
            stages = tuple(s for s in MODEL_STAGES if s != "outline")  # within `sections`
        model_s = sum(timings.get(stage, 0) for stage in stages) / 1000
        results.append((response.status_code, seconds, draft.get("id", ""), model_s))


async def _idle_probe(client: httpx.AsyncClient) -> list[float]:
    seen: list[float] = []
    stop = asyncio.Event()
    task = asyncio.create_task(_probe(client, stop, seen))
    await asyncio.sleep(2)
    stop.set()
    await task
    return seen


async def _run(base: str, concurrency: int, model: str) -> None:
    limits = httpx.Limits(max_connections=concurrency + 4)
    async with httpx.AsyncClient(base_url=base, timeout=DEADLINE_S, limits=limits) as client:
        idle = await _idle_probe(client)
        probes: list[float] = []
        results: list[Result] = []
        stop = asyncio.Event()
        await _drafts(client, 1, [])  # warm-up, not counted: a serving worker is past it
        probe = asyncio.create_task(_probe(client, stop, probes))
        each = max(DRAFTS_PER_CLIENT, -(-MIN_DRAFTS // concurrency))
        started = time.perf_counter()
        await asyncio.gather(*(_drafts(client, each, results) for _ in range(concurrency)))
        wall = time.perf_counter() - started
        stop.set()
        await probe
        ids = [draft_id for status, _, draft_id, _ in results if status == 201]
        read = [await client.get(f"/v1/drafts/{draft_id}") for draft_id in ids]
    ok = [seconds for status, seconds, _, _ in results if status == 201]
    busy = sum(status == 503 for status, _, _, _ in results)
    errors = sum(status not in (201, 503) for status, _, _, _ in results)
    intact = sum(1 for r in read if r.status_code == 200 and r.json().get("text"))
    idle_p95, load_p95 = _percentile(idle, 0.95), _percentile(probes, 0.95)
    rate = len(ok) / wall
    print(
        f"drafter {model}, concurrency {concurrency}, {len(results)} drafts in {wall:.1f} s: "
        f"{rate:.1f} drafts/s"
    )
    print(
        f"draft latency p50 {_percentile(ok, 0.5):.2f} s, p95 {_percentile(ok, 0.95):.2f} s, "
        f"p99 {_percentile(ok, 0.99):.2f} s"
    )
    if model != "builtin":
        model_s = [m for status, _, _, m in results if status == 201]
        overhead = [seconds - m for status, seconds, _, m in results if status == 201]
        print(
            f"time in model stages p50 {_percentile(model_s, 0.5):.2f} s; service overhead "
            f"(latency less model stages) p50 {_percentile(overhead, 0.5) * 1000:.0f} ms, "
            f"p99 {_percentile(overhead, 0.99) * 1000:.0f} ms"
        )
    print(
        f"/healthz p95 {load_p95 * 1000:.0f} ms under load against {idle_p95 * 1000:.0f} ms idle "
        f"({load_p95 / max(idle_p95, 1e-6):.0f}x); max {max(probes, default=0) * 1000:.0f} ms; "
        f"median {statistics.median(probes) * 1000 if probes else 0:.0f} ms"
    )
    print(
        f"turned away (503): {busy}; other errors: {errors}; read back intact: {intact}/{len(ids)}"
    )


@contextlib.contextmanager
def _fake_model(kind: str) -> Iterator[str]:
    """The fake model in a process of its own (its stand-in writes with the built-in
    drafter's means, which would otherwise take the GIL from this script's probe)."""
    fake = subprocess.Popen(
        [sys.executable, __file__, "--serve-fake", kind], cwd=ROOT,
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert fake.stdout is not None
        yield fake.stdout.readline().strip()
    finally:
        fake.terminate()
        fake.wait(10)


def _serve_fake(kind: str) -> None:
    pacing = PACED if kind == "paced" else Pacing()
    with FakeUpstream(ModelResponder(), pacing=pacing) as fake:
        print(fake.base_url, flush=True)
        threading.Event().wait()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("concurrency", type=int, nargs="?", default=None)
    parser.add_argument("--model", choices=["builtin", "paced", "instant"], default="builtin")
    parser.add_argument("--serve-fake", choices=["paced", "instant"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_fake:
        _serve_fake(args.serve_fake)
    concurrency = args.concurrency or (64 if args.model == "builtin" else 16)
    port = _free_port()
    with tempfile.TemporaryDirectory() as var, contextlib.ExitStack() as stack:
        env = {
            **os.environ,
            "JIANGGAO_DRAFTER": "builtin",
            "JIANGGAO_PORT": str(port),
            "JIANGGAO_DATABASE_URL": f"sqlite:///{Path(var) / 'load.db'}",
            "JIANGGAO_MAX_DRAFTS_IN_FLIGHT": str(max(concurrency, 1)),
            "JIANGGAO_LOG_LEVEL": "WARNING",
        }
        if args.model != "builtin":
            fake_url = stack.enter_context(_fake_model(args.model))
            env |= {
                "JIANGGAO_DRAFTER": "openai", "OPENAI_BASE_URL": fake_url,
                "OPENAI_API_KEY": "bench", "JIANGGAO_MODEL": "fake-model",
                "JIANGGAO_JUDGE": "false",
            }  # fmt: skip
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
            asyncio.run(_run(base, concurrency, args.model))
        finally:
            server.terminate()
            server.wait(10)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
