"""Which tellings tell the same event: weighted overlap of their features, then grouping.

Two tellings are *linked* when, within `WINDOW_SECONDS` of each other, their stages agree (a
conviction is not the indictment), they do not name different institutions, and either

- their titles are near-copies (a syndicated story, an aggregator's copy), or
- they share an *anchor* (a specific concept of the lexicon, a number, a name) and the cosine
  of their feature vectors reaches `SAME_LANGUAGE` (`CROSS_LANGUAGE` for an English and a
  Chinese telling, whose vectors are cut to what both languages can share: concepts, numbers,
  names), and what they share weighs at least `MIN_EVIDENCE` before rarity.

A feature's weight in the vector is its weight in the telling × its rarity among the tellings
being grouped (an IDF with a prior of `PRIOR_DOCUMENTS` tellings that share nothing, so that
rarity means little among a handful of items).

Links are taken strongest first and join two groups only when every stage in the joined group
is compatible with every other, and when the groups resemble each other on average
(`MERGE_RATIO`), so that one broad telling cannot chain two events together.

Only pairs that share an anchor used by at most `MAX_POSTINGS` tellings, or two of their
titles' rarest features, are scored: a digest's thousands of items cost a few thousand pairs.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from itertools import chain, combinations
from operator import mul

from digests.events.features import CROSS_LANGUAGE_KINDS, Telling
from digests.events.lexicon import load_lexicon

WINDOW_SECONDS = 5 * 24 * 3600.0  # tellings of one event appear within days of each other
PRIOR_DOCUMENTS = 50.0
SAME_LANGUAGE = 0.12  # cosine, English–English or Chinese–Chinese
CROSS_LANGUAGE = 0.25  # cosine over what both languages can share
MIN_EVIDENCE = 1.5  # weight of what two tellings share, before rarity
MIN_CROSS_EVIDENCE = 0.8
WEAK_ANCHOR_FACTOR = 3.0  # the overlap needed when only weak anchors are shared, × threshold
MIN_SHARED_PAIRS = 4  # Chinese character pairs two Chinese tellings share, to stand for a name
SAME_TITLE = 0.8  # share of the shorter title's features two near-copies have in common
MIN_TITLE_FEATURES = 3
RAREST_TITLE_FEATURES = 3
MAX_POSTINGS = 60  # a feature more tellings share than this does not propose pairs
MERGE_RATIO = 0.9  # mean of score / threshold over the pairs of two groups being merged
LINKAGE_SAMPLE = 8  # members of each group compared for that mean
# A telling naming no stage may precede the first report of a later stage by this much at most.
STAGE_SLACK_SECONDS = 6 * 3600.0


@dataclass(frozen=True, slots=True)
class Link:
    """Why two tellings were joined (or, for `explain`, considered)."""

    first: int  # indices into the tellings
    second: int
    score: float
    evidence: float
    shared: AbstractSet[str]  # features both have (`strongest_shared` orders them)
    copy: bool  # near-identical titles
    # Joined to the group as a whole (its tellings together), `second` being its closest
    # member: see `_attach`.
    whole: bool = False


class _Vectors:
    """Each telling's features weighted by rarity, weight × idf (a telling's norm is computed
    when a pair first needs it; a pair's product reads only the features it shares)."""

    def __init__(self, tellings: Sequence[Telling]) -> None:
        self.tellings = tellings
        self.frequency = Counter(chain.from_iterable(t.weights for t in tellings))
        total = len(tellings) + PRIOR_DOCUMENTS
        log = math.log
        self._idf = {feature: log(total / (n + 1)) for feature, n in self.frequency.items()}
        self._vectors: dict[int, dict[str, float]] = {}  # for centroids (`_attach`)
        self._norms: dict[int, float] = {}
        self._cross_norms: dict[int, float] = {}

    def _weighted(self, weights: dict[str, float], features: Iterable[str]) -> Iterator[float]:
        """weights[f] × idf[f] for each of `features`, at C speed."""
        return map(mul, map(weights.__getitem__, features), map(self._idf.__getitem__, features))

    def of(self, index: int) -> tuple[dict[str, float], float]:
        """(feature -> weight × idf, its norm)."""
        vector = self._vectors.get(index)
        if vector is None:
            weights = self.tellings[index].weights
            vector = dict(zip(weights, self._weighted(weights, weights), strict=True))
            self._vectors[index] = vector
        return vector, self.norm(index)

    def norm(self, index: int) -> float:
        norm = self._norms.get(index)
        if norm is None:
            weights = self.tellings[index].weights
            weighted = map(mul, weights.values(), map(self._idf.__getitem__, weights))
            norm = self._norms[index] = math.hypot(*weighted) or 1.0
        return norm

    def cross_norm(self, index: int) -> float:
        """The norm over what both languages can share."""
        norm = self._cross_norms.get(index)
        if norm is None:
            weights = self.tellings[index].weights
            comparable = [f for f in weights if f[0] in CROSS_LANGUAGE_KINDS]
            norm = self._cross_norms[index] = (
                math.hypot(*self._weighted(weights, comparable)) or 1.0
            )
        return norm

    def dot(self, first: int, second: int, shared: AbstractSet[str]) -> float:
        a, b = self.tellings[first].weights, self.tellings[second].weights
        dot: float = sum(map(mul, self._weighted(a, shared), self._weighted(b, shared)))
        return dot


def _candidate_pairs(tellings: Sequence[Telling], vectors: _Vectors) -> set[tuple[int, int]]:
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
        for low, high in combinations(rarest[:RAREST_TITLE_FEATURES], 2):
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


def _score(
    tellings: Sequence[Telling],
    vectors: _Vectors,
    first: int,
    second: int,
    shared: AbstractSet[str],
) -> float:
    """The cosine of two tellings' vectors; `shared`: the features they have in common."""
    dot = vectors.dot(first, second, shared)
    if tellings[first].chinese != tellings[second].chinese:
        return min(dot / (vectors.cross_norm(first) * vectors.cross_norm(second)), 1.0)
    return min(dot / (vectors.norm(first) * vectors.norm(second)), 1.0)


def _shared(tellings: Sequence[Telling], first: int, second: int) -> AbstractSet[str]:
    return tellings[first].weights.keys() & tellings[second].weights.keys()


def _copies(a: Telling, b: Telling) -> bool:
    titles = min(len(a.title_features), len(b.title_features))
    return titles >= MIN_TITLE_FEATURES and (
        len(a.title_features & b.title_features) >= SAME_TITLE * titles
    )


def _evidence(a: Telling, b: Telling, shared: AbstractSet[str]) -> float:
    return round(sum(min(a.weights[f], b.weights[f]) for f in shared), 3)


def score_pair(tellings: Sequence[Telling], vectors: _Vectors, first: int, second: int) -> Link:
    a, b = tellings[first], tellings[second]
    shared = _shared(tellings, first, second)
    return Link(
        first=first,
        second=second,
        score=round(_score(tellings, vectors, first, second, shared), 4),
        evidence=_evidence(a, b, shared),
        shared=shared,
        copy=_copies(a, b),
    )


def strongest_shared(link: Link, tellings: Sequence[Telling]) -> list[str]:
    """What two linked tellings share, weightiest first (for explanations)."""
    wa, wb = tellings[link.first].weights, tellings[link.second].weights
    return sorted(link.shared, key=lambda f: (-wa.get(f, 0.0) * wb.get(f, 0.0), f))


def _threshold(a: Telling, b: Telling) -> float:
    return CROSS_LANGUAGE if a.chinese != b.chinese else SAME_LANGUAGE


def refusal(link: Link, tellings: Sequence[Telling]) -> str | None:
    """Why a scored pair is not linked, or None when it is. (Stages are checked last: reading
    a telling's stage is the costly part, and most pairs fail before.)"""
    a, b = tellings[link.first], tellings[link.second]
    return (
        _unlike(a, b, link.shared, link.score, link.copy)
        or (None if link.copy else _too_little(a, b, link.evidence))
        or _out_of_stage(a, b)
    )


def _unlike(
    a: Telling, b: Telling, shared: AbstractSet[str], score: float, copy: bool
) -> str | None:
    """The objections to a pair before what it shares is weighed: time, institutions, and
    (unless the titles are copies) a specific thing in common and enough overlap."""
    if abs(a.at - b.at) > WINDOW_SECONDS:
        return "published too far apart"
    if a.institutions and b.institutions and a.institutions.isdisjoint(b.institutions):
        return "they name different institutions"
    if not copy:
        anchors = (a.anchors | b.anchors) & shared
        threshold = _threshold(a, b)
        if not anchors:
            # Chinese names are runs of characters: many shared pairs stand for one.
            pairs = sum(1 for f in shared if f[0] == "b")
            if not (a.chinese and b.chinese and pairs >= MIN_SHARED_PAIRS):
                return "no name, number or specific concept in common"
        elif anchors <= load_lexicon().weak_anchors:
            threshold *= WEAK_ANCHOR_FACTOR  # only a place or a policy area in common
        if score < threshold:
            return f"overlap {score:.2f} below {threshold:.2f}"
    return None


def _too_little(a: Telling, b: Telling, evidence: float) -> str | None:
    minimum = MIN_CROSS_EVIDENCE if a.chinese != b.chinese else MIN_EVIDENCE
    if evidence < minimum:
        return f"too little in common ({evidence:.2f} < {minimum})"
    return None


def _out_of_stage(a: Telling, b: Telling) -> str | None:
    lexicon = load_lexicon()
    if not lexicon.stages_compatible(a.stage, b.stage):
        return f"different stages: {a.stage} and {b.stage}"
    for unstaged, staged in ((a, b), (b, a)):
        later = staged.stage_in_title and staged.stage not in lexicon.first_stages
        if later and unstaged.stage is None and unstaged.at < staged.at - STAGE_SLACK_SECONDS:
            return f"published before the {staged.stage} stage was reported"
    return None


@dataclass(frozen=True, slots=True)
class _Scored:
    links: list[Link]  # accepted links, strongest first
    ratios: dict[tuple[int, int], float]  # score / threshold of every scored pair
    vectors: _Vectors

    def ratio(self, first: int, second: int) -> float:
        return self.ratios.get((min(first, second), max(first, second)), 0.0)


def _score_all(tellings: Sequence[Telling]) -> _Scored:
    vectors = _Vectors(tellings)
    links = []
    ratios: dict[tuple[int, int], float] = {}
    for first, second in _candidate_pairs(tellings, vectors):
        a, b = tellings[first], tellings[second]
        if abs(a.at - b.at) > WINDOW_SECONDS:
            continue
        # The score first: most candidate pairs stop there, before the details of a link;
        # then the checks of `refusal` in turn, each piece computed only when it is needed.
        shared = _shared(tellings, first, second)
        score = _score(tellings, vectors, first, second, shared)
        ratio = score / _threshold(a, b)
        copy = _copies(a, b)
        ratios[(first, second)] = max(ratio, 1.0) if copy else ratio
        if ratio < 1.0 and not copy:
            continue
        score = round(score, 4)
        if _unlike(a, b, shared, score, copy) is not None:
            continue
        evidence = _evidence(a, b, shared)
        if (copy or _too_little(a, b, evidence) is None) and _out_of_stage(a, b) is None:
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
        groups.setdefault(_find(parent, index), []).append(index)
    return list(groups.values()), used


def _centroid(vectors: _Vectors, group: list[int], cross: bool) -> tuple[dict[str, float], float]:
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
        for lone, other in ((first, second), (second, first)):
            root = _find(parent, other)
            if len(members[_find(parent, lone)]) == 1 and len(members[root]) > 1:
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
        if not _weak(refusal(link, tellings)):
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


def _weak(reason: str | None) -> bool:
    """Whether a pair is linked or its only objection is that it shares too little: a group
    can make up for that, never for a time, stage or institution that differs."""
    return reason is None or reason.startswith(("overlap", "too little", "no name"))
