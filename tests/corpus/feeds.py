"""Small RSS 2.0 feeds, N feeds × M items, from the field's vocabulary (`vocabulary`).

Used by the ingestion acceptance tests (200 feeds × 50 items). Every
item has a unique guid, link and title; `overrides` replaces the title of chosen items so a
test can change one story and watch it update.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from xml.sax.saxutils import escape

from tests.corpus.vocabulary import TOPICS

_TOPIC_IDS = list(TOPICS)


def _pick(words: Sequence[str], index: int) -> str:
    return words[index % len(words)]


def corpus_item(feed: int, item: int, title: str | None = None) -> dict[str, str]:
    words = TOPICS[_pick(_TOPIC_IDS, feed * 7 + item)]
    subject = _pick(words["subjects"], feed + item)
    event = f"{_pick(words['verbs'], feed * 3 + item)} {_pick(words['objects'], item * 5 + feed)}"
    detail = _pick(words["details"], feed + item * 3)
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
