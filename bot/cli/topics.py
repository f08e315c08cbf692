"""`talentbrief topics [--json]`: the topic ids and what each covers."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from bot.cli.context import CliContext

if TYPE_CHECKING:
    from bot.cli.context import Subcommands


def register(subparsers: Subcommands) -> None:
    parser = subparsers.add_parser(
        "topics",
        help="list the topic ids (for tags, tag: in searches, channels) and what each covers",
    )
    parser.add_argument("--json", action="store_true", help="print JSON on stdout")
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace, context: CliContext) -> int:
    topics = context.core.topics()
    if args.json:
        context.print_json(
            [{"id": t.id, "label": t.label, "description": t.description} for t in topics]
        )
        return 0
    width = max(len(topic.id) for topic in topics)
    for topic in topics:
        context.out(f"{topic.id:<{width}}  {topic.description}")
    context.out(
        f"\n{'alert':<{width}}  a flag, not a topic: a concrete new or changed government "
        "rule, policy or enforcement action (search with alert:yes)"
    )
    return 0
