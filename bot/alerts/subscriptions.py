"""Subscription actions of the core: subscribe, unsubscribe, and list with what became of each.

A subscription is a saved query in the search grammar with an owner and a target: a channel or
the owner's direct messages. Its `tag:` terms are checked against the taxonomy when it is made.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from storage.subscriptions import (
    DeliverySummary,
    Owner,
    SubscriptionRecord,
    SubscriptionSpec,
    create_subscription,
    delivery_summaries,
    list_subscriptions,
    remove_subscription,
)


@dataclass(frozen=True, slots=True)
class Target:
    """Where a subscription's alerts go."""

    kind: str  # channel | dm
    platform: str  # slack | discord | console
    id: str  # a channel id, or the user the bot writes to directly

    def describe(self) -> str:
        return "direct messages" if self.kind == "dm" else f"channel {self.id}"


@dataclass(frozen=True, slots=True)
class SubscriptionView:
    subscription: SubscriptionRecord
    deliveries: DeliverySummary

    @property
    def line(self) -> str:
        """One line of `/brief subscriptions`: where it goes and what became of its alerts."""
        record, summary = self.subscription, self.deliveries
        where = "your direct messages" if record.target_kind == "dm" else record.target_id
        parts = [f"to {where}", f"{summary.posted} sent"]
        if summary.pending or summary.sending:
            parts.append(f"{summary.pending + summary.sending} waiting")
        if summary.failed:
            parts.append(f"{summary.failed} failed: {summary.last_failure}")
        if record.paused_reason:
            parts.append(f"paused: {record.paused_reason}")
        if not record.enabled:
            parts.append("off")
        return " · ".join(parts)


def subscribe(
    session: Session, owner: Owner, query: str, target: Target, *, max_per_owner: int
) -> SubscriptionRecord:
    spec = SubscriptionSpec(
        owner=owner,
        target_kind=target.kind,
        target_platform=target.platform,
        target_id=target.id,
        query=query,
    )
    return create_subscription(session, spec, max_per_owner=max_per_owner)


def unsubscribe(session: Session, subscription_id: int, owner: Owner | None) -> SubscriptionRecord:
    return remove_subscription(session, subscription_id, owner=owner)


def subscriptions(session: Session, owner: Owner | None) -> list[SubscriptionView]:
    records = list_subscriptions(session, owner=owner)
    summaries = delivery_summaries(session, [record.id for record in records])
    return [SubscriptionView(record, summaries[record.id]) for record in records]
