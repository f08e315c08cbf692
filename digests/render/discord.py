"""Discord messages: one embed per story, several messages when a digest is long.

Limits (Discord's, with margins): content ≤ 2,000; ≤ 10 embeds and ≤ 6,000 embed characters
per message; embed title ≤ 256, description ≤ 4,096, footer ≤ 2,048, author ≤ 256. The story's
link is the embed's own `url`; the other outlets' tellings are masked links whose labels are
escaped feed text (brackets included) and whose URLs went through `safe_url` (no parentheses,
brackets or spaces), so feed text cannot shape a link.

Feed text is escaped: inline markdown characters (and line-start markers such as `#`, `-`, `>`,
`1.`) get a backslash (Discord renders `\\x` as a literal x), `[`/`]` are escaped (no masked
links), `@` gets a zero-width space (no @everyone/@here pills), `<` is escaped (no <@…>, <#…>,
<@&…> mentions or <t:…> tokens) and `scheme://` is broken so nothing auto-links.
`allowed_mentions` is empty on every message, so even content cannot ping anyone.
"""

from __future__ import annotations

import re
from typing import Any

from digests.model import ALERTS, Digest, Entry
from digests.render.common import ZWSP, defang_urls, fit, safe_url, utf16_len
from digests.render.entry import entry_text

CONTENT = 2000
EMBEDS_PER_MESSAGE = 10
EMBED_TITLE = 256
EMBED_FOOTER = 2048
MESSAGE_BUDGET = 5800  # leave room under 6,000
URL_MAX = 1500
NO_MENTIONS: dict[str, Any] = {"parse": []}

ALERT_COLOUR = 0xC0392B
TOPIC_COLOUR = 0x2E6DA4

_INLINE = str.maketrans({**{char: "\\" + char for char in "\\*_~|`[]<"}, "@": "@" + ZWSP})
# Markup that only counts at the start of a line: headings, subtext, lists, quotes.
_LINE_START = re.compile(r"^(?:#{1,3}|-#|[-*+>]|\d+[.)])(?=\s|$)")


def escape(text: str) -> str:
    """Neutralise Discord markdown, mentions and auto-links in one piece of feed text."""
    text = defang_urls(text)
    start = _LINE_START.match(text)
    if start is None:
        return text.translate(_INLINE)
    marker = start.group(0)
    head = marker[:-1].translate(_INLINE) + "\\" + marker[-1]
    return head + text[start.end() :].translate(_INLINE)


def embed_chars(embed: dict[str, Any]) -> int:
    """What Discord counts towards the 6,000 characters of a message."""
    total = utf16_len(embed.get("title", "")) + utf16_len(embed.get("description", ""))
    total += utf16_len(embed.get("footer", {}).get("text", ""))
    total += utf16_len(embed.get("author", {}).get("name", ""))
    for field in embed.get("fields", ()):
        total += utf16_len(field.get("name", "")) + utf16_len(field.get("value", ""))
    return total


def _link(label: str, url: str | None) -> str | None:
    safe = safe_url(url, max_length=URL_MAX)
    return f"[{label}]({safe})" if safe else None


def entry_embed(
    entry: Entry, section_title: str, section_key: str, timezone: str
) -> dict[str, Any]:
    text = entry_text(entry, timezone)
    lines = [text.linked_meta(escape, _link, 500)]
    if text.rule_dates:
        lines.append(f"**{escape(text.rule_dates)}**")
    if text.summary:
        lines.append(fit(text.summary, 600, escape))
    if text.tags:
        lines.append(" ".join(f"`{tag}`" for tag in text.tags))
    embed: dict[str, Any] = {
        "author": {"name": fit(section_title, 100)},
        "title": fit(text.title, EMBED_TITLE - 6, escape),
        "description": fit("\n".join(lines), 1500),
        "color": ALERT_COLOUR if section_key == ALERTS else TOPIC_COLOUR,
    }
    url = safe_url(text.url, max_length=URL_MAX)
    if url:
        embed["url"] = url
    return embed


def render_discord(digest: Digest) -> list[dict[str, Any]]:
    """The digest as message bodies for POST /channels/{id}/messages or a webhook."""
    pages: list[list[dict[str, Any]]] = []
    current: list[dict[str, Any]] = []
    used = 0
    for section in digest.sections:
        for entry in section.entries:
            embed = entry_embed(entry, section.title, section.key, digest.timezone)
            size = embed_chars(embed)
            if current and (
                len(current) >= EMBEDS_PER_MESSAGE or used + size > MESSAGE_BUDGET - 200
            ):
                pages.append(current)
                current, used = [], 0
            current.append(embed)
            used += size
    if current:
        pages.append(current)
    footer = {"text": fit(digest.footer, EMBED_FOOTER, escape)}
    if pages:
        pages[-1][-1]["footer"] = footer  # the 200 kept free above pays for it
    total = max(1, len(pages))
    heading = fit(digest.title, 300, escape)
    messages = []
    for number in range(total):
        if number == 0:
            content = f"**{heading}**\n{fit(digest.subtitle, 600, escape)}"
        else:
            content = f"**{heading}** ({number + 1}/{total})"
        message: dict[str, Any] = {
            "content": fit(content, CONTENT),
            "embeds": pages[number] if pages else [],
            "allowed_mentions": NO_MENTIONS,
        }
        if not pages:
            message["content"] = fit(f"{content}\n{escape(digest.footer)}", CONTENT)
        messages.append(message)
    return messages


def chart_part(digest: Digest, filename: str) -> dict[str, Any]:
    """A message carrying the weekly chart as an attachment shown in an embed."""
    title = "Items per topic, last 8 weeks"
    return {
        "content": f"**{fit(digest.title, 300, escape)}**: {title.lower()}",
        "embeds": [{"title": title, "image": {"url": f"attachment://{filename}"}}],
        "attachments": [{"id": 0, "filename": filename, "description": title}],
        "allowed_mentions": NO_MENTIONS,
    }
