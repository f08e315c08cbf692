"""OPML subscription lists in and out.

Import reads every `<outline>` with an `xmlUrl`, however deeply nested in folders, through
defusedxml (an OPML file is untrusted input like a feed). Export writes OPML 2.0 with the
fields other readers understand plus talentbrief's own (kind, interval, tags) as extra
attributes, so an export imports back unchanged.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime
from urllib.parse import urlsplit

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from storage.errors import BadInput
from storage.sources import SourceSpec

_KINDS = ("feed", "federal_register")
_MAX_INTERVAL = 7 * 86400


@dataclass(frozen=True, slots=True)
class OpmlFeed:
    title: str | None
    url: str
    kind: str = "feed"
    interval_seconds: int | None = None
    tags: tuple[str, ...] = ()
    enabled: bool = True
    priority: int = 0


def name_from_url(url: str) -> str:
    """A readable default name for a feed: host and path, without the scheme."""
    parts = urlsplit(url)
    host = (parts.hostname or url).removeprefix("www.")
    path = parts.path.rstrip("/")
    return (host + path)[:200] or url[:200]


def read_opml(data: bytes) -> list[OpmlFeed]:
    try:
        root = SafeET.fromstring(data, forbid_dtd=True)
    except DefusedXmlException as exc:
        raise BadInput(f"refusing OPML with DTD or entities: {exc}") from None
    except ET.ParseError as exc:
        raise BadInput(f"not valid OPML (XML error: {exc})") from None
    if root.tag.lower() != "opml":
        raise BadInput(f"not OPML: the root element is <{root.tag}>")
    feeds: list[OpmlFeed] = []
    for outline in root.iter("outline"):
        url = (outline.get("xmlUrl") or outline.get("xmlurl") or "").strip()
        if not url:
            continue
        title = (outline.get("title") or outline.get("text") or "").strip() or None
        kind = outline.get("talentbriefKind") or "feed"
        interval = outline.get("talentbriefInterval")
        tags = tuple(
            tag.strip() for tag in (outline.get("talentbriefTags") or "").split(",") if tag.strip()
        )
        feeds.append(
            OpmlFeed(
                title=title,
                url=url,
                kind=kind if kind in _KINDS else "feed",
                interval_seconds=(
                    min(int(interval), _MAX_INTERVAL)
                    if interval and interval.isdigit() and int(interval) > 0
                    else None
                ),
                tags=tags,
                enabled=(outline.get("talentbriefEnabled") or "true").lower() != "false",
                priority=_priority(outline.get("talentbriefPriority")),
            )
        )
    return feeds


def _priority(text: str | None) -> int:
    try:
        return max(-1000, min(1000, int(text or 0)))
    except ValueError:
        return 0


def specs_from_opml(
    feeds: Sequence[OpmlFeed],
    *,
    taken_names: set[str],
    taken_urls: set[str],
    default_interval: int = 1800,
    known_tags: Collection[str] | None = None,
) -> tuple[list[SourceSpec], list[str], list[str]]:
    """Sources to add (origin "opml"), the reasons others were skipped, and notes.

    Linear in the number of outlines: names and URLs are checked against sets. Tags that are
    not topics (`known_tags`) are dropped, with a note, rather than losing the feed.
    """
    specs: list[SourceSpec] = []
    skipped: list[str] = []
    notes: list[str] = []
    names, urls = set(taken_names), set(taken_urls)
    for feed in feeds:
        problem = _url_problem(feed.url)
        if problem is not None:
            skipped.append(f"{feed.url[:200]}: {problem}")
            continue
        if feed.url in urls:
            skipped.append(f"{feed.url}: already polled")
            continue
        base = (feed.title or name_from_url(feed.url))[:190]
        name, counter = base, 2
        while name in names:
            name, counter = f"{base} ({counter})", counter + 1
        names.add(name)
        urls.add(feed.url)
        specs.append(
            SourceSpec(
                name=name,
                url=feed.url,
                kind=feed.kind,
                interval_seconds=feed.interval_seconds or default_interval,
                hint_tags=_known(feed, known_tags, notes),
                origin="opml",
                priority=feed.priority,
                enabled=feed.enabled,
            )
        )
    return specs, skipped, notes


def _url_problem(url: str) -> str | None:
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError as exc:
        return f"not a valid URL ({exc})"
    if parts.scheme not in ("http", "https"):
        return "not an http(s) URL"
    if not host:
        return "the URL has no host"
    if any(char.isspace() for char in url):
        return "the URL contains spaces"
    return None


def _known(feed: OpmlFeed, known: Collection[str] | None, notes: list[str]) -> tuple[str, ...]:
    if known is None:
        return feed.tags
    unknown = [tag for tag in feed.tags if tag not in known]
    if unknown:
        notes.append(f"{feed.url[:200]}: added without the unknown topic(s) {', '.join(unknown)}")
    return tuple(tag for tag in feed.tags if tag in known)


@dataclass(frozen=True, slots=True)
class ExportedSource:
    name: str
    url: str
    kind: str
    interval_seconds: int
    tags: tuple[str, ...]
    enabled: bool
    priority: int = 0


def write_opml(
    sources: Sequence[ExportedSource], *, title: str, when: datetime | None = None
) -> bytes:
    root = ET.Element("opml", version="2.0")
    head = ET.SubElement(root, "head")
    ET.SubElement(head, "title").text = title
    if when is not None:
        ET.SubElement(head, "dateCreated").text = format_datetime(when)
    body = ET.SubElement(root, "body")
    for source in sources:
        attributes = {
            "type": "rss",
            "text": source.name,
            "title": source.name,
            "xmlUrl": source.url,
            "talentbriefKind": source.kind,
            "talentbriefInterval": str(source.interval_seconds),
        }
        if source.tags:
            attributes["talentbriefTags"] = ",".join(source.tags)
        if not source.enabled:
            attributes["talentbriefEnabled"] = "false"
        if source.priority:
            attributes["talentbriefPriority"] = str(source.priority)
        ET.SubElement(body, "outline", attributes)
    ET.indent(root)
    data: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return data + b"\n"
