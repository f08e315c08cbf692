"""What `talentbrief poll` loads when no feed changed, and the collector after start-up.

A no-change cycle needs the config, the database and the fetcher: not the archive, digests,
platforms, the query grammar, the taxonomy, storing or alerting. The check runs the real command
in its own process (this test process has imported everything already).
"""

from __future__ import annotations

import gc
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli.context import CliContext
from tests.corpus.feeds import corpus_feed
from tests.feed_server import FeedServer

ROOT = Path(__file__).resolve().parent.parent

# Runs `talentbrief ARGV…` as the process's entry point (main() without argv), then writes the
# modules it loaded and the collector's state to the file named first.
REPORT = """
import atexit, gc, json, sys
out = sys.argv[1]
def report():
    state = {"modules": sorted(sys.modules), "enabled": gc.isenabled(),
             "frozen": gc.get_freeze_count()}
    with open(out, "w") as file:
        json.dump(state, file)
atexit.register(report)
sys.argv = ["talentbrief", *sys.argv[2:]]
from bot.cli import main
sys.exit(main())
"""

# Modules a 304 cycle never uses (each costs start-up time; some, many milliseconds).
NOT_ON_THE_304_PATH = (
    "alembic",
    "apscheduler",
    "bot.archive",
    "bot.digest_build",
    "bot.platforms",
    "bot.topics",
    "digests.cluster",
    "digests.schedule",
    "feeds.ingest",
    "feeds.opml",
    "feeds.tagging.taxonomy",
    "storage.items",
    "storage.outbox",
    "storage.query",
)


def _poll(config: Path, report: Path) -> dict[str, object]:
    finished = subprocess.run(
        [sys.executable, "-c", REPORT, str(report), "--config", str(config), "poll", "--json"],
        cwd=ROOT,
        env=dict(os.environ),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert finished.returncode == 0, finished.stderr
    result: dict[str, object] = json.loads(finished.stdout)
    return result


def test_a_no_change_poll_loads_only_what_it_uses(
    database_url: str, feed_server: FeedServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    urls = [feed_server.add(f"/feeds/{n}.xml", corpus_feed(n)) for n in range(3)]
    lines = [f'[[sources]]\nname = "Wire {n}"\nurl = "{url}"\n' for n, url in enumerate(urls)]
    config = tmp_path / "talentbrief.toml"
    config.write_text("\n".join(lines), "utf-8")
    monkeypatch.setenv("TALENTBRIEF_DATABASE_URL", database_url)

    first = _poll(config, tmp_path / "first.json")
    assert (first["fetched"], first["new_items"]) == (3, 150)
    loaded = set(json.loads((tmp_path / "first.json").read_text())["modules"])
    assert {"storage.items", "feeds.ingest"} <= loaded  # the check below can tell

    second = _poll(config, tmp_path / "second.json")
    assert (second["not_modified"], second["fetched"]) == (3, 0)
    state = json.loads((tmp_path / "second.json").read_text())
    assert sorted(set(NOT_ON_THE_304_PATH) & set(state["modules"])) == []
    # Start-up's objects were set aside, and the collector runs for the rest of the command.
    assert state["enabled"] is True
    assert state["frozen"] > 0


def test_start_up_turns_the_collector_back_on() -> None:
    owner = CliContext(owns_process=True)
    before = gc.get_freeze_count()
    try:
        with pytest.raises(RuntimeError), owner.start_up():
            with owner.start_up():
                assert not gc.isenabled()
            assert not gc.isenabled()  # the outer start-up has not ended
            raise RuntimeError("a config error")
        assert gc.isenabled()
        assert gc.get_freeze_count() >= before
    finally:
        gc.unfreeze()  # this test process keeps collecting everything
        gc.enable()


def test_a_command_called_in_process_leaves_the_collector_alone() -> None:
    guest = CliContext()  # main(argv) from a test or another program
    frozen = gc.get_freeze_count()
    with guest.start_up():
        assert gc.isenabled()
    assert gc.isenabled()
    assert gc.get_freeze_count() == frozen
