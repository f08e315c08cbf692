"""The pieces of an entry every renderer shows, as unescaped one-line text."""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from digests.model import Entry
from digests.render.common import clean_tag, first_sentence, format_date, one_line

MAX_TAGS = 8


@dataclass(frozen=True, slots=True)
class EntryText:
    title: str
    url: str | None  # raw; each renderer makes it safe for its markup
    source: str
    also: tuple[str, ...]
    date: str
    doc_type: str
    rule_dates: str  # "Effective 1 Apr 2026 · Comments close 15 Mar 2026", or ""
    summary: str
    tags: tuple[str, ...]

    @property
    def meta(self) -> str:
        """ "Source · also: A, B · 2 Mar 2026 · Proposed Rule"."""
        parts = [self.source] if self.source else []
        if self.also:
            parts.append("also: " + ", ".join(self.also))
        parts.append(self.date)
        if self.doc_type:
            parts.append(self.doc_type)
        return " · ".join(parts)


def entry_text(entry: Entry, timezone: str) -> EntryText:
    item = entry.item
    zone = ZoneInfo(timezone)
    rule_dates = []
    if item.effective_on:
        rule_dates.append(f"Effective {format_date(item.effective_on)}")
    if item.comments_close_on:
        rule_dates.append(f"Comments close {format_date(item.comments_close_on)}")
    tags = tuple(tag for tag in (clean_tag(name) for name in item.tags if name != "alert") if tag)[
        :MAX_TAGS
    ]
    return EntryText(
        title=one_line(item.title) or "(untitled)",
        url=item.url,
        source=one_line(item.source),
        also=tuple(one_line(name) for name in entry.also if one_line(name)),
        date=format_date(item.published_at.astimezone(zone)),
        doc_type=one_line(item.doc_type),
        rule_dates=" · ".join(rule_dates),
        summary=first_sentence(item.summary),
        tags=(*tags, "alert") if item.alert else tags,
    )
