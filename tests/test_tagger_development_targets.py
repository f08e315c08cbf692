"""Thirty-seventh round of issue 9: the learned second opinion's thresholds, chosen on the tuning
sets, are raised as far as the development set needs to keep issue 3's targets."""

from __future__ import annotations

import numpy as np

from feeds.tagging.development import ALERT_PRECISION, MACRO_F1, hold_targets, macro_f1
from feeds.tagging.replay import combined
from feeds.tagging.taxonomy import ALERT
from feeds.tagging.train_similar import DEVELOPMENT, GRID, _outputs, load_items

DEVELOPMENT_ITEMS = load_items([DEVELOPMENT])
OUTPUTS = _outputs(DEVELOPMENT_ITEMS)


def _scores(confident: str) -> np.ndarray:
    """A model sure of `confident` on every item and of nothing else."""
    scores = np.zeros((len(DEVELOPMENT_ITEMS), len(OUTPUTS)))
    scores[:, OUTPUTS.index(confident)] = 0.99
    return scores


def test_an_alert_added_everywhere_is_never_added() -> None:
    chosen = hold_targets(DEVELOPMENT_ITEMS, _scores(ALERT), OUTPUTS, {ALERT: 0.9}, GRID)
    assert chosen == {}


def test_a_topic_added_everywhere_is_never_added_and_the_others_keep_theirs() -> None:
    thresholds = {"ai-talent": 0.9, "visa-policy": 0.6, ALERT: 0.7}
    chosen = hold_targets(DEVELOPMENT_ITEMS, _scores("ai-talent"), OUTPUTS, thresholds, GRID)
    assert chosen == {"visa-policy": 0.6, ALERT: 0.7}


def test_a_model_that_adds_nothing_keeps_its_thresholds() -> None:
    thresholds = {"returnees": 0.55, ALERT: 0.75}
    scores = np.zeros((len(DEVELOPMENT_ITEMS), len(OUTPUTS)))
    assert hold_targets(DEVELOPMENT_ITEMS, scores, OUTPUTS, thresholds, GRID) == thresholds


def test_a_threshold_is_raised_only_as_far_as_the_targets_need() -> None:
    """Scores that rise with an item's index: the raised threshold keeps the targets, one grid
    step lower would not."""
    scores = np.zeros((len(DEVELOPMENT_ITEMS), len(OUTPUTS)))
    scores[:, OUTPUTS.index(ALERT)] = np.linspace(0.0, 0.99, len(DEVELOPMENT_ITEMS))
    chosen = hold_targets(DEVELOPMENT_ITEMS, scores, OUTPUTS, {ALERT: 0.7}, GRID)
    assert chosen[ALERT] > 0.7

    def alert_precision(threshold: float) -> float:
        results = combined(DEVELOPMENT_ITEMS, scores, OUTPUTS, {ALERT: threshold})
        said = [alert for _, alert, _ in results]
        hits = sum(s and i.alert for s, i in zip(said, DEVELOPMENT_ITEMS, strict=True))
        return hits / sum(said)

    below = GRID[GRID.index(chosen[ALERT]) - 1]
    assert alert_precision(chosen[ALERT]) >= ALERT_PRECISION > alert_precision(below)
    results = combined(DEVELOPMENT_ITEMS, scores, OUTPUTS, chosen)
    assert macro_f1(DEVELOPMENT_ITEMS, results, OUTPUTS[:-1]) >= MACRO_F1
