"""`talentbrief run`'s scheduler: triggers in each channel's zone, safe defaults, clean stops."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from bot.app import BotJobs, _Running, build_scheduler, channel_triggers, run_forever
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
        BotJobs(poll=_nothing, digests=_nothing), channels, poll_seconds=60, running=_Running()
    )
    scheduler.start(paused=True)  # job defaults are applied when the scheduler starts
    jobs = {job.id: job for job in scheduler.get_jobs()}
    scheduler.shutdown(wait=False)
    assert set(jobs) == {"poll", "digests:due", "digest:desk:0", "digest:desk:1", "digest:alerts:0"}
    for job in jobs.values():
        assert job.misfire_grace_time is None
        assert job.coalesce is True
        assert job.max_instances == 1
    assert jobs["digest:desk:1"].args == (["desk"],)
    assert jobs["digests:due"].args == (None,)


async def test_run_polls_and_heals_at_once_and_a_stop_lets_a_running_job_finish() -> None:
    stop = asyncio.Event()
    calls: list[str] = []
    finished: list[str] = []

    async def poll() -> None:
        calls.append("poll")
        await asyncio.sleep(0.3)  # still running when the stop arrives
        finished.append("poll")

    async def digests(names: Sequence[str] | None) -> None:
        calls.append(f"digests {names}")
        stop.set()

    await asyncio.wait_for(
        run_forever(BotJobs(poll=poll, digests=digests), [], poll_seconds=3600, stop=stop),
        timeout=10,
    )
    assert sorted(calls) == ["digests None", "poll"]
    assert finished == ["poll"]


async def test_a_failing_tick_is_logged_and_the_bot_goes_on() -> None:
    stop = asyncio.Event()

    async def poll() -> None:
        raise RuntimeError("feed server on fire")

    async def digests(_names: Sequence[str] | None) -> None:
        await asyncio.sleep(0.05)
        stop.set()

    await asyncio.wait_for(
        run_forever(BotJobs(poll=poll, digests=digests), [], poll_seconds=3600, stop=stop),
        timeout=10,
    )
