"""bench/search: full-text search over a large archive on SQLite and PostgreSQL.

Builds (once, then reuses) an archive of N items written by bench/corpus.py, runs 20 fixed
queries through `search_items` (parse, candidates, ranking, snippets: what a user waits for)
and a naive LIKE scan over the same tables, and prints p50/p95 per query and per backend as a
Markdown table for bench/RESULTS.md.

    .venv/bin/python -m bench.search --items 100000               # while developing
    .venv/bin/python -m bench.search --items 1000000              # the recorded figure

SQLite lives in bench/.data/ (git-ignored); PostgreSQL in its own schema of
$TALENTBRIEF_TEST_POSTGRES_URL (default postgresql+psycopg://postgres@127.0.0.1:5432/test).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

from sqlalchemy import create_engine, func, insert, select, text
from tqdm import tqdm

from bench.corpus import END, SOURCES, generate
from storage.db import Database, open_database
from storage.models import Item, ItemSource, ItemTag, Source
from storage.query import Alert as AlertFilter
from storage.query import AnyOf, Lang, Phrase, Query, Tag, Word, parse_query
from storage.query import Source as SourceFilter
from storage.search import search_items
from storage.search_text import search_columns

DATA = Path(__file__).resolve().parent / ".data"
PG_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
BATCH = 5000

# (query, counts toward the target: words + tag + since)
QUERIES: list[tuple[str, bool]] = [
    ("H-1B tag:visa-policy since:7d", True),
    ("visa tag:visa-policy since:30d", True),
    ("students tag:student-mobility since:90d", True),
    ('"Thousand Talents" tag:talent-programs since:365d', True),
    ("university tag:research-security since:14d", True),
    ("China tag:ai-talent since:30d", True),
    ("proclamation tag:visa-policy since:2025-06-01", True),
    ("Entity List tag:export-controls since:60d", True),
    ('returnee OR "sea turtles" tag:returnees since:90d', True),
    ("rule -proposes tag:visa-policy since:30d", True),
    ("签证 tag:visa-policy since:90d", True),
    ("人才 tag:talent-programs since:180d", True),
    ("DeepSeek tag:ai-talent since:7d", True),
    ("OPT extension tag:visa-policy alert:yes since:30d", True),
    ('"USCIS-2025-0042" tag:visa-policy since:365d', True),
    ("zzyzx tag:visa-policy since:30d", True),
    ("China", False),
    ('"Westlake University"', False),
    ('source:"Federal Register" rule since:30d', False),
    ("lang:zh 留学", False),
]


def _sqlite_url(count: int) -> str:
    DATA.mkdir(exist_ok=True)
    return f"sqlite:///{DATA / f'search-{count}.db'}"


def _postgres_url(count: int) -> str:
    base = os.environ.get("TALENTBRIEF_TEST_POSTGRES_URL", PG_DEFAULT)
    schema = f"bench_search_{count}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
    admin.dispose()
    separator = "&" if "?" in base else "?"
    return f"{base}{separator}options={quote(f'-csearch_path={schema}')}"


def _rows(count: int, source_ids: list[int]) -> Any:
    batch: list[BenchRow] = []
    for item in generate(count):
        batch.append(BenchRow(item, source_ids[item.source]))
        if len(batch) == BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


class BenchRow:
    def __init__(self, item: Any, source_id: int) -> None:
        self.item, self.source_id = item, source_id

    def item_row(self) -> dict[str, Any]:
        item = self.item
        digest = hashlib.sha256(f"{item.title}\x00{item.summary}".encode()).hexdigest()
        return {
            "id": item.n + 1,
            "key": f"bench-{item.n}",
            "canonical_url": f"https://news.example/{item.n}",
            "url": f"https://news.example/{item.n}",
            "title": item.title,
            "summary": item.summary,
            "language": item.language,
            "published_at": item.published_at,
            "first_seen_at": item.first_seen_at,
            "updated_at": item.first_seen_at,
            "content_hash": digest,
            "source_id": self.source_id,
            "agencies": [],
            "alert": item.alert,
            "reasons": {},
            **search_columns(
                title=item.title,
                summary=item.summary,
                tags=item.tags,
                alert=item.alert,
                language=item.language,
                published_at=item.published_at,
            ),
        }


def build(database: Database, count: int) -> None:
    """Fill an empty archive with `count` items through batched Core inserts."""
    with database.session() as session:
        stored = session.scalar(select(func.count()).select_from(Item)) or 0
    if stored == count:
        print(f"{database.dialect}: reusing {count:,} items", file=sys.stderr)
        return
    if stored:
        raise SystemExit(f"{database.safe_url} holds {stored:,} items, not {count:,}: delete it")
    started = time.perf_counter()
    with database.session() as session:
        for name in SOURCES:
            session.add(
                Source(name=name, url=f"https://{hashlib.md5(name.encode()).hexdigest()}.example/",
                       created_at=END, consecutive_failures=0, status="ok", kind="feed",
                       interval_seconds=1800, hint_tags=[], enabled=True, origin="config",
                       priority=0)
            )  # fmt: skip
        session.flush()
        by_name = {name: i for name, i in session.execute(select(Source.name, Source.id))}
    source_ids = [by_name[name] for name in SOURCES]
    with tqdm(total=count, desc=f"build {database.dialect}", unit="item") as progress:
        for batch in _rows(count, source_ids):
            with database.engine.begin() as connection:
                connection.execute(insert(Item), [row.item_row() for row in batch])
                tags = [
                    {"item_id": row.item.n + 1, "tag": tag, "score": score}
                    for row in batch
                    for tag, score in row.item.tags.items()
                ]
                connection.execute(insert(ItemTag), tags)
                links = [
                    {
                        "item_id": row.item.n + 1,
                        "source_id": row.source_id,
                        "first_seen_at": row.item.first_seen_at,
                    }
                    for row in batch
                ]
                connection.execute(insert(ItemSource), links)
            progress.update(len(batch))
    with database.engine.connect() as connection:
        if database.dialect == "sqlite":
            connection.exec_driver_sql("INSERT INTO item_search(item_search) VALUES ('optimize')")
            connection.exec_driver_sql("ANALYZE")
            connection.commit()
        else:
            connection.execution_options(isolation_level="AUTOCOMMIT")
            connection.exec_driver_sql("VACUUM ANALYZE")
    minutes = (time.perf_counter() - started) / 60
    print(f"{database.dialect}: built {count:,} items in {minutes:.1f} min", file=sys.stderr)


# --- the naive baseline -----------------------------------------------------------------------


def _like_sql(query: Query, postgres: bool) -> tuple[str, dict[str, Any]]:
    """The same query as a LIKE scan over items (plain indexes, no full text)."""
    params: dict[str, Any] = {}
    conditions: list[str] = []

    def atom(value: Any) -> str:
        name = f"p{len(params)}"
        if isinstance(value, Word | Phrase):
            params[name] = f"%{value.text.lower()}%"
            return f"(lower(i.title) LIKE :{name} OR lower(i.summary) LIKE :{name})"
        if isinstance(value, Tag):
            params[name] = value.tag
            return f"EXISTS (SELECT 1 FROM item_tags t WHERE t.item_id = i.id AND t.tag = :{name})"
        if isinstance(value, SourceFilter):
            params[name] = value.name
            return (
                "EXISTS (SELECT 1 FROM item_sources l JOIN sources s ON s.id = l.source_id "
                f"WHERE l.item_id = i.id AND s.name = :{name})"
            )
        if isinstance(value, Lang):
            params[name] = value.code
            return f"i.language = :{name}"
        assert isinstance(value, AlertFilter)
        return "i.alert" if value.flag else "NOT i.alert"

    for clause in query.include:
        options = clause.options if isinstance(clause, AnyOf) else (clause,)
        conditions.append("(" + " OR ".join(atom(option) for option in options) + ")")
    conditions += [f"NOT {atom(value)}" for value in query.exclude]
    if query.since:
        params["since"] = query.since.isoformat()
        conditions.append("i.published_at >= :since")
    if query.until:
        params["until"] = query.until.isoformat()
        conditions.append("i.published_at < :until")
    where = " AND ".join(conditions) or "1 = 1"
    if postgres:
        where = where.replace(":since", "CAST(:since AS timestamptz)")
    # Every match has to be found before any can be ranked: count them all.
    return f"SELECT count(*) FROM items i WHERE {where}", params


# --- timing -----------------------------------------------------------------------------------


def _time(run: Callable[[], int], repeat: int) -> tuple[list[float], int]:
    found = run()  # warm-up (and the result count)
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        samples.append((time.perf_counter() - started) * 1000)
    return samples, found


def _p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def measure(database: Database, repeat: int, like_repeat: int) -> dict[str, Any]:
    results: dict[str, Any] = {}
    postgres = database.dialect == "postgresql"
    for text_query, _target in tqdm(QUERIES, desc=f"queries {database.dialect}"):
        query = parse_query(text_query, now=END)

        def run_search(query: Query = query) -> int:
            with database.session() as session:
                return len(search_items(session, query, limit=10, now=END))

        sql, params = _like_sql(query, postgres)

        def run_like(sql: str = sql, params: dict[str, Any] = params) -> int:
            with database.engine.connect() as connection:
                return int(connection.execute(text(sql), params).scalar_one())

        samples, hits = _time(run_search, repeat)
        like, _ = _time(run_like, like_repeat) if like_repeat else ([], 0)
        results[text_query] = {"search": samples, "hits": hits, "like": like}
    return results


def report(by_backend: dict[str, dict[str, Any]], count: int) -> str:
    backends = list(by_backend)
    header = (
        "| query | "
        + " | ".join(f"{b} p50 | {b} p95 | {b} LIKE p50" for b in backends)
        + " | hits |"
    )
    lines = [header, "|" + "---|" * (1 + 3 * len(backends) + 1)]
    for text_query, _target in QUERIES:
        cells = []
        for backend in backends:
            entry = by_backend[backend][text_query]
            like = f"{statistics.median(entry['like']):.0f}" if entry["like"] else "–"
            cells += [
                f"{statistics.median(entry['search']):.1f}",
                f"{_p95(entry['search']):.1f}",
                like,
            ]
        hits = by_backend[backends[0]][text_query]["hits"]
        lines.append(f"| `{text_query}` | " + " | ".join(cells) + f" | {hits} |")
    for label, chosen in (("words + tag + since (16 queries)", True), ("all 20 queries", None)):
        cells = []
        for backend in backends:
            pooled = [
                s
                for q, target in QUERIES
                if chosen is None or target == chosen
                for s in by_backend[backend][q]["search"]
            ]
            likes = [
                s
                for q, target in QUERIES
                if chosen is None or target == chosen
                for s in by_backend[backend][q]["like"]
            ]
            like = f"{statistics.median(likes):.0f}" if likes else "–"
            cells += [f"**{statistics.median(pooled):.1f}**", f"**{_p95(pooled):.1f}**", like]
        lines.append(f"| {label} | " + " | ".join(cells) + " | |")
    return f"Archive of {count:,} items; times in ms.\n\n" + "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=1_000_000)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--repeat", type=int, default=20, help="timed runs per query")
    parser.add_argument("--like-repeat", type=int, default=3, help="timed LIKE runs (0: skip)")
    args = parser.parse_args(argv)
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    by_backend: dict[str, dict[str, Any]] = {}
    for backend in backends:
        url = _sqlite_url(args.items) if backend == "sqlite" else _postgres_url(args.items)
        database = open_database(url)
        try:
            build(database, args.items)
            by_backend[backend] = measure(database, args.repeat, args.like_repeat)
        finally:
            database.dispose()
    print(report(by_backend, args.items))
    return 0


if __name__ == "__main__":
    sys.exit(main())
