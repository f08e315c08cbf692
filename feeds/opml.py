"""OPML subscription lists in and out.

Import reads every `<outline>` with an `xmlUrl`, however deeply nested in folders, through
defusedxml (an OPML file is untrusted input like a feed). Export writes OPML 2.0 with the
fields other readers understand plus talentbrief's own (kind, interval, tags) as extra
attributes, so an export imports back unchanged.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
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
            )
        )
    return feeds


def specs_from_opml(
    feeds: Sequence[OpmlFeed],
    *,
    taken_names: set[str],
    taken_urls: set[str],
    default_interval: int = 1800,
) -> tuple[list[SourceSpec], list[str]]:
    """Sources to add (origin "opml") and the reasons others were skipped."""
    specs: list[SourceSpec] = []
    skipped: list[str] = []
    names, urls = set(taken_names), set(taken_urls)
    for feed in feeds:
        if urlsplit(feed.url).scheme not in ("http", "https"):
            skipped.append(f"{feed.url}: not an http(s) URL")
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
                hint_tags=feed.tags,
                origin="opml",
                enabled=feed.enabled,
            )
        )
    return specs, skipped


@dataclass(frozen=True, slots=True)
class ExportedSource:
    name: str
    url: str
    kind: str
    interval_seconds: int
    tags: tuple[str, ...]
    enabled: bool


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
        ET.SubElement(body, "outline", attributes)
    ET.indent(root)
    data: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return data + b"\n"
