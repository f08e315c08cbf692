"""Renderers: golden output for a fixed item set; hostile text stays inert and within limits.

Regenerate the golden files deliberately with:
    TALENTBRIEF_REGENERATE_GOLDEN=1 .venv/bin/pytest tests/test_digest_render.py
and review the diff before committing it.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import discord
import pytest
from slack_sdk.models.blocks import Block

from digests.compose import build_digest
from digests.model import Digest, Entry, Section
from digests.render import discord as discord_render
from digests.render import slack as slack_render
from digests.render.common import fit, safe_url, utf16_len
from digests.render.data import digest_to_data
from digests.render.text import render_markdown, render_text
from tests.corpus.digest import CATALOG, NOW, WINDOW_START, adversarial_items, fixed_items

GOLDEN = Path(__file__).parent / "golden"
# A masked link to another outlet's telling: an escaped label and an http(s) URL.
OUR_LINK = re.compile(r"(?<!\\)\[((?:\\.|[^\\\]])*)\]\((https?://[^)\s]+)\)")
REGENERATE = os.environ.get("TALENTBRIEF_REGENERATE_GOLDEN") == "1"


def _fixed_digest() -> Digest:
    return build_digest(
        fixed_items(),
        channel="talent-desk",
        timezone="America/New_York",
        window_start=WINDOW_START,
        window_end=NOW,
        catalog=CATALOG,
    )


def _renderings(digest: Digest) -> dict[str, str]:
    def as_json(value: Any) -> str:
        return json.dumps(value, ensure_ascii=False, indent=2) + "\n"

    return {
        "digest.txt": render_text(digest),
        "digest.md": render_markdown(digest),
        "digest.slack.json": as_json(slack_render.render_slack(digest)),
        "digest.discord.json": as_json(discord_render.render_discord(digest)),
        "digest.json": as_json(digest_to_data(digest)),
    }


@pytest.mark.parametrize("name", sorted(_renderings(_fixed_digest())))
def test_golden_renderings(name: str) -> None:
    rendered = _renderings(_fixed_digest())[name]
    path = GOLDEN / name
    if REGENERATE:
        GOLDEN.mkdir(exist_ok=True)
        path.write_text(rendered, encoding="utf-8")
    assert path.read_text("utf-8") == rendered, f"{name} changed; see the module docstring"


def test_the_fixed_digest_has_alerts_first_and_one_entry_per_story() -> None:
    digest = _fixed_digest()
    assert [s.key for s in digest.sections] == [
        "alerts",
        "visa-policy",
        "talent-programs",
        "returnees",
        "research-security",
        "export-controls",
        "student-mobility",
        "ai-talent",
    ]
    [story] = next(s for s in digest.sections if s.key == "returnees").entries
    assert set(story.item_ids) == {3, 4, 5}
    assert story.item.source == "Nature news"  # the earliest report with a summary to show
    assert set(story.also) == {"Science news", "Google News: China talent and visas"}
    text = render_text(digest)
    assert "Comments close 31 Mar 2026" in text
    assert "Effective 5 Mar 2026" in text


def _hostile_digest(count: int = 200) -> Digest:
    """Every adversarial item as its own entry, so splitting must happen and nothing merges."""
    items = adversarial_items(count)
    sections = []
    for key in ("alerts", "visa-policy", "returnees", "other"):
        entries = tuple(
            Entry(item=item, also=("@everyone", "<!channel> *x*") * 30, item_ids=(item.id,))
            for n, item in enumerate(items)
            if n % 4 == ("alerts", "visa-policy", "returnees", "other").index(key)
        )
        sections.append(Section(key=key, title=key.title() * 40, entries=entries))
    return Digest(
        channel="x",
        title="T" * 500,
        subtitle="S" * 5000,
        sections=tuple(sections),
        timezone="Asia/Shanghai",
        window_start=WINDOW_START,
        window_end=NOW,
        omitted=3,
    )


def _slack_texts(block: dict[str, Any]) -> list[str]:
    if block["type"] == "context":
        return [element["text"] for element in block["elements"]]
    return [block["text"]["text"]]


def test_slack_messages_validate_and_respect_every_limit() -> None:
    digest = _hostile_digest()
    messages = slack_render.render_slack(digest)
    assert len(messages) > 3
    sections = 0
    for message in messages:
        blocks = message["blocks"]
        assert len(blocks) <= 50
        assert len(json.dumps(blocks, ensure_ascii=False)) <= 12_000
        for raw in blocks:
            block = Block.parse(raw)
            assert block is not None
            block.validate_json()  # slack_sdk's own limits: header 150, section text 3,000 …
            if raw["type"] == "header":
                assert utf16_len(raw["text"]["text"]) <= 150
            if raw["type"] == "section":
                sections += 1
                assert utf16_len(raw["text"]["text"]) <= 3000
                assert raw["text"]["verbatim"] is True
    assert sections == len(digest.entries)  # split, never dropped


def test_slack_text_is_inert() -> None:
    for message in slack_render.render_slack(_hostile_digest(60)):
        for block in message["blocks"]:
            for text in _slack_texts(block):
                if block["type"] == "header":
                    continue
                assert "<!" not in text and "<@" not in text and "<#" not in text
                # The only links are ours: *<https://…|title>*, with nothing unescaped inside.
                for link in re.findall(r"<([^>]*)>", text):
                    url, _, label = link.partition("|")
                    raw = url.replace("&amp;", "&")
                    assert raw == safe_url(raw)
                    assert not re.search(r"&(?!amp;)", url)  # & in a Slack URL is &amp;
                    assert "<" not in label
                assert not re.search(r"[\x00-\x08\x0b-\x1f\u202e\u2066]", text)
                assert "http://evil" not in text and "https://evil.example/plain" not in text


def test_discord_messages_load_and_respect_every_limit() -> None:
    digest = _hostile_digest()
    messages = discord_render.render_discord(digest)
    assert len(messages) > 3
    embeds_total = 0
    for message in messages:
        assert utf16_len(message["content"]) <= 2000
        assert message["allowed_mentions"] == {"parse": []}
        assert len(message["embeds"]) <= 10
        total = 0
        for raw in message["embeds"]:
            embed = discord.Embed.from_dict(raw)
            total += len(embed)
            assert utf16_len(raw["title"]) <= 256
            assert utf16_len(raw["description"]) <= 4096
            assert utf16_len(raw["author"]["name"]) <= 256
            assert utf16_len(raw.get("footer", {}).get("text", "")) <= 2048
            assert len(raw.get("fields", [])) <= 25
        assert total <= 6000
        assert discord_render.embed_chars({"title": "x"}) == 1
        embeds_total += len(message["embeds"])
    assert embeds_total == len(digest.entries)


def test_discord_text_is_inert() -> None:
    for message in discord_render.render_discord(_hostile_digest(60)):
        texts = [message["content"]]
        for embed in message["embeds"]:
            texts += [embed["title"], embed["description"], embed["author"]["name"]]
            if "url" in embed:
                assert embed["url"] == safe_url(embed["url"])
        for text in texts:
            # The only links are ours: other outlets' tellings, with a safe URL and an escaped
            # label. Take them out, then nothing link-like may remain.
            for label, url in OUR_LINK.findall(text):
                assert url == safe_url(url) and not re.search(r"(?<!\\)[\[\]]", label)
            rest = OUR_LINK.sub("", text)
            assert not re.search(r"@(everyone|here)", rest)
            assert not re.search(r"(?<!\\)<[@#]", rest)
            assert not re.search(r"(?<!\\)\[[^\]]*\]\(", rest)  # no masked links
            assert "://" not in rest  # nothing auto-links
            assert not re.search(r"[\x00-\x08\x0b-\x1f\u202e\u2066]", rest)


def test_markdown_and_text_keep_every_entry_and_no_control_characters() -> None:
    digest = _hostile_digest(40)
    text, markdown = render_text(digest), render_markdown(digest)
    assert text.count("\n- ") == len(digest.entries)
    assert markdown.count("\n- **") == len(digest.entries)
    for output in (text, markdown):
        assert "\x1b" not in output and "\u202e" not in output
    assert "](http://evil" not in markdown and "<script>" not in markdown


def test_long_text_is_cut_on_a_character_boundary_with_an_ellipsis() -> None:
    assert fit("A" * 10_000, 100) == "A" * 99 + "…"
    flags = fit("🇺🇸🇨🇳" * 100, 11)
    assert flags.endswith("…") and utf16_len(flags) <= 11
    assert len(flags[:-1]) % 2 == 0  # no flag split in half
    family = fit("👩‍🔬" * 50, 10)
    assert not family[:-1].endswith("\u200d")
    escaped = fit("&" * 1000, 30, slack_render.escape)
    assert escaped.endswith("&amp;…") and utf16_len(escaped) <= 30


@pytest.mark.parametrize(
    ("url", "safe"),
    [
        ("https://news.example/a?b=1&c=2", "https://news.example/a?b=1&c=2"),
        ("https://news.example/a (b)|<c>", None),
        ("https://news.example/a(b)|<c>", "https://news.example/a%28b%29%7C%3Cc%3E"),
        ("javascript:alert(1)", None),
        ("https://user:pw@evil.example/", None),
        ("ftp://files.example/", None),
        ("https://news.example/" + "x" * 3000, None),
        ("https://bücher.example/ä", "https://xn--bcher-kva.example/%C3%A4"),
    ],
)
def test_safe_url(url: str, safe: str | None) -> None:
    assert safe_url(url) == safe
