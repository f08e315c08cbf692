"""Which tellings tell the same event: weighted overlap of their features, then grouping.

Two tellings are *linked* when, within `WINDOW_SECONDS` of each other, their stages agree (a
conviction is not the indictment), they do not name different institutions, and either

- their titles are near-copies (a syndicated story, an aggregator's copy), or
- they share an *anchor* (a specific concept of the lexicon, a number, a name) and the cosine
  of their feature vectors reaches `SAME_LANGUAGE` (`CROSS_LANGUAGE` for an English and a
  Chinese telling, whose vectors are cut to what both languages can share: concepts, numbers,
  names), and what they share weighs at least `MIN_EVIDENCE` before rarity.

How one pair is scored and what refuses it is in `digests.events.pairs`; this module chooses
the pairs to score and groups the linked ones.

Links are taken strongest first and join two groups only when every stage in the joined group
is compatible with every other, and when the groups resemble each other on average
(`MERGE_RATIO`), so that one broad telling cannot chain two events together.

Only pairs that share an anchor used by at most `MAX_POSTINGS` tellings, or two of their
titles' rarest features, are scored: a digest's thousands of items cost a few thousand pairs.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import chain, combinations

from digests.events.features import CROSS_LANGUAGE_KINDS, Telling
from digests.events.lexicon import load_lexicon
from digests.events.pairs import (
    CROSS_LANGUAGE,
    SAME_LANGUAGE,
    STAGE_SLACK_SECONDS,
    WEAK_ANCHOR_FACTOR,
    WINDOW_SECONDS,
    Link,
    Vectors,
    copies,
    cosine,
    out_of_stage,
    outweighable,
    refusal,
    score_pair,
    shared_weight,
    strongest_shared,
    too_little,
    unlike,
)

__all__ = ["Link", "group", "strongest_shared"]

RAREST_TITLE_FEATURES = 3
MAX_POSTINGS = 60  # a feature more tellings share than this does not propose pairs
MERGE_RATIO = 0.9  # mean of score / threshold over the pairs of two groups being merged
LINKAGE_SAMPLE = 8  # members of each group compared for that mean


def _candidate_pairs(tellings: Sequence[Telling], vectors: Vectors) -> set[tuple[int, int]]:
    anchored: dict[str, list[int]] = {}
    # Near-copies share two of their titles' three rarest features, whatever else they share:
    # blocks keyed by such pairs stay small even where single words are common. Features are
    # ranked once, rarest first (ties in name order), so a telling's three rarest are its three
    # smallest ranks and a block's key is one int.
    # Most blocks hold one telling: a block gets its list when a second telling joins it.
    first_in: dict[int, int] = {}
    copies: dict[int, list[int]] = {}
    frequency = vectors.frequency
    ranked = sorted(sorted(frequency), key=frequency.__getitem__)
    rank = dict(zip(ranked, range(len(ranked)), strict=True))
    size = len(ranked)
    for index, telling in enumerate(tellings):
        for feature in telling.anchors:
            anchored.setdefault(feature, []).append(index)
        rarest = sorted(map(rank.__getitem__, telling.title_features))
        del rarest[RAREST_TITLE_FEATURES:]
        for low, high in combinations(rarest, 2):
            key = low * size + high
            first = first_in.setdefault(key, index)
            if first != index:
                block = copies.get(key)
                if block is None:
                    copies[key] = [first, index]
                else:
                    block.append(index)
    pairs: set[tuple[int, int]] = set()
    for where in chain(anchored.values(), copies.values()):
        if 1 < len(where) <= MAX_POSTINGS:
            pairs.update(combinations(where, 2))
    return pairs


@dataclass(frozen=True, slots=True)
class _Scored:
    links: list[Link]  # accepted links, strongest first
    ratios: dict[tuple[int, int], float]  # score / threshold of every scored pair
    vectors: Vectors

    def ratio(self, first: int, second: int) -> float:
        return self.ratios.get((min(first, second), max(first, second)), 0.0)


def _score_all(tellings: Sequence[Telling]) -> _Scored:
    vectors = Vectors(tellings)
    links = []
    ratios: dict[tuple[int, int], float] = {}
    for first, second in _candidate_pairs(tellings, vectors):
        a, b = tellings[first], tellings[second]
        if abs(a.at - b.at) > WINDOW_SECONDS:
            continue
        # The score first: most candidate pairs stop there, before the details of a link;
        # then the checks of `refusal` in turn, each piece computed only when it is needed.
        shared = a.weights.keys() & b.weights.keys()  # (`shared_features`)
        score = cosine(tellings, vectors, first, second, shared)
        ratio = score / (CROSS_LANGUAGE if a.chinese != b.chinese else SAME_LANGUAGE)
        copy = copies(a, b)
        ratios[(first, second)] = max(ratio, 1.0) if copy else ratio
        if ratio < 1.0 and not copy:
            continue
        score = round(score, 4)
        if unlike(a, b, shared, score, copy) is not None:
            continue
        evidence = shared_weight(a, b, shared)
        if (copy or too_little(a, b, evidence) is None) and out_of_stage(a, b) is None:
            links.append(Link(first, second, score, evidence, shared, copy))
    links.sort(key=lambda link: (-link.score, link.first, link.second))
    return _Scored(links=links, ratios=ratios, vectors=vectors)


def _find(parent: list[int], index: int) -> int:
    while parent[index] != index:
        parent[index] = parent[parent[index]]
        index = parent[index]
    return index


def group(tellings: Sequence[Telling]) -> tuple[list[list[int]], list[Link]]:
    """Groups of telling indices (each in input order, groups by their first member) and the
    links that made them."""
    lexicon = load_lexicon()
    scored = _score_all(tellings)
    parent = list(range(len(tellings)))
    members: list[list[int]] = [[index] for index in range(len(tellings))]
    stages: dict[int, set[str]] = {}  # per group root, once the group takes part in a link
    # Per group root: when its first telling naming no stage, and its first telling naming a
    # stage an event cannot start at, were published.
    unstaged: dict[int, float] = {}
    late: dict[int, float] = {}

    def stages_of(root: int) -> set[str]:
        if root not in stages:
            telling = tellings[root]
            stage = telling.stage
            stages[root] = {stage} if stage else set()
            if stage is None:
                unstaged[root] = telling.at
            elif stage not in lexicon.first_stages and telling.stage_in_title:
                late[root] = telling.at
        return stages[root]

    def in_order(root_a: int, root_b: int) -> bool:
        first_unstaged = min(unstaged.get(root_a, math.inf), unstaged.get(root_b, math.inf))
        first_late = min(late.get(root_a, math.inf), late.get(root_b, math.inf))
        return first_unstaged >= first_late - STAGE_SLACK_SECONDS or first_late == math.inf

    used: list[Link] = []
    for link in scored.links:
        root_a, root_b = _find(parent, link.first), _find(parent, link.second)
        if root_a == root_b:
            continue
        if not all(
            lexicon.stages_compatible(x, y) for x in stages_of(root_a) for y in stages_of(root_b)
        ) or not in_order(root_a, root_b):
            continue
        # (The first few members of each stand for a large group: the cost stays bounded.)
        pairs = [
            (x, y)
            for x in members[root_a][:LINKAGE_SAMPLE]
            for y in members[root_b][:LINKAGE_SAMPLE]
        ]
        if sum(scored.ratio(x, y) for x, y in pairs) / len(pairs) < MERGE_RATIO:
            continue
        keep, gone = min(root_a, root_b), max(root_a, root_b)
        parent[gone] = keep
        stages[keep] = stages_of(keep) | stages_of(gone)
        for times in (unstaged, late):
            if gone in times:
                times[keep] = min(times.get(keep, math.inf), times.pop(gone))
        members[keep] += members[gone]
        used.append(link)
    for link in _attach(tellings, scored, members, parent):
        root = _find(parent, link.second)
        stage, first_stage = tellings[link.first].stage, stages_of(root)
        if all(lexicon.stages_compatible(stage, other) for other in first_stage):
            parent[link.first] = root
            members[root].append(link.first)
            if stage:
                stages[root].add(stage)
            used.append(link)
    groups: dict[int, list[int]] = {}
    for index in range(len(tellings)):
        root = index if parent[index] == index else _find(parent, index)  # (most are roots)
        groups.setdefault(root, []).append(index)
    return list(groups.values()), used


def _centroid(vectors: Vectors, group: list[int], cross: bool) -> tuple[dict[str, float], float]:
    total: dict[str, float] = {}
    for index in group:
        for feature, value in vectors.of(index)[0].items():
            if not cross or feature[0] in CROSS_LANGUAGE_KINDS:
                total[feature] = total.get(feature, 0.0) + value
    return total, math.hypot(*total.values()) or 1.0


def _attach(
    tellings: Sequence[Telling],
    scored: _Scored,
    members: list[list[int]],
    parent: list[int],
) -> list[Link]:
    """Tellings left alone that resemble an event's tellings *together*: a group of four
    outlets uses more of an event's words than any one of them. Each lone telling that was
    compared with a member of a group of two or more joins the group whose combined vector it
    is closest to, when that closeness reaches the pair threshold and nothing refuses the pair
    with its closest member."""
    vectors = scored.vectors
    near: dict[int, set[int]] = {}
    for first, second in scored.ratios:
        root_first, root_second = _find(parent, first), _find(parent, second)
        for lone, lone_root, root in (
            (first, root_first, root_second),
            (second, root_second, root_first),
        ):
            if len(members[lone_root]) == 1 and len(members[root]) > 1:
                near.setdefault(lone, set()).add(root)
    attached = []
    for lone in sorted(near):
        telling = tellings[lone]
        vector, norm = vectors.of(lone)
        best: tuple[float, int] | None = None
        for root in sorted(near[lone]):
            group = members[root]
            if any(abs(tellings[i].at - telling.at) > WINDOW_SECONDS for i in group):
                continue
            shared = set().union(*(telling.anchors & tellings[i].anchors for i in group))
            if not shared:
                continue  # the group must share something specific with it too
            cross = any(tellings[i].chinese != telling.chinese for i in group)
            centroid, centroid_norm = _centroid(vectors, group, cross)
            own = vectors.cross_norm(lone) if cross else norm
            score = sum(v * centroid.get(f, 0.0) for f, v in vector.items()) / (own * centroid_norm)
            threshold = CROSS_LANGUAGE if cross else SAME_LANGUAGE
            if shared <= load_lexicon().weak_anchors:
                threshold *= WEAK_ANCHOR_FACTOR
            if score >= threshold and (best is None or score > best[0]):
                best = (score, root)
        if best is None:
            continue
        closest = max(members[best[1]], key=lambda i: (scored.ratio(lone, i), -i))
        first, second = sorted((lone, closest))
        link = score_pair(tellings, vectors, first, second)
        if not outweighable(refusal(link, tellings)):
            continue
        attached.append(
            Link(
                first=lone,
                second=closest,
                score=round(min(best[0], 1.0), 4),
                evidence=link.evidence,
                shared=link.shared,
                copy=False,
                whole=True,
            )
        )
    return attached
