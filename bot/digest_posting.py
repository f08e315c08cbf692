"""Posting one built digest run, part by part, each part at most once per attempt.

The run is leased under a fresh token and the lease renewed while parts go out; a failure or a
stop releases it at once, and a process killed outright holds it for at most one lease. Each
part is marked *sending* (fenced on the token: a process that lost its lease never sends)
before it goes out and recorded with its platform id after. A part marked sending but not
recorded may have arrived: it is looked up on the platform before it is sent again, and not sent
again while the platform cannot be asked; where nothing can be looked up (a Discord webhook,
the console) it is not sent again at all, and the outcome says so.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from bot.adapters.base import Attachment, DigestPoster, LookupImpossible, Part, PostingError
from bot.digest_build import chart_filename
from bot.platforms import platform
from storage.digests import (
    DigestRunRecord,
    RunConflict,
    claim_run,
    get_run_by_id,
    mark_sending,
    record_part_posted,
    release_run,
    renew_run,
)
from storage.source_claims import new_token

log = logging.getLogger(__name__)

T = TypeVar("T")
Db = Callable[..., Awaitable[Any]]


@dataclass(frozen=True, slots=True)
class DigestOutcome:
    """What happened to one channel's digest on this call."""

    channel: str
    status: str  # posted | resumed | already_posted | empty | not_scheduled | busy | failed
    period_key: str | None = None
    run_id: int | None = None
    message_ids: tuple[str, ...] = ()
    items: int = 0
    detail: str = ""

    @property
    def failed(self) -> bool:
        return self.status in ("failed", "busy")

    def describe(self) -> str:
        """One line for people: what happened, in their words."""
        period = f" for {self.period_key[:16].replace('T', ' ')}" if self.period_key else ""
        messages = len(self.message_ids)
        said = {
            "posted": f"posted the digest{period} ({self.items} items, {messages} message(s))",
            "resumed": f"finished posting the interrupted digest{period} ({messages} message(s))",
            "already_posted": f"the digest{period} was already posted; nothing sent again",
            "empty": f"nothing new{period}; no digest posted",
            "not_scheduled": "no scheduled time has come yet; nothing posted",
            "busy": f"another talentbrief process is posting the digest{period}; left to it",
            "failed": f"posting the digest{period} failed",
        }.get(self.status, self.status)
        return f"{self.channel}: {said}" + (f": {self.detail}" if self.detail else "")


def _part(run: DigestRunRecord, index: int) -> Part:
    stored = run.payload[index]
    kind = str(stored.get("kind", "message"))
    attachment = None
    if kind == "chart" and run.chart_png is not None:
        body = stored["body"]
        name = body.get("filename") or _discord_filename(body) or chart_filename(run.period_key)
        attachment = Attachment(filename=str(name), data=run.chart_png)
    threads = platform(run.platform).capabilities.threads
    thread = run.message_ids[0] if index > 0 and threads else None
    return Part(
        index=index,
        kind=kind,
        body=dict(stored["body"]),
        run_key=f"tb{run.id}",
        thread=thread,
        attachment=attachment,
    )


def _discord_filename(body: Mapping[str, Any]) -> str | None:
    attachments = body.get("attachments") or [{}]
    name = attachments[0].get("filename")
    return None if name is None else str(name)


class RunPosting:
    """Posts runs through `db` (a worker-thread runner of `work(session, *args)`)."""

    def __init__(self, db: Db, lease: timedelta) -> None:
        self._db = db
        self.lease = lease

    async def post_run(
        self,
        run: DigestRunRecord,
        poster: DigestPoster,
        *,
        now: datetime,
        channel: str,
        status: str = "posted",
    ) -> DigestOutcome:
        """Post the unposted parts of a built run, first unposted part first.

        The run is leased under a fresh token and the lease renewed while parts go out; a
        failure or a stop releases it at once (keeping what may have been sent, to be looked
        up), and a process killed outright holds it for at most one lease.
        """
        token = new_token()
        lease = self.lease
        if not await self._db(lambda s: claim_run(s, run.id, now=now, lease=lease, token=token)):
            return DigestOutcome(
                channel, "busy", run.period_key, run.id, detail="another process is posting it"
            )
        clock = _Clock(now)
        renewing = asyncio.create_task(self._renew(run.id, token, clock))
        progress = _Progress(run)
        try:
            fresh = await self._db(get_run_by_id, run.id)
            assert fresh is not None
            progress.current = fresh
            for index in range(fresh.next_part, fresh.parts):
                await self._post_part(progress, index, poster, clock, token)
        except RunConflict as exc:
            return DigestOutcome(channel, "busy", run.period_key, run.id, detail=str(exc))
        except asyncio.CancelledError:  # a stop: give the run back for the next process
            await _shielded(self._release(run.id, token, "stopped while posting", False))
            raise
        except Exception as exc:
            not_sent = isinstance(exc, PostingError) and not exc.maybe_delivered
            if not isinstance(exc, PostingError):
                log.exception("digest for %s (%s) stopped", channel, run.period_key)
            await self._release(run.id, token, str(exc), not_sent)
            current = progress.current
            return DigestOutcome(
                channel,
                "failed",
                run.period_key,
                run.id,
                message_ids=current.message_ids,
                items=len(current.item_ids),
                detail=f"{exc} ({current.next_part} of {current.parts} messages posted)",
            )
        finally:
            renewing.cancel()
        current = progress.current
        return DigestOutcome(
            channel,
            status,
            run.period_key,
            run.id,
            message_ids=current.message_ids,
            items=len(current.item_ids),
            detail="; ".join(progress.notes),
        )

    async def _renew(self, run_id: int, token: str, clock: _Clock) -> None:
        lease = self.lease
        while True:
            await asyncio.sleep(lease.total_seconds() / 3)
            try:
                await self._db(lambda s: renew_run(s, run_id, token, now=clock.now(), lease=lease))
            except Exception:  # a busy database: the next renewal tries within the lease
                log.warning("could not renew the lease on digest run %s", run_id, exc_info=True)

    async def _release(self, run_id: int, token: str, error: str, not_sent: bool) -> None:
        await self._db(
            lambda s: release_run(s, run_id, error=error, not_sent=not_sent, token=token)
        )

    async def _post_part(
        self, progress: _Progress, index: int, poster: DigestPoster, clock: _Clock, token: str
    ) -> None:
        run = progress.current
        part = _part(run, index)
        if run.sending_part == index and run.sending_since is not None:
            # An earlier attempt may have delivered it: ask the platform before sending again.
            try:
                found = await poster.find_posted(part, since=run.sending_since)
            except LookupImpossible as exc:
                note = (
                    f"part {index + 1} may not have arrived: an earlier attempt was interrupted "
                    f"and {exc}; it is not sent twice"
                )
                log.warning("digest run %s: %s", run.id, note)
                progress.notes.append(note)
                found = f"unconfirmed:{part.run_key}:{index}"
            if found is not None:
                log.info("run %s part %s had reached the platform as %s", run.id, index, found)
                progress.current = await self._record(run.id, index, found, clock.now())
                return
        await self._db(lambda s: mark_sending(s, run.id, index, now=clock.now(), token=token))
        message_id = await poster.post(part)
        progress.current = await self._record(run.id, index, message_id, clock.now())

    async def _record(
        self, run_id: int, index: int, message_id: str, now: datetime
    ) -> DigestRunRecord:
        lease = self.lease
        recorded: DigestRunRecord = await self._db(
            lambda s: record_part_posted(s, run_id, index, message_id, now=now, lease=lease)
        )
        return recorded


class _Clock:
    """`now` as the caller gave it, moving on with real time (tests pass a fixed `now`)."""

    def __init__(self, start: datetime) -> None:
        self.start = start
        self.started = time.monotonic()

    def now(self) -> datetime:
        return self.start + timedelta(seconds=time.monotonic() - self.started)


class _Progress:
    """The run as last recorded, and what the outcome should mention."""

    def __init__(self, run: DigestRunRecord) -> None:
        self.current = run
        self.notes: list[str] = []


async def _shielded(work: Awaitable[None]) -> None:
    """Finish `work` even when the caller is cancelled again meanwhile (a second stop signal)."""
    task = asyncio.ensure_future(work)
    try:
        await asyncio.shield(task)
    except asyncio.CancelledError:
        await asyncio.wait([task], timeout=5)
    except Exception:  # the lease runs out by itself instead
        log.warning("could not release a digest run", exc_info=True)
