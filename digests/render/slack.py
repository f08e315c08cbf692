"""Slack Block Kit messages.

Limits (Slack's, with margins): ≤ 50 blocks per message, section text ≤ 3,000, header ≤ 150,
and the whole message kept well under the ~12 k characters where chat.postMessage starts
failing with msg_blocks_too_long. A long digest becomes several messages (the adapter posts the
later ones in the thread of the first); no entry is ever dropped to fit.

Feed text is escaped (&, <, > → entities, which defuses <!channel>, <@U…> and <url|label>) and
mrkdwn formatting characters are replaced by look-alikes; every text object is `verbatim`, so
Slack does not auto-link or auto-mention anything in it. Headers are plain_text, never parsed.
"""

from __future__ import annotations

import json
from typing import Any

from digests.model import Digest, Entry
from digests.render.common import defang_urls, fit, safe_url, utf16_len
from digests.render.entry import entry_text

MAX_BLOCKS = 50
SECTION_TEXT = 3000
HEADER_TEXT = 150
CONTEXT_TEXT = 2000
MESSAGE_BUDGET = 10_000  # characters of the serialised blocks of one message
FALLBACK_TEXT = 300
URL_MAX = 1200

_ESCAPES = str.maketrans(
    {"&": "&amp;", "<": "&lt;", ">": "&gt;", "*": "∗", "_": "ˍ", "~": "∼", "`": "ˋ"}
)


def escape(text: str) -> str:
    return defang_urls(text).translate(_ESCAPES)


def _mrkdwn(text: str) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": text, "verbatim": True}


def _header(text: str) -> dict[str, Any]:
    return {"type": "header", "text": {"type": "plain_text", "text": fit(text, HEADER_TEXT)}}


def _context(text: str) -> dict[str, Any]:
    return {"type": "context", "elements": [_mrkdwn(fit(text, CONTEXT_TEXT, escape))]}


def _link(label: str, url: str | None) -> str | None:
    safe = safe_url(url, max_length=URL_MAX)
    return f"<{safe.replace('&', '&amp;')}|{label}>" if safe else None


def entry_block(entry: Entry, timezone: str) -> dict[str, Any]:
    text = entry_text(entry, timezone)
    title = fit(text.title, 300, escape)
    url = safe_url(text.url, max_length=URL_MAX)
    lines = [f"*<{url.replace('&', '&amp;')}|{title}>*" if url else f"*{title}*"]
    lines.append(text.linked_meta(escape, _link, 600))
    if text.rule_dates:
        lines.append(escape(text.rule_dates))
    if text.summary:
        lines.append(fit(text.summary, 500, escape))
    if text.tags:
        tags = ""
        for tag in text.tags:
            if len(tags) + len(tag) + 3 > 200:
                break
            tags += f"{' ' if tags else ''}`{tag}`"
        lines.append(tags)
    return {"type": "section", "text": _mrkdwn(fit("\n".join(lines), SECTION_TEXT))}


def _size(block: dict[str, Any]) -> int:
    return utf16_len(json.dumps(block, ensure_ascii=False))


def render_slack(digest: Digest) -> list[dict[str, Any]]:
    """The digest as chat.postMessage bodies (without `channel`), in posting order."""
    messages: list[list[dict[str, Any]]] = []
    current = [_header(digest.title), _context(digest.subtitle)]
    # The serialised size of a message is the sum of its blocks' plus a comma between each.
    used = sum(_size(block) + 2 for block in current)
    for section in digest.sections:
        heading_shown = False
        for entry in section.entries:
            block = entry_block(entry, digest.timezone)
            adding = [block] if heading_shown else [_header(section.title), block]
            extra = sum(_size(b) + 2 for b in adding)
            # Keep one block free for the footer.
            if len(current) + len(adding) > MAX_BLOCKS - 1 or used + extra > MESSAGE_BUDGET:
                messages.append(current)
                current = [_header(f"{section.title} (continued)"), block]
                used = sum(_size(b) + 2 for b in current)
            else:
                current.extend(adding)
                used += extra
            heading_shown = True
    footer = _context(digest.footer)
    if used + _size(footer) + 2 > MESSAGE_BUDGET:
        messages.append(current)
        current = []
    current.append(footer)
    messages.append(current)
    total = len(messages)
    result = []
    for number, blocks in enumerate(messages, start=1):
        label = digest.title if total == 1 else f"{digest.title} ({number}/{total})"
        result.append({"text": fit(label, FALLBACK_TEXT, escape), "blocks": blocks})
    return result


def chart_part(digest: Digest, filename: str) -> dict[str, Any]:
    """files_upload_v2 arguments for the weekly chart (the adapter adds channel and thread)."""
    title = "Items per topic, last 8 weeks"
    return {
        "filename": filename,
        "title": title,
        "alt_txt": f"Line chart: {title.lower()}, for {digest.channel}",
        "initial_comment": escape(f"{digest.title}: {title.lower()}"),
    }
