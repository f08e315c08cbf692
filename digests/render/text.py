"""Plain text (for the console and logs) and Markdown (CommonMark / GitHub) renderings.

Neither has length limits, so no entry is ever cut except for one-line titles and summaries.
Plain text contains no control characters (so no terminal escape sequences); Markdown escapes
every ASCII punctuation character CommonMark treats as markup and breaks bare URLs in feed text.
"""

from __future__ import annotations

import re

from digests.model import Digest
from digests.render.common import defang_urls, fit, safe_url
from digests.render.entry import entry_text

TITLE_MAX = 400
SUMMARY_MAX = 600
META_MAX = 600

_INLINE = re.compile(r"([\\`*_\[\]<>!|~&])")
# Markup that only counts at the start of a line: headings, lists, quotes, setext rules.
_LINE_START = re.compile(r"^(#{1,6}|[-+*>=]|\d+)(?=[\s.)]|$)")


def escape_markdown(text: str) -> str:
    text = _INLINE.sub(r"\\\1", defang_urls(text))
    start = _LINE_START.match(text)
    if start and start.group(1).isdigit():
        rest = text[start.end() :]
        return start.group(1) + ("\\" + rest if rest[:1] in (".", ")") else rest)
    return "\\" + text if start else text


def render_text(digest: Digest) -> str:
    lines = [digest.title, digest.subtitle]
    for section in digest.sections:
        lines += ["", section.title.upper()]
        for entry in section.entries:
            text = entry_text(entry, digest.timezone)
            lines.append(f"- {fit(text.title, TITLE_MAX)}")
            lines.append(f"  {fit(text.meta, META_MAX)}")
            if text.rule_dates:
                lines.append(f"  {text.rule_dates}")
            if text.summary:
                lines.append(f"  {fit(text.summary, SUMMARY_MAX)}")
            if text.tags:
                lines.append(f"  Tags: {', '.join(text.tags)}")
            url = safe_url(text.url, max_length=4000)
            if url:
                lines.append(f"  {url}")
            for name, also_url in zip(text.also, text.also_urls, strict=True):
                linked = safe_url(also_url, max_length=4000)
                if linked and linked != url:
                    lines.append(f"  + {fit(name, 80)}: {linked}")
    lines += ["", digest.footer]
    return "\n".join(lines) + "\n"


def _markdown_link(label: str, url: str | None) -> str | None:
    safe = safe_url(url, max_length=4000)
    return f"[{label}](<{safe}>)" if safe else None


def render_markdown(digest: Digest) -> str:
    lines = [f"# {escape_markdown(digest.title)}", "", f"_{escape_markdown(digest.subtitle)}_"]
    for section in digest.sections:
        lines += ["", f"## {escape_markdown(section.title)}", ""]
        for entry in section.entries:
            text = entry_text(entry, digest.timezone)
            title = fit(text.title, TITLE_MAX, escape_markdown)
            url = safe_url(text.url, max_length=4000)
            # Two trailing spaces: a hard line break before the entry's details.
            lines.append(f"- **[{title}](<{url}>)**  " if url else f"- **{title}**  ")
            details = [text.linked_meta(escape_markdown, _markdown_link, META_MAX)]
            if text.rule_dates:
                details.append(f"**{escape_markdown(text.rule_dates)}**")
            if text.summary:
                details.append(fit(text.summary, SUMMARY_MAX, escape_markdown))
            if text.tags:
                details.append(" ".join(f"`{tag}`" for tag in text.tags))
            lines += [f"  {detail}  " for detail in details[:-1]] + [f"  {details[-1]}"]
    lines += ["", f"_{escape_markdown(digest.footer)}_"]
    return "\n".join(lines) + "\n"
