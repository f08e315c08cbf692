"""The archive's write path: dedup by key and canonical URL, updates, provenance."""

from __future__ import annotations

from datetime import UTC, datetime

from storage.db import Database
from storage.items import count_items, load_items, store_items
from storage.sources import SourceSpec, add_source
from storage.types import NewItem

WHEN = datetime(2026, 3, 2, 14, 30, tzinfo=UTC)


def _item(key: str, title: str = "USCIS updates H-1B fee rule", **extra: object) -> NewItem:
    return NewItem(key=key, title=title, published_at=WHEN, **extra)  # type: ignore[arg-type]


def _two_sources(database: Database) -> tuple[int, int]:
    with database.session() as session:
        first = add_source(session, SourceSpec("Wire", "https://wire.example/feed"))
        second = add_source(session, SourceSpec("Desk", "https://desk.example/feed"))
        return first.id, second.id


def test_new_items_are_stored_once_with_tags(database: Database) -> None:
    wire, _ = _two_sources(database)
    batch = [
        _item("a", tags={"visa-policy": 0.9}, alert=True, reasons={"alert": ("rule published",)}),
        _item("b", title="Returnee scientists in Hangzhou", tags={"returnees": 0.7}),
        _item("a"),  # repeated inside one feed: the first copy wins
    ]
    with database.session() as session:
        result = store_items(session, wire, batch)
    assert (result.new_items, result.updated_items) == (2, 0)
    with database.session() as session:
        assert count_items(session) == 2
        stored = load_items(session, [1, 2])
    assert stored[0].tags == {"visa-policy": 0.9}
    assert stored[0].alert is True
    assert stored[0].reasons == {"alert": ("rule published",)}
    assert stored[0].published_at == WHEN
    assert stored[0].source == "Wire"


def test_unchanged_items_are_not_rewritten(database: Database) -> None:
    wire, _ = _two_sources(database)
    with database.session() as session:
        store_items(session, wire, [_item("a"), _item("b", title="Other")])
    with database.session() as session:
        result = store_items(session, wire, [_item("a"), _item("b", title="Other")])
    assert (result.new_items, result.updated_items, result.unchanged_items) == (0, 0, 2)


def test_changed_title_updates_the_row_and_its_tags(database: Database) -> None:
    wire, _ = _two_sources(database)
    with database.session() as session:
        store_items(session, wire, [_item("a", tags={"visa-policy": 0.5})])
    with database.session() as session:
        result = store_items(
            session, wire, [_item("a", title="USCIS finalizes H-1B fee rule", tags={"alert": 1.0})]
        )
        assert (result.new_items, result.updated_items) == (0, 1)
        assert count_items(session) == 1
        [stored] = load_items(session, [1])
    assert stored.title == "USCIS finalizes H-1B fee rule"
    assert stored.tags == {"alert": 1.0}


def test_same_canonical_url_from_another_source_is_one_item(database: Database) -> None:
    wire, desk = _two_sources(database)
    url = "https://news.example/visa-story"
    with database.session() as session:
        store_items(session, wire, [_item("guid-1", canonical_url=url, entry_id="guid-1")])
    with database.session() as session:
        result = store_items(session, desk, [_item("other-guid", canonical_url=url)])
        assert result.new_items == 0
        assert count_items(session) == 1
        [stored] = load_items(session, [1])
    assert stored.sources == ("Wire", "Desk")
    assert stored.source == "Wire"
