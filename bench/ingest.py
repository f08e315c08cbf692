"""bench/ingest: talentbrief's poll against lemon24's reader on the same feeds, whole processes.

A feed host (bench/feed_host.py, its own process) serves the realistic corpus of
tests/corpus/realistic_feeds.py from 127.0.0.1: 1,000 feeds × 50 items, ≈ 2.5 KB per item, RSS 2.0
and Atom, one feed in eight in Chinese. Every figure is one whole process, measured from outside
(wall time, user + system CPU, peak RSS from the kernel's accounting of the finished child):

  cold ingest      `talentbrief poll --json` into an empty database (SQLite, PostgreSQL), and
                   reader's `update_feeds` into an empty one (reader stores in SQLite only)
  all-304 cycle    the same commands again: every feed answers 304 Not Modified
  2 %-changed      one new story in every 50th feed, then both again
  huge feeds       four feeds of 5,300 items (about 13 MB each) at once: peak RSS

talentbrief runs with its config file listing the feeds ([poll] per_host = concurrency: the
feeds share one loopback host that stands for a thousand). reader runs with 16 worker threads,
its plugins as shipped, search off (talentbrief builds its search document for every item).
Items per second count the corpus's entries (50 a feed; talentbrief stores a wire story carried
by ten feeds once) over the whole process's wall time, start-up included.

Run from the repository root, with the bench extras installed (`pip install -e '.[bench]'`):
    .venv/bin/python -m bench.ingest                          # 200 and 1,000 feeds, SQLite
    .venv/bin/python -m bench.ingest --postgres URL           # and PostgreSQL
(`TALENTBRIEF_TEST_POSTGRES_URL` is used when --postgres is not given and it is set.)
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
TALENTBRIEF = [PYTHON, "-m", "bot.cli"]
# reader 3.26 imports its vendored feedparser, which needs sgmllib; feedparser 6.0.14 is here.
READER_ENV = {"READER_NO_VENDORED_FEEDPARSER": "1"}
WORKERS = 16
ITEMS = 50  # per feed, as bench/feed_host.py serves them


@dataclass(frozen=True, slots=True)
class Run:
    """One finished process: wall seconds, CPU seconds, peak RSS (MiB) and what it printed."""

    wall: float
    cpu: float
    rss_mib: float
    output: dict[str, Any]


def measured(command: Sequence[str], env: dict[str, str] | None = None) -> Run:
    """Run `command` to completion; the kernel's rusage of that child gives CPU and peak RSS."""
    started = time.perf_counter()
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    assert process.stdout is not None
    output = process.stdout.read()
    _pid, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode not in (0, None):
        raise SystemExit(f"{' '.join(command)} exited with {process.returncode}")
    text = output.decode().strip()
    parsed = json.loads(text[text.find("{") :]) if "{" in text else {}
    return Run(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, parsed)


@contextmanager
def feed_host(feeds: int) -> Iterator[str]:
    """The feed host in its own process; yields its base URL."""
    process = subprocess.Popen(
        [PYTHON, "-m", "bench.feed_host", "--feeds", str(feeds)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        if not line.startswith("PORT "):
            raise SystemExit(f"feed host did not start: {line!r}")
        yield f"http://127.0.0.1:{int(line.split()[1])}"
    finally:
        process.terminate()
        process.wait(10)


def bump(host: str, every: int = 50) -> int:
    request = urllib.request.Request(f"{host}/_bump?every={every}", method="POST")
    with urllib.request.urlopen(request, timeout=30) as response:
        return int(response.read())


# -- talentbrief ------------------------------------------------------------------------------
def write_config(path: Path, host: str, feeds: int, storage: str, *, folder: str = "feeds") -> Path:
    lines = [
        f'[storage]\nurl = "{storage}"\n',
        f"[poll]\nconcurrency = {WORKERS}\nper_host = {WORKERS}\n",
    ]
    for n in range(feeds):
        lines.append(
            f'[[sources]]\nname = "Feed {n}"\nurl = "{host}/{folder}/{n}.xml"\ninterval = "30m"\n'
        )
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def talentbrief_poll(config: Path) -> Run:
    return measured([*TALENTBRIEF, "--config", str(config), "poll", "--json"])


def talentbrief_setup(config: Path) -> None:
    """Migrate the database and store the config's sources (not timed)."""
    subprocess.run(
        [*TALENTBRIEF, "--config", str(config), "feeds", "list"],
        cwd=ROOT,
        check=True,
        stdout=subprocess.DEVNULL,
    )


@contextmanager
def postgres_schema(base: str) -> Iterator[str]:
    from sqlalchemy import create_engine, text

    schema = f"tb_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in base else "?"
    try:
        yield f"{base}{separator}options={quote(f'-csearch_path={schema}')}"
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


# -- reader -----------------------------------------------------------------------------------
def reader_setup(db: Path, host: str, feeds: int, folder: str = "feeds") -> None:
    subprocess.run(
        [PYTHON, "-m", "bench.ingest", "reader-setup", str(db), f"{host}/{folder}", str(feeds)],
        cwd=ROOT,
        check=True,
        env={**os.environ, **READER_ENV},
    )


def reader_update(db: Path) -> Run:
    command = [PYTHON, "-m", "bench.ingest", "reader-update", str(db)]
    return measured(command, env=READER_ENV)


def _reader_setup_main(db: str, base: str, feeds: int) -> None:
    from reader import make_reader

    reader = make_reader(db)
    for n in range(feeds):
        reader.add_feed(f"{base}/{n}.xml")
    reader.close()


def _reader_update_main(db: str) -> None:
    from reader import make_reader

    reader = make_reader(db)
    started = time.perf_counter()
    # scheduled=False: update every feed now, as `talentbrief poll` does.
    reader.update_feeds(workers=WORKERS, scheduled=False)
    seconds = time.perf_counter() - started
    entries = reader.get_entry_counts().total
    reader.close()
    print(json.dumps({"seconds": round(seconds, 3), "entries": entries}))


# -- the run ----------------------------------------------------------------------------------
Row = tuple[str, str, str, str]


def _rate(items: int, run: Run) -> str:
    return f"{items / run.wall:,.0f} items/s ({run.wall:.1f} s)"


def _ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}×" if b else "–"


def cold(
    host: str, feeds: int, folder: Path, postgres: str | None, reader: bool
) -> tuple[list[Row], Path, Path | None]:
    rows: list[Row] = []
    config = write_config(
        folder / f"tb{feeds}.toml", host, feeds, f"sqlite:///{folder}/tb{feeds}.db"
    )
    talentbrief_setup(config)
    sqlite = talentbrief_poll(config)
    items = feeds * ITEMS  # every entry is ingested; the wire duplicates are stored once
    assert int(sqlite.output["new_items"]) > 0.9 * items, sqlite.output
    reader_db = folder / f"reader{feeds}.sqlite" if reader else None
    if reader_db is not None:
        reader_setup(reader_db, host, feeds)
        theirs = reader_update(reader_db)
        reader_items = int(theirs.output["entries"])
        rows.append(
            (
                f"cold ingest, {feeds:,} feeds, SQLite",
                _rate(items, sqlite),
                _rate(reader_items, theirs),
                _ratio(items / sqlite.wall, reader_items / theirs.wall),
            )
        )
        rows.append(
            (
                f"peak RSS, cold, {feeds:,} feeds",
                f"{sqlite.rss_mib:.0f} MiB",
                f"{theirs.rss_mib:.0f} MiB",
                _ratio(sqlite.rss_mib, theirs.rss_mib),
            )
        )
    else:
        rows.append((f"cold ingest, {feeds:,} feeds, SQLite", _rate(items, sqlite), "–", "–"))
        rows.append((f"peak RSS, cold, {feeds:,} feeds", f"{sqlite.rss_mib:.0f} MiB", "–", "–"))
    print(f"  poll {sqlite.output.get('seconds')} s, cpu {sqlite.cpu:.1f} s", file=sys.stderr)
    if postgres:
        with postgres_schema(postgres) as url:
            pg_config = write_config(folder / f"pg{feeds}.toml", host, feeds, url)
            talentbrief_setup(pg_config)
            pg = talentbrief_poll(pg_config)
        pg_items = feeds * ITEMS
        rows.append(
            (
                f"cold ingest, {feeds:,} feeds, PostgreSQL",
                _rate(pg_items, pg),
                "–",
                f"{_ratio(pg.wall, sqlite.wall)} SQLite's time",
            )
        )
    return rows, config, reader_db


def huge(host: str, folder: Path, reader: bool) -> list[Row]:
    """Four 13 MB feeds in one poll: what parsing them costs in memory."""
    config = write_config(
        folder / "huge.toml", host, 4, f"sqlite:///{folder}/huge.db", folder="huge"
    )
    talentbrief_setup(config)
    ours = talentbrief_poll(config)
    theirs = None
    if reader:
        reader_setup(folder / "huge.sqlite", host, 4, folder="huge")
        theirs = reader_update(folder / "huge.sqlite")
    return [
        (
            "peak RSS, 4 feeds of 13 MB at once",
            f"{ours.rss_mib:.0f} MiB ({ours.wall:.1f} s)",
            f"{theirs.rss_mib:.0f} MiB ({theirs.wall:.1f} s)" if theirs else "–",
            _ratio(ours.rss_mib, theirs.rss_mib) if theirs else "–",
        )
    ]


def steady(host: str, config: Path, reader_db: Path | None, runs: int, feeds: int) -> list[Row]:
    rows: list[Row] = []
    for label, prepare in (("all-304 cycle", None), ("2 %-changed cycle", bump)):
        ours: list[Run] = []
        theirs: list[Run] = []
        for _ in range(runs):
            if prepare is not None:
                prepare(host)
            ours.append(talentbrief_poll(config))
            if reader_db is not None:
                theirs.append(reader_update(reader_db))
        mine = sorted(ours, key=lambda r: r.wall)[len(ours) // 2]
        other = sorted(theirs, key=lambda r: r.wall)[len(theirs) // 2] if theirs else None
        rows.append(
            (
                f"{label}, {feeds:,} feeds, whole process (median of {runs})",
                f"{mine.wall:.2f} s ({mine.cpu:.2f} s CPU)",
                f"{other.wall:.2f} s ({other.cpu:.2f} s CPU)" if other else "–",
                _ratio(mine.wall, other.wall) if other else "–",
            )
        )
    return rows


def _lean_poll_main(config_path: str) -> None:
    """`talentbrief poll --json` through feeds/ and storage/ alone: the config, the database
    (migrated, sources synced), one cycle with a tagger built only if a feed changed. What the
    command costs once the CLI imports no more than the command uses."""
    import asyncio

    from bot.config import load_config
    from bot.sources import fetch_settings
    from feeds.poll import poll_sources
    from storage.db import open_database
    from storage.sources import sync_config_sources

    config = load_config(config_path)
    database = open_database(config.storage.url)
    with database.session() as session:
        sync_config_sources(session, config.source_specs())

    def tagger() -> Any:
        from bot.core import configured_tagger

        return configured_tagger(config)

    settings = fetch_settings(config.poll)
    report = asyncio.run(poll_sources(database, settings, tagger, due_only=False))
    print(json.dumps(report.as_dict()))


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args[:1] == ["lean-poll"]:
        _lean_poll_main(args[1])
        return 0
    if args[:1] == ["reader-setup"]:
        _reader_setup_main(args[1], args[2], int(args[3]))
        return 0
    if args[:1] == ["reader-update"]:
        _reader_update_main(args[1])
        return 0
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feeds", type=int, nargs="+", default=[200, 1000])
    parser.add_argument("--postgres", default=os.environ.get("TALENTBRIEF_TEST_POSTGRES_URL"))
    parser.add_argument("--runs", type=int, default=3, help="runs of each steady-state cycle")
    parser.add_argument("--skip-reader", action="store_true")
    parser.add_argument("--huge", action="store_true", help="also poll four 13 MB feeds")
    options = parser.parse_args(args)

    rows: list[Row] = []
    with feed_host(max(options.feeds)) as host, tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for feeds in options.feeds:
            print(f"cold ingest of {feeds} feeds …", file=sys.stderr)
            cold_rows, config, reader_db = cold(
                host, feeds, folder, options.postgres, not options.skip_reader
            )
            rows.extend(cold_rows)
        print("steady state …", file=sys.stderr)
        rows.extend(steady(host, config, reader_db, options.runs, max(options.feeds)))
        if options.huge:
            print("huge feeds …", file=sys.stderr)
            rows.extend(huge(host, folder, not options.skip_reader))
    print("| case | talentbrief | reader | ratio |\n|---|---:|---:|---:|")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
