"""Alembic migrations: empty and existing databases both end at head, nothing is lost, and
the models agree with the migrations (the equivalent of `alembic check`)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, insert, inspect, select

from storage.db import sync_url
from storage.migrate import current_revision, head_revision, upgrade
from storage.models import Base, Team


def test_models_and_migrations_agree(db_url: str) -> None:
    engine = create_engine(sync_url(db_url))
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            differences = compare_metadata(context, Base.metadata)
    finally:
        engine.dispose()
    assert differences == []


def test_empty_database_ends_at_head(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    assert current_revision(url) is None
    upgrade(url)
    assert current_revision(url) == head_revision(url)
    engine = create_engine(sync_url(url))
    try:
        tables = set(inspect(engine).get_table_names())
    finally:
        engine.dispose()
    assert {"person", "checkin", "inbound", "outbox", "update_journal", "audit"} <= tables


def test_upgrading_an_existing_database_keeps_its_data(db_url: str) -> None:
    engine = create_engine(sync_url(db_url))
    try:
        with engine.begin() as connection:
            connection.execute(
                insert(Team).values(
                    name="東区チーム",
                    share_text_in_team_chat=False,
                    created_at=datetime(2026, 1, 1, tzinfo=UTC),
                )
            )
        upgrade(db_url)  # already at head: a no-op that must not touch data
        upgrade(db_url)
        with engine.connect() as connection:
            names = connection.execute(select(Team.name)).scalars().all()
    finally:
        engine.dispose()
    assert names == ["東区チーム"]
    assert current_revision(db_url) == head_revision(db_url)
