"""Per-key rate limits: 429 problem+json with Retry-After, counted in the shared database, so the
limit holds over several workers and replicas (a real `jianggao serve` with two workers and a
second replica on the same file)."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from service.api.rate_limit import RateLimit, costly
from service.errors import RateLimited
from service.store import Store, _increment_portably
from tests.apphelpers import example_brief, running_app, serving, settings_for
from tests.test_metrics import _samples, _value

TEXT = {"text": "同志们：今天召开全市安全生产工作推进会，主要任务是压实责任、排查隐患。"}


class Clock:
    """A clock the test moves by hand (a limit's window is a minute)."""

    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock(600_000.0)  # the start of a window


@pytest.fixture
def limited(tmp_path: Path, build_dir: Path, clock: Clock) -> Iterator[TestClient]:
    with running_app(settings_for(tmp_path, build_dir, rate_limit_per_minute=3)) as client:
        client.app.state.rate_limit.clock = clock  # type: ignore[attr-defined]
        yield client


def test_costly_requests_past_the_limit_get_429_with_retry_after(
    limited: TestClient, clock: Clock
) -> None:
    before = _samples(limited)
    assert [limited.post("/v1/checks", json=TEXT).status_code for _ in range(3)] == [200] * 3
    clock.now += 20
    refused = limited.post("/v1/checks", json=TEXT)
    assert refused.status_code == 429
    assert refused.headers["content-type"].startswith("application/problem+json")
    # Twenty seconds into the next window, a third of this one's three has slid out of it.
    assert refused.headers["retry-after"] == "60"
    problem = refused.json()
    assert problem["type"].endswith("rate-limited") and problem["title"] == "请求太频繁"
    assert "每个地址每分钟最多起草、改写、检查或上传 3 次，请 60 秒后再试" in problem["detail"]
    # Reading is never limited; drafting shares the same budget.
    assert limited.get("/v1/drafts").status_code == 200
    assert limited.post("/v1/drafts", json=example_brief("pledge")).status_code == 429
    after = _samples(limited)
    name = "jianggao_requests_rate_limited_total"
    assert _value(after, name, kind="checks") == _value(before, name, kind="checks") + 1
    assert _value(after, name, kind="drafts") == _value(before, name, kind="drafts") + 1


def test_a_refused_request_is_not_counted_so_waiting_as_told_gets_through(
    limited: TestClient, clock: Clock
) -> None:
    for _ in range(3):
        assert limited.post("/v1/checks", json=TEXT).status_code == 200
    for _ in range(5):  # a client that keeps asking is refused, but does not dig itself deeper
        refused = limited.post("/v1/checks", json=TEXT)
        assert refused.status_code == 429
    wait = int(refused.headers["retry-after"])
    clock.now += wait - 1
    assert limited.post("/v1/checks", json=TEXT).status_code == 429
    clock.now += 1
    assert limited.post("/v1/checks", json=TEXT).status_code == 200


def test_each_api_key_has_its_own_budget(tmp_path: Path, build_dir: Path, clock: Clock) -> None:
    settings = settings_for(tmp_path, build_dir, rate_limit_per_minute=2, api_keys=["k1", "k2"])
    with running_app(settings) as client:
        client.app.state.rate_limit.clock = clock  # type: ignore[attr-defined]

        def check(key: str | None) -> int:
            headers = {"Authorization": f"Bearer {key}"} if key else {}
            return client.post("/v1/checks", json=TEXT, headers=headers).status_code

        assert [check(None) for _ in range(4)] == [401] * 4  # no key: refused, never counted
        assert [check("k1") for _ in range(3)] == [200, 200, 429]
        assert [check("k2") for _ in range(3)] == [200, 200, 429]
        refused = client.post("/v1/checks", json=TEXT, headers={"Authorization": "Bearer k1"})
    assert "每个密钥每分钟" in refused.json()["detail"]
    with sqlite3.connect(tmp_path / "drafts.db") as raw:  # keys are kept only as hashes
        buckets = [row[0] for row in raw.execute("SELECT bucket FROM rate_counts")]
    assert len(buckets) == 2 and not any("k1" in b or "k2" in b for b in buckets)


def test_the_window_slides(tmp_path: Path, clock: Clock) -> None:
    limit = RateLimit(Store(f"sqlite:///{tmp_path / 'd.db'}"), per_minute=4, clock=clock)
    for _ in range(4):
        limit.check("addr:1", "checks")
    clock.now += 90  # half-way through the next window: half of the four still count
    limit.check("addr:1", "checks")
    limit.check("addr:1", "checks")
    with pytest.raises(RateLimited) as refused:
        limit.check("addr:1", "checks")
    assert refused.value.retry_after_s == 15  # when a quarter of the last window is left
    clock.now += 15
    limit.check("addr:1", "checks")
    clock.now += 60  # a new window: the one before the last can no longer count and goes
    limit.check("addr:2", "checks")
    with sqlite3.connect(tmp_path / "d.db") as raw:
        windows = sorted(raw.execute("SELECT bucket, window_number, count FROM rate_counts"))
    assert windows == [("addr:1", 10001, 3), ("addr:2", 10002, 1)]


def test_the_portable_count_matches_the_upsert(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'd.db'}")
    with store._sessions.begin() as session:
        counts = [_increment_portably(session, "key:x", 7) for _ in range(3)]
    assert counts == [1, 2, 3]
    assert store.count_request("key:x", 7) == (4, 0)
    assert store.count_request("key:x", 8) == (1, 4)


def test_only_the_costly_endpoints_are_limited() -> None:
    assert costly("POST", "/v1/drafts") == "drafts"
    assert costly("POST", "/v1/outlines") == "outlines"
    assert costly("POST", "/v1/drafts/ab12/sections/3/regenerate") == "regenerate"
    assert costly("POST", "/v1/checks") == "checks"
    assert costly("POST", "/v1/corpus") == "corpus"
    for method, path in [("GET", "/v1/drafts"), ("GET", "/v1/corpus"), ("POST", "/healthz")]:
        assert costly(method, path) is None


def test_a_database_that_cannot_count_lets_requests_through(limited: TestClient) -> None:
    store: Store = limited.app.state.resources.store  # type: ignore[attr-defined]
    with store.engine.begin() as connection:
        connection.exec_driver_sql("DROP TABLE rate_counts")
    assert [limited.post("/v1/checks", json=TEXT).status_code for _ in range(5)] == [200] * 5


@pytest.fixture
def server(tmp_path: Path, build_dir: Path) -> Iterator[list[str]]:
    """Two uvicorn workers and a second replica, all counting in one SQLite file."""
    shared = {
        "JIANGGAO_DATABASE_URL": f"sqlite:///{tmp_path / 'shared.db'}",
        "JIANGGAO_RATE_LIMIT_PER_MINUTE": "7",
    }
    with (
        serving(tmp_path / "a", build_dir, "--workers", "2", **shared) as first,
        serving(tmp_path / "b", build_dir, **shared) as second,
    ):
        yield [first, second]


def test_the_limit_holds_over_workers_and_replicas(server: list[str]) -> None:
    if time.time() % 60 > 45:  # all requests in one window, so exactly the limit gets through
        time.sleep(61 - time.time() % 60)

    def check(n: int) -> int:
        return httpx.post(f"{server[n % 2]}/v1/checks", json=TEXT, timeout=30).status_code

    with ThreadPoolExecutor(8) as pool:
        codes = list(pool.map(check, range(24)))
    assert sorted(codes) == [200] * 7 + [429] * 17
