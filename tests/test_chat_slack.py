"""Slack end to end: the real slack-bolt app of `talentbrief run` against the fake Slack Web API,
in HTTP mode (signed requests to /slack/events) and in Socket Mode, on both backends."""

from __future__ import annotations

import functools
import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from bot.chat.slack import SlackChat
from bot.commands.layer import CommandLayer
from bot.config import Config, SlackConfig
from bot.core import Talentbrief
from feeds.guard import AddressGuard
from storage.db import Database
from tests.corpus.recent import HOSTILE_TITLE, store_recent
from tests.fake_http import Posted
from tests.fake_slack_api import APP_TOKEN, BOT_TOKEN, FakeSlack
from tests.fake_slack_payloads import (
    ADA,
    BEN,
    app_mention,
    direct_message,
    event_callback,
    signed_request,
    slash_command,
)
from tests.fake_slack_socket import FakeSlackSocket
from tests.feed_server import FeedServer

SECRET = "0123456789abcdef0123456789abcdef"


def _core(database: Database, slack: FakeSlack, mode: str) -> Talentbrief:
    config = Config(slack=SlackConfig(mode=mode, host="127.0.0.1", port=0, api_base_url=slack.api))  # type: ignore[arg-type]
    env = {
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_APP_TOKEN": APP_TOKEN,
        "SLACK_SIGNING_SECRET": SECRET,
    }
    return Talentbrief(config, database=database, env=env)


@pytest.fixture
async def http_app(database: Database, slack: FakeSlack) -> AsyncIterator[str]:
    """The app in HTTP mode on a free port; the URL of its /slack/events."""
    store_recent(database)
    core = _core(database, slack, "http")
    chat = SlackChat(CommandLayer(core), core.config.slack, core.env)
    await chat.start()
    yield f"http://127.0.0.1:{chat.port}/slack/events"
    await chat.stop()


async def _post(url: str, payload: dict[str, Any], *, secret: str = SECRET) -> tuple[int, str]:
    body, headers = signed_request(secret, payload)
    async with (
        aiohttp.ClientSession() as session,
        session.post(url, data=body, headers=headers) as response,
    ):
        return response.status, await response.text()


def _answer_to(serial: str, posted: Posted) -> bool:
    return posted.path == "response_url" and posted.id == serial


def _text(posted: Any) -> str:
    return json.dumps(posted.body.get("blocks"), ensure_ascii=False)


async def test_a_signed_slash_command_is_answered_ephemerally_after_its_ack(
    http_app: str, slack: FakeSlack
) -> None:
    status, _ = await _post(
        http_app, slash_command("search H-1B since:7d", response_url=slack.new_response_url())
    )
    assert status == 200  # the ack, before the work
    reply = await slack.wait_for(lambda p: p.path == "response_url")
    assert reply.body["response_type"] == "ephemeral"
    blocks = _text(reply)
    assert "USCIS proposes new H-1B registration fee" in blocks
    assert "#1 · Federal Register: USCIS" in blocks
    assert slack.messages == []  # nothing went to the channel


async def test_answers_reuse_one_connection_to_slack(http_app: str, slack: FakeSlack) -> None:
    """Each answer over a fresh connection would cost a TLS handshake with Slack."""
    for _ in range(3):
        url = slack.new_response_url()
        await _post(http_app, slash_command("latest", response_url=url))
        serial = url.rsplit("/", 1)[1]
        await slack.wait_for(functools.partial(_answer_to, serial))
    assert len(slack.response_peers) == 3
    assert len(set(slack.response_peers)) == 1


async def test_a_bad_signature_gets_401_and_no_answer(http_app: str, slack: FakeSlack) -> None:
    status, _ = await _post(
        http_app,
        slash_command("search H-1B", response_url=slack.new_response_url()),
        secret="not-the-secret",
    )
    assert status == 401
    assert slack.responses == []


async def test_feed_text_pings_nobody(http_app: str, slack: FakeSlack) -> None:
    await _post(
        http_app, slash_command("share search H-1B rule", response_url=slack.new_response_url())
    )
    reply = await slack.wait_for(lambda p: p.path == "response_url")
    assert reply.body["response_type"] == "in_channel"  # `share` posts it for everyone
    blocks = _text(reply)
    assert "evil.example" in blocks and HOSTILE_TITLE not in blocks
    for ping in ("<!channel>", "<!here>", "<@U0ADA>", "<!everyone>"):
        assert ping not in blocks
    assert all(len(block.get("text", {}).get("text", "")) <= 3000 for block in reply.body["blocks"])
    assert len(reply.body["blocks"]) <= 50


async def test_mentions_and_direct_messages_are_searches(http_app: str, slack: FakeSlack) -> None:
    status, _ = await _post(http_app, event_callback(app_mention("Westlake")))
    assert status == 200
    private = await slack.wait_for(lambda p: p.path == "chat.postEphemeral")
    assert private.body["user"] == BEN and "Westlake" in _text(private)
    await _post(http_app, event_callback(direct_message("O-1 visas", user=ADA)))
    dm = await slack.wait_for(lambda p: p.path == "chat.postMessage")
    assert dm.body["channel"] == "D0ADA" and "O-1 visas" in _text(dm)


async def test_admin_commands_need_an_admin(http_app: str, slack: FakeSlack) -> None:
    await _post(
        http_app,
        slash_command(
            "feeds add https://example.org/feed.xml",
            user_id=BEN,
            response_url=slack.new_response_url(),
        ),
    )
    refused = await slack.wait_for(lambda p: p.path == "response_url")
    assert "is for admins" in _text(refused)
    assert ("users.info", BOT_TOKEN) in slack.authorizations  # Ben is not a workspace admin


async def test_a_loopback_feed_from_chat_is_refused_even_for_an_admin(
    http_app: str, slack: FakeSlack, feed_server: FeedServer
) -> None:
    url = feed_server.add(
        "/feed.xml", "<rss version='2.0'><channel><title>x</title></channel></rss>"
    )
    await _post(
        http_app,
        slash_command(f"feeds add {url}", user_id=ADA, response_url=slack.new_response_url()),
    )
    refused = await slack.wait_for(lambda p: p.path == "response_url")
    assert "refused to connect to 127.0.0.1" in _text(refused) and "loopback" in _text(refused)
    assert feed_server.hits["/feed.xml"] == 0


async def test_an_admin_adds_a_public_feed_through_the_guard(
    database: Database, slack: FakeSlack, feed_server: FeedServer
) -> None:
    """With the guard told to allow the test server's network (as an operator may for a
    feed on their own network), the same command adds the feed after checking it."""
    core = _core(database, slack, "http")
    core.guard = AddressGuard(allow=["127.0.0.0/8"])
    url = feed_server.add(
        "/feed.xml", "<rss version='2.0'><channel><title>Desk</title></channel></rss>"
    )
    layer = CommandLayer(core)
    from bot.commands.model import Caller

    reply = await layer.run_text(
        Caller("slack", ADA, "C0DESK", admin=True), f"feeds add {url} visa-policy"
    )
    assert not reply.error, reply
    [status] = [s for s in await core.sources() if s.url == url]
    assert status.origin == "chat"


async def test_socket_mode_acks_each_envelope_in_time_and_answers(
    database: Database, slack: FakeSlack
) -> None:
    store_recent(database)
    socket: FakeSlackSocket = await slack.start_socket_mode()
    core = _core(database, slack, "socket")
    chat = SlackChat(CommandLayer(core), core.config.slack, core.env)
    await chat.start()
    try:
        await socket.wait_connected()
        envelope = await socket.send_slash_command("search H-1B since:7d", user_id=ADA)
        await socket.wait_ack(envelope)  # fails unless acknowledged within 3 s
        reply = await slack.wait_for(lambda p: p.path == "response_url")
        assert "USCIS proposes new H-1B registration fee" in _text(reply)
        mention = await socket.send_event(app_mention("returnees Westlake"))
        await socket.wait_ack(mention)
        await slack.wait_for(lambda p: p.path == "chat.postEphemeral")
    finally:
        await chat.stop()


async def test_subscribe_list_and_unsubscribe_from_slack(http_app: str, slack: FakeSlack) -> None:
    async def say(text: str) -> str:
        before = len(slack.responses)
        payload = slash_command(text, user_id=ADA, response_url=slack.new_response_url())
        await _post(http_app, payload)
        await slack.wait_for(lambda _: len(slack.responses) > before)
        return _text(slack.responses[-1])

    assert "Subscribed (#1)" in await say("subscribe tag:visa-policy alert:yes dm")
    assert "tag:visa is not a topic" in await say("subscribe tag:visa")
    listed = await say("subscriptions")
    assert "#1 tag:visa-policy alert:yes" in listed and "to your direct messages" in listed
    assert "Unsubscribed (#1)" in await say("unsubscribe 1")
    assert "No subscriptions" in await say("subscriptions")
