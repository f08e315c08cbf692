"""Digest runs (exactly-once posting) and the item queries digests are built from.

A run is one row per (channel, period), unique, with a state:

    built  -> posted        the payload was built and kept; parts are posted one by one
    empty                   nothing to report and the channel does not post empty digests
    superseded              built for a past period, never posted, replaced by a newer run
                            whose selection window covers it (nothing is skipped)

`posted` and `empty` runs are *done*: the next selection window starts at the newest done run's
`window_end`. Every state change is a guarded UPDATE, so two processes cannot both post a part.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import exists, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from storage.errors import TalentbriefError
from storage.models import DigestRun, Item, ItemTag

DONE_STATES = ("posted", "empty")


class RunConflict(TalentbriefError):
    """Another process changed the run first."""


@dataclass(frozen=True, slots=True)
class DigestRunRecord:
    id: int
    channel_id: int
    period_key: str
    period_at: datetime
    edition: str
    state: str
    platform: str
    target: str
    window_start: datetime
    window_end: datetime
    item_ids: tuple[int, ...]
    payload: tuple[dict[str, Any], ...]
    chart_png: bytes | None
    message_ids: tuple[str, ...]
    sending_part: int | None
    sending_since: datetime | None
    attempts: int
    last_error: str | None
    created_at: datetime
    posted_at: datetime | None

    @property
    def parts(self) -> int:
        return len(self.payload)

    @property
    def next_part(self) -> int:
        """The first part not yet posted."""
        return len(self.message_ids)

    @property
    def done(self) -> bool:
        return self.state in DONE_STATES


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _utc(moment: datetime) -> datetime:
    """SQLite stores wall-clock strings: every datetime is converted to UTC before it is
    written or compared, so a New York 08:00 never compares as 08:00 UTC."""
    return _aware(moment).astimezone(UTC)


def _maybe_aware(moment: datetime | None) -> datetime | None:
    return None if moment is None else _aware(moment)


def _record(row: DigestRun) -> DigestRunRecord:
    return DigestRunRecord(
        id=row.id,
        channel_id=row.channel_id,
        period_key=row.period_key,
        period_at=_aware(row.period_at),
        edition=row.edition,
        state=row.state,
        platform=row.platform,
        target=row.target,
        window_start=_aware(row.window_start),
        window_end=_aware(row.window_end),
        item_ids=tuple(row.item_ids or ()),
        payload=tuple(row.payload or ()),
        chart_png=row.chart_png,
        message_ids=tuple(row.message_ids or ()),
        sending_part=row.sending_part,
        sending_since=_maybe_aware(row.sending_since),
        attempts=row.attempts,
        last_error=row.last_error,
        created_at=_aware(row.created_at),
        posted_at=_maybe_aware(row.posted_at),
    )


def get_run(session: Session, channel_id: int, period_key: str) -> DigestRunRecord | None:
    row = session.scalar(
        select(DigestRun).where(
            DigestRun.channel_id == channel_id, DigestRun.period_key == period_key
        )
    )
    return None if row is None else _record(row)


def get_run_by_id(session: Session, run_id: int) -> DigestRunRecord | None:
    row = session.get(DigestRun, run_id, populate_existing=True)
    return None if row is None else _record(row)


def create_run(
    session: Session,
    *,
    channel_id: int,
    period_key: str,
    period_at: datetime,
    edition: str,
    platform: str,
    target: str,
    window_start: datetime,
    window_end: datetime,
    item_ids: Sequence[int],
    payload: Sequence[dict[str, Any]],
    chart_png: bytes | None = None,
    now: datetime,
) -> DigestRunRecord | None:
    """Record a built digest for (channel, period); None when that period already has a run.

    An empty payload records an `empty` run (done, nothing to post).
    """
    values = {
        "channel_id": channel_id,
        "period_key": period_key,
        "period_at": _utc(period_at),
        "edition": edition,
        "state": "built" if payload else "empty",
        "platform": platform,
        "target": target,
        "window_start": _utc(window_start),
        "window_end": _utc(window_end),
        "item_ids": list(item_ids),
        "payload": list(payload),
        "chart_png": chart_png,
        "parts": len(payload),
        "posted_parts": 0,
        "message_ids": [],
        "attempts": 0,
        "created_at": _utc(now),
        "posted_at": None if payload else _utc(now),
    }
    insert = (
        pg_insert(DigestRun)
        if session.get_bind().dialect.name == "postgresql"
        else sqlite_insert(DigestRun)
    )
    statement = insert.on_conflict_do_nothing(
        index_elements=["channel_id", "period_key"]
    ).returning(DigestRun.id)
    run_id = session.execute(statement, values).scalar()
    if run_id is None:
        return None
    return get_run_by_id(session, run_id)


def unfinished_runs(session: Session, channel_id: int) -> list[DigestRunRecord]:
    """Built runs not yet fully posted, oldest period first."""
    rows = session.scalars(
        select(DigestRun)
        .where(DigestRun.channel_id == channel_id, DigestRun.state == "built")
        .order_by(DigestRun.period_at, DigestRun.id)
    )
    return [_record(row) for row in rows]


def last_done_run(session: Session, channel_id: int) -> DigestRunRecord | None:
    """The done run whose window reaches furthest: the next window starts where it ended."""
    row = session.scalar(
        select(DigestRun)
        .where(DigestRun.channel_id == channel_id, DigestRun.state.in_(DONE_STATES))
        .order_by(DigestRun.window_end.desc(), DigestRun.id.desc())
        .limit(1)
    )
    return None if row is None else _record(row)


def recent_runs(session: Session, channel_id: int, *, limit: int = 10) -> list[DigestRunRecord]:
    rows = session.scalars(
        select(DigestRun)
        .where(DigestRun.channel_id == channel_id)
        .order_by(DigestRun.period_at.desc(), DigestRun.id.desc())
        .limit(limit)
    )
    return [_record(row) for row in rows]


def claim_run(session: Session, run_id: int, *, now: datetime, lease: timedelta) -> bool:
    """Lease a built run for posting; False when it is done or another process holds it."""
    result = session.execute(
        update(DigestRun)
        .where(
            DigestRun.id == run_id,
            DigestRun.state == "built",
            or_(DigestRun.claimed_until.is_(None), DigestRun.claimed_until < _utc(now)),
        )
        .values(claimed_until=_utc(now) + lease, attempts=DigestRun.attempts + 1)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def mark_sending(session: Session, run_id: int, part: int, *, now: datetime) -> None:
    """Note that `part` is about to be sent: if we crash now, the resume checks for it first."""
    session.execute(
        update(DigestRun)
        .where(DigestRun.id == run_id)
        .values(sending_part=part, sending_since=_utc(now))
    )


def record_part_posted(
    session: Session,
    run_id: int,
    part: int,
    message_id: str,
    *,
    now: datetime,
    lease: timedelta,
) -> DigestRunRecord:
    """Append the platform id of `part`; the last part makes the run `posted`.

    Raises RunConflict when `part` is not the next unposted part (another process got there).
    """
    current = get_run_by_id(session, run_id)
    if current is None or current.state != "built" or current.next_part != part:
        raise RunConflict(f"digest run {run_id}: part {part} is not the next part to post")
    finished = part + 1 >= current.parts
    result = session.execute(
        update(DigestRun)
        .where(DigestRun.id == run_id, DigestRun.state == "built", DigestRun.posted_parts == part)
        .values(
            message_ids=[*current.message_ids, message_id],
            posted_parts=part + 1,
            sending_part=None,
            sending_since=None,
            last_error=None,
            state="posted" if finished else "built",
            posted_at=_utc(now) if finished else None,
            claimed_until=None if finished else _utc(now) + lease,
        )
    )
    if not result.rowcount:  # type: ignore[attr-defined]
        raise RunConflict(f"digest run {run_id}: part {part} was recorded by another process")
    record = get_run_by_id(session, run_id)
    assert record is not None
    return record


def release_run(
    session: Session, run_id: int, *, error: str | None, not_sent: bool = False
) -> None:
    """Give up the lease after a failure, keeping the payload and progress for the resume.

    `not_sent`: the part being sent certainly did not reach the platform.
    """
    values: dict[str, Any] = {
        "claimed_until": None,
        "last_error": None if error is None else error[:2000],
    }
    if not_sent:
        values.update(sending_part=None, sending_since=None)
    session.execute(update(DigestRun).where(DigestRun.id == run_id).values(**values))


def supersede_run(session: Session, run_id: int, *, now: datetime) -> bool:
    """Retire a built run of a past period of which no part was posted or may have been sent
    (and that nobody holds); its window is covered by the next run instead."""
    result = session.execute(
        update(DigestRun)
        .where(
            DigestRun.id == run_id,
            DigestRun.state == "built",
            DigestRun.posted_parts == 0,
            DigestRun.sending_part.is_(None),
            or_(DigestRun.claimed_until.is_(None), DigestRun.claimed_until < _utc(now)),
        )
        .values(state="superseded", claimed_until=None)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def item_ids_first_seen_between(
    session: Session,
    *,
    after: datetime,
    until: datetime,
    topics: Sequence[str] = (),
    published_after: datetime | None = None,
) -> list[int]:
    """Items first seen in (after, until], optionally only those tagged with one of `topics`
    and published after `published_after`, oldest first."""
    query = select(Item.id).where(
        Item.first_seen_at > _utc(after), Item.first_seen_at <= _utc(until)
    )
    if topics:
        query = query.where(
            exists().where(ItemTag.item_id == Item.id, ItemTag.tag.in_(list(topics)))
        )
    if published_after is not None:
        query = query.where(Item.published_at > _utc(published_after))
    return list(session.scalars(query.order_by(Item.first_seen_at, Item.id)))


def item_ids_shown(session: Session, channel_id: int, *, since: datetime) -> list[int]:
    """Items the channel has already shown: those of its digests of which at least one part
    was posted and whose window ended after `since`, oldest digest first, each item once."""
    rows = session.scalars(
        select(DigestRun.item_ids)
        .where(
            DigestRun.channel_id == channel_id,
            DigestRun.posted_parts > 0,
            DigestRun.window_end > _utc(since),
        )
        .order_by(DigestRun.window_end, DigestRun.id)
    )
    return list(dict.fromkeys(item_id for item_ids in rows for item_id in item_ids or ()))


def first_window_start(session: Session, channel_id: int) -> datetime | None:
    """Where the channel's earliest run (of any state) started selecting."""
    start = session.scalar(
        select(func.min(DigestRun.window_start)).where(DigestRun.channel_id == channel_id)
    )
    return None if start is None else _aware(start)


def week_start(moment: datetime) -> date:
    """The Monday (UTC) of the week `moment` falls in."""
    day = _aware(moment).astimezone(UTC).date()
    return day - timedelta(days=day.weekday())


def weekly_topic_counts(
    session: Session, *, weeks: Iterable[date], topics: Sequence[str]
) -> dict[str, list[int]]:
    """Items first seen per topic per week (weeks start on Monday, UTC)."""
    starts = sorted(weeks)
    counts: dict[str, list[int]] = {topic: [0] * len(starts) for topic in topics}
    if not starts or not topics:
        return counts
    begin = datetime.combine(starts[0], datetime.min.time(), UTC)
    end = datetime.combine(starts[-1] + timedelta(days=7), datetime.min.time(), UTC)
    tally: Counter[tuple[str, date]] = Counter()
    rows = session.execute(
        select(ItemTag.tag, Item.first_seen_at)
        .join(Item, Item.id == ItemTag.item_id)
        .where(
            ItemTag.tag.in_(list(topics)),
            Item.first_seen_at >= begin,
            Item.first_seen_at < end,
        )
    )
    for tag, seen in rows:
        tally[(tag, week_start(seen))] += 1
    index = {start: i for i, start in enumerate(starts)}
    for (tag, start), count in tally.items():
        if start in index:
            counts[tag][index[start]] += count
    return counts
