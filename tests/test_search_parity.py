"""The same query gives the same results on SQLite and PostgreSQL: same items, same order.

Both archives hold the same corpus (English, simplified and traditional Chinese, mixed
scripts); ranking is computed in Python from the same documents, so even the scores agree.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from storage import search
from storage.db import Database, open_database
from storage.query import QuerySyntaxError, parse_query
from storage.search import matching_item_ids, search_items
from storage.types import SearchHit
from tests.corpus.archive import NOW, store_corpus

pytestmark = pytest.mark.postgres


@dataclass
class Pair:
    sqlite: Database
    postgres: Database


@pytest.fixture
def pair(tmp_path: Path, postgres_url: str) -> Iterator[Pair]:
    both = Pair(open_database(f"sqlite:///{tmp_path / 'parity.db'}"), open_database(postgres_url))
    for database in (both.sqlite, both.postgres):
        store_corpus(database)
    yield both
    both.sqlite.dispose()
    both.postgres.dispose()


def _results(database: Database, text: str, limit: int) -> tuple[list[SearchHit], list[int]]:
    query = parse_query(text, now=NOW)
    with database.session() as session:
        hits = search_items(session, query, limit=limit, now=NOW)
        ids = matching_item_ids(session, query)
    return hits, ids


def _assert_same(pair: Pair, text: str, limit: int = 20) -> list[int]:
    sqlite_hits, sqlite_ids = _results(pair.sqlite, text, limit)
    postgres_hits, postgres_ids = _results(pair.postgres, text, limit)
    assert sqlite_ids == postgres_ids, text
    assert sqlite_hits == postgres_hits, text
    return sqlite_ids


QUERIES = [
    "visa", "H-1B", '"lottery registration fee"', "semiconductors", "returnee OR DeepSeek",
    "visa -opinion", 'visa -"op-ed"', "签证", "簽證", "留学", "美", "回国", "學生 簽證",
    '"中国 学生"', "H1B签证", "résumé naive café", "🚀", "tag:visa-policy since:7d",
    "tag:returnees OR tag:ai-talent -China", "alert:yes since:2026-03-04", "until:2025-12-31",
    "lang:zh", 'source:"USCIS news"', '-source:"Science Insider" security since:2026-01-01',
    "students OR 学生 -alert:yes", "china", "the", "research security", "since:2020-01-01",
]  # fmt: skip


def test_fixed_queries_agree_on_both_backends(pair: Pair) -> None:
    non_empty = [text for text in QUERIES if _assert_same(pair, text)]
    assert len(non_empty) >= len(QUERIES) - 3  # the comparison is not vacuous


@pytest.mark.parametrize("newest_slice", [1, 4, 9])
def test_postgres_newest_slice_changes_nothing(
    pair: Pair, monkeypatch: pytest.MonkeyPatch, newest_slice: int
) -> None:
    """PostgreSQL asks the newest ids first; with a tiny slice both of its paths run."""
    monkeypatch.setattr(search, "NEWEST_SLICE", newest_slice)
    monkeypatch.setattr(search, "CANDIDATES", 2)
    for text in QUERIES:
        _assert_same(pair, text, limit=2)


_VOCABULARY = [
    "visa", "visas", "H-1B", "rule", "students", "China", "research", "security", "returnee",
    "semiconductor", "DeepSeek", "Westlake", "fee", "lottery", "the", "of", "签证", "簽證",
    "学生", "美", "國", "人才", "回国", "留學", "café", "🚀", '"visa revocations"',
    '"research security"', "tag:visa-policy", "tag:returnees", "alert:yes", "alert:no",
    "lang:zh", "lang:en", 'source:"USCIS news"', "source:MacroPolo", "since:7d", "since:30d",
    "until:2026-03-05", "-opinion", "-China", "-tag:ai-talent", "-美", "OR",
]  # fmt: skip


@settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(st.sampled_from(_VOCABULARY), min_size=1, max_size=5).map(" ".join))
def test_generated_queries_agree_on_both_backends(pair: Pair, text: str) -> None:
    try:
        parse_query(text, now=NOW)
    except QuerySyntaxError:
        return
    _assert_same(pair, text)
