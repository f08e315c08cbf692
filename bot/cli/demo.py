"""`talentbrief demo`: the whole ingestion path, offline, on sample feeds bundled with the package.

The samples go through the same parse → normalise → tag → store path as polled feeds, into a
demo SQLite file of their own (never the user's archive), and a short briefing is printed.
"""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select

from bot.cli.context import CliContext
from digests.compose import build_digest
from digests.render.text import render_text
from feeds.fetch import body_hash
from feeds.ingest import items_from_body
from feeds.samples import sample_sources
from feeds.tagging import load_tagger
from storage.db import open_database
from storage.items import load_items, store_items
from storage.models import Item
from storage.sources import (
    SourceSpec,
    add_source,
    get_source,
    record_fetch_success,
)

DEMO_DATABASE = "talentbrief-demo.db"
DEMO_MAX_ITEMS = 40  # every bundled sample story fits


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "demo",
        help="ingest bundled sample feeds offline and print a briefing",
        description=f"Runs offline: ingests the bundled sample feeds into ./{DEMO_DATABASE} "
        "(a file of its own, never your archive) and prints a short briefing.",
    )
    parser.add_argument(
        "--database",
        default=DEMO_DATABASE,
        metavar="FILE",
        help=f"the demo's SQLite file (default ./{DEMO_DATABASE})",
    )
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace, context: CliContext) -> int:
    tagger = load_tagger(context.config.taxonomy)
    path = Path(args.database).expanduser().resolve()
    database = open_database(f"sqlite:///{path}")
    now = datetime.now(UTC)
    samples = sample_sources()
    try:
        stored = 0
        for sample in samples:
            items, _parsed = items_from_body(
                sample.kind,
                sample.body(),
                {"content-type": sample.content_type},
                feed_url=sample.url,
                fetched_at=now,
                tagger=tagger,
                hints=sample.tags,
            )
            with database.session() as session:
                source = get_source(session, sample.name) or add_source(
                    session,
                    SourceSpec(
                        name=sample.name,
                        url=sample.url,
                        kind=sample.kind,
                        hint_tags=sample.tags,
                        origin="demo",
                        priority=sample.priority,
                    ),
                )
                result = store_items(session, source.id, items)
                record_fetch_success(
                    session,
                    source.id,
                    next_due_at=now,
                    etag=None,
                    last_modified=None,
                    content_hash=body_hash(sample.body()),
                    now=now,
                )
            stored += result.new_items
        with database.session() as session:
            ids = list(session.scalars(select(Item.id).order_by(Item.published_at.desc())))
            items_read = load_items(session, ids)
    finally:
        database.dispose()
    out = context.stdout
    print(
        f"talentbrief demo: {len(items_read)} items from {len(samples)} bundled sample sources "
        f"({stored} new this run), stored in {path}\n",
        file=out,
    )
    # The same composition and text rendering a console channel's digest gets.
    digest = build_digest(
        items_read,
        channel="demo",
        max_items=DEMO_MAX_ITEMS,
        window_start=min((item.published_at for item in items_read), default=now),
        window_end=now,
    )
    out.write(render_text(digest))
    print(file=out)
    print(
        "Next: copy config.example.toml to talentbrief.toml, then `talentbrief poll` and "
        "`talentbrief feeds list`.",
        file=out,
    )
    return 0
