"""Building a channel's digest: select, cluster, rank, render, and the weekly chart.

Reads only; `digest_service` records what this builds as a run and posts it. Previews call
`compose` too, so a preview is exactly what the next post would contain. Everything here is
synchronous database work: callers on the event loop run it in a worker thread.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from bot.platforms import platform
from digests import charts
from digests.compose import build_digest
from digests.model import Digest, TopicCatalog
from digests.schedule import Period, previous_slot
from digests.select import Window, select_items, selection_window, shown_items
from storage.channels import ChannelSpec, StoredChannel
from storage.digests import weekly_topic_counts
from storage.query import parse_query
from storage.search import matching_item_ids
from storage.types import StoredItem

_MICROSECOND = timedelta(microseconds=1)


@dataclass(frozen=True, slots=True)
class Built:
    digest: Digest
    window: Window
    parts: list[dict[str, Any]]
    chart_png: bytes | None
    items: tuple[StoredItem, ...] = ()  # what was selected (for explaining the clusters)
    earlier: tuple[StoredItem, ...] = ()  # tellings the channel showed in earlier digests


def query_item_ids(session: Session, spec: ChannelSpec, window: Window) -> set[int] | None:
    """The items matching the channel's search query in the window; None when it has none.

    Search windows are half-open [after, before) and digest windows (start, end]; asking
    for [start, end + 1 µs) covers the digest's window, and the digest's own selection then
    trims it to exactly (start, end].
    """
    if not spec.query:
        return None
    query = parse_query(spec.query, now=window.end)
    return set(
        matching_item_ids(
            session,
            query,
            first_seen_after=window.start,
            first_seen_before=window.end + _MICROSECOND,
        )
    )


def render_parts(digest: Digest, platform_name: str) -> list[dict[str, Any]]:
    bodies = platform(platform_name).render_digest(digest)
    return [{"kind": "message", "body": body} for body in bodies]


def chart_filename(period_key: str) -> str:
    return f"talentbrief-weekly-{period_key[:10]}.png"


def compose(
    session: Session,
    channel: StoredChannel | None,
    spec: ChannelSpec,
    *,
    now: datetime,
    period: Period | None,
    catalog: TopicCatalog,
    since: datetime | None = None,
    with_chart: bool = True,
) -> Built:
    """Select and build a channel's next digest (reads only)."""
    first_start = (
        previous_slot(spec.schedule, spec.timezone, spec.days, period.at) if period else None
    )
    window = selection_window(
        session,
        None if channel is None else channel.id,
        now=now,
        first_start=first_start,
        since=since,
    )
    allowed = query_item_ids(session, spec, window)
    items = select_items(session, window=window, topics=spec.topics, allowed_ids=allowed)
    earlier = shown_items(session, None if channel is None else channel.id, window=window)
    weekly = period is not None and period.weekly
    digest = build_digest(
        items,
        channel=spec.name,
        topics=spec.topics,
        max_items=spec.max_items,
        timezone=spec.timezone,
        window_start=window.start,
        window_end=window.end,
        weekly=weekly,
        catalog=catalog,
        earlier=earlier,
    )
    if digest.is_empty and not spec.post_empty:
        return Built(digest, window, [], None, tuple(items), tuple(earlier))
    parts = render_parts(digest, spec.platform)
    chart_png = None
    render_chart = platform(spec.platform).render_chart
    if weekly and with_chart and render_chart is not None and period is not None:
        weeks = charts.chart_weeks(now)
        counts = weekly_topic_counts(session, weeks=weeks, topics=spec.topics or catalog.order)
        chart_png = charts.topic_chart_png(
            counts,
            weeks,
            title=f"{spec.name}: items per topic, last {len(weeks)} weeks",
            catalog=catalog,
        )
        parts.append({"kind": "chart", "body": render_chart(digest, chart_filename(period.key))})
    return Built(digest, window, parts, chart_png, tuple(items), tuple(earlier))
