"""`talentbrief poll [--json]`: poll every enabled source once, now."""

from __future__ import annotations

import argparse
from importlib import import_module
from typing import TYPE_CHECKING, Any

from bot.cli.context import CliContext

if TYPE_CHECKING:
    from tqdm import tqdm

    from bot.cli.context import Subcommands
    from feeds.poll import PollProgress, PollReport


def register(subparsers: Subcommands) -> None:
    parser = subparsers.add_parser(
        "poll",
        help="poll every enabled source once now",
        description="Fetch every enabled source now, store new and changed items, and report. "
        "Exit code 1 when every source failed.",
    )
    parser.add_argument("--json", action="store_true", help="print the report as JSON on stdout")
    parser.set_defaults(handler=handle)


class ProgressBar:
    """tqdm on stderr, created once the number of claimed sources is known."""

    def __init__(self, context: CliContext) -> None:
        self.context = context
        self.bar: tqdm[Any] | None = None

    def __call__(self, update: PollProgress) -> None:
        if self.bar is None:
            from tqdm import tqdm

            self.bar = tqdm(
                total=update.total, file=self.context.stderr, unit="feed", desc="polling"
            )
        if update.last is not None:
            self.bar.update(1)
            self.bar.set_postfix_str(update.last.source[:30], refresh=False)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def print_summary(report: PollReport, context: CliContext) -> None:
    context.out(
        f"Polled {report.sources} sources in {report.seconds:.1f} s: {report.fetched} fetched, "
        f"{report.not_modified} not modified, {len(report.failed)} failed"
        + (f", {report.deferred} deferred" if report.deferred else "")
        + f"; {report.new_items} new items, {report.updated_items} updated."
        + (f" {held_line(report)}." if report.held_elsewhere else "")
    )
    for failure in report.failed:
        context.out(f"  failed  {failure.source}: {failure.error}")


def held_line(report: PollReport) -> str:
    """The sources another process holds, and until when (unless it renews its lease)."""
    until = f" (their lease ends {report.held_until:%H:%M:%S} UTC)" if report.held_until else ""
    return f"{report.held_elsewhere} more held by another talentbrief process{until}"


def handle(args: argparse.Namespace, context: CliContext) -> int:
    with context.start_up():
        core = context.core
        import_module("feeds.poll")  # the poll's own modules (aiohttp) belong to start-up too
    bar = ProgressBar(context)
    try:
        report = context.run(core.poll(due_only=False, progress=bar))
    finally:
        bar.close()
    if report.sources == 0 and report.held_elsewhere:
        context.info(f"talentbrief poll: nothing polled: {held_line(report)}")
    elif report.sources == 0:
        context.info("talentbrief poll: no enabled sources (see `talentbrief feeds list`)")
    if args.json:
        context.print_json(report.as_dict())
    else:
        print_summary(report, context)
    return 1 if report.sources and len(report.failed) == report.sources else 0
