"""What the parsers hand to normalisation: entries as the source wrote them, before cleaning."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from storage.errors import TalentbriefError

# What a source can be: an RSS/Atom feed, or a Federal Register documents.json search.
KINDS = ("feed", "federal_register")

# Caps on what one entry may carry, so a hostile or broken feed cannot bloat the archive.
MAX_ENTRIES = 1000
MAX_TITLE = 1000
MAX_SUMMARY_HTML = 100_000
MAX_URL = 2000
MAX_ID = 1000
MAX_AUTHOR = 200


class ParseError(TalentbriefError):
    """The body is not a feed (or not the JSON the source kind expects)."""


@dataclass(frozen=True, slots=True)
class RawEntry:
    title: str
    entry_id: str | None = None  # guid / atom:id / document number
    link: str | None = None
    summary: str = ""  # HTML unless summary_is_html is False
    summary_is_html: bool = True
    title_is_html: bool = False
    author: str | None = None
    published: datetime | None = None  # aware UTC
    updated: datetime | None = None
    language: str | None = None
    # Government document metadata (the Federal Register).
    doc_type: str | None = None
    document_number: str | None = None
    agencies: tuple[str, ...] = ()
    effective_on: date | None = None
    comments_close_on: date | None = None


@dataclass(frozen=True, slots=True)
class ParsedFeed:
    entries: tuple[RawEntry, ...]
    title: str | None = None
    language: str | None = None
    format: str = ""  # feedparser's version (rss20, atom10, rss10, …) or "federal_register"
    warnings: tuple[str, ...] = field(default_factory=tuple)
    total_entries: int = 0  # entries in the document; more than len(entries) when capped

    @property
    def entries_cut(self) -> int:
        """Entries beyond the cap that were not kept."""
        return max(0, self.total_entries - len(self.entries))


def clip(text: str | None, limit: int) -> str | None:
    if text is None:
        return None
    return text if len(text) <= limit else text[:limit]
