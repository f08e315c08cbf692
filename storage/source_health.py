"""Source health for the admin channel: each change (ok → failing, ok → quiet, and back) is
taken once, so the admins hear one notice when a source starts failing or goes quiet and one
when it recovers, however many processes poll.

Quiet means no new item for much longer than the source's cadence: `quiet_after` intervals
(and at least a day) since the newest item it carried, or since it was added if it never
carried one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from storage.models import ItemSource, Source

OK, FAILING, QUIET = "ok", "failing", "quiet"
MIN_QUIET = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class HealthChange:
    source: str
    before: str
    after: str
    detail: str  # the last error, or how long it has been quiet


def _aware(moment: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; everything stored is UTC."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


def _health(row: Source, newest: datetime | None, now: datetime, quiet_after: int) -> str:
    if row.status == "failing":
        return FAILING
    if row.last_success_at is None:
        return OK  # not polled yet: nothing to say
    reference = newest or _aware(row.created_at) or now
    quiet = max(MIN_QUIET, timedelta(seconds=row.interval_seconds * quiet_after))
    return QUIET if now - reference > quiet else OK


def take_health_changes(session: Session, *, now: datetime, quiet_after: int) -> list[HealthChange]:
    """The sources whose health differs from what the admins were told; each is recorded as
    told (a conditional update, so two processes never both take the same change)."""
    newest = dict(
        session.execute(
            select(ItemSource.source_id, func.max(ItemSource.first_seen_at)).group_by(
                ItemSource.source_id
            )
        ).all()
    )
    changes = []
    for row in session.scalars(select(Source).where(Source.enabled.is_(True))):
        told = row.health_notice or OK
        current = _health(row, _aware(newest.get(row.id)), now, quiet_after)
        if current == told:
            continue
        taken = session.execute(
            update(Source)
            .where(
                Source.id == row.id,
                or_(Source.health_notice == told, Source.health_notice.is_(None))
                if told == OK
                else Source.health_notice == told,
            )
            .values(health_notice=current, health_noticed_at=now)
            .execution_options(synchronize_session=False)
        )
        if not taken.rowcount:  # type: ignore[attr-defined]
            continue
        if current == FAILING:
            detail = row.last_error or "failing"
        elif current == QUIET:
            detail = "no new item for a long while"
        else:
            detail = "answering again" if told == FAILING else "new items again"
        changes.append(HealthChange(row.name, told, current, detail))
    return changes
