"""`talentbrief run`: the long-running bot.

The scheduler only says *when* to look; what is due comes from the database (sources' next due
times, channels' posted periods). So a restart loses nothing, a missed digest is caught up by
the next tick, and several processes can share one database without doing a job twice.

Polling is a loop that sleeps until the earliest source falls due (at most `poll_seconds`), so
a source is polled at its own interval, not rounded up to the next whole check. Digests run on
APScheduler cron triggers in each channel's time zone, plus a heal tick.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.alerts.dispatcher import Dispatcher
from bot.chat.service import Service, chat_services
from bot.config import ChannelConfig
from digests.schedule import cron_trigger, is_time_of_day

if TYPE_CHECKING:
    from bot.core import Talentbrief

log = logging.getLogger(__name__)

# APScheduler's own defaults (misfire_grace_time=1 s) silently skip a run when the loop was
# busy for two seconds. Late is fine here: every job asks the database what is due.
JOB_DEFAULTS = {"coalesce": True, "max_instances": 1, "misfire_grace_time": None}
# How often to look for missed or interrupted digests, and for channels added at run time.
HEAL_SECONDS = 300
# How long a stop lets a running digest post finish; it resumes exactly where it stopped
# next time, so a stop never needs to wait long.
STOP_GRACE_SECONDS = 4.0
# The shortest sleep between poll cycles, so a source due "now" cannot make the loop spin.
MIN_POLL_WAIT = 1.0


async def _never_due() -> datetime | None:
    return None


@dataclass(frozen=True, slots=True)
class BotJobs:
    """What the bot runs; each call works out for itself what is due."""

    poll: Callable[[], Awaitable[None]]
    digests: Callable[[Sequence[str] | None], Awaitable[None]]
    next_poll_due: Callable[[], Awaitable[datetime | None]] = _never_due


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


class Running:
    """Tracks digest jobs so a stop can let them finish instead of cutting a post in half."""

    def __init__(self) -> None:
        self.tasks: set[asyncio.Task[Any]] = set()

    def wrap(self, name: str, job: Callable[..., Awaitable[None]]) -> Callable[..., Any]:
        async def run(*args: Any) -> None:
            task = asyncio.current_task()
            if task is not None:
                self.tasks.add(task)
            try:
                await job(*args)
            except asyncio.CancelledError:
                # A stop cut it short (drain): what it held is given back, the next run
                # resumes it. Finishing quietly keeps the scheduler from logging a traceback.
                log.info("%s stopped before it finished; the next run resumes it", name)
            except Exception:  # a failed tick must not kill the bot; the next one retries
                log.exception("%s failed", name)
            finally:
                if task is not None:
                    self.tasks.discard(task)

        return run

    async def drain(self, timeout: float, hurry: asyncio.Event) -> None:
        """Wait for running jobs up to `timeout` or until `hurry` is set, then cancel the rest."""
        if not self.tasks:
            return
        log.info("waiting up to %.0fs for %d running job(s)", timeout, len(self.tasks))
        hurried = asyncio.ensure_future(hurry.wait())
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        try:
            pending = set(self.tasks)
            while pending and not hurried.done() and loop.time() < deadline:
                done, _ = await asyncio.wait(
                    [*pending, hurried],
                    timeout=deadline - loop.time(),
                    return_when=asyncio.FIRST_COMPLETED,
                )
                pending -= done
        finally:
            hurried.cancel()
        leftover = [task for task in self.tasks if not task.done()]
        for task in leftover:
            task.cancel()
        if leftover:
            log.warning("stopped %d job(s) that were still running", len(leftover))
            await asyncio.wait(leftover, timeout=1.0)


def build_scheduler(
    jobs: BotJobs,
    channels: Sequence[ChannelConfig],
    *,
    running: Running,
    now: datetime | None = None,
) -> AsyncIOScheduler:
    now = now or datetime.now(UTC)
    scheduler = AsyncIOScheduler(timezone=UTC, job_defaults=JOB_DEFAULTS)
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


def poll_wait(due: datetime | None, now: datetime, poll_seconds: float) -> float:
    """Seconds to sleep before the next poll cycle: until the earliest due source, at most
    `poll_seconds`, at least MIN_POLL_WAIT."""
    if due is None:
        return poll_seconds
    return min(poll_seconds, max(MIN_POLL_WAIT, (due - now).total_seconds()))


async def poll_loop(jobs: BotJobs, *, poll_seconds: float, stop: asyncio.Event) -> None:
    """Poll what is due, then sleep until the next source falls due; until `stop`."""
    while not stop.is_set():
        try:
            await jobs.poll()
        except Exception:  # a failed cycle must not kill the bot; the next one retries
            log.exception("poll failed")
        try:
            due = await jobs.next_poll_due()
        except Exception:
            log.exception("cannot read when the next source is due")
            due = None
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), poll_wait(due, datetime.now(UTC), poll_seconds))


async def _close_services(tasks: Sequence[asyncio.Task[None]], timeout: float) -> None:
    if not tasks:
        return
    _done, pending = await asyncio.wait(tasks, timeout=timeout)
    for task in pending:
        task.cancel()
    if pending:
        await asyncio.wait(pending, timeout=1.0)


async def run_forever(
    jobs: BotJobs,
    channels: Sequence[ChannelConfig],
    *,
    poll_seconds: float,
    stop: asyncio.Event | None = None,
    services: Sequence[Service] = (),
) -> None:
    """Poll, post and chat until SIGINT/SIGTERM (or `stop` is set); then stop within seconds.

    A poll in flight is cancelled (what it stored stays stored; its sources are due again); a
    digest post gets STOP_GRACE_SECONDS to finish, and a second signal cuts that short; chat
    clients close at the same time.
    """
    stop = stop or asyncio.Event()
    hurry = asyncio.Event()
    loop = asyncio.get_running_loop()

    def on_signal() -> None:
        if stop.is_set():
            hurry.set()
        stop.set()

    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):  # not on this platform
            loop.add_signal_handler(signum, on_signal)
    running = Running()
    scheduler = build_scheduler(jobs, channels, running=running)
    scheduler.start()
    for job in scheduler.get_jobs():
        log.info("scheduled %s; next at %s", job.name, job.next_run_time)
    poller = asyncio.create_task(poll_loop(jobs, poll_seconds=poll_seconds, stop=stop))
    chats = [asyncio.create_task(service(stop)) for service in services]
    try:
        await stop.wait()
    finally:
        log.info("stopping")
        # Pause first: the asyncio executor cancels whatever still runs when it shuts down.
        scheduler.pause()
        poller.cancel()
        await asyncio.gather(poller, return_exceptions=True)
        await asyncio.gather(
            running.drain(STOP_GRACE_SECONDS, hurry),
            _close_services(chats, STOP_GRACE_SECONDS),
        )
        scheduler.shutdown(wait=False)
        for signum in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.remove_signal_handler(signum)


def bot_jobs(core: Talentbrief) -> BotJobs:
    """The core's actions as the bot's jobs, with one log line for what each did."""

    async def poll() -> None:
        # Each failing source is logged by the poll cycle itself, with its count in a row.
        report = await core.poll(due_only=True)
        if report.sources:
            await core.alerts.tell_source_health()
            log.info(
                "polled %d source(s) in %.1fs: %d new, %d updated, %d not modified, %d failed",
                report.sources,
                report.seconds,
                report.new_items,
                report.updated_items,
                report.not_modified,
                len(report.failed),
            )
        if report.held_elsewhere:
            log.info("%d due source(s) are being polled by another process", report.held_elsewhere)

    async def digests(names: Sequence[str] | None) -> None:
        for outcome in await core.digests.post_due(names):
            if outcome.status in ("posted", "resumed"):
                log.info("digest for %s", outcome.describe())
            elif outcome.failed:
                log.warning("digest for %s", outcome.describe())

    return BotJobs(poll=poll, digests=digests, next_poll_due=core.next_poll_due)


async def run_bot(
    core: Talentbrief, *, once: bool, poll_seconds: float, stop: asyncio.Event | None = None
) -> int:
    """The `run` command: 0 on a clean stop; with `once`, 1 when a digest it owed failed."""
    await core.digests.check_channels()
    database = await core.open()
    dispatcher = Dispatcher(core)
    if once:
        await bot_jobs(core).poll()
        sent = await dispatcher.dispatch_once()
        if sent:
            log.info("handled %d alert message(s)", sent)
        outcomes = await core.digests.post_due()
        for outcome in outcomes:
            log.log(
                logging.WARNING if outcome.failed else logging.INFO,
                "digest for %s",
                outcome.describe(),
            )
        return 1 if any(outcome.failed for outcome in outcomes) else 0
    services = chat_services(core)
    log.info(
        "talentbrief is running: %d channel(s), chat on %s, storage %s; Ctrl-C stops",
        len(core.config.channels),
        ", ".join(name for name, _ in services) or "no platform (no chat token set)",
        database.safe_url,
    )
    await run_forever(
        bot_jobs(core),
        core.config.channels,
        poll_seconds=poll_seconds,
        stop=stop,
        services=[dispatcher.run, *(service for _, service in services)],
    )
    return 0
