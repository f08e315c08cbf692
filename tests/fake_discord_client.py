"""Pointing discord.py 2.7 at a base URL: the fakes here, `[discord] api_base_url` in the product.

discord.py has no per-client setting for this; two class attributes decide where it goes, for
every client in the process:

- `discord.http.Route.BASE` prefixes every REST route, and is read each time a route is built:
  bot calls and the interaction callbacks and webhooks (discord.webhook.async_ builds the same
  Route). Set it before `login()`/`start()`, whose first call is GET /users/@me.
- `discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY` is where a plain Client connects: at
  start, and again after a session is invalidated (resumes go to READY's resume_gateway_url).
  A plain Client never asks GET /gateway/bot, so ask it yourself after login and before the
  connect, i.e. in `setup_hook` (`use_bot_gateway`). Against Discord itself this returns
  wss://gateway.discord.gg, so doing it always is harmless.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import discord
import yarl
from discord.gateway import DiscordWebSocket
from discord.http import Route


@contextmanager
def discord_api_base(api_base: str) -> Iterator[None]:
    """Send discord.py's REST calls to `api_base` (ending in /api/v10) within the block; both
    class attributes are restored after it."""
    saved = Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY
    Route.BASE = api_base.rstrip("/")
    try:
        yield
    finally:
        Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY = saved


async def use_bot_gateway(client: discord.Client) -> str:
    """Gateway discovery through GET /gateway/bot at Route.BASE; connect there from now on."""
    _shards, url, _limits = await client.http.get_bot_gateway()
    DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(url)
    return url
