"""Which items alert: new ones and newly-alert ones, matched once, never a new source's backlog."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from storage.db import Database
from storage.items import store_items
from storage.outbox import enqueue_matches, first_poll, list_deliveries
from storage.sources import SourceSpec, add_source, get_source, record_fetch_success
from storage.types import NewItem
from tests.alert_fixtures import subscribe

NOW = datetime(2026, 3, 2, 13, 0, tzinfo=UTC)


def _story(key: str, title: str, *, alert: bool = False, url: str | None = None) -> NewItem:
    return NewItem(
        key=key,
        title=title,
        summary="The State Department said the change applies to new applicants.",
        published_at=NOW - timedelta(hours=2),
        canonical_url=url,
        tags={"visa-policy": 0.9},
        alert=alert,
    )


def test_store_result_names_the_new_items_and_those_that_became_alerts(database: Database) -> None:
    with database.session() as session:
        source = add_source(session, SourceSpec("State Dept", "https://state.example/rss"))
        first = store_items(
            session,
            source.id,
            [_story("a", "Visa bulletin for April"), _story("b", "Consulates pause interviews",
             alert=True), _story("c", "Student visa backlog grows")],
        )  # fmt: skip
    assert first.new_items == 3
    assert len(first.new_ids) == 3
    assert first.newly_alert_ids == ()
    a, b, c = first.new_ids
    with database.session() as session:
        second = store_items(
            session,
            source.id,
            [
                _story("a", "Visa bulletin for April (corrected)", alert=True),  # became an alert
                _story("b", "Consulates pause interviews worldwide", alert=True),  # was one
                _story("c", "Student visa backlog grows"),  # unchanged
                _story("d", "New rule on visa fees", alert=True),  # new
            ],
        )
    assert (second.new_items, second.updated_items, second.unchanged_items) == (1, 2, 1)
    assert second.newly_alert_ids == (a,)
    assert len(second.new_ids) == 1
    assert second.new_ids[0] not in (a, b, c)
    with database.session() as session:
        third = store_items(session, source.id, [_story("a", "Visa bulletin for April")])
    assert (third.new_ids, third.newly_alert_ids) == ((), ())  # an alert no more: nothing


def test_a_source_is_on_its_first_poll_until_one_succeeds(database: Database) -> None:
    with database.session() as session:
        source = add_source(session, SourceSpec("State Dept", "https://state.example/rss"))
        assert first_poll(session, source.id)
        record_fetch_success(session, source.id, next_due_at=NOW, etag=None, last_modified=None,
                             content_hash=None, now=NOW)  # fmt: skip
        assert not first_poll(session, source.id)
        assert not first_poll(session, 999)  # no such source: nothing to archive quietly


def _poll(database: Database, source_name: str, items: list[NewItem], at: datetime) -> int:
    """What the poll cycle does with alerts, in the transaction that stores the items."""
    with database.session() as session:
        row = get_source(session, source_name)
        assert row is not None
        source = row.id
        quiet = first_poll(session, source)
        result = store_items(session, source, items)
        record_fetch_success(session, source, next_due_at=at, etag=None, last_modified=None,
                             content_hash=None, now=at)  # fmt: skip
        if quiet:
            return 0
        matched = enqueue_matches(session, [*result.new_ids, *result.newly_alert_ids], now=at)
        return matched.enqueued


def test_alerts_go_out_once_per_item_and_never_for_a_new_sources_backlog(
    database: Database,
) -> None:
    with database.session() as session:
        add_source(session, SourceSpec("State Dept", "https://state.example/rss"))
        add_source(session, SourceSpec("Travel wire", "https://wire.example/rss"))
    alerts_only = subscribe(database, "tag:visa-policy alert:yes")
    everything = subscribe(database, "visa", target="C0ALL")
    backlog = [_story("old-1", "Visa bulletin for March", alert=True)]
    assert _poll(database, "State Dept", backlog, NOW) == 0  # first poll: archived quietly

    plain = _story("s1", "Visa interview waiver expanded", url="https://state.example/waiver")
    assert _poll(database, "State Dept", [plain], NOW + timedelta(minutes=5)) == 1  # "visa"
    updated = _story("s1", "Visa interview waiver expanded: rule published", alert=True,
                     url="https://state.example/waiver")  # fmt: skip
    assert _poll(database, "State Dept", [updated], NOW + timedelta(minutes=10)) == 1  # alert now
    # The same story from another source, under another guid: the same item, no new alert.
    assert _poll(database, "Travel wire", [], NOW) == 0  # (its quiet first poll)
    again = _story("wire-77", "Visa interview waiver expanded: rule published", alert=True,
                   url="https://state.example/waiver")  # fmt: skip
    assert _poll(database, "Travel wire", [again], NOW + timedelta(minutes=15)) == 0

    with database.session() as session:
        deliveries = list_deliveries(session)
    assert sorted((d.subscription_id, d.state) for d in deliveries) == [
        (alerts_only, "pending"),
        (everything, "pending"),
    ]
    assert len({d.item_id for d in deliveries}) == 1
