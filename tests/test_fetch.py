"""The fetcher against a real local server: conditional GET, limits, redirects, Retry-After."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import pytest

from feeds.fetch import (
    LARGE_BODY,
    Fetched,
    Fetcher,
    FetchError,
    FetchRequest,
    FetchSettings,
    parse_retry_after,
)
from tests.feed_server import FeedServer

FIXTURES = Path(__file__).parent / "fixtures"
RSS = (FIXTURES / "rss20.xml").read_bytes()
FAST = FetchSettings(timeout=2.0, connect_timeout=1.0, max_bytes=1024 * 1024)


async def _fetch(request: FetchRequest, settings: FetchSettings = FAST) -> Fetched:
    async with Fetcher(settings) as fetcher:
        return await fetcher.fetch(request)


async def _error(request: FetchRequest, settings: FetchSettings = FAST) -> FetchError:
    with pytest.raises(FetchError) as caught:
        await _fetch(request, settings)
    return caught.value


async def test_conditional_get_with_etag(feed_server: FeedServer) -> None:
    url = feed_server.add("/rss.xml", RSS, etag=True)
    first = await _fetch(FetchRequest(url))
    assert first.status == "fetched"
    assert first.body == RSS
    assert first.etag is not None
    assert first.headers["content-type"].startswith("application/rss+xml")
    second = await _fetch(FetchRequest(url, etag=first.etag, content_hash=first.content_hash))
    assert second.status == "not_modified"
    assert second.body == b""
    assert second.etag == first.etag
    assert feed_server.conditional_hits["/rss.xml"] == 1


async def test_conditional_get_with_last_modified_only(feed_server: FeedServer) -> None:
    url = feed_server.add("/lm.xml", RSS, etag=False, last_modified=True)
    first = await _fetch(FetchRequest(url))
    assert first.etag is None and first.last_modified is not None
    second = await _fetch(FetchRequest(url, last_modified=first.last_modified))
    assert second.status == "not_modified"


async def test_unchanged_body_without_validators_is_recognised_by_its_hash(
    feed_server: FeedServer,
) -> None:
    url = feed_server.add("/plain.xml", RSS, etag=False)
    first = await _fetch(FetchRequest(url))
    second = await _fetch(FetchRequest(url, content_hash=first.content_hash))
    assert second.status == "unchanged"
    feed_server.add("/plain.xml", RSS.replace(b"holiday", b"snow day"), etag=False)
    third = await _fetch(FetchRequest(url, content_hash=first.content_hash))
    assert third.status == "fetched"


async def test_gzip_body_is_inflated(feed_server: FeedServer) -> None:
    url = feed_server.add("/gz.xml", RSS, gzip=True)
    fetched = await _fetch(FetchRequest(url))
    assert fetched.body == RSS


async def test_oversize_identity_body_is_cut_off(feed_server: FeedServer) -> None:
    error = await _error(FetchRequest(feed_server.url("/big?size=5000000")))
    assert "cap" in str(error)


async def test_declared_oversize_body_is_refused_before_reading(feed_server: FeedServer) -> None:
    url = feed_server.add("/huge.xml", b"x" * (FAST.max_bytes + 1))
    assert "cap" in str(await _error(FetchRequest(url)))


async def test_gzip_bomb_is_stopped_at_the_decoded_cap(feed_server: FeedServer) -> None:
    # 200 MB of zeros compress to ~200 KB, well under the cap; inflated they are far over it.
    error = await _error(FetchRequest(feed_server.bomb_url(200_000_000)))
    assert "cap" in str(error)


async def test_hanging_response_times_out(feed_server: FeedServer) -> None:
    settings = FetchSettings(timeout=0.5, connect_timeout=0.5)
    error = await _error(FetchRequest(feed_server.url("/hang")), settings)
    assert str(error) == "timed out after 0.5 s"


async def test_server_error_is_reported_with_its_status(feed_server: FeedServer) -> None:
    assert str(await _error(FetchRequest(feed_server.url("/status/500")))) == (
        "HTTP 500 Internal Server Error"
    )
    assert "HTTP 404" in str(await _error(FetchRequest(feed_server.url("/missing"))))


async def test_redirects_are_followed_up_to_a_cap(feed_server: FeedServer) -> None:
    feed_server.add("/chain-end", RSS)
    fetched = await _fetch(FetchRequest(feed_server.url("/chain/3")))
    assert fetched.body == RSS
    assert fetched.url == feed_server.url("/chain-end")
    error = await _error(FetchRequest(feed_server.url("/chain/7")))
    assert str(error) == "more than 5 redirects"


async def test_redirect_loop_is_detected(feed_server: FeedServer) -> None:
    error = await _error(FetchRequest(feed_server.url("/loop/a")))
    assert str(error).startswith("redirect loop at ")


async def test_redirect_to_another_scheme_is_refused(feed_server: FeedServer) -> None:
    url = feed_server.url("/redirect?to=file:///etc/passwd")
    assert "non-http(s)" in str(await _error(FetchRequest(url)))


async def test_429_reports_retry_after_and_the_origin_waits(feed_server: FeedServer) -> None:
    feed_server.add("/ok.xml", RSS)
    async with Fetcher(FAST) as fetcher:
        with pytest.raises(FetchError) as limited:
            await fetcher.fetch(FetchRequest(feed_server.url("/too-many?retry=120")))
        assert limited.value.retry_after == 120
        assert not limited.value.deferred
        assert "HTTP 429" in str(limited.value)
        # Another feed of the same origin is not requested while the server asked us to wait.
        with pytest.raises(FetchError) as deferred:
            await fetcher.fetch(FetchRequest(feed_server.url("/ok.xml")))
    assert deferred.value.deferred
    assert deferred.value.retry_after is not None and 100 < deferred.value.retry_after <= 120
    assert feed_server.hits["/ok.xml"] == 0


async def test_connection_refused_is_a_readable_error() -> None:
    server = FeedServer().start()
    url = server.url("/gone.xml")
    server.stop()
    assert "cannot connect" in str(await _error(FetchRequest(url)))


async def test_user_agent_and_accept_are_sent(feed_server: FeedServer) -> None:
    seen: dict[str, str] = {}
    url = feed_server.add("/ua.xml", RSS)
    feed_server.on_request = lambda request: seen.update(request.headers)
    await _fetch(FetchRequest(url), FetchSettings(user_agent="talentbrief-test/1 (+contact)"))
    assert seen["User-Agent"] == "talentbrief-test/1 (+contact)"
    assert "application/rss+xml" in seen["Accept"]


def test_retry_after_accepts_seconds_and_http_dates() -> None:
    now = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
    assert parse_retry_after("120") == 120
    assert parse_retry_after("Mon, 02 Mar 2026 12:05:00 GMT", now=now) == 300
    assert parse_retry_after("Mon, 02 Mar 2026 11:00:00 GMT", now=now) == 0
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None


async def test_a_large_body_is_read_only_once_admitted_and_the_wait_is_not_timed(
    feed_server: FeedServer,
) -> None:
    big = b"<rss>" + b"<!-- padding -->" * (LARGE_BODY // 16 + 10) + b"</rss>"
    declared = feed_server.add("/declared.xml", big)  # with a Content-Length
    streamed = feed_server.url(f"/big?size={LARGE_BODY * 2}")  # chunked, no length
    small = feed_server.add("/small.xml", RSS)
    admitted: list[str] = []
    settings = FetchSettings(timeout=1.0, connect_timeout=1.0, max_bytes=16 * LARGE_BODY)

    async with Fetcher(settings) as fetcher:
        for url in (declared, streamed, small):

            async def admit(url: str = url) -> None:
                admitted.append(url)
                await asyncio.sleep(1.5)  # longer than the whole exchange may take

            fetched = await fetcher.fetch(FetchRequest(url), admit_large=admit)
            assert fetched.status == "fetched"
    assert admitted == [declared, streamed]  # once each, and never for a small body
