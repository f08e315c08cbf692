"""Sources and their fetch state."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import cast

from sqlalchemy import Table, bindparam, func, insert, or_, select, update
from sqlalchemy.orm import Session

from storage.errors import BadInput
from storage.models import ItemSource, Source, SyncState
from storage.urls import redact_url

_CONFIG_SYNC = "config_sources"  # the sync_state row of the config file's sources


@dataclass(frozen=True, slots=True)
class SourceSpec:
    """A source as the operator declares it (config file, CLI, OPML or chat)."""

    name: str
    url: str
    kind: str = "feed"
    interval_seconds: int = 1800
    hint_tags: tuple[str, ...] = ()
    origin: str = "cli"
    priority: int = 0
    enabled: bool = True


@dataclass(frozen=True, slots=True)
class SourceStatus:
    """One row of `feeds list`."""

    id: int
    name: str
    url: str
    kind: str
    origin: str
    enabled: bool
    status: str
    interval_seconds: int
    last_success_at: datetime | None
    last_attempt_at: datetime | None
    next_due_at: datetime | None
    consecutive_failures: int
    last_error: str | None
    item_count: int
    last_item_at: datetime | None = None  # when the newest item it carried was first seen
    last_warning: str | None = None


def _now() -> datetime:
    return datetime.now(UTC)


def _aware(moment: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; everything stored is UTC."""
    return moment if moment is None or moment.tzinfo else moment.replace(tzinfo=UTC)


def get_source(session: Session, name: str) -> Source | None:
    return session.scalar(select(Source).where(Source.name == name))


def source_clash(session: Session, spec: SourceSpec) -> str | None:
    """Why `spec` cannot be added (its name or URL is taken), or None."""
    if get_source(session, spec.name) is not None:
        return f"a source named {spec.name!r} already exists"
    clash = session.scalar(select(Source.name).where(Source.url == spec.url))
    if clash is not None:
        return f"{redact_url(spec.url)} is already polled as {clash!r}"
    return None


def add_source(session: Session, spec: SourceSpec) -> Source:
    """Add a new source; a name or URL already present is bad input."""
    clash = source_clash(session, spec)
    if clash is not None:
        raise BadInput(clash)
    source = Source(
        name=spec.name,
        url=spec.url,
        kind=spec.kind,
        interval_seconds=spec.interval_seconds,
        hint_tags=list(spec.hint_tags),
        enabled=spec.enabled,
        origin=spec.origin,
        priority=spec.priority,
        created_at=_now(),
        consecutive_failures=0,
        status="new",
    )
    session.add(source)
    session.flush()
    return source


def source_names_and_urls(session: Session) -> tuple[set[str], set[str]]:
    """Every stored source's name and URL, for checking a batch of new ones at once."""
    rows = session.execute(select(Source.name, Source.url)).all()
    return {name for name, _ in rows}, {url for _, url in rows}


def add_sources(session: Session, specs: Sequence[SourceSpec]) -> None:
    """Add many new sources in one statement; the caller has checked names and URLs are free.

    One INSERT for the batch keeps an OPML import of 100,000 outlines linear.
    """
    if not specs:
        return
    now = _now()
    session.execute(
        insert(Source),
        [
            {
                "name": spec.name,
                "url": spec.url,
                "kind": spec.kind,
                "interval_seconds": spec.interval_seconds,
                "hint_tags": list(spec.hint_tags),
                "enabled": spec.enabled,
                "origin": spec.origin,
                "priority": spec.priority,
                "created_at": now,
                "consecutive_failures": 0,
                "status": "new",
            }
            for spec in specs
        ],
    )


def exported_sources(session: Session) -> list[SourceSpec]:
    """Every source as a spec (for OPML export), by name."""
    return [
        SourceSpec(
            name=s.name,
            url=s.url,
            kind=s.kind,
            interval_seconds=s.interval_seconds,
            hint_tags=tuple(s.hint_tags or ()),
            origin=s.origin,
            priority=s.priority,
            enabled=s.enabled,
        )
        for s in session.scalars(select(Source).order_by(Source.name))
    ]


def remove_source(session: Session, name: str) -> None:
    source = get_source(session, name)
    if source is None:
        raise BadInput(f"no source named {name!r} (see `talentbrief feeds list`)")
    session.delete(source)


def sync_config_sources(session: Session, specs: Sequence[SourceSpec]) -> None:
    """Make the stored config sources match the config file.

    Config sources are matched by name; fetch state survives edits. A source that left the config
    is disabled rather than deleted, so its items keep their provenance. When neither the specs
    nor the number of config sources changed since the last sync, nothing is read or written but
    one row (a poll of 1,000 config sources otherwise spent 7 % of its time here).
    """
    fingerprint = _fingerprint(specs)
    state = session.get(SyncState, _CONFIG_SYNC)
    unchanged = state is not None and state.fingerprint == fingerprint
    if unchanged and state is not None and state.row_count == _config_source_count(session):
        return
    wanted = {spec.name: spec for spec in specs}
    for source in session.scalars(select(Source).where(Source.origin == "config")):
        if source.name not in wanted:
            source.enabled = False
    for spec in specs:
        existing = get_source(session, spec.name)
        if existing is None:
            add_source(session, spec)
            continue
        source = existing
        if source.url != spec.url:
            source.etag = source.last_modified = source.content_hash = None
        source.url = spec.url
        source.kind = spec.kind
        source.interval_seconds = spec.interval_seconds
        source.hint_tags = list(spec.hint_tags)
        source.origin = "config"
        source.priority = spec.priority
        source.enabled = spec.enabled
    session.flush()
    row_count = _config_source_count(session)
    if state is None:
        session.add(
            SyncState(
                name=_CONFIG_SYNC, fingerprint=fingerprint, row_count=row_count, synced_at=_now()
            )
        )
    else:
        state.fingerprint, state.row_count, state.synced_at = fingerprint, row_count, _now()


def _fingerprint(specs: Sequence[SourceSpec]) -> str:
    rows = [
        [s.name, s.url, s.kind, s.interval_seconds, list(s.hint_tags), s.priority, s.enabled]
        for s in specs
    ]
    return hashlib.sha256(json.dumps(rows, ensure_ascii=False).encode()).hexdigest()


def _config_source_count(session: Session) -> int:
    """Config sources stored: a source removed from the database (not the config) changes it."""
    query = select(func.count()).select_from(Source).where(Source.origin == "config")
    return session.scalar(query) or 0


def list_sources(session: Session) -> list[SourceStatus]:
    counts: dict[int, tuple[int, datetime | None]] = {
        source_id: (count, newest)
        for source_id, count, newest in session.execute(
            select(ItemSource.source_id, func.count(), func.max(ItemSource.first_seen_at)).group_by(
                ItemSource.source_id
            )
        )
    }
    return [
        SourceStatus(
            id=s.id,
            name=s.name,
            url=s.url,
            kind=s.kind,
            origin=s.origin,
            enabled=s.enabled,
            status=s.status,
            interval_seconds=s.interval_seconds,
            last_success_at=s.last_success_at,
            last_attempt_at=s.last_attempt_at,
            next_due_at=s.next_due_at,
            consecutive_failures=s.consecutive_failures,
            last_error=s.last_error,
            item_count=counts.get(s.id, (0, None))[0],
            last_item_at=_aware(counts.get(s.id, (0, None))[1]),
            last_warning=s.last_warning,
        )
        for s in session.scalars(select(Source).order_by(Source.name))
    ]


@dataclass(frozen=True, slots=True)
class FetchState:
    """A successful fetch to record on a source: its validators and when it is due again."""

    source_id: int
    next_due_at: datetime
    etag: str | None
    last_modified: str | None
    content_hash: str | None
    warning: str | None = None  # e.g. entries beyond the cap; None clears an old one
    parsed: bool = True  # False for a 304 or an unchanged body: the old warning still holds


def record_fetch_success(
    session: Session,
    source_id: int,
    *,
    next_due_at: datetime,
    etag: str | None,
    last_modified: str | None,
    content_hash: str | None,
    now: datetime | None = None,
    warning: str | None = None,
) -> None:
    state = FetchState(source_id, next_due_at, etag, last_modified, content_hash, warning)
    record_fetch_states(session, [state], now=now)


_SOURCES = cast(Table, Source.__table__)
_SUCCESS_VALUES = {
    "etag": bindparam("state_etag"),
    "last_modified": bindparam("state_last_modified"),
    "content_hash": bindparam("state_content_hash"),
    "next_due_at": bindparam("state_next_due_at"),
    "last_success_at": bindparam("state_now"),
    "consecutive_failures": 0,
    "last_error": None,
    "status": "ok",
    "claimed_until": None,
}
_RECORD_UNCHANGED = (
    update(_SOURCES).where(_SOURCES.c.id == bindparam("state_source_id")).values(_SUCCESS_VALUES)
)
_RECORD_PARSED = _RECORD_UNCHANGED.values(last_warning=bindparam("state_warning"))


def record_fetch_states(
    session: Session, states: Sequence[FetchState], *, now: datetime | None = None
) -> None:
    """Record successful fetches, many in one statement (the sources of a 304 cycle)."""
    now = now or _now()
    for statement, parsed in ((_RECORD_PARSED, True), (_RECORD_UNCHANGED, False)):
        rows = [
            {
                "state_source_id": state.source_id,
                "state_etag": state.etag,
                "state_last_modified": state.last_modified,
                "state_content_hash": state.content_hash,
                "state_next_due_at": state.next_due_at,
                "state_warning": state.warning,
                "state_now": now,
            }
            for state in states
            if state.parsed is parsed
        ]
        if rows:
            session.connection().execute(statement, rows)


def record_fetch_failure(
    session: Session,
    source_id: int,
    *,
    error: str,
    next_due_at: datetime,
    failing_after: int,
) -> int:
    """Count a failure; after `failing_after` in a row the source shows as failing.

    Returns the new count of consecutive failures.
    """
    source = session.get(Source, source_id)
    if source is None:
        return 0
    source.consecutive_failures += 1
    source.last_error = error[:1000]
    source.next_due_at = next_due_at
    source.claimed_until = None
    if source.consecutive_failures >= failing_after:
        source.status = "failing"
    return source.consecutive_failures


def defer_source(session: Session, source_id: int, *, next_due_at: datetime) -> None:
    """Release a claimed source without fetching it (its host asked everyone to wait).

    Not a failure of the source: its failure count and status stay as they are.
    """
    session.execute(
        update(Source)
        .where(Source.id == source_id)
        .values(next_due_at=next_due_at, claimed_until=None)
    )


def earliest_due_at(session: Session, *, now: datetime | None = None) -> datetime | None:
    """When the next enabled source is due: the time a scheduler should wake to poll it.

    `now` (or earlier) when a source was never polled; a claimed source counts from the end of
    its claim at the earliest. None when no source is enabled.
    """
    now = now or _now()
    enabled = Source.enabled.is_(True)
    free = or_(Source.claimed_until.is_(None), Source.claimed_until <= now)
    never = (
        select(func.count()).select_from(Source).where(enabled, free, Source.next_due_at.is_(None))
    )
    if session.scalar(never):
        return now
    candidates = [
        session.scalar(select(func.min(Source.next_due_at)).where(enabled, free)),
        session.scalar(
            select(func.min(Source.claimed_until)).where(enabled, Source.claimed_until > now)
        ),
    ]
    found = [moment for moment in map(_aware, candidates) if moment is not None]
    return min(found) if found else None
