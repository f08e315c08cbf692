"""A source is polled at its own interval under `run`, not rounded up to the next whole check."""

from __future__ import annotations

import asyncio
import itertools
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

from aiohttp import web

from bot.app import bot_jobs, run_forever
from bot.config import Config, SourceConfig
from bot.core import Talentbrief
from storage.db import Database
from tests.feed_server import FeedServer

INTERVAL = 5


def _feed() -> str:
    published = format_datetime(datetime.now(UTC) - timedelta(hours=1), usegmt=True)
    return (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Desk</title>'
        f"<item><title>USCIS updates OPT guidance</title><guid>a</guid><pubDate>{published}"
        "</pubDate></item></channel></rss>"
    )


async def test_a_five_second_source_is_polled_every_five_seconds(
    sqlite_database: Database, feed_server: FeedServer
) -> None:
    url = feed_server.add("/fast.xml", _feed())
    hits: list[float] = []

    def seen(request: web.Request) -> None:
        if request.path == "/fast.xml":
            hits.append(time.monotonic())

    feed_server.on_request = seen
    config = Config(sources=(SourceConfig(name="Fast", url=url, interval=INTERVAL),))
    # The timing is the scheduler's, not the database's: one backend is enough.
    core = Talentbrief(config, database=sqlite_database, env={})
    stop = asyncio.Event()
    # poll_seconds is a minute: only the wake-up at the next due time can give 5 s gaps.
    running = asyncio.create_task(run_forever(bot_jobs(core), [], poll_seconds=60, stop=stop))
    deadline = time.monotonic() + 3 * INTERVAL
    while len(hits) < 3 and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
    stop.set()
    await asyncio.wait_for(running, 10)
    assert len(hits) >= 3, hits
    gaps = [later - earlier for earlier, later in itertools.pairwise(hits)]
    # Jitter may spread a poll a little; it never doubles the interval.
    assert all(INTERVAL * 0.8 <= gap <= INTERVAL * 1.3 for gap in gaps), gaps
