"""Shared fixtures: a clock, settings, and a migrated database per backend."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from bot.clock import Clock
from bot.config import Settings
from bot.services import Services
from storage.db import Database
from tests.fakes import FakeClock, database_url, make_settings, open_database, pg_url

BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


def pytest_report_header(config: pytest.Config) -> str:
    return f"PostgreSQL tests: {'on' if pg_url() else 'skipped (BANSOU_TEST_DATABASE_URL unset)'}"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Any) -> Iterator[str]:
    with database_url(request.param, tmp_path) as url:
        yield url


@pytest.fixture
def sqlite_url(tmp_path: Any) -> Iterator[str]:
    with database_url("sqlite", tmp_path) as url:
        yield url


@pytest.fixture
async def db(db_url: str) -> AsyncIterator[Database]:
    async with open_database(db_url) as database:
        yield database


@pytest.fixture
def settings(db_url: str) -> Settings:
    return make_settings(database_url=db_url)


@pytest.fixture
def services(db: Database, clock: Clock, settings: Settings) -> Services:
    return Services(db, clock, settings)
