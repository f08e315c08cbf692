"""Engine, sessions and schema upgrades for both backends.

SQLite is the embedded default (one file, WAL mode, FTS5); PostgreSQL (psycopg 3) is the
scale-out backend. Both are reached through `Database`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from storage import migrate
from storage.errors import BadInput, TalentbriefError


class StorageUnavailable(TalentbriefError):
    """The database could not be reached or opened."""


def normalize_url(url: str) -> str:
    """Accept the short forms people type and pick the drivers the project ships."""
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise BadInput(f"storage.url: not a database URL: {url!r}") from exc
    backend = parsed.get_backend_name()
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    elif backend not in ("sqlite", "postgresql"):
        raise BadInput(
            f"storage.url: unsupported database {backend!r}; use sqlite:///FILE or "
            "postgresql+psycopg://USER@HOST/DB"
        )
    return parsed.render_as_string(hide_password=False)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets the bot's readers (search, digests) run while a poll writes.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def make_engine(url: str, **kwargs: Any) -> Engine:
    url = normalize_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:":
            parent = Path(database).expanduser().resolve().parent
            if not parent.is_dir():
                raise BadInput(f"storage.url: folder {str(parent)!r} does not exist")
    try:
        engine = create_engine(url, future=True, **kwargs)
    except NoSuchModuleError as exc:
        raise BadInput(f"storage.url: no driver for {parsed.drivername!r}") from exc
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


class Database:
    """The one handle the rest of the project holds on storage."""

    def __init__(self, url: str, **engine_kwargs: Any) -> None:
        self.url = normalize_url(url)
        self.engine = make_engine(self.url, **engine_kwargs)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @property
    def dialect(self) -> str:
        """'sqlite' or 'postgresql'."""
        return self.engine.dialect.name

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A unit of work: committed on success, rolled back on error."""
        with self._sessions.begin() as session:
            yield session

    def upgrade(self) -> None:
        """Bring the schema to the newest migration (idempotent)."""
        try:
            migrate.upgrade(self.engine)
        except OperationalError as exc:
            raise StorageUnavailable(f"cannot open database {self.safe_url}: {exc.orig}") from exc

    @property
    def safe_url(self) -> str:
        return make_url(self.url).render_as_string(hide_password=True)

    def dispose(self) -> None:
        self.engine.dispose()


def open_database(url: str, *, upgrade: bool = True) -> Database:
    """Open (and by default migrate) the database at `url`."""
    database = Database(url)
    if upgrade:
        database.upgrade()
    return database
