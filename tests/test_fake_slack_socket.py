"""slack-bolt's AsyncApp in Socket Mode (slack_sdk's aiohttp client) against the fake Slack."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from tests.fake_slack_api import APP_TOKEN, BOT_TOKEN, FakeSlack
from tests.fake_slack_payloads import ADA, BOT_USER_ID, app_mention, direct_message
from tests.fake_slack_socket import FakeSlackSocket

PING_INTERVAL = 0.1  # seconds; slack_sdk notices a dead connection within a few of these


@pytest.fixture
async def socket(slack: FakeSlack) -> FakeSlackSocket:
    return await slack.start_socket_mode()


def briefing_app(slack: FakeSlack) -> AsyncApp:
    """A minimal app: `/brief` answers ephemerally after its ack; mentions and DMs get a post."""
    app = AsyncApp(client=AsyncWebClient(token=BOT_TOKEN, base_url=slack.api))

    @app.command("/brief")
    async def brief(ack: Any, respond: Any, command: dict[str, str]) -> None:
        await ack()
        await respond(text=f"10 items for {command['text']}", response_type="ephemeral")

    @app.event("app_mention")
    async def mention(event: dict[str, str], say: Any) -> None:
        await say(text=f"Searching {event['text'].split('>', 1)[1].strip()}")

    @app.event("message")
    async def direct(event: dict[str, str], say: Any) -> None:
        if event.get("channel_type") == "im":
            await say(text=f"Searching {event['text']}")

    return app


@pytest.fixture
async def handler(
    slack: FakeSlack, socket: FakeSlackSocket
) -> AsyncIterator[AsyncSocketModeHandler]:
    handler = AsyncSocketModeHandler(briefing_app(slack), APP_TOKEN, ping_interval=PING_INTERVAL)
    await handler.connect_async()  # type: ignore[no-untyped-call]
    await socket.wait_connected()
    yield handler
    await handler.close_async()  # type: ignore[no-untyped-call]


async def test_a_slash_command_is_acked_by_envelope_id_and_answered_on_its_response_url(
    slack: FakeSlack, socket: FakeSlackSocket, handler: AsyncSocketModeHandler
) -> None:
    envelope_id = await socket.send_slash_command("search H-1B since:7d", user_id=ADA)
    ack = await socket.wait_ack(envelope_id)  # fails unless acked within Slack's 3 s
    reply = await slack.wait_for(lambda p: p.path == "response_url")

    assert ack.connection == 0
    assert ack.payload is None  # a bare ack()
    sent = socket.envelopes[0].body
    assert reply.body == {"text": "10 items for search H-1B since:7d", "response_type": "ephemeral"}
    assert f"{slack.base}/response/{reply.id}" == sent["payload"]["response_url"]
    assert ("apps.connections.open", APP_TOKEN) in slack.authorizations
    assert ("auth.test", BOT_TOKEN) in slack.authorizations
    assert slack.messages == []  # nothing went to the channel


async def test_a_mention_and_a_direct_message_are_acked_and_answered(
    slack: FakeSlack, socket: FakeSlackSocket, handler: AsyncSocketModeHandler
) -> None:
    mention = await socket.send_event(app_mention("H-1B since:7d"))
    await socket.wait_ack(mention)
    posted = await slack.wait_for(lambda p: p.path == "chat.postMessage")
    dm = await socket.send_event(direct_message("OPT extension", user=ADA))
    await socket.wait_ack(dm)
    replied = await slack.wait_for(lambda p: p.body.get("channel") == "D0ADA")

    assert socket.envelopes[0].body["payload"]["event"]["text"] == f"<@{BOT_USER_ID}> H-1B since:7d"
    assert posted.body["text"] == "Searching H-1B since:7d"
    assert posted.body["channel"] == "C0DESK"
    assert replied.body["text"] == "Searching OPT extension"


@pytest.mark.parametrize("how", ["close", "abort", "refresh"])
async def test_a_dropped_connection_reconnects_and_keeps_acking(
    how: str, slack: FakeSlack, socket: FakeSlackSocket, handler: AsyncSocketModeHandler
) -> None:
    await socket.drop(how)  # type: ignore[arg-type]
    second = await socket.wait_connected(2)
    envelope_id = await socket.send_slash_command("topics")
    ack = await socket.wait_ack(envelope_id)

    assert second >= 1
    assert ack.connection == second
    assert slack.requests.count("apps.connections.open") >= 2
    assert socket.refused_tickets == []  # each connection used a fresh URL


async def test_unanswered_pings_make_the_client_reconnect(
    socket: FakeSlackSocket, handler: AsyncSocketModeHandler
) -> None:
    await socket.wait_connected()
    socket.answer_pings = False
    await socket.wait_connected(2)
    socket.answer_pings = True
    envelope_id = await socket.send_slash_command("help")
    await socket.wait_ack(envelope_id)

    assert socket.pings > 0
    assert 0 not in socket.open_connections


async def test_a_command_without_a_listener_is_never_acked(
    socket: FakeSlackSocket, handler: AsyncSocketModeHandler
) -> None:
    # bolt answers 404 inside and sends no ack at all: Slack would show the user an error.
    envelope_id = await socket.send_slash_command("search H-1B", command="/other")
    with pytest.raises(AssertionError, match=r"not acknowledged within 0\.5 s"):
        await socket.wait_ack(envelope_id, deadline=0.5)
