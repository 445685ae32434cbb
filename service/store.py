"""Drafts kept in a database: a SQLite file by default, any SQLAlchemy URL (PostgreSQL) works.

One row per draft version: a draft is saved once it is complete (or recorded as
failed with its error); regenerating a section adds a version and keeps the old.
The API is synchronous SQLAlchemy on purpose: async callers run it in a thread
(`asyncio.to_thread`, or FastAPI's threadpool for plain `def` routes), which is
plenty for a few writes per draft. Build one Store per process; it owns the engine.
"""

from __future__ import annotations

import json
import logging
import re
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel
from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    DateTime,
    Engine,
    Index,
    Integer,
    String,
    Text,
    create_engine,
    delete,
    event,
    func,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, defer, mapped_column, sessionmaker
from sqlalchemy.pool import StaticPool

from service.config import Settings
from service.errors import InputError, NotFound, StoreError
from service.logs import get_logger, log_event
from service.migrate import upgrade

log = get_logger(__name__)
Status = Literal["complete", "failed"]
JsonObject = Mapping[str, Any] | BaseModel

SQLITE_BUSY_TIMEOUT_MS = 5_000
_DRAFT_ID = re.compile(r"[0-9a-f]{32}")
MAX_PAGE = 200
VERSION_ATTEMPTS = 10  # concurrent add_version calls on one draft retry on a taken number


class _Base(DeclarativeBase):
    pass


METADATA = _Base.metadata  # what the migrations in service/migrations/ must match


class _DraftRow(_Base):
    __tablename__ = "drafts"
    __table_args__ = (
        CheckConstraint("status IN ('complete', 'failed')", name="ck_drafts_status"),
        Index("ix_drafts_created_at", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    parent_version: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))
    error: Mapped[str | None] = mapped_column(Text)
    brief: Mapped[dict[str, Any]] = mapped_column(JSON)
    payload: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    drafter: Mapped[str | None] = mapped_column(String(64))
    model: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class _RateCountRow(_Base):
    """Requests one bucket (a hashed API key or a client address) made in one window; every
    worker and replica counts in the same row, so a limit holds across all of them."""

    __tablename__ = "rate_counts"

    bucket: Mapped[str] = mapped_column(String(80), primary_key=True)
    window_number: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    count: Mapped[int] = mapped_column(Integer)


@dataclass(frozen=True)
class StoredDraft:
    """One version of a draft, as stored."""

    id: str
    version: int
    latest_version: int
    parent_version: int | None
    status: Status
    error: str | None
    brief: dict[str, Any]
    payload: dict[str, Any] | None
    drafter: str | None
    model: str | None
    created_at: datetime


@dataclass(frozen=True)
class DraftSummary:
    """A draft in a listing: its latest version, without the (large) payload."""

    id: str
    latest_version: int
    status: Status
    error: str | None
    brief: dict[str, Any]
    drafter: str | None
    model: str | None
    created_at: datetime  # first version
    updated_at: datetime  # latest version


class Store:
    """The drafts table behind one engine."""

    def __init__(self, database_url: str) -> None:
        self.engine = make_engine(database_url)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._upgrade_schema()

    @classmethod
    def from_settings(cls, settings: Settings) -> Store:
        return cls(settings.database_url)

    def close(self) -> None:
        self.engine.dispose()

    def save_draft(
        self, payload: JsonObject, brief: JsonObject, drafter: str, model: str | None
    ) -> str:
        """Store a complete draft as version 1 under the id the pipeline gave it (so the logs
        and the database name a draft alike), or a new one; returns the id."""
        data = _as_json(payload)
        given = data.get("id")
        draft_id = given if isinstance(given, str) and _DRAFT_ID.fullmatch(given) else None
        row = _new_row(brief, status="complete", drafter=drafter, model=model, draft_id=draft_id)
        row.payload = data
        return self._insert(row)

    def save_failure(
        self,
        brief: JsonObject,
        error: str,
        *,
        drafter: str | None = None,
        model: str | None = None,
    ) -> str:
        """Record a draft that failed, with its error; returns its new id."""
        row = _new_row(brief, status="failed", drafter=drafter, model=model)
        row.error = error
        return self._insert(row)

    def get_draft(self, draft_id: str, version: int | None = None) -> StoredDraft:
        """One version (the latest by default); NotFound names what is missing."""
        with self._transaction() as session:
            latest = _latest_version(session, draft_id)
            wanted = latest if version is None else version
            row = session.get(_DraftRow, (draft_id, wanted))
            if row is None:
                raise NotFound(
                    f"Draft {draft_id} has no version {wanted}; it has versions 1 to {latest}.",
                    field="version",
                )
            return _stored(row, latest)

    def list_drafts(self, limit: int = 20, offset: int = 0) -> tuple[list[DraftSummary], int]:
        """A page of drafts, most recently changed first, and the total number of drafts."""
        if not 1 <= limit <= MAX_PAGE:
            raise InputError(f"limit must be between 1 and {MAX_PAGE}.", field="limit")
        if offset < 0:
            raise InputError("offset cannot be negative.", field="offset")
        per_draft = (
            select(
                _DraftRow.id,
                func.max(_DraftRow.version).label("latest"),
                func.min(_DraftRow.created_at).label("first_at"),
            )
            .group_by(_DraftRow.id)
            .subquery()
        )
        page = (
            select(_DraftRow, per_draft.c.first_at)
            .join(
                per_draft,
                (_DraftRow.id == per_draft.c.id) & (_DraftRow.version == per_draft.c.latest),
            )
            .options(defer(_DraftRow.payload))
            .order_by(_DraftRow.created_at.desc(), _DraftRow.id)
            .limit(limit)
            .offset(offset)
        )
        with self._transaction() as session:
            total = session.scalar(select(func.count()).select_from(per_draft)) or 0
            items = [_summary(row, first_at) for row, first_at in session.execute(page)]
        return items, total

    def add_version(
        self,
        draft_id: str,
        payload: JsonObject,
        *,
        parent_version: int | None = None,
        drafter: str | None = None,
        model: str | None = None,
    ) -> int:
        """Store a new complete version (e.g. a regenerated section); the old ones stay."""
        for _attempt in range(VERSION_ATTEMPTS):
            try:
                with self._sessions.begin() as session:
                    return _append_version(
                        session, draft_id, _as_json(payload), parent_version, drafter, model
                    )
            except IntegrityError:
                continue  # another writer took that version number: read the latest again
            except SQLAlchemyError as exc:
                raise _store_error(exc) from exc
        raise StoreError(
            f"Could not add a version to draft {draft_id}: too many writers at once; try again."
        )

    def count_request(self, bucket: str, window: int) -> tuple[int, int]:
        """Count one request of `bucket` in window number `window` (one atomic upsert); returns
        its count there, this one included, and its count in the window before."""
        with self._transaction() as session:
            current = _increment(session, bucket, window)
            previous = session.scalar(
                select(_RateCountRow.count).where(
                    _RateCountRow.bucket == bucket, _RateCountRow.window_number == window - 1
                )
            )
        if current == 1:  # the bucket's first in this window: forget windows no one reads
            self._forget_windows_before(window - 1)
        return current, previous or 0

    def uncount_request(self, bucket: str, window: int) -> None:
        """Take back a request counted by `count_request` that was then refused."""
        with self._transaction() as session:
            session.execute(
                update(_RateCountRow)
                .where(_RateCountRow.bucket == bucket, _RateCountRow.window_number == window)
                .values(count=_RateCountRow.count - 1)
            )

    def _forget_windows_before(self, window: int) -> None:
        """Delete old counts in a transaction of its own: two workers pruning at once may
        deadlock on PostgreSQL, and a count left for the next prune does no harm."""
        try:
            with self._sessions.begin() as session:
                session.execute(delete(_RateCountRow).where(_RateCountRow.window_number < window))
        except SQLAlchemyError as exc:
            log_event(log, "rate_counts.prune_failed", logging.WARNING, error=type(exc).__name__)

    def ping(self) -> None:
        """Read the drafts table once: StoreError when the database cannot serve (readiness)."""
        with self._transaction() as session:
            session.execute(select(func.count()).select_from(_DraftRow).limit(1))

    def _insert(self, row: _DraftRow) -> str:
        with self._transaction() as session:
            session.add(row)
        return row.id

    @contextmanager
    def _transaction(self) -> Iterator[Session]:
        """A session in one transaction; database failures become StoreError."""
        try:
            with self._sessions.begin() as session:
                yield session
        except SQLAlchemyError as exc:
            raise _store_error(exc) from exc

    def _upgrade_schema(self) -> None:
        """Bring the tables up to date (Alembic, under a lock every worker and replica takes)."""
        try:
            upgrade(self.engine)
        except SQLAlchemyError as exc:
            raise _store_error(exc) from exc


def make_engine(database_url: str) -> Engine:
    """The engine for a URL; a bad URL or a missing driver is a StoreError naming the setting."""
    try:
        url = make_url(database_url)
        sqlite = url.get_backend_name() == "sqlite"
        engine = create_engine(url, **_engine_options(url, sqlite))
    except (SQLAlchemyError, ImportError) as exc:
        raise StoreError(f"Cannot use this database URL: {exc}", field="database_url") from exc
    if sqlite:
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _engine_options(url: URL, sqlite: bool) -> dict[str, Any]:
    options: dict[str, Any] = {
        "json_serializer": lambda obj: json.dumps(obj, ensure_ascii=False),
        "pool_pre_ping": not sqlite,  # server databases drop idle connections
    }
    if sqlite and _sqlite_in_memory(url):
        # One shared connection, or each thread would see its own empty database.
        options |= {"poolclass": StaticPool, "connect_args": {"check_same_thread": False}}
    elif sqlite and url.database:
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    return options


def _sqlite_in_memory(url: URL) -> bool:
    return url.database in (None, "", ":memory:") or "mode=memory" in str(url)


def _sqlite_pragmas(dbapi_connection: Any, _record: object) -> None:
    """WAL lets readers work while a writer commits; busy_timeout makes writers queue, not fail."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA synchronous=NORMAL")  # safe with WAL; fsync at checkpoints only
    cursor.close()


def _as_json(value: JsonObject) -> dict[str, Any]:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    return dict(value)


def _now() -> datetime:
    return datetime.now(UTC)


def _aware(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; we only ever store UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _new_row(
    brief: JsonObject,
    *,
    status: Status,
    drafter: str | None,
    model: str | None,
    draft_id: str | None = None,
) -> _DraftRow:
    return _DraftRow(
        id=draft_id or uuid.uuid4().hex,
        version=1,
        parent_version=None,
        status=status,
        error=None,
        brief=_as_json(brief),
        payload=None,
        drafter=drafter,
        model=model,
        created_at=_now(),
    )


def _latest_version(session: Session, draft_id: str) -> int:
    latest = session.scalar(select(func.max(_DraftRow.version)).where(_DraftRow.id == draft_id))
    if latest is None:
        raise NotFound(f"There is no draft with id {draft_id!r}.", field="id")
    return latest


def _append_version(
    session: Session,
    draft_id: str,
    payload: dict[str, Any],
    parent_version: int | None,
    drafter: str | None,
    model: str | None,
) -> int:
    latest = _latest_version(session, draft_id)
    parent = session.get(_DraftRow, (draft_id, parent_version or latest))
    if parent is None:
        raise NotFound(f"Draft {draft_id} has no version {parent_version}.", field="version")
    row = _DraftRow(
        id=draft_id,
        version=latest + 1,
        parent_version=parent.version,
        status="complete",
        error=None,
        brief=parent.brief,
        payload=payload,
        drafter=drafter or parent.drafter,
        model=model or parent.model,
        created_at=_now(),
    )
    session.add(row)
    session.flush()  # a taken version number fails here, inside the retry loop
    return row.version


def _increment(session: Session, bucket: str, window: int) -> int:
    """count + 1 for (bucket, window) in one statement where the database has an upsert
    (SQLite, PostgreSQL); elsewhere an update, or an insert when there is no row yet."""
    dialect = session.get_bind().dialect.name
    if dialect in ("sqlite", "postgresql"):
        insert = sqlite.insert if dialect == "sqlite" else postgresql.insert
        upsert = insert(_RateCountRow).values(bucket=bucket, window_number=window, count=1)
        upsert = upsert.on_conflict_do_update(
            index_elements=[_RateCountRow.bucket, _RateCountRow.window_number],
            set_={"count": _RateCountRow.count + 1},
        )
        counted = session.scalar(upsert.returning(_RateCountRow.count))
        return int(counted or 0)
    return _increment_portably(session, bucket, window)


def _increment_portably(session: Session, bucket: str, window: int) -> int:
    """The same as the upsert, in statements every database has; a row another writer inserted
    first makes our insert fail inside a savepoint, and we update it instead."""
    where = (_RateCountRow.bucket == bucket, _RateCountRow.window_number == window)
    bumped = update(_RateCountRow).where(*where).values(count=_RateCountRow.count + 1)
    if session.execute(bumped).rowcount == 0:  # type: ignore[attr-defined]
        try:
            with session.begin_nested():
                session.add(_RateCountRow(bucket=bucket, window_number=window, count=1))
        except IntegrityError:
            session.execute(bumped)
    return int(session.scalar(select(_RateCountRow.count).where(*where)) or 0)


def _status(value: str) -> Status:
    if value == "complete":
        return "complete"
    if value == "failed":
        return "failed"
    raise StoreError(f"A stored draft has an unknown status {value!r}.")


def _stored(row: _DraftRow, latest: int) -> StoredDraft:
    return StoredDraft(
        id=row.id,
        version=row.version,
        latest_version=latest,
        parent_version=row.parent_version,
        status=_status(row.status),
        error=row.error,
        brief=row.brief,
        payload=row.payload,
        drafter=row.drafter,
        model=row.model,
        created_at=_aware(row.created_at),
    )


def _summary(row: _DraftRow, first_at: datetime) -> DraftSummary:
    return DraftSummary(
        id=row.id,
        latest_version=row.version,
        status=_status(row.status),
        error=row.error,
        brief=row.brief,
        drafter=row.drafter,
        model=row.model,
        created_at=_aware(first_at),
        updated_at=_aware(row.created_at),
    )


def _store_error(exc: SQLAlchemyError) -> StoreError:
    reason = getattr(exc, "orig", None) or exc
    return StoreError(f"The draft database failed ({type(reason).__name__}: {reason}).")
