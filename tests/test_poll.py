"""One poll cycle against a local server, on SQLite and PostgreSQL."""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from feeds.fetch import FetchSettings
from feeds.guard import AddressGuard
from feeds.poll import PollProgress, PollReport, poll_sources
from feeds.tagging import Tagger, TagResult
from storage.db import Database
from storage.items import count_items, load_items
from storage.models import Item, Source
from storage.sources import SourceSpec, add_source
from tests.feed_server import FeedServer

FIXTURES = Path(__file__).parent / "fixtures"
SETTINGS = FetchSettings(timeout=1.0, connect_timeout=1.0, failing_after=2, backoff_base=60)


class KeywordTagger(Tagger):
    """A tiny deterministic tagger, so these tests do not depend on the real rules."""

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
        tags = {hint: 0.3 for hint in hints}
        reasons: dict[str, tuple[str, ...]] = {}
        if "F-1" in title or "H-1B" in title:
            tags["visa-policy"] = 0.9
            reasons["visa-policy"] = ("mentions a visa class",)
        alert = doc_type in ("Rule", "Proposed Rule")
        if alert:
            reasons["alert"] = (f"Federal Register {doc_type}",)
        return TagResult(tags=tags, alert=alert, reasons=reasons)


def _add(database: Database, name: str, url: str, **extra: object) -> None:
    with database.session() as session:
        add_source(session, SourceSpec(name, url, **extra))  # type: ignore[arg-type]


async def _poll(
    database: Database,
    tagger: Tagger | None = None,
    *,
    due_only: bool = False,
    guard: AddressGuard | None = None,
    settings: FetchSettings = SETTINGS,
) -> PollReport:
    return await poll_sources(
        database,
        settings,
        tagger or KeywordTagger(),
        due_only=due_only,
        guard=guard,
        rng=random.Random(7),
    )


def _source(database: Database, name: str) -> Source:
    with database.session() as session:
        source = session.scalar(select(Source).where(Source.name == name))
        assert source is not None
        return source


def _aware(moment: datetime | None) -> datetime:
    assert moment is not None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


async def test_every_format_is_ingested_tagged_and_stored(
    database: Database, feed_server: FeedServer
) -> None:
    _add(
        database, "Visa desk", feed_server.add("/rss20.xml", (FIXTURES / "rss20.xml").read_bytes())
    )
    _add(
        database, "Preprints", feed_server.add("/rss10.xml", (FIXTURES / "rss10.xml").read_bytes())
    )
    _add(
        database, "Observatory", feed_server.add("/atom.xml", (FIXTURES / "atom.xml").read_bytes())
    )
    fr_body = (FIXTURES / "federal_register.json").read_bytes()
    fr_url = feed_server.add("/api/v1/documents.json", fr_body, content_type="application/json")
    _add(database, "FR", fr_url, kind="federal_register", hint_tags=("visa-policy",))
    seen: list[PollProgress] = []
    report = await poll_sources(
        database, SETTINGS, KeywordTagger(), due_only=False, progress=seen.append
    )
    assert (report.sources, report.fetched, len(report.failed)) == (4, 4, 0)
    assert report.new_items == 3 + 2 + 2 + 2
    assert [p.done for p in seen] == [0, 1, 2, 3, 4] and seen[0].total == 4
    with database.session() as session:
        assert count_items(session) == 9
        rule_id = session.scalar(select(Item.id).where(Item.key == "fr:2026-01111"))
        f1_id = session.scalar(select(Item.id).where(Item.title.startswith("F-1 students")))
        assert rule_id is not None and f1_id is not None
        rule, f1 = load_items(session, [rule_id, f1_id])
    assert rule.alert and rule.reasons["alert"] == ("Federal Register Rule",)
    assert rule.tags == {"visa-policy": 0.9}  # the hint (0.3) was raised by the title
    assert rule.doc_type == "Rule"
    assert rule.effective_on is not None and rule.agencies[0] == "Homeland Security Department"
    assert f1.tags == {"visa-policy": 0.9}
    assert f1.reasons["visa-policy"] == ("mentions a visa class",)
    assert f1.url == feed_server.url("/news/reduced-course-load?id=42#top")
    source = _source(database, "Visa desk")
    assert source.status == "ok" and source.etag and source.content_hash
    assert source.claimed_until is None
    assert _aware(source.next_due_at) > datetime.now(UTC) + timedelta(minutes=25)


async def test_an_unchanged_feed_is_neither_parsed_nor_stored_again(
    database: Database, feed_server: FeedServer
) -> None:
    body = (FIXTURES / "rss20.xml").read_bytes()
    _add(database, "With ETag", feed_server.add("/etag.xml", body))
    _add(database, "Without", feed_server.add("/plain.xml", body, etag=False))
    await _poll(database)
    tagger = KeywordTagger()
    report = await _poll(database, tagger)
    assert (report.fetched, report.not_modified, report.new_items) == (0, 2, 0)
    assert tagger.calls == 0  # nothing was parsed, so nothing was tagged
    assert feed_server.conditional_hits["/etag.xml"] == 1
    assert feed_server.hits["/plain.xml"] == 2


async def test_a_changed_title_updates_the_row(database: Database, feed_server: FeedServer) -> None:
    body = (FIXTURES / "rss20.xml").read_bytes()
    url = feed_server.add("/rss.xml", body)
    _add(database, "Visa desk", url)
    await _poll(database)
    feed_server.add("/rss.xml", body.replace(b"Office closed for the holiday", b"Office closed"))
    report = await _poll(database)
    assert (report.fetched, report.new_items, report.updated_items) == (1, 0, 1)
    with database.session() as session:
        assert count_items(session) == 3
        titles = set(session.scalars(select(Item.title)))
    assert "Office closed" in titles


async def test_failures_back_off_then_show_as_failing_then_recover(
    database: Database, feed_server: FeedServer
) -> None:
    _add(database, "Broken", feed_server.url("/status/500"))
    _add(database, "Healthy", feed_server.add("/ok.xml", (FIXTURES / "atom.xml").read_bytes()))
    before = datetime.now(UTC)
    report = await _poll(database)
    assert report.fetched == 1 and report.new_items == 2
    [failure] = report.failed
    assert (failure.source, failure.error) == ("Broken", "HTTP 500 Internal Server Error")
    broken = _source(database, "Broken")
    assert broken.consecutive_failures == 1 and broken.status == "new"
    assert broken.last_error == "HTTP 500 Internal Server Error"
    # First retry after backoff_base (60 s), up to 10 % sooner, not after the 30-minute interval.
    delay = _aware(broken.next_due_at) - before
    assert timedelta(seconds=50) < delay < timedelta(seconds=70)

    report = await _poll(database)
    assert report.failed[0].status == "failing"
    broken = _source(database, "Broken")
    assert (broken.consecutive_failures, broken.status) == (2, "failing")
    delay = _aware(broken.next_due_at) - datetime.now(UTC)
    assert timedelta(seconds=100) < delay < timedelta(seconds=135)  # doubled

    with database.session() as session:
        session.get(Source, broken.id).url = feed_server.add(  # type: ignore[union-attr]
            "/fixed.xml", (FIXTURES / "rss10.xml").read_bytes()
        )
    report = await _poll(database)
    assert not report.failed
    broken = _source(database, "Broken")
    assert (broken.consecutive_failures, broken.status, broken.last_error) == (0, "ok", None)


async def test_only_due_sources_are_polled_when_asked(
    database: Database, feed_server: FeedServer
) -> None:
    _add(database, "Feed", feed_server.add("/rss.xml", (FIXTURES / "rss20.xml").read_bytes()))
    assert (await _poll(database, due_only=True)).sources == 1
    assert (await _poll(database, due_only=True)).sources == 0  # next due in ~30 minutes
    assert (await _poll(database, due_only=False)).sources == 1


async def test_retry_after_defers_the_rest_of_the_origin(
    database: Database, feed_server: FeedServer
) -> None:
    _add(database, "Limited", feed_server.url("/too-many?retry=600"))
    for n in range(3):
        _add(database, f"Same host {n}", feed_server.add(f"/f{n}.xml", b"<rss/>"))
    settings = FetchSettings(timeout=1.0, concurrency=1, per_host=1)
    report = await _poll(database, settings=settings)
    # The 429 source is claimed first (same next-due, lowest id) and fetched alone (per_host=1).
    assert [o.outcome for o in report.outcomes] == ["failed", "deferred", "deferred", "deferred"]
    assert report.failed[0].error == "HTTP 429 Too Many Requests; retry after 600 s"
    limited = _source(database, "Limited")
    assert _aware(limited.next_due_at) >= datetime.now(UTC) + timedelta(seconds=590)
    waiting = _source(database, "Same host 0")
    assert waiting.consecutive_failures == 0 and waiting.claimed_until is None
    assert _aware(waiting.next_due_at) >= datetime.now(UTC) + timedelta(seconds=500)
    assert sum(feed_server.hits[f"/f{n}.xml"] for n in range(3)) == 0


async def test_chat_sources_are_guarded_and_trusted_ones_are_not(
    database: Database, feed_server: FeedServer
) -> None:
    body = (FIXTURES / "rss20.xml").read_bytes()
    _add(database, "From config", feed_server.add("/a.xml", body), origin="config")
    _add(database, "From chat", feed_server.add("/b.xml", body), origin="chat")
    with FeedServer(host="127.0.0.2") as public:
        _add(database, "Chat, public", public.add("/ok.xml", body), origin="chat")
        redirect = public.url(f"/redirect?to={feed_server.url('/c.xml')}")
        feed_server.add("/c.xml", body)
        _add(database, "Chat, redirected inward", redirect, origin="chat")
        report = await _poll(database, guard=AddressGuard(allow=["127.0.0.2/32"]))
    outcomes = {o.source: o for o in report.outcomes}
    assert outcomes["From config"].outcome == "fetched"
    assert outcomes["Chat, public"].outcome == "fetched"
    assert outcomes["From chat"].error == "refused to connect to 127.0.0.1: a loopback address"
    assert "refused to connect to 127.0.0.1" in (outcomes["Chat, redirected inward"].error or "")
    assert feed_server.hits["/b.xml"] == 0 and feed_server.hits["/c.xml"] == 0


async def test_a_bad_federal_register_url_fails_that_source_only(
    database: Database, feed_server: FeedServer
) -> None:
    _add(
        database,
        "FR deep page",
        feed_server.url("/documents.json?page=60"),
        kind="federal_register",
    )
    _add(database, "Feed", feed_server.add("/rss.xml", (FIXTURES / "rss20.xml").read_bytes()))
    report = await _poll(database)
    assert report.fetched == 1
    assert "beyond what the Federal Register API serves" in (report.failed[0].error or "")
