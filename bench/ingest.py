"""bench/ingest: items per second for parse + tag + store on the 10,000-item corpus.

The corpus is the tests' (tests/corpus.py): 200 RSS 2.0 feeds × 50 items. Three figures:

  parse+tag        bytes → tagged NewItems (feedparser, normalisation, the tagger), no database
  parse+tag+store  the same, plus one store_items batch and fetch-state update per feed, each
                   in its own transaction, the way a poll cycle stores
  poll over HTTP   the whole `poll_sources` cycle against a local aiohttp server: fetch, parse,
                   tag, store (end to end, into a fresh database)

Run from the repository root:
    .venv/bin/python -m bench.ingest                       # SQLite
    .venv/bin/python -m bench.ingest --postgres URL        # and PostgreSQL
(`TALENTBRIEF_TEST_POSTGRES_URL` is used when --postgres is not given and it is set.)
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))  # the corpus and the feed server live with the tests

from corpus import corpus_feed  # noqa: E402
from feed_server import FeedServer  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402

from feeds.fetch import FetchSettings, body_hash  # noqa: E402
from feeds.ingest import items_from_body  # noqa: E402
from feeds.poll import poll_sources  # noqa: E402
from feeds.tagging import load_tagger  # noqa: E402
from storage.db import Database, open_database  # noqa: E402
from storage.items import count_items, store_items  # noqa: E402
from storage.sources import (  # noqa: E402
    SourceSpec,
    add_source,
    record_fetch_success,
)

HEADERS = {"content-type": "application/rss+xml; charset=utf-8"}


def _corpus(feeds: int, items: int) -> list[bytes]:
    return [corpus_feed(n, items) for n in range(feeds)]


def _url(n: int) -> str:
    return f"https://news{n % 17}.example.org/feeds/{n}.xml"


def bench_parse_tag(corpus: list[bytes]) -> tuple[int, float]:
    tagger = load_tagger({})
    now = datetime.now(UTC)
    started = time.perf_counter()
    total = 0
    for n, body in enumerate(corpus):
        items, _ = items_from_body(
            "feed", body, HEADERS, feed_url=_url(n), fetched_at=now, tagger=tagger
        )
        total += len(items)
    return total, time.perf_counter() - started


def bench_parse_tag_store(corpus: list[bytes], database: Database) -> tuple[int, float]:
    tagger = load_tagger({})
    with database.session() as session:
        ids = [add_source(session, SourceSpec(f"Feed {n}", _url(n))).id for n in range(len(corpus))]
    now = datetime.now(UTC)
    started = time.perf_counter()
    for n, body in enumerate(corpus):
        items, _ = items_from_body(
            "feed", body, HEADERS, feed_url=_url(n), fetched_at=now, tagger=tagger
        )
        with database.session() as session:
            store_items(session, ids[n], items)
            record_fetch_success(
                session,
                ids[n],
                next_due_at=now,
                etag=None,
                last_modified=None,
                content_hash=body_hash(body),
                now=now,
            )
    elapsed = time.perf_counter() - started
    with database.session() as session:
        stored = count_items(session)
    return stored, elapsed


def bench_poll(corpus: list[bytes], database: Database) -> tuple[int, float]:
    with FeedServer() as server:
        with database.session() as session:
            for n, body in enumerate(corpus):
                add_source(session, SourceSpec(f"Feed {n}", server.add(f"/feeds/{n}.xml", body)))
        started = time.perf_counter()
        report = asyncio.run(
            poll_sources(database, FetchSettings(), load_tagger({}), due_only=False)
        )
        elapsed = time.perf_counter() - started
    assert not report.failed, report.failed
    return report.new_items, elapsed


@contextmanager
def sqlite_database() -> Iterator[Database]:
    with tempfile.TemporaryDirectory() as folder:
        database = open_database(f"sqlite:///{folder}/bench.db")
        try:
            yield database
        finally:
            database.dispose()


@contextmanager
def postgres_database(base: str) -> Iterator[Database]:
    schema = f"tb_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in base else "?"
    database = open_database(f"{base}{separator}options={quote(f'-csearch_path={schema}')}")
    try:
        yield database
    finally:
        database.dispose()
        with admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def _report(label: str, items: int, seconds: float) -> None:
    print(f"{label:<34} {items:>7,} items  {seconds:7.2f} s  {items / seconds:>9,.0f} items/s")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feeds", type=int, default=200)
    parser.add_argument("--items", type=int, default=50)
    parser.add_argument("--postgres", default=os.environ.get("TALENTBRIEF_TEST_POSTGRES_URL"))
    parser.add_argument("--skip-poll", action="store_true", help="skip the HTTP poll figure")
    args = parser.parse_args(argv)

    corpus = _corpus(args.feeds, args.items)
    size = sum(len(body) for body in corpus)
    print(f"corpus: {args.feeds} feeds × {args.items} items, {size / 1e6:.1f} MB of RSS")
    items, seconds = bench_parse_tag(corpus)
    _report("parse+tag (no database)", items, seconds)

    backends: list[tuple[str, Callable[[], Any]]] = [("SQLite", sqlite_database)]
    if args.postgres:
        backends.append(("PostgreSQL", lambda: postgres_database(args.postgres)))
    for name, opener in backends:
        with opener() as database:
            items, seconds = bench_parse_tag_store(corpus, database)
        _report(f"parse+tag+store, {name}", items, seconds)
        if not args.skip_poll:
            with opener() as database:
                items, seconds = bench_poll(corpus, database)
            _report(f"poll over HTTP, {name}", items, seconds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
