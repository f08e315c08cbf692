"""Putting fixture items into a real database with chosen first-seen times."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import update

from storage.db import Database
from storage.items import store_items
from storage.models import Item
from storage.sources import SourceSpec, add_source, get_source
from storage.types import StoredItem
from tests.corpus.digest import as_new_item


def store(database: Database, items: Sequence[StoredItem]) -> None:
    """Store items under their sources, then set their first-seen time as the fixture says."""
    with database.session() as session:
        for item in items:
            name = item.source or "Wire"
            source = get_source(session, name)
            if source is None:
                slug = "".join(ch for ch in name.lower() if ch.isalnum())
                source = add_source(
                    session,
                    SourceSpec(
                        name=name,
                        url=f"https://{slug}.example/feed",
                        priority=item.source_priority,
                    ),
                )
            store_items(session, source.id, [as_new_item(item)])
            session.execute(
                update(Item)
                .where(Item.key == item.key)
                .values(first_seen_at=item.first_seen_at, published_at=item.published_at)
            )
