"""Fetching feed bodies over HTTP with aiohttp, politely and within limits.

- Conditional GET (If-None-Match / If-Modified-Since) and a sha256 of the decoded body, so an
  unchanged feed is never parsed again.
- Limits: a global cap on requests in flight, a per-host cap, a connect timeout and a timeout
  for the whole exchange (redirects included), a cap on the *decoded* body enforced while it
  streams in (the body is inflated here, chunk by chunk, with `max_length`), a cap on redirects.
- 429 and 503 with Retry-After: the wait is reported to the caller and remembered for the host,
  so the other feeds of that host wait too instead of hammering it in the same cycle.
- Guarded requests (sources added from chat) go through their own connection pool whose resolver
  refuses non-public addresses, and every redirect hop is checked again (see guard.py).
"""

from __future__ import annotations

import asyncio
import hashlib
import time
import zlib
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from types import TracebackType
from typing import Literal

import aiohttp
from multidict import CIMultiDictProxy
from yarl import URL

from feeds.entries import MAX_ENTRIES
from feeds.guard import AddressGuard, blocked_cause
from storage.errors import TalentbriefError

FEED_ACCEPT = (
    "application/rss+xml, application/atom+xml, application/rdf+xml;q=0.9, "
    "application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5"
)
JSON_ACCEPT = "application/json"
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_CHUNK = 64 * 1024
LARGE_BODY = 2 * 1024 * 1024  # bodies above this wait for `admit_large` (see Fetcher.fetch)
# Response headers the parsers may look at (charset, base URL, language).
_KEPT_HEADERS = ("content-type", "content-language", "content-location")


@dataclass(frozen=True, slots=True)
class FetchSettings:
    """How the fetcher behaves; `bot` maps its `[poll]` config section onto this."""

    concurrency: int = 16  # requests in flight across all hosts
    per_host: int = 4  # requests in flight per host
    connect_timeout: float = 10.0
    timeout: float = 20.0  # the whole exchange: redirects, headers and body
    max_bytes: int = 15 * 1024 * 1024  # cap on the decoded body
    max_redirects: int = 5
    max_retry_after: float = 24 * 3600.0  # a Retry-After longer than this is clamped
    user_agent: str = "talentbrief/0.1 (+https://github.com/talentbrief/talentbrief; feed reader)"
    # Failure handling, applied by the poll cycle.
    failing_after: int = 3  # consecutive failures before a source shows as failing
    backoff_base: float = 300.0  # first retry after a failure; doubles with each failure
    max_backoff: float = 6 * 3600.0
    jitter: float = 0.1  # next-due times come up to this fraction of the interval early
    max_entries: int = MAX_ENTRIES  # entries kept per feed (the first ones); the rest are cut
    # Networks a guarded (chat) source may reach although they are not public.
    guard_allow: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class FetchRequest:
    url: str
    etag: str | None = None
    last_modified: str | None = None
    content_hash: str | None = None  # sha256 of the last body that was parsed
    guarded: bool = False
    accept: str = FEED_ACCEPT


@dataclass(frozen=True, slots=True)
class Fetched:
    """A successful exchange. `body` is empty unless `status` is "fetched"."""

    status: Literal["fetched", "not_modified", "unchanged"]
    url: str  # after redirects: the base for relative links
    etag: str | None
    last_modified: str | None
    content_hash: str | None
    body: bytes = b""
    headers: Mapping[str, str] = field(default_factory=dict)


class FetchError(TalentbriefError):
    """The source could not be fetched; the message is what `feeds list` shows.

    `retry_after` is the wait the server asked for, in seconds. `deferred` means no request was
    made because the host asked everyone to wait: not the source's fault.
    """

    def __init__(
        self, message: str, *, retry_after: float | None = None, deferred: bool = False
    ) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.deferred = deferred


def body_hash(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Retry-After as seconds from now: either delta-seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


class _BodyReader:
    """Accumulates a response body, inflating gzip/deflate, never past `limit` decoded bytes."""

    def __init__(self, encoding: str, limit: int) -> None:
        self.limit = limit
        self.parts: list[bytes] = []
        self.size = 0
        self.raw_size = 0
        if encoding in ("", "identity"):
            self.inflater = None
        elif encoding in ("gzip", "x-gzip"):
            self.inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
        elif encoding == "deflate":
            self.inflater = zlib.decompressobj(32 + zlib.MAX_WBITS)  # zlib or gzip header
        else:
            raise FetchError(f"unsupported Content-Encoding {encoding!r}")

    def _keep(self, data: bytes) -> None:
        self.size += len(data)
        if self.size > self.limit:
            raise FetchError(f"response body is larger than the {self.limit:,}-byte cap")
        self.parts.append(data)

    def feed(self, chunk: bytes) -> None:
        self.raw_size += len(chunk)
        if self.raw_size > self.limit:
            raise FetchError(f"response body is larger than the {self.limit:,}-byte cap")
        if self.inflater is None:
            self._keep(chunk)
            return
        data = chunk
        try:
            while data:
                # Ask for at most one byte past the cap, so a bomb never inflates in full.
                self._keep(self.inflater.decompress(data, self.limit - self.size + 1))
                data = self.inflater.unconsumed_tail
        except zlib.error as exc:
            raise FetchError(f"corrupt compressed body: {exc}") from None

    def finish(self) -> bytes:
        if self.inflater is not None:
            try:
                self._keep(self.inflater.flush())
            except zlib.error as exc:
                raise FetchError(f"corrupt compressed body: {exc}") from None
        return b"".join(self.parts)


def _describe(exc: BaseException, timeout: float) -> str:
    blocked = blocked_cause(exc)
    if blocked is not None:
        return str(blocked)
    if isinstance(exc, TimeoutError):
        return f"timed out after {timeout:g} s"
    if isinstance(exc, aiohttp.ClientConnectorError):
        return f"cannot connect to {exc.host}:{exc.port}: {exc.os_error.strerror or exc.os_error}"
    if isinstance(exc, aiohttp.ClientPayloadError):
        return f"the response body was cut off: {exc}"
    if isinstance(exc, aiohttp.ClientResponseError):
        return f"bad HTTP response: {exc.message}"
    text = str(exc) or type(exc).__name__
    return f"{type(exc).__name__}: {text}" if text != type(exc).__name__ else text


class Fetcher:
    """One per poll cycle: `async with Fetcher(settings) as fetcher: await fetcher.fetch(req)`."""

    def __init__(self, settings: FetchSettings, *, guard: AddressGuard | None = None) -> None:
        self.settings = settings
        self.guard = guard or AddressGuard(settings.guard_allow)
        self._sessions: dict[bool, aiohttp.ClientSession] = {}
        self._in_flight = asyncio.Semaphore(settings.concurrency)
        self._per_host: dict[str, asyncio.Semaphore] = {}
        # origin -> monotonic time until which it asked us to wait (Retry-After)
        self._host_waits: dict[str, float] = {}

    async def __aenter__(self) -> Fetcher:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.close()

    async def close(self) -> None:
        sessions, self._sessions = list(self._sessions.values()), {}
        for session in sessions:
            await session.close()

    def _session(self, guarded: bool) -> aiohttp.ClientSession:
        # Guarded and trusted requests never share a pool: a guarded request must not reuse a
        # keep-alive connection a trusted source opened to a private address.
        session = self._sessions.get(guarded)
        if session is None:
            connector = aiohttp.TCPConnector(
                limit=self.settings.concurrency,
                limit_per_host=self.settings.per_host,
                resolver=self.guard.resolver() if guarded else None,
            )
            session = aiohttp.ClientSession(
                connector=connector,
                auto_decompress=False,  # inflated here, under the size cap
                # The whole exchange is bounded in `fetch` (asyncio.timeout); no separate read
                # timeout, which would fire while a large body waits to be admitted.
                timeout=aiohttp.ClientTimeout(
                    total=None, sock_connect=self.settings.connect_timeout, sock_read=None
                ),
                headers={"User-Agent": self.settings.user_agent},
                cookie_jar=aiohttp.DummyCookieJar(),  # no state carried from feed to feed
                trust_env=False,  # a proxy from the environment would bypass the guard
            )
            self._sessions[guarded] = session
        return session

    def _host_slot(self, host: str) -> asyncio.Semaphore:
        slot = self._per_host.get(host)
        if slot is None:
            slot = self._per_host[host] = asyncio.Semaphore(self.settings.per_host)
        return slot

    def _check_host_wait(self, origin: str) -> None:
        until = self._host_waits.get(origin)
        if until is not None:
            remaining = until - time.monotonic()
            if remaining > 0:
                raise FetchError(
                    f"{origin} asked to wait {remaining:.0f} s more (Retry-After)",
                    retry_after=remaining,
                    deferred=True,
                )

    async def fetch(
        self, request: FetchRequest, *, admit_large: Callable[[], Awaitable[None]] | None = None
    ) -> Fetched:
        """Fetch one URL; raises `FetchError` with a readable reason on any failure.

        `admit_large` is awaited before more than `LARGE_BODY` bytes of a body are read (the poll
        lets one large body into memory at a time); the wait does not count against the timeout.
        """
        try:
            url = URL(request.url)
        except ValueError:
            raise FetchError(f"not a valid URL: {request.url}") from None
        if url.scheme not in ("http", "https") or not url.host:
            raise FetchError(f"not an http(s) URL: {request.url}")
        host = url.host
        origin = str(url.origin())
        self._check_host_wait(origin)
        # Wait for a slot *before* the clock starts: queueing behind other feeds of the same
        # host is not the server being slow.
        async with self._in_flight, self._host_slot(host):
            self._check_host_wait(origin)
            try:
                async with asyncio.timeout(self.settings.timeout) as deadline:
                    return await self._exchange(url, request, _Admission(admit_large, deadline))
            except FetchError:
                raise
            except (aiohttp.ClientError, TimeoutError, OSError) as exc:
                raise FetchError(_describe(exc, self.settings.timeout)) from None

    async def _exchange(self, url: URL, request: FetchRequest, admission: _Admission) -> Fetched:
        headers = {"Accept": request.accept, "Accept-Encoding": "gzip, deflate"}
        if request.etag:
            headers["If-None-Match"] = request.etag
        if request.last_modified:
            headers["If-Modified-Since"] = request.last_modified
        session = self._session(request.guarded)
        visited = {str(url)}
        for _hop in range(self.settings.max_redirects + 1):
            if request.guarded:
                self.guard.check_url(url)
            async with session.get(url, headers=headers, allow_redirects=False) as response:
                if response.status in _REDIRECTS and "Location" in response.headers:
                    url = self._next_hop(url, response.headers["Location"], visited)
                    continue
                return await self._conclude(url, request, response, admission)
        raise FetchError(f"more than {self.settings.max_redirects} redirects")

    @staticmethod
    def _next_hop(url: URL, location: str, visited: set[str]) -> URL:
        try:
            target = url.join(URL(location))
        except ValueError:
            raise FetchError(f"bad redirect Location {location!r}") from None
        if target.scheme not in ("http", "https") or not target.host:
            raise FetchError(f"redirect to a non-http(s) URL: {location}")
        if str(target) in visited:
            raise FetchError(f"redirect loop at {target}")
        visited.add(str(target))
        return target

    async def _conclude(
        self,
        url: URL,
        request: FetchRequest,
        response: aiohttp.ClientResponse,
        admission: _Admission,
    ) -> Fetched:
        if response.status == 304:
            return Fetched(
                "not_modified",
                str(url),
                response.headers.get("ETag") or request.etag,
                response.headers.get("Last-Modified") or request.last_modified,
                request.content_hash,
            )
        if response.status in (429, 503):
            wait = parse_retry_after(response.headers.get("Retry-After"))
            if wait is not None:
                wait = min(wait, self.settings.max_retry_after)
                self._host_waits[str(url.origin())] = time.monotonic() + wait
            suffix = f"; retry after {wait:.0f} s" if wait is not None else ""
            raise FetchError(f"HTTP {response.status} {response.reason}{suffix}", retry_after=wait)
        if response.status not in (200, 203):
            raise FetchError(f"HTTP {response.status} {response.reason or ''}".rstrip())
        # A 200 carries the validators for next time; none means the server stopped sending them.
        etag = response.headers.get("ETag")
        last_modified = response.headers.get("Last-Modified")
        body = await self._read_body(response, admission)
        digest = body_hash(body)
        kept = _kept_headers(response.headers)
        if digest == request.content_hash:
            return Fetched("unchanged", str(url), etag, last_modified, digest, headers=kept)
        return Fetched("fetched", str(url), etag, last_modified, digest, body, kept)

    async def _read_body(self, response: aiohttp.ClientResponse, admission: _Admission) -> bytes:
        limit = self.settings.max_bytes
        declared = response.content_length
        encoding = response.headers.get("Content-Encoding", "").strip().lower()
        if declared is not None and declared > limit:
            raise FetchError(f"response body is larger than the {limit:,}-byte cap")
        if declared is not None and declared > LARGE_BODY:
            await admission.wait()
        reader = _BodyReader(encoding, limit)
        async for chunk in response.content.iter_chunked(_CHUNK):
            reader.feed(chunk)
            if reader.size > LARGE_BODY:
                await admission.wait()  # pauses the read (TCP backpressure) until admitted
        return reader.finish()


class _Admission:
    """Waits once for `admit` (a large body), without the wait counting against the deadline."""

    def __init__(
        self, admit: Callable[[], Awaitable[None]] | None, deadline: asyncio.Timeout
    ) -> None:
        self.admit = admit
        self.deadline = deadline

    async def wait(self) -> None:
        admit, self.admit = self.admit, None
        if admit is None:
            return
        loop = asyncio.get_running_loop()
        when = self.deadline.when()
        self.deadline.reschedule(None)  # the clock stops while waiting …
        remaining = None if when is None else when - loop.time()
        try:
            await admit()
        finally:  # … and runs on with what was left
            self.deadline.reschedule(None if remaining is None else loop.time() + remaining)


def _kept_headers(headers: CIMultiDictProxy[str]) -> dict[str, str]:
    return {name: headers[name] for name in _KEPT_HEADERS if name in headers}
