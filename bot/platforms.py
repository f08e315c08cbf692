"""The platform registry: slack, discord and console, each with its renderer, poster and limits.

Everything that differs between platforms is looked up here instead of branching on the
platform's name. Posters import their SDKs only when one is built, so commands that never post
(`search`, `--help`) do not pay for slack_sdk or aiohttp at start-up.
"""

from __future__ import annotations

import os
import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TextIO

from bot.chat.replies import discord_messages, slack_messages, text_messages
from bot.commands.model import Reply
from digests.model import Digest
from digests.render import discord as discord_render
from digests.render import slack as slack_render
from digests.render.text import render_text
from storage.errors import BadInput

if TYPE_CHECKING:
    from bot.adapters.base import DigestPoster
    from bot.config import Config

SLACK_TOKEN_ENV = "SLACK_BOT_TOKEN"
DISCORD_TOKEN_ENV = "DISCORD_TOKEN"

DISCORD_WEBHOOK = re.compile(
    r"^https://(?:(?:ptb|canary)\.)?discord(?:app)?\.com/api(?:/v\d+)?/webhooks/(\d{15,21})/([\w-]+)/?$"
)
DISCORD_SNOWFLAKE = re.compile(r"^\d{15,21}$")
# Channel (C…), private channel (G…), DM (D…) or user (U…/W…) ids: letters and digits.
SLACK_CHANNEL = re.compile(r"^[CGDUW][A-Z0-9]+$")


@dataclass(frozen=True, slots=True)
class Capabilities:
    """What a platform's messages can do, for renderers and the chat layer."""

    message_chars: int  # the longest plain text one message may carry
    threads: bool  # later parts of a digest go in the thread of the first
    ephemeral: bool  # a reply can be shown to the asker only
    charts: bool  # the weekly chart can be attached
    rich: str  # "blocks" (Slack Block Kit), "embeds" (Discord) or "text"


PosterFactory = Callable[[str, "Config", Mapping[str, str], "TextIO | None"], "DigestPoster"]
# (target kind "channel" | "dm", target id, config, environment, console) → a poster for alerts
TargetOpener = Callable[
    [str, str, "Config", Mapping[str, str], "TextIO | None"], Awaitable["DigestPoster"]
]


@dataclass(frozen=True, slots=True)
class Platform:
    name: str
    capabilities: Capabilities
    preview_format: str  # what `digest --format` defaults to for this platform's channels
    token_env: str | None  # the environment variable holding the bot token, if any
    render_digest: Callable[[Digest], list[dict[str, Any]]]
    render_chart: Callable[[Digest, str], dict[str, Any]] | None
    render_reply: Callable[[Reply], list[dict[str, Any]]]  # a chat command's answer
    target_problem: Callable[[str], str | None]  # why a channel target cannot work, or None
    build_poster: PosterFactory
    open_alert_target: TargetOpener
    admin_rule: str = "an admin"  # who may run admin commands, as the refusal says it

    def poster(
        self,
        target: str,
        config: Config,
        *,
        env: Mapping[str, str] | None = None,
        console: TextIO | None = None,
    ) -> DigestPoster:
        """The poster for one channel; a missing token or bad target is BadInput (exit 2)."""
        problem = self.target_problem(target)
        if problem is not None:
            raise BadInput(problem)
        return self.build_poster(target, config, os.environ if env is None else env, console)


def _slack_target(target: str) -> str | None:
    if not target:
        return "a Slack channel needs a target: the channel id, e.g. C0123456789"
    if not SLACK_CHANNEL.match(target.strip()):
        return (
            f"Slack target {target[:40]!r} is not a channel id: use the id shown in the "
            "channel's details (e.g. C0123456789), not its name"
        )
    return None


def _discord_target(target: str) -> str | None:
    stripped = target.strip()
    if not stripped:
        return "a Discord channel needs a target: a channel id or a webhook URL"
    if DISCORD_WEBHOOK.match(stripped) or DISCORD_SNOWFLAKE.match(stripped):
        return None
    return (
        f"Discord target {target[:60]!r} is neither a channel id (digits) nor a webhook URL "
        "(https://discord.com/api/webhooks/…)"
    )


def _slack_poster(
    target: str, config: Config, env: Mapping[str, str], console: TextIO | None
) -> DigestPoster:
    from bot.adapters.slack import SlackPoster  # noqa: PLC0415 (the SDK loads on use)

    return SlackPoster(
        channel=target, token=env.get(SLACK_TOKEN_ENV), base_url=config.slack.api_base_url
    )


def _discord_poster(
    target: str, config: Config, env: Mapping[str, str], console: TextIO | None
) -> DigestPoster:
    from bot.adapters.discord import DiscordPoster  # noqa: PLC0415 (the SDK loads on use)

    return DiscordPoster(
        target=target, token=env.get(DISCORD_TOKEN_ENV), base_url=config.discord.api_base_url
    )


def _console_poster(
    target: str, config: Config, env: Mapping[str, str], console: TextIO | None
) -> DigestPoster:
    from bot.adapters.console import ConsolePoster  # noqa: PLC0415 (the SDK loads on use)

    return ConsolePoster(console)


def _alert_target(name: str) -> TargetOpener:
    """bot.alerts.targets' opener `name`, imported on first use (it loads the SDKs)."""

    async def open_target(
        kind: str, target: str, config: Config, env: Mapping[str, str], console: TextIO | None
    ) -> DigestPoster:
        from bot.alerts import targets  # noqa: PLC0415

        opener: TargetOpener = getattr(targets, name)
        return await opener(kind, target, config, env, console)

    return open_target


def _text_parts(digest: Digest) -> list[dict[str, Any]]:
    return [{"text": render_text(digest)}]


PLATFORMS: dict[str, Platform] = {
    "slack": Platform(
        name="slack",
        capabilities=Capabilities(
            message_chars=slack_render.SECTION_TEXT,
            threads=True,
            ephemeral=True,
            charts=True,
            rich="blocks",
        ),
        preview_format="slack",
        token_env=SLACK_TOKEN_ENV,
        render_digest=slack_render.render_slack,
        render_chart=slack_render.chart_part,
        render_reply=slack_messages,
        target_problem=_slack_target,
        build_poster=_slack_poster,
        open_alert_target=_alert_target("open_slack"),
        admin_rule="a workspace admin or owner, or listed in [slack] admins",
    ),
    "discord": Platform(
        name="discord",
        capabilities=Capabilities(
            message_chars=discord_render.CONTENT,
            threads=False,
            ephemeral=True,
            charts=True,
            rich="embeds",
        ),
        preview_format="discord",
        token_env=DISCORD_TOKEN_ENV,
        render_digest=discord_render.render_discord,
        render_chart=discord_render.chart_part,
        render_reply=discord_messages,
        target_problem=_discord_target,
        build_poster=_discord_poster,
        open_alert_target=_alert_target("open_discord"),
        admin_rule="Manage Server in this server",
    ),
    "console": Platform(
        name="console",
        capabilities=Capabilities(
            message_chars=1_000_000, threads=False, ephemeral=False, charts=False, rich="text"
        ),
        preview_format="text",
        token_env=None,
        render_digest=_text_parts,
        render_chart=None,
        render_reply=text_messages,
        target_problem=lambda target: None,
        build_poster=_console_poster,
        open_alert_target=_alert_target("open_console"),
    ),
}


def platform(name: str) -> Platform:
    try:
        return PLATFORMS[name]
    except KeyError:
        known = ", ".join(PLATFORMS)
        raise BadInput(f"unknown platform {name!r} (known: {known})") from None
