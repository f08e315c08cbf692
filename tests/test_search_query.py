"""The search grammar: good queries give exact ASTs, bad ones a one-line QuerySyntaxError."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from storage.errors import BadInput
from storage.query import (
    Alert,
    AnyOf,
    Lang,
    Phrase,
    Query,
    QuerySyntaxError,
    Source,
    Tag,
    Word,
    format_query,
    parse_query,
)

NOW = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)


def parse(text: str) -> Query:
    return parse_query(text, now=NOW)


def test_words_phrases_and_filters_make_the_exact_ast() -> None:
    query = parse(
        'H-1B "Lottery Rules" visa OR immigration -opinion -"op-ed" tag:Visa-Policy '
        'source:"USCIS news" since:7d until:2026-03-09 alert:yes lang:zh-CN'
    )
    assert query == Query(
        include=(
            Word("H-1B", ("h", "1b")),
            Phrase("Lottery Rules", ("lottery", "rule")),
            AnyOf((Word("visa", ("visa",)), Word("immigration", ("immigration",)))),
            Tag("visa-policy"),
            Source("USCIS news"),
            Alert(True),
            Lang("zh"),
        ),
        exclude=(Word("opinion", ("opinion",)), Phrase("op-ed", ("op", "ed"))),
        since=date(2026, 3, 3),
        until=date(2026, 3, 9),
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("签证", Query(include=(Word("签证", ("签证",)),))),
        ("簽證", Query(include=(Word("簽證", ("签证",)),))),  # traditional → simplified
        ("留学签证", Query(include=(Word("留学签证", ("留学", "学签", "签证")),))),
        ("美", Query(include=(Word("美", ("美",)),))),
        ("Semiconductors", Query(include=(Word("Semiconductors", ("semiconductor",)),))),
        ("policies", Query(include=(Word("policies", ("policy",)),))),
        ("café", Query(include=(Word("café", ("cafe",)),))),
        ("tag:visa-policy since:7d", Query(include=(Tag("visa-policy"),), since=date(2026, 3, 3))),
        ("since:2026-01", Query(since=date(2026, 1, 1))),
        ("until:2025", Query(until=date(2025, 12, 31))),
        ("until:2026-02", Query(until=date(2026, 2, 28))),
        ("since:yesterday visa", Query(include=(Word("visa", ("visa",)),), since=date(2026, 3, 9))),
        ("since:36h visa", Query(include=(Word("visa", ("visa",)),), since=date(2026, 3, 8))),
        ("since:2w visa", Query(include=(Word("visa", ("visa",)),), since=date(2026, 2, 24))),
        ("alert:no", Query(include=(Alert(False),))),
        ("-alert:yes visa", Query(include=(Alert(False), Word("visa", ("visa",))))),
        ("source:a OR source:b", Query(include=(AnyOf((Source("a"), Source("b"))),))),
        ("tag:a OR tag:b", Query(include=(AnyOf((Tag("a"), Tag("b"))),))),
        ("visa AND china", Query(include=(Word("visa", ("visa",)), Word("china", ("china",))))),
        ("visa visa", Query(include=(Word("visa", ("visa",)),))),
        ("“smart quotes”", Query(include=(Phrase("smart quotes", ("smart", "quote")),))),
        ("https://uscis.gov/x",
         Query(include=(Word("https://uscis.gov/x", ("http", "uscis", "gov", "x")),))),
        ("Update: visa", Query(include=(Word("Update:", ("update",)), Word("visa", ("visa",))))),
        ("visa -", Query(include=(Word("visa", ("visa",)),))),
        ("visa OR !!!", Query(include=(Word("visa", ("visa",)),))),
        ("🚀", Query(include=(Word("🚀", ("_uf09f9a80",)),))),
    ],
)  # fmt: skip
def test_good_queries(text: str, expected: Query) -> None:
    assert parse(text) == expected


@pytest.mark.parametrize(
    ("text", "fix"),
    [
        ("", "empty query"),
        ("   ", "empty query"),
        ('"visa rule', "unbalanced quote"),
        ('visa "', "unbalanced quote"),
        ("OR", "OR needs a term on each side"),
        ("visa OR", "OR needs a term on each side"),
        ("OR visa", "OR needs a term on each side"),
        ("visa OR OR china", "OR needs a term on each side"),
        ("visa OR -china", "OR cannot join an exclusion"),
        ("visa OR since:7d", "cannot be joined with OR"),
        ("source:a OR visa", "source: can only be OR-ed"),
        ("-visa", "only exclusions"),
        ("-visa -tag:opinion", "only exclusions"),
        ("title:visa", "unknown field title:"),
        ('author:"Jane Doe"', "unknown field author:"),
        ("tag:", "tag: needs a value"),
        ('source:""', "is empty"),
        ("since:soon", "cannot read the date"),
        ("since:2026-02-30", "not a valid date"),
        ("since:99999w", "out of range"),
        ("until:0001-01-01", "out of range"),
        ("since:7d since:8d", "given twice"),
        ("-since:7d visa", "cannot be negated"),
        ("since:2026-03-01 until:2026-01-01", "is after until"),
        ("alert:maybe", "alert:yes or alert:no"),
        ("lang:中文", "not a language code"),
        ("!!! ??? ...", "nothing searchable"),
        ("a" * 1001, "query too long"),
        (" ".join(f"w{i}" for i in range(41)), "too many terms"),
    ],
)
def test_bad_queries_say_what_to_fix(text: str, fix: str) -> None:
    with pytest.raises(QuerySyntaxError) as error:
        parse(text)
    message = str(error.value)
    assert fix in message
    assert "\n" not in message
    assert isinstance(error.value, BadInput)  # the CLI turns it into exit 2


@pytest.mark.parametrize(
    "text",
    [
        "visa NEAR(china, 3)",  # FTS5 operators
        "visa* ^china title:x".replace(" title:x", ""),
        "'visa' & !china | (rule <-> fee) :*",  # tsquery syntax
        "visa'; DROP TABLE items; --",  # SQL
        "visa\x00china",  # NUL
        "שלום visa عربي",  # RTL scripts
        "{title body}: visa",
        'visa "" china',
        "\\ \\\\ visa",
    ],
)
def test_engine_syntax_in_user_text_is_only_words(text: str) -> None:
    query = parse(text)
    for clause in query.include:
        assert isinstance(clause, Word | Phrase | AnyOf)
        for atom in clause.options if isinstance(clause, AnyOf) else (clause,):
            assert isinstance(atom, Word | Phrase)
            for token in atom.tokens:
                assert token.replace("_", "").isalnum(), token


def test_relative_dates_use_utc_days() -> None:
    late = datetime(2026, 3, 10, 23, 30, tzinfo=UTC)
    assert parse_query("since:today", now=late).since == date(2026, 3, 10)
    assert parse_query("since:1d", now=late).since == date(2026, 3, 9)


def test_cli_filters_are_anded_to_the_text() -> None:
    query = parse_query(
        "", now=NOW, tags=["visa-policy", "returnees"], sources=["USCIS news"], since="7d"
    )
    assert query == Query(
        include=(Tag("visa-policy"), Tag("returnees"), Source("USCIS news")),
        since=date(2026, 3, 3),
    )


@pytest.mark.parametrize(
    "text",
    [
        'H-1B "lottery rule" visa OR immigration -opinion tag:visa-policy since:7d',
        'source:"USCIS news" OR source:Wire alert:no lang:zh until:2026-01-31',
        '签证 -"op-ed" -source:"Bad feed" -tag:opinion since:2025-01-01',
        "Update: OR visa",
    ],
)
def test_format_query_parses_back_to_the_same_query(text: str) -> None:
    query = parse(text)
    assert parse(format_query(query)) == query


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=120))
def test_any_text_parses_or_raises_query_syntax_error(text: str) -> None:
    try:
        query = parse(text)
    except QuerySyntaxError as error:
        assert "\n" not in str(error)
        return
    assert query.include or query.since or query.until
    assert parse(format_query(query)) == query


_PIECES = st.sampled_from(
    ["visa", "H-1B", '"lottery rule"', "OR", "-", "-opinion", "tag:visa-policy", "since:7d",
     "alert:yes", "lang:zh", "source:Wire", '"', "NEAR(", "*", "^", ":", "签证", "美", "AND",
     "-tag:x", "until:2026-01", "title:", "(", ")", "&", "|", "!", "<->", ":*", "''", "\\"]
)  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(st.lists(_PIECES, max_size=8).map(" ".join))
def test_query_shaped_text_parses_or_raises_query_syntax_error(text: str) -> None:
    try:
        query = parse(text)
    except QuerySyntaxError:
        return
    assert parse(format_query(query)) == query
