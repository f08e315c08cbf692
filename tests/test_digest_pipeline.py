"""Schedules and periods, selection windows, clustering and ranking."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from digests.cluster import cluster_items
from digests.model import Entry
from digests.rank import rank_entries
from digests.schedule import (
    cron_trigger,
    current_period,
    latest_slot,
    next_slot,
    period_key,
    previous_slot,
)
from digests.select import Window, filter_items
from tests.corpus.digest import NOW, fixed_items

NY = "America/New_York"


def test_times_of_day_in_the_channel_zone_and_days() -> None:
    monday_0930_ny = datetime(2026, 3, 2, 14, 30, tzinfo=UTC)
    slot = latest_slot(("08:00", "17:30"), NY, (), monday_0930_ny)
    assert slot is not None and (slot.hour, slot.minute, slot.day) == (8, 0, 2)
    assert period_key(slot) == "2026-03-02T13:00Z"
    weekdays = ("mon", "tue", "wed", "thu", "fri")
    sunday = datetime(2026, 3, 1, 20, 0, tzinfo=UTC)
    friday = latest_slot(("08:00",), NY, weekdays, sunday)
    assert friday is not None and friday.weekday() == 4
    coming = next_slot(("08:00",), NY, weekdays, sunday)
    assert coming is not None and (coming.weekday(), coming.hour) == (0, 8)
    assert previous_slot(("08:00",), NY, weekdays, coming) == friday


def test_daylight_saving_keeps_local_time() -> None:
    before = latest_slot(("08:00",), NY, (), datetime(2026, 3, 7, 14, 0, tzinfo=UTC))
    after = latest_slot(("08:00",), NY, (), datetime(2026, 3, 9, 14, 0, tzinfo=UTC))
    assert before is not None and after is not None
    assert period_key(before) == "2026-03-07T13:00Z"
    assert period_key(after) == "2026-03-09T12:00Z"  # still 08:00 in New York


def test_cron_day_numbers_mean_what_crontab_says() -> None:
    # APScheduler 3 reads 1-5 as Tuesday-Saturday; crontab means Monday-Friday.
    trigger = cron_trigger("0 8 * * 1-5", "UTC")
    saturday = datetime(2026, 3, 7, 12, 0, tzinfo=UTC)
    fire = trigger.get_next_fire_time(None, saturday)
    assert fire is not None and fire.weekday() == 0
    sunday_job = cron_trigger("30 7 * * 0", "UTC").get_next_fire_time(None, saturday)
    assert sunday_job is not None and sunday_job.weekday() == 6
    slot = latest_slot(("0 8 * * 1-5",), "UTC", (), saturday)
    assert slot is not None and slot.weekday() == 4
    assert latest_slot(("*/15 * * * *",), "UTC", (), NOW + timedelta(minutes=20)) == (
        NOW + timedelta(minutes=15)
    )


def test_the_weekly_edition_falls_on_its_weekday() -> None:
    period = current_period(("08:00",), NY, (), NOW, weekly="mon")
    assert period is not None and period.weekly
    tuesday = current_period(("08:00",), NY, (), NOW + timedelta(days=1), weekly="mon")
    assert tuesday is not None and not tuesday.weekly


def test_filter_items_by_window_topics_ids_and_staleness() -> None:
    items = fixed_items()
    window = Window(start=NOW - timedelta(hours=6), end=NOW)
    chosen = filter_items(items, window=window)
    assert {i.id for i in chosen} == {1, 2, 3, 4, 5, 6}
    visa = filter_items(items, window=Window(NOW - timedelta(days=1), NOW), topics=["visa-policy"])
    assert {i.id for i in visa} == {1, 2, 11, 14}
    allowed = filter_items(items, window=window, allowed_ids={2, 3})
    assert {i.id for i in allowed} == {2, 3}
    backlog = [replace(items[0], published_at=NOW - timedelta(days=30))]
    assert filter_items(backlog, window=window) == []


def test_retellings_within_days_cluster_and_name_the_other_outlets() -> None:
    items = fixed_items()
    clusters = cluster_items(items)
    assert len(clusters) == len(items) - 2
    [story] = [c for c in clusters if len(c.items) > 1]
    assert {i.id for i in story.items} == {3, 4, 5}
    assert story.also == ("Science news", "Google News: China talent and visas")
    late = replace(
        items[3], id=99, key="late", published_at=items[2].published_at + timedelta(days=6)
    )
    assert all(len(c.items) == 1 for c in cluster_items([items[2], late]))
    chinese = replace(items[10], id=98, key="zh2", source="Other", summary="")
    assert len(cluster_items([items[10], chinese])) == 1


def test_unrelated_titles_sharing_words_stay_apart() -> None:
    base = replace(fixed_items()[0], summary="")
    a = replace(base, id=1, title="USCIS updates H-1B fee schedule for employers")
    b = replace(base, id=2, title="USCIS updates EB-5 investor guidance for regional centers")
    c = replace(base, id=3, title="Visa policy")
    d = replace(base, id=4, title="New visa policy for students from China announced")
    assert len(cluster_items([a, b, c, d])) == 4


def test_ranking_alerts_then_score_then_outlets_then_priority_then_recency() -> None:
    base = fixed_items()[5]

    def entry(item_id: int, **changes: object) -> Entry:
        return Entry(item=replace(base, id=item_id, **changes), item_ids=(item_id,))  # type: ignore[arg-type]

    entries = [
        entry(1, tags={"visa-policy": 0.5}),
        entry(2, tags={"visa-policy": 0.5}, alert=True),
        entry(3, tags={"visa-policy": 0.9}),
        Entry(item=replace(base, id=4, tags={"visa-policy": 0.52}), also=("A", "B"), item_ids=(4,)),
        entry(5, tags={"visa-policy": 0.5}, source_priority=3),
        entry(6, tags={"visa-policy": 0.5}, published_at=NOW),
    ]
    assert [e.item.id for e in rank_entries(entries)] == [2, 3, 4, 5, 6, 1]


@pytest.mark.parametrize("count", [0, 1])
def test_clustering_small_inputs(count: int) -> None:
    assert len(cluster_items(fixed_items()[:count])) == count
