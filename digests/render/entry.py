"""The pieces of an entry every renderer shows, as unescaped one-line text, and the meta line
with each other outlet linked to its own telling ("also: A, B" with links)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from digests.model import Entry
from digests.render.common import (
    clean_tag,
    first_sentence,
    fit,
    format_date,
    one_line,
    utf16_len,
)

MAX_TAGS = 8


@dataclass(frozen=True, slots=True)
class EntryText:
    title: str
    url: str | None  # raw; each renderer makes it safe for its markup
    source: str
    also: tuple[str, ...]
    also_urls: tuple[str | None, ...]  # each other outlet's own telling (raw, like `url`)
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

    def linked_meta(
        self,
        escape: Callable[[str], str],
        link: Callable[[str, str | None], str | None],
        limit: int,
    ) -> str:
        """The meta line in a renderer's markup, each "also" outlet linked.

        `escape` makes feed text safe for the markup; `link(label, url)` turns an escaped label
        and a raw URL into a link, or None when the URL is unusable (the name is shown bare).
        The line stays within `limit`: outlets that do not fit are counted ("+3 more"), so no
        link is ever cut in half.
        """
        separator = escape(" · ")
        head = fit(self.source, limit // 4, escape) if self.source else ""
        tail = fit(" · ".join(p for p in (self.date, self.doc_type) if p), limit // 4, escape)
        lead_in = escape("also: ")
        budget = limit - sum(map(utf16_len, (head, tail, lead_in))) - 2 * utf16_len(separator)
        pieces: list[str] = []
        used = 0
        for position, (name, url) in enumerate(zip(self.also, self.also_urls, strict=True)):
            label = fit(name, 80, escape)
            piece = link(label, url) or label
            after = len(self.also) - position - 1
            reserve = utf16_len(f", +{after} more") if after else 0
            cost = utf16_len(piece) + (2 if pieces else 0)
            if used + cost + reserve > budget:  # the previous round left room for this note
                pieces.append(escape(f"+{len(self.also) - position} more"))
                break
            pieces.append(piece)
            used += cost
        parts = [head] if head else []
        if pieces:
            parts.append(lead_in + ", ".join(pieces))
        parts.append(tail)
        return separator.join(part for part in parts if part)


def entry_text(entry: Entry, timezone: str) -> EntryText:
    item = entry.item
    zone = ZoneInfo(timezone)
    links = [(name, url) for name, url in entry.also_links if one_line(name)]
    rule_dates = []
    if item.effective_on:
        rule_dates.append(f"Effective {format_date(item.effective_on)}")
    if item.comments_close_on:
        rule_dates.append(f"Comments close {format_date(item.comments_close_on)}")
    tags = tuple(tag for tag in (clean_tag(name) for name in entry.tags if name != "alert") if tag)[
        :MAX_TAGS
    ]
    return EntryText(
        title=one_line(item.title) or "(untitled)",
        url=item.url,
        source=one_line(item.source),
        also=tuple(one_line(name) for name, _ in links),
        also_urls=tuple(url for _, url in links),
        date=format_date(item.published_at.astimezone(zone)),
        doc_type=one_line(item.doc_type),
        rule_dates=" · ".join(rule_dates),
        summary=first_sentence(item.summary),
        tags=(*tags, "alert") if entry.alert else tags,
    )
