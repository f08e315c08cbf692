"""feedparser 6's rules, re-stated for the lxml fast path (see feeds/parse_fast.py).

`Rules` holds what feedparser tracks for a whole document (namespace prefixes, the base URI, the
version) and the steps it applies to every element: the name it dispatches on, its attributes,
`push_content` and `pop`. `EntryBuilder` replays feedparser's handlers for the children of one
item or entry, building the same dictionary feedparser would for the keys parse.py reads.
Anything stateful or rare raises `Unsupported`, and feedparser parses that document instead.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Mapping
from typing import Any

from feedparser.api import StrictFeedParser
from feedparser.datetimes import _parse_date
from feedparser.html import _cp1252
from feedparser.urls import _urljoin, make_safe_absolute_uri

XML_NS = "http://www.w3.org/XML/1998/namespace"
KNOWN_NAMESPACES = {uri.lower(): name for uri, name in StrictFeedParser.namespaces.items()}
HTML_TYPES = ("application/xhtml+xml", "text/html")
_C1_CONTROL = re.compile("[\x80-\x9f]")  # what feedparser's cp1252 table maps
_LINK_ENTITY = re.compile("&([A-Za-z0-9_]+);")
# Entry keys parse.py reads (and keys feedparser maps onto them): a generic element that
# feedparser would store under one of these names is not for the fast path.
_RESERVED = frozenset(
    {"title", "title_detail", "summary", "summary_detail", "description", "content", "link",
     "links", "id", "guid", "author", "author_detail", "authors", "published_parsed",
     "updated_parsed", "issued_parsed", "modified_parsed", "date_parsed", "language"}
)  # fmt: skip
# Elements feedparser has handlers for that leave those keys alone, as leaves in an item.
HARMLESS_IN_ENTRY = frozenset(
    {"category", "dc_subject", "keywords", "media_category", "enclosure", "media_content",
     "media_thumbnail", "media_credit", "rights", "copyright", "dc_rights", "created",
     "dcterms_created", "expirationdate"}
)  # fmt: skip
PERSON = frozenset({"name", "email", "uri"})
_looks_like_html: Callable[[str], bool] = StrictFeedParser.looks_like_html


class Unsupported(Exception):
    """The document needs feedparser."""


def handled(name: str) -> bool:
    """Whether feedparser has a handler for elements dispatched as `name`."""
    return hasattr(StrictFeedParser, "_start_" + name) or hasattr(StrictFeedParser, "_end_" + name)


def map_content_type(value: str) -> str:
    value = value.lower()
    if value in ("text", "plain"):
        return "text/plain"
    if value == "html":
        return "text/html"
    if value == "xhtml":
        return "application/xhtml+xml"
    return value


def language_of(attrs: Mapping[str, str], inherited: str | None) -> str | None:
    """xml:lang (or lang) of an element, else its parent's; an empty one clears it."""
    language = attrs.get("xml:lang", attrs.get("lang"))
    if language == "":
        return None
    return inherited if language is None else language


def require_leaf(element: Any) -> None:
    if len(element):
        raise Unsupported(f"child elements inside <{element.tag}>")


def leaf_text(element: Any) -> str:
    require_leaf(element)
    text: str = element.text or ""
    return text


def fix_text(text: str) -> str:
    """feedparser's last steps for every text value: UTF-8 read as Latin-1, then cp1252."""
    if text.isascii():
        return text  # both steps leave ASCII alone
    with contextlib.suppress(UnicodeEncodeError, UnicodeDecodeError):
        text = text.encode("iso-8859-1").decode("utf-8")
    return text.translate(_cp1252) if _C1_CONTROL.search(text) else text


def stable_base(location: str) -> str:
    """The base URI feedparser resolves links against (from Content-Location)."""
    base = make_safe_absolute_uri("", location) or make_safe_absolute_uri(location) or ""

    def step(value: str) -> str:  # what each start tag does to it when there is no xml:base
        if value:
            return make_safe_absolute_uri(value, value) or value
        joined: str = _urljoin(value, value)
        return joined

    first = step(base)
    if step(first) != first:
        raise Unsupported("a base URI that changes from element to element")
    return first


class Rules:
    """Per-document state feedparser keeps, and its per-element steps."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.version = ""
        self.namespacemap: dict[str | None, str] = {}
        self.in_use: dict[str, str] = {}
        self._names: dict[str, str] = {}

    def track_namespace(self, prefix: str | None, uri: str) -> None:
        """feedparser's track_namespace, for one declaration (on the root)."""
        lower = uri.lower()
        if not self.version:
            if (prefix, lower) == (None, "http://my.netscape.com/rdf/simple/0.9/"):
                self.version = "rss090"
            elif lower == "http://purl.org/rss/1.0/":
                self.version = "rss10"
            elif lower == "http://www.w3.org/2005/atom":
                self.version = "atom10"
        if "backend.userland.com/rss" in lower:
            uri = lower = "http://backend.userland.com/rss"
        if lower in KNOWN_NAMESPACES:
            self.namespacemap[prefix] = KNOWN_NAMESPACES[lower]
            self.in_use[KNOWN_NAMESPACES[lower]] = uri
        else:
            self.in_use[prefix or ""] = uri

    def name(self, tag: str) -> str:
        """The name feedparser dispatches an element on: "title", "dc_creator", …"""
        found = self._names.get(tag)
        if found is None:
            found = self._names[tag] = self._dispatch_name(tag)
        return found

    def _dispatch_name(self, tag: str) -> str:
        # startElementNS (expat reports no qualified names), then unknown_starttag.
        uri, local = tag[1:].split("}", 1) if tag[0] == "{" else ("", tag)
        lower = uri.lower()
        if "backend.userland.com/rss" in lower:
            uri = lower = "http://backend.userland.com/rss"
        known = KNOWN_NAMESPACES.get(lower)
        qualified = local.lower()
        if known:
            qualified = f"{known.lower()}:{qualified}"
        elif uri:
            for prefix, value in self.in_use.items():
                if prefix and value == uri:
                    qualified = f"{prefix}:{qualified}".lower()
                    break
        if ":" not in qualified:
            return qualified
        prefix, suffix = qualified.split(":", 1)
        prefix = self.namespacemap.get(prefix, prefix)
        return f"{prefix}_{suffix}" if prefix else suffix

    @staticmethod
    def attrs(element: Any) -> dict[str, str]:
        """Attributes as feedparser keys them: lower-cased, rel and type values too."""
        attrs: dict[str, str] = {}
        for name, value in element.attrib.items():
            key = name
            if key[0] == "{":
                uri, local = key[1:].split("}", 1)
                if uri != XML_NS:
                    raise Unsupported("a namespaced attribute")
                key = "xml:" + local
            key = key.lower()
            attrs[key] = (value.lower() or value) if key in ("rel", "type") else value
        if "xml:base" in attrs or "base" in attrs:
            raise Unsupported("xml:base")
        return attrs

    @staticmethod
    def push_content(
        attrs: Mapping[str, str], default: str, language: str | None
    ) -> tuple[str, str | None]:
        """The content type and language feedparser records for a text construct."""
        kind = map_content_type(attrs.get("type", default))
        if attrs.get("mode", "") == "base64" or not (
            kind.startswith("text/") or kind.endswith(("+xml", "/xml"))
        ):
            raise Unsupported("base64 content")
        if kind == "application/xhtml+xml":
            raise Unsupported("XHTML content")  # feedparser re-serialises it
        return kind, language.replace("_", "-") if language else language

    def pop(self, text: str, kind: str | None = None, *, resolve: bool = False) -> tuple[str, Any]:
        """feedparser's `pop` for a text element: strip, resolve, sniff HTML, repair."""
        output = text.strip()
        if resolve and output:
            output = _urljoin(self.base or "", output)
        if (
            kind == "text/plain"
            and not self.version.startswith("atom")
            and _looks_like_html(output)
        ):
            kind = "text/html"
        return fix_text(output), kind

    def check_children(self, element: Any, allowed: frozenset[str]) -> None:
        for child in element:
            if self.name(child.tag) not in allowed:
                raise Unsupported(f"<{self.name(child.tag)}> inside <{element.tag}>")
            require_leaf(child)

    def generic(self, element: Any, name: str) -> None:
        """An element without a feedparser handler: stored under its own name, harmlessly."""
        if name in _RESERVED:
            raise Unsupported(f"a generic <{name}>")
        for child in element:
            inner = self.name(child.tag)
            if handled(inner):
                raise Unsupported(f"<{inner}> inside <{name}>")
            self.generic(child, inner)


class EntryBuilder:
    """feedparser's handlers for the children of one item or entry, in document order."""

    def __init__(self, rules: Rules) -> None:
        self.rules = rules
        self.entry: dict[str, Any] = {}
        self.title_stored = False  # feedparser's title_depth: a non-empty title was seen
        self.has_content = False
        self.authors = 0

    def child(self, child: Any, language: str | None) -> None:
        rules = self.rules
        name = rules.name(child.tag)
        field = _FIELDS.get(name)
        if field is not None:
            attrs = rules.attrs(child)
            field(self, child, attrs, language_of(attrs, language))
        elif name in HARMLESS_IN_ENTRY:
            require_leaf(child)
        elif name == "contributor":
            rules.check_children(child, PERSON)
        elif name == "media_group":  # transparent in feedparser: its children act as the item's
            for grandchild in child:
                inner = rules.name(grandchild.tag)
                if inner in HARMLESS_IN_ENTRY:
                    require_leaf(grandchild)
                elif handled(inner):
                    raise Unsupported(f"<{inner}> in a media group")
                else:
                    rules.generic(grandchild, inner)
        elif handled(name):
            raise Unsupported(f"<{name}> in an item")
        else:
            rules.generic(child, name)

    def title(self, element: Any, attrs: dict[str, str], language: str | None) -> None:
        kind, language = self.rules.push_content(attrs, "text/plain", language)
        value, kind = self.rules.pop(leaf_text(element), kind)
        if not self.title_stored:  # feedparser keeps the first non-empty title
            self.entry["title"] = value
            self.entry["title_detail"] = {"type": kind, "language": language, "value": value}
        if value:
            self.title_stored = True

    def summary(
        self, element: Any, attrs: dict[str, str], language: str | None, default: str = "text/plain"
    ) -> None:
        if "summary" in self.entry and not self.has_content:
            raise Unsupported("a second summary")  # feedparser makes it content, oddly
        kind, language = self.rules.push_content(attrs, default, language)
        value, kind = self.rules.pop(leaf_text(element), kind)
        self.entry["summary"] = value
        self.entry["summary_detail"] = {"type": kind, "language": language, "value": value}

    def description(self, element: Any, attrs: dict[str, str], language: str | None) -> None:
        self.summary(element, attrs, language, "text/html")

    def content(
        self, element: Any, attrs: dict[str, str], language: str | None, default: str = "text/plain"
    ) -> None:
        self.has_content = True
        kind, language = self.rules.push_content(attrs, default, language)
        copy_to_summary = kind in ("text/plain", *HTML_TYPES)
        value, kind = self.rules.pop(leaf_text(element), kind)
        detail = {"type": kind, "language": language, "value": value}
        self.entry.setdefault("content", []).append(detail)
        if copy_to_summary:
            self.entry.setdefault("summary", value)

    def encoded(self, element: Any, attrs: dict[str, str], language: str | None) -> None:
        self.content(element, attrs, language, "text/html")

    def link(self, element: Any, attrs: dict[str, str], language: str | None) -> None:
        text = leaf_text(element)
        attrs = dict(attrs)
        attrs.setdefault("rel", "alternate")
        attrs.setdefault("type", "application/atom+xml" if attrs["rel"] == "self" else "text/html")
        href = attrs.get("url", attrs.get("uri", attrs.get("href")))
        if href:
            attrs.pop("url", None)
            attrs.pop("uri", None)
            attrs["href"] = href
        if "href" in attrs:
            attrs["href"] = _urljoin(self.rules.base or "", attrs["href"])
        links = self.entry.setdefault("links", [])
        links.append(attrs)
        if "href" in attrs:
            html = map_content_type(attrs.get("type", "")) in HTML_TYPES
            if attrs.get("rel") == "alternate" and html:
                self.entry["link"] = attrs["href"]
            return
        value, _kind = self.rules.pop(text, resolve=True)
        # feedparser's repair of "&amp;" in query strings.
        value = _LINK_ENTITY.sub(r"&\g<1>", value.replace("&amp;", "&"))
        self.entry["link"] = value
        if value:
            links[-1]["href"] = value

    def guid(self, element: Any, attrs: dict[str, str], language: str | None) -> None:
        permalink = attrs.get("ispermalink", "true") == "true"
        value, _kind = self.rules.pop(leaf_text(element), resolve=permalink)
        self.entry["id"] = value
        self.entry.setdefault("guidislink", permalink and "link" not in self.entry)
        if permalink:
            self.entry.setdefault("link", value)

    def published(self, element: Any, attrs: dict[str, str], language: str | None) -> None:
        value, _kind = self.rules.pop(leaf_text(element))
        self.entry["published"] = value
        self.entry["published_parsed"] = _parse_date(value)

    def updated(self, element: Any, attrs: dict[str, str], language: str | None) -> None:
        value, _kind = self.rules.pop(leaf_text(element))
        self.entry["updated"] = value
        self.entry["updated_parsed"] = _parse_date(value)

    def author(self, element: Any, attrs: dict[str, str], language: str | None) -> None:
        self.authors += 1
        if self.authors > 1:
            raise Unsupported("two authors")  # feedparser merges them in stateful ways
        entry = self.entry
        authors = entry.setdefault("authors", [])
        authors.append({})
        for child in element:
            name = self.rules.name(child.tag)
            if name not in PERSON:
                raise Unsupported(f"<{name}> in an author")
            text = leaf_text(child)
            if name == "uri":
                key = "href"
                value, _kind = self.rules.pop(text, resolve=True)
                entry["href"] = value
            else:  # name and email are popped without feedparser's text repairs
                key, value = name, text.strip()
            entry.setdefault("author_detail", {})[key] = value
            _sync_author(entry)
            authors[-1][key] = value
        own = (element.text or "") + "".join(child.tail or "" for child in element)
        entry["author"], _kind = self.rules.pop(own)
        _sync_author(entry)


def _sync_author(entry: dict[str, Any]) -> None:
    """feedparser's _sync_author_detail, for the single author the fast path allows."""
    detail = entry.get("authors", [{}])[-1]
    if detail:
        name, email = detail.get("name"), detail.get("email")
        if name and email:
            entry["author"] = f"{name} ({email})"
        elif name:
            entry["author"] = name
        elif email:
            entry["author"] = email
    # Otherwise feedparser only derives author_detail from the text, never the author.


_Field = Callable[[EntryBuilder, Any, dict[str, str], "str | None"], None]
_FIELDS: dict[str, _Field] = {
    "title": EntryBuilder.title,
    "summary": EntryBuilder.summary,
    "description": EntryBuilder.description,
    "dc_description": EntryBuilder.description,
    "content": EntryBuilder.content,
    "content_encoded": EntryBuilder.encoded,
    "fullitem": EntryBuilder.encoded,
    "link": EntryBuilder.link,
    "guid": EntryBuilder.guid,
    "id": EntryBuilder.guid,
    **dict.fromkeys(("pubdate", "published", "issued", "dcterms_issued"), EntryBuilder.published),
    **dict.fromkeys(
        ("updated", "modified", "dc_date", "dcterms_modified", "lastbuilddate"),
        EntryBuilder.updated,
    ),
    **dict.fromkeys(("author", "managingeditor", "dc_author", "dc_creator"), EntryBuilder.author),
}
