"""Discord end to end: the real discord.py client of `talentbrief run` against the fake Discord
REST API and gateway, on both backends."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from discord.gateway import DiscordWebSocket
from discord.http import Route

from bot.chat.discord import DiscordChat
from bot.commands.layer import CommandLayer
from bot.config import Config, DiscordConfig
from bot.core import Talentbrief
from storage.db import Database
from tests.corpus.recent import store_recent
from tests.fake_discord_api import FakeDiscord
from tests.fake_discord_world import EPHEMERAL, GUILD_ID, TOKEN, option, subcommand
from tests.fake_http import Posted
from tests.feed_server import FeedServer


@pytest.fixture(autouse=True)
def restore_discord_base() -> Any:
    # discord.py keeps its base URLs in class attributes; put them back after each test.
    saved = Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY
    yield
    Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY = saved


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    server = await FakeDiscord().start()
    await server.start_gateway()
    yield server
    await server.stop()


@asynccontextmanager
async def running(database: Database, fake: FakeDiscord) -> AsyncIterator[DiscordChat]:
    config = Config(discord=DiscordConfig(api_base_url=fake.api, guilds=(GUILD_ID,)))
    core = Talentbrief(config, database=database, env={"DISCORD_TOKEN": TOKEN})
    client = DiscordChat(CommandLayer(core), config.discord, guild_ready_timeout=0.01)
    task = asyncio.create_task(client.serve(TOKEN))
    try:
        assert fake.gateway is not None
        await fake.gateway.wait_ready()
        await fake.wait_for(lambda p: p.path == f"commands/{GUILD_ID}")
        await asyncio.wait_for(client.wait_until_ready(), 5)
        yield client
    finally:
        await client.close()
        await asyncio.wait({task}, timeout=5)
    assert task.done()


async def _replies(fake: FakeDiscord, interaction: dict[str, Any], count: int) -> list[Posted]:
    await fake.wait_for(lambda _: len(fake.replies(interaction)) >= count)
    return fake.replies(interaction)


def _shown(posted: Posted) -> str:
    return json.dumps(posted.body, ensure_ascii=False)


async def test_brief_search_is_answered_ephemerally_with_embeds(
    database: Database, fake: FakeDiscord
) -> None:
    store_recent(database)
    async with running(database, fake):
        assert fake.gateway is not None
        synced = next(p for p in fake.posted if p.path == f"commands/{GUILD_ID}")
        [brief] = synced.body["commands"]
        names = [option["name"] for option in brief["options"]]
        assert {"search", "latest", "digest", "topics", "why", "sources", "feeds", "help"} <= set(
            names
        )
        interaction = await fake.gateway.push_command(
            "brief", subcommand("search", query="H-1B since:7d")
        )
        deferred, answer = await _replies(fake, interaction, 2)
    assert deferred.body == {"type": 5, "data": {"flags": EPHEMERAL}}
    shown = _shown(answer)
    assert "USCIS proposes new H-1B registration fee" in shown
    assert answer.body["allowed_mentions"] == {"parse": []}
    assert answer.body["flags"] & EPHEMERAL
    assert all(len(embed.get("title", "")) <= 256 for embed in answer.body["embeds"])
    assert "@everyone" not in shown.replace("@\\u200beveryone", "")  # defused by a zero-width space


async def test_feeds_add_needs_manage_server_and_refuses_loopback(
    database: Database, fake: FakeDiscord, feed_server: FeedServer
) -> None:
    url = feed_server.add(
        "/feed.xml", "<rss version='2.0'><channel><title>x</title></channel></rss>"
    )
    add = subcommand("feeds", subcommand("add", url=url))
    add["type"] = 2  # a subcommand group
    async with running(database, fake):
        assert fake.gateway is not None
        refused = await fake.gateway.push_command("brief", add, user="ben")
        _, refusal = await _replies(fake, refused, 2)
        blocked = await fake.gateway.push_command("brief", add, user="ada")
        _, guarded = await _replies(fake, blocked, 2)
    assert "is for admins (Manage Server in this server)" in _shown(refusal)
    assert "refused to connect to 127.0.0.1" in _shown(guarded)
    assert feed_server.hits["/feed.xml"] == 0


async def test_a_mention_is_answered_as_a_search_that_pings_nobody(
    database: Database, fake: FakeDiscord
) -> None:
    store_recent(database)
    async with running(database, fake):
        assert fake.gateway is not None
        sent = await fake.gateway.push_message("Westlake")
        assert sent is not None
        reply = await fake.wait_for(lambda p: p.path.startswith("channels/"))
    assert "Westlake" in _shown(reply)
    assert reply.body["allowed_mentions"]["parse"] == []
    assert reply.body["message_reference"]["message_id"] == int(sent["id"])


async def test_topics_autocomplete_offers_the_taxonomy(
    database: Database, fake: FakeDiscord
) -> None:
    async with running(database, fake):
        assert fake.gateway is not None
        typed = subcommand("latest", option("topic", "vis", focused=True))
        interaction = await fake.gateway.push_autocomplete("brief", typed)
        [answer] = await _replies(fake, interaction, 1)
    assert answer.body["data"]["choices"] == [{"name": "visa-policy", "value": "visa-policy"}]


async def test_subscribe_to_this_channel_from_discord(
    database: Database, fake: FakeDiscord
) -> None:
    async with running(database, fake):
        assert fake.gateway is not None
        made = await fake.gateway.push_command(
            "brief", subcommand("subscribe", query="tag:visa-policy alert:yes", where="here")
        )
        _, answer = await _replies(fake, made, 2)
        listed = await fake.gateway.push_command("brief", subcommand("subscriptions"))
        _, shown = await _replies(fake, listed, 2)
    assert "Subscribed (#1)" in _shown(answer)
    assert "to 1310000000000000101" in _shown(shown)  # the briefing channel
