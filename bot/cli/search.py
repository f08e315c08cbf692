"""`talentbrief search QUERY [--since …] [--tag …]… [--source NAME] [--limit N] [--json]`."""

from __future__ import annotations

import argparse
from typing import Any

from bot.cli.context import CliContext
from storage.errors import BadInput
from storage.query import parse_query
from storage.search import search_items
from storage.types import SearchHit

MAX_LIMIT = 200


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "search",
        help="search the archive",
        description=(
            'Search stored items. QUERY: words (all must match), "exact phrases", a OR b, '
            "-excluded, tag:ID, source:NAME, since:7d, until:2026-03-31, alert:yes, lang:zh."
        ),
    )
    parser.add_argument("query", metavar="QUERY", help="e.g. 'H-1B \"lottery rule\" since:7d'")
    parser.add_argument("--since", metavar="WHEN", help="published on or after: 7d, 2026-01-01")
    parser.add_argument("--until", metavar="WHEN", help="published on or before: 2026-03-31")
    parser.add_argument(
        "--tag", action="append", default=[], metavar="ID", help="require a tag (repeatable)"
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


def _readable(hit: SearchHit) -> str:
    flags = " [ALERT]" if hit.alert else ""
    meta = " · ".join(
        part
        for part in (hit.source or "", hit.published.date().isoformat(), ", ".join(hit.tags))
        if part
    )
    lines = [f"{hit.title}{flags}", f"  {meta}"]
    if hit.snippet and hit.snippet != hit.title:
        lines.append(f"  {hit.snippet}")
    if hit.url:
        lines.append(f"  {hit.url}")
    return "\n".join(lines)


def handle(args: argparse.Namespace, context: CliContext) -> int:
    if not 1 <= args.limit <= MAX_LIMIT:
        raise BadInput(f"--limit must be between 1 and {MAX_LIMIT}")
    query = parse_query(
        args.query, tags=args.tag, sources=args.source, since=args.since, until=args.until
    )
    database = context.database()
    with database.session() as session:
        hits = search_items(session, query, limit=args.limit)
    if args.json:
        context.print_json([hit_json(hit) for hit in hits])
        return 0
    if not hits:
        print(f"No items match {args.query!r}.", file=context.stdout)
        return 0
    print("\n\n".join(_readable(hit) for hit in hits), file=context.stdout)
    return 0
