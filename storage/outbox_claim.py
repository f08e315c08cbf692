"""Claiming the outbox: due deliveries, leased, grouped into the messages to post.

Candidates are due rows whose subscription is on and whose target is not paused, oldest due
first. On PostgreSQL they are locked FOR UPDATE SKIP LOCKED, so concurrent dispatchers take
different rows without waiting. The taking UPDATE repeats the claimable condition and returns
only the rows it changed: on SQLite a second dispatcher's UPDATE waits for the first one's
commit and then no longer finds those rows claimable, so no row is ever held twice.

Each claim counts an attempt; a row whose lease ran out after its last allowed attempt (a
dispatcher that crashed or hung on it) becomes `failed` instead of being claimed again.
The flood rule is described in storage/outbox.py.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, exists, func, or_, select, true
from sqlalchemy.orm import Session

from storage.batches import dialect_of
from storage.models import AlertTarget, Delivery, Subscription
from storage.outbox import (
    ACTIVE_STATES,
    FloodRule,
    Outgoing,
    RetryPolicy,
    _update,
    _utc,
)

_CHUNK = 500
_ROUNDS = 8


def _claimable(now: datetime) -> Any:
    """Due, and nobody holds it: pending rows whose time has come, or rows (pending or sending)
    whose lease ran out. Repeated in the taking UPDATE: the re-check that makes claims exclusive.
    """
    return and_(
        Delivery.state.in_(ACTIVE_STATES),
        Delivery.next_attempt_at <= now,
        or_(Delivery.claimed_until.is_(None), Delivery.claimed_until < now),
    )


def _deliverable() -> Any:
    """Its subscription is on and its target not paused."""
    paused = exists().where(
        AlertTarget.platform == Subscription.target_platform,
        AlertTarget.target_id == Subscription.target_id,
        AlertTarget.paused_at.is_not(None),
    )
    return and_(Subscription.enabled.is_(True), ~paused)


def _candidates(session: Session, now: datetime, condition: Any, limit: int) -> list[Any]:
    query = (
        select(Delivery.id, Delivery.subscription_id, Delivery.batch_id, Delivery.state)
        .join(Subscription, Subscription.id == Delivery.subscription_id)
        .where(_claimable(now), _deliverable(), condition)
        .order_by(Delivery.next_attempt_at, Delivery.id)
        .limit(limit)
    )
    if dialect_of(session) == "postgresql":
        query = query.with_for_update(skip_locked=True, of=Delivery)
    return list(session.execute(query).all())


def _give_up_exhausted(session: Session, ids: Sequence[int], now: datetime, most: int) -> None:
    """Fail rows claimed `most` times whose last lease ran out (a crashing or hung dispatcher)."""
    rows = session.execute(
        select(Delivery.id, Delivery.state, Delivery.last_error).where(
            Delivery.id.in_(list(ids)), _claimable(now), Delivery.attempts >= most
        )
    ).all()
    for row in rows:
        reason = f"gave up after {most} attempts, the last one's lease ran out"
        if row.state == "sending":
            reason += " while sending (it may have reached the platform)"
        if row.last_error:
            reason += f"; before that: {row.last_error}"
        session.execute(
            _update()
            .where(Delivery.id == row.id, _claimable(now))
            .values(state="failed", last_error=reason[:2000], claimed_until=None, claim_token=None)
        )


def _hold(
    session: Session, ids: Sequence[int], batch_id: int, due: datetime, now: datetime
) -> None:
    session.execute(
        _update()
        .where(Delivery.id.in_(list(ids)), _claimable(now))
        .values(batch_id=batch_id, next_attempt_at=due)
    )


def _flood_groups(
    session: Session, rows: Sequence[Any], now: datetime, flood: FloodRule
) -> tuple[list[int], dict[int, list[int]]]:
    """Split unbatched candidates into singles and floods to post now (subscription → ids).

    A flooding subscription that had its message within the window gets its rows held as one
    batch due when the window since that message ends; rows arriving meanwhile join it.
    """
    by_subscription: dict[int, list[int]] = defaultdict(list)
    for row in rows:
        by_subscription[row.subscription_id].append(row.id)
    since, subscriptions = now - flood.window, list(by_subscription)
    recent = dict(
        session.execute(
            select(Delivery.subscription_id, func.count())
            .where(Delivery.subscription_id.in_(subscriptions), Delivery.created_at > since)
            .group_by(Delivery.subscription_id)
        ).all()
    )
    last_posts = dict(
        session.execute(
            select(Delivery.subscription_id, func.max(Delivery.posted_at))
            .where(Delivery.subscription_id.in_(subscriptions), Delivery.posted_at > since)
            .group_by(Delivery.subscription_id)
        ).all()
    )
    held = {
        row.subscription_id: row
        for row in session.execute(
            select(
                Delivery.subscription_id,
                func.min(Delivery.batch_id).label("batch_id"),
                func.min(Delivery.next_attempt_at).label("due"),
                func.count().label("size"),
            )
            .where(
                Delivery.subscription_id.in_(subscriptions),
                Delivery.state == "pending",
                Delivery.batch_id.is_not(None),
                Delivery.next_attempt_at > now,
            )
            .group_by(Delivery.subscription_id)
        )
    }
    singles: list[int] = []
    floods: dict[int, list[int]] = {}
    for subscription_id, ids in by_subscription.items():
        waiting = held.get(subscription_id)
        if waiting is None and recent.get(subscription_id, 0) <= flood.more_than:
            singles.extend(ids)
            continue
        # Every due row of the subscription goes into the one message (up to max_items).
        more = _candidates(
            session,
            now,
            and_(
                Delivery.subscription_id == subscription_id,
                Delivery.batch_id.is_(None),
                Delivery.state == "pending",
            ),
            flood.max_items,
        )
        group = sorted({r.id for r in more} | set(ids))[: flood.max_items]
        last = last_posts.get(subscription_id)
        if waiting is not None and waiting.size + len(group) <= flood.max_items:
            _hold(session, group, waiting.batch_id, _utc(waiting.due), now)
        elif last is not None:
            _hold(session, group, group[0], _utc(last) + flood.window, now)
        else:
            floods[subscription_id] = group
    return singles, floods


def claim_outgoing(
    session: Session,
    *,
    now: datetime,
    lease: timedelta,
    limit: int = 50,
    flood: FloodRule | None = None,
    policy: RetryPolicy | None = None,
) -> list[Outgoing]:
    """Lease up to about `limit` due deliveries, grouped into the messages to post; [] only
    when nothing is due (rows the flood rule holds are not due).

    The caller commits, posts each message (mark_sending first, then mark_posted, mark_retry,
    mark_failed or release) before the lease ends.
    """
    flood = flood or FloodRule()
    policy = policy or RetryPolicy()
    now = _utc(now)
    # A round that only held rows back (flood rule), failed them (attempts) or lost them to
    # another claimer takes nothing; those rows are no longer candidates, so look again.
    for _ in range(_ROUNDS):
        rows = _candidates(session, now, true(), limit)
        if not rows:
            return []
        messages = _claim_round(session, rows, now=now, lease=lease, flood=flood, policy=policy)
        if messages:
            return messages
    return []


def _claim_round(
    session: Session,
    rows: Sequence[Any],
    *,
    now: datetime,
    lease: timedelta,
    flood: FloodRule,
    policy: RetryPolicy,
) -> list[Outgoing]:
    _give_up_exhausted(session, [r.id for r in rows], now, policy.max_attempts)
    batch_ids = sorted({r.batch_id for r in rows if r.batch_id is not None})
    chosen = {r.id for r in rows if r.batch_id is not None}
    if batch_ids:  # a batch is posted whole, even past the limit
        condition = Delivery.batch_id.in_(batch_ids)
        more = _candidates(session, now, condition, len(batch_ids) * flood.max_items)
        chosen.update(r.id for r in more)
    # A single that ran out of lease while sending may be out already: it stays as it was.
    resent = [r.id for r in rows if r.batch_id is None and r.state == "sending"]
    fresh = [r for r in rows if r.batch_id is None and r.state != "sending"]
    singles, floods = _flood_groups(session, fresh, now, flood) if fresh else ([], {})
    chosen.update(resent, singles)
    chosen.update(i for ids in floods.values() for i in ids)
    token = uuid.uuid4().hex
    taken = _take(session, sorted(chosen), now, lease, token)
    for ids in floods.values():
        held = [i for i in ids if i in taken]
        if held:
            session.execute(
                _update()
                .where(Delivery.id.in_(held), Delivery.claim_token == token)
                .values(batch_id=held[0])
            )
            for i in held:
                taken[i] = replace(taken[i], batch_id=held[0])
    return _messages(session, taken, token)


@dataclass(frozen=True, slots=True)
class _Taken:
    id: int
    subscription_id: int
    item_id: int
    state: str  # before the claim: "sending" means it may be on the platform already
    attempts: int
    batch_id: int | None


def _take(
    session: Session, ids: Sequence[int], now: datetime, lease: timedelta, token: str
) -> dict[int, _Taken]:
    taken: dict[int, _Taken] = {}
    for start in range(0, len(ids), _CHUNK):
        chunk = list(ids[start : start + _CHUNK])
        result = session.execute(
            _update()
            .where(Delivery.id.in_(chunk), _claimable(now))
            .values(claimed_until=now + lease, claim_token=token, attempts=Delivery.attempts + 1)
            .returning(
                Delivery.id,
                Delivery.subscription_id,
                Delivery.item_id,
                Delivery.state,
                Delivery.attempts,
                Delivery.batch_id,
            )
        )
        taken.update({row.id: _Taken(*row) for row in result.all()})
    return taken


def _messages(session: Session, taken: dict[int, _Taken], token: str) -> list[Outgoing]:
    groups: dict[tuple[str, int], list[_Taken]] = defaultdict(list)
    for row in sorted(taken.values(), key=lambda r: r.id):
        key = ("batch", row.batch_id) if row.batch_id is not None else ("single", row.id)
        groups[key].append(row)
    subscription_ids = sorted({row.subscription_id for row in taken.values()})
    targets = {
        s.id: s
        for s in session.scalars(select(Subscription).where(Subscription.id.in_(subscription_ids)))
    }
    messages = []
    for (_, message_key), members in groups.items():
        subscription = targets[members[0].subscription_id]
        messages.append(
            Outgoing(
                key=message_key,
                claim_token=token,
                subscription_id=subscription.id,
                target_kind=subscription.target_kind,
                target_platform=subscription.target_platform,
                target_id=subscription.target_id,
                delivery_ids=tuple(r.id for r in members),
                item_ids=tuple(r.item_id for r in members),
                attempts=max(r.attempts for r in members),
                maybe_sent=any(r.state == "sending" for r in members),
            )
        )
    return sorted(messages, key=lambda m: m.delivery_ids[0])
