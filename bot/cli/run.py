"""`talentbrief run [--once]`: poll sources and post digests on their schedules."""

from __future__ import annotations

import argparse
import asyncio
import logging
from collections.abc import Sequence
from typing import Any

from bot import PROJECT_LOGGERS
from bot.app import BotJobs, run_forever
from bot.cli.context import CliContext
from bot.cli.poll import fetch_settings
from bot.config import Config, parse_duration
from bot.digest_service import make_poster, post_due_digests
from feeds.poll import poll_sources
from feeds.tagging import load_tagger
from storage.db import Database

log = logging.getLogger(__name__)


def _seconds(text: str) -> int:
    try:
        return parse_duration(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "run",
        help="run the bot: poll sources and post digests on schedule",
        description="Polls each source when it is due and posts each channel's digest at its "
        "scheduled times, until interrupted (Ctrl-C or SIGTERM lets running work finish). "
        "What is due is read from the database, so a restart catches up missed digests once.",
    )
    parser.add_argument(
        "--once",
        action="store_true",
        help="poll the due sources and post the due digests once, then exit (for cron)",
    )
    parser.add_argument(
        "--poll-every",
        type=_seconds,
        default=60,
        metavar="DURATION",
        help="how often to look for due sources (default 1m; each source keeps its interval)",
    )
    parser.set_defaults(handler=handle)


async def check_channels(config: Config) -> None:
    """Refuse to start when a channel could never post (missing token, bad target)."""
    for channel in config.channels:
        poster = make_poster(channel.platform, channel.target, config)
        await poster.aclose()


def _jobs(database: Database, config: Config, context: CliContext) -> BotJobs:
    tagger = load_tagger(config.taxonomy)
    settings = fetch_settings(config.poll)

    async def poll() -> None:
        # Each failing source is logged by the poll cycle itself, with its count in a row.
        report = await poll_sources(database, settings, tagger, due_only=True)
        if report.sources:
            log.info(
                "polled %d source(s) in %.1fs: %d new, %d updated, %d not modified, %d failed",
                report.sources,
                report.seconds,
                report.new_items,
                report.updated_items,
                report.not_modified,
                len(report.failed),
            )

    async def digests(names: Sequence[str] | None) -> None:
        outcomes = await post_due_digests(database, config, channels=names, console=context.stdout)
        for outcome in outcomes:
            if outcome.status in ("posted", "resumed"):
                log.info(
                    "digest for %s (%s): %s, %d item(s)",
                    outcome.channel,
                    outcome.period_key,
                    outcome.status,
                    outcome.items,
                )
            elif outcome.status in ("failed", "busy"):
                log.warning("digest for %s: %s %s", outcome.channel, outcome.status, outcome.detail)

    return BotJobs(poll=poll, digests=digests)


async def _run(args: argparse.Namespace, context: CliContext) -> None:
    config = context.config
    await check_channels(config)
    database = await asyncio.to_thread(context.database)
    jobs = _jobs(database, config, context)
    if args.once:
        await jobs.poll()
        await jobs.digests(None)
        return
    log.info(
        "talentbrief is running: %d channel(s), storage %s; Ctrl-C stops",
        len(config.channels),
        database.safe_url,
    )
    await run_forever(jobs, config.channels, poll_seconds=args.poll_every)


def handle(args: argparse.Namespace, context: CliContext) -> int:
    # A service should say what it does; `-v` adds debug detail from the libraries as well.
    if not args.verbose:
        for name in PROJECT_LOGGERS:
            logging.getLogger(name).setLevel(logging.INFO)
    asyncio.run(_run(args, context))
    return 0
