"""Where the learned second opinion may doubt the rules: its doubt thresholds, chosen by the
trainer on the tuning sets.

With `[tagger] second_opinion_may_remove = true`, a topic (or the alert flag) the rules gave
is removed when the model scores it below the output's doubt threshold. On the tuning sets the
rules' tags that the model scored under 0.2 were wrong six times in seven (issue 9, after the
twenty-seventh round), so the model's doubt is worth something; but it is off by default,
because issue 9 asks that the model only add.

The rule, per kind of output (one threshold shared by every topic, then one for the alert given
the topics'): walking up `DOUBT_GRID`, the last value before one at which what the model
removes on the pooled tuning sets is wrong less than `REMOVED_WRONG` of the time, or some
output's recall there falls by more than `RECALL_SLACK` (a value that removes fewer than
`MIN_REMOVED` answers is passed over, not taken). A kind with no such value is never doubted.
The slack is two points because one item of the smallest topic's tuning support (about 85
export-controls items) is more than one.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from feeds.tagging.taxonomy import ALERT

DOUBT_GRID = (0.02, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3)  # under every add threshold (0.5 and up)
REMOVED_WRONG = 0.85
MIN_REMOVED = 3
RECALL_SLACK = 0.02

Answer = tuple[frozenset[str], bool]  # an item's topics and alert flag
# The tagger's answers on the tuning items with the model doubting at the given thresholds.
Play = Callable[[Mapping[str, float]], Sequence[Answer]]


def _says(answer: Answer, name: str) -> bool:
    return answer[1] if name == ALERT else name in answer[0]


def _recall(gold: Sequence[Answer], answers: Sequence[Answer], name: str) -> float:
    truth = [_says(g, name) for g in gold]
    hits = sum(t and _says(a, name) for t, a in zip(truth, answers, strict=True))
    return hits / max(sum(truth), 1)


def removal_figures(
    gold: Sequence[Answer], before: Sequence[Answer], after: Sequence[Answer], names: Sequence[str]
) -> tuple[int, int]:
    """How many of `names`' answers went from `before` to `after`, and how many of those the
    labels held right."""
    removed = right = 0
    for truth, was, now in zip(gold, before, after, strict=True):
        for name in names:
            if _says(was, name) and not _says(now, name):
                removed += 1
                right += _says(truth, name)
    return removed, right


def _holds(
    gold: Sequence[Answer],
    before: Sequence[Answer],
    after: Sequence[Answer],
    names: Sequence[str],
    removal: tuple[int, int],
) -> bool:
    removed, right = removal
    if (removed - right) / removed < REMOVED_WRONG:
        return False
    return all(
        _recall(gold, after, name) >= _recall(gold, before, name) - RECALL_SLACK for name in names
    )


def choose_doubts(gold: Sequence[Answer], play: Play, topics: Sequence[str]) -> dict[str, float]:
    """Each output's doubt threshold by the rule above (`play` replays the tagger)."""
    chosen: dict[str, float] = {}
    for names in (tuple(topics), (ALERT,)):
        before = play(chosen)
        best = None
        for cut in DOUBT_GRID:
            after = play(chosen | dict.fromkeys(names, cut))
            removal = removal_figures(gold, before, after, names)
            if removal[0] < MIN_REMOVED:
                continue  # too few to judge by; a higher threshold removes more
            if not _holds(gold, before, after, names, removal):
                break
            best = cut
        if best is not None:
            chosen |= dict.fromkeys(names, best)
    return chosen
