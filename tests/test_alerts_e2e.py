"""Policy alerts end to end, in process: a feed on the local server, a poll, subscriptions, and
the dispatcher posting to the fake Slack and Discord APIs, on both backends."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

from bot.alerts.dispatcher import Dispatcher
from bot.alerts.subscriptions import Target
from bot.config import AlertsConfig, Config, DiscordConfig, SlackConfig, SourceConfig
from bot.core import Talentbrief
from storage.db import Database
from storage.outbox import list_deliveries
from storage.subscriptions import Owner
from tests.fake_discord_api import FakeDiscord
from tests.fake_discord_world import TOKEN as DISCORD_TOKEN
from tests.fake_slack_api import BOT_TOKEN, FakeSlack
from tests.fake_slack_payloads import ADA, DESK
from tests.feed_server import FeedServer

OWNER = Owner("slack", ADA)
RULE = "USCIS publishes final rule on H-1B registration fee for universities"


def _slug(title: str) -> str:
    return "-".join(word.lower() for word in title.split() if word.isalnum())[:80]


def feed(*titles: str) -> str:
    published = format_datetime(datetime.now(UTC) - timedelta(minutes=30), usegmt=True)
    items = "".join(
        f"<item><title>{title}</title><link>https://www.uscis.gov/news/{_slug(title)}</link>"
        f"<guid>{_slug(title)}</guid><pubDate>{published}</pubDate><description>USCIS said "
        "the rule takes effect next month for students and researchers on OPT.</description>"
        "</item>"
        for title in titles
    )
    return (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>USCIS news</title>'
        f"<link>https://www.uscis.gov/</link>{items}</channel></rss>"
    )


def _core(database: Database, url: str, slack: FakeSlack, **alerts: Any) -> Talentbrief:
    config = Config(
        sources=(SourceConfig(name="USCIS news", url=url, interval=60, tags=("visa-policy",)),),
        slack=SlackConfig(api_base_url=slack.api),
        alerts=AlertsConfig(**{"retry_after": 1, **alerts}),
    )
    return Talentbrief(config, database=database, env={"SLACK_BOT_TOKEN": BOT_TOKEN})


def _posts(slack: FakeSlack) -> list[dict[str, Any]]:
    return [p.body for p in slack.messages]


async def _first_poll(core: Talentbrief, server: FeedServer) -> None:
    server.add("/uscis.xml", feed("USCIS updates its office locator"))
    await core.poll(due_only=False)


async def test_a_matching_item_reaches_each_subscriber_exactly_once(
    database: Database, slack: FakeSlack, feed_server: FeedServer
) -> None:
    url = feed_server.url("/uscis.xml")
    core = _core(database, url, slack)
    await _first_poll(core, feed_server)
    dm = await core.alerts.subscribe(OWNER, "tag:visa-policy alert:yes", Target("dm", "slack", ADA))
    await core.alerts.subscribe(OWNER, '"registration fee"', Target("channel", "slack", DESK))
    feed_server.add("/uscis.xml", feed(RULE))
    await core.poll(due_only=False)
    dispatcher = Dispatcher(core)
    assert await dispatcher.dispatch_once() == 2
    await core.poll(due_only=False)  # the same item again: nothing new to send
    assert await dispatcher.dispatch_once() == 0

    bodies = _posts(slack)
    assert sorted(body["channel"] for body in bodies) == ["C0DESK", "D0ADA"]
    shown = json.dumps(bodies, ensure_ascii=False)
    assert RULE in shown and "Why it matched" in shown
    assert f"Subscription #{dm.id}" in shown
    assert "conversations.open" in slack.requests
    [view, _] = await core.alerts.subscriptions(OWNER)
    assert view.deliveries.posted == 1


async def test_the_first_poll_of_a_new_source_alerts_nobody(
    database: Database, slack: FakeSlack, feed_server: FeedServer
) -> None:
    url = feed_server.add("/uscis.xml", feed(RULE))
    core = _core(database, url, slack)
    await core.alerts.subscribe(OWNER, "H-1B", Target("dm", "slack", ADA))
    await core.poll(due_only=False)
    assert await Dispatcher(core).dispatch_once() == 0
    assert slack.messages == []


async def test_a_flood_becomes_one_message(
    database: Database, slack: FakeSlack, feed_server: FeedServer
) -> None:
    url = feed_server.url("/uscis.xml")
    core = _core(database, url, slack, flood_threshold=3)
    await _first_poll(core, feed_server)
    await core.alerts.subscribe(OWNER, "USCIS", Target("dm", "slack", ADA))
    titles = [f"USCIS notice number {n} on student visas" for n in range(8)]
    feed_server.add("/uscis.xml", feed(*titles))
    await core.poll(due_only=False)
    await Dispatcher(core).dispatch_once()
    [message] = _posts(slack)
    assert "8 new items match subscription" in message["text"]


async def test_a_429_storm_is_paced_not_dropped(
    database: Database, slack: FakeSlack, feed_server: FeedServer
) -> None:
    url = feed_server.url("/uscis.xml")
    core = _core(database, url, slack, max_attempts=2)
    await _first_poll(core, feed_server)
    await core.alerts.subscribe(OWNER, "H-1B", Target("channel", "slack", DESK))
    feed_server.add("/uscis.xml", feed(RULE))
    await core.poll(due_only=False)
    slack.rate_limit_next, slack.retry_after = 5, 0.01  # more 429s than one retry budget
    dispatcher = Dispatcher(core)
    later = datetime.now(UTC)
    for _ in range(6):
        await dispatcher.dispatch_once(now=later)
        later += timedelta(seconds=30)
    assert len(slack.messages) == 1  # delivered once the storm passed
    with database.session() as session:
        [delivery] = list_deliveries(session)
    assert delivery.state == "posted"


async def test_a_post_that_may_have_gone_out_is_looked_up_not_repeated(
    database: Database, slack: FakeSlack, feed_server: FeedServer
) -> None:
    url = feed_server.url("/uscis.xml")
    core = _core(database, url, slack)
    await _first_poll(core, feed_server)
    await core.alerts.subscribe(OWNER, "H-1B", Target("channel", "slack", DESK))
    feed_server.add("/uscis.xml", feed(RULE))
    await core.poll(due_only=False)
    slack.drop_next = 1  # Slack accepts the message, then the connection dies
    dispatcher = Dispatcher(core)
    await dispatcher.dispatch_once()
    assert len(slack.messages) == 1
    await dispatcher.dispatch_once(now=datetime.now(UTC) + timedelta(minutes=5))
    assert len(slack.messages) == 1  # found in the channel's history, not posted again
    assert "conversations.history" in slack.requests
    with database.session() as session:
        [delivery] = list_deliveries(session)
    assert delivery.state == "posted" and delivery.message_id == slack.messages[0].id


async def test_a_lost_target_is_paused_and_the_admins_told_once(
    database: Database, slack: FakeSlack, feed_server: FeedServer
) -> None:
    url = feed_server.url("/uscis.xml")
    core = _core(database, url, slack)
    await _first_poll(core, feed_server)
    await core.alerts.subscribe(OWNER, "H-1B", Target("channel", "slack", DESK))
    feed_server.add("/uscis.xml", feed(RULE))
    await core.poll(due_only=False)
    slack.revoke(BOT_TOKEN)
    dispatcher = Dispatcher(core)
    for _ in range(3):
        await dispatcher.dispatch_once(now=datetime.now(UTC) + timedelta(minutes=10))
    posts = [r for r in slack.requests if r == "chat.postMessage"]
    assert len(posts) == 1  # tried once, then paused instead of retried to failure
    [view] = await core.alerts.subscriptions(OWNER)
    assert view.subscription.paused_reason and "token_revoked" in view.subscription.paused_reason
    assert view.deliveries.pending == 1 and view.deliveries.failed == 0
    slack.revoked.clear()
    assert await core.alerts.resume("slack", DESK, drop_backlog=False) >= 0
    await dispatcher.dispatch_once()
    assert len(slack.messages) == 1


async def test_discord_direct_messages_carry_a_nonce_and_ping_nobody(
    database: Database, feed_server: FeedServer
) -> None:
    discord = await FakeDiscord().start()
    try:
        url = feed_server.url("/uscis.xml")
        config = Config(
            sources=(SourceConfig(name="USCIS news", url=url, interval=60),),
            discord=DiscordConfig(api_base_url=discord.api),
        )
        core = Talentbrief(config, database=database, env={"DISCORD_TOKEN": DISCORD_TOKEN})
        await _first_poll(core, feed_server)
        ada = str(discord.world.users["ada"].id)
        await core.alerts.subscribe(Owner("discord", ada), "H-1B", Target("dm", "discord", ada))
        feed_server.add("/uscis.xml", feed(RULE + " @everyone"))
        await core.poll(due_only=False)
        await Dispatcher(core).dispatch_once()
        [post] = [p for p in discord.posted if p.path.startswith("channels/")]
    finally:
        await discord.stop()
    assert post.body["nonce"].startswith("alert") and post.body["enforce_nonce"] is True
    assert post.body["allowed_mentions"] == {"parse": []}
    assert "@everyone" not in json.dumps(post.body).replace("@\\u200beveryone", "")
