"""Digest channels: where digests go, when, and what they select.

Config channels are synced from the config file (matched by name, like sources); channels added
from chat live only here. The scheduler and the CLI read channels from this table.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.errors import BadInput
from storage.models import Channel


@dataclass(frozen=True, slots=True)
class ChannelSpec:
    """A channel as the operator declares it (config file, CLI or chat)."""

    name: str
    platform: str = "console"  # slack | discord | console
    target: str = ""  # Slack channel id; Discord channel id or webhook URL
    schedule: tuple[str, ...] = ("08:00",)  # times of day ("08:00") or cron expressions
    timezone: str = "UTC"
    days: tuple[str, ...] = ()  # mon … sun; empty means every day
    topics: tuple[str, ...] = ()  # empty means every topic
    query: str | None = None
    max_items: int = 30
    post_empty: bool = False
    weekly: str | None = None  # weekday of the weekly edition (with its chart)
    origin: str = "config"
    enabled: bool = True


@dataclass(frozen=True, slots=True)
class StoredChannel:
    id: int
    spec: ChannelSpec

    @property
    def name(self) -> str:
        return self.spec.name


def _now() -> datetime:
    return datetime.now(UTC)


def _to_spec(row: Channel) -> StoredChannel:
    return StoredChannel(
        id=row.id,
        spec=ChannelSpec(
            name=row.name,
            platform=row.platform,
            target=row.target,
            schedule=tuple(row.schedule or ()),
            timezone=row.timezone,
            days=tuple(row.days or ()),
            topics=tuple(row.topics or ()),
            query=row.query,
            max_items=row.max_items,
            post_empty=row.post_empty,
            weekly=row.weekly,
            origin=row.origin,
            enabled=row.enabled,
        ),
    )


def _apply(row: Channel, spec: ChannelSpec) -> None:
    row.platform = spec.platform
    row.target = spec.target
    row.schedule = list(spec.schedule)
    row.timezone = spec.timezone
    row.days = list(spec.days)
    row.topics = list(spec.topics)
    row.query = spec.query
    row.max_items = spec.max_items
    row.post_empty = spec.post_empty
    row.weekly = spec.weekly
    row.origin = spec.origin
    row.enabled = spec.enabled


def _row(session: Session, name: str) -> Channel | None:
    return session.scalar(select(Channel).where(Channel.name == name))


def get_channel(session: Session, name: str) -> StoredChannel | None:
    row = _row(session, name)
    return None if row is None else _to_spec(row)


def list_channels(session: Session, *, enabled_only: bool = False) -> list[StoredChannel]:
    query = select(Channel).order_by(Channel.name)
    if enabled_only:
        query = query.where(Channel.enabled.is_(True))
    return [_to_spec(row) for row in session.scalars(query)]


def add_channel(session: Session, spec: ChannelSpec) -> StoredChannel:
    """Add a new channel; a name already present is bad input."""
    if _row(session, spec.name) is not None:
        raise BadInput(f"a channel named {spec.name!r} already exists")
    now = _now()
    row = Channel(name=spec.name, created_at=now, updated_at=now)
    _apply(row, spec)
    session.add(row)
    session.flush()
    return _to_spec(row)


def sync_config_channels(session: Session, specs: Sequence[ChannelSpec]) -> None:
    """Make the stored config channels match the config file.

    Matched by name; digest history survives edits. A channel that left the config is disabled,
    not deleted, so its runs (and the periods already posted) are kept. Channels added from chat
    are left alone unless the config now declares the same name, which then wins.
    """
    wanted = {spec.name: replace(spec, origin="config") for spec in specs}
    for row in session.scalars(select(Channel).where(Channel.origin == "config")):
        if row.name not in wanted and row.enabled:
            row.enabled = False
            row.updated_at = _now()
    for spec in wanted.values():
        existing = _row(session, spec.name)
        if existing is None:
            add_channel(session, spec)
        elif _to_spec(existing).spec != spec:
            _apply(existing, spec)
            existing.updated_at = _now()
