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
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError
from sqlalchemy.orm import Session, sessionmaker

from storage import migrate
from storage.errors import BadInput, TalentbriefError
from storage.locks import hold_lock
from storage.urls import redact_url


class StorageUnavailable(TalentbriefError):
    """The database could not be reached or opened."""


def normalize_url(url: str) -> str:
    """Accept the short forms people type and pick the drivers the project ships."""
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError) as exc:  # ValueError: a port that is not a number
        why = " (the port is not a number)" if isinstance(exc, ValueError) else ""
        raise BadInput(f"storage.url: not a database URL{why}: {redact_url(url)!r}") from exc
    if parsed.port is not None and not 0 < parsed.port < 65536:
        raise BadInput(f"storage.url: port {parsed.port} is not between 1 and 65535")
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
    # The busy timeout first: switching a fresh file to WAL needs a lock that another process
    # starting at the same moment may hold for a few milliseconds.
    cursor.execute("PRAGMA busy_timeout=10000")
    # WAL lets the bot's readers (search, digests) run while a poll writes.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def make_engine(url: str, **kwargs: Any) -> Engine:
    url = normalize_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and parsed.query.get("uri") == "true":  # sqlite:///file:PATH?mode=ro&uri=true
            database = database.removeprefix("file:")
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
    def session(self, *, lock: int | None = None) -> Iterator[Session]:
        """A unit of work: committed on success, rolled back on error.

        `lock` (a key from storage.locks) serialises this unit with other processes taking the
        same lock, for read-then-insert work two processes may start at once.
        """
        with self._sessions.begin() as session:
            if lock is not None:
                hold_lock(session.connection(), lock)
            yield session

    def upgrade(self) -> None:
        """Bring the schema to the newest migration (idempotent)."""
        try:
            migrate.upgrade(self.engine)
        except DBAPIError as exc:
            raise StorageUnavailable(f"cannot open database {self.describe(exc)}") from exc

    @property
    def safe_url(self) -> str:
        return redact_url(make_url(self.url).render_as_string(hide_password=True))

    def describe(self, error: DBAPIError) -> str:
        """`URL: the driver's message`, one line: the file or server named, the password and
        the SQL statement left out."""
        return f"{self.safe_url}: {describe_database_error(error)}"

    def dispose(self) -> None:
        self.engine.dispose()


def describe_database_error(error: DBAPIError) -> str:
    """The driver's own message, first line only (SQLAlchemy's text appends the SQL)."""
    message = str(error.orig) if error.orig is not None else type(error).__name__
    lines = message.strip().splitlines()
    return lines[0] if lines else type(error).__name__


def open_database(url: str, *, upgrade: bool = True) -> Database:
    """Open (and by default migrate) the database at `url`."""
    database = Database(url)
    if upgrade:
        database.upgrade()
    return database
