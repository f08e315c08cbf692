"""Durations and moments as people type them: `30m`, `1h30m`, `7d`, `2026-03-01`, ISO times.

One reading for the config file, the CLI and chat, so `--since 2d` means the same everywhere.
"""

from __future__ import annotations

import ipaddress
import re
from datetime import date, datetime, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from storage.errors import BadInput

_DURATION = re.compile(r"(\d{1,12})\s*([smhdw])")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
# Beyond this a duration is a typo (and `datetime + timedelta` would overflow).
MAX_DURATION = 10 * 366 * 86400
# Real publishers should not be asked more often than this; loopback sources (tests, demos,
# a feed proxy on the same machine) may be polled faster.
MIN_POLL_INTERVAL = 60


def parse_duration(text: str | int) -> int:
    """'30m', '2h', '1h30m', '1d' or a number of seconds → seconds (0 < seconds ≤ 10 years)."""
    if isinstance(text, int) and not isinstance(text, bool):
        seconds = text
    else:
        compact = str(text).strip().lower().replace(" ", "")
        if compact.isdigit() and len(compact) <= 12:
            seconds = int(compact)
        else:
            parts = _DURATION.findall(compact)
            if not parts or "".join(n + u for n, u in parts) != compact:
                raise ValueError(f"{text!r} is not a duration; write e.g. 90s, 30m, 2h or 1d")
            seconds = sum(int(n) * _UNIT_SECONDS[u] for n, u in parts)
    if seconds <= 0:
        raise ValueError(f"{text!r} must be longer than zero")
    if seconds > MAX_DURATION:
        raise ValueError(f"{text!r} is longer than ten years")
    return seconds


def parse_since(
    text: str, *, now: datetime, timezone: str = "UTC", option: str = "--since"
) -> datetime:
    """A duration ago (`36h`, `2d`), a date (midnight in `timezone`) or an ISO date-time (in
    `timezone` unless it says otherwise) → an aware datetime."""
    text = text.strip()
    zone = ZoneInfo(timezone)
    if _DAY.fullmatch(text):
        try:
            return datetime.combine(date.fromisoformat(text), datetime.min.time(), zone)
        except ValueError:
            raise BadInput(f"{option} {text!r} is not a calendar date") from None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        try:
            return now - timedelta(seconds=parse_duration(text))
        except ValueError:
            raise BadInput(
                f"{option} {text!r}: give a duration (36h, 2d), a date (2026-03-01) or an ISO "
                "date-time"
            ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=zone)


def is_loopback_url(url: str) -> bool:
    """True when the URL's host is localhost or a loopback address literal."""
    try:
        host = (urlsplit(url).hostname or "").strip("[]")
    except ValueError:
        return False
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def interval_problem(url: str, seconds: int) -> str | None:
    """Why a poll interval is too short for this source, or None."""
    if seconds < MIN_POLL_INTERVAL and not is_loopback_url(url):
        return (
            f"an interval of {seconds}s is too short for a public feed: poll at most once a "
            "minute (1m or more)"
        )
    return None
