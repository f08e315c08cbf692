"""The development set's targets as a bound on the learned second opinion's thresholds.

The trainer chooses each threshold on the tuning sets, where the model's additions are judged
on headlines it was not fitted on. The development set is the oldest labelled set; its labels
follow the earliest conventions, and a model fitted on many later sets adds tags there that
its labels call wrong. Issue 3 set targets for it (macro-F1 and alert precision at least 0.97,
asserted by tests/test_tagger_devset.py); a threshold that would break them is raised, one
step of the trainer's grid at a time, until they hold (or the output is added nowhere).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from feeds.tagging.fit import Matrix
from feeds.tagging.replay import Labelled, Results, combined, f1, precision_recall
from feeds.tagging.taxonomy import ALERT

MACRO_F1 = 0.97
ALERT_PRECISION = 0.97


def macro_f1(items: Sequence[Labelled], results: Results, topics: Sequence[str]) -> float:
    """The topics' mean F1, as `tag --eval` reports it."""
    return sum(f1(*precision_recall(items, results, name)) for name in topics) / len(topics)


def _most_wrongly_added(items: Sequence[Labelled], results: Results, topics: set[str]) -> str:
    """The topic among `topics` whose additions on `items` are wrong most often (ties by name)."""
    wrong: Counter[str] = Counter(dict.fromkeys(sorted(topics), 0))
    for item, (_, _, added) in zip(items, results, strict=True):
        wrong.update(name for name in added if name in topics and name not in item.tags)
    return max(sorted(wrong), key=lambda name: wrong[name])


def hold_targets(
    items: Sequence[Labelled],
    scores: Matrix,
    outputs: tuple[str, ...],
    thresholds: dict[str, float],
    grid: Sequence[float],
) -> dict[str, float]:
    """`thresholds`, each raised only as far as the development `items` need to keep their
    alert precision and macro-F1 targets (`scores` are the model's scores of `items`)."""
    chosen = dict(thresholds)
    topics = outputs[:-1]
    while True:
        results = combined(items, scores, outputs, chosen)
        # topics first: a topic added to an item lets the rules' alert on it through
        if macro_f1(items, results, topics) < MACRO_F1 and set(chosen) - {ALERT}:
            name = _most_wrongly_added(items, results, set(chosen) - {ALERT})
        elif ALERT in chosen and precision_recall(items, results, ALERT)[0] < ALERT_PRECISION:
            name = ALERT
        else:
            return chosen
        higher = [value for value in grid if value > chosen[name]]
        if higher:
            chosen[name] = higher[0]
        else:
            del chosen[name]  # no threshold keeps the targets: the output is never added
