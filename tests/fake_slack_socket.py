"""A fake Slack Socket Mode server (a websocket on 127.0.0.1) for slack_sdk's SocketModeClient.

Started by `FakeSlack.start_socket_mode()`; `apps.connections.open` on the fake Web API hands
out its URL with a single-use ticket. On each connection it sends `hello`; tests then push
envelopes (`send_slash_command`, `send_event`, `send_envelope`) to the newest open connection
and await their acknowledgement by envelope_id (`wait_ack`, which fails past Slack's 3 s).
Acknowledgements are recorded in `acks` with the seconds each took. Pings are answered unless
`answer_pings` is False; `drop()` ends the connection to exercise reconnects.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, Self

from aiohttp import WSMsgType, web

from tests.fake_slack_payloads import APP_ID, event_callback, slash_command
from tests.loopback import serve_on_loopback

if TYPE_CHECKING:
    from tests.fake_slack_api import FakeSlack

ACK_DEADLINE = 3.0  # Slack shows the user an error when an envelope is not acked by then


@dataclass
class Envelope:
    envelope_id: str
    body: dict[str, Any]
    connection: int
    sent_at: float  # time.monotonic()


@dataclass
class Ack:
    envelope_id: str
    payload: dict[str, Any] | None  # what the app answered with, if anything
    seconds: float  # from the envelope leaving the fake to its acknowledgement arriving
    connection: int


@dataclass
class _Connection:
    ws: web.WebSocketResponse
    request: web.Request


class FakeSlackSocket:
    def __init__(self, api: FakeSlack) -> None:
        self.api = api
        self.app = web.Application()
        self.app.router.add_get("/link/", self._connect)
        self.answer_pings = True
        self.pings = 0
        self.connections: list[_Connection] = []
        self.refused_tickets: list[str] = []
        self.envelopes: list[Envelope] = []
        self.acks: list[Ack] = []
        self.other_messages: list[str] = []  # anything the client sent that is not an ack
        self.runner: web.AppRunner | None = None
        self.base = ""
        self._tickets: set[str] = set()
        self._serial = itertools.count(1)
        self._changed = asyncio.Event()

    async def start(self) -> Self:
        self.runner, port = await serve_on_loopback(self.app)
        self.base = f"ws://127.0.0.1:{port}"
        return self

    async def stop(self) -> None:
        for connection in self.connections:
            if not connection.ws.closed:
                await connection.ws.close()
        if self.runner is not None:
            await self.runner.cleanup()
            self.runner = None

    def new_url(self) -> str:
        ticket = f"ticket-{next(self._serial)}"
        self._tickets.add(ticket)
        return f"{self.base}/link/?ticket={ticket}&app_id={APP_ID}"

    @property
    def open_connections(self) -> list[int]:
        return [i for i, c in enumerate(self.connections) if not c.ws.closed]

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

    async def wait_connected(self, count: int = 1, *, timeout: float = 5.0) -> int:
        """Wait until `count` connections have been made in all and one is open; its index."""
        await self._until(
            lambda: len(self.connections) >= count and bool(self.open_connections), timeout
        )
        return self.open_connections[-1]

    async def wait_ack(self, envelope_id: str, *, deadline: float = ACK_DEADLINE) -> Ack:
        """The acknowledgement of an envelope; AssertionError unless it came within `deadline`."""
        sent = next(e for e in self.envelopes if e.envelope_id == envelope_id)
        remaining = sent.sent_at + deadline - time.monotonic()

        def acked() -> bool:
            return any(a.envelope_id == envelope_id for a in self.acks)

        try:
            await self._until(acked, max(remaining, 0.0))
        except TimeoutError:
            message = f"envelope {envelope_id} not acknowledged within {deadline} s"
            raise AssertionError(message) from None
        return next(a for a in self.acks if a.envelope_id == envelope_id)

    # -- sending ------------------------------------------------------------------------------

    async def send_envelope(
        self, kind: str, payload: dict[str, Any], *, accepts_response_payload: bool
    ) -> str:
        """Send one envelope to the newest open connection; its envelope_id."""
        if not self.open_connections:
            raise RuntimeError("no Socket Mode connection is open")
        index = self.open_connections[-1]
        envelope_id = f"env-{next(self._serial):04d}-{kind}"
        body: dict[str, Any] = {
            "envelope_id": envelope_id,
            "type": kind,
            "payload": payload,
            "accepts_response_payload": accepts_response_payload,
        }
        if kind == "events_api":
            body.update(retry_attempt=0, retry_reason="")
        self.envelopes.append(Envelope(envelope_id, body, index, time.monotonic()))
        await self.connections[index].ws.send_str(json.dumps(body))
        return envelope_id

    async def send_slash_command(self, text: str, **fields: str) -> str:
        """A slash command (default `/brief`) whose response_url records replies on the fake API."""
        payload = slash_command(text, response_url=self.api.new_response_url(), **fields)
        return await self.send_envelope("slash_commands", payload, accepts_response_payload=True)

    async def send_event(self, event: dict[str, Any]) -> str:
        """An Events API event, e.g. fake_slack_payloads.app_mention('H-1B since:7d')."""
        payload = event_callback(event)
        return await self.send_envelope("events_api", payload, accepts_response_payload=False)

    async def drop(self, how: Literal["close", "abort", "refresh"] = "close") -> None:
        """End the newest open connection: a close frame, a cut TCP connection, or Slack's
        `disconnect` message asking the client to reconnect (`refresh_requested`)."""
        connection = self.connections[self.open_connections[-1]]
        if how == "refresh":
            message = {"type": "disconnect", "reason": "refresh_requested"}
            await connection.ws.send_str(json.dumps(message))
        elif how == "abort" and connection.request.transport is not None:
            connection.request.transport.abort()
        else:
            await connection.ws.close(code=1001, message=b"going away")

    # -- the websocket ------------------------------------------------------------------------

    async def _connect(self, request: web.Request) -> web.StreamResponse:
        ticket = request.query.get("ticket", "")
        if ticket not in self._tickets:  # unknown or already used
            self.refused_tickets.append(ticket)
            return web.Response(status=401, text="invalid ticket")
        self._tickets.discard(ticket)
        ws = web.WebSocketResponse(autoping=False)
        await ws.prepare(request)
        index = len(self.connections)
        self.connections.append(_Connection(ws, request))
        hello = {
            "type": "hello",
            "num_connections": len(self.open_connections),
            "debug_info": {"host": "applink-fake-1", "approximate_connection_time": 18060},
            "connection_info": {"app_id": APP_ID},
        }
        await ws.send_str(json.dumps(hello))
        self._notify()
        try:
            async for message in ws:
                if message.type == WSMsgType.PING:
                    self.pings += 1
                    if self.answer_pings:
                        await ws.pong(message.data)
                elif message.type == WSMsgType.TEXT:
                    self._received(index, message.data)
        finally:
            self._notify()
        return ws

    def _received(self, index: int, text: str) -> None:
        data = json.loads(text)
        envelope_id = data.get("envelope_id") if isinstance(data, dict) else None
        sent = next((e for e in self.envelopes if e.envelope_id == envelope_id), None)
        if sent is None:
            self.other_messages.append(text)
        else:
            seconds = time.monotonic() - sent.sent_at
            self.acks.append(Ack(sent.envelope_id, data.get("payload"), seconds, index))
        self._notify()
