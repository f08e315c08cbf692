"""Digests, exactly once: build, record, post part by part, resume after a crash.

`post_due_digests` is what the scheduler calls (every minute, or at each channel's slot). What
is due is derived from the database, not from the scheduler: for each enabled channel, its
current period (latest scheduled slot at or before now) either has a done run or it does not.
So a bot that was down posts the missed digest once on its next tick, covering everything first
seen since the last posted digest.

For one channel and period:
1. Runs of earlier periods still `built`: with parts already out, they are finished first (from
   the first unposted part); untouched ones are superseded (the new window covers their items).
2. The current period: `posted`/`empty` → nothing to do (a period is posted once); `built` →
   resume it with its stored payload; none → select, cluster, rank, render, and record the
   payload as a `built` run (the unique key decides between racing processes), then post.
3. Each part is marked as *sending* before it goes out and recorded with its platform id after.
   A part marked sending but not recorded is looked up on the platform before being resent
   (Slack message metadata; Discord channel posts carry a nonce Discord deduplicates).
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TextIO

from bot.adapters.base import Attachment, DigestPoster, Part, PostingError
from bot.adapters.console import ConsolePoster
from bot.adapters.discord import TOKEN_ENV as DISCORD_TOKEN_ENV
from bot.adapters.discord import DiscordPoster
from bot.adapters.slack import TOKEN_ENV as SLACK_TOKEN_ENV
from bot.adapters.slack import SlackPoster
from bot.config import Config
from bot.digest_build import chart_filename, compose
from digests.schedule import Period, current_period
from storage.channels import (
    StoredChannel,
    list_channels,
    sync_config_channels,
)
from storage.db import Database
from storage.digests import (
    DigestRunRecord,
    RunConflict,
    claim_run,
    create_run,
    get_run,
    get_run_by_id,
    last_done_run,
    mark_sending,
    record_part_posted,
    release_run,
    supersede_run,
    unfinished_runs,
)

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=10)


@dataclass(frozen=True, slots=True)
class DigestOutcome:
    """What happened to one channel's digest on this call."""

    channel: str
    status: str  # posted | resumed | already_posted | empty | not_scheduled | busy | failed
    period_key: str | None = None
    run_id: int | None = None
    message_ids: tuple[str, ...] = ()
    items: int = 0
    detail: str = ""


def _now() -> datetime:
    return datetime.now(UTC)


def make_poster(
    platform: str,
    target: str,
    config: Config,
    *,
    env: Mapping[str, str] | None = None,
    console: TextIO | None = None,
) -> DigestPoster:
    """The adapter for a channel; a missing token or bad target is BadInput (exit 2)."""
    env = os.environ if env is None else env
    if platform == "slack":
        return SlackPoster(
            channel=target, token=env.get(SLACK_TOKEN_ENV), base_url=config.slack.api_base_url
        )
    if platform == "discord":
        return DiscordPoster(
            target=target,
            token=env.get(DISCORD_TOKEN_ENV),
            base_url=config.discord.api_base_url,
        )
    return ConsolePoster(console)


def _build_run(
    database: Database,
    channel: StoredChannel,
    period: Period,
    *,
    now: datetime,
    since: datetime | None,
) -> DigestRunRecord:
    with database.session() as session:
        existing = get_run(session, channel.id, period.key)
        if existing is not None:
            return existing
        built = compose(session, channel, channel.spec, now=now, period=period, since=since)
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


def _part(run: DigestRunRecord, index: int) -> Part:
    stored = run.payload[index]
    kind = str(stored.get("kind", "message"))
    attachment = None
    if kind == "chart" and run.chart_png is not None:
        body = stored["body"]
        name = body.get("filename") or _discord_filename(body) or chart_filename(run.period_key)
        attachment = Attachment(filename=str(name), data=run.chart_png)
    thread = run.message_ids[0] if index > 0 and run.platform == "slack" else None
    return Part(
        index=index,
        kind=kind,
        body=dict(stored["body"]),
        run_key=f"tb{run.id}",
        thread=thread,
        attachment=attachment,
    )


def _discord_filename(body: Mapping[str, Any]) -> str | None:
    attachments = body.get("attachments") or [{}]
    name = attachments[0].get("filename")
    return None if name is None else str(name)


async def post_run(
    database: Database,
    run: DigestRunRecord,
    poster: DigestPoster,
    *,
    now: datetime,
    channel: str,
    status: str = "posted",
) -> DigestOutcome:
    """Post the unposted parts of a built run, first unposted part first."""

    with database.session() as session:
        claimed = claim_run(session, run.id, now=now, lease=LEASE)
    if not claimed:
        return DigestOutcome(
            channel, "busy", run.period_key, run.id, detail="another process is posting it"
        )
    current = run
    try:
        with database.session() as session:
            fresh = get_run_by_id(session, run.id)
        assert fresh is not None
        current = fresh
        for index in range(current.next_part, current.parts):
            part = _part(current, index)
            if current.sending_part == index and current.sending_since is not None:
                found = await poster.find_posted(part, since=current.sending_since)
                if found is not None:
                    log.info("run %s part %s had reached the platform as %s", run.id, index, found)
                    current = _record(database, current.id, index, found, now)
                    continue
            with database.session() as session:
                mark_sending(session, current.id, index, now=now)
            message_id = await poster.post(part)
            current = _record(database, current.id, index, message_id, now)
    except RunConflict as exc:
        return DigestOutcome(channel, "busy", run.period_key, run.id, detail=str(exc))
    except Exception as exc:
        not_sent = isinstance(exc, PostingError) and not exc.maybe_delivered
        with database.session() as session:
            release_run(session, run.id, error=str(exc), not_sent=not_sent)
        log.warning("digest for %s (%s) stopped: %s", channel, run.period_key, exc)
        return DigestOutcome(
            channel,
            "failed",
            run.period_key,
            run.id,
            message_ids=current.message_ids,
            items=len(current.item_ids),
            detail=f"{exc}; posted {current.next_part} of {current.parts} parts, "
            "the rest resumes on the next run",
        )
    return DigestOutcome(
        channel,
        status,
        run.period_key,
        run.id,
        message_ids=current.message_ids,
        items=len(current.item_ids),
    )


def _record(
    database: Database, run_id: int, index: int, message_id: str, now: datetime
) -> DigestRunRecord:
    with database.session() as session:
        return record_part_posted(session, run_id, index, message_id, now=now, lease=LEASE)


async def post_channel_digest(
    database: Database,
    config: Config,
    channel: StoredChannel,
    *,
    now: datetime | None = None,
    since: datetime | None = None,
    env: Mapping[str, str] | None = None,
    console: TextIO | None = None,
) -> list[DigestOutcome]:
    """Bring one channel up to date: finish earlier runs, then post its current period once."""
    now = now or _now()
    spec = channel.spec
    period = current_period(spec.schedule, spec.timezone, spec.days, now, weekly=spec.weekly)
    if period is None:
        return [DigestOutcome(spec.name, "not_scheduled", detail="no scheduled slot yet")]
    outcomes: list[DigestOutcome] = []

    with database.session() as session:
        for run in unfinished_runs(session, channel.id):
            if (
                run.period_key != period.key
                and run.next_part == 0
                and run.sending_part is None
                and supersede_run(session, run.id, now=now)
            ):
                log.info("%s: run for %s superseded by %s", spec.name, run.period_key, period.key)
    with database.session() as session:
        pending = [r for r in unfinished_runs(session, channel.id) if r.period_key != period.key]
    for run in pending:
        poster = make_poster(run.platform, run.target, config, env=env, console=console)
        try:
            outcome = await post_run(
                database, run, poster, now=now, channel=spec.name, status="resumed"
            )
        finally:
            await poster.aclose()
        outcomes.append(outcome)
        if outcome.status != "resumed":
            return outcomes  # finish the older digest before starting a newer one

    with database.session() as session:
        existing = get_run(session, channel.id, period.key)
        latest = last_done_run(session, channel.id)
    if existing is None and latest is not None and latest.period_at >= period.at:
        # The schedule changed (say 08:00 → 09:00): today's digest went out under the old
        # slot, so the new slot's first period is not a second digest for the same day.
        outcomes.append(
            DigestOutcome(
                spec.name,
                "already_posted",
                period.key,
                latest.id,
                latest.message_ids,
                detail=f"the digest for {latest.period_key} already covers this period",
            )
        )
        return outcomes
    if existing is not None and existing.done:
        detail = (
            f"already posted at {existing.posted_at:%Y-%m-%d %H:%M} UTC "
            f"({len(existing.message_ids)} message(s)); a period is posted only once"
            if existing.state == "posted"
            else "nothing new for this period (empty digest not posted)"
        )
        outcomes.append(
            DigestOutcome(
                spec.name,
                "already_posted" if existing.state == "posted" else "empty",
                period.key,
                existing.id,
                existing.message_ids,
                len(existing.item_ids),
                detail,
            )
        )
        return outcomes

    poster = make_poster(spec.platform, spec.target, config, env=env, console=console)
    try:
        resumed = existing is not None
        run = (
            existing
            if existing is not None
            else await asyncio.to_thread(
                _build_run, database, channel, period, now=now, since=since
            )
        )
        if run.state == "empty":
            outcomes.append(
                DigestOutcome(
                    spec.name, "empty", period.key, run.id, detail="nothing new; not posted"
                )
            )
        elif run.done:
            outcomes.append(DigestOutcome(spec.name, "already_posted", period.key, run.id))
        else:
            if resumed and since is not None:
                log.warning(
                    "%s: resuming the run already built for %s; --since does not change it",
                    spec.name,
                    period.key,
                )
            outcomes.append(
                await post_run(
                    database,
                    run,
                    poster,
                    now=now,
                    channel=spec.name,
                    status="resumed" if resumed else "posted",
                )
            )
    finally:
        await poster.aclose()
    return outcomes


async def post_due_digests(
    database: Database,
    config: Config,
    *,
    now: datetime | None = None,
    env: Mapping[str, str] | None = None,
    console: TextIO | None = None,
    channels: Sequence[str] | None = None,
) -> list[DigestOutcome]:
    """Post every enabled channel's current digest that is not posted yet.

    Safe to call as often as you like, from several processes: a period posts once. A channel
    whose adapter cannot be built (missing token, bad target) reports `failed` and the others
    go on.
    """
    now = now or _now()

    def load() -> list[StoredChannel]:
        with database.session() as session:
            sync_config_channels(session, config.channel_specs())
        with database.session() as session:
            return list_channels(session, enabled_only=True)

    outcomes: list[DigestOutcome] = []
    for channel in await asyncio.to_thread(load):
        if channels is not None and channel.name not in channels:
            continue
        try:
            outcomes.extend(
                await post_channel_digest(
                    database, config, channel, now=now, env=env, console=console
                )
            )
        except Exception as exc:  # one broken channel must not stop the others
            log.warning("digest for %s failed: %s", channel.name, exc)
            outcomes.append(DigestOutcome(channel.name, "failed", detail=str(exc)))
    return outcomes
