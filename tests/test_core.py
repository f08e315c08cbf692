"""The application core (`bot.core.Talentbrief`): its actions on both backends, topic ids from
the taxonomy, and database work kept off the event loop."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import create_engine, text

from bot.config import ChannelConfig, Config
from bot.core import Talentbrief
from storage.db import Database
from storage.errors import BadInput
from storage.items import load_items
from storage.query import QuerySyntaxError
from tests.corpus.digest import fixed_items
from tests.digest_db import store


def _recent(hours_ago: int = 1) -> datetime:
    return datetime.now(UTC) - timedelta(hours=hours_ago)


@pytest.fixture
def core(database: Database) -> Talentbrief:
    """A core over a database holding the fixture items, published and seen in the last hours."""
    items = [
        item.__class__(
            **{
                **{f: getattr(item, f) for f in item.__slots__},
                "first_seen_at": _recent(item.id),
                "published_at": _recent(item.id),
            }
        )
        for item in fixed_items()
    ]
    store(database, items)
    return Talentbrief(Config(), database=database, env={})


async def test_topics_are_the_taxonomy_s(core: Talentbrief) -> None:
    topics = core.topics()
    assert [topic.id for topic in topics][:3] == ["visa-policy", "talent-programs", "returnees"]
    assert all(topic.description for topic in topics)
    assert core.catalog.title("visa-policy") == "Visa policy"


async def test_latest_puts_alerts_first_then_the_newest(core: Talentbrief) -> None:
    hits = await core.latest(limit=10)
    flags = [hit.alert for hit in hits]
    assert flags == sorted(flags, reverse=True) and flags[0]
    ordinary = [hit.published for hit in hits if not hit.alert]
    assert ordinary == sorted(ordinary, reverse=True)
    on_topic = await core.latest("returnees")
    assert on_topic and all("returnees" in hit.tags for hit in on_topic)


async def test_an_unknown_topic_is_bad_input_naming_the_known_ones(core: Talentbrief) -> None:
    with pytest.raises(BadInput, match=r"topic: unknown topic 'visa' \(known: visa-policy"):
        await core.latest("visa")
    with pytest.raises(QuerySyntaxError, match="tag:visa is not a topic"):
        await core.search("H-1B tag:visa")
    with pytest.raises(QuerySyntaxError, match="tag:students is not a topic"):
        core.parse_query("H-1B", tags=["students"])


async def test_explain_gives_the_tags_the_flag_and_the_reasons(
    core: Talentbrief, database: Database
) -> None:
    [hit] = await core.search('"registration fee"')
    explained = await core.explain(hit.id)
    assert explained.item.title.startswith("USCIS proposes new H-1B registration fee")
    assert explained.alert is True
    assert explained.topics[0][0] == "visa-policy"
    with database.session() as session:
        [stored] = load_items(session, [hit.id])
    assert explained.reasons == dict(stored.reasons)
    with pytest.raises(BadInput, match="no item 999999"):
        await core.explain(999999)


async def test_a_preview_without_a_channel_covers_a_topic_for_the_last_day(
    core: Talentbrief,
) -> None:
    preview = await core.digests.preview(topic="returnees")
    titles = [entry.item.title for entry in preview.digest.entries]
    assert titles and all("Westlake" in title for title in titles)
    assert len(titles) == 1  # three outlets, one story


async def test_search_limits_are_checked(core: Talentbrief) -> None:
    with pytest.raises(BadInput, match="limit must be between 1 and 200"):
        await core.search("visa", limit=0)


@contextmanager
def _write_locked(database: Database, seconds: float) -> Iterator[threading.Event]:
    """Hold a write lock on the database from another connection for `seconds`."""
    locked = threading.Event()

    def hold() -> None:
        engine = create_engine(database.url)
        with engine.connect() as connection:
            if database.dialect == "sqlite":
                connection.exec_driver_sql("BEGIN IMMEDIATE")
            else:
                connection.execute(text("BEGIN"))
                connection.execute(text("LOCK TABLE channels IN ACCESS EXCLUSIVE MODE"))
            locked.set()
            threading.Event().wait(seconds)
            connection.rollback()
        engine.dispose()

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        yield locked
    finally:
        holder.join()


async def test_a_locked_database_does_not_freeze_the_event_loop(database: Database) -> None:
    """Posting digests waits on the lock in a worker thread while the loop keeps ticking."""
    config = Config(channels=(ChannelConfig(name="desk", schedule=("00:00",)),))
    core = Talentbrief(config, database=database, env={})
    await core.digests.post_due()  # creates the channel row the lock will hold
    gaps: list[float] = []

    async def ticker(stop: asyncio.Event) -> None:
        loop = asyncio.get_running_loop()
        last = loop.time()
        while not stop.is_set():
            await asyncio.sleep(0.02)
            gaps.append(loop.time() - last)
            last = loop.time()

    stop = asyncio.Event()
    ticking = asyncio.create_task(ticker(stop))
    with _write_locked(database, seconds=1.5) as locked:
        await asyncio.to_thread(locked.wait, 10)
        started = asyncio.get_running_loop().time()
        outcomes = await core.digests.post_due(now=datetime.now(UTC) + timedelta(days=1))
        waited = asyncio.get_running_loop().time() - started
    stop.set()
    await ticking
    assert outcomes and outcomes[0].channel == "desk"
    assert waited > 0.5  # it really did wait for the lock…
    assert max(gaps) < 0.5  # …without stopping the loop
