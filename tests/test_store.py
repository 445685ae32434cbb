"""The draft store on a real SQLite file in tmp_path."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from service.errors import InputError, NotFound, StoreError
from service.schemas import Brief
from service.store import Store

BRIEF = Brief.model_validate(
    {
        "speech_type": "推进会讲话",
        "meeting": "全市安全生产工作推进会",
        "speaker": "市长",
        "points": [{"title": "压实安全责任"}],
    }
)


def payload(n: int = 1) -> dict[str, Any]:
    return {
        "title": f"在全市安全生产工作推进会上的讲话（第{n}稿）",
        "sections": [{"heading": "一、压实安全责任", "text": "同志们：……"}],
    }


@pytest.fixture
def db_file(tmp_path: Path) -> Path:
    return tmp_path / "var" / "drafts.db"


@pytest.fixture
def store(db_file: Path) -> Store:
    return Store(f"sqlite:///{db_file}")


def test_draft_round_trip(store: Store, db_file: Path) -> None:
    before = datetime.now(UTC)
    draft_id = store.save_draft(payload(), BRIEF, drafter="openai", model="qwen-plus")
    got = store.get_draft(draft_id)
    assert (got.id, got.version, got.latest_version, got.parent_version) == (draft_id, 1, 1, None)
    assert got.status == "complete" and got.error is None
    assert got.payload == payload() and got.brief == BRIEF.model_dump(mode="json")
    assert got.brief["speech_type"] == BRIEF.speech_type
    assert (got.drafter, got.model) == ("openai", "qwen-plus")
    assert before <= got.created_at <= datetime.now(UTC) + timedelta(seconds=1)
    with sqlite3.connect(db_file) as raw:  # Chinese stored as text, not \\u escapes
        [stored] = raw.execute("SELECT payload FROM drafts").fetchone()
    assert "压实安全责任" in stored


def test_new_versions_keep_the_old_ones(store: Store) -> None:
    draft_id = store.save_draft(payload(1), BRIEF, drafter="builtin", model=None)
    assert store.add_version(draft_id, payload(2)) == 2
    assert store.add_version(draft_id, payload(3), drafter="openai", model="gpt-4o") == 3
    assert store.add_version(draft_id, payload(4), parent_version=1) == 4
    latest = store.get_draft(draft_id)
    assert (latest.version, latest.latest_version, latest.parent_version) == (4, 4, 1)
    assert latest.payload == payload(4) and latest.drafter == "builtin"
    third = store.get_draft(draft_id, version=3)
    assert (third.parent_version, third.drafter, third.model) == (2, "openai", "gpt-4o")
    assert store.get_draft(draft_id, version=1).payload == payload(1)
    assert third.brief == latest.brief == BRIEF.model_dump(mode="json")


def test_missing_drafts_and_versions_are_not_found(store: Store) -> None:
    draft_id = store.save_draft(payload(), BRIEF, drafter="builtin", model=None)
    with pytest.raises(NotFound, match="no draft with id"):
        store.get_draft("0" * 32)
    with pytest.raises(NotFound, match="versions 1 to 1") as caught:
        store.get_draft(draft_id, version=2)
    assert caught.value.field == "version"
    with pytest.raises(NotFound):
        store.add_version("0" * 32, payload())
    with pytest.raises(NotFound):
        store.add_version(draft_id, payload(), parent_version=7)


def test_failures_are_recorded_with_their_error(store: Store) -> None:
    failed = store.save_failure(BRIEF, "The model endpoint timed out after 3 retries.")
    got = store.get_draft(failed)
    assert got.status == "failed" and got.payload is None
    assert got.error == "The model endpoint timed out after 3 retries."
    items, total = store.list_drafts()
    assert total == 1 and items[0].status == "failed" and items[0].error == got.error


def test_paging_lists_latest_versions_most_recent_first(store: Store) -> None:
    ids = [store.save_draft(payload(), BRIEF, drafter="builtin", model=None) for _ in range(5)]
    store.add_version(ids[0], payload(2))  # the oldest draft changed last: it comes first
    pages = [store.list_drafts(limit=2, offset=offset) for offset in (0, 2, 4, 6)]
    assert [total for _, total in pages] == [5, 5, 5, 5]
    listed = [item.id for items, _ in pages for item in items]
    assert listed == [ids[0], ids[4], ids[3], ids[2], ids[1]]
    first = pages[0][0][0]
    assert first.latest_version == 2 and first.updated_at > first.created_at
    assert pages[3][0] == []


@pytest.mark.parametrize(
    ("limit", "offset", "field"), [(0, 0, "limit"), (201, 0, "limit"), (10, -1, "offset")]
)
def test_bad_paging_is_an_input_error(store: Store, limit: int, offset: int, field: str) -> None:
    with pytest.raises(InputError) as caught:
        store.list_drafts(limit=limit, offset=offset)
    assert caught.value.field == field


def test_two_stores_on_one_file_see_each_others_writes(db_file: Path) -> None:
    url = f"sqlite:///{db_file}"
    first, second = Store(url), Store(url)  # like two uvicorn workers
    draft_id = first.save_draft(payload(), BRIEF, drafter="builtin", model=None)
    assert second.get_draft(draft_id).payload == payload()
    assert second.add_version(draft_id, payload(2)) == 2
    assert first.get_draft(draft_id).latest_version == 2
    assert first.list_drafts()[1] == second.list_drafts()[1] == 1


def distinct_versions_from(stores: list[Store]) -> list[int]:
    """Six versions added at once through the stores in turn (two workers): their numbers."""
    draft_id = stores[0].save_draft(payload(), BRIEF, drafter="builtin", model=None)
    numbers: list[int] = []
    start = threading.Barrier(6)

    def add(store: Store) -> None:
        start.wait()
        numbers.append(store.add_version(draft_id, payload()))

    threads = [threading.Thread(target=add, args=(stores[n % 2],)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sorted(numbers)


def test_concurrent_versions_from_two_stores_get_distinct_numbers(db_file: Path) -> None:
    url = f"sqlite:///{db_file}"
    assert distinct_versions_from([Store(url), Store(url)]) == [2, 3, 4, 5, 6, 7]


def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(store: Store, db_file: Path) -> None:
    assert db_file.parent.is_dir()  # var/ was created
    with store.engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA busy_timeout")).scalar() == 5000
    with sqlite3.connect(db_file) as raw:  # WAL is a property of the file itself
        assert raw.execute("PRAGMA journal_mode").fetchone() == ("wal",)


def test_in_memory_store_works_from_async_code_through_threads() -> None:
    memory = Store("sqlite://")

    async def round_trip() -> dict[str, Any] | None:
        draft_id = await asyncio.to_thread(memory.save_draft, payload(), BRIEF, "builtin", None)
        return (await asyncio.to_thread(memory.get_draft, draft_id)).payload

    assert asyncio.run(round_trip()) == payload()


def test_unusable_database_url_is_a_store_error(tmp_path: Path) -> None:
    with pytest.raises(StoreError) as caught:
        Store("nosuchdb://somewhere/x")
    assert caught.value.field == "database_url"
    with pytest.raises(StoreError, match="database failed"):
        Store(f"sqlite:///{tmp_path}")  # a directory, not a database file
