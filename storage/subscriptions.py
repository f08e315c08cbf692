"""Alert subscriptions: saved queries in the search grammar, each with an owner and a target.

A subscription is validated when it is made (its query must parse) and parsed again whenever it
is matched (storage/match.py), so relative dates such as `since:7d` stay relative. Its target is
a channel or the owner's direct messages on one platform.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from storage.errors import BadInput
from storage.models import Delivery, Subscription
from storage.query import AnyOf, Atom, Phrase, Query, Word, parse_query

PLATFORMS = ("slack", "discord", "console")
OWNER_PLATFORMS = (*PLATFORMS, "cli")  # operators subscribe from the command line
TARGET_KINDS = ("channel", "dm")
MAX_ID_CHARS = 100
MAX_TARGET_CHARS = 200


@dataclass(frozen=True, slots=True)
class Owner:
    """Who made a subscription: a chat user, or an operator on the CLI (platform "cli")."""

    platform: str
    user_id: str


@dataclass(frozen=True, slots=True)
class SubscriptionSpec:
    owner: Owner
    target_kind: str  # channel | dm
    target_platform: str  # slack | discord | console
    target_id: str  # the channel id; for dm whatever the adapter opens a DM with (the user id)
    query: str


@dataclass(frozen=True, slots=True)
class SubscriptionRecord:
    id: int
    owner: Owner
    target_kind: str
    target_platform: str
    target_id: str
    query: str
    enabled: bool
    paused_reason: str | None  # set while its target is paused (storage/alert_targets.py)
    created_at: datetime


def _now() -> datetime:
    return datetime.now(UTC)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _record(row: Subscription) -> SubscriptionRecord:
    return SubscriptionRecord(
        id=row.id,
        owner=Owner(row.owner_platform, row.owner_id),
        target_kind=row.target_kind,
        target_platform=row.target_platform,
        target_id=row.target_id,
        query=row.query,
        enabled=row.enabled,
        paused_reason=row.paused_reason,
        created_at=_aware(row.created_at),
    )


def _check_spec(spec: SubscriptionSpec) -> None:
    if spec.owner.platform not in OWNER_PLATFORMS:
        raise BadInput(f"unknown platform {spec.owner.platform!r}: use one of {OWNER_PLATFORMS}")
    if not spec.owner.user_id.strip() or len(spec.owner.user_id) > MAX_ID_CHARS:
        raise BadInput(f"owner id must be 1 to {MAX_ID_CHARS} characters")
    if spec.target_kind not in TARGET_KINDS:
        raise BadInput(f"where: use here (this channel) or dm, not {spec.target_kind!r}")
    if spec.target_platform not in PLATFORMS:
        raise BadInput(f"unknown platform {spec.target_platform!r}: use one of {PLATFORMS}")
    if not spec.target_id.strip() or len(spec.target_id) > MAX_TARGET_CHARS:
        raise BadInput(f"target id must be 1 to {MAX_TARGET_CHARS} characters")


def create_subscription(
    session: Session,
    spec: SubscriptionSpec,
    *,
    max_per_owner: int | None,
    now: datetime | None = None,
) -> SubscriptionRecord:
    """Save a subscription after checking its query, its target and the owner's limit.

    Raises BadInput (QuerySyntaxError for the query) with a one-line reason: a query that does
    not parse, more than `max_per_owner` subscriptions (None: no limit), or the same query for
    the same target twice.
    """
    _check_spec(spec)
    now = _aware(now or _now()).astimezone(UTC)
    text = " ".join(spec.query.split())
    parsed = parse_query(text, now=now)
    owned = [
        row
        for row in session.scalars(
            select(Subscription).where(
                Subscription.owner_platform == spec.owner.platform,
                Subscription.owner_id == spec.owner.user_id,
            )
        )
    ]
    if max_per_owner is not None and len(owned) >= max_per_owner:
        raise BadInput(
            f"you have {len(owned)} subscriptions, the most allowed is {max_per_owner}: "
            "remove one first (unsubscribe ID)"
        )
    for row in owned:
        same_target = (row.target_kind, row.target_platform, row.target_id) == (
            spec.target_kind,
            spec.target_platform,
            spec.target_id,
        )
        if same_target and _parses_to(row.query, now) == _meaning(parsed):
            raise BadInput(f"you already have this subscription (#{row.id})")
    row = Subscription(
        owner_platform=spec.owner.platform,
        owner_id=spec.owner.user_id,
        target_kind=spec.target_kind,
        target_platform=spec.target_platform,
        target_id=spec.target_id,
        query=text,
        enabled=True,
        created_at=now,
    )
    session.add(row)
    session.flush()
    return _record(row)


def _atom_key(atom: Atom) -> object:
    # A word and a phrase match alike when their tokens do ("H-1B" is the phrase "h 1b").
    return ("text", atom.tokens) if isinstance(atom, Word | Phrase) else atom


def _meaning(query: Query) -> object:
    """What a query selects, whatever the order and spelling of its terms."""
    clauses = frozenset(
        frozenset(_atom_key(a) for a in c.options) if isinstance(c, AnyOf) else _atom_key(c)
        for c in query.include
    )
    return clauses, frozenset(_atom_key(a) for a in query.exclude), query.since, query.until


def _parses_to(text: str, now: datetime) -> object:
    try:
        return _meaning(parse_query(text, now=now))
    except BadInput:
        return None  # a query saved under an older grammar: never equal to a new one


def get_subscription(session: Session, subscription_id: int) -> SubscriptionRecord | None:
    row = session.get(Subscription, subscription_id, populate_existing=True)
    return None if row is None else _record(row)


def list_subscriptions(
    session: Session, *, owner: Owner | None = None, enabled_only: bool = False
) -> list[SubscriptionRecord]:
    """Subscriptions by id: one owner's, or everyone's (`owner=None`)."""
    query = select(Subscription).order_by(Subscription.id)
    if owner is not None:
        query = query.where(
            Subscription.owner_platform == owner.platform, Subscription.owner_id == owner.user_id
        )
    if enabled_only:
        query = query.where(Subscription.enabled.is_(True))
    return [_record(row) for row in session.scalars(query)]


def count_subscriptions(session: Session, owner: Owner) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(Subscription)
            .where(
                Subscription.owner_platform == owner.platform,
                Subscription.owner_id == owner.user_id,
            )
        )
        or 0
    )


def _owned(session: Session, subscription_id: int, owner: Owner | None) -> Subscription:
    """The row, when it exists and `owner` (None: an operator or admin) may change it."""
    row = session.get(Subscription, subscription_id, populate_existing=True)
    if row is None:
        raise BadInput(f"no subscription #{subscription_id} (see subscriptions)")
    if owner is not None and (row.owner_platform, row.owner_id) != (owner.platform, owner.user_id):
        raise BadInput(f"subscription #{subscription_id} belongs to someone else")
    return row


def remove_subscription(
    session: Session, subscription_id: int, *, owner: Owner | None
) -> SubscriptionRecord:
    """Delete a subscription and its deliveries; `owner=None` skips the owner check."""
    row = _owned(session, subscription_id, owner)
    record = _record(row)
    session.delete(row)
    session.flush()
    return record


def set_subscription_enabled(
    session: Session, subscription_id: int, enabled: bool, *, owner: Owner | None
) -> SubscriptionRecord:
    """Turn a subscription on or off. Turning it off skips its pending deliveries, so turning
    it back on later does not post a backlog."""
    row = _owned(session, subscription_id, owner)
    row.enabled = enabled
    if not enabled:
        skip_pending(session, [subscription_id], reason="subscription disabled")
    session.flush()
    return _record(row)


def skip_pending(session: Session, subscription_ids: Sequence[int], *, reason: str) -> int:
    """Mark the pending deliveries of these subscriptions `skipped`; returns how many.

    A dispatcher holding one of them can no longer mark it sending (the claim is fenced on the
    state), so it is not posted; rows already `sending` may be on the platform and finish."""
    if not subscription_ids:
        return 0
    result = session.execute(
        update(Delivery)
        .where(
            Delivery.subscription_id.in_(list(subscription_ids)),
            Delivery.state == "pending",
        )
        .values(state="skipped", last_error=reason)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


@dataclass(frozen=True, slots=True)
class DeliverySummary:
    """What became of a subscription's alerts, for `/brief subscriptions`."""

    subscription_id: int
    pending: int = 0  # waiting, claimed or being retried
    sending: int = 0
    posted: int = 0
    failed: int = 0
    skipped: int = 0
    last_posted_at: datetime | None = None
    last_failure: str | None = None  # the reason of the newest failed delivery


def delivery_summaries(
    session: Session, subscription_ids: Sequence[int]
) -> dict[int, DeliverySummary]:
    """Counts by state, the last post and the last failure reason, per subscription."""
    ids = sorted(set(subscription_ids))
    counts: dict[int, dict[str, int]] = {i: {} for i in ids}
    last_posted: dict[int, datetime] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        rows = session.execute(
            select(
                Delivery.subscription_id, Delivery.state, func.count(), func.max(Delivery.posted_at)
            )
            .where(Delivery.subscription_id.in_(chunk))
            .group_by(Delivery.subscription_id, Delivery.state)
        )
        for subscription_id, state, count, posted in rows:
            counts[subscription_id][state] = count
            if posted is not None:
                last_posted[subscription_id] = _aware(posted)
    failures: dict[int, str] = {}
    failed = [i for i in ids if counts[i].get("failed")]
    for subscription_id in failed:
        failures[subscription_id] = (
            session.scalar(
                select(Delivery.last_error)
                .where(Delivery.subscription_id == subscription_id, Delivery.state == "failed")
                .order_by(Delivery.id.desc())
                .limit(1)
            )
            or "failed"
        )
    return {
        i: DeliverySummary(
            subscription_id=i,
            pending=counts[i].get("pending", 0),
            sending=counts[i].get("sending", 0),
            posted=counts[i].get("posted", 0),
            failed=counts[i].get("failed", 0),
            skipped=counts[i].get("skipped", 0),
            last_posted_at=last_posted.get(i),
            last_failure=failures.get(i),
        )
        for i in ids
    }
