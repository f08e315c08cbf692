"""The `talentbrief` command line.

Each command lives in its own module exposing `register(subparsers)`; the handler it sets
receives the parsed arguments and a `CliContext`. Machine-readable output goes to stdout alone;
progress and logs go to stderr. Exit codes: 0 success, 1 runtime failure, 2 bad input.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from typing import NoReturn

from bot import PROJECT_LOGGERS, __version__
from bot.cli import db as db_command
from bot.cli import demo, digest, feeds, poll, retag, run, search, tag
from bot.cli.context import CliContext
from storage.errors import BadInput, TalentbriefError

COMMANDS = (poll, feeds, tag, retag, search, digest, db_command, run, demo)

log = logging.getLogger(__name__)


class _Parser(argparse.ArgumentParser):
    """Usage mistakes get the house style: one line, exit code 2, and where to look."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"talentbrief: error: {message} (see `{self.prog} --help`)\n")


def one_line(message: object) -> str:
    """Messages from libraries (psycopg, the OS) may span lines; errors are one line."""
    return " ".join(str(message).split())


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="talentbrief",
        description="Briefings on the US–China competition for scientific and technical talent.",
    )
    parser.add_argument("--version", action="version", version=f"talentbrief {__version__}")
    parser.add_argument(
        "--config",
        metavar="PATH",
        help="config file (default: $TALENTBRIEF_CONFIG, else ./talentbrief.toml, else built-in)",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log more to stderr")
    parser.add_argument("--debug", action="store_true", help="show tracebacks of failures")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module in COMMANDS:
        module.register(subparsers)
    return parser


def _configure_logging(verbose: bool) -> None:
    logging.basicConfig(
        level=logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    if verbose:  # the project's own detail; libraries (Alembic, aiohttp) stay at warnings
        for name in PROJECT_LOGGERS:
            logging.getLogger(name).setLevel(logging.DEBUG)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    _configure_logging(args.verbose)
    context = CliContext(config_path=args.config)
    try:
        code: int = args.handler(args, context)
        return code
    except BadInput as exc:
        print(f"talentbrief: error: {one_line(exc)}", file=sys.stderr)
        return 2
    except TalentbriefError as exc:
        if args.debug:
            log.exception("failed")
        print(f"talentbrief: failed: {one_line(exc)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("talentbrief: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0  # e.g. `talentbrief search … | head`
    except Exception as exc:  # a bug: keep the user's terminal readable, keep the details
        if args.debug:
            raise
        print(
            f"talentbrief: failed: {type(exc).__name__}: {one_line(exc)} "
            "(run with --debug for details)",
            file=sys.stderr,
        )
        return 1
    finally:
        context.close()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
