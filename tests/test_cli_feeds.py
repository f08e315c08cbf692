"""`talentbrief feeds …` and `talentbrief demo` through the real CLI."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from bot.cli import main
from digests.model import TOPIC_ORDER, topic_title


@pytest.fixture
def config(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A config file with one source of its own; the database is the test's."""
    monkeypatch.setenv("TALENTBRIEF_DATABASE_URL", database_url)
    path = tmp_path / "talentbrief.toml"
    path.write_text(
        '[[sources]]\nname = "USCIS news"\nurl = "https://www.uscis.gov/news/rss-feed/59144"\n',
        "utf-8",
    )
    return str(path)


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _list(capsys: pytest.CaptureFixture[str], config: str) -> dict[str, Any]:
    code, out, _ = _run(capsys, "--config", config, "feeds", "list", "--json")
    assert code == 0
    return {row["name"]: row for row in json.loads(out)}


def test_add_list_remove(config: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(
        capsys,
        "--config", config, "feeds", "add", "https://cset.georgetown.edu/feed/",
        "--interval", "2h", "--tags", "ai-talent,research-security",
    )  # fmt: skip
    assert code == 0 and "cset.georgetown.edu/feed" in out
    code, _, _ = _run(
        capsys,
        "--config", config, "feeds", "add",
        "https://www.federalregister.gov/api/v1/documents.json?conditions[term]=visa",
        "--name", "FR visa",
    )  # fmt: skip
    assert code == 0
    rows = _list(capsys, config)
    assert set(rows) == {"USCIS news", "cset.georgetown.edu/feed", "FR visa"}
    cset = rows["cset.georgetown.edu/feed"]
    assert (cset["interval_seconds"], cset["origin"], cset["status"]) == (7200, "cli", "new")
    assert cset["item_count"] == 0 and cset["last_error"] is None
    assert rows["FR visa"]["kind"] == "federal_register"

    code, out, _ = _run(capsys, "--config", config, "feeds", "list")
    assert code == 0 and out.splitlines()[0].split()[:3] == ["NAME", "STATUS", "ITEMS"]

    assert _run(capsys, "--config", config, "feeds", "remove", "FR visa")[0] == 0
    assert "FR visa" not in _list(capsys, config)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["feeds", "add", "ftp://example.org/feed"], "not an http(s) URL"),
        (["feeds", "add", "https://example.org/feed", "--interval", "soon"], "--interval"),
        (["feeds", "add", "https://example.org/feed", "--tags", "Visa Policy"], "--tags"),
        (["feeds", "add", "https://www.uscis.gov/news/rss-feed/59144"], "already polled"),
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
    code, out, err = _run(capsys, "--config", config, *argv)
    assert code == 2
    assert out == ""
    assert err.startswith("talentbrief: error: ") and message in err
    assert len(err.strip().splitlines()) == 1


def test_opml_import_and_export_round_trip(
    config: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    opml = tmp_path / "subscriptions.opml"
    opml.write_text(
        """<?xml version="1.0" encoding="UTF-8"?>
<opml version="2.0"><head><title>My reader</title></head><body>
  <outline text="Policy">
    <outline type="rss" text="ICEF Monitor" xmlUrl="https://monitor.icef.com/feed/"/>
    <outline type="rss" text="The PIE News" title="The PIE News" xmlUrl="https://thepienews.com/feed/"/>
    <outline type="rss" text="USCIS again" xmlUrl="https://www.uscis.gov/news/rss-feed/59144"/>
  </outline>
  <outline type="rss" text="ICEF Monitor" xmlUrl="https://monitor.icef.com/other-feed/"/>
  <outline type="link" text="Not a feed" url="https://example.org/"/>
</body></opml>
""",
        "utf-8",
    )
    code, out, err = _run(capsys, "--config", config, "feeds", "import-opml", str(opml))
    assert code == 0
    assert "Imported 3 feeds" in out and "skipped 1" in out
    assert "https://www.uscis.gov/news/rss-feed/59144: already polled" in err
    rows = _list(capsys, config)
    assert {"ICEF Monitor", "ICEF Monitor (2)", "The PIE News"} <= set(rows)
    assert rows["The PIE News"]["origin"] == "opml"

    code, exported, _ = _run(capsys, "--config", config, "feeds", "export-opml")
    assert code == 0
    assert exported.startswith("<?xml")
    assert 'xmlUrl="https://thepienews.com/feed/"' in exported
    # The export imports into a fresh archive with nothing lost.
    again = tmp_path / "export.opml"
    again.write_text(exported, "utf-8")
    empty = tmp_path / "no-sources.toml"
    empty.write_text("", "utf-8")
    monkeypatch.setenv("TALENTBRIEF_DATABASE_URL", f"sqlite:///{tmp_path / 'fresh.db'}")
    code, out, _ = _run(capsys, "--config", str(empty), "feeds", "import-opml", str(again))
    assert code == 0 and "Imported 4 feeds" in out
    restored = _list(capsys, str(empty))
    for name in ("ICEF Monitor", "ICEF Monitor (2)", "The PIE News", "USCIS news"):
        for key in ("url", "kind", "interval_seconds", "enabled"):
            assert restored[name][key] == rows[name][key], (name, key)


def test_opml_with_entities_is_refused(config: str, tmp_path: Path, capsys: Any) -> None:
    opml = tmp_path / "evil.opml"
    opml.write_text(
        '<?xml version="1.0"?><!DOCTYPE opml [<!ENTITY a "aaaa">]>'
        '<opml version="2.0"><body><outline xmlUrl="https://x.example/&a;"/></body></opml>',
        "utf-8",
    )
    code, _, err = _run(capsys, "--config", config, "feeds", "import-opml", str(opml))
    assert code == 2 and "refusing OPML" in err


def test_demo_runs_offline_into_its_own_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("TALENTBRIEF_CONFIG", raising=False)
    monkeypatch.setenv("TALENTBRIEF_DATABASE_URL", f"sqlite:///{tmp_path / 'real-archive.db'}")
    code, out, _ = _run(capsys, "demo")
    assert code == 0
    assert (tmp_path / "talentbrief-demo.db").is_file()
    assert not (tmp_path / "real-archive.db").exists()  # never the user's archive
    assert "23 items from 5 bundled sample sources (23 new this run)" in out
    assert any(f"\n{topic_title(topic).upper()}\n" in out for topic in TOPIC_ORDER)
    # Alerts lead: the bundled Federal Register rules and proclamation are flagged by the tagger.
    assert out.index("\nPOLICY ALERTS\n") < out.index("Additions to the Entity List")
    assert "Additions to the Entity List" in out
    assert "海归科学家回国三年" in out
    assert "utm_" not in out  # links are shown without tracking parameters
    code, out, _ = _run(capsys, "demo")
    assert code == 0 and "(0 new this run)" in out  # a rerun stores nothing twice
