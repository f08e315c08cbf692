"""The issue's "done when", through the real CLI: `talentbrief poll --json` and `feeds list`.

Each test runs on SQLite and on PostgreSQL (TALENTBRIEF_DATABASE_URL points the CLI at the
test database), against feeds served by a local server.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from storage.db import open_database
from storage.items import count_items
from tests.cli import run_cli, write_config
from tests.corpus.feeds import corpus_feed
from tests.feed_server import FeedServer

FIXTURES = Path(__file__).parent / "fixtures"


_POLL = {"timeout": "1s", "connect_timeout": "1s", "max_bytes": 1048576}


def _config(path: Path, sources: list[tuple[str, str]]) -> Path:
    return write_config(
        path, sources=[{"name": name, "url": url} for name, url in sources], poll=_POLL
    )


def _run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> Any:
    return run_cli(capsys, *argv).json()


def _count(database_url: str) -> int:
    database = open_database(database_url)
    try:
        with database.session() as session:
            return count_items(session)
    finally:
        database.dispose()


@pytest.fixture
def use_database(database_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("TALENTBRIEF_DATABASE_URL", database_url)
    return database_url


def test_200_feeds_of_50_items_then_not_modified_then_one_update(
    use_database: str,
    feed_server: FeedServer,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    sources = [
        (f"Talent wire {n}", feed_server.add(f"/feeds/{n}.xml", corpus_feed(n))) for n in range(200)
    ]
    config = str(_config(tmp_path / "talentbrief.toml", sources))

    first = _run_json(capsys, "--config", config, "poll", "--json")
    assert set(first) >= {
        "sources", "fetched", "not_modified", "failed", "new_items", "updated_items", "seconds"
    }  # fmt: skip
    assert (first["sources"], first["fetched"], first["failed"]) == (200, 200, 0)
    assert (first["new_items"], first["updated_items"]) == (10_000, 0)
    assert _count(use_database) == 10_000

    second = _run_json(capsys, "--config", config, "poll", "--json")
    assert (second["not_modified"], second["fetched"], second["new_items"]) == (200, 0, 0)
    assert second["updated_items"] == 0

    changed = "USCIS delays the H-1B registration period by two weeks (corrected)"
    feed_server.add("/feeds/17.xml", corpus_feed(17, overrides={3: changed}))
    third = _run_json(capsys, "--config", config, "poll", "--json")
    assert (third["fetched"], third["not_modified"]) == (1, 199)
    assert (third["new_items"], third["updated_items"]) == (0, 1)
    assert _count(use_database) == 10_000

    listing = _run_json(capsys, "--config", config, "feeds", "list", "--json")
    wire17 = next(row for row in listing if row["name"] == "Talent wire 17")
    assert (wire17["status"], wire17["item_count"], wire17["last_error"]) == ("ok", 50, None)


def test_broken_feeds_are_reported_while_every_other_feed_ingests(
    use_database: str,
    feed_server: FeedServer,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    good = [
        (f"Wire {n}", feed_server.add(f"/good/{n}.xml", corpus_feed(n, items=10), gzip=n % 2 == 0))
        for n in range(12)
    ]
    broken = {
        "Answers 500": (feed_server.url("/status/500"), "HTTP 500 Internal Server Error"),
        "Hangs": (feed_server.url("/hang"), "timed out after 1 s"),
        "Redirects in a loop": (feed_server.url("/loop/a"), "redirect loop at "),
        "Sends garbage": (
            feed_server.add("/garbage", (FIXTURES / "garbage.bin").read_bytes(), etag=False),
            "not a feed",
        ),
        "A web page": (
            feed_server.add("/page.html", (FIXTURES / "page.html").read_bytes(), etag=False),
            "not a feed",
        ),
        "Too big": (feed_server.url("/big?size=3000000"), "byte cap"),
    }
    sources = good + [(name, url) for name, (url, _) in broken.items()]
    config = str(_config(tmp_path / "talentbrief.toml", sources))

    report = _run_json(capsys, "--config", config, "poll", "--json")
    assert (report["sources"], report["fetched"], report["failed"]) == (18, 12, 6)
    assert report["new_items"] == 12 * 10
    errors = {entry["source"]: entry["error"] for entry in report["errors"]}
    assert set(errors) == set(broken)
    for name, (_url, expected) in broken.items():
        assert expected in errors[name], name
    assert _count(use_database) == 120

    rows = {
        row["name"]: row for row in _run_json(capsys, "--config", config, "feeds", "list", "--json")
    }
    for name, (_url, expected) in broken.items():
        assert expected in rows[name]["last_error"]
        assert rows[name]["consecutive_failures"] == 1
        assert rows[name]["last_success_at"] is None
    assert all(rows[name]["status"] == "ok" for name, _ in good)
    assert all(rows[name]["item_count"] == 10 for name, _ in good)

    # Two more failed polls (failing_after = 3 by default): the status says so, visibly.
    for _ in range(2):
        _run_json(capsys, "--config", config, "poll", "--json")
    listing = run_cli(capsys, "--config", config, "feeds", "list")
    assert listing.code == 0, listing.err
    line = next(line for line in listing.out.splitlines() if line.startswith("Answers 500"))
    assert "failing" in line and "HTTP 500 Internal Server Error" in line


def test_poll_exits_1_when_every_source_failed(
    use_database: str,
    feed_server: FeedServer,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    config = _config(tmp_path / "c.toml", [("Down", feed_server.url("/status/503"))])
    result = run_cli(capsys, "--config", str(config), "poll")
    assert result.code == 1
    out = result.out
    assert "0 fetched, 0 not modified, 1 failed" in out
    assert "Down: HTTP 503 Service Unavailable" in out


def test_a_config_without_sources_polls_nothing(
    use_database: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "empty.toml"
    config.write_text("[poll]\nconcurrency = 4\n", "utf-8")
    report = _run_json(capsys, "--config", str(config), "poll", "--json")
    assert report["sources"] == 0 and report["new_items"] == 0
