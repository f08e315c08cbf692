"""Every mistake is one line on stderr with the right exit code, never a usage dump or traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import main


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["search"], "the following arguments are required: QUERY"),
        (["run", "--poll-every", "0s"], "must be longer than zero"),
        (["nosuchcommand"], "invalid choice: 'nosuchcommand'"),
        (["search", "visa", "--limit", "many"], "invalid int value"),
        (["search", "visa", "--typo"], "unrecognized arguments: --typo"),
        (["feeds", "list", "extra"], "unrecognized arguments: extra"),
    ],
)
def test_usage_mistakes_are_one_line_with_exit_2(
    argv: list[str], expected: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(argv)
    captured = capsys.readouterr()
    assert stopped.value.code == 2
    assert captured.out == ""
    [line] = captured.err.splitlines()
    assert line.startswith("talentbrief: error: ") and expected in line
    assert line.endswith("--help`)")


@pytest.mark.parametrize(
    ("argv", "help_of"),
    [
        (["poll", "--bogus"], "talentbrief poll"),
        (["feeds", "add", "https://example.org/feed", "--bogus"], "talentbrief feeds add"),
        (["search", "visa", "--typo"], "talentbrief search"),
    ],
)
def test_an_unknown_option_points_to_its_commands_help(
    argv: list[str], help_of: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit):
        main(argv)
    assert capsys.readouterr().err.rstrip().endswith(f"(see `{help_of} --help`)")


def test_an_unreachable_database_is_one_line_with_exit_1(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("TALENTBRIEF_CONFIG", raising=False)
    # Port 1 on loopback: nothing listens, and psycopg's message spans two lines.
    monkeypatch.setenv("TALENTBRIEF_DATABASE_URL", "postgresql+psycopg://nobody@127.0.0.1:1/x")
    assert main(["feeds", "list"]) == 1
    captured = capsys.readouterr()
    [line] = captured.err.splitlines()
    assert line.startswith("talentbrief: failed: cannot open database")
    assert "Traceback" not in captured.err
