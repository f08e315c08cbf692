"""Bytes of one source → tagged `NewItem`s: parse → normalise → tag.

The offline demo goes through `items_from_body`; the poll cycle through `untagged_items` and
`tag_items` (it tags only the items it stores new or changed), the same steps.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from datetime import datetime

from feeds.entries import MAX_ENTRIES, ParsedFeed, ParseError
from feeds.federal_register import parse_documents
from feeds.normalize import normalize_entries
from feeds.parse import parse_feed
from feeds.tagging import Tagger
from storage.types import NewItem


def parse_body(
    kind: str,
    body: bytes,
    headers: Mapping[str, str] | None = None,
    *,
    max_entries: int = MAX_ENTRIES,
) -> ParsedFeed:
    """The document's entries; ParseError when it is not a feed we can read, whatever the
    parser tripped on (feedparser's loose parser raises on some hostile input, e.g. a
    character reference to a lone surrogate: found by tests/test_feed_fuzz.py)."""
    if kind == "federal_register":
        return parse_documents(body)
    try:
        return parse_feed(body, headers, max_entries=max_entries)
    except ParseError:
        raise
    except (ValueError, LookupError, TypeError, AttributeError, IndexError) as exc:
        reason = " ".join(str(exc).split())[:200]
        raise ParseError(f"unreadable feed ({type(exc).__name__}: {reason})") from exc


def tag_items(items: Sequence[NewItem], tagger: Tagger, hints: Sequence[str]) -> list[NewItem]:
    tagged = []
    for item in items:
        result = tagger.tag(
            item.title,
            item.summary,
            hints=hints,
            doc_type=item.doc_type,
            language=item.language,
        )
        tagged.append(
            dataclasses.replace(
                item, tags=dict(result.tags), alert=result.alert, reasons=dict(result.reasons)
            )
        )
    return tagged


def items_from_body(
    kind: str,
    body: bytes,
    headers: Mapping[str, str] | None,
    *,
    feed_url: str,
    fetched_at: datetime,
    tagger: Tagger,
    hints: Sequence[str] = (),
    max_entries: int = MAX_ENTRIES,
) -> tuple[list[NewItem], ParsedFeed]:
    """Parse, normalise and tag one fetched document. Raises `ParseError` if it is no feed."""
    items, parsed = untagged_items(
        kind, body, headers, feed_url=feed_url, fetched_at=fetched_at, max_entries=max_entries
    )
    return tag_items(items, tagger, hints), parsed


def untagged_items(
    kind: str,
    body: bytes,
    headers: Mapping[str, str] | None,
    *,
    feed_url: str,
    fetched_at: datetime,
    max_entries: int = MAX_ENTRIES,
) -> tuple[list[NewItem], ParsedFeed]:
    """Parse and normalise one fetched document; the poll tags only what it stores new."""
    parsed = parse_body(kind, body, headers, max_entries=max_entries)
    return normalize_entries(parsed, feed_url=feed_url, fetched_at=fetched_at), parsed
