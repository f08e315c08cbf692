"""The fake Discord gateway and REST API at the wire: encodings, refusals, interaction rules."""

from __future__ import annotations

import json
import zlib
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from tests.fake_discord_api import FakeDiscord
from tests.fake_discord_gateway import FakeDiscordGateway
from tests.fake_discord_world import (
    GUILD_ID,
    GUILD_MESSAGES,
    GUILDS,
    MESSAGE_CONTENT,
    TOKEN,
    subcommand,
)

SYNC_FLUSH = b"\x00\x00\xff\xff"


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    server = await FakeDiscord().start()
    await server.start_gateway()
    yield server
    await server.stop()


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5)) as session:
        yield session


def _gateway(fake: FakeDiscord) -> FakeDiscordGateway:
    assert fake.gateway is not None
    return fake.gateway


def _identify(intents: int, token: str = TOKEN) -> str:
    properties = {"os": "linux", "browser": "test", "device": "test"}
    return json.dumps(
        {"op": 2, "d": {"token": token, "intents": intents, "properties": properties}}
    )


async def test_zlib_stream_is_one_stream_with_a_sync_flush_per_payload(
    fake: FakeDiscord, http: aiohttp.ClientSession
) -> None:
    url = _gateway(fake).url + "?v=10&encoding=json&compress=zlib-stream"
    inflate = zlib.decompressobj()
    received: list[dict[str, Any]] = []
    async with http.ws_connect(url) as ws:

        async def receive() -> dict[str, Any]:
            frame = await ws.receive_bytes()
            assert frame.endswith(SYNC_FLUSH)
            payload: dict[str, Any] = json.loads(inflate.decompress(frame))
            received.append(payload)
            return payload

        hello = await receive()
        await ws.send_str(_identify(GUILDS))
        ready, guild = await receive(), await receive()
        await ws.send_str(json.dumps({"op": 1, "d": guild["s"]}))
        ack = await receive()

    assert hello["op"] == 10
    assert hello["d"]["heartbeat_interval"] == 41_250
    assert (ready["t"], ready["s"], ready["d"]["session_id"]) == ("READY", 1, "fake-session-1")
    assert ready["d"]["resume_gateway_url"].endswith("/resume")
    assert (guild["t"], guild["d"]["id"]) == ("GUILD_CREATE", str(GUILD_ID))
    assert ack["op"] == 11
    assert _gateway(fake).heartbeats == 1


async def test_zstd_stream_when_a_zstd_module_is_installed(
    fake: FakeDiscord, http: aiohttp.ClientSession
) -> None:
    zstandard = pytest.importorskip("zstandard")
    url = _gateway(fake).url + "?v=10&encoding=json&compress=zstd-stream"
    stream = zstandard.ZstdDecompressor().decompressobj()
    async with http.ws_connect(url) as ws:
        hello = json.loads(stream.decompress(await ws.receive_bytes()))
        await ws.send_str(_identify(GUILDS))
        ready = json.loads(stream.decompress(await ws.receive_bytes()))
    assert (hello["op"], ready["t"]) == (10, "READY")


async def test_plain_json_and_a_revoked_token_is_closed_with_4004(
    fake: FakeDiscord, http: aiohttp.ClientSession
) -> None:
    fake.revoke(TOKEN)
    async with http.ws_connect(_gateway(fake).url + "?v=10&encoding=json") as ws:
        hello = json.loads(await ws.receive_str())
        await ws.send_str(_identify(GUILDS))
        closing = await ws.receive()
    assert hello["op"] == 10
    assert closing.type == aiohttp.WSMsgType.CLOSE
    assert closing.data == 4004
    async with http.get(f"{fake.api}/users/@me", headers={"Authorization": f"Bot {TOKEN}"}) as r:
        assert r.status == 401
        assert r.headers["Content-Type"] == "application/json"


async def test_privileged_intents_the_app_lacks_are_closed_with_4014(
    fake: FakeDiscord, http: aiohttp.ClientSession
) -> None:
    _gateway(fake).allowed_intents = 0
    async with http.ws_connect(_gateway(fake).url + "?v=10&encoding=json") as ws:
        await ws.receive_str()
        await ws.send_str(_identify(GUILDS | MESSAGE_CONTENT))
        closing = await ws.receive()
    assert closing.data == 4014


async def test_an_encoding_the_fake_does_not_speak_is_refused(
    fake: FakeDiscord, http: aiohttp.ClientSession
) -> None:
    with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
        await http.ws_connect(_gateway(fake).url + "?v=10&encoding=etf")
    assert refused.value.status == 400


async def test_messages_follow_the_sessions_intents(
    fake: FakeDiscord, http: aiohttp.ClientSession
) -> None:
    gateway = _gateway(fake)
    async with http.ws_connect(gateway.url + "?v=10&encoding=json") as ws:
        await ws.receive_str()
        await ws.send_str(_identify(GUILDS))
        await gateway.wait_ready()
        assert await gateway.push_message("no GUILD_MESSAGES intent") is None

    async with http.ws_connect(gateway.url + "?v=10&encoding=json") as ws:
        await ws.receive_str()
        await ws.send_str(_identify(GUILDS | GUILD_MESSAGES))
        await gateway.wait_ready(2)
        mention = await gateway.push_message("H-1B")
        plain = await gateway.push_message("lunch?", mention_bot=False)

    assert mention is not None
    assert plain is not None
    assert mention["content"] == f"<@{fake.world.bot.id}> H-1B"
    assert mention["mentions"][0]["id"] == str(fake.world.bot.id)
    assert plain["content"] == ""  # no Message Content intent, no mention


async def test_interactions_are_answered_once_in_time_and_only_when_synced(
    fake: FakeDiscord, http: aiohttp.ClientSession
) -> None:
    gateway = _gateway(fake)
    with pytest.raises(LookupError, match="'brief'"):
        await gateway.push_command("brief", subcommand("search", query="H-1B"))

    headers = {"Authorization": f"Bot {TOKEN}"}
    commands = f"{fake.api}/applications/{fake.world.application_id}/guilds/{GUILD_ID}/commands"
    command = {"name": "brief", "description": "Briefings", "type": 1}
    async with http.put(commands, json=[command], headers=headers) as response:
        (synced,) = await response.json()
    async with http.ws_connect(gateway.url + "?v=10&encoding=json") as ws:
        await ws.receive_str()
        await ws.send_str(_identify(GUILDS))
        await gateway.wait_ready()
        first = await gateway.push_command("brief", subcommand("search", query="H-1B"))
        fake.interaction_deadline = 0.0
        late = await gateway.push_command("brief", subcommand("search", query="OPT"))

    assert first["data"]["id"] == synced["id"]
    assert first["data"]["guild_id"] == str(GUILD_ID)
    assert first["member"]["permissions"] == str(
        fake.world.permissions(fake.world.guilds[0], fake.world.users["ben"])
    )
    reply = {"type": 4, "data": {"content": "10 items", "flags": 64}}
    fake.interaction_deadline = 3.0
    url = f"{fake.api}/interactions/{first['id']}/{first['token']}/callback?with_response=1"
    answers = []
    for _ in range(2):
        async with http.post(url, json=reply) as response:
            answers.append((response.status, await response.json()))
    fake.interaction_deadline = 0.0
    late_url = f"{fake.api}/interactions/{late['id']}/{late['token']}/callback"
    async with http.post(late_url, json=reply) as response:
        answers.append((response.status, await response.json()))

    (ok, created), (twice, again), (too_late, unknown) = answers
    assert ok == 200
    assert created["resource"]["message"]["content"] == "10 items"
    assert created["interaction"]["response_message_ephemeral"] is True
    assert (twice, again["code"]) == (400, 40060)
    assert (too_late, unknown["code"]) == (404, 10062)
    assert [p.path for p in fake.posted if "callback" in p.path] == [
        f"interactions/{first['id']}/callback"
    ]


async def test_a_dm_channel_is_opened_for_a_known_user(
    fake: FakeDiscord, http: aiohttp.ClientSession
) -> None:
    headers = {"Authorization": f"Bot {TOKEN}"}
    ben = fake.world.users["ben"]
    async with http.post(
        f"{fake.api}/users/@me/channels", json={"recipient_id": str(ben.id)}, headers=headers
    ) as response:
        channel = await response.json()
    async with http.post(
        f"{fake.api}/users/@me/channels", json={"recipient_id": "42"}, headers=headers
    ) as response:
        unknown = response.status
    assert channel["type"] == 1
    assert channel["recipients"][0]["username"] == "ben"
    assert unknown == 400
