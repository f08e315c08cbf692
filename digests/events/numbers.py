"""Numbers in a telling, as features both languages share: "$100,000" and "10万美元" are
n:100000; "331,602" and "33.1万" meet at ~:330000 (two significant figures); "35%" is n:35%;
a bare year is y:2025. Numbers under 10 and dates (10月1日) say nothing about the event."""

from __future__ import annotations

import re

NUMBER_WEIGHT = 1.2  # amounts of money, counts in the thousands, percentages
SMALL_NUMBER_WEIGHT = 0.6  # 10–999
APPROXIMATE_WEIGHT = 0.6
YEAR_WEIGHT = 0.3

_NUMBER = re.compile(
    r"(?<![\w.\-])(?P<currency>US\$|[A-Z]?\$|€|£|¥)?\s?"
    r"(?P<whole>\d{1,3}(?:,\d{3})+|\d+)(?:\.(?P<fraction>\d+))?"
    r"\s?(?P<unit>%|percent\b|per cent\b|million\b|billion\b|bn\b|thousand\b|[kK]\b|万|亿|千)?"
    r"(?P<after>[月日号])?"
)
_MULTIPLIER = {
    "million": 1e6,
    "billion": 1e9,
    "bn": 1e9,
    "thousand": 1e3,
    "k": 1e3,
    "K": 1e3,
    "万": 1e4,
    "亿": 1e8,
    "千": 1e3,
}


def _add(out: dict[str, float], key: str, weight: float) -> None:
    if weight > out.get(key, 0.0):
        out[key] = weight


def number_features(text: str, weight: float, out: dict[str, float], anchors: set[str]) -> None:
    for match in _NUMBER.finditer(text):
        if match["after"]:  # a date: 10月1日
            continue
        whole = match["whole"].replace(",", "")
        unit = match["unit"] or ""
        value = float(f"{whole}.{match['fraction'] or 0}")
        if unit in ("%", "percent", "per cent"):
            key = f"n:{value:g}%"
            _add(out, key, weight * NUMBER_WEIGHT)
            anchors.add(key)
            continue
        if not match["currency"] and not unit and len(whole) == 4 and 1900 <= value < 2100:
            _add(out, f"y:{whole}", weight * YEAR_WEIGHT)
            continue
        value *= _MULTIPLIER.get(unit, 1.0)
        if value < 10:
            continue
        exact = round(value)
        big = exact >= 1000 or bool(match["currency"])
        key = f"n:{exact}"
        _add(out, key, weight * (NUMBER_WEIGHT if big else SMALL_NUMBER_WEIGHT))
        anchors.add(key)
        if exact >= 1000:
            key = f"~:{round(exact, 2 - len(str(exact)))}"
            _add(out, key, weight * APPROXIMATE_WEIGHT)
            anchors.add(key)
