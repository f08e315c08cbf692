"""An archive for the chat tests and bench/chat: the fixture stories published in the last hours
(so `since:7d` finds them), plus one hostile headline that tries to ping everyone."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from storage.db import Database
from storage.types import StoredItem
from tests.corpus.digest import fixed_items
from tests.digest_db import store

HOSTILE_TITLE = "H-1B rule: <!channel> @everyone @here <@U0ADA> read [this](https://evil.example)"


def recent_items(now: datetime | None = None) -> list[StoredItem]:
    now = now or datetime.now(UTC)
    items = [
        replace(
            item,
            published_at=now - timedelta(hours=item.id),
            first_seen_at=now - timedelta(hours=item.id),
        )
        for item in fixed_items()
    ]
    hostile = replace(
        items[-1],
        id=99,
        key="hostile",
        title=HOSTILE_TITLE,
        summary="<!here> `code` *bold* H-1B",
        source="Wire <!channel>",
    )
    return [*items, hostile]


def store_recent(database: Database) -> None:
    store(database, recent_items())
