"""The labelled same-event sets (tests/data/events_*.jsonl) and their pairwise score.

Shared by tests/test_cluster_sets.py and bench/clustering.py. A row is one telling of an event:
its `event` label says which story it tells, `family` groups events about the same people or
program (a different stage or a different event: they must stay apart), and the rest is what
a stored item carries. See tests/data/EVENTS_SETS.md.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import combinations
from pathlib import Path
from typing import Any

from storage.types import StoredItem

DATA = Path(__file__).resolve().parent / "data"
DEVSET = DATA / "events_devset.jsonl"
HELDOUT = DATA / "events_heldout.jsonl"


@dataclass(frozen=True, slots=True)
class Telling:
    item: StoredItem
    event: str
    family: str | None
    kind: str  # government, agency, wire, news, trade, law-firm, think-tank, university, …


@dataclass(frozen=True, slots=True)
class PairScore:
    true_pairs: int  # same-event pairs in the labels
    found_pairs: int  # pairs the clusterer put together
    correct_pairs: int  # both

    @property
    def precision(self) -> float:
        return self.correct_pairs / self.found_pairs if self.found_pairs else 1.0

    @property
    def recall(self) -> float:
        return self.correct_pairs / self.true_pairs if self.true_pairs else 1.0


@dataclass(frozen=True, slots=True)
class SetScore:
    items: int
    events: int
    all_pairs: PairScore
    cross_language: PairScore  # pairs of one English and one Chinese telling
    near_miss_pairs: int  # pairs from different events of one family
    near_miss_joined: int  # … that the clusterer put together
    wrong_pairs: tuple[tuple[str, str], ...]  # joined but of different events (row ids)
    missed_pairs: tuple[tuple[str, str], ...]  # same event, left apart (row ids)


def _rows(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]


def load_set(path: Path) -> list[Telling]:
    tellings = []
    for number, row in enumerate(_rows(path), start=1):
        published = datetime.fromisoformat(row["published"].replace("Z", "+00:00"))
        item = StoredItem(
            id=number,
            key=row["id"],
            title=row["title"],
            summary=row["summary"],
            url=row["url"],
            published_at=published,
            first_seen_at=published + timedelta(minutes=10),
            source=row["source"],
            sources=(row["source"],),
            tags=row["tags"],
            alert=row["alert"],
            reasons={},
            language=row["language"],
            doc_type=row["doc_type"],
            agencies=tuple(row["agencies"]),
            source_priority=row["source_priority"],
        )
        tellings.append(
            Telling(item=item, event=row["event"], family=row["family"], kind=row["source_kind"])
        )
    return tellings


def _pairs(groups: Iterable[Sequence[int]]) -> set[tuple[int, int]]:
    return {(min(a, b), max(a, b)) for group in groups for a, b in combinations(group, 2)}


def score_clusters(tellings: Sequence[Telling], clusters: Iterable[Sequence[int]]) -> SetScore:
    """Pairwise precision and recall of `clusters` (groups of item ids) against the labels."""
    by_id = {t.item.id: t for t in tellings}
    gold_groups: dict[str, list[int]] = {}
    for telling in tellings:
        gold_groups.setdefault(telling.event, []).append(telling.item.id)
    gold = _pairs(gold_groups.values())
    found = _pairs(clusters)

    def cross(pair: tuple[int, int]) -> bool:
        return {by_id[pair[0]].item.language, by_id[pair[1]].item.language} == {"en", "zh"}

    near_miss = {
        pair
        for pair in _pairs(
            [t.item.id for t in tellings if t.family == family]
            for family in {t.family for t in tellings if t.family}
        )
        if pair not in gold
    }

    def named(pairs: set[tuple[int, int]]) -> tuple[tuple[str, str], ...]:
        return tuple(sorted((by_id[a].item.key, by_id[b].item.key) for a, b in pairs))

    return SetScore(
        items=len(tellings),
        events=len(gold_groups),
        all_pairs=PairScore(len(gold), len(found), len(gold & found)),
        cross_language=PairScore(
            sum(map(cross, gold)), sum(map(cross, found)), sum(map(cross, gold & found))
        ),
        near_miss_pairs=len(near_miss),
        near_miss_joined=len(near_miss & found),
        wrong_pairs=named(found - gold),
        missed_pairs=named(gold - found),
    )


def score_set(
    path: Path, cluster: Callable[[list[StoredItem]], Iterable[Sequence[int]]]
) -> SetScore:
    """Cluster every telling of a set at once (their real dates spread them over years)."""
    tellings = load_set(path)
    return score_clusters(tellings, cluster([t.item for t in tellings]))
