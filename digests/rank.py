"""Ranking: policy alerts first, then tag score, cluster size, source priority and recency.

A story's alert flag and tags are its tellings' together (an event is an alert when any
telling is). The tag score is compared at one decimal so that near-equal scores fall through to
the later criteria (a story five outlets ran beats one whose tagger score is 0.02 higher).
"""

from __future__ import annotations

import heapq
from collections.abc import Collection, Iterable, Mapping, Sequence
from itertools import count as count_from

from digests.model import Entry
from storage.types import StoredItem

ALERT_TAG = "alert"


def tag_score(tags: Mapping[str, float], topics: Collection[str] = ()) -> float:
    """The best score among the channel's topics (or among all the topics)."""
    scores = [
        score for tag, score in tags.items() if tag != ALERT_TAG and (not topics or tag in topics)
    ]
    return max(scores, default=0.0)


def primary_topic(
    tags: Mapping[str, float], topics: Sequence[str] = (), order: Sequence[str] = ()
) -> str | None:
    """The section an entry goes in: its best-scoring topic (`tags`: the entry's, all its
    tellings'), ties broken by section order (the channel's topics, else the taxonomy's
    `order`)."""
    order = list(topics or order)
    candidates = [
        (score, tag)
        for tag, score in tags.items()
        if tag != ALERT_TAG and (not topics or tag in topics)
    ]
    if not candidates:
        return None
    best = max(score for score, _ in candidates)
    tied = sorted(
        tag for score, tag in candidates if score == best
    )  # deterministic before ordering
    return min(tied, key=lambda tag: (order.index(tag) if tag in order else len(order), tag))


RankKey = tuple[bool, float, int, int, float, int]


def story_key(
    lead: StoredItem, alert: bool, tags: Mapping[str, float], outlets: int, topics: Collection[str]
) -> RankKey:
    """The rank of a story from its lead telling and what its tellings have together."""
    return (
        not alert,
        -round(tag_score(tags, topics), 1),
        -outlets,
        -lead.source_priority,
        -lead.published_at.timestamp(),
        lead.id,
    )


def rank_key(entry: Entry, topics: Sequence[str] = ()) -> RankKey:
    return story_key(entry.item, entry.alert, entry.tags, entry.outlets, topics)


def rank_entries(entries: Iterable[Entry], topics: Sequence[str] = ()) -> list[Entry]:
    return sorted(entries, key=lambda entry: rank_key(entry, topics))


def first_ranked(keys: Sequence[RankKey], count: int) -> list[int]:
    """The positions of `sorted(keys)[:count]` (equal keys in their order), without sorting
    what is not shown."""
    if count < 0:  # (a slice's meaning: all but the last -count)
        count = max(len(keys) + count, 0)
    return [position for _, position in heapq.nsmallest(count, zip(keys, count_from()))]
