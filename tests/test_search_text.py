"""The search document: one tokenizer in Python, kept whole by FTS5 and by PostgreSQL."""

from __future__ import annotations

import importlib
import sqlite3
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from storage.db import Database, open_database
from storage.search_text import (
    _HAN_CHAR,
    FIRST_DAY,
    LAST_DAY,
    MAX_OCCURRENCES,
    _classified_runs,
    _is_han,
    _normalized_tokens,
    day_tokens,
    document_meta,
    document_text,
    normalize,
    range_tokens,
    replace_tag_tokens,
    runs,
    search_columns,
    stem,
    tokenize,
)

WHEN = datetime(2026, 3, 2, 14, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("source", "tokens"),
    [
        ("USCIS finalizes H-1B fee rules", ["uscis", "finalize", "h", "1b", "fee", "rule"]),
        (
            "中美人才竞争：留學簽證",
            ["中美", "美人", "人才", "才竞", "竞争", "留学", "学签", "签证"],
        ),
        ("美 visa", ["美", "visa"]),
        ("ＦＵＬＬ width Résumé", ["full", "width", "resume"]),
        ("e\u0301tude", ["etude"]),  # a decomposed accent stays with its word
        ("Straße", ["strasse"]),
        ("Москва", ["_ud0bcd0bed181d0bad0b2d0b0"]),
        ("🚀🚀", ["_uf09f9a80", "_uf09f9a80"]),
        ("NEAR(a*b) ^x 'y' :* <->", ["near", "a", "b", "x", "y"]),
        ("", []),
    ],
)
def test_tokenize(source: str, tokens: list[str]) -> None:
    assert tokenize(source) == tokens


@pytest.mark.parametrize(
    ("word", "stemmed"),
    [("visas", "visa"), ("policies", "policy"), ("rules", "rule"), ("fees", "fee"),
     ("returnees", "returnee"), ("us", "us"), ("status", "status"), ("class", "class"),
     ("analysis", "analysis"), ("agencies", "agency"), ("ties", "tie")],
)  # fmt: skip
def test_minimal_plural_stemmer(word: str, stemmed: str) -> None:
    assert stem(word) == stemmed


def test_document_separates_title_from_summary_and_caps_repeats() -> None:
    assert document_text("Visa rules", "New visas") == "visa rule _ new visa"
    spam = document_text("t", "visa " * 400)
    assert spam.split().count("visa") == MAX_OCCURRENCES


def test_meta_holds_filters_periods_and_chinese_characters() -> None:
    meta = document_meta(
        title="美國簽證", summary="", tags={"visa-policy": 1.0}, alert=True, language=None,
        published_at=WHEN,
    )  # fmt: skip
    tokens = meta.split()
    assert {"_i", "_a1", "_c20", "_e202", "_y2026", "_m202603", "_d20260302", "_lzh"} <= set(tokens)
    assert {"美", "国", "签", "证"} <= set(tokens)
    retagged = replace_tag_tokens(meta, ["returnees"], False).split()
    assert "_a0" in retagged and "_a1" not in retagged
    assert set(retagged) - set(tokens) == {"_a0", "_t" + b"returnees".hex()}


@settings(max_examples=300, deadline=None)
@given(st.dates(date(1890, 1, 1), date(2210, 1, 1)), st.integers(0, 900), st.booleans())
def test_range_tokens_cover_exactly_the_days_asked(
    since: date, length: int, open_end: bool
) -> None:
    until = None if open_end else since + timedelta(days=length)
    cover = set(range_tokens(since, until))
    first = min(max(since, FIRST_DAY), LAST_DAY)
    last = LAST_DAY if until is None else min(max(until, FIRST_DAY), LAST_DAY)
    for offset in (-2, -1, 0, 1, length // 2, length, length + 1, length + 2):
        day = first + timedelta(days=offset)
        if FIRST_DAY <= day <= LAST_DAY:
            covered = bool(cover & set(day_tokens(day)))
            assert covered == (first <= day <= last), (day, first, last)


# --- the engines keep every token whole -------------------------------------------------------


@pytest.fixture(scope="module")
def fts5() -> Iterator[sqlite3.Connection]:
    connection = sqlite3.connect(":memory:")
    connection.execute(
        "CREATE VIRTUAL TABLE doc USING fts5(search_text, search_meta, "
        "tokenize=\"unicode61 remove_diacritics 0 tokenchars '_'\")"
    )
    connection.execute("CREATE VIRTUAL TABLE vocab USING fts5vocab(doc, 'row')")
    yield connection
    connection.close()


def _document(title: str, summary: str) -> tuple[str, str]:
    meta = document_meta(
        title=title, summary=summary, tags=["visa-policy"], alert=False, language=None,
        published_at=WHEN,
    )  # fmt: skip
    return document_text(title, summary), meta


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=80), st.text(max_size=80))
def test_fts5_indexes_exactly_our_tokens(fts5: sqlite3.Connection, title: str, body: str) -> None:
    words, meta = _document(title, body)
    fts5.execute("DELETE FROM doc")
    fts5.execute("INSERT INTO doc VALUES (?, ?)", (words, meta))
    indexed = {term for (term,) in fts5.execute("SELECT term FROM vocab")}
    assert indexed == set(words.split()) | set(meta.split())


def test_every_common_chinese_character_survives_fts5(fts5: sqlite3.Connection) -> None:
    characters = [chr(c) for c in range(0x4E00, 0x9FCD)]
    tokens = [t for t in tokenize("".join(characters)) if not t.startswith("_u")]
    fts5.execute("DELETE FROM doc")
    fts5.execute("INSERT INTO doc VALUES (?, '')", (" ".join(tokens),))
    indexed = {term for (term,) in fts5.execute("SELECT term FROM vocab")}
    assert indexed == set(tokens)


@pytest.fixture
def postgres(postgres_url: str) -> Iterator[Database]:
    database = open_database(postgres_url)
    yield database
    database.dispose()


@pytest.mark.postgres
@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.text(max_size=80), st.text(max_size=80))
def test_postgres_vector_holds_exactly_our_tokens(
    postgres: Database, title: str, body: str
) -> None:
    words, meta = _document(title, body)
    with postgres.engine.connect() as connection:
        lexemes = connection.execute(
            text("SELECT tsvector_to_array(talentbrief_search_vector(:w, :m))"),
            {"w": words, "m": meta},
        ).scalar_one()
    assert set(lexemes) == set(words.split()) | set(meta.split())


@settings(max_examples=300)
@given(st.text(alphabet=st.characters(max_codepoint=127)))
def test_the_ascii_fast_path_finds_the_same_runs_as_the_general_one(text: str) -> None:
    general = list(_classified_runs(text))
    assert list(runs(text)) == general
    assert tokenize(text) == [token for run in general for token in run.tokens]


def test_the_chinese_scan_pattern_covers_exactly_the_han_ranges() -> None:
    disagree = [
        code
        for code in range(0x110000)
        if bool(_HAN_CHAR.fullmatch(chr(code))) != _is_han(chr(code))
    ]
    assert disagree == []


@settings(max_examples=2000)
@given(st.text())
def test_the_stretch_tokeniser_finds_the_same_tokens_as_the_classifier(text: str) -> None:
    normalized = normalize(text)
    expected = [token for run in _classified_runs(normalized) for token in run.tokens]
    assert _normalized_tokens(normalized) == expected
    assert tokenize(text) == expected


@settings(max_examples=300)
@given(st.text(max_size=60), st.text(max_size=200), st.sampled_from([None, "en", "zh-CN"]))
def test_search_columns_equal_the_two_documents_built_apart(
    title: str, summary: str, language: str | None
) -> None:
    published = datetime(2026, 3, 2, tzinfo=UTC)
    tags = {"visa-policy": 0.9}
    assert search_columns(
        title=title,
        summary=summary,
        tags=tags,
        alert=True,
        language=language,
        published_at=published,
    ) == {
        "search_text": document_text(title, summary),
        "search_meta": document_meta(
            title=title,
            summary=summary,
            tags=tags,
            alert=True,
            language=language,
            published_at=published,
        ),
    }


@pytest.mark.postgres
@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(st.sampled_from(["visa", "'", "\\", "o'hara", "中国", "_t6a", "", "a:b", "x y"])).map(
        " ".join
    ),
    st.lists(st.sampled_from(["_i", "_a1", "'q", "\\\\", "", "人"])).map(" ".join),
)
def test_the_plpgsql_vector_equals_the_sql_one_it_replaced(
    postgres: Database, words: str, meta: str
) -> None:
    migration = importlib.import_module("storage.migrations.versions.0006_ingest")
    old = migration.SQL_VECTOR.replace("talentbrief_search_vector", "search_vector_0002")
    with postgres.engine.begin() as connection:
        connection.exec_driver_sql(old)
        same = connection.execute(
            text(
                "SELECT talentbrief_search_vector(:w, :m) = search_vector_0002(:w, :m), "
                "talentbrief_search_vector(:w, :m)::text = search_vector_0002(:w, :m)::text"
            ),
            {"w": words, "m": meta},
        ).one()
    assert tuple(same) == (True, True)


@settings(max_examples=1000)
@given(
    st.text(
        alphabet=st.sampled_from([*"ab1 .,-_'", "“", "”", "—", "\xa0", "、", "ª", "²", "©", "é"])
    )
)
def test_typographic_punctuation_takes_the_ascii_path_with_the_same_tokens(text: str) -> None:
    normalized = normalize(text)
    expected = [token for run in _classified_runs(normalized) for token in run.tokens]
    assert _normalized_tokens(normalized) == expected
