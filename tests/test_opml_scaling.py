"""OPML import is linear in the number of outlines: 64,000 cost four times 16,000, counted in
lines of Python run and SQL statements sent, not in seconds (no timings in tests).

The lists are the hard case for names: every outline has one of five titles, so nearly every
feed needs a " (n)" suffix (the old suffix search started at 2 for each, which is quadratic).
"""

from __future__ import annotations

import sys
from pathlib import Path
from types import CodeType, FrameType
from typing import Any
from xml.sax.saxutils import quoteattr

from sqlalchemy import event

from bot import sources as source_actions
from feeds import opml
from storage.db import open_database

TITLES = ("Agency news", "Press releases", "Visa bulletin", "Research security", "新闻")


def _opml(count: int) -> bytes:
    outlines = "".join(
        f'<outline type="rss" text={quoteattr(TITLES[n % 5])} '
        f'xmlUrl="https://feeds{n % 97}.example/{n}/rss.xml"/>'
        for n in range(count)
    )
    return f'<?xml version="1.0"?><opml version="2.0"><body>{outlines}</body></opml>'.encode()


class Work:
    """Lines run inside the import's own Python loops, and SQL statements (and rows) sent."""

    def __init__(self) -> None:
        self.lines = 0
        self.statements = 0
        self.rows = 0
        self.watched: set[CodeType] = {
            opml.read_opml.__code__,
            opml.specs_from_opml.__code__,
            source_actions.import_opml.__code__,
        }

    def trace(self, frame: FrameType, event_name: str, _: Any) -> Any:
        if frame.f_code in self.watched:
            return self.line
        return None

    def line(self, frame: FrameType, event_name: str, _: Any) -> Any:
        if event_name == "line":
            self.lines += 1
        return self.line

    def statement(self, _conn: Any, _cursor: Any, _sql: str, parameters: Any, *_: Any) -> None:
        self.statements += 1
        many = (
            isinstance(parameters, list | tuple)
            and parameters
            and isinstance(parameters[0], list | tuple | dict)
        )
        self.rows += len(parameters) if many else 1


def _import(tmp_path: Path, count: int) -> Work:
    database = open_database(f"sqlite:///{tmp_path / f'import{count}.db'}")
    work = Work()
    data = _opml(count)
    event.listen(database.engine, "before_cursor_execute", work.statement)
    try:
        with database.session() as session:
            sys.settrace(work.trace)
            try:
                result = source_actions.import_opml(
                    session, data, interval_seconds=1800, known_topics=()
                )
            finally:
                sys.settrace(None)
        assert len(result.added) == count and result.skipped == ()
        assert len(set(result.added)) == count
    finally:
        database.dispose()
    return work


def test_importing_64000_outlines_costs_four_times_16000(tmp_path: Path) -> None:
    small = _import(tmp_path, 16_000)
    large = _import(tmp_path, 64_000)
    assert large.statements == small.statements  # one bulk insert, whatever the size
    assert large.rows - small.rows == 48_000
    ratio = large.lines / small.lines
    assert 3.9 < ratio < 4.2, (small.lines, large.lines)  # quadratic would be about 16
