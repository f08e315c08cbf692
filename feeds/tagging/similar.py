"""A learned second opinion: how similar an item is to the labelled examples of each topic.

A linear model (one logistic regression per topic and one for the alert flag) over the
item's English words and Chinese character pairs, each occurrence counted, scaled by
1/sqrt(their number). It is trained on the labelled development set by
`feeds/tagging/train_similar.py` and shipped as `similar.json`; nothing is downloaded. (English
word pairs doubled the model and slowed scoring without raising its out-of-fold recall at
90 % precision on the development set: 0.51 against 0.54 without them.) The tagger uses it
only to add a topic or the alert flag the rules missed, when the score passes that output's
threshold (chosen on the development set, out of fold), and says so: `similar to labelled
examples of visa-policy, score 0.83`.

Scoring is plain Python and cheap: one dictionary lookup per feature occurrence, driven by
map and filter so that the loop runs in C. Chinese features are stored in simplified
characters and expanded to traditional forms when the model loads, so texts are never
converted while tagging.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from operator import add
from typing import Any

from feeds.tagging.rules import chinese_forms

DATA_FILE = "similar.json"
_WORD = re.compile(r"[a-z0-9]+")
_CJK_RUN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]{2,}")

Weights = tuple[float, ...]  # one per output


def tokens(title: str, summary: str) -> Iterator[str]:
    """Every feature occurrence: English words, Chinese character pairs."""
    for text in (title, summary):
        yield from _WORD.findall(text.lower())
        if not text.isascii():
            for run in _CJK_RUN.findall(text):
                for index in range(len(run) - 1):
                    yield run[index : index + 2]


@dataclass(frozen=True, slots=True)
class Similarity:
    """A compiled model: every feature (English word, Chinese character pair in either
    script) -> its weight for each output."""

    outputs: tuple[str, ...]
    bias: tuple[float, ...]
    thresholds: Mapping[str, float]
    weights: Mapping[str, Weights]

    def scores(self, title: str, summary: str = "") -> dict[str, float]:
        """Each output's probability, 0 to 1 (empty when the text has no features)."""
        logits = self.logits(title, summary)
        if logits is None:
            return {}
        return {name: probability(logit) for name, logit in zip(self.outputs, logits, strict=True)}

    def logits(self, title: str, summary: str = "") -> list[float] | None:
        """Each output's log-odds, in `outputs` order (None when the text has no features):
        the tagger compares them with the thresholds' log-odds and takes exp() only of
        what passes."""
        get = self.weights.get
        found: list[Weights] = []  # the weights of every feature occurrence that has any
        count = 0
        for text in (title, summary):
            words = _WORD.findall(text.lower())
            count += len(words)
            found.extend(filter(None, map(get, words)))
            if not text.isascii():
                for run in _CJK_RUN.findall(text):
                    count += len(run) - 1
                    found.extend(filter(None, map(get, map(add, run, run[1:]))))
        if not count:
            return None
        if not found:
            return list(self.bias)
        scale = 1.0 / math.sqrt(count)
        return [
            bias + sum(column) * scale
            for bias, column in zip(self.bias, zip(*found, strict=True), strict=True)
        ]


def probability(logit: float) -> float:
    return 1.0 / (1.0 + math.exp(-logit))


def log_odds(value: float) -> float:
    return math.log(value / (1.0 - value))


def compile_model(data: Mapping[str, Any]) -> Similarity:
    outputs = len(data["outputs"])
    weights: dict[str, Weights] = {}
    for feature, listed in data["weights"].items():
        dense = [0.0] * outputs
        for index, weight in listed:
            dense[int(index)] = float(weight)
        for form in chinese_forms(feature) if _CJK_RUN.fullmatch(feature) else (feature,):
            weights.setdefault(form, tuple(dense))
    return Similarity(
        outputs=tuple(data["outputs"]),
        bias=tuple(float(b) for b in data["bias"]),
        thresholds={name: float(value) for name, value in data["thresholds"].items()},
        weights=weights,
    )


@cache
def load_similarity() -> Similarity:
    text = resources.files(__package__).joinpath(DATA_FILE).read_text("utf-8")
    return compile_model(json.loads(text))
