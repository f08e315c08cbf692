"""One way for every test to run the `talentbrief` CLI and write its config file.

`run_cli` calls the real entry point in-process (`bot.cli.main`) and returns what it printed;
`write_config` writes a TOML config from Python values, quoting everything properly.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bot.cli import main


@dataclass(frozen=True)
class CliResult:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        assert self.code == 0, self.err
        return json.loads(self.out)

    @property
    def error_line(self) -> str:
        """The one line a failing command prints on stderr (asserted to be one line)."""
        lines = self.err.strip().splitlines()
        assert len(lines) == 1, self.err
        return lines[0]


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> CliResult:
    """Run `talentbrief ARGV…`; usage errors (argparse's SystemExit) become a result too."""
    capsys.readouterr()
    try:
        code = main(list(argv))
    except SystemExit as exit_:
        code = exit_.code if isinstance(exit_.code, int) else 1
    captured = capsys.readouterr()
    return CliResult(code, captured.out, captured.err)


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, Sequence):
        return "[" + ", ".join(_value(item) for item in value) + "]"
    raise TypeError(f"cannot write {value!r} as TOML")


def _table(name: str, values: Mapping[str, Any], *, array: bool = False) -> list[str]:
    header = f"[[{name}]]" if array else f"[{name}]"
    return [header, *(f"{key} = {_value(value)}" for key, value in values.items()), ""]


def write_config(
    path: Path,
    *,
    sources: Sequence[Mapping[str, Any]] = (),
    channels: Sequence[Mapping[str, Any]] = (),
    storage: str | None = None,
    poll: Mapping[str, Any] | None = None,
    extra: str = "",
) -> Path:
    """A config file with these sources and channels (each a mapping of keys to values)."""
    lines: list[str] = []
    if storage is not None:
        lines += _table("storage", {"url": storage})
    if poll:
        lines += _table("poll", poll)
    for source in sources:
        lines += _table("sources", source, array=True)
    for channel in channels:
        lines += _table("channels", channel, array=True)
    path.write_text("\n".join(lines) + extra + "\n", "utf-8")
    return path
