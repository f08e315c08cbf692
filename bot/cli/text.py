"""Plain-text output for the terminal: tables aligned by display width, readable times."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from datetime import UTC, datetime


def display_width(text: str) -> int:
    """Columns a terminal gives `text`: wide (CJK) characters take two, combining marks none."""
    width = 0
    for char in text:
        if unicodedata.combining(char) or unicodedata.category(char) in ("Mn", "Me", "Cf"):
            continue
        width += 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1
    return width


def fit(text: str, width: int) -> str:
    """`text` cut to `width` columns, with an ellipsis when something was cut."""
    if display_width(text) <= width:
        return text
    kept, used = [], 0
    for char in text:
        size = display_width(char)
        if used + size > width - 1:
            break
        kept.append(char)
        used += size
    return "".join(kept) + "…"


def pad(text: str, width: int, *, right: bool = False) -> str:
    gap = " " * max(0, width - display_width(text))
    return gap + text if right else text + gap


def table(
    headers: Sequence[str],
    rows: Sequence[Sequence[str]],
    *,
    right: Sequence[int] = (),
    max_widths: Sequence[int | None] = (),
) -> str:
    """Columns aligned by display width; the last column is never padded."""
    limits = list(max_widths) + [None] * (len(headers) - len(max_widths))
    cells = [
        [fit(cell, limit) if limit else cell for cell, limit in zip(row, limits, strict=True)]
        for row in rows
    ]
    widths = [
        max([display_width(headers[index]), *(display_width(row[index]) for row in cells)])
        for index in range(len(headers))
    ]
    lines = []
    for row in [list(headers), *cells]:
        padded = [
            cell if index == len(row) - 1 else pad(cell, widths[index], right=index in right)
            for index, cell in enumerate(row)
        ]
        lines.append("  ".join(padded).rstrip())
    return "\n".join(lines)


def when(moment: datetime | None) -> str:
    """A stored UTC time as `2026-03-02 08:00`, or `never`."""
    if moment is None:
        return "never"
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M")


def iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def plural(count: int, word: str, many: str | None = None) -> str:
    return f"{count} {word if count == 1 else (many or word + 's')}"
