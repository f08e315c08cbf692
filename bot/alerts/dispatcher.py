"""The alert dispatcher: claims due deliveries from the outbox and posts each message once.

Every step that matters is written to the database before the next: the claim (a lease),
`sending` (committed before the post), then `posted` with the platform's message id. So after a
crash nothing is lost (leases run out and the rows come back) and nothing is doubled: a message
that may already be out comes back marked `maybe_sent` and is looked up on the platform (Slack
message metadata) before it is posted again, or posted with the same Discord nonce, which
Discord deduplicates.

Failures: a 429 waits out the platform's Retry-After without counting an attempt; a failure
that may have delivered the message is looked up before the next try; other failures back off
and, after `[alerts] max_attempts`, leave the delivery `failed` with its reason. A target the
bot lost access to (channel gone, bot removed, token revoked) is paused and its deliveries wait;
the admin channel hears of it once. Posts to one channel are paced about a second apart.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, TypeVar

from bot.adapters.base import DigestPoster, LookupImpossible, Part, PostingError
from bot.alerts.message import alert_reply
from bot.commands.model import Reply
from bot.platforms import platform
from storage.alert_targets import claim_pause_notices, mark_pause_announced, pause_target
from storage.items import load_items
from storage.outbox import (
    FloodRule,
    Outgoing,
    RetryPolicy,
    mark_posted,
    mark_retry,
    mark_sending,
    mark_skipped,
    mark_uncertain,
    release,
)
from storage.outbox_claim import claim_outgoing
from storage.subscriptions import SubscriptionRecord, get_subscription

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from bot.core import Talentbrief

log = logging.getLogger(__name__)

T = TypeVar("T")
PACE_SECONDS = 1.0  # Slack allows about one message a second per channel
IDLE_SECONDS = 1.0  # how often an idle dispatcher looks for due deliveries
LOOKBACK = timedelta(days=2)  # how far back a maybe-sent message is looked for
TARGETS_AT_ONCE = 8


def _now() -> datetime:
    return datetime.now(UTC)


class Dispatcher:
    """Posts the outbox for one core; run it as a service of `talentbrief run`."""

    def __init__(self, core: Talentbrief, *, limit: int = 20) -> None:
        settings = core.config.alerts
        self.core = core
        self.lease = timedelta(seconds=settings.lease)
        self.limit = limit
        self.policy = RetryPolicy(
            max_attempts=settings.max_attempts,
            backoff_base=timedelta(seconds=settings.retry_after),
        )
        self.flood = FloodRule(
            more_than=settings.flood_threshold, window=timedelta(seconds=settings.flood_window)
        )
        self._last_post: dict[tuple[str, str], float] = {}
        self._slots = asyncio.Semaphore(TARGETS_AT_ONCE)

    async def _db(self, work: Callable[..., T], *args: Any) -> T:
        return await self.core.in_session(work, *args)

    async def run(self, stop: asyncio.Event) -> None:
        """Dispatch until `stop`; an idle dispatcher looks again every second."""
        while not stop.is_set():
            try:
                sent = await self.dispatch_once()
            except Exception:  # a bad round must not end alerts; the next one retries
                log.exception("alert dispatch failed")
                sent = 0
            if not sent:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), IDLE_SECONDS)

    async def dispatch_once(self, now: datetime | None = None) -> int:
        """Post what is due now; the number of messages handled."""
        moment = now or _now()
        claimed: list[Outgoing] = await self._db(
            lambda s: claim_outgoing(
                s, now=moment, lease=self.lease, limit=self.limit, flood=self.flood,
                policy=self.policy,
            )
        )  # fmt: skip
        by_target: dict[tuple[str, str, str], list[Outgoing]] = defaultdict(list)
        for outgoing in claimed:
            key = (outgoing.target_platform, outgoing.target_kind, outgoing.target_id)
            by_target[key].append(outgoing)
        await asyncio.gather(*(self._target(messages) for messages in by_target.values()))
        await self.announce_pauses()
        return len(claimed)

    async def _target(self, messages: Sequence[Outgoing]) -> None:
        """Post one target's messages in order, paced; a lost target stops (and pauses) it."""
        first = messages[0]
        async with self._slots:
            try:
                poster = await platform(first.target_platform).open_alert_target(
                    first.target_kind,
                    first.target_id,
                    self.core.config,
                    self.core.env,
                    self.core.console,
                )
            except PostingError as exc:
                await self._not_sent(messages, exc)
                return
            try:
                for index, outgoing in enumerate(messages):
                    if await self._deliver(poster, outgoing):
                        await self._release(messages[index + 1 :])
                        return
            finally:
                await poster.aclose()

    async def _pace(self, platform_name: str, target: str) -> None:
        key = (platform_name, target)
        wait = self._last_post.get(key, 0.0) + PACE_SECONDS - time.monotonic()
        if wait > 0:
            await asyncio.sleep(wait)
        self._last_post[key] = time.monotonic()

    async def _deliver(self, poster: DigestPoster, outgoing: Outgoing) -> bool:
        """Post one message; True when its target turned out to be lost."""
        run_key = f"alert{outgoing.key}"
        if outgoing.maybe_sent and await self._found(poster, outgoing, run_key):
            return False
        held = await self._db(lambda s: mark_sending(s, outgoing, now=_now(), lease=self.lease))
        if held is None:
            return False  # skipped or taken over meanwhile
        reply = await self._db(_message, held)
        if reply is None:
            await self._db(lambda s: mark_skipped(s, held, reason="its items are gone"))
            return False
        [body, *_more] = platform(held.target_platform).render_reply(reply)
        await self._pace(held.target_platform, held.target_id)
        try:
            message_id = await poster.post(Part(0, "message", body, run_key))
        except PostingError as exc:
            return await self._failed(held, exc)
        await self._db(lambda s: mark_posted(s, held, message_id, now=_now()))
        return False

    async def _found(self, poster: DigestPoster, outgoing: Outgoing, run_key: str) -> bool:
        """Whether a message that may be out already is on the platform (then recorded)."""
        # The message as it was sent: Discord's lookup compares the bot's posts by content.
        reply = await self._db(_message, outgoing)
        rendered = platform(outgoing.target_platform).render_reply(reply) if reply else [{}]
        part = Part(0, "message", rendered[0], run_key)
        try:
            found = await poster.find_posted(part, since=_now() - LOOKBACK)
        except LookupImpossible as exc:  # the console: at most once, as for digests
            log.warning("alert %s may not have arrived (%s); it is not sent twice", run_key, exc)
            found = f"unconfirmed:{run_key}"
        except PostingError as exc:
            # The platform cannot be asked now: posting blind could double it; try later.
            error = f"cannot check whether it was posted: {exc}"
            await self._db(
                lambda s: mark_uncertain(s, outgoing, error=error, now=_now(), policy=self.policy)
            )
            return True
        if found is None:
            return False
        log.info("alert %s had reached the platform as %s", run_key, found)
        await self._db(lambda s: mark_posted(s, outgoing, found, now=_now()))
        return True

    async def _failed(self, held: Outgoing, exc: PostingError) -> bool:
        error = str(exc)
        now = _now()
        if exc.target_lost:
            await self._pause(held, error)
            return True
        if exc.retry_after is not None:
            wait = timedelta(seconds=exc.retry_after)
            await self._db(
                lambda s: mark_retry(
                    s, held, error=error, now=now, policy=self.policy, retry_after=wait,
                    rate_limited=True,
                )
            )  # fmt: skip
        elif exc.maybe_delivered:
            await self._db(
                lambda s: mark_uncertain(s, held, error=error, now=now, policy=self.policy)
            )
        else:
            state = await self._db(
                lambda s: mark_retry(s, held, error=error, now=now, policy=self.policy)
            )
            if state == "failed":
                log.warning("alert delivery failed for good: %s", error)
        return False

    async def _pause(self, held: Outgoing, reason: str) -> None:
        def work(session: Session) -> bool:
            started = pause_target(
                session, held.target_platform, held.target_id, reason=reason, now=_now()
            )
            release(session, held)
            return started

        if await self._db(work):
            log.warning("alerts to %s %s paused: %s", held.target_platform, held.target_id, reason)

    async def _not_sent(self, messages: Sequence[Outgoing], exc: PostingError) -> None:
        """The target could not even be opened (no token, no DM channel)."""
        if exc.target_lost:
            await self._pause(messages[0], str(exc))
            await self._release(messages[1:])
            return
        for outgoing in messages:
            await self._db(
                lambda s, o=outgoing: mark_retry(
                    s, o, error=str(exc), now=_now(), policy=self.policy
                )
            )

    async def _release(self, messages: Sequence[Outgoing]) -> None:
        for outgoing in messages:
            await self._db(lambda s, o=outgoing: release(s, o))

    # --- telling the admins ---------------------------------------------------------------------

    async def announce_pauses(self) -> None:
        """Tell the admin channel, once, about each target that was paused."""
        pauses = await self._db(lambda s: claim_pause_notices(s, now=_now(), lease=self.lease))
        for pause in pauses:
            text = (
                f"Alerts to {pause.platform} {pause.target_id} are paused: {pause.reason}. "
                f"{len(pause.subscription_ids)} subscription(s) wait. Give the bot access again, "
                f"then: talentbrief subscriptions resume {pause.platform} {pause.target_id}"
            )
            if await self.core.alerts.notify_admins(Reply(title="Alerts paused", lines=(text,))):
                await self._db(lambda s, p=pause: mark_pause_announced(s, p.id, now=_now()))


def _message(session: Session, outgoing: Outgoing) -> Reply | None:
    """The alert for a claimed message, or None when its subscription or items are gone."""
    subscription: SubscriptionRecord | None = get_subscription(session, outgoing.subscription_id)
    items = load_items(session, list(outgoing.item_ids))
    if subscription is None or not items:
        return None
    return alert_reply(subscription, items)
