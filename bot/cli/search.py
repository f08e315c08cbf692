"""`talentbrief search QUERY [--since …] [--tag …]… [--source NAME] [--limit N] [--json]`."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from bot.cli.context import CliContext

if TYPE_CHECKING:
    from bot.cli.context import Subcommands
    from storage.types import SearchHit


def register(subparsers: Subcommands) -> None:
    parser = subparsers.add_parser(
        "search",
        help="search the archive",
        description=(
            'Search stored items. QUERY: words (all must match), "exact phrases", a OR b, '
            "-excluded, tag:ID, source:NAME, since:7d, until:2026-03-31, alert:yes, lang:zh. "
            "A query that starts with - (-opinion) is read as a query, not an option."
        ),
    )
    # Optional for argparse only: a query such as -opinion arrives as an "unknown option" and
    # the CLI's main puts it back (see FREE_TEXT there).
    parser.add_argument(
        "query", nargs="?", metavar="QUERY", help="e.g. 'H-1B \"lottery rule\" since:7d'"
    )
    parser.add_argument("--since", metavar="WHEN", help="published on or after: 7d, 2026-01-01")
    parser.add_argument("--until", metavar="WHEN", help="published on or before: 2026-03-31")
    parser.add_argument(
        "--tag", action="append", default=[], metavar="ID", help="require a topic (repeatable)"
    )
    parser.add_argument("--source", action="append", default=[], metavar="NAME")
    parser.add_argument("--limit", type=int, default=10, metavar="N", help="results (default 10)")
    parser.add_argument("--json", action="store_true", help="a JSON array on stdout")
    parser.set_defaults(handler=handle)


def hit_json(hit: SearchHit) -> dict[str, Any]:
    return {
        "id": hit.id,
        "title": hit.title,
        "url": hit.url,
        "source": hit.source,
        "published": hit.published.isoformat(),
        "tags": list(hit.tags),
        "alert": hit.alert,
        "snippet": hit.snippet,
        "score": hit.score,
    }


def readable(hit: SearchHit) -> str:
    flags = " [ALERT]" if hit.alert else ""
    meta = " · ".join(
        part
        for part in (
            f"#{hit.id}",
            hit.source or "",
            hit.published.date().isoformat(),
            ", ".join(hit.tags),
        )
        if part
    )
    lines = [f"{hit.title}{flags}", f"  {meta}"]
    if hit.snippet and hit.snippet != hit.title:
        lines.append(f"  {hit.snippet}")
    if hit.url:
        lines.append(f"  {hit.url}")
    return "\n".join(lines)


def _empty_archive_hint(context: CliContext) -> str:
    """Why nothing matched, when the reason is that nothing has been stored yet."""
    if context.run(context.core.item_count()):
        return ""
    where = context.core.database().safe_url
    return f" The archive ({where}) is empty: `talentbrief poll` fills it."


def handle(args: argparse.Namespace, context: CliContext) -> int:
    from bot.core import MAX_SEARCH_RESULTS
    from storage.errors import BadInput

    if not 1 <= args.limit <= MAX_SEARCH_RESULTS:
        raise BadInput(f"--limit must be between 1 and {MAX_SEARCH_RESULTS}")
    core = context.core
    query = core.parse_query(
        args.query, tags=args.tag, sources=args.source, since=args.since, until=args.until
    )
    hits = context.run(core.search(query, limit=args.limit))
    if args.json:
        context.print_json([hit_json(hit) for hit in hits])
        return 0
    if not hits:
        context.out(f"No items match {args.query!r}.{_empty_archive_hint(context)}")
        return 0
    context.out("\n\n".join(readable(hit) for hit in hits))
    return 0
