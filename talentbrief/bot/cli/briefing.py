"""A small terminal briefing for `talentbrief demo`: alerts first, then items per topic.

Deliberately minimal and self-contained; the digest renderers (talentbrief.digests) are the
real thing and can replace `print_briefing` wholesale.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from typing import TextIO

from talentbrief.storage.types import StoredItem

TOPICS = (
    "visa-policy",
    "talent-programs",
    "returnees",
    "research-security",
    "export-controls",
    "student-mobility",
    "ai-talent",
)


def _clean(text: str, limit: int) -> str:
    """Feed text is untrusted: no control characters (terminal escapes) reach the terminal."""
    text = "".join(ch for ch in text if unicodedata.category(ch) not in ("Cc", "Cf"))
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _line(item: StoredItem) -> str:
    meta = [item.published_at.date().isoformat()]
    if item.doc_type:
        meta.insert(0, item.doc_type)
    if item.source:
        meta.insert(0, item.source.removeprefix("Sample: "))
    return f"{_clean(item.title, 140)}  ({_clean(', '.join(meta), 100)})"


def _topic(item: StoredItem) -> str | None:
    """The item's strongest known topic, so a story is listed once."""
    ranked = sorted(item.tags.items(), key=lambda kv: (-kv[1], kv[0]))
    for tag, _score in ranked:
        if tag in TOPICS:
            return tag
    return ranked[0][0] if ranked else None


def print_briefing(items: Sequence[StoredItem], out: TextIO, *, per_topic: int = 5) -> None:
    newest = sorted(items, key=lambda i: i.published_at, reverse=True)
    alerts = [item for item in newest if item.alert]
    if alerts:
        print("POLICY ALERTS", file=out)
        for item in alerts:
            print(f"  ! {_line(item)}", file=out)
            why = item.reasons.get("alert")
            if why:
                print(f"      why: {_clean('; '.join(why), 160)}", file=out)
            if item.effective_on or item.comments_close_on:
                dates = []
                if item.effective_on:
                    dates.append(f"effective {item.effective_on.isoformat()}")
                if item.comments_close_on:
                    dates.append(f"comments close {item.comments_close_on.isoformat()}")
                print(f"      {', '.join(dates)}", file=out)
        print(file=out)
    shown = {item.id for item in alerts}
    sections: dict[str, list[StoredItem]] = {}
    for item in newest:
        if item.id not in shown:
            sections.setdefault(_topic(item) or "other", []).append(item)
    order = [t for t in TOPICS if t in sections]
    order += sorted(t for t in sections if t not in TOPICS and t != "other")
    order += ["other"] if "other" in sections else []
    for topic in order:
        listed = sections[topic]
        print(topic.replace("-", " ").upper(), file=out)
        for item in listed[:per_topic]:
            print(f"  • {_line(item)}", file=out)
            if item.url:
                print(f"    {_clean(item.url, 200)}", file=out)
        if len(listed) > per_topic:
            print(f"    … and {len(listed) - per_topic} more", file=out)
        print(file=out)
