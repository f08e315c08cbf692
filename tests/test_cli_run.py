"""`talentbrief run --once` end to end: poll a local feed, post the due console digest once."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import pytest

from bot.cli import main
from tests.feed_server import FeedServer


def _feed(*titles: str) -> str:
    published = format_datetime(datetime.now(UTC) - timedelta(hours=2), usegmt=True)
    entries = "".join(
        f"<item><title>{title}</title><link>https://desk.example/{index}</link>"
        f"<guid>desk-{index}</guid><pubDate>{published}</pubDate>"
        "<description>Universities are reviewing the guidance for their students.</description>"
        "</item>"
        for index, title in enumerate(titles)
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>Desk</title><link>https://desk.example/</link>{entries}</channel></rss>"
    )


def _config(tmp_path: Path, feed_url: str, channels: str) -> Path:
    path = tmp_path / "talentbrief.toml"
    path.write_text(
        f'[[sources]]\nname = "Desk"\nurl = {json.dumps(feed_url)}\n{channels}', "utf-8"
    )
    return path


CONSOLE = '[[channels]]\nname = "terminal"\nplatform = "console"\nschedule = "00:00"\n'


@pytest.fixture
def use_database(database_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("TALENTBRIEF_DATABASE_URL", database_url)
    return database_url


@pytest.mark.usefixtures("use_database")
def test_run_once_polls_then_posts_the_due_digest_exactly_once(
    feed_server: FeedServer,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    url = feed_server.add("/desk.xml", _feed("State Department pauses J-1 researcher interviews"))
    config = _config(tmp_path, url, CONSOLE)

    assert main(["--config", str(config), "run", "--once"]) == 0
    first = capsys.readouterr()
    assert "Talent brief" in first.out
    assert "State Department pauses J-1 researcher interviews" in first.out
    assert "polled 1 source(s)" in caplog.text
    assert "digest for terminal" in caplog.text

    feed_server.add("/desk.xml", _feed("State Department pauses J-1 researcher interviews"))
    assert main(["--config", str(config), "run", "--once"]) == 0
    second = capsys.readouterr()
    assert "Talent brief" not in second.out  # this period was posted already


def test_run_refuses_to_start_without_the_token_a_channel_needs(
    feed_server: FeedServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("TALENTBRIEF_DATABASE_URL", f"sqlite:///{tmp_path / 'talentbrief.db'}")
    monkeypatch.delenv("SLACK_BOT_TOKEN", raising=False)
    url = feed_server.add("/desk.xml", _feed("USCIS extends STEM OPT reporting window"))
    slack = '[[channels]]\nname = "desk"\nplatform = "slack"\ntarget = "C0123456789"\n'
    config = _config(tmp_path, url, slack)

    assert main(["--config", str(config), "run", "--once"]) == 2
    captured = capsys.readouterr()
    [line] = captured.err.strip().splitlines()
    assert "SLACK_BOT_TOKEN" in line
    assert feed_server.hits["/desk.xml"] == 0  # nothing was polled
