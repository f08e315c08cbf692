"""Train the learned second opinion (`similar.json`) on the project's labelled sets.

    python -m feeds.tagging.train_similar            # train, threshold, write the file
    python -m feeds.tagging.train_similar --check    # report the figures, write nothing
    python -m feeds.tagging.train_similar --search   # compare the candidate recipes

One logistic regression per topic and one for the alert flag (`fit.py`), over `similar.tokens`
(English words and Chinese character pairs, every occurrence counted, scaled by 1/sqrt(their
number)).

Why two kinds of set. The rules were tuned on the TRAINING sets, so there they miss little,
and thresholds chosen there sit where the rules look perfect (issue 9, third round). The model
is therefore fitted on those sets (where the labels are plenty) but its THRESHOLDS, and the
recipe, are chosen on the TUNING sets: since the thirty-seventh round heldout58 to heldout61,
pooled (~1,570 items, so that a threshold is less a matter of one round's writers), the newest
sets, each read by one round of rules only, so that there the rules miss more as they do on
unseen headlines. Per output, the threshold is the lowest at which the model's additions on
the tuning sets are right at least 90 % of the time (the alert's: 95 %) on at least 3 items
while the combined precision stays within a point of the rules' own; an output with no such
threshold is never added. A threshold is then raised as far as the development set needs to
keep its targets (`development.py`). Tuning-set figures are tuning figures, not clean ones.
Retrain after the rules change.

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
from pathlib import Path
from typing import Any

import numpy as np

from feeds.tagging import development as development_targets
from feeds.tagging.doubts import Answer, choose_doubts, removal_figures
from feeds.tagging.fit import Matrix, Recipe, fit, predict, vectorize
from feeds.tagging.recipes import CANDIDATES, RECIPE
from feeds.tagging.replay import Labelled, combined, figures, format_comparison, report
from feeds.tagging.similar import DATA_FILE, EVIDENCE, Features, tokens
from feeds.tagging.tagger import load_tagger
from feeds.tagging.taxonomy import ALERT
from storage.text_tools import traditional_to_simplified

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data"
# The held-out sets are numbered in the order they were written and retired; the trainer fits
# on those up to FIRST_TUNING - 1 and chooses thresholds on the TUNING_SETS after them.
FIRST_TUNING = 58
TUNING_SETS = 4
DEVELOPMENT = DATA / "tagger_devset.jsonl"
SETS = (
    DEVELOPMENT,
    DATA / "tagger_heldout.jsonl",
    *(DATA / f"tagger_heldout{n}.jsonl" for n in range(2, FIRST_TUNING)),
)
# Four sets pooled: since the thirty-seventh round heldout58 to heldout61, the newest the rules
# were read on, so that the model learns from every older set (fitted up to heldout35, it had
# never seen the writers of the twenty-two sets after); from the twenty-eighth the last four that
# were clean when it was fitted; from the twenty-fourth the four most recently retired, each
# tuned on in one round only; two before. Chosen on two sets (~860 items), thresholds moved by
# up to 0.325 from one round to the next (student mobility 0.525, 0.850, 0.675, 0.525); ~1,700
# items make them less a matter of one round's writers.
TUNING = tuple(
    DATA / f"tagger_heldout{n}.jsonl" for n in range(FIRST_TUNING, FIRST_TUNING + TUNING_SETS)
)
# The built-in sources' hint tags apply to lines whose "source" names one, as in `tag --eval`
# without a config (read as data: the trainer does not import bot/).
DEFAULTS = ROOT / "bot" / "defaults.toml"
PRECISION_SLACK = 0.01  # the combination may lose at most this much precision to the rules alone
# The model's additions are right less often on sets it has never seen than on the tuning sets
# (fitted up to heldout55 and tuned on heldout56-59 at 0.8 and 0.9, its alerts added on heldout60
# and 61 were right 76 % of the time, against 91 % when tuned), so each asks a margin above the
# precision issue 9 wants of the whole.
ADDED_PRECISION = 0.9
# An alert reaches subscribers at once: the model may add one only where its additions are right
# more often than alerts must be (issue 9 asks 0.90 of them), not merely as often as a topic's.
ALERT_ADDED_PRECISION = 0.95
MIN_ADDED = 3  # a threshold at which the model added fewer tuning items is not earned
GRID = tuple(round(0.1 + 0.025 * i, 3) for i in range(35))  # 0.100 … 0.950


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
    """Each output's lowest threshold that keeps the combination's precision on `items`:
    topics first (each is added on its own), then the alert given the topics' thresholds."""
    chosen: dict[str, dict[str, float]] = {}
    everything = dict.fromkeys(outputs[:-1], 1e-9)
    for opened, names in ((everything, outputs[:-1]), (None, (ALERT,))):
        if opened is None:  # the alert: topics at their thresholds, the alert open
            opened = {name: value["threshold"] for name, value in chosen.items()} | {ALERT: 1e-9}  # noqa: PLW2901
        results = combined(items, scores, outputs, opened)
        for name in names:
            column = outputs.index(name)
            alone = _precision_if_added(
                items, results=results, scores=scores, column=column, name=name, threshold=math.inf
            )[0]
            target = alone - PRECISION_SLACK
            needed = ALERT_ADDED_PRECISION if name == ALERT else ADDED_PRECISION
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
                if precision >= target and right >= needed:
                    chosen[name] = {
                        "threshold": threshold,
                        "precision": round(precision, 3),
                        "recall": round(recall, 3),
                        "added": added,
                        "added_precision": round(right, 3),
                    }
                    break
    return chosen


def _outputs(items: Sequence[Labelled]) -> tuple[str, ...]:
    return (*sorted({tag for item in items for tag in item.tags}), ALERT)


def tuning_scores(
    items: Sequence[Labelled], tuning: Sequence[Labelled], recipe: Recipe
) -> tuple[tuple[dict[str, int], Matrix, Matrix], Matrix]:
    """The model fitted on `items`, and its scores of the `tuning` items (never trained on)."""
    outputs = _outputs(items)
    found = featurize(items, recipe.features)
    model = fit(vectorize(found, recipe), label_matrix(items, outputs), recipe)
    return model, predict(model, featurize(tuning, recipe.features), recipe)


def doubt_thresholds(
    items: Sequence[Labelled],
    scores: Matrix,
    outputs: tuple[str, ...],
    thresholds: dict[str, float],
) -> dict[str, Any]:
    """The doubt thresholds (`doubts.py`) on `items` given the add `thresholds`, and what
    removing at them does there: answers removed, how many of those were right, and each
    output's precision and recall before and after."""
    gold: list[Answer] = [(item.tags, item.alert) for item in items]

    def play(doubts: Mapping[str, float]) -> list[Answer]:
        return [
            (tags, alert) for tags, alert, _ in combined(items, scores, outputs, thresholds, doubts)
        ]

    doubts = choose_doubts(gold, play, outputs[:-1])
    before, after = play({}), play(doubts)
    removed, right = removal_figures(gold, before, after, outputs)
    with_model = figures(items, [(*a, frozenset()) for a in before], outputs, "adding")
    doubting = figures(items, [(*a, frozenset()) for a in after], outputs, "doubting")
    return {
        "doubts": doubts,
        "removed": removed,
        "removed_right": right,
        "compared": {name: {**with_model[name], **doubting[name]} for name in outputs},
    }


def train(
    items: Sequence[Labelled], tuning: Sequence[Labelled], recipe: Recipe = RECIPE
) -> dict[str, Any]:
    outputs = _outputs(items)
    model, scores = tuning_scores(items, tuning, recipe)
    vocabulary, weights, bias = model
    chosen = choose_thresholds(tuning, scores, outputs)
    development = load_items([DEVELOPMENT])
    thresholds = development_targets.hold_targets(
        development,
        predict(model, featurize(development, recipe.features), recipe),
        outputs,
        {name: value["threshold"] for name, value in chosen.items()},
        GRID,
    )
    raised = {
        name: thresholds.get(name)
        for name, value in chosen.items()
        if thresholds.get(name) != value["threshold"]
    }
    doubting = doubt_thresholds(tuning, scores, outputs, thresholds)
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
        "trained_on": {"items": len(items), "tuned_on": len(tuning)},
        "recipe": recipe.as_json(),
        "features": recipe.features.as_json(),
        "outputs": list(outputs),
        "bias": [round(float(b), 4) for b in bias],
        "thresholds": thresholds,
        "doubts": doubting.pop("doubts"),
        "tuning": chosen,
        "raised_for_development_set": raised,
        "doubting": doubting,
        "compared": report(tuning, scores, outputs, thresholds),
        "weights": kept,
    }


def _objective(
    items: Sequence[Labelled], tuning: Sequence[Labelled], recipe: Recipe
) -> tuple[float, dict[str, Any]]:
    """A recipe's worth: the mean tuning-set recall of rules + model over every output, at
    the thresholds the precision rule would choose there."""
    outputs = _outputs(items)
    _, scores = tuning_scores(items, tuning, recipe)
    chosen = choose_thresholds(tuning, scores, outputs)
    thresholds = {name: value["threshold"] for name, value in chosen.items()}
    compared = report(tuning, scores, outputs, thresholds)
    recall = sum(value["model_recall"] for value in compared.values()) / len(compared)
    return recall, compared


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=f"train feeds/tagging/{DATA_FILE}")
    parser.add_argument(
        "sets",
        nargs="*",
        type=Path,
        help=f"labelled JSON Lines to train on (default: the development set and the held-out "
        f"sets before heldout{FIRST_TUNING})",
    )
    parser.add_argument(
        "--tuning",
        nargs="+",
        type=Path,
        help=f"labelled JSON Lines for the thresholds (default: heldout{FIRST_TUNING} to "
        f"heldout{FIRST_TUNING + TUNING_SETS - 1})",
    )
    parser.add_argument("--check", action="store_true", help="report, do not write")
    parser.add_argument("--search", action="store_true", help="compare the candidate recipes")
    parser.add_argument("--out", type=Path, help="where to write (default: the package's file)")
    args = parser.parse_args(argv)
    items = load_items(args.sets or SETS)
    tuning = load_items(args.tuning or TUNING)
    if args.search:
        for recipe in CANDIDATES:
            recall, figures = _objective(items, tuning, recipe)
            alert = figures[ALERT]
            print(f"{recall:.4f}  alert R {alert['model_recall']:.3f}  {recipe.as_json()}")
        return 0
    model = train(items, tuning)
    for name, value in model["tuning"].items():
        print(
            f"{name:<18} threshold {value['threshold']:.3f}  combined precision "
            f"{value['precision']:.3f} recall {value['recall']:.3f}  adds {value['added']:.0f} "
            f"at {value['added_precision']:.3f}"
        )
    for name, value in model["raised_for_development_set"].items():
        shown = "never added" if value is None else f"{value:.3f}"
        print(f"{name:<18} raised to {shown} to keep the development set's targets")
    missing = [name for name in model["outputs"] if name not in model["thresholds"]]
    if missing:
        print("no threshold (never added): " + ", ".join(missing))
    print(f"{len(model['weights'])} features kept\n")
    print(format_comparison(model["compared"]))
    doubting = model["doubting"]
    print(
        f"\nwith second_opinion_may_remove: doubts {model['doubts']}; removes "
        f"{doubting['removed']} answers, {doubting['removed_right']} of them right"
    )
    if not args.check:
        target = args.out or Path(__file__).with_name(DATA_FILE)
        target.write_text(json.dumps(model, ensure_ascii=False, separators=(",", ":")) + "\n")
        print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
