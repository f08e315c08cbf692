"""`talentbrief retag`: apply the current taxonomy (with the config's overrides) to the archive.

    talentbrief retag [--since 7d|2026-01-01] [--batch-size N] [--json]

Items are read in pages by id, tagged again with their sources' hint tags and their document
type, and written back (tags, scores, alert flag and reasons) only where something changed. A
progress bar goes to stderr; the summary (how many items were scanned, how many changed their
tags or alert flag) to stdout.
"""

from __future__ import annotations

import argparse
import math
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from tqdm import tqdm

from bot.cli.context import CliContext
from bot.config import parse_duration
from feeds.tagging import Tagger, TagResult, load_tagger
from storage.db import Database
from storage.errors import BadInput
from storage.items import count_items_to_retag, items_to_retag, retag_items
from storage.types import RetagRow


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "retag",
        help="re-apply the current taxonomy to stored items",
        description=__doc__.split("\n\n", 1)[1] if __doc__ else None,
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


def parse_since(text: str, now: datetime | None = None) -> datetime:
    """'7d' (ago) or an ISO date/datetime (UTC unless it says otherwise) → an aware datetime."""
    now = now or datetime.now(UTC)
    try:
        return now - timedelta(seconds=parse_duration(text))
    except ValueError:
        pass
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        try:
            day = date.fromisoformat(text)
        except ValueError:
            raise BadInput(
                f"--since: {text!r} is neither a duration (7d, 12h) nor a date (2026-01-01)"
            ) from None
        moment = datetime(day.year, day.month, day.day)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@dataclass
class RetagSummary:
    scanned: int = 0
    changed: int = 0  # items whose tag set or alert flag changed
    updated: int = 0  # rows rewritten (scores or reasons may change without the tags)


def _same_scores(old: dict[str, float] | Any, new: dict[str, float] | Any) -> bool:
    return set(old) == set(new) and all(
        math.isclose(old[tag], new[tag], abs_tol=1e-6) for tag in new
    )


def _differs(row: RetagRow, result: TagResult) -> tuple[bool, bool]:
    """(the tag set or alert changed, anything stored changed)."""
    changed = set(row.tags) != set(result.tags) or row.alert != result.alert
    stored_reasons = {tag: tuple(why) for tag, why in row.reasons.items()}
    new_reasons = {tag: tuple(why) for tag, why in result.reasons.items()}
    differs = changed or not _same_scores(row.tags, result.tags) or stored_reasons != new_reasons
    return changed, differs


def retag_archive(
    database: Database,
    tagger: Tagger,
    *,
    since: datetime | None = None,
    batch_size: int = 500,
    progress: tqdm[Any] | None = None,
) -> RetagSummary:
    """Tag every stored item (published since `since`) again; one transaction per batch."""
    summary = RetagSummary()
    after_id = 0
    while True:
        with database.session() as session:
            rows = items_to_retag(session, after_id=after_id, limit=batch_size, since=since)
            if not rows:
                break
            updates: dict[int, tuple[dict[str, float], bool, dict[str, tuple[str, ...]]]] = {}
            for row in rows:
                result = tagger.tag(
                    row.title,
                    row.summary,
                    hints=row.hint_tags,
                    doc_type=row.doc_type,
                    language=row.language,
                )
                changed, differs = _differs(row, result)
                summary.changed += changed
                if differs:
                    updates[row.id] = (dict(result.tags), result.alert, dict(result.reasons))
            retag_items(session, updates)
        summary.scanned += len(rows)
        summary.updated += len(updates)
        after_id = rows[-1].id
        if progress is not None:
            progress.update(len(rows))
    return summary


def handle(args: argparse.Namespace, context: CliContext) -> int:
    if args.batch_size < 1:
        raise BadInput("--batch-size must be at least 1")
    since = parse_since(args.since) if args.since else None
    tagger = load_tagger(context.config.taxonomy)
    database = context.database()
    with database.session() as session:
        total = count_items_to_retag(session, since)
    with tqdm(
        total=total, unit="item", desc="retag", file=context.stderr, mininterval=0.5
    ) as progress:
        summary = retag_archive(
            database, tagger, since=since, batch_size=args.batch_size, progress=progress
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
        context.stdout.write(
            f"retagged {summary.scanned} items: {summary.changed} changed tags or alert, "
            f"{summary.updated} rewritten\n"
        )
    return 0
