"""bench/label_agreement: how closely a second labeller agrees with a labelled set.

Scores another labeller's answers against a set's labels exactly as `talentbrief tag --eval`
scores the tagger (per-topic precision and recall, macro-F1, the alert's precision and
recall), so the tagger's figures can be read against what careful people reach:

    .venv/bin/python -m bench.label_agreement tests/data/tagger_heldout4.jsonl \\
        tests/data/tagger_heldout4_second_labels.jsonl

The second file holds one line per headline, `{"title", "tags", "alert"}`, matched by title.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from feeds.tagging.evaluate import Example, evaluate
from feeds.tagging.tagger import TagResult


def _rows(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]


class Replay:
    """Another labeller's answers, given back as if tagged."""

    def __init__(self, answers: Mapping[str, TagResult]) -> None:
        self._answers = answers

    def tag(
        self,
        title: str,
        summary: str = "",
        *,
        hints: Sequence[str] = (),
        doc_type: str | None = None,
        language: str | None = None,
    ) -> TagResult:
        return self._answers[title]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("labelled", type=Path, help="the set, with its labels")
    parser.add_argument("second", type=Path, help="the second labeller's answers")
    args = parser.parse_args()
    answers = {
        row["title"]: TagResult(tags=dict.fromkeys(row["tags"], 1.0), alert=row["alert"])
        for row in _rows(args.second)
    }
    examples = [
        Example(title=row["title"], tags=frozenset(row["tags"]), alert=row["alert"])
        for row in _rows(args.labelled)
    ]
    evaluation = evaluate(Replay(answers), examples)
    for tag, score in evaluation.per_tag.items():
        print(f"{tag:18} precision {score.precision:.3f}  recall {score.recall:.3f}")
    print(f"macro-F1 {evaluation.macro_f1:.3f}")
    print(f"alert precision {evaluation.alert_precision:.3f}  recall {evaluation.alert_recall:.3f}")
    agreeing = sum(
        set(answers[example.title].tags) == example.tags
        and answers[example.title].alert == example.alert
        for example in examples
    )
    print(f"items labelled identically: {agreeing} of {evaluation.items}")


if __name__ == "__main__":
    main()
