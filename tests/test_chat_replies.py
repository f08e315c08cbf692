"""A command's reply on each platform: hostile feed text stays inert and every message fits."""

from __future__ import annotations

import json
import re

import discord
from slack_sdk.models.blocks import Block

from bot.chat.replies import discord_messages, slack_messages, text_messages
from bot.commands.handlers import listing
from bot.commands.model import MARKS, Listing, Reply
from storage.types import SearchHit
from tests.corpus.digest import ADVERSARIAL_TITLES, NOW, adversarial_items

# What would notify people on each platform if it reached the message unescaped.
SLACK_PINGS = re.compile(r"<!(channel|here|everyone)>|<@[UW]\w+>|<#C\w+>")
DISCORD_PINGS = re.compile(r"(?<!\u200b)@(everyone|here)|(?<!\\)<@[!&]?\d+>")


def _hostile_reply(items: int = 60, fields: int = 100) -> Reply:
    listings = [
        listing(
            SearchHit(
                id=item.id,
                title=item.title,
                url=item.url,
                source=item.source,
                published=item.published_at,
                tags=tuple(item.tags),
                alert=item.alert,
                snippet=f"{MARKS[0]}{item.summary[:300]}{MARKS[1]} and more",
                score=0.5,
            )
        )
        for item in adversarial_items(items)
    ]
    return Reply(
        title=ADVERSARIAL_TITLES[3] * 20,
        lines=tuple(ADVERSARIAL_TITLES[:5]),
        items=tuple(listings),
        fields=tuple(
            (ADVERSARIAL_TITLES[n % 10], ADVERSARIAL_TITLES[(n + 1) % 10]) for n in range(fields)
        ),
        footer=ADVERSARIAL_TITLES[3],
    )


def test_slack_replies_are_valid_block_kit_within_limits_and_ping_nobody() -> None:
    [message] = slack_messages(_hostile_reply())
    assert len(message["blocks"]) <= 50
    for raw in message["blocks"]:
        Block.parse(raw).validate_json()  # type: ignore[union-attr]  # slack_sdk's own limits
        if raw["type"] == "section" and "fields" in raw:
            assert len(raw["fields"]) <= 10
    # Headers are plain_text, which Slack never parses for mentions; everything else is mrkdwn.
    assert message["blocks"][0]["text"]["type"] == "plain_text"
    shown = json.dumps([message["text"], message["blocks"][1:]], ensure_ascii=False)
    assert not SLACK_PINGS.search(shown)
    assert "more not shown" in shown  # what did not fit is counted, not silently dropped
    assert "javascript:" not in shown


def test_discord_replies_fit_embed_limits_and_ping_nobody() -> None:
    [message] = discord_messages(_hostile_reply())
    assert len(message["content"]) <= 2000
    assert len(message["embeds"]) <= 10
    assert message["allowed_mentions"] == {"parse": []}
    total = 0
    for raw in message["embeds"]:
        embed = discord.Embed.from_dict(raw)
        total += len(embed)
        assert len(raw.get("fields", ())) <= 25
    assert total <= 6000
    shown = json.dumps(message, ensure_ascii=False)
    assert not DISCORD_PINGS.search(shown)
    assert "more not shown" in shown


def test_matched_words_are_bold_in_each_platform_s_own_markup() -> None:
    item = Listing(
        id=7,
        title="USCIS finalizes H-1B fee rule",
        url="https://www.uscis.gov/news/fee",
        source="USCIS news",
        published=NOW,
        tags=("visa-policy",),
        alert=True,
        snippet=f"raises the {MARKS[0]}H-1B{MARKS[1]} registration fee",
    )
    reply = Reply(title="1 best match for H-1B", items=(item,))
    slack = json.dumps(slack_messages(reply))
    assert "*H-1B*" in slack and MARKS[0] not in slack
    discord_body = json.dumps(discord_messages(reply))
    assert "**H-1B**" in discord_body
    assert "#7 · USCIS news" in text_messages(reply)[0]["text"]
