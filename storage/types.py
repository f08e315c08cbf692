"""Small frozen types that cross package boundaries.

`feeds` builds `NewItem`s and hands them to `storage.items.store_items`; `digests` and `bot`
read `StoredItem`s back. Storage never imports the packages that produce these.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime


@dataclass(frozen=True, slots=True)
class NewItem:
    """A normalised, tagged entry ready to store."""

    key: str
    title: str
    published_at: datetime  # timezone-aware UTC
    summary: str = ""
    url: str | None = None
    canonical_url: str | None = None
    entry_id: str | None = None  # the feed's own id (guid / Federal Register document number)
    author: str | None = None
    language: str | None = None
    doc_type: str | None = None
    document_number: str | None = None
    agencies: tuple[str, ...] = ()
    effective_on: date | None = None
    comments_close_on: date | None = None
    tags: Mapping[str, float] = field(default_factory=dict)  # tag -> score
    alert: bool = False
    reasons: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # tag/"alert" -> why


@dataclass(frozen=True, slots=True)
class StoreResult:
    new_items: int = 0
    updated_items: int = 0
    unchanged_items: int = 0
    # What alert matching looks at: the items this store inserted, and the stored items it
    # updated from not-an-alert to an alert.
    new_ids: tuple[int, ...] = ()
    newly_alert_ids: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class StoredItem:
    """An item as the readers of the archive (digests, search, chat) see it."""

    id: int
    key: str
    title: str
    summary: str
    url: str | None
    published_at: datetime
    first_seen_at: datetime
    source: str | None  # name of the first source that carried it
    sources: tuple[str, ...]  # every source that carried it
    tags: Mapping[str, float]
    alert: bool
    reasons: Mapping[str, tuple[str, ...]]
    language: str | None = None
    doc_type: str | None = None
    agencies: tuple[str, ...] = ()
    effective_on: date | None = None
    comments_close_on: date | None = None
    source_priority: int = 0


@dataclass(frozen=True, slots=True)
class RetagRow:
    """What the tagger needs to tag a stored item again, and what it said last time."""

    id: int
    title: str
    summary: str
    hint_tags: tuple[str, ...]  # the hints of every source that carried the item
    doc_type: str | None
    language: str | None
    tags: Mapping[str, float]
    alert: bool
    reasons: Mapping[str, tuple[str, ...]]


@dataclass(frozen=True, slots=True)
class SearchHit:
    """One search result, as chat, the CLI and the JSON output show it."""

    id: int
    title: str
    url: str | None
    source: str | None
    published: datetime
    tags: tuple[str, ...]
    alert: bool
    snippet: str  # from the summary (else the title), matched words between highlight marks
    score: float  # relevance blended with recency and the alert flag, 0…1
