"""The admin channel hears once when a source starts failing or goes quiet, and once when it
recovers, on both backends."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

from sqlalchemy import update

from bot.config import AlertsConfig, ChannelConfig, Config, PollConfig, SourceConfig
from bot.core import Talentbrief
from storage.db import Database
from storage.models import ItemSource, Source
from tests.feed_server import FeedServer

FEED = (
    '<?xml version="1.0"?><rss version="2.0"><channel><title>Desk</title>'
    "<item><title>Consulates resume J-1 interviews</title><guid>j1</guid></item>"
    "</channel></rss>"
)


def _core(database: Database, url: str, console: io.StringIO) -> Talentbrief:
    config = Config(
        sources=(SourceConfig(name="Desk", url=url, interval=60),),
        channels=(ChannelConfig(name="ops", schedule=("00:00",)),),
        poll=PollConfig(failing_after=2),
        alerts=AlertsConfig(admin_channel="ops", quiet_after_intervals=10),
    )
    return Talentbrief(config, database=database, env={}, console=console)


async def test_failing_and_recovering_are_each_told_once(
    database: Database, feed_server: FeedServer
) -> None:
    console = io.StringIO()
    url = feed_server.add("/desk.xml", FEED)
    core = _core(database, url, console)
    await core.poll(due_only=False)
    assert await core.alerts.tell_source_health() == 0  # healthy: nothing to say

    feed_server.documents.pop("/desk.xml")  # now a 404
    for _ in range(2):
        await core.poll(due_only=False)
    assert await core.alerts.tell_source_health() == 1
    assert "Desk: ok → failing: HTTP 404" in console.getvalue()
    await core.poll(due_only=False)
    assert await core.alerts.tell_source_health() == 0  # told once, not every cycle

    feed_server.add("/desk.xml", FEED)
    await core.poll(due_only=False)
    assert await core.alerts.tell_source_health() == 1
    assert "Desk: failing → ok: answering again" in console.getvalue()


async def test_a_source_that_goes_quiet_is_told(
    database: Database, feed_server: FeedServer
) -> None:
    console = io.StringIO()
    core = _core(database, feed_server.add("/desk.xml", FEED), console)
    await core.poll(due_only=False)
    long_ago = datetime.now(UTC) - timedelta(days=3)  # 10 intervals of a minute, and a day
    with database.session() as session:
        session.execute(update(ItemSource).values(first_seen_at=long_ago))
        session.execute(update(Source).values(created_at=long_ago))
    assert await core.alerts.tell_source_health() == 1
    assert "Desk: ok → quiet" in console.getvalue()
