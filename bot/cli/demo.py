"""`talentbrief demo`: ingest the bundled sample feeds offline and print a briefing."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from bot.cli.context import CliContext

if TYPE_CHECKING:
    from bot.cli.context import Subcommands

DEMO_DATABASE = "talentbrief-demo.db"


def register(subparsers: Subcommands) -> None:
    parser = subparsers.add_parser(
        "demo",
        help="ingest bundled sample feeds offline and print a briefing",
        description=f"Runs offline: ingests the bundled sample feeds into ./{DEMO_DATABASE} "
        "(a file of its own, never your archive) and prints a short briefing.",
    )
    parser.add_argument(
        "--database",
        default=DEMO_DATABASE,
        metavar="FILE",
        help=f"the demo's SQLite file (default ./{DEMO_DATABASE})",
    )
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace, context: CliContext) -> int:
    from bot.demo import run_demo
    from digests.render.text import render_text

    result = run_demo(args.database, context.core.tagger)
    context.out(
        f"talentbrief demo: {result.items} items from {result.sources} bundled sample sources "
        f"({result.new_items} new this run), stored in {result.path}\n"
    )
    context.stdout.write(render_text(result.digest))
    context.out()
    context.out(
        'Next (README, "After the demo"): `source .venv/bin/activate`, '
        "`cp config.example.toml talentbrief.toml`, then `talentbrief doctor`, "
        "`talentbrief poll` and `talentbrief digest --channel console`."
    )
    return 0
