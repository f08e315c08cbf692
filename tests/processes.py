"""Running `talentbrief` as real processes, for the faults only a process has: SIGKILL, SIGTERM,
two commands at once. Small feeds and two-second leases keep each test to seconds."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path
from typing import Any

from tests.feed_server import FeedServer

COMMAND = [sys.executable, "-m", "bot.cli"]
PROXIES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy")
# A lease the tests can wait out: a killed process's claims lapse after this long.
LEASE_SECONDS = 2


def environment(database_url: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in PROXIES}
    env.pop("TALENTBRIEF_CONFIG", None)
    env.update({"TALENTBRIEF_DATABASE_URL": database_url, "PYTHONUNBUFFERED": "1", **extra})
    return env


@dataclass(frozen=True)
class Finished:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        assert self.code == 0, self.err
        return json.loads(self.out)


# Imports everything first, says it is ready, then waits for the barrier file: processes
# started this way run their command at the same moment, not a start-up time apart.
AT_ONCE = """
import pathlib, sys, time
import alembic.command, bot.cli, bot.core, bot.cli.db, bot.cli.feeds, storage.migrate
barrier = pathlib.Path(sys.argv[1])
barrier.with_name(barrier.name + f".ready{sys.argv[2]}").touch()
while not barrier.exists():
    time.sleep(0.002)
sys.exit(bot.cli.main(sys.argv[3:]))
"""


def start_together(
    commands: Sequence[Sequence[str]], env: Mapping[str, str], barrier: Path
) -> list[subprocess.Popen[str]]:
    """Start the commands as processes that all begin their work at the same moment."""
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", AT_ONCE, str(barrier), str(index), *args],
            env=dict(env),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for index, args in enumerate(commands)
    ]
    ready = [barrier.with_name(f"{barrier.name}.ready{i}") for i in range(len(commands))]
    wait_until(lambda: all(path.exists() for path in ready), what="the processes to be ready")
    barrier.touch()
    return processes


def start(args: Sequence[str], env: Mapping[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [*COMMAND, *args],
        env=dict(env),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish(process: subprocess.Popen[str], timeout: float = 120) -> Finished:
    out, err = process.communicate(timeout=timeout)
    return Finished(process.returncode, out, err)


def run(args: Sequence[str], env: Mapping[str, str], timeout: float = 120) -> Finished:
    return finish(start(args, env), timeout)


async def run_async(args: Sequence[str], env: Mapping[str, str], timeout: float = 120) -> Finished:
    """For tests whose fake chat server runs on the test's own event loop."""
    process = await start_async(args, env)
    out, err = await asyncio.wait_for(process.communicate(), timeout)
    assert process.returncode is not None
    return Finished(process.returncode, out.decode(), err.decode())


async def start_async(args: Sequence[str], env: Mapping[str, str]) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        *COMMAND,
        *args,
        env=dict(env),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


def wait_until(condition: Any, timeout: float = 60, what: str = "the condition") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        time.sleep(0.05)


def feed(slug: str, entries: int = 2) -> str:
    """A small RSS feed with `entries` items of its own."""
    published = format_datetime(datetime.now(UTC), usegmt=True)
    items = "".join(
        f"<item><title>{slug} notice {n}: visa processing for visiting researchers</title>"
        f"<link>https://{slug}.example/{n}</link><guid>{slug}-{n}</guid>"
        f"<pubDate>{published}</pubDate></item>"
        for n in range(entries)
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>{slug}</title><link>https://{slug}.example/</link>{items}</channel></rss>"
    )


def serve_feeds(server: FeedServer, count: int) -> list[str]:
    """`count` feeds on the local server; their URLs."""
    return [server.add(f"/feeds/{n}.xml", feed(f"desk{n}")) for n in range(count)]


def feed_paths(count: int) -> list[str]:
    return [f"/feeds/{n}.xml" for n in range(count)]


def sources_config(
    path: Path,
    urls: Sequence[str],
    *,
    channels: str = "",
    extra: str = "",
    lease: int = LEASE_SECONDS,
) -> str:
    """A config polling `urls` (loopback: a one-minute interval is fine) with short leases."""
    lines = [
        "[poll]",
        "concurrency = 64",
        "per_host = 64",
        "timeout = 60",
        "[leases]",
        f'sources = "{lease}s"',
        f'digests = "{lease}s"',
        extra,
    ]
    for index, url in enumerate(urls):
        lines += ["[[sources]]", f'name = "Desk {index}"', f"url = {json.dumps(url)}"]
        lines.append('interval = "1h"')
    path.write_text("\n".join(lines) + "\n" + channels, "utf-8")
    return str(path)
