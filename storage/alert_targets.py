"""Paused alert targets: a channel or DM the bot lost access to waits, and admins are told once.

When a post fails because the target is gone or the token was revoked, the dispatcher pauses
the target (`pause_target`) and releases the message: its deliveries stay pending and the claim
skips every target that is paused, instead of retrying them to failure. The subscriptions of
that target show the reason. The admin notice is an outbox of its own: `claim_pause_notices`
leases the unannounced pauses, `mark_pause_announced` records the post, so a crash re-sends it
and two dispatchers do not both send it. `resume_target` lets the backlog go out (or skips it).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from storage.models import AlertTarget, Delivery, Subscription


@dataclass(frozen=True, slots=True)
class TargetPause:
    id: int
    platform: str
    target_id: str
    paused_at: datetime
    reason: str
    announced_at: datetime | None
    subscription_ids: tuple[int, ...]  # the subscriptions that post there


def _utc(moment: datetime) -> datetime:
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)


def _target_subscriptions(session: Session, platform: str, target_id: str) -> list[int]:
    return list(
        session.scalars(
            select(Subscription.id)
            .where(Subscription.target_platform == platform, Subscription.target_id == target_id)
            .order_by(Subscription.id)
        )
    )


def pause_target(
    session: Session, platform: str, target_id: str, *, reason: str, now: datetime
) -> bool:
    """Pause a target; True when this starts a pause (False: it was paused already)."""
    moment, reason = _utc(now), reason[:1000]
    fresh = {
        "paused_at": moment,
        "paused_reason": reason,
        "notice_claimed_until": None,
        "announced_at": None,
        "resumed_at": None,
    }
    insert = (
        pg_insert(AlertTarget)
        if session.get_bind().dialect.name == "postgresql"
        else sqlite_insert(AlertTarget)
    )
    statement = (
        insert.values(platform=platform, target_id=target_id, **fresh)
        .on_conflict_do_update(
            index_elements=["platform", "target_id"],
            set_=fresh,
            where=AlertTarget.paused_at.is_(None),
        )
        .returning(AlertTarget.id)
    )
    started = session.execute(statement).first() is not None
    if started:
        session.execute(
            update(Subscription)
            .where(Subscription.target_platform == platform, Subscription.target_id == target_id)
            .values(paused_reason=reason)
        )
    return started


def resume_target(
    session: Session, platform: str, target_id: str, *, now: datetime, drop_backlog: bool = False
) -> int:
    """End a pause; with `drop_backlog` the deliveries that waited are skipped instead of
    posted. Returns how many deliveries were waiting (pending) for the target."""
    session.execute(
        update(AlertTarget)
        .where(AlertTarget.platform == platform, AlertTarget.target_id == target_id)
        .values(paused_at=None, resumed_at=_utc(now), notice_claimed_until=None)
    )
    subscription_ids = _target_subscriptions(session, platform, target_id)
    if not subscription_ids:
        return 0
    session.execute(
        update(Subscription).where(Subscription.id.in_(subscription_ids)).values(paused_reason=None)
    )
    waiting = Delivery.subscription_id.in_(subscription_ids), Delivery.state == "pending"
    if drop_backlog:
        result = session.execute(
            update(Delivery)
            .where(*waiting)
            .values(state="skipped", last_error="target resumed without its backlog")
        )
        return int(result.rowcount)  # type: ignore[attr-defined]
    return len(session.scalars(select(Delivery.id).where(*waiting)).all())


def _pause(session: Session, row: AlertTarget) -> TargetPause:
    assert row.paused_at is not None
    return TargetPause(
        id=row.id,
        platform=row.platform,
        target_id=row.target_id,
        paused_at=_utc(row.paused_at),
        reason=row.paused_reason or "",
        announced_at=None if row.announced_at is None else _utc(row.announced_at),
        subscription_ids=tuple(_target_subscriptions(session, row.platform, row.target_id)),
    )


def paused_targets(session: Session) -> list[TargetPause]:
    rows = session.scalars(
        select(AlertTarget).where(AlertTarget.paused_at.is_not(None)).order_by(AlertTarget.id)
    )
    return [_pause(session, row) for row in rows]


def is_paused(session: Session, platform: str, target_id: str) -> bool:
    found = session.scalar(
        select(AlertTarget.id).where(
            AlertTarget.platform == platform,
            AlertTarget.target_id == target_id,
            AlertTarget.paused_at.is_not(None),
        )
    )
    return found is not None


def claim_pause_notices(session: Session, *, now: datetime, lease: timedelta) -> list[TargetPause]:
    """Lease the pauses the admins have not been told about yet."""
    moment = _utc(now)
    query = select(AlertTarget.id).where(
        AlertTarget.paused_at.is_not(None),
        AlertTarget.announced_at.is_(None),
        or_(AlertTarget.notice_claimed_until.is_(None), AlertTarget.notice_claimed_until < moment),
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    ids = list(session.scalars(query.order_by(AlertTarget.id)))
    if not ids:
        return []
    result = session.execute(
        update(AlertTarget)
        .where(
            AlertTarget.id.in_(ids),
            AlertTarget.announced_at.is_(None),
            or_(
                AlertTarget.notice_claimed_until.is_(None),
                AlertTarget.notice_claimed_until < moment,
            ),
        )
        .values(notice_claimed_until=moment + lease)
        .returning(AlertTarget.id)
    )
    taken = sorted(row.id for row in result.all())
    rows = session.scalars(
        select(AlertTarget)
        .where(AlertTarget.id.in_(taken))
        .order_by(AlertTarget.id)
        .execution_options(populate_existing=True)
    )
    return [_pause(session, row) for row in rows]


def mark_pause_announced(session: Session, pause_id: int, *, now: datetime) -> bool:
    """Record that the admins were told; False when the target was resumed meanwhile."""
    result = session.execute(
        update(AlertTarget)
        .where(AlertTarget.id == pause_id, AlertTarget.paused_at.is_not(None))
        .values(announced_at=_utc(now), notice_claimed_until=None)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]
