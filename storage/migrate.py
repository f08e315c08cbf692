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
from sqlalchemy import Connection, Engine, text

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
# pg_advisory_xact_lock key: "tbmg" as a 32-bit number, the same for every talentbrief process.
ADVISORY_LOCK_KEY = 0x74626D67


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def lock_schema(connection: Connection) -> None:
    """Hold the migration lock until `connection`'s transaction ends."""
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": ADVISORY_LOCK_KEY})
    else:
        # pysqlite begins transactions only before DML; this takes the write lock now (waiting
        # up to busy_timeout for another writer) and keeps the DDL inside that transaction.
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def _run(engine: Engine, action: str, revision: str) -> None:
    config = alembic_config()
    with engine.begin() as connection:
        lock_schema(connection)
        config.attributes["connection"] = connection
        getattr(command, action)(config, revision)


def upgrade(engine: Engine, revision: str = "head") -> None:
    if revision == "head" and current_revision(engine) == head_revision():
        return
    _run(engine, "upgrade", revision)


def downgrade(engine: Engine, revision: str) -> None:
    _run(engine, "downgrade", revision)
