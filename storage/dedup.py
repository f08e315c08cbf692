"""Finding stored duplicates: the lookups by item key and by canonical URL.

Both are answered from an index on both backends (tests/test_storage_items.py checks the plans
with EXPLAIN): one SQL text per dialect, `= ANY(array)` on PostgreSQL so psycopg can prepare it,
and fresh planner statistics after large batches (`refresh_statistics`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import Connection, Table, select, text
from sqlalchemy.orm import Session

from storage.batches import batches, one_of
from storage.models import Item
from storage.types import NewItem

_ITEMS = cast(Table, Item.__table__)


def _lookups(column: Any) -> dict[str, Any]:
    """The duplicate lookup by `column`, per dialect, with SQL text that never changes.

    PostgreSQL gets `= ANY(array)`: one statement whatever the batch size, which psycopg
    prepares after a few runs, and which the planner answers from the column's index.
    """
    query = select(column, _ITEMS.c.id, _ITEMS.c.content_hash)
    return {
        dialect: query.where(one_of(column, "values", dialect, text=True))
        for dialect in ("postgresql", "sqlite")
    }


BY_KEY = _lookups(_ITEMS.c.key)
BY_CANONICAL_URL = _lookups(_ITEMS.c.canonical_url)


def existing_ids(connection: Connection, batch: Sequence[NewItem]) -> dict[str, tuple[int, str]]:
    """Map each batch key to (item id, stored content hash) for items already stored.

    An item matches by its key, or else by canonical URL (the same story from another source;
    the oldest item with that URL wins).
    """
    dialect = connection.dialect.name
    found: dict[str, tuple[int, str]] = {}
    for chunk in batches([item.key for item in batch]):
        for key, item_id, stored_hash in connection.execute(BY_KEY[dialect], {"values": chunk}):
            found[key] = (item_id, stored_hash)
    by_url = {
        item.canonical_url: item.key
        for item in batch
        if item.key not in found and item.canonical_url
    }
    oldest: dict[str, tuple[int, str]] = {}
    for chunk in batches(list(by_url)):
        for url, item_id, stored_hash in connection.execute(
            BY_CANONICAL_URL[dialect], {"values": chunk}
        ):
            if url not in oldest or item_id < oldest[url][0]:
                oldest[url] = (item_id, stored_hash)
    for url, match in oldest.items():
        found.setdefault(by_url[url], match)
    return found


def refresh_statistics(session: Session) -> None:
    """Bring the planner's statistics up to date after a large batch of new items.

    PostgreSQL's autovacuum analyses a table at most once a minute; during a long first poll the
    duplicate lookups were planned for the table as it was when empty (sequential scans).
    """
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        connection.execute(text("ANALYZE items, item_sources, item_tags"))
    else:
        connection.execute(text("PRAGMA optimize"))
