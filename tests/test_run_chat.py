"""`talentbrief run` as a real process with both chat clients against the fakes: it answers on
Slack and Discord, survives a dropped connection and a platform that cannot log in, and stops
within five seconds of SIGTERM."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from discord.http import Route

from tests.cli import write_config
from tests.fake_discord_api import FakeDiscord
from tests.fake_discord_world import GUILD_ID, TOKEN, subcommand
from tests.fake_slack_api import APP_TOKEN, BOT_TOKEN, FakeSlack

STOP_WITHIN = 5.0


@pytest.fixture
async def slack() -> AsyncIterator[FakeSlack]:
    server = await FakeSlack().start()
    await server.start_socket_mode()
    yield server
    await server.stop()


@pytest.fixture
async def discord_api() -> AsyncIterator[FakeDiscord]:
    server = await FakeDiscord().start()
    await server.start_gateway()
    yield server
    await server.stop()


def _config(tmp_path: Path, slack: FakeSlack, discord_api: FakeDiscord) -> Path:
    return write_config(
        tmp_path / "talentbrief.toml",
        storage=f"sqlite:///{tmp_path / 'tb.db'}",
        channels=[{"name": "terminal", "platform": "console", "schedule": "00:00"}],
        extra=(
            f'\n[slack]\nmode = "socket"\napi_base_url = "{slack.api}"\n'
            f'\n[discord]\napi_base_url = "{discord_api.api}"\nguilds = [{GUILD_ID}]\n'
        ),
    )


async def _start(config: Path, tmp_path: Path) -> asyncio.subprocess.Process:
    env = {
        key: value
        for key, value in os.environ.items()
        if key.lower() not in ("http_proxy", "https_proxy", "all_proxy")
        and not key.startswith("TALENTBRIEF_")
    }
    env.update(SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_APP_TOKEN=APP_TOKEN, DISCORD_TOKEN=TOKEN)
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.cli",
        "--config",
        str(config),
        "run",
        env=env,
        cwd=tmp_path,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=(tmp_path / "run.log").open("wb"),
    )


async def _stop(process: asyncio.subprocess.Process) -> float:
    started = time.monotonic()
    process.send_signal(signal.SIGTERM)
    await asyncio.wait_for(process.wait(), 15)
    return time.monotonic() - started


async def test_run_answers_on_both_platforms_reconnects_and_stops_in_time(
    tmp_path: Path, slack: FakeSlack, discord_api: FakeDiscord
) -> None:
    assert slack.socket_mode is not None and discord_api.gateway is not None
    process = await _start(_config(tmp_path, slack, discord_api), tmp_path)
    log = tmp_path / "run.log"
    try:
        await slack.socket_mode.wait_connected(timeout=20)
        await discord_api.gateway.wait_ready(timeout=20)
        await discord_api.wait_for(lambda p: p.path == f"commands/{GUILD_ID}", timeout=10)

        envelope = await slack.socket_mode.send_slash_command("topics")
        await slack.socket_mode.wait_ack(envelope)
        answer = await slack.wait_for(lambda p: p.path == "response_url", timeout=10)
        assert "visa-policy" in str(answer.body)

        interaction = await discord_api.gateway.push_command("brief", subcommand("topics"))
        await discord_api.wait_for(lambda _: len(discord_api.replies(interaction)) >= 2, timeout=10)
        assert "visa-policy" in str(discord_api.replies(interaction)[-1].body)

        await slack.socket_mode.drop("abort")  # the connection dies: the client comes back
        await slack.socket_mode.wait_connected(2, timeout=20)
        again = await slack.socket_mode.send_slash_command("help")
        await slack.socket_mode.wait_ack(again)
    finally:
        took = await _stop(process)
    assert process.returncode == 0, log.read_text()
    assert took < STOP_WITHIN, f"took {took:.1f} s to stop"
    assert "Traceback" not in log.read_text()


async def test_one_platform_down_leaves_the_other_answering(
    tmp_path: Path, slack: FakeSlack, discord_api: FakeDiscord
) -> None:
    assert slack.socket_mode is not None
    discord_api.revoke(TOKEN)  # Discord refuses to log in
    process = await _start(_config(tmp_path, slack, discord_api), tmp_path)
    try:
        await slack.socket_mode.wait_connected(timeout=20)
        envelope = await slack.socket_mode.send_slash_command("topics")
        await slack.socket_mode.wait_ack(envelope)
        await slack.wait_for(lambda p: p.path == "response_url", timeout=10)
        assert process.returncode is None  # still running
    finally:
        took = await _stop(process)
    log = (tmp_path / "run.log").read_text()
    assert process.returncode == 0
    assert took < STOP_WITHIN
    assert (
        "Discord: the login was refused: check DISCORD_TOKEN (revoked, or not a bot token)" in log
    )
    assert "Traceback" not in log  # an expected refusal is one line, not a stack
    assert Route.BASE == "https://discord.com/api/v10"  # the test process was not repointed
