"""bench/chat: how long a `/brief search` takes, from the signed request to the posted answer.

A real `talentbrief run` process serves Slack's HTTP mode on 127.0.0.1 over an archive of N
items (built once by bench/search.py's builder and reused); this process plays Slack: the fake
Web API from tests/ receives the answers on their response_urls, and signed slash commands are
sent one at a time and then 20 at once. The time counted is from sending the command to the
fake recording the answer: acknowledgement, search, rendering and the response_url POST.

    .venv/bin/python -m bench.chat --items 100000              # both backends
    .venv/bin/python -m bench.chat --items 100000 --backend sqlite --commands 100
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import socket
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

import aiohttp

from bench.search import QUERIES, _postgres_url, _sqlite_url, build
from storage.db import open_database
from tests.corpus.headlines import END
from tests.fake_slack_api import BOT_TOKEN, FakeSlack
from tests.fake_slack_payloads import signed_request, slash_command

SECRET = "bench-signing-secret-0123456789ab"
TARGET_P95_MS = 300.0


def chat_queries() -> list[str]:
    """The search bench's queries, with relative windows made absolute from the corpus's end
    (the archive's newest item is at END, not today)."""

    def absolute(match: re.Match[str]) -> str:
        return f"since:{(END - timedelta(days=int(match.group(1)))).date().isoformat()}"

    return [re.sub(r"since:(\d+)d", absolute, query) for query, _ in QUERIES]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _config(folder: Path, slack: FakeSlack, port: int) -> Path:
    path = folder / "bench-chat.toml"
    path.write_text(
        f'[slack]\nmode = "http"\nhost = "127.0.0.1"\nport = {port}\n'
        f'api_base_url = "{slack.api}"\n',
        "utf-8",
    )
    return path


async def _start_bot(config: Path, database_url: str, port: int) -> asyncio.subprocess.Process:
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    env.update(
        TALENTBRIEF_DATABASE_URL=database_url,
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET=SECRET,
    )
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", "--config", str(config), "run",
        env=env, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            _reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.close()
            return process
        except OSError:
            await asyncio.sleep(0.2)
    process.kill()
    raise SystemExit("the bot did not start serving within 60 s")


async def _one(
    session: aiohttp.ClientSession, slack: FakeSlack, url: str, query: str, user: int
) -> float:
    response_url = slack.new_response_url()
    body, headers = signed_request(
        SECRET, slash_command(f"search {query}", response_url=response_url, user_id=f"U{user:07d}")
    )
    serial = response_url.rsplit("/", 1)[1]
    started = time.perf_counter()
    async with session.post(url, data=body, headers=headers) as ack:
        assert ack.status == 200, await ack.text()
    await slack.wait_for(lambda p: p.path == "response_url" and p.id == serial, timeout=30)
    return (time.perf_counter() - started) * 1000


async def measure(database_url: str, commands: int, concurrency: int) -> dict[str, list[float]]:
    slack = await FakeSlack().start()
    port = _free_port()
    folder = Path(__file__).resolve().parent / ".data"
    folder.mkdir(exist_ok=True)
    bot = await _start_bot(_config(folder, slack, port), database_url, port)
    url = f"http://127.0.0.1:{port}/slack/events"
    queries = chat_queries()
    samples: dict[str, list[float]] = {"alone": [], f"{concurrency} at once": []}
    user = 0
    try:
        async with aiohttp.ClientSession() as session:
            for warm in queries[:3]:  # connections, caches and plans warm up
                user += 1
                await _one(session, slack, url, warm, user)
            for index in range(commands):
                user += 1
                samples["alone"].append(
                    await _one(session, slack, url, queries[index % len(queries)], user)
                )
            for start in range(0, commands, concurrency):
                batch = []
                for index in range(start, min(start + concurrency, commands)):
                    user += 1
                    batch.append(_one(session, slack, url, queries[index % len(queries)], user))
                samples[f"{concurrency} at once"] += await asyncio.gather(*batch)
    finally:
        bot.terminate()
        await bot.wait()
        await slack.stop()
    return samples


def _p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--commands", type=int, default=200, help="commands per scenario")
    parser.add_argument("--concurrency", type=int, default=20)
    args = parser.parse_args(argv)
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    rows = [
        "| backend | scenario | commands | p50 ms | p95 ms | max ms |",
        "|---|---|---:|---:|---:|---:|",
    ]
    worst = 0.0
    for backend in backends:
        url = _sqlite_url(args.items) if backend == "sqlite" else _postgres_url(args.items)
        database = open_database(url)
        try:
            build(database, args.items)
        finally:
            database.dispose()
        for scenario, values in asyncio.run(measure(url, args.commands, args.concurrency)).items():
            p95 = _p95(values)
            worst = max(worst, p95)
            rows.append(
                f"| {backend} | {scenario} | {len(values)} | {statistics.median(values):.0f} | "
                f"{p95:.0f} | {max(values):.0f} |"
            )
    print(f"Archive of {args.items:,} items; signed /brief search → answer on the fake API.\n")
    print("\n".join(rows))
    print(f"\nworst p95 {worst:.0f} ms (target ≤ {TARGET_P95_MS:.0f} ms)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
