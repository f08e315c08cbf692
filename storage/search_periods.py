"""Period tokens of the search document: the published day and the periods containing it.

A date filter (`since:`, `until:`) becomes the fewest period tokens whose union is exactly its
days, so both engines answer it from the index like any other word (storage/search_text.py).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

# Years outside this range are clamped for the period tokens.
FIRST_DAY = date(1900, 1, 1)
LAST_DAY = date(2199, 12, 31)


def _clamp(day: date) -> date:
    return min(max(day, FIRST_DAY), LAST_DAY)


def day_tokens(day: date) -> list[str]:
    """The published day and every period containing it: century, decade, year, month."""
    day = _clamp(day)
    return [
        f"_c{day.year // 100}",
        f"_e{day.year // 10}",
        f"_y{day.year}",
        f"_m{day.year}{day.month:02d}",
        f"_d{day.year}{day.month:02d}{day.day:02d}",
    ]


def _month_end(day: date) -> date:
    following = date(day.year + (day.month == 12), day.month % 12 + 1, 1)
    return following - timedelta(days=1)


def range_tokens(since: date | None, until: date | None) -> list[str]:
    """The fewest period tokens whose union is exactly the days since…until (inclusive)."""
    first = _clamp(since or FIRST_DAY)
    last = _clamp(until or LAST_DAY)
    tokens: list[str] = []
    day = first
    while day <= last:
        periods = (
            (day.month == 1 and day.day == 1 and day.year % 100 == 0, 100, "c"),
            (day.month == 1 and day.day == 1 and day.year % 10 == 0, 10, "e"),
            (day.month == 1 and day.day == 1, 1, "y"),
        )
        for aligned, years, kind in periods:
            end = date(day.year + years - 1, 12, 31) if aligned else None
            if end is not None and end <= last:
                tokens.append(f"_{kind}{day.year // years}")
                day = end + timedelta(days=1)
                break
        else:
            end = _month_end(day)
            if day.day == 1 and end <= last:
                tokens.append(f"_m{day.year}{day.month:02d}")
                day = end + timedelta(days=1)
            else:
                tokens.append(f"_d{day.year}{day.month:02d}{day.day:02d}")
                day += timedelta(days=1)
        if day > LAST_DAY:
            break
    return tokens


def utc_day(moment: datetime) -> date:
    if moment.tzinfo is None:
        return moment.date()  # stored naive values are UTC
    return moment.astimezone(UTC).date()
