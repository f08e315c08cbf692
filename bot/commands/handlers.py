"""The `/brief` commands, each written once over the application core.

A handler takes the core, the caller and its typed arguments, and returns a `Reply`. It never
formats for a platform and never catches errors: the command layer turns a `BadInput` into a
short reply and anything else into "something went wrong" with a log reference.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from bot.alerts.subscriptions import Target
from bot.commands.model import MARKS, Caller, Listing, Reply
from bot.core import Talentbrief
from storage.errors import BadInput
from storage.sources import SourceStatus
from storage.subscriptions import Owner
from storage.types import SearchHit
from storage.urls import redact_text

RESULTS = 10
QUIET_AFTER = timedelta(days=14)  # a source with no new item for this long is "quiet"


def listing(hit: SearchHit) -> Listing:
    return Listing(
        id=hit.id,
        title=hit.title,
        url=hit.url,
        source=hit.source,
        published=hit.published,
        tags=hit.tags,
        alert=hit.alert,
        snippet=hit.snippet,
    )


def _listings(hits: Sequence[SearchHit]) -> tuple[Listing, ...]:
    return tuple(listing(hit) for hit in hits)


async def search(core: Talentbrief, caller: Caller, query: str) -> Reply:
    hits = await core.search(query, limit=RESULTS, marks=MARKS)
    if not hits:
        return Reply(
            title=f"No items match {query}",
            lines=("Try fewer words, an OR, or a longer window such as since:30d.",),
        )
    return Reply(
        title=f"{len(hits)} best matches for {query}",
        items=_listings(hits),
        footer="why ID explains an item's topics",
    )


async def latest(core: Talentbrief, caller: Caller, topic: str | None = None) -> Reply:
    hits = await core.latest(topic, limit=RESULTS)
    about = f" on {core.catalog.title(topic)}" if topic else ""
    if not hits:
        return Reply(title=f"Nothing new{about} in the last two weeks")
    return Reply(
        title=f"Latest{about}",
        items=_listings(hits),
        footer="Policy alerts first, then the newest",
    )


async def digest(core: Talentbrief, caller: Caller, topic: str | None = None) -> Reply:
    channel = core.digests.channel_for_target(caller.platform, caller.channel_id or "")
    preview = await core.digests.preview(None if topic else channel, topic=topic)
    lines: tuple[str, ...] = ()
    if preview.digest.is_empty:
        lines = ("Nothing new for this digest yet.",)
    return Reply(
        title=f"Preview of {preview.channel.name if channel and not topic else 'the digest'}",
        lines=lines,
        digest=None if preview.digest.is_empty else preview.digest,
    )


async def topics(core: Talentbrief, caller: Caller) -> Reply:
    return Reply(
        title="Topics",
        fields=tuple((topic.id, topic.description) for topic in core.topics()),
        footer="alert is a flag, not a topic: search with alert:yes",
    )


def _item_id(text: str) -> int:
    cleaned = text.strip().lstrip("#")
    if not cleaned.isdigit() or len(cleaned) > 12:
        raise BadInput(f"{text.strip()[:30]!r} is not an item id: use a number from search results")
    return int(cleaned)


async def why(core: Talentbrief, caller: Caller, item: str) -> Reply:
    explained = await core.explain(_item_id(item))
    fields = [
        (f"{topic} ({score:.2f})", "; ".join(explained.reasons.get(topic, ())) or "—")
        for topic, score in explained.topics
    ]
    if explained.alert:
        fields.append(("alert", "; ".join(explained.reasons.get("alert", ())) or "—"))
    for cluster in explained.joined:
        others = [m for m in cluster["items"] if m["id"] != explained.item.id]
        shared = list(
            dict.fromkeys(word for join in cluster["joins"] for word in join.get("shared", ()))
        )[:6]
        fields.append(
            (
                f"same story in digests as {len(others)} other telling(s)",
                "; ".join(f"#{m['id']} {m['source']}: {m['title']}" for m in others[:5])
                + (f" (shared: {', '.join(shared)})" if shared else ""),
            )
        )
    lines = () if fields else ("The tagger found no topic in this item.",)
    return Reply(
        title=f"Why item {explained.item.id} is tagged as it is",
        items=(Listing.of(explained.item),),
        fields=tuple(fields),
        lines=lines,
    )


def health(status: SourceStatus, now: datetime) -> str:
    """ok / failing (with the last error) / quiet / new / disabled."""
    if not status.enabled:
        return "disabled"
    if status.status == "failing":
        return f"failing: {redact_text(status.last_error or 'unknown error')}"
    if status.last_success_at is None:
        return "new: not polled yet"
    newest = status.last_item_at
    if newest is None or now - newest > QUIET_AFTER:
        return "quiet: no new item in two weeks"
    return "ok"


async def sources(core: Talentbrief, caller: Caller) -> Reply:
    statuses = await core.sources()
    if not statuses:
        return Reply(title="No sources yet", lines=("An admin can add one: feeds add URL",))
    now = datetime.now(UTC)
    failing = sum(1 for status in statuses if status.enabled and status.status == "failing")
    return Reply(
        title=f"{len(statuses)} sources, {failing} failing",
        fields=tuple((status.name, health(status, now)) for status in statuses),
    )


async def feeds_add(core: Talentbrief, caller: Caller, url: str, tags: str | None = None) -> Reply:
    topic_ids = [tag.strip().lower() for tag in (tags or "").replace(",", " ").split() if tag]
    added = await core.add_source(url, tags=topic_ids, origin="chat")
    assert added.check is not None
    return Reply(
        title=f"Added {added.name}",
        lines=(
            f"It answered in {added.check.seconds:.1f} s with {added.check.entries} entries; "
            f"it is polled every {added.interval_seconds // 60} minutes.",
        ),
        private=False,
    )


async def feeds_remove(core: Talentbrief, caller: Caller, name: str) -> Reply:
    await core.remove_source(name.strip().strip('"'))
    return Reply(title=f"Removed {name.strip()}", lines=("Its items stay in the archive.",))


# --- policy alerts ------------------------------------------------------------------------------


def _target(caller: Caller, where: str | None) -> Target:
    chosen = (where or "dm").strip().lower()
    if chosen not in ("here", "dm"):
        raise BadInput(f"where is here or dm, not {chosen[:20]!r}")
    if chosen == "dm" or caller.in_dm or caller.channel_id is None:
        return Target("dm", caller.platform, caller.user_id)
    return Target("channel", caller.platform, caller.channel_id)


async def subscribe(
    core: Talentbrief, caller: Caller, query: str, where: str | None = None
) -> Reply:
    target = _target(caller, where)
    if (
        target.kind == "channel"
        and core.config.alerts.channel_subscriptions == "admins"
        and not await caller.is_admin()
    ):
        raise BadInput("only admins may subscribe this channel here; use dm for your own alerts")
    record = await core.alerts.subscribe(Owner(caller.platform, caller.user_id), query, target)
    return Reply(
        title=f"Subscribed (#{record.id})",
        lines=(
            f"New items matching {record.query} will be posted to {target.describe()} within a "
            "poll interval. Unsubscribe with: unsubscribe " + str(record.id),
        ),
        private=target.kind == "dm",
    )


def _subscription_id(text: str) -> int:
    cleaned = text.strip().lstrip("#")
    if not cleaned.isdigit() or len(cleaned) > 12:
        raise BadInput(f"{text.strip()[:30]!r} is not a subscription id: see subscriptions")
    return int(cleaned)


async def unsubscribe(core: Talentbrief, caller: Caller, subscription: str) -> Reply:
    record = await core.alerts.unsubscribe(
        _subscription_id(subscription), Owner(caller.platform, caller.user_id)
    )
    return Reply(
        title=f"Unsubscribed (#{record.id})", lines=(f"No more alerts for {record.query}.",)
    )


async def subscriptions(core: Talentbrief, caller: Caller) -> Reply:
    views = await core.alerts.subscriptions(Owner(caller.platform, caller.user_id))
    if not views:
        return Reply(
            title="No subscriptions",
            lines=("Subscribe with: subscribe tag:visa-policy alert:yes dm",),
        )
    return Reply(
        title=f"Your {len(views)} subscription(s)",
        fields=tuple((f"#{v.subscription.id} {v.subscription.query}", v.line) for v in views),
        footer="unsubscribe ID stops one",
    )
