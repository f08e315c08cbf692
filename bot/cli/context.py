"""What every command handler gets: the config and the database, opened on first use."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from typing import Any, TextIO

from bot.config import Config, load_config
from storage.db import Database, open_database
from storage.sources import sync_config_sources


@dataclass
class CliContext:
    config_path: str | None = None
    stdout: TextIO = field(default_factory=lambda: sys.stdout)
    stderr: TextIO = field(default_factory=lambda: sys.stderr)
    _config: Config | None = None
    _database: Database | None = None

    @property
    def config(self) -> Config:
        if self._config is None:
            self._config = load_config(self.config_path)
        return self._config

    def database(self, *, sync_sources: bool = True) -> Database:
        """The migrated database, with the config's sources written into it."""
        if self._database is None:
            self._database = open_database(self.config.storage.url)
            if sync_sources:
                with self._database.session() as session:
                    sync_config_sources(session, self.config.source_specs())
        return self._database

    def print_json(self, value: Any) -> None:
        json.dump(value, self.stdout, ensure_ascii=False, indent=2, default=str)
        self.stdout.write("\n")

    def info(self, message: str) -> None:
        print(message, file=self.stderr)

    def close(self) -> None:
        if self._database is not None:
            self._database.dispose()
