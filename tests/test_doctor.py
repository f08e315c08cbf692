"""`talentbrief doctor` against the fake Slack and Discord APIs and the local feed server.

The chat fakes serve on the test's event loop, so the CLI (which runs its own loop with
`asyncio.run`) is called in a worker thread; the feed server has a thread of its own.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from storage.db import Database
from storage.migrate import head_revision
from tests.cli import CliResult, run_cli, write_config
from tests.fake_chat import FakeDiscord, FakeSlack
from tests.fake_discord_world import BRIEFING, TOKEN
from tests.fake_slack_api import APP_TOKEN, BOT_TOKEN
from tests.fake_slack_payloads import DESK
from tests.feed_server import FeedServer

FIXTURES = Path(__file__).parent / "fixtures"
WEBHOOK = "https://discord.com/api/webhooks/123456789012345678/desk-webhook-token"
NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)  # a Monday


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.delenv(name, raising=False)
    for name in (
        "SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET", "DISCORD_TOKEN",
        "TALENTBRIEF_CONFIG",
    ):  # fmt: skip
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def feeds(feed_server: FeedServer) -> FeedServer:
    feed_server.add("/rss.xml", (FIXTURES / "rss20.xml").read_bytes())
    feed_server.add(
        "/api/v1/documents.json",
        (FIXTURES / "federal_register.json").read_bytes(),
        content_type="application/json",
    )
    feed_server.add("/page.html", (FIXTURES / "page.html").read_bytes(), content_type="text/html")
    return feed_server


CHANNELS: list[dict[str, Any]] = [
    {"name": "desk", "platform": "slack", "target": DESK, "timezone": "America/New_York"},
    {"name": "briefing", "platform": "discord", "target": str(BRIEFING), "schedule": "0 7 * * *",
     "timezone": "Europe/London"},
    {"name": "alerts", "platform": "discord", "target": WEBHOOK},
    {"name": "console", "platform": "console", "schedule": ["08:00", "17:30"]},
]  # fmt: skip


def _config(
    tmp_path: Path,
    slack: FakeSlack,
    discord: FakeDiscord,
    *,
    sources: Sequence[Mapping[str, Any]],
    channels: Sequence[Mapping[str, Any]] = CHANNELS,
    poll: Mapping[str, Any] | None = None,
) -> str:
    extra = (
        f'\n[slack]\napi_base_url = "{slack.api}"\n\n[discord]\napi_base_url = "{discord.api}"\n'
    )
    path = write_config(
        tmp_path / "talentbrief.toml", sources=sources, channels=channels, poll=poll, extra=extra
    )
    return str(path)


async def _doctor(capsys: pytest.CaptureFixture[str], config: str, *argv: str) -> CliResult:
    return await asyncio.to_thread(run_cli, capsys, "--config", config, "doctor", *argv)


def _rows(result: CliResult) -> dict[tuple[str, str], dict[str, Any]]:
    data = json.loads(result.out)
    return {(row["check"], row["name"]): row for row in data["checks"]}


@pytest.fixture
async def tokens(slack: FakeSlack, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every token set, as for digests and chat on both platforms (Socket Mode on Slack)."""
    monkeypatch.setenv("SLACK_BOT_TOKEN", BOT_TOKEN)
    monkeypatch.setenv("SLACK_APP_TOKEN", APP_TOKEN)
    monkeypatch.setenv("DISCORD_TOKEN", TOKEN)
    await slack.start_socket_mode()


@pytest.mark.usefixtures("tokens")
async def test_all_is_well(
    database: Database,
    *,
    database_url: str,
    slack: FakeSlack,
    discord: FakeDiscord,
    feeds: FeedServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("TALENTBRIEF_DATABASE_URL", database_url)
    sources: list[dict[str, Any]] = [
        {"name": "Desk feed", "url": feeds.url("/rss.xml")},
        {"name": "FR visas", "url": feeds.url("/api/v1/documents.json"),
         "kind": "federal_register"},
        {"name": "Paused", "url": feeds.url("/status/500"), "enabled": False},
    ]  # fmt: skip
    config = _config(tmp_path, slack, discord, sources=sources)

    result = await _doctor(capsys, config, "--json")
    assert result.code == 0, result.out
    data = json.loads(result.out)
    assert data["ok"] is True and data["problems"] == 0
    rows = _rows(result)
    [database_name] = [name for area, name in rows if area == "database"]
    statuses = {key: row["status"] for key, row in rows.items()}
    assert statuses == {
        ("config", config): "ok",
        ("database", database_name): "ok",
        ("clock", "this machine"): "ok",
        ("token", "SLACK_BOT_TOKEN"): "ok",
        ("token", "SLACK_APP_TOKEN"): "ok",
        ("token", "DISCORD_TOKEN"): "ok",
        ("channel", "desk"): "ok",
        ("channel", "briefing"): "ok",
        ("channel", "alerts"): "ok",
        ("channel", "console"): "ok",
        ("schedule", "desk"): "ok",
        ("schedule", "briefing"): "ok",
        ("schedule", "alerts"): "ok",
        ("schedule", "console"): "ok",
        ("source", "Desk feed"): "ok",
        ("source", "FR visas"): "ok",
        ("source", "Paused"): "skipped",
    }  # fmt: skip
    database_row = rows[("database", database_name)]
    assert f"at the newest revision ({head_revision()})" in database_row["detail"]
    assert "password" not in database_name
    assert "bot @talentbrief" in rows[("token", "SLACK_BOT_TOKEN")]["detail"]
    assert "#desk, the bot is a member" in rows[("channel", "desk")]["detail"]
    assert "#briefing" in rows[("channel", "briefing")]["detail"]
    assert str(BRIEFING) in rows[("channel", "alerts")]["detail"]  # where the webhook posts
    feed = rows[("source", "Desk feed")]
    assert feed["seconds"] is not None and feed["seconds"] >= 0 and "entries" in feed["detail"]
    assert feeds.hits["/status/500"] == 0  # a disabled source is not fetched
    # Asked through the configured base URLs, with the tokens from the environment.
    assert ("auth.test", BOT_TOKEN) in slack.authorizations
    assert ("conversations.info", BOT_TOKEN) in slack.authorizations
    assert ("apps.connections.open", APP_TOKEN) in slack.authorizations
    assert "users/@me" in discord.requests and f"get channels/{BRIEFING}" in discord.requests
    assert "get webhook/123456789012345678" in discord.requests
    assert not slack.posted and not discord.posted  # the doctor posts nothing

    table = await _doctor(capsys, config)
    assert table.code == 0
    assert table.out.splitlines()[0].split() == ["CHECK", "NAME", "RESULT", "DETAIL"]
    assert "PROBLEM" not in table.out and table.out.rstrip().endswith("no problem.")


@pytest.mark.usefixtures("tokens")
async def test_a_revoked_token_and_a_dead_source_are_problems(
    slack: FakeSlack,
    *,
    discord: FakeDiscord,
    feeds: FeedServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("TALENTBRIEF_DATABASE_URL", f"sqlite:///{tmp_path / 'tb.db'}")
    slack.revoke(BOT_TOKEN)
    discord.revoke(TOKEN)
    sources = [
        {"name": "Good", "url": feeds.url("/rss.xml")},
        {"name": "Gone", "url": feeds.url("/status/404")},
        {"name": "Web page", "url": feeds.url("/page.html")},
    ]
    config = _config(tmp_path, slack, discord, sources=sources)

    result = await _doctor(capsys, config, "--json")
    assert result.code == 1
    rows = _rows(result)
    slack_token = rows[("token", "SLACK_BOT_TOKEN")]
    assert slack_token["status"] == "problem" and "token_revoked" in slack_token["detail"]
    assert "reinstall the app" in slack_token["detail"]
    discord_token = rows[("token", "DISCORD_TOKEN")]
    assert discord_token["status"] == "problem" and "HTTP 401" in discord_token["detail"]
    assert "Reset Token" in discord_token["detail"]
    # Channels that need the refused tokens cannot be checked; the webhook needs none.
    assert rows[("channel", "desk")]["status"] == "skipped"
    assert rows[("channel", "briefing")]["status"] == "skipped"
    assert rows[("channel", "alerts")]["status"] == "ok"
    assert rows[("token", "SLACK_APP_TOKEN")]["status"] == "ok"  # only the bot token was revoked
    assert rows[("source", "Good")]["status"] == "ok"
    gone = rows[("source", "Gone")]
    assert gone["status"] == "problem" and "HTTP 404" in gone["detail"]
    assert gone["seconds"] is not None
    page = rows[("source", "Web page")]
    assert page["status"] == "problem" and "did not answer with a feed" in page["detail"]
    assert json.loads(result.out)["problems"] == 4
    assert not (tmp_path / "tb.db").exists()  # the doctor creates no database

    table = await _doctor(capsys, config)
    assert table.code == 1
    problem_lines = [line for line in table.out.splitlines() if " PROBLEM " in line]
    assert len(problem_lines) == 4
    assert table.out.rstrip().endswith("run `talentbrief doctor` again.")


@pytest.mark.usefixtures("tokens")
async def test_channels_the_bot_cannot_reach(
    slack: FakeSlack,
    discord: FakeDiscord,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("TALENTBRIEF_DATABASE_URL", f"sqlite:///{tmp_path / 'tb.db'}")
    slack.channels["C0LOUNGE"] = {"id": "C0LOUNGE", "name": "lounge", "is_member": False}
    discord.deleted_webhooks.add("123456789012345678")
    channels = [
        {"name": "lounge", "platform": "slack", "target": "C0LOUNGE"},
        {"name": "typo", "platform": "slack", "target": "C0NOSUCH"},
        {"name": "elsewhere", "platform": "discord", "target": "1310000000000009999"},
        {"name": "old-hook", "platform": "discord", "target": WEBHOOK},
    ]
    config = _config(tmp_path, slack, discord, sources=[], channels=channels)

    result = await _doctor(capsys, config, "--json")
    assert result.code == 1
    rows = _rows(result)
    assert "type /invite @talentbrief there" in rows[("channel", "lounge")]["detail"]
    assert "channel_not_found" in rows[("channel", "typo")]["detail"]
    assert "Unknown Channel" in rows[("channel", "elsewhere")]["detail"]
    assert "Copy Channel ID" in rows[("channel", "elsewhere")]["detail"]
    hook = rows[("channel", "old-hook")]["detail"]
    assert "Unknown Webhook" in hook and "desk-webhook-token" not in hook  # the secret stays out
    assert {rows[("channel", name)]["status"] for name in ("lounge", "typo", "elsewhere")} == {
        "problem"
    }
    assert "without [[sources]] nothing is polled" in rows[("config", config)]["detail"]


@pytest.mark.usefixtures("tokens")
async def test_without_channels_read_a_slack_channel_is_checked_by_reading_it(
    slack: FakeSlack,
    discord: FakeDiscord,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The app manifest grants channels:history but not channels:read."""
    monkeypatch.setenv("TALENTBRIEF_DATABASE_URL", f"sqlite:///{tmp_path / 'tb.db'}")
    slack.missing_scopes.add("channels:read")
    slack.channels["C0LOUNGE"] = {"id": "C0LOUNGE", "name": "lounge", "is_member": False}
    channels = [
        {"name": "desk", "platform": "slack", "target": DESK},
        {"name": "lounge", "platform": "slack", "target": "C0LOUNGE"},
    ]
    config = _config(tmp_path, slack, discord, sources=[], channels=channels)
    rows = _rows(await _doctor(capsys, config, "--json"))
    assert rows[("channel", "desk")]["status"] == "ok"
    lounge = rows[("channel", "lounge")]
    assert lounge["status"] == "problem" and "/invite @talentbrief" in lounge["detail"]
    assert "conversations.history" in slack.requests


async def test_slack_chat_needs_the_app_token_or_the_signing_secret(
    slack: FakeSlack,
    discord: FakeDiscord,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("TALENTBRIEF_DATABASE_URL", f"sqlite:///{tmp_path / 'tb.db'}")
    monkeypatch.setenv("SLACK_BOT_TOKEN", BOT_TOKEN)
    config = _config(tmp_path, slack, discord, sources=[], channels=[])
    rows = _rows(await _doctor(capsys, config, "--json"))
    assert (
        "Socket Mode, which needs the app-level token"
        in rows[("token", "SLACK_APP_TOKEN")]["detail"]
    )
    monkeypatch.setenv("SLACK_APP_TOKEN", BOT_TOKEN)  # the bot token where the app token belongs
    rows = _rows(await _doctor(capsys, config, "--json"))
    assert "not_allowed_token_type" in rows[("token", "SLACK_APP_TOKEN")]["detail"]

    http = Path(config).read_text("utf-8").replace("[slack]\n", '[slack]\nmode = "http"\n')
    Path(config).write_text(http, "utf-8")
    rows = _rows(await _doctor(capsys, config, "--json"))
    assert ("token", "SLACK_APP_TOKEN") not in rows
    assert rows[("token", "SLACK_SIGNING_SECRET")]["status"] == "problem"
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "8f742231b10e8888abcd99yyyzzz85a5")
    result = await _doctor(capsys, config, "--json")
    assert result.code == 0, result.out
    assert _rows(result)[("token", "SLACK_SIGNING_SECRET")]["status"] == "ok"


def test_the_doctor_reads_the_variables_slack_chat_reads() -> None:
    from bot.chat import slack as slack_chat
    from bot.doctor_chat import SLACK_APP_TOKEN_ENV, SLACK_SIGNING_SECRET_ENV

    assert slack_chat.APP_TOKEN_ENV == SLACK_APP_TOKEN_ENV
    assert slack_chat.SIGNING_SECRET_ENV == SLACK_SIGNING_SECRET_ENV


async def test_tokens_are_asked_for_only_where_a_channel_needs_them(
    slack: FakeSlack,
    discord: FakeDiscord,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("TALENTBRIEF_DATABASE_URL", f"sqlite:///{tmp_path / 'tb.db'}")
    only_webhook = [{"name": "alerts", "platform": "discord", "target": WEBHOOK}]
    config = _config(tmp_path, slack, discord, sources=[], channels=only_webhook)
    rows = _rows(await _doctor(capsys, config, "--json"))
    assert rows[("token", "SLACK_BOT_TOKEN")]["status"] == "skipped"
    assert rows[("token", "DISCORD_TOKEN")]["status"] == "skipped"
    assert rows[("channel", "alerts")]["status"] == "ok"

    config = _config(tmp_path, slack, discord, sources=[], channels=CHANNELS[:2])
    result = await _doctor(capsys, config, "--json")
    assert result.code == 1
    rows = _rows(result)
    assert (
        "not set, and channel desk posts to Slack" in rows[("token", "SLACK_BOT_TOKEN")]["detail"]
    )
    assert rows[("token", "DISCORD_TOKEN")]["status"] == "problem"
    assert not slack.authorizations  # nothing was sent without a token


async def test_an_api_that_does_not_answer_is_named(
    feed_server: FeedServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("TALENTBRIEF_DATABASE_URL", f"sqlite:///{tmp_path / 'tb.db'}")
    monkeypatch.setenv("SLACK_BOT_TOKEN", BOT_TOKEN)
    channels = [{"name": "desk", "platform": "slack", "target": DESK}]
    extra = f'\n[slack]\napi_base_url = "{feed_server.url("/status/503/")}"\n'
    config = write_config(tmp_path / "c.toml", channels=channels, extra=extra)
    rows = _rows(await _doctor(capsys, str(config), "--json"))
    assert (
        "not the Slack Web API: check [slack] api_base_url"
        in (rows[("token", "SLACK_BOT_TOKEN")]["detail"])
    )
    extra = '\n[slack]\napi_base_url = "http://127.0.0.1:1/api/"\n'
    config = write_config(tmp_path / "c.toml", channels=channels, extra=extra)
    rows = _rows(await _doctor(capsys, str(config), "--json"))
    assert rows[("token", "SLACK_BOT_TOKEN")]["detail"].startswith(
        "cannot reach http://127.0.0.1:1/api/auth.test"
    )
