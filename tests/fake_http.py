"""The base of the fake chat HTTP APIs (fake_slack_api.py, fake_discord_api.py) on 127.0.0.1.

A FakeServer records every delivered message as a `Posted` and lets tests await one
(`wait_for`) instead of sleeping. Its fault knobs act on *posts* (calls that deliver a
message), counted together, and each is used up by one post:

- `fail_calls`: fail these post attempts (1-based) without posting;
- `lose_calls`: post these attempts (1-based), then answer 500;
- `stall_calls`: post these attempts (1-based), then never answer (like `stall_next`);
- `rate_limit_next`: answer 429 with Retry-After (`retry_after` seconds) without posting;
- `unavailable_next`: answer 503 with an HTML body (a proxy's error page) without posting;
- `fail_next`: the platform's own refusal (Slack `ok: false`, Discord 502) without posting;
- `lose_next`: post, then answer 500 (the platform accepted it; the client cannot know);
- `drop_next`: post, then cut the connection without an answer;
- `stall_next`: post, then never answer (the client is killed while it waits: "the process
  exited after the platform accepted the message").
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Self

from aiohttp import web

from tests.loopback import serve_on_loopback

UNAVAILABLE_HTML = (
    "<html><head><title>503 Service Temporarily Unavailable</title></head>"
    "<body><center><h1>503 Service Temporarily Unavailable</h1></center></body></html>"
)

KNOBS = (
    ("rate_limit_next", "rate"),
    ("unavailable_next", "unavailable"),
    ("fail_next", "fail"),
    ("lose_next", "lose"),
    ("drop_next", "drop"),
    ("stall_next", "stall"),
)


@dataclass
class Posted:
    """One delivered message (or other recorded call): where, what, with which headers."""

    path: str
    body: dict[str, Any]
    headers: dict[str, str]
    id: str
    files: dict[str, bytes] = field(default_factory=dict)
    query: dict[str, str] = field(default_factory=dict)


class FakeServer:
    def __init__(self) -> None:
        self.app = web.Application()
        self.posted: list[Posted] = []
        self.requests: list[str] = []
        self.fail_next = 0
        self.lose_next = 0
        self.rate_limit_next = 0
        self.unavailable_next = 0
        self.drop_next = 0
        self.stall_next = 0
        self.retry_after = 0.0
        self.fail_calls: set[int] = set()  # fail these post attempts (1-based), not posting
        self.lose_calls: set[int] = set()  # post these attempts (1-based), then answer 500
        self.stall_calls: set[int] = set()  # post these attempts (1-based), never answer
        self.calls = 0
        self.runner: web.AppRunner | None = None
        self.base = ""
        self._arrived = asyncio.Event()
        self._stopping = asyncio.Event()

    async def start(self) -> Self:
        self.runner, port = await serve_on_loopback(self.app)
        self.base = f"http://127.0.0.1:{port}"
        return self

    async def stop(self) -> None:
        self._stopping.set()
        if self.runner is not None:
            await self.runner.cleanup()
            self.runner = None

    async def __aenter__(self) -> Self:
        return await self.start()

    async def __aexit__(self, *_: object) -> None:
        await self.stop()

    def record(self, posted: Posted) -> Posted:
        self.posted.append(posted)
        self._arrived.set()
        self._arrived = asyncio.Event()
        return posted

    async def wait_for(
        self, predicate: Callable[[Posted], bool], *, timeout: float = 5.0
    ) -> Posted:
        """The first recorded call that matches, waiting up to `timeout` for it to arrive."""
        async with asyncio.timeout(timeout):
            while True:
                arrived = self._arrived
                for posted in self.posted:
                    if predicate(posted):
                        return posted
                await arrived.wait()

    def _take_failure(self) -> str | None:
        self.calls += 1
        if self.calls in self.fail_calls:
            return "fail"
        if self.calls in self.lose_calls:
            return "lose"
        if self.calls in self.stall_calls:
            return "stall"
        for knob, failure in KNOBS:
            if getattr(self, knob):
                setattr(self, knob, getattr(self, knob) - 1)
                return failure
        return None

    async def deliver(
        self,
        request: web.Request,
        path: str,
        body: dict[str, Any],
        *,
        new_id: Callable[[], str],
        answer: Callable[[Posted], web.StreamResponse],
        files: dict[str, bytes] | None = None,
        accepted: Callable[[Posted], None] | None = None,
    ) -> web.StreamResponse:
        """Record a post unless a fault knob says otherwise, and answer it.

        `accepted` runs once the post is recorded, before any answer: the platform's state
        changes even when the answer is then lost or the connection dropped.
        """
        self.requests.append(path)
        failure = self._take_failure()
        if failure == "rate":
            return self.rate_limited()
        if failure == "unavailable":
            return web.Response(status=503, text=UNAVAILABLE_HTML, content_type="text/html")
        if failure == "fail":
            return self.refused()
        headers = dict(request.headers)
        posted = Posted(path, body, headers, new_id(), files or {}, dict(request.query))
        self.record(posted)
        if accepted is not None:
            accepted(posted)
        if failure == "lose":
            return web.Response(status=500, text="internal error")
        if failure == "drop":
            return drop_connection(request)
        if failure == "stall":
            await self._stopping.wait()
            return drop_connection(request)
        return answer(posted)

    def rate_limited(self) -> web.Response:
        raise NotImplementedError

    def refused(self) -> web.Response:
        raise NotImplementedError


def drop_connection(request: web.Request) -> web.Response:
    """Cut the TCP connection: the client sees a disconnect instead of an answer."""
    if request.transport is not None:
        request.transport.abort()
    return web.Response(status=500)


async def read_body(request: web.Request) -> dict[str, Any]:
    """Query, JSON or form fields, merged (the Slack Web API accepts all three)."""
    data: dict[str, Any] = dict(request.query)
    if request.content_type == "application/json":
        data.update(await request.json())
    elif request.can_read_body:
        form = await request.post()
        data.update({key: value for key, value in form.items() if isinstance(value, str)})
    return data


async def read_json_or_multipart(request: web.Request) -> tuple[dict[str, Any], dict[str, bytes]]:
    """A Discord body: JSON, or multipart with `payload_json` and files."""
    if request.content_type.startswith("multipart/"):
        body: dict[str, Any] = {}
        files: dict[str, bytes] = {}
        reader = await request.multipart()
        async for part in reader:
            if part.name == "payload_json":  # type: ignore[union-attr]
                body = json.loads(await part.text())  # type: ignore[union-attr]
            else:
                files[part.filename or part.name or ""] = await part.read()  # type: ignore[union-attr]
        return body, files
    if not request.can_read_body:
        return {}, {}
    return await request.json(), {}
