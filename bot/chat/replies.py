"""A command's `Reply` as each platform's messages: Slack Block Kit, Discord embeds, plain text.

Every string in a reply may carry feed text, so all of it is escaped with the same functions
the digest renderers use (no mass mentions, no injected links or markup) and cut to the
platform's limits. A reply that carries a digest preview becomes several messages: the reply
itself, then the digest as the platform renders digests.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from bot.commands.model import MARKS, Listing, Reply
from digests.render import discord as discord_render
from digests.render import slack as slack_render
from digests.render.common import fit, format_date, one_line, safe_url, utf16_len
from digests.render.text import render_text

SLACK_MAX_BLOCKS = 50
SLACK_FIELDS_PER_SECTION = 10
SLACK_FIELD_TEXT = 2000
DISCORD_EMBEDS = 10
DISCORD_FIELDS = 25
DISCORD_MESSAGE_CHARS = 5800  # of the 6,000 Discord counts across a message's embeds
ALERT_COLOUR = discord_render.ALERT_COLOUR
PLAIN_COLOUR = discord_render.TOPIC_COLOUR


def _marked(text: str, escape: Callable[[str], str], bold: str, limit: int) -> str:
    """Escape a snippet, then turn the match marks into the platform's bold."""
    escaped = fit(one_line(text), limit, escape)
    return escaped.replace(MARKS[0], bold).replace(MARKS[1], bold)


def _meta(item: Listing) -> str:
    parts = [f"#{item.id}"]
    if item.source:
        parts.append(one_line(item.source))
    parts.append(format_date(item.published))
    if item.tags:
        parts.append(", ".join(item.tags[:6]))
    if item.alert:
        parts.append("policy alert")
    return " · ".join(parts)


# --- Slack ----------------------------------------------------------------------------------


def _slack_text(text: str) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": text, "verbatim": True}


def _slack_item(item: Listing) -> dict[str, Any]:
    escape = slack_render.escape
    title = fit(one_line(item.title) or "(untitled)", 300, escape)
    url = safe_url(item.url, max_length=slack_render.URL_MAX)
    lines = [f"*<{url.replace('&', '&amp;')}|{title}>*" if url else f"*{title}*"]
    lines.append(fit(_meta(item), 400, escape))
    if item.snippet and one_line(item.snippet) != one_line(item.title):
        lines.append(_marked(item.snippet, escape, "*", 600))
    return {"type": "section", "text": _slack_text("\n".join(lines))}


def _slack_fields(fields: Sequence[tuple[str, str]]) -> list[dict[str, Any]]:
    escape = slack_render.escape
    blocks = []
    for start in range(0, len(fields), SLACK_FIELDS_PER_SECTION):
        chunk = fields[start : start + SLACK_FIELDS_PER_SECTION]
        blocks.append(
            {
                "type": "section",
                "fields": [
                    _slack_text(
                        f"*{fit(one_line(label), 200, escape)}*\n"
                        f"{fit(one_line(value), SLACK_FIELD_TEXT - 260, escape)}"
                    )
                    for label, value in chunk
                ],
            }
        )
    return blocks


def slack_messages(reply: Reply) -> list[dict[str, Any]]:
    """Bodies for respond()/chat.postMessage: `text` (the notification) and `blocks`."""
    escape = slack_render.escape
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": fit(one_line(reply.title), 150)}}
    ]
    blocks += [
        {"type": "section", "text": _slack_text(fit(line, slack_render.SECTION_TEXT, escape))}
        for line in reply.lines
    ]
    room = SLACK_MAX_BLOCKS - len(blocks) - 2  # keep room for the fields and the footer
    shown = reply.items[: max(room, 0)]
    blocks += [_slack_item(item) for item in shown]
    blocks += _slack_fields(reply.fields)[: max(SLACK_MAX_BLOCKS - len(blocks) - 1, 0)]
    footer = reply.footer
    if len(shown) < len(reply.items):
        footer = f"{len(reply.items) - len(shown)} more not shown. {footer}".strip()
    if footer:
        blocks.append({"type": "context", "elements": [_slack_text(fit(footer, 2000, escape))]})
    messages = [{"text": fit(one_line(reply.title), 300, escape), "blocks": blocks}]
    if reply.digest is not None:
        messages += slack_render.render_slack(reply.digest)
    return messages


# --- Discord --------------------------------------------------------------------------------


def _discord_item(item: Listing) -> dict[str, Any]:
    escape = discord_render.escape
    embed: dict[str, Any] = {
        "title": fit(one_line(item.title) or "(untitled)", 250, escape),
        "description": fit(_meta(item), 300, escape),
        "color": ALERT_COLOUR if item.alert else PLAIN_COLOUR,
    }
    if item.snippet and one_line(item.snippet) != one_line(item.title):
        embed["description"] += "\n" + _marked(item.snippet, escape, "**", 500)
    url = safe_url(item.url, max_length=discord_render.URL_MAX)
    if url:
        embed["url"] = url
    return embed


def _discord_field_embeds(fields: Sequence[tuple[str, str]]) -> list[dict[str, Any]]:
    escape = discord_render.escape
    embeds = []
    for start in range(0, len(fields), DISCORD_FIELDS):
        chunk = fields[start : start + DISCORD_FIELDS]
        embeds.append(
            {
                "color": PLAIN_COLOUR,
                "fields": [
                    {
                        "name": fit(one_line(label), 250, escape) or "—",
                        "value": fit(one_line(value), 1000, escape) or "—",
                        "inline": False,
                    }
                    for label, value in chunk
                ],
            }
        )
    return embeds


def discord_messages(reply: Reply) -> list[dict[str, Any]]:
    """Bodies for an interaction response or a channel message: content, embeds, no mentions."""
    escape = discord_render.escape
    content = "\n".join(
        [f"**{fit(one_line(reply.title), 250, escape)}**"]
        + [fit(line, 600, escape) for line in reply.lines]
    )
    embeds = [_discord_item(item) for item in reply.items] + _discord_field_embeds(reply.fields)
    kept: list[dict[str, Any]] = []
    used = 0
    for embed in embeds[:DISCORD_EMBEDS]:
        size = discord_render.embed_chars(embed)
        if used + size > DISCORD_MESSAGE_CHARS:
            break
        kept.append(embed)
        used += size
    footer = reply.footer
    if len(kept) < len(embeds):
        footer = f"{len(embeds) - len(kept)} more not shown. {footer}".strip()
    if footer and kept and used + utf16_len(footer) < DISCORD_MESSAGE_CHARS:
        kept[-1]["footer"] = {"text": fit(footer, 300, escape)}
    elif footer:
        content += "\n" + fit(footer, 300, escape)
    messages = [
        {
            "content": fit(content, discord_render.CONTENT),
            "embeds": kept,
            "allowed_mentions": discord_render.NO_MENTIONS,
        }
    ]
    if reply.digest is not None:
        messages += discord_render.render_discord(reply.digest)
    return messages


# --- plain text (console, logs, tests) ------------------------------------------------------


def text_messages(reply: Reply) -> list[dict[str, Any]]:
    lines = [one_line(reply.title), *(one_line(line) for line in reply.lines)]
    for item in reply.items:
        lines.append(f"- {one_line(item.title)}")
        lines.append(f"  {_meta(item)}")
        if item.snippet:
            lines.append(
                "  " + one_line(item.snippet).replace(MARKS[0], "**").replace(MARKS[1], "**")
            )
        if item.url:
            lines.append(f"  {item.url}")
    lines += [f"{one_line(label)}: {one_line(value)}" for label, value in reply.fields]
    if reply.footer:
        lines.append(one_line(reply.footer))
    messages = [{"text": "\n".join(lines) + "\n"}]
    if reply.digest is not None:
        messages.append({"text": render_text(reply.digest)})
    return messages
