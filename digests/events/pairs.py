"""One pair of tellings: what they share, how alike they are, and what refuses their link.

A feature's weight in a telling's vector is its weight in the telling × its rarity among the
tellings being grouped (an IDF with a prior of `PRIOR_DOCUMENTS` tellings that share nothing,
so that rarity means little among a handful of items). Two tellings are alike when the cosine
of their vectors reaches `SAME_LANGUAGE` (`CROSS_LANGUAGE` for an English and a Chinese
telling, whose vectors are cut to what both languages can share: concepts, numbers, names).
`refusal` says why a scored pair is not linked: published too far apart, different
institutions or stages, nothing specific in common, too little overlap or evidence.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from itertools import chain
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


class Vectors:
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


def cosine(
    tellings: Sequence[Telling],
    vectors: Vectors,
    first: int,
    second: int,
    shared: AbstractSet[str],
) -> float:
    """The cosine of two tellings' vectors; `shared`: the features they have in common."""
    dot = vectors.dot(first, second, shared)
    if tellings[first].chinese != tellings[second].chinese:
        return min(dot / (vectors.cross_norm(first) * vectors.cross_norm(second)), 1.0)
    return min(dot / (vectors.norm(first) * vectors.norm(second)), 1.0)


def shared_features(tellings: Sequence[Telling], first: int, second: int) -> AbstractSet[str]:
    return tellings[first].weights.keys() & tellings[second].weights.keys()


def copies(a: Telling, b: Telling) -> bool:
    titles = min(len(a.title_features), len(b.title_features))
    return titles >= MIN_TITLE_FEATURES and (
        len(a.title_features & b.title_features) >= SAME_TITLE * titles
    )


def shared_weight(a: Telling, b: Telling, shared: AbstractSet[str]) -> float:
    return round(sum(min(a.weights[f], b.weights[f]) for f in shared), 3)


def score_pair(tellings: Sequence[Telling], vectors: Vectors, first: int, second: int) -> Link:
    a, b = tellings[first], tellings[second]
    shared = shared_features(tellings, first, second)
    return Link(
        first=first,
        second=second,
        score=round(cosine(tellings, vectors, first, second, shared), 4),
        evidence=shared_weight(a, b, shared),
        shared=shared,
        copy=copies(a, b),
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
        unlike(a, b, link.shared, link.score, link.copy)
        or (None if link.copy else too_little(a, b, link.evidence))
        or out_of_stage(a, b)
    )


def unlike(
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


def too_little(a: Telling, b: Telling, evidence: float) -> str | None:
    minimum = MIN_CROSS_EVIDENCE if a.chinese != b.chinese else MIN_EVIDENCE
    if evidence < minimum:
        return f"too little in common ({evidence:.2f} < {minimum})"
    return None


def out_of_stage(a: Telling, b: Telling) -> str | None:
    lexicon = load_lexicon()
    if not lexicon.stages_compatible(a.stage, b.stage):
        return f"different stages: {a.stage} and {b.stage}"
    for unstaged, staged in ((a, b), (b, a)):
        later = staged.stage_in_title and staged.stage not in lexicon.first_stages
        if later and unstaged.stage is None and unstaged.at < staged.at - STAGE_SLACK_SECONDS:
            return f"published before the {staged.stage} stage was reported"
    return None


def outweighable(reason: str | None) -> bool:
    """Whether a pair is linked or its only objection is that it shares too little: a group
    can make up for that, never for a time, stage or institution that differs."""
    return reason is None or reason.startswith(("overlap", "too little", "no name"))
