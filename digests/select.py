"""Selection: which stored items a channel's digest covers.

A digest covers the items *first seen* since the channel's last done digest (posted, or empty
with nothing to post) up to now, not a fixed 24 hours: a digest missed while the bot was down
is caught up once by the next one, and nothing falls between two digests. A channel's very
first digest looks back to its previous scheduled slot (24 hours for a daily channel).

Items published long before the window (a new feed's backlog) are left out: `STALE_AFTER`.

`shown_items` reads what the channel's earlier digests showed over the last `SHOWN_LOOKBACK`,
so that an event already shown is not shown again because another outlet wrote it up since.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from storage.digests import (
    first_window_start,
    item_ids_first_seen_between,
    item_ids_shown,
    last_done_run,
)
from storage.items import load_items
from storage.types import StoredItem

FIRST_RUN_LOOKBACK = timedelta(hours=24)
STALE_AFTER = timedelta(days=7)
# As far back as two tellings of one event are still joined (digests.events.pairs).
SHOWN_LOOKBACK = timedelta(days=5)


@dataclass(frozen=True, slots=True)
class Window:
    start: datetime  # exclusive
    end: datetime  # inclusive
    caught_up_from: str | None = None  # the done run it continues from, for messages


def selection_window(
    session: Session,
    channel_id: int | None,
    *,
    now: datetime,
    first_start: datetime | None = None,
    since: datetime | None = None,
) -> Window:
    """The window of the channel's next digest: from `since` if given, else from where the
    last done digest ended, else from `first_start` (or 24 hours ago)."""
    if since is not None:
        return Window(start=since, end=now)
    done = None if channel_id is None else last_done_run(session, channel_id)
    if done is not None and done.window_end < now:
        return Window(start=done.window_end, end=now, caught_up_from=done.period_key)
    if done is not None:
        return Window(start=now, end=now, caught_up_from=done.period_key)
    # Nothing done yet: start where the first (superseded) attempt started, so its items are
    # not skipped, else at the previous scheduled slot.
    earlier = None if channel_id is None else first_window_start(session, channel_id)
    start = earlier or (first_start if first_start is not None and first_start < now else None)
    return Window(start=start or now - FIRST_RUN_LOOKBACK, end=now)


def filter_items(
    items: Iterable[StoredItem],
    *,
    window: Window,
    topics: Sequence[str] = (),
    allowed_ids: Collection[int] | None = None,
) -> list[StoredItem]:
    """The same selection as `select_items`, over items already in memory."""
    stale = window.start - STALE_AFTER
    wanted = set(topics)
    return [
        item
        for item in items
        if window.start < item.first_seen_at <= window.end
        and item.published_at > stale
        and (not wanted or not wanted.isdisjoint(item.tags))
        and (allowed_ids is None or item.id in allowed_ids)
    ]


def select_items(
    session: Session,
    *,
    window: Window,
    topics: Sequence[str] = (),
    allowed_ids: Collection[int] | None = None,
) -> list[StoredItem]:
    """Items for a digest over `window`, with the channel's topic filter.

    `allowed_ids` restricts the selection to the items matching the channel's search query
    (the caller runs the query over the same window); None means the channel has no query.
    """
    ids = item_ids_first_seen_between(
        session,
        after=window.start,
        until=window.end,
        topics=topics,
        published_after=window.start - STALE_AFTER,
    )
    if allowed_ids is not None:
        ids = [item_id for item_id in ids if item_id in allowed_ids]
    return load_items(session, ids)


def shown_items(session: Session, channel_id: int | None, *, window: Window) -> list[StoredItem]:
    """Items the channel's earlier digests showed (posted, wholly or in part) that are recent
    enough to be another telling's event: `build_digest(..., earlier=…)`."""
    if channel_id is None:
        return []
    ids = item_ids_shown(session, channel_id, since=window.start - SHOWN_LOOKBACK)
    return load_items(session, ids)
