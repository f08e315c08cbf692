"""No floods (many matches become one message) and paused targets (lost access waits)."""

from __future__ import annotations

from datetime import timedelta

from storage.alert_targets import (
    claim_pause_notices,
    is_paused,
    mark_pause_announced,
    pause_target,
    paused_targets,
    resume_target,
)
from storage.db import Database
from storage.outbox import FloodRule, Outgoing, list_deliveries, mark_posted, mark_retry, release
from storage.outbox_claim import claim_outgoing
from storage.subscriptions import get_subscription
from tests.alert_fixtures import LEASE, NOW, queue, store_stories, subscribe

FLOOD = FloodRule(more_than=3, window=timedelta(minutes=10), max_items=50)
MINUTE = timedelta(minutes=1)


def _claim(database: Database, at: timedelta = timedelta(0), limit: int = 50) -> list[Outgoing]:
    with database.session() as session:
        return claim_outgoing(session, now=NOW + at, lease=LEASE, limit=limit, flood=FLOOD)


def _post_all(database: Database, messages: list[Outgoing], at: timedelta) -> None:
    with database.session() as session:
        for message in messages:
            assert mark_posted(session, message, f"m{message.key}", now=NOW + at)


def test_more_than_n_matches_at_once_become_one_message(database: Database) -> None:
    items = store_stories(database, 7)
    busy = subscribe(database, "H-1B")
    calm = subscribe(database, "lottery", target="C0OTHER")
    queue(database, busy, items[:5])  # 5 > 3: one message
    queue(database, calm, items[5:])  # 2: one message each
    messages = _claim(database, limit=3)  # the batch is completed past the limit
    by_subscription = {m.subscription_id: m for m in messages if m.batched}
    assert set(by_subscription) == {busy}
    batch = by_subscription[busy]
    assert (batch.item_ids, batch.key) == (tuple(items[:5]), batch.delivery_ids[0])
    singles = [m for m in messages if not m.batched]
    assert all(m.subscription_id == calm and len(m.item_ids) == 1 for m in singles)
    assert len(singles) + len(batch.item_ids) >= 3
    with database.session() as session:
        assert {d.batch_id for d in list_deliveries(session, subscription_id=busy)} == {batch.key}


def test_a_failed_batch_is_retried_as_the_same_message(database: Database) -> None:
    items = store_stories(database, 6)
    sub = subscribe(database, "H-1B")
    queue(database, sub, items[:4])
    (batch,) = _claim(database)
    with database.session() as session:
        mark_retry(session, batch, error="HTTP 500", now=NOW)
    queue(database, sub, items[4:], at=NOW + MINUTE)  # more matches meanwhile
    messages = _claim(database, timedelta(minutes=5))
    again = next(m for m in messages if m.key == batch.key)
    assert again.item_ids == batch.item_ids
    assert again.attempts == 2
    newer = [m for m in messages if m.key != batch.key]
    assert sorted(i for m in newer for i in m.item_ids) == items[4:]


def test_a_flooding_subscription_gets_at_most_one_message_per_window(database: Database) -> None:
    items = store_stories(database, 9)
    sub = subscribe(database, "H-1B")
    queue(database, sub, items[:5])
    (first,) = _claim(database)
    _post_all(database, [first], timedelta(0))
    for n, item in enumerate(items[5:8], start=1):  # one more match a minute
        queue(database, sub, [item], at=NOW + n * MINUTE)
        assert _claim(database, n * MINUTE) == []  # held until the window ends
    with database.session() as session:
        held = list_deliveries(session, subscription_id=sub, states=["pending"])
    assert {d.next_attempt_at for d in held} == {NOW + FLOOD.window}
    assert _claim(database, FLOOD.window - timedelta(seconds=1)) == []
    (second,) = _claim(database, FLOOD.window)
    assert second.batched
    assert second.item_ids == tuple(items[5:8])


def test_a_trickle_below_the_threshold_posts_each_match(database: Database) -> None:
    items = store_stories(database, 3)
    sub = subscribe(database, "H-1B")
    for n, item in enumerate(items):
        queue(database, sub, [item], at=NOW + n * MINUTE)
        (message,) = _claim(database, n * MINUTE)
        assert (message.item_ids, message.batched) == ((item,), False)
        _post_all(database, [message], n * MINUTE)


def test_a_paused_target_waits_and_its_admins_are_told_once(database: Database) -> None:
    items = store_stories(database, 2)
    lost = subscribe(database, "H-1B", target="C0GONE")
    fine = subscribe(database, "H-1B", target="C0DESK")
    queue(database, lost, items)
    queue(database, fine, items)
    messages = _claim(database)
    with database.session() as session:
        for message in messages:
            if message.target_id == "C0GONE":  # Slack said channel_not_found
                assert pause_target(session, "slack", "C0GONE", reason="channel_not_found",
                                    now=NOW) is (message is messages[0])  # fmt: skip
                assert release(session, message)
            else:
                assert mark_posted(session, message, "m", now=NOW)
    with database.session() as session:
        assert is_paused(session, "slack", "C0GONE")
        assert not is_paused(session, "slack", "C0DESK")
        assert not is_paused(session, "discord", "C0GONE")
        record = get_subscription(session, lost)
        assert record is not None
        assert record.paused_reason == "channel_not_found"
        (pause,) = paused_targets(session)
    assert (pause.platform, pause.target_id, pause.subscription_ids) == ("slack", "C0GONE", (lost,))
    assert _claim(database, timedelta(hours=1)) == []  # nothing retried while paused

    with database.session() as session:
        (notice,) = claim_pause_notices(session, now=NOW, lease=LEASE)
    assert notice.id == pause.id
    with database.session() as session:
        assert claim_pause_notices(session, now=NOW + MINUTE, lease=LEASE) == []  # leased
    with database.session() as session:  # the notice was not posted (a crash): again
        (again,) = claim_pause_notices(session, now=NOW + 2 * LEASE, lease=LEASE)
        assert mark_pause_announced(session, again.id, now=NOW + 2 * LEASE)
    with database.session() as session:
        assert claim_pause_notices(session, now=NOW + timedelta(days=1), lease=LEASE) == []
        # Pausing again while paused is no new pause and no new notice.
        assert not pause_target(session, "slack", "C0GONE", reason="still gone", now=NOW)
        assert claim_pause_notices(session, now=NOW + timedelta(days=1), lease=LEASE) == []

    with database.session() as session:
        assert resume_target(session, "slack", "C0GONE", now=NOW + timedelta(hours=2)) == 2
        record = get_subscription(session, lost)
        assert record is not None
        assert record.paused_reason is None
        assert paused_targets(session) == []
    resumed = _claim(database, timedelta(hours=2))
    assert sorted(i for m in resumed for i in m.item_ids) == items
    assert all(m.attempts == 1 for m in resumed)  # the released attempt did not count


def test_a_target_paused_again_gets_a_new_notice_and_resume_can_drop_the_backlog(
    database: Database,
) -> None:
    items = store_stories(database, 2)
    lost = subscribe(database, "H-1B", target="C0GONE")
    queue(database, lost, items)
    with database.session() as session:
        assert pause_target(session, "slack", "C0GONE", reason="token revoked", now=NOW)
        (notice,) = claim_pause_notices(session, now=NOW, lease=LEASE)
        mark_pause_announced(session, notice.id, now=NOW)
        assert resume_target(session, "slack", "C0GONE", now=NOW, drop_backlog=True) == 2
        assert pause_target(session, "slack", "C0GONE", reason="not_in_channel", now=NOW)
        (second,) = claim_pause_notices(session, now=NOW, lease=LEASE)
    assert (second.id, second.reason, second.announced_at) == (notice.id, "not_in_channel", None)
    with database.session() as session:
        states = {d.state for d in list_deliveries(session)}
        last_errors = {d.last_error for d in list_deliveries(session)}
    assert states == {"skipped"}
    assert last_errors == {"target resumed without its backlog"}
