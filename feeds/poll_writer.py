"""The poll cycle's database writes: queued by the feeds, written in batches by one writer.

Each fetched feed ends in one write — its new items (with the alerts they raise) and fetch state,
a not-modified state, a failure, a deferral. Feeds hand their write to `Writer.submit` and wait;
one writer task takes whatever is queued and writes it in one transaction in a worker thread, so
SQLite sees a single writer, a thousand 304s cost a few transactions (their states in one
statement), and the event loop hands work to a thread once per batch rather than once per feed.
A batch that fails is written again one write at a time, so a bad feed fails alone.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from storage.db import Database
from storage.sources import FetchState, defer_source, record_fetch_failure, record_fetch_states
from storage.types import NewItem, StoreResult

log = logging.getLogger(__name__)

MAX_BATCH_WRITES = 64  # feeds in one transaction
MAX_BATCH_ITEMS = 2500  # items in one transaction
FIRST_ANALYZE_AFTER = 1000  # new items in a cycle; then after each doubling

Tag = Callable[[Sequence[NewItem]], Sequence[NewItem]]


@dataclass(frozen=True, slots=True)
class Stored:
    """A feed's new items and the fetch state that goes with them (`items` empty: a 304)."""

    state: FetchState
    source_id: int
    items: Sequence[NewItem] = ()
    tag: Tag | None = None

    def apply(self, session: Session, now: datetime) -> StoreResult:
        if not self.items:
            return StoreResult()
        # Storing and alerting load here: a cycle of 304s never needs them (nor the dialect
        # modules they bring), and it starts faster without.
        from storage.items import store_items  # noqa: PLC0415
        from storage.outbox import enqueue_matches, first_poll  # noqa: PLC0415

        quiet = first_poll(session, self.source_id)  # a first poll archives, it does not alert
        result = store_items(session, self.source_id, self.items, tag=self.tag)
        if not quiet and (result.new_ids or result.newly_alert_ids):
            # In the transaction that stores the items: a crash keeps both or neither.
            enqueue_matches(session, [*result.new_ids, *result.newly_alert_ids], now=now)
        return result


@dataclass(frozen=True, slots=True)
class Failed:
    source_id: int
    error: str
    next_due_at: datetime
    failing_after: int

    def apply(self, session: Session, now: datetime) -> int:
        failures: int = record_fetch_failure(
            session,
            self.source_id,
            error=self.error,
            next_due_at=self.next_due_at,
            failing_after=self.failing_after,
        )
        return failures


@dataclass(frozen=True, slots=True)
class Deferred:
    source_id: int
    next_due_at: datetime

    def apply(self, session: Session, now: datetime) -> None:
        defer_source(session, self.source_id, next_due_at=self.next_due_at)


Write = Stored | Failed | Deferred


def _size(write: Write) -> int:
    return len(write.items) if isinstance(write, Stored) else 1


@dataclass
class Writer:
    """Batches the cycle's writes; see the module docstring."""

    database: Database
    clock: Callable[[], datetime]
    _queue: list[tuple[Write, asyncio.Future[Any]]] = field(default_factory=list)
    _task: asyncio.Task[None] | None = None
    _new_items: int = 0
    _analyze_at: int = FIRST_ANALYZE_AFTER

    async def submit(self, write: Write) -> Any:
        """Queue `write`; returns what applying it returned (or raises what it raised)."""
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._queue.append((write, future))
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run())
        return await future

    async def _run(self) -> None:
        while self._queue:
            batch = self._take()
            writes = [write for write, _future in batch]
            try:
                results: list[Any] = await asyncio.to_thread(self._write_batch, writes)
            except Exception:
                log.warning("a batch of %d writes failed; writing them one by one", len(writes))
                results = [await asyncio.to_thread(self._write_alone, write) for write in writes]
            for (_write, future), result in zip(batch, results, strict=True):
                if future.done():
                    continue  # its feed was cancelled
                if isinstance(result, BaseException):
                    future.set_exception(result)
                else:
                    future.set_result(result)

    def _take(self) -> list[tuple[Write, asyncio.Future[Any]]]:
        taken, items = 0, 0
        for write, _future in self._queue:
            if taken and (taken >= MAX_BATCH_WRITES or items + _size(write) > MAX_BATCH_ITEMS):
                break
            taken += 1
            items += _size(write)
        batch, self._queue = self._queue[:taken], self._queue[taken:]
        return batch

    def _write_batch(self, writes: Sequence[Write]) -> list[Any]:
        with self.database.session() as session:
            now = self.clock()
            results = [write.apply(session, now) for write in writes]
            self._record_states(session, writes)
            self._keep_statistics(session, results)
        return results

    def _write_alone(self, write: Write) -> Any:
        try:
            return self._write_batch([write])[0]
        except Exception as exc:  # this feed only; the caller records it as a failure
            return exc

    def _record_states(self, session: Session, writes: Sequence[Write]) -> None:
        states = [write.state for write in writes if isinstance(write, Stored)]
        record_fetch_states(session, states, now=self.clock())

    def _keep_statistics(self, session: Session, results: Sequence[Any]) -> None:
        self._new_items += sum(r.new_items for r in results if isinstance(r, StoreResult))
        if self._new_items >= self._analyze_at:
            from storage.dedup import refresh_statistics  # noqa: PLC0415 - see Stored.apply

            refresh_statistics(session)
            self._analyze_at = 2 * self._new_items
