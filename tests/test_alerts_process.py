"""Alerts with `talentbrief run` as a real process: a matching item on a feed reaches the fake
Slack API within a poll interval, once; a SIGKILL while deliveries wait or are in flight loses
none and doubles none after a restart. On both backends."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

from tests.cli import write_config
from tests.fake_slack_api import BOT_TOKEN, FakeSlack
from tests.feed_server import FeedServer

INTERVAL = 2


def _feed(count: int) -> str:
    published = format_datetime(datetime.now(UTC) - timedelta(minutes=5), usegmt=True)
    items = "".join(
        f"<item><title>State Department notice {n} on J-1 scholar visas</title>"
        f"<guid>notice-{n}</guid><pubDate>{published}</pubDate></item>"
        for n in range(count)
    )
    head = '<?xml version="1.0"?><rss version="2.0"><channel><title>State</title>'
    return f"{head}{items}</channel></rss>"


def _config(tmp_path: Path, database_url: str, feed_url: str, slack: FakeSlack) -> Path:
    return write_config(
        tmp_path / "talentbrief.toml",
        storage=database_url,
        sources=[{"name": "State", "url": feed_url, "interval": f"{INTERVAL}s"}],
        extra=(
            f'\n[slack]\napi_base_url = "{slack.api}"\n'
            # Each item its own message; a killed dispatcher's claims come back in seconds.
            '\n[alerts]\nflood_threshold = 1000\nlease = "3s"\nretry_after = "1s"\n'
        ),
    )


async def _run(config: Path, tmp_path: Path, log_name: str) -> asyncio.subprocess.Process:
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    env.pop("TALENTBRIEF_DATABASE_URL", None)
    env["SLACK_BOT_TOKEN"] = BOT_TOKEN
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", "--config", str(config), "run",
        env=env, cwd=tmp_path, stdout=asyncio.subprocess.DEVNULL,
        stderr=(tmp_path / log_name).open("wb"),
    )  # fmt: skip


async def _subscribe(config: Path, tmp_path: Path) -> None:
    """An operator subscribes the desk channel from the command line."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", "--config", str(config),
        "subscriptions", "add", "J-1", "--to", "slack:C0DESK",
        cwd=tmp_path, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await process.communicate()
    assert process.returncode == 0, err.decode()
    assert b"Subscription #1" in out


async def _wait(condition: object, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        await asyncio.sleep(0.1)


def _titles(slack: FakeSlack) -> Counter[str]:
    return Counter(str(p.body.get("text")) for p in slack.messages)


async def test_an_alert_arrives_within_a_poll_interval_once(
    database_url: str,
    feed_server: FeedServer,
    slack: FakeSlack,
    tmp_path: Path,
) -> None:
    url = feed_server.add("/state.xml", _feed(1))
    config = _config(tmp_path, database_url, url, slack)
    await _subscribe(config, tmp_path)
    process = await _run(config, tmp_path, "run.log")
    try:
        await _wait(lambda: feed_server.hits["/state.xml"] >= 1, 30)  # first poll: archived
        await asyncio.sleep(1)
        feed_server.add("/state.xml", _feed(2))
        published = time.monotonic()
        await _wait(lambda: len(slack.messages) >= 1, 20)
        arrived = time.monotonic() - published
        await asyncio.sleep(INTERVAL + 1)  # another poll: nothing new, nothing again
    finally:
        process.send_signal(signal.SIGTERM)
        await asyncio.wait_for(process.wait(), 15)
    assert len(slack.messages) == 1
    assert "State Department notice 1 on J-1 scholar visas" in str(slack.messages[0].body["text"])
    assert arrived <= 2 * INTERVAL + 4  # a poll interval and the dispatcher's second, with room


async def test_sigkill_while_alerts_wait_or_fly_loses_none_and_doubles_none(
    database_url: str,
    feed_server: FeedServer,
    slack: FakeSlack,
    tmp_path: Path,
) -> None:
    url = feed_server.add("/state.xml", _feed(1))
    config = _config(tmp_path, database_url, url, slack)
    await _subscribe(config, tmp_path)
    first = await _run(config, tmp_path, "first.log")
    await _wait(lambda: feed_server.hits["/state.xml"] >= 1, 30)
    feed_server.add("/state.xml", _feed(7))  # six new notices: paced about one a second
    await _wait(lambda: len(slack.messages) >= 2, 20)
    slack.drop_next = 1  # the next one is accepted by Slack, then its connection dies…
    await _wait(lambda: len(slack.messages) >= 3, 10)
    first.kill()  # …and the process is killed before it can record anything more
    await first.wait()
    assert first.returncode == -signal.SIGKILL
    second = await _run(config, tmp_path, "second.log")
    try:
        await _wait(lambda: len(_titles(slack)) >= 6, 60)
        await asyncio.sleep(1.5)  # time for any duplicate to show up
    finally:
        second.send_signal(signal.SIGTERM)
        await asyncio.wait_for(second.wait(), 15)
    titles = _titles(slack)
    assert len(titles) == 6, titles  # none lost
    assert set(titles.values()) == {1}, titles  # none doubled
