"""Schema migrations (Alembic) on a real SQLite file and, when JIANGGAO_TEST_POSTGRES_URL is set,
on PostgreSQL (each test in a schema of its own): a fresh database, one the old `create_all`
made (rows kept), many processes starting at once, and the models against the migrations."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import (
    JSON,
    CheckConstraint,
    Column,
    DateTime,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    inspect,
    text,
)

from service.cli import main
from service.config import get_settings
from service.migrate import alembic_config, current, head, upgrade, upgrade_url
from service.store import METADATA, Store, make_engine
from tests.apphelpers import PG_URL, pg_schema

# The drafts table exactly as `Store` declared it when `create_all` made the schema.
OLD = MetaData()
Table(
    "drafts",
    OLD,
    Column("id", String(32), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("parent_version", Integer),
    Column("status", String(16), nullable=False),
    Column("error", Text),
    Column("brief", JSON, nullable=False),
    Column("payload", JSON),
    Column("drafter", String(64)),
    Column("model", String(200)),
    Column("created_at", DateTime(timezone=True), nullable=False),
    CheckConstraint("status IN ('complete', 'failed')", name="ck_drafts_status"),
    Index("ix_drafts_created_at", "created_at"),
)


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database: a new SQLite file, or a new schema on the test PostgreSQL server."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'var' / 'drafts.db'}"
        return
    if not PG_URL:
        pytest.skip("no PostgreSQL: set JIANGGAO_TEST_POSTGRES_URL (CI does, via .ci/postgres.sh)")
    with pg_schema(PG_URL) as url:
        yield url


def _tables(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return set(inspect(connection).get_table_names())
    finally:
        engine.dispose()


def _revision(url: str) -> str | None:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return current(connection)
    finally:
        engine.dispose()


def test_a_fresh_database_is_migrated_to_head(db_url: str) -> None:
    done = upgrade_url(db_url)
    assert (done.before, done.after) == (None, head())
    assert head() == "0002"
    assert _tables(db_url) == {"alembic_version", "drafts", "rate_counts"}
    again = upgrade_url(db_url)
    assert (again.before, again.after) == ("0002", "0002")


def test_a_database_made_by_create_all_is_stamped_and_keeps_its_rows(db_url: str) -> None:
    engine = make_engine(db_url)
    OLD.create_all(engine)
    with engine.begin() as connection:
        connection.execute(
            OLD.tables["drafts"].insert(),
            {
                "id": "a" * 32, "version": 1, "status": "complete",
                "brief": {"meeting": "全市防汛工作会议"}, "payload": {"title": "讲话"},
                "drafter": "builtin", "created_at": datetime(2025, 6, 1, tzinfo=UTC),
            },
        )  # fmt: skip
    done = upgrade(engine)
    engine.dispose()
    assert (done.before, done.after) == ("create_all", "0002")
    store = Store(db_url)
    kept = store.get_draft("a" * 32)
    assert kept.brief == {"meeting": "全市防汛工作会议"} and kept.payload == {"title": "讲话"}
    assert store.count_request("key:x", 1) == (1, 0)  # the table the migrations added works
    store.close()


def test_the_models_and_the_migrations_agree(db_url: str) -> None:
    engine = make_engine(db_url)
    upgrade(engine)
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), METADATA)
    assert differences == [], "a model changed: add a migration in service/migrations/versions/"
    with engine.begin() as connection:  # and every step back works too
        command.downgrade(alembic_config(connection), "base")
    assert _tables(db_url) == {"alembic_version"}
    upgrade(engine)
    engine.dispose()
    assert _revision(db_url) == "0002"


def test_many_workers_starting_at_once_migrate_once(db_url: str) -> None:
    script = "import sys; from service.store import Store; Store(sys.argv[1]).close()"
    workers = [
        subprocess.Popen([sys.executable, "-c", script, db_url], stderr=subprocess.PIPE, text=True)
        for _ in range(4)
    ]
    for worker in workers:
        _, err = worker.communicate(timeout=120)
        assert worker.returncode == 0, err
    engine = make_engine(db_url)
    with engine.connect() as connection:
        versions = connection.execute(text("SELECT version_num FROM alembic_version")).all()
    engine.dispose()
    assert versions == [("0002",)]


def test_a_newer_schema_is_left_alone(db_url: str) -> None:
    upgrade_url(db_url)
    engine = make_engine(db_url)
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = 'f00d'"))
    done = upgrade(engine)  # a newer release migrated first: this one still serves
    engine.dispose()
    assert (done.before, done.after) == ("f00d", "f00d")
    store = Store(db_url)
    assert store.list_drafts() == ([], 0)
    store.close()


def test_jianggao_db_upgrade(
    db_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("JIANGGAO_DATABASE_URL", db_url)
    get_settings.cache_clear()
    try:
        assert main(["db", "upgrade"]) == 0
        assert main(["db", "upgrade"]) == 0
    finally:
        get_settings.cache_clear()
    out = capsys.readouterr().out
    assert "空数据库 → 0002" in out and "0002 → 0002" in out
    assert "jianggao:jianggao@" not in out  # no password printed


def test_jianggao_db_upgrade_says_why_it_failed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("JIANGGAO_DATABASE_URL", f"sqlite:///{tmp_path}")  # a folder
    get_settings.cache_clear()
    try:
        assert main(["db", "upgrade"]) == 1
    finally:
        get_settings.cache_clear()
    err = capsys.readouterr().err
    assert err.startswith("数据库升级失败：") and "Traceback" not in err
