"""Alembic, driven from code: the CLI and the bot upgrade the schema at start.

Several commands may start at once on a fresh database (a cron `poll` and `run`, two workers):
each upgrade runs under a lock taken inside the migration transaction (a PostgreSQL advisory
lock; on SQLite the write lock, `BEGIN IMMEDIATE`), so the second one waits, then finds the
schema at head and does nothing. A database already at head is recognised without the lock, so
a busy bot's write lock never delays a `search`.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from storage.locks import MIGRATIONS, hold_lock

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def _run(engine: Engine, action: str, revision: str) -> None:
    config = alembic_config()
    with engine.begin() as connection:
        hold_lock(connection, MIGRATIONS)
        config.attributes["connection"] = connection
        getattr(command, action)(config, revision)


def upgrade(engine: Engine, revision: str = "head") -> None:
    if revision == "head" and current_revision(engine) == head_revision():
        return
    _run(engine, "upgrade", revision)


def downgrade(engine: Engine, revision: str) -> None:
    _run(engine, "downgrade", revision)
