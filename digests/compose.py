"""Selected items → a `Digest`: cluster, rank, cap at max_items, and lay out in sections."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from zoneinfo import ZoneInfo

from digests.cluster import cluster_items, collector_paused
from digests.model import ALERTS, OTHER, Digest, Entry, Section, TopicCatalog
from digests.rank import primary_topic, rank_entries
from digests.render.common import format_day, format_moment
from storage.types import StoredItem

DIGEST_NAME = "Talent brief"


def _section_order(topics: Sequence[str], known: Sequence[str], present: set[str]) -> list[str]:
    order = [ALERTS, *(topics or known)]
    order += sorted(present - set(order) - {OTHER})
    return [*order, OTHER]


def build_digest(
    items: Sequence[StoredItem],
    *,
    channel: str,
    topics: Sequence[str] = (),
    max_items: int = 30,
    timezone: str = "UTC",
    window_start: datetime,
    window_end: datetime,
    weekly: bool = False,
    catalog: TopicCatalog | None = None,
    earlier: Sequence[StoredItem] = (),
) -> Digest:
    """Cluster, rank and lay out `items`; sections follow the catalog's order (the taxonomy's)
    unless the channel names its `topics`. `earlier`: items shown in the channel's earlier
    digests; an event among them is not shown again because another outlet wrote it up since
    (a new stage of it is)."""
    catalog = catalog or TopicCatalog()
    zone = ZoneInfo(timezone)
    with collector_paused():
        clusters = cluster_items(items, earlier=earlier)
        entries = [
            Entry(
                item=cluster.representative,
                also=cluster.also,
                item_ids=tuple(item.id for item in cluster.items),
                others=cluster.others,
            )
            for cluster in clusters
            if not cluster.shown_before
        ]
        ranked = rank_entries(entries, topics)
    omitted = len(ranked) - min(len(ranked), max_items)
    shown = [
        replace(e, topic=primary_topic(e.tags, topics, catalog.order)) for e in ranked[:max_items]
    ]
    by_section: dict[str, list[Entry]] = {}
    for entry in shown:
        key = ALERTS if entry.alert else (entry.topic or OTHER)
        by_section.setdefault(key, []).append(entry)
    sections = tuple(
        Section(key=key, title=catalog.title(key), entries=tuple(by_section[key]))
        for key in _section_order(topics, catalog.order, set(by_section))
        if key in by_section
    )
    local_end = window_end.astimezone(zone)
    title = f"{DIGEST_NAME} — {format_day(local_end)}"
    if weekly:
        title += " · weekly edition"
    outlets = {name for entry in shown for name in (entry.item.source, *entry.also) if name}
    since = format_moment(window_start.astimezone(zone))
    if shown:
        stories = f"{len(ranked)} {'story' if len(ranked) == 1 else 'stories'}"
        subtitle = f"{stories} from {len(outlets)} outlet{'s' if len(outlets) != 1 else ''}"
        subtitle += f" since {since}"
    else:
        subtitle = f"Nothing new since {since}."
    return Digest(
        channel=channel,
        title=title,
        subtitle=subtitle,
        sections=sections,
        timezone=timezone,
        window_start=window_start,
        window_end=window_end,
        omitted=omitted,
        weekly=weekly,
        repeated=len(clusters) - len(entries),
    )
