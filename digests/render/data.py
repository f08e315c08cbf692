"""The digest as plain JSON-ready data (`talentbrief digest --format json`)."""

from __future__ import annotations

from typing import Any

from digests.model import Digest
from digests.render.entry import entry_text


def digest_to_data(digest: Digest) -> dict[str, Any]:
    return {
        "channel": digest.channel,
        "title": digest.title,
        "subtitle": digest.subtitle,
        "weekly": digest.weekly,
        "timezone": digest.timezone,
        "window_start": digest.window_start.isoformat(),
        "window_end": digest.window_end.isoformat(),
        "omitted": digest.omitted,
        "sections": [
            {
                "key": section.key,
                "title": section.title,
                "entries": [
                    {
                        "item_id": entry.item.id,
                        "item_ids": list(entry.item_ids),
                        "title": entry.item.title,
                        "url": entry.item.url,
                        "source": entry.item.source,
                        "also": list(entry.also),
                        "also_links": [
                            {"source": name, "url": url} for name, url in entry.also_links
                        ],
                        "published_at": entry.item.published_at.isoformat(),
                        "date": text.date,
                        "summary": text.summary,
                        "tags": dict(entry.tags),
                        "alert": entry.alert,
                        "doc_type": entry.item.doc_type,
                        "effective_on": _iso(entry.item.effective_on),
                        "comments_close_on": _iso(entry.item.comments_close_on),
                    }
                    for entry in section.entries
                    for text in [entry_text(entry, digest.timezone)]
                ],
            }
            for section in digest.sections
        ],
    }


def _iso(value: Any) -> str | None:
    return None if value is None else str(value.isoformat())
