"""Sources and their fetch state."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, insert, or_, select, update
from sqlalchemy.orm import Session

from storage.errors import BadInput
from storage.models import ItemSource, Source


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
        return f"{spec.url} is already polled as {clash!r}"
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
    is disabled rather than deleted, so its items keep their provenance.
    """
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
        )
        for s in session.scalars(select(Source).order_by(Source.name))
    ]


def claim_sources(
    session: Session,
    *,
    now: datetime | None = None,
    due_only: bool = True,
    lease: timedelta = timedelta(minutes=10),
    limit: int | None = None,
) -> list[Source]:
    """Claim enabled sources for one poll cycle.

    A claimed source is leased for `lease`, so another process polling the same database skips
    it; on PostgreSQL rows are locked with SKIP LOCKED while claiming.
    """
    now = now or _now()
    query = select(Source).where(
        Source.enabled.is_(True),
        or_(Source.claimed_until.is_(None), Source.claimed_until < now),
    )
    if due_only:
        query = query.where(or_(Source.next_due_at.is_(None), Source.next_due_at <= now))
    query = query.order_by(Source.next_due_at.is_not(None), Source.next_due_at, Source.id)
    if limit is not None:
        query = query.limit(limit)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    sources = list(session.scalars(query))
    if sources:
        session.execute(
            update(Source)
            .where(Source.id.in_([s.id for s in sources]))
            .values(claimed_until=now + lease, last_attempt_at=now)
        )
    return sources


def earliest_due_at(session: Session, *, now: datetime | None = None) -> datetime | None:
    """When the next enabled source not held by another poller falls due (now, if one was
    never polled); None when there is none."""
    now = now or _now()
    free = (
        Source.enabled.is_(True),
        or_(Source.claimed_until.is_(None), Source.claimed_until < now),
    )
    if session.scalar(select(Source.id).where(*free, Source.next_due_at.is_(None)).limit(1)):
        return now
    due = session.scalar(select(func.min(Source.next_due_at)).where(*free))
    return None if due is None else (due if due.tzinfo else due.replace(tzinfo=UTC))


def record_fetch_success(
    session: Session,
    source_id: int,
    *,
    next_due_at: datetime,
    etag: str | None,
    last_modified: str | None,
    content_hash: str | None,
    now: datetime | None = None,
) -> None:
    now = now or _now()
    session.execute(
        update(Source)
        .where(Source.id == source_id)
        .values(
            etag=etag,
            last_modified=last_modified,
            content_hash=content_hash,
            next_due_at=next_due_at,
            last_success_at=now,
            consecutive_failures=0,
            last_error=None,
            status="ok",
            claimed_until=None,
        )
    )


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
