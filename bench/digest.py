"""bench/digest: 5,000 candidate items → rendered Slack and Discord payloads.

Selection (in memory, the same filter the database query applies), event clustering, ranking,
layout, and rendering for both platforms. Target: ≤ 200 ms on the project's 2-core machine.

`--text generated` (the default) builds headlines from a Zipf-like vocabulary, one in ten a
retelling of an earlier one; `--text mixed` puts the labelled event sets' 396 tellings (a third
in Chinese, full of agencies, programs and numbers the lexicon knows) among them, which
exercises more of the clusterer.

    .venv/bin/python -m bench.digest [--items 5000] [--max-items 30] [--repeat 5]
                                     [--text generated|mixed]
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from bot.topics import topic_catalog
from digests.compose import build_digest
from digests.render.discord import render_discord
from digests.render.slack import render_slack
from digests.select import Window, filter_items
from feeds.tagging.taxonomy import load_taxonomy
from storage.types import StoredItem
from tests.cluster_sets import DEVSET, HELDOUT, load_set
from tests.corpus.digest import HEADLINE_WORDS

NOW = datetime(2026, 3, 2, 13, 0, tzinfo=UTC)
CATALOG = topic_catalog(load_taxonomy())
TOPICS = CATALOG.order
# Words most headlines share, then the fixtures' plain headline vocabulary.
COMMON = [
    *("policy", "program", "talent", "researchers", "China", "US", "new", "says", "report"),
    *("plan", "year", "rule"),
    *HEADLINE_WORDS,
]
OUTLETS = [f"Outlet {n}" for n in range(60)]


def _vocabulary(rng: random.Random, size: int = 6000) -> list[str]:
    """Names, places and jargon: the long tail of headline words."""
    syllables = ["ka", "lo", "mi", "zen", "tor", "ha", "qing", "wu", "bel", "an", "ris", "do"]
    return ["".join(rng.choice(syllables) for _ in range(rng.randint(2, 4))) for _ in range(size)]


def _title(rng: random.Random, tail: list[str]) -> str:
    # Headlines mix common words with a Zipf-like tail of rarer ones.
    words = rng.sample(COMMON, rng.randint(3, 6))
    words += [tail[min(int(rng.paretovariate(1.1)) * 7, len(tail) - 1)] for _ in range(2)]
    words += rng.sample(tail, rng.randint(1, 3))
    rng.shuffle(words)
    return " ".join(words).capitalize()


def make_items(count: int, seed: int = 7) -> list[StoredItem]:
    """`count` items over two days; about one in ten retells an earlier story elsewhere."""
    rng = random.Random(seed)
    tail = _vocabulary(rng)
    items: list[StoredItem] = []
    for number in range(count):
        if items and rng.random() < 0.1:
            words = rng.choice(items[-300:]).title.split()
            if len(words) > 5:
                words.pop(rng.randrange(len(words)))  # a retelling drops or moves a word
            title = " ".join(words) + rng.choice(["", " - Outlet wire", ": report"])
        else:
            title = _title(rng, tail)
        seen = NOW - timedelta(minutes=rng.randint(0, 48 * 60))
        tags = {rng.choice(TOPICS): round(rng.uniform(0.3, 1.0), 2)}
        if rng.random() < 0.3:
            tags[rng.choice(TOPICS)] = round(rng.uniform(0.3, 1.0), 2)
        outlet = rng.choice(OUTLETS)
        items.append(
            StoredItem(
                id=number + 1,
                key=f"k{number}",
                title=title,
                summary=" ".join(rng.sample(COMMON, 8) + rng.sample(tail, 8)) + ".",
                url=f"https://news{number % 50}.example/story/{number}",
                published_at=seen - timedelta(minutes=rng.randint(0, 600)),
                first_seen_at=seen,
                source=outlet,
                sources=(outlet,),
                tags=tags,
                alert=rng.random() < 0.03,
                reasons={},
                source_priority=rng.randint(0, 3),
            )
        )
    return items


def make_mixed_items(count: int, seed: int = 7) -> list[StoredItem]:
    """The labelled sets' 396 real-looking tellings (a third in Chinese, full of agencies,
    programs and numbers the lexicon knows), each event moved into the two-day window with its
    tellings' spacing kept, among generated items up to `count`."""
    rng = random.Random(seed)
    real: list[StoredItem] = []
    for path in (DEVSET, HELDOUT):
        tellings = load_set(path)
        first: dict[str, datetime] = {}
        for telling in tellings:
            at = telling.item.published_at
            first[telling.event] = min(first.get(telling.event, at), at)
        moved = {event: NOW - timedelta(minutes=rng.randint(600, 48 * 60)) for event in first}
        for telling in tellings:
            shift = moved[telling.event] - first[telling.event]
            real.append(
                replace(
                    telling.item,
                    published_at=telling.item.published_at + shift,
                    first_seen_at=telling.item.first_seen_at + shift,
                )
            )
    items = make_items(count - len(real), seed=seed) + real
    return [replace(item, id=number + 1, key=f"k{number}") for number, item in enumerate(items)]


def run_once(items: list[StoredItem], max_items: int) -> tuple[float, int, int, int]:
    start = time.perf_counter()
    window = Window(start=NOW - timedelta(days=3), end=NOW)
    selected = filter_items(items, window=window, topics=TOPICS)
    digest = build_digest(
        selected,
        channel="bench",
        topics=TOPICS,
        max_items=max_items,
        timezone="America/New_York",
        window_start=window.start,
        window_end=window.end,
        catalog=CATALOG,
    )
    slack = render_slack(digest)
    discord = render_discord(digest)
    elapsed = time.perf_counter() - start
    return elapsed, len(digest.entries) + digest.omitted, len(slack), len(discord)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--items", type=int, default=5000)
    parser.add_argument("--max-items", type=int, default=30)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--text", choices=("generated", "mixed"), default="generated")
    args = parser.parse_args()
    make = make_items if args.text == "generated" else make_mixed_items
    items = make(args.items)
    run_once(items[:200], args.max_items)  # warm-up: imports, regex compilation
    timings = []
    for _ in range(args.repeat):
        elapsed, stories, slack, discord = run_once(items, args.max_items)
        timings.append(elapsed)
    median = statistics.median(timings) * 1000
    print(
        f"bench/digest ({args.text}): {args.items} items -> {stories} stories, "
        f"max_items={args.max_items}: "
        f"{slack} Slack + {discord} Discord messages; median {median:.0f} ms, "
        f"best {min(timings) * 1000:.0f} ms over {args.repeat} runs (target <= 200 ms)"
    )


if __name__ == "__main__":
    main()
