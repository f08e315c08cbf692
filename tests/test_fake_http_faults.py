"""The fault knobs of the fake Slack and Discord HTTP APIs, as a client sees them on the wire."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient

from tests.fake_discord_api import FakeDiscord
from tests.fake_discord_world import BRIEFING, TOKEN
from tests.fake_http import FakeServer
from tests.fake_slack_api import BOT_TOKEN, FakeSlack


@pytest.fixture(params=["slack", "discord"])
async def fake(request: pytest.FixtureRequest) -> AsyncIterator[FakeServer]:
    server: FakeServer = FakeSlack() if request.param == "slack" else FakeDiscord()
    await server.start()
    yield server
    await server.stop()


async def _post(fake: FakeServer, text: str) -> aiohttp.ClientResponse:
    """One message post, as each platform takes it; the response is read before returning."""
    if isinstance(fake, FakeSlack):
        url, auth = f"{fake.api}chat.postMessage", f"Bearer {BOT_TOKEN}"
        body: dict[str, str] = {"channel": "C0DESK", "text": text}
    else:
        assert isinstance(fake, FakeDiscord)
        url, auth = f"{fake.api}/channels/{BRIEFING}/messages", f"Bot {TOKEN}"
        body = {"content": text}
    async with (
        aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5)) as session,
        session.post(url, json=body, headers={"Authorization": auth}) as response,
    ):
        await response.read()
        return response


def _texts(fake: FakeServer) -> list[str]:
    return [str(p.body.get("text") or p.body.get("content")) for p in fake.posted]


async def test_unavailable_answers_503_html_and_posts_nothing(fake: FakeServer) -> None:
    fake.unavailable_next = 1
    refused = await _post(fake, "first try")
    accepted = await _post(fake, "second try")

    assert refused.status == 503
    assert refused.content_type == "text/html"
    assert accepted.status == 200
    assert _texts(fake) == ["second try"]


async def test_a_dropped_connection_still_posts(fake: FakeServer) -> None:
    fake.drop_next = 1
    with pytest.raises(aiohttp.ServerDisconnectedError):
        await _post(fake, "accepted, then the line went dead")

    assert _texts(fake) == ["accepted, then the line went dead"]


async def test_a_lost_answer_still_posts_and_fail_calls_do_not(fake: FakeServer) -> None:
    fake.lose_next = 1
    fake.fail_calls = {2}
    lost = await _post(fake, "posted, answer lost")
    failed = await _post(fake, "refused")

    assert lost.status == 500
    assert failed.status in (200, 502)  # Slack refuses with ok: false, Discord with a 502
    assert _texts(fake) == ["posted, answer lost"]
    assert fake.calls == 2


async def test_rate_limits_say_when_to_come_back(fake: FakeServer) -> None:
    fake.rate_limit_next, fake.retry_after = 1, 1.5
    limited = await _post(fake, "too soon")

    assert limited.status == 429
    assert limited.headers["Retry-After"] == "2"  # whole seconds, rounded up
    if isinstance(fake, FakeDiscord):
        assert limited.headers["Via"]  # without it discord.py takes a 429 for a Cloudflare ban
        assert limited.headers["Content-Type"] == "application/json"
    assert _texts(fake) == []


async def test_slack_sdk_waits_out_a_rate_limit_with_its_retry_handler() -> None:
    async with FakeSlack() as slack:
        assert isinstance(slack, FakeSlack)
        slack.rate_limit_next = 1
        client = AsyncWebClient(token=BOT_TOKEN, base_url=slack.api)
        client.retry_handlers.append(AsyncRateLimitErrorRetryHandler(max_retry_count=1))
        response = await client.chat_postMessage(channel="C0DESK", text="Daily brief")

    assert response["ok"] is True
    assert [p.body["text"] for p in slack.messages] == ["Daily brief"]
    assert slack.requests == ["chat.postMessage", "chat.postMessage"]
