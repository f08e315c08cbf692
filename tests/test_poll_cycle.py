"""Poll cycles at scale and on time: the interval users configure is the interval they get, the
entry cap is reported, one feed's failed write fails that feed only."""

from __future__ import annotations

import functools
import itertools
import random
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from feeds.fetch import FetchSettings
from feeds.poll import poll_sources
from feeds.tagging import Tagger, TagResult
from storage.db import Database
from storage.items import count_items
from storage.models import Source
from storage.sources import SourceSpec, add_source, earliest_due_at
from tests.feed_server import FeedServer

FIXTURES = Path(__file__).parent / "fixtures"
SETTINGS = FetchSettings(timeout=2.0, connect_timeout=1.0)
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


class TitleTagger(Tagger):
    """Tags every item "visa-policy"; refuses a title with "boom" in it (a tagger bug)."""

    def __init__(self) -> None:
        self.calls = 0

    def tag(
        self,
        title: str,
        summary: str = "",
        *,
        hints: Sequence[str] = (),
        doc_type: str | None = None,
        language: str | None = None,
    ) -> TagResult:
        self.calls += 1
        if "boom" in title:
            raise RuntimeError("the tagger broke on this title")
        return TagResult(tags={"visa-policy": 0.9}, alert=False, reasons={})


def _rss(titles: Sequence[str]) -> bytes:
    items = "".join(
        f"<item><title>{title}</title><guid isPermaLink='false'>{title}</guid></item>"
        for title in titles
    )
    return f"<rss version='2.0'><channel><title>T</title>{items}</channel></rss>".encode()


def _add(database: Database, name: str, url: str, interval: int = 1800) -> None:
    with database.session() as session:
        add_source(session, SourceSpec(name, url, interval_seconds=interval))


def _source(database: Database, name: str) -> Source:
    with database.session() as session:
        source = session.scalar(select(Source).where(Source.name == name))
        assert source is not None
        return source


def _fixed(at: datetime) -> datetime:
    return at


async def test_a_5_second_interval_is_kept_by_a_scheduler_that_wakes_when_due(
    database: Database, feed_server: FeedServer
) -> None:
    _add(database, "Alerts", feed_server.add("/alerts.xml", _rss(["Rule published"])), interval=5)
    _add(database, "Hourly", feed_server.add("/hourly.xml", _rss(["Analysis"])), interval=3600)
    now = START
    polled: list[datetime] = []
    for cycle in range(8):
        # What the scheduler does: run a cycle of due sources, then sleep until the next is due.
        report = await poll_sources(
            database,
            SETTINGS,
            TitleTagger(),
            due_only=True,
            rng=random.Random(cycle),
            clock=functools.partial(_fixed, now),
        )
        if "Alerts" in {outcome.source for outcome in report.outcomes}:
            polled.append(now)
        with database.session() as session:
            wake = earliest_due_at(session, now=now)
        assert wake is not None and wake > now
        now = wake
    assert len(polled) == 8  # due at every wake-up: never rounded up to a later check
    gaps = [later - earlier for earlier, later in itertools.pairwise(polled)]
    # Jitter only brings the next poll forward (by up to 10 %): never later than configured.
    assert all(timedelta(seconds=4.5) <= gap <= timedelta(seconds=5) for gap in gaps), gaps
    assert len(set(gaps)) > 1  # and it does spread them


async def test_entries_beyond_the_cap_are_cut_and_reported_on_the_source(
    database: Database, feed_server: FeedServer
) -> None:
    _add(database, "Long", feed_server.add("/long.xml", _rss([f"Story {n}" for n in range(7)])))
    settings = FetchSettings(timeout=2.0, max_entries=5)
    report = await poll_sources(database, settings, TitleTagger(), due_only=False)
    [outcome] = report.outcomes
    assert outcome.new_items == 5
    assert outcome.warning == "kept the first 5 of 7 entries ([poll] max_entries)"
    assert report.as_dict()["warnings"] == [{"source": "Long", "warning": outcome.warning}]
    assert _source(database, "Long").last_warning == outcome.warning
    # Unchanged (a 304): the cut still stands.
    await poll_sources(database, settings, TitleTagger(), due_only=False)
    assert _source(database, "Long").last_warning == outcome.warning
    # A wider cap: everything is kept and the warning goes.
    feed_server.add("/long.xml", _rss([f"Story {n}" for n in range(7)] + ["Story 7"]))
    wide = FetchSettings(timeout=2.0, max_entries=100)
    report = await poll_sources(database, wide, TitleTagger(), due_only=False)
    assert report.outcomes[0].new_items == 3 and report.outcomes[0].warning is None
    assert _source(database, "Long").last_warning is None


async def test_a_feed_whose_write_fails_fails_alone(
    database: Database, feed_server: FeedServer
) -> None:
    for n in range(6):
        _add(database, f"Good {n}", feed_server.add(f"/good{n}.xml", _rss([f"Story {n}"])))
    _add(database, "Bad", feed_server.add("/bad.xml", _rss(["Fine", "A boom headline"])))
    report = await poll_sources(database, SETTINGS, TitleTagger(), due_only=False)
    outcomes = {outcome.source: outcome for outcome in report.outcomes}
    assert outcomes["Bad"].outcome == "failed"
    assert "the tagger broke on this title" in (outcomes["Bad"].error or "")
    assert all(outcomes[f"Good {n}"].outcome == "fetched" for n in range(6))
    with database.session() as session:
        assert count_items(session) == 6  # nothing of the bad feed, everything of the others
    bad = _source(database, "Bad")
    assert bad.consecutive_failures == 1 and bad.claimed_until is None


async def test_unchanged_feeds_are_not_tagged_and_their_states_are_recorded(
    database: Database, feed_server: FeedServer
) -> None:
    for n in range(30):
        _add(database, f"Feed {n}", feed_server.add(f"/f{n}.xml", _rss([f"S{n}a", f"S{n}b"])))
    await poll_sources(database, SETTINGS, TitleTagger(), due_only=False)
    first_due = _source(database, "Feed 3").next_due_at
    feed_server.add("/f3.xml", _rss(["S3new", "S3a", "S3b"]))  # one new story in one feed
    tagger = TitleTagger()
    report = await poll_sources(database, SETTINGS, tagger, due_only=False)
    assert (report.not_modified, report.fetched, report.new_items) == (29, 1, 1)
    assert tagger.calls == 1  # only the new story: the two it had already were not retagged
    with database.session() as session:
        claimed = session.scalar(select(Source).where(Source.claimed_until.is_not(None)))
    assert claimed is None  # every state was written and every claim released
    assert _source(database, "Feed 3").next_due_at != first_due


async def test_a_tagger_factory_is_called_only_when_a_feed_changed(
    database: Database, feed_server: FeedServer
) -> None:
    _add(database, "Feed", feed_server.add("/f.xml", _rss(["One"])))
    built: list[TitleTagger] = []

    def factory() -> TitleTagger:
        built.append(TitleTagger())
        return built[-1]

    await poll_sources(database, SETTINGS, factory, due_only=False)
    assert len(built) == 1 and built[0].calls == 1
    await poll_sources(database, SETTINGS, factory, due_only=False)  # a 304: nothing to tag
    assert len(built) == 1
