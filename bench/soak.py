"""Soak: `talentbrief run` for ten minutes against 300 local feeds (5 % hostile) and a fake
Slack that rate-limits and drops 2 % of connections after accepting, SIGKILLed and restarted
every two minutes. Then it checks that every item was stored once and every digest part posted
once, and prints the figures.

    .venv/bin/python -m bench.soak                       # SQLite in a temporary folder
    .venv/bin/python -m bench.soak --minutes 3 --database postgresql+psycopg://…/soak

Four Slack channels post a digest every minute (`* * * * *`, empty ones too), so each minute
brings some thirty messages under Slack's one-per-second limit, each answered a second after
Slack accepted it, and each kill lands 0.5–8 s after a whole minute, while posts are in
flight. The last step stops the bot with
SIGTERM, polls once more and runs `run --once`, so the checks see finished work.

Alerts: three subscriptions send their matches to a Slack channel of their own; at the end
every alert message the outbox recorded as posted must be in that channel exactly once.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import random
import signal
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from bench.soak_world import Feeds, FeedServer, SoakSlack
from storage.db import open_database
from storage.models import Delivery, DigestRun, Item, ItemSource, Source

CHANNELS = 4


def _config(folder: Path, feeds: Feeds, slack: SoakSlack) -> Path:
    lines = [
        "[poll]",
        "concurrency = 64",
        "per_host = 64",
        'timeout = "5s"',
        "max_bytes = 2097152",
        # A flooding subscription gets one message per window: a minute, so ten minutes show it.
        '[alerts]\nflood_window = "1m"',
        '[slack]\napi_base_url = "' + slack.api + '"',
    ]
    for index, url in enumerate(feeds.urls()):
        lines += ["[[sources]]", f'name = "Feed {index}"', f'url = "{url}"', 'interval = "30s"']
    for index in range(CHANNELS):
        lines += [
            "[[channels]]",
            f'name = "desk-{index}"',
            'platform = "slack"',
            f'target = "C0SOAK{index}"',
            'schedule = "* * * * *"',
            "max_items = 120",
            "post_empty = true",
        ]
    path = folder / "talentbrief.toml"
    path.write_text("\n".join(lines) + "\n", "utf-8")
    return path


class Bot:
    """The `talentbrief run` process, its logs kept per generation."""

    def __init__(self, config: Path, env: dict[str, str], folder: Path) -> None:
        self.config, self.env, self.folder = config, env, folder
        self.process: asyncio.subprocess.Process | None = None
        self.generation = 0

    async def start(self, *args: str) -> asyncio.subprocess.Process:
        self.generation += 1
        log = (self.folder / f"run-{self.generation}.log").open("wb")
        self.process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot.cli", "--config", str(self.config), *(args or ("run",)),
            env=self.env, stdout=log, stderr=log,
        )  # fmt: skip
        return self.process

    async def signal(self, signum: int) -> int:
        assert self.process is not None
        if self.process.returncode is None:  # it may have died by itself: that is reported
            self.process.send_signal(signum)
        return await self.process.wait()


def _minute_offset(offset: float, when: float) -> float:
    """Seconds from `when` (a Unix time) until `offset` seconds past a whole minute."""
    return (offset - when % 60) % 60


async def soak(args: argparse.Namespace) -> dict[str, Any]:
    folder = Path(tempfile.mkdtemp(prefix="soak-"))
    database_url = args.database or f"sqlite:///{folder / 'soak.db'}"
    server = FeedServer().start()
    feeds = Feeds(server, args.feeds, args.hostile, args.seed)
    slack = await SoakSlack(args.drop, args.seed, args.latency).start()
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    env |= {"TALENTBRIEF_DATABASE_URL": database_url, "SLACK_BOT_TOKEN": slack.bot_token}
    bot = Bot(_config(folder, feeds, slack), env, folder)
    kills: list[dict[str, int]] = []
    started = time.monotonic()
    end = started + args.minutes * 60
    await prepare_alerts(bot)
    await bot.start()
    rng = random.Random(args.seed)

    def kill_time(after: float) -> float:
        """About `kill_every` later (±30 s), 0.5–8 s past a whole minute: while digests go out."""
        around: float = after + args.kill_every - 30
        return around + _minute_offset(rng.uniform(0.5, 8), time.time() + around - after)

    next_kill = kill_time(time.monotonic())
    while time.monotonic() < end:
        await asyncio.sleep(min(args.publish_every, max(0.0, end - time.monotonic())))
        feeds.publish_some(args.publish_share)
        if time.monotonic() >= next_kill and time.monotonic() < end - 30:
            code = await bot.signal(signal.SIGKILL)
            kills.append({"at_seconds": round(time.monotonic() - started), "exit": code,
                          **_in_flight(database_url)})  # fmt: skip
            await bot.start()
            next_kill = kill_time(time.monotonic())
    stop_code = await bot.signal(signal.SIGTERM)
    finish = await bot.start("poll")
    await finish.wait()
    final = await bot.start("run", "--once")
    await final.wait()
    result = {
        "minutes": args.minutes,
        "feeds": args.feeds,
        "hostile_feeds": len(feeds.hostile),
        "database": database_url.split(":", 1)[0],
        "kills": kills,
        "sigterm_exit": stop_code,
        "final_run_once_exit": final.returncode,
        "slack_latency_seconds": args.latency,
        "slack_faults": dict(slack.faults),
        "slack_lookups": sum(r.startswith("conversations.") for r in slack.requests),
        **check_items(database_url, feeds),
        **check_digests(database_url, slack),
        **check_alerts(database_url, slack),
        "tracebacks_in_logs": sum(
            p.read_text(errors="replace").count("Traceback") for p in folder.glob("run-*.log")
        ),
        "logs": str(folder),
    }
    await slack.stop()
    server.stop()
    return result


def _in_flight(database_url: str) -> dict[str, int]:
    """What the killed process left: runs caught between sending and recording, held sources."""
    database = open_database(database_url, upgrade=False)
    try:
        with database.session() as session:
            sending = session.scalar(
                select(func.count()).where(DigestRun.state == "built",
                                           DigestRun.sending_part.is_not(None))
            )  # fmt: skip
            held = session.scalar(select(func.count()).where(Source.claimed_until.is_not(None)))
        return {"runs_mid_post": int(sending or 0), "sources_held": int(held or 0)}
    finally:
        database.dispose()


def check_items(database_url: str, feeds: Feeds) -> dict[str, Any]:
    """Every entry a healthy feed ever served is stored, once."""
    database = open_database(database_url, upgrade=False)
    missing = duplicated = stored = 0
    try:
        with database.session() as session:
            for index, path in enumerate(feeds.healthy):
                rows = session.execute(
                    select(ItemSource.entry_id)
                    .join(Source, Source.id == ItemSource.source_id)
                    .where(Source.name == f"Feed {index}")
                ).scalars()
                ids = Counter(rows)
                stored += sum(ids.values())
                missing += len(feeds.served[path] - set(ids))
                duplicated += sum(count - 1 for count in ids.values() if count > 1)
            items = int(session.scalar(select(func.count()).select_from(Item)) or 0)
    finally:
        database.dispose()
    served = sum(len(s) for s in feeds.served.values())
    return {"items_served": served, "items_stored": stored, "items_in_archive": items,
            "items_missing": missing, "items_duplicated": duplicated}  # fmt: skip


def check_digests(database_url: str, slack: SoakSlack) -> dict[str, Any]:
    """Every part of every posted run is in its channel exactly once; nothing else is."""
    sent = Counter(
        (m.body["metadata"]["event_payload"]["run"], m.body["metadata"]["event_payload"]["part"])
        for m in slack.messages
        if not str(m.body["metadata"]["event_payload"]["run"]).startswith("alert")
    )
    database = open_database(database_url, upgrade=False)
    try:
        with database.session() as session:
            runs = session.execute(select(DigestRun.id, DigestRun.state, DigestRun.parts)).all()
    finally:
        database.dispose()
    expected = {(f"tb{run}", part) for run, state, parts in runs if state == "posted"
                for part in range(parts)}  # fmt: skip
    states = Counter(state for _, state, _ in runs)
    return {
        "digest_runs": dict(states),
        "parts_expected": len(expected),
        "slack_messages": sum(sent.values()),
        "parts_missing": len(expected - set(sent)),
        "parts_duplicated": sum(count - 1 for count in sent.values() if count > 1),
        "parts_unexpected": len(set(sent) - expected),
    }


ALERT_QUERIES = ("H-1B", '"Entity List"', "disclosure")
ALERT_CHANNEL = "C0SOAKALERTS"


async def prepare_alerts(bot: Bot) -> None:
    """Subscriptions whose matches go to one Slack channel (the first poll of a feed delivers
    nothing, so alerts come from what the feeds publish during the soak)."""
    for query in ALERT_QUERIES:
        process = await bot.start("subscriptions", "add", query, "--to", f"slack:{ALERT_CHANNEL}")
        if await process.wait():
            raise SystemExit(f"could not subscribe {query!r}: see {bot.folder}")


def check_alerts(database_url: str, slack: SoakSlack) -> dict[str, Any]:
    """Every alert message the outbox recorded as posted is in the channel exactly once, and no
    other alert message is there. (A delivery still waiting for a retry at the end is reported
    in `alert_deliveries`, not counted as missing.)"""
    sent = Counter(
        m.body["metadata"]["event_payload"]["run"]
        for m in slack.messages
        if str(m.body["metadata"]["event_payload"]["run"]).startswith("alert")
    )
    database = open_database(database_url, upgrade=False)
    try:
        with database.session() as session:
            rows = session.execute(select(Delivery.id, Delivery.batch_id, Delivery.state)).all()
    finally:
        database.dispose()
    states = Counter(state for _, _, state in rows)
    expected = {f"alert{batch or delivery}" for delivery, batch, state in rows if state == "posted"}
    return {
        "alert_deliveries": dict(states),
        "alert_messages_expected": len(expected),
        "alert_messages_missing": len(expected - set(sent)),
        "alert_messages_duplicated": sum(count - 1 for count in sent.values() if count > 1),
        "alert_messages_unexpected": len(set(sent) - expected),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--feeds", type=int, default=300)
    parser.add_argument("--hostile", type=float, default=0.05)
    parser.add_argument("--drop", type=float, default=0.02)
    parser.add_argument("--latency", type=float, default=1.0, help="seconds Slack takes to answer")
    parser.add_argument("--kill-every", type=float, default=120)
    parser.add_argument("--publish-every", type=float, default=15)
    parser.add_argument("--publish-share", type=float, default=0.3)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--database", help="a database URL (default: SQLite in a temp folder)")
    # A killed client leaves the fake Slack mid-answer; that is the point, not news.
    logging.getLogger("aiohttp.server").setLevel(logging.CRITICAL)
    result = asyncio.run(soak(parser.parse_args()))
    print(json.dumps(result, indent=2))
    bad = sum(
        result[key]
        for key in result
        if key.endswith(("_missing", "_duplicated", "_unexpected")) and isinstance(result[key], int)
    )
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
