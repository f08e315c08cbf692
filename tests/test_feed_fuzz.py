"""Random and mutated feed bytes never crash the pipeline: parse → normalise → tag → store either
stores items or refuses the document with a ParseError (which the poll records on the source).

Property-based (hypothesis): arbitrary bytes, and real feeds of every format with bytes flipped,
cut, or spliced with the fragments that break parsers (CDATA, entities, NULs, stray tags,
odd encodings). Nothing is fetched: the bytes go where a fetched body goes.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import create_engine, text

from feeds.entries import ParseError
from feeds.ingest import items_from_body
from feeds.tagging import load_tagger
from storage.db import Database, open_database
from storage.items import store_items
from storage.sources import SourceSpec, add_source

PG_ENV = "TALENTBRIEF_TEST_POSTGRES_URL"
FIXTURES = Path(__file__).parent / "fixtures"
FEEDS = [
    (FIXTURES / name).read_bytes()
    for name in ("rss20.xml", "atom.xml", "rss10.xml", "netscape091.xml", "malformed.xml")
]
DOCUMENTS = (FIXTURES / "federal_register.json").read_bytes()
SPLICES = [
    b"<![CDATA[",
    b"]]>",
    b"&amp;",
    b"&#xD800;",
    b"&nosuch;",
    b"\x00",
    b"<title>a\x00b\x01c</title>",
    b"\xff\xfe",
    b"<item>",
    b"</channel>",
    b"<entry><title>",
    b'<?xml version="1.0" encoding="koi8-r"?>',
    b'<!DOCTYPE rss [<!ENTITY a "aaaaaaaaaa">]>',
    b"<pubDate>Mon, 99 Foo 20261 25:61:00 +9999</pubDate>",
    b"<link>javascript:alert(1)</link>",
    "<title>签证 政策 — H‑1B ✓</title>".encode(),
    b"<description>" + b"x" * 5000 + b"</description>",
]
HEADERS = [
    {"content-type": "application/rss+xml; charset=utf-8"},
    {"content-type": "text/html"},
    {"content-type": "application/xml; charset=latin-1"},
    {},
]
FUZZ = settings(
    max_examples=150,
    deadline=None,
    database=None,  # no example database in the repository
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def store(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Database, int]]:
    """One database per backend for all examples (PostgreSQL refuses what SQLite keeps: NUL)."""
    if request.param == "sqlite":
        url, drop = f"sqlite:///{tmp_path_factory.mktemp('fuzz') / 'fuzz.db'}", None
    else:
        base = os.environ.get(PG_ENV) or pytest.skip(f"PostgreSQL tests are off; set {PG_ENV}")
        schema = f"tb_fuzz_{uuid.uuid4().hex[:12]}"
        admin = create_engine(base, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        url, drop = f"{base}?options={quote(f'-csearch_path={schema}')}", (admin, schema)
    database = open_database(url)
    with database.session() as session:
        source_id = add_source(session, SourceSpec(name="Fuzz", url="https://fuzz.example/")).id
    yield database, source_id
    database.dispose()
    if drop is not None:
        admin, schema = drop
        with admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def _pipeline(store: tuple[Database, int], kind: str, body: bytes, headers: dict[str, str]) -> None:
    database, source_id = store
    try:
        items, _ = items_from_body(
            kind,
            body,
            headers,
            feed_url="https://fuzz.example/feed.xml",
            fetched_at=datetime(2026, 3, 2, 12, 0, tzinfo=UTC),
            tagger=load_tagger({}),
        )
    except ParseError:
        return  # refused with a reason: what the poll records on the source
    with database.session() as session:
        store_items(session, source_id, items)


@st.composite
def mutated(draw: st.DrawFn, originals: list[bytes]) -> bytes:
    data = bytearray(draw(st.sampled_from(originals)))
    for _ in range(draw(st.integers(1, 6))):
        if not data:
            break
        where = draw(st.integers(0, len(data) - 1))
        action = draw(st.sampled_from(["flip", "cut", "splice", "drop", "repeat"]))
        if action == "flip":
            data[where] ^= draw(st.integers(1, 255))
        elif action == "cut":
            del data[where:]
        elif action == "splice":
            data[where:where] = draw(st.sampled_from(SPLICES))
        elif action == "drop":
            del data[where : where + draw(st.integers(1, 64))]
        else:
            data[where:where] = data[where : where + draw(st.integers(1, 400))] * 3
    return bytes(data)


@FUZZ
@given(body=st.binary(max_size=3000), headers=st.sampled_from(HEADERS))
def test_random_bytes_never_crash_the_feed_pipeline(
    store: tuple[Database, int], body: bytes, headers: dict[str, str]
) -> None:
    _pipeline(store, "feed", body, headers)


@FUZZ
@given(body=mutated(FEEDS), headers=st.sampled_from(HEADERS))
def test_mutated_feeds_never_crash_the_feed_pipeline(
    store: tuple[Database, int], body: bytes, headers: dict[str, str]
) -> None:
    _pipeline(store, "feed", body, headers)


@FUZZ
@given(body=st.one_of(mutated([DOCUMENTS]), st.binary(max_size=2000)))
def test_mutated_federal_register_answers_never_crash_the_pipeline(
    store: tuple[Database, int], body: bytes
) -> None:
    _pipeline(store, "federal_register", body, {"content-type": "application/json"})


@FUZZ
@given(
    document=st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=40),
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner),
        max_leaves=30,
    )
)
def test_any_json_shape_never_crashes_the_federal_register_parser(
    store: tuple[Database, int], document: object
) -> None:
    body = json.dumps({"results": [document, {"title": document}], "count": document})
    _pipeline(store, "federal_register", body.encode(), {"content-type": "application/json"})


def test_control_characters_in_an_entry_are_dropped_so_both_backends_store_it(
    store: tuple[Database, int],
) -> None:
    """Found by the soak: a NUL in a title (kept by feedparser's lenient parser) made
    PostgreSQL refuse the whole feed ("text fields cannot contain NUL")."""
    body = (
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>Wire</title>'
        b"<item><title>Visa\x00 rule\x01 for\x1f researchers</title><guid>nul\x00-1</guid>"
        b"<link>https://wire.example/nul-1</link><description>Text\x0b here</description></item>"
        b"</channel></rss>"
    )
    database, source_id = store
    items, _ = items_from_body(
        "feed", body, {}, feed_url="https://wire.example/feed", fetched_at=datetime.now(UTC),
        tagger=load_tagger({}),
    )  # fmt: skip
    [item] = items
    assert item.title == "Visa rule for researchers" and item.entry_id == "nul-1"
    with database.session() as session:
        assert store_items(session, source_id, items).new_items == 1
