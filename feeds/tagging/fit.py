"""Fitting the second opinion's logistic regressions (numpy; used by the trainer only).

Items are bags of features (`similar.tokens`), each scaled by 1/sqrt(its number of feature
occurrences, or of distinct features when the recipe counts each once), as `Similarity.logits`
scores them; the rules' scores (features named with `similar.EVIDENCE`) enter as they are.
The design matrix is kept sparse (row, column, value triples) and products are `np.bincount`s,
so a fit over some 1,500 items and 20,000 features takes a second or two.
Training is full-batch Adam from zeros with a fixed number of steps: deterministic.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from feeds.tagging.similar import EVIDENCE, Features

Matrix = npt.NDArray[np.float64]
SEED = 20261130


@dataclass(frozen=True, slots=True)
class Recipe:
    features: Features = field(default_factory=Features)
    l2: float = 1e-4
    # positives weigh (negatives / positives) ** boost: 0 none, 0.5 square root, 1 balanced
    boost: float = 0.5
    steps: int = 300
    rate: float = 0.05
    # weights smaller than this are dropped (fewer features to add up on every item); applied
    # to every fold's model too, so the out-of-fold scores are those of a pruned model
    prune: float = 0.05
    # word pairs' weights smaller than this are dropped too (0: `prune` alone): a pair costs
    # the file and the load more than it adds, unless it says much
    pair_prune: float = 0.0

    def as_json(self) -> dict[str, Any]:
        found: dict[str, Any] = {
            "features": self.features.as_json(),
            "l2": self.l2,
            "boost": self.boost,
            "steps": self.steps,
            "rate": self.rate,
            "prune": self.prune,
        }
        if self.pair_prune:  # written only when set: earlier files stay the same
            found["pair_prune"] = self.pair_prune
        return found


@dataclass(frozen=True, slots=True)
class Sparse:
    rows: npt.NDArray[np.intp]
    columns: npt.NDArray[np.intp]
    values: Matrix
    shape: tuple[int, int]

    def times(self, weights: Matrix) -> Matrix:
        """self @ weights"""
        out = np.empty((self.shape[0], weights.shape[1]))
        for k in range(weights.shape[1]):
            out[:, k] = np.bincount(
                self.rows, weights=self.values * weights[self.columns, k], minlength=self.shape[0]
            )
        return out

    def transposed_times(self, errors: Matrix) -> Matrix:
        """self.T @ errors"""
        out = np.empty((self.shape[1], errors.shape[1]))
        for k in range(errors.shape[1]):
            out[:, k] = np.bincount(
                self.columns, weights=self.values * errors[self.rows, k], minlength=self.shape[1]
            )
        return out


def vectorize(
    found: Sequence[Counter[str]], recipe: Recipe, vocabulary: dict[str, int] | None = None
) -> tuple[dict[str, int], Sparse]:
    """The items as a sparse matrix over `vocabulary` (built from the items when None, in a
    fixed order: first occurrence, features sorted within an item)."""
    if vocabulary is None:
        vocabulary = {}
        for item in found:
            for feature in sorted(item):
                vocabulary.setdefault(feature, len(vocabulary))
    rows: list[int] = []
    columns: list[int] = []
    values: list[float] = []
    binary = recipe.features.binary
    for row, item in enumerate(found):
        words = [feature for feature in item if not feature.startswith(EVIDENCE)]
        total = len(words) if binary else sum(item[feature] for feature in words)
        scale = 1.0 / np.sqrt(max(total, 1))
        for feature in sorted(item):
            column = vocabulary.get(feature)
            if column is None:
                continue
            rows.append(row)
            columns.append(column)
            if feature.startswith(EVIDENCE):
                values.append(float(item[feature]))
            else:
                values.append(scale if binary else item[feature] * scale)
    matrix = Sparse(
        rows=np.array(rows, dtype=np.intp),
        columns=np.array(columns, dtype=np.intp),
        values=np.array(values, dtype=np.float64),
        shape=(len(found), len(vocabulary)),
    )
    return vocabulary, matrix


def fit(
    data: tuple[dict[str, int], Sparse], labels: Matrix, recipe: Recipe
) -> tuple[dict[str, int], Matrix, Matrix]:
    """(vocabulary, weights, bias) of one weighted, L2-penalised logistic regression per
    label column."""
    vocabulary, inputs = data
    count = inputs.shape[0]
    positives = labels.sum(axis=0)
    boost = ((count - positives) / np.maximum(positives, 1.0)) ** recipe.boost
    importance = 1.0 + (boost - 1.0) * labels
    weights = np.zeros((inputs.shape[1], labels.shape[1]))
    bias = np.zeros(labels.shape[1])
    moments = [
        np.zeros_like(weights),
        np.zeros_like(weights),
        np.zeros_like(bias),
        np.zeros_like(bias),
    ]
    for step in range(1, recipe.steps + 1):
        predicted = 1.0 / (1.0 + np.exp(-(inputs.times(weights) + bias)))
        error = (predicted - labels) * importance
        gradients = (
            inputs.transposed_times(error) / count + recipe.l2 * weights,
            error.mean(axis=0),
        )
        for index, (gradient, parameter) in enumerate(zip(gradients, (weights, bias), strict=True)):
            first, second = moments[2 * index], moments[2 * index + 1]
            first *= 0.9
            first += 0.1 * gradient
            second *= 0.999
            second += 0.001 * gradient * gradient
            update = (
                recipe.rate
                * (first / (1 - 0.9**step))
                / (np.sqrt(second / (1 - 0.999**step)) + 1e-8)
            )
            np.subtract(parameter, update, out=parameter)  # in place: weights and bias
    weights[np.abs(weights) < recipe.prune] = 0.0
    if recipe.pair_prune > recipe.prune:  # word pairs are the features with a space
        pairs = np.array([" " in feature for feature in vocabulary], dtype=bool)
        weights[pairs[:, None] & (np.abs(weights) < recipe.pair_prune)] = 0.0
    return vocabulary, weights, bias


def predict(
    model: tuple[dict[str, int], Matrix, Matrix], found: Sequence[Counter[str]], recipe: Recipe
) -> Matrix:
    vocabulary, weights, bias = model
    _, inputs = vectorize(found, recipe, vocabulary)
    return 1.0 / (1.0 + np.exp(-(inputs.times(weights) + bias)))


def fold_order(count: int) -> list[int]:
    """The items' numbers in a fixed shuffled order: fold k holds order[k::folds]."""
    order = list(range(count))
    random.Random(SEED).shuffle(order)
    return order


def out_of_fold(
    found: Sequence[Counter[str]], labels: Matrix, recipe: Recipe, *, folds: int = 5
) -> Matrix:
    """Every item's scores from a model that never saw it (`folds` folds, a fixed shuffle)."""
    order = fold_order(len(found))
    scores = np.zeros_like(labels)
    for fold in range(folds):
        held = order[fold::folds]
        held_set = set(held)
        train = [i for i in order if i not in held_set]
        model = fit(vectorize([found[i] for i in train], recipe), labels[train], recipe)
        scores[held] = predict(model, [found[i] for i in held], recipe)
    return scores
