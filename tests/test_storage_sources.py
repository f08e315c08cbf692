"""Sources in storage: the config sync that skips an unchanged config, batched fetch states, and
the earliest due time a scheduler wakes for."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import event, select

from storage.db import Database
from storage.models import Source
from storage.sources import (
    FetchState,
    SourceSpec,
    add_source,
    earliest_due_at,
    record_fetch_states,
    remove_source,
    sync_config_sources,
)

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def _specs(count: int, interval: int = 1800) -> list[SourceSpec]:
    return [
        SourceSpec(
            f"Feed {n}",
            f"https://feeds.example.org/{n}.xml",
            interval_seconds=interval,
            origin="config",
        )
        for n in range(count)
    ]


@contextmanager
def _writes(database: Database) -> Iterator[list[str]]:
    """The INSERT/UPDATE/DELETE statements sent while the block runs."""
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE")):
            seen.append(statement)

    event.listen(database.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(database.engine, "before_cursor_execute", record)


def _sources(database: Database) -> dict[str, Source]:
    with database.session() as session:
        return {s.name: s for s in session.scalars(select(Source))}


def test_an_unchanged_config_is_not_synced_again(database: Database) -> None:
    with database.session() as session:
        sync_config_sources(session, _specs(50))
    with _writes(database) as writes, database.session() as session:
        sync_config_sources(session, _specs(50))
    assert writes == []
    assert len(_sources(database)) == 50


def test_a_changed_config_is_synced(database: Database) -> None:
    with database.session() as session:
        sync_config_sources(session, _specs(3))
    with database.session() as session:
        sync_config_sources(session, _specs(2, interval=600))
    sources = _sources(database)
    assert sources["Feed 0"].interval_seconds == 600
    assert not sources["Feed 2"].enabled  # left the config: kept, disabled


def test_a_config_source_removed_from_the_database_comes_back(database: Database) -> None:
    with database.session() as session:
        sync_config_sources(session, _specs(3))
    with database.session() as session:
        remove_source(session, "Feed 1")
    with database.session() as session:
        sync_config_sources(session, _specs(3))
    assert "Feed 1" in _sources(database)


def test_fetch_states_are_recorded_in_one_statement(database: Database) -> None:
    with database.session() as session:
        ids = [add_source(session, spec).id for spec in _specs(40)]
    states = [
        FetchState(source_id, NOW + timedelta(minutes=n), f'"e{n}"', None, f"hash{n}")
        for n, source_id in enumerate(ids)
    ]
    states[3] = FetchState(ids[3], NOW, None, None, None, warning="kept the first 10 of 12")
    with _writes(database) as writes, database.session() as session:
        record_fetch_states(session, states, now=NOW)
    assert len(writes) == 1  # one executemany for every source
    sources = _sources(database)
    assert sources["Feed 7"].etag == '"e7"' and sources["Feed 7"].status == "ok"
    assert sources["Feed 3"].last_warning == "kept the first 10 of 12"
    assert sources["Feed 7"].last_warning is None


def test_earliest_due_at_is_when_the_next_source_is_due(database: Database) -> None:
    with database.session() as session:
        assert earliest_due_at(session, now=NOW) is None  # nothing to poll
        ids = [add_source(session, spec).id for spec in _specs(3)]
        assert earliest_due_at(session, now=NOW) == NOW  # never polled: due now
        for n, source_id in enumerate(ids):
            source = session.get(Source, source_id)
            assert source is not None
            source.next_due_at = NOW + timedelta(seconds=30 + 10 * n)
        session.flush()
        assert earliest_due_at(session, now=NOW) == NOW + timedelta(seconds=30)
        first = session.get(Source, ids[0])
        assert first is not None
        first.enabled = False
        session.flush()
        assert earliest_due_at(session, now=NOW) == NOW + timedelta(seconds=40)
        second = session.get(Source, ids[1])
        assert second is not None
        second.claimed_until = NOW + timedelta(minutes=10)  # being polled elsewhere
        session.flush()
        assert earliest_due_at(session, now=NOW) == NOW + timedelta(seconds=50)
