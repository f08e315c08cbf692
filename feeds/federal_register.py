"""The Federal Register API (documents.json search) → entries.

The Federal Register is where US visa and research-security rules appear first, so its entries
keep what a reader acts on: the document type (Rule, Proposed Rule, Notice, Presidential
Document), the agencies, and the publication, effective and comment-close dates. The document
number is the stable id.

The API clamps silently (SOURCES.md): `per_page` outside 2..2000 becomes 20, and `page` above 50
or `page × per_page` above 10,000 goes back to page 1. `request_url` keeps a source's URL inside
those bounds, orders it newest first, and asks by name for the fields search results leave out
(`effective_on`, `comments_close_on`, `action`).
"""

from __future__ import annotations

import json
from datetime import date, datetime, time
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit
from zoneinfo import ZoneInfo

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

FIELDS = (
    "abstract",
    "action",
    "agencies",
    "comments_close_on",
    "document_number",
    "effective_on",
    "html_url",
    "pdf_url",
    "publication_date",
    "title",
    "type",
)
MAX_PER_PAGE = 1000  # the API allows 2000; SOURCES.md advises staying at or below 1000
MIN_PER_PAGE = 2
MAX_PAGE = 50
MAX_RESULTS_DEPTH = 10_000
# An issue of the Federal Register is dated in Washington; its documents go public that morning.
_ISSUE_ZONE = ZoneInfo("America/New_York")


def request_url(url: str) -> str:
    """The URL to fetch for a source: clamps respected, newest first, our fields requested.

    Raises `ValueError` for a page the API would silently replace with page 1.
    """
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    names = {name for name, _ in query}
    per_page = _int_param(query, "per_page")
    if per_page is not None and not MIN_PER_PAGE <= per_page <= MAX_PER_PAGE:
        clamped = min(max(per_page, MIN_PER_PAGE), MAX_PER_PAGE)
        query = [(n, str(clamped) if n == "per_page" else v) for n, v in query]
        per_page = clamped
    page = _int_param(query, "page")
    if page is not None and (page > MAX_PAGE or page * (per_page or 20) > MAX_RESULTS_DEPTH):
        raise ValueError(
            f"page={page} is beyond what the Federal Register API serves (page ≤ {MAX_PAGE} and "
            f"page × per_page ≤ {MAX_RESULTS_DEPTH:,}); narrow the publication dates instead"
        )
    if "order" not in names:
        query.append(("order", "newest"))
    asked = {value for name, value in query if name == "fields[]"}
    query.extend(("fields[]", name) for name in FIELDS if name not in asked)
    encoded = urlencode(query, safe="[]")
    return urlunsplit((parts.scheme, parts.netloc, parts.path, encoded, ""))


def _int_param(query: list[tuple[str, str]], name: str) -> int | None:
    for key, value in query:
        if key == name:
            try:
                return int(value)
            except ValueError:
                raise ValueError(f"{name}={value!r} is not a number") from None
    return None


def _date(value: Any) -> date | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def _text(value: Any, limit: int) -> str:
    return (clip(value, limit) or "") if isinstance(value, str) else ""


def _agencies(value: Any) -> tuple[str, ...]:
    names: list[str] = []
    for agency in value if isinstance(value, list) else ():
        if isinstance(agency, dict):
            name = agency.get("name") or agency.get("raw_name")
            if isinstance(name, str) and name and name not in names:
                names.append(clip(name, MAX_AUTHOR) or name)
    return tuple(names)


def _summary(document: dict[str, Any]) -> str:
    abstract = _text(document.get("abstract"), MAX_SUMMARY_HTML).strip()
    action = _text(document.get("action"), 500).strip().rstrip(".")
    if action and action.lower() not in abstract.lower():
        return f"{action}. {abstract}".strip()
    return abstract


def _entry(document: dict[str, Any]) -> RawEntry | None:
    number = document.get("document_number")
    title = document.get("title")
    if not isinstance(number, str) or not number or not isinstance(title, str):
        return None
    published = _date(document.get("publication_date"))
    published_at = (
        datetime.combine(published, time(0, 0), _ISSUE_ZONE) if published is not None else None
    )
    link = document.get("html_url") or document.get("pdf_url")
    return RawEntry(
        title=clip(title, MAX_TITLE) or "",
        entry_id=clip(number, MAX_ID),
        link=clip(link, MAX_URL) if isinstance(link, str) else None,
        summary=_summary(document),
        summary_is_html=False,
        published=published_at,
        language="en",
        doc_type=_text(document.get("type"), 64) or None,
        document_number=clip(number, 64),
        agencies=_agencies(document.get("agencies")),
        effective_on=_date(document.get("effective_on")),
        comments_close_on=_date(document.get("comments_close_on")),
    )


def parse_documents(body: bytes) -> ParsedFeed:
    """Parse a documents.json search response; raise `ParseError` if it is not one."""
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ParseError(f"not Federal Register JSON: {exc}") from None
    if not isinstance(data, dict) or not ("results" in data or "count" in data):
        raise ParseError("not a Federal Register documents.json response (no results or count)")
    results = data.get("results") or []  # the API leaves `results` out when nothing matched
    if not isinstance(results, list):
        raise ParseError("Federal Register response: `results` is not a list")
    entries = [_entry(doc) for doc in results[:MAX_ENTRIES] if isinstance(doc, dict)]
    kept = tuple(entry for entry in entries if entry is not None)
    skipped = len(entries) - len(kept)
    warnings = (f"{skipped} results without a document number or title",) if skipped else ()
    description = data.get("description")
    return ParsedFeed(
        entries=kept,
        title=clip(description, MAX_TITLE) if isinstance(description, str) else None,
        language="en",
        format="federal_register",
        warnings=warnings,
    )
