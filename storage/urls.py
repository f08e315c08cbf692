"""Credentials in URLs: kept where they are stored, hidden wherever a URL is shown.

A feed URL may carry a password (`https://user:secret@host/feed.xml`, the way some private
feeds are read). The database keeps it so polling works; every listing, export, report, error
message and log line shows the URL through `redact_url` (or text through `redact_text`).
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit, urlunsplit

HIDDEN = "***"
# Whitespace (str.isspace: `\s` matches exactly the same characters) and control characters;
# one search instead of a Python loop over the characters of every configured URL.
_UNPRINTABLE = re.compile(r"[\s\x00-\x1f\x7f]")
# scheme://userinfo@ anywhere in a text: the userinfo keeps its user name, loses the password.
_USERINFO = re.compile(r"(?P<head>\b[a-zA-Z][a-zA-Z0-9+.\-]*://)(?P<user>[^\s/@:?#]*):[^\s/@]*@")
# Query parameters that carry a secret by name (?token=…, &api_key=…).
_SECRET_QUERY = re.compile(
    r"(?P<name>[?&](?:access_token|api_key|apikey|password|secret|token)=)[^&#\s]+",
    re.IGNORECASE,
)


def redact_url(url: str) -> str:
    """The URL with any password (and secret-looking query values) replaced by ***."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return redact_text(url)
    netloc = parts.netloc
    if "@" in netloc:
        userinfo, _, host = netloc.rpartition("@")
        user, colon, _password = userinfo.partition(":")
        netloc = f"{user}:{HIDDEN}@{host}" if colon else f"{user}@{host}"
    # The query may carry a URL of its own (a redirect target, a proxied feed).
    query = redact_text(_SECRET_QUERY.sub(lambda m: m["name"] + HIDDEN, "?" + parts.query))[1:]
    if netloc == parts.netloc and query == parts.query:
        return url
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def redact_text(text: str) -> str:
    """Every URL password (and secret-looking query value) in free text replaced by ***."""
    if "://" not in text:
        return text
    text = _USERINFO.sub(lambda m: f"{m['head']}{m['user']}:{HIDDEN}@", text)
    return _SECRET_QUERY.sub(lambda m: m["name"] + HIDDEN, text)


def url_problem(url: str) -> str | None:
    """Why `url` cannot be polled, worded to follow the URL ("… is not an http(s) URL"), or None.

    The one check for every way a source arrives: the config file, `feeds add`, OPML, chat.
    """
    try:
        parts = urlsplit(url)
        host = parts.hostname
        parts.port  # noqa: B018 (raises ValueError for a port that is not a number)
    except ValueError as exc:
        return f"is not a valid URL: {exc}"
    if parts.scheme not in ("http", "https"):
        return "is not an http(s) URL"
    if not host:
        return "is not an http(s) URL: it names no host"
    if _UNPRINTABLE.search(url):
        return "contains spaces or control characters"
    return None
