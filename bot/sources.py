"""Source actions of the core: add (after checking the URL answers with a feed), remove, list,
OPML in and out. Front-ends call these through `bot.core.Talentbrief`.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from sqlalchemy.orm import Session

from bot.config import Config, PollConfig
from bot.durations import interval_problem
from feeds import federal_register
from feeds.entries import KINDS, ParseError
from storage.errors import BadInput
from storage.sources import (
    SourceSpec,
    add_source,
    add_sources,
    exported_sources,
    get_source,
    remove_source,
    source_names_and_urls,
)
from storage.urls import redact_text, redact_url, url_problem

if TYPE_CHECKING:
    from feeds.fetch import Fetcher, FetchSettings
    from feeds.guard import AddressGuard

MAX_NAME = 200


@dataclass(frozen=True, slots=True)
class FeedCheck:
    """What one fetch of a new source found."""

    url: str  # after redirects
    title: str | None
    entries: int
    format: str
    seconds: float


@dataclass(frozen=True, slots=True)
class AddedSource:
    name: str
    url: str
    kind: str
    interval_seconds: int
    hint_tags: tuple[str, ...]
    check: FeedCheck | None  # None when the check was skipped
    problem: str | None = None  # why the check failed, when --force added it anyway


@dataclass(frozen=True, slots=True)
class OpmlImport:
    added: tuple[str, ...]
    skipped: tuple[str, ...]  # one reason per outline that was not added
    notes: tuple[str, ...] = ()  # outlines added with a change (unknown topics dropped)


class FeedCheckFailed(BadInput):
    """The URL did not answer with a feed; the message says what it answered instead."""


def fetch_settings(poll: PollConfig) -> FetchSettings:
    """The `[poll]` config section as the fetcher's settings."""
    from feeds.fetch import FetchSettings  # aiohttp loads only for commands that fetch

    return FetchSettings(
        concurrency=poll.concurrency,
        per_host=poll.per_host,
        connect_timeout=float(poll.connect_timeout),
        timeout=float(poll.timeout),
        max_bytes=poll.max_bytes,
        failing_after=poll.failing_after,
        max_backoff=float(poll.max_backoff),
        max_entries=poll.max_entries,
        user_agent=poll.user_agent,
    )


def source_url(text: str) -> str:
    """A URL a user typed, checked: http(s), a host, a valid port, no spaces. Raises BadInput."""
    url = text.strip()
    problem = url_problem(url)
    if problem is not None:
        raise BadInput(
            f"{redact_url(url)[:100]!r} {problem}; give an http(s) URL, e.g. "
            "https://example.org/feed.xml"
        )
    return url


def guess_kind(url: str) -> str:
    path = urlsplit(url).path
    return "federal_register" if path.endswith("/documents.json") else "feed"


def check_kind(kind: str | None, url: str) -> str:
    chosen = kind or guess_kind(url)
    if chosen not in KINDS:
        raise BadInput(f"kind {chosen!r} is not one of {', '.join(KINDS)}")
    if chosen == "federal_register":
        try:
            federal_register.request_url(url)
        except ValueError as exc:
            raise BadInput(str(exc)) from None
    return chosen


def source_name(name: str | None, url: str) -> str:
    from feeds.opml import name_from_url  # OPML (defusedxml) loads for the commands using it

    chosen = " ".join((name or name_from_url(url)).split())
    if not chosen or len(chosen) > MAX_NAME:
        raise BadInput(f"a source name must be 1 to {MAX_NAME} characters")
    return chosen


def check_interval(url: str, seconds: int) -> int:
    problem = interval_problem(url, seconds)
    if problem is not None:
        raise BadInput(problem)
    return seconds


async def check_feed(
    url: str,
    kind: str,
    settings: FetchSettings,
    *,
    guarded: bool,
    guard: AddressGuard | None = None,
    fetcher: Fetcher | None = None,
) -> FeedCheck:
    """Fetch `url` once and parse it; FeedCheckFailed says why it is not a feed.

    Checks of many sources share one `fetcher`, so its concurrency and per-host limits hold.
    """
    from feeds.fetch import FEED_ACCEPT, JSON_ACCEPT, Fetcher, FetchError, FetchRequest
    from feeds.guard import blocked_cause
    from feeds.ingest import parse_body

    started = time.perf_counter()
    request_url, accept = url, FEED_ACCEPT
    if kind == "federal_register":
        request_url, accept = federal_register.request_url(url), JSON_ACCEPT
    async with contextlib.AsyncExitStack() as stack:
        if fetcher is None:
            fetcher = await stack.enter_async_context(Fetcher(settings, guard=guard))
        try:
            fetched = await fetcher.fetch(FetchRequest(request_url, guarded=guarded, accept=accept))
        except FetchError as exc:
            blocked = blocked_cause(exc)
            raise FeedCheckFailed(
                f"{redact_url(url)}: {redact_text(str(blocked or exc))}"
            ) from None
    try:
        parsed = parse_body(kind, fetched.body, fetched.headers)
    except ParseError as exc:
        raise FeedCheckFailed(f"{redact_url(url)} did not answer with a feed: {exc}") from None
    return FeedCheck(
        url=fetched.url,
        title=parsed.title,
        entries=len(parsed.entries),
        format=parsed.format,
        seconds=time.perf_counter() - started,
    )


def store_new_source(session: Session, spec: SourceSpec) -> None:
    add_source(session, spec)


def remove_named_source(session: Session, config: Config, name: str) -> None:
    source = get_source(session, name)
    configured = {spec.name for spec in config.source_specs()}
    if source is not None and source.origin == "config" and name in configured:
        where = config.path or "the built-in defaults"
        raise BadInput(f"{name!r} comes from {where}; remove it there (or set enabled = false)")
    remove_source(session, name)


def import_opml(
    session: Session, data: bytes, *, interval_seconds: int, known_topics: Sequence[str]
) -> OpmlImport:
    """Add every feed of an OPML file that is not polled yet (one bulk insert)."""
    from feeds.opml import read_opml, specs_from_opml

    feeds = read_opml(data)
    names, urls = source_names_and_urls(session)
    specs, skipped, notes = specs_from_opml(
        feeds,
        taken_names=names,
        taken_urls=urls,
        default_interval=interval_seconds,
        known_tags=known_topics,
    )
    add_sources(session, specs)
    return OpmlImport(tuple(spec.name for spec in specs), tuple(skipped), tuple(notes))


def export_opml(session: Session) -> bytes:
    from feeds.opml import ExportedSource, write_opml

    sources = [
        ExportedSource(
            name=source.name,
            url=redact_url(source.url),  # an export is shared; the password stays in the db
            kind=source.kind,
            interval_seconds=source.interval_seconds,
            tags=source.hint_tags,
            enabled=source.enabled,
            priority=source.priority,
        )
        for source in exported_sources(session)
    ]
    return write_opml(sources, title="talentbrief sources", when=datetime.now(UTC))
