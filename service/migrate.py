"""The database schema brought up to date with Alembic, safely from many processes at once.

Every worker (and `jianggao serve` before it starts them, and `jianggao db upgrade`) calls
`upgrade`: it takes a lock that holds across processes (an advisory lock on PostgreSQL, so
across replicas too; a file lock beside a SQLite file), then applies what is missing. A
database made by the old `create_all`, with the drafts table but no Alembic version, is
recognised and stamped as the first revision, its rows kept, before the rest is applied.
"""

from __future__ import annotations

import fcntl
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, inspect, text

from service.logs import get_logger, log_event

log = get_logger(__name__)
SCRIPTS = Path(__file__).resolve().parent / "migrations"
INITIAL = "0001"  # the schema `create_all` made before there were migrations
PG_LOCK_KEY = 0x6A69616E6767616F  # "jianggao": one key for every replica's upgrade


@dataclass(frozen=True)
class Upgraded:
    """What an upgrade did: the revision found (None: empty; `create_all`: the old schema,
    stamped) and the revision the database is at now."""

    before: str | None
    after: str | None


def alembic_config(connection: Connection | None = None) -> Config:
    """Alembic's configuration for our scripts, on a connection we give it (no alembic.ini)."""
    config = Config()
    config.set_main_option("script_location", str(SCRIPTS))
    config.attributes["connection"] = connection
    return config


@lru_cache(maxsize=1)
def head() -> str | None:
    """The newest revision of the scripts shipped with this version."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current(connection: Connection) -> str | None:
    """The revision a database is at (None when Alembic has never run on it)."""
    return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine) -> Upgraded:
    """Apply the missing migrations under the lock; a database already at head costs one read.
    A revision this version does not know (a newer release ran first) is left alone and
    logged: migrations only add, so the older code still works on it."""
    with _lock(engine), engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": PG_LOCK_KEY})
        found = current(connection)
        if found == head():
            return Upgraded(found, found)
        if found is not None and not _known(found):
            log_event(log, "db.newer_schema", logging.WARNING, revision=found, head=head())
            return Upgraded(found, found)
        before = found
        config = alembic_config(connection)
        if found is None and "drafts" in inspect(connection).get_table_names():
            command.stamp(config, INITIAL)
            before = "create_all"
        command.upgrade(config, "head")
        after = current(connection)
    log_event(log, "db.upgraded", before=before or "empty", after=after)
    return Upgraded(before, after)


def upgrade_url(database_url: str) -> Upgraded:
    """`upgrade` on the database of a URL, with an engine of its own for the purpose."""
    from service.store import make_engine  # the store upgrades through this module

    engine = make_engine(database_url)
    try:
        return upgrade(engine)
    finally:
        engine.dispose()


def _known(revision: str) -> bool:
    scripts = ScriptDirectory.from_config(alembic_config())
    return any(script.revision == revision for script in scripts.walk_revisions())


@contextmanager
def _lock(engine: Engine) -> Iterator[None]:
    """A SQLite file's upgrades take turns by a lock file beside it (its workers share the
    machine); PostgreSQL's take an advisory lock in the upgrade's own transaction."""
    database = engine.url.database if engine.dialect.name == "sqlite" else None
    if not database or database == ":memory:" or "mode=memory" in str(engine.url):
        yield
        return
    lock_path = Path(f"{database}.migrate-lock")
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with lock_path.open("a") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
