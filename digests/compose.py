"""Selected items → a `Digest`: cluster, rank, cap at max_items, and lay out in sections."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from digests.cluster import Cluster, cluster_items, collector_paused
from digests.model import ALERTS, OTHER, Digest, Entry, Section, TopicCatalog, story_tags
from digests.rank import RankKey, first_ranked, primary_topic, story_key
from digests.render.common import format_day, format_moment
from storage.types import StoredItem

DIGEST_NAME = "Talent brief"


def _section_order(topics: Sequence[str], known: Sequence[str], present: set[str]) -> list[str]:
    order = [ALERTS, *(topics or known)]
    order += sorted(present - set(order) - {OTHER})
    return [*order, OTHER]


def _first(clusters: list[Cluster], topics: Sequence[str], count: int) -> list[Cluster]:
    """The first `count` clusters by `rank_key` of their entries (see `_entry`)."""
    wanted = frozenset(topics)  # looked up for every tag of every story
    keys = [_story_key(cluster, wanted) for cluster in clusters]
    return [clusters[position] for position in first_ranked(keys, count)]


def _story_key(cluster: Cluster, topics: frozenset[str]) -> RankKey:
    lead = cluster.items[0]
    if len(cluster.items) == 1:  # most stories: the lead's own alert flag and tags
        return story_key(lead, lead.alert, lead.tags, 1 + len(cluster.also), topics)
    tags = story_tags(lead, cluster.items[1:])
    return story_key(lead, cluster.alert, tags, 1 + len(cluster.also), topics)


def _entry(cluster: Cluster, topics: Sequence[str], catalog: TopicCatalog) -> Entry:
    lead, others = cluster.representative, cluster.others
    return Entry(
        item=lead,
        also=cluster.also,
        item_ids=tuple(item.id for item in cluster.items),
        topic=primary_topic(story_tags(lead, others), topics, catalog.order),
        others=others,
    )


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
        fresh = [cluster for cluster in clusters if not cluster.shown_before]
        # Only the stories shown become entries; the others are ranked as clusters, by the
        # key their entries would have.
        first = _first(fresh, topics, max_items)
    omitted = len(fresh) - min(len(fresh), max_items)
    shown = [_entry(cluster, topics, catalog) for cluster in first]
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
        stories = f"{len(fresh)} {'story' if len(fresh) == 1 else 'stories'}"
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
        repeated=len(clusters) - len(fresh),
    )
