"""A channel's schedule: its periods, the key that makes each period post once, the next slot.

A schedule is a list of entries, each a time of day ("08:00", read in the channel's IANA time
zone, on `days` or every day) or a five-field cron expression. The *current period* of a channel
is its latest slot at or before now; the period key is that slot in UTC, so "did this period
post?" is one lookup, and a bot that was down simply finds the current period unposted.

Cron expressions follow crontab, where day-of-week 0 and 7 are Sunday. APScheduler 3.x counts
0 as Monday, so numeric days are translated to names before APScheduler sees them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_CRONTAB_DAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat", "sun")  # 0..7
# Windows to look back for a cron's latest fire time: short first, so frequent crons stay cheap.
_CRON_LOOKBACK = (
    timedelta(hours=1),
    timedelta(days=1),
    timedelta(days=8),
    timedelta(days=32),
    timedelta(days=367),
)
_SECOND = timedelta(seconds=1)


@dataclass(frozen=True, slots=True)
class Period:
    """One scheduled digest of a channel."""

    key: str  # the slot in UTC, e.g. "2026-03-02T13:00Z"
    at: datetime  # the slot, aware, in the channel's time zone
    weekly: bool  # the weekly edition (with its chart)


def is_time_of_day(entry: str) -> bool:
    parts = entry.split(":")
    return len(parts) == 2 and all(part.isdigit() for part in parts)


def _crontab_day_names(field: str) -> str:
    """Translate a crontab day-of-week field to names (so 0 and 7 mean Sunday)."""
    names: list[str] = []
    for part in field.split(","):
        body, _, step_text = part.partition("/")
        step = int(step_text) if step_text else 1
        if body == "*":
            first, last = 0, 6
        elif "-" in body:
            start, end = body.split("-", 1)
            if not (start.isdigit() and end.isdigit()):
                names.append(part)  # names (mon-fri) mean the same to both
                continue
            first, last = int(start), int(end)
        elif body.isdigit():
            first = int(body)
            last = 6 if step_text else first
        else:
            names.append(part)
            continue
        if not step_text and body == "*":
            return "*"
        if not (0 <= first <= 7 and 0 <= last <= 7):
            raise ValueError(f"day of week {part!r} is out of range 0-7")
        for number in range(first, last + 1, step):
            if _CRONTAB_DAYS[number] not in names:
                names.append(_CRONTAB_DAYS[number])
    return ",".join(names)


def cron_trigger(expression: str, timezone: str) -> CronTrigger:
    """An APScheduler trigger for a crontab expression, with crontab's day-of-week numbers."""
    fields = expression.split()
    if len(fields) != 5:
        raise ValueError(f"{expression!r} is not a five-field cron expression")
    fields[4] = _crontab_day_names(fields[4])
    return CronTrigger.from_crontab(" ".join(fields), timezone=ZoneInfo(timezone))


def _daily_slots(
    entry: str, zone: ZoneInfo, days: Sequence[str], around: datetime, span: range
) -> list[datetime]:
    hour, minute = (int(part) for part in entry.split(":"))
    local_day = around.astimezone(zone).date()
    slots = []
    for offset in span:
        day = local_day + timedelta(days=offset)
        if days and WEEKDAYS[day.weekday()] not in days:
            continue
        slots.append(datetime.combine(day, time(hour, minute), zone))
    return slots


def _latest_cron_fire(trigger: CronTrigger, now: datetime) -> datetime | None:
    for lookback in _CRON_LOOKBACK:
        fire: datetime | None = trigger.get_next_fire_time(None, now - lookback)
        if fire is None or fire > now:
            continue
        while True:
            following: datetime | None = trigger.get_next_fire_time(None, fire + _SECOND)
            if following is None or following > now:
                return fire
            fire = following
    return None


def latest_slot(
    schedule: Sequence[str], timezone: str, days: Sequence[str], now: datetime
) -> datetime | None:
    """The latest scheduled slot at or before `now` (aware, in the channel's zone)."""
    zone = ZoneInfo(timezone)
    found: list[datetime] = []
    for entry in schedule:
        if is_time_of_day(entry):
            slots = _daily_slots(entry, zone, days, now, range(-8, 1))
            found.extend(slot for slot in slots if slot <= now)
        else:
            fire = _latest_cron_fire(cron_trigger(entry, timezone), now)
            if fire is not None:
                found.append(fire)
    return max(found).astimezone(zone) if found else None


def next_slot(
    schedule: Sequence[str], timezone: str, days: Sequence[str], now: datetime
) -> datetime | None:
    """The first scheduled slot strictly after `now`."""
    zone = ZoneInfo(timezone)
    found: list[datetime] = []
    for entry in schedule:
        if is_time_of_day(entry):
            slots = _daily_slots(entry, zone, days, now, range(0, 9))
            found.extend(slot for slot in slots if slot > now)
        else:
            fire = cron_trigger(entry, timezone).get_next_fire_time(None, now + _SECOND)
            if fire is not None:
                found.append(fire)
    return min(found).astimezone(zone) if found else None


def period_key(slot: datetime) -> str:
    return slot.astimezone(UTC).strftime("%Y-%m-%dT%H:%MZ")


def current_period(
    schedule: Sequence[str],
    timezone: str,
    days: Sequence[str],
    now: datetime,
    *,
    weekly: str | None = None,
) -> Period | None:
    """The period a digest posted now belongs to: the latest slot at or before `now`."""
    slot = latest_slot(schedule, timezone, days, now)
    if slot is None:
        return None
    return Period(
        key=period_key(slot),
        at=slot,
        weekly=weekly is not None and WEEKDAYS[slot.weekday()] == weekly,
    )


def previous_slot(
    schedule: Sequence[str], timezone: str, days: Sequence[str], slot: datetime
) -> datetime | None:
    """The slot before `slot`: where a channel's very first digest starts selecting."""
    return latest_slot(schedule, timezone, days, slot - _SECOND)
