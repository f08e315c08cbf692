"""Digests, exactly once: build, record, post part by part, resume after a crash.

`DigestService.post_due` is what the scheduler calls (at each channel's slot, and on a heal
tick). What is due is derived from the database, not from the scheduler: for each enabled
channel, its current period (latest scheduled slot at or before now) either has a done run or
it does not. So a bot that was down posts the missed digest once on its next tick, covering
everything first seen since the last posted digest.

For one channel and period:
1. Runs of earlier periods still `built`: with parts already out, they are finished first (from
   the first unposted part); untouched ones are superseded (the new window covers their items).
2. The current period: `posted`/`empty` → nothing to do (a period is posted once); `built` →
   resume it with its stored payload; none → select, cluster, rank, render, and record the
   payload as a `built` run (the unique key decides between racing processes), then post.
3. Each part is marked as *sending* before it goes out and recorded with its platform id after.
   A part marked sending but not recorded is looked up on the platform before being resent
   (Slack message metadata; Discord bot posts by content, and their nonce for a few minutes);
   where nothing can be looked up (a Discord webhook) it is not sent again: at most once.

Every database call runs in a worker thread: the event loop is shared with the chat clients,
and a SQLite busy wait on it would freeze them all.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, TextIO, TypeVar

from bot.adapters.base import DigestPoster
from bot.config import Config
from bot.digest_build import compose
from bot.digest_posting import DigestOutcome, RunPosting
from bot.platforms import platform
from digests.model import TopicCatalog
from digests.schedule import Period, current_period
from storage.channels import StoredChannel, list_channels, sync_config_channels
from storage.db import Database
from storage.digests import (
    DigestRunRecord,
    create_run,
    get_run,
    last_done_run,
    supersede_run,
    unfinished_runs,
)
from storage.errors import BadInput
from storage.locks import CONFIG_SYNC

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

log = logging.getLogger(__name__)

T = TypeVar("T")


def _now() -> datetime:
    return datetime.now(UTC)


class DigestService:
    """Posts channels' digests exactly once; every database call in a worker thread."""

    def __init__(
        self,
        database: Database,
        config: Config,
        catalog: TopicCatalog,
        *,
        env: Mapping[str, str] | None = None,
        console: TextIO | None = None,
    ) -> None:
        self.database = database
        self.config = config
        self.catalog = catalog
        self.env = env
        self.console = console

    async def _db(self, work: Callable[..., T], *args: Any, lock: int | None = None) -> T:
        def run() -> T:
            with self.database.session(lock=lock) as session:
                return work(session, *args)

        return await asyncio.to_thread(run)

    def poster(self, platform_name: str, target: str) -> DigestPoster:
        return platform(platform_name).poster(
            target, self.config, env=self.env, console=self.console
        )

    async def post_due(
        self, *, channels: Sequence[str] | None = None, now: datetime | None = None
    ) -> list[DigestOutcome]:
        """Post every enabled channel's current digest that is not posted yet.

        Safe to call as often as you like, from several processes: a period posts once. A
        channel whose poster cannot be built (missing token, bad target) reports `failed` and
        the others go on.
        """
        now = now or _now()

        def load(session: Session) -> list[StoredChannel]:
            sync_config_channels(session, self.config.channel_specs())
            session.flush()
            return list_channels(session, enabled_only=True)

        outcomes: list[DigestOutcome] = []
        # Under the config-sync lock: two processes starting at once would both insert.
        for channel in await self._db(load, lock=CONFIG_SYNC):
            if channels is not None and channel.name not in channels:
                continue
            try:
                outcomes.extend(await self.post_channel(channel, now=now))
            except BadInput as exc:
                outcomes.append(DigestOutcome(channel.name, "failed", detail=str(exc)))
            except Exception as exc:  # one broken channel must not stop the others
                log.exception("digest for %s failed", channel.name)
                outcomes.append(
                    DigestOutcome(channel.name, "failed", detail=f"{type(exc).__name__}: {exc}")
                )
        return outcomes

    async def post_channel(
        self, channel: StoredChannel, *, now: datetime | None = None, since: datetime | None = None
    ) -> list[DigestOutcome]:
        """Bring one channel up to date: finish earlier runs, then post its current period."""
        now = now or _now()
        spec = channel.spec
        period = current_period(spec.schedule, spec.timezone, spec.days, now, weekly=spec.weekly)
        if period is None:
            return [DigestOutcome(spec.name, "not_scheduled", detail="no scheduled slot yet")]
        outcomes: list[DigestOutcome] = []
        for run in await self._db(self._older_runs, channel, period, now):
            outcome = await self._post_with_poster(run, now=now, channel=spec.name, resumed=True)
            outcomes.append(outcome)
            if outcome.status != "resumed":
                return outcomes  # finish the older digest before starting a newer one
        done = await self._db(self._done_outcome, channel, period)
        if done is not None:
            return [*outcomes, done]
        # A missing token or a bad target fails here, before anything is built or recorded.
        poster = self.poster(spec.platform, spec.target)
        try:
            outcomes.append(await self._post_current(channel, period, poster, now, since))
        finally:
            await poster.aclose()
        return outcomes

    async def _post_current(
        self,
        channel: StoredChannel,
        period: Period,
        poster: DigestPoster,
        now: datetime,
        since: datetime | None,
    ) -> DigestOutcome:
        name = channel.name
        existing = await self._db(get_run, channel.id, period.key)
        if existing is not None and since is not None:
            log.warning(
                "%s: resuming the run already built for %s; --since does not change it",
                name,
                period.key,
            )
        run = existing if existing is not None else await self._build(channel, period, now, since)
        if run.state == "empty":
            return DigestOutcome(name, "empty", period.key, run.id, detail="nothing new")
        if run.done:
            return DigestOutcome(name, "already_posted", period.key, run.id)
        status = "resumed" if existing is not None else "posted"
        return await self.post_run(run, poster, now=now, channel=name, status=status)

    def _older_runs(
        self, session: Session, channel: StoredChannel, period: Period, now: datetime
    ) -> list[DigestRunRecord]:
        """Unfinished runs of earlier periods that must be finished first; untouched ones are
        superseded (the new window covers their items)."""
        pending = []
        for run in unfinished_runs(session, channel.id):
            if run.period_key == period.key:
                continue
            if (
                run.next_part == 0
                and run.sending_part is None
                and supersede_run(session, run.id, now=now)
            ):
                log.info(
                    "%s: run for %s superseded by %s", channel.name, run.period_key, period.key
                )
                continue
            pending.append(run)
        return pending

    def _done_outcome(
        self, session: Session, channel: StoredChannel, period: Period
    ) -> DigestOutcome | None:
        """The outcome when this period needs nothing more, else None."""
        existing = get_run(session, channel.id, period.key)
        latest = last_done_run(session, channel.id)
        name = channel.name
        if existing is None and latest is not None and latest.period_at >= period.at:
            # The schedule changed (say 08:00 → 09:00): today's digest went out under the old
            # slot, so the new slot's first period is not a second digest for the same day.
            return DigestOutcome(
                name,
                "already_posted",
                period.key,
                latest.id,
                latest.message_ids,
                detail=f"the digest for {latest.period_key[:16]} already covers this period",
            )
        if existing is None or not existing.done:
            return None
        if existing.state != "posted":
            return DigestOutcome(name, "empty", period.key, existing.id, detail="nothing new")
        assert existing.posted_at is not None
        return DigestOutcome(
            name,
            "already_posted",
            period.key,
            existing.id,
            existing.message_ids,
            len(existing.item_ids),
            f"posted at {existing.posted_at:%Y-%m-%d %H:%M} UTC; a period is posted only once",
        )

    async def _build(
        self, channel: StoredChannel, period: Period, now: datetime, since: datetime | None
    ) -> DigestRunRecord:
        return await self._db(self._build_run, channel, period, now, since)

    def _build_run(
        self,
        session: Session,
        channel: StoredChannel,
        period: Period,
        now: datetime,
        since: datetime | None,
    ) -> DigestRunRecord:
        existing = get_run(session, channel.id, period.key)
        if existing is not None:
            return existing
        built = compose(
            session, channel, channel.spec, now=now, period=period, since=since,
            catalog=self.catalog,
        )  # fmt: skip
        run = create_run(
            session,
            channel_id=channel.id,
            period_key=period.key,
            period_at=period.at,
            edition="weekly" if period.weekly else "daily",
            platform=channel.spec.platform,
            target=channel.spec.target,
            window_start=built.window.start,
            window_end=built.window.end,
            item_ids=built.digest.item_ids,
            payload=built.parts,
            chart_png=built.chart_png,
            now=now,
        )
        if run is None:  # another process recorded this period a moment ago
            run = get_run(session, channel.id, period.key)
        assert run is not None
        return run

    async def _post_with_poster(
        self, run: DigestRunRecord, *, now: datetime, channel: str, resumed: bool
    ) -> DigestOutcome:
        poster = self.poster(run.platform, run.target)
        try:
            return await self.post_run(
                run, poster, now=now, channel=channel, status="resumed" if resumed else "posted"
            )
        finally:
            await poster.aclose()

    async def post_run(
        self,
        run: DigestRunRecord,
        poster: DigestPoster,
        *,
        now: datetime,
        channel: str,
        status: str = "posted",
    ) -> DigestOutcome:
        """Post the unposted parts of a built run (see bot/digest_posting.py)."""
        posting = RunPosting(self._db, timedelta(seconds=self.config.leases.digests))
        return await posting.post_run(run, poster, now=now, channel=channel, status=status)
