"""Every config value is bounded and checked at load, naming the key; database errors name the
database (password hidden) and never print SQL. Each used to crash later with a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from storage.db import open_database
from tests.cli import run_cli

SOURCE = '[[sources]]\nname = "USCIS news"\nurl = "https://www.uscis.gov/news/rss-feed/59144"\n'


@pytest.mark.parametrize(
    ("toml", "key", "reason"),
    [
        (SOURCE + 'interval = "9999999999999w"\n', "sources[0].interval", "not a duration"),
        (SOURCE + 'interval = "600w"\n', "sources[0].interval", "longer than ten years"),
        (SOURCE + "priority = 99999999999999999999999\n", "sources[0].priority", "1000"),
        (
            SOURCE.replace("https://www", "https://user:pw@:99x"),
            "sources[0].url",
            "not a valid URL",
        ),
        ('[poll]\nuser_agent = "talentbrief\\r\\nX-Injected: 1"\n', "poll.user_agent", "control"),
        ('[poll]\ntimeout = "3d"\n', "poll.timeout", "600"),
        ('[poll]\nconnect_timeout = "2h"\n', "poll.connect_timeout", "600"),
        ("[poll]\nmax_bytes = 99999999999999\n", "poll.max_bytes", "1073741824"),
        ("[poll]\nfailing_after = 100000\n", "poll.failing_after", "1000"),
        ('[poll]\nmax_backoff = "400d"\n', "poll.max_backoff", "2592000"),
        ('[leases]\nsources = "1s"\n', "leases.sources", "greater than or equal to 2"),
        ('[leases]\ndigests = "2d"\n', "leases.digests", "3600"),
        ('[slack]\napi_base_url = "slack.com/api"\n', "slack.api_base_url", "http(s)"),
        ('[discord]\napi_base_url = "https://"\n', "discord.api_base_url", "no host"),
        ('[storage]\nurl = "postgresql://bot:pw@db.internal:abc/brief"\n', "storage.url", "port"),
        ('[storage]\nurl = "postgresql://bot:pw@db.internal:99999/brief"\n', "storage.url", "port"),
    ],
)
def test_a_bad_value_is_refused_at_load_naming_the_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], toml: str, key: str, reason: str
) -> None:
    config = tmp_path / "talentbrief.toml"
    config.write_text(toml, "utf-8")
    result = run_cli(capsys, "--config", str(config), "feeds", "list")
    assert result.code == 2, result.err
    line = result.error_line
    assert f": {key}: " in line and reason in line, line
    assert ":pw@" not in line


def test_a_bad_database_url_in_the_environment_is_refused_without_its_password(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TALENTBRIEF_DATABASE_URL", "postgresql://bot:hunter2@db:abc/brief")
    config = tmp_path / "talentbrief.toml"
    config.write_text(SOURCE, "utf-8")
    result = run_cli(capsys, "--config", str(config), "feeds", "list")
    assert result.code == 2
    assert "$TALENTBRIEF_DATABASE_URL" in result.error_line and "hunter2" not in result.err


def test_a_priority_out_of_range_is_bad_input_for_feeds_add(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TALENTBRIEF_DATABASE_URL", f"sqlite:///{tmp_path / 'tb.db'}")
    config = tmp_path / "talentbrief.toml"
    config.write_text("", "utf-8")
    result = run_cli(
        capsys, "--config", str(config), "feeds", "add", "https://a.example/f",
        "--priority", str(2**70),
    )  # fmt: skip
    assert result.code == 2 and "priority must be between" in result.error_line


def test_a_garbage_database_file_is_named_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    garbage = tmp_path / "talentbrief.db"
    garbage.write_bytes(b"this is a spreadsheet, not a database\n" * 200)
    monkeypatch.setenv("TALENTBRIEF_DATABASE_URL", f"sqlite:///{garbage}")
    config = tmp_path / "talentbrief.toml"
    config.write_text(SOURCE, "utf-8")
    result = run_cli(capsys, "--config", str(config), "feeds", "list")
    assert result.code == 1
    assert str(garbage) in result.error_line and "file is not a database" in result.error_line


def test_a_read_only_database_is_named_and_no_sql_is_printed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "talentbrief.db"
    open_database(f"sqlite:///{path}").dispose()
    monkeypatch.setenv("TALENTBRIEF_DATABASE_URL", f"sqlite:///file:{path}?mode=ro&uri=true")
    config = tmp_path / "talentbrief.toml"
    config.write_text(SOURCE, "utf-8")
    result = run_cli(capsys, "--config", str(config), "feeds", "list")
    assert result.code == 1
    line = result.error_line
    assert str(path) in line and "attempt to write a readonly database" in line
    assert "INSERT" not in result.err and "SQL" not in result.err
