"""One poll cycle: claim due sources → fetch concurrently → parse → normalise → tag → store,
and queue the alerts of new items for the subscriptions they match.

`poll_sources` is the one entry point (the CLI's `poll` and the scheduler's job both call it).
Sources are claimed from the database, so two processes never fetch the same source at once.
Each source is handled on its own: one that fails is recorded with its error and retried later
with exponential backoff, and never stops the others. Items of one feed are stored in one
transaction together with the source's new fetch state.

Database work runs in worker threads; writes go through one lock, so SQLite sees one writer
and two feeds carrying the same story cannot race each other into two rows.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from feeds import federal_register
from feeds.entries import ParseError
from feeds.fetch import (
    FEED_ACCEPT,
    JSON_ACCEPT,
    Fetched,
    Fetcher,
    FetchError,
    FetchRequest,
    FetchSettings,
)
from feeds.guard import AddressGuard
from feeds.ingest import items_from_body
from feeds.tagging import Tagger
from storage.db import Database
from storage.items import store_items
from storage.models import Source
from storage.outbox import enqueue_matches, first_poll
from storage.sources import (
    claim_sources,
    defer_source,
    record_fetch_failure,
    record_fetch_success,
)

log = logging.getLogger(__name__)

Outcome = Literal["fetched", "not_modified", "failed", "deferred"]


@dataclass(frozen=True, slots=True)
class SourceOutcome:
    """What happened to one source in a cycle."""

    source: str
    outcome: Outcome
    new_items: int = 0
    updated_items: int = 0
    entries: int = 0
    error: str | None = None
    status: str | None = None  # the source's status afterwards: ok | failing | …


@dataclass(frozen=True, slots=True)
class PollProgress:
    done: int
    total: int
    last: SourceOutcome | None = None


ProgressCallback = Callable[[PollProgress], None]


@dataclass(frozen=True, slots=True)
class PollReport:
    outcomes: tuple[SourceOutcome, ...] = ()
    seconds: float = 0.0

    @property
    def sources(self) -> int:
        return len(self.outcomes)

    def _count(self, outcome: Outcome) -> int:
        return sum(1 for o in self.outcomes if o.outcome == outcome)

    @property
    def fetched(self) -> int:
        return self._count("fetched")

    @property
    def not_modified(self) -> int:
        return self._count("not_modified")

    @property
    def failed(self) -> tuple[SourceOutcome, ...]:
        return tuple(o for o in self.outcomes if o.outcome == "failed")

    @property
    def deferred(self) -> int:
        return self._count("deferred")

    @property
    def new_items(self) -> int:
        return sum(o.new_items for o in self.outcomes)

    @property
    def updated_items(self) -> int:
        return sum(o.updated_items for o in self.outcomes)

    def as_dict(self) -> dict[str, Any]:
        """The JSON object `talentbrief poll --json` prints."""
        return {
            "sources": self.sources,
            "fetched": self.fetched,
            "not_modified": self.not_modified,
            "failed": len(self.failed),
            "new_items": self.new_items,
            "updated_items": self.updated_items,
            "seconds": round(self.seconds, 3),
            "deferred": self.deferred,
            "errors": [
                {"source": o.source, "error": o.error, "status": o.status} for o in self.failed
            ],
        }


@dataclass(frozen=True, slots=True)
class _Claimed:
    """A claimed source, detached from its session."""

    id: int
    name: str
    url: str
    kind: str
    origin: str
    interval_seconds: int
    hint_tags: tuple[str, ...]
    etag: str | None
    last_modified: str | None
    content_hash: str | None
    consecutive_failures: int
    status: str

    @classmethod
    def of(cls, source: Source) -> _Claimed:
        return cls(
            id=source.id,
            name=source.name,
            url=source.url,
            kind=source.kind,
            origin=source.origin,
            interval_seconds=source.interval_seconds,
            hint_tags=tuple(source.hint_tags or ()),
            etag=source.etag,
            last_modified=source.last_modified,
            content_hash=source.content_hash,
            consecutive_failures=source.consecutive_failures,
            status=source.status,
        )


@dataclass
class _Schedule:
    """Next-due times: the interval after success, exponential backoff after failure."""

    settings: FetchSettings
    rng: random.Random = field(default_factory=random.Random)

    def _jittered(self, seconds: float) -> timedelta:
        spread = self.settings.jitter
        return timedelta(seconds=seconds * self.rng.uniform(1 - spread, 1 + spread))

    def after_success(self, source: _Claimed, now: datetime) -> datetime:
        return now + self._jittered(source.interval_seconds)

    def after_failure(self, failures: int, now: datetime, retry_after: float | None) -> datetime:
        base = self.settings.backoff_base * 2 ** min(max(failures - 1, 0), 30)
        delay = min(self.settings.max_backoff, base)
        due = now + self._jittered(delay)
        if retry_after is not None:
            due = max(due, now + timedelta(seconds=retry_after))
        return due


def _now() -> datetime:
    return datetime.now(UTC)


class _Cycle:
    def __init__(
        self,
        database: Database,
        settings: FetchSettings,
        tagger: Tagger,
        fetcher: Fetcher,
        schedule: _Schedule,
    ) -> None:
        self.database = database
        self.settings = settings
        self.tagger = tagger
        self.fetcher = fetcher
        self.schedule = schedule
        self.write_lock = asyncio.Lock()

    async def _write(self, work: Callable[[Any], Any]) -> Any:
        def run() -> Any:
            with self.database.session() as session:
                return work(session)

        async with self.write_lock:
            return await asyncio.to_thread(run)

    def _request(self, source: _Claimed) -> FetchRequest:
        url, accept = source.url, FEED_ACCEPT
        if source.kind == "federal_register":
            try:
                url = federal_register.request_url(source.url)
            except ValueError as exc:
                raise FetchError(f"bad Federal Register URL: {exc}") from None
            accept = JSON_ACCEPT
        return FetchRequest(
            url=url,
            etag=source.etag,
            last_modified=source.last_modified,
            content_hash=source.content_hash,
            guarded=source.origin == "chat",
            accept=accept,
        )

    async def handle(self, source: _Claimed) -> SourceOutcome:
        try:
            fetched = await self.fetcher.fetch(self._request(source))
            if fetched.status != "fetched":
                return await self._not_modified(source, fetched)
            return await self._ingest(source, fetched)
        except FetchError as exc:
            if exc.deferred:
                return await self._defer(source, exc)
            return await self._fail(source, str(exc), exc.retry_after)
        except ParseError as exc:
            return await self._fail(source, str(exc), None)
        except Exception as exc:  # a bug or a database error: this source only
            log.exception("polling %s failed", source.name)
            return await self._fail(source, f"internal error: {type(exc).__name__}: {exc}", None)

    def _record_success(
        self, session: Any, source: _Claimed, fetched: Fetched, now: datetime
    ) -> None:
        record_fetch_success(
            session,
            source.id,
            next_due_at=self.schedule.after_success(source, now),
            etag=fetched.etag,
            last_modified=fetched.last_modified,
            content_hash=fetched.content_hash,
            now=now,
        )

    async def _not_modified(self, source: _Claimed, fetched: Fetched) -> SourceOutcome:
        now = _now()
        await self._write(lambda session: self._record_success(session, source, fetched, now))
        return SourceOutcome(source.name, "not_modified", status="ok")

    async def _ingest(self, source: _Claimed, fetched: Fetched) -> SourceOutcome:
        now = _now()
        items, parsed = await asyncio.to_thread(
            items_from_body,
            source.kind,
            fetched.body,
            fetched.headers,
            feed_url=fetched.url,
            fetched_at=now,
            tagger=self.tagger,
            hints=source.hint_tags,
        )
        for warning in parsed.warnings:
            log.info("%s: %s", source.name, warning)

        def work(session: Any) -> Any:
            # A source's first poll archives its items without alerting anyone.
            quiet = first_poll(session, source.id)
            result = store_items(session, source.id, items)
            self._record_success(session, source, fetched, now)
            if not quiet and (result.new_ids or result.newly_alert_ids):
                # In the same transaction as the items: a crash keeps both or neither.
                enqueue_matches(session, [*result.new_ids, *result.newly_alert_ids], now=now)
            return result

        result = await self._write(work)
        return SourceOutcome(
            source.name,
            "fetched",
            new_items=result.new_items,
            updated_items=result.updated_items,
            entries=len(items),
            status="ok",
        )

    async def _fail(self, source: _Claimed, error: str, retry_after: float | None) -> SourceOutcome:
        now = _now()

        def work(session: Any) -> int:
            failures: int = record_fetch_failure(
                session,
                source.id,
                error=error,
                next_due_at=self.schedule.after_failure(
                    source.consecutive_failures + 1, now, retry_after
                ),
                failing_after=self.settings.failing_after,
            )
            return failures

        failures = await self._write(work)
        status = "failing" if failures >= self.settings.failing_after else source.status
        log.info("%s: %s (%d in a row)", source.name, error, failures)
        return SourceOutcome(source.name, "failed", error=error, status=status)

    async def _defer(self, source: _Claimed, exc: FetchError) -> SourceOutcome:
        due = _now() + timedelta(seconds=exc.retry_after or self.settings.backoff_base)
        await self._write(lambda session: defer_source(session, source.id, next_due_at=due))
        return SourceOutcome(source.name, "deferred", error=str(exc))


async def poll_sources(
    database: Database,
    settings: FetchSettings,
    tagger: Tagger,
    *,
    due_only: bool = True,
    progress: ProgressCallback | None = None,
    guard: AddressGuard | None = None,
    rng: random.Random | None = None,
) -> PollReport:
    """Run one poll cycle over the enabled sources (only the due ones if `due_only`).

    Never raises for a failing source: failures are recorded on the source and listed in the
    report. `guard` replaces the address policy for chat-added sources (tests allow loopback).
    """
    started = time.perf_counter()

    def claim(session: Any) -> list[_Claimed]:
        return [_Claimed.of(source) for source in claim_sources(session, due_only=due_only)]

    schedule = _Schedule(settings, rng or random.Random())
    async with Fetcher(settings, guard=guard) as fetcher:
        cycle = _Cycle(database, settings, tagger, fetcher, schedule)
        claimed: list[_Claimed] = await cycle._write(claim)
        total = len(claimed)
        if progress is not None:
            progress(PollProgress(0, total))
        outcomes: list[SourceOutcome] = []
        tasks = [asyncio.create_task(cycle.handle(source)) for source in claimed]
        try:
            for finished in asyncio.as_completed(tasks):
                outcome = await finished
                outcomes.append(outcome)
                if progress is not None:
                    progress(PollProgress(len(outcomes), total, outcome))
        finally:
            # On an error (or cancellation) the rest stop; their claims lapse with the lease.
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
    order = {source.name: index for index, source in enumerate(claimed)}
    outcomes.sort(key=lambda o: order.get(o.source, 0))
    return PollReport(tuple(outcomes), time.perf_counter() - started)
