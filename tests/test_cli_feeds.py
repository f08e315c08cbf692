"""`talentbrief feeds …` and `talentbrief demo` through the real CLI."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from bot.cli.text import display_width
from tests.cli import run_cli, write_config
from tests.feed_server import FeedServer

FIXTURES = Path(__file__).parent / "fixtures"
USCIS = "https://www.uscis.gov/news/rss-feed/59144"


@pytest.fixture
def config(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A config file with one source of its own; the database is the test's."""
    monkeypatch.setenv("TALENTBRIEF_DATABASE_URL", database_url)
    return str(
        write_config(tmp_path / "talentbrief.toml", sources=[{"name": "USCIS news", "url": USCIS}])
    )


@pytest.fixture
def feeds(feed_server: FeedServer) -> FeedServer:
    """A local server with an RSS feed, an Atom feed and a web page."""
    feed_server.add("/rss.xml", (FIXTURES / "rss20.xml").read_bytes())
    feed_server.add(
        "/atom.xml", (FIXTURES / "atom.xml").read_bytes(), content_type="application/atom+xml"
    )
    feed_server.add("/page.html", (FIXTURES / "page.html").read_bytes(), content_type="text/html")
    return feed_server


def _list(capsys: pytest.CaptureFixture[str], config: str) -> dict[str, Any]:
    rows = run_cli(capsys, "--config", config, "feeds", "list", "--json").json()
    return {row["name"]: row for row in rows}


def test_add_list_remove(
    config: str, feeds: FeedServer, capsys: pytest.CaptureFixture[str]
) -> None:
    rss = feeds.url("/rss.xml")
    added = run_cli(
        capsys,
        "--config", config, "feeds", "add", rss,
        "--interval", "2h", "--tags", "ai-talent,research-security",
    )  # fmt: skip
    assert added.code == 0, added.err
    assert "answered in" in added.out and "entries" in added.out
    assert (
        run_cli(
            capsys,
            "--config",
            config,
            "feeds",
            "add",
            feeds.url("/atom.xml"),
            "--name",
            "Think tank",
        ).code
        == 0
    )
    rows = _list(capsys, config)
    name = "127.0.0.1/rss.xml"  # named from the URL: host and path
    assert set(rows) == {"USCIS news", name, "Think tank"}
    assert (rows[name]["interval_seconds"], rows[name]["origin"], rows[name]["status"]) == (
        7200,
        "cli",
        "new",
    )
    assert rows[name]["item_count"] == 0 and rows[name]["last_error"] is None

    listing = run_cli(capsys, "--config", config, "feeds", "list")
    assert listing.code == 0 and listing.out.splitlines()[0].split()[:3] == [
        "NAME",
        "STATUS",
        "ITEMS",
    ]

    assert run_cli(capsys, "--config", config, "feeds", "remove", "Think tank").code == 0
    assert "Think tank" not in _list(capsys, config)


def test_a_federal_register_search_is_checked_as_json(
    config: str, feed_server: FeedServer, capsys: pytest.CaptureFixture[str]
) -> None:
    url = feed_server.add(
        "/api/v1/documents.json",
        (FIXTURES / "federal_register.json").read_bytes(),
        content_type="application/json",
    )
    added = run_cli(
        capsys,
        "--config",
        config,
        "feeds",
        "add",
        url + "?conditions[term]=visa",
        "--name",
        "FR visa",
    )
    assert added.code == 0, added.err
    assert _list(capsys, config)["FR visa"]["kind"] == "federal_register"


@pytest.mark.parametrize(
    ("path", "reason"),
    [("/status/404", "HTTP 404"), ("/page.html", "did not answer with a feed")],
)
def test_a_url_that_answers_without_a_feed_is_refused_unless_forced(
    config: str, feeds: FeedServer, capsys: pytest.CaptureFixture[str], path: str, reason: str
) -> None:
    refused = run_cli(
        capsys, "--config", config, "feeds", "add", feeds.url(path), "--name", "Not a feed"
    )
    assert refused.code == 2 and reason in refused.error_line
    assert "Not a feed" not in _list(capsys, config)
    forced = run_cli(
        capsys,
        "--config",
        config,
        "feeds",
        "add",
        feeds.url(path),
        "--name",
        "Not a feed",
        "--force",
    )
    assert forced.code == 0 and reason in forced.err
    assert "Not a feed" in _list(capsys, config)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["feeds", "add", "ftp://example.org/feed"], "not an http(s) URL"),
        (["feeds", "add", "http://[::1"], "is not a valid URL: Invalid IPv6 URL"),
        (["feeds", "add", "https://"], "not an http(s) URL"),
        (["feeds", "add", "https://example.org/feed", "--interval", "soon"], "interval"),
        (["feeds", "add", "https://example.org/feed", "--interval", "10s"], "too short"),
        (["feeds", "add", "https://example.org/feed", "--tags", "visa"], "unknown topic 'visa'"),
        (["feeds", "add", USCIS], "already polled"),
        (["feeds", "add", "https://example.org/f", "--name", "USCIS news"], "already exists"),
        (
            ["feeds", "add", "https://www.federalregister.gov/api/v1/documents.json?page=99"],
            "beyond what the Federal Register API serves",
        ),
        (["feeds", "remove", "Nobody"], "no source named 'Nobody'"),
        (["feeds", "remove", "USCIS news"], "remove it there"),
        (["feeds", "import-opml", "/nonexistent/list.opml"], "cannot read"),
    ],
)
def test_bad_input_exits_2_with_one_line(
    config: str, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    result = run_cli(capsys, "--config", config, *argv)
    assert result.code == 2
    assert result.out == ""
    assert result.error_line.startswith("talentbrief: error: ") and message in result.error_line


def test_the_table_aligns_chinese_names_by_display_width(
    config: str, feeds: FeedServer, capsys: pytest.CaptureFixture[str]
) -> None:
    long_name = "中国科学院 人才引进 新闻 " * 3
    for name, path in ((long_name.strip(), "/rss.xml"), ("Think tank", "/atom.xml")):
        assert (
            run_cli(
                capsys, "--config", config, "feeds", "add", feeds.url(path), "--name", name
            ).code
            == 0
        )
    lines = run_cli(capsys, "--config", config, "feeds", "list").out.splitlines()
    status_columns = {
        display_width(line[: line.index(word)])
        for line in lines
        for word in ("STATUS", "new ")
        if word in line
    }
    assert len(status_columns) == 1  # every row's STATUS starts in the same terminal column
    assert any(long_name.strip() in line for line in lines)  # the whole name, not cut


def test_opml_import_and_export_round_trip(
    config: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    opml = tmp_path / "subscriptions.opml"
    opml.write_text(
        f"""<?xml version="1.0" encoding="UTF-8"?>
<opml version="2.0"><head><title>My reader</title></head><body>
  <outline text="Policy">
    <outline type="rss" text="ICEF Monitor" xmlUrl="https://monitor.icef.com/feed/"/>
    <outline type="rss" text="The PIE News" title="The PIE News" xmlUrl="https://thepienews.com/feed/"
             talentbriefTags="student-mobility,visa" talentbriefPriority="2"/>
    <outline type="rss" text="USCIS again" xmlUrl="{USCIS}"/>
    <outline type="rss" text="No host" xmlUrl="https:///feed.xml"/>
  </outline>
  <outline type="rss" text="ICEF Monitor" xmlUrl="https://monitor.icef.com/other-feed/"/>
  <outline type="link" text="Not a feed" url="https://example.org/"/>
</body></opml>
""",
        "utf-8",
    )
    imported = run_cli(capsys, "--config", config, "feeds", "import-opml", str(opml))
    assert imported.code == 0
    assert "Imported 3 feeds" in imported.out and "skipped 2" in imported.out
    assert f"{USCIS}: already polled" in imported.err
    assert "https:///feed.xml is not an http(s) URL: it names no host" in imported.err
    assert "unknown topic(s) visa" in imported.err
    rows = _list(capsys, config)
    assert {"ICEF Monitor", "ICEF Monitor (2)", "The PIE News"} <= set(rows)
    assert rows["The PIE News"]["origin"] == "opml"

    exported = run_cli(capsys, "--config", config, "feeds", "export-opml")
    assert exported.code == 0
    assert exported.out.startswith("<?xml")
    assert 'xmlUrl="https://thepienews.com/feed/"' in exported.out
    assert 'talentbriefPriority="2"' in exported.out
    # The export imports into a fresh archive with nothing lost.
    again = tmp_path / "export.opml"
    again.write_text(exported.out, "utf-8")
    empty = tmp_path / "no-sources.toml"
    empty.write_text("", "utf-8")
    monkeypatch.setenv("TALENTBRIEF_DATABASE_URL", f"sqlite:///{tmp_path / 'fresh.db'}")
    restored_run = run_cli(capsys, "--config", str(empty), "feeds", "import-opml", str(again))
    assert restored_run.code == 0 and "Imported 4 feeds" in restored_run.out
    restored = _list(capsys, str(empty))
    for name in ("ICEF Monitor", "ICEF Monitor (2)", "The PIE News", "USCIS news"):
        for key in ("url", "kind", "interval_seconds", "enabled"):
            assert restored[name][key] == rows[name][key], (name, key)


def test_one_imported_feed_is_one_feed(
    config: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    opml = tmp_path / "one.opml"
    opml.write_text(
        '<opml version="2.0"><body><outline xmlUrl="https://merics.org/en/rss"/></body></opml>',
        "utf-8",
    )
    assert (
        "Imported 1 feed from"
        in run_cli(capsys, "--config", config, "feeds", "import-opml", str(opml)).out
    )


def test_opml_with_entities_is_refused(config: str, tmp_path: Path, capsys: Any) -> None:
    opml = tmp_path / "evil.opml"
    opml.write_text(
        '<?xml version="1.0"?><!DOCTYPE opml [<!ENTITY a "aaaa">]>'
        '<opml version="2.0"><body><outline xmlUrl="https://x.example/&a;"/></body></opml>',
        "utf-8",
    )
    result = run_cli(capsys, "--config", config, "feeds", "import-opml", str(opml))
    assert result.code == 2 and "refusing OPML" in result.err


def test_demo_runs_offline_into_its_own_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("TALENTBRIEF_CONFIG", raising=False)
    monkeypatch.setenv("TALENTBRIEF_DATABASE_URL", f"sqlite:///{tmp_path / 'real-archive.db'}")
    result = run_cli(capsys, "demo")
    out = result.out
    assert result.code == 0
    assert (tmp_path / "talentbrief-demo.db").is_file()
    assert not (tmp_path / "real-archive.db").exists()  # never the user's archive
    assert "23 items from 5 bundled sample sources (23 new this run)" in out
    assert "\nVISA POLICY\n" in out  # sections are titled by the taxonomy's labels
    # Alerts lead: the bundled Federal Register rules and proclamation are flagged by the tagger.
    assert out.index("\nPOLICY ALERTS\n") < out.index("Additions to the Entity List")
    assert "海归科学家回国三年" in out
    assert "utm_" not in out  # links are shown without tracking parameters
    again = run_cli(capsys, "demo")
    assert again.code == 0 and "(0 new this run)" in again.out  # a rerun stores nothing twice


def test_demo_names_its_own_option_for_a_missing_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    result = run_cli(capsys, "demo", "--database", "/nonexistent/x.db")
    assert result.code == 2
    assert "--database: folder '/nonexistent' does not exist" in result.error_line
    assert "storage.url" not in result.err


def test_json_rows_keep_every_field(config: str, capsys: pytest.CaptureFixture[str]) -> None:
    [row] = run_cli(capsys, "--config", config, "feeds", "list", "--json").json()
    assert json.dumps(row)  # plain JSON
    assert set(row) >= {"name", "url", "kind", "origin", "status", "interval_seconds", "last_error"}
