"""discord.py 2.7 itself against the fake Discord REST API and gateway (a throwaway bot here)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import discord
import pytest
import yarl
from discord import app_commands

from tests.fake_discord_api import FakeDiscord
from tests.fake_discord_client import discord_api_base, use_bot_gateway
from tests.fake_discord_world import EPHEMERAL, GUILD_ID, TOKEN, option, subcommand
from tests.fake_http import Posted

GUILD = discord.Object(GUILD_ID)
TOPICS = ["visas-and-immigration", "talent-programs", "research-security"]


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    server = await FakeDiscord().start()
    await server.start_gateway()
    yield server
    await server.stop()


class Bot(discord.Client):
    """A minimal bot: `/brief search|feeds-add|topic` in one guild, and answers mentions."""

    def __init__(self, intents: discord.Intents | None = None) -> None:
        super().__init__(
            intents=intents or discord.Intents.default(),
            allowed_mentions=discord.AllowedMentions.none(),
            guild_ready_timeout=0.01,  # on_ready waits this long after the last GUILD_CREATE
        )
        self.tree = app_commands.CommandTree(self)
        self.ready = asyncio.Event()
        self.seen: asyncio.Queue[discord.Message] = asyncio.Queue()
        self.tree.add_command(brief_commands(), guild=GUILD)

    async def setup_hook(self) -> None:
        await use_bot_gateway(self)
        await self.tree.sync(guild=GUILD)

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        """No pause before a repeated IDENTIFY (discord.py waits 5 s, for Discord's limit)."""

    async def on_ready(self) -> None:
        self.ready.set()

    async def on_message(self, message: discord.Message) -> None:
        if self.user is not None and self.user in message.mentions:
            await self.seen.put(message)
            query = message.content.split(">", 1)[1].strip()
            await message.reply(f"Searching for {query} — @everyone")


def brief_commands() -> app_commands.Group:
    brief = app_commands.Group(name="brief", description="Briefings on talent policy")

    @brief.command(name="search", description="Search recent items")
    async def search(interaction: discord.Interaction, query: str) -> None:
        embed = discord.Embed(title="Visa rule for researchers", url="https://example.org/a")
        await interaction.response.send_message(
            f"10 items for {query}", embed=embed, ephemeral=True
        )

    @brief.command(name="feeds-add", description="Add a feed (Manage Server)")
    @app_commands.checks.has_permissions(manage_guild=True)
    async def feeds_add(interaction: discord.Interaction, url: str) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        await interaction.edit_original_response(content=f"Added {url}")
        original = await interaction.original_response()
        await interaction.followup.send(f"{original.content}; polled hourly.", ephemeral=True)

    @feeds_add.error
    async def refused(interaction: discord.Interaction, error: Exception) -> None:
        await interaction.response.send_message("You need Manage Server.", ephemeral=True)

    @brief.command(name="topic", description="Latest items on a topic")
    async def topic(interaction: discord.Interaction, name: str) -> None:
        await interaction.response.send_message(f"Latest on {name}")

    @topic.autocomplete("name")
    async def topic_names(
        interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return [app_commands.Choice(name=t, value=t) for t in TOPICS if current in t]

    return brief


@asynccontextmanager
async def running(fake: FakeDiscord, bot: Bot) -> AsyncIterator[Bot]:
    """The bot started against the fakes and ready (or its login error), then closed."""
    with discord_api_base(fake.api):
        task = asyncio.create_task(bot.start(TOKEN))
        ready = asyncio.create_task(bot.ready.wait())
        try:
            await asyncio.wait({task, ready}, timeout=5, return_when=asyncio.FIRST_COMPLETED)
            if task.done():
                task.result()  # login failed: raise its error
            assert ready.done(), "the bot did not get ready within 5 s"
            yield bot
        finally:
            ready.cancel()
            await bot.close()
            await asyncio.wait({task}, timeout=5)
    assert task.done(), "the bot did not stop within 5 s"
    task.result()  # an error while it ran fails the test


async def test_discord_py_logs_in_syncs_and_answers_a_command_ephemerally(
    fake: FakeDiscord,
) -> None:
    async with running(fake, Bot()):
        assert fake.requests[:3] == ["users/@me", "oauth2/applications/@me", "gateway/bot"]
        synced = await fake.wait_for(lambda p: p.path == f"commands/{GUILD_ID}")
        (brief,) = synced.body["commands"]
        assert brief["name"] == "brief"
        assert [o["name"] for o in brief["options"]] == ["search", "feeds-add", "topic"]
        assert fake.gateway is not None
        query = yarl.URL(fake.gateway.links[0].url).query
        assert query["compress"] in ("zlib-stream", "zstd-stream")  # zstd if importable
        assert fake.gateway.identifies[0]["token"] == TOKEN

        interaction = await fake.gateway.push_command("brief", subcommand("search", query="H-1B"))
        (reply,) = await _replies(fake, interaction, 1)

    assert reply.path == f"interactions/{interaction['id']}/callback"
    assert reply.query == {"with_response": "1"}
    assert "Authorization" not in reply.headers  # the interaction token is the credential
    assert reply.body["type"] == 4
    assert reply.body["data"]["content"] == "10 items for H-1B"
    assert reply.body["data"]["flags"] == EPHEMERAL
    (embed,) = reply.body["data"]["embeds"]
    assert embed["title"] == "Visa rule for researchers"
    assert reply.body["data"]["allowed_mentions"] == {"parse": []}


async def test_a_mention_reaches_on_message_and_the_reply_pings_nobody(fake: FakeDiscord) -> None:
    async with running(fake, Bot()) as bot:
        sent = await fake.gateway.push_message("H-1B since:7d")  # type: ignore[union-attr]
        assert sent is not None
        received = await asyncio.wait_for(bot.seen.get(), 5)
        assert received.content.endswith("H-1B since:7d")
        assert received.author.name == "ben"
        reply = await fake.wait_for(lambda p: p.path.startswith("channels/"))

    assert reply.path == f"channels/{sent['channel_id']}"
    assert reply.body["content"] == "Searching for H-1B since:7d — @everyone"
    assert reply.body["allowed_mentions"] == {"parse": []}
    assert reply.body["message_reference"]["message_id"] == int(sent["id"])


async def test_manage_server_decides_who_may_add_feeds(fake: FakeDiscord) -> None:
    async with running(fake, Bot()):
        add = subcommand("feeds-add", url="https://example.org/feed.xml")
        refused = await fake.gateway.push_command("brief", add, user="ben")  # type: ignore[union-attr]
        (refusal,) = await _replies(fake, refused, 1)
        allowed = await fake.gateway.push_command("brief", add, user="ada")  # type: ignore[union-attr]
        deferred, edited, followup = await _replies(fake, allowed, 3)
        original = await fake.wait_for(lambda p: p.path == f"original/{allowed['id']}")

    assert refusal.body["data"]["content"] == "You need Manage Server."
    assert deferred.body == {"type": 5, "data": {"flags": EPHEMERAL}}
    assert edited is original
    assert edited.body["content"] == "Added https://example.org/feed.xml"
    assert followup.path == f"followup/{allowed['id']}"
    assert followup.query["wait"] == "1"
    assert followup.body["flags"] == EPHEMERAL
    assert followup.body["content"] == "Added https://example.org/feed.xml; polled hourly."
    pending = fake.world.interactions[int(allowed["id"])]
    assert pending.original is not None
    assert pending.original["content"] == "Added https://example.org/feed.xml"
    assert pending.original["flags"] == EPHEMERAL  # the edit ended "thinking"


async def test_with_the_members_intent_the_guild_cache_knows_permissions(
    fake: FakeDiscord,
) -> None:
    intents = discord.Intents.default()
    intents.members = True
    async with running(fake, Bot(intents)) as bot:
        guild = bot.get_guild(GUILD_ID)
        assert guild is not None
        assert guild.chunked
        members = {m.name: m.guild_permissions.manage_guild for m in guild.members}

    assert members == {"talentbrief": False, "olga": True, "ada": True, "ben": False}
    assert fake.gateway is not None
    assert fake.gateway.identifies[0]["intents"] == intents.value


async def test_autocomplete_answers_with_choices(fake: FakeDiscord) -> None:
    async with running(fake, Bot()):
        typed = subcommand("topic", option("name", "tal", focused=True))
        interaction = await fake.gateway.push_autocomplete("brief", typed)  # type: ignore[union-attr]
        (answer,) = await _replies(fake, interaction, 1)

    assert answer.body["type"] == 8
    assert answer.body["data"]["choices"] == [
        {"name": "talent-programs", "value": "talent-programs"}
    ]


async def test_a_dropped_gateway_resumes_and_replays_what_was_missed(fake: FakeDiscord) -> None:
    gateway = fake.gateway
    assert gateway is not None
    async with running(fake, Bot()) as bot:
        await gateway.drop()
        await gateway.push_message("sent while the bot was away")
        resumed = await gateway.wait_resumed()
        received = await asyncio.wait_for(bot.seen.get(), 5)
        assert received.content.endswith("sent while the bot was away")

        await gateway.request_reconnect()
        await gateway.wait_resumed(2)
        await gateway.close(4000)  # "unknown error": discord.py resumes
        await gateway.wait_resumed(3)

    assert resumed["session_id"] == "fake-session-1"
    assert [link.url.split("?")[0].rsplit("/", 1)[1] for link in gateway.links] == [
        "",
        "resume",
        "resume",
        "resume",
    ]
    assert gateway.close_codes == [4000]
    assert len(gateway.identifies) == 1


async def test_an_invalidated_session_identifies_again(fake: FakeDiscord) -> None:
    gateway = fake.gateway
    assert gateway is not None
    async with running(fake, Bot()):
        await gateway.invalidate_session()
        await gateway.wait_ready(2)
        assert len(gateway.identifies) == 2
        assert gateway.session is not None
        assert gateway.session.id == "fake-session-2"


async def test_a_revoked_token_cannot_log_in(fake: FakeDiscord) -> None:
    fake.revoke(TOKEN)
    with pytest.raises(discord.LoginFailure):
        async with running(fake, Bot()):
            pass
    assert fake.requests == ["users/@me"]


async def test_discord_py_waits_out_a_rate_limit_and_posts_once(fake: FakeDiscord) -> None:
    async with running(fake, Bot()) as bot:
        fake.rate_limit_next, fake.retry_after = 1, 0.01
        channel = bot.get_channel(fake.world.guilds[0].channels["briefing"])
        assert isinstance(channel, discord.TextChannel)
        await channel.send("Daily brief")

    posts = [p for p in fake.posted if p.path.startswith("channels/")]
    assert [p.body["content"] for p in posts] == ["Daily brief"]
    assert fake.requests.count(posts[0].path) == 2


async def _replies(fake: FakeDiscord, interaction: dict[str, Any], count: int) -> list[Posted]:
    await fake.wait_for(lambda _: len(fake.replies(interaction)) >= count)
    return fake.replies(interaction)
