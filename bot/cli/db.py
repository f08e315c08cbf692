"""`talentbrief db upgrade|current`: schema migrations."""

from __future__ import annotations

import argparse
from typing import Any

from bot.cli.context import CliContext
from storage.db import Database
from storage.migrate import current_revision, head_revision


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("db", help="database schema: upgrade, current")
    actions = parser.add_subparsers(dest="db_action", metavar="ACTION", required=True)
    upgrade = actions.add_parser("upgrade", help="apply every pending migration")
    upgrade.set_defaults(handler=handle_upgrade)
    current = actions.add_parser("current", help="show the applied and the newest revision")
    current.set_defaults(handler=handle_current)


def handle_upgrade(args: argparse.Namespace, context: CliContext) -> int:
    database = Database(context.config.storage.url)
    try:
        before = current_revision(database.engine)
        database.upgrade()
        after = current_revision(database.engine)
    finally:
        database.dispose()
    if before == after:
        context.info(f"{database.safe_url}: already at {after}")
    else:
        context.info(f"{database.safe_url}: upgraded {before or 'empty'} -> {after}")
    return 0


def handle_current(args: argparse.Namespace, context: CliContext) -> int:
    database = Database(context.config.storage.url)
    try:
        current = current_revision(database.engine)
    finally:
        database.dispose()
    print(f"current: {current or 'empty'}\nhead:    {head_revision()}", file=context.stdout)
    return 0
