"""The clusterer's labelled sets: their shape (tests/data/EVENTS_SETS.md) and scores."""

from __future__ import annotations

import json
import re
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest

from digests.cluster import cluster_items
from storage.types import StoredItem
from tests.cluster_sets import DEVSET, HELDOUT, load_set, score_clusters, score_set

CHINESE = re.compile(r"[\u4e00-\u9fff]")
TRADITIONAL_ONLY = re.compile(r"[國學證簽與為時關將發這們會說對業長際區]")
KINDS = {
    "government",
    "agency",
    "wire",
    "news",
    "trade",
    "law-firm",
    "think-tank",
    "university",
    "aggregator",
}


def _rows(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]


@pytest.mark.parametrize(("path", "events"), [(DEVSET, 40), (HELDOUT, 60)])
def test_the_sets_have_their_shape(path: Path, events: int) -> None:
    rows = _rows(path)
    assert len({row["id"] for row in rows}) == len(rows)
    by_event: defaultdict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        assert row["title"].strip() and row["source_kind"] in KINDS, row
        assert row["language"] == ("zh" if CHINESE.search(row["title"]) else "en"), row
        by_event[row["event"]].append(row)
    told = {event: tellings for event, tellings in by_event.items() if len(tellings) > 1}
    assert len(told) >= events
    assert all(len(tellings) <= 5 for tellings in told.values())
    # No event is told twice by one outlet.
    assert all(len({t["source"] for t in ts}) == len(ts) for ts in told.values())
    chinese = [ts for ts in told.values() if any(t["language"] == "zh" for t in ts)]
    assert len(chinese) >= 10
    traditional = [ts for ts in chinese if any(TRADITIONAL_ONLY.search(t["title"]) for t in ts)]
    assert len(traditional) >= 5
    # Near misses: families of several events; each event belongs to one family at most.
    families: defaultdict[str, set[str]] = defaultdict(set)
    for row in rows:
        if row["family"]:
            families[row["family"]].add(row["event"])
    assert sum(len(members) > 1 for members in families.values()) >= 10
    assert sum(len(members) for members in families.values()) == len(
        {row["event"] for row in rows if row["family"]}
    )


def test_the_sets_share_no_event_or_headline() -> None:
    dev, held = _rows(DEVSET), _rows(HELDOUT)
    assert {r["event"] for r in dev}.isdisjoint({r["event"] for r in held})
    # Federal Register titles do repeat (the 2020 and 2025 duration-of-status proposals).
    news = [{r["title"] for r in rows if r["source_kind"] != "government"} for rows in (dev, held)]
    assert news[0].isdisjoint(news[1])


def _clusters(items: list[StoredItem]) -> list[list[int]]:
    return [[item.id for item in cluster.items] for cluster in cluster_items(items)]


def test_the_development_set_meets_its_targets() -> None:
    """The set the clusterer was tuned on (the held-out figures are in bench/RESULTS.md)."""
    result = score_set(DEVSET, _clusters)
    report = "\n".join(f"{a} {b}" for a, b in (*result.wrong_pairs, *result.missed_pairs))
    assert result.all_pairs.precision >= 0.95, report
    assert result.all_pairs.recall >= 0.85, report
    assert result.cross_language.recall >= 0.90, report
    assert result.near_miss_joined <= 2, report


def test_scoring_counts_pairs() -> None:
    tellings = load_set(DEVSET)[:5]  # China Initiative launch (3 tellings), Xi case (2)
    ids = [t.item.id for t in tellings]
    perfect = score_clusters(tellings, [ids[:3], ids[3:]])
    assert (perfect.all_pairs.precision, perfect.all_pairs.recall) == (1.0, 1.0)
    lumped = score_clusters(tellings, [ids])
    assert lumped.all_pairs.found_pairs == 10 and lumped.all_pairs.correct_pairs == 4
    assert score_clusters(tellings, [[i] for i in ids]).all_pairs.recall == 0.0
