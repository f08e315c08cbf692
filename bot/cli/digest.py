"""`talentbrief digest --channel NAME [--since WHEN] [--format …] [--post]`.

Without --post: prints the channel's next digest (what its next post would contain: items first
seen since its last posted digest, or since --since) and changes nothing in the database.
JSON formats (slack, discord, json) go to stdout alone. With --post: posts the channel's
current period through its adapter and records the run; a period already posted is not posted
again (the command says so and exits 0).
"""

from __future__ import annotations

import argparse
import asyncio
import re
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.cli.context import CliContext
from bot.config import parse_duration
from bot.digest_build import compose
from bot.digest_service import make_poster, post_channel_digest
from digests.render import discord as discord_render
from digests.render import slack as slack_render
from digests.render.data import digest_to_data
from digests.render.text import render_markdown, render_text
from digests.schedule import current_period, next_slot
from storage.channels import (
    ChannelSpec,
    StoredChannel,
    get_channel,
    list_channels,
    sync_config_channels,
)
from storage.errors import BadInput

FORMATS = ("text", "markdown", "slack", "discord", "json")


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "digest",
        help="show a channel's next digest, or post it (--post)",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--channel", required=True, metavar="NAME", help="channel name")
    parser.add_argument(
        "--since",
        metavar="WHEN",
        help="select items first seen after WHEN: a duration (36h, 2d), a date (2026-03-01, "
        "midnight in the channel's time zone) or an ISO date-time; default: since the "
        "channel's last posted digest",
    )
    parser.add_argument(
        "--format",
        choices=FORMATS,
        help="output format (default: the channel's platform; text for console channels)",
    )
    parser.add_argument(
        "--post", action="store_true", help="post through the channel's adapter, record the run"
    )
    parser.set_defaults(handler=handle)


def parse_since(text: str, *, now: datetime, timezone: str) -> datetime:
    text = text.strip()
    zone = ZoneInfo(timezone)
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return datetime.combine(date.fromisoformat(text), datetime.min.time(), zone)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        try:
            return now - timedelta(seconds=parse_duration(text))
        except ValueError:
            raise BadInput(
                f"--since {text!r}: give a duration (36h, 2d), a date (2026-03-01) or an ISO "
                "date-time"
            ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=zone)


def _known(context: CliContext, stored: list[StoredChannel]) -> str:
    names = sorted({c.name for c in context.config.channels} | {c.name for c in stored})
    return ", ".join(names) or "none"


def _resolve(
    context: CliContext, name: str, stored: list[StoredChannel]
) -> tuple[ChannelSpec, StoredChannel | None]:
    """The channel's settings (config file first, then channels added from chat)."""
    from_db = next((channel for channel in stored if channel.name == name), None)
    for channel in context.config.channels:
        if channel.name == name:
            return channel.spec(), from_db
    if from_db is not None:
        return from_db.spec, from_db
    raise BadInput(f"no channel named {name!r} (known: {_known(context, stored)})")


def handle(args: argparse.Namespace, context: CliContext) -> int:
    now = datetime.now(UTC)
    if args.post:
        return _post(args, context, now)
    database = context.database(sync_sources=False)
    with database.session() as session:
        stored = list_channels(session)
        spec, channel = _resolve(context, args.channel, stored)
        since = parse_since(args.since, now=now, timezone=spec.timezone) if args.since else None
        period = current_period(spec.schedule, spec.timezone, spec.days, now, weekly=spec.weekly)
        built = compose(
            session, channel, spec, now=now, period=period, since=since, with_chart=False
        )
    digest = built.digest
    chosen = args.format or {"slack": "slack", "discord": "discord"}.get(spec.platform, "text")
    if chosen == "text":
        context.stdout.write(render_text(digest))
    elif chosen == "markdown":
        context.stdout.write(render_markdown(digest))
    elif chosen == "slack":
        context.print_json(slack_render.render_slack(digest))
    elif chosen == "discord":
        context.print_json(discord_render.render_discord(digest))
    else:
        context.print_json(digest_to_data(digest))
    coming = next_slot(spec.schedule, spec.timezone, spec.days, now)
    notes = [f"{len(digest.entries)} entries from {len(digest.item_ids)} items"]
    if digest.is_empty and not spec.post_empty:
        notes.append("nothing new: the channel would not post this digest")
    if coming is not None:
        notes.append(f"next scheduled post {coming:%Y-%m-%d %H:%M %Z}")
    context.info(f"talentbrief digest: preview only, nothing posted ({'; '.join(notes)})")
    return 0


def _post(args: argparse.Namespace, context: CliContext, now: datetime) -> int:
    database = context.database()
    config = context.config
    with database.session() as session:
        sync_config_channels(session, config.channel_specs())
    with database.session() as session:
        stored = list_channels(session)
        channel = get_channel(session, args.channel)
    if channel is None or not channel.spec.enabled:
        raise BadInput(
            f"no enabled channel named {args.channel!r} (known: {_known(context, stored)})"
        )
    spec = channel.spec
    since = parse_since(args.since, now=now, timezone=spec.timezone) if args.since else None
    if args.format:
        context.info(
            "talentbrief digest: --format applies to previews; posting in the channel's format"
        )
    # Fail on a missing token before anything is built or recorded.
    make_poster(spec.platform, spec.target, config, console=context.stdout)
    outcomes = asyncio.run(
        post_channel_digest(database, config, channel, now=now, since=since, console=context.stdout)
    )
    code = 0
    for outcome in outcomes:
        ids = f" [{', '.join(outcome.message_ids)}]" if outcome.message_ids else ""
        detail = f": {outcome.detail}" if outcome.detail else ""
        context.info(
            f"talentbrief digest: {outcome.channel} {outcome.period_key or ''} "
            f"{outcome.status}{ids}{detail}"
        )
        if outcome.status in ("failed", "busy"):
            code = 1
    return code
