"""Feed bytes → entries, through feedparser.

feedparser only ever gets the bytes (wrapped in a stream) and the response headers: given a
string it would follow URLs or open local files (PITFALLS.md). HTML sanitising and relative-URI
resolution are off, because normalisation turns every HTML field into plain text and resolves
links itself; that roughly halves feedparser's time per feed.

Before feedparser sees a document, a defusedxml pass refuses XML entity declarations, which
feedparser's loose parser would otherwise expand (the "quadratic blowup"). Plain XML errors are
left for feedparser, which parses many malformed feeds fine; but a malformed document that also
declares entities is refused, because that is exactly what reaches the loose parser.
"""

from __future__ import annotations

import calendar
import io
import time
import xml.sax
import xml.sax.handler
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import defusedxml.sax
import feedparser
from defusedxml import DefusedXmlException

from feeds.entries import (
    MAX_AUTHOR,
    MAX_ENTRIES,
    MAX_ID,
    MAX_SUMMARY_HTML,
    MAX_TITLE,
    MAX_URL,
    ParsedFeed,
    ParseError,
    RawEntry,
    clip,
)
from feeds.parse_fast import parse_fast

# feedparser asks xml.sax for the libxml2 driver first; the failed import was retried for every
# feed (8 % of a poll's samples, with import-lock waits between threads). Expat is what it uses.
feedparser.api.PREFERRED_XML_PARSERS.clear()

# bozo exceptions that leave a perfectly usable feed.
_SURVIVABLE = (feedparser.CharacterEncodingOverride, feedparser.NonXMLContentType)
_ENTITY_MARKERS = tuple(
    "<!ENTITY".encode(codec)
    for codec in ("ascii", "utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be")
)
_TEXT_TYPES = ("text/plain",)


def refuse_entity_expansion(body: bytes) -> None:
    """Raise `ParseError` if the document declares XML entities (see the module docstring)."""
    try:
        defusedxml.sax.parseString(
            body,
            xml.sax.handler.ContentHandler(),
            forbid_dtd=False,
            forbid_entities=True,
            forbid_external=False,  # True would refuse the Netscape RSS 0.91 DOCTYPE
        )
    except DefusedXmlException as exc:
        raise ParseError(f"refused: the document declares XML entities ({exc})") from None
    except (xml.sax.SAXException, ValueError, LookupError):
        # Malformed, or an encoding expat does not know (GB2312, Big5…): feedparser copes.
        if any(marker in body for marker in _ENTITY_MARKERS):
            raise ParseError("refused: malformed XML that declares entities") from None


def _when(parsed: time.struct_time | None) -> datetime | None:
    """feedparser's dates are struct_time in UTC."""
    if not parsed:
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(parsed), UTC)
    except (OverflowError, ValueError, OSError):
        return None


def _detail_type(entry: Mapping[str, Any], key: str) -> str:
    detail = entry.get(f"{key}_detail") or {}
    return str(detail.get("type") or "text/html")


def _summary(entry: Mapping[str, Any]) -> tuple[str, bool]:
    """The entry's description, else its full content; and whether it is HTML."""
    summary = entry.get("summary")
    if summary:
        return str(summary), _detail_type(entry, "summary") not in _TEXT_TYPES
    for content in entry.get("content") or ():
        value = content.get("value")
        if value:
            return str(value), str(content.get("type") or "text/html") not in _TEXT_TYPES
    return "", False


def _language(entry: Mapping[str, Any]) -> str | None:
    for key in ("title_detail", "summary_detail"):
        detail = entry.get(key) or {}
        if detail.get("language"):
            return str(detail["language"])
    return None


def _raw_entry(entry: dict[str, Any]) -> RawEntry:
    summary, summary_is_html = _summary(entry)
    link = entry.get("link")
    entry_id = entry.get("id")
    return RawEntry(
        title=clip(str(entry.get("title") or ""), MAX_TITLE) or "",
        title_is_html=_detail_type(entry, "title") not in _TEXT_TYPES,
        entry_id=clip(str(entry_id), MAX_ID) if entry_id else None,
        link=clip(str(link), MAX_URL) if link else None,
        summary=clip(summary, MAX_SUMMARY_HTML) or "",
        summary_is_html=summary_is_html,
        author=clip(str(entry.get("author") or ""), MAX_AUTHOR) or None,
        # dict.get: FeedParserDict.get would quietly map a missing updated to published.
        published=_when(dict.get(entry, "published_parsed")),
        updated=_when(dict.get(entry, "updated_parsed")),
        language=_language(entry),
    )


def parse_feed(
    body: bytes, headers: Mapping[str, str] | None = None, *, max_entries: int = MAX_ENTRIES
) -> ParsedFeed:
    """Parse RSS 0.9x/1.0/2.0 or Atom bytes; raise `ParseError` if the body is not a feed.

    Keeps the first `max_entries` entries (`ParsedFeed.total_entries` says how many there were).
    """
    if not body or body.isspace():
        raise ParseError("empty response body")
    headers = dict(headers or {})
    fast = parse_fast(body, headers, max_entries)
    if fast is not None:
        return _parsed(fast.version, fast.feed, fast.entries, fast.total_entries, headers)
    return parse_with_feedparser(body, headers, max_entries=max_entries)


def parse_with_feedparser(
    body: bytes, headers: Mapping[str, str] | None = None, *, max_entries: int = MAX_ENTRIES
) -> ParsedFeed:
    """`parse_feed` without the fast path: feedparser for every document."""
    if not body or body.isspace():
        raise ParseError("empty response body")
    headers = dict(headers or {})
    refuse_entity_expansion(body)
    result = feedparser.parse(
        io.BytesIO(body),
        response_headers=headers,
        sanitize_html=False,
        resolve_relative_uris=False,
    )
    warnings: list[str] = []
    if result.get("bozo"):
        problem = result.get("bozo_exception")
        if not result.get("version"):
            raise ParseError(f"not a feed: {_first_line(problem)}")
        if not isinstance(problem, _SURVIVABLE):
            warnings.append(f"malformed feed, parsed leniently: {_first_line(problem)}")
    if not result.get("version"):
        raise ParseError("not a feed (an HTML page or another document)")
    entries = result.get("entries") or []
    return _parsed(
        str(result.get("version")),
        result.get("feed") or {},
        entries[:max_entries],
        len(entries),
        headers,
        warnings=tuple(warnings),
    )


def _parsed(
    version: str,
    feed: Mapping[str, Any],
    entries: Sequence[dict[str, Any]],
    total_entries: int,
    headers: Mapping[str, str],
    *,
    warnings: tuple[str, ...] = (),
) -> ParsedFeed:
    return ParsedFeed(
        entries=tuple(_raw_entry(entry) for entry in entries),
        title=clip(str(feed.get("title") or ""), MAX_TITLE) or None,
        language=str(feed.get("language") or "") or headers.get("content-language"),
        format=version,
        warnings=warnings,
        total_entries=total_entries,
    )


def _first_line(problem: object) -> str:
    text = str(problem or "unknown problem").strip() or type(problem).__name__
    return text.splitlines()[0][:300]
