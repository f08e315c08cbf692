"""`talentbrief feeds list|add|remove|import-opml|export-opml`: manage the polled sources."""

from __future__ import annotations

import argparse
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select

from bot.cli.context import CliContext
from bot.config import parse_duration
from feeds import federal_register
from feeds.ingest import KINDS
from feeds.opml import (
    ExportedSource,
    name_from_url,
    read_opml,
    specs_from_opml,
    write_opml,
)
from storage.errors import BadInput
from storage.models import Source
from storage.sources import (
    SourceSpec,
    SourceStatus,
    add_source,
    get_source,
    list_sources,
    remove_source,
)

_TAG = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("feeds", help="list, add, remove, import or export sources")
    actions = parser.add_subparsers(dest="feeds_action", metavar="ACTION", required=True)

    listing = actions.add_parser("list", help="every source with its status and last error")
    listing.add_argument("--json", action="store_true", help="print JSON on stdout")
    listing.set_defaults(handler=handle_list)

    add = actions.add_parser("add", help="add a feed (RSS/Atom or a Federal Register search)")
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


def _when(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def _row(status: SourceStatus) -> dict[str, Any]:
    return {
        "name": status.name,
        "url": status.url,
        "kind": status.kind,
        "origin": status.origin,
        "enabled": status.enabled,
        "status": status.status if status.enabled else "disabled",
        "interval_seconds": status.interval_seconds,
        "item_count": status.item_count,
        "last_success_at": _when(status.last_success_at),
        "last_attempt_at": _when(status.last_attempt_at),
        "next_due_at": _when(status.next_due_at),
        "consecutive_failures": status.consecutive_failures,
        "last_error": status.last_error,
    }


def _short(moment: str | None) -> str:
    return moment[:16].replace("T", " ") if moment else "never"


def handle_list(args: argparse.Namespace, context: CliContext) -> int:
    with context.database().session() as session:
        rows = [_row(status) for status in list_sources(session)]
    if args.json:
        context.print_json(rows)
        return 0
    out = context.stdout
    if not rows:
        print("No sources. Add one with `talentbrief feeds add URL`.", file=out)
        return 0
    width = min(40, max(len(row["name"]) for row in rows))
    print(
        f"{'NAME':<{width}}  {'STATUS':<8}  {'ITEMS':>6}  {'LAST SUCCESS':<16}  LAST ERROR",
        file=out,
    )
    for row in rows:
        error = (row["last_error"] or "").replace("\n", " ")
        print(
            f"{row['name'][:width]:<{width}}  {row['status']:<8}  {row['item_count']:>6}  "
            f"{_short(row['last_success_at']):<16}  {error[:100]}",
            file=out,
        )
    return 0


def _interval(text: str) -> int:
    try:
        return parse_duration(text)
    except ValueError as exc:
        raise BadInput(f"--interval: {exc}") from None


def _tags(text: str) -> tuple[str, ...]:
    tags = tuple(tag.strip().lower() for tag in text.split(",") if tag.strip())
    for tag in tags:
        if not _TAG.match(tag):
            raise BadInput(f"--tags: {tag!r} is not a tag id (lower-case words joined by -)")
    return tags


def _guess_kind(url: str) -> str:
    path = urlsplit(url).path
    return "federal_register" if path.endswith("/documents.json") else "feed"


def handle_add(args: argparse.Namespace, context: CliContext) -> int:
    url = args.url.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise BadInput(f"{url!r} is not an http(s) URL")
    kind = args.kind or _guess_kind(url)
    if kind == "federal_register":
        try:
            federal_register.request_url(url)
        except ValueError as exc:
            raise BadInput(str(exc)) from None
    name = (args.name or name_from_url(url)).strip()
    if not name or len(name) > 200:
        raise BadInput("--name must be 1 to 200 characters")
    spec = SourceSpec(
        name=name,
        url=url,
        kind=kind,
        interval_seconds=_interval(args.interval),
        hint_tags=_tags(args.tags),
        origin="cli",
        priority=args.priority,
    )
    with context.database().session() as session:
        add_source(session, spec)
    print(f"Added {name!r} ({kind}, every {args.interval}).", file=context.stdout)
    return 0


def handle_remove(args: argparse.Namespace, context: CliContext) -> int:
    with context.database().session() as session:
        source = get_source(session, args.name)
        configured = {spec.name for spec in context.config.source_specs()}
        if source is not None and source.origin == "config" and args.name in configured:
            where = context.config.path or "the built-in defaults"
            raise BadInput(
                f"{args.name!r} comes from {where}; remove it there (or set enabled = false)"
            )
        remove_source(session, args.name)
    print(f"Removed {args.name!r}; its items stay in the archive.", file=context.stdout)
    return 0


def handle_import(args: argparse.Namespace, context: CliContext) -> int:
    path = Path(args.file).expanduser()
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise BadInput(f"cannot read {str(path)!r}: {exc.strerror or exc}") from None
    feeds = read_opml(data)
    interval = _interval(args.interval)
    with context.database().session() as session:
        names = set(session.scalars(select(Source.name)))
        urls = set(session.scalars(select(Source.url)))
        specs, skipped = specs_from_opml(
            feeds, taken_names=names, taken_urls=urls, default_interval=interval
        )
        for spec in specs:
            add_source(session, spec)
    for reason in skipped:
        context.info(f"skipped {reason}")
    print(
        f"Imported {len(specs)} feeds from {path.name}; skipped {len(skipped)}.",
        file=context.stdout,
    )
    return 0


def handle_export(args: argparse.Namespace, context: CliContext) -> int:
    with context.database().session() as session:
        sources = [
            ExportedSource(
                name=source.name,
                url=source.url,
                kind=source.kind,
                interval_seconds=source.interval_seconds,
                tags=tuple(source.hint_tags or ()),
                enabled=source.enabled,
            )
            for source in session.scalars(select(Source).order_by(Source.name))
        ]
    data = write_opml(sources, title="talentbrief sources", when=datetime.now(UTC))
    context.stdout.write(data.decode("utf-8"))
    return 0
