"""bench/alerts: how fast a policy alert reaches its subscriber, and how fast the outbox drains.

Two measurements, each with the fake Slack Web API from tests/ in a process of its own:

- latency: a real `talentbrief run` polls a local feed every 5 s; one matching item at a time
  is published at a random moment and the time until the fake records the alert is taken
  (target: median ≤ interval + 1 s);
- throughput: 10,000 pending deliveries (one item for 10,000 subscriptions, each to its own
  channel, so the one-message-a-second pacing per channel does not bind) drained by one
  dispatcher; messages per second.

Matching throughput (5,000 items × 1,000 subscriptions) is bench/alerts_match.py.

    .venv/bin/python -m bench.alerts                      # both, SQLite
    .venv/bin/python -m bench.alerts --only latency --publications 12
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import aiohttp
from aiohttp import web

from tests.fake_slack_api import BOT_TOKEN, FakeSlack
from tests.loopback import serve_on_loopback

INTERVAL = 5


# --- the fake Slack API, in a process of its own ---------------------------------------------


async def serve_fake(port_file: Path) -> None:
    slack = FakeSlack()

    async def count(_request: web.Request) -> web.Response:
        return web.json_response(
            {"messages": len(slack.messages), "at": [p.id for p in slack.messages][-1:]}
        )

    slack.app.router.add_get("/bench/count", count)
    await slack.start()
    port_file.write_text(slack.base, "utf-8")
    await asyncio.Event().wait()


async def start_fake(folder: Path) -> tuple[asyncio.subprocess.Process, str]:
    port_file = folder / "fake.url"
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bench.alerts", "--serve-fake", str(port_file),
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    for _ in range(200):
        if port_file.exists() and port_file.read_text("utf-8"):
            return process, port_file.read_text("utf-8")
        await asyncio.sleep(0.05)
    process.kill()
    raise SystemExit("the fake Slack API did not start")


async def posted(session: aiohttp.ClientSession, base: str) -> int:
    async with session.get(f"{base}/bench/count") as response:
        return int((await response.json())["messages"])


# --- latency: publish → posted under `talentbrief run` ----------------------------------------


class Feed:
    """A local feed that gains one item per publication."""

    def __init__(self) -> None:
        self.items: list[str] = []
        self.runner: web.AppRunner | None = None
        self.url = ""

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/feed.xml", self.serve)
        self.runner, port = await serve_on_loopback(app)
        self.url = f"http://127.0.0.1:{port}/feed.xml"

    async def serve(self, _request: web.Request) -> web.Response:
        published = format_datetime(datetime.now(UTC) - timedelta(minutes=1), usegmt=True)
        items = "".join(
            f"<item><title>{title}</title><guid>{n}</guid><pubDate>{published}</pubDate></item>"
            for n, title in enumerate(self.items)
        )
        body = f'<?xml version="1.0"?><rss version="2.0"><channel><title>Desk</title>{items}'
        return web.Response(text=body + "</channel></rss>", content_type="application/rss+xml")


async def latency(folder: Path, publications: int, database_url: str) -> list[float]:
    fake, base = await start_fake(folder)
    feed = Feed()
    feed.items.append("USCIS opens its new contact centre")  # the first poll only archives
    await feed.start()
    config = folder / "bench-alerts.toml"
    config.write_text(
        f'[storage]\nurl = "{database_url}"\n'
        f'[[sources]]\nname = "Desk"\nurl = "{feed.url}"\ninterval = "{INTERVAL}s"\n'
        f'[slack]\napi_base_url = "{base}/api/"\n[alerts]\nflood_threshold = 1000\n',
        "utf-8",
    )
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    env.pop("TALENTBRIEF_DATABASE_URL", None)
    env["SLACK_BOT_TOKEN"] = BOT_TOKEN
    cli = [sys.executable, "-m", "bot.cli", "--config", str(config)]
    add = await asyncio.create_subprocess_exec(
        *cli, "subscriptions", "add", "H-1B", "--to", "slack:C0DESK", env=env,
        stdout=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    await add.wait()
    bot = await asyncio.create_subprocess_exec(
        *cli, "run", env=env, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL
    )
    samples: list[float] = []
    rng = random.Random(7)
    try:
        async with aiohttp.ClientSession() as session:
            await asyncio.sleep(INTERVAL + 2)  # the first poll has archived the first item
            for number in range(publications):
                await asyncio.sleep(rng.uniform(0, INTERVAL))
                before = await posted(session, base)
                feed.items.append(f"USCIS notice {number} on the H-1B registration fee")
                started = time.perf_counter()
                while await posted(session, base) == before:
                    await asyncio.sleep(0.05)
                samples.append(time.perf_counter() - started)
    finally:
        bot.terminate()
        await bot.wait()
        fake.kill()
        await fake.wait()
        assert feed.runner is not None
        await feed.runner.cleanup()
    return samples


# --- throughput: 10,000 pending deliveries ---------------------------------------------------


def _fill(database_url: str, deliveries: int) -> None:
    """One stored item and `deliveries` subscriptions matching it, each to its own channel
    (inserted in one statement: what is measured is the dispatcher, not subscribing)."""
    from sqlalchemy import insert

    from storage.db import open_database
    from storage.items import store_items
    from storage.models import Subscription
    from storage.outbox import enqueue_matches
    from storage.sources import SourceSpec, add_source
    from storage.types import NewItem

    database = open_database(database_url)
    now = datetime.now(UTC)
    rows = [
        {
            "owner_platform": "cli",
            "owner_id": f"bench{number}",
            "target_kind": "channel",
            "target_platform": "slack",
            "target_id": f"C{number:08d}",
            "query": "visa",
            "enabled": True,
            "created_at": now,
        }
        for number in range(deliveries)
    ]
    with database.session() as session:
        session.execute(insert(Subscription), rows)
        source = add_source(session, SourceSpec(name="Bench", url="https://bench.example/feed"))
        item = NewItem(
            key="bench-1", title="State Department pauses visa interviews", published_at=now
        )
        result = store_items(session, source.id, [item])
        enqueue_matches(session, result.new_ids, now=now)
    database.dispose()


async def throughput(folder: Path, deliveries: int, database_url: str) -> tuple[float, int]:
    from bot.alerts.dispatcher import Dispatcher
    from bot.config import AlertsConfig, Config, SlackConfig
    from bot.core import Talentbrief
    from storage.db import open_database

    fake, base = await start_fake(folder)
    started_fill = time.perf_counter()
    await asyncio.to_thread(_fill, database_url, deliveries)
    print(
        f"filled {deliveries:,} deliveries in {time.perf_counter() - started_fill:.0f} s",
        file=sys.stderr,
    )
    database = open_database(database_url)
    config = Config(slack=SlackConfig(api_base_url=f"{base}/api/"), alerts=AlertsConfig())
    core = Talentbrief(config, database=database, env={"SLACK_BOT_TOKEN": BOT_TOKEN})
    dispatcher = Dispatcher(core, limit=100)
    try:
        async with aiohttp.ClientSession() as session:
            started = time.perf_counter()
            while await posted(session, base) < deliveries:
                await dispatcher.dispatch_once()
            seconds = time.perf_counter() - started
            total = await posted(session, base)
    finally:
        fake.kill()
        await fake.wait()
        database.dispose()
    return seconds, total


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=["latency", "throughput"])
    parser.add_argument("--publications", type=int, default=12)
    parser.add_argument("--deliveries", type=int, default=10_000)
    parser.add_argument("--database", help="a database URL (default: a new SQLite file)")
    parser.add_argument("--serve-fake", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve_fake:
        asyncio.run(serve_fake(args.serve_fake))
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        results: dict[str, object] = {}
        if args.only in (None, "latency"):
            url = args.database or f"sqlite:///{folder / 'latency.db'}"
            samples = asyncio.run(latency(folder, args.publications, url))
            results["latency_s"] = {
                "publications": len(samples),
                "median": round(statistics.median(samples), 2),
                "max": round(max(samples), 2),
                "target_median": INTERVAL + 1,
            }
        if args.only in (None, "throughput"):
            url = args.database or f"sqlite:///{folder / 'throughput.db'}"
            seconds, total = asyncio.run(throughput(folder, args.deliveries, url))
            results["throughput"] = {
                "deliveries": total,
                "seconds": round(seconds, 1),
                "per_second": round(total / seconds, 1),
            }
    print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
