"""`talentbrief run`: the long-running bot.

APScheduler only says *when* to look; what is due comes from the database (sources' next due
times, channels' posted periods). So a restart loses nothing, a missed digest is caught up by
the next tick, and several processes can share one database without doing a job twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.config import ChannelConfig
from digests.schedule import cron_trigger, is_time_of_day

log = logging.getLogger(__name__)

# APScheduler's own defaults (misfire_grace_time=1 s) silently skip a run when the loop was
# busy for two seconds. Late is fine here: every job asks the database what is due.
JOB_DEFAULTS = {"coalesce": True, "max_instances": 1, "misfire_grace_time": None}
# How often to look for missed or interrupted digests, and for channels added at run time.
HEAL_SECONDS = 300
# How long a stop waits for a running poll or post to finish before giving up on it.
STOP_GRACE_SECONDS = 30.0


@dataclass(frozen=True, slots=True)
class BotJobs:
    """What the scheduler runs; each call works out for itself what is due."""

    poll: Callable[[], Awaitable[None]]
    digests: Callable[[Sequence[str] | None], Awaitable[None]]


def channel_triggers(channel: ChannelConfig) -> list[CronTrigger]:
    """One trigger per schedule entry, in the channel's time zone."""
    triggers = []
    for entry in channel.schedule:
        if is_time_of_day(entry):
            hour, minute = (int(part) for part in entry.split(":"))
            triggers.append(
                CronTrigger(
                    hour=hour,
                    minute=minute,
                    day_of_week=",".join(channel.days) or None,
                    timezone=ZoneInfo(channel.timezone),
                )
            )
        else:
            triggers.append(cron_trigger(entry, channel.timezone))
    return triggers


class _Running:
    """Tracks job tasks so a stop can let them finish instead of cutting a post in half."""

    def __init__(self) -> None:
        self.tasks: set[asyncio.Task[Any]] = set()

    def wrap(self, name: str, job: Callable[..., Awaitable[None]]) -> Callable[..., Any]:
        async def run(*args: Any) -> None:
            task = asyncio.current_task()
            if task is not None:
                self.tasks.add(task)
            try:
                await job(*args)
            except Exception:  # a failed tick must not kill the bot; the next one retries
                log.exception("%s failed", name)
            finally:
                if task is not None:
                    self.tasks.discard(task)

        return run

    async def drain(self, timeout: float) -> None:
        if self.tasks:
            log.info("waiting up to %.0fs for %d running job(s)", timeout, len(self.tasks))
            await asyncio.wait(self.tasks, timeout=timeout)


def build_scheduler(
    jobs: BotJobs,
    channels: Sequence[ChannelConfig],
    *,
    poll_seconds: int,
    running: _Running,
    now: datetime | None = None,
) -> AsyncIOScheduler:
    now = now or datetime.now(UTC)
    scheduler = AsyncIOScheduler(timezone=UTC, job_defaults=JOB_DEFAULTS)
    scheduler.add_job(
        running.wrap("poll", jobs.poll),
        IntervalTrigger(seconds=poll_seconds, timezone=UTC),
        id="poll",
        name="poll due sources",
        next_run_time=now,
        replace_existing=True,
    )
    scheduler.add_job(
        running.wrap("digests", jobs.digests),
        IntervalTrigger(seconds=HEAL_SECONDS, timezone=UTC),
        args=[None],
        id="digests:due",
        name="post due digests",
        next_run_time=now,
        replace_existing=True,
    )
    for channel in channels:
        for index, trigger in enumerate(channel_triggers(channel)):
            scheduler.add_job(
                running.wrap(f"digest {channel.name}", jobs.digests),
                trigger,
                args=[[channel.name]],
                id=f"digest:{channel.name}:{index}",
                name=f"digest for {channel.name}",
                replace_existing=True,
            )
    return scheduler


async def run_forever(
    jobs: BotJobs,
    channels: Sequence[ChannelConfig],
    *,
    poll_seconds: int,
    stop: asyncio.Event | None = None,
) -> None:
    """Run the scheduler until SIGINT/SIGTERM (or `stop` is set), then finish running jobs."""
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):  # not on this platform
            loop.add_signal_handler(signum, stop.set)
    running = _Running()
    scheduler = build_scheduler(jobs, channels, poll_seconds=poll_seconds, running=running)
    scheduler.start()
    for job in scheduler.get_jobs():
        log.info("scheduled %s; next at %s", job.name, job.next_run_time)
    try:
        await stop.wait()
    finally:
        log.info("stopping")
        # Pause first: the asyncio executor cancels whatever still runs when it shuts down.
        scheduler.pause()
        await running.drain(STOP_GRACE_SECONDS)
        scheduler.shutdown(wait=False)
        for signum in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.remove_signal_handler(signum)
