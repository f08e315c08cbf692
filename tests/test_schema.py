"""The migration chain builds exactly the schema the ORM models describe, on both backends."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from storage import models
from storage.db import Database
from storage.migrate import current_revision, downgrade, head_revision, upgrade


def _modelled(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    # Full-text machinery (FTS5 virtual and shadow tables) is created by migrations only.
    return not (type_ == "table" and reflected and compare_to is None)


def test_migrations_match_the_models(database: Database) -> None:
    with database.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"include_object": _modelled, "compare_type": False}
        )
        assert compare_metadata(context, models.Base.metadata) == []


def test_upgrade_is_idempotent_and_reaches_head(database: Database) -> None:
    database.upgrade()
    assert current_revision(database.engine) == head_revision()


def test_the_chain_downgrades_to_empty_and_back(database: Database) -> None:
    downgrade(database.engine, "base")
    assert current_revision(database.engine) is None
    upgrade(database.engine)
    assert current_revision(database.engine) == head_revision()


def test_the_quick_head_check_agrees_with_alembic() -> None:
    """Commands skip importing Alembic when the database is at `head_revision()`; that must
    be the head Alembic itself would upgrade to."""
    from alembic.script import ScriptDirectory

    from storage.migrate import alembic_config, head_revision

    assert head_revision() == ScriptDirectory.from_config(alembic_config()).get_current_head()
