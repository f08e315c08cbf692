"""A parsed `Query` in each engine's own syntax: FTS5 MATCH text and tsquery text.

Every token is quoted (FTS5 strings, tsquery lexemes) and the result is bound as a parameter,
so nothing the user typed reaches an engine as syntax. Tags, language, alert and the date range
become meta tokens (storage/search_text.py); source filters stay out (they are SQL).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from storage.query import Alert, AnyOf, Atom, Lang, Phrase, Query, Source, Tag, Word
from storage.search_text import (
    EVERY_ITEM,
    alert_token,
    language_token,
    range_tokens,
    tag_token,
)

EMPTY_RANGE = "_none"  # a meta token no item has: a date range outside the archive


def _tokens(atom: Atom) -> tuple[str, ...]:
    """The tokens that must stand together for `atom` (one token for the filters)."""
    if isinstance(atom, Word | Phrase):
        return atom.tokens
    if isinstance(atom, Tag):
        return (tag_token(atom.tag),)
    if isinstance(atom, Lang):
        return (language_token(atom.code),)
    if isinstance(atom, Alert):
        return (alert_token(atom.flag),)
    raise TypeError(f"{atom!r} is not matched by full text")


def _fts5_atom(atom: Atom) -> str:
    return '"' + " ".join(_tokens(atom)).replace('"', '""') + '"'


def _tsquery_atom(atom: Atom) -> str:
    quoted = ["'" + t.replace("\\", "\\\\").replace("'", "''") + "'" for t in _tokens(atom)]
    return quoted[0] if len(quoted) == 1 else "(" + " <-> ".join(quoted) + ")"


@dataclass(frozen=True, slots=True)
class Compiled:
    """The parts of a query: full-text positives and negatives, and source id filters."""

    positives: list[list[Atom]]  # AND of ORs
    negatives: list[Atom]
    window: list[str]  # meta tokens of the exact date range, ORed
    months: list[str]  # the same range widened to whole months: fewer tokens, a superset
    sources: list[list[str]]  # AND of (any of these names)
    excluded_sources: list[str]

    @property
    def has_text(self) -> bool:
        return bool(self.positives or self.negatives or self.window)


def _month_start(day: date) -> date:
    return day.replace(day=1)


def _month_end(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


def compile_query(query: Query, published: tuple[date, date] | None = None) -> Compiled:
    """Split `query` for the engines; `published` (first, last day stored) trims open ranges."""
    positives: list[list[Atom]] = []
    sources: list[list[str]] = []
    for clause in query.include:
        options = list(clause.options) if isinstance(clause, AnyOf) else [clause]
        if all(isinstance(o, Source) for o in options):
            sources.append([o.name for o in options if isinstance(o, Source)])
        else:
            positives.append(options)
    window: list[str] = []
    months: list[str] = []
    if query.since or query.until:
        # Days outside what is stored match nothing: leaving them out shortens the OR.
        since, until = query.since, query.until
        if published is not None:
            since = max(since or published[0], published[0])
            until = min(until or published[1], published[1])
        if since is not None and until is not None and since > until:
            window = months = [EMPTY_RANGE]
        else:
            window = range_tokens(since, until)
            months = range_tokens(
                _month_start(since) if since else None, _month_end(until) if until else None
            )
    return Compiled(
        positives=positives,
        negatives=[a for a in query.exclude if not isinstance(a, Source)],
        window=window,
        months=months,
        sources=sources,
        excluded_sources=[a.name for a in query.exclude if isinstance(a, Source)],
    )


def engine_query(compiled: Compiled, *, postgres: bool, months: bool = False) -> str:
    atom = _tsquery_atom if postgres else _fts5_atom
    and_, or_ = (" & ", " | ") if postgres else (" AND ", " OR ")

    def any_of(parts: list[str]) -> str:
        return parts[0] if len(parts) == 1 else "(" + or_.join(parts) + ")"

    def token(value: str) -> str:
        return f"'{value}'" if postgres else f'"{value}"'

    groups = [any_of([atom(a) for a in options]) for options in compiled.positives]
    window = compiled.months if months else compiled.window
    if window:
        groups.append(any_of([token(t) for t in window]))
    if not groups:
        groups.append(token(EVERY_ITEM))
    positive = and_.join(groups)
    if not compiled.negatives:
        return positive
    negative = any_of([atom(a) for a in compiled.negatives])
    return f"({positive}) & !{negative}" if postgres else f"({positive}) NOT {negative}"


def fts5_match(query: Query) -> str:
    """The FTS5 MATCH expression of `query` (every token a quoted string)."""
    return engine_query(compile_query(query), postgres=False)


def tsquery_text(query: Query) -> str:
    """The tsquery of `query` (every token a quoted lexeme), for CAST(… AS tsquery)."""
    return engine_query(compile_query(query), postgres=True)
