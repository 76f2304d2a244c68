"""Engine and session setup for SQLite (embedded default) and PostgreSQL (scale-out).

Operators write ordinary URLs (``sqlite:///bansou.db``, ``postgresql://…``); this module picks
the async driver for the running bot and the sync driver for Alembic.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager, nullcontext
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)


def _normalise(url: str | URL) -> URL:
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "postgresql":
        return parsed.set(drivername="postgresql+psycopg")
    if backend == "sqlite":
        return parsed.set(drivername="sqlite")
    raise ValueError(f"unsupported database backend: {backend}")


def async_url(url: str | URL) -> URL:
    """The URL with the asyncio driver for this backend."""
    parsed = _normalise(url)
    if parsed.get_backend_name() == "sqlite":
        return parsed.set(drivername="sqlite+aiosqlite")
    return parsed  # psycopg 3 serves both sync and async under one dialect name


def sync_url(url: str | URL) -> URL:
    """The URL with the blocking driver (used by Alembic and the CLI's one-off commands)."""
    return _normalise(url)


def is_sqlite(url: str | URL) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # The sqlite3 module would start transactions lazily at the first write, so a
    # SELECT-then-UPDATE (claiming outbox rows) could hand the same rows to two tasks. We
    # take over: no implicit transactions here, and BEGIN IMMEDIATE in `_sqlite_begin`.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    # WAL lets the sender read while the poller writes; foreign keys are off by default.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _sqlite_begin(connection: Any) -> None:
    # Take the write lock at the start: transactions on one SQLite file are serialised
    # (busy_timeout makes the others wait), so read-then-write is atomic.
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def create_engine_for(url: str | URL, **kwargs: Any) -> AsyncEngine:
    """An async engine with the per-backend settings the bot relies on."""
    target = async_url(url)
    engine = create_async_engine(target, **kwargs)
    if target.get_backend_name() == "sqlite":
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        event.listen(engine.sync_engine, "begin", _sqlite_begin)
    return engine


# Bulk work: a background transaction waits until this process's other transactions have
# all ended GAP seconds ago (a reply's second transaction follows its first within that),
# but never longer than MAX_WAIT in all, so bulk work is slowed, not starved.
BACKGROUND_GAP = 0.003
BACKGROUND_MAX_WAIT = 0.100


class Database:
    """The bot's handle on its store: one engine, short sessions, explicit transactions."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self._sessions = async_sessionmaker(engine, expire_on_commit=False)
        # SQLite has one writer at a time and its busy handler is not first-come-first-served:
        # a reply could starve behind a long sweep and fail with "database is locked". Queue
        # this process's transactions fairly in the event loop instead.
        self._sqlite_turn = asyncio.Lock() if engine.dialect.name == "sqlite" else None
        # Foreground transactions under way (or waiting for the turn), and when one last ended.
        self._foreground = 0
        self._foreground_done = 0.0

    @classmethod
    def from_url(cls, url: str | URL, **kwargs: Any) -> Database:
        return cls(create_engine_for(url, **kwargs))

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @asynccontextmanager
    async def transaction(self, *, background: bool = False) -> AsyncIterator[AsyncSession]:
        """A session inside one transaction: committed on success, rolled back on error.

        `background` marks bulk work (the check-in sweep): it gives way to the other
        transactions of this process (replies, the sender). On SQLite a reply then waits for
        at most one bulk transaction for the one-writer turn, not one per step; on either
        backend the bulk work's CPU does not compete with a reply's on the event loop.
        """
        if background:
            await self._give_way()
            async with self._turn(), self._sessions() as session, session.begin():
                yield session
            return
        self._foreground += 1
        try:
            async with self._turn(), self._sessions() as session, session.begin():
                yield session
        finally:
            self._foreground -= 1
            self._foreground_done = time.monotonic()

    def _turn(self) -> AbstractAsyncContextManager[Any]:
        return self._sqlite_turn if self._sqlite_turn is not None else nullcontext()

    async def _give_way(self) -> None:
        deadline = time.monotonic() + BACKGROUND_MAX_WAIT
        while (now := time.monotonic()) < deadline:
            quiet_for = now - self._foreground_done
            if self._foreground == 0 and quiet_for >= BACKGROUND_GAP:
                return
            busy = self._foreground > 0
            await asyncio.sleep(BACKGROUND_GAP if busy else BACKGROUND_GAP - quiet_for)

    async def dispose(self) -> None:
        await self.engine.dispose()
