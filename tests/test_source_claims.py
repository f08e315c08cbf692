"""Source claims at the storage layer: never two holders, renewed and released only by their
holder, and a count of what others hold; on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from storage.db import Database
from storage.models import Source
from storage.source_claims import (
    SourceClaim,
    claim_sources,
    release_source_claims,
    renew_source_claims,
)
from storage.sources import SourceSpec, add_sources

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
LEASE = timedelta(minutes=1)


def _sources(database: Database, count: int) -> None:
    specs = [
        SourceSpec(name=f"Desk {n}", url=f"https://desk{n}.example/feed") for n in range(count)
    ]
    with database.session() as session:
        add_sources(session, specs)


def _claim(database: Database, **options: object) -> SourceClaim:
    with database.session() as session:
        return claim_sources(session, **options)  # type: ignore[arg-type]


def test_a_claim_that_starts_while_another_is_uncommitted_gets_nothing(
    database: Database,
) -> None:
    """The second claimer reads before the first commits: the old SELECT-then-UPDATE took all
    300 sources a second time on SQLite."""
    _sources(database, 300)
    second: list[SourceClaim] = []
    with database.session() as session:
        first = claim_sources(session, due_only=False, now=NOW, lease=LEASE)
        racer = threading.Thread(
            target=lambda: second.append(_claim(database, due_only=False, now=NOW, lease=LEASE))
        )
        racer.start()
        time.sleep(0.5)  # the racer has read the sources and waits for the write lock
    racer.join(30)
    assert len(first.sources) == 300
    [other] = second
    assert other.sources == ()
    # It waited for the first claim to commit, so it reports who holds them.
    assert other.held_elsewhere == 300
    assert other.held_until == NOW + LEASE


def test_claims_split_the_due_sources_and_count_the_rest(database: Database) -> None:
    _sources(database, 10)
    first = _claim(database, now=NOW, limit=4)
    second = _claim(database, now=NOW)
    assert len(first.sources) == 4 and len(second.sources) == 6
    assert {s.id for s in first.sources}.isdisjoint({s.id for s in second.sources})
    assert second.held_elsewhere == 4 and first.held_elsewhere == 0


def test_a_lapsed_lease_is_taken_over_and_the_old_holder_can_neither_renew_nor_release_it(
    database: Database,
) -> None:
    _sources(database, 3)
    old = _claim(database, now=NOW, lease=LEASE)
    later = NOW + LEASE + timedelta(seconds=1)
    new = _claim(database, now=later, lease=LEASE)
    assert len(new.sources) == 3
    with database.session() as session:
        assert renew_source_claims(session, old.token, now=later, lease=LEASE) == 0
        assert release_source_claims(session, old.token) == 0
        assert renew_source_claims(session, new.token, now=later, lease=LEASE) == 3
    with database.session() as session:
        until = {u for u in session.scalars(select(Source.claimed_until)) if u is not None}
        assert {u if u.tzinfo else u.replace(tzinfo=UTC) for u in until} == {later + LEASE}


def test_released_sources_are_free_at_once(database: Database) -> None:
    _sources(database, 5)
    held = _claim(database, now=NOW)
    with database.session() as session:
        assert release_source_claims(session, held.token, [held.sources[0].id]) == 1
    assert len(_claim(database, now=NOW).sources) == 1
    with database.session() as session:
        assert release_source_claims(session, held.token) == 4
    again = _claim(database, now=NOW)
    assert len(again.sources) == 4 and again.held_elsewhere == 1
