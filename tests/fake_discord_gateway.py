"""A fake Discord gateway (a websocket on 127.0.0.1) good enough for discord.py 2.7.

Started by `FakeDiscord.start_gateway()`; GET /gateway/bot names it. It speaks JSON, plain or
through one continuing zlib-stream (or zstd-stream) per connection as the client's query asks:
HELLO, READY and a GUILD_CREATE per guild after IDENTIFY (if the GUILDS intent is set),
heartbeat ACKs (unless `ack_heartbeats` is False), RESUME with replay of missed events,
GUILD_MEMBERS_CHUNK on request. Tests push events with `push_command`, `push_autocomplete`,
`push_message` or `dispatch`, and break things with `drop`, `request_reconnect`,
`invalidate_session` and `close`. A revoked token is refused with close code 4004, privileged
intents beyond `allowed_intents` with 4014.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Self

from aiohttp import WSMsgType, web

from tests.fake_discord_world import (
    DIRECT_MESSAGES,
    GUILD_MESSAGES,
    GUILDS,
    MESSAGE_CONTENT,
    PRIVILEGED_INTENTS,
    DiscordWorld,
    FakeGuild,
)
from tests.loopback import serve_on_loopback

DISPATCH, HEARTBEAT, IDENTIFY, RESUME, RECONNECT = 0, 1, 2, 6, 7
REQUEST_MEMBERS, INVALID_SESSION, HELLO, HEARTBEAT_ACK = 8, 9, 10, 11


class _Zlib:
    """One zlib stream for the whole connection, each payload ending in a sync flush."""

    def __init__(self) -> None:
        self._stream = zlib.compressobj()

    def pack(self, data: bytes) -> bytes:
        return self._stream.compress(data) + self._stream.flush(zlib.Z_SYNC_FLUSH)


class _Zstd:
    """One zstd stream, each payload ending a block (what discord.py's zstd-stream reads)."""

    def __init__(self) -> None:
        try:
            import zstandard  # type: ignore[import-not-found, unused-ignore]

            self._stream: Any = zstandard.ZstdCompressor().compressobj()
            self._flush: Callable[[], bytes] = lambda: self._stream.flush(
                zstandard.COMPRESSOBJ_FLUSH_BLOCK
            )
        except ImportError:  # Python 3.14's compression.zstd, as discord.py falls back to
            from compression import zstd  # type: ignore[import-not-found, unused-ignore]

            self._stream = zstd.ZstdCompressor()
            self._flush = lambda: self._stream.flush(zstd.ZstdCompressor.FLUSH_BLOCK)

    def pack(self, data: bytes) -> bytes:
        return bytes(self._stream.compress(data)) + bytes(self._flush())


@dataclass
class _Link:
    ws: web.WebSocketResponse
    request: web.Request
    pack: Callable[[bytes], bytes] | None
    url: str

    async def send(self, payload: dict[str, Any]) -> None:
        text = json.dumps(payload)
        if self.pack is None:
            await self.ws.send_str(text)
        else:
            await self.ws.send_bytes(self.pack(text.encode()))


@dataclass
class _Session:
    id: str
    intents: int
    seq: int = 0
    events: list[dict[str, Any]] = field(default_factory=list)
    link: _Link | None = None
    ready: bool = False  # READY and the GUILD_CREATEs have gone out on `link`


class FakeDiscordGateway:
    def __init__(self, world: DiscordWorld, *, revoked: set[str] | None = None) -> None:
        self.world = world
        self.revoked = revoked if revoked is not None else set()
        self.app = web.Application()
        self.app.router.add_get("/", self._connect)
        self.app.router.add_get("/resume", self._connect)
        self.heartbeat_interval_ms = 41_250
        self.ack_heartbeats = True
        self.allowed_intents = PRIVILEGED_INTENTS  # privileged intents the app may ask for
        self.heartbeats = 0
        self.links: list[_Link] = []
        self.identifies: list[dict[str, Any]] = []
        self.resumes: list[dict[str, Any]] = []
        self.close_codes: list[int] = []  # what the fake closed connections with
        self.session: _Session | None = None
        self.runner: web.AppRunner | None = None
        self.url = ""
        self._sessions = 0
        self._changed = asyncio.Event()

    async def start(self) -> Self:
        self.runner, port = await serve_on_loopback(self.app)
        self.url = f"ws://127.0.0.1:{port}/"
        return self

    async def stop(self) -> None:
        for link in self.links:
            if not link.ws.closed:
                await link.ws.close(code=1001)
        if self.runner is not None:
            await self.runner.cleanup()
            self.runner = None

    # -- waiting ------------------------------------------------------------------------------

    def _notify(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    async def _until(self, check: Callable[[], bool], timeout: float) -> None:
        async with asyncio.timeout(timeout):
            while True:
                changed = self._changed
                if check():
                    return
                await changed.wait()

    async def wait_ready(self, count: int = 1, *, timeout: float = 5.0) -> dict[str, Any]:
        """Wait until the `count`th session is identified and its guilds sent; its IDENTIFY."""
        await self._until(lambda: self._sessions >= count and self._live(), timeout)
        return self.identifies[-1]

    async def wait_links(self, count: int, *, timeout: float = 5.0) -> None:
        """Wait until `count` websocket connections have been made in all."""
        await self._until(lambda: len(self.links) >= count, timeout)

    async def wait_resumed(self, count: int = 1, *, timeout: float = 5.0) -> dict[str, Any]:
        """Wait until `count` RESUMEs have been accepted; the last RESUME payload."""
        await self._until(lambda: len(self.resumes) >= count and self._live(), timeout)
        return self.resumes[-1]

    def _live(self) -> bool:
        session = self.session
        return session is not None and session.link is not None and session.ready

    # -- pushing events -----------------------------------------------------------------------

    async def dispatch(self, event: str, data: dict[str, Any]) -> int:
        """Send a DISPATCH to the session (kept for replay if it is disconnected); its seq."""
        if self.session is None:
            raise RuntimeError("no client has identified with the fake gateway")
        session = self.session
        session.seq += 1
        payload = {"op": DISPATCH, "t": event, "s": session.seq, "d": data}
        session.events.append(payload)
        if session.link is not None and not session.link.ws.closed:
            with contextlib.suppress(ConnectionError):  # a dying link: the event waits for RESUME
                await session.link.send(payload)
        return session.seq

    def _place(self, user: str, guild: int | None) -> tuple[Any, FakeGuild | None]:
        return self.world.users[user], (self.world.guild(guild) if guild else None)

    async def push_command(
        self,
        name: str,
        *options: dict[str, Any],
        user: str = "ben",
        guild: int | None = None,
        channel: str = "briefing",
    ) -> dict[str, Any]:
        """A slash command invocation (INTERACTION_CREATE type 2) of a synced command.

        `guild` defaults to the world's first guild; pass 0 for a direct message."""
        return await self._push_interaction(
            2, name, options, user=user, guild=guild, channel=channel
        )

    async def push_autocomplete(
        self,
        name: str,
        *options: dict[str, Any],
        user: str = "ben",
        guild: int | None = None,
        channel: str = "briefing",
    ) -> dict[str, Any]:
        """An autocomplete request (type 4); mark the option typed in with focused=True."""
        return await self._push_interaction(
            4, name, options, user=user, guild=guild, channel=channel
        )

    async def _push_interaction(
        self,
        kind: int,
        name: str,
        options: tuple[dict[str, Any], ...],
        *,
        user: str,
        guild: int | None,
        channel: str,
    ) -> dict[str, Any]:
        who, where = self._place(user, self.world.guilds[0].id if guild is None else guild)
        command = self.world.command(name, where)
        data: dict[str, Any] = {
            "id": command["id"],
            "name": name,
            "type": command.get("type", 1),
            "options": list(options),
        }
        if "guild_id" in command:
            data["guild_id"] = command["guild_id"]
        payload = self.world.interaction(kind, data, who, where, channel)
        await self.dispatch("INTERACTION_CREATE", payload)
        return payload

    async def push_message(
        self,
        text: str,
        *,
        author: str = "ben",
        channel: str = "briefing",
        guild: int | None = None,
        mention_bot: bool = True,
    ) -> dict[str, Any] | None:
        """A MESSAGE_CREATE, `<@bot> text` when it mentions the bot; None if the session's
        intents would not receive it (Discord then sends nothing). Without the Message Content
        intent, content is blank unless the message mentions the bot."""
        who, where = self._place(author, self.world.guilds[0].id if guild is None else guild)
        if where is None:
            channel_id = int(self.world.dm_channel(who)["id"])
        else:
            channel_id = where.channels[channel]
        bot = self.world.bot
        content = f"<@{bot.id}> {text}" if mention_bot else text
        mentions = [bot.payload()] if mention_bot else []
        message = self.world.message(channel_id, who, content, mentions=mentions)
        intents = self.session.intents if self.session else 0
        if not intents & (GUILD_MESSAGES if where else DIRECT_MESSAGES):
            return None
        if where is not None and not mention_bot and not intents & MESSAGE_CONTENT:
            message["content"] = ""
        await self.dispatch("MESSAGE_CREATE", message)
        return message

    # -- breaking things ----------------------------------------------------------------------

    def _link(self) -> _Link:
        if self.session is None or self.session.link is None:
            raise RuntimeError("no client is connected to the fake gateway")
        return self.session.link

    async def drop(self) -> None:
        """Cut the TCP connection: discord.py reconnects and RESUMEs."""
        transport = self._link().request.transport
        if transport is not None:
            transport.abort()

    async def request_reconnect(self) -> None:
        """Opcode 7: the client closes and RESUMEs at resume_gateway_url."""
        await self._link().send({"op": RECONNECT, "d": None, "s": None, "t": None})

    async def invalidate_session(self, *, resumable: bool = False) -> None:
        """Opcode 9; not resumable means a fresh IDENTIFY at the default gateway."""
        link = self._link()
        if not resumable:
            self.session = None
        await link.send({"op": INVALID_SESSION, "d": resumable, "s": None, "t": None})

    async def close(self, code: int) -> None:
        """Close the websocket with a gateway close code (e.g. 4004, 4014, 1001)."""
        link = self._link()
        self.close_codes.append(code)
        await link.ws.close(code=code)

    # -- the websocket ------------------------------------------------------------------------

    async def _connect(self, request: web.Request) -> web.StreamResponse:
        compress = request.query.get("compress")
        packers: dict[str | None, Callable[[], Any]] = {
            None: lambda: None,
            "zlib-stream": lambda: _Zlib().pack,
            "zstd-stream": lambda: _Zstd().pack,
        }
        if request.query.get("encoding", "json") != "json" or compress not in packers:
            return web.Response(status=400, text="the fake gateway speaks json, zlib/zstd-stream")
        ws = web.WebSocketResponse(max_msg_size=0)
        await ws.prepare(request)
        link = _Link(ws, request, packers[compress](), str(request.url))
        self.links.append(link)
        self._notify()
        hello = {"heartbeat_interval": self.heartbeat_interval_ms}
        await link.send({"op": HELLO, "d": hello, "s": None, "t": None})
        try:
            async for message in ws:
                if message.type == WSMsgType.TEXT:
                    await self._received(link, json.loads(message.data))
        finally:
            if self.session is not None and self.session.link is link:
                self.session.link = None
                self.session.ready = False
            self._notify()
        return ws

    async def _refuse(self, link: _Link, code: int) -> None:
        self.close_codes.append(code)
        await link.ws.close(code=code)

    async def _received(self, link: _Link, payload: dict[str, Any]) -> None:
        op, data = payload.get("op"), payload.get("d") or {}
        if op == HEARTBEAT:
            self.heartbeats += 1
            if self.ack_heartbeats:
                await link.send({"op": HEARTBEAT_ACK, "d": None, "s": None, "t": None})
        elif op == IDENTIFY:
            await self._identify(link, data)
        elif op == RESUME:
            await self._resume(link, data)
        elif op == REQUEST_MEMBERS:
            guild = self.world.guild(int(data["guild_id"]))
            members = [self.world.member(guild, u) for u in self.world.users.values()]
            chunk = {
                "guild_id": str(guild.id),
                "members": [m for m in members if int(m["user"]["id"]) in guild.members],
                "chunk_index": 0,
                "chunk_count": 1,
                "nonce": data.get("nonce"),
            }
            await self.dispatch("GUILD_MEMBERS_CHUNK", chunk)
        elif op not in (3, 4):  # presence and voice state updates are accepted silently
            await self._refuse(link, 4001)  # unknown opcode

    async def _identify(self, link: _Link, data: dict[str, Any]) -> None:
        self.identifies.append(data)
        if data.get("token") != self.world.token or data["token"] in self.revoked:
            await self._refuse(link, 4004)  # authentication failed
            return
        intents = int(data.get("intents", 0))
        if intents & PRIVILEGED_INTENTS & ~self.allowed_intents:
            await self._refuse(link, 4014)  # disallowed intents
            return
        self._sessions += 1
        self.session = _Session(f"fake-session-{self._sessions}", intents, link=link)
        bot, world = self.world.bot, self.world
        ready = {
            "v": 10,
            "user": {**bot.payload(), "verified": True, "mfa_enabled": False, "flags": 0},
            "guilds": [{"id": str(g.id), "unavailable": True} for g in world.guilds],
            "session_id": self.session.id,
            "resume_gateway_url": self.url + "resume",
            "application": {"id": str(world.application_id), "flags": 0},
            "private_channels": [],
            "relationships": [],
        }
        await self.dispatch("READY", ready)
        if intents & GUILDS:
            for guild in world.guilds:
                await self.dispatch("GUILD_CREATE", world.guild_create(guild))
        self.session.ready = True
        self._notify()

    async def _resume(self, link: _Link, data: dict[str, Any]) -> None:
        session = self.session
        token_ok = data.get("token") == self.world.token and data["token"] not in self.revoked
        if session is None or data.get("session_id") != session.id or not token_ok:
            await link.send({"op": INVALID_SESSION, "d": False, "s": None, "t": None})
            return
        self.resumes.append(data)
        session.link, session.ready = link, False
        for event in session.events:
            if event["s"] > int(data.get("seq") or 0):
                await link.send(event)
        await self.dispatch("RESUMED", {})
        session.ready = True
        self._notify()
