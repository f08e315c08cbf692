"""The platform-neutral command layer: each command over a real archive, and the replies a user
gets for their own mistakes and for the bot's."""

from __future__ import annotations

import logging

import pytest

from bot.commands.layer import COMMANDS, CommandLayer, RateLimiter
from bot.commands.model import Caller
from bot.config import Config
from bot.core import Talentbrief
from storage.db import Database
from tests.corpus.recent import store_recent

BEN = Caller("slack", "U0BEN", "C0DESK")
ADA = Caller("slack", "U0ADA", "C0DESK", admin=True)


@pytest.fixture
def layer(database: Database) -> CommandLayer:
    store_recent(database)
    return CommandLayer(Talentbrief(Config(), database=database, env={}))


async def test_search_lists_items_with_ids_sources_and_tags(layer: CommandLayer) -> None:
    reply = await layer.run_text(BEN, "search H-1B since:7d")
    assert not reply.error
    titles = [item.title for item in reply.items]
    assert "USCIS proposes new H-1B registration fee and a weighted lottery" in titles
    first = reply.items[0]
    assert first.id > 0 and first.source and first.tags


async def test_why_explains_an_item_from_search_results(layer: CommandLayer) -> None:
    [hit] = (await layer.run_text(BEN, 'search "registration fee"')).items
    reply = await layer.run_text(BEN, f"why #{hit.id}")
    assert not reply.error
    assert reply.items[0].id == hit.id
    assert dict(reply.fields)  # one field per topic (and the alert flag)


async def test_latest_topics_sources_and_digest(layer: CommandLayer) -> None:
    latest = await layer.run_text(BEN, "latest returnees")
    assert latest.items and all("returnees" in item.tags for item in latest.items)
    topics = await layer.run_text(BEN, "topics")
    assert topics.fields[0][0] == "visa-policy"
    sources = await layer.run_text(BEN, "sources")
    assert sources.fields and sources.title.endswith("0 failing")
    digest = await layer.run_text(BEN, "digest returnees")
    assert digest.digest is not None and digest.private


async def test_help_shows_every_command_with_an_example(layer: CommandLayer) -> None:
    reply = await layer.run_text(BEN, "help")
    shown = "\n".join(f"{label} {value}" for label, value in reply.fields)
    for command in COMMANDS.values():
        assert f"/brief {command.usage.name}" in shown
        assert command.usage.example in shown
    assert (await layer.run_text(BEN, "")).title == reply.title  # an empty /brief is help


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("serch H-1B", "There is no command 'serch'. Try /brief help, or /brief search serch"),
        ('search "unclosed', "unbalanced quote"),
        ("search H-1B tag:visa", "tag:visa is not a topic (known: visa-policy"),
        ("latest visas", "unknown topic 'visas'"),
        ("why twelve", "'twelve' is not an item id"),
        ("why 99999999", "no item 99999999"),
        ("search", "usage: /brief search QUERY"),
        ("topics now", "this command takes no arguments"),
        ("feeds remove Nobody", "is for admins"),
        ("search " + "visa " * 200, "keep it under 500"),
    ],
)
async def test_a_user_s_mistake_gets_one_short_reply(
    layer: CommandLayer, text: str, says: str
) -> None:
    reply = await layer.run_text(BEN, text)
    assert reply.error and reply.reference is None
    assert says in " ".join(reply.lines)


async def test_an_admin_gets_past_the_permission_check(layer: CommandLayer) -> None:
    reply = await layer.run_text(ADA, "feeds remove Nobody")
    assert reply.error and "no source named 'Nobody'" in reply.lines[0]


async def test_the_bot_s_own_failure_is_logged_with_a_reference(
    layer: CommandLayer, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("database on fire")

    monkeypatch.setattr(layer.core, "sources", broken)
    with caplog.at_level(logging.ERROR, logger="bot.commands.layer"):
        reply = await layer.run_text(BEN, "sources")
    assert reply.error and reply.title == "Something went wrong"
    assert reply.reference is not None and reply.reference in reply.lines[0]
    assert "database on fire" not in " ".join(reply.lines)  # no internals for the user
    [record] = caplog.records
    assert reply.reference in record.getMessage() and record.exc_info is not None


async def test_more_than_ten_commands_a_minute_are_slowed_down(database: Database) -> None:
    now = [0.0]
    layer = CommandLayer(
        Talentbrief(Config(), database=database, env={}),
        limiter=RateLimiter(limit=10, window=60, clock=lambda: now[0]),
    )
    for _ in range(10):
        assert not (await layer.run_text(BEN, "topics")).error
    slowed = await layer.run_text(BEN, "topics")
    assert slowed.error and "more than 10 commands a minute" in slowed.lines[0]
    assert not (await layer.run_text(ADA, "topics")).error  # per user
    now[0] = 61.0
    assert not (await layer.run_text(BEN, "topics")).error


async def test_why_names_the_other_tellings_of_the_same_story(layer: CommandLayer) -> None:
    hits = (await layer.run_text(BEN, "search Westlake")).items
    reply = await layer.run_text(BEN, f"why {hits[0].id}")
    [joined] = [value for label, value in reply.fields if label.startswith("same story")]
    assert joined.count("#") >= 2 and "Westlake" in joined
