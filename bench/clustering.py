"""bench/clustering: pairwise precision and recall of the digest clusterer on the labelled sets.

Clusters every telling of tests/data/events_devset.jsonl and tests/data/events_heldout.jsonl
(each set at once, with the tellings' real dates) and scores the pairs it puts together
against the labels: all pairs, English–Chinese pairs, and near-miss pairs (different events of
one family) that it wrongly joined. The development set is for tuning; the held-out set only
for reporting.

    .venv/bin/python -m bench.clustering [--set dev|heldout|both] [--show-errors]
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from digests.cluster import cluster_items
from storage.types import StoredItem
from tests.cluster_sets import DEVSET, HELDOUT, SetScore, load_set, score_set


def clusters_of(items: list[StoredItem]) -> list[Sequence[int]]:
    return [[item.id for item in cluster.items] for cluster in cluster_items(items)]


def report(name: str, result: SetScore) -> str:
    pairs, cross = result.all_pairs, result.cross_language
    return (
        f"{name}: {result.items} tellings, {result.events} events, {pairs.true_pairs} same-event "
        f"pairs ({cross.true_pairs} English-Chinese)\n"
        f"  all pairs      precision {pairs.precision:.2f}  recall {pairs.recall:.2f}  "
        f"({pairs.correct_pairs} of {pairs.found_pairs} joined pairs right)\n"
        f"  English-Chinese precision {cross.precision:.2f}  recall {cross.recall:.2f}  "
        f"({cross.correct_pairs} of {cross.found_pairs})\n"
        f"  near misses joined: {result.near_miss_joined} of {result.near_miss_pairs} pairs"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--set", choices=("dev", "heldout", "both"), default="both")
    parser.add_argument("--show-errors", action="store_true", help="list wrong and missed pairs")
    args = parser.parse_args()
    chosen = {"dev": [DEVSET], "heldout": [HELDOUT], "both": [DEVSET, HELDOUT]}[args.set]
    for path in chosen:
        result = score_set(path, clusters_of)
        print(report(path.name, result))
        if args.show_errors:
            titles = {t.item.key: t.item.title for t in load_set(path)}
            for label, pairs in (("wrong", result.wrong_pairs), ("missed", result.missed_pairs)):
                for a, b in pairs:
                    print(f"  {label}: {a} {titles[a][:60]!r} | {b} {titles[b][:60]!r}")


if __name__ == "__main__":
    main()
