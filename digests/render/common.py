"""Text handling every renderer shares: feed text is untrusted.

- `one_line` strips control and bidi-override characters (no terminal escapes, no reordered
  text) and folds whitespace, so a title cannot break a layout line.
- `fit` escapes text for a platform and, when it is too long, cuts the *unescaped* text on a
  character (grapheme) boundary and adds an ellipsis, so no escape sequence is ever cut in half
  and the result, escaped, is within the limit. Lengths are counted in UTF-16 code units, which
  is at least the number of characters any platform counts.
- `safe_url` returns an http(s) URL that cannot break out of link markup, or None (the entry is
  then shown without a link rather than with a broken or injected one).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from datetime import date, datetime
from functools import lru_cache
from urllib.parse import quote, urlsplit, urlunsplit

ELLIPSIS = "…"
ZWSP = "\u200b"
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")

# C0/C1 controls, explicit bidi embeddings/overrides/isolates, BOM, line/paragraph separators.
_UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ufeff\u2028\u2029]")
_SPACES = re.compile(r"\s+")
_SCHEME_SLASHES = re.compile(r"(?i)(?<=[a-z0-9+.-]):(?=//)")
_TAG = re.compile(r"[^a-z0-9_-]")
# Characters allowed unencoded in a URL we put inside markup: no ( ) < > | [ ] " ' \ ` { } or
# spaces, which could end a Slack <url|label>, a Markdown (url) or a Discord masked link.
_URL_SAFE = ":/?#@!$&*+,;=%~-._"
_BAD_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def one_line(text: str | None) -> str:
    if not text:
        return ""
    return _SPACES.sub(" ", _UNSAFE.sub(" ", text)).strip()


def defang_urls(text: str) -> str:
    """Break `scheme://` with a zero-width space so chat clients do not turn feed text into
    links (titles are linked by us, to the item's own URL)."""
    return _SCHEME_SLASHES.sub(":" + ZWSP, text)


def _extends_cluster(char: str) -> bool:
    code = ord(char)
    return (
        unicodedata.combining(char) != 0
        or unicodedata.category(char) in ("Mn", "Me", "Mc")
        or char == "\u200d"  # zero-width joiner
        or 0xFE00 <= code <= 0xFE0F  # variation selectors
        or 0x1F3FB <= code <= 0x1F3FF  # skin tones
        or 0xE0020 <= code <= 0xE007F  # emoji tag sequences
    )


def _is_regional_indicator(char: str) -> bool:
    return 0x1F1E6 <= ord(char) <= 0x1F1FF


def safe_cut(text: str, length: int) -> str:
    """`text[:length]`, moved back so that no grapheme (emoji sequence, flag, accent) is split."""
    cut = max(0, min(length, len(text)))
    while 0 < cut < len(text) and (_extends_cluster(text[cut]) or text[cut - 1] == "\u200d"):
        cut -= 1
    if 0 < cut < len(text) and _is_regional_indicator(text[cut]):
        run = 0
        while cut - run > 0 and _is_regional_indicator(text[cut - run - 1]):
            run += 1
        if run % 2:  # a flag is a pair of regional indicators
            cut -= 1
    return text[:cut]


def fit(text: str, limit: int, escape: Callable[[str], str] = lambda s: s) -> str:
    """`escape(text)` if it fits in `limit`; else the longest escaped prefix plus an ellipsis."""
    escaped = escape(text)
    if utf16_len(escaped) <= limit:
        return escaped
    budget = limit - utf16_len(ELLIPSIS)
    if budget <= 0:
        return ELLIPSIS[: max(limit, 0)]
    low, high = 0, min(len(text), budget)
    while low < high:
        middle = (low + high + 1) // 2
        if utf16_len(escape(safe_cut(text, middle).rstrip())) <= budget:
            low = middle
        else:
            high = middle - 1
    return escape(safe_cut(text, low).rstrip()) + ELLIPSIS


def safe_url(url: str | None, *, max_length: int = 1500) -> str | None:
    """An http(s) URL percent-encoded so it cannot close the markup around it, or None."""
    if not url:
        return None
    return _safe_url(url, max_length)


@lru_cache(maxsize=4096)
def _safe_url(url: str, max_length: int) -> str | None:
    url = url.strip()
    if _UNSAFE.search(url) or any(char.isspace() for char in url):
        return None
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not host or "[" in parts.netloc:
        return None
    if parts.username or parts.password:  # user@host URLs disguise where a link goes
        return None
    try:
        netloc = parts.netloc if parts.netloc.isascii() else parts.netloc.encode("idna").decode()
    except UnicodeError:
        return None
    if not re.fullmatch(r"[A-Za-z0-9.:-]+", netloc):
        return None
    path, query, fragment = (
        _BAD_PERCENT.sub("%25", quote(piece, safe=_URL_SAFE))
        for piece in (parts.path, parts.query, parts.fragment)
    )
    result = urlunsplit((parts.scheme.lower(), netloc, path, query, fragment))
    return result if len(result) <= max_length else None


def clean_tag(tag: str) -> str:
    return _TAG.sub("", tag.lower())[:48]


def format_date(moment: date | datetime) -> str:
    return f"{moment.day} {MONTHS[moment.month - 1]} {moment.year}"


def format_day(moment: datetime) -> str:
    return f"{DAYS[moment.weekday()]} {format_date(moment)}"


def format_moment(moment: datetime) -> str:
    return f"{format_day(moment)} {moment:%H:%M} {moment.tzname() or ''}".rstrip()


def first_sentence(summary: str, *, soft_limit: int = 240) -> str:
    """A one-line summary: the first sentence, or the first words when that is too long."""
    text = one_line(summary)
    if len(text) <= soft_limit:
        return text
    for match in re.finditer(r"[.!?。！？](?=\s|$)", text):
        if 60 <= match.end() <= soft_limit:
            return text[: match.end()]
        if match.end() > soft_limit:
            break
    cut = text.rfind(" ", 0, soft_limit)
    head = text[:cut] if cut > soft_limit // 2 else safe_cut(text, soft_limit)
    return head.rstrip(" ,;:") + ELLIPSIS
