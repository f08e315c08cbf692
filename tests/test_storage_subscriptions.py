"""Subscriptions: saved queries validated when made, a limit per owner, owner checks."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from storage.db import Database
from storage.errors import BadInput
from storage.items import store_items
from storage.match import Match
from storage.outbox import enqueue, list_deliveries
from storage.query import QuerySyntaxError
from storage.sources import SourceSpec, add_source
from storage.subscriptions import (
    Owner,
    SubscriptionSpec,
    count_subscriptions,
    create_subscription,
    delivery_summaries,
    get_subscription,
    list_subscriptions,
    remove_subscription,
    set_subscription_enabled,
)
from storage.types import NewItem

NOW = datetime(2026, 3, 2, 13, 0, tzinfo=UTC)
ALICE = Owner("slack", "U0ALICE")
BOB = Owner("slack", "U0BOB")


def _spec(
    query: str, owner: Owner = ALICE, target: str = "C0DESK", kind: str = "channel"
) -> SubscriptionSpec:
    return SubscriptionSpec(
        owner=owner, target_kind=kind, target_platform="slack", target_id=target, query=query
    )


def test_a_subscription_is_saved_with_its_owner_target_and_query(database: Database) -> None:
    with database.session() as session:
        made = create_subscription(
            session, _spec('  tag:visa-policy   "Thousand Talents" '), max_per_owner=5, now=NOW
        )
    with database.session() as session:
        stored = get_subscription(session, made.id)
    assert stored == made
    assert stored.query == 'tag:visa-policy "Thousand Talents"'  # whitespace tidied
    assert (stored.owner, stored.target_kind, stored.target_id) == (ALICE, "channel", "C0DESK")
    assert stored.enabled is True
    assert stored.paused_reason is None
    assert stored.created_at == NOW


@pytest.mark.parametrize(
    ("query", "reason"),
    [
        ('"Thousand Talents', "unbalanced quote"),
        ("colour:red", "unknown field"),
        ("-visa", "only exclusions"),
        ("", "empty query"),
        ("since:2026-03-01 until:2026-01-01", "is after"),
    ],
)
def test_a_query_that_does_not_parse_is_refused_with_the_reason(
    database: Database, query: str, reason: str
) -> None:
    with database.session() as session, pytest.raises(QuerySyntaxError, match=reason):
        create_subscription(session, _spec(query), max_per_owner=5, now=NOW)
    with database.session() as session:
        assert list_subscriptions(session) == []


@pytest.mark.parametrize(
    ("spec", "reason"),
    [
        (replace(_spec("visa"), target_kind="thread"), "here.*or dm"),
        (replace(_spec("visa"), target_platform="teams"), "unknown platform"),
        (replace(_spec("visa"), target_id=" "), "target id"),
        (replace(_spec("visa"), owner=Owner("slack", "")), "owner id"),
        (replace(_spec("visa"), owner=Owner("irc", "nick")), "unknown platform"),
    ],
)
def test_a_bad_target_or_owner_is_refused(
    database: Database, spec: SubscriptionSpec, reason: str
) -> None:
    with database.session() as session, pytest.raises(BadInput, match=reason):
        create_subscription(session, spec, max_per_owner=5, now=NOW)


def test_the_owner_limit_counts_every_subscription_of_that_owner(database: Database) -> None:
    with database.session() as session:
        for word in ("visa", "returnee", "DeepSeek"):
            create_subscription(session, _spec(word), max_per_owner=3, now=NOW)
        create_subscription(session, _spec("visa", owner=BOB), max_per_owner=3, now=NOW)
        with pytest.raises(BadInput, match="most allowed is 3"):
            create_subscription(session, _spec("semiconductor", kind="dm"), max_per_owner=3)
        create_subscription(session, _spec("semiconductor"), max_per_owner=None, now=NOW)
        assert count_subscriptions(session, ALICE) == 4
        assert count_subscriptions(session, BOB) == 1


def test_the_same_query_for_the_same_target_is_refused_once_made(database: Database) -> None:
    with database.session() as session:
        first = create_subscription(session, _spec("visa tag:visa-policy"), max_per_owner=9)
        with pytest.raises(BadInput, match=f"already have this subscription \\(#{first.id}\\)"):
            # The same query written differently parses to the same thing.
            create_subscription(session, _spec("tag:visa-policy  VISAS"), max_per_owner=9)
        create_subscription(session, _spec("visa tag:visa-policy", kind="dm", target="U0ALICE"),
                            max_per_owner=9)  # fmt: skip
        create_subscription(session, _spec("visa tag:visa-policy", owner=BOB), max_per_owner=9)
        assert len(list_subscriptions(session)) == 3


def test_listing_by_owner_and_enabled(database: Database) -> None:
    with database.session() as session:
        a = create_subscription(session, _spec("visa"), max_per_owner=None, now=NOW)
        b = create_subscription(session, _spec("returnee", owner=BOB), max_per_owner=None)
        c = create_subscription(session, _spec("DeepSeek"), max_per_owner=None, now=NOW)
        set_subscription_enabled(session, c.id, False, owner=ALICE)
    with database.session() as session:
        assert [s.id for s in list_subscriptions(session)] == [a.id, b.id, c.id]
        assert [s.id for s in list_subscriptions(session, owner=ALICE)] == [a.id, c.id]
        assert [s.id for s in list_subscriptions(session, enabled_only=True)] == [a.id, b.id]


def test_only_the_owner_or_an_operator_removes_a_subscription(database: Database) -> None:
    with database.session() as session:
        mine = create_subscription(session, _spec("visa"), max_per_owner=None, now=NOW)
        theirs = create_subscription(session, _spec("visa", owner=BOB), max_per_owner=None)
    with database.session() as session:
        with pytest.raises(BadInput, match="belongs to someone else"):
            remove_subscription(session, theirs.id, owner=ALICE)
        with pytest.raises(BadInput, match="no subscription #999"):
            remove_subscription(session, 999, owner=ALICE)
        with pytest.raises(BadInput, match="belongs to someone else"):
            set_subscription_enabled(session, theirs.id, False, owner=ALICE)
    with database.session() as session:
        assert remove_subscription(session, mine.id, owner=ALICE).id == mine.id
        assert remove_subscription(session, theirs.id, owner=None).id == theirs.id  # operator
    with database.session() as session:
        assert list_subscriptions(session) == []


def _items(database: Database, count: int) -> list[int]:
    with database.session() as session:
        source = add_source(session, SourceSpec("USCIS news", "https://uscis.example/feed"))
        result = store_items(
            session,
            source.id,
            [NewItem(key=f"k{n}", title=f"Visa rule {n}", published_at=NOW) for n in range(count)],
        )
    return list(result.new_ids)


def test_disabling_skips_pending_deliveries_and_removing_deletes_them(database: Database) -> None:
    item_ids = _items(database, 3)
    with database.session() as session:
        kept = create_subscription(session, _spec("visa"), max_per_owner=None, now=NOW)
        off = create_subscription(session, _spec("rule"), max_per_owner=None, now=NOW)
        gone = create_subscription(session, _spec("rule", owner=BOB), max_per_owner=None)
        pairs = [Match(s.id, i) for s in (kept, off, gone) for i in item_ids]
        enqueue(session, pairs, now=NOW)
    with database.session() as session:
        set_subscription_enabled(session, off.id, False, owner=None)
        remove_subscription(session, gone.id, owner=BOB)
    with database.session() as session:
        states = {(d.subscription_id, d.state) for d in list_deliveries(session)}
        assert states == {(kept.id, "pending"), (off.id, "skipped")}
        skipped = list_deliveries(session, subscription_id=off.id)
        assert {d.last_error for d in skipped} == {"subscription disabled"}
        assert list_deliveries(session, subscription_id=gone.id) == []
        assert set_subscription_enabled(session, off.id, True, owner=ALICE).enabled is True
        # Re-enabling does not bring the skipped backlog back.
        assert {d.state for d in list_deliveries(session, subscription_id=off.id)} == {"skipped"}


def test_delivery_summaries_count_states_and_show_the_last_failure(database: Database) -> None:
    from storage.models import Delivery  # the summary reads what the dispatcher wrote

    item_ids = _items(database, 4)
    with database.session() as session:
        sub = create_subscription(session, _spec("visa"), max_per_owner=None, now=NOW)
        quiet = create_subscription(session, _spec("returnee"), max_per_owner=None, now=NOW)
        enqueue(session, [Match(sub.id, i) for i in item_ids], now=NOW)
    with database.session() as session:
        rows = {row.item_id: row for row in session.scalars(select(Delivery))}
        rows[item_ids[0]].state, rows[item_ids[0]].posted_at = "posted", NOW
        rows[item_ids[1]].state, rows[item_ids[1]].last_error = "failed", "channel_not_found"
        rows[item_ids[2]].state = "failed"
        rows[item_ids[2]].last_error = "HTTP 400: message too long"
    with database.session() as session:
        summaries = delivery_summaries(session, [sub.id, quiet.id])
    first = summaries[sub.id]
    assert (first.pending, first.sending, first.posted, first.failed, first.skipped) == (
        1,
        0,
        1,
        2,
        0,
    )
    assert first.last_posted_at == NOW
    assert first.last_failure == "HTTP 400: message too long"  # the newest failed row
    assert summaries[quiet.id].pending == summaries[quiet.id].failed == 0
    assert summaries[quiet.id].last_failure is None
