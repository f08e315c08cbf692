"""Raw entries → clean, keyed items ready to tag and store.

- Canonical URL: http(s) only, lower-case host, no default port, no user info, no fragment, no
  tracking parameters (utm_* and friends), remaining parameters sorted; relative links resolved
  against the feed's URL.
- Stable key, in order of trust: the Federal Register document number; the entry's guid when the
  feed's guids are trustworthy (present and not repeated for different entries, the way
  MonitoRSS drops an id type whose values repeat); the canonical link; a hash of title and date.
  A guid that is not a URL or URN is scoped by the feed's host, so "1234" from two sites differs.
- Plain text from HTML (scripts and styles dropped, entities decoded, whitespace collapsed).
- Timezone-aware UTC dates, the fetch time when the feed gives none; dates far in the future are
  pulled back to the fetch time so they cannot pin an item to the top of every digest.
- Language: CJK script in the text wins over a declaration (many Chinese sites declare en-US),
  else the entry's or feed's declared language, reduced to its primary subtag.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
import unicodedata
from collections import Counter
from datetime import UTC, datetime, timedelta
from html import unescape
from html.parser import HTMLParser
from urllib.parse import SplitResult, parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from feeds.entries import ParsedFeed, RawEntry
from storage.types import NewItem

MAX_SUMMARY = 2000
MAX_TITLE = 500
_TRACKING_PREFIXES = ("utm_", "at_", "pk_", "mtm_", "hsa_")
_TRACKING = frozenset(
    {
        "fbclid",
        "gclid",
        "dclid",
        "gbraid",
        "wbraid",
        "msclkid",
        "yclid",
        "mc_cid",
        "mc_eid",
        "_hsenc",
        "_hsmi",
        "mkt_tok",
        "igshid",
        "cmpid",
        "icid",
        "ocid",
        "xtor",
        "ref_src",
        "spm",
    }
)
_DEFAULT_PORTS = {"http": 80, "https": 443}
_SKIPPED_TAGS = frozenset({"script", "style", "noscript", "template", "iframe", "svg", "head"})
_FUTURE_TOLERANCE = timedelta(days=1)
_HAN = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_KANA = re.compile("[\u3040-\u30ff]")
_HANGUL = re.compile("[\uac00-\ud7af\u1100-\u11ff]")
_CJK = re.compile(
    "[\u1100-\u11ff\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]"
)
_LETTER = re.compile(r"[^\W\d_]")
_GLOBAL_ID = re.compile(r"^(https?|tag|urn):", re.IGNORECASE)


def _is_tracking(name: str) -> bool:
    name = name.lower()
    return name in _TRACKING or name.startswith(_TRACKING_PREFIXES)


def clean_link(url: str, base: str | None = None) -> str | None:
    """The link to show people: resolved, http(s) only, tracking parameters removed."""
    try:
        resolved = urljoin(base, url.strip()) if base else url.strip()
        parts = urlsplit(resolved)
    except ValueError:
        return None
    if parts.scheme.lower() not in _DEFAULT_PORTS or not parts.netloc:
        return None
    return _without_tracking(resolved, parts, parse_qsl(parts.query, keep_blank_values=True))


def _without_tracking(resolved: str, parts: SplitResult, query: list[tuple[str, str]]) -> str:
    kept = [(name, value) for name, value in query if not _is_tracking(name)]
    if len(kept) == len(query):
        return resolved
    return urlunsplit(parts._replace(query=urlencode(kept, safe="[]/:,")))


def canonical_url(url: str | None, base: str | None = None) -> str | None:
    """The form of a link used to recognise one story across sources (None if not http(s))."""
    return link_forms(url, base)[0]


def link_forms(url: str | None, base: str | None = None) -> tuple[str | None, str | None]:
    """(canonical_url, clean_link) of a link, parsed once; both None unless it is http(s)."""
    if not url:
        return None, None
    url = url.strip()
    try:
        resolved = urljoin(base, url) if base else url
        parts = urlsplit(resolved)
        port = parts.port
    except ValueError:
        return None, None
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower().rstrip(".")
    if scheme not in _DEFAULT_PORTS or not host:
        return None, None
    if ":" in host:
        host = f"[{host}]"
    netloc = host if port in (None, _DEFAULT_PORTS[scheme]) else f"{host}:{port}"
    query = parse_qsl(parts.query, keep_blank_values=True)
    kept = sorted((name, value) for name, value in query if not _is_tracking(name))
    canonical = urlunsplit((scheme, netloc, parts.path or "/", urlencode(kept, safe="[]/:,"), ""))
    return canonical, _without_tracking(resolved, parts, query)


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIPPED_TAGS:
            self.skipping += 1
        else:
            self.parts.append(" ")  # <p>a</p><p>b</p> must not read "ab"

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIPPED_TAGS:
            self.skipping = max(0, self.skipping - 1)
        else:
            self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(data)


def collapse(text: str) -> str:
    """Whitespace runs as one space, none at the ends (split() knows the same whitespace as re)."""
    return " ".join(text.split())


def html_to_text(html: str, limit: int | None = None) -> str:
    """Visible text of an HTML fragment, as one line.

    With `limit`, extraction may stop once the text is comfortably longer than `limit`
    characters: the result then starts like the full text and is still longer than `limit`, so
    `shorten(…, limit)` gives the same answer for a fraction of the work on long articles.
    """
    if "<" not in html and "&" not in html:
        return collapse(html)
    if (limit is None or len(html) <= _BULK_MAX_FACTOR * limit) and not _SPECIAL.search(html):
        # Only plain tags: each becomes a space, then entities are decoded in one pass (a tag
        # is never inside an entity, so this equals decoding between the tags).
        text = _TAGS.sub(" ", html)
        if "<" not in text:
            return collapse(unescape(text) if "&" in text else text)
    fast = _markup_text(html, limit)
    if fast is not None:
        return fast
    extractor = _TextExtractor()
    extractor.feed(html)
    extractor.close()
    return collapse("".join(extractor.parts))


# Markup `_markup_text` reads exactly as html.parser does: start tags with well-formed attributes,
# end tags, comments. Anything else (a stray "<", <!DOCTYPE>, <?pi>, <script>/<style> with their
# raw content) sends the fragment to html.parser. tests/test_normalize_html.py holds them equal.
_MARKUP = re.compile(
    r"<([a-zA-Z][-.a-zA-Z0-9:_]*)"  # start tag name
    r"(?:\s+[^\s\"'<>/=`]+(?:\s*=\s*(?:\"[^\"]*\"|'[^']*'|[^\s\"'=<>`]+))?)*\s*(/)?>"
    r"|</([a-zA-Z][-.a-zA-Z0-9:_]*)\s*>"  # end tag
    r"|<!--.*?--\s*>",  # comment
    re.DOTALL,
)
_TAGS = re.compile(_MARKUP.pattern.rsplit("|", 1)[0], re.DOTALL)  # without comments
# What the single substitution cannot do: comments (which join the text around them), tags
# whose content is dropped, declarations and processing instructions.
_CASELESS_NAMES = "|".join(
    "".join(f"[{c}{c.upper()}]" for c in name)  # faster than re.IGNORECASE here
    for name in sorted(_SKIPPED_TAGS | {"script", "style"})
)
_SPECIAL = re.compile(rf"<(?:!|\?|/?(?:{_CASELESS_NAMES})\b)")
_BULK_MAX_FACTOR = 16  # longer fragments go through the scan that can stop early
_RAW_TEXT_TAGS = frozenset({"script", "style"})  # html.parser's CDATA content elements
_EARLY_STOP_MARGIN = 64  # characters beyond `limit` before extraction may stop


def _markup_text(html: str, limit: int | None) -> str | None:
    """`html_to_text` by one regex scan, or None when html.parser must decide."""
    parts: list[str] = []
    skipping = 0
    position = 0
    size = 0
    next_check = 2 * limit + 256 if limit is not None else -1
    for match in _MARKUP.finditer(html):
        start = match.start()
        if start > position:
            data = html[position:start]
            if "<" in data:
                return None
            if not skipping:
                parts.append(unescape(data) if "&" in data else data)
                size += len(data)
        position = match.end()
        name, self_closing, end_name = match.groups()
        if name is not None:
            name = name.lower()
            if name in _RAW_TEXT_TAGS:
                return None
            if name not in _SKIPPED_TAGS:
                parts.append(" ")
            elif not self_closing:
                skipping += 1
        elif end_name is not None:
            if end_name.lower() in _SKIPPED_TAGS:
                skipping = max(0, skipping - 1)
            else:
                parts.append(" ")
        if 0 <= next_check < size and limit is not None:
            text = collapse("".join(parts))
            if len(text) > limit + _EARLY_STOP_MARGIN:
                return text
            next_check = 2 * size
    tail = html[position:]
    if "<" in tail:
        return None
    if tail and not skipping:
        parts.append(unescape(tail) if "&" in tail else tail)
    return collapse("".join(parts))


def shorten(text: str, limit: int) -> str:
    """Cut at a word boundary with an ellipsis."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit * 0.6:
        cut = cut[:space]
    return cut.rstrip(" ,;:.-") + "…"


def _script_language(text: str) -> str | None:
    sample = text[:2000]
    if not _CJK.search(sample):
        return None  # the common case, decided in one scan
    letters = len(_LETTER.findall(sample)) or 1
    if len(_KANA.findall(sample)) >= letters * 0.1:
        return "ja"
    if len(_HANGUL.findall(sample)) >= letters * 0.2:
        return "ko"
    if len(_HAN.findall(sample)) >= letters * 0.2:
        return "zh"
    return None


def language_of(text: str, *declared: str | None) -> str | None:
    found = _script_language(text)
    if found:
        return found
    for value in declared:
        if value:
            primary = value.strip().replace("_", "-").split("-")[0].lower()
            if primary.isalpha() and 2 <= len(primary) <= 8:
                return primary
    return None


def _digest(*parts: str) -> str:
    return hashlib.sha256("\x00".join(parts).encode()).hexdigest()[:40]


def trusted_ids(entries: tuple[RawEntry, ...]) -> bool:
    """Whether this feed's guids can key its entries: none missing, none shared by two stories."""
    ids = [entry.entry_id.strip() if entry.entry_id else "" for entry in entries]
    if not ids or not all(ids):
        return False
    repeated = {value for value, count in Counter(ids).items() if count > 1}
    if not repeated:
        return True
    stories: dict[str, set[tuple[str | None, str]]] = {}
    for value, entry in zip(ids, entries, strict=True):
        if value in repeated:
            stories.setdefault(value, set()).add((entry.link, entry.title))
    return all(len(found) == 1 for found in stories.values())  # exact repeats are harmless


def item_key(entry: RawEntry, *, canonical: str | None, feed_host: str, guid_trusted: bool) -> str:
    if entry.document_number:
        return f"fr:{entry.document_number}"
    guid = (entry.entry_id or "").strip()
    if guid_trusted and guid:
        scope = "" if _GLOBAL_ID.match(guid) else feed_host
        return f"g:{_digest(scope, guid)}"
    if canonical:
        return f"u:{_digest(canonical)}"
    when = entry.published or entry.updated
    stamp = when.isoformat() if when else ""
    return f"t:{_digest(feed_host, collapse(entry.title).lower(), stamp)}"


def _aware_utc(moment: datetime | None, fetched_at: datetime) -> datetime:
    if moment is None:
        return fetched_at
    moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return fetched_at if moment > fetched_at + _FUTURE_TOLERANCE else moment


# Control characters (but tab and line breaks) and lone surrogates: feedparser's lenient parser
# passes them through, and PostgreSQL refuses NUL in text ("text fields cannot contain NUL").
_UNSTORABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


def storable(text: str) -> str:
    return _UNSTORABLE.sub("", text)


def _storable_entry(entry: RawEntry) -> RawEntry:
    """The entry with every text field storable on both backends (found by bench/soak)."""

    def clean(text: str | None) -> str | None:
        return None if text is None else storable(text)

    return dataclasses.replace(
        entry,
        title=storable(entry.title),
        entry_id=clean(entry.entry_id),
        link=clean(entry.link),
        summary=storable(entry.summary),
        author=clean(entry.author),
        language=clean(entry.language),
        doc_type=clean(entry.doc_type),
        document_number=clean(entry.document_number),
        agencies=tuple(storable(agency) for agency in entry.agencies),
    )


def _text(value: str, is_html: bool, limit: int) -> str:
    return html_to_text(value, limit) if is_html else collapse(value)


def normalize_entries(parsed: ParsedFeed, *, feed_url: str, fetched_at: datetime) -> list[NewItem]:
    """Turn a parsed feed into untagged `NewItem`s (tags are added by the tagger)."""
    fetched_at = fetched_at.astimezone(UTC)
    feed_host = (urlsplit(feed_url).hostname or "").lower()
    entries = tuple(_storable_entry(entry) for entry in parsed.entries)
    guid_trusted = trusted_ids(entries)
    items: list[NewItem] = []
    for entry in entries:
        summary = _text(entry.summary, entry.summary_is_html, MAX_SUMMARY)
        title = _text(entry.title, entry.title_is_html, MAX_TITLE)
        title = unicodedata.normalize("NFC", title)
        summary = unicodedata.normalize("NFC", summary)
        if not title:
            title = shorten(summary, 120) if summary else "(untitled)"
        link, url = link_forms(entry.link, feed_url)
        items.append(
            NewItem(
                key=item_key(entry, canonical=link, feed_host=feed_host, guid_trusted=guid_trusted),
                title=shorten(title, MAX_TITLE),
                summary=shorten(summary, MAX_SUMMARY),
                published_at=_aware_utc(entry.published or entry.updated, fetched_at),
                url=url,
                canonical_url=link,
                entry_id=entry.entry_id,
                author=collapse(entry.author) if entry.author else None,
                language=language_of(f"{title} {summary}", entry.language, parsed.language),
                doc_type=entry.doc_type,
                document_number=entry.document_number,
                agencies=entry.agencies,
                effective_on=entry.effective_on,
                comments_close_on=entry.comments_close_on,
            )
        )
    return items
