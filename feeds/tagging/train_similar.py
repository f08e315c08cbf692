"""Train the learned second opinion (`similar.json`) on the labelled development set.

    python -m feeds.tagging.train_similar [tests/data/tagger_devset.jsonl] [--check]

Only the development set is used: the held-out sets stay unseen. One logistic regression per
topic and one for the alert flag, over `similar.tokens` (counts, scaled by 1/sqrt(total)),
with positives weighted by sqrt(negatives / positives) and a small L2 penalty, fitted by full
batch Adam. Each output's threshold is chosen out of fold (5 folds): the lowest score at which
the model alone was right at least 90 % of the time on at least 5 items. An output with no such
score gets no threshold and is never added. Weights under 0.2 are dropped before saving
(a score moves by at most a few hundredths on the development set).

Needs numpy (installed with matplotlib); tagging itself does not. Deterministic: the same
set gives the same file. `--check` reports without writing.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import opencc

from feeds.tagging.similar import DATA_FILE, tokens

TOPICS = (
    "visa-policy",
    "talent-programs",
    "returnees",
    "research-security",
    "export-controls",
    "student-mobility",
    "ai-talent",
)
OUTPUTS = (*TOPICS, "alert")
FOLDS = 5
TARGET_PRECISION = 0.9
MIN_PREDICTED = 5
GRID = tuple(round(0.3 + 0.05 * i, 2) for i in range(13))  # 0.30 … 0.90
L2 = 1e-4
EPOCHS = 300
RATE = 0.05
PRUNE = 0.2

Matrix = npt.NDArray[np.float64]


def _rows(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]


def _featurize(rows: Sequence[dict[str, Any]]) -> list[Counter[str]]:
    to_simplified = opencc.OpenCC("t2s")
    return [
        Counter(tokens(to_simplified.convert(row["title"]), to_simplified.convert(row["summary"])))
        for row in rows
    ]


def _labels(rows: Sequence[dict[str, Any]]) -> Matrix:
    return np.array(
        [[topic in row["tags"] for topic in TOPICS] + [bool(row["alert"])] for row in rows],
        dtype=np.float64,
    )


def _fit(found: Sequence[Counter[str]], labels: Matrix) -> tuple[dict[str, int], Matrix, Matrix]:
    vocabulary: dict[str, int] = {}
    for item in found:
        for feature in sorted(item):
            vocabulary.setdefault(feature, len(vocabulary))
    inputs = np.zeros((len(found), len(vocabulary)))
    for row, item in enumerate(found):
        for feature, count in item.items():
            inputs[row, vocabulary[feature]] = count
    inputs /= np.sqrt(np.maximum(inputs.sum(axis=1, keepdims=True), 1.0))
    positives = labels.sum(axis=0)
    boost = np.sqrt((len(found) - positives) / np.maximum(positives, 1.0))
    weights = np.zeros((len(vocabulary), labels.shape[1]))
    bias = np.zeros(labels.shape[1])
    moments = [
        np.zeros_like(weights),
        np.zeros_like(weights),
        np.zeros_like(bias),
        np.zeros_like(bias),
    ]
    for step in range(1, EPOCHS + 1):
        predicted = 1.0 / (1.0 + np.exp(-(inputs @ weights + bias)))
        error = (predicted - labels) * (1.0 + (boost - 1.0) * labels)
        gradients = (inputs.T @ error / len(found) + L2 * weights, error.mean(axis=0))
        for index, (gradient, parameter) in enumerate(zip(gradients, (weights, bias), strict=True)):
            first, second = moments[2 * index], moments[2 * index + 1]
            first *= 0.9
            first += 0.1 * gradient
            second *= 0.999
            second += 0.001 * gradient * gradient
            update = RATE * (first / (1 - 0.9**step)) / (np.sqrt(second / (1 - 0.999**step)) + 1e-8)
            np.subtract(parameter, update, out=parameter)  # in place: weights and bias
    return vocabulary, weights, bias


def _predict(model: tuple[dict[str, int], Matrix, Matrix], found: Sequence[Counter[str]]) -> Matrix:
    vocabulary, weights, bias = model
    scores = np.zeros((len(found), weights.shape[1]))
    for row, item in enumerate(found):
        total = np.zeros(weights.shape[1])
        for feature, count in item.items():
            if feature in vocabulary:
                total += count * weights[vocabulary[feature]]
        scale = 1.0 / np.sqrt(max(sum(item.values()), 1))
        scores[row] = 1.0 / (1.0 + np.exp(-(bias + total * scale)))
    return scores


def out_of_fold(found: Sequence[Counter[str]], labels: Matrix) -> Matrix:
    order = list(range(len(found)))
    random.Random(20261124).shuffle(order)
    scores = np.zeros_like(labels)
    for fold in range(FOLDS):
        held = order[fold::FOLDS]
        held_set = set(held)
        train = [i for i in order if i not in held_set]
        model = _fit([found[i] for i in train], labels[train])
        scores[held] = _predict(model, [found[i] for i in held])
    return scores


def choose_thresholds(scores: Matrix, labels: Matrix) -> dict[str, dict[str, float]]:
    chosen: dict[str, dict[str, float]] = {}
    for column, name in enumerate(OUTPUTS):
        gold = labels[:, column] > 0
        for threshold in GRID:
            predicted = scores[:, column] >= threshold
            count = int(predicted.sum())
            if count < MIN_PREDICTED:
                break
            precision = float((predicted & gold).sum()) / count
            if precision >= TARGET_PRECISION:
                recall = float((predicted & gold).sum()) / max(int(gold.sum()), 1)
                chosen[name] = {
                    "threshold": threshold,
                    "precision": round(precision, 3),
                    "recall": round(recall, 3),
                }
                break
    return chosen


def train(path: Path) -> dict[str, Any]:
    rows = _rows(path)
    found = _featurize(rows)
    labels = _labels(rows)
    chosen = choose_thresholds(out_of_fold(found, labels), labels)
    vocabulary, weights, bias = _fit(found, labels)
    kept: dict[str, list[list[float]]] = {}
    for feature, index in sorted(vocabulary.items()):
        pairs = [
            [column, round(float(weight), 2)]
            for column, weight in enumerate(weights[index])
            if abs(weight) >= PRUNE
        ]
        if pairs:
            kept[feature] = pairs
    return {
        "about": "feeds/tagging/similar.py; trained by feeds/tagging/train_similar.py",
        "trained_on": {"file": path.name, "items": len(rows)},
        "outputs": list(OUTPUTS),
        "bias": [round(float(b), 4) for b in bias],
        "thresholds": {name: value["threshold"] for name, value in chosen.items()},
        "out_of_fold": chosen,
        "weights": kept,
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="train feeds/tagging/similar.json")
    parser.add_argument("devset", nargs="?", default="tests/data/tagger_devset.jsonl")
    parser.add_argument("--check", action="store_true", help="report, do not write")
    args = parser.parse_args(argv)
    model = train(Path(args.devset))
    for name, value in model["out_of_fold"].items():
        print(
            f"{name:<18} threshold {value['threshold']:.2f}  out-of-fold precision "
            f"{value['precision']:.3f} recall {value['recall']:.3f}"
        )
    missing = [name for name in OUTPUTS if name not in model["thresholds"]]
    if missing:
        print("no threshold (never added): " + ", ".join(missing))
    print(f"{len(model['weights'])} features kept")
    if not args.check:
        target = Path(__file__).with_name(DATA_FILE)
        target.write_text(json.dumps(model, ensure_ascii=False, separators=(",", ":")) + "\n")
        print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
