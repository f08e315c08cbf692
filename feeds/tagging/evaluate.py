"""Scoring the tagger against labelled examples: per-tag P/R/F1, macro-F1, alert P/R, confusions."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from feeds.tagging.tagger import TagResult

NONE = "(none)"


class Labeller(Protocol):
    """What `evaluate` scores: the tagger, or another labeller's answers replayed."""

    def tag(
        self,
        title: str,
        summary: str = ...,
        *,
        hints: Sequence[str] = ...,
        doc_type: str | None = ...,
        language: str | None = ...,
    ) -> TagResult: ...


@dataclass(frozen=True, slots=True)
class Example:
    """One labelled headline."""

    title: str
    summary: str = ""
    tags: frozenset[str] = frozenset()
    alert: bool = False
    hints: tuple[str, ...] = ()
    doc_type: str | None = None
    language: str | None = None


@dataclass(frozen=True, slots=True)
class TagScore:
    precision: float
    recall: float
    f1: float
    support: int  # gold items with the tag
    predicted: int


@dataclass(frozen=True, slots=True)
class Miss:
    title: str
    gold: tuple[str, ...]
    predicted: tuple[str, ...]
    gold_alert: bool
    predicted_alert: bool
    reasons: Mapping[str, tuple[str, ...]]

    @property
    def errors(self) -> int:
        wrong = set(self.gold) ^ set(self.predicted)
        return len(wrong) + (self.gold_alert != self.predicted_alert)


@dataclass(frozen=True, slots=True)
class Evaluation:
    items: int
    per_tag: Mapping[str, TagScore]
    macro_f1: float
    alert_precision: float
    alert_recall: float
    alert_support: int
    alert_predicted: int
    # missed[gold tag][what was predicted instead, or "(none)"] and
    # spurious[predicted tag][the item's gold tags, or "(none)" for a negative]
    missed: Mapping[str, Mapping[str, int]] = field(default_factory=dict)
    spurious: Mapping[str, Mapping[str, int]] = field(default_factory=dict)
    # matrix[labelled tag, or "(none)" for negatives][tagged]: on the diagonal, the items
    # labelled with a tag and tagged with it; off it, the items labelled with the row's tag,
    # not the column's, that were tagged with the column's (the topics confused with it); in
    # the "(none)" column, the items labelled with the row's tag that got no tag at all.
    matrix: Mapping[str, Mapping[str, int]] = field(default_factory=dict)
    worst: tuple[Miss, ...] = ()
    # whether the learned second opinion was on (it may add topics and alert flags), and
    # whether it could also remove what it doubted
    second_opinion: bool = False
    second_opinion_may_remove: bool = False

    def confusion_table(self) -> tuple[tuple[str, ...], tuple[tuple[str, tuple[int, ...]], ...]]:
        """The matrix as (column names, rows of (row name, counts)), every tag in both."""
        names = (*self.per_tag, NONE)
        rows = tuple(
            (gold, tuple(self.matrix.get(gold, {}).get(predicted, 0) for predicted in names))
            for gold in names
        )
        return names, rows

    def as_json(self) -> dict[str, Any]:
        return {
            "items": self.items,
            "macro_f1": self.macro_f1,
            "second_opinion": self.second_opinion,
            "second_opinion_may_remove": self.second_opinion_may_remove,
            "alert_precision": self.alert_precision,
            "alert_recall": self.alert_recall,
            "alert_support": self.alert_support,
            "alert_predicted": self.alert_predicted,
            "per_tag": {
                tag: {
                    "precision": s.precision,
                    "recall": s.recall,
                    "f1": s.f1,
                    "support": s.support,
                    "predicted": s.predicted,
                }
                for tag, s in self.per_tag.items()
            },
            "confusions": {
                "missed": {k: dict(v) for k, v in self.missed.items()},
                "spurious": {k: dict(v) for k, v in self.spurious.items()},
                "matrix": {k: dict(v) for k, v in self.matrix.items()},
            },
            "worst_misses": [
                {
                    "title": m.title,
                    "gold": list(m.gold),
                    "predicted": list(m.predicted),
                    "gold_alert": m.gold_alert,
                    "predicted_alert": m.predicted_alert,
                    "reasons": {k: list(v) for k, v in m.reasons.items()},
                }
                for m in self.worst
            ],
        }


def _ratio(numerator: int, denominator: int) -> float:
    return round(numerator / denominator, 4) if denominator else 0.0


def _f1(precision: float, recall: float) -> float:
    return round(2 * precision * recall / (precision + recall), 4) if precision + recall else 0.0


def evaluate(
    tagger: Labeller, examples: Iterable[Example], *, topics: Sequence[str] = (), worst: int = 10
) -> Evaluation:
    """Tag every example and compare with its labels.

    Macro-F1 averages the tags that occur in the labels or the predictions (a tag never seen
    either way says nothing); `topics` adds tags to report even when absent.
    """
    gold_count: Counter[str] = Counter()
    predicted_count: Counter[str] = Counter()
    hits: Counter[str] = Counter()
    missed: dict[str, Counter[str]] = {}
    spurious: dict[str, Counter[str]] = {}
    matrix: dict[str, Counter[str]] = {}
    alert_tp = alert_gold = alert_predicted = 0
    misses: list[Miss] = []
    total = 0
    for example in examples:
        total += 1
        result: TagResult = tagger.tag(
            example.title,
            example.summary,
            hints=example.hints,
            doc_type=example.doc_type,
            language=example.language,
        )
        predicted = set(result.tags)
        gold = set(example.tags)
        gold_count.update(gold)
        predicted_count.update(predicted)
        hits.update(gold & predicted)
        for tag in gold - predicted:
            missed.setdefault(tag, Counter()).update(sorted(predicted - gold) or [NONE])
        for tag in predicted - gold:
            spurious.setdefault(tag, Counter()).update(sorted(gold) or [NONE])
        wrong = predicted - gold
        for tag in gold or {NONE}:
            row = matrix.setdefault(tag, Counter())
            row.update(wrong | ({tag} & predicted) if predicted else {NONE})
        alert_gold += example.alert
        alert_predicted += result.alert
        alert_tp += example.alert and result.alert
        if gold != predicted or example.alert != result.alert:
            misses.append(
                Miss(
                    title=example.title,
                    gold=tuple(sorted(gold)),
                    predicted=tuple(sorted(predicted)),
                    gold_alert=example.alert,
                    predicted_alert=result.alert,
                    reasons=result.reasons,
                )
            )
    per_tag: dict[str, TagScore] = {}
    for tag in sorted(set(gold_count) | set(predicted_count) | set(topics)):
        precision = _ratio(hits[tag], predicted_count[tag])
        recall = _ratio(hits[tag], gold_count[tag])
        per_tag[tag] = TagScore(
            precision=precision,
            recall=recall,
            f1=_f1(precision, recall),
            support=gold_count[tag],
            predicted=predicted_count[tag],
        )
    scored = [s.f1 for s in per_tag.values() if s.support or s.predicted]
    misses.sort(key=lambda m: -m.errors)
    return Evaluation(
        items=total,
        per_tag=per_tag,
        macro_f1=round(sum(scored) / len(scored), 4) if scored else 0.0,
        alert_precision=_ratio(alert_tp, alert_predicted),
        alert_recall=_ratio(alert_tp, alert_gold),
        alert_support=alert_gold,
        alert_predicted=alert_predicted,
        missed={k: dict(v.most_common()) for k, v in sorted(missed.items())},
        spurious={k: dict(v.most_common()) for k, v in sorted(spurious.items())},
        matrix={k: dict(sorted(v.items())) for k, v in sorted(matrix.items())},
        worst=tuple(misses[:worst]),
        # a replayed labeller has no model: only a Tagger built with one says it was on
        second_opinion=getattr(tagger, "similarity", None) is not None,
        second_opinion_may_remove=getattr(tagger, "may_remove", False),
    )
