"""The outbox: idempotent enqueue, exclusive claims with leases, retries, bounded attempts."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import timedelta

from storage.db import Database
from storage.match import Match
from storage.outbox import (
    FloodRule,
    Outgoing,
    RetryPolicy,
    enqueue,
    list_deliveries,
    mark_failed,
    mark_posted,
    mark_retry,
    mark_sending,
    mark_skipped,
    release,
)
from storage.outbox_claim import claim_outgoing
from storage.subscriptions import delivery_summaries, remove_subscription
from tests.alert_fixtures import LEASE, NOW, queue, store_stories, subscribe

SECOND = timedelta(seconds=1)


NO_FLOOD = FloodRule(more_than=10_000)  # these tests look at single deliveries


def _claim(database: Database, at: timedelta = timedelta(0), **options: object) -> list[Outgoing]:
    options.setdefault("flood", NO_FLOOD)
    with database.session() as session:
        return claim_outgoing(session, now=NOW + at, lease=LEASE, **options)  # type: ignore[arg-type]


def _states(database: Database) -> dict[int, str]:
    with database.session() as session:
        return {d.item_id: d.state for d in list_deliveries(session)}


def test_enqueue_is_idempotent_per_subscription_and_item(database: Database) -> None:
    items = store_stories(database, 3)
    sub = subscribe(database, "H-1B")
    other = subscribe(database, "lottery")
    assert queue(database, sub, [*items, items[0]]) == 3  # a repeated pair in one call
    assert queue(database, sub, items) == 0
    assert queue(database, other, items[:1]) == 1
    (message,) = [
        m for m in _claim(database) if m.item_ids == (items[0],) and m.subscription_id == sub
    ]
    with database.session() as session:
        assert mark_posted(session, message, "1700000000.000100", now=NOW)
    # Seen again later (another source, a changed guid, an update): still one delivery.
    assert queue(database, sub, items, at=NOW + timedelta(hours=1)) == 0
    with database.session() as session:
        rows = list_deliveries(session, subscription_id=sub)
    assert (rows[0].item_id, rows[0].state) == (items[0], "posted")
    assert rows[0].message_id == "1700000000.000100"
    assert len(rows) == 3


def test_matches_of_a_subscription_removed_meanwhile_are_dropped(database: Database) -> None:
    items = store_stories(database, 2)
    kept, gone = subscribe(database, "H-1B"), subscribe(database, "lottery")
    with database.session() as session:
        remove_subscription(session, gone, owner=None)
    with database.session() as session:  # matched before the removal, enqueued after it
        added = enqueue(session, [Match(kept, items[0]), Match(gone, items[1])], now=NOW)
    assert added == 1
    with database.session() as session:
        assert [(d.subscription_id, d.item_id) for d in list_deliveries(session)] == [
            (kept, items[0])
        ]
        assert enqueue(session, [], now=NOW) == 0


def test_a_claim_is_leased_and_the_lease_running_out_gives_it_back(database: Database) -> None:
    items = store_stories(database, 2)
    sub = subscribe(database, "H-1B")
    queue(database, sub, items)
    first = _claim(database)
    assert sorted(i for m in first for i in m.item_ids) == items
    assert all(m.attempts == 1 and not m.maybe_sent and m.target_id == "C0DESK" for m in first)
    assert _claim(database, LEASE - SECOND) == []  # still held
    again = _claim(database, LEASE + SECOND)  # the dispatcher died without a word
    assert sorted(i for m in again for i in m.item_ids) == items
    assert {m.claim_token for m in again}.isdisjoint({m.claim_token for m in first})
    assert all(m.attempts == 2 for m in again)
    # The first claimer's lease is gone: it may no longer start sending.
    with database.session() as session:
        assert mark_sending(session, first[0], now=NOW + LEASE, lease=LEASE) is None


def test_two_claimers_interleaved_never_hold_the_same_delivery(database: Database) -> None:
    items = store_stories(database, 10)
    sub = subscribe(database, "H-1B")
    queue(database, sub, items)
    started = threading.Event()
    other: list[Outgoing] = []

    def second_claimer() -> None:
        started.set()
        other.extend(_claim(database, limit=10))

    with database.session() as session:
        mine = claim_outgoing(session, now=NOW, lease=LEASE, limit=6, flood=NO_FLOOD)
        thread = threading.Thread(target=second_claimer)
        thread.start()
        started.wait()
        # Uncommitted: PostgreSQL's second claimer skips the locked rows; SQLite's waits for
        # this commit and then finds them leased.
        thread.join(timeout=0.3)
    thread.join()
    held_here = [i for m in mine for i in m.item_ids]
    held_there = [i for m in other for i in m.item_ids]
    assert len(held_here) == 6
    assert set(held_here).isdisjoint(held_there)
    assert sorted(held_here + held_there) == items


def test_concurrent_dispatchers_post_every_delivery_exactly_once(database: Database) -> None:
    items = store_stories(database, 40)
    subs = [subscribe(database, "H-1B", target=f"C{n}") for n in range(3)]
    for sub in subs:
        queue(database, sub, items)
    posted: Counter[int] = Counter()
    lock = threading.Lock()
    errors: list[BaseException] = []

    def dispatcher(name: str) -> None:
        try:
            while True:
                with database.session() as session:
                    batch = claim_outgoing(session, now=NOW, lease=LEASE, limit=4, flood=NO_FLOOD)
                if not batch:
                    return
                for message in batch:
                    with database.session() as session:
                        sending = mark_sending(session, message, now=NOW, lease=LEASE)
                    assert sending is not None
                    with database.session() as session:
                        assert mark_posted(session, sending, f"{name}-{sending.key}", now=NOW)
                    with lock:
                        posted.update(sending.delivery_ids)
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)

    threads = [threading.Thread(target=dispatcher, args=(f"d{n}",)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(posted) == 3 * 40
    assert set(posted.values()) == {1}
    assert set(_states(database).values()) == {"posted"}


def test_a_crash_while_sending_is_claimed_again_as_maybe_sent(database: Database) -> None:
    items = store_stories(database, 1)
    queue(database, subscribe(database, "H-1B"), items)
    (message,) = _claim(database)
    with database.session() as session:
        assert mark_sending(session, message, now=NOW, lease=LEASE) == message
    # ... and the process is killed before it records the post.
    assert _claim(database, LEASE - SECOND) == []
    (again,) = _claim(database, LEASE + SECOND)
    assert (again.key, again.item_ids, again.maybe_sent) == (message.key, message.item_ids, True)


def test_a_post_recorded_after_a_takeover_stops_the_second_post(database: Database) -> None:
    items = store_stories(database, 1)
    queue(database, subscribe(database, "H-1B"), items)
    (slow,) = _claim(database)
    with database.session() as session:
        mark_sending(session, slow, now=NOW, lease=LEASE)
    (taker,) = _claim(database, LEASE + SECOND)  # the slow one's lease ran out mid-post
    with database.session() as session:
        assert mark_posted(session, slow, "m-1", now=NOW + LEASE)  # its post did go out
    with database.session() as session:
        assert mark_sending(session, taker, now=NOW + LEASE, lease=LEASE) is None
        assert mark_posted(session, taker, "m-2", now=NOW + LEASE) is False
        (row,) = list_deliveries(session)
    assert (row.state, row.message_id) == ("posted", "m-1")


def test_retries_back_off_honour_retry_after_and_fail_after_the_last_attempt(
    database: Database,
) -> None:
    policy = RetryPolicy(max_attempts=3, backoff_base=timedelta(seconds=30))
    items = store_stories(database, 1)
    sub = subscribe(database, "H-1B")
    queue(database, sub, items)
    (message,) = _claim(database, policy=policy)
    with database.session() as session:
        assert mark_retry(session, message, error="HTTP 502", now=NOW, policy=policy) == "pending"
    assert _claim(database, 29 * SECOND, policy=policy) == []
    (message,) = _claim(database, 30 * SECOND, policy=policy)
    at = 30 * SECOND
    with database.session() as session:  # second attempt: the platform asks for 5 minutes
        state = mark_retry(session, message, error="HTTP 503", now=NOW + at, policy=policy,
                           retry_after=timedelta(minutes=5))  # fmt: skip
        assert state == "pending"
    assert _claim(database, at + timedelta(minutes=5) - SECOND, policy=policy) == []
    at += timedelta(minutes=5)
    (message,) = _claim(database, at, policy=policy)
    assert message.attempts == 3
    with database.session() as session:
        assert mark_retry(session, message, error="HTTP 502", now=NOW + at, policy=policy) == (
            "failed"
        )
    assert _claim(database, at + timedelta(days=1), policy=policy) == []
    with database.session() as session:
        (row,) = list_deliveries(session)
        summary = delivery_summaries(session, [sub])[sub]
    assert row.state == "failed"
    assert row.last_error == "HTTP 502 (gave up after 3 attempts)"
    assert (summary.failed, summary.last_failure) == (1, "HTTP 502 (gave up after 3 attempts)")


def test_rate_limits_are_paced_never_counted_as_failed_attempts(database: Database) -> None:
    policy = RetryPolicy(max_attempts=2)
    items = store_stories(database, 1)
    queue(database, subscribe(database, "H-1B"), items)
    at = timedelta(0)
    for _ in range(6):  # a storm of 429s, each asking for 2 seconds
        (message,) = _claim(database, at, policy=policy)
        with database.session() as session:
            state = mark_retry(session, message, error="HTTP 429", now=NOW + at, policy=policy,
                               retry_after=2 * SECOND, rate_limited=True)  # fmt: skip
        assert state == "pending"
        assert _claim(database, at + SECOND, policy=policy) == []
        at += 2 * SECOND
    (message,) = _claim(database, at, policy=policy)
    assert message.attempts == 1
    with database.session() as session:
        assert mark_posted(session, message, "ok", now=NOW + at)


def test_leases_that_keep_running_out_end_in_failed(database: Database) -> None:
    policy = RetryPolicy(max_attempts=2)
    items = store_stories(database, 1)
    queue(database, subscribe(database, "H-1B"), items)
    (first,) = _claim(database, policy=policy)
    with database.session() as session:
        mark_sending(session, first, now=NOW, lease=LEASE)
    assert len(_claim(database, LEASE + SECOND, policy=policy)) == 1  # attempt 2, then a hang
    assert _claim(database, 3 * LEASE, policy=policy) == []
    with database.session() as session:
        (row,) = list_deliveries(session)
    assert row.state == "failed"
    assert row.last_error is not None
    assert row.last_error.startswith("gave up after 2 attempts, the last one's lease ran out")
    assert "may have reached the platform" in row.last_error


def test_release_failed_and_skipped(database: Database) -> None:
    items = store_stories(database, 3)
    queue(database, subscribe(database, "H-1B"), items)
    messages = {m.item_ids[0]: m for m in _claim(database)}
    with database.session() as session:
        assert release(session, messages[items[0]])
        assert mark_failed(session, messages[items[1]], reason="HTTP 400: blocks too long")
        assert mark_skipped(session, messages[items[2]], reason="item deleted")
        assert not release(session, messages[items[1]])  # no longer held
    assert _states(database) == dict(zip(items, ["pending", "failed", "skipped"], strict=True))
    (again,) = _claim(database)
    assert again.attempts == 1  # the released attempt was not counted
