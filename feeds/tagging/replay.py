"""The trainer's view of the tagger on the tuning items: the model's scores played back to the
real tagger at chosen thresholds, and the precision and recall that come of it
(`train_similar.py` chooses its thresholds with these)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from feeds.tagging.fit import Matrix
from feeds.tagging.tagger import Tagger, load_tagger
from feeds.tagging.taxonomy import ALERT


@dataclass(frozen=True, slots=True)
class Labelled:
    """A labelled headline as the trainer reads it (hint tags already resolved)."""

    title: str
    summary: str
    tags: frozenset[str]
    alert: bool
    hints: tuple[str, ...]
    doc_type: str | None


@dataclass(frozen=True, slots=True)
class Replay:
    """The model's scores of the tuning items played back to the real tagger, so that the
    combination is judged with everything the tagger does around the model (exclusions,
    hedged titles, the alert only on a tagged item)."""

    outputs: tuple[str, ...]
    thresholds: dict[str, float]
    logits_by_text: dict[tuple[str, str], list[float]]
    doubts: dict[str, float] = field(default_factory=dict)

    def logits(
        self,
        title: str,
        summary: str = "",
        evidence: Mapping[str, float] | None = None,
        alert: float = 0.0,
        *,
        words: tuple[list[str], list[str]] | None = None,  # the replay has no use for them
    ) -> list[float] | None:
        return self.logits_by_text.get((title, summary))


def logit(p: float) -> float:
    p = min(max(p, 1e-12), 1 - 1e-12)
    return float(np.log(p / (1 - p)))


def combined(
    items: Sequence[Labelled],
    scores: Matrix,
    outputs: tuple[str, ...],
    thresholds: dict[str, float],
    doubts: Mapping[str, float] | None = None,
) -> list[tuple[frozenset[str], bool, frozenset[str]]]:
    """For each item: its tags and alert from the rules plus the model at `thresholds` (and
    removing what it scores under `doubts`), and which of them the model added."""
    replay = Replay(
        outputs,
        thresholds,
        {
            (i.title, i.summary): [logit(p) for p in row]
            for i, row in zip(items, scores, strict=True)
        },
        dict(doubts or {}),
    )
    taxonomy = load_tagger(second_opinion=False).taxonomy
    tagger = Tagger(taxonomy, replay, may_remove=bool(doubts))
    results = []
    for item in items:
        result = tagger.tag(item.title, item.summary, hints=item.hints, doc_type=item.doc_type)
        added = frozenset(
            key for key, why in result.reasons.items() if why and why[0].startswith("similar to")
        )
        results.append((frozenset(result.tags), result.alert, added))
    return results


Results = list[tuple[frozenset[str], bool, frozenset[str]]]


def precision_recall(items: Sequence[Labelled], results: Results, name: str) -> tuple[float, float]:
    """One output's precision and recall over `items` (0 where nothing was said or is true)."""
    said = [alert if name == ALERT else name in tags for tags, alert, _ in results]
    truth = [item.alert if name == ALERT else name in item.tags for item in items]
    hits = sum(s and t for s, t in zip(said, truth, strict=True))
    return hits / max(sum(said), 1), hits / max(sum(truth), 1)


def figures(
    items: Sequence[Labelled], results: Results, outputs: Sequence[str], label: str
) -> dict[str, dict[str, float]]:
    figures: dict[str, dict[str, float]] = {}
    for name in outputs:
        precision, recall = precision_recall(items, results, name)
        figures[name] = {
            f"{label}_precision": round(precision, 3),
            f"{label}_recall": round(recall, 3),
        }
    return figures


def report(
    items: Sequence[Labelled],
    scores: Matrix,
    outputs: tuple[str, ...],
    thresholds: dict[str, float],
) -> dict[str, dict[str, float]]:
    """Precision and recall per output, the rules alone and with the model."""
    rules = figures(items, combined(items, scores, outputs, {}), outputs, "rules")
    both = figures(items, combined(items, scores, outputs, thresholds), outputs, "model")
    return {name: {**rules[name], **both[name]} for name in outputs}


def f1(precision: float, recall: float) -> float:
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def format_comparison(compared: dict[str, dict[str, float]]) -> str:
    """The tuning table: each output's precision and recall, rules alone and with the
    model, and the topics' macro averages (macro-F1 averages the topics' F1, as `tag --eval`)."""
    lines = [f"{'tuning set':<18} {'rules P':>8} {'rules R':>8} {'+model P':>9} {'+model R':>9}"]
    for name, value in compared.items():
        lines.append(
            f"{name:<18} {value['rules_precision']:>8.3f} {value['rules_recall']:>8.3f} "
            f"{value['model_precision']:>9.3f} {value['model_recall']:>9.3f}"
        )
    topics = [value for name, value in compared.items() if name != ALERT]
    for label in ("rules", "model"):
        precision = sum(v[f"{label}_precision"] for v in topics) / len(topics)
        recall = sum(v[f"{label}_recall"] for v in topics) / len(topics)
        f1 = sum(f1(v[f"{label}_precision"], v[f"{label}_recall"]) for v in topics) / len(topics)
        lines.append(f"macro ({label}): precision {precision:.3f} recall {recall:.3f} F1 {f1:.3f}")
    return "\n".join(lines)
