"""The archive's write path: dedup by key and canonical URL, updates, provenance."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection

from storage.db import Database
from storage.dedup import BY_CANONICAL_URL, BY_KEY, refresh_statistics
from storage.items import Tag, count_items, load_items, store_items
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


def _tagging(seen: list[str]) -> Tag:
    def tag(items: Sequence[NewItem]) -> list[NewItem]:
        seen.extend(item.key for item in items)
        return [dataclasses.replace(item, tags={"visa-policy": 0.8}) for item in items]

    return tag


def test_only_new_and_changed_items_are_tagged(database: Database) -> None:
    wire, _ = _two_sources(database)
    seen: list[str] = []
    with database.session() as session:
        store_items(session, wire, [_item("a"), _item("b", title="B")], tag=_tagging(seen))
    assert seen == ["a", "b"]
    seen.clear()
    with database.session() as session:
        batch = [_item("a"), _item("b", title="B, corrected"), _item("c", title="C")]
        result = store_items(session, wire, batch, tag=_tagging(seen))
        stored = load_items(session, [2, 3])
    assert sorted(seen) == ["b", "c"]  # "a" is unchanged: never tagged again
    assert (result.new_items, result.updated_items, result.unchanged_items) == (1, 1, 1)
    assert [s.tags for s in stored] == [{"visa-policy": 0.8}, {"visa-policy": 0.8}]


def _plan(connection: Connection, statement: Any, values: list[str]) -> str:
    """The database's plan for `statement` run exactly as store_items runs it."""
    state = statement.compile(connection).construct_expanded_state({"values": values})
    if connection.dialect.name == "postgresql":
        rows = connection.exec_driver_sql(f"EXPLAIN {state.statement}", state.parameters).all()
    else:
        sql = f"EXPLAIN QUERY PLAN {state.statement}"
        rows = connection.exec_driver_sql(sql, state.positional_parameters).all()
    return "\n".join(str(row[-1]) for row in rows)


def test_duplicate_lookups_are_answered_from_the_indexes(database: Database) -> None:
    wire, _ = _two_sources(database)
    count = 6000
    with database.session() as session:
        for start in range(0, count, 1000):
            batch = [
                _item(
                    f"key-{n}",
                    title=f"Story {n} on visas, talent and research security",
                    summary="A paragraph of text about the story. " * 8,
                    canonical_url=f"https://news.example/{n % 3}/story-{n}",
                )
                for n in range(start, start + 1000)
            ]
            store_items(session, wire, batch)
        refresh_statistics(session)  # what the poll does after large batches
    keys = [f"key-{n}" for n in range(0, count, 120)]
    urls = [f"https://news.example/{n % 3}/story-{n}" for n in range(5, count, 120)]
    with database.engine.connect() as connection:
        dialect = connection.dialect.name
        plans = [
            _plan(connection, BY_KEY[dialect], keys),
            _plan(connection, BY_CANONICAL_URL[dialect], urls),
        ]
    for plan in plans:
        if dialect == "postgresql":
            assert "Index" in plan and "Seq Scan" not in plan, plan
        else:
            assert "USING INDEX" in plan or "USING COVERING INDEX" in plan, plan
            assert "SCAN items" not in plan, plan
