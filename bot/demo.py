"""`talentbrief demo`: the whole ingestion path, offline, on sample feeds bundled with the package.

The samples go through the same parse → normalise → tag → store path as polled feeds, into a
demo SQLite file of their own (never the user's archive), and the briefing a console channel
would get is built from what was stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select

from bot.topics import topic_catalog
from digests.compose import build_digest
from digests.model import Digest
from feeds.fetch import body_hash
from feeds.ingest import items_from_body
from feeds.samples import sample_sources
from feeds.tagging import Tagger
from storage.db import open_database
from storage.errors import BadInput
from storage.items import load_items, store_items
from storage.models import Item
from storage.sources import SourceSpec, add_source, get_source, record_fetch_success

DEMO_DATABASE = "talentbrief-demo.db"
DEMO_MAX_ITEMS = 40  # every bundled sample story fits


@dataclass(frozen=True, slots=True)
class DemoResult:
    path: Path
    sources: int
    items: int
    new_items: int
    digest: Digest


def run_demo(database_file: str, tagger: Tagger, *, now: datetime | None = None) -> DemoResult:
    now = now or datetime.now(UTC)
    path = Path(database_file).expanduser().resolve()
    if not path.parent.is_dir():
        raise BadInput(f"--database: folder {str(path.parent)!r} does not exist")
    if path.is_dir():
        raise BadInput(f"--database: {str(path)!r} is a folder; give a file name")
    database = open_database(f"sqlite:///{path}")
    samples = sample_sources()
    try:
        new_items = 0
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
            new_items += result.new_items
        with database.session() as session:
            ids = list(session.scalars(select(Item.id).order_by(Item.published_at.desc())))
            stored = load_items(session, ids)
    finally:
        database.dispose()
    # The same composition and text rendering a console channel's digest gets.
    digest = build_digest(
        stored,
        channel="demo",
        max_items=DEMO_MAX_ITEMS,
        window_start=min((item.published_at for item in stored), default=now),
        window_end=now,
        catalog=topic_catalog(tagger.taxonomy),
    )
    return DemoResult(path, len(samples), len(stored), new_items, digest)
