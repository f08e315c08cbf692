"""Searching the archive on SQLite and PostgreSQL: matches, filters, ranking, snippets, sync."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select, text, update

from storage.db import Database, open_database
from storage.items import retag_items, store_items
from storage.migrate import downgrade, upgrade
from storage.models import Item
from storage.query import QuerySyntaxError, parse_query
from storage.search import matching_item_ids, search_items
from storage.sources import SourceSpec, add_source
from storage.types import NewItem
from tests.corpus.archive import NOW, store_corpus


def _keys(database: Database, query_text: str, limit: int = 50) -> list[str]:
    query = parse_query(query_text, now=NOW)
    with database.session() as session:
        hits = search_items(session, query, limit=limit, now=NOW)
        keys = dict(session.execute(select(Item.id, Item.key)).all())
    return [keys[hit.id] for hit in hits]


def _matching(database: Database, query_text: str) -> set[str]:
    with database.session() as session:
        ids = matching_item_ids(session, parse_query(query_text, now=NOW))
        keys = dict(session.execute(select(Item.id, Item.key)).all())
    return {keys[i] for i in ids}


@pytest.fixture
def corpus(database: Database) -> Database:
    store_corpus(database)
    return database


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("H-1B", {"uscis-fee", "lf-mixed"}),
        ('"lottery registration fee"', {"uscis-fee"}),
        ('"registration lottery"', set()),  # a phrase keeps its order
        ("semiconductor", {"si-entity", "mp-semis"}),  # plurals fold
        ("visa", {"fr-proclamation", "nature-survey", "si-opinion"}),
        ("visa -opinion", {"fr-proclamation", "nature-survey"}),
        ('visa -"op-ed"', {"fr-proclamation", "nature-survey"}),
        ("returnee OR DeepSeek", {"nature-returnee", "mp-ai"}),
        ("签证", {"xh-visa", "udn-visa", "lf-mixed"}),
        ("簽證", {"xh-visa", "udn-visa", "lf-mixed"}),  # traditional finds simplified
        ("留学", {"xh-visa", "udn-visa"}),
        ("回国", {"xh-talent", "udn-returnee"}),
        ("美", {"xh-visa", "udn-visa", "udn-returnee"}),  # one character, anywhere
        ("H1B签证", {"lf-mixed"}),
        ("résumé naive cafe", {"lf-mixed"}),
        ("🚀", {"lf-mixed"}),
        ("tag:visa-policy since:7d", {"uscis-fee", "uscis-opt", "fr-proclamation", "xh-visa",
                                      "udn-visa", "lf-mixed"}),
        ("tag:returnees", {"nature-returnee", "nature-survey", "udn-returnee"}),
        ("tag:returnees OR tag:ai-talent -China", {"udn-returnee", "mp-semis"}),
        ("alert:yes since:2026-03-04", {"uscis-fee", "uscis-opt", "fr-proclamation", "xh-visa",
                                        "udn-visa"}),
        ("alert:yes since:2026-03-05", {"uscis-fee", "uscis-opt", "fr-proclamation", "xh-visa"}),
        ("until:2025-12-31", {"lf-old"}),
        ("lang:zh", {"xh-visa", "xh-talent", "udn-visa", "udn-returnee"}),
        ('source:"uscis NEWS"', {"uscis-fee", "uscis-opt"}),
        ('source:"USCIS news" OR source:MacroPolo -alert:yes', {"mp-ai", "mp-semis"}),
        ('-source:"Science Insider" research security', set()),
        ('source:"Science Insider" research security', {"si-nspm"}),
        ("source:Nowhere visa", set()),
        ("zzyzx", set()),
    ],
)  # fmt: skip
def test_queries_find_exactly_the_expected_items(
    corpus: Database, query: str, expected: set[str]
) -> None:
    assert _matching(corpus, query) == expected
    assert set(_keys(corpus, query)) == expected


def test_ranking_puts_title_matches_and_fresh_alerts_first(corpus: Database) -> None:
    # The word in a title counts most; then freshness and the alert flag.
    assert _keys(corpus, "visa") == ["si-opinion", "fr-proclamation", "nature-survey"]
    query = parse_query("tag:visa-policy", now=NOW)
    with corpus.session() as session:
        hits = search_items(session, query, limit=3, now=NOW)
    assert [hit.alert for hit in hits] == [True, True, True]
    assert hits[0].score >= hits[1].score >= hits[2].score
    assert hits[0].title == "USCIS finalizes H-1B fee rule"


def test_hits_carry_what_the_cli_shows_with_a_highlighted_snippet(corpus: Database) -> None:
    query = parse_query('"registration fee" employers', now=NOW)
    with corpus.session() as session:
        [hit] = search_items(session, query, now=NOW)
    assert hit.title == "USCIS finalizes H-1B fee rule"
    assert hit.url == "https://news.example/uscis-fee"
    assert hit.source == "USCIS news"
    assert hit.published == NOW - timedelta(days=1)
    assert hit.tags == ("visa-policy",)
    assert hit.alert is True
    assert hit.snippet == (
        "The final rule raises the H-1B lottery **registration fee** for **employers** from April."
    )
    assert 0 < hit.score <= 1


def test_chinese_snippet_marks_the_matched_characters(corpus: Database) -> None:
    query = parse_query("簽證", now=NOW)
    with corpus.session() as session:
        hits = {hit.title: hit for hit in search_items(session, query, now=NOW)}
    assert (
        hits["美國國務院撤銷部分中國學生簽證"].snippet
        == "學者表示，**簽證**延誤讓不少學生改變留學計劃。"
    )


def test_long_summaries_are_cut_around_the_first_match(database: Database) -> None:
    with database.session() as session:
        wire = add_source(session, SourceSpec("Wire", "https://wire.example/feed")).id
        summary = "Background paragraph about earlier years. " * 20 + "The lottery opens in April."
        store_items(session, wire, [NewItem("k", "Title", NOW, summary=summary)])
        [hit] = search_items(session, parse_query("lottery", now=NOW), now=NOW)
    assert "**lottery**" in hit.snippet
    assert hit.snippet.startswith("…")
    assert len(hit.snippet) < 240


def test_limit_and_candidates(corpus: Database) -> None:
    assert len(_keys(corpus, "since:2020-01-01", limit=3)) == 3
    assert _keys(corpus, "visa", limit=0) == []


def test_updates_retags_and_deletes_reach_the_index(database: Database) -> None:
    with database.session() as session:
        wire = add_source(session, SourceSpec("Wire", "https://wire.example/feed")).id
        store_items(session, wire, [NewItem("a", "Visa rule", NOW, tags={"visa-policy": 0.9})])
    assert _matching(database, "visa tag:visa-policy") == {"a"}
    with database.session() as session:  # the story changes: new words, new tags
        store_items(session, wire, [NewItem("a", "Lottery rule", NOW, tags={"returnees": 0.9})])
    assert _matching(database, "visa") == set()
    assert _matching(database, "lottery tag:returnees") == {"a"}
    with database.session() as session:
        item_id = session.scalar(select(Item.id))
        assert item_id is not None
        retag_items(session, {item_id: ({"ai-talent": 1.0}, True, {})})
    assert _matching(database, "tag:returnees") == set()
    assert _matching(database, "lottery tag:ai-talent alert:yes") == {"a"}
    with database.session() as session:
        session.execute(delete(Item))
    assert _matching(database, "lottery") == set()


def test_matching_ids_respect_a_half_open_first_seen_window(corpus: Database) -> None:
    with corpus.session() as session:
        ids = list(session.scalars(select(Item.id).order_by(Item.id)))
        for offset, item_id in enumerate(ids):  # one item per hour, in id order
            moment = NOW - timedelta(hours=len(ids) - offset)
            session.execute(update(Item).where(Item.id == item_id).values(first_seen_at=moment))
    after, before = NOW - timedelta(hours=10), NOW - timedelta(hours=4)
    query = parse_query("since:2020-01-01", now=NOW)
    with corpus.session() as session:
        window = matching_item_ids(session, query, first_seen_after=after, first_seen_before=before)
        assert window == ids[-10:-4]
        assert matching_item_ids(session, query, first_seen_after=after, limit=2) == ids[-10:-8]
        assert matching_item_ids(session, query, first_seen_after=NOW) == []
        visa = matching_item_ids(session, parse_query("visa", now=NOW), first_seen_after=after)
        assert visa == [i for i in window + ids[-4:] if i in set(visa)]


def test_migration_backfills_items_stored_before_it(database: Database) -> None:
    downgrade(database.engine, "0001_core")
    with database.engine.begin() as connection:
        source_id = connection.execute(
            text(
                "INSERT INTO sources (name, url, kind, interval_seconds, hint_tags, enabled, "
                "origin, priority, created_at, consecutive_failures, status) VALUES "
                "('Old', 'https://old.example/', 'feed', 1800, '[]', true, 'config', 0, "
                ":now, 0, 'ok') RETURNING id"
            ),
            {"now": NOW},
        ).scalar_one()
        connection.execute(
            text(
                "INSERT INTO items (key, title, summary, published_at, first_seen_at, "
                "updated_at, content_hash, source_id, agencies, alert, reasons) VALUES "
                "('old', 'Old 签证 story', 'Returnees in Hangzhou', :now, :now, :now, 'x', "
                ":source, '[]', false, '{}')"
            ),
            {"now": NOW, "source": source_id},
        )
        connection.execute(
            text("INSERT INTO item_tags (item_id, tag, score) SELECT id, 'returnees', 1 FROM items")
        )
    upgrade(database.engine)
    assert _matching(database, "签证 returnee tag:returnees lang:zh") == set()
    assert _matching(database, "签证 returnee tag:returnees") == {"old"}


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.text(max_size=60))
def test_a_parsed_query_never_makes_the_database_raise(corpus: Database, typed: str) -> None:
    try:
        query = parse_query(typed, now=NOW)
    except QuerySyntaxError:
        return
    with corpus.session() as session:
        search_items(session, query, now=NOW)
        matching_item_ids(session, query, first_seen_after=NOW - timedelta(days=1))


_HOSTILE = [
    'visa NEAR("china" fee, 2)', "visa* ^china", "{title}: visa", "title : visa",
    "'visa' & !china | (rule <-> fee) :* :A", "visa'); DROP TABLE items; --",
    "visa\x00china", "שלום visa عربي", '"visa AND" OR "NOT china"', "\\'\\\\ visa", "AND visa NOT",
    "🚀" * 300, "visa " * 39,
]  # fmt: skip


@pytest.mark.parametrize("typed", _HOSTILE)
def test_hostile_queries_run_as_literal_words(corpus: Database, typed: str) -> None:
    query = parse_query(typed, now=NOW)
    with corpus.session() as session:
        search_items(session, query, now=NOW)
        assert session.scalar(select(Item.id).limit(1)) is not None  # the table is still there


@pytest.mark.postgres
def test_postgres_plans_every_search_for_its_own_words(postgres_url: str) -> None:
    """A generic plan (psycopg prepares repeated statements) cannot see the tsquery."""
    database = open_database(postgres_url)
    try:
        with database.session() as session:
            for _ in range(7):  # past psycopg's prepare threshold
                search_items(session, parse_query("visa", now=NOW), now=NOW)
            mode = session.scalar(text("SELECT current_setting('plan_cache_mode')"))
    finally:
        database.dispose()
    assert mode == "force_custom_plan"
