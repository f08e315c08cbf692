"""A fast path for well-formed RSS 2.0 and Atom 1.0: lxml, with exactly feedparser's entries.

feedparser spends most of a poll's parsing time in Python SAX callbacks. For the documents most
feeds are — UTF-8, well-formed, RSS 2.0 or Atom 1.0, the common elements — this module parses
with lxml instead and rebuilds the entry fields parse.py reads (title, link, id, summary,
content, author, dates, languages) the way feedparser 6's strict parser would, down to its
quirks: the first non-empty title wins, a permalink guid stands in for a missing link, an Atom
id is the link until an alternate link replaces it, plain-text RSS fields that look like HTML are
HTML, UTF-8 read as Latin-1 is repaired. Where feedparser's own helpers decide (dates, URL
joining, "looks like HTML", the cp1252 table), they are called directly. feeds/parse_fast_rules.py
holds those rules.

It is an allow-list: anything it does not fully understand — another encoding, a DOCTYPE,
xml:base, XHTML or base64 content, namespaces declared below the root, an element feedparser
handles specially that is not listed, a repeated field whose feedparser semantics are
stateful — makes `parse_fast` return None, and the caller uses feedparser. tests/
test_parse_fast.py runs both over every sample, fixture and edge case and requires identical
entries.

Items are read as their elements end and are then dropped from the tree, so memory stays near
the size of the body however many items a feed has.
"""

from __future__ import annotations

import codecs
import io
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from feedparser.encodings import lazy_chardet_encoding, parse_content_type
from lxml import etree

from feeds.parse_fast_rules import (
    PERSON,
    EntryBuilder,
    Rules,
    Unsupported,
    handled,
    language_of,
    leaf_text,
    require_leaf,
    stable_base,
)

log = logging.getLogger(__name__)

ATOM_FEED = "{http://www.w3.org/2005/Atom}feed"
_XML_DECLARATION_ENCODING = re.compile(rb"^<\?.*encoding=['\"](.*?)['\"].*\?>")
_FIRST_ELEMENT = re.compile(rb"<\w")
_XML_TYPES = ("application/xml", "application/xml-dtd", "application/xml-external-parsed-entity")
_OTHER_UNICODE = (b"\x4c\x6f\xa7\x94", b"\x00\x3c\x00\x3f", b"\x3c\x00\x3f\x00")  # EBCDIC, UTF-16
_UTF32 = (b"\x00\x00\x00\x3c", b"\x3c\x00\x00\x00")
# Codecs that read ASCII bytes as ASCII: for an all-ASCII body they equal UTF-8.
_ASCII_SUPERSETS = frozenset(
    {"ascii", "utf-8", "latin-1", "iso8859-15", "cp1252", "iso8859-2", "gb18030", "gbk",
     "gb2312", "big5", "shift_jis", "euc_jp", "euc_kr"}
)  # fmt: skip
_CHARDET = "(chardet)"
_RSS_VERSIONS = {"0.91": "rss091u", "0.92": "rss092", "0.93": "rss093", "0.94": "rss094"}
# Feed-level elements feedparser handles that leave entries, the title and the language alone.
_HARMLESS_IN_FEED = frozenset(
    {"link", "description", "subtitle", "tagline", "rights", "copyright", "dc_rights", "pubdate",
     "published", "lastbuilddate", "updated", "modified", "dc_date", "dcterms_modified",
     "category", "dc_subject", "keywords", "generator", "cloud", "webmaster", "dc_publisher",
     "id", "created", "dcterms_created"}
)  # fmt: skip
_CONTAINERS_IN_FEED = {  # with the (leaf) children allowed in them
    "image": frozenset({"url", "title", "link", "width", "height", "description"}),
    "textinput": frozenset({"title", "description", "name", "link"}),
    "author": PERSON,
    "managingeditor": PERSON,
    "contributor": PERSON,
}


@dataclass(slots=True)
class FastFeed:
    """What feedparser's result would hold, for the keys parse.py reads."""

    version: str
    feed: dict[str, Any]
    entries: list[dict[str, Any]]
    total_entries: int


def parse_fast(body: bytes, headers: Mapping[str, str], max_entries: int) -> FastFeed | None:
    """The feed as feedparser would parse it, or None when only feedparser can tell."""
    try:
        data = utf8_body(body, headers)
        if data is None:
            return None
        return _Document(data, headers, max_entries).parse()
    except (Unsupported, etree.LxmlError, ValueError, UnicodeError):
        return None
    except Exception:  # a bug here must not cost a feed that feedparser can read
        log.warning("the fast parse path failed; feedparser parses this feed", exc_info=True)
        return None


def utf8_body(body: bytes, headers: Mapping[str, str]) -> bytes | None:
    """`body` (without a UTF-8 BOM) if feedparser would decode it as UTF-8, else None.

    Follows feedparser's `convert_to_utf8`: the charset of the Content-Type (or its RFC 3023
    default), the XML declaration, a BOM, then UTF-8. An encoding other than UTF-8 is accepted
    only for an all-ASCII body, which it reads exactly as UTF-8 does.
    """
    had_bom = body[:3] == codecs.BOM_UTF8
    if had_bom:
        body = body[3:]
    elif (
        body[:2] in (codecs.BOM_UTF16_BE, codecs.BOM_UTF16_LE)
        or body[:4] in _OTHER_UNICODE
        or body[:4] in _UTF32
    ):
        return None
    match = _XML_DECLARATION_ENCODING.match(body)
    xml_encoding = match.group(1).decode("utf-8").lower() if match else ""
    mime, charset = parse_content_type(headers.get("content-type") or "")
    if mime in _XML_TYPES or (mime.startswith("application/") and mime.endswith("+xml")):
        declared = charset or xml_encoding or "utf-8"
    elif mime.startswith("text/"):
        declared = charset or "us-ascii"
    elif headers and "content-type" not in headers:
        declared = xml_encoding or "iso-8859-1"
    else:
        declared = xml_encoding or "utf-8"
    ascii_only = body.isascii()
    tried: list[str] = []
    for candidate in (declared, xml_encoding, "utf-8" if had_bom else "", _CHARDET, "utf-8"):
        if candidate is _CHARDET:
            if lazy_chardet_encoding is not None:
                return None  # feedparser would ask chardet next: not predictable here
            continue
        proposed = "gb18030" if candidate == "gb2312" else candidate
        if not proposed or proposed in tried:
            continue
        tried.append(proposed)
        try:
            name = codecs.lookup(proposed).name
        except LookupError:
            continue  # feedparser moves on to the next candidate too
        if name == "utf-8" or (ascii_only and name in _ASCII_SUPERSETS):
            return body
        if name != "ascii":
            return None  # it would decode the bytes some other way
        # ASCII on non-ASCII bytes fails in feedparser too: the next candidate is tried.
    return None


class _Document:
    """One parse: the root's namespaces, then the channel's children as they end."""

    def __init__(self, data: bytes, headers: Mapping[str, str], max_entries: int) -> None:
        self.data = data
        self.max_entries = max_entries
        self.rules = Rules(stable_base(headers.get("content-location", "")))
        self.base_language = headers.get("content-language") or None
        self.entries: list[dict[str, Any]] = []
        self.total = 0
        self.title_depth = -1  # feedparser's: depth of the last non-empty title
        self.feed: dict[str, Any] = {}
        self.feed_titles = 0
        self.atom = False
        self.root: Any = None
        self.container: Any = None  # the channel (RSS) or the feed element (Atom)
        self.container_language: str | None = None

    def parse(self) -> FastFeed:
        first = _FIRST_ELEMENT.search(self.data)
        if first is None:
            raise Unsupported("no element")
        head = self.data[: first.start()]
        if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
            raise Unsupported("a DOCTYPE")
        declarations: list[tuple[str, str]] = []
        events = etree.iterparse(
            io.BytesIO(self.data),
            events=("start-ns", "end"),
            encoding="utf-8",
            resolve_entities=False,
            no_network=True,
            load_dtd=False,
            huge_tree=False,
            remove_comments=True,  # SAX never reports comments or PIs to feedparser either
            remove_pis=True,
        )
        for event, item in events:
            if event == "start-ns":
                if self.root is not None:
                    raise Unsupported("a namespace declared below the root")
                declarations.append(item)
                continue
            if self.root is None:
                self._start(item.getroottree().getroot(), declarations)
            self._end(item)
        if self.root is None or self.root.getroottree().docinfo.doctype:
            raise Unsupported("no root, or a DOCTYPE")
        return FastFeed(self.rules.version, self.feed, self.entries, self.total)

    def _start(self, root: Any, declarations: list[tuple[str, str]]) -> None:
        """What feedparser does at the root's start tag (and the channel's, for RSS)."""
        if len(declarations) != len(root.nsmap):
            raise Unsupported("a namespace declared below the root")
        rules = self.rules
        for prefix, uri in declarations:
            if uri:
                rules.track_namespace(prefix or None, uri)
        attrs = rules.attrs(root)
        if root.tag == "rss":
            if not rules.version.startswith("rss"):
                declared = attrs.get("version", "")
                rules.version = _RSS_VERSIONS.get(declared) or (
                    "rss20" if declared.startswith("2.") else "rss"
                )
            if rules.version != "rss20" or len(root) != 1 or rules.name(root[0].tag) != "channel":
                raise Unsupported("not an RSS 2.0 channel")
            self.container = root[0]
        elif root.tag == ATOM_FEED and rules.version == "atom10":
            self.atom = True
            self.container = root
        else:
            raise Unsupported("neither RSS 2.0 nor Atom 1.0")
        if self.base_language:
            self.feed["language"] = self.base_language.replace("_", "-")
        language = language_of(attrs, self.base_language)
        if language:
            self.feed["language"] = language.replace("_", "-")
        if self.container is not root:
            channel = rules.attrs(self.container)
            if "lastmod" in channel or "href" in channel:
                raise Unsupported("CDF attributes")
            language = language_of(channel, language)
        self.container_language = language
        self.root = root

    def _end(self, element: Any) -> None:
        container = self.container
        parent = element.getparent()
        if parent is container:
            self._top_level(element)
            element.clear()
            while element.getprevious() is not None:
                del container[0]
        elif parent is self.root and element is not container:
            raise Unsupported("an element beside the channel")

    def _top_level(self, element: Any) -> None:
        """A child of the channel (RSS) or feed (Atom): an entry or a feed-level element."""
        rules = self.rules
        name = rules.name(element.tag)
        if name in ("item", "entry"):
            self._entry(element)
        elif name == "title":
            self._feed_title(element)
        elif name in ("language", "dc_language"):
            self.feed["language"], _kind = rules.pop(leaf_text(element))
        elif name in _HARMLESS_IN_FEED:
            require_leaf(element)
        elif name in _CONTAINERS_IN_FEED:
            rules.check_children(element, _CONTAINERS_IN_FEED[name])
            if name in ("image", "textinput"):  # they reset title_depth; their titles set it
                titled = any(
                    rules.name(child.tag) == "title" and rules.pop(leaf_text(child))[0]
                    for child in element
                )
                self.title_depth = self._depth() + 1 if titled else -1
        elif handled(name):
            raise Unsupported(f"feed-level <{name}>")
        else:
            rules.generic(element, name)

    def _depth(self) -> int:
        """feedparser's depth of the container's children (rss/channel/x is 3, feed/x 2)."""
        return 2 if self.atom else 3

    def _feed_title(self, element: Any) -> None:
        self.feed_titles += 1
        if self.feed_titles > 1:
            raise Unsupported("two feed titles")
        kind, _language = self.rules.push_content(
            self.rules.attrs(element), "text/plain", self.container_language
        )
        value, _kind = self.rules.pop(leaf_text(element), kind)
        depth = self._depth()
        if not -1 < self.title_depth <= depth:
            self.feed["title"] = value
        if value:
            self.title_depth = depth

    def _entry(self, element: Any) -> None:
        self.title_depth = -1  # feedparser's _start_item
        attrs = self.rules.attrs(element)
        if set(attrs) - {"xml:lang", "lang"}:
            raise Unsupported("attributes on an item")
        language = language_of(attrs, self.container_language)
        builder = EntryBuilder(self.rules)
        for child in element:
            builder.child(child, language)
        if builder.title_stored:
            self.title_depth = self._depth() + 1
        self.total += 1
        if len(self.entries) < self.max_entries:
            self.entries.append(builder.entry)
