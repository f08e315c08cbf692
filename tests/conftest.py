"""Shared fixtures: a real SQLite file and, when enabled, the real PostgreSQL server.

Set TALENTBRIEF_TEST_POSTGRES_URL (e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test) to
run every storage test on PostgreSQL too; each test gets a schema of its own, dropped after.
Once that variable is set, a server that cannot be reached fails the tests instead of skipping.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from sqlalchemy import create_engine, text

from feeds.tagging import Tagger, load_tagger
from storage.db import Database, open_database
from tests.fake_discord_api import FakeDiscord
from tests.fake_slack_api import FakeSlack
from tests.feed_server import FeedServer

PG_ENV = "TALENTBRIEF_TEST_POSTGRES_URL"


def _postgres_base_url() -> str:
    url = os.environ.get(PG_ENV)
    if not url:
        pytest.skip(f"PostgreSQL tests are off; set {PG_ENV} to run them")
    return url


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A URL whose connections live in a fresh schema of the test server."""
    base = _postgres_base_url()
    schema = f"tb_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    except Exception as exc:  # the variable is set: a missing server is a failure
        admin.dispose()
        pytest.fail(f"{PG_ENV} is set but PostgreSQL is not reachable: {exc}")
    separator = "&" if "?" in base else "?"
    yield f"{base}{separator}options={quote(f'-csearch_path={schema}')}"
    with admin.connect() as connection:
        connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The URL of an empty database on each backend in turn."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'talentbrief.db'}"
    url: str = request.getfixturevalue("postgres_url")
    return url


@pytest.fixture
def database(database_url: str) -> Iterator[Database]:
    """A migrated, empty database on each backend in turn."""
    db = open_database(database_url)
    yield db
    db.dispose()


@pytest.fixture
def sqlite_database(tmp_path: Path) -> Iterator[Database]:
    db = open_database(f"sqlite:///{tmp_path / 'talentbrief.db'}")
    yield db
    db.dispose()


@pytest.fixture
def feed_server() -> Iterator[FeedServer]:
    """A real HTTP server on 127.0.0.1 serving the documents a test registers (feed_server.py)."""
    with FeedServer() as server:
        yield server


@pytest.fixture(autouse=True)
def no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every server a test talks to is on 127.0.0.1; slack_sdk honours HTTP(S)_PROXY but
    ignores NO_PROXY, even for loopback, so the proxy variables go."""
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
async def slack() -> AsyncIterator[FakeSlack]:
    """The fake Slack Web API (tests/fake_slack_api.py), started on 127.0.0.1."""
    server = await FakeSlack().start()
    yield server
    await server.stop()


@pytest.fixture
async def discord() -> AsyncIterator[FakeDiscord]:
    """The fake Discord HTTP API (tests/fake_discord_api.py), started on 127.0.0.1."""
    server = await FakeDiscord().start()
    yield server
    await server.stop()


@pytest.fixture(scope="module")
def tagger() -> Tagger:
    """The built-in rules (loaded once; the rule tests share it). Without the learned second
    opinion: these tests pin what the rules do; tests/test_tagger_similar.py pins the model."""
    return load_tagger(second_opinion=False)
