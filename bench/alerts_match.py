"""bench/alerts_match: N new items × M alert subscriptions (target: 5,000 × 1,000 in ≤ 1 s).

Stores N items from tests/corpus/headlines.py through the real `store_items` (one batch per source),
saves M subscriptions written from the field's vocabulary (tags, words, phrases, OR, exclusions,
Chinese, sources, languages, relative dates) through `create_subscription`, then times what the poll
cycle runs after a store: `match_items` over all N items — loading the enabled subscriptions,
parsing them, resolving source names, loading the search documents, matching. Prints the median of
several runs and where the time goes, as Markdown for bench/RESULTS.md.

    .venv/bin/python -m bench.alerts_match                      # 5,000 × 1,000 on SQLite
    .venv/bin/python -m bench.alerts_match --postgres           # and on PostgreSQL
    .venv/bin/python -m bench.alerts_match --check 200          # compare 200 with search

PostgreSQL uses a schema of its own in $TALENTBRIEF_TEST_POSTGRES_URL (default
postgresql+psycopg://postgres@127.0.0.1:5432/test), dropped afterwards.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import tempfile
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

from sqlalchemy import create_engine, text

from storage.db import Database, open_database
from storage.items import store_items
from storage.match import load_documents, match_documents, match_items, saved_queries
from storage.query import parse_query
from storage.search import matching_item_ids
from storage.sources import SourceSpec, add_source
from storage.subscriptions import (
    Owner,
    SubscriptionSpec,
    create_subscription,
    list_subscriptions,
)
from storage.types import NewItem
from tests.corpus.headlines import END, generate
from tests.corpus.vocabulary import CHINESE, SOURCES, TOPICS

PG_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/test"

WORDS = [
    "H-1B", "OPT", "visa", "visas", "proclamation", "returnee", "semiconductor", "DeepSeek",
    "NSPM-33", "F-1", "J-1", "STEM", "lottery", "consulate", "fellowships", "Shenzhen",
    "Hangzhou", "NSF", "USCIS", "waiver", "backlog", "revocations", "disclosure", "Westlake",
    "Tsinghua", "recruitment", "entity", "chips", "engineers", "graduate", "scholars",
]  # fmt: skip
PHRASES = [
    "Thousand Talents", "Entity List", "China Initiative", "research security", "H-1B fee rule",
    "STEM OPT extension", "national interest waiver", "administrative processing",
    "Global Talent visa", "talent introduction scheme", "export controls", "interim final rule",
]  # fmt: skip
EXCLUDED = ["opinion", "podcast", "sports", "webinar", "China", "Beijing", "lottery"]
TAGS = list(TOPICS)
CHINESE_WORDS = sorted({title[i : i + n] for titles in CHINESE.values() for title in titles
                        for n in (2, 3) for i in range(0, len(title) - n + 1, 3)
                        if " " not in title[i : i + n]})  # fmt: skip


def subscription_queries(count: int, seed: int = 11) -> list[str]:
    """`count` subscription queries of the shapes people save."""
    rng = random.Random(seed)
    shapes: list[Callable[[], str]] = [
        lambda: f"tag:{rng.choice(TAGS)} alert:yes",
        lambda: rng.choice(WORDS),
        lambda: f'"{rng.choice(PHRASES)}"',
        lambda: f"{rng.choice(WORDS)} tag:{rng.choice(TAGS)}",
        lambda: f"{rng.choice(WORDS)} OR {rng.choice(WORDS)}",
        lambda: f'{rng.choice(WORDS)} OR "{rng.choice(PHRASES)}" -{rng.choice(EXCLUDED)}',
        lambda: f'source:"{rng.choice(SOURCES)}" alert:yes',
        lambda: rng.choice(CHINESE_WORDS),
        lambda: f"{rng.choice(CHINESE_WORDS)} lang:zh",
        lambda: f"{rng.choice(WORDS)} lang:en since:30d",
        lambda: f"tag:{rng.choice(TAGS)} OR tag:{rng.choice(TAGS)} -{rng.choice(EXCLUDED)}",
        lambda: f'"{rng.choice(PHRASES)}" {rng.choice(WORDS)} -tag:{rng.choice(TAGS)}',
    ]
    return [rng.choice(shapes)() for _ in range(count)]


def build(database: Database, items: int, subscriptions: int) -> list[int]:
    """Store the items and save the subscriptions; the new item ids."""
    by_source: dict[int, list[NewItem]] = defaultdict(list)
    for item in generate(items):
        by_source[item.source].append(
            NewItem(
                key=f"bench-{item.n}",
                title=item.title,
                summary=item.summary,
                published_at=item.published_at,
                language=item.language,
                tags=item.tags,
                alert=item.alert,
            )
        )
    new_ids: list[int] = []
    with database.session() as session:
        for index, batch in sorted(by_source.items()):
            source = add_source(session, SourceSpec(SOURCES[index], f"https://s{index}.example/"))
            new_ids.extend(store_items(session, source.id, batch).new_ids)
        for n, query in enumerate(subscription_queries(subscriptions)):
            owner = Owner("slack", f"U{n:05d}")
            spec = SubscriptionSpec(owner, "dm", "slack", owner.user_id, query)
            create_subscription(session, spec, max_per_owner=None, now=END)
    return sorted(new_ids)


@contextmanager
def _timed(timings: dict[str, list[tuple[float, float]]], name: str) -> Iterator[None]:
    wall, cpu = time.perf_counter(), time.process_time()
    yield
    timings[name].append((time.perf_counter() - wall, time.process_time() - cpu))


def measure(database: Database, item_ids: list[int], repeat: int) -> dict[str, tuple[float, float]]:
    """Median wall and CPU seconds (this process) of the whole match and of its parts."""
    timings: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for _ in range(repeat):
        with database.session() as session:
            with _timed(timings, "match_items (whole)"):
                match_items(session, item_ids, now=END)
            with _timed(timings, "subscriptions: load, parse, resolve"):
                records = list_subscriptions(session, enabled_only=True)
                queries = saved_queries(session, records, now=END)
            with _timed(timings, "search documents: load"):
                documents = load_documents(session, item_ids)
            with _timed(timings, "matching in memory"):
                match_documents(documents, queries)
    return {
        name: (statistics.median(w for w, _ in values), statistics.median(c for _, c in values))
        for name, values in timings.items()
    }


def check(database: Database, item_ids: list[int], sample: int) -> int:
    """Compare `sample` subscriptions with search; the number compared."""
    with database.session() as session:
        records = list_subscriptions(session)[:sample]
        matched = match_items(session, item_ids, now=END, subscriptions=records)
        for record in records:
            expected = set(matching_item_ids(session, parse_query(record.query, now=END)))
            got = {m.item_id for m in matched if m.subscription_id == record.id}
            assert got == expected, record.query
    return len(records)


def run(label: str, url: str, args: argparse.Namespace) -> None:
    database = open_database(url)
    try:
        started = time.perf_counter()
        item_ids = build(database, args.items, args.subscriptions)
        built = time.perf_counter() - started
        figures = measure(database, item_ids, args.repeat)
        with database.session() as session:
            matches = len(match_items(session, item_ids, now=END))
        print(f"\n### {label}: {len(item_ids):,} items × {args.subscriptions:,} subscriptions")
        print(f"(built in {built:.1f} s; median of {args.repeat} runs; {matches:,} matches)\n")
        print("| step | wall ms | CPU ms (this process) |\n|---|---:|---:|")
        for name, (wall, cpu) in figures.items():
            print(f"| {name} | {wall * 1000:.0f} | {cpu * 1000:.0f} |")
        if args.check:
            print(f"\nchecked against search: {check(database, item_ids, args.check)} equal")
    finally:
        database.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=5000)
    parser.add_argument("--subscriptions", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--check", type=int, default=0, metavar="N")
    parser.add_argument("--postgres", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        run("SQLite", f"sqlite:///{Path(folder) / 'alerts.db'}", args)
    if args.postgres:
        base = os.environ.get("TALENTBRIEF_TEST_POSTGRES_URL", PG_DEFAULT)
        schema = f"tb_bench_{uuid.uuid4().hex[:8]}"
        admin = create_engine(base, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        try:
            separator = "&" if "?" in base else "?"
            options = quote(f"-csearch_path={schema}")
            run("PostgreSQL", f"{base}{separator}options={options}", args)
        finally:
            with admin.connect() as connection:
                connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()


if __name__ == "__main__":
    main()
