"""The digest's shortcuts give what the long way gives: a telling's stage as stage_of reads it,
and the shown stories as ranking every entry and taking the first."""

from __future__ import annotations

import random
import re
from dataclasses import fields
from pathlib import Path

import pytest

from digests.cluster import Cluster, cluster_items, one_telling
from digests.compose import build_digest
from digests.events import features
from digests.events.features import Telling, forget_spellings, read_tellings
from digests.events.lexicon import TOKEN, word_tokens
from digests.events.stage import stage_of
from digests.model import Entry
from digests.rank import first_ranked, rank_entries
from storage.types import StoredItem
from tests.cluster_sets import DEVSET, HELDOUT, load_set
from tests.corpus.digest import CATALOG, NOW, WINDOW_START, adversarial_items, fixed_items


def _labelled(path: Path) -> list[StoredItem]:
    return [telling.item for telling in load_set(path)]


@pytest.mark.parametrize("path", [DEVSET, HELDOUT])
def test_a_tellings_stage_is_what_stage_of_reads(path: Path) -> None:
    # Tellings with no stage word anywhere are given "no stage" without reading it.
    for telling in read_tellings([*_labelled(path), *fixed_items(), *adversarial_items()]):
        expected = stage_of(telling.title, telling.summary, telling.chinese)
        assert (telling.stage, telling.stage_word, telling.stage_in_title) == expected


@pytest.mark.parametrize(("path", "max_items"), [(DEVSET, 12), (HELDOUT, 40), (HELDOUT, 500)])
def test_the_digest_shows_the_first_entries_of_the_full_ranking(path: Path, max_items: int) -> None:
    items = _labelled(path)
    digest = build_digest(
        items,
        channel="c",
        max_items=max_items,
        window_start=WINDOW_START,
        window_end=NOW,
        catalog=CATALOG,
    )
    entries = [
        Entry(
            item=cluster.representative,
            also=cluster.also,
            item_ids=tuple(item.id for item in cluster.items),
            others=cluster.others,
        )
        for cluster in cluster_items(items)
    ]
    ranked = rank_entries(entries)
    shown = digest.entries
    assert sorted(e.item_ids for e in shown) == sorted(e.item_ids for e in ranked[:max_items])
    assert all(e.also == next(r.also for r in ranked if r.item is e.item) for e in shown)
    for section in digest.sections:
        order = [e.item.id for e in ranked if e.item.id in {s.item.id for s in section.entries}]
        assert [e.item.id for e in section.entries] == order
    assert digest.omitted == max(len(ranked) - max_items, 0)


@pytest.mark.parametrize("count", [-3, 0, 2, 10])
def test_first_ranked_is_a_slice_of_the_sorted_list(count: int) -> None:
    keys = [(False, 0.5, n % 2, 0, 0.0, 1) for n in [5, 3, 9, 3, 1, 7]]  # ties keep their order
    expected = sorted(range(len(keys)), key=keys.__getitem__)[:count]
    assert first_ranked(keys, count) == expected


def test_the_possessive_token_pattern_reads_what_the_plain_one_reads() -> None:
    plain = re.compile(r"[A-Za-z0-9]+(?:[-'&/][A-Za-z0-9]+)*")
    rng = random.Random(13)
    texts = ["H-1B's", "a--b", "x- -y", "A&M/", "a'b'c", "U.S.-China", "foo//bar", "9/11-2"]
    texts += [
        "".join(rng.choice("aZ9-'&/ .é") for _ in range(rng.randint(0, 30))) for _ in range(3000)
    ]
    for text in texts:
        assert TOKEN.findall(text) == plain.findall(text), text


def test_word_tokens_are_the_token_patterns_matches() -> None:
    # ASCII text without a joining mark is split at C speed; the rest goes to the pattern.
    rng = random.Random(17)
    texts = ["", "H-1B visas", "A&M", "a/b", "it's", "U.S. rule, 2025: $100,000 (35%)", "é tu"]
    texts += [
        "".join(chr(rng.randrange(128)) for _ in range(rng.randint(0, 40))) for _ in range(3000)
    ]
    texts += [
        "".join(rng.choice("aZ9-'&/ .,é\t\x1c\x00") for _ in range(rng.randint(0, 30)))
        for _ in range(3000)
    ]
    split = [text for text in texts if text.isascii() and not any(c in text for c in "-'&/")]
    assert len(split) > 1000  # the fast way is tried, not only the pattern
    for text in texts:
        assert word_tokens(text) == TOKEN.findall(text), text


def test_a_one_telling_cluster_is_the_dataclass_one() -> None:
    item = fixed_items()[0]
    fast, plain = one_telling(item), Cluster(items=(item,))
    assert fast == plain
    for field in fields(Cluster):  # every field set, to the constructor's default
        assert getattr(fast, field.name) == getattr(plain, field.name), field.name
    assert fast.representative is item


def _read(telling: Telling) -> tuple[object, ...]:
    return (
        telling.weights,
        set(telling.anchors),
        set(telling.title_features),
        telling.institutions,
        (telling.stage, telling.stage_word, telling.stage_in_title),
    )


def test_tellings_read_the_same_when_the_spelling_caches_overflow(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A long-running process empties the caches when they fill up; an item read at that
    # moment must still find every spelling of its own (English and Chinese items alike).
    items = [*_labelled(DEVSET), *fixed_items()]
    expected = [_read(telling) for telling in read_tellings(items)]
    forget_spellings()
    monkeypatch.setattr(features, "MAX_CACHED_TOKENS", 60)
    assert [_read(telling) for telling in read_tellings(items)] == expected
    forget_spellings()  # the next test starts from the full-size caches
