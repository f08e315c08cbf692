"""A subscription matches exactly the items a search with the same query returns.

The archive is the search tests' corpus (English, simplified and traditional Chinese, mixed
scripts) plus items written for the edges of the document format: a phrase that would span the
title and the summary, Chinese characters standing alone, repeated words, dates outside the
years the day tokens cover, an item carried by two sources, a source name with a non-ASCII
capital. Every query is matched for every item by the matcher and compared with
`matching_item_ids` on the same database, on SQLite and on PostgreSQL.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, update

from storage.db import Database
from storage.items import store_items
from storage.match import ItemDocument, compile_saved, match_documents, match_items
from storage.models import Item
from storage.query import QuerySyntaxError, parse_query
from storage.search import matching_item_ids
from storage.sources import SourceSpec, add_source
from storage.subscriptions import Owner, SubscriptionRecord
from storage.types import NewItem
from tests.corpus.archive import NOW, store_corpus

EDGES = [
    ("Élysée Wire", "edge-span", "Registration opens for the lottery",
     "Rule changes follow next month.", datetime(2026, 3, 9, tzinfo=UTC), {}, False),
    ("Élysée Wire", "edge-han", "美 国 学 生 visa visa questions",
     "单字 排列 测试", datetime(2026, 3, 8, tzinfo=UTC), {"student-mobility": 0.7}, False),
    ("Élysée Wire", "edge-old", "Archive: the 1850s immigration rule debate",
     "Historians revisit an old visa dispute.", datetime(1850, 6, 1, tzinfo=UTC),
     {"visa-policy": 0.4}, False),
    ("Élysée Wire", "edge-future", "Placeholder dated 2300 by a broken feed",
     "A visa rule with a far future date.", datetime(2300, 1, 1, tzinfo=UTC), {}, True),
]  # fmt: skip


def _store_archive(database: Database) -> list[int]:
    store_corpus(database)
    with database.session() as session:
        wire = add_source(session, SourceSpec("Élysée Wire", "https://elysee.example/feed"))
        items = [
            NewItem(key=key, title=title, summary=summary, published_at=published, tags=tags,
                    alert=alert)
            for _, key, title, summary, published, tags, alert in EDGES
        ]  # fmt: skip
        store_items(session, wire.id, items)
        # The USCIS fee story, carried again by a second source.
        desk = add_source(session, SourceSpec("Policy Desk", "https://desk.example/feed"))
        uscis = session.scalar(select(Item).where(Item.key == "uscis-fee"))
        assert uscis is not None
        store_items(
            session,
            desk.id,
            [NewItem(key="uscis-fee", title=uscis.title, summary=uscis.summary,
                     published_at=uscis.published_at)],
        )  # fmt: skip
        # A document without its meta part: the engines anchor exclusion-only text on a meta
        # token, so `source:X -word` cannot find it while `source:X` can.
        store_items(
            session, desk.id, [NewItem(key="edge-bare", title="Bare entry", published_at=NOW)]
        )
        session.execute(update(Item).where(Item.key == "edge-bare").values(search_meta=""))
        return sorted(session.scalars(select(Item.id)))


def _records(texts: list[str]) -> list[SubscriptionRecord]:
    return [
        SubscriptionRecord(
            id=n + 1,
            owner=Owner("slack", "U1"),
            target_kind="channel",
            target_platform="slack",
            target_id="C1",
            query=text,
            enabled=True,
            paused_reason=None,
            created_at=NOW,
        )
        for n, text in enumerate(texts)
    ]


def _assert_match_equals_search(database: Database, item_ids: list[int], texts: list[str]) -> int:
    """Match all `texts` at once (they share atoms) and compare each with search."""
    with database.session() as session:
        matches = match_items(session, item_ids, now=NOW, subscriptions=_records(texts))
        non_empty = 0
        for n, text in enumerate(texts):
            expected = set(matching_item_ids(session, parse_query(text, now=NOW)))
            got = {m.item_id for m in matches if m.subscription_id == n + 1}
            assert got == expected, text
            non_empty += bool(expected)
    return non_empty


QUERIES = [
    "visa", "visas", "H-1B", '"lottery registration fee"', "semiconductors", "returnee OR DeepSeek",
    "visa -opinion", 'visa -"op-ed"', "签证", "簽證", "留学", "美", "回国", "學生 簽證",
    '"中国 学生"', "H1B签证", "résumé naive café", "🚀", "tag:visa-policy since:7d",
    "tag:returnees OR tag:ai-talent -China", "alert:yes since:2026-03-04", "until:2025-12-31",
    "lang:zh", 'source:"USCIS news"', '-source:"Science Insider" security since:2026-01-01',
    "students OR 学生 -alert:yes", "china", "the", "research security", "since:2020-01-01",
    # The edges.
    '"lottery rule"', "lottery rule", '"美 国"', '"国 学"', "美国", '"visa visa"',
    '"visa visa visa"', 'source:"policy desk"', 'source:"USCIS news" source:"Policy Desk"',
    'source:"USCIS news" -source:"Policy Desk"', 'source:"Policy Desk" OR source:"Élysée Wire"',
    'source:"Policy Desk" -visa', 'source:"Policy Desk" -bare', "bare", "bare -visa",
    "until:1900-01-01", "since:1900-01-01 until:1900-01-01", "since:1900-01-02 until:1901-01-01",
    "since:2199-12-31", "until:2199", "since:2190", 'source:"élysée wire"', 'source:"ÉLYSÉE WIRE"',
    'source:"USCIS news" source:"Élysée Wire"', 'source:"USCIS news" OR source:"Élysée Wire"',
    'source:"USCIS news" -source:"Élysée Wire"', "source:nowhere visa", "-source:nowhere visa",
    'source:"Élysée Wire" -visa', "tag:student-mobility -美", "alert:no -visa", "单字",
    '"单字 排列"', "tag:visa-policy OR lang:zh OR alert:yes", "-tag:visa-policy since:2026",
]  # fmt: skip


def test_fixed_queries_match_what_search_returns(database: Database) -> None:
    item_ids = _store_archive(database)
    non_empty = _assert_match_equals_search(database, item_ids, QUERIES)
    # Not vacuous: most queries find something (SQLite's lower() folds only ASCII, so search
    # finds no source named with a non-ASCII capital there; the matcher agrees).
    assert non_empty >= len(QUERIES) - 12


def test_a_query_with_relative_dates_is_read_at_matching_time(database: Database) -> None:
    item_ids = _store_archive(database)
    with database.session() as session:
        now = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
        later = datetime(2026, 4, 1, tzinfo=UTC)
        records = _records(["visa since:7d until:2030"])
        assert match_items(session, item_ids, now=now, subscriptions=records)
        assert match_items(session, item_ids, now=later, subscriptions=records) == []


_VOCABULARY = [
    "visa", "visas", "H-1B", "rule", "students", "China", "research", "security", "returnee",
    "semiconductor", "DeepSeek", "Westlake", "fee", "lottery", "the", "of", "签证", "簽證",
    "学生", "美", "國", "人才", "回国", "留學", "café", "🚀", '"visa revocations"',
    '"research security"', '"lottery rule"', '"美 国"', '"visa visa"', "tag:visa-policy",
    "tag:returnees", "tag:student-mobility", "alert:yes", "alert:no", "lang:zh", "lang:en",
    'source:"USCIS news"', "source:MacroPolo", 'source:"élysée wire"', "since:7d", "since:30d",
    "until:2026-03-05", "until:1900", "since:2200", "-opinion", "-China", "-tag:ai-talent", "-美",
    '-source:"Science Insider"', "-lang:en", "OR",
]  # fmt: skip

_QUERY = st.lists(st.sampled_from(_VOCABULARY), min_size=1, max_size=5).map(" ".join)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(texts=st.lists(_QUERY, min_size=1, max_size=12))
def test_generated_queries_match_what_search_returns(database: Database, texts: list[str]) -> None:
    valid = []
    for text in texts:
        try:
            parse_query(text, now=NOW)
        except QuerySyntaxError:
            continue
        valid.append(text)
    with database.session() as session:
        item_ids = sorted(session.scalars(select(Item.id)))
    if not item_ids:
        item_ids = _store_archive(database)
    if valid:
        _assert_match_equals_search(database, item_ids, valid)


def test_only_the_given_items_are_matched(database: Database) -> None:
    item_ids = _store_archive(database)
    with database.session() as session:
        everything = match_items(session, item_ids, now=NOW, subscriptions=_records(["visa"]))
        some = match_items(session, item_ids[:5], now=NOW, subscriptions=_records(["visa"]))
        assert match_items(session, [], now=NOW, subscriptions=_records(["visa"])) == []
    assert len(everything) > len(some) > 0
    assert {m.item_id for m in some} <= set(item_ids[:5])


def test_a_saved_query_that_no_longer_parses_is_left_out(
    database: Database, caplog: pytest.LogCaptureFixture
) -> None:
    # An older grammar may have accepted what this one refuses: that subscription is skipped
    # and logged, the others are still matched.
    item_ids = _store_archive(database)
    with database.session() as session:
        matches = match_items(
            session, item_ids, now=NOW, subscriptions=_records(["colour:red", "visa"])
        )
    assert {m.subscription_id for m in matches} == {2}
    assert "subscription #1 is not matched: unknown field colour:" in caplog.text


def test_matching_uses_the_enabled_subscriptions_by_default(database: Database) -> None:
    from storage.subscriptions import (
        SubscriptionSpec,
        create_subscription,
        set_subscription_enabled,
    )

    item_ids = _store_archive(database)
    with database.session() as session:
        spec = SubscriptionSpec(Owner("slack", "U1"), "dm", "slack", "U1", "tag:visa-policy")
        on = create_subscription(session, spec, max_per_owner=None, now=NOW)
        off = create_subscription(
            session, SubscriptionSpec(Owner("slack", "U2"), "dm", "slack", "U2", "visa"),
            max_per_owner=None, now=NOW,
        )  # fmt: skip
        set_subscription_enabled(session, off.id, False, owner=None)
        matches = match_items(session, item_ids, now=NOW)
        expected = set(matching_item_ids(session, parse_query("tag:visa-policy", now=NOW)))
    assert {m.subscription_id for m in matches} == {on.id}
    assert {m.item_id for m in matches} == expected


@pytest.mark.parametrize(
    ("phrase", "text", "meta", "found"),
    [
        (("a", "b"), ("a", "b"), (), True),
        (("a", "b"), ("a", "_", "b"), (), False),
        (("a", "b"), ("b", "a"), ("a", "b"), True),  # in the meta part
        (("a", "a"), ("a", "b", "a"), (), False),
        (("a", "a"), ("b", "a", "a"), (), True),
    ],
)
def test_phrases_need_their_tokens_next_to_each_other_in_one_part(
    phrase: tuple[str, ...], text: tuple[str, ...], meta: tuple[str, ...], found: bool
) -> None:
    from storage.query import Phrase, Query

    query = Query(include=(Phrase(" ".join(phrase), phrase),))
    document = ItemDocument(1, text, meta)
    assert (match_documents([document], [compile_saved(9, query, {})]) != []) is found
