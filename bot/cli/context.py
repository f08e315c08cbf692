"""What every command handler gets: the application core, built on first use, and the streams."""

from __future__ import annotations

import contextlib
import gc
import json
import signal
import sys
from collections.abc import Coroutine, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TextIO, TypeAlias, TypeVar

if TYPE_CHECKING:
    import argparse

    from bot.config import Config
    from bot.core import Talentbrief

    # What each command's `register` receives (argparse names the class privately).
    Subcommands: TypeAlias = argparse._SubParsersAction[argparse.ArgumentParser]

T = TypeVar("T")


class Terminated(Exception):
    """SIGTERM stopped the command (after its cleanup)."""


@dataclass
class CliContext:
    config_path: str | None = None
    stdout: TextIO = field(default_factory=lambda: sys.stdout)
    stderr: TextIO = field(default_factory=lambda: sys.stderr)
    # The command owns its process (not a test calling `main` in process): start-up may set
    # the garbage collector aside (see `start_up`).
    owns_process: bool = False
    _core: Talentbrief | None = None

    @contextlib.contextmanager
    def start_up(self) -> Iterator[None]:
        """Loading the modules and the config a command needs, with the collector off, then
        frozen out of its sight.

        What start-up builds lives as long as the process: collections during it find nothing
        to free, and every later full collection would walk all of it again (≈ 10 % of the CPU
        of a no-change poll of 1,000 feeds; one full collection there takes ~60 ms). The few
        cycles start-up leaves behind (≈ 1,700 objects) stay frozen with it. Nested uses freeze
        once, at the outermost.
        """
        if not self.owns_process or not gc.isenabled():
            yield
            return
        gc.disable()
        try:
            yield
        finally:
            gc.freeze()
            gc.enable()

    @property
    def config(self) -> Config:
        return self.core.config

    @property
    def core(self) -> Talentbrief:
        """The core over the config file (read and validated on first use)."""
        if self._core is None:
            with self.start_up():
                from bot.config import load_config
                from bot.core import Talentbrief

                self._core = Talentbrief(load_config(self.config_path), console=self.stdout)
        return self._core

    @property
    def has_core(self) -> bool:
        return self._core is not None

    def run(self, work: Coroutine[Any, Any, T]) -> T:
        """Run one of the core's coroutines to completion (commands are synchronous).

        SIGTERM cancels it, as Ctrl-C does, so its cleanup runs (a poll gives back the sources
        it had not finished), then raises Terminated.
        """
        import asyncio  # not at the top: `--help` and pure-text commands never need it

        terminated = False

        async def main() -> T:
            task = asyncio.current_task()
            loop = asyncio.get_running_loop()

            def terminate() -> None:
                nonlocal terminated
                terminated = True
                if task is not None:
                    task.cancel()

            with contextlib.suppress(NotImplementedError, RuntimeError):  # not on this platform
                loop.add_signal_handler(signal.SIGTERM, terminate)
            return await work

        try:
            return asyncio.run(main())
        except asyncio.CancelledError:
            if terminated:
                raise Terminated from None
            raise

    def print_json(self, value: Any) -> None:
        json.dump(value, self.stdout, ensure_ascii=False, indent=2, default=str)
        self.stdout.write("\n")

    def out(self, text: str = "") -> None:
        print(text, file=self.stdout)

    def info(self, message: str) -> None:
        print(message, file=self.stderr)

    def close(self) -> None:
        if self._core is not None:
            self._core.close()
