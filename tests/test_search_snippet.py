"""Search snippets highlight whole query terms, as the search matched them."""

from __future__ import annotations

import pytest

from storage.db import Database
from storage.query import parse_query
from storage.search_rank import snippet
from tests.cli import run_cli
from tests.corpus.archive import store_corpus


def _marked(text: str, query: str) -> str:
    return snippet(text, parse_query(query).text_atoms())


@pytest.mark.parametrize(
    ("text", "query", "expected"),
    [
        (
            "USCIS raises the H-1B registration fee; H visas and 1B tiers are unaffected.",
            "H-1B",
            "USCIS raises the **H-1B** registration fee; H visas and 1B tiers are unaffected.",
        ),
        (
            "The F-1 and J-1 rules change; F 1 forms stay.",
            "f-1",
            "The **F-1** and J-1 rules change; **F 1** forms stay.",
        ),
        (
            "A rule on the lottery registration fee, and a fee for registration.",
            '"registration fee"',
            "A rule on the lottery **registration fee**, and a fee for registration.",
        ),
        (
            "Students with visas, and a visa bulletin.",
            "visa students",
            "**Students** with **visas**, and a **visa** bulletin.",
        ),
        (
            "市政府公布人才引进计划，引进海外学者。",
            "人才引进",
            "市政府公布**人才引进**计划，引进海外学者。",
        ),
        ("美国国务院：美国签证", "美", "**美**国国务院：**美**国签证"),
        (
            "學者表示，簽證延誤讓不少學生改變計劃。",
            "签证",
            "學者表示，**簽證**延誤讓不少學生改變計劃。",
        ),
        (
            "H-1B lottery opens; the H-1B fee rises.",
            "H-1B OR lottery",
            "**H-1B** **lottery** opens; the **H-1B** fee rises.",
        ),
    ],
)
def test_terms_are_highlighted_whole(text: str, query: str, expected: str) -> None:
    assert _marked(text, query) == expected


def test_a_term_cut_at_the_edge_of_the_snippet_keeps_its_marks_balanced() -> None:
    text = "Background on earlier years of the program. " * 8 + "Then the H-1B rule changed."
    marked = _marked(text, "H-1B")
    assert "**H-1B**" in marked and marked.count("**") == 2 and marked.startswith("…")


def test_the_cli_shows_a_hyphenated_term_whole(
    database: Database,
    database_url: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    store_corpus(database)
    monkeypatch.setenv("TALENTBRIEF_DATABASE_URL", database_url)
    monkeypatch.setenv("TALENTBRIEF_CONFIG", "/dev/null")
    hits = run_cli(capsys, "search", "H-1B", "--json").json()
    snippets = [hit["snippet"] for hit in hits if "H-1B" in hit["snippet"]]
    assert snippets, hits
    for text in snippets:
        assert "**H-1B**" in text and "**H**" not in text
