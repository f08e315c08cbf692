"""One poll cycle: claim due sources → fetch concurrently → parse → normalise → tag → store,
and queue the alerts of new items for the subscriptions they match.

`poll_sources` is the one entry point (the CLI's `poll` and the scheduler's job both call it).
Sources are claimed from the database, so two processes never fetch the same source at once.
Each source is handled on its own: one that fails is recorded with its error and retried later
with exponential backoff, and never stops the others. Items of one feed are stored in the same
transaction as the source's new fetch state.

Memory stays bounded however many sources are due: a feed holds one of `concurrency` slots from
the start of its fetch until it is stored (a 304, which holds no body, until it is fetched),
feeds are parsed one at a time (the fast path streams, so even a huge feed parses in about its
own size), a body is dropped once parsed, and only one body larger than `LARGE_BODY` is let
into memory at a time (the others wait before reading it).
Parsing runs in a worker thread; all writes go through one batching writer (feeds/poll_writer.py),
so SQLite sees one writer and two feeds carrying the same story cannot race into two rows.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal, cast

from feeds import federal_register
from feeds.claims import held_sources
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
from feeds.poll_writer import Deferred, Failed, Stored, Writer
from storage.db import Database
from storage.source_claims import DEFAULT_LEASE, ClaimedSource, SourceClaim, claim_sources
from storage.sources import FetchState
from storage.types import NewItem
from storage.urls import redact_text

if TYPE_CHECKING:  # parsing, normalising and tagging are imported when a feed has changed
    from feeds.tagging import Tagger

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
    warning: str | None = None  # a problem that did not stop it (entries beyond the cap)


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
    # Sources this cycle would have polled but another process holds (its lease runs out at
    # `held_until` unless that process renews it).
    held_elsewhere: int = 0
    held_until: datetime | None = None

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
            "held_elsewhere": self.held_elsewhere,
            "errors": [
                {"source": o.source, "error": o.error, "status": o.status} for o in self.failed
            ],
            "warnings": [
                {"source": o.source, "warning": o.warning} for o in self.outcomes if o.warning
            ],
        }


# Feeds parsed at once. Parsing is Python work that the GIL serialises anyway: a second parse
# thread measured slower, and it would hold a second body and its entries in memory.
PARSE_SLOTS = 1


@dataclass
class _Schedule:
    """Next-due times: the interval after success, exponential backoff after failure.

    Jitter only brings a time forward (by up to `settings.jitter` of the interval): it spreads
    sources that share an interval without ever making one wait longer than configured.
    """

    settings: FetchSettings
    rng: random.Random = field(default_factory=random.Random)

    def _jittered(self, seconds: float) -> timedelta:
        spread = min(max(self.settings.jitter, 0.0), 1.0)
        return timedelta(seconds=seconds * self.rng.uniform(1 - spread, 1))

    def after_success(self, source: ClaimedSource, now: datetime) -> datetime:
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


class _LargeBody:
    """One body over `LARGE_BODY` bytes in memory at a time, from its read until it is parsed."""

    def __init__(self, lock: asyncio.Lock) -> None:
        self.lock = lock
        self.held = False

    async def admit(self) -> None:
        await self.lock.acquire()
        self.held = True

    def release(self) -> None:
        if self.held:
            self.held = False
            self.lock.release()


class _Cycle:
    def __init__(
        self,
        database: Database,
        settings: FetchSettings,
        tagger: Tagger | Callable[[], Tagger],
        fetcher: Fetcher,
        *,
        schedule: _Schedule,
        clock: Callable[[], datetime],
    ) -> None:
        self.settings = settings
        self._tagger_source = tagger
        self._tagger: Tagger | None = None
        self.fetcher = fetcher
        self.schedule = schedule
        self.clock = clock
        self.writer = Writer(database, clock)
        self.slots = asyncio.Semaphore(settings.concurrency)
        self.parsing = asyncio.Semaphore(PARSE_SLOTS)
        self.large_bodies = asyncio.Lock()

    def tagger(self) -> Tagger:
        """The tagger, built the first time a feed has something new (never in a 304 cycle)."""
        if self._tagger is None:
            source = self._tagger_source
            if hasattr(source, "tag"):
                self._tagger = cast("Tagger", source)
            else:
                self._tagger = source()
        return self._tagger

    def _request(self, source: ClaimedSource) -> FetchRequest:
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

    async def handle(self, source: ClaimedSource) -> SourceOutcome:
        large = _LargeBody(self.large_bodies)
        try:
            async with self.slots:  # held until stored: bounds bodies and parsed feeds in memory
                request = self._request(source)
                fetched = await self.fetcher.fetch(request, admit_large=large.admit)
                if fetched.status == "fetched":
                    return await self._ingest(source, fetched, large)
            # A 304 holds no body: its slot goes to the next fetch while its state waits for
            # the writer, so the states of a no-change cycle queue up into large batches.
            return await self._not_modified(source, fetched)
        except FetchError as exc:
            if exc.deferred:
                return await self._defer(source, exc)
            return await self._fail(source, str(exc), exc.retry_after)
        except ParseError as exc:
            return await self._fail(source, str(exc), None)
        except Exception as exc:  # a bug or a database error: this source only
            log.exception("polling %s failed", source.name)
            return await self._fail(source, f"internal error: {type(exc).__name__}: {exc}", None)
        finally:
            large.release()

    def _state(
        self, source: ClaimedSource, fetched: Fetched, *, parsed: bool, warning: str | None = None
    ) -> FetchState:
        return FetchState(
            source.id,
            next_due_at=self.schedule.after_success(source, self.clock()),
            etag=fetched.etag,
            last_modified=fetched.last_modified,
            content_hash=fetched.content_hash,
            warning=warning,
            parsed=parsed,
        )

    async def _not_modified(self, source: ClaimedSource, fetched: Fetched) -> SourceOutcome:
        await self.writer.submit(Stored(self._state(source, fetched, parsed=False), source.id))
        return SourceOutcome(source.name, "not_modified", status="ok")

    async def _ingest(
        self, source: ClaimedSource, fetched: Fetched, large: _LargeBody
    ) -> SourceOutcome:
        now = self.clock()
        max_entries = self.settings.max_entries

        def parse() -> tuple[list[NewItem], tuple[str, ...], str | None]:
            from feeds.ingest import untagged_items  # noqa: PLC0415 - not needed by 304 cycles

            items, parsed = untagged_items(
                source.kind,
                fetched.body,
                fetched.headers,
                feed_url=fetched.url,
                fetched_at=now,
                max_entries=max_entries,
            )
            cut = None
            if parsed.entries_cut:
                cut = (
                    f"kept the first {len(parsed.entries):,} of {parsed.total_entries:,} "
                    "entries ([poll] max_entries)"
                )
            return items, parsed.warnings, cut  # the parsed feed and the body stay behind

        async with self.parsing:
            items, warnings, cut = await asyncio.to_thread(parse)
        fetched = dataclasses.replace(fetched, body=b"")  # the parse's closure held it too
        large.release()
        for warning in (*warnings, cut) if cut else warnings:
            log.info("%s: %s", source.name, warning)

        def tag(batch: Sequence[NewItem]) -> list[NewItem]:
            from feeds.ingest import tag_items  # noqa: PLC0415 - see parse()

            return tag_items(batch, self.tagger(), source.hint_tags)

        state = self._state(source, fetched, parsed=True, warning=cut)
        stored = Stored(state, source.id, items, tag)
        result = await self.writer.submit(stored)
        return SourceOutcome(
            source.name,
            "fetched",
            new_items=result.new_items,
            updated_items=result.updated_items,
            entries=len(items),
            status="ok",
            warning=cut,
        )

    async def _fail(
        self, source: ClaimedSource, error: str, retry_after: float | None
    ) -> SourceOutcome:
        now = self.clock()
        error = redact_text(error)  # aiohttp's messages quote the URL, password included
        due = self.schedule.after_failure(source.consecutive_failures + 1, now, retry_after)
        failed = Failed(source.id, error, due, self.settings.failing_after)
        failures: int = await self.writer.submit(failed)
        status = "failing" if failures >= self.settings.failing_after else source.status
        log.info("%s: %s (%d in a row)", source.name, error, failures)
        return SourceOutcome(source.name, "failed", error=error, status=status)

    async def _defer(self, source: ClaimedSource, exc: FetchError) -> SourceOutcome:
        due = self.clock() + timedelta(seconds=exc.retry_after or self.settings.backoff_base)
        await self.writer.submit(Deferred(source.id, due))
        return SourceOutcome(source.name, "deferred", error=redact_text(str(exc)))


async def poll_sources(
    database: Database,
    settings: FetchSettings,
    tagger: Tagger | Callable[[], Tagger],
    *,
    due_only: bool = True,
    progress: ProgressCallback | None = None,
    guard: AddressGuard | None = None,
    rng: random.Random | None = None,
    clock: Callable[[], datetime] = _now,
    lease: timedelta = DEFAULT_LEASE,
) -> PollReport:
    """Run one poll cycle over the enabled sources (only the due ones if `due_only`).

    Never raises for a failing source: failures are recorded on the source and listed in the
    report. `tagger` may be a function that builds one: it is called only if a feed changed.
    `guard` replaces the address policy for chat-added sources (tests allow loopback);
    `clock` says what time it is (tests run cycles at the times a scheduler would).
    The claimed sources are leased for `lease`, renewed while the cycle runs; a cancelled
    cycle (a stop) gives back the sources it has not finished before it ends.
    """
    started = time.perf_counter()

    def claim() -> tuple[SourceClaim, list[ClaimedSource]]:
        with database.session() as session:
            taken = claim_sources(session, now=clock(), due_only=due_only, lease=lease)
            return taken, list(taken.sources)

    schedule = _Schedule(settings, rng or random.Random())
    async with Fetcher(settings, guard=guard) as fetcher:
        cycle = _Cycle(database, settings, tagger, fetcher, schedule=schedule, clock=clock)
        taken, claimed = await asyncio.to_thread(claim)
        total = len(claimed)
        if progress is not None:
            progress(PollProgress(0, total))
        outcomes: list[SourceOutcome] = []
        tasks = [asyncio.create_task(cycle.handle(source)) for source in claimed]
        async with held_sources(database, taken.token, lease, clock) as held:
            try:
                for finished in asyncio.as_completed(tasks):
                    outcome = await finished
                    outcomes.append(outcome)
                    if progress is not None:
                        progress(PollProgress(len(outcomes), total, outcome))
                held.finished = True
            finally:
                for task in tasks:
                    task.cancel()
                await asyncio.gather(*tasks, return_exceptions=True)
    order = {source.name: index for index, source in enumerate(claimed)}
    outcomes.sort(key=lambda o: order.get(o.source, 0))
    return PollReport(
        tuple(outcomes), time.perf_counter() - started, taken.held_elsewhere, taken.held_until
    )
