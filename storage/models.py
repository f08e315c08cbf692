"""Typed ORM tables.

The schema is owned by the Alembic migrations in `migrations/versions`; these classes must match
them (tests compare the two). Later features add tables by a new migration, never by editing an
applied one.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    # SQLAlchemy reads this as a class attribute.
    type_annotation_map = {  # noqa: RUF012
        datetime: DateTime(timezone=True),
        dict[str, Any]: JSON,
    }


class Source(Base):
    """A feed or API the bot polls, with its fetch state."""

    __tablename__ = "sources"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    url: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(32), default="feed")  # feed | federal_register
    interval_seconds: Mapped[int] = mapped_column(Integer, default=1800)
    hint_tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    # Who added it: config and cli sources are the operator's and trusted; chat ones are guarded.
    origin: Mapped[str] = mapped_column(String(16), default="cli")  # config | cli | chat | opml
    priority: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime]

    # Fetch state.
    etag: Mapped[str | None] = mapped_column(Text)
    last_modified: Mapped[str | None] = mapped_column(Text)
    content_hash: Mapped[str | None] = mapped_column(String(64))
    next_due_at: Mapped[datetime | None]
    last_attempt_at: Mapped[datetime | None]
    last_success_at: Mapped[datetime | None]
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    # A problem that did not stop the poll, e.g. entries beyond `[poll] max_entries` (0006).
    last_warning: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="new")  # new | ok | failing
    # Set when a poll cycle claims the source, so two processes never fetch it at once; the
    # token names the claim, so only its holder renews or releases it (migration 0007).
    claimed_until: Mapped[datetime | None]
    claim_token: Mapped[str | None] = mapped_column(String(32))
    # What the admin channel was last told of its health (ok | failing | quiet), migration 0005.
    health_notice: Mapped[str | None] = mapped_column(String(16))
    health_noticed_at: Mapped[datetime | None]

    links: Mapped[list[ItemSource]] = relationship(back_populates="source", passive_deletes=True)


class SyncState(Base):
    """What a sync from outside last wrote (today: the config file's sources), migration 0006."""

    __tablename__ = "sync_state"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    row_count: Mapped[int] = mapped_column(Integer)
    synced_at: Mapped[datetime]


class Item(Base):
    """One story, stored once however many sources carried it."""

    __tablename__ = "items"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(128), unique=True)
    canonical_url: Mapped[str | None] = mapped_column(Text, index=True)
    url: Mapped[str | None] = mapped_column(Text)
    title: Mapped[str] = mapped_column(Text)
    summary: Mapped[str] = mapped_column(Text, default="")
    author: Mapped[str | None] = mapped_column(Text)
    language: Mapped[str | None] = mapped_column(String(16))
    published_at: Mapped[datetime] = mapped_column(index=True)  # migration 0002 (search)
    first_seen_at: Mapped[datetime] = mapped_column(index=True)
    updated_at: Mapped[datetime]
    # sha256 of title + summary: a changed story updates the row, an unchanged one is skipped.
    content_hash: Mapped[str] = mapped_column(String(64))
    source_id: Mapped[int | None] = mapped_column(
        ForeignKey("sources.id", ondelete="SET NULL"), index=True
    )

    # Federal Register (or other government) document metadata.
    doc_type: Mapped[str | None] = mapped_column(String(64))
    document_number: Mapped[str | None] = mapped_column(String(64))
    agencies: Mapped[list[str]] = mapped_column(JSON, default=list)
    effective_on: Mapped[date | None] = mapped_column(Date)
    comments_close_on: Mapped[date | None] = mapped_column(Date)

    # Tagger output: tag rows live in item_tags; the flag and the reasons live here.
    alert: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    reasons: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    # The search document (storage/search_text.py), indexed by FTS5 on SQLite and by a tsvector
    # on PostgreSQL; database triggers from migration 0002 keep the index in step with these.
    search_text: Mapped[str] = mapped_column(Text, default="", server_default="")
    search_meta: Mapped[str] = mapped_column(Text, default="", server_default="")

    tags: Mapped[list[ItemTag]] = relationship(
        back_populates="item", cascade="all, delete-orphan", passive_deletes=True
    )
    links: Mapped[list[ItemSource]] = relationship(
        back_populates="item", cascade="all, delete-orphan", passive_deletes=True
    )


class ItemTag(Base):
    __tablename__ = "item_tags"

    item_id: Mapped[int] = mapped_column(
        ForeignKey("items.id", ondelete="CASCADE"), primary_key=True
    )
    tag: Mapped[str] = mapped_column(String(64), primary_key=True)
    score: Mapped[float] = mapped_column(Float, default=1.0)

    item: Mapped[Item] = relationship(back_populates="tags")

    __table_args__ = (Index("ix_item_tags_tag_item", "tag", "item_id"),)


class ItemSource(Base):
    """Every source that carried an item, and under which entry id."""

    __tablename__ = "item_sources"

    item_id: Mapped[int] = mapped_column(
        ForeignKey("items.id", ondelete="CASCADE"), primary_key=True
    )
    source_id: Mapped[int] = mapped_column(
        ForeignKey("sources.id", ondelete="CASCADE"), primary_key=True
    )
    entry_id: Mapped[str | None] = mapped_column(Text)
    first_seen_at: Mapped[datetime]

    item: Mapped[Item] = relationship(back_populates="links")
    source: Mapped[Source] = relationship(back_populates="links")

    __table_args__ = (Index("ix_item_sources_source", "source_id"),)


class Channel(Base):
    """A place digests go: synced from the config file, or added from chat."""

    __tablename__ = "channels"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    platform: Mapped[str] = mapped_column(String(16))  # slack | discord | console
    target: Mapped[str] = mapped_column(Text, default="")
    schedule: Mapped[list[str]] = mapped_column(JSON, default=list)  # times of day or cron
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    days: Mapped[list[str]] = mapped_column(JSON, default=list)
    topics: Mapped[list[str]] = mapped_column(JSON, default=list)
    query: Mapped[str | None] = mapped_column(Text)
    max_items: Mapped[int] = mapped_column(Integer, default=30)
    post_empty: Mapped[bool] = mapped_column(Boolean, default=False)
    weekly: Mapped[str | None] = mapped_column(String(3))
    origin: Mapped[str] = mapped_column(String(16), default="config")  # config | chat | cli
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class DigestRun(Base):
    """One digest of one channel for one scheduled period: the unit of exactly-once posting.

    The unique (channel, period) key makes a second digest for a period impossible; the payload
    is kept from the moment it is built, so a crashed run resumes with the same content, and
    `message_ids` grows one posted part at a time, so a resume starts at the first unposted part.
    """

    __tablename__ = "digest_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("channels.id", ondelete="CASCADE"))
    period_key: Mapped[str] = mapped_column(String(64))
    period_at: Mapped[datetime]
    edition: Mapped[str] = mapped_column(String(16), default="daily")  # daily | weekly
    state: Mapped[str] = mapped_column(String(16))  # built | posted | empty | superseded
    platform: Mapped[str] = mapped_column(String(16))
    target: Mapped[str] = mapped_column(Text, default="")
    window_start: Mapped[datetime]
    window_end: Mapped[datetime]
    item_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    payload: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    chart_png: Mapped[bytes | None] = mapped_column(LargeBinary)
    parts: Mapped[int] = mapped_column(Integer, default=0)
    posted_parts: Mapped[int] = mapped_column(Integer, default=0)
    message_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Set just before a part is sent: on resume, that part may already be on the platform.
    sending_part: Mapped[int | None] = mapped_column(Integer)
    sending_since: Mapped[datetime | None]
    claimed_until: Mapped[datetime | None]
    claim_token: Mapped[str | None] = mapped_column(String(32))  # migration 0007
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    posted_at: Mapped[datetime | None]

    __table_args__ = (
        UniqueConstraint("channel_id", "period_key", name="uq_digest_runs_channel_period"),
        Index("ix_digest_runs_channel_state", "channel_id", "state"),
    )


class Subscription(Base):
    """A saved query whose new matches are posted to a channel or to the owner's DMs."""

    __tablename__ = "subscriptions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    owner_platform: Mapped[str] = mapped_column(String(16))  # slack | discord | console | cli
    owner_id: Mapped[str] = mapped_column(String(100))  # the platform's user id
    target_kind: Mapped[str] = mapped_column(String(16))  # channel | dm
    target_platform: Mapped[str] = mapped_column(String(16))  # slack | discord | console
    target_id: Mapped[str] = mapped_column(String(200))  # channel id, or the user id for DMs
    query: Mapped[str] = mapped_column(Text)  # as typed; parsed again when matching
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    # Set while its target is paused (the bot lost access): shown in `/brief subscriptions`.
    paused_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]

    __table_args__ = (
        Index("ix_subscriptions_owner", "owner_platform", "owner_id"),
        Index("ix_subscriptions_target", "target_platform", "target_id"),
    )


class Delivery(Base):
    """The alert outbox: one row per (subscription, item), so an item alerts a subscriber once.

    pending -> sending -> posted | failed | skipped. A claim leases the row (`claimed_until`,
    `claim_token`); `batch_id` ties rows posted together as one message (flood rule).
    """

    __tablename__ = "deliveries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subscription_id: Mapped[int] = mapped_column(ForeignKey("subscriptions.id", ondelete="CASCADE"))
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), index=True)
    state: Mapped[str] = mapped_column(String(16))  # pending | sending | posted | failed | skipped
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime]
    last_error: Mapped[str | None] = mapped_column(Text)
    message_id: Mapped[str | None] = mapped_column(Text)
    batch_id: Mapped[int | None] = mapped_column(Integer)  # the first delivery id of its message
    claimed_until: Mapped[datetime | None]
    claim_token: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime]
    posted_at: Mapped[datetime | None]

    __table_args__ = (
        UniqueConstraint("subscription_id", "item_id", name="uq_deliveries_subscription_item"),
        # The dispatcher's claim: due rows by state and time.
        Index("ix_deliveries_due", "state", "next_attempt_at"),
        # The flood rule: a subscription's recent matches and its last message.
        Index("ix_deliveries_subscription_created", "subscription_id", "created_at"),
        Index("ix_deliveries_subscription_posted", "subscription_id", "posted_at"),
        Index("ix_deliveries_batch", "batch_id"),
    )


class AlertTarget(Base):
    """A place alerts go that the bot lost access to: paused until resumed, admins told once."""

    __tablename__ = "alert_targets"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    target_id: Mapped[str] = mapped_column(String(200))
    paused_at: Mapped[datetime | None]
    paused_reason: Mapped[str | None] = mapped_column(Text)
    # The admin notice of the current pause: leased while being posted, then marked announced.
    notice_claimed_until: Mapped[datetime | None]
    announced_at: Mapped[datetime | None]
    resumed_at: Mapped[datetime | None]

    __table_args__ = (
        UniqueConstraint("platform", "target_id", name="uq_alert_targets_platform_target"),
    )
