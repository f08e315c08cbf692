"""Discord with discord.py: the `/brief` app-command group, and mentions of the bot.

The adapter only translates: each app command is a typed function that defers (Discord allows
3 s to answer), runs the same command through `CommandLayer` and sends the `Reply` as embeds.
Personal answers are ephemeral unless `share` is set; nothing the bot sends can ping anyone.
Admin commands (`/brief feeds …`) need Manage Server. Commands sync to the servers listed in
`[discord] guilds` (at once) or globally.

discord.py has no per-client base URL: `Route.BASE` (REST) and the gateway address are class
attributes, set here from `[discord] api_base_url` before logging in, and the gateway is asked
for with GET /gateway/bot, so a local fake can stand in for Discord.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from typing import Any, Literal

import discord
import yarl
from discord import app_commands
from discord.gateway import DiscordWebSocket
from discord.http import Route

from bot.chat.replies import discord_messages
from bot.commands.layer import CommandLayer
from bot.commands.model import Caller, Reply
from bot.config import DiscordConfig
from storage.errors import BadInput

log = logging.getLogger(__name__)

TOKEN_ENV = "DISCORD_TOKEN"
MAX_MESSAGES = 5
AUTOCOMPLETE_CHOICES = 25
_MENTION = re.compile(r"<@!?\d+>")


# The bot never joins voice channels: no warnings at start about voice libraries it lacks.
discord.VoiceClient.warn_nacl = False
discord.VoiceClient.warn_dave = False


def point_at(api_base_url: str) -> None:
    """Send discord.py's REST calls to `api_base_url` (for every client in this process)."""
    Route.BASE = api_base_url.rstrip("/")


def _embeds(body: Mapping[str, Any]) -> list[discord.Embed]:
    return [discord.Embed.from_dict(embed) for embed in body.get("embeds", ())]


class DiscordChat(discord.Client):
    """The bot: `/brief` commands and mentions, over the command layer."""

    def __init__(
        self, layer: CommandLayer, config: DiscordConfig, *, guild_ready_timeout: float = 2.0
    ) -> None:
        super().__init__(
            intents=discord.Intents.default(),  # mentions carry their text without privileges
            allowed_mentions=discord.AllowedMentions.none(),
            guild_ready_timeout=guild_ready_timeout,
        )
        self.layer = layer
        self.config = config
        self.tree = app_commands.CommandTree(self)
        guilds = [discord.Object(guild) for guild in config.guilds]
        if guilds:
            self.tree.add_command(self._brief_group(), guilds=guilds)
        else:
            self.tree.add_command(self._brief_group())

    async def serve(self, token: str) -> None:
        """Log in and run until closed; discord.py reconnects by itself."""
        point_at(self.config.api_base_url)
        try:
            await self.start(token, reconnect=True)
        except discord.LoginFailure:
            raise BadInput(
                f"the login was refused: check {TOKEN_ENV} (revoked, or not a bot token)"
            ) from None

    async def setup_hook(self) -> None:
        _shards, url, _limits = await self.http.get_bot_gateway()
        DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(url)
        if self.config.guilds:
            for guild in self.config.guilds:
                await self.tree.sync(guild=discord.Object(guild))
        else:
            await self.tree.sync()
        log.info("Discord: /brief synced to %s", list(self.config.guilds) or "every server")

    async def on_ready(self) -> None:
        log.info("Discord: logged in as %s", self.user)

    # --- running a command --------------------------------------------------------------------

    def _caller(self, interaction: discord.Interaction) -> Caller:
        return Caller(
            "discord",
            str(interaction.user.id),
            None if interaction.channel_id is None else str(interaction.channel_id),
            admin=bool(interaction.permissions.manage_guild),
            in_dm=interaction.guild_id is None,
            guild_id=None if interaction.guild_id is None else str(interaction.guild_id),
        )

    async def run_command(
        self,
        interaction: discord.Interaction,
        name: str,
        arguments: Mapping[str, Any],
        *,
        share: bool = False,
    ) -> None:
        await interaction.response.defer(ephemeral=not share, thinking=True)
        reply = await self.layer.run(self._caller(interaction), name, arguments)
        ephemeral = not share
        if share and reply.error:
            # A mistake stays private even when the answer would have been shared.
            await interaction.delete_original_response()
            ephemeral = True
        await self._send(interaction, reply, ephemeral=ephemeral)

    async def _send(
        self, interaction: discord.Interaction, reply: Reply, *, ephemeral: bool
    ) -> None:
        for body in discord_messages(reply)[:MAX_MESSAGES]:
            await interaction.followup.send(
                content=body["content"],
                embeds=_embeds(body),
                ephemeral=ephemeral,
                allowed_mentions=discord.AllowedMentions.none(),
            )

    async def on_message(self, message: discord.Message) -> None:
        if message.author.bot or self.user is None or self.user not in message.mentions:
            return
        caller = Caller(
            "discord",
            str(message.author.id),
            str(message.channel.id),
            in_dm=message.guild is None,
            guild_id=None if message.guild is None else str(message.guild.id),
        )
        reply = await self.layer.search_text(caller, _MENTION.sub(" ", message.content))
        for index, body in enumerate(discord_messages(reply)[:MAX_MESSAGES]):
            if index == 0:  # the first answer replies to the mention (without pinging anyone)
                await message.reply(
                    content=body["content"],
                    embeds=_embeds(body),
                    allowed_mentions=discord.AllowedMentions.none(),
                    mention_author=False,
                )
            else:
                await message.channel.send(
                    content=body["content"],
                    embeds=_embeds(body),
                    allowed_mentions=discord.AllowedMentions.none(),
                )

    # --- autocomplete ---------------------------------------------------------------------------

    async def topic_choices(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        typed = current.lower()
        return [
            app_commands.Choice(name=topic, value=topic)
            for topic in self.layer.core.topic_ids
            if typed in topic
        ][:AUTOCOMPLETE_CHOICES]

    async def source_choices(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        typed = current.lower()
        names = [status.name for status in await self.layer.core.sources()]
        return [
            app_commands.Choice(name=name[:100], value=name[:100])
            for name in names
            if typed in name.lower()
        ][:AUTOCOMPLETE_CHOICES]

    # --- the command group ------------------------------------------------------------------

    def _brief_group(self) -> app_commands.Group:
        brief = app_commands.Group(name="brief", description="Briefings on the talent competition")
        run = self.run_command

        @brief.command(name="search", description="The ten best recent items for a query")
        @app_commands.describe(query="e.g. H-1B since:7d", share="post the answer in the channel")
        async def search(interaction: discord.Interaction, query: str, share: bool = False) -> None:
            await run(interaction, "search", {"query": query}, share=share)

        @brief.command(name="latest", description="The newest items, policy alerts first")
        @app_commands.autocomplete(topic=self.topic_choices)
        async def latest(
            interaction: discord.Interaction, topic: str | None = None, share: bool = False
        ) -> None:
            await run(interaction, "latest", {"topic": topic}, share=share)

        @brief.command(name="digest", description="A private preview of today's digest")
        @app_commands.autocomplete(topic=self.topic_choices)
        async def digest(interaction: discord.Interaction, topic: str | None = None) -> None:
            await run(interaction, "digest", {"topic": topic})

        @brief.command(name="topics", description="The topic ids and what each covers")
        async def topics(interaction: discord.Interaction, share: bool = False) -> None:
            await run(interaction, "topics", {}, share=share)

        @brief.command(name="why", description="Why an item has its topics and alert flag")
        @app_commands.describe(item="the item id shown in search results")
        async def why(interaction: discord.Interaction, item: int, share: bool = False) -> None:
            await run(interaction, "why", {"item": str(item)}, share=share)

        @brief.command(name="sources", description="Every source with its health")
        async def sources(interaction: discord.Interaction) -> None:
            await run(interaction, "sources", {})

        @brief.command(name="help", description="Every command with an example")
        async def help_(interaction: discord.Interaction) -> None:
            await run(interaction, "help", {})

        feeds = app_commands.Group(
            name="feeds",
            description="Add or remove sources (Manage Server)",
            parent=brief,
            default_permissions=discord.Permissions(manage_guild=True),
        )

        @feeds.command(name="add", description="Add a feed after checking it answers")
        @app_commands.describe(url="the feed's address", topics="topic ids, e.g. visa-policy")
        async def feeds_add(
            interaction: discord.Interaction, url: str, topics: str | None = None
        ) -> None:
            await run(interaction, "feeds add", {"url": url, "tags": topics})

        @feeds.command(name="remove", description="Stop polling a source (its items stay)")
        @app_commands.autocomplete(name=self.source_choices)
        async def feeds_remove(interaction: discord.Interaction, name: str) -> None:
            await run(interaction, "feeds remove", {"name": name})

        self._add_subscription_commands(brief)
        return brief

    def _add_subscription_commands(self, brief: app_commands.Group) -> None:
        """Subscriptions to policy alerts (the alerts layer registers their handlers)."""
        if "subscribe" not in self.layer.commands:
            return
        run = self.run_command

        @brief.command(name="subscribe", description="Get new items matching a query as alerts")
        @app_commands.describe(query="e.g. tag:visa-policy alert:yes", where="here or in your DMs")
        async def subscribe(
            interaction: discord.Interaction, query: str, where: Literal["here", "dm"] = "dm"
        ) -> None:
            await run(interaction, "subscribe", {"query": query, "where": where})

        @brief.command(name="unsubscribe", description="Stop a subscription")
        async def unsubscribe(interaction: discord.Interaction, id: int) -> None:
            await run(interaction, "unsubscribe", {"subscription": str(id)})

        @brief.command(name="subscriptions", description="Your subscriptions and their deliveries")
        async def subscriptions(interaction: discord.Interaction) -> None:
            await run(interaction, "subscriptions", {})
