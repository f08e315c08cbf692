"""`talentbrief run`'s scheduler: triggers in each channel's zone, safe defaults, clean stops."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.app import BotJobs, Running, build_scheduler, channel_triggers, poll_wait, run_forever
from bot.config import ChannelConfig

NEW_YORK = ZoneInfo("America/New_York")


def _channel(**settings: object) -> ChannelConfig:
    return ChannelConfig.model_validate({"name": "desk", **settings})


def test_times_of_day_fire_in_the_channel_zone_on_its_days() -> None:
    channel = _channel(schedule=["08:00"], timezone="America/New_York", days=["mon", "fri"])
    [trigger] = channel_triggers(channel)
    saturday_noon = datetime(2026, 3, 7, 12, 0, tzinfo=NEW_YORK)
    fire = trigger.get_next_fire_time(None, saturday_noon)
    assert fire == datetime(2026, 3, 9, 8, 0, tzinfo=NEW_YORK)  # Monday, not Sunday
    # Daylight saving started on 8 March: 08:00 local is 12:00 UTC, not 13:00.
    assert fire.astimezone(UTC).hour == 12


def test_cron_entries_read_day_numbers_as_crontab_does() -> None:
    channel = _channel(schedule=["30 7 * * 1-5", "0 9 * * 7"], timezone="Europe/London")
    weekday, sunday = channel_triggers(channel)
    saturday = datetime(2026, 3, 7, 12, 0, tzinfo=UTC)
    assert weekday.get_next_fire_time(None, saturday).weekday() == 0  # Monday
    assert sunday.get_next_fire_time(None, saturday).weekday() == 6


async def _nothing(*_args: object) -> None:
    return None


async def test_every_job_tolerates_lateness_and_never_overlaps_itself() -> None:
    channels = [
        _channel(schedule=["08:00", "17:30"]),
        _channel(name="alerts", schedule="0 * * * *"),
    ]
    scheduler = build_scheduler(
        BotJobs(poll=_nothing, digests=_nothing), channels, running=Running()
    )
    scheduler.start(paused=True)  # job defaults are applied when the scheduler starts
    jobs = {job.id: job for job in scheduler.get_jobs()}
    scheduler.shutdown(wait=False)
    assert set(jobs) == {"digests:due", "digest:desk:0", "digest:desk:1", "digest:alerts:0"}
    for job in jobs.values():
        assert job.misfire_grace_time is None
        assert job.coalesce is True
        assert job.max_instances == 1
    assert jobs["digest:desk:1"].args == (["desk"],)
    assert jobs["digests:due"].args == (None,)


async def test_run_polls_and_heals_at_once_and_a_stop_lets_a_running_post_finish() -> None:
    stop = asyncio.Event()
    calls: list[str] = []
    finished: list[str] = []

    async def poll() -> None:
        calls.append("poll")

    async def digests(names: Sequence[str] | None) -> None:
        calls.append(f"digests {names}")
        stop.set()
        await asyncio.sleep(0.3)  # still posting when the stop arrives
        finished.append("digests")

    await asyncio.wait_for(
        run_forever(BotJobs(poll=poll, digests=digests), [], poll_seconds=3600, stop=stop),
        timeout=10,
    )
    assert sorted(calls) == ["digests None", "poll"]
    assert finished == ["digests"]


async def test_a_stop_cancels_a_poll_in_flight_at_once() -> None:
    stop = asyncio.Event()
    cancelled: list[str] = []

    async def poll() -> None:
        stop.set()
        try:
            await asyncio.sleep(30)  # a fetch that would take the whole timeout
        except asyncio.CancelledError:
            cancelled.append("poll")
            raise

    loop = asyncio.get_running_loop()
    started = loop.time()
    await asyncio.wait_for(
        run_forever(BotJobs(poll=poll, digests=_nothing), [], poll_seconds=3600, stop=stop),
        timeout=10,
    )
    assert cancelled == ["poll"]
    assert loop.time() - started < 5


async def test_a_failing_poll_is_logged_with_its_traceback_and_the_next_cycle_runs(
    caplog: pytest.LogCaptureFixture,
) -> None:
    stop = asyncio.Event()
    cycles: list[int] = []

    async def poll() -> None:
        cycles.append(len(cycles) + 1)
        if len(cycles) == 1:
            raise RuntimeError("feed server on fire")
        stop.set()

    async def due_now() -> datetime:
        return datetime.now(UTC)  # so the next cycle comes after the shortest wait

    caplog.set_level(logging.ERROR, logger="bot.app")
    await asyncio.wait_for(
        run_forever(
            BotJobs(poll=poll, digests=_nothing, next_poll_due=due_now),
            [],
            poll_seconds=3600,
            stop=stop,
        ),
        timeout=10,
    )
    assert cycles == [1, 2]
    [record] = [r for r in caplog.records if r.getMessage() == "poll failed"]
    assert record.exc_info is not None and "feed server on fire" in str(record.exc_info[1])


def test_the_poll_loop_sleeps_until_the_next_source_is_due() -> None:
    now = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
    assert poll_wait(now + timedelta(seconds=5), now, 60) == 5
    assert poll_wait(now + timedelta(minutes=10), now, 60) == 60  # at most poll_seconds
    assert poll_wait(now - timedelta(minutes=1), now, 60) == 1  # overdue: soon, not a spin
    assert poll_wait(None, now, 60) == 60
