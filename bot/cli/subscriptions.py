"""`talentbrief subscriptions list|add|remove|resume`: policy alerts, for operators."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from bot.cli.context import CliContext
from storage.errors import BadInput

if TYPE_CHECKING:
    from bot.cli.context import Subcommands

TARGET_HELP = (
    "where alerts go: slack:C0123… or discord:1234… (a channel), slack:dm:U0123… or "
    "discord:dm:1234… (a person's direct messages), or console"
)


def register(subparsers: Subcommands) -> None:
    parser = subparsers.add_parser(
        "subscriptions", help="list, add or remove alert subscriptions; resume paused targets"
    )
    actions = parser.add_subparsers(dest="subscriptions_action", metavar="ACTION", required=True)
    listing = actions.add_parser("list", help="every subscription with what became of its alerts")
    listing.add_argument("--json", action="store_true", help="print JSON on stdout")
    listing.set_defaults(handler=handle_list)
    add = actions.add_parser("add", help="subscribe a target to a query (as an operator)")
    add.add_argument(
        "query", metavar="QUERY", help="the search grammar, e.g. 'tag:visa-policy alert:yes'"
    )
    add.add_argument("--to", required=True, metavar="TARGET", help=TARGET_HELP)
    add.set_defaults(handler=handle_add)
    remove = actions.add_parser("remove", help="remove a subscription (anyone's)")
    remove.add_argument("id", type=int, metavar="ID")
    remove.set_defaults(handler=handle_remove)
    resume = actions.add_parser(
        "resume", help="let the alerts of a paused target (one the bot had lost) go out again"
    )
    resume.add_argument("platform", choices=("slack", "discord", "console"))
    resume.add_argument("target", metavar="TARGET_ID")
    resume.add_argument(
        "--drop-backlog", action="store_true", help="skip what waited while it was paused"
    )
    resume.set_defaults(handler=handle_resume)


def parse_target(text: str) -> tuple[str, str, str]:
    """`slack:C0123`, `slack:dm:U0123`, `discord:123`, `discord:dm:456` or `console` →
    (kind, platform, id)."""
    parts = text.strip().split(":")
    if parts == ["console"]:
        return "channel", "console", "console"
    if len(parts) == 2 and parts[0] in ("slack", "discord") and parts[1]:
        return "channel", parts[0], parts[1]
    if len(parts) == 3 and parts[0] in ("slack", "discord") and parts[1] == "dm" and parts[2]:
        return "dm", parts[0], parts[2]
    raise BadInput(f"--to {text!r}: {TARGET_HELP}")


def handle_list(args: argparse.Namespace, context: CliContext) -> int:
    from bot.cli.text import iso, table

    views = context.run(context.core.alerts.subscriptions())
    if args.json:
        context.print_json(
            [
                {
                    "id": v.subscription.id,
                    "query": v.subscription.query,
                    "owner": f"{v.subscription.owner.platform}:{v.subscription.owner.user_id}",
                    "target": f"{v.subscription.target_platform}:"
                    + ("dm:" if v.subscription.target_kind == "dm" else "")
                    + v.subscription.target_id,
                    "enabled": v.subscription.enabled,
                    "paused": v.subscription.paused_reason,
                    "posted": v.deliveries.posted,
                    "waiting": v.deliveries.pending + v.deliveries.sending,
                    "failed": v.deliveries.failed,
                    "last_failure": v.deliveries.last_failure,
                    "last_posted_at": iso(v.deliveries.last_posted_at),
                }
                for v in views
            ]
        )
        return 0
    if not views:
        context.out("No subscriptions. Add one with `talentbrief subscriptions add QUERY --to …`.")
        return 0
    rows = [
        [
            str(v.subscription.id),
            v.subscription.query,
            f"{v.subscription.target_platform}:{v.subscription.target_id}",
            v.line,
        ]
        for v in views
    ]
    context.out(
        table(["ID", "QUERY", "TARGET", "DELIVERIES"], rows, max_widths=[None, 60, None, 120])
    )
    return 0


def handle_add(args: argparse.Namespace, context: CliContext) -> int:
    from bot.alerts.subscriptions import Target
    from storage.subscriptions import Owner

    kind, platform, target = parse_target(args.to)
    record = context.run(
        context.core.alerts.subscribe(
            Owner("cli", "operator"), args.query, Target(kind, platform, target)
        )
    )
    context.out(f"Subscription #{record.id}: {record.query} → {args.to}")
    return 0


def handle_remove(args: argparse.Namespace, context: CliContext) -> int:
    record = context.run(context.core.alerts.unsubscribe(args.id, None))
    context.out(f"Removed subscription #{record.id} ({record.query}).")
    return 0


def handle_resume(args: argparse.Namespace, context: CliContext) -> int:
    count = context.run(
        context.core.alerts.resume(args.platform, args.target, drop_backlog=args.drop_backlog)
    )
    what = "skipped" if args.drop_backlog else "released"
    context.out(
        f"Resumed alerts to {args.platform} {args.target}; {count} waiting deliveries {what}."
    )
    return 0
