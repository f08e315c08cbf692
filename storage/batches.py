"""Statements over a list of ids or keys: bounded batches, and one SQL text per dialect.

SQLite limits a statement's bound variables, so long lists go in batches of `BATCH`. An
`IN (...)` list renders one placeholder per value, so every list length is a new SQL text to
compile, convert and plan; on PostgreSQL `one_of` binds the list as one array (`= ANY(:ids)`)
instead, which psycopg prepares once and the planner answers from the column's index.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Integer, Text, any_, bindparam
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

BATCH = 500
T = TypeVar("T")


def batches(values: Sequence[T], size: int = BATCH) -> Iterator[Sequence[T]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def one_of(column: Any, name: str, dialect: str, *, text: bool = False) -> ColumnElement[bool]:
    """`column` equals one of the values bound as `name` (a list of ints, or of strings)."""
    condition: ColumnElement[bool]
    if dialect == "postgresql":
        condition = column == any_(bindparam(name, type_=ARRAY(Text if text else Integer)))
    else:
        condition = column.in_(bindparam(name, expanding=True))
    return condition


def dialect_of(session: Session) -> str:
    return session.get_bind().dialect.name
