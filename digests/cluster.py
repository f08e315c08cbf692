"""Clustering: every telling of one event (outlets, agencies, law firms, Chinese-language media)
becomes one digest entry, and a new stage of an event stays its own entry.

Storage already merges items that share a canonical URL. This groups *different* items that
report the same event, whatever their wording or language: digests/events/ reads each item's
salient features (concepts of a bilingual lexicon of the field, numbers, names, rare words) and
its stage (proposed, final, withdrawn, charged, convicted, …), links items whose weighted
features overlap enough within a few days and whose stages agree, and groups the links. Every
join keeps its reason, which `explain_clusters` returns as plain data.

Items already shown in an earlier digest of the channel (`earlier`) take part in the grouping,
so a new telling of an event shown yesterday lands in that event's cluster and is marked as a
repeat; a new stage of it forms a cluster of its own.
"""

from __future__ import annotations

import gc
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from operator import attrgetter
from typing import Any

from digests.events.face import AUTHORITY_NAMES, authority, face_order
from digests.events.features import Telling, read_telling, read_tellings
from digests.events.lexicon import load_lexicon
from digests.events.link import Link, group, strongest_shared
from storage.types import StoredItem

_ALERT = attrgetter("alert")


@dataclass(frozen=True, slots=True)
class Join:
    """Why two items were put together."""

    first: int  # item ids
    second: int
    score: float  # weighted overlap (cosine), 0–1
    evidence: float  # weight of what they share, before rarity
    shared: tuple[str, ...]  # what they share, strongest first, as shown to people
    stage: str | None  # the event stage both report (None: neither names one)
    # Joined to the event's tellings together (`score` is against all of them; `second` is
    # the closest one), not to one telling alone.
    whole: bool = False

    def as_data(self) -> dict[str, Any]:
        return {
            "items": [self.first, self.second],
            "score": self.score,
            "evidence": self.evidence,
            "shared": list(self.shared),
            "stage": self.stage,
            "with_the_whole_event": self.whole,
        }


@dataclass(frozen=True, slots=True)
class Cluster:
    """The tellings of one event: the lead (most authoritative) first."""

    items: tuple[StoredItem, ...]
    joins: tuple[Join, ...] = ()
    earlier: tuple[StoredItem, ...] = ()  # tellings already shown in an earlier digest
    stage: str | None = None

    @property
    def representative(self) -> StoredItem:
        return self.items[0]

    @property
    def others(self) -> tuple[StoredItem, ...]:
        return self.items[1:]

    @property
    def also(self) -> tuple[str, ...]:
        """Every other outlet that carried the event, in face order."""
        primary = self.representative.source
        if len(self.items) == 1:  # most stories: one outlet, which names only itself
            sources = self.items[0].sources
            if not sources or (len(sources) == 1 and sources[0] == primary):
                return ()
        seen: list[str] = []
        for item in self.items:
            for name in (item.source, *item.sources):
                if name and name != primary and name not in seen:
                    seen.append(name)
        return tuple(seen)

    @property
    def alert(self) -> bool:
        return any(map(_ALERT, self.items))

    @property
    def shown_before(self) -> bool:
        return bool(self.earlier)


# `Cluster(items=(item,))` for the thousands of one-telling clusters of a digest: a frozen
# dataclass's __init__ sets each field through object.__setattr__, the costliest part of
# building them (≈ 2.4× this); these set the same fields through their slots directly.
_NEW = object.__new__
_SET_ITEMS, _SET_JOINS, _SET_EARLIER, _SET_STAGE = (
    Cluster.__dict__[name].__set__ for name in ("items", "joins", "earlier", "stage")
)


def one_telling(item: StoredItem) -> Cluster:
    """The cluster of one telling: equal to `Cluster(items=(item,))`."""
    cluster = _NEW(Cluster)
    _SET_ITEMS(cluster, (item,))
    _SET_JOINS(cluster, ())
    _SET_EARLIER(cluster, ())
    _SET_STAGE(cluster, None)
    return cluster


def _label(feature: str) -> str:
    kind, value = feature[:2], feature[2:]
    if kind == "c:":
        return load_lexicon().concept_label.get(value, value)
    if kind in ("n:", "~:") and value.isdigit():
        return ("≈" if kind == "~:" else "") + f"{int(value):,}"
    return value


def _join(link: Link, tellings: Sequence[Telling], limit: int = 8) -> Join:
    items = [tellings[link.first].item, tellings[link.second].item]
    stages = {stage for stage in (tellings[link.first].stage, tellings[link.second].stage) if stage}
    labels: list[str] = []
    for feature in strongest_shared(link, tellings):
        label = _label(feature)
        if label not in labels:
            labels.append(label)
    return Join(
        first=items[0].id,
        second=items[1].id,
        score=link.score,
        evidence=link.evidence,
        shared=tuple(labels[:limit]),
        stage=min(stages) if len(stages) == 1 else None,
        whole=link.whole,
    )


@contextmanager
def collector_paused() -> Iterator[None]:
    """Grouping (and ranking) allocate many small containers while thousands of tellings are
    alive, and none of them form reference cycles: Python's cyclic collector would walk them
    again and again (a quarter of the time at 5,000 items). It is switched back on after."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _grouped(
    items: Sequence[StoredItem], earlier: Sequence[StoredItem]
) -> tuple[list[Telling], list[tuple[list[int], list[Link]]]]:
    """The tellings of `items` then `earlier`, and the groups (telling indices and links)
    that hold at least one of `items`."""
    new_ids = {item.id for item in items}
    everything = [*items, *(item for item in earlier if item.id not in new_ids)]
    with collector_paused():
        tellings = read_tellings(everything)
        groups, links = group(tellings)
    root: dict[int, int] = {}
    for number, members in enumerate(groups):
        for index in members:
            root[index] = number
    links_of: dict[int, list[Link]] = {}
    for link in links:
        links_of.setdefault(root[link.first], []).append(link)
    kept = [
        (members, links_of.get(number, []))
        for number, members in enumerate(groups)
        if members[0] < len(items)  # a group of earlier items only has nothing new
    ]
    return tellings, kept


def cluster_items(
    items: Sequence[StoredItem], *, earlier: Sequence[StoredItem] = ()
) -> list[Cluster]:
    """Group the tellings of each event; clusters come in the order of their first item.

    `earlier`: items shown in earlier digests of the channel; a cluster that takes one in is
    a repeat (`shown_before`), and holds only the new items in `items`.
    """
    clusters = []
    count = len(items)
    order = load_lexicon().stage_order
    tellings, groups = _grouped(items, earlier)
    everything = [telling.item for telling in tellings]
    for members, links in groups:
        if len(members) == 1:
            clusters.append(one_telling(everything[members[0]]))
            continue
        new = sorted((everything[i] for i in members if i < count), key=face_order)
        # The lead's stage, else the one its tellings name most (they are all compatible).
        named = Counter(tellings[i].stage for i in members if tellings[i].stage)
        lead = next(tellings[i] for i in members if everything[i] is new[0])
        clusters.append(
            Cluster(
                items=tuple(new),
                joins=tuple(_join(link, tellings) for link in links),
                earlier=tuple(everything[i] for i in members if i >= count),
                stage=lead.stage
                or (min(named, key=lambda s: (-named[s], order.index(s))) if named else None),
            )
        )
    return clusters


def explain_clusters(
    items: Sequence[StoredItem], *, earlier: Sequence[StoredItem] = ()
) -> list[dict[str, Any]]:
    """Why items were grouped, as plain data (for `digest --explain` and `/brief why`): every
    cluster of more than one telling, or with tellings shown before, with its members in face
    order (the lead first), each member's authority and stage, and every join's reason."""
    result = []
    for cluster in cluster_items(items, earlier=earlier):
        if len(cluster.items) < 2 and not cluster.earlier:
            continue
        result.append(
            {
                "lead": cluster.representative.id,
                "alert": cluster.alert,
                "stage": cluster.stage,
                "items": [_member(item) for item in cluster.items],
                "shown_before": [_member(item) for item in cluster.earlier],
                "joins": [join.as_data() for join in cluster.joins],
            }
        )
    return result


def _member(item: StoredItem) -> dict[str, Any]:
    telling = read_telling(item)
    return {
        "id": item.id,
        "title": item.title,
        "source": item.source,
        "url": item.url,
        "authority": AUTHORITY_NAMES[authority(item)],
        "stage": telling.stage,
        "stage_word": telling.stage_word,
    }
