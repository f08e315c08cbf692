"""Opening a poster for an alert target: a channel, or a person's direct messages (which Slack
and Discord each open with a call of their own first)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TextIO

from bot.adapters.base import DigestPoster, PostingError
from bot.adapters.console import ConsolePoster
from bot.adapters.discord import DiscordPoster
from bot.adapters.slack import SlackPoster, open_dm
from bot.config import Config
from bot.platforms import DISCORD_TOKEN_ENV, SLACK_TOKEN_ENV


def _token(env: Mapping[str, str], name: str) -> str:
    token = env.get(name)
    if not token:
        # Waiting will not bring a token: the target is paused until an admin sets it.
        raise PostingError(f"{name} is not set", maybe_delivered=False, target_lost=True)
    return token


async def open_slack(
    kind: str, target: str, config: Config, env: Mapping[str, str], console: TextIO | None
) -> DigestPoster:
    token = _token(env, SLACK_TOKEN_ENV)
    channel = target
    if kind == "dm":
        opener = SlackPoster(channel=target, token=token, base_url=config.slack.api_base_url)
        try:
            channel = await open_dm(opener.client, target)
        finally:
            await opener.aclose()
    return SlackPoster(channel=channel, token=token, base_url=config.slack.api_base_url)


async def open_discord(
    kind: str, target: str, config: Config, env: Mapping[str, str], console: TextIO | None
) -> DigestPoster:
    token = _token(env, DISCORD_TOKEN_ENV)
    base = config.discord.api_base_url
    channel = target
    if kind == "dm":
        opener = DiscordPoster(target=target, token=token, base_url=base)
        try:
            channel = await opener.open_dm(target)
        finally:
            await opener.aclose()
    return DiscordPoster(target=channel, token=token, base_url=base)


async def open_console(
    kind: str, target: str, config: Config, env: Mapping[str, str], console: TextIO | None
) -> DigestPoster:
    return ConsolePoster(console)
