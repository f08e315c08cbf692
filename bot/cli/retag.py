"""`talentbrief retag`: apply the current taxonomy (with the config's overrides) to the archive."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from bot.cli.context import CliContext

if TYPE_CHECKING:
    from bot.cli.context import Subcommands

DESCRIPTION = """\
Items are read in pages by id, tagged again with their sources' hint tags and their document
type, and written back (tags, scores, alert flag and reasons) only where something changed. A
progress bar goes to stderr; the summary (how many items were scanned, how many changed their
tags or alert flag) to stdout. Run it after changing the config's [taxonomy].
"""


def register(subparsers: Subcommands) -> None:
    parser = subparsers.add_parser(
        "retag",
        help="re-apply the current taxonomy to stored items",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--since",
        metavar="WHEN",
        help="only items published since then: a duration (7d, 12h) or a date (2026-01-01)",
    )
    parser.add_argument(
        "--batch-size", type=int, default=500, metavar="N", help="items per transaction"
    )
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace, context: CliContext) -> int:
    from tqdm import tqdm

    from bot.durations import parse_since
    from storage.errors import BadInput

    if args.batch_size < 1:
        raise BadInput("--batch-size must be at least 1")
    since = parse_since(args.since, now=datetime.now(UTC)) if args.since else None
    core = context.core
    total = context.run(core.count_to_retag(since))
    with tqdm(
        total=total, unit="item", desc="retag", file=context.stderr, mininterval=0.5
    ) as progress:
        summary = context.run(
            core.retag(since=since, batch_size=args.batch_size, progress=progress.update)
        )
    if args.json:
        context.print_json(
            {
                "scanned": summary.scanned,
                "changed": summary.changed,
                "updated": summary.updated,
                "since": since.isoformat() if since else None,
            }
        )
    else:
        context.out(
            f"retagged {summary.scanned} items: {summary.changed} changed tags or alert, "
            f"{summary.updated} rewritten"
        )
    return 0
