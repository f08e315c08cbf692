"""A feed URL with a password: kept in the database, shown as *** everywhere else."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from storage.db import Database
from storage.models import Source
from storage.urls import redact_text, redact_url
from tests.cli import run_cli, write_config
from tests.feed_server import FeedServer
from tests.processes import environment, run

SECRET = "s3cret-Pa55"


def test_redact_url_hides_passwords_and_secret_query_values() -> None:
    assert redact_url(f"https://reader:{SECRET}@feeds.example/a.xml") == (
        "https://reader:***@feeds.example/a.xml"
    )
    assert redact_url("https://feeds.example/a.xml?token=abc&page=2") == (
        "https://feeds.example/a.xml?token=***&page=2"
    )
    assert redact_url("https://reader@feeds.example/a.xml") == "https://reader@feeds.example/a.xml"
    assert redact_url("https://feeds.example/a.xml") == "https://feeds.example/a.xml"
    said = f"redirect to ftp://u:{SECRET}@h/x, then https://a:{SECRET}@b/c?api_key=zz failed"
    assert SECRET not in redact_text(said) and "api_key=***" in redact_text(said)


@pytest.fixture
def private_feed(
    feed_server: FeedServer, database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> str:
    """A config whose one source carries a password and redirects to an ftp URL with it."""
    monkeypatch.setenv("TALENTBRIEF_DATABASE_URL", database_url)
    target = f"ftp://reader:{SECRET}@127.0.0.1/private.xml"
    url = feed_server.url(f"/redirect?to={target}").replace("http://", f"http://reader:{SECRET}@")
    return str(
        write_config(tmp_path / "talentbrief.toml", sources=[{"name": "Private desk", "url": url}])
    )


def test_no_output_shows_the_password_and_the_database_keeps_it(
    private_feed: str, database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    polled = run_cli(capsys, "--config", private_feed, "poll", "--json")
    [error] = json.loads(polled.out)["errors"]
    assert "redirect to a non-http(s) URL: ftp://reader:***@127.0.0.1/private.xml" in error["error"]

    listed = run_cli(capsys, "--config", private_feed, "feeds", "list")
    as_json = run_cli(capsys, "--config", private_feed, "feeds", "list", "--json")
    [row] = as_json.json()
    exported = run_cli(capsys, "--config", private_feed, "feeds", "export-opml")
    for result in (polled, listed, as_json, exported):
        assert SECRET not in result.out + result.err
    assert row["url"].startswith("http://reader:***@127.0.0.1:")
    assert "ftp://reader:***@" in row["last_error"]
    assert 'xmlUrl="http://reader:***@127.0.0.1:' in exported.out

    database = Database(database_url)
    try:
        with database.session() as session:
            stored = session.scalar(select(Source.url).where(Source.name == "Private desk"))
    finally:
        database.dispose()
    assert stored is not None and f"reader:{SECRET}@" in stored  # polling still works


def test_the_log_shows_no_password(private_feed: str, database_url: str) -> None:
    result = run(["-v", "--config", private_feed, "poll"], environment(database_url))
    assert "Private desk: redirect to a non-http(s) URL: ftp://reader:***@" in result.err
    assert SECRET not in result.out + result.err


def test_feeds_add_refusal_shows_no_password(
    feed_server: FeedServer, database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    monkeypatch.setenv("TALENTBRIEF_DATABASE_URL", database_url)
    config = str(write_config(tmp_path / "talentbrief.toml"))
    url = feed_server.url("/status/401").replace("http://", f"http://reader:{SECRET}@")
    refused = run_cli(capsys, "--config", config, "feeds", "add", url)
    assert refused.code == 2
    assert "reader:***@" in refused.error_line and SECRET not in refused.err
