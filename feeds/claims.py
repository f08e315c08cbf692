"""A poll cycle's hold on its sources: renewed while it runs, given back when it stops early.

The claim itself is storage's (storage/source_claims.py); this keeps it alive from the event
loop. A renewal every third of the lease means a healthy cycle never loses a source, and a
process killed outright holds its sources for at most one lease.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime, timedelta

from storage.db import Database
from storage.source_claims import release_source_claims, renew_source_claims

log = logging.getLogger(__name__)


class HeldSources:
    """Set `finished` once every claimed source has its outcome recorded."""

    def __init__(self) -> None:
        self.finished = False


@asynccontextmanager
async def held_sources(
    database: Database, token: str, lease: timedelta, clock: Callable[[], datetime]
) -> AsyncIterator[HeldSources]:
    held = HeldSources()
    renewing = asyncio.create_task(_renew(database, token, lease, clock))
    try:
        yield held
    finally:
        renewing.cancel()
        await asyncio.gather(renewing, return_exceptions=True)
        if not held.finished:  # stopped early: the unfinished sources are due again at once
            await _release(database, token)


async def _renew(
    database: Database, token: str, lease: timedelta, clock: Callable[[], datetime]
) -> None:
    def renew() -> int:
        with database.session() as session:
            return renew_source_claims(session, token, now=clock(), lease=lease)

    while True:
        await asyncio.sleep(lease.total_seconds() / 3)
        try:
            await asyncio.to_thread(renew)
        except Exception:  # a busy database: the next renewal tries again within the lease
            log.warning("could not renew the poll's claims on its sources", exc_info=True)


async def _release(database: Database, token: str) -> None:
    """Shielded: a second stop signal must not cut the release short."""

    def release() -> int:
        with database.session() as session:
            return release_source_claims(session, token)

    releasing = asyncio.ensure_future(asyncio.to_thread(release))
    try:
        released = await asyncio.shield(releasing)
    except asyncio.CancelledError:
        await asyncio.wait([releasing], timeout=5)
        raise
    except Exception:  # the claims lapse with their lease instead
        log.warning("could not release the poll's claims on its sources", exc_info=True)
        return
    if released:
        log.info("released %d source(s) this poll had not finished", released)
