"""The alert outbox: one delivery row per (subscription, item), posted exactly once.

    enqueue -> pending --claim (outbox_claim.py)--> pending, leased
            --mark_sending--> sending --mark_posted--> posted
    leased or sending --mark_retry--> pending, due later (or failed after the last attempt)
    leased or sending --mark_failed--> failed, or --mark_skipped--> skipped
    leased --release--> pending (the attempt is not counted: target paused, shutting down)
    pending --subscription disabled--> skipped

A claim leases rows (`claimed_until`) under a fresh `claim_token`; the transitions of a claimed
message are fenced on that token, except `mark_posted`, which records a post that happened
even after the lease was lost (so a dispatcher that took over sees the row posted and does not
post it again). The unique (subscription, item) key makes enqueueing idempotent: an item seen
again, from another source or re-matched after an update, alerts a subscriber once.

A row whose lease ran out in `sending` may already be on the platform: it is claimed again with
`maybe_sent`, for the dispatcher to post idempotently (Discord nonce) or check first.

Flood rule: when one subscription has more than `FloodRule.more_than` matches created within
`FloodRule.window`, its due rows are claimed together as one message (a batch, remembered in
`batch_id` so a retry posts the same message). If it already had a message within the window,
its new rows are held as one batch due when the window since that message ends, and rows
arriving meanwhile join that batch: a flooding subscription gets at most one message a window.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import and_, bindparam, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import BindParameter

from storage.batches import batches, dialect_of
from storage.match import Match, match_items
from storage.models import Delivery, Source, Subscription

ACTIVE_STATES = ("pending", "sending")


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How often and how soon a failed post is tried again."""

    max_attempts: int = 5
    backoff_base: timedelta = timedelta(seconds=30)
    backoff_cap: timedelta = timedelta(hours=1)

    def backoff(self, attempts: int) -> timedelta:
        """The wait after the `attempts`-th attempt failed: base, 2 × base, 4 × base, … cap."""
        return min(self.backoff_cap, self.backoff_base * (1 << min(max(attempts - 1, 0), 30)))


@dataclass(frozen=True, slots=True)
class FloodRule:
    """More than `more_than` matches of one subscription within `window` become one message."""

    more_than: int = 5
    window: timedelta = timedelta(minutes=10)
    # Deliveries in one message at most; the renderer lists the first few and counts the rest.
    max_items: int = 200


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One message to post: a single delivery, or a batch of one subscription's deliveries."""

    key: int  # the batch id, else the delivery id: stable across retries (a Discord nonce)
    claim_token: str
    subscription_id: int
    target_kind: str  # channel | dm
    target_platform: str
    target_id: str
    delivery_ids: tuple[int, ...]
    item_ids: tuple[int, ...]  # in the order of delivery_ids
    attempts: int  # the most attempts of its rows, this one included
    maybe_sent: bool  # a previous attempt ran out of lease while sending

    @property
    def batched(self) -> bool:
        """Several items (the flood rule): render one message listing them."""
        return len(self.item_ids) > 1


@dataclass(frozen=True, slots=True)
class DeliveryRecord:
    id: int
    subscription_id: int
    item_id: int
    state: str
    attempts: int
    next_attempt_at: datetime
    last_error: str | None
    message_id: str | None
    batch_id: int | None
    claimed_until: datetime | None
    created_at: datetime
    posted_at: datetime | None


def _utc(moment: datetime) -> datetime:
    """SQLite stores wall-clock strings: every datetime is compared and written in UTC."""
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)


def _maybe(moment: datetime | None) -> datetime | None:
    return None if moment is None else _utc(moment)


def _record(row: Delivery) -> DeliveryRecord:
    return DeliveryRecord(
        id=row.id,
        subscription_id=row.subscription_id,
        item_id=row.item_id,
        state=row.state,
        attempts=row.attempts,
        next_attempt_at=_utc(row.next_attempt_at),
        last_error=row.last_error,
        message_id=row.message_id,
        batch_id=row.batch_id,
        claimed_until=_maybe(row.claimed_until),
        created_at=_utc(row.created_at),
        posted_at=_maybe(row.posted_at),
    )


def _update() -> Any:
    """UPDATE deliveries without the ORM's session bookkeeping (no Delivery objects are kept
    in the sessions that change them; evaluating it costs more than the statement)."""
    return update(Delivery).execution_options(synchronize_session=False)


def _still_subscribed(session: Session, subscription_ids: set[int]) -> set[int]:
    """The subscriptions that still exist, kept so until commit: someone may unsubscribe while
    a poll matches, and a delivery for a deleted subscription would abort the whole store."""
    query = select(Subscription.id).where(Subscription.id.in_(sorted(subscription_ids)))
    if dialect_of(session) == "postgresql":
        query = query.with_for_update(key_share=True)  # blocks the DELETE, not other writers
    # On SQLite the poll's transaction holds the write lock already: no DELETE can commit.
    return set(session.scalars(query))


def enqueue(session: Session, matches: Iterable[Match], *, now: datetime) -> int:
    """Add a pending delivery per match; a (subscription, item) pair already queued, posted or
    failed is left alone, and so is a subscription removed meanwhile. Returns how many rows
    were added."""
    moment = _utc(now)
    unique = list(dict.fromkeys(matches))
    if not unique:
        return 0
    alive = _still_subscribed(session, {match.subscription_id for match in unique})
    rows = [
        {
            "subscription_id": match.subscription_id,
            "item_id": match.item_id,
            "state": "pending",
            "attempts": 0,
            "next_attempt_at": moment,
            "created_at": moment,
        }
        for match in unique
        if match.subscription_id in alive
    ]
    insert = pg_insert(Delivery) if dialect_of(session) == "postgresql" else sqlite_insert(Delivery)
    statement = insert.on_conflict_do_nothing(
        index_elements=["subscription_id", "item_id"]
    ).returning(Delivery.id)
    added = 0
    for some_rows in batches(rows):
        added += len(session.execute(statement, list(some_rows)).all())
    return added


def list_deliveries(
    session: Session,
    *,
    subscription_id: int | None = None,
    states: Sequence[str] = (),
    limit: int | None = None,
) -> list[DeliveryRecord]:
    """Deliveries by id, optionally of one subscription and in some states."""
    query = select(Delivery).order_by(Delivery.id)
    if subscription_id is not None:
        query = query.where(Delivery.subscription_id == subscription_id)
    if states:
        query = query.where(Delivery.state.in_(list(states)))
    if limit is not None:
        query = query.limit(limit)
    return [
        _record(row) for row in session.scalars(query.execution_options(populate_existing=True))
    ]


@dataclass(frozen=True, slots=True)
class EnqueueResult:
    matched: int  # (subscription, item) pairs that match
    enqueued: int  # of which new deliveries (the rest were queued or posted before)


def enqueue_matches(session: Session, item_ids: Sequence[int], *, now: datetime) -> EnqueueResult:
    """Match these items (new, or newly alerts) against the enabled subscriptions and queue a
    delivery per match. Call it in the transaction that stored the items, so a crash cannot
    keep the items and lose their alerts."""
    matches = match_items(session, item_ids, now=now)
    return EnqueueResult(len(matches), enqueue(session, matches, now=now) if matches else 0)


def first_poll(session: Session, source_id: int) -> bool:
    """Whether the source has never been polled successfully: its first poll archives its
    items without alerting. Ask before the poll records its success (last_success_at)."""
    row = session.execute(select(Source.last_success_at).where(Source.id == source_id)).first()
    return row is not None and row.last_success_at is None


# --- transitions of a claimed message -----------------------------------------------------------


def _held(outgoing: Outgoing) -> Any:
    return and_(
        Delivery.id.in_(list(outgoing.delivery_ids)),
        Delivery.claim_token == outgoing.claim_token,
        Delivery.state.in_(ACTIVE_STATES),
    )


def _changed(result: Any) -> int:
    return int(result.rowcount)


# The two statements of every post, built once: constructing them costs more than running them.
_IDS: BindParameter[list[int]] = bindparam("ids", expanding=True)
_SENDING = (
    _update()
    .where(
        Delivery.id.in_(_IDS),
        Delivery.claim_token == bindparam("token"),
        Delivery.state.in_(ACTIVE_STATES),
    )
    .values(state="sending", claimed_until=bindparam("until"))
    .returning(Delivery.id)
)
_POSTED = (
    _update()
    .where(Delivery.id.in_(_IDS), Delivery.state.in_(ACTIVE_STATES))
    .values(
        state="posted",
        message_id=bindparam("message_id"),
        posted_at=bindparam("at"),
        claimed_until=None,
        claim_token=None,
        last_error=None,
    )
)


def mark_sending(
    session: Session, outgoing: Outgoing, *, now: datetime, lease: timedelta
) -> Outgoing | None:
    """Record that the message is about to be posted, and lease it for `lease` from now.

    Commit before posting: after a crash the rows show `sending` and the next claim knows the
    message may be out. Returns the message narrowed to the rows still held (rows skipped or
    taken over meanwhile drop out), or None when none is: then do not post.
    """
    params = {
        "ids": list(outgoing.delivery_ids),
        "token": outgoing.claim_token,
        "until": _utc(now) + lease,
    }
    kept = {row.id for row in session.execute(_SENDING, params).all()}
    if not kept:
        return None
    if len(kept) == len(outgoing.delivery_ids):
        return outgoing
    pairs = [(d, i) for d, i in zip(outgoing.delivery_ids, outgoing.item_ids, strict=True)]
    pairs = [(d, i) for d, i in pairs if d in kept]
    return replace(
        outgoing,
        delivery_ids=tuple(d for d, _ in pairs),
        item_ids=tuple(i for _, i in pairs),
    )


def mark_posted(session: Session, outgoing: Outgoing, message_id: str, *, now: datetime) -> bool:
    """Record the platform's message id. Not fenced on the claim: the post happened, and a
    dispatcher that took the rows over must see them posted. False when they already were
    (another dispatcher posted too) or no longer exist."""
    params = {"ids": list(outgoing.delivery_ids), "message_id": message_id, "at": _utc(now)}
    return _changed(session.execute(_POSTED, params)) > 0


def mark_retry(
    session: Session,
    outgoing: Outgoing,
    *,
    error: str,
    now: datetime,
    policy: RetryPolicy | None = None,
    retry_after: timedelta | None = None,
    rate_limited: bool = False,
) -> str:
    """The post failed but may succeed later: back to `pending`, due after the policy's backoff
    or the platform's Retry-After, whichever is later; after the policy's last attempt the
    message is `failed` with `error` as its reason.

    `rate_limited` (a 429): the attempt is not counted, the row waits `retry_after` and is
    never failed for it, so a storm of 429s is paced, not dropped.
    Returns the new state ("pending" or "failed"); "lost" when the claim was no longer held.
    """
    policy = policy or RetryPolicy()
    moment = _utc(now)
    wait = retry_after or timedelta(0)
    values: dict[str, Any] = {"claimed_until": None, "claim_token": None}
    if rate_limited:
        state = "pending"
        values.update(attempts=Delivery.attempts - 1, last_error=error[:2000])
    elif outgoing.attempts >= policy.max_attempts:
        state = "failed"
        values.update(last_error=f"{error} (gave up after {outgoing.attempts} attempts)"[:2000])
    else:
        state = "pending"
        wait = max(wait, policy.backoff(outgoing.attempts))
        values.update(last_error=error[:2000])
    values.update(state=state, next_attempt_at=moment + wait)
    result = session.execute(_update().where(_held(outgoing)).values(**values))
    return state if _changed(result) else "lost"


def mark_uncertain(
    session: Session,
    outgoing: Outgoing,
    *,
    error: str,
    now: datetime,
    policy: RetryPolicy | None = None,
) -> bool:
    """The post failed in a way that may have delivered it (a 5xx, a dropped connection after
    sending): the rows stay `sending`, unheld after the policy's backoff, so the next claim
    comes back with `maybe_sent` and the dispatcher looks on the platform before posting again.
    A blind retry here is how a message gets posted twice."""
    policy = policy or RetryPolicy()
    values = {
        "claimed_until": _utc(now) + policy.backoff(outgoing.attempts),
        "claim_token": None,
        "last_error": error[:2000],
    }
    result = session.execute(_update().where(_held(outgoing)).values(**values))
    return _changed(result) > 0


def mark_failed(session: Session, outgoing: Outgoing, *, reason: str) -> bool:
    """A failure no retry can fix (the platform refused the message itself)."""
    result = session.execute(
        _update()
        .where(_held(outgoing))
        .values(state="failed", last_error=reason[:2000], claimed_until=None, claim_token=None)
    )
    return _changed(result) > 0


def mark_skipped(session: Session, outgoing: Outgoing, *, reason: str) -> bool:
    """Not to be posted (e.g. its item is gone); the reason is kept in last_error."""
    result = session.execute(
        _update()
        .where(_held(outgoing))
        .values(state="skipped", last_error=reason[:2000], claimed_until=None, claim_token=None)
    )
    return _changed(result) > 0


def release(session: Session, outgoing: Outgoing) -> bool:
    """Give a claimed message back unposted, without counting the attempt (its target was just
    paused, or the dispatcher is stopping). Call it only when the message was not sent."""
    result = session.execute(
        _update()
        .where(_held(outgoing))
        .values(
            state="pending",
            attempts=Delivery.attempts - 1,
            claimed_until=None,
            claim_token=None,
        )
    )
    return _changed(result) > 0
