"""Archive actions of the core: search, the latest items on a topic, why an item was tagged, and
retagging after a taxonomy change. Synchronous database work; the core runs it in threads.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from storage.db import Database
from storage.errors import BadInput
from storage.items import count_items_to_retag, items_to_retag, load_items, retag_items
from storage.query import Query, parse_query
from storage.search import search_items
from storage.types import RetagRow, SearchHit, StoredItem

if TYPE_CHECKING:
    from feeds.tagging import Tagger, TagResult

LATEST_WINDOW_DAYS = 14
CLUSTER_WINDOW = timedelta(days=3)  # tellings of one event within this of each other


@dataclass(frozen=True, slots=True)
class ItemExplanation:
    """One item with the tagger's verdict and its reasons (`why ITEM`)."""

    item: StoredItem
    topics: tuple[tuple[str, float], ...]  # (topic id, score), best first
    alert: bool
    reasons: dict[str, tuple[str, ...]]  # topic id or "alert" → the rules that fired
    # The other tellings of the same event it was grouped with in digests, and why.
    joined: tuple[dict[str, Any], ...] = ()


@dataclass
class RetagSummary:
    scanned: int = 0
    changed: int = 0  # items whose tag set or alert flag changed
    updated: int = 0  # rows rewritten (scores or reasons may change without the tags)
    since: datetime | None = None


def search(
    session: Session,
    query: Query,
    *,
    limit: int,
    now: datetime | None = None,
    marks: tuple[str, str] = ("**", "**"),
) -> list[SearchHit]:
    return search_items(session, query, limit=limit, now=now, marks=marks)


def latest(
    session: Session,
    *,
    topic: str | None,
    limit: int,
    known_topics: Sequence[str],
    now: datetime | None = None,
) -> list[SearchHit]:
    """The newest items of the last two weeks (on `topic`), policy alerts first."""
    text = f"since:{LATEST_WINDOW_DAYS}d" + (f" tag:{topic}" if topic else "")
    query = parse_query(text, now=now, known_tags=known_topics)
    hits = search_items(session, query, limit=limit, now=now)
    return sorted(hits, key=lambda hit: (not hit.alert, -hit.published.timestamp(), hit.id))


def explain(session: Session, item_id: int) -> ItemExplanation:
    found = load_items(session, [item_id])
    if not found:
        raise BadInput(f"no item {item_id}: use an id shown in search results")
    item = found[0]
    return ItemExplanation(
        item=item,
        topics=tuple(sorted(item.tags.items(), key=lambda pair: (-pair[1], pair[0]))),
        alert=item.alert,
        reasons=dict(item.reasons),
        joined=_joined(session, item),
    )


def _joined(session: Session, item: StoredItem) -> tuple[dict[str, Any], ...]:
    """The story `item` belongs to among the items first seen within the clustering window
    around it: the other tellings and every join's reason (empty when it stands alone)."""
    from digests.cluster import explain_clusters  # the clusterer loads only for `why`
    from digests.select import Window, select_items

    window = Window(
        start=item.first_seen_at - CLUSTER_WINDOW, end=item.first_seen_at + CLUSTER_WINDOW
    )
    neighbours = select_items(session, window=window, topics=(), allowed_ids=None)
    for cluster in explain_clusters(neighbours):
        if any(member["id"] == item.id for member in cluster["items"]):
            return (cluster,)
    return ()


def _same_scores(old: dict[str, float] | Any, new: dict[str, float] | Any) -> bool:
    return set(old) == set(new) and all(
        math.isclose(old[tag], new[tag], abs_tol=1e-6) for tag in new
    )


def _differs(row: RetagRow, result: TagResult) -> tuple[bool, bool]:
    """(the tag set or alert changed, anything stored changed)."""
    changed = set(row.tags) != set(result.tags) or row.alert != result.alert
    stored_reasons = {tag: tuple(why) for tag, why in row.reasons.items()}
    new_reasons = {tag: tuple(why) for tag, why in result.reasons.items()}
    differs = changed or not _same_scores(row.tags, result.tags) or stored_reasons != new_reasons
    return changed, differs


def count_to_retag(database: Database, since: datetime | None) -> int:
    with database.session() as session:
        return count_items_to_retag(session, since)


def retag_archive(
    database: Database,
    tagger: Tagger,
    *,
    since: datetime | None = None,
    batch_size: int = 500,
    progress: Callable[[int], object] | None = None,
) -> RetagSummary:
    """Tag every stored item (published since `since`) again; one transaction per batch.

    `progress` is called with the number of items of each finished batch.
    """
    summary = RetagSummary(since=since)
    after_id = 0
    while True:
        with database.session() as session:
            rows = items_to_retag(session, after_id=after_id, limit=batch_size, since=since)
            if not rows:
                break
            updates: dict[int, tuple[dict[str, float], bool, dict[str, tuple[str, ...]]]] = {}
            for row in rows:
                result = tagger.tag(
                    row.title,
                    row.summary,
                    hints=row.hint_tags,
                    doc_type=row.doc_type,
                    language=row.language,
                )
                changed, differs = _differs(row, result)
                summary.changed += changed
                if differs:
                    updates[row.id] = (dict(result.tags), result.alert, dict(result.reasons))
            retag_items(session, updates)
        summary.scanned += len(rows)
        summary.updated += len(updates)
        after_id = rows[-1].id
        if progress is not None:
            progress(len(rows))
    return summary
