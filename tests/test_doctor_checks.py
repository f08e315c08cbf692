"""`talentbrief doctor`'s checks that need no chat platform: sources, schedules, database, config.

The chat checks, against the fake Slack and Discord APIs, are in test_doctor.py.
"""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine

from bot.config import load_config
from bot.core import Talentbrief
from bot.doctor import DoctorReport
from storage.migrate import alembic_config, head_revision, upgrade
from tests.cli import run_cli, write_config
from tests.feed_server import FeedServer
from tests.loopback import serve_on_loopback

FIXTURES = Path(__file__).parent / "fixtures"
NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)  # a Monday


async def test_sources_are_checked_at_the_same_time(tmp_path: Path) -> None:
    """Each feed answers only once all three requests have arrived: checked one after another,
    the first would wait in vain and time out."""
    arrived: list[web.Request] = []
    everyone = asyncio.Event()
    body = (FIXTURES / "rss20.xml").read_bytes()

    async def gated(request: web.Request) -> web.Response:
        arrived.append(request)
        if len(arrived) == 3:
            everyone.set()
        await asyncio.wait_for(everyone.wait(), 10)
        return web.Response(body=body, content_type="application/rss+xml")

    app = web.Application()
    app.router.add_get("/{name}", gated)
    runner, port = await serve_on_loopback(app)
    try:
        sources = [{"name": n, "url": f"http://127.0.0.1:{port}/{n}"} for n in "abc"]
        path = write_config(
            tmp_path / "c.toml",
            sources=sources,
            storage=f"sqlite:///{tmp_path / 'tb.db'}",
            poll={"timeout": "5s"},
        )
        core = Talentbrief(load_config(path, env={}), env={})
        report = await core.doctor()
    finally:
        await runner.cleanup()
    assert [c.status for c in report.checks if c.area == "source"] == ["ok", "ok", "ok"]


async def test_the_poll_timeout_bounds_a_source_that_hangs(
    feed_server: FeedServer, tmp_path: Path
) -> None:
    sources = [{"name": "Stalls", "url": feed_server.url("/hang")}]
    path = write_config(
        tmp_path / "c.toml",
        sources=sources,
        storage=f"sqlite:///{tmp_path / 'tb.db'}",
        poll={"timeout": "1s"},
    )
    report = await Talentbrief(load_config(path, env={}), env={}).doctor()
    [stalled] = [c for c in report.checks if c.area == "source"]
    assert stalled.status == "problem" and "timed out after 1 s" in stalled.detail


def _schedules(report: DoctorReport) -> dict[str, str]:
    return {c.name: c.detail for c in report.checks if c.area == "schedule"}


async def test_each_channel_says_when_its_next_digest_is_due(tmp_path: Path) -> None:
    channels: list[dict[str, Any]] = [
        {"name": "ny", "timezone": "America/New_York", "days": ["mon", "tue"]},
        {"name": "shanghai", "timezone": "Asia/Shanghai", "schedule": "0 7 * * 1-5"},
        {"name": "never", "schedule": "0 8 30 2 *"},
    ]
    path = write_config(
        tmp_path / "c.toml", channels=channels, storage=f"sqlite:///{tmp_path / 'tb.db'}"
    )
    report = await Talentbrief(load_config(path, env={}), env={}).doctor(now=NOW)
    schedules = _schedules(report)
    assert schedules["ny"] == (
        "next digest Mon 2026-03-02 08:00 EST (America/New_York) = 13:00 UTC"
    )
    assert schedules["shanghai"] == (
        "next digest Tue 2026-03-03 07:00 CST (Asia/Shanghai) = Mon 23:00 UTC"
    )
    assert "never fires" in schedules["never"]
    [never] = [c for c in report.checks if c.name == "never" and c.area == "schedule"]
    assert never.status == "problem" and not report.ok
    ny = next(c for c in report.checks if c.name == "ny" and c.area == "schedule")
    assert ny.next_post is not None and ny.next_post.utcoffset() is not None
    assert ny.next_post.astimezone(UTC) == datetime(2026, 3, 2, 13, 0, tzinfo=UTC)


def test_a_database_behind_the_newest_migration_is_a_problem(
    database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    engine = create_engine(database_url)
    try:
        upgrade(engine, _second_newest_revision())
    finally:
        engine.dispose()
    path = write_config(tmp_path / "c.toml", storage=database_url)
    result = run_cli(capsys, "--config", str(path), "doctor", "--json")
    assert result.code == 1
    [row] = [row for row in json.loads(result.out)["checks"] if row["check"] == "database"]
    assert row["status"] == "problem"
    assert f"the newest is {head_revision()}: run `talentbrief db upgrade`" in row["detail"]


def _second_newest_revision() -> str:
    _newest, second, *_ = ScriptDirectory.from_config(alembic_config()).walk_revisions()
    return second.revision  # walk_revisions goes newest first


def test_a_missing_sqlite_file_is_not_created_and_an_unreachable_server_is_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_config(tmp_path / "c.toml", storage=f"sqlite:///{tmp_path / 'new.db'}")
    result = run_cli(capsys, "--config", str(path), "doctor", "--json")
    [row] = [row for row in json.loads(result.out)["checks"] if row["check"] == "database"]
    assert row["status"] == "ok" and "not created yet" in row["detail"]
    assert not (tmp_path / "new.db").exists()
    assert result.code == 0  # no sources, no channels: nothing else to fail

    path = write_config(
        tmp_path / "c.toml", storage="postgresql+psycopg://nobody@127.0.0.1:1/talentbrief"
    )
    result = run_cli(capsys, "--config", str(path), "doctor", "--json")
    assert result.code == 1
    [row] = [row for row in json.loads(result.out)["checks"] if row["check"] == "database"]
    assert row["status"] == "problem" and row["detail"].startswith("cannot read it: ")
    assert "\n" not in row["detail"]


def test_a_broken_config_is_the_one_problem_reported(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "talentbrief.toml"
    path.write_text('[[channels]]\nname = "desk"\ntimezone = "Mars/Olympus"\n', "utf-8")
    result = run_cli(capsys, "--config", str(path), "doctor", "--json")
    assert result.code == 1
    data = json.loads(result.out)
    [row] = data["checks"]
    assert data["ok"] is False and row["check"] == "config" and row["status"] == "problem"
    assert "channels[0].timezone: unknown IANA time zone 'Mars/Olympus'" in row["detail"]
    table = run_cli(capsys, "--config", str(tmp_path / "missing.toml"), "doctor")
    assert table.code == 1 and "does not exist" in table.out and "PROBLEM" in table.out
