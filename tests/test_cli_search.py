"""`talentbrief search` through `main([...])`, on a real archive."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.cli import main
from storage.db import Database
from tests.cli import run_cli
from tests.corpus.archive import store_corpus


@pytest.fixture
def archive(
    database: Database, database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Database:
    store_corpus(database)
    config = tmp_path / "talentbrief.toml"
    config.write_text('[storage]\nurl = "sqlite:///unused.db"\n', encoding="utf-8")
    monkeypatch.setenv("TALENTBRIEF_CONFIG", str(config))
    monkeypatch.setenv("TALENTBRIEF_DATABASE_URL", database_url)
    return database


def test_json_output_has_the_contract_fields(
    archive: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["search", "H-1B fee", "--json"]) == 0
    out = capsys.readouterr()
    [hit] = json.loads(out.out)
    assert set(hit) == {"id", "title", "url", "source", "published", "tags", "alert", "snippet",
                        "score"}  # fmt: skip
    assert hit["title"] == "USCIS finalizes H-1B fee rule"
    assert hit["source"] == "USCIS news"
    assert hit["tags"] == ["visa-policy"]
    assert hit["alert"] is True
    assert hit["published"].startswith("20")
    assert "**fee**" in hit["snippet"]


def test_flags_merge_into_the_query(archive: Database, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["search", "", "--tag", "visa-policy", "--tag", "student-mobility", "--json",
                 "--source", "新华网", "--since", "2026-01-01", "--limit", "5"])  # fmt: skip
    assert code == 0
    titles = [hit["title"] for hit in json.loads(capsys.readouterr().out)]
    assert titles == ["美国收紧中国留学生签证政策"]


def test_readable_output_lists_title_source_date_tags_snippet_link(
    archive: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["search", "Westlake"]) == 0
    out = capsys.readouterr().out
    assert "Physicist leaves Princeton for Westlake University" in out
    assert "Nature careers · " in out
    assert "returnees" in out
    assert "https://news.example/nature-returnee" in out


def test_no_results_is_not_an_error(archive: Database, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["search", "zzyzx", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == []
    assert main(["search", "zzyzx"]) == 0
    out = capsys.readouterr().out
    assert "No items match 'zzyzx'." in out
    assert "empty" not in out  # the archive has items: no hint about filling it


def test_an_empty_archive_says_so_and_how_to_fill_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("TALENTBRIEF_CONFIG", raising=False)
    monkeypatch.setenv("TALENTBRIEF_DATABASE_URL", f"sqlite:///{tmp_path / 'fresh.db'}")
    result = run_cli(capsys, "search", "H-1B")
    assert result.code == 0
    assert result.out.strip() == (
        f"No items match 'H-1B'. The archive (sqlite:///{tmp_path / 'fresh.db'}) is empty: "
        "`talentbrief poll` fills it."
    )


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["search", '"unclosed'], "unbalanced quote"),
        (["search", "title:visa"], "unknown field title:"),
        (["search", ""], "empty query"),
        (["search", "visa", "--since", "soon"], "cannot read the date"),
        (["search", "visa", "--limit", "0"], "--limit must be between"),
        (["search", "visa", "--tag", "visa"], "tag:visa is not a topic (known: visa-policy"),
        (["search", "H-1B tag:students"], "tag:students is not a topic"),
    ],
)
def test_bad_queries_exit_2_with_one_line(
    archive: Database, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    assert main(argv) == 2
    err = capsys.readouterr()
    assert err.out == ""
    assert err.err.startswith("talentbrief: error: ")
    assert message in err.err
    assert err.err.count("\n") == 1


def test_a_query_that_starts_with_a_dash_is_a_query(
    archive: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    result = run_cli(capsys, "search", "-opinion", "--tag", "visa-policy", "--json")
    assert result.code == 0, result.err
    assert result.json() and all("opinion" not in hit["title"].lower() for hit in result.json())
    both = run_cli(capsys, "search", "H-1B", "-lottery", "--json")
    assert both.code == 0 and all("lottery" not in hit["title"].lower() for hit in both.json())


def test_verbose_works_after_the_subcommand_too(
    archive: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_cli(capsys, "search", "H-1B", "-v").code == 0
    assert run_cli(capsys, "-v", "search", "H-1B").code == 0


def test_topics_lists_every_id_with_what_it_covers(
    archive: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    listing = run_cli(capsys, "topics")
    assert listing.code == 0
    first = listing.out.splitlines()[0]
    assert first.startswith("visa-policy ") and "who may enter, study, work or stay" in first
    assert "alert" in listing.out
    ids = [topic["id"] for topic in run_cli(capsys, "topics", "--json").json()]
    assert ids == [
        "visa-policy",
        "talent-programs",
        "returnees",
        "research-security",
        "export-controls",
        "student-mobility",
        "ai-talent",
    ]
