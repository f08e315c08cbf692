"""Channels synced from config, and digest runs: unique per period, resumable part by part."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from storage.channels import (
    ChannelSpec,
    add_channel,
    get_channel,
    list_channels,
    sync_config_channels,
)
from storage.db import Database
from storage.digests import (
    DigestRunRecord,
    RunConflict,
    claim_run,
    create_run,
    get_run,
    last_done_run,
    mark_sending,
    record_part_posted,
    release_run,
    supersede_run,
    unfinished_runs,
)

NOW = datetime(2026, 3, 2, 13, 0, tzinfo=UTC)
LEASE = timedelta(minutes=10)


def _run(
    session: Session, channel_id: int, key: str, parts: int = 2, at: datetime = NOW
) -> DigestRunRecord | None:
    return create_run(
        session,
        channel_id=channel_id,
        period_key=key,
        period_at=at,
        edition="daily",
        platform="slack",
        target="C1",
        window_start=at - timedelta(days=1),
        window_end=at,
        item_ids=[1, 2],
        payload=[{"text": f"part {i}"} for i in range(parts)],
        now=at,
    )


def test_config_channels_sync_by_name_and_leave_chat_channels_alone(database: Database) -> None:
    desk = ChannelSpec(name="desk", platform="slack", target="C1", topics=("visa-policy",))
    old = ChannelSpec(name="old", platform="console")
    with database.session() as session:
        add_channel(session, ChannelSpec(name="from-chat", platform="console", origin="chat"))
        sync_config_channels(session, [desk, old])
    with database.session() as session:
        sync_config_channels(session, [replace(desk, schedule=("09:30",))])
    with database.session() as session:
        channels = {c.name: c.spec for c in list_channels(session)}
        enabled = [c.name for c in list_channels(session, enabled_only=True)]
        stored = get_channel(session, "desk")
    assert set(channels) == {"desk", "old", "from-chat"}
    assert channels["old"].enabled is False
    assert sorted(enabled) == ["desk", "from-chat"]
    assert stored is not None
    assert stored.spec.schedule == ("09:30",)
    assert stored.spec.topics == ("visa-policy",)


def test_one_run_per_period_and_parts_recorded_in_order(database: Database) -> None:
    with database.session() as session:
        channel = add_channel(session, ChannelSpec(name="desk", platform="slack", target="C1"))
        first = _run(session, channel.id, "2026-03-02T13:00Z")
        again = _run(session, channel.id, "2026-03-02T13:00Z")
    assert first is not None
    assert again is None  # the unique key: a second digest for the period is impossible
    with database.session() as session:
        assert claim_run(session, first.id, now=NOW, lease=LEASE)
        assert not claim_run(session, first.id, now=NOW, lease=LEASE)  # leased
        mark_sending(session, first.id, 0, now=NOW)
        record = record_part_posted(session, first.id, 0, "111.1", now=NOW, lease=LEASE)
    assert (record.state, record.message_ids, record.sending_part) == ("built", ("111.1",), None)
    with database.session() as session, pytest.raises(RunConflict):
        record_part_posted(session, first.id, 0, "dup", now=NOW, lease=LEASE)
    with database.session() as session:
        release_run(session, first.id, error="HTTP 500")
        assert claim_run(session, first.id, now=NOW, lease=LEASE)
        done = record_part_posted(session, first.id, 1, "111.2", now=NOW, lease=LEASE)
    assert done.state == "posted"
    assert done.posted_at == NOW
    with database.session() as session:
        assert last_done_run(session, channel.id) == done
        assert unfinished_runs(session, channel.id) == []
        assert get_run(session, channel.id, "2026-03-02T13:00Z") == done


def test_only_untouched_past_runs_are_superseded(database: Database) -> None:
    with database.session() as session:
        channel = add_channel(session, ChannelSpec(name="desk"))
        untouched = _run(session, channel.id, "a", at=NOW - timedelta(days=2))
        partial = _run(session, channel.id, "b", at=NOW - timedelta(days=1))
        sending = _run(session, channel.id, "c", at=NOW)
        assert untouched and partial and sending
        record_part_posted(session, partial.id, 0, "m1", now=NOW, lease=LEASE)
        mark_sending(session, sending.id, 0, now=NOW)
    with database.session() as session:
        assert supersede_run(session, untouched.id, now=NOW)
        assert not supersede_run(session, partial.id, now=NOW)
        assert not supersede_run(session, sending.id, now=NOW)
        assert [r.period_key for r in unfinished_runs(session, channel.id)] == ["b", "c"]


def test_an_empty_payload_is_a_done_run(database: Database) -> None:
    with database.session() as session:
        channel = add_channel(session, ChannelSpec(name="desk"))
        run = _run(session, channel.id, "a", parts=0)
        assert run is not None
        assert run.state == "empty"
        assert last_done_run(session, channel.id) == run


def test_weekly_topic_counts_bucket_items_by_week_and_topic(database: Database) -> None:
    from datetime import date

    from sqlalchemy import update

    from storage.digests import weekly_topic_counts
    from storage.items import store_items
    from storage.models import Item
    from storage.sources import SourceSpec, add_source
    from storage.types import NewItem

    seen = {
        "a": (datetime(2026, 2, 23, 9, tzinfo=UTC), {"visa-policy": 0.9}),
        "b": (datetime(2026, 3, 1, 23, tzinfo=UTC), {"visa-policy": 0.5, "returnees": 0.4}),
        "c": (datetime(2026, 3, 2, 1, tzinfo=UTC), {"returnees": 0.8}),
        "d": (datetime(2026, 1, 5, 1, tzinfo=UTC), {"returnees": 0.8}),  # before the weeks
    }
    with database.session() as session:
        source = add_source(session, SourceSpec("Wire", "https://wire.example/feed"))
        store_items(
            session,
            source.id,
            [NewItem(key=k, title=k, published_at=t, tags=tags) for k, (t, tags) in seen.items()],
        )
        for key, (moment, _tags) in seen.items():
            session.execute(update(Item).where(Item.key == key).values(first_seen_at=moment))
    weeks = [date(2026, 2, 23), date(2026, 3, 2)]
    with database.session() as session:
        counts = weekly_topic_counts(session, weeks=weeks, topics=["visa-policy", "returnees"])
    assert counts == {"visa-policy": [2, 0], "returnees": [1, 1]}
