"""`talentbrief doctor [--json]`: is this installation ready? One row per check."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from bot.cli.context import CliContext

if TYPE_CHECKING:
    from bot.cli.context import Subcommands
    from bot.doctor import Check, DoctorReport

RESULT = {"ok": "ok", "problem": "PROBLEM", "skipped": "skipped"}


def register(subparsers: Subcommands) -> None:
    parser = subparsers.add_parser(
        "doctor",
        help="check the config, database, tokens, channels, sources and schedules",
        description="Checks, changing nothing: the config file is found and valid; the "
        "database is reachable and at the newest migration; SLACK_BOT_TOKEN and DISCORD_TOKEN "
        "are accepted; the bot can reach each channel; each source answers with a feed (and how "
        "long it took); when each channel's next digest is due, in its time zone and in UTC. "
        "Exit code 0 when all is well, 1 when a row says PROBLEM.",
    )
    parser.add_argument("--json", action="store_true", help="one JSON object on stdout")
    parser.set_defaults(handler=handle)


def _row_json(check: Check) -> dict[str, Any]:
    from bot.cli.text import iso

    return {
        "check": check.area,
        "name": check.name,
        "status": check.status,
        "detail": check.detail,
        "seconds": None if check.seconds is None else round(check.seconds, 3),
        "next_post": check.next_post.isoformat() if check.next_post else None,
        "next_post_utc": iso(check.next_post),
    }


def _report(context: CliContext) -> DoctorReport:
    from bot.doctor import config_problem
    from storage.errors import ConfigError

    try:
        core = context.core
    except ConfigError as exc:  # reported as the first (and only) row, not as a usage error
        return config_problem(str(exc))
    return context.run(core.doctor())


def handle(args: argparse.Namespace, context: CliContext) -> int:
    from bot.cli.text import plural, table

    report = _report(context)
    if args.json:
        context.print_json(
            {
                "ok": report.ok,
                "problems": len(report.problems),
                "checks": [_row_json(check) for check in report.checks],
            }
        )
        return 0 if report.ok else 1
    rows = [[c.area, c.name, RESULT[c.status], c.detail] for c in report.checks]
    context.out(table(["CHECK", "NAME", "RESULT", "DETAIL"], rows))
    context.out()
    if report.ok:
        context.out(f"All is well: {plural(len(report.checks), 'check')}, no problem.")
        return 0
    context.out(
        f"{plural(len(report.problems), 'problem')} (PROBLEM rows): fix them, then run "
        "`talentbrief doctor` again."
    )
    return 1
