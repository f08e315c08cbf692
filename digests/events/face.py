"""The cluster's face: which telling of an event leads, and in what order the others follow.

The most authoritative telling leads: the government's own document (a Federal Register
document, a presidential action, a State Council decision), then an agency's own release, then
a wire service, then everyone else. Among equals: the operator's source priority, an alert, a
telling with a summary to show, the earliest.
"""

from __future__ import annotations

import re

from storage.types import StoredItem

GOVERNMENT_DOCUMENT = 0
AGENCY_RELEASE = 1
WIRE_SERVICE = 2
OTHER = 3
AUTHORITY_NAMES = ("government document", "agency release", "wire service", "other")

# Hosts (and their subdomains) that publish the instruments themselves.
_DOCUMENT_HOSTS = ("federalregister.gov", "whitehouse.gov", "govinfo.gov", "gov.cn")
# Government hosts: a host ending in one of these is an agency's own site.
_GOVERNMENT_SUFFIXES = (
    ".gov",
    ".mil",
    ".gov.cn",
    ".gov.uk",
    ".gov.au",
    ".gc.ca",
    "canada.ca",
    ".europa.eu",
    ".gov.hk",
    ".gov.tw",
    ".go.jp",
    ".gov.sg",
    ".govt.nz",
)
_WIRE_HOSTS = (
    "reuters.com",
    "apnews.com",
    "afp.com",
    "bloomberg.com",
    "news.cn",
    "xinhuanet.com",
    "cna.com.tw",
    "kyodonews.net",
    "yna.co.kr",
)
_WIRE_NAMES = (
    "reuters",
    "associated press",
    "ap",
    "afp",
    "agence france-presse",
    "bloomberg",
    "xinhua",
    "新华社",
    "中央社",
    "kyodo",
    "yonhap",
)
# "Headline - Reuters": how aggregators name the outlet that wrote a headline.
_TITLE_OUTLET = re.compile(r"\s[-–—|]\s([^-–—|]{1,40})$")


def _host(url: str | None) -> str:
    """The host of an http(s) URL, lower-cased (without urllib: this runs for every telling
    of every cluster)."""
    if not url:
        return ""
    _, separator, rest = url.partition("://")
    if not separator:
        return ""
    host = rest.split("/", 1)[0].split("?", 1)[0].split("#", 1)[0].rsplit("@", 1)[-1]
    return host.split(":", 1)[0].lower().rstrip(".")


def _on(host: str, domains: frozenset[str], subdomains: tuple[str, ...]) -> bool:
    """Whether `host` is one of `domains` or under one (`subdomains`: them with a dot before)."""
    return host in domains or host.endswith(subdomains)


_DOCUMENTS = frozenset(_DOCUMENT_HOSTS), tuple("." + host for host in _DOCUMENT_HOSTS)
_WIRES = frozenset(_WIRE_HOSTS), tuple("." + host for host in _WIRE_HOSTS)
_WIRE_NAME_SET = frozenset(_WIRE_NAMES)
_WIRE_NAME_STARTS = tuple(wire + " " for wire in _WIRE_NAMES)


def _is_wire_name(name: str | None) -> bool:
    if not name:
        return False
    folded = name.casefold().strip()
    return folded in _WIRE_NAME_SET or folded.startswith(_WIRE_NAME_STARTS)


def authority(item: StoredItem) -> int:
    """How authoritative a telling is (lower leads)."""
    host = _host(item.url)
    if item.doc_type or _on(host, *_DOCUMENTS):
        return GOVERNMENT_DOCUMENT
    if host.endswith(_GOVERNMENT_SUFFIXES) or host in ("canada.ca",):
        return AGENCY_RELEASE
    suffix = _TITLE_OUTLET.search(item.title)
    if (
        _on(host, *_WIRES)
        or _is_wire_name(item.source)
        or (suffix is not None and _is_wire_name(suffix[1]))
    ):
        return WIRE_SERVICE
    return OTHER


def face_order(item: StoredItem) -> tuple[int, int, bool, bool, float, int]:
    return (
        authority(item),
        -item.source_priority,
        not item.alert,
        not item.summary,
        item.published_at.timestamp(),
        item.id,
    )
