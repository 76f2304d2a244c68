"""Test doubles and builders shared across the suite: a settable clock, settings, databases."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bot.config import Settings
from storage.db import Database, sync_url
from storage.migrate import upgrade

# Invented token of the right shape; a leak check looks for it in logs.
TEST_TOKEN = "987654321:TESTtokenForBansouOnlyNotReal_abcXYZ"
PG_ENV = "BANSOU_TEST_DATABASE_URL"


class FakeClock:
    """A clock that only moves when a test moves it."""

    def __init__(self, start: datetime | None = None) -> None:
        # A Monday morning in Tokyo, well outside quiet hours.
        self._now = start or datetime(2026, 11, 23, 0, 30, tzinfo=UTC)

    def now(self) -> datetime:
        return self._now

    def set(self, moment: datetime) -> None:
        if moment.tzinfo is None:
            raise ValueError("FakeClock needs an aware datetime")
        self._now = moment.astimezone(UTC)

    def advance(self, **delta: float) -> datetime:
        self._now += timedelta(**delta)
        return self._now


def make_settings(**overrides: Any) -> Settings:
    """Settings for tests: fast loops, no artificial waits, invented token."""
    base = Settings(
        telegram_token=TEST_TOKEN,
        database_url="sqlite:///:memory:",
        checkin_sweep_seconds=0.05,
        sla_sweep_seconds=0.05,
        silence_sweep_seconds=0.05,
        sender_idle_seconds=0.02,
        ack_delay_seconds=0.0,
        per_chat_interval_seconds=0.0,
        poll_timeout_seconds=1,
        jitter_minutes=10,
    )
    return replace(base, **overrides)


def pg_url() -> str | None:
    return os.environ.get(PG_ENV) or None


@contextmanager
def pg_schema_url(base_url: str) -> Iterator[str]:
    """A fresh PostgreSQL schema for one test, dropped afterwards; yields a URL using it."""
    schema = f"bansou_t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(sync_url(base_url), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(base_url).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@contextmanager
def database_url(backend: str, tmp_path: Any) -> Iterator[str]:
    """A migrated, empty database URL for `backend` ("sqlite" or "postgresql")."""
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path / 'bansou-test.db'}"
        upgrade(url)
        yield url
        return
    base = pg_url()
    if base is None:
        import pytest

        pytest.skip(f"PostgreSQL tests need {PG_ENV}")
    with pg_schema_url(base) as url:
        upgrade(url)
        yield url


@asynccontextmanager
async def open_database(url: str) -> AsyncIterator[Database]:
    db = Database.from_url(url)
    try:
        yield db
    finally:
        await db.dispose()
