"""Claiming sources for a poll cycle: leases that never overlap, are renewed, and are released.

Several `talentbrief` processes may poll one database (a `run` and a cron `poll`, or workers
sharing PostgreSQL). A cycle claims the sources it will fetch with one UPDATE that repeats the
claimable condition, under a fresh token:

    UPDATE sources SET claimed_until = now + lease, claim_token = :token
    WHERE id IN (due, enabled, unclaimed sources, oldest due first, FOR UPDATE SKIP LOCKED)
      AND (claimed_until IS NULL OR claimed_until < now)
    RETURNING id

On SQLite the statement holds the write lock from its first row to its last, so a second
process's claim waits, then no longer finds those rows claimable; on PostgreSQL the subquery
skips rows another claim has locked. Either way no source is held twice. PostgreSQL claims also
take a short advisory lock first, so a claim starts only after any other claim has committed:
without it, a claim racing an uncommitted one skipped its locked rows and then counted them as
free, reporting neither the sources nor that someone else held them.

Leases are short (`[leases] sources`, a minute by default) and renewed while the cycle runs, so
a process killed mid-poll holds its sources for at most one lease; a clean stop releases them at
once. Renewing and releasing are fenced on the token: a process whose lease ran out cannot
extend or drop a claim someone else has taken since. A cycle also counts the due sources it
skipped because another process holds them, so a report never silently shows fewer sources.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from sqlalchemy import Table, and_, func, or_, select, update
from sqlalchemy.orm import Session

from storage.locks import SOURCE_CLAIMS, hold_lock
from storage.models import Source

DEFAULT_LEASE = timedelta(minutes=1)
_SOURCES = cast(Table, Source.__table__)


@dataclass(frozen=True, slots=True)
class ClaimedSource:
    """A claimed source as a poll cycle needs it: plain values, detached from any session."""

    id: int
    name: str
    url: str
    kind: str
    origin: str
    interval_seconds: int
    hint_tags: tuple[str, ...]
    etag: str | None
    last_modified: str | None
    content_hash: str | None
    consecutive_failures: int
    status: str


# In ClaimedSource's order. The claim's UPDATE returns them: no second query, no ORM objects
# (loading 1,000 ORM sources cost more than the rest of the claim).
_CLAIMED = tuple(_SOURCES.c[name] for name in ClaimedSource.__dataclass_fields__)


@dataclass(frozen=True, slots=True)
class SourceClaim:
    """What one claim took (in id order), and what it left to others."""

    token: str
    sources: tuple[ClaimedSource, ...]
    held_elsewhere: int  # due, enabled sources another process holds right now
    held_until: datetime | None  # when the last of those leases runs out (if not renewed)


def new_token() -> str:
    return uuid.uuid4().hex


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _free(now: datetime) -> Any:
    return or_(Source.claimed_until.is_(None), Source.claimed_until < now)


def _due(now: datetime) -> Any:
    return or_(Source.next_due_at.is_(None), Source.next_due_at <= now)


def claim_sources(
    session: Session,
    *,
    now: datetime | None = None,
    due_only: bool = True,
    lease: timedelta = DEFAULT_LEASE,
    limit: int | None = None,
    token: str | None = None,
) -> SourceClaim:
    """Claim the enabled (and, with `due_only`, due) sources nobody holds, for `lease`."""
    now = now or datetime.now(UTC)
    token = token or new_token()
    postgres = session.get_bind().dialect.name == "postgresql"
    if postgres:
        hold_lock(session.connection(), SOURCE_CLAIMS)
    wanted = [Source.enabled.is_(True), *([_due(now)] if due_only else [])]
    candidates = (
        select(Source.id)
        .where(*wanted, _free(now))
        .order_by(Source.next_due_at.is_not(None), Source.next_due_at, Source.id)
    )
    if limit is not None:
        candidates = candidates.limit(limit)
    if postgres:
        candidates = candidates.with_for_update(skip_locked=True)
    rows = session.connection().execute(
        update(_SOURCES)
        .where(_SOURCES.c.id.in_(candidates.scalar_subquery()), _free(now))
        .values(claimed_until=now + lease, claim_token=token, last_attempt_at=now)
        .returning(*_CLAIMED)
    )
    sources = tuple(sorted((_claimed(row) for row in rows), key=lambda source: source.id))
    held, until = session.execute(
        select(func.count(), func.max(Source.claimed_until)).where(
            *wanted,
            Source.claimed_until >= now,
            or_(Source.claim_token.is_(None), Source.claim_token != token),
        )
    ).one()
    return SourceClaim(token, sources, int(held), None if until is None else _utc(until))


def _claimed(row: Sequence[Any]) -> ClaimedSource:
    values = list(row)
    values[6] = tuple(values[6] or ())  # hint_tags: a JSON list, maybe NULL
    return ClaimedSource(*values)


def renew_source_claims(
    session: Session, token: str, *, now: datetime | None = None, lease: timedelta = DEFAULT_LEASE
) -> int:
    """Extend the lease of every source still held under `token`; how many were renewed.

    A source the cycle has finished (its fetch recorded, `claimed_until` cleared) is not renewed.
    """
    now = now or datetime.now(UTC)
    result = session.execute(
        update(Source)
        .where(Source.claim_token == token, Source.claimed_until.is_not(None))
        .values(claimed_until=now + lease)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def release_source_claims(session: Session, token: str, ids: Sequence[int] | None = None) -> int:
    """Give back the sources still held under `token` (all, or those in `ids`) without
    recording a fetch: they are due again at once for whoever polls next."""
    condition = and_(Source.claim_token == token, Source.claimed_until.is_not(None))
    if ids is not None:
        condition = and_(condition, Source.id.in_(list(ids)))
    result = session.execute(
        update(Source)
        .where(condition)
        .values(claimed_until=None, claim_token=None)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]
