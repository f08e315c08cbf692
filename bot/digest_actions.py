"""The digest actions of the application core, reached as `core.digests`: a channel's
settings, a preview of its next digest, posting now, posting what is due, and the start-up
check that every channel could post.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from bot.config import Config
from bot.durations import parse_since
from storage.db import Database
from storage.errors import BadInput
from storage.locks import CONFIG_SYNC

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from bot.core import Talentbrief
    from bot.digest_posting import DigestOutcome
    from bot.digest_service import DigestService
    from digests.model import Digest
    from storage.channels import ChannelSpec, StoredChannel

PREVIEW_CHANNEL = "preview"


@dataclass(frozen=True, slots=True)
class DigestPreview:
    """A channel's next digest, built but not recorded or posted."""

    channel: ChannelSpec
    digest: Digest
    next_post: datetime | None  # the next scheduled post, in the channel's time zone
    would_post: bool  # False when it is empty and the channel does not post empty digests
    # Why tellings were grouped into one story (digests.cluster.explain_clusters), as data.
    clusters: tuple[dict[str, Any], ...] = ()


class DigestActions:
    def __init__(self, core: Talentbrief) -> None:
        self.core = core

    def _service(self, database: Database) -> DigestService:
        from bot.digest_service import DigestService

        return DigestService(
            database,
            self.core.config,
            self.core.catalog,
            env=self.core.env,
            console=self.core.console,
        )

    async def channel(self, name: str) -> tuple[ChannelSpec, StoredChannel | None]:
        """A channel's settings (the config file first, then channels added from chat)."""
        from storage.channels import get_channel

        stored = await self.core.in_session(get_channel, name, sync_sources=False)
        for channel in self.core.config.channels:
            if channel.name == name:
                return channel.spec(), stored
        if stored is not None:
            return stored.spec, stored
        known = sorted({c.name for c in self.core.config.channels})
        raise BadInput(f"no channel named {name!r} (known: {', '.join(known) or 'none'})")

    def channel_for_target(self, platform_name: str, target: str) -> str | None:
        """The configured digest channel posting to `target` on that platform, if any."""
        for channel in self.core.config.channels:
            if channel.platform == platform_name and channel.target.strip() == target:
                return channel.name
        return None

    async def preview(
        self,
        channel: str | None = None,
        *,
        topic: str | None = None,
        since: str | datetime | None = None,
        now: datetime | None = None,
        explain: bool = False,
    ) -> DigestPreview:
        """What a channel's next digest would contain; without a channel, every topic (or
        `topic`) since `since` (default: a day). Nothing is recorded."""
        from bot.digest_build import compose
        from digests.schedule import current_period, next_slot
        from storage.channels import ChannelSpec

        now = now or datetime.now(UTC)
        if channel is None:
            spec = ChannelSpec(
                name=PREVIEW_CHANNEL,
                topics=self.core.check_topics([topic], "topic") if topic else (),
                post_empty=True,
            )
            stored = None
            since = since or "1d"
        else:
            spec, stored = await self.channel(channel)
        if isinstance(since, str):
            since = parse_since(since, now=now, timezone=spec.timezone)
        period = current_period(spec.schedule, spec.timezone, spec.days, now, weekly=spec.weekly)
        built = await self.core.in_session(
            lambda s: compose(
                s, stored, spec, now=now, period=period, since=since, catalog=self.core.catalog,
                with_chart=False,
            ),
            sync_sources=False,
        )  # fmt: skip
        return DigestPreview(
            channel=spec,
            digest=built.digest,
            next_post=next_slot(spec.schedule, spec.timezone, spec.days, now),
            would_post=bool(built.parts),
            clusters=(
                tuple(_explain_clusters(built.items, earlier=built.earlier)) if explain else ()
            ),
        )

    async def post(
        self, channel: str, *, since: str | None = None, now: datetime | None = None
    ) -> list[DigestOutcome]:
        """Post a channel's current period now (once: a posted period is not posted again)."""
        from bot.platforms import platform

        now = now or datetime.now(UTC)
        database = await self.core.open()
        stored = await self.core.in_session(
            _synced_channel, self.core.config, channel, lock=CONFIG_SYNC
        )
        if stored is None or not stored.spec.enabled:
            known = ", ".join(sorted(c.name for c in self.core.config.channels)) or "none"
            raise BadInput(f"no enabled channel named {channel!r} (known: {known})")
        spec = stored.spec
        # A missing token or a bad target fails here, before anything is built or recorded.
        await (
            platform(spec.platform)
            .poster(spec.target, self.core.config, env=self.core.env, console=self.core.console)
            .aclose()
        )
        moment = parse_since(since, now=now, timezone=spec.timezone) if since else None
        return await self._service(database).post_channel(stored, now=now, since=moment)

    async def post_due(
        self, channels: Sequence[str] | None = None, *, now: datetime | None = None
    ) -> list[DigestOutcome]:
        database = await self.core.open()
        return await self._service(database).post_due(channels=channels, now=now)

    async def check_channels(self) -> None:
        """Refuse to start when a channel could never post (a missing token, a bad target)."""
        from bot.platforms import platform

        for channel in self.core.config.channels:
            poster = platform(channel.platform).poster(
                channel.target, self.core.config, env=self.core.env, console=self.core.console
            )
            await poster.aclose()


def _synced_channel(session: Session, config: Config, name: str) -> StoredChannel | None:
    from storage.channels import get_channel, sync_config_channels

    sync_config_channels(session, config.channel_specs())
    session.flush()
    return get_channel(session, name)


def _explain_clusters(items: Sequence[Any], *, earlier: Sequence[Any]) -> list[dict[str, Any]]:
    from digests.cluster import explain_clusters  # the clusterer loads for --explain only

    return explain_clusters(items, earlier=earlier)
