"""The taxonomy compiled for matching: each topic's terms and rules as matcher keys, and what
one text holds for one topic while `Tagger` gathers it (feeds/tagging/tagger.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from feeds.tagging.alert import places
from feeds.tagging.rules import Hits
from feeds.tagging.taxonomy import Topic


@dataclass(frozen=True, slots=True)
class CompiledRule:
    anchors: Mapping[str, int]  # term key -> place, for reasons
    anchor_set: frozenset[str]
    groups: tuple[Mapping[str, int], ...]
    group_sets: tuple[frozenset[str], ...]
    weight: float
    near: int | None
    after: bool
    despite_exclusions: bool
    # A Chinese anchor and a group term can straddle one word (留学, 学生 in 留学生): such a
    # rule checks that its groups were found apart from its anchors (`apart`).
    overlapping: bool
    placed_groups: tuple[tuple[Mapping[str, int], frozenset[str]], ...]  # groups zipped
    group: frozenset[str] | None  # the one group, for most rules, checked without a loop
    # The groups, smallest (least likely to match) first: a check stops at the first missing.
    checks: tuple[frozenset[str], ...]


class Found:
    """What one text holds for one topic, gathered in one pass over its terms. (A plain
    class: made several times per item, and a dataclass's default factories cost more.)"""

    __slots__ = ("anchored", "excluded", "strong", "weak")

    def __init__(self) -> None:
        self.strong: list[str] = []
        self.weak: list[str] = []
        self.excluded = False
        self.anchored: set[int] = set()  # rule numbers


# What a vetoed topic holds: nothing (no strong term, so the topic is skipped; never mutated).
VETOED = Found()


STRONG, WEAK, EXCLUDE, ANCHOR, VETO = range(5)


@dataclass(frozen=True, slots=True)
class CompiledTopic:
    id: str
    threshold: float
    terms: tuple[str, ...]
    term_set: frozenset[str]
    weak: tuple[str, ...]
    weak_set: frozenset[str]
    exclude: tuple[str, ...]
    exclude_set: frozenset[str]
    veto: tuple[str, ...]
    rules: tuple[CompiledRule, ...]
    # the rules that count despite an exclusion, by number (most topics: none)
    unexcluded: frozenset[int]
    # every term that can give the topic evidence: a text with none of them skips the topic
    triggers: frozenset[str]
    # a strong or weak term's place in the taxonomy: reasons follow the taxonomy's order
    order: Mapping[str, int]


def near(
    hits: Hits, anchors: frozenset[str], group: frozenset[str], distance: int, after: bool
) -> bool:
    """Some anchor term and some group term start within `distance` characters (with `after`,
    the group term after the anchor)."""
    anchor_keys = anchors.intersection(hits)
    if not anchor_keys:
        return False
    group_keys = group.intersection(hits)
    if not group_keys:  # often: the anchor is in this text, the group in the other
        return False
    anchor_starts = [p for key in anchor_keys for p in hits[key]]
    low = 1 if after else -distance
    return any(
        low <= g - a <= distance for key in group_keys for g in hits[key] for a in anchor_starts
    )


def apart(rule: CompiledRule, in_title: Hits, in_summary: Hits) -> bool:
    """Whether every group of `rule` has a term found beside an anchor's match, not sharing
    characters with it: one Chinese word does not give its own context (留学生 holds 留学 and
    学生). A group term inside an anchor ("人才" in "人才计划") is the rule's own design: the
    anchor carries its context."""
    for group in rule.group_sets:
        if not any(
            _beside(hits, key, rule.anchor_set)
            for hits in (in_title, in_summary)
            for key in group.intersection(hits)
        ):
            return False
    return True


def _beside(hits: Hits, key: str, anchors: frozenset[str]) -> bool:
    """Whether some match of `key` in `hits` and some anchor's match do not straddle each
    other (an anchor in another text, or none here, leaves the key free)."""
    spans = [(start, start + len(a)) for a in anchors.intersection(hits) for start in hits[a]]
    if not spans:
        return True
    size = len(key)
    return any(
        not (low < start < high < start + size or start < low < start + size < high)
        for start in hits[key]
        for low, high in spans
    )


def _straddle(anchor: str, term: str) -> bool:
    """Whether two Chinese terms can match straddling text, one's end the other's start (留学,
    学生 in 留学生). English terms match whole words, and share words only by design."""
    if anchor.isascii() or term.isascii():
        return False
    shortest = min(len(anchor), len(term))
    return any(anchor.endswith(term[:k]) or term.endswith(anchor[:k]) for k in range(1, shortest))


def compile_topic(topic: Topic, keys: Callable[[Iterable[str]], tuple[str, ...]]) -> CompiledTopic:
    terms, weak, exclude = keys(topic.terms), keys(topic.weak), keys(topic.exclude)
    veto = keys(topic.veto)
    rules = []
    for rule in topic.rules:
        anchors = keys(rule.terms)
        groups = tuple(keys(group) for group in rule.groups)
        group_places = tuple(places(g) for g in groups)
        group_sets = tuple(frozenset(g) for g in groups)
        rules.append(
            CompiledRule(
                anchors=places(anchors),
                anchor_set=frozenset(anchors),
                groups=group_places,
                group_sets=group_sets,
                weight=rule.weight,
                near=rule.near,
                after=rule.after,
                despite_exclusions=rule.despite_exclusions,
                overlapping=any(
                    _straddle(anchor, term) for anchor in anchors for g in groups for term in g
                ),
                placed_groups=tuple(zip(group_places, group_sets, strict=True)),
                group=group_sets[0] if len(group_sets) == 1 else None,
                checks=tuple(sorted(group_sets, key=len)),
            )
        )
    return CompiledTopic(
        id=topic.id,
        threshold=topic.threshold,
        terms=terms,
        term_set=frozenset(terms),
        weak=weak,
        weak_set=frozenset(weak),
        exclude=exclude,
        # a veto excludes too: the model never adds what the rules rule out
        exclude_set=frozenset((*exclude, *veto)),
        veto=veto,
        rules=tuple(rules),
        unexcluded=frozenset(i for i, rule in enumerate(rules) if rule.despite_exclusions),
        triggers=frozenset((*terms, *weak, *(k for rule in rules for k in rule.anchors))),
        order={key: index for index, key in enumerate(dict.fromkeys((*terms, *weak)))},
    )
