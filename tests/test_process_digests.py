"""A `talentbrief run` killed or stopped while Slack holds a part it accepted: every part ends
up in the channel exactly once, with real processes and the fake Slack Web API."""

from __future__ import annotations

import asyncio
import signal
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import update

from storage.db import open_database
from storage.models import Source
from tests.corpus.digest import adversarial_items, distinct_title
from tests.digest_db import store
from tests.fake_slack_api import BOT_TOKEN, FakeSlack
from tests.processes import LEASE_SECONDS, environment, run_async, sources_config, start_async


def _prepare(
    database_url: str, tmp_path: Path, slack: FakeSlack, lease: int = LEASE_SECONDS
) -> tuple[str, dict[str, str]]:
    """120 fresh items (a digest of several messages) and a Slack channel due now."""
    now = datetime.now(UTC)
    items = [
        replace(
            item,
            title=distinct_title(n),
            summary="",
            first_seen_at=now - timedelta(minutes=30 + n),
            published_at=now - timedelta(hours=1, minutes=n),
        )
        for n, item in enumerate(adversarial_items(120))
    ]
    database = open_database(database_url)
    try:
        store(database, items)
        with database.session() as session:  # their made-up sources are not to be polled
            session.execute(update(Source).values(enabled=False))
    finally:
        database.dispose()
    channel = (
        '[[channels]]\nname = "desk"\nplatform = "slack"\ntarget = "C0123456789"\n'
        'schedule = "00:00"\ntimezone = "UTC"\nmax_items = 120\n'
    )
    extra = f'[slack]\napi_base_url = "{slack.api}"'
    config = sources_config(
        tmp_path / "talentbrief.toml", [], channels=channel, extra=extra, lease=lease
    )
    return config, environment(database_url, SLACK_BOT_TOKEN=BOT_TOKEN)


def _parts(slack: FakeSlack) -> list[tuple[str, int]]:
    return [
        (m.body["metadata"]["event_payload"]["run"], m.body["metadata"]["event_payload"]["part"])
        for m in slack.messages
    ]


async def test_a_run_killed_after_slack_accepted_a_part_resumes_without_reposting_it(
    database_url: str, tmp_path: Path, slack: FakeSlack
) -> None:
    lease = 8  # long enough for the next process to start while it still runs
    config, env = _prepare(database_url, tmp_path, slack, lease)
    slack.stall_calls = {2}  # Slack takes part 2 and never answers: the process is killed
    bot = await start_async(["--config", config, "run", "--once"], env)
    await slack.wait_for(lambda _: len(slack.messages) >= 2, timeout=60)
    bot.send_signal(signal.SIGKILL)
    await bot.wait()
    killed_at = time.monotonic()

    held = await run_async(["--config", config, "run", "--once"], env)
    assert held.code == 1  # within the lease: left to the (dead) holder, and said so
    assert "another talentbrief process is posting the digest" in held.err
    await asyncio.sleep(killed_at + lease + 0.5 - time.monotonic())  # the lease runs out

    resumed = await run_async(["--config", config, "run", "--once"], env)
    assert resumed.code == 0, resumed.err
    assert "finished posting the interrupted digest" in resumed.err
    assert "conversations.replies" in slack.requests  # part 2 was looked up in the thread
    parts = _parts(slack)
    assert len(parts) == len(set(parts)) >= 3
    assert [part for _, part in parts] == list(range(len(parts)))


async def test_sigterm_while_slack_holds_a_part_stops_at_once_and_releases_the_run(
    database_url: str, tmp_path: Path, slack: FakeSlack
) -> None:
    config, env = _prepare(database_url, tmp_path, slack)
    slack.stall_calls = {2}
    bot = await start_async(["--config", config, "run"], env)
    await slack.wait_for(lambda _: len(slack.messages) >= 2, timeout=60)
    bot.send_signal(signal.SIGTERM)
    _, err = await asyncio.wait_for(bot.communicate(), 20)  # the grace is a few seconds
    assert bot.returncode == 0, err.decode()
    assert b"Traceback" not in err, err.decode()

    # No lease to wait for: the stop gave the run back.
    resumed = await run_async(["--config", config, "run", "--once"], env)
    assert resumed.code == 0, resumed.err
    parts = _parts(slack)
    assert len(parts) == len(set(parts)) >= 3


async def test_run_once_exits_1_when_a_digest_it_owed_failed_and_says_why_in_one_line(
    database_url: str, tmp_path: Path, slack: FakeSlack
) -> None:
    config, env = _prepare(database_url, tmp_path, slack)
    slack.unavailable_next = 1  # a proxy's 503 page, nothing posted
    failed = await run_async(["--config", config, "run", "--once"], env)
    assert failed.code == 1
    [line] = [line for line in failed.err.splitlines() if "digest for desk" in line]
    assert "Slack failed part 1: HTTP 503" in line and "<html" not in failed.err
    resumed = await run_async(["--config", config, "run", "--once"], env)
    assert resumed.code == 0, resumed.err
    assert len(_parts(slack)) == len(set(_parts(slack))) >= 3
