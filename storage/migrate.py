"""Alembic, driven from code: `bansou db upgrade` and the automatic upgrade at start."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine

from storage.db import sync_url


def alembic_config(database_url: str) -> Config:
    """An Alembic Config that needs no alembic.ini: migrations ship inside the package."""
    config = Config()
    config.set_main_option("script_location", "storage:migrations")
    # ConfigParser interpolation would choke on "%" in passwords.
    url = sync_url(database_url).render_as_string(hide_password=False).replace("%", "%%")
    config.set_main_option("sqlalchemy.url", url)
    return config


def upgrade(database_url: str, revision: str = "head") -> None:
    """Bring the database to `revision`; an up-to-date database is left untouched."""
    command.upgrade(alembic_config(database_url), revision)


def current_revision(database_url: str) -> str | None:
    engine = create_engine(sync_url(database_url))
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()


def head_revision(database_url: str) -> str | None:
    return ScriptDirectory.from_config(alembic_config(database_url)).get_current_head()
