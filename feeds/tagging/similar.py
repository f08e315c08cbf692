"""A learned second opinion: how similar an item is to the labelled examples of each topic.

A linear model (one logistic regression per topic and one for the alert flag) over the
item's English words and word pairs and its Chinese character pairs, trained on the labelled
development set by `feeds/tagging/train_similar.py` and shipped as `similar.json`. Nothing is
downloaded. The tagger uses it only to add a topic or the alert flag the rules missed, when the
score passes that output's threshold (chosen on the development set, out of fold), and says
so: `similar to labelled examples of visa-policy, score 0.83`.

Scoring is plain Python: one dictionary lookup per feature. Chinese features are stored in
simplified characters and expanded to their traditional forms when the model loads, so texts
are never converted while tagging.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from itertools import pairwise
from typing import Any

from feeds.tagging.rules import chinese_forms

DATA_FILE = "similar.json"
_WORD = re.compile(r"[a-z0-9]+")
_CJK_RUN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]{2,}")


def features(title: str, summary: str) -> set[str]:
    """English words and adjacent word pairs, Chinese character pairs, of title and summary."""
    found: set[str] = set()
    for text in (title, summary):
        if not text:
            continue
        words = _WORD.findall(text.lower())
        found.update(words)
        found.update(f"{a} {b}" for a, b in pairwise(words))
        if not text.isascii():
            for run in _CJK_RUN.findall(text):
                found.update(run[i : i + 2] for i in range(len(run) - 1))
    return found


@dataclass(frozen=True, slots=True)
class Similarity:
    """A compiled model: feature -> ((output index, weight), ...), one bias per output."""

    outputs: tuple[str, ...]
    bias: tuple[float, ...]
    thresholds: Mapping[str, float]
    weights: Mapping[str, tuple[tuple[int, float], ...]]

    def scores(self, title: str, summary: str = "") -> dict[str, float]:
        """Each output's probability, 0 to 1."""
        found = features(title, summary)
        if not found:
            return {}
        totals = list(self.bias)
        scale = 1.0 / math.sqrt(len(found))
        weights = self.weights
        for feature in found:
            pairs = weights.get(feature)
            if pairs is not None:
                for index, weight in pairs:
                    totals[index] += weight * scale
        return {
            name: 1.0 / (1.0 + math.exp(-total))
            for name, total in zip(self.outputs, totals, strict=True)
        }


def compile_model(data: Mapping[str, Any]) -> Similarity:
    outputs = tuple(data["outputs"])
    weights: dict[str, tuple[tuple[int, float], ...]] = {}
    for feature, pairs in data["weights"].items():
        compiled = tuple((int(index), float(weight)) for index, weight in pairs)
        for form in _forms(feature):
            weights.setdefault(form, compiled)
    return Similarity(
        outputs=outputs,
        bias=tuple(float(b) for b in data["bias"]),
        thresholds={name: float(value) for name, value in data["thresholds"].items()},
        weights=weights,
    )


def _forms(feature: str) -> Iterable[str]:
    return chinese_forms(feature) if _CJK_RUN.search(feature) else (feature,)


@cache
def load_similarity() -> Similarity:
    text = resources.files(__package__).joinpath(DATA_FILE).read_text("utf-8")
    return compile_model(json.loads(text))
