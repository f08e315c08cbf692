"""A learned second opinion: how similar an item is to the labelled examples of each topic.

A linear model (one logistic regression per topic and one for the alert flag) over the item's
English words and Chinese character n-grams (title and summary together) and the rules' own
partial evidence (each topic's rule score, tagged or not, and the alert score), trained on the
project's labelled sets by `python -m feeds.tagging.train_similar` and shipped as
`similar.json` inside this package; nothing is downloaded. Which features it reads (word pairs
or not, which Chinese n-gram sizes, each occurrence counted or each feature once, the rules'
evidence or not) is chosen by the trainer out of fold and recorded in the file. The rules'
evidence lets it learn when a topic's weak signs, below the rules' threshold, are enough
given the words around them.

The tagger uses it only to ADD a topic or the alert flag the rules missed, when the score
passes that output's threshold, and says so: `similar to labelled examples of visa-policy,
score 0.83`. The thresholds were chosen out of fold against the rules' own output, so that
what the model adds keeps the combined precision up (see the trainer).

Scoring is plain Python and cheap: one dictionary lookup per feature, driven by map and filter
so that the loop runs in C. Chinese features are stored in simplified characters and expanded
to traditional forms when the model loads, so texts are never converted while tagging.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from itertools import filterfalse, pairwise, product
from operator import add
from typing import Any, Protocol

from feeds.tagging.taxonomy import ALERT, load_taxonomy
from storage.text_tools import traditional_to_simplified

DATA_FILE = "similar.json"
EVIDENCE = "@"  # prefix of the features that are the rules' scores, not words
_WORD = re.compile(r"[a-z0-9]+")
_CJK_RUN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")
_CJK_RUNS_OF_2 = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]{2,}")
# The only characters whose lower case holds an ASCII letter or digit (tests check the table);
# two `in` tests cost a third of a regular expression's search.
_DOTTED_I, _KELVIN = "\u0130", "\u212a"

Weights = tuple[float, ...]  # one per output
# Words dropped before pairs are made when `Features.content_pairs` (a fixed list: changing
# it changes what a trained model reads).
STOPWORDS = frozenset(
    "a an and are as at be by for from has have in is it its of on or over s says than that the"  # noqa: SIM905
    " this to was were will with".split()
)


@dataclass(frozen=True, slots=True)
class Features:
    """Which features the model reads (recorded in its file by the trainer)."""

    word_pairs: bool = False
    cjk: tuple[int, ...] = (2,)  # Chinese character n-gram sizes, 1 to 3
    binary: bool = False  # each distinct feature once, instead of every occurrence
    evidence: bool = False  # the rules' scores (features named EVIDENCE + topic id or "alert")
    # With word pairs: the title's only (not the summary's) ...
    title_pairs: bool = False
    # ... and the pairs of the words left once those in STOPWORDS are dropped
    content_pairs: bool = False

    def as_json(self) -> dict[str, Any]:
        found: dict[str, Any] = {
            "word_pairs": self.word_pairs,
            "cjk": list(self.cjk),
            "binary": self.binary,
            "evidence": self.evidence,
        }
        # written only when set: a file of the earlier recipes stays byte for byte the same
        if self.title_pairs:
            found["title_pairs"] = True
        if self.content_pairs:
            found["content_pairs"] = True
        return found

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Features:
        return cls(
            word_pairs=bool(data.get("word_pairs", False)),
            cjk=tuple(int(n) for n in data.get("cjk", (2,))),
            binary=bool(data.get("binary", False)),
            evidence=bool(data.get("evidence", False)),
            title_pairs=bool(data.get("title_pairs", False)),
            content_pairs=bool(data.get("content_pairs", False)),
        )

    def pairs_of(self, words: list[str], *, title: bool) -> list[str]:
        """The word pairs of a text's words ("student visa": each word joined to the next),
        as the recipe makes them (none without `word_pairs`)."""
        if not self.word_pairs or (self.title_pairs and not title):
            return []
        if self.content_pairs:  # stopwords dropped first: "visa for students" -> "visa students"
            words = list(filterfalse(STOPWORDS.__contains__, words))
        return list(map(" ".join, pairwise(words)))


def _ngrams(run: str, size: int) -> Iterable[str]:
    if size == 1:
        return run
    if size == 2:
        return map(add, run, run[1:])
    return ("".join(parts) for parts in zip(*(run[i:] for i in range(size)), strict=False))


def tokens(title: str, summary: str, features: Features = Features()) -> Iterator[str]:
    """Every feature occurrence of a text, in order (the trainer's view; `Similarity.logits`
    computes the same faster)."""
    for text, is_title in ((title, True), (summary, False)):
        words = _WORD.findall(text.lower())
        yield from words
        yield from features.pairs_of(words, title=is_title)
        if not text.isascii():
            for run in _CJK_RUN.findall(text):
                for size in features.cjk:
                    yield from _ngrams(run, size)


@dataclass(frozen=True, slots=True)
class Similarity:
    """A compiled model: every feature (in either script) -> its weight for each output."""

    outputs: tuple[str, ...]
    bias: tuple[float, ...]
    thresholds: Mapping[str, float]  # output -> probability at which it may be added
    weights: Mapping[str, Weights]
    features: Features = Features()
    evidence: Mapping[str, Weights] = field(default_factory=dict)  # topic id or "alert"
    # output -> probability under which it doubts the rules' own answer (used only where the
    # config lets it remove what it doubts: `[tagger] second_opinion_may_remove`)
    doubts: Mapping[str, float] = field(default_factory=dict)

    def scores(
        self,
        title: str,
        summary: str = "",
        evidence: Mapping[str, float] | None = None,
        alert: float = 0.0,
    ) -> dict[str, float]:
        """Each output's probability, 0 to 1 (empty when the text has no features)."""
        logits = self.logits(title, summary, evidence, alert)
        if logits is None:
            return {}
        return {name: probability(logit) for name, logit in zip(self.outputs, logits, strict=True)}

    def logits(
        self,
        title: str,
        summary: str = "",
        evidence: Mapping[str, float] | None = None,
        alert: float = 0.0,
        *,
        words: tuple[list[str], list[str]] | None = None,
    ) -> list[float] | None:
        """Each output's log-odds, in `outputs` order (None when the text has no features):
        the tagger compares them with the thresholds' log-odds and takes exp() only of what
        passes. `evidence` holds the rules' topic scores, `alert` their alert score.

        `words`, when given, are the title's and the summary's runs of ASCII letters and
        digits, lower-cased (as the tagger's term matcher has already split them): the model
        reads them rather than splitting the texts again."""
        if words is None:
            words = (_WORD.findall(title.lower()), _WORD.findall(summary.lower()))
        if self.features.binary:
            seen = self._distinct(title, summary, words)
            count = len(seen)
            hits = list(filter(None, map(self.weights.get, seen)))
        else:
            count, hits = self._occurrences(title, summary, words)
        if not count:
            return None
        if evidence and self.evidence:
            # the rules' scores, unscaled: folded into the sum below as if they were words
            root = math.sqrt(count)
            get = self.evidence.get
            for name, value in (*evidence.items(), (ALERT, alert)):
                weights = get(name)
                if weights is not None and value:
                    factor = value * root
                    hits.append(tuple([weight * factor for weight in weights]))
        if not hits:
            return list(self.bias)
        scale = 1.0 / math.sqrt(count)
        # Rows and bias all have one weight per output (compile_model): zip needs no strict.
        columns = map(sum, zip(*hits))  # noqa: B905
        return [bias + total * scale for bias, total in zip(self.bias, columns)]  # noqa: B905

    def _distinct(self, title: str, summary: str, words: tuple[list[str], list[str]]) -> set[str]:
        """Every distinct feature of the text (as `tokens`, without repeats), in the order
        `tokens` first gives them: the weights are then summed in the same order."""
        features = self.features
        if features.word_pairs:
            if title.isascii() and summary.isascii():
                seen = {*words[0], *words[1]}
                seen.update(features.pairs_of(words[0], title=True))
                if not features.title_pairs:
                    seen.update(features.pairs_of(words[1], title=False))
                return seen  # no Chinese
            seen = set()
            for text, split, is_title in zip((title, summary), words, (True, False)):  # noqa: B905
                own = _own_words(text, split)
                seen.update(own)
                seen.update(features.pairs_of(own, title=is_title))
        elif title.isascii() and summary.isascii():  # three items in four: no Chinese to pair
            return {*words[0], *words[1]}
        else:
            seen = set(_own_words(title, words[0]))
            seen.update(_own_words(summary, words[1]))
        sizes = self.features.cjk
        for text in (title, summary):
            if not text.isascii():
                if sizes == (2,):
                    seen.update(_cjk_pairs(text))
                    continue
                for run in _CJK_RUN.findall(text):
                    for size in sizes:
                        seen.update(_ngrams(run, size))
        return seen

    def _occurrences(
        self, title: str, summary: str, words: tuple[list[str], list[str]]
    ) -> tuple[int, list[Weights]]:
        """How many feature occurrences the text has, and the weights of those the model
        knows (the common case, kept to map/filter)."""
        get = self.weights.get
        sizes = self.features.cjk
        hits: list[Weights] = []
        count = 0
        for text, split, is_title in zip((title, summary), words, (True, False), strict=True):
            own = _own_words(text, split)
            count += len(own)
            hits.extend(filter(None, map(get, own)))
            pairs = self.features.pairs_of(own, title=is_title)
            count += len(pairs)
            hits.extend(filter(None, map(get, pairs)))
            if not text.isascii():
                for run in _CJK_RUN.findall(text):
                    for size in sizes:
                        if len(run) >= size:
                            count += len(run) - size + 1
                            hits.extend(filter(None, map(get, _ngrams(run, size))))
        return count, hits


def _own_words(text: str, split: list[str]) -> list[str]:
    """The model's words of a text (`_WORD` over the text lower-cased), given its ASCII runs
    lower-cased: the same list, unless lower-casing turns a character of the text into an
    ASCII letter (İ into "i" and a combining dot, the Kelvin sign into "k")."""
    if text.isascii() or (_DOTTED_I not in text and _KELVIN not in text):
        return split
    return _WORD.findall(text.lower())


def _cjk_pairs(text: str) -> list[str]:
    """Every overlapping pair of Chinese characters, in order (the characters of a run made
    once, then joined pairwise: a regular expression costs more per pair)."""
    pairs: list[str] = []
    for run in _CJK_RUNS_OF_2.findall(text):
        chars = list(run)
        pairs += map(add, chars, chars[1:])
    return pairs


class SecondOpinion(Protocol):
    """What the tagger asks of the learned second opinion (`similar.Similarity`)."""

    @property
    def outputs(self) -> tuple[str, ...]: ...

    @property
    def thresholds(self) -> Mapping[str, float]: ...

    @property
    def doubts(self) -> Mapping[str, float]: ...

    def logits(
        self,
        title: str,
        summary: str = "",
        evidence: Mapping[str, float] | None = None,
        alert: float = 0.0,
        *,
        words: tuple[list[str], list[str]] | None = None,
    ) -> list[float] | None: ...


def customised(overrides: Mapping[str, Any]) -> set[str]:
    """What `[taxonomy]` overrides redefine: each topic it names, every topic when it changes
    the shared groups, and the alert when it changes the alert's vocabulary."""
    changed = set(overrides.get("topics", {}))
    if overrides.get("groups"):
        changed.update(load_taxonomy().topic_ids())
    if overrides.get("alert"):
        changed.add(ALERT)
    return changed


def probability(logit: float) -> float:
    return 1.0 / (1.0 + math.exp(-logit))


def log_odds(value: float) -> float:
    return math.log(value / (1.0 - value))


@cache
def _traditional_of() -> dict[str, tuple[str, ...]]:
    """simplified character -> itself and every traditional character the trainer's
    conversion (OpenCC's character table) turns into it."""
    found: dict[str, list[str]] = {}
    for traditional, simplified in traditional_to_simplified().items():
        found.setdefault(simplified, [simplified]).append(chr(traditional))
    return {simplified: tuple(forms) for simplified, forms in found.items()}


def _written_forms(feature: str) -> list[str]:
    """Every way a simplified feature may be written: each character simplified or in any
    traditional form the trainer would have simplified into it."""
    table = _traditional_of()
    return ["".join(chars) for chars in product(*((table.get(c) or (c,)) for c in feature))]


def compile_model(data: Mapping[str, Any]) -> Similarity:
    """The model of a file, keeping only the outputs that have a threshold: the others are
    never added, and every column costs time on every item."""
    live = [n for n, name in enumerate(data["outputs"]) if name in data["thresholds"]]
    column = {number: place for place, number in enumerate(live)}
    weights: dict[str, Weights] = {}
    evidence: dict[str, Weights] = {}
    # One float object per distinct weight, one tuple per distinct row: scoring touches a few
    # hundred objects that stay in the CPU's cache, not some 20 scattered ones per feature.
    numbers: dict[float, float] = {}
    rows: dict[Weights, Weights] = {}
    for feature, listed in data["weights"].items():
        dense = [0.0] * len(live)
        for index, weight in listed:
            if int(index) in column:
                dense[column[int(index)]] = float(weight)
        if not any(dense):
            continue
        row = tuple(numbers.setdefault(weight, weight) for weight in dense)
        row = rows.setdefault(row, row)
        if feature.startswith(EVIDENCE):
            evidence[feature.removeprefix(EVIDENCE)] = row
            continue
        for form in _written_forms(feature) if _CJK_RUN.fullmatch(feature) else (feature,):
            weights.setdefault(form, row)
    return Similarity(
        outputs=tuple(data["outputs"][n] for n in live),
        bias=tuple(float(data["bias"][n]) for n in live),
        thresholds={name: float(value) for name, value in data["thresholds"].items()},
        weights=_side_by_side(weights),
        features=Features.from_json(data.get("features", {})),
        evidence=evidence,
        doubts={name: float(value) for name, value in data.get("doubts", {}).items()},
    )


def _side_by_side(weights: Mapping[str, Weights]) -> dict[str, Weights]:
    """The same table made afresh: its numbers, then its rows, then its features, each a new
    object allocated after the last. Built amid the parse, they lie scattered among the
    parse's freed objects over many more pages, and the lookups of every item then cost
    measurably more time (not instructions). Each object is copied as it is, so equal
    weights, rows and their sums are the same to the last bit."""
    numbers: dict[int, float] = {}  # by identity: 0.0 and -0.0 stay what they were
    for row in weights.values():
        for number in row:
            if id(number) not in numbers:
                numbers[id(number)] = float(repr(number))
    rows: dict[int, Weights] = {}
    table: dict[str, Weights] = {}
    for feature, row in weights.items():
        fresh = rows.get(id(row))
        if fresh is None:
            fresh = rows[id(row)] = tuple([numbers[id(number)] for number in row])
        table[feature.encode("utf-8").decode("utf-8")] = fresh
    return table


@cache
def load_similarity() -> Similarity:
    text = resources.files(__package__).joinpath(DATA_FILE).read_text("utf-8")
    return compile_model(json.loads(text))
