"""What a newcomer meets in the first hour, beyond the README's path: help and log output."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import build_parser
from tests.cli import run_cli, write_config


def _talentbrief(cwd: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    """The real command in a process of its own: logging is configured as a user gets it."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TALENTBRIEF_")}
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *argv],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_verbose_after_the_subcommand_shows_the_projects_detail_and_no_alembic(
    tmp_path: Path,
) -> None:
    # A fresh database, so the migrations run (Alembic logs each at INFO), and a source that
    # fails, which the poll cycle logs at INFO.
    write_config(
        tmp_path / "talentbrief.toml",
        sources=[{"name": "Dead", "url": "http://127.0.0.1:1/feed.xml"}],
    )
    verbose = _talentbrief(tmp_path, "poll", "-v")
    assert verbose.returncode == 1  # every source failed
    assert "INFO feeds.poll: Dead: cannot connect" in verbose.stderr
    assert "alembic" not in verbose.stderr.lower()
    assert "Running upgrade" not in verbose.stderr

    (tmp_path / "talentbrief.db").unlink()
    quiet = _talentbrief(tmp_path, "poll")
    assert "INFO" not in quiet.stderr and "alembic" not in quiet.stderr.lower()


def _subcommands() -> list[list[str]]:
    found = []

    def walk(parser: object, prefix: list[str]) -> None:
        for action in getattr(parser, "_actions", []):
            choices = getattr(action, "choices", None)
            if isinstance(choices, dict):
                for name, child in choices.items():
                    found.append([*prefix, name])
                    walk(child, [*prefix, name])

    walk(build_parser(), [])
    return found


@pytest.mark.parametrize("argv", _subcommands(), ids=" ".join)
def test_every_help_is_plain_text(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    result = run_cli(capsys, *argv, "--help")
    assert result.code == 0
    for markup in ("`", "``", ":param", ":class:", "%(", "\\n", "Args:", "Returns:"):
        assert markup not in result.out, (argv, markup)


def test_the_demo_points_at_the_readme_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("TALENTBRIEF_CONFIG", raising=False)
    result = run_cli(capsys, "demo")
    assert result.code == 0
    last = result.out.strip().splitlines()[-1]
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text("utf-8")
    assert 'README, "After the demo"' in last and "## After the demo" in readme
    for command in ("source .venv/bin/activate", "cp config.example.toml talentbrief.toml"):
        assert command in last and command in readme
