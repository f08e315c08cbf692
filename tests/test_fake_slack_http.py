"""slack-bolt over HTTP (its aiohttp adapter) with signed requests; the fake Web API's tokens."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from tests.fake_slack_api import APP_TOKEN, BOT_TOKEN, FakeSlack
from tests.fake_slack_payloads import (
    ADA,
    BEN,
    app_mention,
    event_callback,
    signed_request,
    slash_command,
    url_verification,
)
from tests.loopback import serve_on_loopback

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"


@pytest.fixture
async def events_url(slack: FakeSlack) -> AsyncIterator[str]:
    """A minimal bolt app served over HTTP on 127.0.0.1; the URL of its /slack/events."""
    app = AsyncApp(
        signing_secret=SECRET, client=AsyncWebClient(token=BOT_TOKEN, base_url=slack.api)
    )

    @app.command("/brief")
    async def brief(ack: Any, respond: Any, command: dict[str, str]) -> None:
        await ack()
        await respond(text=f"10 items for {command['text']}", response_type="ephemeral")

    @app.event("app_mention")
    async def mention(event: dict[str, str], say: Any) -> None:
        await say(text="Searching " + event["text"].split(">", 1)[1].strip())

    async def events(request: web.Request) -> web.Response:
        return await to_aiohttp_response(await app.async_dispatch(await to_bolt_request(request)))

    server = web.Application()
    server.router.add_post("/slack/events", events)
    runner, port = await serve_on_loopback(server)
    yield f"http://127.0.0.1:{port}/slack/events"
    await runner.cleanup()


async def _post(url: str, body: bytes, headers: dict[str, str]) -> tuple[int, str]:
    async with (
        aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5)) as session,
        session.post(url, data=body, headers=headers) as response,
    ):
        return response.status, await response.text()


async def test_a_signed_slash_command_is_acked_then_answered(
    slack: FakeSlack, events_url: str
) -> None:
    payload = slash_command("search H-1B since:7d", response_url=slack.new_response_url())
    status, _ = await _post(events_url, *signed_request(SECRET, payload))
    reply = await slack.wait_for(lambda p: p.path == "response_url")

    assert status == 200
    assert reply.body == {"text": "10 items for search H-1B since:7d", "response_type": "ephemeral"}


@pytest.mark.parametrize(
    "forge",
    [
        lambda payload: signed_request("not-the-secret", payload),
        lambda payload: signed_request(SECRET, payload, timestamp=int(time.time()) - 600),
    ],
    ids=["wrong-secret", "replayed-10-minutes-later"],
)
async def test_a_badly_signed_request_gets_401(
    slack: FakeSlack, events_url: str, forge: Any
) -> None:
    payload = slash_command("search H-1B", response_url=slack.new_response_url())
    status, _ = await _post(events_url, *forge(payload))

    assert status == 401
    assert slack.responses == []


async def test_a_signed_event_is_answered_and_url_verification_echoes(
    slack: FakeSlack, events_url: str
) -> None:
    body, headers = signed_request(SECRET, event_callback(app_mention("OPT", user=ADA)))
    assert headers["Content-Type"] == "application/json"
    status, _ = await _post(events_url, body, headers)
    posted = await slack.wait_for(lambda p: p.path == "chat.postMessage")
    challenge_status, echoed = await _post(
        events_url,
        *signed_request(
            SECRET, url_verification("3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P")
        ),
    )

    assert status == 200
    assert posted.body["text"] == "Searching OPT"
    assert posted.headers["Authorization"] == f"Bearer {BOT_TOKEN}"
    assert challenge_status == 200
    assert "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P" in echoed


async def test_tokens_are_checked_as_slack_does(slack: FakeSlack) -> None:
    bot = AsyncWebClient(token=BOT_TOKEN, base_url=slack.api)
    errors = {}
    for name, client, call in [
        ("unknown", AsyncWebClient(token="xoxb-nobody", base_url=slack.api), "auth_test"),
        ("missing", AsyncWebClient(base_url=slack.api), "auth_test"),
        ("bot token for sockets", bot, "apps_connections_open"),
    ]:
        with pytest.raises(SlackApiError) as refused:
            await getattr(client, call)(**({"app_token": BOT_TOKEN} if "sockets" in name else {}))
        errors[name] = refused.value.response["error"]
    identity = await bot.auth_test()
    slack.revoke(BOT_TOKEN)
    with pytest.raises(SlackApiError) as revoked:
        await bot.chat_postMessage(channel="C0DESK", text="Daily brief")

    assert errors == {
        "unknown": "invalid_auth",
        "missing": "not_authed",
        "bot token for sockets": "not_allowed_token_type",
    }
    assert identity["user_id"] == "U0BRIEFBOT"
    assert revoked.value.response["error"] == "token_revoked"
    assert slack.messages == []
    with pytest.raises(SlackApiError, match="socket_mode_not_started_in_fake"):
        await bot.apps_connections_open(app_token=APP_TOKEN)


async def test_ephemeral_posts_dms_and_user_lookups(slack: FakeSlack) -> None:
    bot = AsyncWebClient(token=BOT_TOKEN, base_url=slack.api)
    ephemeral = await bot.chat_postEphemeral(channel="C0DESK", user=BEN, text="Only you see this")
    opened = await bot.conversations_open(users=BEN)
    ada, ben = await bot.users_info(user=ADA), await bot.users_info(user=BEN)
    with pytest.raises(SlackApiError, match="user_not_found"):
        await bot.users_info(user="U0NOBODY")

    (posted,) = [p for p in slack.posted if p.path == "chat.postEphemeral"]
    assert ephemeral["message_ts"] == posted.id
    assert posted.body == {"channel": "C0DESK", "user": BEN, "text": "Only you see this"}
    assert opened["channel"]["id"] == "D0BEN"
    assert (ada["user"]["is_admin"], ben["user"]["is_admin"]) == (True, False)
