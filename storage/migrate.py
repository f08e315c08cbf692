"""Alembic, driven from code: the CLI and the bot upgrade the schema at start.

Alembic is imported only when there is something to do: a database already at the newest
revision is recognised by reading `alembic_version` and the revision ids of the files in
migrations/versions/, which keeps every command's start-up short (and takes no lock, so a busy
bot's write lock never delays a `search`).

Several commands may start at once on a fresh database (a cron `poll` and `run`, two workers):
each upgrade runs under a lock taken inside the migration transaction (a PostgreSQL advisory
lock; on SQLite the write lock, `BEGIN IMMEDIATE`), so the second one waits, then finds the
schema at head and does nothing.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, inspect, text

from storage.locks import MIGRATIONS, hold_lock

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
_REVISION = re.compile(r'^revision(?:: str)? = "([^"]+)"', re.M)
_DOWN = re.compile(r'^down_revision(?:: str \| None)? = (?:"([^"]+)"|None)', re.M)


def alembic_config() -> Config:
    from alembic.config import Config  # noqa: PLC0415 (only when migrating)

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


@lru_cache(maxsize=1)
def head_revision() -> str | None:
    """The newest revision: the one no other revision names as its parent."""
    revisions, parents = set(), set()
    for path in (MIGRATIONS_DIR / "versions").glob("*.py"):
        source = path.read_text("utf-8")
        found = _REVISION.search(source)
        if found is None:
            continue
        revisions.add(found.group(1))
        down = _DOWN.search(source)
        if down is not None and down.group(1):
            parents.add(down.group(1))
    heads = revisions - parents
    if len(heads) > 1:  # a bug in the chain: let Alembic say what is wrong
        raise RuntimeError(f"migrations have several heads: {sorted(heads)}")
    return next(iter(heads), None)


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return None
        return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


def _run(engine: Engine, action: str, revision: str) -> None:
    from alembic import command  # noqa: PLC0415 (only when migrating)

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
