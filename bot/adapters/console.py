"""The console sink: prints the plain-text digest (for a terminal, a log, or a cron mail)."""

from __future__ import annotations

import sys
from datetime import datetime
from typing import TextIO

from bot.adapters.base import LookupImpossible, Part


class ConsolePoster:
    platform = "console"

    def __init__(self, stream: TextIO | None = None) -> None:
        self._stream = stream

    async def post(self, part: Part) -> str:
        stream = self._stream or sys.stdout
        stream.write(str(part.body.get("text", "")))
        stream.flush()
        return f"console:{part.run_key}:{part.index}"

    async def find_posted(self, part: Part, *, since: datetime) -> str | None:
        raise LookupImpossible("the console keeps no record of what it printed")

    async def aclose(self) -> None:
        return None
