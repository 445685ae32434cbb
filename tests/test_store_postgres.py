"""The draft store and the API on a real PostgreSQL server (the scale-out database).

CI starts the machine's PostgreSQL with .ci/postgres.sh and passes its URL in
JIANGGAO_TEST_POSTGRES_URL; on a developer machine without one these tests skip.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from service.store import Store
from tests.apphelpers import example_brief, running_app, settings_for
from tests.test_store import BRIEF, distinct_versions_from, payload

URL = os.environ.get("JIANGGAO_TEST_POSTGRES_URL", "")


@pytest.fixture
def pg_url() -> Iterator[str]:
    if not URL:
        pytest.skip("no PostgreSQL: set JIANGGAO_TEST_POSTGRES_URL (CI does, via .ci/postgres.sh)")
    engine = create_engine(URL)
    with engine.begin() as connection:
        connection.execute(text("DROP TABLE IF EXISTS drafts"))
        connection.execute(text("DROP TABLE IF EXISTS rate_counts"))
        connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
    engine.dispose()
    yield URL


def test_round_trip_versions_and_failures(pg_url: str) -> None:
    store = Store(pg_url)
    draft_id = store.save_draft(payload(), BRIEF, drafter="builtin", model=None)
    assert store.get_draft(draft_id).payload == payload()
    assert store.add_version(draft_id, payload(2), parent_version=1) == 2
    assert store.get_draft(draft_id, 1).payload == payload(1)
    failed = store.save_failure(BRIEF, "模型服务不可用")
    items, total = store.list_drafts(limit=10)
    assert total == 2 and {i.id for i in items} == {draft_id, failed}
    assert store.get_draft(failed).status == "failed"
    store.close()


def test_two_workers_adding_versions_get_distinct_numbers(pg_url: str) -> None:
    assert distinct_versions_from([Store(pg_url), Store(pg_url)]) == [2, 3, 4, 5, 6, 7]


def test_api_drafts_into_postgres(pg_url: str, tmp_path: Path, build_dir: Path) -> None:
    with running_app(settings_for(tmp_path, build_dir, database_url=pg_url)) as client:
        draft = client.post("/v1/drafts", json=example_brief("pledge")).json()
        assert client.get(f"/v1/drafts/{draft['id']}").json()["text"] == draft["text"]


def test_rate_counts_from_two_workers_at_once_are_each_counted_once(pg_url: str) -> None:
    stores = [Store(pg_url), Store(pg_url)]
    with ThreadPoolExecutor(8) as pool:
        counts = list(pool.map(lambda n: stores[n % 2].count_request("key:x", 5)[0], range(40)))
    assert sorted(counts) == list(range(1, 41))
    assert stores[0].count_request("key:x", 6) == (1, 40)
    for store in stores:
        store.close()
