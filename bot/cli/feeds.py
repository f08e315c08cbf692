"""`talentbrief feeds list|add|remove|import-opml|export-opml`: manage the polled sources."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.cli.context import CliContext
from bot.cli.text import iso, plural, table, when
from feeds.entries import KINDS
from storage.errors import BadInput
from storage.urls import redact_text, redact_url

if TYPE_CHECKING:
    from bot.cli.context import Subcommands
    from storage.sources import SourceStatus


def register(subparsers: Subcommands) -> None:
    parser = subparsers.add_parser("feeds", help="list, add, remove, import or export sources")
    actions = parser.add_subparsers(dest="feeds_action", metavar="ACTION", required=True)

    listing = actions.add_parser("list", help="every source with its status and last error")
    listing.add_argument("--json", action="store_true", help="print JSON on stdout")
    listing.set_defaults(handler=handle_list)

    add = actions.add_parser(
        "add",
        help="add a feed (RSS/Atom or a Federal Register search) after checking it answers",
        description="Fetches URL once and adds it when it answers with a feed; with --force it "
        "is added whatever the check says.",
    )
    add.add_argument("url", metavar="URL")
    add.add_argument("--name", help="unique name (default: from the URL)")
    add.add_argument("--interval", default="30m", help="how often to poll it (default 30m)")
    add.add_argument("--tags", default="", help="comma-separated topic hints, e.g. visa-policy")
    add.add_argument(
        "--kind",
        choices=KINDS,
        help="feed or federal_register (default: federal_register for documents.json URLs)",
    )
    add.add_argument("--priority", type=int, default=0, help="rank among equals in digests")
    add.add_argument(
        "--force", action="store_true", help="add it even if it does not answer with a feed"
    )
    add.set_defaults(handler=handle_add)

    remove = actions.add_parser("remove", help="stop polling a source (its items stay)")
    remove.add_argument("name", metavar="NAME")
    remove.set_defaults(handler=handle_remove)

    opml_in = actions.add_parser("import-opml", help="add every feed of an OPML file")
    opml_in.add_argument("file", metavar="FILE")
    opml_in.add_argument("--interval", default="30m", help="interval for the imported feeds")
    opml_in.set_defaults(handler=handle_import)

    opml_out = actions.add_parser("export-opml", help="write every source as OPML to stdout")
    opml_out.set_defaults(handler=handle_export)


def _row(status: SourceStatus) -> dict[str, Any]:
    return {
        "name": status.name,
        "url": redact_url(status.url),
        "kind": status.kind,
        "origin": status.origin,
        "enabled": status.enabled,
        "status": status.status if status.enabled else "disabled",
        "interval_seconds": status.interval_seconds,
        "item_count": status.item_count,
        "last_success_at": iso(status.last_success_at),
        "last_attempt_at": iso(status.last_attempt_at),
        "next_due_at": iso(status.next_due_at),
        "consecutive_failures": status.consecutive_failures,
        "last_error": None if status.last_error is None else redact_text(status.last_error),
    }


def handle_list(args: argparse.Namespace, context: CliContext) -> int:
    statuses = context.run(context.core.sources())
    if args.json:
        context.print_json([_row(status) for status in statuses])
        return 0
    if not statuses:
        context.out("No sources. Add one with `talentbrief feeds add URL`.")
        return 0
    rows = [
        [
            status.name,
            status.status if status.enabled else "disabled",
            str(status.item_count),
            when(status.last_success_at),
            redact_text(" ".join((status.last_error or "").split())),
        ]
        for status in statuses
    ]
    context.out(
        table(
            ["NAME", "STATUS", "ITEMS", "LAST SUCCESS", "LAST ERROR"],
            rows,
            right=[2],
            max_widths=[None, None, None, None, 100],
        )
    )
    return 0


def handle_add(args: argparse.Namespace, context: CliContext) -> int:
    tags = [tag.strip().lower() for tag in args.tags.split(",") if tag.strip()]
    added = context.run(
        context.core.add_source(
            args.url,
            name=args.name,
            interval=args.interval,
            tags=tags,
            kind=args.kind,
            priority=args.priority,
            origin="cli",
            force=args.force,
        )
    )
    every = f"every {args.interval}"
    if added.check is not None:
        found = f"{plural(added.check.entries, 'entry', 'entries')}"
        title = f" {added.check.title!r}" if added.check.title else ""
        context.out(
            f"Added {added.name!r} ({added.kind}, {every}): the feed{title} answered in "
            f"{added.check.seconds:.1f} s with {found}."
        )
    else:
        context.out(f"Added {added.name!r} ({added.kind}, {every}) without a check.")
    if added.problem:
        context.info(f"talentbrief feeds add: added with --force although {added.problem}")
    return 0


def handle_remove(args: argparse.Namespace, context: CliContext) -> int:
    context.run(context.core.remove_source(args.name))
    context.out(f"Removed {args.name!r}; its items stay in the archive.")
    return 0


def handle_import(args: argparse.Namespace, context: CliContext) -> int:
    path = Path(args.file).expanduser()
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise BadInput(f"cannot read {str(path)!r}: {exc.strerror or exc}") from None
    result = context.run(context.core.import_opml(data, interval=args.interval))
    for reason in result.skipped:
        context.info(f"skipped {reason}")
    for note in result.notes:
        context.info(f"note: {note}")
    context.out(
        f"Imported {plural(len(result.added), 'feed')} from {path.name}; "
        f"skipped {len(result.skipped)}."
    )
    return 0


def handle_export(args: argparse.Namespace, context: CliContext) -> int:
    data = context.run(context.core.export_opml())
    context.stdout.write(data.decode("utf-8"))
    return 0
