"""A synthetic but realistic corpus: N RSS 2.0 feeds × M items on the field's topics.

Used by the ingestion acceptance tests (200 feeds × 50 items) and by bench/ingest.py. Every
item has a unique guid, link and title; `overrides` replaces the title of chosen items so a
test can change one story and watch it update.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from xml.sax.saxutils import escape

_SUBJECTS = (
    "USCIS",
    "The State Department",
    "DHS",
    "The Commerce Department",
    "A Senate committee",
    "Tsinghua University",
    "A Westlake University lab",
    "The National Science Foundation",
    "Researchers at MIT",
    "An industry survey",
)
_EVENTS = (
    "proposes new H-1B lottery weighting for advanced-degree holders",
    "pauses interviews for F-1 student visas at two consulates",
    "adds eleven Chinese universities to the Entity List",
    "expands STEM OPT eligibility to data science programs",
    "recruits returning scientists under the Qiming program",
    "publishes research security training requirements under NSPM-33",
    "reports a drop in Chinese graduate students enrolling in the US",
    "hires AI researchers who left US labs for Hangzhou",
    "revokes visas of researchers linked to military-civil fusion",
    "launches a fellowship to keep foreign-born PhDs in the US",
)
_DETAILS = (
    "Officials said the change would take effect after a 60-day comment period.",
    "University international offices warned of delays for the autumn semester.",
    "The notice cites Proclamation 10043 and names affected fields of study.",
    "Analysts said the move would accelerate brain circulation toward China.",
    "The report draws on SEVIS data and Open Doors figures for 2024–25.",
)


def corpus_item(feed: int, item: int, title: str | None = None) -> dict[str, str]:
    subject = _SUBJECTS[(feed + item) % len(_SUBJECTS)]
    event = _EVENTS[(feed * 7 + item) % len(_EVENTS)]
    detail = _DETAILS[(feed + item * 3) % len(_DETAILS)]
    when = datetime(2026, 3, 2, 12, 0, tzinfo=UTC) - timedelta(hours=feed + item * 5)
    return {
        "title": title or f"{subject} {event} (report {feed}-{item})",
        "link": f"https://news{feed % 17}.example.org/{feed}/stories/{item}?utm_source=rss",
        "guid": f"https://news{feed % 17}.example.org/?p={feed * 1000 + item}",
        "description": f"<p><strong>{subject}</strong> {event}.</p><p>{detail}</p>",
        "pubDate": format_datetime(when, usegmt=True),
    }


def corpus_feed(feed: int, items: int = 50, overrides: Mapping[int, str] | None = None) -> bytes:
    overrides = overrides or {}
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>',
        f"<title>Talent wire {feed}</title><link>https://news{feed % 17}.example.org/</link>",
        "<description>Synthetic feed for tests</description><language>en-us</language>",
    ]
    for item in range(items):
        fields = corpus_item(feed, item, overrides.get(item))
        parts.append(
            "<item>"
            + "".join(f"<{name}>{escape(value)}</{name}>" for name, value in fields.items())
            + "</item>"
        )
    parts.append("</channel></rss>\n")
    return "\n".join(parts).encode("utf-8")
