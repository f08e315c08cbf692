"""`talentbrief run [--once]`: poll sources and post digests on their schedules."""

from __future__ import annotations

import argparse
import logging
from typing import TYPE_CHECKING

from bot import PROJECT_LOGGERS
from bot.cli.context import CliContext

if TYPE_CHECKING:
    from bot.cli.context import Subcommands


def _seconds(text: str) -> int:
    from bot.durations import parse_duration

    try:
        return parse_duration(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def register(subparsers: Subcommands) -> None:
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
        help="poll the due sources and post the due digests once, then exit (for cron); "
        "exit code 1 when a digest it owed failed",
    )
    parser.add_argument(
        "--poll-every",
        type=_seconds,
        default=60,
        metavar="DURATION",
        help="the longest wait between looks for due sources (default 1m; each source keeps "
        "its own interval and is polled when it falls due)",
    )
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace, context: CliContext) -> int:
    from bot.app import run_bot

    # A service should say what it does; `-v` adds debug detail as well.
    if not args.verbose:
        for name in PROJECT_LOGGERS:
            logging.getLogger(name).setLevel(logging.INFO)
    return context.run(run_bot(context.core, once=args.once, poll_seconds=args.poll_every))
