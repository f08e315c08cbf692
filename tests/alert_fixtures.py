"""Shared set-up for the alert outbox tests: stored items, subscriptions, queued deliveries."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from storage.db import Database
from storage.items import store_items
from storage.match import Match
from storage.outbox import enqueue
from storage.sources import SourceSpec, add_source
from storage.subscriptions import Owner, SubscriptionSpec, create_subscription
from storage.types import NewItem

NOW = datetime(2026, 3, 2, 13, 0, tzinfo=UTC)
LEASE = timedelta(minutes=2)


def store_stories(database: Database, count: int, *, prefix: str = "story") -> list[int]:
    """`count` new items from one source; their ids."""
    with database.session() as session:
        source = add_source(session, SourceSpec(f"{prefix} wire", f"https://{prefix}.example/rss"))
        items = [
            NewItem(
                key=f"{prefix}-{n}",
                title=f"USCIS revises H-1B guidance, part {n}",
                summary="Employers must file new petitions before the lottery opens.",
                published_at=NOW - timedelta(hours=n),
                tags={"visa-policy": 0.9},
                alert=True,
            )
            for n in range(count)
        ]
        return list(store_items(session, source.id, items).new_ids)


def subscribe(
    database: Database, query: str, *, target: str = "C0DESK", platform: str = "slack"
) -> int:
    with database.session() as session:
        spec = SubscriptionSpec(Owner(platform, "U0OWNER"), "channel", platform, target, query)
        return create_subscription(session, spec, max_per_owner=None, now=NOW).id


def queue(database: Database, subscription_id: int, item_ids: list[int], at: datetime = NOW) -> int:
    with database.session() as session:
        return enqueue(session, [Match(subscription_id, i) for i in item_ids], now=at)
