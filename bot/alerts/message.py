"""What an alert says: the item (title, source, date, topics), why it matched, and for a
government document its effective and comment-close dates. Several items from one flooding
subscription become one message listing them.

Alerts are `Reply` values, so each platform renders them with the same escaping and limits as
every other answer of the bot.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.commands.model import Listing, Reply
from digests.render.common import first_sentence, format_date
from storage.subscriptions import SubscriptionRecord
from storage.types import StoredItem

MAX_LISTED = 20  # items named in one flood message; the rest are counted
MAX_REASONS = 4


def _why(item: StoredItem) -> str:
    """The rules that made it an alert and gave its topics, shortest first."""
    reasons = [*item.reasons.get("alert", ())]
    for topic in item.tags:
        reasons += item.reasons.get(topic, ())[:2]
    unique = list(dict.fromkeys(reasons))[:MAX_REASONS]
    return "; ".join(unique) or "it matches the subscription's query"


def _footer(subscription: SubscriptionRecord) -> str:
    return (
        f"Subscription #{subscription.id}: {subscription.query} · "
        f"/brief unsubscribe {subscription.id} stops it"
    )


def alert_reply(subscription: SubscriptionRecord, items: Sequence[StoredItem]) -> Reply:
    """The message for one subscription's due items (one item, or a flood listed)."""
    if len(items) == 1:
        [item] = items
        fields = [("Why it matched", _why(item))]
        if item.doc_type:
            fields.append(("Document", item.doc_type))
        if item.effective_on:
            fields.append(("Takes effect", format_date(item.effective_on)))
        if item.comments_close_on:
            fields.append(("Comments close", format_date(item.comments_close_on)))
        kind = "Policy alert" if item.alert else "New match"
        return Reply(
            title=f"{kind}: {item.title}",
            items=(Listing.of(item, snippet=first_sentence(item.summary)),),
            fields=tuple(fields),
            footer=_footer(subscription),
            private=False,
        )
    shown = items[:MAX_LISTED]
    more = len(items) - len(shown)
    lines = (f"and {more} more; search the archive for the rest",) if more else ()
    return Reply(
        title=f"{len(items)} new items match subscription #{subscription.id}",
        items=tuple(Listing.of(item, snippet=first_sentence(item.summary)) for item in shown),
        lines=lines,
        footer=_footer(subscription),
        private=False,
    )
