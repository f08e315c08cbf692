"""Search the archive: a parsed `Query` → SQLite FTS5 or PostgreSQL tsvector → ranked hits.

storage/search_syntax.py writes the query in each engine's syntax (every token quoted, bound as
a parameter: nothing the user typed reaches an engine as syntax). The engines only select
candidates, the newest `CANDIDATES` matches: FTS5 stops early on `ORDER BY rowid DESC LIMIT`;
PostgreSQL is asked among the newest ids first (see `_newest_on_postgres`). Tag, language,
alert and date filters are meta tokens inside the full-text match; source filters are a
semi-join. Ranking and snippets happen in Python for the candidates and the page
(storage/search_rank.py), identically on both backends.

Public: `search_items` (chat, CLI) and `matching_item_ids` (digests, alert subscriptions).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import DateTime, bindparam, func, select, text
from sqlalchemy.orm import Session

from storage.batches import dialect_of, one_of
from storage.items import load_items
from storage.models import Item
from storage.models import Source as SourceRow
from storage.query import Query
from storage.search_rank import Candidate, rank, snippet
from storage.search_syntax import Compiled, compile_query, engine_query
from storage.search_text import utc_day
from storage.types import SearchHit

CANDIDATES = 400  # the newest matches that get ranked; bounds the cost of common words


# --- candidates -------------------------------------------------------------------------------


def _source_ids(session: Session, names: Sequence[str]) -> list[int]:
    if not names:
        return []  # most queries name no source: no round trip for them
    lowered = sorted({name.lower() for name in names})
    return list(
        session.scalars(select(SourceRow.id).where(func.lower(SourceRow.name).in_(lowered)))
    )


def _published_days(session: Session) -> tuple[date, date] | None:
    """The first and last published day in the archive (two index lookups)."""
    first = session.scalar(select(func.min(Item.published_at)))
    last = session.scalar(select(func.max(Item.published_at)))
    if first is None or last is None:
        return None
    return utc_day(first), utc_day(last)


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)


@dataclass
class _Sql:
    """A candidate statement under construction: FROM, WHERE conditions, bound parameters."""

    table: str
    key: str
    conditions: list[str]
    params: dict[str, Any]
    expanding: tuple[str, ...] = ()

    def statement(self, *, newest_first: bool, limit: int | None) -> Any:
        sql = f"SELECT {self.key} FROM {self.table} WHERE {' AND '.join(self.conditions)}"
        sql += f" ORDER BY {self.key}" + (" DESC" if newest_first else "")
        if limit is not None:
            sql += " LIMIT :limit"
            self.params["limit"] = limit
        statement = text(sql)
        for name in self.expanding:
            statement = statement.bindparams(bindparam(name, expanding=True))
        for name in ("after", "before"):
            if name in self.params:
                statement = statement.bindparams(bindparam(name, type_=DateTime(timezone=True)))
        return statement


def _base(compiled: Compiled, *, postgres: bool, months: bool = True) -> _Sql:
    """Full-text candidates; plain items when the query filters by source alone.

    On PostgreSQL the GIN condition carries the date range as whole months (`months`) or not
    at all, and each row it returns is checked for the exact days by ts_match_vq (the function
    behind @@, which no index claims, so it runs on those rows only): every OR'd token makes
    the GIN scan slower, while the check on a fetched row is cheap.
    """
    if not compiled.has_text and compiled.sources:
        return _Sql("items AS f", "f.id", [], {})
    if not postgres:
        match = {"match": engine_query(compiled, postgres=False)}
        return _Sql("item_search AS f", "f.rowid", ["f.item_search MATCH :match"], match)
    coarse = replace(compiled, window=compiled.months if months else [])
    match = {"match": engine_query(coarse, postgres=True)}
    sql = _Sql("item_search AS f", "f.item_id", ["f.document @@ CAST(:match AS tsquery)"], match)
    if coarse.window != compiled.window:
        sql.params["days"] = " | ".join(f"'{token}'" for token in compiled.window)
        sql.conditions.append("ts_match_vq(f.document, CAST(:days AS tsquery))")
    return sql


# A correlated lookup per candidate keeps FTS5 streaming newest-first (an IN (subquery) makes
# SQLite collect every match, then sort them).
_CARRIED = (
    "EXISTS (SELECT 1 FROM item_sources AS s WHERE s.item_id = {key} AND s.source_id IN :{name})"
)


def _add_sources(session: Session, sql: _Sql, compiled: Compiled) -> bool:
    """Add the source filters; False when a required source does not exist."""
    names: list[str] = []
    for index, wanted in enumerate(compiled.sources):
        ids = _source_ids(session, wanted)
        if not ids:
            return False
        names.append(f"source{index}")
        sql.params[names[-1]] = ids
        sql.conditions.append(_CARRIED.format(key=sql.key, name=names[-1]))
    excluded = _source_ids(session, compiled.excluded_sources)
    if excluded:
        names.append("excluded")
        sql.params["excluded"] = excluded
        sql.conditions.append("NOT " + _CARRIED.format(key=sql.key, name="excluded"))
    sql.expanding = tuple(names)
    return True


def _add_window(
    session: Session, sql: _Sql, after: datetime | None, before: datetime | None, postgres: bool
) -> bool:
    """Add first_seen_after ≤ first_seen_at < first_seen_before; False when the window is empty."""
    seen = "f.first_seen_at"
    if sql.table.startswith("item_search"):
        # CROSS JOIN keeps SQLite's full-text table as the outer loop.
        sql.table += (" JOIN" if postgres else " CROSS JOIN") + f" items AS i ON i.id = {sql.key}"
        seen = "i.first_seen_at"
    bounds = select(func.min(Item.id), func.max(Item.id))
    if after is not None:
        sql.params["after"] = _utc(after)
        sql.conditions.append(f"{seen} >= :after")
        bounds = bounds.where(Item.first_seen_at >= sql.params["after"])
    if before is not None:
        sql.params["before"] = _utc(before)
        sql.conditions.append(f"{seen} < :before")
        bounds = bounds.where(Item.first_seen_at < sql.params["before"])
    # Ids grow with first_seen_at: the id range lets the index skip straight to the window.
    low, high = session.execute(bounds).one()
    if low is None:
        return False
    sql.params["low"], sql.params["high"] = low, high
    sql.conditions.append(f"{sql.key} BETWEEN :low AND :high")
    return True


def _matching(
    session: Session,
    query: Query,
    *,
    newest_first: bool,
    limit: int | None,
    first_seen_after: datetime | None = None,
    first_seen_before: datetime | None = None,
) -> list[int]:
    """Ids of the items matching `query` (and the first-seen window), in id order."""
    compiled = compile_query(
        query, _published_days(session) if query.since or query.until else None
    )
    postgres = session.get_bind().dialect.name == "postgresql"
    if postgres:
        # psycopg prepares a statement run five times; PostgreSQL then switches to a generic
        # plan that cannot see the tsquery and picks a bad one (measured: 60 ms became 6.8 s,
        # then 360 ms). Every search differs in its words, so plan each one for its values.
        session.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))
    sql = _base(compiled, postgres=postgres)
    if not _add_sources(session, sql, compiled):
        return []
    windowed = first_seen_after is not None or first_seen_before is not None
    if windowed and not _add_window(session, sql, first_seen_after, first_seen_before, postgres):
        return []
    if postgres and newest_first and limit is not None and not windowed:
        return _newest_on_postgres(session, compiled, sql, limit)
    statement = sql.statement(newest_first=newest_first, limit=limit)
    return [row[0] for row in session.execute(statement, sql.params)]


# PostgreSQL reads every GIN match from the heap before it can sort them, and its planner may
# walk the primary key backwards for a word it underestimates. So it is asked first among the
# newest ids, with the date range left to the row check (the newest slice is where recent
# windows are); a common word fills the page there. Otherwise the whole archive is asked, with
# the range in the index. Both give the newest `limit` matches, as one unbounded query would.
NEWEST_SLICE = 25_000


def _newest_on_postgres(session: Session, compiled: Compiled, sql: _Sql, limit: int) -> list[int]:
    top = session.scalar(select(func.max(Item.id))) or 0
    if top > NEWEST_SLICE:
        sliced = _base(compiled, postgres=True, months=False)
        _add_sources(session, sliced, compiled)
        sliced.conditions.append(f"{sliced.key} > :newest_low")
        sliced.params["newest_low"] = top - NEWEST_SLICE
        statement = sliced.statement(newest_first=True, limit=limit)
        ids = [row[0] for row in session.execute(statement, sliced.params)]
        if len(ids) >= limit:
            return ids
    statement = sql.statement(newest_first=True, limit=limit)
    return [row[0] for row in session.execute(statement, sql.params)]


def matching_item_ids(
    session: Session,
    query: Query,
    *,
    first_seen_after: datetime | None = None,
    first_seen_before: datetime | None = None,
    limit: int | None = None,
) -> list[int]:
    """Every item matching `query`, oldest first, unranked (for digests and alerts).

    The window is half-open: first_seen_after ≤ first_seen_at < first_seen_before, so
    consecutive windows neither overlap nor leave a gap.
    """
    return _matching(
        session,
        query,
        newest_first=False,
        limit=limit,
        first_seen_after=first_seen_after,
        first_seen_before=first_seen_before,
    )


def search_items(
    session: Session,
    query: Query,
    *,
    limit: int = 10,
    now: datetime | None = None,
    marks: tuple[str, str] = ("**", "**"),
) -> list[SearchHit]:
    """The best `limit` items for `query`: relevance blended with recency and the alert flag."""
    if limit <= 0:
        return []
    moment = _utc(now or datetime.now(UTC))
    ids = _matching(session, query, newest_first=True, limit=max(CANDIDATES, limit))
    if not ids:
        return []
    documents = select(Item.id, Item.search_text, Item.published_at, Item.alert).where(
        one_of(Item.id, "ids", dialect_of(session))
    )
    rows = session.execute(documents, {"ids": ids})
    candidates = [Candidate(i, doc, published, alert) for i, doc, published, alert in rows]
    atoms = query.text_atoms()
    ranked = rank(candidates, atoms, moment)[:limit]
    scores = dict(ranked)
    hits = []
    for item in load_items(session, [item_id for item_id, _ in ranked]):
        hits.append(
            SearchHit(
                id=item.id,
                title=item.title,
                url=item.url,
                source=item.source,
                published=item.published_at,
                tags=tuple(item.tags),
                alert=item.alert,
                snippet=snippet(item.summary or item.title, atoms, marks=marks),
                score=scores[item.id],
            )
        )
    return hits
