"""Train the learned second opinion (`similar.json`) on the project's labelled sets.

    python -m feeds.tagging.train_similar            # train on the four sets, write the file
    python -m feeds.tagging.train_similar --check    # report out-of-fold figures, write nothing
    python -m feeds.tagging.train_similar --search   # compare the candidate recipes out of fold

One logistic regression per topic and one for the alert flag (`fit.py`), over `similar.tokens`
scaled by 1/sqrt(their number). Everything is decided by 5-fold cross-validation over the
labelled items, and nothing else: the recipe (features, counts, L2, class weights) by
`--search`, then each output's threshold against the CURRENT RULES' output: the model only
adds what the rules missed, so an output's threshold is the lowest at which the rules plus
the model's out-of-fold additions keep a precision of at least 0.92 (or, where the rules alone
are below that, no lower than the rules alone), and the additions themselves are right at
least 90 % of the time on at least 3 items (without that floor, an output the rules get
nearly always right could take many wrong additions and still stay above 0.92). An output
with no such threshold is never added. The thresholds depend on the rules' misses: retrain
after the rules change.

Needs numpy; tagging itself does not. Deterministic: the same sets and rules give the same
file, byte for byte.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import tomllib
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from feeds.tagging.fit import Matrix, Recipe, fit, fold_order, out_of_fold, vectorize
from feeds.tagging.similar import DATA_FILE, EVIDENCE, Features, tokens
from feeds.tagging.tagger import Tagger, load_tagger
from feeds.tagging.taxonomy import ALERT
from storage.text_tools import traditional_to_simplified

ROOT = Path(__file__).resolve().parents[2]
SETS = tuple(
    ROOT / "tests" / "data" / name
    for name in (
        "tagger_devset.jsonl",
        "tagger_heldout.jsonl",
        "tagger_heldout2.jsonl",
        "tagger_heldout3.jsonl",
    )
)
# The built-in sources' hint tags apply to lines whose "source" names one, as in `tag --eval`
# without a config (read as data: the trainer does not import bot/).
DEFAULTS = ROOT / "bot" / "defaults.toml"
COMBINED_PRECISION = 0.92
ADDED_PRECISION = 0.9
MIN_ADDED = 3  # a threshold at which the model added fewer items out of fold is not earned
GRID = tuple(round(0.1 + 0.025 * i, 3) for i in range(35))  # 0.100 … 0.950
# The recipe chosen by `--search` (out-of-fold, over every labelled item).
RECIPE = Recipe(features=Features(binary=True, evidence=True), l2=1e-5, boost=1.0)


@dataclass(frozen=True, slots=True)
class Labelled:
    title: str
    summary: str
    tags: frozenset[str]
    alert: bool
    hints: tuple[str, ...]
    doc_type: str | None


def load_items(paths: Sequence[Path] = SETS) -> list[Labelled]:
    hints = {
        source["name"]: tuple(source.get("tags", ()))
        for source in tomllib.loads(DEFAULTS.read_text("utf-8")).get("sources", [])
    }
    items = []
    for path in paths:
        for line in path.read_text("utf-8").splitlines():
            if not line.strip():
                continue
            row = json.loads(line)
            items.append(
                Labelled(
                    title=row["title"],
                    summary=row.get("summary", ""),
                    tags=frozenset(row["tags"]),
                    alert=bool(row["alert"]),
                    hints=tuple(row.get("hints") or hints.get(row.get("source", ""), ())),
                    doc_type=row.get("doc_type"),
                )
            )
    return items


def featurize(items: Sequence[Labelled], features: Features) -> list[Counter[str]]:
    """Each item's features, Chinese in simplified characters (the model file's form), with
    the current rules' scores when the recipe reads them (as the tagger passes them)."""
    table = traditional_to_simplified()
    rules = load_tagger(second_opinion=False)
    found = []
    for item in items:
        bag: Counter[str] = Counter(
            tokens(item.title.translate(table), item.summary.translate(table), features)
        )
        if features.evidence:
            result = rules.tag(item.title, item.summary, hints=item.hints, doc_type=item.doc_type)
            for name, score in (*result.scores.items(), (ALERT, result.alert_score)):
                if score:
                    bag[EVIDENCE + name] = score  # type: ignore[assignment]
        found.append(bag)
    return found


def label_matrix(items: Sequence[Labelled], outputs: Sequence[str]) -> Matrix:
    return np.array(
        [
            [(name in item.tags) if name != ALERT else item.alert for name in outputs]
            for item in items
        ],
        dtype=np.float64,
    )


@dataclass(frozen=True, slots=True)
class _Replay:
    """Out-of-fold scores played back to the real tagger, so that the combination is judged
    with everything the tagger does around the model (exclusions, hedged titles, the alert
    only on a tagged item)."""

    outputs: tuple[str, ...]
    thresholds: dict[str, float]
    logits_by_text: dict[tuple[str, str], list[float]]

    def logits(
        self,
        title: str,
        summary: str = "",
        evidence: Mapping[str, float] | None = None,
        alert: float = 0.0,
    ) -> list[float] | None:
        return self.logits_by_text.get((title, summary))


def _logit(p: float) -> float:
    p = min(max(p, 1e-12), 1 - 1e-12)
    return float(np.log(p / (1 - p)))


def _combined(
    items: Sequence[Labelled],
    scores: Matrix,
    outputs: tuple[str, ...],
    thresholds: dict[str, float],
) -> list[tuple[frozenset[str], bool, frozenset[str]]]:
    """For each item: its tags and alert from the rules plus the model at `thresholds`, and
    which of them the model added."""
    replay = _Replay(
        outputs,
        thresholds,
        {
            (i.title, i.summary): [_logit(p) for p in row]
            for i, row in zip(items, scores, strict=True)
        },
    )
    tagger = Tagger(load_tagger(second_opinion=False).taxonomy, replay)
    results = []
    for item in items:
        result = tagger.tag(item.title, item.summary, hints=item.hints, doc_type=item.doc_type)
        added = frozenset(
            key for key, why in result.reasons.items() if why and why[0].startswith("similar to")
        )
        results.append((frozenset(result.tags), result.alert, added))
    return results


def _precision_if_added(
    items: Sequence[Labelled],
    *,
    results: Sequence[tuple[frozenset[str], bool, frozenset[str]]],
    scores: Matrix,
    column: int,
    name: str,
    threshold: float,
) -> tuple[float, float, int, float]:
    """Combined precision, combined recall, additions and their precision for one output when
    the model adds what it can at `threshold` (`results` were made with every output open)."""
    hits = predicted = added = added_right = gold = 0
    for item, (tags, alert, opened), score in zip(
        items, results, scores[:, column].tolist(), strict=True
    ):
        truth = item.alert if name == ALERT else name in item.tags
        said = alert if name == ALERT else name in tags
        if name in opened:
            said = score >= threshold
            added += said
            added_right += said and truth
        gold += truth
        predicted += said
        hits += said and truth
    return (
        hits / predicted if predicted else 0.0,
        hits / gold if gold else 0.0,
        added,
        added_right / added if added else 1.0,
    )


def choose_thresholds(
    items: Sequence[Labelled], scores: Matrix, outputs: tuple[str, ...]
) -> dict[str, dict[str, float]]:
    """Each output's lowest threshold that keeps the combination's precision, out of fold:
    topics first (each is added on its own), then the alert given the topics' thresholds."""
    chosen: dict[str, dict[str, float]] = {}
    everything = dict.fromkeys(outputs[:-1], 1e-9)
    for opened, names in ((everything, outputs[:-1]), (None, (ALERT,))):
        if opened is None:  # the alert: topics at their thresholds, the alert open
            opened = {name: value["threshold"] for name, value in chosen.items()} | {ALERT: 1e-9}  # noqa: PLW2901
        results = _combined(items, scores, outputs, opened)
        for name in names:
            column = outputs.index(name)
            alone = _precision_if_added(
                items, results=results, scores=scores, column=column, name=name, threshold=math.inf
            )[0]
            target = min(COMBINED_PRECISION, alone)  # never below what the rules had alone
            for threshold in GRID:
                precision, recall, added, right = _precision_if_added(
                    items,
                    results=results,
                    scores=scores,
                    column=column,
                    name=name,
                    threshold=threshold,
                )
                if added < MIN_ADDED:
                    break  # fewer still above it
                if precision >= target and right >= ADDED_PRECISION:
                    chosen[name] = {
                        "threshold": threshold,
                        "precision": round(precision, 3),
                        "recall": round(recall, 3),
                        "added": added,
                        "added_precision": round(right, 3),
                    }
                    break
    return chosen


Results = list[tuple[frozenset[str], bool, frozenset[str]]]


def _figures(
    items: Sequence[Labelled], results: Results, outputs: Sequence[str], label: str
) -> dict[str, dict[str, float]]:
    figures: dict[str, dict[str, float]] = {}
    for name in outputs:
        said = [alert if name == ALERT else name in tags for tags, alert, _ in results]
        truth = [item.alert if name == ALERT else name in item.tags for item in items]
        hits = sum(s and t for s, t in zip(said, truth, strict=True))
        figures[name] = {
            f"{label}_precision": round(hits / max(sum(said), 1), 3),
            f"{label}_recall": round(hits / max(sum(truth), 1), 3),
        }
    return figures


def report(
    items: Sequence[Labelled],
    scores: Matrix,
    outputs: tuple[str, ...],
    thresholds: dict[str, float],
) -> dict[str, dict[str, float]]:
    """Precision and recall per output, the rules alone and with the model (out of fold)."""
    rules = _figures(items, _combined(items, scores, outputs, {}), outputs, "rules")
    both = _figures(items, _combined(items, scores, outputs, thresholds), outputs, "model")
    return {name: {**rules[name], **both[name]} for name in outputs}


def cross_checked(
    items: Sequence[Labelled], scores: Matrix, outputs: tuple[str, ...], folds: int = 5
) -> dict[str, dict[str, float]]:
    """As `report`, but each fold's items judged at thresholds chosen on the other folds, so
    that no item helped choose the threshold it is judged by (a less flattering figure)."""
    order = fold_order(len(items))
    results: dict[int, tuple[frozenset[str], bool, frozenset[str]]] = {}
    for fold in range(folds):
        held = order[fold::folds]
        rest = sorted(set(order) - set(held))
        chosen = choose_thresholds([items[i] for i in rest], scores[rest], outputs)
        thresholds = {name: value["threshold"] for name, value in chosen.items()}
        judged = _combined([items[i] for i in held], scores[held], outputs, thresholds)
        results.update(zip(held, judged, strict=True))
    rules = _figures(items, _combined(items, scores, outputs, {}), outputs, "rules")
    both = _figures(items, [results[i] for i in range(len(items))], outputs, "model")
    return {name: {**rules[name], **both[name]} for name in outputs}


def _f1(precision: float, recall: float) -> float:
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def format_comparison(compared: dict[str, dict[str, float]]) -> str:
    """The out-of-fold table: each output's precision and recall, rules alone and with the
    model, and the topics' macro averages (macro-F1 averages the topics' F1, as `tag --eval`)."""
    lines = [f"{'out of fold':<18} {'rules P':>8} {'rules R':>8} {'+model P':>9} {'+model R':>9}"]
    for name, value in compared.items():
        lines.append(
            f"{name:<18} {value['rules_precision']:>8.3f} {value['rules_recall']:>8.3f} "
            f"{value['model_precision']:>9.3f} {value['model_recall']:>9.3f}"
        )
    topics = [value for name, value in compared.items() if name != ALERT]
    for label in ("rules", "model"):
        precision = sum(v[f"{label}_precision"] for v in topics) / len(topics)
        recall = sum(v[f"{label}_recall"] for v in topics) / len(topics)
        f1 = sum(_f1(v[f"{label}_precision"], v[f"{label}_recall"]) for v in topics) / len(topics)
        lines.append(f"macro ({label}): precision {precision:.3f} recall {recall:.3f} F1 {f1:.3f}")
    return "\n".join(lines)


def train(items: Sequence[Labelled], recipe: Recipe = RECIPE, *, folds: int = 5) -> dict[str, Any]:
    outputs = (*sorted({tag for item in items for tag in item.tags}), ALERT)
    found = featurize(items, recipe.features)
    labels = label_matrix(items, outputs)
    scores = out_of_fold(found, labels, recipe, folds=folds)
    chosen = choose_thresholds(items, scores, outputs)
    checked = cross_checked(items, scores, outputs, folds)
    thresholds = {name: value["threshold"] for name, value in chosen.items()}
    vocabulary, weights, bias = fit(vectorize(found, recipe), labels, recipe)
    kept: dict[str, list[list[float]]] = {}
    for feature, index in sorted(vocabulary.items()):
        pairs = [
            [column, round(float(weight), 3)]
            for column, weight in enumerate(weights[index])
            if weight
        ]
        if pairs:
            kept[feature] = pairs
    return {
        "about": "feeds/tagging/similar.py; trained by python -m feeds.tagging.train_similar",
        "trained_on": {"items": len(items), "folds": folds},
        "recipe": recipe.as_json(),
        "features": recipe.features.as_json(),
        "outputs": list(outputs),
        "bias": [round(float(b), 4) for b in bias],
        "thresholds": thresholds,
        "out_of_fold": chosen,
        "compared": report(items, scores, outputs, thresholds),
        "cross_checked": checked,
        "weights": kept,
    }


def _objective(items: Sequence[Labelled], recipe: Recipe) -> tuple[float, dict[str, Any]]:
    """A recipe's worth: the mean out-of-fold recall of rules + model over every output, at
    the thresholds the precision rule would choose."""
    outputs = (*sorted({tag for item in items for tag in item.tags}), ALERT)
    found = featurize(items, recipe.features)
    scores = out_of_fold(found, label_matrix(items, outputs), recipe)
    chosen = choose_thresholds(items, scores, outputs)
    thresholds = {name: value["threshold"] for name, value in chosen.items()}
    figures = report(items, scores, outputs, thresholds)
    recall = sum(value["model_recall"] for value in figures.values()) / len(figures)
    return recall, figures


CANDIDATES = (
    RECIPE,
    replace(RECIPE, features=Features(binary=True)),  # words only
    replace(RECIPE, features=Features(evidence=True)),  # every occurrence counted
    replace(RECIPE, features=Features(binary=True, evidence=True, cjk=(1, 2))),
    replace(RECIPE, features=Features(binary=True, evidence=True, cjk=(2, 3))),
    replace(RECIPE, features=Features(binary=True, evidence=True, word_pairs=True)),
    replace(RECIPE, l2=1e-4),
    replace(RECIPE, l2=1e-6),
    replace(RECIPE, boost=0.5),
)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=f"train feeds/tagging/{DATA_FILE}")
    parser.add_argument(
        "sets", nargs="*", type=Path, help="labelled JSON Lines (default: all four)"
    )
    parser.add_argument("--check", action="store_true", help="report, do not write")
    parser.add_argument("--search", action="store_true", help="compare the candidate recipes")
    args = parser.parse_args(argv)
    items = load_items(args.sets or SETS)
    if args.search:
        for recipe in CANDIDATES:
            recall, figures = _objective(items, recipe)
            alert = figures[ALERT]
            print(f"{recall:.4f}  alert R {alert['model_recall']:.3f}  {recipe.as_json()}")
        return 0
    model = train(items)
    for name, value in model["out_of_fold"].items():
        print(
            f"{name:<18} threshold {value['threshold']:.3f}  combined precision "
            f"{value['precision']:.3f} recall {value['recall']:.3f}  adds {value['added']:.0f} "
            f"at {value['added_precision']:.3f}"
        )
    missing = [name for name in model["outputs"] if name not in model["thresholds"]]
    if missing:
        print("no threshold (never added): " + ", ".join(missing))
    print(f"{len(model['weights'])} features kept\n")
    print(format_comparison(model["compared"]))
    print("\nthe same, each fold at thresholds chosen on the other folds:")
    print(format_comparison(model["cross_checked"]))
    if not args.check:
        target = Path(__file__).with_name(DATA_FILE)
        target.write_text(json.dumps(model, ensure_ascii=False, separators=(",", ":")) + "\n")
        print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
