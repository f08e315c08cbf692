"""`talentbrief db upgrade|current`: schema migrations."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from bot.cli.context import CliContext

if TYPE_CHECKING:
    from bot.cli.context import Subcommands


def register(subparsers: Subcommands) -> None:
    parser = subparsers.add_parser("db", help="database schema: upgrade, current")
    actions = parser.add_subparsers(dest="db_action", metavar="ACTION", required=True)
    upgrade = actions.add_parser("upgrade", help="apply every pending migration")
    upgrade.set_defaults(handler=handle_upgrade)
    current = actions.add_parser("current", help="show the applied and the newest revision")
    current.set_defaults(handler=handle_current)


def handle_upgrade(args: argparse.Namespace, context: CliContext) -> int:
    status = context.core.upgrade_database()
    if status.before == status.after:
        context.info(f"{status.url}: already at {status.after}")
    else:
        context.info(f"{status.url}: upgraded {status.before or 'empty'} -> {status.after}")
    return 0


def handle_current(args: argparse.Namespace, context: CliContext) -> int:
    status = context.core.schema_status()
    context.out(f"current: {status.before or 'empty'}\nhead:    {status.after}")
    return 0
