"""Process faults with real `talentbrief` processes: two at once, SIGKILL, SIGTERM, a fresh
database, on SQLite and PostgreSQL, against the local feed server."""

from __future__ import annotations

import signal
import time
from pathlib import Path

from sqlalchemy import func, select

from storage.db import Database
from storage.migrate import current_revision, head_revision
from storage.models import Source
from tests.feed_server import FeedServer
from tests.processes import (
    environment,
    feed_paths,
    finish,
    run,
    serve_feeds,
    sources_config,
    start,
    start_together,
    wait_until,
)


def _claimed(database_url: str) -> int:
    database = Database(database_url)
    try:
        with database.session() as session:
            return int(
                session.scalar(select(func.count()).where(Source.claimed_until.is_not(None))) or 0
            )
    finally:
        database.dispose()


def test_two_polls_at_once_fetch_each_of_300_feeds_once(
    database_url: str, feed_server: FeedServer, tmp_path: Path
) -> None:
    urls = serve_feeds(feed_server, 300)
    config = sources_config(tmp_path / "talentbrief.toml", urls)
    env = environment(database_url)
    assert run(["--config", config, "feeds", "list", "--json"], env).code == 0  # sources stored
    feed_server.delay = 0.5  # each answer takes half a second: the two polls overlap
    poll = ["--config", config, "poll", "--json"]
    polls = start_together([poll, poll], env, tmp_path / "go")
    reports = [finish(process).json() for process in polls]

    assert sorted(feed_server.hits[path] for path in feed_paths(300)) == [1] * 300
    assert sum(report["sources"] for report in reports) == 300
    for report in reports:  # what one did not poll, it says the other holds
        assert report["sources"] + report["held_elsewhere"] == 300


def test_a_killed_poll_holds_its_sources_for_one_lease_and_the_next_poll_says_so(
    database_url: str, feed_server: FeedServer, tmp_path: Path
) -> None:
    urls = serve_feeds(feed_server, 20)
    # Long enough for the next process to start while the killed one's lease still runs.
    lease = 8
    config = sources_config(tmp_path / "talentbrief.toml", urls, lease=lease)
    env = environment(database_url)
    feed_server.delay = 30.0  # the first poll hangs on every feed
    victim = start(["--config", config, "poll"], env)
    wait_until(lambda: sum(feed_server.hits.values()) >= 20, what="the poll's requests")
    victim.send_signal(signal.SIGKILL)
    victim.wait(10)
    killed_at = time.monotonic()
    feed_server.delay = 0.0

    blocked = run(["--config", config, "poll", "--json"], env)
    report = blocked.json()
    assert report["sources"] == 0 and report["held_elsewhere"] == 20
    assert "nothing polled: 20 more held by another talentbrief process" in blocked.err

    time.sleep(max(0.0, killed_at + lease + 0.5 - time.monotonic()))  # its lease runs out
    report = run(["--config", config, "poll", "--json"], env).json()
    assert report["sources"] == 20 and report["fetched"] == 20
    assert report["held_elsewhere"] == 0


def test_sigterm_during_a_poll_in_run_stops_at_once_and_releases_the_sources(
    database_url: str, feed_server: FeedServer, tmp_path: Path
) -> None:
    urls = serve_feeds(feed_server, 10)
    config = sources_config(tmp_path / "talentbrief.toml", urls)
    env = environment(database_url)
    feed_server.delay = 30.0
    bot = start(["--config", config, "run"], env)
    wait_until(lambda: sum(feed_server.hits.values()) >= 10, what="the poll's requests")
    assert _claimed(database_url) == 10
    bot.send_signal(signal.SIGTERM)
    stopped = finish(bot, timeout=20)  # the 30 s fetches must not hold the stop

    assert stopped.code == 0, stopped.err
    assert "Traceback" not in stopped.err and "CancelledError" not in stopped.err
    assert "released 10 source(s) this poll had not finished" in stopped.err
    assert _claimed(database_url) == 0  # due again for the next process, no lease to wait


def test_sigterm_stops_a_poll_command_and_gives_its_sources_back(
    database_url: str, feed_server: FeedServer, tmp_path: Path
) -> None:
    urls = serve_feeds(feed_server, 10)
    config = sources_config(tmp_path / "talentbrief.toml", urls)
    env = environment(database_url)
    feed_server.delay = 30.0
    poll = start(["--config", config, "poll"], env)
    wait_until(lambda: sum(feed_server.hits.values()) >= 10, what="the poll's requests")
    poll.send_signal(signal.SIGTERM)
    stopped = finish(poll, timeout=20)
    assert stopped.code == 143
    assert stopped.err.strip().splitlines()[-1] == "talentbrief: stopped (SIGTERM)"
    assert "Traceback" not in stopped.err
    assert _claimed(database_url) == 0


def test_commands_starting_at_once_on_a_fresh_database_all_migrate_it(
    database_url: str, feed_server: FeedServer, tmp_path: Path
) -> None:
    env = environment(database_url)
    # With sources, two `feeds list` also race to write the config's sources into the database.
    config = sources_config(tmp_path / "talentbrief.toml", serve_feeds(feed_server, 3))
    upgrade = ["--config", config, "db", "upgrade"]
    listing = ["--config", config, "feeds", "list", "--json"]
    starts = start_together([upgrade, upgrade, listing, listing], env, tmp_path / "go")
    results = [finish(process) for process in starts]
    assert [r.code for r in results] == [0] * 4, [r.err for r in results]
    assert not any("Traceback" in r.err or "Duplicate" in r.err for r in results)
    database = Database(database_url)
    try:
        assert current_revision(database.engine) == head_revision()
    finally:
        database.dispose()
