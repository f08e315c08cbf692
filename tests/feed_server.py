"""A real HTTP feed server on 127.0.0.1 for the tests, running in a thread of its own.

It runs its own event loop, so both async tests and the synchronous CLI (which calls
`asyncio.run`) can talk to it. Documents are registered by path; a few paths misbehave on
purpose:

    /status/{code}          answers with that status
    /hang                   sends headers and a little of the body, then stalls
    /loop/a, /loop/b        redirect to each other forever
    /chain/{n}              redirects n times, then serves /chain-end (a registered document)
    /redirect?to=URL        one redirect to URL
    /big?size=N             an identity body of N bytes, without Content-Length
    /bomb?size=N            a small gzip body that inflates to N bytes
    /too-many?retry=S       429 with Retry-After: S

`delay` (seconds) holds every answer that long, so a poll can be caught in the middle.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import gzip
import hashlib
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import formatdate
from types import TracebackType

from aiohttp import web

from tests.loopback import serve_on_loopback


@functools.lru_cache(maxsize=4)
def _gzip_bomb(size: int) -> bytes:
    """Built once per size: compressing 200 MB takes about a second, which on a busy machine
    ate into the client's timeout in the very test that checks the cap stops inflating."""
    return gzip.compress(b"\0" * size, compresslevel=9)


@dataclass
class Document:
    body: bytes
    content_type: str = "application/rss+xml; charset=utf-8"
    etag: bool = True
    last_modified: bool = False
    gzip: bool = False
    modified_at: float = 1_767_225_600.0  # 2026-01-01

    @property
    def etag_value(self) -> str:
        return '"' + hashlib.sha256(self.body).hexdigest()[:16] + '"'

    @property
    def last_modified_value(self) -> str:
        return formatdate(self.modified_at, usegmt=True)


class FeedServer:
    def __init__(self, host: str = "127.0.0.1") -> None:
        self.host = host
        self.port = 0
        self.documents: dict[str, Document] = {}
        self.hits: Counter[str] = Counter()
        self.conditional_hits: Counter[str] = Counter()
        self.on_request: Callable[[web.Request], object] | None = None
        self.delay = 0.0
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._runner: web.AppRunner | None = None
        self._stopping: asyncio.Event | None = None

    # -- registering documents ---------------------------------------------------------
    def add(self, path: str, body: bytes | str, **options: object) -> str:
        data = body.encode("utf-8") if isinstance(body, str) else body
        self.documents[path] = Document(data, **options)  # type: ignore[arg-type]
        return self.url(path)

    def url(self, path: str) -> str:
        return f"http://{self.host}:{self.port}{path}"

    def bomb_url(self, size: int) -> str:
        """The URL of a gzip body that inflates to `size` bytes, compressed now, not during
        the request (so the client's timeout measures the client, not the compression)."""
        _gzip_bomb(size)
        return self.url(f"/bomb?size={size}")

    # -- lifecycle -----------------------------------------------------------------------
    def start(self) -> FeedServer:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(10)
        return self

    async def _start(self) -> None:
        self._stopping = asyncio.Event()
        app = web.Application()
        app.router.add_route("GET", "/{tail:.*}", self._handle)
        self._runner, self.port = await serve_on_loopback(
            app, host=self.host, handle_signals=False, shutdown_timeout=1
        )

    def stop(self) -> None:
        async def _stop() -> None:
            assert self._stopping is not None and self._runner is not None
            self._stopping.set()
            await self._runner.cleanup()

        asyncio.run_coroutine_threadsafe(_stop(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)
        self._loop.close()

    def __enter__(self) -> FeedServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    # -- handlers ------------------------------------------------------------------------
    async def _handle(self, request: web.Request) -> web.StreamResponse:
        path = request.path
        self.hits[path] += 1
        if self.on_request is not None:
            self.on_request(request)
        if self.delay:
            assert self._stopping is not None
            with contextlib.suppress(TimeoutError):  # a stopping server answers at once
                await asyncio.wait_for(self._stopping.wait(), self.delay)
        if path in self.documents:
            return self._document(request, self.documents[path])
        if path.startswith("/status/"):
            return web.Response(status=int(path.rsplit("/", 1)[1]), text="nope")
        if path == "/hang":
            return await self._hang(request)
        if path == "/loop/a":
            raise web.HTTPFound("/loop/b")
        if path == "/loop/b":
            raise web.HTTPFound("/loop/a")
        if path.startswith("/chain/"):
            remaining = int(path.rsplit("/", 1)[1])
            raise web.HTTPFound(f"/chain/{remaining - 1}" if remaining > 1 else "/chain-end")
        if path == "/redirect":
            raise web.HTTPFound(request.query["to"])
        if path == "/big":
            return await self._big(request, int(request.query["size"]))
        if path == "/bomb":
            body = _gzip_bomb(int(request.query["size"]))
            return web.Response(
                body=body, headers={"Content-Encoding": "gzip", "Content-Type": "text/xml"}
            )
        if path == "/too-many":
            return web.Response(
                status=429, headers={"Retry-After": request.query.get("retry", "120")}
            )
        raise web.HTTPNotFound()

    def _document(self, request: web.Request, document: Document) -> web.Response:
        headers = {"Content-Type": document.content_type}
        fresh = False
        if document.etag:
            headers["ETag"] = document.etag_value
            fresh = request.headers.get("If-None-Match") == document.etag_value
        if document.last_modified:
            headers["Last-Modified"] = document.last_modified_value
            since = request.headers.get("If-Modified-Since")
            fresh = fresh or since == document.last_modified_value
        if fresh:
            self.conditional_hits[request.path] += 1
            return web.Response(status=304, headers=headers)
        body = document.body
        if document.gzip and "gzip" in request.headers.get("Accept-Encoding", ""):
            body = gzip.compress(body)
            headers["Content-Encoding"] = "gzip"
        return web.Response(body=body, headers=headers)

    async def _hang(self, request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "application/rss+xml"})
        await response.prepare(request)
        await response.write(b'<?xml version="1.0"?><rss version="2.0"><channel>')
        assert self._stopping is not None
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), 30)
        return response

    async def _big(self, request: web.Request, size: int) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "application/rss+xml"})
        response.enable_chunked_encoding()
        await response.prepare(request)
        chunk = b"<!-- padding -->" * 4096
        sent = 0
        try:
            while sent < size:
                await response.write(chunk)
                sent += len(chunk)
        except (ConnectionResetError, RuntimeError):
            pass  # the client gave up at its cap, as it should
        return response
