"""`talentbrief digest --channel NAME [--since WHEN] [--format …] [--post]`."""

from __future__ import annotations

import argparse
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from bot.cli.context import CliContext

if TYPE_CHECKING:
    from bot.cli.context import Subcommands

FORMATS = ("text", "markdown", "slack", "discord", "json")

DESCRIPTION = """\
Without --post: prints the channel's next digest (what its next post would contain: items first
seen since its last posted digest, or since --since) and changes nothing in the database. The
slack, discord and json formats are JSON on stdout alone.

With --post: posts the channel's current period through its platform and records it; a period
already posted is not posted again (the command says so and exits 0).
"""


def register(subparsers: Subcommands) -> None:
    parser = subparsers.add_parser(
        "digest",
        help="show a channel's next digest, or post it (--post)",
        description=DESCRIPTION,
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
        "--post", action="store_true", help="post it through the channel's platform, once"
    )
    parser.add_argument(
        "--explain",
        action="store_true",
        help="also say why tellings were grouped into one story (on stderr; in --format json, "
        "as a clusters key)",
    )
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace, context: CliContext) -> int:
    if args.post:
        return _post(args, context)
    from bot.platforms import platform
    from digests.render import discord as discord_render
    from digests.render import slack as slack_render
    from digests.render.data import digest_to_data
    from digests.render.text import render_markdown, render_text

    preview = context.run(
        context.core.digests.preview(args.channel, since=args.since, explain=args.explain)
    )
    digest, spec = preview.digest, preview.channel
    chosen = args.format or platform(spec.platform).preview_format
    if chosen == "text":
        context.stdout.write(render_text(digest))
    elif chosen == "markdown":
        context.stdout.write(render_markdown(digest))
    elif chosen == "slack":
        context.print_json(slack_render.render_slack(digest))
    elif chosen == "discord":
        context.print_json(discord_render.render_discord(digest))
    else:
        data = digest_to_data(digest)
        if args.explain:
            data["clusters"] = list(preview.clusters)
        context.print_json(data)
    if args.explain and chosen != "json":
        for line in explanation_lines(preview.clusters):
            context.info(line)
    notes = [f"{len(digest.entries)} entries from {len(digest.item_ids)} items"]
    if not preview.would_post:
        notes.append("nothing new: the channel would not post this digest")
    if preview.next_post is not None:
        notes.append(f"next scheduled post {preview.next_post:%Y-%m-%d %H:%M %Z}")
    context.info(f"talentbrief digest: preview only, nothing posted ({'; '.join(notes)})")
    return 0


def _post(args: argparse.Namespace, context: CliContext) -> int:
    if args.format:
        context.info(
            "talentbrief digest: --format applies to previews; a post uses the channel's format"
        )
    outcomes = context.run(context.core.digests.post(args.channel, since=args.since))
    for outcome in outcomes:
        context.info(f"talentbrief digest: {outcome.describe()}")
    return 1 if any(outcome.failed for outcome in outcomes) else 0


def explanation_lines(clusters: Sequence[Mapping[str, Any]]) -> list[str]:
    """Each story of several tellings: the lead, the others, and what joined them."""
    lines = []
    for cluster in clusters:
        members = {member["id"]: member for member in cluster["items"]}
        lead = members[cluster["lead"]]
        lines.append(f"story led by #{lead['id']} ({lead['source']}): {lead['title']}")
        for join in cluster["joins"]:
            first, second = (members.get(i, {"source": "?"}) for i in join["items"])
            shared = ", ".join(join["shared"][:6]) or "their wording"
            lines.append(
                f"  #{join['items'][0]} {first['source']} ~ #{join['items'][1]} "
                f"{second['source']}: share {shared} (score {join['score']:.2f})"
            )
        for member in cluster["shown_before"]:
            lines.append(f"  shown in an earlier digest: #{member['id']} {member['title']}")
    return lines or ["no story was told by more than one outlet"]
