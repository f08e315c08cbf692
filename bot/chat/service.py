"""The chat clients as services of `talentbrief run`: started when their tokens are set,
supervised so that a client that drops (or cannot log in) is started again with backoff, and
one platform down never stops the other or the scheduler.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Coroutine, Mapping
from typing import Any

from bot.commands.layer import CommandLayer
from bot.core import Talentbrief
from storage.errors import BadInput

log = logging.getLogger(__name__)

FIRST_RETRY = 2.0
MAX_RETRY = 300.0

Service = Callable[[asyncio.Event], Coroutine[Any, Any, None]]
Session = Callable[
    [asyncio.Event], Coroutine[Any, Any, None]
]  # one connection, until stop or failure


async def _wait(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)


def supervised(name: str, session: Callable[[], Session]) -> Service:
    """Run `session()` until `stop`; start a fresh one after it ends or fails, with backoff."""

    async def service(stop: asyncio.Event) -> None:
        delay = FIRST_RETRY
        while not stop.is_set():
            try:
                await session()(stop)
                if stop.is_set():
                    return
                log.warning("%s: disconnected; connecting again in %.0f s", name, delay)
            except BadInput as exc:  # a token or setting that cannot work: say so, keep trying
                log.error("%s: %s; trying again in %.0f s", name, exc, delay)
            except Exception as exc:
                log.exception("%s failed (%s); trying again in %.0f s", name, exc, delay)
            await _wait(stop, delay)
            delay = min(delay * 2, MAX_RETRY)

    return service


def _slack_session(layer: CommandLayer, env: Mapping[str, str]) -> Session:
    from bot.chat.slack import SlackChat  # noqa: PLC0415 (slack-bolt loads only when used)

    chat = SlackChat(layer, layer.core.config.slack, env)

    async def session(stop: asyncio.Event) -> None:
        try:
            await chat.start()
            await stop.wait()
        finally:
            await chat.stop()

    return session


def _discord_session(layer: CommandLayer, token: str) -> Session:
    from bot.chat.discord import DiscordChat  # noqa: PLC0415 (discord.py loads only when used)

    client = DiscordChat(layer, layer.core.config.discord)

    async def session(stop: asyncio.Event) -> None:
        running = asyncio.create_task(client.serve(token))
        stopping = asyncio.create_task(stop.wait())
        try:
            await asyncio.wait({running, stopping}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stopping.cancel()
            await client.close()
            await asyncio.wait({running}, timeout=3.0)
        if running.done() and not running.cancelled():
            running.result()  # a login or gateway error: the supervisor logs it and retries

    return session


def chat_services(core: Talentbrief) -> list[tuple[str, Service]]:
    """A supervised service per platform whose bot token is set."""
    layer = CommandLayer(core)
    env = core.env
    services: list[tuple[str, Service]] = []
    slack = core.config.slack
    needed = "SLACK_APP_TOKEN" if slack.mode == "socket" else "SLACK_SIGNING_SECRET"
    if env.get("SLACK_BOT_TOKEN") and not env.get(needed):
        # A bot token alone posts digests and alerts; answering commands needs the other one.
        log.info("Slack chat is off: set %s to answer /brief (%s mode)", needed, slack.mode)
    elif env.get("SLACK_BOT_TOKEN"):
        services.append(("slack", supervised("Slack", lambda: _slack_session(layer, env))))
    token = env.get("DISCORD_TOKEN")
    if token:
        services.append(("discord", supervised("Discord", lambda: _discord_session(layer, token))))
    return services
