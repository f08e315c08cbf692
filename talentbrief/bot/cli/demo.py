"""`talentbrief demo`: placeholder until its feature lands."""

from __future__ import annotations

import argparse
from typing import Any

from talentbrief.bot.cli.context import CliContext


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("demo", help="(not built yet)")
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace, context: CliContext) -> int:
    context.info("talentbrief demo: not built yet")
    return 1
